//! Hand edits to an excerpt, kept apart from it as an OpenAPI Overlay 1.0 document.
//!
//! Only the subset this project needs: `overlay: 1.0.x`, `info` (`title`, `version`), and
//! `actions`, each with a `target` JSONPath of plain member accesses (`$`, `.name`,
//! `['name']`), a `description`, and either `update` (deep-merged into the target: mappings
//! merge key by key, anything else replaces) or `remove: true`. A target that matches nothing
//! is an error, not a silent no-op: an overlay that no longer applies to a new upstream must be
//! looked at. Each action's description becomes a comment in the excerpt where it applies.

use serde_yaml::{Mapping, Value};

use crate::diagnostics::{child, Diagnostic, Diagnostics};
use crate::load::SourceMap;

use super::yaml::Comments;

/// A parsed overlay document.
#[derive(Debug, Clone)]
pub struct Overlay {
    pub title: String,
    pub version: String,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone)]
pub struct Action {
    /// The target as written.
    pub target: String,
    /// The target's member names, root first.
    pub path: Vec<String>,
    pub description: String,
    pub change: Change,
}

#[derive(Debug, Clone)]
pub enum Change {
    Update(Value),
    Remove,
}

/// Parses a JSONPath of the supported subset into member names: `$`, then any of `.name`,
/// `['name']` or `["name"]` (the bracket forms for names with `.`, `/`, `{`, or quotes, which
/// take `\\`, `\'` and `\"` escapes). The error says what is wrong and at which character.
pub fn parse_target(target: &str) -> Result<Vec<String>, String> {
    let mut chars = target.char_indices().peekable();
    if chars.next().map(|(_, c)| c) != Some('$') {
        return Err("a target must start with `$`".into());
    }
    let mut path = Vec::new();
    while let Some((at, c)) = chars.next() {
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c == '.' || c == '[' {
                        break;
                    }
                    if c.is_whitespace() || "*?()@$,:'\"]".contains(c) {
                        return Err(format!(
                            "unsupported character `{c}` in a `.name` segment (character {}); \
                             use the `['name']` form",
                            at + 1
                        ));
                    }
                    name.push(c);
                    chars.next();
                }
                if name.is_empty() {
                    return Err(format!(
                        "empty member name after `.` (character {}); recursive descent `..` is not supported",
                        at + 1
                    ));
                }
                path.push(name);
            }
            '[' => {
                let quote = match chars.next() {
                    Some((_, quote @ ('\'' | '"'))) => quote,
                    _ => {
                        return Err(format!(
                            "only quoted member names are supported in brackets (character {}); \
                             no indices, wildcards or filters",
                            at + 1
                        ))
                    }
                };
                let mut name = String::new();
                loop {
                    match chars.next() {
                        None => return Err(format!("unterminated `[` at character {}", at + 1)),
                        Some((_, '\\')) => match chars.next() {
                            Some((_, c @ ('\\' | '\'' | '"'))) => name.push(c),
                            _ => {
                                return Err(format!(
                                    "unsupported escape in the name starting at character {}",
                                    at + 1
                                ))
                            }
                        },
                        Some((_, c)) if c == quote => break,
                        Some((_, c)) => name.push(c),
                    }
                }
                if chars.next().map(|(_, c)| c) != Some(']') {
                    return Err(format!(
                        "expected `]` after the name starting at character {}",
                        at + 1
                    ));
                }
                path.push(name);
            }
            other => {
                return Err(format!(
                    "unexpected `{other}` at character {}; expected `.name` or `['name']`",
                    at + 1
                ))
            }
        }
    }
    Ok(path)
}

/// Writes `path` back as a JSONPath, for messages.
pub fn display_path(path: &[String]) -> String {
    let mut text = String::from("$");
    for name in path {
        let simple = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if simple {
            text.push('.');
            text.push_str(name);
        } else {
            text.push_str("['");
            text.push_str(&name.replace('\\', "\\\\").replace('\'', "\\'"));
            text.push_str("']");
        }
    }
    text
}

