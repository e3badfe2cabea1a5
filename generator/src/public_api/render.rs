//! Rust syntax printed on one line with normalized spacing, as rustdoc and cargo-public-api
//! show signatures: `Result<Self, Error>`, `&'a mut T`, `impl Fn(&str) -> Option<String>`.
//!
//! `quote` prints a space between every two tokens (`Result < Self , Error >`); this printer
//! decides each space from the tokens on both sides instead, so the same signature always
//! prints the same way however its source was formatted.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{
    FnArg, GenericParam, Generics, Pat, ReceiverKind, ReturnType, Safety, Signature, WherePredicate,
};

/// One printed unit: a word (identifier, literal, lifetime), an operator made of joined
/// punctuation (`::`, `->`), or a delimiter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Atom {
    Word(String),
    Op(String),
    Open(char),
    Close(char),
}

/// Keywords after which `(`, `<`, `::` and unary operators keep their space (`&mut (A, B)`,
/// `dyn ::std::error::Error`, `impl !Send`), unlike a name (`Vec<T>`, `f(x)`).
const SPACED_KEYWORDS: &[&str] = &[
    "as", "const", "dyn", "else", "extern", "impl", "in", "move", "mut", "ref", "return", "static",
    "unsafe", "where",
];

/// `tokens` on one line, normalized.
pub(super) fn tokens(node: &impl ToTokens) -> String {
    let mut atoms = Vec::new();
    flatten(node.to_token_stream(), &mut atoms);
    // A trailing comma before `>` (`Foo<A, B,>`) is formatting, not meaning; before `)` it
    // is meaning (`(T,)` is a tuple), so only the first goes.
    let atoms: Vec<Atom> = atoms
        .iter()
        .enumerate()
        .filter(|(index, atom)| {
            !(**atom == Atom::Op(",".into()) && atoms.get(index + 1) == Some(&Atom::Op(">".into())))
        })
        .map(|(_, atom)| atom.clone())
        .collect();
    let mut text = String::new();
    for (index, atom) in atoms.iter().enumerate() {
        let before = index.checked_sub(1).and_then(|i| atoms.get(i));
        let before_that = index.checked_sub(2).and_then(|i| atoms.get(i));
        if space_between(before_that, before, atom) {
            text.push(' ');
        }
        match atom {
            Atom::Word(word) | Atom::Op(word) => text.push_str(word),
            Atom::Open(delimiter) | Atom::Close(delimiter) => text.push(*delimiter),
        }
    }
    text
}

fn flatten(stream: TokenStream, atoms: &mut Vec<Atom>) {
    let mut operator = String::new();
    let mut lifetime = false;
    for tree in stream {
        if !matches!(tree, TokenTree::Punct(_)) && !operator.is_empty() {
            atoms.push(Atom::Op(std::mem::take(&mut operator)));
        }
        match tree {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ('(', ')'),
                    Delimiter::Bracket => ('[', ']'),
                    Delimiter::Brace => ('{', '}'),
                    Delimiter::None => {
                        flatten(group.stream(), atoms);
                        continue;
                    }
                };
                atoms.push(Atom::Open(open));
                flatten(group.stream(), atoms);
                atoms.push(Atom::Close(close));
            }
            TokenTree::Ident(ident) if lifetime => {
                lifetime = false;
                atoms.push(Atom::Word(format!("'{ident}")));
            }
            TokenTree::Ident(ident) => atoms.push(Atom::Word(ident.to_string())),
            TokenTree::Literal(literal) => atoms.push(Atom::Word(literal.to_string())),
            TokenTree::Punct(punct) if punct.as_char() == '\'' => {
                if !operator.is_empty() {
                    atoms.push(Atom::Op(std::mem::take(&mut operator)));
                }
                lifetime = true;
            }
            TokenTree::Punct(punct) => {
                operator.push(punct.as_char());
                if punct.spacing() == Spacing::Alone {
                    atoms.push(Atom::Op(std::mem::take(&mut operator)));
                }
            }
        }
    }
    if !operator.is_empty() {
        atoms.push(Atom::Op(operator));
    }
}

