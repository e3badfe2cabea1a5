//! The Rust shape of the model: which Rust type every struct field, union variant, path
//! argument and operation result gets (in an `Option`, in a `Box`, raw bytes), what each
//! struct derives and whether it has a constructor. Each of these is decided here, once, after
//! the types exist; emission prints what this module wrote into the model and `diff` compares
//! it.
//!
//! Why every model struct has chained setters, with the fields' own names: a `#[non_exhaustive]`
//! struct has no literal outside its crate, so without them a value took
//! `let mut label = BackupLabel::new(); label.key = Some(…);` and could not sit inline in a
//! `vec![…]`. Three shapes were weighed:
//! - the AWS SDK's builders (`BackupLabel::builder().key("k").value("v").build()`): a second type
//!   per struct (1,176 more on the whole spec), a `build()` that fails at run time when a required
//!   member is missing (which `new`'s arguments already check at compile time), and
//!   `set_key(Option<T>)` beside `key(T)`; its reason for a separate type, immutable outputs read
//!   through getters, does not hold here, where fields are public;
//! - google-cloud-rust's `set_*` on the message itself: the prefix keeps a setter clear of getters
//!   and keywords, and is paid on every call;
//! - the field's name on the struct (chosen): `BackupLabel::new().key("k").value("v")`. Fields and
//!   methods are separate namespaces, and with public fields there are no getters to meet; it reads
//!   like the request builders, `RetryPolicy` and `WaitPolicy`. What can still clash is settled
//!   here: a `naming::Scope` reserving `naming::MODEL_METHODS` hands each field, in field order, its
//!   own name, or `set_<name>` where that is a method the struct has (`new`, `unknown_fields`, the
//!   `additional_properties` setter) or a trait method an inherent `self` method would hide
//!   (`clone`, `eq`, `fmt`, `default`, serde's, `into`, the operator names Clippy reads as an
//!   `impl Add`). On the whole spec that renames one setter, `default` → `set_default`. Methods of
//!   traits only some structs implement (`Page::results`, `ErrorBody::error_code`) are not
//!   reserved: the runtime calls them generically, where no inherent method is seen. The name is in
//!   the model (`Field::setter`), so `diff` reports a setter renamed when another field takes it.
//!
//! Each setter is `#[must_use]`, consumes the value and returns it, and takes what a caller has
//! (`setter_argument`): `impl Into<String>` for text, the `params` newtype for an id (checked when
//! built), `impl IntoIterator` for a list or a map, `impl Into<serde_json::Value>` for free-form
//! JSON, the value unboxed for a boxed field, `impl Into<Nullable<T>>` for an optional nullable
//! field, anything else as itself; an optional field's setter wraps the value in `Some`. Response
//! types get them too, for the values a test answers a mock with. Their cost is mostly
//! type-checking where called (BENCHMARKS.md has the figures).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    Constructor, Derive, Direction, Operation, PathParamType, PathSegment, ResponseHeader,
    RustType, StructDef, TypeDef, TypeRef,
};
use crate::naming::{Scope, MODEL_METHODS};

/// Gives every field and union variant of `defs` its Rust type, and every struct its derives,
/// constructor and the place it keeps unknown properties. `operations` and `params` tell
/// which string fields carry the identifier of a path parameter.
pub fn shape_types(
    defs: &mut BTreeMap<String, TypeDef>,
    operations: &[Operation],
    params: &[PathParamType],
) {
    let boxing = Boxing::of(defs);
    let identifiers = Identifiers::of(operations, params);
    let mut taken: BTreeSet<String> = defs.keys().cloned().collect();
    for (name, def) in defs.iter_mut() {
        match def {
            TypeDef::Struct(def) => shape_struct(
                def,
                |ty| boxing.cycles_back(ty, name),
                &identifiers,
                &mut taken,
            ),
            TypeDef::Union(def) => {
                for variant in &mut def.variants {
                    let plain = RustType::Plain(variant.ty.clone());
                    // Struct variants are boxed: they differ widely in size (and may lead back
                    // to the union).
                    variant.rust_type =
                        if boxing.is_struct(&variant.ty) || boxing.cycles_back(&variant.ty, name) {
                            RustType::Boxed(Box::new(plain))
                        } else {
                            plain
                        };
                }
            }
            TypeDef::Enum(_) => {}
        }
    }
}

