//! Watchers: how to wait for the job an operation starts, as the Atlas CLI's overlay says it
//! (`x-xgen-atlascli.watcher` on the operation; `extract` applies the overlay).
//!
//! ```yaml
//! x-xgen-atlascli:
//!   watcher:
//!     get: {operation-id: getGroupClusterBackupExport, version: "2023-01-01",
//!           params: {groupId: "input:groupId", exportId: "body:$.id"}}
//!     expect: {match: {path: $.state, values: [Successful, Failed, Cancelled]}}
//! ```
//!
//! Each watcher is resolved against the lowered operations and types: the operation polled,
//! its resource version, where each of its path arguments comes from (`input:NAME`, a path
//! argument of the operation that starts the job; `body:$.path`, a field of its response)
//! and the field and values that end the wait (or `http-code`, the status that says the
//! resource is gone). Anything that does not resolve is a located error; a watcher that polls
//! an operation the version policy left out is left out with a warning.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

mod paths;

use paths::{enum_variants, Leaf};

use super::media::VersionPolicy;
use super::operation::Source;
use crate::diagnostics::{child, Diagnostic};
use crate::model::{
    ArgSource, FieldStep, FinalValue, Operation, PinnedPoll, RustType, TypeDef, TypeRef, Until,
    WaitTrigger, Waiter,
};
use crate::naming::snake;

/// The extension holding the Atlas CLI's additions to an operation, and its watcher key.
const EXTENSION: &str = "x-xgen-atlascli";
const WATCHER: &str = "watcher";

/// The methods a watcher adds to the builder of the operation that starts the job.
const ADDED_METHODS: &[&str] = &["send_and_wait", "start_job"];

/// Final states that mean the job failed, compared without case. Watchers list every final
/// state together (`[Successful, Failed, Cancelled]`); these are the ones a caller must not
/// take for done. `DELETED` and `ORPHANED` end an online archive that will never be active.
const FAILURE_STATES: &[&str] = &[
    "cancelled",
    "canceled",
    "deleted",
    "error",
    "failed",
    "failure",
    "orphaned",
];

/// The watcher of `source`'s operation, if it has one.
fn watcher_of<'a>(source: &Source<'a>) -> Option<&'a Value> {
    source
        .operation
        .extensions
        .get(EXTENSION)
        .and_then(|extension| extension.get(WATCHER))
}

/// The operations the watchers on `sources` poll, each pinned to the watcher's resource
/// version (one per operation and version), for those whose version differs from what the
/// sources' own policy chooses or may differ: lowering them tells.
pub fn pinned_polls<'a>(sources: &[Source<'a>]) -> Vec<Source<'a>> {
    let mut pinned: Vec<Source<'a>> = Vec::new();
    for source in sources {
        let Some(watcher) = watcher_of(source) else {
            continue;
        };
        let get = watcher.get("get");
        let text = |key: &str| get.and_then(|get| get.get(key)).and_then(Value::as_str);
        let (Some(poll_id), Some(version)) = (text("operation-id"), text("version")) else {
            continue;
        };
        let polled = sources.iter().find(|candidate| {
            candidate.operation.operation_id.as_deref() == Some(poll_id)
                || candidate
                    .operation
                    .extensions
                    .get("x-xgen-operation-id-override")
                    .and_then(Value::as_str)
                    == Some(poll_id)
        });
        let Some(polled) = polled else {
            continue;
        };
        let policy = VersionPolicy {
            api_version: Some(version.to_owned()),
            preview: version == "preview",
        };
        let duplicate = pinned
            .iter()
            .any(|known| known.at == polled.at && known.policy == policy);
        if !duplicate {
            pinned.push(Source {
                policy,
                ..polled.clone()
            });
        }
    }
    pinned
}

