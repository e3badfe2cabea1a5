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

mod report;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::diagnostics::child;
use crate::model::{Api, Field, Operation, PathParamType, QueryParam, TypeDef, TypeRef, UnionDef};

pub use report::{bump, by_verdict, label, Report, SpecSummary};

/// What kind of change, each with a fixed verdict on whether it breaks the generated API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    OperationAdded,
    OperationRemoved,
    /// The client method's name changed (`x-xgen-operation-id-override`).
    OperationRenamed,
    /// HTTP method or path changed: same Rust signature, requests go elsewhere.
    OperationMoved,
    OperationDeprecated,
    OperationUndeprecated,
    /// The operation's tags, hence the Cargo features that enable it, changed.
    OperationFeaturesChanged,
    VersionAdded,
    VersionRemoved,
    /// A version got an `x-sunset` date (or its date changed).
    VersionSunset,
    /// The resource version the client sends (its `Accept`) changed.
    VersionSelected,
    RequiredParameterAdded,
    OptionalParameterAdded,
    ParameterRemoved,
    ParameterRetyped,
    ParameterRequiredChanged,
    /// A path parameter's validation (pattern or length) changed.
    ParameterConstraintChanged,
    RequestBodyAdded,
    RequestBodyRemoved,
    RequestBodyRetyped,
    RequestBodyRequiredChanged,
    ResponseRetyped,
    ErrorBodyRetyped,
    ResponseHeaderAdded,
    ResponseHeaderRemoved,
    ResponseHeaderRetyped,
    SecuritySchemeAdded,
    SecuritySchemeRemoved,
    TypeAdded,
    TypeRemoved,
    /// A struct became an enum, a union or the other way round.
    TypeKindChanged,
    FieldAdded,
    FieldRemoved,
    FieldRetyped,
    /// `required` or `nullable` changed, so the field became or stopped being an `Option`.
    FieldRequiredChanged,
    FieldDeprecated,
    EnumValueAdded,
    EnumValueRemoved,
    UnionVariantAdded,
    UnionVariantRemoved,
    UnionVariantRetyped,
    /// The property that selects a union's variant changed.
    DiscriminatorChanged,
}

impl ChangeKind {
    /// Whether code written against the previous generated crate can stop compiling, or
    /// stop behaving as it did, with this change.
    pub fn breaking(self) -> bool {
        !matches!(
            self,
            ChangeKind::OperationAdded
                | ChangeKind::OperationMoved
                | ChangeKind::OperationDeprecated
                | ChangeKind::OperationUndeprecated
                | ChangeKind::VersionAdded
                | ChangeKind::VersionRemoved
                | ChangeKind::VersionSunset
                | ChangeKind::VersionSelected
                | ChangeKind::OptionalParameterAdded
                | ChangeKind::ResponseHeaderAdded
                | ChangeKind::SecuritySchemeAdded
                | ChangeKind::TypeAdded
                | ChangeKind::FieldDeprecated
                | ChangeKind::EnumValueAdded
                | ChangeKind::UnionVariantAdded
        )
    }

