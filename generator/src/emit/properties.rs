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

use super::{ident, CrateName};
use crate::model::{
    Api, ExampleTarget, Field, PathParamType, StructDef, TypeDef, TypeRef, UnionDef,
};
use crate::naming::snake;

/// Proptest implements `Strategy` for tuples of up to 12; wider structs nest tuples of this size.
const TUPLE_WIDTH: usize = 10;

/// `None` when the spec defines no model type and no path parameter.
pub fn tokens(api: &Api, krate_name: &CrateName) -> Option<TokenStream> {
    if api.types.is_empty() && api.path_params.is_empty() {
        return None;
    }
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
    Some(quote! {
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
    })
}

fn strategy_name(type_name: &str) -> syn::Ident {
    format_ident!("arb_{}", snake(type_name))
}

fn strategy_fn(api: &Api, def: &TypeDef, krate: &syn::Ident) -> TokenStream {
    let function = strategy_name(def.name());
    let name = ident(def.name());
    let body = match def {
        TypeDef::Enum(def) => {
            let variants = def.variants.iter().map(|variant| {
                let variant = ident(&variant.rust_name);
                quote!(#krate::models::#name::#variant)
            });
            // `From` keeps the invariant that a known value is never the catch-all.
            quote! {
                prop_oneof![
                    proptest::sample::select(vec![#(#variants),*]),
                    any::<String>().prop_map(#krate::models::#name::from),
                ]
            }
        }
        TypeDef::Struct(def) => struct_strategy(api, def, krate, &name),
        TypeDef::Union(def) => union_strategy(api, def, krate, &name),
    };
    // Boxed: a model's strategy nests those of its fields; unboxed, the nested value trees of
    // a large schema overflow a test thread's stack in a debug build.
    quote! {
        fn #function() -> BoxedStrategy<#krate::models::#name> {
            Strategy::boxed(#body)
        }
    }
}

fn struct_strategy(
    api: &Api,
    def: &StructDef,
    krate: &syn::Ident,
    name: &syn::Ident,
) -> TokenStream {
    let additional = def.additional.as_ref().map(|value| {
        let recursive = named_types(value)
            .iter()
            .any(|inner| contains(api, inner, &def.name));
        let values = if recursive {
            quote!(Just(std::collections::BTreeMap::new()))
        } else {
            let value = value_strategy(value, false);
            // Keys no declared property has, so they decode into the map again.
            quote!(proptest::collection::btree_map("x-additional-[a-z]{1,4}", #value, 0..2))
        };
        (values, quote!(additional_properties))
    });
    if def.fields.is_empty() {
        return match additional {
            Some((values, field)) => {
                quote!(#values.prop_map(|#field| #krate::models::#name { #field }))
            }
            None => quote!(Just(#krate::models::#name {})),
        };
    }
    let chunks: Vec<&[Field]> = def.fields.chunks(TUPLE_WIDTH).collect();
    let tuple = chunks.iter().map(|chunk| {
        let strategies = chunk
            .iter()
            .map(|field| field_strategy(api, &def.name, field));
        quote!((#(#strategies,)*))
    });
    let patterns = chunks.iter().map(|chunk| {
        let names = chunk.iter().map(|field| ident(&field.rust_name));
        quote!((#(#names,)*))
    });
    let fields = def.fields.iter().map(|field| ident(&field.rust_name));
    match additional {
        Some((values, field)) => quote! {
            ((#(#tuple,)*), #values).prop_map(|((#(#patterns,)*), #field)| #krate::models::#name { #(#fields,)* #field })
        },
        None => quote! {
            (#(#tuple,)*).prop_map(|(#(#patterns,)*)| #krate::models::#name { #(#fields),* })
        },
    }
}

fn union_strategy(api: &Api, def: &UnionDef, krate: &syn::Ident, name: &syn::Ident) -> TokenStream {
    let catch_all = ident(&def.catch_all);
    let arms: Vec<TokenStream> = def
        .variants
        .iter()
        // A variant leading back to the union is left out, so generated values stay finite.
        .filter(|variant| {
            !named_types(&variant.ty)
                .iter()
                .any(|inner| contains(api, inner, &def.name))
        })
        .map(|variant| {
            let variant_name = ident(&variant.rust_name);
            let values = value_strategy(&variant.ty, false);
            let wrap = |value: TokenStream| {
                if variant.boxed {
                    quote!(Box::new(#value))
                } else {
                    value
                }
            };
            match (&def.discriminator, variant.tags.first()) {
                // The discriminator must select this variant again.
                (Some(property), Some(tag)) => {
                    let inner = wrap(quote!(retag(value, #property, #tag)));
                    quote!(#values.prop_map(|value| #krate::models::#name::#variant_name(#inner)).boxed())
                }
                _ if variant.boxed => {
                    let inner = wrap(quote!(value));
                    quote!(#values.prop_map(|value| #krate::models::#name::#variant_name(#inner)).boxed())
                }
                _ => quote!(#values.prop_map(#krate::models::#name::#variant_name).boxed()),
            }
        })
        .collect();
    if arms.is_empty() {
        return quote!(Just(#krate::models::#name::#catch_all(serde_json::Value::Null)));
    }
    quote!(proptest::strategy::Union::new(vec![#(#arms),*]))
}

/// The named types `ty` mentions.
fn named_types(ty: &TypeRef) -> Vec<&str> {
    match ty {
        TypeRef::Named(name) => vec![name.as_str()],
        TypeRef::Vec(item) | TypeRef::Map(item) => named_types(item),
        _ => Vec::new(),
    }
}

/// Whether a value of type `from` can contain a value of type `to`.
fn contains(api: &Api, from: &str, to: &str) -> bool {
    let mut pending = vec![from];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(next) = pending.pop() {
        if next == to {
            return true;
        }
        if !seen.insert(next) {
            continue;
        }
        match api.types.get(next) {
            Some(TypeDef::Struct(def)) => {
                pending.extend(def.fields.iter().flat_map(|field| named_types(&field.ty)));
                pending.extend(def.additional.iter().flat_map(named_types));
            }
            Some(TypeDef::Union(def)) => {
                pending.extend(
                    def.variants
                        .iter()
                        .flat_map(|variant| named_types(&variant.ty)),
                );
            }
            _ => {}
        }
    }
    false
}

fn field_strategy(api: &Api, parent: &str, field: &Field) -> TokenStream {
    let mandatory = field.required && !field.nullable;
    // A field leading back to its own type is left empty, so generated values stay finite.
    let recursive = named_types(&field.ty)
        .iter()
        .any(|name| contains(api, name, parent));
    if field.boxed || recursive {
        return match (&field.ty, mandatory) {
            (_, false) => quote!(Just(None)),
            (TypeRef::Vec(_), true) => quote!(Just(Vec::new())),
            (TypeRef::Map(_), true) => quote!(Just(std::collections::BTreeMap::new())),
            // Unreachable for a type with finite values; kept total rather than panicking.
            (_, true) => value_strategy(&field.ty, false),
        };
    }
    let inner = value_strategy(&field.ty, !mandatory);
    if mandatory {
        inner
    } else {
        quote!(proptest::option::of(#inner))
    }
}

/// The strategy for values of `ty`; `in_option` when the value sits in an `Option`, where a
/// JSON `null` would read back as `None`.
fn value_strategy(ty: &TypeRef, in_option: bool) -> TokenStream {
    match ty {
        TypeRef::Named(name) => {
            let function = strategy_name(name);
            quote!(#function())
        }
        TypeRef::Vec(item) => {
            let item = value_strategy(item, false);
            quote!(proptest::collection::vec(#item, 0..3))
        }
        TypeRef::Map(value) => {
            let value = value_strategy(value, false);
            quote!(proptest::collection::btree_map(any::<String>(), #value, 0..3))
        }
        TypeRef::String => quote!(any::<String>()),
        TypeRef::Bool => quote!(any::<bool>()),
        TypeRef::I32 => quote!(any::<i32>()),
        TypeRef::I64 => quote!(any::<i64>()),
        TypeRef::F32 => quote!(proptest::num::f32::NORMAL | proptest::num::f32::ZERO),
        TypeRef::F64 => quote!(proptest::num::f64::NORMAL | proptest::num::f64::ZERO),
        TypeRef::DateTime => quote!(date_time()),
        TypeRef::Date => quote!(date()),
        TypeRef::Json if in_option => quote!(json_present()),
        TypeRef::Json => quote!(json_value()),
        TypeRef::JsonObject => quote!(json_object()),
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
                quote! {
                    let pattern = regex::Regex::new(#pattern).expect("the generator checked the pattern");
                    let matches = pattern.is_match(&value);
                },
                if generates {
                    quote! {
                        #[test]
                        fn #accepts() {
                            check(|| #generator, |value| {
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
                    if !field.boxed && !recursive(&field.ty) {
                        leaf_types(&field.ty, !field.required || field.nullable, &mut used);
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
