//! `models.rs`: one struct per object schema view, one open enum per string enum.

use proc_macro2::TokenStream;
use quote::quote;

use super::{constraints, docs, ident, rust_type_tokens, type_tokens, TypePath};
use crate::model::{
    Api, Derive, Direction, EnumDef, Field, RustType, StructDef, TypeDef, TypeRef, UnionDef,
};

/// The file in pieces (its docs, a few types each, the union helpers), so a large spec's
/// models are made, parsed and printed a piece at a time, on whichever thread is free.
pub fn pieces<'a>(api: &'a Api, gates: &'a super::features::Gates) -> Vec<super::Piece<'a>> {
    /// Types per piece: enough to amortise the per-piece overhead, few enough that the
    /// pieces spread evenly over the threads.
    const TYPES_PER_PIECE: usize = 8;
    let defs: Vec<&TypeDef> = api.types.values().collect();
    let unions: Vec<&UnionDef> = api
        .types
        .values()
        .filter_map(|def| match def {
            TypeDef::Union(def) => Some(def),
            _ => None,
        })
        .collect();
    let tagged = unions.iter().any(|def| def.discriminator.is_some());
    let untagged = unions.iter().any(|def| def.discriminator.is_none());
    let mut pieces: Vec<super::Piece<'a>> = vec![Box::new(|| {
        quote! {
            //! Request and response bodies, one type per schema (and per direction where
            //! `readOnly`/`writeOnly` properties make the two differ).
            //!
            //! Every struct is `#[non_exhaustive]`, so a property Atlas adds is a minor release: it
            //! is built with `new` (its mandatory fields) and a chained setter per field, named
            //! after it (`set_<name>` where that is another method's name), which takes what a
            //! caller has (`impl Into<String>` for text, any iterable for a list, the value or
            //! `Nullable::Null` for a field `null` clears) and wraps it in the `Option` itself,
            //! so a value fits inline: `Label::new().key("team")`.
            //! Properties the spec does not declare are kept (`unknown_fields()`), and enums keep
            //! values they do not know.
        }
    })];
    for chunk in defs.chunks(TYPES_PER_PIECE) {
        let chunk = chunk.to_vec();
        pieces.push(Box::new(move || {
            let items = chunk.iter().map(|def| {
                let tokens = match def {
                    TypeDef::Struct(def) => struct_tokens(api, def),
                    TypeDef::Enum(def) => enum_tokens(def),
                    TypeDef::Union(def) => super::unions::union_tokens(api, def),
                };
                super::features::gate_items(tokens, &gates.for_type(def.name()))
            });
            quote!(#(#items)*)
        }));
    }
    if !unions.is_empty() {
        pieces.push(Box::new(move || {
            super::unions::union_support(tagged, untagged)
        }));
    }
    pieces
}

/// Where the type comes from, and, when the schema's `readOnly`/`writeOnly` properties made
/// it two types, which one this is.
fn source_note(api: &Api, def: &StructDef) -> String {
    let twin = api.types.values().find_map(|other| match other {
        TypeDef::Struct(other) if other.source == def.source && other.name != def.name => {
            Some(other.name.as_str())
        }
        _ => None,
    });
    match (twin, def.directions.as_slice()) {
        (Some(twin), [Direction::Request]) => format!(
            "Schema `#{}` as requests send it (`readOnly` properties left out); [`{twin}`] is what responses carry.",
            def.source
        ),
        (Some(twin), _) => format!(
            "Schema `#{}` as responses carry it (`writeOnly` properties left out); [`{twin}`] is what requests send.",
            def.source
        ),
        (None, _) => format!("Schema `#{}`.", def.source),
    }
}

fn field_type(field: &Field) -> TokenStream {
    rust_type_tokens(&field.rust_type, TypePath::Models)
}

fn field_docs(field: &Field) -> TokenStream {
    let deprecated = field.deprecated.then_some("Deprecated in the spec.");
    // The spec's description, or at least the property it holds.
    let wire = format!("The `{}` property.", field.wire_name);
    let description = field.description.as_deref().or(Some(wire.as_str()));
    docs::attrs([description, deprecated])
}

fn field_tokens(field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    let ty = field_type(field);
    let docs = field_docs(field);
    quote! {
        #docs
        pub #name: #ty,
    }
}