    /// Why the verdict is what it is, in the generated crate's terms.
    pub fn why(self) -> &'static str {
        match self {
            ChangeKind::OperationAdded => "a new client method and request builder",
            ChangeKind::OperationRemoved => "the client method and its request builder are gone",
            ChangeKind::OperationRenamed => "the client method and request builder have new names",
            ChangeKind::OperationMoved => "same Rust signature; requests go to the new method or path",
            ChangeKind::OperationDeprecated => "the method is `#[deprecated]`: callers get a warning, not an error",
            ChangeKind::OperationUndeprecated => "the `#[deprecated]` warning goes away",
            ChangeKind::OperationFeaturesChanged => "the method is gated by other Cargo features: builds that enable only the old ones lose it",
            ChangeKind::VersionAdded => "the client sends the newest version it accepts; see `version_selected` for what it now sends",
            ChangeKind::VersionRemoved => "an offered version went away; see `version_selected` if it was the one the client sends",
            ChangeKind::VersionSunset => "Atlas stops serving the version on that date; when the client sends it, the method becomes `#[deprecated]`",
            ChangeKind::VersionSelected => "the client sends another `Accept` version; the shapes of the new version show up as type and field changes",
            ChangeKind::RequiredParameterAdded => "the client method takes a new positional argument",
            ChangeKind::OptionalParameterAdded => "a new request-builder method; existing calls compile unchanged",
            ChangeKind::ParameterRemoved => "a method argument or request-builder method is gone",
            ChangeKind::ParameterRetyped => "the argument or builder method takes another type",
            ChangeKind::ParameterRequiredChanged => "the parameter moved between the method's arguments and the request builder",
            ChangeKind::ParameterConstraintChanged => "the validated newtype checks another pattern or length: values that parsed may now be rejected",
            ChangeKind::RequestBodyAdded => "a new body argument or builder method",
            ChangeKind::RequestBodyRemoved => "the body argument or builder method is gone",
            ChangeKind::RequestBodyRetyped => "the body argument takes another type",
            ChangeKind::RequestBodyRequiredChanged => "the body moved between the method's arguments and the request builder",
            ChangeKind::ResponseRetyped => "`send()` returns another type",
            ChangeKind::ErrorBodyRetyped => "`Error::Api` carries another error body type",
            ChangeKind::ResponseHeaderAdded => "a new `ResponseHeaders` accessor",
            ChangeKind::ResponseHeaderRemoved => "a `ResponseHeaders` accessor is gone",
            ChangeKind::ResponseHeaderRetyped => "a `ResponseHeaders` accessor returns another type",
            ChangeKind::SecuritySchemeAdded => "the spec declares another way to authenticate",
            ChangeKind::SecuritySchemeRemoved => "Atlas no longer declares this way to authenticate; credentials of that kind may stop working",
            ChangeKind::TypeAdded => "a new type",
            ChangeKind::TypeRemoved => "the type is gone",
            ChangeKind::TypeKindChanged => "the model type is now another kind of item (struct, enum or union)",
            ChangeKind::FieldAdded => "model structs have public fields and are not `#[non_exhaustive]`: struct literals without `..Default::default()` stop compiling",
            ChangeKind::FieldRemoved => "the public field is gone",
            ChangeKind::FieldRetyped => "the public field has another type",
            ChangeKind::FieldRequiredChanged => "the field's type gains or loses its `Option`",
            ChangeKind::FieldDeprecated => "documentation only: the spec marks the field deprecated",
            ChangeKind::EnumValueAdded => "a new variant of a `#[non_exhaustive]` enum; the value used to arrive as the catch-all variant and now arrives as its own",
            ChangeKind::EnumValueRemoved => "the enum variant is gone (the value now arrives as the catch-all variant)",
            ChangeKind::UnionVariantAdded => "a new variant of a `#[non_exhaustive]` union; such values used to arrive as the catch-all variant and now arrive as their own",
            ChangeKind::UnionVariantRemoved => "the union variant is gone",
            ChangeKind::UnionVariantRetyped => "the union variant holds another type",
            ChangeKind::DiscriminatorChanged => "values are told apart by another property: the same JSON may decode into another variant",
        }
    }
}

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
    operations(&old, &new, &mut changes);
    types(&old, &new, &mut changes);
    path_param_types(&old, &new, &mut changes);
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
                rust(&old.api.error_body),
                rust(&new.api.error_body)
            ),
        ));
    }
    headers_and_auth(&old, &new, &mut changes);
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
        warnings: Vec::new(),
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

/// How the generated crate writes a type (paths relative to the crate root).
pub fn rust(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => format!("models::{name}"),
        TypeRef::Vec(inner) => format!("Vec<{}>", rust(inner)),
        TypeRef::Map(inner) => format!("BTreeMap<String, {}>", rust(inner)),
        TypeRef::String => "String".to_owned(),
        TypeRef::Bool => "bool".to_owned(),
        TypeRef::I32 => "i32".to_owned(),
        TypeRef::I64 => "i64".to_owned(),
        TypeRef::F32 => "f32".to_owned(),
        TypeRef::F64 => "f64".to_owned(),
        TypeRef::DateTime => "DateTime<Utc>".to_owned(),
        TypeRef::Date => "NaiveDate".to_owned(),
        TypeRef::Json => "serde_json::Value".to_owned(),
        TypeRef::JsonObject => "serde_json::Map<String, Value>".to_owned(),
    }
}