fn is_keyword(atom: Option<&Atom>) -> bool {
    matches!(atom, Some(Atom::Word(word)) if SPACED_KEYWORDS.contains(&word.as_str()))
}

fn is_name(atom: Option<&Atom>) -> bool {
    matches!(atom, Some(Atom::Word(word)) if !SPACED_KEYWORDS.contains(&word.as_str()))
}

/// Whether the operator `atom` is a prefix (`&T`, `*const T`, `-1`, `!Send`) given what
/// comes before it.
fn is_prefix(before: Option<&Atom>, atom: &Atom) -> bool {
    let Atom::Op(op) = atom else { return false };
    matches!(op.as_str(), "&" | "&&" | "*" | "-" | "!")
        && match before {
            None | Some(Atom::Open(_)) => true,
            Some(Atom::Op(op)) => op != ">",
            Some(Atom::Word(_)) => is_keyword(before),
            Some(Atom::Close(_)) => false,
        }
}

fn space_between(before_that: Option<&Atom>, before: Option<&Atom>, atom: &Atom) -> bool {
    let Some(previous) = before else { return false };
    match (previous, atom) {
        (Atom::Open('{'), _) | (_, Atom::Close('}')) => true,
        (Atom::Open(_), _) | (_, Atom::Close(_)) => false,
        (_, Atom::Op(op)) if matches!(op.as_str(), "," | ";" | "." | "?" | ":" | ">") => false,
        (Atom::Op(op), _) if matches!(op.as_str(), "::" | "<" | "#") => false,
        // A macro call: `name!(...)`.
        (Atom::Word(_), Atom::Op(op)) if op == "!" && is_name(before) => false,
        (Atom::Op(op), _) if op == "!" && is_name(before_that) => false,
        (Atom::Op(_), _) if is_prefix(before_that, previous) => false,
        (_, Atom::Op(op)) if op == "::" => !(is_name(before) || *previous == Atom::Op(">".into())),
        (_, Atom::Op(op)) if op == "<" => {
            !(is_name(before) || matches!(previous, Atom::Word(word) if word == "impl"))
        }
        (_, Atom::Open('(')) => !(is_name(before) || *previous == Atom::Op(">".into())),
        (_, Atom::Open('[')) => !matches!(previous, Atom::Op(op) if op == "!" || op == "#"),
        _ => true,
    }
}

/// The generic parameters as declared, `<'a, T: Clone = u8>`; empty without any. Defaults
/// are part of a type's declaration but cannot appear on an impl, so `defaults` chooses.
pub(super) fn generic_params(generics: &Generics, defaults: bool) -> String {
    params_with(generics, defaults, None)
}

/// The generic parameters of an impl derived for `generics`, each type parameter also
/// bounded by `bound` when given (`impl<T: Clone> Clone for Foo<T>`).
pub(super) fn params_with(generics: &Generics, defaults: bool, bound: Option<&str>) -> String {
    angle_bracketed(generics, |param| match param {
        GenericParam::Type(ty) => {
            let mut bounds: Vec<String> = ty.bounds.iter().map(tokens).collect();
            bounds.extend(bound.map(str::to_owned));
            let mut text = ty.ident.to_string();
            if !bounds.is_empty() {
                text.push_str(&format!(": {}", bounds.join(" + ")));
            }
            if let (true, Some((_, default))) = (defaults, &ty.default) {
                text.push_str(&format!(" = {}", tokens(default)));
            }
            text
        }
        GenericParam::Const(constant) => {
            let mut text = format!("const {}: {}", constant.ident, tokens(&constant.ty));
            if let (true, Some((_, default))) = (defaults, &constant.default) {
                text.push_str(&format!(" = {}", tokens(default)));
            }
            text
        }
        GenericParam::Lifetime(lifetime) => tokens(lifetime),
    })
}

/// The generic arguments that name a type with these parameters: `<'a, T, N>`.
pub(super) fn generic_args(generics: &Generics) -> String {
    angle_bracketed(generics, |param| match param {
        GenericParam::Lifetime(lifetime) => tokens(&lifetime.lifetime),
        GenericParam::Type(ty) => ty.ident.to_string(),
        GenericParam::Const(constant) => constant.ident.to_string(),
    })
}

