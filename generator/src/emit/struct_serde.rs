//! How a model struct is encoded and decoded: a `Serialize` and a `Deserialize` impl written
//! out per struct, on the runtime's `object` helpers
//! (`crate::object`, a private import, like `crate::validation`).
//!
//! serde's derive would do, but it keeps undeclared properties only through
//! `#[serde(flatten)]`, which expands to several times the code of a plain struct (every
//! property it does not know buffered as serde's private `Content`, then decoded again), and a
//! large spec's crate spent most of its compile time there. What is written here is what the
//! derive did for these structs, and no more: a property declared twice is an error, a missing
//! required one an error naming it, `null` for an optional property leaves it unset (except
//! where `Nullable` keeps it), undeclared properties are kept (`unknown_fields`, or the typed
//! `additionalProperties` map) or skipped, and encoding writes the declared properties in
//! field order, unset optional ones left out, then the kept ones.

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, type_tokens, TypePath};
use crate::model::{Derive, Field, StructDef};

/// How a property's value is read and written, from its wire facts and Rust type.
enum Slot {
    /// Always present, never `null`: read as the field's type, missing is an error.
    Required,
    /// Present and `null` differ (`Option<Nullable<T>>`): read as `Nullable<T>`.
    Present,
    /// An `Option`: absent and `null` are both `None`.
    Optional,
}

impl Slot {
    fn of(field: &Field) -> Slot {
        if field.required && !field.nullable {
            Slot::Required
        } else if !field.required && field.rust_type.is_nullable() {
            Slot::Present
        } else {
            Slot::Optional
        }
    }
}

/// The local a property is read into: the field's name, unless that is a name the decoder
/// uses itself.
fn local(field: &Field) -> syn::Ident {
    match field.rust_name.as_str() {
        name @ ("map" | "key") => ident(&format!("{name}_")),
        name => ident(name),
    }
}

/// Where the properties the spec does not declare go: the field keeping them, if any.
fn rest_field(def: &StructDef) -> Option<syn::Ident> {
    def.unknown_fields
        .as_deref()
        .or(def.additional.as_ref().map(|_| "additional_properties"))
        .map(ident)
}

/// `impl Serialize` and `impl Deserialize` (with the `Object` impl it reads through), where
/// the model says the struct has them.
pub(super) fn impls(def: &StructDef) -> TokenStream {
    let serialize = def
        .derives
        .contains(&Derive::Serialize)
        .then(|| serialize_impl(def));
    let deserialize = def
        .derives
        .contains(&Derive::Deserialize)
        .then(|| deserialize_impl(def));
    quote!(#serialize #deserialize)
}

fn serialize_impl(def: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let entries = def.fields.iter().map(|field| {
        let field_name = ident(&field.rust_name);
        let wire = &field.wire_name;
        // A required property is always sent (a nullable one as `null` when unset).
        if field.required {
            quote!(object.field(#wire, &self.#field_name);)
        } else {
            quote!(object.optional(#wire, &self.#field_name);)
        }
    });
    let rest = rest_field(def).map(|field| quote!(object.rest(&self.#field);));
    let object = if def.fields.is_empty() && rest.is_none() {
        quote!(object)
    } else {
        quote!(mut object)
    };
    quote! {
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let #object = crate::object::Writer::new(serializer)?;
                #(#entries)*
                #rest
                object.end()
            }
        }
    }
}

fn deserialize_impl(def: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let expecting = format!("struct {}", def.name);
    // Each slot's type is inferred from the field it fills (writing it out would repeat the
    // field's type, and clippy finds nested ones too complex).
    let slots = def.fields.iter().map(|field| {
        let local = local(field);
        quote!(let mut #local = None;)
    });
    let arms = def.fields.iter().map(|field| {
        let local = local(field);
        let wire = &field.wire_name;
        quote!(#wire => crate::object::field(&mut map, &mut #local, #wire),)
    });
    let rest = rest_field(def);
    let (rest_local, rest_arm) = match (&rest, &def.additional) {
        (Some(field), Some(value)) => {
            let value = type_tokens(value, TypePath::Models);
            (
                Some(quote!(let mut #field = std::collections::BTreeMap::<String, #value>::new();)),
                quote!(crate::object::keep(&mut map, &mut #field, key)),
            )
        }
        (Some(field), None) => (
            Some(
                quote!(let mut #field = std::collections::BTreeMap::<String, serde_json::Value>::new();),
            ),
            quote!(crate::object::keep_unknown(&mut map, &mut #field, key)),
        ),
        (None, _) => (None, quote!(crate::object::skip(&mut map, key))),
    };
    // A struct without declared properties has nothing to match the name against.
    let read = if def.fields.is_empty() {
        quote! {
            while let Some(key) = map.next_key::<crate::object::Key<'de>>()? {
                #rest_arm?;
            }
        }
    } else {
        quote! {
            while let Some(key) = map.next_key::<crate::object::Key<'de>>()? {
                match key.as_str() {
                    #(#arms)*
                    _ => #rest_arm,
                }?;
            }
        }
    };
    let inits = def.fields.iter().map(|field| {
        let field_name = ident(&field.rust_name);
        let local = local(field);
        let wire = &field.wire_name;
        match Slot::of(field) {
            Slot::Required => {
                quote!(#field_name: crate::object::required(#local, #wire)?,)
            }
            Slot::Present if local == field_name => quote!(#field_name,),
            Slot::Present => quote!(#field_name: #local,),
            Slot::Optional => quote!(#field_name: #local.flatten(),),
        }
    });
    let rest_init = rest.as_ref().map(|field| quote!(#field,));
    quote! {
        impl crate::object::Object for #name {
            const EXPECTING: &'static str = #expecting;

            fn from_map<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
                #(#slots)*
                #rest_local
                #read
                Ok(#name {
                    #(#inits)*
                    #rest_init
                })
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::object::deserialize(deserializer)
            }
        }
    }
}