fn field_rust(field: &Field) -> String {
    let inner = if field.boxed {
        format!("Box<{}>", rust(&field.ty))
    } else {
        rust(&field.ty)
    };
    if field.required && !field.nullable {
        inner
    } else {
        format!("Option<{inner}>")
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn operations(old: &Side, new: &Side, changes: &mut Vec<Change>) {
    let ids: BTreeSet<&str> = old
        .operations
        .keys()
        .chain(new.operations.keys())
        .copied()
        .collect();
    for id in ids {
        match (old.operations.get(id), new.operations.get(id)) {
            (None, Some(added)) => changes.push(Change::new(
                ChangeKind::OperationAdded,
                format!("Client::{}", added.fn_name),
                id,
                format!("`{} {}`", added.method, added.path),
            )),
            (Some(removed), None) => changes.push(Change::new(
                ChangeKind::OperationRemoved,
                format!("Client::{}", removed.fn_name),
                id,
                format!("`{} {}`", removed.method, removed.path),
            )),
            (Some(before), Some(after)) => operation(before, after, changes),
            (None, None) => {}
        }
    }
}

fn operation(before: &Operation, after: &Operation, changes: &mut Vec<Change>) {
    let id = after.operation_id.as_str();
    let item = format!("Client::{}", after.fn_name);
    let mut push = |kind: ChangeKind, item: &str, detail: String| {
        changes.push(Change::new(kind, item, id, detail));
    };
    if before.fn_name != after.fn_name {
        push(
            ChangeKind::OperationRenamed,
            &item,
            format!("`Client::{}` → `Client::{}`", before.fn_name, after.fn_name),
        );
    }
    if (&before.method, &before.path) != (&after.method, &after.path) {
        push(
            ChangeKind::OperationMoved,
            &item,
            format!(
                "`{} {}` → `{} {}`",
                before.method, before.path, after.method, after.path
            ),
        );
    }
    match (before.deprecated, after.deprecated) {
        (false, true) => push(
            ChangeKind::OperationDeprecated,
            &item,
            "`deprecated: true`".to_owned(),
        ),
        (true, false) => push(
            ChangeKind::OperationUndeprecated,
            &item,
            "no longer `deprecated`".to_owned(),
        ),
        _ => {}
    }
    if before.tags != after.tags {
        push(
            ChangeKind::OperationFeaturesChanged,
            &item,
            format!("tags {} → {}", list(&before.tags), list(&after.tags)),
        );
    }
    versions(before, after, &item, &mut push);
    parameters(before, after, &item, &mut push);
    request_body(before, after, &item, &mut push);
    let returns = |operation: &Operation| {
        let body = operation
            .success
            .body
            .as_ref()
            .map_or("()".to_owned(), |body| {
                if operation.success.raw {
                    "Vec<u8>".to_owned()
                } else {
                    rust(body)
                }
            });
        if operation.success.body_optional {
            format!("Option<{body}>")
        } else {
            body
        }
    };
    let (was, is) = (returns(before), returns(after));
    if was != is {
        push(
            ChangeKind::ResponseRetyped,
            &item,
            format!("`{was}` → `{is}`"),
        );
    }
}

fn versions(
    before: &Operation,
    after: &Operation,
    item: &str,
    push: &mut impl FnMut(ChangeKind, &str, String),
) {
    let was: BTreeMap<&str, Option<&str>> = before
        .versions
        .iter()
        .map(|v| (v.version.as_str(), v.sunset.as_deref()))
        .collect();
    let is: BTreeMap<&str, Option<&str>> = after
        .versions
        .iter()
        .map(|v| (v.version.as_str(), v.sunset.as_deref()))
        .collect();
    for (version, sunset) in &is {
        match was.get(version) {
            None => push(
                ChangeKind::VersionAdded,
                item,
                format!(
                    "`{version}`{}",
                    sunset
                        .map(|date| format!(" (sunset {date})"))
                        .unwrap_or_default()
                ),
            ),
            Some(old_sunset) if old_sunset != sunset => match sunset {
                Some(date) => push(
                    ChangeKind::VersionSunset,
                    item,
                    format!("`{version}` sunset {date}"),
                ),
                None => push(
                    ChangeKind::VersionSunset,
                    item,
                    format!("`{version}` sunset date withdrawn"),
                ),
            },
            Some(_) => {}
        }
    }
    for version in was.keys().filter(|version| !is.contains_key(*version)) {
        push(ChangeKind::VersionRemoved, item, format!("`{version}`"));
    }
    if before.api_version != after.api_version {
        let shown = |version: &Option<String>| {
            version
                .as_deref()
                .map_or("unversioned".to_owned(), |v| format!("`{v}`"))
        };
        push(
            ChangeKind::VersionSelected,
            item,
            format!(
                "{} → {}",
                shown(&before.api_version),
                shown(&after.api_version)
            ),
        );
    }
}

fn parameters(
    before: &Operation,
    after: &Operation,
    item: &str,
    push: &mut impl FnMut(ChangeKind, &str, String),
) {
    let params =
        |operation: &Operation| -> BTreeMap<(&'static str, String), (String, bool, String)> {
            let mut found = BTreeMap::new();
            for arg in &operation.path_args {
                let ty = if arg.is_enum {
                    format!("models::{}", arg.type_name)
                } else {
                    format!("params::{}", arg.type_name)
                };
                found.insert(
                    ("path", arg.wire_name.clone()),
                    (arg.rust_name.clone(), true, ty),
                );
            }
            let mut others = |location: &'static str, params: &[QueryParam]| {
                for param in params {
                    found.insert(
                        (location, param.wire_name.clone()),
                        (param.rust_name.clone(), param.required, rust(&param.ty)),
                    );
                }
            };
            others("query", &operation.query_params);
            others("header", &operation.header_params);
            found
        };
    let (was, is) = (params(before), params(after));
    // Required parameters are method arguments; optional ones are request-builder methods.
    let place = |rust_name: &str, required: bool| {
        if required {
            format!("{item}({rust_name})")
        } else {
            format!("operations::{}::{rust_name}", after.builder_name)
        }
    };
    for ((location, wire), (rust_name, required, ty)) in &is {
        match was.get(&(*location, wire.clone())) {
            None => push(
                if *required {
                    ChangeKind::RequiredParameterAdded
                } else {
                    ChangeKind::OptionalParameterAdded
                },
                &place(rust_name, *required),
                format!("{location} parameter `{wire}`: `{ty}`"),
            ),
            Some((_, old_required, old_ty)) => {
                if old_ty != ty {
                    push(
                        ChangeKind::ParameterRetyped,
                        &place(rust_name, *required),
                        format!("{location} parameter `{wire}`: `{old_ty}` → `{ty}`"),
                    );
                }
                if old_required != required {
                    push(
                        ChangeKind::ParameterRequiredChanged,
                        &place(rust_name, *required),
                        format!(
                            "{location} parameter `{wire}`: {} → {}",
                            required_word(*old_required),
                            required_word(*required)
                        ),
                    );
                }
            }
        }
    }
    for ((location, wire), (rust_name, required, ty)) in &was {
        if !is.contains_key(&(*location, wire.clone())) {
            push(
                ChangeKind::ParameterRemoved,
                &place(rust_name, *required),
                format!("{location} parameter `{wire}`: `{ty}`"),
            );
        }
    }
}

fn required_word(required: bool) -> &'static str {
    if required {
        "required"
    } else {
        "optional"
    }
}