/// `<a, b>` from each parameter printed by `print`; nothing without parameters.
fn angle_bracketed(generics: &Generics, print: impl Fn(&GenericParam) -> String) -> String {
    if generics.params.is_empty() {
        return String::new();
    }
    let printed: Vec<String> = generics.params.iter().map(print).collect();
    format!("<{}>", printed.join(", "))
}

/// `&'a mut ` before a referenced type or `self`.
pub(super) fn reference(lifetime: Option<&syn::Lifetime>, mutable: bool) -> String {
    let mut text = "&".to_owned();
    if let Some(lifetime) = lifetime {
        text.push_str(&tokens(lifetime));
        text.push(' ');
    }
    if mutable {
        text.push_str("mut ");
    }
    text
}

/// The where clause's predicates, one string each.
pub(super) fn where_predicates(generics: &Generics) -> Vec<String> {
    generics
        .where_clause
        .iter()
        .flat_map(|clause| clause.predicates.iter())
        .map(|predicate: &WherePredicate| tokens(predicate))
        .collect()
}

/// The bounds written on the parameters themselves as predicates (`T: Clone`, `'a: 'b`),
/// followed by the where clause's: what an impl block requires of its members.
pub(super) fn bounds_as_predicates(generics: &Generics) -> Vec<String> {
    let mut predicates: Vec<String> = generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(ty) if !ty.bounds.is_empty() => {
                Some(format!("{}: {}", ty.ident, tokens(&ty.bounds)))
            }
            GenericParam::Lifetime(lifetime) if !lifetime.bounds.is_empty() => Some(format!(
                "{}: {}",
                tokens(&lifetime.lifetime),
                tokens(&lifetime.bounds)
            )),
            _ => None,
        })
        .collect();
    predicates.extend(where_predicates(generics));
    predicates
}

/// ` where A, B`, or nothing.
pub(super) fn where_clause(predicates: &[String]) -> String {
    if predicates.is_empty() {
        String::new()
    } else {
        format!(" where {}", predicates.join(", "))
    }
}

/// A function's signature after `pub`, named by `path`: `async fn a::b<T>(x: T) -> u8 where
/// T: Clone`. `extra_predicates` are the enclosing impl's requirements.
pub(super) fn signature(path: &str, signature: &Signature, extra_predicates: &[String]) -> String {
    let mut text = String::new();
    for (present, word) in [
        (signature.constness.is_some(), "const "),
        (signature.asyncness.is_some(), "async "),
        (matches!(signature.safety, Safety::Unsafe(_)), "unsafe "),
        (matches!(signature.safety, Safety::Safe(_)), "safe "),
    ] {
        if present {
            text.push_str(word);
        }
    }
    if let Some(abi) = &signature.abi {
        text.push_str(&tokens(abi));
        text.push(' ');
    }
    let mut inputs: Vec<String> = signature.inputs.iter().map(argument).collect();
    if signature.variadic.is_some() {
        inputs.push("...".to_owned());
    }
    text.push_str(&format!(
        "fn {path}{}({})",
        generic_params(&signature.generics, false),
        inputs.join(", ")
    ));
    if let ReturnType::Type(_, ty) = &signature.output {
        text.push_str(&format!(" -> {}", tokens(ty)));
    }
    let mut predicates = extra_predicates.to_vec();
    predicates.extend(where_predicates(&signature.generics));
    text.push_str(&where_clause(&predicates));
    text
}