/// The waiters of the watchers on `sources`' operations, sorted by method name. `pinned` holds
/// the polled operations lowered at the watchers' versions, by `operationId` and version.
pub fn lower(
    sources: &[Source<'_>],
    operations: &[Operation],
    pinned: &BTreeMap<(String, String), Operation>,
    in_spec: &BTreeSet<String>,
    types: &BTreeMap<String, TypeDef>,
    diagnostics: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Vec<Waiter> {
    let by_id: BTreeMap<&str, &Operation> = operations
        .iter()
        .flat_map(|operation| {
            [
                (operation.operation_id.as_str(), operation),
                (operation.name.as_str(), operation),
            ]
        })
        .collect();
    let mut waiters: Vec<Waiter> = Vec::new();
    for source in sources {
        let Some(watcher) = watcher_of(source) else {
            continue;
        };
        let at = child(&child(&source.at, EXTENSION), WATCHER);
        let Some(trigger) = source
            .operation
            .operation_id
            .as_deref()
            .and_then(|id| by_id.get(id))
        else {
            // The operation itself failed to lower: its own diagnostic says why.
            continue;
        };
        let resolver = Resolver {
            at: &at,
            by_id: &by_id,
            pinned,
            in_spec,
            types,
        };
        match resolver.resolve(watcher, trigger, warnings) {
            Ok(Resolved::Waiter(waiter)) => merge(&mut waiters, *waiter),
            Ok(Resolved::LeftOut(warning)) => warnings.push(warning),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    waiters.sort_by(|a, b| a.fn_name.cmp(&b.fn_name));
    for waiter in &mut waiters {
        waiter
            .triggers
            .sort_by(|a, b| a.operation.cmp(&b.operation));
    }
    let operation_names: Vec<&str> = operations.iter().map(|op| op.fn_name.as_str()).collect();
    for waiter in &waiters {
        if operation_names.contains(&waiter.fn_name.as_str())
            || super::RESERVED_METHODS.contains(&waiter.fn_name.as_str())
        {
            diagnostics.push(Diagnostic::at(
                &waiter.triggers[0].source,
                format!(
                    "the waiter's method `{}` is the name of a method the `Client` already has",
                    waiter.fn_name
                ),
            ));
        }
    }
    waiters
}

/// Adds `waiter` (with its one trigger) to `waiters`: to the waiter that polls the same way
/// when there is one, else under its own name, or under a name of its trigger's when another
/// waiter has it.
fn merge(waiters: &mut Vec<Waiter>, mut waiter: Waiter) {
    let same = |other: &Waiter| {
        other.poll == waiter.poll
            && other.pinned.as_ref().map(|pinned| &pinned.api_version)
                == waiter.pinned.as_ref().map(|pinned| &pinned.api_version)
            && serde_json::to_value(&other.until).ok() == serde_json::to_value(&waiter.until).ok()
    };
    if let Some(existing) = waiters.iter_mut().find(|other| same(other)) {
        existing.triggers.append(&mut waiter.triggers);
        return;
    }
    if waiters.iter().any(|other| other.fn_name == waiter.fn_name) {
        waiter.fn_name = format!("wait_after_{}", waiter.triggers[0].operation);
    }
    waiters.push(waiter);
}

enum Resolved {
    Waiter(Box<Waiter>),
    LeftOut(Diagnostic),
}

struct Resolver<'a> {
    /// Pointer of the watcher.
    at: &'a str,
    by_id: &'a BTreeMap<&'a str, &'a Operation>,
    pinned: &'a BTreeMap<(String, String), Operation>,
    /// Every operation of the spec by `operationId` and short name, lowered or not.
    in_spec: &'a BTreeSet<String>,
    types: &'a BTreeMap<String, TypeDef>,
}

impl Resolver<'_> {
    fn error(&self, key: &[&str], message: impl Into<String>) -> Diagnostic {
        let pointer = key
            .iter()
            .fold(self.at.to_owned(), |pointer, key| child(&pointer, key));
        Diagnostic::at(pointer, message)
    }

    fn text<'v>(&self, value: &'v Value, key: &[&str]) -> Result<&'v str, Diagnostic> {
        let found = key.iter().try_fold(value, |value, key| value.get(key));
        found.and_then(Value::as_str).ok_or_else(|| {
            self.error(
                key,
                format!("the watcher needs a string `{}`", key.join(".")),
            )
        })
    }

    fn resolve(
        &self,
        watcher: &Value,
        trigger: &Operation,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<Resolved, Diagnostic> {
        let poll_id = self.text(watcher, &["get", "operation-id"])?;
        let version = self.text(watcher, &["get", "version"])?;
        let taken = trigger
            .query_params
            .iter()
            .chain(&trigger.header_params)
            .find(|param| ADDED_METHODS.contains(&param.rust_name.as_str()));
        if let Some(param) = taken {
            return Err(self.error(
                &[],
                format!(
                    "`{}` has a parameter whose setter would be `{}`, a method the watcher adds",
                    trigger.operation_id, param.rust_name
                ),
            ));
        }
        let Some(listed) = self.by_id.get(poll_id).copied() else {
            if self.in_spec.contains(poll_id) {
                return Ok(Resolved::LeftOut(Diagnostic::warning(
                    child(self.at, "get"),
                    format!("no waiter: `{poll_id}` is left out under this version policy"),
                )));
            }
            return Err(self.error(
                &["get", "operation-id"],
                format!("the watcher polls `{poll_id}`, which is no operation of this spec"),
            ));
        };
        // The client's method; its path arguments are the waiter's.
        let mut poll = listed;
        if !poll.method.eq_ignore_ascii_case("get") {
            return Err(self.error(
                &["get", "operation-id"],
                format!(
                    "the watcher polls `{poll_id}`, a {} operation: polling must not change the resource, so only a GET can be polled",
                    poll.method.to_uppercase()
                ),
            ));
        }
        let required = poll
            .query_params
            .iter()
            .chain(&poll.header_params)
            .find(|param| param.required);
        if let Some(param) = required {
            return Err(self.error(
                &["get", "operation-id"],
                format!(
                    "the watcher polls `{poll_id}`, which needs `{}`: a watcher can fill in path parameters only",
                    param.wire_name
                ),
            ));
        }
        if !poll.versions.iter().any(|known| known.version == version) {
            let known: Vec<&str> = poll.versions.iter().map(|v| v.version.as_str()).collect();
            let known = if known.is_empty() {
                "it has no versioned media type".to_owned()
            } else {
                format!("it has {}", known.join(", "))
            };
            return Err(self.error(
                &["get", "version"],
                format!("`{poll_id}` has no resource version {version} ({known})"),
            ));
        }
        // The client's method sends another version: poll the one the watcher names.
        let mut pinned_poll = None;
        if poll.api_version.as_deref() != Some(version) {
            let key = (poll.operation_id.clone(), version.to_owned());
            let Some(at_version) = self.pinned.get(&key) else {
                return Ok(Resolved::LeftOut(Diagnostic::warning(
                    child(self.at, "get"),
                    format!(
                        "no waiter: `{poll_id}` has no success response at resource version {version} the generator can decode"
                    ),
                )));
            };
            pinned_poll = Some(PinnedPoll {
                path: at_version.path.clone(),
                accept: at_version.accept.clone(),
                api_version: version.to_owned(),
                declared_errors: at_version.errors.iter().map(|error| error.status).collect(),
            });
            poll = at_version;
        }
        let args = self.arguments(watcher, trigger, listed)?;
        let until = self.until(watcher, poll, warnings)?;
        let resource = snake(&poll.name);
        let resource = resource.strip_prefix("get_").unwrap_or(&resource);
        let fn_name = match until {
            Until::State { .. } => format!("wait_for_{resource}"),
            Until::Status(404) => format!("wait_for_{resource}_gone"),
            Until::Status(status) => format!("wait_for_{resource}_{status}"),
        };
        Ok(Resolved::Waiter(Box::new(Waiter {
            fn_name,
            poll: poll.fn_name.clone(),
            poll_name: poll.name.clone(),
            args: listed.path_args.clone(),
            result: poll.success.rust_type.clone(),
            until,
            triggers: vec![WaitTrigger {
                operation: trigger.fn_name.clone(),
                args,
                source: self.at.to_owned(),
            }],
            pinned: pinned_poll,
        })))
    }

    /// Where each of the poll's path arguments comes from.
    fn arguments(
        &self,
        watcher: &Value,
        trigger: &Operation,
        poll: &Operation,
    ) -> Result<Vec<ArgSource>, Diagnostic> {
        let params = watcher
            .get("get")
            .and_then(|get| get.get("params"))
            .and_then(Value::as_object);
        let params = match params {
            Some(params) => params,
            None if poll.path_args.is_empty() => &serde_json::Map::new(),
            None => {
                return Err(self.error(
                    &["get"],
                    "the watcher needs `params`: where the poll's path parameters come from",
                ))
            }
        };
        for name in params.keys() {
            if !poll.path_args.iter().any(|arg| &arg.wire_name == name) {
                return Err(self.error(
                    &["get", "params", name],
                    format!(
                        "`{name}` is not a path parameter of `{}`",
                        poll.operation_id
                    ),
                ));
            }
        }
        let mut sources = Vec::new();
        for arg in &poll.path_args {
            let key = ["get", "params", arg.wire_name.as_str()];
            let Some(source) = params.get(&arg.wire_name) else {
                return Err(self.error(
                    &["get", "params"],
                    format!(
                        "no source for `{}`, a path parameter of `{}`",
                        arg.wire_name, poll.operation_id
                    ),
                ));
            };
            let Some(source) = source.as_str() else {
                return Err(self.error(&key, "a source must be a string"));
            };
            if let Some(name) = source.strip_prefix("input:") {
                let Some(input) = trigger.path_args.iter().find(|arg| arg.wire_name == name) else {
                    return Err(self.error(
                        &key,
                        format!(
                            "`{source}`: `{name}` is not a path parameter of `{}`",
                            trigger.operation_id
                        ),
                    ));
                };
                sources.push(ArgSource::Input {
                    rust_name: input.rust_name.clone(),
                    rust_type: input.rust_type.clone(),
                });
            } else if let Some(path) = source.strip_prefix("body:") {
                let steps = paths::field_path(self.types, path, trigger, Leaf::Value)
                    .map_err(|message| self.error(&key, message))?;
                sources.push(ArgSource::Body {
                    path: steps,
                    path_text: path.to_owned(),
                });
            } else {
                return Err(self.error(
                    &key,
                    format!("`{source}` is neither `input:NAME` nor `body:$.path`"),
                ));
            }
        }
        Ok(sources)
    }

    /// When the wait is over.
    fn until(
        &self,
        watcher: &Value,
        poll: &Operation,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<Until, Diagnostic> {
        let expect = watcher.get("expect");
        if let Some(code) = expect.and_then(|expect| expect.get("http-code")) {
            return match code.as_u64() {
                Some(code @ 400..=599) => Ok(Until::Status(code as u16)),
                _ => Err(self.error(
                    &["expect", "http-code"],
                    format!("`http-code` must be an error status (400 to 599), found {code}"),
                )),
            };
        }
        let path = self.text(watcher, &["expect", "match", "path"])?;
        let steps = paths::field_path(self.types, path, poll, Leaf::State)
            .map_err(|message| self.error(&["expect", "match", "path"], message))?;
        let values = expect
            .and_then(|expect| expect.get("match"))
            .and_then(|found| found.get("values"))
            .and_then(Value::as_array)
            .filter(|values| !values.is_empty())
            .ok_or_else(|| {
                self.error(
                    &["expect", "match", "values"],
                    "`values` must list the final states",
                )
            })?;
        let known = self.enum_values(&steps);
        let mut finals = Vec::new();
        for (index, value) in values.iter().enumerate() {
            let index = index.to_string();
            let at = ["expect", "match", "values", index.as_str()];
            let Some(value) = value.as_str() else {
                return Err(self.error(&at, "a final state must be a string"));
            };
            if let Some(known) = known.as_ref().filter(|known| !known.contains(value)) {
                let known: Vec<&str> = known.iter().map(String::as_str).collect();
                let mut warning = self.error(
                    &at,
                    format!(
                        "`{value}` is not a value of `{path}` ({}): the wait never ends on it unless Atlas sends it anyway",
                        known.join(", ")
                    ),
                );
                warning.severity = crate::diagnostics::Severity::Warning;
                warnings.push(warning);
            }
            finals.push(FinalValue {
                wire_value: value.to_owned(),
                failure: FAILURE_STATES.contains(&value.to_ascii_lowercase().as_str()),
            });
        }
        if finals.iter().all(|value| value.failure) {
            return Err(self.error(
                &["expect", "match", "values"],
                "every final state is a failure: the wait could never succeed",
            ));
        }
        Ok(Until::State {
            path: steps,
            path_text: path.to_owned(),
            values: finals,
        })
    }

    /// The values the state field's enums declare (in every union variant), or `None` for a
    /// string.
    fn enum_values(&self, steps: &[FieldStep]) -> Option<BTreeSet<String>> {
        let last = &steps[steps.len() - 1];
        let mut holders: Vec<&RustType> = vec![&last.rust_type];
        // In a union the field's type may differ per variant: look at each.
        if let Some((union, _)) = &last.through_union {
            if let Some(TypeDef::Union(def)) = self.types.get(union) {
                holders = def
                    .variants
                    .iter()
                    .filter_map(|variant| match &variant.ty {
                        TypeRef::Named(member) => match self.types.get(member) {
                            Some(TypeDef::Struct(member)) => member
                                .fields
                                .iter()
                                .find(|field| field.rust_name == last.rust_name)
                                .map(|field| &field.rust_type),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
            }
        }
        let mut values = BTreeSet::new();
        for ty in holders {
            values.extend(enum_variants(ty, self.types)?.into_keys());
        }
        Some(values)
    }
}
