//! Semantic diff of two specs, as the generated crate sees it.
//!
//! Both specs are lowered to the intermediate model (`crate::model::Api`) with the same
//! version policy, and the models are compared: operations by upstream `operationId`,
//! model types by Rust name, fields and parameters by wire name. Comparing models rather than
//! YAML means a change is reported the way it reaches users of the generated crate (a
//! `required` flip is an `Option` appearing or going; a renamed schema is a type removed and
//! another added), and each change can say whether it breaks code written against the
//! previous crate (Rust's semver rules: see [`ChangeKind::breaking`]).
//!
//! Pure: the caller loads the specs and prints the [`Report`] (`report.rs`).

mod api;
mod kind;
mod operations;
mod report;
mod shared;
mod types;
mod waiters;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{Api, Operation, TypeDef, TypeRef};

pub use api::api_changes;
pub use kind::ChangeKind;
pub use report::{bump, by_verdict, label, ApiReport, ApiSummary, Report, SpecSummary};

/// One semantic change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// `kind.breaking()`, spelled out for readers of the JSON.
    pub breaking: bool,
    /// The generated item it touches: `Client::get_backup_export`, `models::Link::href`.
    pub item: String,
    /// Where it is in the spec: an `operationId`, or the JSON pointer of a schema (in the new
    /// spec, or in the old one for what was removed).
    pub spec: String,
    /// What changed, e.g. "`Option<String>` → `Option<i64>`".
    pub detail: String,
    /// Why the verdict is what it is (`kind.why()` when the change was found: a changelog
    /// keeps the reasons its releases were made with, even if the rules change later).
    pub why: String,
    /// The operations (client methods) whose requests or responses use the item, sorted;
    /// empty for changes to an operation itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
}

impl Change {
    fn new(
        kind: ChangeKind,
        item: impl Into<String>,
        spec: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Change {
            kind,
            breaking: kind.breaking(),
            item: item.into(),
            spec: spec.into(),
            detail: detail.into(),
            why: kind.why().to_owned(),
            operations: Vec::new(),
        }
    }
}

/// Which operations a diff covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every operation of both specs.
    All,
    /// These operations (by `operationId` or `x-xgen-operation-id-override`), with what they
    /// reach; an operation missing from a spec is absent from that side.
    Only(BTreeSet<String>),
}

impl Scope {
    fn covers(&self, operation: &Operation) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(names) => {
                names.contains(&operation.operation_id) || names.contains(&operation.name)
            }
        }
    }
}

/// The semantic changes from `old` to `new`, in a stable order: operations (by upstream
/// `operationId`), then model types and path-parameter types (by Rust name), then response
/// headers and security schemes. `old` may be [`empty`] (a first release).
pub fn diff(old: &Api, new: &Api, scope: &Scope) -> Vec<Change> {
    let old = Side::new(old, scope);
    let new = Side::new(new, scope);
    let mut changes = Vec::new();
    operations::operations(&old, &new, &mut changes);
    types::types(&old, &new, &mut changes);
    shared::path_param_types(&old, &new, &mut changes);
    waiters::waiters(&old, &new, &mut changes);
    if old.api.error_body != new.api.error_body
        && !old.operations.is_empty()
        && !new.operations.is_empty()
    {
        changes.push(Change::new(
            ChangeKind::ErrorBodyRetyped,
            "Error::Api",
            "",
            format!(
                "`{}` → `{}`",
                old.api.error_body.to_text(),
                new.api.error_body.to_text()
            ),
        ));
    }
    shared::headers_and_auth(&old, &new, &mut changes);
    changes
}

/// A spec with nothing in it: the "old" side of a first release.
pub fn empty() -> Api {
    Api {
        title: String::new(),
        version: String::new(),
        default_base_url: String::new(),
        operations: Vec::new(),
        path_params: Vec::new(),
        types: BTreeMap::new(),
        error_body: TypeRef::Json,
        response_headers: Vec::new(),
        security_schemes: Vec::new(),
        examples: Vec::new(),
        waiters: Vec::new(),
    }
}

/// One spec's operations in scope, and the types they reach.
struct Side<'a> {
    api: &'a Api,
    /// By upstream `operationId`.
    operations: BTreeMap<&'a str, &'a Operation>,
    /// Rust type name -> client methods (operation names) that reach it.
    reached: BTreeMap<&'a str, BTreeSet<&'a str>>,
    /// Path-parameter newtype name -> operation names.
    path_types: BTreeMap<&'a str, BTreeSet<&'a str>>,
}

