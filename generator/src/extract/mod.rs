//! `atlas-codegen extract`: cuts a self-contained excerpt out of the upstream spec.
//!
//! ```text
//! upstream text --serde_yaml--> ordered YAML value
//!   --closure--> named operations + every component they reach (upstream order)
//!   --overlay--> hand edits applied, each remembered with its description
//!   --yaml--> header comment + YAML text, descriptions as comments where they apply
//! ```
//!
//! Pure like the rest of the library: the binary reads the files and writes the result. The
//! output depends only on the inputs (and the names they are shown under), so re-running on
//! the same upstream reproduces the committed excerpt byte for byte.

pub mod closure;
pub mod overlay;
pub mod target;
pub mod watchers;
pub mod yaml;

use serde_yaml::Value;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::SourceMap;

/// The command the header shows when the defaults were used: operations from
/// `spec/operations.txt`, overlay `spec/overlay.yaml`, output `spec/atlas-backups.yaml`.
pub fn default_command(upstream_file: &str) -> String {
    format!("cargo run -p atlas-codegen -- extract --from {upstream_file}")
}

/// The operation names in an operations file: one per line; blank lines and `#` comments
/// (whole-line or trailing) are ignored.
pub fn parse_operation_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Extracts `operations` (by `operationId` or `x-xgen-operation-id-override`) from the
/// upstream spec `upstream_text` (read from `upstream_file`), applies the overlay
/// `(file, text)` if given, and returns the excerpt's text. The header's re-run command is
/// [`default_command`].
pub fn extract(
    upstream_file: &str,
    upstream_text: &str,
    operations: &[String],
    overlay: Option<(&str, &str)>,
) -> Result<String, Diagnostics> {
    extract_with_command(
        upstream_file,
        upstream_text,
        operations,
        overlay,
        &default_command(upstream_file),
    )
}

/// [`extract`] with the re-run command the header shows.
pub fn extract_with_command(
    upstream_file: &str,
    upstream_text: &str,
    operations: &[String],
    overlay: Option<(&str, &str)>,
    command: &str,
) -> Result<String, Diagnostics> {
    // The overlay is small: check it first so its mistakes show without parsing upstream.
    let overlay = overlay
        .map(|(file, text)| {
            overlay::parse(file, text, overlay::Descriptions::Required)
                .map(|parsed| (parsed, SourceMap::index(file, text)))
        })
        .transpose()?;

    let upstream_map = SourceMap::index(upstream_file, upstream_text);
    let locate_all = |problems: Vec<Diagnostic>| {
        Diagnostics(
            problems
                .into_iter()
                .map(|problem| upstream_map.locate(problem))
                .collect(),
        )
    };
    let upstream = parse_yaml(upstream_file, upstream_text)?;
    let Some(root) = upstream.as_mapping() else {
        return Err(locate_all(vec![Diagnostic::at(
            "",
            "the upstream document must be a mapping (an OpenAPI object)",
        )]));
    };
    let mut excerpt = closure::excerpt(root, operations).map_err(locate_all)?;

    let comments = match &overlay {
        Some((parsed, source_map)) => {
            let anchors = overlay::apply(parsed, &mut excerpt.document, source_map)?;
            overlay::comments(parsed, &anchors, &excerpt.document)
        }
        None => yaml::Comments::new(),
    };
    let body = yaml::to_yaml(&excerpt.document, &comments)
        .map_err(|message| locate_all(vec![Diagnostic::at("", message)]))?;

    let header = Header {
        upstream_file,
        upstream: &upstream,
        operations,
        dropped_root_keys: &excerpt.dropped_root_keys,
        overlay: overlay
            .as_ref()
            .map(|(parsed, source_map)| (source_map.file(), parsed)),
        command,
    };
    Ok(header.render() + &body)
}

/// Parses YAML text into an order-preserving value; a syntax error keeps serde_yaml's location.
pub(crate) fn parse_yaml(file: &str, text: &str) -> Result<Value, Diagnostics> {
    serde_yaml::from_str(text).map_err(|error| {
        let location = error.location();
        // serde_yaml appends " at line L column C"; the diagnostic carries those separately.
        let message = error.to_string();
        let message = message.split(" at line ").next().unwrap_or_default();
        Diagnostics::one(Diagnostic {
            file: file.to_owned(),
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            pointer: String::new(),
            message: format!("not valid YAML: {message}"),
            severity: crate::diagnostics::Severity::Error,
        })
    })
}

