//! The attributes that are part of an item's contract: `#[cfg]` (where it exists),
//! `#[non_exhaustive]`, `#[deprecated]`, `#[must_use]`, `#[doc(hidden)]`, and the trait impls
//! a `#[derive]` creates. Documentation and everything else is left out.

use std::path::Path;

use proc_macro2::TokenTree;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Meta, Token};

use super::render::tokens;
use super::tree::located;
use crate::diagnostics::Diagnostic;

/// Conditions an item inherits from where it is reached: its modules, the `use` that
/// re-exports it, the impl block it is in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Context {
    /// `cfg` predicates, outermost first, each once.
    pub(super) cfg: Vec<String>,
    pub(super) hidden: bool,
}

impl Context {
    /// This context narrowed by `attrs` of an item inside it.
    pub(super) fn with(&self, attrs: &Attrs) -> Context {
        let mut inner = self.and(&attrs.cfg);
        inner.hidden |= attrs.hidden;
        inner
    }

    /// This context with more `cfg` predicates (duplicates dropped).
    pub(super) fn and(&self, predicates: &[String]) -> Context {
        let mut inner = self.clone();
        for predicate in predicates {
            if !inner.cfg.contains(predicate) {
                inner.cfg.push(predicate.clone());
            }
        }
        inner
    }

    /// What goes before an item's line: `#[cfg(...)] `, then the item's own `marks` and
    /// `#[doc(hidden)]` in a fixed order.
    pub(super) fn prefix(&self, marks: &[String]) -> String {
        let mut prefix = match self.cfg.as_slice() {
            [] => String::new(),
            [one] => format!("#[cfg({one})] "),
            all => format!("#[cfg(all({}))] ", all.join(", ")),
        };
        let mut marks = marks.to_vec();
        if self.hidden {
            marks.push("#[doc(hidden)]".to_owned());
        }
        marks.sort();
        marks.dedup();
        for mark in marks {
            prefix.push_str(&mark);
            prefix.push(' ');
        }
        prefix
    }
}

/// One trait a `#[derive]` implements, with the `cfg_attr` condition it was derived under.
#[derive(Debug, Clone)]
pub(super) struct Derive {
    /// The trait's path as written.
    pub(super) name: String,
    /// Whether the impl bounds every type parameter by the trait (the standard derives do;
    /// other derive macros choose their own bounds).
    pub(super) bounds_parameters: bool,
    pub(super) cfg: Option<String>,
}

/// An item's contract attributes.
#[derive(Debug, Clone, Default)]
pub(super) struct Attrs {
    pub(super) cfg: Vec<String>,
    /// `#[deprecated(...)]`, `#[must_use]`, `#[non_exhaustive]` as written (normalized).
    pub(super) marks: Vec<String>,
    pub(super) hidden: bool,
    pub(super) derives: Vec<Derive>,
    pub(super) macro_export: bool,
}

const MARKS: &[&str] = &["deprecated", "must_use", "non_exhaustive"];

fn derives(list: proc_macro2::TokenStream, cfg: Option<&String>) -> syn::Result<Vec<Derive>> {
    let paths = Punctuated::<syn::Path, Token![,]>::parse_terminated.parse2(list)?;
    Ok(paths
        .iter()
        .map(|path| Derive {
            name: tokens(path),
            bounds_parameters: bounds_parameters(path),
            cfg: cfg.cloned(),
        })
        .collect())
}

/// `doc(hidden)` among `doc(...)`'s arguments.
fn is_doc_hidden(meta: &Meta) -> bool {
    match meta {
        Meta::List(list) if list.path.is_ident("doc") => list
            .tokens
            .clone()
            .into_iter()
            .any(|tree| matches!(tree, TokenTree::Ident(ident) if ident == "hidden")),
        _ => false,
    }
}

/// Reads the contract attributes among `attrs` (of an item in `file`).
pub(super) fn attrs(attrs: &[Attribute], file: &Path) -> Result<Attrs, Diagnostic> {
    let malformed = |attr: &Attribute, error: syn::Error| {
        located(
            file,
            None,
            format!("malformed #[{}] attribute: {error}", tokens(attr.path())),
        )
    };
    let mut found = Attrs::default();
    for attr in attrs {
        let meta = &attr.meta;
        let path = meta.path();
        if path.is_ident("cfg") {
            let list = meta
                .require_list()
                .map_err(|error| malformed(attr, error))?;
            found.cfg.push(tokens(&list.tokens));
        } else if path.is_ident("derive") {
            let list = meta
                .require_list()
                .map_err(|error| malformed(attr, error))?;
            let derived =
                derives(list.tokens.clone(), None).map_err(|error| malformed(attr, error))?;
            found.derives.extend(derived);
        } else if path.is_ident("cfg_attr") {
            conditional(attr, &mut found).map_err(|error| malformed(attr, error))?;
        } else if path.is_ident("macro_export") {
            found.macro_export = true;
        } else if is_doc_hidden(meta) {
            found.hidden = true;
        } else if MARKS.iter().any(|mark| path.is_ident(mark)) {
            found.marks.push(format!("#[{}]", tokens(meta)));
        }
    }
    Ok(found)
}

/// `#[cfg_attr(predicate, attr, ...)]`: derives get the predicate as their condition, marks
/// are kept as the `cfg_attr` they are.
fn conditional(attr: &Attribute, found: &mut Attrs) -> syn::Result<()> {
    let (predicate, inner) = attr.parse_args_with(|input: syn::parse::ParseStream| {
        let predicate: Meta = input.parse()?;
        input.parse::<Token![,]>()?;
        let inner = Punctuated::<Meta, Token![,]>::parse_terminated(input)?;
        Ok((predicate, inner))
    })?;
    let predicate = tokens(&predicate);
    for meta in inner {
        if meta.path().is_ident("derive") {
            let list = meta.require_list()?;
            found
                .derives
                .extend(derives(list.tokens.clone(), Some(&predicate))?);
        } else if is_doc_hidden(&meta) || MARKS.iter().any(|mark| meta.path().is_ident(mark)) {
            found
                .marks
                .push(format!("#[cfg_attr({predicate}, {})]", tokens(&meta)));
        }
    }
    Ok(())
}

/// Whether deriving `path` bounds every type parameter by the trait itself: the standard
/// library's derives do.
fn bounds_parameters(path: &syn::Path) -> bool {
    const STANDARD: &[&str] = &[
        "Clone",
        "Copy",
        "Debug",
        "Default",
        "Eq",
        "Hash",
        "Ord",
        "PartialEq",
        "PartialOrd",
    ];
    let standard_path = path.segments.len() == 1
        || path
            .segments
            .first()
            .is_some_and(|first| ["std", "core"].contains(&first.ident.to_string().as_str()));
    standard_path
        && path
            .segments
            .last()
            .is_some_and(|last| STANDARD.contains(&last.ident.to_string().as_str()))
}
