//! The public API of a generated crate as text, one item per line, so that a breaking change
//! to what the generator emits shows up as a reviewable snapshot diff.
//!
//! Analysis only: the crate's source files are parsed with syn, its module tree followed from
//! `lib.rs`, and every item a downstream crate can name listed under the path it is reached
//! by, with its signature and the attributes that are part of the contract (`cfg`,
//! `non_exhaustive`, `deprecated`, `must_use`, `doc(hidden)`). Derives are expanded into the
//! impls they create. Doc comments, private items and bodies are left out.
//!
//! ```text
//! files ──tree──▶ modules (items, imports) ──walk──▶ item → public paths ──items──▶ lines
//! ```
//!
//! Not covered, because they need the compiler: items made by macros, auto traits
//! (`Send`, `Sync`) and blanket impls from other crates.

mod attrs;
mod items;
mod render;
mod tree;
mod versions;
mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Severity};

/// Where a line sorts among its owner's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// The item itself (or a module, or a re-export).
    Declaration,
    /// Fields and variants.
    Member,
    /// Trait items and inherent impl members.
    Associated,
    /// Trait impls, written or derived.
    Impl,
}

/// One line of the report. Lines sort by owner path first, so an item's fields, methods and
/// impls follow it whatever attributes start their text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Line {
    owner: Vec<String>,
    rank: Rank,
    name: String,
    text: String,
}

/// One line of the report with what it is a line of, for comparing two reports item by item
/// (`crate::api_diff`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The path of the item the line belongs to: `atlas_admin::models::Link` for the struct,
    /// its fields, methods and impls alike.
    pub owner: String,
    pub rank: Rank,
    /// The field, variant, method or trait the line is about within its owner; empty for
    /// the owner's own declaration.
    pub name: String,
    /// The line as the report prints it.
    pub text: String,
}

/// The public API of the crate whose library is named `crate_name` (`atlas_admin`; a `-` is
/// read as `_`), from its source files keyed by path relative to its `src/` (`lib.rs`,
/// `models.rs`, `a/mod.rs`). One line per item, sorted, each ending in a newline.
pub fn report(crate_name: &str, files: &BTreeMap<PathBuf, String>) -> Result<String, Diagnostic> {
    Ok(entries(crate_name, files)?
        .into_iter()
        .map(|entry| entry.text + "\n")
        .collect())
}

/// [`report`]'s lines with their owners, in the report's order.
pub fn entries(
    crate_name: &str,
    files: &BTreeMap<PathBuf, String>,
) -> Result<Vec<Entry>, Diagnostic> {
    let krate = tree::Crate::load(files)?;
    let reach = walk::reach(&krate, &crate_name.replace('-', "_"))?;
    let mut lines = items::list(&krate, &reach)?;
    lines.extend(reach.lines);
    lines.sort();
    let mut seen = BTreeSet::new();
    lines.retain(|line| seen.insert(line.text.clone()));
    Ok(lines
        .into_iter()
        .map(|line| Entry {
            owner: line.owner.join("::"),
            rank: line.rank,
            name: line.name,
            text: line.text,
        })
        .collect())
}

/// The sha256 (lowercase hex) of a report made of `entries`: `api-diff` shows it so two
/// APIs can be told apart at a glance.
pub fn sha256(entries: &[Entry]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for entry in entries {
        hasher.update(entry.text.as_bytes());
        hasher.update(b"\n");
    }
    crate::load::hex(&hasher.finalize())
}

/// The library name and source files of the crate in `crate_dir`: `Cargo.toml`'s `[lib]`
/// name, else its package name with `-` read as `_`, and every `src/**/*.rs`.
pub fn read_crate(crate_dir: &Path) -> Result<(String, BTreeMap<PathBuf, String>), Diagnostic> {
    let manifest_path = crate_dir.join("Cargo.toml");
    let manifest = read(&manifest_path)?;
    let name = library_name(&manifest).ok_or_else(|| {
        problem(
            &manifest_path,
            "no `name` in [lib] or [package]: cannot tell the crate's name",
        )
    })?;
    let source = crate_dir.join("src");
    let mut files = BTreeMap::new();
    collect_sources(&source, &source, &mut files)?;
    Ok((name, files))
}

/// [`report`] for the crate in `crate_dir`; diagnostics name files by their path there.
pub fn report_dir(crate_dir: &Path) -> Result<String, Diagnostic> {
    Ok(entries_dir(crate_dir)?
        .into_iter()
        .map(|entry| entry.text + "\n")
        .collect())
}

