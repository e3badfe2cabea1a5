//! Checks a watcher against the spec it sits in.
//!
//! A watcher (`x-xgen-atlascli: {watcher: …}` on an operation, from the Atlas CLI's
//! `watchers.yaml`) says: after this operation succeeds, poll `get.operation-id` at resource
//! version `get.version`, filling its path parameters from `get.params` (`input:NAME`, a
//! parameter of the watched operation, or `body:$.a.b`, a property of its 2xx response body),
//! until `expect` holds (`match: {path: $.x, values: […]}` on the poll's response body, or
//! `http-code: N`). Every name in it must resolve in the spec, or the watcher cannot run.
//!
//! Pure and independent of how the watcher got there: [`Checker::check`] takes the document
//! (an excerpt or a whole spec, as serde_yaml values) and returns problems with JSON pointers
//! relative to the watcher, for the caller to locate in whatever file the watcher came from.

mod schema;

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use crate::diagnostics::escape_token;

use super::closure::{suggestion, METHODS};
use schema::{parameters, property, property_names, resource_versions, success_schemas};

/// One thing wrong with a watcher: the JSON pointer below the watcher (`/get/operation-id`;
/// empty for the watcher itself) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub pointer: String,
    pub message: String,
}

impl Problem {
    fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// An operation of a document: where it is, and its definition.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'d> {
    pub path: &'d str,
    pub method: &'d str,
    /// The path item it belongs to (for path-level parameters).
    pub item: &'d Value,
    pub definition: &'d Value,
}

impl Operation<'_> {
    /// The name messages use: its operationId, else where it is.
    pub fn name(&self) -> String {
        match self.definition.get("operationId").and_then(Value::as_str) {
            Some(id) => id.to_owned(),
            None => format!("{} {}", self.method.to_uppercase(), self.path),
        }
    }
}

/// A document's operations by both of their names (operationId and
/// x-xgen-operation-id-override).
pub struct Operations<'d> {
    by_name: BTreeMap<&'d str, Operation<'d>>,
}

impl<'d> Operations<'d> {
    pub fn index(document: &'d Value) -> Self {
        let mut by_name = BTreeMap::new();
        for (path, item) in document
            .get("paths")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
        {
            let Some(path) = path.as_str() else { continue };
            for (method, definition) in item.as_mapping().into_iter().flatten() {
                let Some(method) = method.as_str().filter(|m| METHODS.contains(m)) else {
                    continue;
                };
                let operation = Operation {
                    path,
                    method,
                    item,
                    definition,
                };
                for key in ["operationId", "x-xgen-operation-id-override"] {
                    if let Some(name) = definition.get(key).and_then(Value::as_str) {
                        by_name.entry(name).or_insert(operation);
                    }
                }
            }
        }
        Operations { by_name }
    }

    pub fn get(&self, name: &str) -> Option<Operation<'d>> {
        self.by_name.get(name).copied()
    }
}

/// The operation at `path` and `method` of `document`, if there is one.
pub fn operation_at<'d>(document: &'d Value, path: &str, method: &str) -> Option<Operation<'d>> {
    let entry = |map: &'d Value, key: &str| {
        map.as_mapping()?
            .iter()
            .find(|(name, _)| name.as_str() == Some(key))
    };
    let (path, item) = entry(document.get("paths")?, path)?;
    let (method, definition) = entry(item, method)?;
    Some(Operation {
        path: path.as_str()?,
        method: method.as_str().filter(|m| METHODS.contains(m))?,
        item,
        definition,
    })
}

/// Checks the watcher on the operation at `path` and `method` of `document`, a whole spec.
pub fn check_watcher(document: &Value, path: &str, method: &str, watcher: &Value) -> Vec<Problem> {
    match operation_at(document, path, method) {
        Some(target) => Checker::new(document, None).check(target, watcher),
        None => vec![Problem::new(
            "",
            format!(
                "the watcher's operation {} {path} is not in the document",
                method.to_uppercase()
            ),
        )],
    }
}

/// Checks watchers against one document.
pub struct Checker<'d> {
    document: &'d Value,
    operations: Operations<'d>,
    /// The spec `document` was cut from, when it is an excerpt: a poll operation found there
    /// but not in `document` gets "add it to the operation list" instead of "no such operation".
    upstream: Option<&'d Operations<'d>>,
}

impl<'d> Checker<'d> {
    pub fn new(document: &'d Value, upstream: Option<&'d Operations<'d>>) -> Self {
        Checker {
            document,
            operations: Operations::index(document),
            upstream,
        }
    }

