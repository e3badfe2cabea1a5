//! Hand edits to an excerpt, kept apart from it as an OpenAPI Overlay 1.0 document.
//!
//! Only the subset this project needs: `overlay: 1.0.x`, `info` (`title`, `version`), and
//! `actions`, each with a `target` JSONPath of plain member accesses ([`super::target`]:
//! `$`, `.name`, `['name']`, and a final union `['post','patch']` that selects each member), a
//! `description` (required for hand edits), and either `update` (deep-merged into the target:
//! mappings merge key by key, anything else replaces) or `remove: true`. A target that matches
//! nothing is an error, not a silent no-op: an overlay that no longer applies to a new upstream
//! must be looked at. Each action's description becomes a comment in the excerpt where it
//! applies.

use serde_yaml::{Mapping, Value};

use crate::diagnostics::{child, Diagnostic, Diagnostics};
use crate::load::SourceMap;

use super::target::{display_path, parse_target};
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
    /// The member paths the target selects, root first: one, or one per member of a union.
    pub paths: Vec<Vec<String>>,
    /// Why the action departs from upstream; `None` only where descriptions are optional.
    pub description: Option<String>,
    pub change: Change,
}

/// Whether every action must carry a `description`: hand edits must say why they depart from
/// upstream; the actions of an upstream-shipped overlay (the watchers) speak for themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Descriptions {
    Required,
    Optional,
}

/// An action applied to one selected path: the action's index, and the path of the key its
/// comment belongs above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub action: usize,
    pub anchor: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Change {
    Update(Value),
    Remove,
}