/// [`entries`] for the crate in `crate_dir`; diagnostics name files by their path there.
/// A re-exported crate's line carries the version its manifest asks for (`versions`).
pub fn entries_dir(crate_dir: &Path) -> Result<Vec<Entry>, Diagnostic> {
    let (name, files) = read_crate(crate_dir)?;
    let entries = entries(&name, &files).map_err(|mut diagnostic| {
        diagnostic.file = crate_dir
            .join("src")
            .join(&diagnostic.file)
            .display()
            .to_string();
        diagnostic
    })?;
    let read = |path: &Path| std::fs::read_to_string(path).ok();
    Ok(entries
        .into_iter()
        .map(|entry| Entry {
            text: versions::marked(entry.text, crate_dir, &read),
            ..entry
        })
        .collect())
}

fn problem(file: &Path, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        file: file.display().to_string(),
        line: None,
        column: None,
        pointer: String::new(),
        message: message.into(),
        severity: Severity::Error,
    }
}

fn read(path: &Path) -> Result<String, Diagnostic> {
    std::fs::read_to_string(path).map_err(|error| problem(path, format!("cannot read: {error}")))
}

fn collect_sources(
    root: &Path,
    directory: &Path,
    files: &mut BTreeMap<PathBuf, String>,
) -> Result<(), Diagnostic> {
    let entries = std::fs::read_dir(directory)
        .map_err(|error| problem(directory, format!("cannot list: {error}")))?;
    for entry in entries {
        let path = entry
            .map_err(|error| problem(directory, format!("cannot list: {error}")))?
            .path();
        if path.is_dir() {
            collect_sources(root, &path, files)?;
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            files.insert(relative, read(&path)?);
        }
    }
    Ok(())
}