    /// Everything wrong with `watcher`, which sits on `target` (an operation of the document).
    pub fn check(&self, target: Operation<'d>, watcher: &Value) -> Vec<Problem> {
        let mut problems = Vec::new();
        let Some(watcher) = watcher.as_mapping() else {
            return vec![Problem::new(
                "",
                "a watcher must be a mapping with `get` and `expect`",
            )];
        };
        let polled = match watcher.get("get") {
            Some(get) => self.check_get(target, get, &mut problems),
            None => {
                problems.push(Problem::new(
                    "/get",
                    "a watcher needs `get`: the operation to poll, with `version`, \
                     `operation-id` and `params`",
                ));
                None
            }
        };
        match watcher.get("expect") {
            Some(expect) => self.check_expect(polled, expect, &mut problems),
            None => problems.push(Problem::new(
                "/expect",
                "a watcher needs `expect`: `match: {path, values}` or `http-code: N`",
            )),
        }
        problems
    }

    /// Checks `get`; returns the poll operation when it resolves, with the version polled when
    /// that is one of its resource versions.
    fn check_get<'g>(
        &self,
        target: Operation<'d>,
        get: &'g Value,
        problems: &mut Vec<Problem>,
    ) -> Option<(Operation<'d>, Option<&'g str>)> {
        let Some(name) = get.get("operation-id").and_then(Value::as_str) else {
            problems.push(Problem::new(
                "/get/operation-id",
                "`get` needs a string `operation-id`: the operation to poll",
            ));
            return None;
        };
        let Some(poll) = self.operations.get(name) else {
            let message = match self.upstream.and_then(|upstream| upstream.get(name)) {
                Some(_) => format!(
                    "polls `{name}`, which upstream has but the excerpt leaves out; add it to \
                     the operation list (spec/operations.txt)"
                ),
                None => format!(
                    "polls `{name}`, but no operation has that operationId or \
                     x-xgen-operation-id-override{}",
                    suggestion(name, self.operations.by_name.keys().copied())
                ),
            };
            problems.push(Problem::new("/get/operation-id", message));
            return None;
        };
        if poll.method != "get" {
            problems.push(Problem::new(
                "/get/operation-id",
                format!(
                    "polls `{name}`, a {} operation; a watcher must poll with GET (each poll \
                     would change the resource it waits on)",
                    poll.method.to_uppercase()
                ),
            ));
        }
        let versions = resource_versions(self.document, poll.definition);
        let version = match get.get("version").and_then(Value::as_str) {
            Some(version) if versions.contains(version) => Some(version),
            version => {
                problems.push(Problem::new(
                    "/get/version",
                    format!(
                        "{} `{name}`'s resource versions ({})",
                        match version {
                            Some(version) => format!("version `{version}` is not one of"),
                            None => "`get` needs a string `version`, one of".to_owned(),
                        },
                        listed(&versions)
                    ),
                ));
                None
            }
        };
        self.check_params(target, poll, get.get("params"), problems);
        Some((poll, version))
    }

    /// Every path parameter of `poll` gets exactly one source, and each source resolves in
    /// `target`.
    fn check_params(
        &self,
        target: Operation<'d>,
        poll: Operation<'d>,
        params: Option<&Value>,
        problems: &mut Vec<Problem>,
    ) {
        let poll_name = poll.name();
        let path_parameters: BTreeSet<String> = parameters(self.document, poll)
            .into_iter()
            .filter(|(_, location)| location == "path")
            .map(|(name, _)| name)
            .collect();
        let empty = serde_yaml::Mapping::new();
        let params = match params {
            None => &empty,
            Some(Value::Mapping(params)) => params,
            Some(_) => {
                problems.push(Problem::new(
                    "/get/params",
                    "`params` must map each path parameter of the polled operation to its source",
                ));
                return;
            }
        };
        // `input:` fills in a path of the poll from the path of the call that started the
        // job (what the generated `send_and_wait` can take from its own request).
        let target_parameters: BTreeSet<String> = parameters(self.document, target)
            .into_iter()
            .filter(|(_, location)| location == "path")
            .map(|(name, _)| name)
            .collect();
        for (key, source) in params {
            let key = key.as_str().unwrap_or_default();
            let pointer = format!("/get/params/{}", escape_token(key));
            if !path_parameters.contains(key) {
                problems.push(Problem::new(
                    &pointer,
                    format!(
                        "`{key}` is not a path parameter of `{poll_name}` (it has {})",
                        listed(&path_parameters)
                    ),
                ));
            }
            if let Some(message) = self.source_problem(target, &target_parameters, source) {
                problems.push(Problem::new(pointer, format!("`{key}`: {message}")));
            }
        }
        for name in &path_parameters {
            if !params.contains_key(name.as_str()) {
                problems.push(Problem::new(
                    "/get/params",
                    format!("path parameter `{name}` of `{poll_name}` has no source in `params`"),
                ));
            }
        }
    }

    /// Why `source` (`input:NAME` or `body:$.a.b`) does not resolve in `target`, if it does not.
    fn source_problem(
        &self,
        target: Operation<'d>,
        target_parameters: &BTreeSet<String>,
        source: &Value,
    ) -> Option<String> {
        let target_name = target.name();
        let Some(source) = source.as_str() else {
            return Some("a source must be a string, `input:NAME` or `body:$.PATH`".to_owned());
        };
        if let Some(name) = source.strip_prefix("input:") {
            return (!target_parameters.contains(name)).then(|| {
                format!(
                    "`{source}` names no path parameter of `{target_name}` (it has {})",
                    listed(target_parameters)
                )
            });
        }
        if let Some(path) = source.strip_prefix("body:") {
            // Which version the watched call used is not known: any of its responses will do.
            return self
                .body_property(target, None, path)
                .err()
                .map(|message| format!("`{source}`: {message}"));
        }
        Some(format!(
            "`{source}` is neither `input:NAME` (a parameter of `{target_name}`) nor \
             `body:$.PATH` (a property of its response)"
        ))
    }

    /// Checks `expect`; a `match` path is looked up in the response of `polled` (the poll
    /// operation and the version polled), when `get` resolved.
    fn check_expect(
        &self,
        polled: Option<(Operation<'d>, Option<&str>)>,
        expect: &Value,
        problems: &mut Vec<Problem>,
    ) {
        let shape = "`expect` must be `match: {path: $.PATH, values: [STRING, …]}` or \
                     `http-code: N`";
        let Some(expect) = expect.as_mapping().filter(|expect| expect.len() == 1) else {
            problems.push(Problem::new("/expect", shape));
            return;
        };
        if let Some(code) = expect.get("http-code") {
            // The status that says the resource is gone (`404`): an error status.
            if !code.as_u64().is_some_and(|code| (400..600).contains(&code)) {
                problems.push(Problem::new(
                    "/expect/http-code",
                    "`http-code` must be an error status that says the resource is gone (an integer from 400 to 599)",
                ));
            }
            return;
        }
        let Some(condition) = expect.get("match") else {
            problems.push(Problem::new("/expect", shape));
            return;
        };
        // Whether the values are among the property's enum is generation's to judge (a
        // warning there: Atlas may send a state its enum leaves out).
        match condition.get("path").and_then(Value::as_str) {
            None => problems.push(Problem::new(
                "/expect/match/path",
                "`match` needs a string `path`, `$.PATH` into the polled operation's response",
            )),
            Some(path) => {
                let found = polled.map(|(poll, version)| self.body_property(poll, version, path));
                if let Some(Err(message)) = found {
                    problems.push(Problem::new(
                        "/expect/match/path",
                        format!("`{path}`: {message}"),
                    ));
                }
            }
        }
        let values: Vec<&str> = condition
            .get("values")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .map(|value| value.as_str().unwrap_or_default())
            .collect();
        if values.is_empty() || values.contains(&"") {
            problems.push(Problem::new(
                "/expect/match/values",
                "`values` must be a non-empty list of non-empty strings: the states that end the watch",
            ));
        }
    }

    /// Whether the property chain `$.a.b` is in a 2xx response of `operation` (at `version`,
    /// when given), or why it is in none of them.
    fn body_property(
        &self,
        operation: Operation<'d>,
        version: Option<&str>,
        path: &str,
    ) -> Result<(), String> {
        let Some(names) = path
            .strip_prefix("$.")
            .map(|rest| rest.split('.').collect::<Vec<_>>())
        else {
            return Err("a body path must start with `$.`".to_owned());
        };
        if names
            .iter()
            .any(|name| name.is_empty() || name.contains(['[', ']', '*']))
        {
            return Err(
                "only `$.name.name…` paths of plain property names are supported".to_owned(),
            );
        }
        let mut schemas = success_schemas(self.document, operation.definition, version);
        if schemas.is_empty() {
            return Err(format!("`{}` has no 2xx response body", operation.name()));
        }
        let at = version
            .map(|version| format!(" at version {version}"))
            .unwrap_or_default();
        for (depth, name) in names.iter().enumerate() {
            let found: Vec<&Value> = schemas
                .iter()
                .filter_map(|schema| property(self.document, schema, name, 0))
                .collect();
            if found.is_empty() {
                let under = match depth {
                    0 => String::new(),
                    _ => format!(" under `$.{}`", names[..depth].join(".")),
                };
                let mut siblings = Vec::new();
                for schema in &schemas {
                    property_names(self.document, schema, 0, &mut siblings);
                }
                return Err(format!(
                    "no property `{name}`{under} in `{}`'s 2xx response{at}{}",
                    operation.name(),
                    suggestion(name, siblings.into_iter())
                ));
            }
            schemas = found;
        }
        Ok(())
    }
}

/// `a, b and c` in backticks, or `none`.
fn listed(names: &BTreeSet<String>) -> String {
    let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match names.as_slice() {
        [] => "none".to_owned(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests;