/// Parses the overlay file `file` with contents `text`.
pub fn parse(file: &str, text: &str, descriptions: Descriptions) -> Result<Overlay, Diagnostics> {
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
                match parse_action(item, index, descriptions) {
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
fn parse_action(
    item: &Value,
    index: usize,
    descriptions: Descriptions,
) -> Result<Action, (&'static str, String)> {
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
    let paths = parse_target(target).map_err(|message| {
        (
            "target",
            format!("action {number}: bad target `{target}`: {message}"),
        )
    })?;
    let description = match action.get("description") {
        Some(Value::String(description)) => Some(description.trim_end().to_owned()),
        None if descriptions == Descriptions::Optional => None,
        Some(_) => {
            return Err((
                "description",
                format!("action {number}: `description` must be a string"),
            ))
        }
        None => {
            return Err((
                "description",
                format!(
                    "action {number} needs a `description` saying why it departs from upstream"
                ),
            ))
        }
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
    if paths.iter().any(Vec::is_empty) && matches!(change, Change::Remove) {
        return Err((
            "target",
            format!("action {number} cannot remove the root `$`"),
        ));
    }
    Ok(Action {
        target: target.to_owned(),
        paths,
        description,
        change,
    })
}

/// Applies every action in order to `document`, each to every path its target selects.
/// Returns what was applied where. A selected path that matches nothing is an error located
/// at the action's `target` in the overlay file `source_map` indexes.
pub fn apply(
    overlay: &Overlay,
    document: &mut Value,
    source_map: &SourceMap,
) -> Result<Vec<Applied>, Diagnostics> {
    let mut applied = Vec::new();
    let mut problems = Vec::new();
    for (index, action) in overlay.actions.iter().enumerate() {
        for path in &action.paths {
            let Some(node) = lookup_mut(document, path) else {
                let missing = missing_at(document, path);
                let member = match action.paths.len() {
                    1 => String::new(),
                    _ => format!(" (member `{}`)", path[path.len() - 1]),
                };
                problems.push(source_map.locate(Diagnostic::at(
                    child(&child("/actions", index.to_string()), "target"),
                    format!(
                        "action {}: target `{}`{member} matches nothing in the excerpt (no key `{}` in `{}`)",
                        index + 1,
                        action.target,
                        path[missing],
                        display_path(&path[..missing])
                    ),
                )));
                continue;
            };
            let anchor = match &action.change {
                Change::Update(update) => {
                    merge(node, update);
                    update_anchor(path, update)
                }
                Change::Remove => {
                    let (name, parent) = path
                        .split_last()
                        .expect("parse_action rejects removing the root");
                    lookup_mut(document, parent)
                        .and_then(Value::as_mapping_mut)
                        .map(|parent| parent.shift_remove(name.as_str()));
                    path.clone()
                }
            };
            applied.push(Applied {
                action: index,
                anchor,
            });
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    Ok(applied)
}

/// The comments for the applied actions: each description above its anchor.
pub fn comments(overlay: &Overlay, applied: &[Applied], document: &Value) -> Comments {
    let mut comments = Comments::new();
    for Applied { action, anchor } in applied {
        let description = overlay.actions[*action]
            .description
            .as_deref()
            .unwrap_or_default();
        add_comment(&mut comments, document, anchor, description.lines());
    }
    comments
}

/// Adds `lines` to the comment above `anchor`, or above the nearest ancestor that is still in
/// `document` (a removed key's parent, say).
pub fn add_comment<'l>(
    comments: &mut Comments,
    document: &Value,
    anchor: &[String],
    lines: impl IntoIterator<Item = &'l str>,
) {
    let mut anchor = anchor;
    while !anchor.is_empty() && lookup(document, anchor).is_none() {
        anchor = &anchor[..anchor.len() - 1];
    }
    comments
        .entry(anchor.to_vec())
        .or_default()
        .extend(lines.into_iter().map(|line| line.trim_end().to_owned()));
}

/// The key an update changes: the target, or deeper while the update is a single-key mapping
/// (`update: {items: {}}` changes `items`).
pub(super) fn update_anchor(target: &[String], update: &Value) -> Vec<String> {
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
pub(super) fn merge(target: &mut Value, update: &Value) {
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

pub(super) fn lookup<'v>(document: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter()
        .try_fold(document, |node, name| node.as_mapping()?.get(name.as_str()))
}

pub(super) fn lookup_mut<'v>(document: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
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

    fn overlay_of(actions: &str, descriptions: Descriptions) -> Result<Overlay, Diagnostics> {
        let text = format!("overlay: 1.0.0\ninfo: {{title: t, version: '1'}}\nactions:\n{actions}");
        parse("o.yaml", &text, descriptions)
    }

    #[test]
    fn update_merges_and_remove_removes() {
        let overlay = overlay_of(
            "- {target: $.a.b, description: drop b, remove: true}\n\
             - {target: $.a, description: new b, update: {b: {}}}\n\
             - {target: $.c, description: merge, update: {d: {e: 2}, f: [3]}}\n\
             - {target: \"$['c','a']\", description: both, update: {u: 1}}\n",
            Descriptions::Required,
        )
        .unwrap();
        let mut document: Value =
            serde_yaml::from_str("a: {b: {type: object}, z: 1}\nc: {d: {e: 1, g: 1}, f: [1, 2]}\n")
                .unwrap();
        let applied = apply(&overlay, &mut document, &SourceMap::index("o.yaml", "")).unwrap();
        let expected: Value =
            serde_yaml::from_str("a: {z: 1, b: {}, u: 1}\nc: {d: {e: 2, g: 1}, f: [3], u: 1}\n")
                .unwrap();
        assert_eq!(document, expected);
        let anchors: Vec<(usize, Vec<&str>)> = applied
            .iter()
            .map(|applied| {
                let anchor = applied.anchor.iter().map(String::as_str).collect();
                (applied.action, anchor)
            })
            .collect();
        assert_eq!(
            anchors,
            [
                (0, vec!["a", "b"]),
                (1, vec!["a", "b"]),
                (2, vec!["c"]),
                (3, vec!["c", "u"]),
                (3, vec!["a", "u"]),
            ]
        );
        let comments = comments(&overlay, &applied, &document);
        assert_eq!(
            comments[&vec!["a".to_owned(), "b".to_owned()]],
            ["drop b", "new b"]
        );
    }

    #[test]
    fn every_member_of_a_union_must_match() {
        let overlay = overlay_of(
            "- {target: \"$.p['get','put']\", description: d, update: {x: 1}}\n",
            Descriptions::Required,
        )
        .unwrap();
        let mut document: Value = serde_yaml::from_str("p: {get: {}}\n").unwrap();
        let error = apply(&overlay, &mut document, &SourceMap::index("o.yaml", "")).unwrap_err();
        assert_eq!(
            error.0[0].message,
            "action 1: target `$.p['get','put']` (member `put`) matches nothing in the excerpt \
             (no key `put` in `$.p`)"
        );
    }

    #[test]
    fn descriptions_are_required_only_where_asked() {
        let actions = "- {target: $.a, update: {b: 1}}\n";
        let error = overlay_of(actions, Descriptions::Required).unwrap_err();
        assert!(
            error.0[0].message.contains("needs a `description`"),
            "{error}"
        );
        let overlay = overlay_of(actions, Descriptions::Optional).unwrap();
        assert_eq!(overlay.actions[0].description, None);
    }

    #[test]
    fn malformed_overlays_are_located() {
        let text = "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: a.b\n    description: x\n    remove: true\n";
        let error = parse("o.yaml", text, Descriptions::Required).unwrap_err();
        let diagnostic = &error.0[0];
        assert_eq!((diagnostic.line, diagnostic.column), (Some(4), Some(5)));
        assert!(
            diagnostic.message.contains("action 1: bad target `a.b`"),
            "{error}"
        );
    }
}