fn shape_struct(
    def: &mut StructDef,
    cycles_back: impl Fn(&TypeRef) -> bool,
    identifiers: &Identifiers,
    taken: &mut BTreeSet<String>,
) {
    let sent = def.directions.contains(&Direction::Request);
    for field in &mut def.fields {
        let plain = match identifiers.param_for(&def.name, field) {
            Some(param) => RustType::Param(param.to_owned()),
            None => RustType::Plain(field.ty.clone()),
        };
        // A field holding the struct itself without indirection would make it infinitely large.
        let held = if cycles_back(&field.ty) {
            RustType::Boxed(Box::new(plain))
        } else {
            plain
        };
        // Only a field that is always present and never `null` is a plain value. An optional
        // nullable field of a type that is sent can be absent, `null` (to clear it) or a value.
        field.rust_type = match (field.required && !field.nullable, field.nullable && sent) {
            (true, _) => held,
            (false, true) if !field.required => {
                RustType::Option(Box::new(RustType::Nullable(Box::new(held))))
            }
            (false, _) => RustType::Option(Box::new(held)),
        };
    }
    // Required fields are `new`'s to take, a nullable one too (as an `Option`): left unset it
    // would be sent as `null`, which the caller never chose.
    let mandatory: Vec<(String, String)> = def
        .fields
        .iter()
        .filter(|field| field.required)
        .map(|field| (field.rust_name.clone(), field.rust_type.to_text()))
        .collect();
    // Without mandatory fields, everything unset is a valid value: `Default` too.
    def.derives = [
        Derive::Debug,
        Derive::Clone,
        Derive::Default,
        Derive::PartialEq,
        Derive::Serialize,
        Derive::Deserialize,
    ]
    .into_iter()
    .filter(|derive| *derive != Derive::Default || mandatory.is_empty())
    .collect();
    let types: BTreeSet<&str> = mandatory.iter().map(|(_, ty)| ty.as_str()).collect();
    let named =
        (types.len() < mandatory.len()).then(|| claim(taken, &format!("{}Required", def.name)));
    def.constructor = Constructor {
        fields: mandatory.into_iter().map(|(name, _)| name).collect(),
        named,
    };
    // Every field has a chained setter; the names are handed out here, in field order, among
    // the struct's other methods, so a clash is resolved the same way every time.
    let mut methods = Scope::with_reserved(MODEL_METHODS);
    for field in &mut def.fields {
        field.setter = methods.claim_prefixed(field.rust_name.clone(), "set_");
    }
    // What Atlas sends that the spec does not declare is kept, so a newer field can be read
    // (and sent back); `additionalProperties` already keeps it where declared.
    let received = def.directions.contains(&Direction::Response);
    def.unknown_fields = (received && def.additional.is_none()).then(|| {
        let mut name = "unknown_fields".to_owned();
        while def.fields.iter().any(|field| field.rust_name == name) {
            name.push('_');
        }
        name
    });
}

/// `wanted`, or `wanted` with a number, whichever no model type has.
fn claim(taken: &mut BTreeSet<String>, wanted: &str) -> String {
    let mut name = wanted.to_owned();
    let mut index = 2;
    while taken.contains(&name) {
        name = format!("{wanted}{index}");
        index += 1;
    }
    taken.insert(name.clone());
    name
}

/// Which string fields carry a path parameter's identifier, so a value read from one
/// response goes into the next call as it is. A field qualifies with exactly the parameter's
/// constraints and one of: a name like a multi-word parameter's (`groupId`, or ending in it as
/// `targetGroupId` ends in `GroupId`); or, in a type the operations addressed by that
/// parameter return, the name `id` or the one-word parameter's own name (`name`). One match
/// only: an ambiguous field stays a string.
struct Identifiers<'a> {
    params: &'a [PathParamType],
    /// Type name -> the last path parameters (by wire name) of the operations returning it.
    addressed: BTreeMap<String, BTreeSet<String>>,
}

impl<'a> Identifiers<'a> {
    fn of(operations: &[Operation], params: &'a [PathParamType]) -> Self {
        let mut addressed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for operation in operations {
            if let (Some(TypeRef::Named(body)), Some(PathSegment::Param(last))) =
                (&operation.success.body, operation.path_segments.last())
            {
                addressed
                    .entry(body.clone())
                    .or_default()
                    .insert(last.clone());
            }
        }
        Identifiers { params, addressed }
    }