impl<'a> Side<'a> {
    fn new(api: &'a Api, scope: &Scope) -> Self {
        let mut side = Side {
            api,
            operations: BTreeMap::new(),
            reached: BTreeMap::new(),
            path_types: BTreeMap::new(),
        };
        for operation in api
            .operations
            .iter()
            .filter(|operation| scope.covers(operation))
        {
            side.operations.insert(&operation.operation_id, operation);
            let name = operation.name.as_str();
            let mut roots: Vec<&TypeRef> = operation
                .query_params
                .iter()
                .chain(&operation.header_params)
                .map(|param| &param.ty)
                .collect();
            roots.extend(operation.request_body.iter().map(|body| &body.ty));
            roots.extend(operation.success.body.iter());
            roots.extend(
                operation
                    .errors
                    .iter()
                    .filter_map(|error| error.other_body.as_ref()),
            );
            roots.push(&api.error_body);
            for arg in &operation.path_args {
                if arg.is_enum {
                    side.reach_named(&arg.type_name, name);
                } else {
                    side.path_types
                        .entry(&arg.type_name)
                        .or_default()
                        .insert(name);
                }
            }
            for root in roots {
                side.reach(root, name);
            }
        }
        side
    }

    fn reach(&mut self, ty: &'a TypeRef, operation: &'a str) {
        match ty {
            TypeRef::Named(name) => self.reach_named(name, operation),
            TypeRef::Vec(inner) | TypeRef::Map(inner) => self.reach(inner, operation),
            _ => {}
        }
    }

    fn reach_named(&mut self, name: &'a str, operation: &'a str) {
        if !self.reached.entry(name).or_default().insert(operation) {
            return;
        }
        match self.api.types.get(name) {
            Some(TypeDef::Struct(def)) => {
                for field in &def.fields {
                    self.reach(&field.ty, operation);
                }
                if let Some(additional) = &def.additional {
                    self.reach(additional, operation);
                }
            }
            Some(TypeDef::Union(def)) => {
                for variant in &def.variants {
                    self.reach(&variant.ty, operation);
                }
            }
            Some(TypeDef::Enum(_)) | None => {}
        }
    }

    fn users(&self, name: &str) -> BTreeSet<&'a str> {
        self.reached.get(name).cloned().unwrap_or_default()
    }
}

fn required_word(required: bool) -> &'static str {
    if required {
        "required"
    } else {
        "optional"
    }
}

/// A spec to compare: its name for messages and its text. Empty text (e.g. `/dev/null`) is a
/// spec with nothing in it, the old side of a first release.
#[derive(Debug, Clone, Copy)]
pub struct SpecText<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

/// Loads and lowers both specs with `policy`, and reports the changes in `scope`
/// (`scope_label` says what the scope is, for the report).
pub fn compare(
    old: SpecText<'_>,
    new: SpecText<'_>,
    scope: &Scope,
    scope_label: &str,
    policy: &crate::lower::VersionPolicy,
) -> Result<Report, crate::Diagnostics> {
    let load = |spec: SpecText<'_>| -> Result<(Api, SpecSummary), crate::Diagnostics> {
        if spec.text.trim().is_empty() {
            let summary = SpecSummary {
                file: spec.file.to_owned(),
                sha256: None,
                version: None,
                operations: 0,
                outside_scope: 0,
            };
            return Ok((empty(), summary));
        }
        let crate::Modelled { api, sha256, .. } = crate::model(spec.file, spec.text, policy)?;
        let summary = SpecSummary {
            file: spec.file.to_owned(),
            sha256: Some(sha256),
            version: Some(api.version.clone()),
            operations: api
                .operations
                .iter()
                .filter(|operation| scope.covers(operation))
                .count(),
            outside_scope: api
                .operations
                .iter()
                .filter(|operation| !scope.covers(operation))
                .count(),
        };
        Ok((api, summary))
    };
    let (old_api, old_summary) = load(old)?;
    let (new_api, new_summary) = load(new)?;
    let changes = diff(&old_api, &new_api, scope);
    Ok(Report::new(
        old_summary,
        new_summary,
        scope_label.to_owned(),
        changes,
    ))
}
