//! One proptest strategy per model type, composed from its fields' (or variants')
//! strategies; recursion is cut where a type leads back to itself, so values stay finite.

use super::*;

pub(super) fn strategy_name(type_name: &str) -> syn::Ident {
    format_ident!("arb_{}", snake(type_name))
}

pub(super) fn strategy_fn(api: &Api, def: &TypeDef, krate: &syn::Ident) -> TokenStream {
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

pub(super) fn struct_strategy(
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
    // Built as code outside the crate builds it: `new` with the mandatory fields, then the
    // others set on the value (model structs are `#[non_exhaustive]`).
    let takes = &def.constructor.fields;
    let mandatory = def
        .fields
        .iter()
        .filter(|field| takes.contains(&field.rust_name))
        .map(|field| ident(&field.rust_name));
    let construct = match &def.constructor.named {
        Some(named) => {
            let named = ident(named);
            quote!(#krate::models::#name::new(#krate::models::#named { #(#mandatory),* }))
        }
        None => quote!(#krate::models::#name::new(#(#mandatory),*)),
    };
    let sets: Vec<TokenStream> = def
        .fields
        .iter()
        .filter(|field| !takes.contains(&field.rust_name))
        .map(|field| {
            let field = ident(&field.rust_name);
            quote!(#field)
        })
        .chain(additional.as_ref().map(|(_, field)| field.clone()))
        .map(|field| quote!(__model.#field = #field;))
        .collect();
    // `__model`: no field's name (they are snake_case words) is bound to it.
    let build = quote! {{
        #[allow(unused_mut)]
        let mut __model = #construct;
        #(#sets)*
        __model
    }};
    let additional_names = additional.as_ref().map(|(_, field)| field.clone());
    if def.fields.is_empty() {
        return match additional {
            Some((values, field)) => quote!(#values.prop_map(|#field| #build)),
            None => quote!(Just(()).prop_map(|()| #build)),
        };
    }
    let chunks: Vec<&[Field]> = def.fields.chunks(TUPLE_WIDTH).collect();
    let tuple = chunks.iter().map(|chunk| {
        let strategies = chunk
            .iter()
            .map(|field| field_strategy(api, &def.name, field, krate));
        quote!((#(#strategies,)*))
    });
    let patterns = chunks.iter().map(|chunk| {
        let names = chunk.iter().map(|field| ident(&field.rust_name));
        quote!((#(#names,)*))
    });
    match (additional, additional_names) {
        (Some((values, _)), Some(field)) => quote! {
            ((#(#tuple,)*), #values).prop_map(|((#(#patterns,)*), #field)| #build)
        },
        _ => quote! {
            (#(#tuple,)*).prop_map(|(#(#patterns,)*)| #build)
        },
    }
}

pub(super) fn union_strategy(
    api: &Api,
    def: &UnionDef,
    krate: &syn::Ident,
    name: &syn::Ident,
) -> TokenStream {
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
                if variant.rust_type.is_boxed() {
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
                _ if variant.rust_type.is_boxed() => {
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
pub(super) fn named_types(ty: &TypeRef) -> Vec<&str> {
    match ty {
        TypeRef::Named(name) => vec![name.as_str()],
        TypeRef::Vec(item) | TypeRef::Map(item) => named_types(item),
        _ => Vec::new(),
    }
}

/// Whether a value of type `from` can contain a value of type `to`.
pub(super) fn contains(api: &Api, from: &str, to: &str) -> bool {
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

pub(super) fn field_strategy(
    api: &Api,
    parent: &str,
    field: &Field,
    krate: &syn::Ident,
) -> TokenStream {
    let mandatory = !field.rust_type.is_option();
    // A field leading back to its own type is left empty, so generated values stay finite.
    let recursive = named_types(&field.ty)
        .iter()
        .any(|name| contains(api, name, parent));
    if field.rust_type.is_boxed() || recursive {
        return match (&field.ty, mandatory) {
            (_, false) => quote!(Just(None)),
            (TypeRef::Vec(_), true) => quote!(Just(Vec::new())),
            (TypeRef::Map(_), true) => quote!(Just(std::collections::BTreeMap::new())),
            // Unreachable for a type with finite values; kept total rather than panicking.
            (_, true) => value_strategy(&field.ty, false),
        };
    }
    let nullable = field.rust_type.is_nullable();
    let inner = match field.rust_type.param() {
        // Identifiers decode from any string (a response is never rejected for a pattern).
        Some(param) => {
            let param = ident(param);
            quote!(any::<String>().prop_map(|text| serde_json::from_value::<#krate::params::#param>(serde_json::Value::String(text)).expect("identifiers decode from any string")))
        }
        None => value_strategy(&field.ty, !mandatory),
    };
    match (mandatory, nullable) {
        (true, _) => inner,
        (false, true) => quote! {
            prop_oneof![
                Just(None),
                Just(Some(#krate::Nullable::Null)),
                (#inner).prop_map(|value| Some(#krate::Nullable::Value(value))),
            ]
        },
        (false, false) => quote!(proptest::option::of(#inner)),
    }
}

/// The strategy for values of `ty`; `in_option` when the value sits in an `Option`, where a
/// JSON `null` would read back as `None`.
pub(super) fn value_strategy(ty: &TypeRef, in_option: bool) -> TokenStream {
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