fn request_body(
    before: &Operation,
    after: &Operation,
    item: &str,
    push: &mut impl FnMut(ChangeKind, &str, String),
) {
    let item = format!("{item}(body)");
    match (&before.request_body, &after.request_body) {
        (None, Some(body)) => push(
            ChangeKind::RequestBodyAdded,
            &item,
            format!("`{}` ({})", rust(&body.ty), required_word(body.required)),
        ),
        (Some(body), None) => push(
            ChangeKind::RequestBodyRemoved,
            &item,
            format!("`{}`", rust(&body.ty)),
        ),
        (Some(was), Some(is)) => {
            if was.ty != is.ty {
                push(
                    ChangeKind::RequestBodyRetyped,
                    &item,
                    format!("`{}` → `{}`", rust(&was.ty), rust(&is.ty)),
                );
            }
            if was.required != is.required {
                push(
                    ChangeKind::RequestBodyRequiredChanged,
                    &item,
                    format!(
                        "{} → {}",
                        required_word(was.required),
                        required_word(is.required)
                    ),
                );
            }
        }
        (None, None) => {}
    }
}

fn kind_name(def: &TypeDef) -> &'static str {
    match def {
        TypeDef::Struct(_) => "struct",
        TypeDef::Enum(_) => "enum",
        TypeDef::Union(_) => "union",
    }
}

