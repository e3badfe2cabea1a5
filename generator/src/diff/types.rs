//! Comparing what operations reach: model types (struct fields, enum values, union
//! variants), path-parameter newtypes, response headers and security schemes.

use std::collections::{BTreeMap, BTreeSet};

use super::{required_word, rust, Change, ChangeKind, Side};
use crate::diagnostics::child;
use crate::model::{Field, PathParamType, TypeDef, TypeRef, UnionDef};

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

pub(super) fn types(old: &Side, new: &Side, changes: &mut Vec<Change>) {
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

pub(super) fn path_param_types(old: &Side, new: &Side, changes: &mut Vec<Change>) {
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

pub(super) fn headers_and_auth(old: &Side, new: &Side, changes: &mut Vec<Change>) {
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
