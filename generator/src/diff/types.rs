//! Comparing the model types operations reach: struct fields, derives and constructors, enum
//! values, union variants. (Path-parameter newtypes, response headers and security schemes
//! are in `shared.rs`.)

use std::collections::{BTreeMap, BTreeSet};

use super::{required_word, Change, ChangeKind, Side};
use crate::diagnostics::child;
use crate::model::{EnumDef, Field, StructDef, TypeDef, TypeRef, UnionDef, UnionVariant};

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
                // Constraints are checked only on what is sent.
                let sent = is.directions.contains(&crate::model::Direction::Request);
                fields(&item, &is.source, &was.fields, &is.fields, sent, changes);
                impls(&item, was, is, changes);
                if was.additional != is.additional {
                    let shown = |ty: &Option<TypeRef>| {
                        ty.as_ref().map_or("none".to_owned(), |ty| {
                            format!("`BTreeMap<String, {}>`", ty.to_text())
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

/// What lowering gave the struct beyond its fields: derived traits and the constructor.
fn impls(item: &str, was: &StructDef, is: &StructDef, changes: &mut Vec<Change>) {
    for (kind, present, absent) in [
        (ChangeKind::DeriveAdded, &is.derives, &was.derives),
        (ChangeKind::DeriveRemoved, &was.derives, &is.derives),
    ] {
        for derive in present.iter().filter(|derive| !absent.contains(derive)) {
            changes.push(Change::new(kind, item, &is.source, format!("`{derive:?}`")));
        }
    }
    if was.constructor != is.constructor {
        let shown = |constructor: &crate::model::Constructor| match &constructor.named {
            Some(named) => format!("`new({named} {{ {} }})`", constructor.fields.join(", ")),
            None => format!("`new({})`", constructor.fields.join(", ")),
        };
        changes.push(Change::new(
            ChangeKind::ConstructorChanged,
            format!("{item}::new"),
            &is.source,
            format!("{} → {}", shown(&was.constructor), shown(&is.constructor)),
        ));
    }
}

fn fields(
    item: &str,
    source: &str,
    was: &[Field],
    is: &[Field],
    sent: bool,
    changes: &mut Vec<Change>,
) {
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
                format!("`{}`: `{}`", wire, field.rust_type.to_text()),
            )),
            Some(old) => {
                let (was_ty, is_ty) = (old.rust_type.to_text(), field.rust_type.to_text());
                // Same flags, another Rust type: retyped (an identifier newtype came or went).
                let same_flags = (old.required, old.nullable) == (field.required, field.nullable);
                if old.ty != field.ty
                    || old.rust_type.is_boxed() != field.rust_type.is_boxed()
                    || old.rust_name != field.rust_name
                    || old.setter != field.setter
                    || (same_flags && was_ty != is_ty)
                {
                    // A setter renamed alone (another field took its name) is named too.
                    let setter = if old.setter == field.setter {
                        String::new()
                    } else {
                        format!(", setter `{}` → `{}`", old.setter, field.setter)
                    };
                    changes.push(Change::new(
                        ChangeKind::FieldRetyped,
                        &path,
                        &at,
                        format!(
                            "`{}: {was_ty}` → `{}: {is_ty}`{setter}",
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
                if sent && old.constraints != field.constraints {
                    changes.push(Change::new(
                        ChangeKind::FieldConstraintChanged,
                        &path,
                        &at,
                        format!(
                            "{} → {}",
                            old.constraints.to_text(),
                            field.constraints.to_text()
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
                format!("`{}`: `{}`", wire, field.rust_type.to_text()),
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
    let held = |variant: &UnionVariant| variant.rust_type.to_text();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RustType;

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
                    rust_type: RustType::Plain(TypeRef::Named((*name).to_owned())),
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
        is.variants[1].rust_type = RustType::Boxed(Box::new(is.variants[1].rust_type.clone()));
        assert_eq!(
            kinds(&was, &is),
            [
                ChangeKind::UnionVariantTagsChanged,
                ChangeKind::UnionVariantRetyped
            ]
        );
    }
}