fn source(def: &TypeDef) -> &str {
    match def {
        TypeDef::Struct(def) => &def.source,
        TypeDef::Enum(def) => &def.source,
        TypeDef::Union(def) => &def.source,
    }
}

fn types(old: &Side, new: &Side, changes: &mut Vec<Change>) {
    let names: BTreeSet<&str> = old
        .reached
        .keys()
        .chain(new.reached.keys())
        .copied()
        .collect();
    for name in names {
        let users: Vec<String> = old
            .users(name)
            .into_iter()
            .chain(new.users(name))
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let before = old
            .reached
            .contains_key(name)
            .then(|| old.api.types.get(name))
            .flatten();
        let after = new
            .reached
            .contains_key(name)
            .then(|| new.api.types.get(name))
            .flatten();
        let start = changes.len();
        let item = format!("models::{name}");
        match (before, after) {
            (None, Some(def)) => changes.push(Change::new(
                ChangeKind::TypeAdded,
                &item,
                source(def),
                kind_name(def),
            )),
            (Some(def), None) => changes.push(Change::new(
                ChangeKind::TypeRemoved,
                &item,
                source(def),
                kind_name(def),
            )),
            (Some(TypeDef::Struct(was)), Some(TypeDef::Struct(is))) => {
                fields(&item, &is.source, &was.fields, &is.fields, changes);
                if was.additional != is.additional {
                    let shown = |ty: &Option<TypeRef>| {
                        ty.as_ref().map_or("none".to_owned(), |ty| {
                            format!("`BTreeMap<String, {}>`", rust(ty))
                        })
                    };
                    changes.push(Change::new(
                        ChangeKind::FieldRetyped,
                        format!("{item}::additional"),
                        &is.source,
                        format!(
                            "other keys: {} → {}",
                            shown(&was.additional),
                            shown(&is.additional)
                        ),
                    ));
                }
            }
            (Some(TypeDef::Enum(was)), Some(TypeDef::Enum(is))) => {
                let before: BTreeSet<&str> =
                    was.variants.iter().map(|v| v.wire_value.as_str()).collect();
                for variant in &is.variants {
                    if !before.contains(variant.wire_value.as_str()) {
                        changes.push(Change::new(
                            ChangeKind::EnumValueAdded,
                            format!("{item}::{}", variant.rust_name),
                            &is.source,
                            format!("`{}`", variant.wire_value),
                        ));
                    }
                }
                let after: BTreeSet<&str> =
                    is.variants.iter().map(|v| v.wire_value.as_str()).collect();
                for variant in &was.variants {
                    if !after.contains(variant.wire_value.as_str()) {
                        changes.push(Change::new(
                            ChangeKind::EnumValueRemoved,
                            format!("{item}::{}", variant.rust_name),
                            &was.source,
                            format!("`{}`", variant.wire_value),
                        ));
                    }
                }
            }
            (Some(TypeDef::Union(was)), Some(TypeDef::Union(is))) => union(&item, was, is, changes),
            (Some(was), Some(is)) => changes.push(Change::new(
                ChangeKind::TypeKindChanged,
                &item,
                source(is),
                format!("{} → {}", kind_name(was), kind_name(is)),
            )),
            (None, None) => {}
        }
        for change in &mut changes[start..] {
            change.operations.clone_from(&users);
        }
    }
}

