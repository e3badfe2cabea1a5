//! `models.rs`: one struct per object schema view, one open enum per string enum.

use proc_macro2::TokenStream;
use quote::quote;

use super::{docs, ident, type_tokens, TypePath};
use crate::model::{Api, Direction, EnumDef, Field, StructDef, TypeDef, TypeRef};

pub fn tokens(api: &Api) -> TokenStream {
    let items = api.types.values().map(|def| match def {
        TypeDef::Struct(def) => struct_tokens(api, def),
        TypeDef::Enum(def) => enum_tokens(def),
    });
    quote! {
        //! Request and response bodies, one type per schema (and per direction where
        //! `readOnly`/`writeOnly` properties make the two differ).
        //!
        //! Unknown JSON fields are ignored when decoding; enums keep values they do not know.
        #(#items)*
    }
}

fn directions_note(def: &StructDef) -> String {
    let used = match def.directions.as_slice() {
        [Direction::Request] => "Sent in requests: `readOnly` properties are left out.",
        [Direction::Response] => "Received in responses: `writeOnly` properties are left out.",
        _ => "Sent in requests and received in responses.",
    };
    format!("Schema `#{}`. {used}", def.source)
}

/// A field that is neither optional nor nullable: a plain value, set by every constructor.
fn is_mandatory(field: &Field) -> bool {
    field.required && !field.nullable
}

fn field_type(field: &Field) -> TokenStream {
    let inner = type_tokens(&field.ty, TypePath::Models);
    let inner = if field.boxed {
        quote!(Box<#inner>)
    } else {
        inner
    };
    if is_mandatory(field) {
        inner
    } else {
        quote!(Option<#inner>)
    }
}

fn field_tokens(field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    let ty = field_type(field);
    let wire = &field.wire_name;
    let rename = (field.rust_name != field.wire_name).then(|| quote!(rename = #wire,));
    // Optional fields are left out when unset; required nullable ones are sent as `null`.
    let serde = match (field.required, field.nullable) {
        (true, false) => rename
            .map(|_| quote!(#[serde(rename = #wire)]))
            .unwrap_or_default(),
        (true, true) => quote!(#[serde(#rename default)]),
        (false, _) => quote!(#[serde(#rename default, skip_serializing_if = "Option::is_none")]),
    };
    let deprecated = field.deprecated.then_some("Deprecated in the spec.");
    let docs = docs::attrs([field.description.as_deref(), deprecated]);
    quote! {
        #docs
        #serde
        pub #name: #ty,
    }
}

/// Whether values of `ty` need checking before they are sent.
fn validates(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(name) => matches!(api.types.get(name), Some(TypeDef::Struct(_))),
        TypeRef::Vec(item) => validates(api, item),
        _ => false,
    }
}

fn struct_tokens(api: &Api, def: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let note = directions_note(def);
    let docs = docs::attrs([
        def.title.as_deref(),
        def.description.as_deref(),
        Some(note.as_str()),
    ]);
    let fields = def.fields.iter().map(field_tokens);
    let sent = def.directions.contains(&Direction::Request);
    let extra = sent.then(|| {
        let required: Vec<&Field> = def.fields.iter().filter(|field| is_mandatory(field)).collect();
        // Clippy's limit; a constructor that long is still clearer than a builder here.
        let allow_many = (required.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
        let args = required.iter().map(|field| {
            let arg = ident(&field.rust_name);
            let ty = field_type(field);
            quote!(#arg: #ty)
        });
        let inits = def.fields.iter().map(|field| {
            let field_name = ident(&field.rust_name);
            if is_mandatory(field) {
                quote!(#field_name)
            } else {
                quote!(#field_name: None)
            }
        });
        let checks = def.fields.iter().filter_map(|field| {
            let field_name = ident(&field.rust_name);
            // Names the field in errors: `{path}.wireName`, braces in the wire name escaped.
            let field_path = format!("{{path}}.{}", field.wire_name.replace('{', "{{").replace('}', "}}"));
            let optional = !is_mandatory(field);
            if let Some(pattern) = &field.request_pattern {
                let check = quote! {
                    static PATTERN: crate::validation::Pattern = crate::validation::Pattern::new(#pattern);
                    let rules = crate::validation::StringRules { pattern: Some(&PATTERN), min_length: None, max_length: None, non_empty: false };
                };
                return Some(if optional {
                    quote! {{
                        #check
                        if let Some(value) = &self.#field_name {
                            rules.check(&format!(#field_path), value)?;
                        }
                    }}
                } else {
                    quote! {{
                        #check
                        rules.check(&format!(#field_path), &self.#field_name)?;
                    }}
                });
            }
            validates(api, &field.ty).then(|| quote! {
                crate::validation::Validate::validate(&self.#field_name, &format!(#field_path))?;
            })
        });
        let checks: Vec<TokenStream> = checks.collect();
        let path_arg = if checks.is_empty() { quote!(_path) } else { quote!(path) };
        // Without mandatory fields, `Default` is the constructor.
        let constructor = (!required.is_empty()).then(|| quote! {
            impl #name {
                /// A value with the required fields set and every optional field unset.
                #allow_many
                pub fn new(#(#args),*) -> Self {
                    #name { #(#inits),* }
                }
            }
        });
        quote! {
            #constructor

            impl crate::validation::Validate for #name {
                fn validate(&self, #path_arg: &str) -> Result<(), crate::error::InvalidParameter> {
                    #(#checks)*
                    Ok(())
                }
            }
        }
    });
    let default = (!def.fields.iter().any(is_mandatory)).then(|| quote!(Default,));
    quote! {
        #docs
        #[derive(Debug, Clone, #default PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct #name {
            #(#fields)*
        }

        #extra
    }
}

fn enum_tokens(def: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let catch_all = ident(&def.catch_all);
    let note = format!(
        "Schema `#{}`. Values this client does not know are kept in `{}`, so they round-trip unchanged.",
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

        impl From<String> for #name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    #(#wires => #name::#variants,)*
                    _ => #name::#catch_all(value),
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
