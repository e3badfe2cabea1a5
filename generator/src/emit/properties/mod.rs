//! `tests/properties.rs`: property tests (proptest) over every generated type.
//!
//! - every model round-trips: encode, decode, equal;
//! - no model's decoder panics, on arbitrary JSON, arbitrary bytes, or JSON mutated from the
//!   spec's examples and from encoded models;
//! - each path-parameter newtype accepts exactly the strings its spec constraints accept;
//! - each open enum round-trips any string, known or not.
//!
//! A strategy function is generated per model type, composed from its fields' strategies.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

mod strategies;

use strategies::{contains, named_types, strategy_fn, strategy_name};

use super::{ident, CrateName};
use crate::model::{
    Api, ExampleTarget, Field, PathParamType, StructDef, TypeDef, TypeRef, UnionDef,
};
use crate::naming::snake;

/// Proptest implements `Strategy` for tuples of up to 12; wider structs nest tuples of this size.
const TUPLE_WIDTH: usize = 10;

/// Whether the crate gets the file: the spec defines a model type or a path parameter.
pub fn wanted(api: &Api) -> bool {
    !(api.types.is_empty() && api.path_params.is_empty())
}

pub fn tokens(api: &Api, krate_name: &CrateName) -> TokenStream {
    let krate = ident(&krate_name.lib());
    let strategies = api.types.values().map(|def| strategy_fn(api, def, &krate));
    let round_trips = api.types.values().map(|def| {
        let name = ident(def.name());
        let test = format_ident!("{}_round_trips", snake(def.name()));
        let strategy = strategy_name(def.name());
        quote! {
            #[test]
            fn #test() {
                check(#strategy, |value| {
                    let json = serde_json::to_value(&value).expect("every model encodes");
                    let back: #krate::models::#name = serde_json::from_value(json.clone()).expect("what was encoded decodes");
                    // Compared as JSON: an untagged union may decode into an earlier variant
                    // that encodes the same JSON.
                    prop_assert_eq!(serde_json::to_value(&back).expect("every model encodes"), json);
                    Ok(())
                });
            }
        }
    });
    // Tables of small functions rather than one statement per type in a test body: with
    // thousands of types, one function holding every call overflows a test thread's stack in
    // a debug build.
    let model_paths: Vec<TokenStream> = api
        .types
        .values()
        .map(|def| {
            let name = ident(def.name());
            quote!(#krate::models::#name)
        })
        .collect();
    let encoded_samples = api.types.values().map(|def| {
        let strategy = strategy_name(def.name());
        quote!(|| #strategy().prop_map(|value| serde_json::to_value(value).expect("every model encodes")).boxed())
    });
    let examples: Vec<String> = api
        .examples
        .iter()
        .filter(|example| matches!(example.target, ExampleTarget::Decode(_)))
        .map(|example| example.input.to_string())
        .collect();
    let enum_tests = api.types.values().filter_map(|def| match def {
        TypeDef::Enum(def) => {
            let name = ident(&def.name);
            let test = format_ident!("{}_round_trips_any_string", snake(&def.name));
            Some(quote! {
                #[test]
                fn #test() {
                    check(any::<String>, |value| {
                        let parsed = #krate::models::#name::from(value.as_str());
                        prop_assert_eq!(parsed.as_str(), value.as_str());
                        prop_assert_eq!(parsed.to_string(), value.clone());
                        let json = serde_json::to_value(&parsed).expect("enums encode");
                        prop_assert_eq!(&json, &serde_json::Value::String(value));
                        let back: #krate::models::#name = serde_json::from_value(json).expect("enums decode");
                        prop_assert_eq!(back, parsed);
                        Ok(())
                    });
                }
            })
        }
        TypeDef::Struct(_) | TypeDef::Union(_) => None,
    });
    let param_tests = api
        .path_params
        .iter()
        .map(|param| param_tests(param, &krate));
    let helpers = helpers(api);
    let any_json_strategies = quote!(proptest::strategy::Union::new(
        std::iter::once(json_value().boxed()).chain(ENCODED.iter().map(|make| make())),
    )
    .boxed());
    let full = super::spec_examples::full_only(api);
    // Whole-crate decoding checks; without model types there is nothing to decode.
    let model_checks = (!api.types.is_empty()).then(|| {
        quote! {
        /// Replaces the node at `choice` (depth-first) with `replacement`.
        fn mutate(value: &serde_json::Value, choice: usize, replacement: &serde_json::Value) -> serde_json::Value {
            fn walk(value: &serde_json::Value, left: &mut usize, replacement: &serde_json::Value) -> serde_json::Value {
                if *left == 0 {
                    *left = usize::MAX;
                    return replacement.clone();
                }
                *left = left.saturating_sub(1);
                match value {
                    serde_json::Value::Array(items) => {
                        serde_json::Value::Array(items.iter().map(|item| walk(item, left, replacement)).collect())
                    }
                    serde_json::Value::Object(map) => serde_json::Value::Object(
                        map.iter().map(|(key, item)| (key.clone(), walk(item, left, replacement))).collect(),
                    ),
                    other => other.clone(),
                }
            }
            let mut left = choice;
            walk(value, &mut left, replacement)
        }

        /// The spec's examples and encoded models, the seeds mutations start from.
        fn seed() -> impl Strategy<Value = serde_json::Value> {
            let texts: &[&str] = &[#(#examples),*];
            let examples: Vec<serde_json::Value> = texts
                .iter()
                .map(|text| serde_json::from_str(text).expect("examples are JSON"))
                .collect();
            let from_examples = if examples.is_empty() {
                Just(serde_json::Value::Null).boxed()
            } else {
                proptest::sample::select(examples).boxed()
            };
            prop_oneof![from_examples, #any_json_strategies]
        }

        /// Every model's values, encoded as JSON.
        const ENCODED: &[fn() -> BoxedStrategy<serde_json::Value>] = &[#(#encoded_samples),*];

        /// Decodes JSON into one model type, ignoring the result.
        fn decode<T: serde::de::DeserializeOwned>(value: &serde_json::Value) {
            let _ = serde_json::from_value::<T>(value.clone());
        }

        /// Decodes bytes into one model type, ignoring the result.
        fn decode_bytes<T: serde::de::DeserializeOwned>(bytes: &[u8]) {
            let _ = serde_json::from_slice::<T>(bytes);
        }

        /// A decoder per model type.
        const DECODERS: &[fn(&serde_json::Value)] = &[#(decode::<#model_paths>),*];

        /// A byte decoder per model type.
        const BYTE_DECODERS: &[fn(&[u8])] = &[#(decode_bytes::<#model_paths>),*];

        #[test]
        fn no_model_decoder_panics_on_any_json() {
            check(json_value, |value| {
                DECODERS.iter().for_each(|decode| decode(&value));
                Ok(())
            });
        }

        #[test]
        fn no_model_decoder_panics_on_mutated_json() {
            let mutated = || {
                (seed(), any::<usize>(), json_value())
                    .prop_map(|(seed, choice, replacement)| mutate(&seed, choice % 64, &replacement))
            };
            check(mutated, |value| {
                DECODERS.iter().for_each(|decode| decode(&value));
                Ok(())
            });
        }

        #[test]
        fn no_model_decoder_panics_on_any_bytes() {
            check(|| proptest::collection::vec(any::<u8>(), 0..256), |bytes| {
                BYTE_DECODERS.iter().for_each(|decode| decode(&bytes));
                Ok(())
            });
        }

        }
    });
    quote! {
        //! Property tests over every generated type: models round-trip, no decoder panics on
        //! any input, path parameters accept exactly what their spec constraints accept, and
        //! open enums keep any string.
        #full

        use proptest::prelude::*;
        use proptest::test_runner::TestCaseError;

        /// Runs `test` on values from the strategy `make` builds, panicking with the minimal
        /// failing case. No regression files are written: this crate's directory belongs to the
        /// generator. It runs on a thread with a large stack: decoding values of the deepest
        /// models (and shrinking them) recurses further than a test thread's 2 MiB allow in a
        /// debug build.
        fn check<S, M, T>(make: M, test: T)
        where
            S: Strategy,
            M: FnOnce() -> S + Send + 'static,
            T: Fn(S::Value) -> Result<(), TestCaseError> + Send + 'static,
        {
            const STACK: usize = 64 << 20;
            let worker = std::thread::Builder::new()
                .stack_size(STACK)
                .spawn(move || {
                    let strategy = make();
                    let config = ProptestConfig { failure_persistence: None, ..ProptestConfig::default() };
                    proptest::test_runner::TestRunner::new(config)
                        .run(&strategy, test)
                        .map_err(|failure| failure.to_string())
                })
                .expect("a test thread can be started");
            match worker.join() {
                Ok(Ok(())) => {}
                Ok(Err(failure)) => panic!("{failure}"),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }

        /// Any JSON value, a few levels deep.
        fn json_value() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                any::<u64>().prop_map(serde_json::Value::from),
                (proptest::num::f64::NORMAL | proptest::num::f64::ZERO).prop_map(serde_json::Value::from),
                any::<String>().prop_map(serde_json::Value::from),
            ];
            leaf.prop_recursive(4, 32, 5, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
                    proptest::collection::btree_map(any::<String>(), inner, 0..5)
                        .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
                ]
            })
        }

        #helpers

        #(#strategies)*

        #(#round_trips)*

        #model_checks

        #(#enum_tests)*

        #(#param_tests)*
    }
}

/// Whether proptest can generate strings from `pattern` (its outer anchors removed): no
/// anchor or word boundary may remain outside a character class.
fn generatable(pattern: &str) -> bool {
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.next(), Some('b' | 'B' | 'A' | 'z' | 'Z')) && !in_class => {
                return false;
            }
            '[' => in_class = true,
            ']' => in_class = false,
            '^' | '$' if !in_class => return false,
            _ => {}
        }
    }
    true
}