struct Header<'a> {
    upstream_file: &'a str,
    upstream: &'a Value,
    operations: &'a [String],
    dropped_root_keys: &'a [String],
    overlay: Option<(&'a str, &'a overlay::Overlay)>,
    command: &'a str,
}

impl Header<'_> {
    fn render(&self) -> String {
        let info = |key: &str| {
            self.upstream
                .get("info")
                .and_then(|info| info.get(key))
                .and_then(Value::as_str)
        };
        let mut lines = vec![
            format!(
                "{}: an excerpt of {}.",
                info("title").unwrap_or("OpenAPI"),
                self.upstream_file
            ),
            "Generated by `atlas-codegen extract`; do not edit by hand: change the operation list"
                .to_owned(),
            "or the overlay and re-run the command below.".to_owned(),
            String::new(),
        ];
        match info("x-xgen-sha") {
            Some(sha) => lines.push(format!(
                "Upstream: {} (info.x-xgen-sha {sha}).",
                self.upstream_file
            )),
            None => lines.push(format!("Upstream: {}.", self.upstream_file)),
        }
        lines.push("Operations:".to_owned());
        lines.extend(self.operations.iter().map(|name| format!("  {name}")));
        lines.push(
            "plus the transitive closure of the components they reference, in upstream order."
                .to_owned(),
        );
        let mut left_out = "Left out: the other paths, components and tags".to_owned();
        if !self.dropped_root_keys.is_empty() {
            let keys: Vec<String> = self
                .dropped_root_keys
                .iter()
                .map(|key| format!("`{key}`"))
                .collect();
            left_out += &format!("; root keys {}", keys.join(", "));
        }
        lines.push(left_out + ".");
        match self.overlay {
            Some((file, overlay)) => {
                lines.push(format!(
                    "Overlay applied: {file} (\"{}\", version {}).",
                    overlay.title, overlay.version
                ));
                lines.push("Each change is also commented where it applies:".to_owned());
                for (index, action) in overlay.actions.iter().enumerate() {
                    let verb = match action.change {
                        overlay::Change::Update(_) => "update",
                        overlay::Change::Remove => "remove",
                    };
                    lines.push(format!("  {}. {verb} {}", index + 1, action.target));
                    lines.push(format!(
                        "     {}",
                        brief(action.description.as_deref().unwrap_or_default())
                    ));
                }
            }
            None => lines.push("No overlay: everything kept is upstream's, unchanged.".to_owned()),
        }
        lines.push(String::new());
        lines.push("Re-run from the workspace root:".to_owned());
        lines.push(format!("  {}", self.command));
        let mut text = String::new();
        for line in lines {
            if line.is_empty() {
                text.push_str("#\n");
            } else {
                text.push_str("# ");
                text.push_str(&line);
                text.push('\n');
            }
        }
        text
    }
}

/// The first sentence of a description's first paragraph, on one line, at most ~100
/// characters.
fn brief(description: &str) -> String {
    let paragraph: Vec<&str> = description
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect();
    let paragraph = paragraph.join(" ");
    let sentence = match paragraph.find(". ") {
        Some(end) => &paragraph[..=end],
        None => paragraph.as_str(),
    };
    if sentence.chars().count() <= 100 {
        return sentence.to_owned();
    }
    let mut cut: String = sentence.chars().take(99).collect();
    if let Some(space) = cut.rfind(' ') {
        cut.truncate(space);
    }
    cut + "…"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_lists_allow_comments_and_blanks() {
        let text = "# the four\ngetA\n\n  getB  # trailing\n#getC\n";
        assert_eq!(parse_operation_list(text), ["getA", "getB"]);
    }

    #[test]
    fn briefs_are_one_short_sentence() {
        assert_eq!(brief("Short. More here.\nAnd more."), "Short.");
        assert_eq!(
            brief("Wrapped\nline.\n\nSecond paragraph."),
            "Wrapped line."
        );
        let long = "word ".repeat(40);
        let cut = brief(&long);
        assert!(cut.ends_with('…') && cut.chars().count() <= 100, "{cut}");
    }
}
