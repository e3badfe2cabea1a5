//! `tests/spec_examples.rs`: one test per example in the spec. Each decodes the example into
//! its generated type and checks that encoding gives the example back (as the type sees it),
//! or checks that a path-parameter example passes its validator. Adding an example to the
//! spec adds a test; nobody writes it by hand.

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, type_tokens, CrateName, TypePath};
use crate::model::{Api, ExampleTarget};

pub fn tokens(api: &Api, krate_name: &CrateName) -> TokenStream {
    let lib = krate_name.lib();
    let krate = ident(&lib);
    let tests = api.examples.iter().map(|example| {
        let name = ident(&example.test_name);
        let doc = format!(" `#{}`", example.source);
        let body = match &example.target {
            ExampleTarget::PathParam(type_name) => {
                let ty = ident(type_name);
                let value = example.input.as_str().unwrap_or_default();
                quote! {
                    if let Err(error) = #krate::params::#ty::new(#value) {
                        panic!("the spec's example fails its own validator: {error}");
                    }
                }
            }
            ExampleTarget::Decode(ty) => {
                let ty = type_tokens(ty, TypePath::Outside(&lib));
                let input = example.input.to_string();
                let expected = example.expected.to_string();
                quote!(assert_round_trip::<#ty>(#input, #expected);)
            }
        };
        quote! {
            #[doc = #doc]
            #[test]
            fn #name() {
                #body
            }
        }
    });
    let decodes = api
        .examples
        .iter()
        .any(|example| matches!(example.target, ExampleTarget::Decode(_)));
    let helper = decodes.then(|| {
        quote! {
            /// Decodes `example` into `T` and checks that encoding it gives `expected`.
            fn assert_round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(example: &str, expected: &str) {
                let example: serde_json::Value = serde_json::from_str(example).expect("valid JSON");
                let expected: serde_json::Value = serde_json::from_str(expected).expect("valid JSON");
                let decoded: T = serde_json::from_value(example).expect("the spec's example decodes");
                let encoded = serde_json::to_value(decoded).expect("the value encodes");
                assert_eq!(encoded, expected);
            }
        }
    });
    let full = full_only(api);
    quote! {
        //! One test per example in the spec: it decodes into the generated type and encodes
        //! back to the same JSON (as that type sees it), or passes its parameter's validator.
        #full

        #helper

        #(#tests)*
    }
}

/// `#![cfg(feature = "full")]` when the crate has tag features: the generated tests cover
/// every type, so they run with every tag enabled (the default).
pub fn full_only(api: &Api) -> TokenStream {
    if super::features::all_features(api).is_empty() {
        return TokenStream::new();
    }
    let full = super::features::FULL;
    quote!(#![cfg(feature = #full)])
}