/// The chained setter of `field`: `fn key(mut self, value: …) -> Self`, taking what a caller
/// has and wrapping it as the field holds it.
fn setter_tokens(field: &Field) -> TokenStream {
    let (name, setter) = (ident(&field.rust_name), ident(&field.setter));
    let (optional, held) = match &field.rust_type {
        RustType::Option(inner) => (true, inner.as_ref()),
        other => (false, other),
    };
    let (generics, arg, value) = setter_argument(held);
    let value = if optional {
        quote!(Some(#value))
    } else {
        value
    };
    // One line: the field's first sentence (its full doc is on the field).
    let wire = format!("The `{}` property.", field.wire_name);
    let summary = field.description.as_deref().and_then(docs::summary);
    let line = format!(
        "{}{}",
        summary.as_deref().unwrap_or(&wire),
        if field.deprecated {
            " Deprecated in the spec."
        } else {
            ""
        }
    );
    let doc = docs::attrs([Some(line.as_str())]);
    quote! {
        #doc
        #[must_use]
        pub fn #setter #generics(mut self, value: #arg) -> Self {
            self.#name = #value;
            self
        }
    }
}

/// What a setter of a field holding `held` (under its `Option`) takes, and how the value is
/// made from it: text as `impl Into<String>` (a literal, a `String`), a list as any iterable of
/// its items (an array, a `Vec`, an iterator), a map as any iterable of pairs, a value that
/// may be `null` as `impl Into<Nullable<T>>` (the value, or `Nullable::Null`), a boxed value
/// unboxed, anything else (an id newtype, an enum, a struct, a number) as itself.
fn setter_argument(held: &RustType) -> (Option<TokenStream>, TokenStream, TokenStream) {
    let from = TypePath::Models;
    match held {
        RustType::Nullable(_) => {
            let ty = rust_type_tokens(held, from);
            (None, quote!(impl Into<#ty>), quote!(value.into()))
        }
        RustType::Boxed(inner) => {
            let ty = rust_type_tokens(inner, from);
            (None, ty, quote!(Box::new(value)))
        }
        RustType::Plain(TypeRef::String) => (None, quote!(impl Into<String>), quote!(value.into())),
        RustType::Plain(TypeRef::Json) => (
            None,
            quote!(impl Into<serde_json::Value>),
            quote!(value.into()),
        ),
        RustType::Plain(TypeRef::Vec(item)) if **item == TypeRef::String => (
            None,
            quote!(impl IntoIterator<Item = impl Into<String>>),
            quote!(value.into_iter().map(Into::into).collect()),
        ),
        RustType::Plain(TypeRef::Vec(item)) => {
            let item = type_tokens(item, from);
            (
                None,
                quote!(impl IntoIterator<Item = #item>),
                quote!(value.into_iter().collect()),
            )
        }
        RustType::Plain(TypeRef::Map(item)) => {
            let item = type_tokens(item, from);
            (
                Some(quote!(<K: Into<String>>)),
                quote!(impl IntoIterator<Item = (K, #item)>),
                quote!(value
                    .into_iter()
                    .map(|(key, item)| (key.into(), item))
                    .collect()),
            )
        }
        other => (None, rust_type_tokens(other, from), quote!(value)),
    }
}

/// Whether values of `ty` are checked before they are sent: request structs, unions holding
/// one, and arrays of them.
pub(super) fn validates(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(name) => match api.types.get(name) {
            Some(TypeDef::Struct(def)) => def.directions.contains(&Direction::Request),
            // A union is checked when a variant is (unions never hold themselves directly:
            // lowering rejects such cycles).
            Some(TypeDef::Union(def)) => def
                .variants
                .iter()
                .any(|variant| validates(api, &variant.ty)),
            _ => false,
        },
        TypeRef::Vec(item) => validates(api, item),
        _ => false,
    }
}

/// `impl Validate`: the spec's constraints on every field, checked before a request
/// carrying the struct is sent. Only types that are sent have one.
fn validate_impl(api: &Api, def: &StructDef) -> Option<TokenStream> {
    if !def.directions.contains(&Direction::Request) {
        return None;
    }
    let name = ident(&def.name);
    let checks: Vec<TokenStream> = def
        .fields
        .iter()
        .filter_map(|field| {
            let field_name = ident(&field.rust_name);
            // Names the field in errors (`body.wireName`), put into words only if one fails.
            let wire = &field.wire_name;
            let field_path = quote!(&path.field(#wire));
            let nested = validates(api, &field.ty) || field.rust_type.param().is_some();
            // The field's own constraints (an array's item count), then what its values
            // check themselves (request structs; a path-parameter newtype its pattern, which
            // `constraints` equals).
            let own = if field.rust_type.param().is_some() {
                None
            } else {
                constraints::check(
                    &field.constraints,
                    &field.ty,
                    quote!(&self.#field_name),
                    field_path.clone(),
                )
            };
            let inner = nested.then(|| {
                quote! {
                    crate::validation::Validate::validate(&self.#field_name, #field_path)?;
                }
            });
            (own.is_some() || inner.is_some()).then(|| quote!(#own #inner))
        })
        .collect();
    let path_arg = if checks.is_empty() {
        quote!(_path)
    } else {
        quote!(path)
    };
    Some(quote! {
        impl crate::validation::Validate for #name {
            fn validate(&self, #path_arg: &crate::validation::Path<'_>) -> Result<(), crate::InvalidParameter> {
                #(#checks)*
                Ok(())
            }
        }
    })
}

fn struct_tokens(api: &Api, def: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let note = source_note(api, def);
    let docs = docs::attrs([
        def.title.as_deref(),
        def.description.as_deref(),
        Some(note.as_str()),
    ]);
    let fields = def.fields.iter().map(field_tokens);
    let additional = def.additional.as_ref().map(|value| {
        let value = type_tokens(value, TypePath::Models);
        quote! {
            /// Every other property (the schema's `additionalProperties`).
            pub additional_properties: std::collections::BTreeMap<String, #value>,
        }
    });
    let unknown = def.unknown_fields.as_ref().map(|field| {
        let field = ident(field);
        quote! {
            /// What Atlas sent that the spec does not declare, kept and sent back as received.
            #field: std::collections::BTreeMap<String, serde_json::Value>,
        }
    });
    let page = super::pagination::page_impl(def);
    let setters = def.fields.iter().map(setter_tokens);
    // The map's setter replaces it (`naming::MODEL_METHODS` keeps the name free).
    let additional_setter = def.additional.as_ref().map(|value| {
        let value = type_tokens(value, TypePath::Models);
        quote! {
            /// Every other property (the schema's `additionalProperties`), replacing those set.
            #[must_use]
            pub fn additional_properties<K: Into<String>>(mut self, value: impl IntoIterator<Item = (K, #value)>) -> Self {
                self.additional_properties = value.into_iter().map(|(key, item)| (key.into(), item)).collect();
                self
            }
        }
    });
    let unknown_accessor = def.unknown_fields.as_ref().map(|field| {
        let field = ident(field);
        quote! {
            /// The properties Atlas sent that this crate's spec does not declare (a field
            /// added upstream since), as received. They are sent back unchanged when the value
            /// is encoded again.
            pub fn unknown_fields(&self) -> &std::collections::BTreeMap<String, serde_json::Value> {
                &self.#field
            }
        }
    });

    // `new` takes the mandatory fields, positionally or (when two share a type) by name.
    let takes = &def.constructor.fields;
    let required: Vec<&Field> = def
        .fields
        .iter()
        .filter(|field| takes.contains(&field.rust_name))
        .collect();
    let required_names: Vec<_> = required
        .iter()
        .map(|field| ident(&field.rust_name))
        .collect();
    let (params, bind, named_struct) = match &def.constructor.named {
        Some(named) => {
            let named = ident(named);
            let struct_docs = format!(" The mandatory fields of a [`{}`], for [`{}::new`]: each is named, so two of the same type cannot be swapped.", def.name, def.name);
            let named_fields = required.iter().map(|field| {
                let field_name = ident(&field.rust_name);
                let ty = field_type(field);
                let docs = field_docs(field);
                quote!(#docs pub #field_name: #ty,)
            });
            (
                quote!(required: #named),
                Some(quote!(let #named { #(#required_names),* } = required;)),
                Some(quote! {
                    #[doc = #struct_docs]
                    #[derive(Debug, Clone, PartialEq)]
                    pub struct #named {
                        #(#named_fields)*
                    }
                }),
            )
        }
        None => {
            let args = required.iter().map(|field| {
                let arg = ident(&field.rust_name);
                let ty = field_type(field);
                quote!(#arg: #ty)
            });
            (quote!(#(#args),*), None, None)
        }
    };
    // Clippy's limit; a constructor that long is still clearer than a builder here.
    let allow_many = (def.constructor.named.is_none() && required.len() > 7)
        .then(|| quote!(#[allow(clippy::too_many_arguments)]));
    // A schema named `New` still gets the constructor every struct has.
    let allow_self_named =
        (def.name == "New").then(|| quote!(#[allow(clippy::self_named_constructors)]));
    let inits = def
        .fields
        .iter()
        .map(|field| {
            let field_name = ident(&field.rust_name);
            if takes.contains(&field.rust_name) {
                quote!(#field_name)
            } else {
                quote!(#field_name: None)
            }
        })
        .chain(
            def.additional
                .is_some()
                .then(|| quote!(additional_properties: Default::default())),
        )
        .chain(def.unknown_fields.as_ref().map(|field| {
            let field = ident(field);
            quote!(#field: Default::default())
        }));
    let new_docs = if takes.is_empty() {
        " A value with every field unset; chain the setters of the ones you need."
    } else {
        " A value with the mandatory fields set and every optional one unset; chain the setters of the others."
    };
    let validate = validate_impl(api, def);
    // Encoding and decoding are written out (`struct_serde`), not derived.
    let derives = def.derives.iter().filter_map(|derive| match derive {
        Derive::Debug => Some(quote!(Debug)),
        Derive::Clone => Some(quote!(Clone)),
        Derive::Default => Some(quote!(Default)),
        Derive::PartialEq => Some(quote!(PartialEq)),
        Derive::Serialize | Derive::Deserialize => None,
    });
    let serde = super::struct_serde::impls(def);
    // `#[non_exhaustive]`: a field Atlas adds is a minor release of this crate, not a
    // breaking one (see `diff::ChangeKind::FieldAdded`); code outside builds values with `new`.
    quote! {
        #docs
        #[derive(#(#derives),*)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            #additional
            #unknown
        }

        impl #name {
            #[doc = #new_docs]
            #allow_many
            #allow_self_named
            pub fn new(#params) -> Self {
                #bind
                #name { #(#inits),* }
            }

            #(#setters)*

            #additional_setter

            #unknown_accessor
        }

        #named_struct

        #serde

        #validate

        #page
    }
}

fn enum_tokens(def: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let catch_all = ident(&def.catch_all);
    // `#[non_exhaustive]`: Atlas adds values without a new API version, so a new value is
    // a minor release of this crate, not a breaking one (see `diff::ChangeKind::breaking`).
    let note = format!(
        "Schema `#{}`. Values this client does not know are kept in `{}`, so they round-trip unchanged. `#[non_exhaustive]`: a later release may add variants for values Atlas adds.",
        def.source, def.catch_all
    );
    let docs = docs::attrs([def.description.as_deref(), Some(note.as_str())]);
    let variants: Vec<_> = def
        .variants
        .iter()
        .map(|variant| ident(&variant.rust_name))
        .collect();
    let wires: Vec<&str> = def
        .variants
        .iter()
        .map(|variant| variant.wire_value.as_str())
        .collect();
    let variant_docs = wires.iter().map(|wire| format!(" `{wire}`"));
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#[doc = #variant_docs] #variants,)*
            /// A value the spec does not list (Atlas adds values without a new API version).
            #catch_all(String),
        }

        impl #name {
            /// Every value the spec lists, in its order.
            pub const KNOWN_VALUES: &'static [&'static str] = &[#(#wires),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#name::#variants => #wires,)*
                    #name::#catch_all(value) => value,
                }
            }

            /// Whether the value is one the spec lists.
            pub fn is_known(&self) -> bool {
                !matches!(self, #name::#catch_all(_))
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#wires => #name::#variants,)*
                    other => #name::#catch_all(other.to_owned()),
                }
            }
        }

        // The known values are matched once, in `From<&str>`; an unknown one keeps this
        // `String` rather than a copy.
        impl From<String> for #name {
            fn from(value: String) -> Self {
                match #name::from(value.as_str()) {
                    #name::#catch_all(_) => #name::#catch_all(value),
                    known => known,
                }
            }
        }

        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(#name::from(value))
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(#name::from)
            }
        }
    }
}
