//! `params.rs`: a validated newtype per path parameter.
//!
//! A value of one of these types has passed the spec's constraints, so an operation that
//! takes one cannot send a malformed path; a bad string fails at construction, before any
//! request exists.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{docs, ident};
use crate::model::{Api, PathParamType};
use crate::naming::screaming;

pub fn tokens(api: &Api) -> TokenStream {
    let gates = super::features::Gates::new(api);
    let items = api.path_params.iter().map(|param| {
        super::features::gate_items(param_tokens(param), &gates.for_param(&param.type_name))
    });
    quote! {
        //! Validated path parameters. Build them with `new`, `parse` or `try_from`; each
        //! checks the spec's pattern and rejects a bad value with [`crate::InvalidParameter`].
        #(#items)*
    }
}

fn param_tokens(param: &PathParamType) -> TokenStream {
    let name = ident(&param.type_name);
    let wire = &param.wire_name;
    let constraint = match &param.pattern {
        Some(pattern) => format!("Must match `{pattern}`."),
        None => "Must not be empty.".to_owned(),
    };
    let example = param
        .example
        .as_ref()
        .map(|example| match example.as_str() {
            Some(text) => format!("Example: `{text}`."),
            None => format!("Example: `{example}`."),
        });
    let used_by = format!(
        "Path parameter `{wire}` of {}.",
        param
            .used_by
            .iter()
            .map(|operation| format!("`{operation}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let docs = docs::attrs([
        param.description.as_deref(),
        Some(&constraint),
        example.as_deref(),
        Some(&used_by),
    ]);
    let pattern_static = format_ident!("{}_PATTERN", screaming(&param.type_name));
    let (pattern_item, pattern_const, pattern_rule) = match &param.pattern {
        Some(pattern) => (
            quote!(static #pattern_static: crate::validation::Pattern = crate::validation::Pattern::new(#pattern);),
            quote! {
                /// The spec's pattern for this parameter.
                pub const PATTERN: &'static str = #pattern;
            },
            quote!(Some(&#pattern_static)),
        ),
        None => (quote!(), quote!(), quote!(None)),
    };
    let min_length = option_usize(param.min_length);
    let max_length = option_usize(param.max_length);
    quote! {
        #pattern_item

        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct #name(String);

        impl #name {
            #pattern_const

            /// Validates `value`.
            pub fn new(value: impl Into<String>) -> Result<Self, crate::InvalidParameter> {
                let value = value.into();
                crate::validation::StringRules {
                    pattern: #pattern_rule,
                    min_length: #min_length,
                    max_length: #max_length,
                    non_empty: true,
                }
                .check(#wire, &value)?;
                Ok(#name(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl std::str::FromStr for #name {
            type Err = crate::InvalidParameter;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                #name::new(value)
            }
        }

        impl TryFrom<String> for #name {
            type Error = crate::InvalidParameter;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                #name::new(value)
            }
        }

        impl TryFrom<&str> for #name {
            type Error = crate::InvalidParameter;

            fn try_from(value: &str) -> Result<Self, Self::Error> {
                #name::new(value)
            }
        }

        impl AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                #name::new(value).map_err(serde::de::Error::custom)
            }
        }
    }
}

fn option_usize(value: Option<usize>) -> TokenStream {
    match value {
        Some(value) => {
            let value = proc_macro2::Literal::usize_unsuffixed(value);
            quote!(Some(#value))
        }
        None => quote!(None),
    }
}
