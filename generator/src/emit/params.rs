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
        //! Identifiers and names the paths carry, one type each. Build them with `new`, `parse`
        //! or `try_from`, which check the spec's pattern and reject a bad value with
        //! [`crate::InvalidParameter`]; response fields carrying the same identifier have the
        //! same type, so a value read from one response goes into the next call as it is.
        #(#items)*
    }
}

fn param_tokens(param: &PathParamType) -> TokenStream {
    let name = ident(&param.type_name);
    let wire = &param.wire_name;
    let constraint = match &param.pattern {
        Some(pattern) => format!("Must match `{pattern}`, checked by `new` and before every request that sends it (a value decoded from a response is not rejected for it)."),
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
    let rules_static = format_ident!("{}_RULES", screaming(&param.type_name));
    let (pattern_item, pattern_const, pattern_rule) = match &param.pattern {
        Some(pattern) => (
            {
                let expr = super::pattern::pattern_expr(pattern);
                quote!(static #pattern_static: crate::validation::Pattern = #expr;)
            },
            quote! {
                /// The spec's pattern for this parameter.
                pub const PATTERN: &'static str = #pattern;
            },
            quote!(Some(&#pattern_static)),
        ),
        None => (quote!(), quote!(), quote!(None)),
    };
    // A path segment may not be empty: an empty one would address another resource.
    let min_length = option_usize(Some(param.min_length.unwrap_or(0).max(1)));
    let max_length = option_usize(param.max_length);
    quote! {
        #pattern_item

        static #rules_static: crate::validation::Rules = crate::validation::Rules {
            pattern: #pattern_rule,
            min_length: #min_length,
            max_length: #max_length,
            ..crate::validation::Rules::NONE
        };

        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct #name(String);

        impl #name {
            #pattern_const

            /// Checks `value` against the spec's constraints.
            pub fn new(value: impl Into<String>) -> Result<Self, crate::InvalidParameter> {
                let value = value.into();
                #rules_static.check_str(&#wire.into(), &value)?;
                Ok(#name(value))
            }

            /// The value, as sent in the path.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The value as a `String`.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl crate::validation::Validate for #name {
            fn validate(&self, path: &crate::validation::Path<'_>) -> Result<(), crate::InvalidParameter> {
                #rules_static.check_str(path, &self.0)
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

        /// Decoding does not check the constraints: a value Atlas returns is never rejected
        /// for one. A request checks it before anything is sent.
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(#name)
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
