//! Cargo features per tag: a user compiles only the operations (and the types they need)
//! of the tags they enable.
//!
//! Every operation is gated by the features of its tags (any of them enables it). A model
//! type or path-parameter newtype is gated by the union of the features of the operations
//! that reach it; one reached by an untagged operation, by the error body, or by nothing is
//! always compiled. `full` (the default) enables every tag.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Api, Operation, TypeDef, TypeRef};

/// The feature enabling every tag.
pub const FULL: &str = "full";

/// The Cargo feature of a tag: `Cloud Backups` -> `cloud-backups`.
pub fn feature_name(tag: &str) -> String {
    crate::naming::snake(tag)
        .trim_matches('_')
        .replace('_', "-")
}

/// The features each item is gated by; an absent or empty entry means "always compiled".
#[derive(Debug, Default)]
pub struct Gates {
    types: BTreeMap<String, BTreeSet<String>>,
    params: BTreeMap<String, BTreeSet<String>>,
    ungated_types: BTreeSet<String>,
    ungated_params: BTreeSet<String>,
}

impl Gates {
    pub fn new(api: &Api) -> Self {
        let mut gates = Gates::default();
        let mut ungated_roots = vec![api.error_body.clone()];
        for operation in &api.operations {
            let features = operation_features(operation);
            let roots = operation_roots(operation);
            if features.is_empty() {
                ungated_roots.extend(roots);
                for arg in operation.path_args.iter().filter(|arg| !arg.is_enum) {
                    gates.ungated_params.insert(arg.type_name.clone());
                }
                continue;
            }
            for name in reachable(api, roots) {
                gates
                    .types
                    .entry(name)
                    .or_default()
                    .extend(features.iter().cloned());
            }
            for arg in operation.path_args.iter().filter(|arg| !arg.is_enum) {
                gates
                    .params
                    .entry(arg.type_name.clone())
                    .or_default()
                    .extend(features.iter().cloned());
            }
        }
        gates.ungated_types = reachable(api, ungated_roots);
        // A model field holding a path identifier needs its newtype wherever the model is
        // compiled.
        for def in api.types.values() {
            let TypeDef::Struct(def) = def else {
                continue;
            };
            for param in def
                .fields
                .iter()
                .filter_map(|field| field.rust_type.param())
            {
                match gates.types.get(&def.name) {
                    Some(features) if !gates.ungated_types.contains(&def.name) => {
                        let features = features.clone();
                        gates
                            .params
                            .entry(param.to_owned())
                            .or_default()
                            .extend(features);
                    }
                    _ => {
                        gates.ungated_params.insert(param.to_owned());
                    }
                }
            }
        }
        gates
    }

    /// `#[cfg(...)]` for the model type `name`, or nothing.
    pub fn for_type(&self, name: &str) -> TokenStream {
        if self.ungated_types.contains(name) {
            return TokenStream::new();
        }
        cfg(self.types.get(name))
    }

    /// `#[cfg(...)]` for the path-parameter newtype `name`, or nothing.
    pub fn for_param(&self, name: &str) -> TokenStream {
        if self.ungated_params.contains(name) {
            return TokenStream::new();
        }
        cfg(self.params.get(name))
    }
}

/// Every tag feature of the API, sorted (without working out which types each gates).
pub fn all_features(api: &Api) -> BTreeSet<String> {
    api.operations.iter().flat_map(operation_features).collect()
}

/// The features of an operation's tags.
pub fn operation_features(operation: &Operation) -> BTreeSet<String> {
    operation.tags.iter().map(|tag| feature_name(tag)).collect()
}

/// `#[cfg(any(feature = ...))]` for an operation, or nothing when it has no tag.
pub fn for_operation(operation: &Operation) -> TokenStream {
    cfg(Some(&operation_features(operation)))
}

/// `#[cfg(...)]` for code that needs every one of `operations` (a waiter: the operation that
/// starts the job and the one it polls), or nothing when none has a tag.
pub fn for_every_operation(operations: &[&Operation]) -> TokenStream {
    match every_operation_condition(operations) {
        Some(condition) => cfg_attrs(&condition),
        None => TokenStream::new(),
    }
}

