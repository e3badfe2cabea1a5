//! The checks generated code runs on a value before sending it: the spec's constraints
//! (`model::Constraints`) as `atlas_runtime::validation::Rules` statics.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Bound, Constraints, TypeRef};

/// A block checking `value` (an expression of type `ty`, in its `Option`s) against
/// `constraints` (lowering kept only those that apply to `ty`), naming it `name` (an
/// expression giving a `&validation::Path`) in the error; `None` when there is nothing to check.
pub fn check(
    constraints: &Constraints,
    ty: &TypeRef,
    value: TokenStream,
    name: TokenStream,
) -> Option<TokenStream> {
    if constraints.is_empty() {
        return None;
    }
    let mut statics = Vec::new();
    let rules = rules(constraints, 0, &mut statics);
    // Text and numbers (and arrays of them) are `Checked`; an array of anything else has
    // only its item count checked.
    let counted_only = match ty {
        TypeRef::Vec(item) => !matches!(
            **item,
            TypeRef::String | TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64
        ),
        _ => false,
    };
    let call = if counted_only {
        quote!(crate::validation::Counted::check_count(#value, #name, &RULES)?;)
    } else {
        quote!(crate::validation::Checked::check(#value, #name, &RULES)?;)
    };
    Some(quote! {{
        #(#statics)*
        static RULES: crate::validation::Rules = #rules;
        #call
    }})
}

/// A `Rules` expression; the statics it refers to (patterns, item rules) go to `statics`.
fn rules(constraints: &Constraints, depth: usize, statics: &mut Vec<TokenStream>) -> TokenStream {
    let mut fields = Vec::new();
    if let Some(pattern) = &constraints.pattern {
        let name = format_ident!("PATTERN_{depth}");
        let pattern = super::pattern::pattern_expr(pattern);
        statics.push(quote! {
            static #name: crate::validation::Pattern = #pattern;
        });
        fields.push(quote!(pattern: Some(&#name)));
    }
    let count = |field: &str, value: Option<usize>| {
        let field = format_ident!("{field}");
        value.map(|value| {
            let value = Literal::usize_unsuffixed(value);
            quote!(#field: Some(#value))
        })
    };
    let bound = |field: &str, bound: Option<Bound>| {
        let field = format_ident!("{field}");
        bound.map(|bound| {
            let value = Literal::f64_unsuffixed(bound.value);
            let exclusive = bound.exclusive;
            quote!(#field: Some(crate::validation::Bound { value: #value, exclusive: #exclusive }))
        })
    };
    fields.extend(count("min_length", constraints.min_length));
    fields.extend(count("max_length", constraints.max_length));
    fields.extend(bound("minimum", constraints.minimum));
    fields.extend(bound("maximum", constraints.maximum));
    fields.extend(count("min_items", constraints.min_items));
    fields.extend(count("max_items", constraints.max_items));
    if let Some(items) = &constraints.items {
        let inner = rules(items, depth + 1, statics);
        let name = format_ident!("ITEMS_{depth}");
        statics.push(quote!(static #name: crate::validation::Rules = #inner;));
        fields.push(quote!(items: Some(&#name)));
    }
    quote!(crate::validation::Rules { #(#fields,)* ..crate::validation::Rules::NONE })
}