/// Parses the overlay file `file` with contents `text`.
pub fn parse(file: &str, text: &str) -> Result<Overlay, Diagnostics> {
    let source_map = SourceMap::index(file, text);
    let mut problems = Vec::new();
    let mut problem = |pointer: String, message: String| {
        problems.push(source_map.locate(Diagnostic::at(pointer, message)));
    };
    let document = super::parse_yaml(file, text)?;
    let Some(root) = document.as_mapping() else {
        problem(String::new(), "an overlay must be a mapping".into());
        return Err(Diagnostics(problems));
    };
    match root.get("overlay").and_then(Value::as_str) {
        Some(version) if version.starts_with("1.") => {}
        _ => problem(
            "/overlay".into(),
            "expected `overlay: 1.0.0` (OpenAPI Overlay Specification 1.x)".into(),
        ),
    }
    let info_text = |key: &str| {
        root.get("info")
            .and_then(|info| info.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (title, version) = (info_text("title"), info_text("version"));
    if title.is_none() || version.is_none() {
        problem(
            "/info".into(),
            "expected `info` with string `title` and `version`".into(),
        );
    }
    let mut actions = Vec::new();
    match root.get("actions").and_then(Value::as_sequence) {
        None => problem(
            "/actions".into(),
            "expected `actions`, a sequence of actions".into(),
        ),
        Some(items) => {
            for (index, item) in items.iter().enumerate() {
                let pointer = child("/actions", index.to_string());
                match parse_action(item, index) {
                    Ok(action) => actions.push(action),
                    Err((key, message)) => {
                        let at = if key.is_empty() {
                            pointer
                        } else {
                            child(&pointer, key)
                        };
                        problem(at, message);
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    Ok(Overlay {
        title: title.unwrap_or_default(),
        version: version.unwrap_or_default(),
        actions,
    })
}

/// One action, or the key it is wrong at and why.
fn parse_action(item: &Value, index: usize) -> Result<Action, (&'static str, String)> {
    let number = index + 1;
    let Some(action) = item.as_mapping() else {
        return Err(("", format!("action {number} must be a mapping")));
    };
    for key in action.keys() {
        match key.as_str() {
            Some("target" | "description" | "update" | "remove") => {}
            Some(extension) if extension.starts_with("x-") => {}
            _ => {
                return Err((
                    "",
                    format!(
                        "action {number} has unsupported key {}; expected target, description, update or remove",
                        serde_json::to_string(key).unwrap_or_default()
                    ),
                ))
            }
        }
    }
    let Some(target) = action.get("target").and_then(Value::as_str) else {
        return Err(("target", format!("action {number} needs a string `target`")));
    };
    let path = parse_target(target).map_err(|message| {
        (
            "target",
            format!("action {number}: bad target `{target}`: {message}"),
        )
    })?;
    let Some(description) = action.get("description").and_then(Value::as_str) else {
        return Err((
            "description",
            format!("action {number} needs a `description` saying why it departs from upstream"),
        ));
    };
    let change = match (action.get("update"), action.get("remove")) {
        (Some(update), None) => Change::Update(update.clone()),
        (None, Some(Value::Bool(true))) => Change::Remove,
        (None, Some(_)) => {
            return Err((
                "remove",
                format!("action {number}: `remove` must be `true`"),
            ))
        }
        (Some(_), Some(_)) => {
            return Err((
                "",
                format!("action {number} has both `update` and `remove`"),
            ))
        }
        (None, None) => return Err(("", format!("action {number} needs `update` or `remove`"))),
    };
    if path.is_empty() && matches!(change, Change::Remove) {
        return Err((
            "target",
            format!("action {number} cannot remove the root `$`"),
        ));
    }
    Ok(Action {
        target: target.to_owned(),
        path,
        description: description.trim_end().to_owned(),
        change,
    })
}

/// Applies every action in order to `document`. Returns, for each action, the path of the key
/// its comment belongs above. A target that matches nothing is an error located at the
/// action's `target` in the overlay file `source_map` indexes.
pub fn apply(
    overlay: &Overlay,
    document: &mut Value,
    source_map: &SourceMap,
) -> Result<Vec<Vec<String>>, Diagnostics> {
    let mut anchors = Vec::new();
    let mut problems = Vec::new();
    for (index, action) in overlay.actions.iter().enumerate() {
        let (parent_path, last) = match action.path.split_last() {
            Some((last, parent)) => (parent, Some(last)),
            None => (&[][..], None),
        };
        let found = lookup_mut(document, parent_path).and_then(|parent| match last {
            None => Some(parent),
            Some(name) => parent.as_mapping_mut()?.get_mut(name.as_str()),
        });
        let Some(node) = found else {
            let missing = missing_at(document, &action.path);
            problems.push(source_map.locate(Diagnostic::at(
                child(&child("/actions", index.to_string()), "target"),
                format!(
                    "action {}: target `{}` matches nothing in the excerpt (no key `{}` in `{}`)",
                    index + 1,
                    action.target,
                    action.path[missing],
                    display_path(&action.path[..missing])
                ),
            )));
            continue;
        };
        match &action.change {
            Change::Update(update) => {
                merge(node, update);
                anchors.push(update_anchor(&action.path, update));
            }
            Change::Remove => {
                let name = last.expect("parse_action rejects removing the root");
                lookup_mut(document, parent_path)
                    .and_then(Value::as_mapping_mut)
                    .map(|parent| parent.shift_remove(name.as_str()));
                anchors.push(action.path.clone());
            }
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    Ok(anchors)
}

/// The comments for the applied actions: each description above its anchor, or above the
/// nearest ancestor that is still in `document` (a removed key's parent, say).
pub fn comments(overlay: &Overlay, anchors: &[Vec<String>], document: &Value) -> Comments {
    let mut comments = Comments::new();
    for (action, anchor) in overlay.actions.iter().zip(anchors) {
        let mut anchor = anchor.as_slice();
        while !anchor.is_empty() && lookup(document, anchor).is_none() {
            anchor = &anchor[..anchor.len() - 1];
        }
        comments.entry(anchor.to_vec()).or_default().extend(
            action
                .description
                .lines()
                .map(|line| line.trim_end().to_owned()),
        );
    }
    comments
}

/// The key an update changes: the target, or deeper while the update is a single-key mapping
/// (`update: {items: {}}` changes `items`).
fn update_anchor(target: &[String], update: &Value) -> Vec<String> {
    let mut anchor = target.to_vec();
    let mut value = update;
    while let Some(map) = value.as_mapping() {
        let mut entries = map.iter();
        match (entries.next(), entries.next()) {
            (Some((Value::String(key), inner)), None) => {
                anchor.push(key.clone());
                value = inner;
            }
            _ => break,
        }
    }
    anchor
}

/// Deep merge: mappings merge key by key (new keys go last), anything else replaces.
fn merge(target: &mut Value, update: &Value) {
    match (target.as_mapping_mut(), update) {
        (Some(target), Value::Mapping(update)) => merge_mapping(target, update),
        _ => *target = update.clone(),
    }
}

fn merge_mapping(target: &mut Mapping, update: &Mapping) {
    for (key, value) in update {
        match target.get_mut(key) {
            Some(existing) => merge(existing, value),
            None => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

fn lookup<'v>(document: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter()
        .try_fold(document, |node, name| node.as_mapping()?.get(name.as_str()))
}

fn lookup_mut<'v>(document: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(document, |node, name| {
        node.as_mapping_mut()?.get_mut(name.as_str())
    })
}

/// The index of the first name in `path` that does not resolve.
fn missing_at(document: &Value, path: &[String]) -> usize {
    (0..path.len())
        .find(|&depth| lookup(document, &path[..=depth]).is_none())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_to_member_names() {
        assert_eq!(parse_target("$").unwrap(), Vec::<String>::new());
        assert_eq!(
            parse_target("$.components.schemas.ApiError").unwrap(),
            ["components", "schemas", "ApiError"]
        );
        assert_eq!(
            parse_target("$.paths['/api/v2/{groupId}/x.y'].get").unwrap(),
            ["paths", "/api/v2/{groupId}/x.y", "get"]
        );
        assert_eq!(
            parse_target(r#"$["it's"]['a\'b\\c']"#).unwrap(),
            ["it's", r"a'b\c"]
        );
        assert!(parse_target("$.x-y.a_b.$ref").is_err());
        assert_eq!(parse_target("$['$ref']").unwrap(), ["$ref"]);
    }

    #[test]
    fn unsupported_targets_are_explained() {
        for (target, expected) in [
            ("", "must start with `$`"),
            ("components", "must start with `$`"),
            ("$..schemas", "recursive descent"),
            ("$.a[0]", "only quoted member names"),
            ("$.a[*]", "only quoted member names"),
            ("$.a['b", "unterminated"),
            ("$.a['b'x", "expected `]`"),
            ("$.a b", "unsupported character ` `"),
            ("$x", "unexpected `x` at character 2"),
        ] {
            let error = parse_target(target).unwrap_err();
            assert!(error.contains(expected), "{target}: {error}");
        }
    }

    #[test]
    fn display_round_trips() {
        for target in ["$", "$.a.b", "$.paths['/x/{y}'].get", "$['it\\'s']"] {
            let path = parse_target(target).unwrap();
            assert_eq!(display_path(&path), target);
            assert_eq!(parse_target(&display_path(&path)).unwrap(), path);
        }
    }

    #[test]
    fn update_merges_and_remove_removes() {
        let overlay = parse(
            "o.yaml",
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n\
             - {target: $.a.b, description: drop b, remove: true}\n\
             - {target: $.a, description: new b, update: {b: {}}}\n\
             - {target: $.c, description: merge, update: {d: {e: 2}, f: [3]}}\n",
        )
        .unwrap();
        let mut document: Value =
            serde_yaml::from_str("a: {b: {type: object}, z: 1}\nc: {d: {e: 1, g: 1}, f: [1, 2]}\n")
                .unwrap();
        let anchors = apply(&overlay, &mut document, &SourceMap::index("o.yaml", "")).unwrap();
        let expected: Value =
            serde_yaml::from_str("a: {z: 1, b: {}}\nc: {d: {e: 2, g: 1}, f: [3]}\n").unwrap();
        assert_eq!(document, expected);
        assert_eq!(anchors, [vec!["a", "b"], vec!["a", "b"], vec!["c"]]);
        let comments = comments(&overlay, &anchors, &document);
        assert_eq!(
            comments[&vec!["a".to_owned(), "b".to_owned()]],
            ["drop b", "new b"]
        );
    }

    #[test]
    fn malformed_overlays_are_located() {
        let text = "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: a.b\n    description: x\n    remove: true\n";
        let error = parse("o.yaml", text).unwrap_err();
        let diagnostic = &error.0[0];
        assert_eq!((diagnostic.line, diagnostic.column), (Some(4), Some(5)));
        assert!(
            diagnostic.message.contains("action 1: bad target `a.b`"),
            "{error}"
        );
    }
}