/// The condition that every one of `operations` is compiled, or `None` when none has a tag.
pub fn every_operation_condition(operations: &[&Operation]) -> Option<TokenStream> {
    let sets: BTreeSet<BTreeSet<String>> = operations
        .iter()
        .map(|operation| operation_features(operation))
        .filter(|features| !features.is_empty())
        .collect();
    let conditions: Vec<TokenStream> = sets.iter().filter_map(condition).collect();
    match conditions.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        all => Some(quote!(all(#(#all),*))),
    }
}

/// The condition that any of `operations` is compiled, or `None` when one has no tag (it is
/// always compiled).
pub fn any_operation_condition(operations: &[&Operation]) -> Option<TokenStream> {
    let mut features = BTreeSet::new();
    for operation in operations {
        let own = operation_features(operation);
        if own.is_empty() {
            return None;
        }
        features.extend(own);
    }
    condition(&features)
}

/// `#[cfg(...)]`, and the same condition as `doc(cfg(...))` so docs.rs shows which feature
/// an item needs (the crate enables `doc_cfg` under `docsrs`).
fn cfg(features: Option<&BTreeSet<String>>) -> TokenStream {
    match features.and_then(condition) {
        Some(condition) => cfg_attrs(&condition),
        None => TokenStream::new(),
    }
}

/// The condition that any of `features` is enabled, or `None` for no feature.
fn condition(features: &BTreeSet<String>) -> Option<TokenStream> {
    match features.len() {
        0 => None,
        1 => {
            let feature = features.iter().next();
            Some(quote!(feature = #feature))
        }
        _ => {
            let features = features.iter();
            Some(quote!(any(#(feature = #features),*)))
        }
    }
}

fn cfg_attrs(condition: &TokenStream) -> TokenStream {
    quote! {
        #[cfg(#condition)]
        #[cfg_attr(docsrs, doc(cfg(#condition)))]
    }
}

/// The types an operation mentions directly.
fn operation_roots(operation: &Operation) -> Vec<TypeRef> {
    let mut roots: Vec<TypeRef> = operation
        .query_params
        .iter()
        .chain(&operation.header_params)
        .map(|param| param.ty.clone())
        .collect();
    roots.extend(
        operation
            .path_args
            .iter()
            .filter(|arg| arg.is_enum)
            .map(|arg| TypeRef::Named(arg.type_name.clone())),
    );
    roots.extend(operation.request_body.iter().map(|body| body.ty.clone()));
    roots.extend(operation.success.body.iter().cloned());
    roots.extend(
        operation
            .errors
            .iter()
            .filter_map(|error| error.other_body.clone()),
    );
    roots
}

/// Every named type reachable from `roots`.
fn reachable(api: &Api, roots: Vec<TypeRef>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut pending = roots;
    while let Some(ty) = pending.pop() {
        match ty {
            TypeRef::Named(name) => {
                if !seen.insert(name.clone()) {
                    continue;
                }
                match api.types.get(&name) {
                    Some(TypeDef::Struct(def)) => {
                        pending.extend(def.fields.iter().map(|field| field.ty.clone()));
                        pending.extend(def.additional.iter().cloned());
                    }
                    Some(TypeDef::Union(def)) => {
                        pending.extend(def.variants.iter().map(|variant| variant.ty.clone()));
                    }
                    Some(TypeDef::Enum(_)) | None => {}
                }
            }
            TypeRef::Vec(item) | TypeRef::Map(item) => pending.push(*item),
            _ => {}
        }
    }
    seen
}

/// Puts `attr` (the `#[cfg]` attributes, possibly none) on every top-level item of `tokens`,
/// after the item's doc comment: every item reads docs first, then attributes.
///
/// Works on the token trees, without parsing (for the full spec that would parse every type
/// twice): an item ends at a top-level `;` or at a top-level `{ ... }` group not after a `=`.
/// That holds for the items emitted here (structs, enums, impls, statics); an item whose
/// signature held a top-level brace group before its body would be split wrongly, and syn
/// would reject the file.
pub fn gate_items(tokens: TokenStream, attr: &TokenStream) -> TokenStream {
    use proc_macro2::{Delimiter, TokenTree};
    if attr.is_empty() {
        return tokens;
    }
    let is_doc = |group: &proc_macro2::Group| {
        group.delimiter() == Delimiter::Bracket
            && matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(name)) if name == "doc")
    };
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    let mut at = 0;
    while at < trees.len() {
        // The item's doc attributes: `#` followed by `[doc = ...]`.
        while let (Some(TokenTree::Punct(hash)), Some(TokenTree::Group(group))) =
            (trees.get(at), trees.get(at + 1))
        {
            if hash.as_char() != '#' || !is_doc(group) {
                break;
            }
            out.extend(trees[at..at + 2].iter().cloned());
            at += 2;
        }
        out.extend(attr.clone());
        // After a top-level `=` (a `static` or `const` initializer), braces are a value and
        // only `;` ends the item.
        let mut initializer = false;
        while let Some(tree) = trees.get(at) {
            at += 1;
            out.extend([tree.clone()]);
            let ends_item = match tree {
                TokenTree::Group(group) => !initializer && group.delimiter() == Delimiter::Brace,
                TokenTree::Punct(punct) if punct.as_char() == '=' => {
                    initializer = true;
                    false
                }
                TokenTree::Punct(punct) => punct.as_char() == ';',
                _ => false,
            };
            if ends_item {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_every_item_and_nothing_inside_them() {
        let tokens = quote! {
            /// Docs.
            #[derive(Debug)]
            pub struct A { x: u8 }
            pub struct B(String);
            impl A { fn f(&self) -> u8 { self.x; 1 } }
        };
        let gated = gate_items(tokens, &quote!(#[cfg(feature = "x")]));
        let file: syn::File = syn::parse2(gated).unwrap();
        assert_eq!(file.items.len(), 3);
        for item in &file.items {
            let attrs = match item {
                syn::Item::Struct(item) => &item.attrs,
                syn::Item::Impl(item) => &item.attrs,
                _ => panic!("unexpected item kind"),
            };
            assert!(attrs.iter().any(|attr| attr.path().is_ident("cfg")));
        }
    }
}