/// The library's name from a manifest: `[lib] name`, else `[package] name` with `_` for `-`.
/// A line-based reading of the two keys, enough for a crate's own manifest.
fn library_name(manifest: &str) -> Option<String> {
    let mut section = String::new();
    let mut package = None;
    let mut library = None;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.to_owned();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() != "name" {
            continue;
        }
        let value = value.trim();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let name = value[1..].split(quote).next()?.to_owned();
        match section.as_str() {
            "[package]" => package = Some(name),
            "[lib]" => library = Some(name),
            _ => {}
        }
    }
    library.or(package).map(|name| name.replace('-', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_of(files: &[(&str, &str)]) -> BTreeMap<PathBuf, String> {
        files
            .iter()
            .map(|(path, text)| (PathBuf::from(path), (*text).to_owned()))
            .collect()
    }

    fn lines(files: &[(&str, &str)]) -> Vec<String> {
        report("demo", &crate_of(files))
            .unwrap_or_else(|diagnostic| panic!("{diagnostic}"))
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn has(lines: &[String], line: &str) {
        assert!(
            lines.iter().any(|found| found == line),
            "missing `{line}` in:\n{}",
            lines.join("\n")
        );
    }

    fn lacks(lines: &[String], fragment: &str) {
        assert!(
            lines.iter().all(|found| !found.contains(fragment)),
            "unexpected `{fragment}` in:\n{}",
            lines.join("\n")
        );
    }

    #[test]
    fn a_re_export_from_a_private_module_is_listed_at_its_public_path() {
        let found = lines(&[
            ("lib.rs", "mod client;\npub use client::Client;"),
            (
                "client.rs",
                "pub struct Client;\nimpl Client { pub fn new() -> Self { Client } fn hidden(&self) {} }",
            ),
        ]);
        has(&found, "pub struct demo::Client");
        has(&found, "pub fn demo::Client::new() -> Self");
        lacks(&found, "demo::client");
        lacks(&found, "hidden");
    }

    #[test]
    fn restricted_visibility_is_not_public() {
        let found = lines(&[(
            "lib.rs",
            "pub(crate) fn a() {}\npub(super) struct B;\npub(in crate) const C: u8 = 1;\n\
             pub(crate) mod d { pub fn e() {} }\npub struct F { pub(crate) g: u8, pub h: u8 }\n\
             pub(crate) use d::e;\nfn private() {}",
        )]);
        assert_eq!(
            found,
            [
                "pub mod demo",
                "pub struct demo::F { /* private fields */ }",
                "pub demo::F::h: u8",
            ]
        );
    }

    #[test]
    fn nested_modules_follow_files_and_inline_blocks() {
        let found = lines(&[
            (
                "lib.rs",
                "pub mod a;\npub mod b { pub mod c { pub fn f() {} } mod d { pub fn g() {} } }",
            ),
            ("a.rs", "pub mod inner;"),
            ("a/inner.rs", "pub mod deeper;"),
            ("a/inner/deeper/mod.rs", "pub const X: u8 = 1;"),
        ]);
        has(&found, "pub mod demo::a::inner::deeper");
        has(&found, "pub const demo::a::inner::deeper::X: u8");
        has(&found, "pub fn demo::b::c::f()");
        lacks(&found, "g()");
    }

    #[test]
    fn cfg_of_modules_uses_and_impl_blocks_is_inherited() {
        let found = lines(&[
            (
                "lib.rs",
                "#[cfg(feature = \"a\")] pub mod gated;\nmod private;\n\
                 #[cfg(feature = \"b\")] pub use private::Thing;",
            ),
            ("gated.rs", "#[cfg(unix)] pub fn f() {}"),
            (
                "private.rs",
                "#![cfg(not(test))]\npub struct Thing;\n\
                 #[cfg(feature = \"c\")] impl Thing { pub fn m(&self) {} }",
            ),
        ]);
        has(&found, "#[cfg(feature = \"a\")] pub mod demo::gated");
        has(
            &found,
            "#[cfg(all(feature = \"a\", unix))] pub fn demo::gated::f()",
        );
        has(
            &found,
            "#[cfg(all(feature = \"b\", not(test)))] pub struct demo::Thing",
        );
        has(
            &found,
            "#[cfg(all(feature = \"b\", not(test), feature = \"c\"))] pub fn demo::Thing::m(&self)",
        );
    }

    #[test]
    fn derives_become_impls_with_the_trait_as_written() {
        let found = lines(&[(
            "lib.rs",
            "#[derive(Debug, Clone, serde::Serialize)]\n\
             #[cfg_attr(feature = \"x\", derive(Hash))]\n\
             pub struct Wrapper<'a, T: Send> where T: Sync { pub inner: &'a T }",
        )]);
        has(
            &found,
            "pub struct demo::Wrapper<'a, T: Send> where T: Sync",
        );
        has(
            &found,
            "impl<'a, T: Send + Debug> Debug for demo::Wrapper<'a, T> where T: Sync",
        );
        has(
            &found,
            "impl<'a, T: Send + Clone> Clone for demo::Wrapper<'a, T> where T: Sync",
        );
        has(
            &found,
            "impl<'a, T: Send> serde::Serialize for demo::Wrapper<'a, T> where T: Sync",
        );
        has(
            &found,
            "#[cfg(feature = \"x\")] impl<'a, T: Send + Hash> Hash for demo::Wrapper<'a, T> where T: Sync",
        );
    }

    #[test]
    fn renames_groups_and_relative_paths_resolve() {
        let found = lines(&[
            (
                "lib.rs",
                "mod outer;\npub use self::outer::{inner::Deep as Renamed, Shallow};\n\
                 pub use outer::inner as api;\npub use reqwest::StatusCode;\n\
                 pub use outer::inner::*;",
            ),
            (
                "outer/mod.rs",
                "pub mod inner;\npub struct Shallow;\nimpl super::outer::inner::Deep { pub fn go() {} }",
            ),
            ("outer/inner.rs", "pub struct Deep;\npub fn free() {}\nuse super::Shallow;\nimpl Shallow { pub const N: u8 = 1; }"),
        ]);
        has(&found, "pub struct demo::Renamed");
        has(&found, "pub fn demo::Renamed::go()");
        has(&found, "pub struct demo::Shallow");
        has(&found, "pub const demo::Shallow::N: u8");
        has(&found, "pub mod demo::api");
        has(&found, "pub struct demo::api::Deep");
        has(&found, "pub fn demo::api::free()");
        has(&found, "pub struct demo::Deep");
        has(&found, "pub fn demo::free()");
        has(&found, "pub use demo::StatusCode = reqwest::StatusCode");
        lacks(&found, "demo::outer");
    }

    #[test]
    fn trait_impls_name_local_traits_by_their_public_path() {
        let found = lines(&[
            ("lib.rs", "pub mod validation;\nmod models;\npub use models::Body;"),
            (
                "validation.rs",
                "pub trait Validate { fn validate(&self) -> bool; fn twice(&self) -> bool { true } }\n\
                 impl<T: Validate> Validate for Vec<T> { fn validate(&self) -> bool { true } }",
            ),
            (
                "models.rs",
                "pub struct Body;\nimpl crate::validation::Validate for Body { fn validate(&self) -> bool { true } }\n\
                 impl std::fmt::Display for Body { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { Ok(()) } }",
            ),
        ]);
        has(&found, "pub trait demo::validation::Validate");
        has(
            &found,
            "pub fn demo::validation::Validate::validate(&self) -> bool",
        );
        has(
            &found,
            "pub fn demo::validation::Validate::twice(&self) -> bool { ... }",
        );
        has(&found, "impl demo::validation::Validate for demo::Body");
        has(&found, "impl std::fmt::Display for demo::Body");
        has(
            &found,
            "impl<T: Validate> demo::validation::Validate for Vec<T>",
        );
    }

    #[test]
    fn contract_attributes_are_kept_and_docs_dropped() {
        let found = lines(&[(
            "lib.rs",
            "/// Docs.\n#[non_exhaustive]\n#[derive(Debug)]\npub enum E { A, #[deprecated(note = \"use C\")] B(u8, String), C { x: i32 } }\n\
             #[doc(hidden)]\npub mod internal { pub fn f() {} }\n\
             #[must_use = \"read it\"]\npub async fn g<T>(mut value: T) -> T where T: Clone { value }",
        )]);
        has(&found, "#[non_exhaustive] pub enum demo::E");
        has(&found, "pub demo::E::A");
        has(
            &found,
            "#[deprecated(note = \"use C\")] pub demo::E::B(u8, String)",
        );
        has(&found, "pub demo::E::C { x: i32 }");
        has(&found, "#[doc(hidden)] pub mod demo::internal");
        has(&found, "#[doc(hidden)] pub fn demo::internal::f()");
        has(
            &found,
            "#[must_use = \"read it\"] pub async fn demo::g<T>(value: T) -> T where T: Clone",
        );
        lacks(&found, "Docs");
    }

    #[test]
    fn a_parse_error_is_located_in_its_file() {
        let files = crate_of(&[
            ("lib.rs", "pub mod broken;"),
            ("broken.rs", "pub fn ok() {}\npub struct {"),
        ]);
        let diagnostic = report("demo", &files).expect_err("broken.rs does not parse");
        assert_eq!(diagnostic.file, "broken.rs");
        assert_eq!((diagnostic.line, diagnostic.column), (Some(2), None));
        assert!(
            diagnostic.message.starts_with("cannot parse"),
            "{diagnostic}"
        );
    }

    #[test]
    fn a_parse_error_is_located_at_the_item_that_does_not_parse() {
        let files = crate_of(&[("lib.rs", "pub fn ok() {}\npub fn unfinished()")]);
        let diagnostic = report("demo", &files).expect_err("the body is missing");
        assert_eq!(
            diagnostic.to_string(),
            "lib.rs:2: error: cannot parse: unexpected end of input, expected curly braces"
        );
        let files = crate_of(&[(
            "lib.rs",
            "/// Docs.\n#[derive(Debug)]\npub struct S {\n    a: ,\n}\n\npub fn ok() {}",
        )]);
        let diagnostic = report("demo", &files).expect_err("the field has no type");
        assert_eq!((diagnostic.line, diagnostic.column), (Some(1), None));
    }

    #[test]
    fn a_missing_module_file_is_located_at_its_declaration() {
        let files = crate_of(&[("lib.rs", "\npub mod gone;")]);
        let diagnostic = report("demo", &files).expect_err("gone.rs is missing");
        assert_eq!(
            diagnostic.to_string(),
            "lib.rs:2: error: module `gone` not found: expected gone.rs or gone/mod.rs"
        );
    }

    #[test]
    fn the_library_name_comes_from_the_manifest() {
        assert_eq!(
            library_name("[package]\nname = \"atlas-admin\" # the crate\nversion = \"0.1.0\"\n")
                .as_deref(),
            Some("atlas_admin")
        );
        assert_eq!(
            library_name("[package]\nname = 'a-b'\n[lib]\nname = \"c\"\n").as_deref(),
            Some("c")
        );
        assert_eq!(library_name("[dependencies]\nname = \"x\"\n"), None);
    }
}