    /// The path-parameter newtype `field` of `owner` holds, if any.
    fn param_for(&self, owner: &str, field: &crate::model::Field) -> Option<&'a str> {
        if field.ty != TypeRef::String || field.constraints.pattern.is_none() {
            return None;
        }
        let addressed_by = |param: &PathParamType| {
            self.addressed
                .get(owner)
                .is_some_and(|params| params.contains(&param.wire_name))
        };
        let mut matches = self.params.iter().filter(|param| {
            let same_constraints = field.constraints.pattern == param.pattern
                && field.constraints.min_length == param.min_length
                && field.constraints.max_length == param.max_length;
            let one_word = !param.wire_name.contains(|c: char| c.is_ascii_uppercase());
            let named = if field.wire_name == "id" || one_word {
                (field.wire_name == "id" || field.wire_name == param.wire_name)
                    && addressed_by(param)
            } else {
                names_param(&field.wire_name, &param.wire_name)
            };
            same_constraints && named
        });
        match (matches.next(), matches.next()) {
            (Some(param), None) => Some(param.type_name.as_str()),
            _ => None,
        }
    }
}

/// `groupId` names `groupId`; so does `targetGroupId` (a prefix word, then `GroupId`).
fn names_param(field: &str, param: &str) -> bool {
    if field == param {
        return true;
    }
    let mut chars = param.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let capitalised: String = first.to_uppercase().chain(chars).collect();
    field.len() > capitalised.len() && field.ends_with(&capitalised)
}

/// Gives the operation's arguments and result their Rust types.
pub fn shape_operation(operation: &mut Operation) {
    for param in operation
        .query_params
        .iter_mut()
        .chain(&mut operation.header_params)
    {
        param.rust_type = RustType::Plain(param.ty.clone());
    }
    if let Some(body) = &mut operation.request_body {
        body.rust_type = RustType::Plain(body.ty.clone());
    }
    for arg in &mut operation.path_args {
        arg.rust_type = if arg.is_enum {
            RustType::Plain(TypeRef::Named(arg.type_name.clone()))
        } else {
            RustType::Param(arg.type_name.clone())
        };
    }
    let success = &mut operation.success;
    let body = if success.raw {
        RustType::Bytes
    } else {
        match &success.body {
            Some(ty) => RustType::Plain(ty.clone()),
            None => RustType::Unit,
        }
    };
    success.rust_type = if success.body_optional {
        RustType::Option(Box::new(body))
    } else {
        body
    };
}

/// Gives each declared response header's accessor its return type: text is borrowed from the
/// headers, anything else parsed.
pub fn shape_headers(headers: &mut [ResponseHeader]) {
    for header in headers {
        let value = if header.ty == TypeRef::String {
            RustType::Str
        } else {
            RustType::Plain(header.ty.clone())
        };
        header.rust_type = RustType::Option(Box::new(value));
    }
}

/// Which named types hold which others directly (not through a `Vec` or map), to find the
/// members that must be boxed.
struct Boxing {
    edges: BTreeMap<String, BTreeSet<String>>,
    structs: BTreeSet<String>,
}

impl Boxing {
    fn of(defs: &BTreeMap<String, TypeDef>) -> Self {
        let edges = defs
            .iter()
            .map(|(name, def)| {
                let targets = match def {
                    TypeDef::Struct(def) => def
                        .fields
                        .iter()
                        .filter_map(|field| direct(&field.ty))
                        .map(str::to_owned)
                        .collect(),
                    TypeDef::Union(def) => def
                        .variants
                        .iter()
                        .filter_map(|variant| direct(&variant.ty))
                        .map(str::to_owned)
                        .collect(),
                    TypeDef::Enum(_) => BTreeSet::new(),
                };
                (name.clone(), targets)
            })
            .collect();
        let structs = defs
            .iter()
            .filter(|(_, def)| matches!(def, TypeDef::Struct(_)))
            .map(|(name, _)| name.clone())
            .collect();
        Boxing { edges, structs }
    }

    fn is_struct(&self, ty: &TypeRef) -> bool {
        direct(ty).is_some_and(|target| self.structs.contains(target))
    }

    /// Whether a member of type `ty` inside `owner` leads back to `owner` directly.
    fn cycles_back(&self, ty: &TypeRef, owner: &str) -> bool {
        let Some(from) = direct(ty) else {
            return false;
        };
        let mut stack = vec![from];
        let mut seen = BTreeSet::new();
        while let Some(next) = stack.pop() {
            if next == owner {
                return true;
            }
            if seen.insert(next) {
                stack.extend(
                    self.edges
                        .get(next)
                        .into_iter()
                        .flatten()
                        .map(String::as_str),
                );
            }
        }
        false
    }
}

/// The named type `ty` is, when it is one (not a `Vec` or map of it).
fn direct(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(target) => Some(target),
        _ => None,
    }
}
