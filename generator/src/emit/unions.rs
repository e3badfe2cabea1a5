//! The union types of `models.rs` (`oneOf`/`anyOf`): how each is encoded, decoded (by its
//! discriminator, or by trying its variants in order) and checked before sending, and the
//! helpers they share.

use proc_macro2::TokenStream;
use quote::quote;

use super::models::validates;
use super::{docs, ident, rust_type_tokens, type_tokens, TypePath};
use crate::model::{Api, TypeDef, TypeRef, UnionDef};

pub(super) fn union_tokens(api: &Api, def: &UnionDef) -> TokenStream {
    let name = ident(&def.name);
    let catch_all = ident(&def.catch_all);
    let how = match &def.discriminator {
        Some(property) => format!("The `{property}` property selects the variant"),
        None => "Variants are tried in order; the first that re-encodes to exactly the JSON received wins, else the one keeping the most of its properties".to_owned(),
    };
    let note = format!(
        "Schema `#{}`. {how}; a value no variant takes is kept in `{}`, unchanged. `#[non_exhaustive]`: a later release may add variants.",
        def.source, def.catch_all
    );
    let docs = docs::attrs([def.description.as_deref(), Some(note.as_str())]);
    let mut variants = Vec::new();
    let mut serialize_arms = Vec::new();
    let mut tagged_arms = Vec::new();
    let mut attempts = Vec::new();
    let mut validate_arms = Vec::new();
    for variant in &def.variants {
        let variant_name = ident(&variant.rust_name);
        validate_arms.push(if validates(api, &variant.ty) {
            quote!(#name::#variant_name(value) => crate::validation::Validate::validate(value, path),)
        } else {
            quote!(#name::#variant_name(_) => Ok(()),)
        });
        let inner = type_tokens(&variant.ty, TypePath::Models);
        let field_ty = rust_type_tokens(&variant.rust_type, TypePath::Models);
        let wrap = if variant.rust_type.is_boxed() {
            quote!(|value| #name::#variant_name(Box::new(value)))
        } else {
            quote!(#name::#variant_name)
        };
        let tag_list = variant
            .tags
            .iter()
            .map(|tag| format!("`{tag}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let holds = crate::model::RustType::Plain(variant.ty.clone()).to_text();
        let variant_docs = if tag_list.is_empty() {
            format!(" A `{holds}`.")
        } else {
            format!(" A `{holds}`, selected by {tag_list}.")
        };
        let variant_docs = quote!(#[doc = #variant_docs]);
        variants.push(quote!(#variant_docs #variant_name(#field_ty),));
        match (&def.discriminator, variant.tags.first()) {
            (Some(property), Some(first)) => {
                serialize_arms.push(quote! {
                    #name::#variant_name(value) => support::serialize_tagged(value, #property, #first, serializer),
                });
                let tags = &variant.tags;
                tagged_arms.push(quote! {
                    Some(#(#tags)|*) => support::decode::<#inner, D::Error>(value).map(#wrap),
                });
            }
            _ => {
                serialize_arms.push(quote! {
                    #name::#variant_name(value) => serde::Serialize::serialize(value, serializer),
                });
                // A struct that keeps undeclared properties decodes any object: what it did
                // not declare must count against it.
                let keeps_unknown = matches!(&variant.ty, TypeRef::Named(name) if matches!(api.types.get(name), Some(TypeDef::Struct(def)) if def.unknown_fields.is_some()));
                let undeclared = if keeps_unknown {
                    quote!(|value: &#inner| value.unknown_fields().len())
                } else {
                    quote!(|_: &#inner| 0)
                };
                attempts.push(quote! {
                    if let Some(exact) = best.attempt::<#inner>(&value, #undeclared, #wrap) {
                        return Ok(exact);
                    }
                });
            }
        }
    }
    let decode = match &def.discriminator {
        Some(property) => quote! {
            match value.get(#property).and_then(serde_json::Value::as_str) {
                #(#tagged_arms)*
                _ => Ok(#name::#catch_all(value)),
            }
        },
        None => quote! {
            let mut best = support::Best::default();
            #(#attempts)*
            Ok(best.into_value().unwrap_or(#name::#catch_all(value)))
        },
    };
    // Checked before sending when a variant is: the variant it holds checks itself.
    let validate = validates(api, &TypeRef::Named(def.name.clone())).then(|| {
        quote! {
            impl crate::validation::Validate for #name {
                fn validate(&self, path: &crate::validation::Path<'_>) -> Result<(), crate::InvalidParameter> {
                    match self {
                        #(#validate_arms)*
                        #name::#catch_all(_) => Ok(()),
                    }
                }
            }
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value no variant takes.
            #catch_all(serde_json::Value),
        }

        #validate

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#serialize_arms)*
                    #name::#catch_all(value) => serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                #decode
            }
        }
    }
}

/// Helpers the union types share, emitted once when there is a union (only the ones used).
pub(super) fn union_support(tagged: bool, untagged: bool) -> TokenStream {
    let tagged_helpers = tagged.then(|| {
        quote! {
            /// Encodes a variant of a discriminated union, adding the discriminator when the
            /// variant's own type does not carry it.
            pub(super) fn serialize_tagged<T: Serialize, S: serde::Serializer>(
                value: &T,
                property: &str,
                tag: &str,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                use serde::ser::Error as _;
                let mut json = serde_json::to_value(value).map_err(S::Error::custom)?;
                if let Value::Object(map) = &mut json {
                    map.entry(property).or_insert_with(|| Value::String(tag.to_owned()));
                }
                json.serialize(serializer)
            }

            /// Decodes the variant a discriminator selected.
            pub(super) fn decode<T: DeserializeOwned, E: serde::de::Error>(value: Value) -> Result<T, E> {
                serde_json::from_value(value).map_err(E::custom)
            }
        }
    });
    let untagged_helpers = untagged.then(|| {
        quote! {
            /// The best candidate so far while trying the variants of an untagged union.
            pub(super) struct Best<U> {
                value: Option<U>,
                kept: usize,
            }

            impl<U> Default for Best<U> {
                fn default() -> Self {
                    Best { value: None, kept: 0 }
                }
            }

            impl<U> Best<U> {
                /// Decodes `json` as `T`: `Some` when it re-encodes to exactly `json` with
                /// every property declared (`undeclared` counts those `T` only kept); otherwise
                /// remembers it if it declares more of `json`'s properties than earlier
                /// candidates.
                pub(super) fn attempt<T: Serialize + DeserializeOwned>(
                    &mut self,
                    json: &Value,
                    undeclared: impl Fn(&T) -> usize,
                    wrap: impl FnOnce(T) -> U,
                ) -> Option<U> {
                    let decoded = T::deserialize(json).ok()?;
                    let encoded = serde_json::to_value(&decoded).ok()?;
                    let unknown = undeclared(&decoded);
                    if &encoded == json && unknown == 0 {
                        return Some(wrap(decoded));
                    }
                    let kept = match (json, &encoded) {
                        (Value::Object(json), Value::Object(encoded)) => json
                            .keys()
                            .filter(|key| encoded.contains_key(*key))
                            .count()
                            .saturating_sub(unknown),
                        _ => 0,
                    };
                    if self.value.is_none() || kept > self.kept {
                        self.value = Some(wrap(decoded));
                        self.kept = kept;
                    }
                    None
                }

                pub(super) fn into_value(self) -> Option<U> {
                    self.value
                }
            }
        }
    });
    quote! {
        mod support {
            //! Decoding and encoding of `oneOf`/`anyOf` unions.

            use serde::de::DeserializeOwned;
            use serde::Serialize;
            use serde_json::Value;

            #tagged_helpers
            #untagged_helpers
        }
    }
}
