//! The changes between two public-API reports (`crate::public_api`), item by item: what the
//! generator itself changed when the spec did not. The semantic diff cannot see those, since
//! it compares specs; this compares what downstream code can name.
//!
//! Lines are matched by what they are a line of (owner path, rank, name), so a method whose
//! signature changed is one `api_item_changed`, not a removal and an addition. A type that
//! came or went is one change, not one per field and impl.

use std::collections::{BTreeMap, BTreeSet};

use super::{Change, ChangeKind};
use crate::public_api::{Entry, Rank};

/// The changes from the public API `old` to `new`, in the reports' order.
pub fn api_changes(old: &[Entry], new: &[Entry]) -> Vec<Change> {
    type Key<'e> = (&'e str, Rank, &'e str);
    let mut lines: BTreeMap<Key<'_>, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    for entry in old {
        let key = (entry.owner.as_str(), entry.rank, entry.name.as_str());
        lines.entry(key).or_default().0.insert(&entry.text);
    }
    for entry in new {
        let key = (entry.owner.as_str(), entry.rank, entry.name.as_str());
        lines.entry(key).or_default().1.insert(&entry.text);
    }
    let (old_owners, new_owners) = (owners(old), owners(new));

    let mut changes = Vec::new();
    for ((owner, rank, name), (before, after)) in &lines {
        let gone: Vec<&str> = before.difference(after).copied().collect();
        let came: Vec<&str> = after.difference(before).copied().collect();
        let item = item(owner, *rank, name);
        // A type that came or went is reported once, by its declaration.
        let owner_gone = !new_owners.contains_key(owner);
        let owner_came = !old_owners.contains_key(owner);
        if *rank != Rank::Declaration && (owner_gone || owner_came) {
            continue;
        }
        if let ([was], [now]) = (gone.as_slice(), came.as_slice()) {
            // Deprecated, undeprecated or reworded: a warning at most.
            let kind = if without_deprecated(now) == without_deprecated(was) {
                ChangeKind::ApiItemDeprecated
            } else {
                ChangeKind::ApiItemChanged
            };
            changes.push(Change::new(kind, item, "", format!("`{was}` → `{now}`")));
            continue;
        }
        for was in gone {
            changes.push(Change::new(
                ChangeKind::ApiItemRemoved,
                item.clone(),
                "",
                format!("`{was}`"),
            ));
        }
        for now in came {
            let owner_declaration = new_owners.get(owner).copied().unwrap_or_default();
            let kind = match rank {
                Rank::Member if exhaustive(owner_declaration) => ChangeKind::ApiMemberAdded,
                Rank::Associated if is_trait(owner_declaration) && !has_default(now) => {
                    ChangeKind::ApiTraitItemAdded
                }
                _ => ChangeKind::ApiItemAdded,
            };
            changes.push(Change::new(kind, item.clone(), "", format!("`{now}`")));
        }
    }
    changes
}

/// The paths that have a declaration line (types, functions, modules and re-exports), each
/// with that line (the first, should a path have two).
fn owners(entries: &[Entry]) -> BTreeMap<&str, &str> {
    let mut owners = BTreeMap::new();
    for entry in entries
        .iter()
        .filter(|entry| entry.rank == Rank::Declaration)
    {
        owners
            .entry(entry.owner.as_str())
            .or_insert(entry.text.as_str());
    }
    owners
}

/// How the change names the item: its path without the crate's name, as the semantic diff
/// names items (`models::Link::href`).
fn item(owner: &str, rank: Rank, name: &str) -> String {
    let path = owner.split_once("::").map_or("crate", |(_, rest)| rest);
    match rank {
        Rank::Member | Rank::Associated if !name.is_empty() => format!("{path}::{name}"),
        Rank::Impl => format!("{path} (impl {name})"),
        _ => path.to_owned(),
    }
}

/// Whether downstream code may build or match the type exhaustively, so a new field or
/// variant breaks it: a struct or enum that is not `#[non_exhaustive]` and whose fields are
/// all public.
fn exhaustive(declaration: &str) -> bool {
    !declaration.contains("#[non_exhaustive]") && !declaration.contains("/* private fields */")
}