fn param_tests(param: &PathParamType, krate: &syn::Ident) -> TokenStream {
    let name = ident(&param.type_name);
    let base = snake(&param.type_name);
    let rejects = format_ident!("{base}_accepts_exactly_what_its_constraints_accept");
    // What the constraints besides the pattern allow, as a condition on `value` and `length`.
    let literal = Literal::usize_unsuffixed;
    let lengths = match (param.min_length.map(literal), param.max_length.map(literal)) {
        (Some(min), Some(max)) => quote!(&& (#min..=#max).contains(&length)),
        (Some(min), None) => quote!(&& length >= #min),
        (None, Some(max)) => quote!(&& length <= #max),
        (None, None) => quote!(),
    };
    let bounds = quote!(!value.is_empty() #lengths);
    let length = (param.min_length.is_some() || param.max_length.is_some())
        .then(|| quote!(let length = value.chars().count();));
    let (pattern_check, matching) = match &param.pattern {
        Some(pattern) => {
            let accepts = format_ident!("{base}_accepts_strings_its_pattern_generates");
            // proptest generates from the pattern without its anchors.
            let generator = pattern.strip_prefix('^').unwrap_or(pattern);
            let generator = generator.strip_suffix('$').unwrap_or(generator);
            // proptest cannot generate from a pattern with anchors or boundaries inside it
            // (`^a|^b`); such a parameter keeps only the exact-acceptance property.
            let generates = generatable(generator);
            (
                // Both read the pattern as the client does (ECMA-262's ASCII `\d`, `\w`).
                quote! {
                    let pattern = regex::Regex::new(&atlas_runtime::validation::ecma_classes(#pattern)).expect("the generator checked the pattern");
                    let matches = pattern.is_match(&value);
                },
                if generates {
                    quote! {
                        #[test]
                        fn #accepts() {
                            let generator = atlas_runtime::validation::ecma_classes(#generator);
                            check(move || proptest::string::string_regex(&generator).expect("the generator checked the pattern"), |value| {
                                #length
                                prop_assume!(#bounds);
                                prop_assert!(#krate::params::#name::new(value.clone()).is_ok(), "rejected {:?}", value);
                                Ok(())
                            });
                        }
                    }
                } else {
                    TokenStream::new()
                },
            )
        }
        None => (quote!(let matches = true;), quote!()),
    };
    quote! {
        #matching

        #[test]
        fn #rejects() {
            // Arbitrary strings, and ones close to the usual id shapes.
            let candidates = || prop_oneof![any::<String>(), "[a-f0-9]{0,30}", "[a-zA-Z0-9-]{0,8}"];
            check(candidates, |value| {
                #pattern_check
                #length
                let allowed = matches && #bounds;
                prop_assert_eq!(#krate::params::#name::new(value.clone()).is_ok(), allowed, "{:?}", value);
                Ok(())
            });
        }
    }
}

/// The strategy helpers the model types need (only those, so none is dead code).
fn helpers(api: &Api) -> TokenStream {
    let mut used = Vec::new();
    let mut tagged = false;
    for def in api.types.values() {
        let recursive = |ty: &TypeRef| {
            named_types(ty)
                .iter()
                .any(|name| contains(api, name, def.name()))
        };
        match def {
            TypeDef::Struct(def) => {
                for field in &def.fields {
                    if !field.rust_type.is_boxed() && !recursive(&field.ty) {
                        leaf_types(&field.ty, field.rust_type.is_option(), &mut used);
                    }
                }
                if let Some(value) = def.additional.as_ref().filter(|value| !recursive(value)) {
                    leaf_types(value, false, &mut used);
                }
            }
            TypeDef::Union(def) => {
                for variant in &def.variants {
                    if !recursive(&variant.ty) {
                        leaf_types(&variant.ty, false, &mut used);
                        tagged |= def.discriminator.is_some() && !variant.tags.is_empty();
                    }
                }
            }
            TypeDef::Enum(_) => {}
        }
    }
    let uses = |wanted: &str| used.contains(&wanted);
    let json_present = uses("json_present").then(|| {
        quote! {
            /// Any JSON value but `null` (which an optional field reads as "absent").
            fn json_present() -> impl Strategy<Value = serde_json::Value> {
                json_value().prop_filter("null reads as absent", |value| !value.is_null())
            }
        }
    });
    let json_object = uses("json_object").then(|| {
        quote! {
            fn json_object() -> impl Strategy<Value = serde_json::Map<String, serde_json::Value>> {
                proptest::collection::btree_map(any::<String>(), json_value(), 0..5)
                    .prop_map(|map| map.into_iter().collect())
            }
        }
    });
    let date_time = (uses("date_time") || uses("date")).then(|| {
        quote! {
            fn date_time() -> impl Strategy<Value = chrono::DateTime<chrono::Utc>> {
                (0i64..4_102_444_800, 0u32..1_000_000_000).prop_map(|(seconds, nanos)| {
                    chrono::DateTime::from_timestamp(seconds, nanos).expect("the range is valid")
                })
            }
        }
    });
    let date = uses("date").then(|| {
        quote! {
            fn date() -> impl Strategy<Value = chrono::NaiveDate> {
                date_time().prop_map(|at| at.date_naive())
            }
        }
    });
    let retag = tagged.then(|| {
        quote! {
            /// Sets a union variant's discriminator, so decoding selects the variant again.
            fn retag<T: serde::Serialize + serde::de::DeserializeOwned>(value: T, property: &str, tag: &str) -> T {
                let mut json = serde_json::to_value(&value).expect("every model encodes");
                if let serde_json::Value::Object(map) = &mut json {
                    map.insert(property.to_owned(), serde_json::Value::String(tag.to_owned()));
                }
                serde_json::from_value(json).unwrap_or(value)
            }
        }
    });
    quote!(#json_present #json_object #date_time #date #retag)
}

/// The helper strategies `ty` is built from, as named in [`value_strategy`].
fn leaf_types(ty: &TypeRef, in_option: bool, used: &mut Vec<&'static str>) {
    match ty {
        TypeRef::Vec(item) | TypeRef::Map(item) => leaf_types(item, false, used),
        TypeRef::Json if in_option => used.push("json_present"),
        TypeRef::JsonObject => used.push("json_object"),
        TypeRef::DateTime => used.push("date_time"),
        TypeRef::Date => used.push("date"),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::generatable;

    #[test]
    fn anchors_inside_a_pattern_cannot_be_generated() {
        assert!(generatable("([a-f0-9]{24})"));
        assert!(generatable("[^/]+"));
        assert!(generatable(r"a\.b"));
        assert!(!generatable("vpce-[0-9a-f]{17}|^%2[fF]x"));
        assert!(!generatable(r"\bword"));
        assert!(!generatable("a$|b"));
    }
}
