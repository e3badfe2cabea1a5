//! Applies a watcher overlay (the Atlas CLI's `watchers.yaml`) to an excerpt.
//!
//! Unlike the hand-edit overlay, a watcher overlay covers the whole API while an excerpt keeps
//! a few operations, so an action whose operation is not in the excerpt is skipped (and
//! counted), not an error. An action whose operation is kept is deep-merged into it like an
//! overlay `update`; once every action is in, each watched operation's watcher (the merge of
//! every action on it) is checked by [`super::watchers`], and each problem is located in the
//! watcher file at the last action that wrote the offending key.

use std::collections::BTreeMap;

use serde_yaml::Value;

use crate::diagnostics::{child, Diagnostic, Diagnostics, Severity};
use crate::load::SourceMap;

use super::closure::METHODS;
use super::overlay::{self, Change, Overlay};
use super::target::display_path;
use super::watchers::{operation_at, Checker, Operations};
use super::yaml::Comments;

/// Where a watcher sits below its operation.
const WATCHER_KEYS: [&str; 2] = ["x-xgen-atlascli", "watcher"];

/// What to do with a watcher that does not check out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidWatchers {
    /// It is an error: the excerpt is not written.
    Fail,
    /// It is a warning, and the watcher is left out of the excerpt (for cutting the whole
    /// spec, whose watcher file upstream does not check).
    Skip,
}

/// What happened to each action of a watcher overlay.
#[derive(Debug, Clone)]
pub struct Report {
    pub file: String,
    pub title: String,
    pub version: String,
    pub actions: usize,
    /// (action index, operationId) of each watcher kept in the excerpt, in file order.
    pub applied: Vec<(usize, String)>,
    /// Actions none of whose operations is in the excerpt, and how many of those upstream
    /// does not have either.
    pub outside: usize,
    pub not_in_upstream: usize,
    /// (action index, operationId) of each watcher left out as invalid.
    pub skipped: Vec<(usize, String)>,
    /// The skipped watchers' problems, located in the watcher file.
    pub warnings: Vec<Diagnostic>,
}

impl Report {
    /// The actions with a watcher kept in the excerpt, in file order.
    pub fn applied_actions(&self) -> Vec<usize> {
        let mut actions: Vec<usize> = self.applied.iter().map(|(action, _)| *action).collect();
        actions.dedup();
        actions
    }