fn fields(item: &str, source: &str, was: &[Field], is: &[Field], changes: &mut Vec<Change>) {
    let before: BTreeMap<&str, &Field> = was.iter().map(|f| (f.wire_name.as_str(), f)).collect();
    let after: BTreeMap<&str, &Field> = is.iter().map(|f| (f.wire_name.as_str(), f)).collect();
    for (wire, field) in &after {
        let at = child(&child(source, "properties"), wire);
        let path = format!("{item}::{}", field.rust_name);
        match before.get(wire) {
            None => changes.push(Change::new(
                ChangeKind::FieldAdded,
                path,
                at,
                format!("`{}`: `{}`", wire, field_rust(field)),
            )),
            Some(old) => {
                let (was_ty, is_ty) = (field_rust(old), field_rust(field));
                if old.ty != field.ty
                    || old.boxed != field.boxed
                    || old.rust_name != field.rust_name
                {
                    changes.push(Change::new(
                        ChangeKind::FieldRetyped,
                        &path,
                        &at,
                        format!(
                            "`{}: {was_ty}` → `{}: {is_ty}`",
                            old.rust_name, field.rust_name
                        ),
                    ));
                } else if was_ty != is_ty {
                    let flags = |f: &Field| {
                        format!(
                            "{}{}",
                            required_word(f.required),
                            if f.nullable { ", nullable" } else { "" }
                        )
                    };
                    changes.push(Change::new(
                        ChangeKind::FieldRequiredChanged,
                        &path,
                        &at,
                        format!("{} → {}: `{was_ty}` → `{is_ty}`", flags(old), flags(field)),
                    ));
                }
                if field.deprecated && !old.deprecated {
                    changes.push(Change::new(
                        ChangeKind::FieldDeprecated,
                        &path,
                        &at,
                        "`deprecated: true`",
                    ));
                }
            }
        }
    }
    for (wire, field) in &before {
        if !after.contains_key(wire) {
            changes.push(Change::new(
                ChangeKind::FieldRemoved,
                format!("{item}::{}", field.rust_name),
                child(&child(source, "properties"), wire),
                format!("`{}`: `{}`", wire, field_rust(field)),
            ));
        }
    }
}

fn union(item: &str, was: &UnionDef, is: &UnionDef, changes: &mut Vec<Change>) {
    if was.discriminator != is.discriminator {
        let shown = |d: &Option<String>| {
            d.as_deref()
                .map_or("none (tried in order)".to_owned(), |d| format!("`{d}`"))
        };
        changes.push(Change::new(
            ChangeKind::DiscriminatorChanged,
            item,
            &is.source,
            format!(
                "{} → {}",
                shown(&was.discriminator),
                shown(&is.discriminator)
            ),
        ));
    }
    let before: BTreeMap<&str, &TypeRef> = was
        .variants
        .iter()
        .map(|v| (v.rust_name.as_str(), &v.ty))
        .collect();
    let after: BTreeMap<&str, &TypeRef> = is
        .variants
        .iter()
        .map(|v| (v.rust_name.as_str(), &v.ty))
        .collect();
    for (name, ty) in &after {
        let path = format!("{item}::{name}");
        match before.get(name) {
            None => changes.push(Change::new(
                ChangeKind::UnionVariantAdded,
                path,
                &is.source,
                format!("`{}`", rust(ty)),
            )),
            Some(old) if old != ty => changes.push(Change::new(
                ChangeKind::UnionVariantRetyped,
                path,
                &is.source,
                format!("`{}` → `{}`", rust(old), rust(ty)),
            )),
            Some(_) => {}
        }
    }
    for (name, ty) in &before {
        if !after.contains_key(name) {
            changes.push(Change::new(
                ChangeKind::UnionVariantRemoved,
                format!("{item}::{name}"),
                &was.source,
                format!("`{}`", rust(ty)),
            ));
        }
    }
}

