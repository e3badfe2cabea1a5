//! `atlas-codegen extract`: cuts a self-contained excerpt out of the upstream spec.
//!
//! ```text
//! upstream text --serde_yaml--> ordered YAML value
//!   --closure--> named (or all) operations + every component they reach (upstream order)
//!   --overlay--> hand edits applied, each remembered with its description
//!   --watcher_overlay--> upstream's watchers applied where their operations are kept, checked
//!   --yaml--> header comment + YAML text, descriptions as comments where they apply
//! ```
//!
//! Pure like the rest of the library: the binary reads the files and writes the result. The
//! output depends only on the inputs (and the names they are shown under), so re-running on
//! the same upstream reproduces the committed excerpt byte for byte.

pub mod closure;
pub mod overlay;
pub mod target;
pub mod watcher_overlay;
pub mod watchers;
pub mod yaml;

use serde_yaml::Value;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::SourceMap;

pub use watcher_overlay::InvalidWatchers;

/// The command the header shows when the defaults were used: operations from
/// `spec/operations.txt`, overlay `spec/overlay.yaml`, the watchers beside upstream, output
/// `spec/atlas-backups.yaml`.
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

/// A file the extraction reads: its name (as diagnostics and the header show it) and text.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

/// Which operations the excerpt keeps.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// These, by `operationId` or `x-xgen-operation-id-override`.
    Named(&'a [String]),
    /// Every operation of upstream (a whole-spec cut, with the overlays applied).
    All,
}

/// What [`extract`] works from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub upstream: Source<'a>,
    pub operations: Selection<'a>,
    /// The hand-edit overlay (`spec/overlay.yaml`), if any.
    pub overlay: Option<Source<'a>>,
    /// The watcher overlay shipped with upstream (`watchers.yaml`), if any, and what to do
    /// with a watcher that does not check out.
    pub watchers: Option<(Source<'a>, InvalidWatchers)>,
}

/// The excerpt's text, and what happened to the watchers (for the command to report).
#[derive(Debug, Clone)]
pub struct Extracted {
    pub text: String,
    pub watchers: Option<watcher_overlay::Report>,
}

/// Cuts the excerpt `inputs` describe out of upstream: the operations and the closure of the
/// components they reach, then the hand edits, then the watchers. The header's re-run command
/// is `command` (see [`default_command`]).
pub fn extract(inputs: &Inputs, command: &str) -> Result<Extracted, Diagnostics> {
    // The overlays are small: check them first so their mistakes show without parsing upstream.
    let overlay = inputs
        .overlay
        .map(|Source { file, text }| {
            overlay::parse(file, text, overlay::Descriptions::Required)
                .map(|parsed| (parsed, SourceMap::index(file, text)))
        })
        .transpose()?;
    let watchers = inputs
        .watchers
        .map(|(Source { file, text }, invalid)| {
            watcher_overlay::parse(file, text).map(|(parsed, map)| (parsed, map, invalid))
        })
        .transpose()?;

    let Source {
        file: upstream_file,
        text: upstream_text,
    } = inputs.upstream;
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
    let all_names;
    let operations = match inputs.operations {
        Selection::Named(names) => names,
        Selection::All => {
            all_names = closure::all_operation_names(root).map_err(locate_all)?;
            &all_names
        }
    };
    let mut excerpt = closure::excerpt(root, operations).map_err(locate_all)?;

    let mut comments = match &overlay {
        Some((parsed, source_map)) => {
            let applied = overlay::apply(parsed, &mut excerpt.document, source_map)?;
            overlay::comments(parsed, &applied, &excerpt.document)
        }
        None => yaml::Comments::new(),
    };
    let report = match &watchers {
        Some((parsed, source_map, invalid)) => {
            let (report, watcher_comments) = watcher_overlay::apply(
                parsed,
                source_map,
                &mut excerpt.document,
                &upstream,
                *invalid,
            )?;
            for (anchor, lines) in watcher_comments {
                comments.entry(anchor).or_default().extend(lines);
            }
            Some(report)
        }
        None => None,
    };
    let body = yaml::to_yaml(&excerpt.document, &comments)
        .map_err(|message| locate_all(vec![Diagnostic::at("", message)]))?;

    let header = Header {
        upstream_file,
        upstream: &upstream,
        operations: match inputs.operations {
            Selection::Named(names) => Operations::Named(names),
            Selection::All => Operations::All(operations.len()),
        },
        dropped_root_keys: &excerpt.dropped_root_keys,
        overlay: overlay
            .as_ref()
            .map(|(parsed, source_map)| (source_map.file(), parsed)),
        watchers: report.as_ref(),
        command,
    };
    Ok(Extracted {
        text: header.render() + &body,
        watchers: report,
    })
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
    operations: Operations<'a>,
    dropped_root_keys: &'a [String],
    overlay: Option<(&'a str, &'a overlay::Overlay)>,
    watchers: Option<&'a watcher_overlay::Report>,
    command: &'a str,
}

/// The operations as the header lists them.
enum Operations<'a> {
    Named(&'a [String]),
    /// Every one of upstream's, this many.
    All(usize),
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
        match self.operations {
            Operations::Named(names) => {
                lines.push("Operations:".to_owned());
                lines.extend(names.iter().map(|name| format!("  {name}")));
            }
            Operations::All(count) => lines.push(format!("Operations: all {count} of upstream,")),
        }
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
        match self.watchers {
            Some(report) => lines.push(watchers_line(report)),
            None => lines.push("No watchers applied.".to_owned()),
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

/// The header's account of the watcher overlay: which actions apply where, and why the others
/// do not.
fn watchers_line(report: &watcher_overlay::Report) -> String {
    let mut line = format!(
        "Watchers applied: {} (\"{}\", version {}): {} of {} actions",
        report.file,
        report.title,
        report.version,
        report.applied_actions().len(),
        report.actions
    );
    let on = report.watched_operations();
    if !on.is_empty() {
        line += &format!(", on {}", on.join(", "));
    }
    line += &format!(
        "; the other {} target operations outside the excerpt",
        report.outside
    );
    match report.not_in_upstream {
        0 => {}
        count if count == report.outside => line += " (none of them in upstream)",
        count => line += &format!(" ({count} of them not in upstream either)"),
    }
    let skipped: Vec<String> = report
        .skipped_actions()
        .into_iter()
        .map(|(action, name)| format!("action {} on {name}", action + 1))
        .collect();
    if !skipped.is_empty() {
        line += &format!(
            "; {} left out as invalid (--skip-invalid-watchers): {}",
            skipped.len(),
            skipped.join(", ")
        );
    }
    line + "."
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