    /// The operations that kept a watcher, in file order, each once.
    pub fn watched_operations(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for (_, name) in &self.applied {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
    }

    /// The actions left out as invalid (none of whose operations kept its watcher), each with
    /// its operation, in file order.
    pub fn skipped_actions(&self) -> Vec<(usize, &str)> {
        let applied = self.applied_actions();
        let mut skipped: Vec<(usize, &str)> = self
            .skipped
            .iter()
            .filter(|(action, _)| !applied.contains(action))
            .map(|(action, name)| (*action, name.as_str()))
            .collect();
        skipped.dedup_by_key(|(action, _)| *action);
        skipped
    }
}

/// One watched operation of the excerpt while the actions are applied.
struct Watched {
    path: String,
    method: String,
    /// The operation as it was before any watcher action.
    original: Value,
    /// The actions on it, in file order.
    actions: Vec<usize>,
}

/// Parses the watcher overlay `file` (actions need no description).
pub fn parse(file: &str, text: &str) -> Result<(Overlay, SourceMap), Diagnostics> {
    let parsed = overlay::parse(file, text, overlay::Descriptions::Optional)?;
    Ok((parsed, SourceMap::index(file, text)))
}

/// Applies `overlay` (read from the file `source_map` indexes) to `excerpt`, cut from
/// `upstream`. Returns the report and the comments saying where each kept watcher came from.
pub fn apply(
    overlay: &Overlay,
    source_map: &SourceMap,
    excerpt: &mut Value,
    upstream: &Value,
    invalid: InvalidWatchers,
) -> Result<(Report, Comments), Diagnostics> {
    let merged = merge_actions(overlay, source_map, excerpt, upstream)?;
    let watched = merged.watched;
    let mut invalid_operations = check_watched(overlay, source_map, excerpt, upstream, &watched);
    if invalid == InvalidWatchers::Skip {
        for (_, located) in invalid_operations.values_mut() {
            for diagnostic in located {
                diagnostic.severity = Severity::Warning;
            }
        }
    } else if !invalid_operations.is_empty() {
        return Err(Diagnostics(
            invalid_operations
                .into_values()
                .flat_map(|(_, located)| located)
                .collect(),
        ));
    }

    // Leave the invalid watchers out: their operations go back to what they were.
    let mut report = Report {
        file: source_map.file().to_owned(),
        title: overlay.title.clone(),
        version: overlay.version.clone(),
        actions: overlay.actions.len(),
        applied: Vec::new(),
        outside: merged.outside,
        not_in_upstream: merged.not_in_upstream,
        skipped: Vec::new(),
        warnings: Vec::new(),
    };
    let mut comments = Comments::new();
    let mut kept: Vec<(usize, String)> = Vec::new();
    for (position, seen) in watched.into_iter().enumerate() {
        let path = vec!["paths".to_owned(), seen.path.clone(), seen.method.clone()];
        if let Some((name, located)) = invalid_operations.remove(&position) {
            if let Some(operation) = overlay::lookup_mut(excerpt, &path) {
                *operation = seen.original;
            }
            report
                .skipped
                .extend(seen.actions.iter().map(|&action| (action, name.clone())));
            report.warnings.extend(located);
            continue;
        }
        let name = operation_at(excerpt, &seen.path, &seen.method)
            .map(|operation| operation.name())
            .unwrap_or_default();
        let anchor: Vec<String> = path
            .into_iter()
            .chain(WATCHER_KEYS.map(str::to_owned))
            .collect();
        let numbers: Vec<String> = seen
            .actions
            .iter()
            .map(|action| (action + 1).to_string())
            .collect();
        let from = match numbers.as_slice() {
            [rest @ .., last] if !rest.is_empty() => format!(
                "actions {} and {last}, merged in that order",
                rest.join(", ")
            ),
            _ => format!("action {}", numbers.join("")),
        };
        let line = format!(
            "Watcher from {}, {from} (the Atlas CLI's `--watch` for this operation).",
            source_map.file()
        );
        overlay::add_comment(&mut comments, excerpt, &anchor, [line.as_str()]);
        kept.extend(seen.actions.iter().map(|&action| (action, name.clone())));
    }
    // File order; a union's members in the order the target names them.
    kept.sort_by_key(|(action, _)| *action);
    report.applied = kept;
    report.skipped.sort_by_key(|(action, _)| *action);
    Ok((report, comments))
}

/// The watched operations after merging every action into the excerpt, and the count of
/// actions outside it.
struct Merged {
    watched: Vec<Watched>,
    outside: usize,
    not_in_upstream: usize,
}

/// Merges each action into the operations it targets that the excerpt keeps; the others are
/// counted. A malformed action (not an `update` of an operation with a watcher) is an error.
fn merge_actions(
    overlay: &Overlay,
    source_map: &SourceMap,
    excerpt: &mut Value,
    upstream: &Value,
) -> Result<Merged, Diagnostics> {
    let locate =
        |pointer: String, message: String| source_map.locate(Diagnostic::at(pointer, message));
    let mut problems = Vec::new();
    let mut merged = Merged {
        watched: Vec::new(),
        outside: 0,
        not_in_upstream: 0,
    };
    for (index, action) in overlay.actions.iter().enumerate() {
        let action_pointer = child("/actions", index.to_string());
        let Change::Update(update) = &action.change else {
            problems.push(locate(
                action_pointer,
                format!(
                    "action {}: a watcher action must `update` an operation",
                    index + 1
                ),
            ));
            continue;
        };
        if lookup(update, &WATCHER_KEYS).is_none() {
            problems.push(locate(
                child(&action_pointer, "update"),
                format!(
                    "action {}: the update must hold `x-xgen-atlascli: {{watcher: …}}`",
                    index + 1
                ),
            ));
            continue;
        }
        let (mut inside, mut in_upstream) = (false, false);
        for path in &action.paths {
            let (item, method) = match path.as_slice() {
                [paths, item, method] if paths == "paths" && METHODS.contains(&method.as_str()) => {
                    (item, method)
                }
                _ => {
                    problems.push(locate(
                        child(&action_pointer, "target"),
                        format!(
                            "action {}: `{}` is not an operation; a watcher action targets \
                             `$.paths['/…'].METHOD`",
                            index + 1,
                            display_path(path)
                        ),
                    ));
                    continue;
                }
            };
            in_upstream |= operation_at(upstream, item, method).is_some();
            let Some(operation) = overlay::lookup_mut(excerpt, path) else {
                continue;
            };
            inside = true;
            let seen = &mut merged.watched;
            let position = match seen
                .iter()
                .position(|seen| (&seen.path, &seen.method) == (item, method))
            {
                Some(position) => position,
                None => {
                    seen.push(Watched {
                        path: item.clone(),
                        method: method.clone(),
                        original: operation.clone(),
                        actions: Vec::new(),
                    });
                    seen.len() - 1
                }
            };
            overlay::merge(operation, update);
            seen[position].actions.push(index);
        }
        if !inside {
            merged.outside += 1;
            merged.not_in_upstream += usize::from(!in_upstream);
        }
    }
    if problems.is_empty() {
        Ok(merged)
    } else {
        Err(Diagnostics(problems))
    }
}

/// Checks each watched operation's merged watcher against the excerpt; returns, by position
/// in `watched`, the operations whose watcher does not check out, with their located problems.
fn check_watched(
    overlay: &Overlay,
    source_map: &SourceMap,
    excerpt: &Value,
    upstream: &Value,
    watched: &[Watched],
) -> BTreeMap<usize, (String, Vec<Diagnostic>)> {
    let upstream_operations = Operations::index(upstream);
    let checker = Checker::new(excerpt, Some(&upstream_operations));
    let mut invalid = BTreeMap::new();
    for (position, seen) in watched.iter().enumerate() {
        let Some(target) = operation_at(excerpt, &seen.path, &seen.method) else {
            continue;
        };
        let watcher = lookup(target.definition, &WATCHER_KEYS).unwrap_or(&Value::Null);
        let found = checker.check(target, watcher);
        if found.is_empty() {
            continue;
        }
        let name = target.name();
        let located = found
            .into_iter()
            .map(|problem| {
                let (action, pointer) = writer_of(overlay, &seen.actions, &problem.pointer);
                source_map.locate(Diagnostic::at(
                    pointer,
                    format!(
                        "action {} (watcher on `{name}`): {}",
                        action + 1,
                        problem.message
                    ),
                ))
            })
            .collect();
        invalid.insert(position, (name, located));
    }
    invalid
}

/// The action (of `actions`, in file order) that last wrote the key at `pointer` below the
/// watcher, or its nearest ancestor, and the pointer to that key in the watcher file.
fn writer_of(overlay: &Overlay, actions: &[usize], pointer: &str) -> (usize, String) {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect();
    let last = *actions.last().expect("a watched operation has an action");
    for depth in (0..=tokens.len()).rev() {
        let below: Vec<&str> = WATCHER_KEYS
            .into_iter()
            .chain(tokens[..depth].iter().map(String::as_str))
            .collect();
        let writer = actions.iter().rev().find(|&&action| {
            matches!(&overlay.actions[action].change, Change::Update(update) if lookup(update, &below).is_some())
        });
        if let Some(&action) = writer {
            let pointer = below.iter().fold(
                child(&child("/actions", action.to_string()), "update"),
                |pointer, token| child(&pointer, token),
            );
            return (action, pointer);
        }
    }
    (last, child(&child("/actions", last.to_string()), "update"))
}

/// The node at `keys` below `value`: mapping keys, or indices into sequences.
fn lookup<'v>(value: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().try_fold(value, |node, key| match node {
        Value::Sequence(items) => items.get(key.parse::<usize>().ok()?),
        _ => node.as_mapping()?.get(*key),
    })
}