fn path_param_types(old: &Side, new: &Side, changes: &mut Vec<Change>) {
    let find = |side: &Side<'_>, name: &str| -> Option<PathParamType> {
        side.path_types
            .contains_key(name)
            .then(|| {
                side.api
                    .path_params
                    .iter()
                    .find(|p| p.type_name == name)
                    .cloned()
            })
            .flatten()
    };
    let names: BTreeSet<&str> = old
        .path_types
        .keys()
        .chain(new.path_types.keys())
        .copied()
        .collect();
    for name in names {
        let item = format!("params::{name}");
        let users: Vec<String> = old
            .path_types
            .get(name)
            .into_iter()
            .chain(new.path_types.get(name))
            .flatten()
            .map(|s| (*s).to_owned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let constraint = |p: &PathParamType| {
            let mut parts = Vec::new();
            if let Some(pattern) = &p.pattern {
                parts.push(format!("pattern `{pattern}`"));
            }
            if let Some(min) = p.min_length {
                parts.push(format!("minLength {min}"));
            }
            if let Some(max) = p.max_length {
                parts.push(format!("maxLength {max}"));
            }
            if parts.is_empty() {
                "no constraint".to_owned()
            } else {
                parts.join(", ")
            }
        };
        let change = match (find(old, name), find(new, name)) {
            (None, Some(added)) => Some(Change::new(
                ChangeKind::TypeAdded,
                &item,
                &added.wire_name,
                format!(
                    "path parameter `{}`: {}",
                    added.wire_name,
                    constraint(&added)
                ),
            )),
            (Some(removed), None) => Some(Change::new(
                ChangeKind::TypeRemoved,
                &item,
                &removed.wire_name,
                format!("path parameter `{}`", removed.wire_name),
            )),
            (Some(was), Some(is)) if constraint(&was) != constraint(&is) => Some(Change::new(
                ChangeKind::ParameterConstraintChanged,
                &item,
                &is.wire_name,
                format!("{} → {}", constraint(&was), constraint(&is)),
            )),
            _ => None,
        };
        if let Some(mut change) = change {
            change.operations = users;
            changes.push(change);
        }
    }
}

fn headers_and_auth(old: &Side, new: &Side, changes: &mut Vec<Change>) {
    // Only the headers the operations in scope declare.
    let headers = |side: &Side<'_>| -> BTreeMap<String, (String, String)> {
        let names: BTreeSet<&str> = side.operations.values().map(|o| o.name.as_str()).collect();
        side.api
            .response_headers
            .iter()
            .filter(|h| {
                h.operations
                    .iter()
                    .any(|name| names.contains(name.as_str()))
            })
            .map(|h| {
                (
                    h.wire_name.to_ascii_lowercase(),
                    (h.fn_name.clone(), rust(&h.ty)),
                )
            })
            .collect()
    };
    let (was, is) = (headers(old), headers(new));
    for (wire, (fn_name, ty)) in &is {
        let item = format!("ResponseHeaders::{fn_name}");
        match was.get(wire) {
            None => changes.push(Change::new(
                ChangeKind::ResponseHeaderAdded,
                item,
                wire,
                format!("`{ty}`"),
            )),
            Some((_, old_ty)) if old_ty != ty => changes.push(Change::new(
                ChangeKind::ResponseHeaderRetyped,
                item,
                wire,
                format!("`{old_ty}` → `{ty}`"),
            )),
            Some(_) => {}
        }
    }
    for (wire, (fn_name, ty)) in &was {
        if !is.contains_key(wire) {
            changes.push(Change::new(
                ChangeKind::ResponseHeaderRemoved,
                format!("ResponseHeaders::{fn_name}"),
                wire,
                format!("`{ty}`"),
            ));
        }
    }
    let schemes = |side: &Side<'_>| -> BTreeMap<String, String> {
        side.api
            .security_schemes
            .iter()
            .map(|s| (s.name.clone(), s.kind.clone()))
            .collect()
    };
    let (was, is) = (schemes(old), schemes(new));
    for (name, kind) in &is {
        if was.get(name) != Some(kind) {
            changes.push(Change::new(
                ChangeKind::SecuritySchemeAdded,
                "Credentials",
                format!("/components/securitySchemes/{name}"),
                kind.clone(),
            ));
        }
    }
    for (name, kind) in &was {
        if is.get(name) != Some(kind) {
            changes.push(Change::new(
                ChangeKind::SecuritySchemeRemoved,
                "Credentials",
                format!("/components/securitySchemes/{name}"),
                kind.clone(),
            ));
        }
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
            };
            return Ok((empty(), summary));
        }
        let (api, sha256) = crate::model_with(spec.file, spec.text, policy)?;
        let summary = SpecSummary {
            file: spec.file.to_owned(),
            sha256: Some(sha256),
            version: Some(api.version.clone()),
            operations: api
                .operations
                .iter()
                .filter(|operation| scope.covers(operation))
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