/// Whether a trait item's line shows a default (`{ ... }` for a method, ` = ...` for a
/// const or type), which implementations need not provide.
fn has_default(line: &str) -> bool {
    line.ends_with("{ ... }") || line.ends_with(" = ...")
}

fn is_trait(declaration: &str) -> bool {
    declaration.contains("pub trait ") || declaration.contains("pub unsafe trait ")
}

/// `line` without a `#[deprecated…]` attribute.
fn without_deprecated(line: &str) -> String {
    let Some(start) = line.find("#[deprecated") else {
        return line.to_owned();
    };
    let mut depth = 0usize;
    for (offset, character) in line[start..].char_indices() {
        match character {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    let end = start + offset + 1;
                    let rest = line[end..].strip_prefix(' ').unwrap_or(&line[end..]);
                    return format!("{}{rest}", &line[..start]);
                }
            }
            _ => {}
        }
    }
    line.to_owned()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;

    fn entries(lib_rs: &str) -> Vec<Entry> {
        let files: BTreeMap<PathBuf, String> =
            [(PathBuf::from("lib.rs"), lib_rs.to_owned())].into();
        crate::public_api::entries("demo", &files).expect("parses")
    }

    fn kinds(old: &str, new: &str) -> Vec<(ChangeKind, String)> {
        api_changes(&entries(old), &entries(new))
            .into_iter()
            .map(|change| (change.kind, change.item))
            .collect()
    }

    #[test]
    fn the_same_api_has_no_changes() {
        let api = "pub struct S { pub a: u8 }\nimpl S { pub fn new() -> Self { S { a: 0 } } }";
        assert_eq!(kinds(api, api), []);
        // Private items and bodies are not the API.
        let other =
            "pub struct S { pub a: u8 }\nimpl S { pub fn new() -> Self { S { a: 1 } } fn x() {} }";
        assert_eq!(kinds(api, other), []);
    }

    #[test]
    fn a_changed_signature_is_one_breaking_change() {
        let changes = api_changes(
            &entries("pub fn f(a: u8) {}"),
            &entries("pub fn f(a: u16) {}"),
        );
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].kind, ChangeKind::ApiItemChanged);
        assert_eq!(changes[0].item, "f");
        assert_eq!(
            changes[0].detail,
            "`pub fn demo::f(a: u8)` → `pub fn demo::f(a: u16)`"
        );
        assert!(changes[0].breaking);
    }

    #[test]
    fn a_type_that_came_or_went_is_one_change() {
        let with = "pub struct S { pub a: u8 }\n#[derive(Debug, Clone)] pub struct T { pub b: u8 }\nimpl T { pub fn get(&self) -> u8 { self.b } }";
        let without = "pub struct S { pub a: u8 }";
        assert_eq!(
            kinds(without, with),
            [(ChangeKind::ApiItemAdded, "T".to_owned())]
        );
        assert_eq!(
            kinds(with, without),
            [(ChangeKind::ApiItemRemoved, "T".to_owned())]
        );
    }

    #[test]
    fn new_members_break_exhaustive_types_only() {
        assert_eq!(
            kinds(
                "pub struct S { pub a: u8 }",
                "pub struct S { pub a: u8, pub b: u8 }"
            ),
            [(ChangeKind::ApiMemberAdded, "S::b".to_owned())]
        );
        assert_eq!(
            kinds("pub enum E { A }", "pub enum E { A, B }"),
            [(ChangeKind::ApiMemberAdded, "E::B".to_owned())]
        );
        let added = kinds(
            "#[non_exhaustive] pub enum E { A }",
            "#[non_exhaustive] pub enum E { A, B }",
        );
        assert_eq!(added, [(ChangeKind::ApiItemAdded, "E::B".to_owned())]);
        assert!(!ChangeKind::ApiItemAdded.breaking());
        // A method is not a member: adding one breaks nobody.
        assert_eq!(
            kinds(
                "pub struct S;",
                "pub struct S;\nimpl S { pub fn m(&self) {} }"
            ),
            [(ChangeKind::ApiItemAdded, "S::m".to_owned())]
        );
    }

    #[test]
    fn trait_items_break_implementors_unless_they_have_a_default() {
        let old = "pub trait T { fn a(&self); }";
        assert_eq!(
            kinds(old, "pub trait T { fn a(&self); fn b(&self); }"),
            [(ChangeKind::ApiTraitItemAdded, "T::b".to_owned())]
        );
        assert_eq!(
            kinds(old, "pub trait T { fn a(&self); fn b(&self) {} }"),
            [(ChangeKind::ApiItemAdded, "T::b".to_owned())]
        );
        assert_eq!(
            kinds(old, "pub trait T { fn a(&self); const N: u8 = 1; type X; }"),
            [
                (ChangeKind::ApiItemAdded, "T::N".to_owned()),
                (ChangeKind::ApiTraitItemAdded, "T::X".to_owned()),
            ]
        );
    }

    #[test]
    fn associated_types_of_trait_impls_are_compared() {
        let old = "pub struct S;\nimpl core::str::FromStr for S { type Err = u8; fn from_str(_: &str) -> Result<Self, u8> { Ok(S) } }";
        let new = "pub struct S;\nimpl core::str::FromStr for S { type Err = u16; fn from_str(_: &str) -> Result<Self, u16> { Ok(S) } }";
        let changes = api_changes(&entries(old), &entries(new));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].kind, ChangeKind::ApiItemChanged);
        assert!(
            changes[0].detail.contains("type Err = u16"),
            "{}",
            changes[0].detail
        );
    }

    #[test]
    fn deprecation_alone_is_not_breaking_but_other_attributes_are() {
        let changes = api_changes(
            &entries("pub fn f() {}"),
            &entries("#[deprecated(note = \"use g\")] pub fn f() {}"),
        );
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].kind, ChangeKind::ApiItemDeprecated);
        assert!(!changes[0].breaking);
        // Rewording or dropping the deprecation is no more breaking than adding it.
        let reworded = api_changes(
            &entries("#[deprecated(note = \"use g\")] pub fn f() {}"),
            &entries("#[deprecated(note = \"use h\")] pub fn f() {}"),
        );
        assert_eq!(reworded[0].kind, ChangeKind::ApiItemDeprecated);
        let dropped = api_changes(
            &entries("#[deprecated(note = \"use g\")] pub fn f() {}"),
            &entries("pub fn f() {}"),
        );
        assert_eq!(dropped[0].kind, ChangeKind::ApiItemDeprecated);
        assert_eq!(
            kinds("pub enum E { A }", "#[non_exhaustive] pub enum E { A }"),
            [(ChangeKind::ApiItemChanged, "E".to_owned())]
        );
        assert_eq!(
            kinds("pub fn f() {}", "#[cfg(feature = \"x\")] pub fn f() {}"),
            [(ChangeKind::ApiItemChanged, "f".to_owned())]
        );
    }

    #[test]
    fn removed_impls_and_fields_are_breaking() {
        let removed = kinds(
            "#[derive(Clone, Debug)] pub struct S { pub a: u8, pub b: u8 }",
            "#[derive(Debug)] pub struct S { pub a: u8 }",
        );
        assert_eq!(
            removed,
            [
                (ChangeKind::ApiItemRemoved, "S::b".to_owned()),
                (ChangeKind::ApiItemRemoved, "S (impl Clone)".to_owned()),
            ]
        );
        assert!(ChangeKind::ApiItemRemoved.breaking());
    }

    #[test]
    fn deprecated_attributes_are_cut_out_whole() {
        assert_eq!(
            without_deprecated("#[cfg(x)] #[deprecated(note = \"a [b]\")] pub fn f()"),
            "#[cfg(x)] pub fn f()"
        );
        assert_eq!(without_deprecated("pub fn f()"), "pub fn f()");
    }
}