/// One parameter as callers see it: `mut` on a binding is the body's business.
fn argument(input: &FnArg) -> String {
    match input {
        FnArg::Receiver(receiver) => match &receiver.kind {
            ReceiverKind::Typed(_, ty) => format!("self: {}", tokens(ty)),
            ReceiverKind::Reference(_, lifetime, mutability) => {
                let reference = reference(lifetime.as_ref(), mutability.is_some());
                format!("{reference}self")
            }
            ReceiverKind::Value => "self".to_owned(),
            // A receiver form syn learns later: shown as written.
            _ => tokens(receiver),
        },
        FnArg::Typed(typed) => {
            let pattern = match &*typed.pat {
                Pat::Ident(binding) if binding.subpat.is_none() => {
                    let by_ref = if binding.by_ref.is_some() { "ref " } else { "" };
                    format!("{by_ref}{}", binding.ident)
                }
                other => tokens(other),
            };
            format!("{pattern}: {}", tokens(&typed.ty))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> String {
        tokens(&syn::parse_str::<syn::Type>(text).expect("a type"))
    }

    #[test]
    fn types_print_like_rustdoc() {
        for (source, printed) in [
            ("Result < Self , Error >", "Result<Self, Error>"),
            ("& 'a mut T", "&'a mut T"),
            ("&&str", "&&str"),
            ("Option<&'static str>", "Option<&'static str>"),
            ("Vec<Vec<u8>>", "Vec<Vec<u8>>"),
            ("HashMap<K, V,>", "HashMap<K, V>"),
            ("(T,)", "(T,)"),
            ("()", "()"),
            ("[u8; 32]", "[u8; 32]"),
            ("&[(&'static str, String)]", "&[(&'static str, String)]"),
            ("*const ::std::ffi::c_void", "*const ::std::ffi::c_void"),
            (
                "impl Fn(&str) -> Option<String> + Send",
                "impl Fn(&str) -> Option<String> + Send",
            ),
            (
                "Box<dyn ::std::error::Error + Send + Sync + 'static>",
                "Box<dyn ::std::error::Error + Send + Sync + 'static>",
            ),
            ("fn(u8) -> u8", "fn(u8) -> u8"),
            ("for<'a> fn(&'a u8)", "for<'a> fn(&'a u8)"),
            ("<T as Iterator>::Item", "<T as Iterator>::Item"),
            ("Vec::<u8>", "Vec::<u8>"),
            ("&mut (A, B)", "&mut (A, B)"),
            ("m!(x)", "m!(x)"),
            ("Foo<{ N + 1 }>", "Foo<{ N + 1 }>"),
        ] {
            assert_eq!(ty(source), printed, "{source}");
        }
    }

    #[test]
    fn signatures_drop_binding_mut_and_keep_qualifiers() {
        let item: syn::ItemFn = syn::parse_str(
            "pub const async unsafe fn f<'a, T: Clone,>(mut self: Box<Self>, mut x: T, (a, b): (u8, u8)) -> &'a T where T: 'a, {}",
        )
        .expect("a function");
        assert_eq!(
            signature("c::f", &item.sig, &["U: Copy".to_owned()]),
            "const async unsafe fn c::f<'a, T: Clone>(self: Box<Self>, x: T, (a, b): (u8, u8)) -> &'a T where U: Copy, T: 'a"
        );
        let method: syn::ImplItemFn =
            syn::parse_str("fn g(&'a mut self, n: [u8; 2]) {}").expect("a method");
        assert_eq!(
            signature("S::g", &method.sig, &[]),
            "fn S::g(&'a mut self, n: [u8; 2])"
        );
    }

    #[test]
    fn derived_impl_parameters_carry_the_trait() {
        let item: syn::ItemStruct =
            syn::parse_str("struct S<'a, T: Debug = u8, const N: usize = 3>(&'a T);")
                .expect("a struct");
        assert_eq!(
            params_with(&item.generics, false, Some("Clone")),
            "<'a, T: Debug + Clone, const N: usize>"
        );
        assert_eq!(
            generic_params(&item.generics, true),
            "<'a, T: Debug = u8, const N: usize = 3>"
        );
        assert_eq!(generic_args(&item.generics), "<'a, T, N>");
    }

    #[test]
    fn attribute_arguments_print_compactly() {
        let attribute: syn::Attribute = syn::parse_quote!(#[cfg(all(feature = "a", not(test)))]);
        assert_eq!(
            tokens(&attribute.meta),
            "cfg(all(feature = \"a\", not(test)))"
        );
        let attribute: syn::Attribute = syn::parse_quote!(#[deprecated(since = "1.0", note = "x")]);
        assert_eq!(
            tokens(&attribute.meta),
            "deprecated(since = \"1.0\", note = \"x\")"
        );
    }
}
