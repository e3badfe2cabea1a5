//! Comparing what operations reach: model types (struct fields, enum values, union
//! variants), path-parameter newtypes, response headers and security schemes.

use std::collections::{BTreeMap, BTreeSet};

use super::{required_word, rust, Change, ChangeKind, Side};
use crate::diagnostics::child;
use crate::model::{EnumDef, Field, PathParamType, TypeDef, TypeRef, UnionDef, UnionVariant};

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
                enumeration(&item, was, is, changes)
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
                if old.request_pattern != field.request_pattern {
                    let shown = |pattern: &Option<String>| {
                        pattern
                            .as_deref()
                            .map_or("none".to_owned(), |p| format!("`{p}`"))
                    };
                    changes.push(Change::new(
                        ChangeKind::FieldPatternChanged,
                        &path,
                        &at,
                        format!(
                            "{} → {}",
                            shown(&old.request_pattern),
                            shown(&field.request_pattern)
                        ),
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

fn enumeration(item: &str, was: &EnumDef, is: &EnumDef, changes: &mut Vec<Change>) {
    let before: BTreeMap<&str, &str> = was
        .variants
        .iter()
        .map(|v| (v.wire_value.as_str(), v.rust_name.as_str()))
        .collect();
    let after: BTreeMap<&str, &str> = is
        .variants
        .iter()
        .map(|v| (v.wire_value.as_str(), v.rust_name.as_str()))
        .collect();
    for variant in &is.variants {
        let (wire, name) = (variant.wire_value.as_str(), variant.rust_name.as_str());
        match before.get(wire) {
            None => changes.push(Change::new(
                ChangeKind::EnumValueAdded,
                format!("{item}::{name}"),
                &is.source,
                format!("`{wire}`"),
            )),
            Some(old_name) if *old_name != name => changes.push(Change::new(
                ChangeKind::VariantRenamed,
                format!("{item}::{old_name}"),
                &is.source,
                format!("`{wire}`: `{old_name}` → `{name}`"),
            )),
            Some(_) => {}
        }
    }
    for variant in &was.variants {
        if !after.contains_key(variant.wire_value.as_str()) {
            changes.push(Change::new(
                ChangeKind::EnumValueRemoved,
                format!("{item}::{}", variant.rust_name),
                &was.source,
                format!("`{}`", variant.wire_value),
            ));
        }
    }
    catch_all(item, (&was.catch_all, &is.catch_all), &is.source, changes);
}

/// The variant that keeps unknown values can be renamed when a value takes its name.
fn catch_all(item: &str, (was, is): (&str, &str), source: &str, changes: &mut Vec<Change>) {
    if was != is {
        changes.push(Change::new(
            ChangeKind::VariantRenamed,
            format!("{item}::{was}"),
            source,
            format!("the catch-all variant: `{was}` → `{is}`"),
        ));
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
    // A variant's Rust type, boxed or not.
    let held = |variant: &UnionVariant| {
        if variant.boxed {
            format!("Box<{}>", rust(&variant.ty))
        } else {
            rust(&variant.ty)
        }
    };
    let before: BTreeMap<&str, &UnionVariant> = was
        .variants
        .iter()
        .map(|v| (v.rust_name.as_str(), v))
        .collect();
    let after: BTreeMap<&str, &UnionVariant> = is
        .variants
        .iter()
        .map(|v| (v.rust_name.as_str(), v))
        .collect();
    let untagged = is.discriminator.is_none();
    for (name, variant) in &after {
        let path = format!("{item}::{name}");
        match before.get(name) {
            None => changes.push(Change::new(
                if untagged {
                    ChangeKind::UntaggedUnionVariantAdded
                } else {
                    ChangeKind::UnionVariantAdded
                },
                path,
                &is.source,
                format!("`{}`", held(variant)),
            )),
            Some(old) => {
                if held(old) != held(variant) {
                    changes.push(Change::new(
                        ChangeKind::UnionVariantRetyped,
                        &path,
                        &is.source,
                        format!("`{}` → `{}`", held(old), held(variant)),
                    ));
                }
                if old.tags != variant.tags && was.discriminator == is.discriminator {
                    changes.push(Change::new(
                        ChangeKind::UnionVariantTagsChanged,
                        &path,
                        &is.source,
                        format!("{} → {}", tags(&old.tags), tags(&variant.tags)),
                    ));
                }
            }
        }
    }
    for (name, variant) in &before {
        if !after.contains_key(name) {
            changes.push(Change::new(
                ChangeKind::UnionVariantRemoved,
                format!("{item}::{name}"),
                &was.source,
                format!("`{}`", held(variant)),
            ));
        }
    }
    if untagged && was.discriminator.is_none() {
        // The order of the members both have.
        let order = |def: &UnionDef, other: &BTreeMap<&str, &UnionVariant>| -> Vec<String> {
            def.variants
                .iter()
                .filter(|v| other.contains_key(v.rust_name.as_str()))
                .map(|v| v.rust_name.clone())
                .collect()
        };
        let (was_order, is_order) = (order(was, &after), order(is, &before));
        if was_order != is_order {
            changes.push(Change::new(
                ChangeKind::UnionVariantsReordered,
                item,
                &is.source,
                format!("{} → {}", was_order.join(", "), is_order.join(", ")),
            ));
        }
    }
    catch_all(item, (&was.catch_all, &is.catch_all), &is.source, changes);
}

fn tags(tags: &[String]) -> String {
    if tags.is_empty() {
        "none".to_owned()
    } else {
        tags.iter()
            .map(|tag| format!("`{tag}`"))
            .collect::<Vec<_>>()
            .join(", ")
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
    let schemes = |side: &Side<'_>| -> BTreeMap<String, (String, Option<String>)> {
        side.api
            .security_schemes
            .iter()
            .map(|s| (s.name.clone(), (s.kind.clone(), s.token_url.clone())))
            .collect()
    };
    let (was, is) = (schemes(old), schemes(new));
    let at = |name: &str| format!("/components/securitySchemes/{name}");
    for (name, (kind, token_url)) in &is {
        match was.get(name) {
            Some((old_kind, old_url)) if old_kind == kind => {
                if old_url != token_url {
                    let shown =
                        |url: &Option<String>| url.clone().unwrap_or_else(|| "none".to_owned());
                    changes.push(Change::new(
                        ChangeKind::SecuritySchemeChanged,
                        "Credentials",
                        at(name),
                        format!(
                            "{kind}: token URL {} → {}",
                            shown(old_url),
                            shown(token_url)
                        ),
                    ));
                }
            }
            _ => changes.push(Change::new(
                ChangeKind::SecuritySchemeAdded,
                "Credentials",
                at(name),
                kind.clone(),
            )),
        }
    }
    for (name, (kind, _)) in &was {
        if is.get(name).map(|(new_kind, _)| new_kind) != Some(kind) {
            changes.push(Change::new(
                ChangeKind::SecuritySchemeRemoved,
                "Credentials",
                at(name),
                kind.clone(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untagged(variants: &[&str]) -> UnionDef {
        UnionDef {
            name: "Filter".to_owned(),
            source: "/components/schemas/Filter".to_owned(),
            description: None,
            discriminator: None,
            variants: variants
                .iter()
                .map(|name| UnionVariant {
                    rust_name: (*name).to_owned(),
                    ty: TypeRef::Named((*name).to_owned()),
                    tags: Vec::new(),
                    boxed: false,
                })
                .collect(),
            catch_all: "Unknown".to_owned(),
        }
    }

    fn kinds(was: &UnionDef, is: &UnionDef) -> Vec<ChangeKind> {
        let mut changes = Vec::new();
        union("models::Filter", was, is, &mut changes);
        changes.iter().map(|change| change.kind).collect()
    }

    #[test]
    fn untagged_unions_report_order_and_additions_as_breaking() {
        let base = untagged(&["Gram", "Regex"]);
        assert_eq!(kinds(&base, &base), []);
        let swapped = untagged(&["Regex", "Gram"]);
        assert_eq!(kinds(&base, &swapped), [ChangeKind::UnionVariantsReordered]);
        let added = untagged(&["Gram", "Regex", "Prefix"]);
        assert_eq!(
            kinds(&base, &added),
            [ChangeKind::UntaggedUnionVariantAdded]
        );
        assert!(ChangeKind::UnionVariantsReordered.breaking());
        assert!(ChangeKind::UntaggedUnionVariantAdded.breaking());
    }

    #[test]
    fn discriminator_values_and_boxing_are_compared() {
        let mut was = untagged(&["Aws", "Gcp"]);
        was.discriminator = Some("providerName".to_owned());
        was.variants[0].tags = vec!["AWS".to_owned()];
        let mut is = was.clone();
        is.variants[0].tags = vec!["AMAZON".to_owned()];
        is.variants[1].boxed = true;
        assert_eq!(
            kinds(&was, &is),
            [
                ChangeKind::UnionVariantTagsChanged,
                ChangeKind::UnionVariantRetyped
            ]
        );
    }
}
