//! Paginated lists: `impl atlas_runtime::Page` for each page body (in `models.rs`), and
//! `pages()` and `items()` on the builder of each paginated operation (in `operations.rs`).
//!
//! The walk itself (when to stop, repeated pages, errors) is the runtime's
//! (`atlas_runtime::Pages`); emitted here is only where a page keeps its results, count and
//! links, and how the builder asks for page `n`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{ident, rust_type_tokens, type_tokens, TypePath};
use crate::model::{Operation, PageShape, StructDef, TypeRef};

/// `impl Page` for a page body, or nothing for another struct.
pub fn page_impl(def: &StructDef) -> Option<TokenStream> {
    let PageShape {
        results,
        results_type,
        item,
        total,
        links,
    } = def.page.as_deref()?;
    let name = ident(&def.name);
    let item = rust_type_tokens(item, TypePath::Models);
    let results = ident(results);
    let (as_slice, into_vec) = if results_type.is_option() {
        (
            quote!(self.#results.as_deref().unwrap_or_default()),
            quote!(self.#results.unwrap_or_default()),
        )
    } else {
        (quote!(&self.#results), quote!(self.#results))
    };
    let total = match total {
        None => quote!(None),
        Some((field, ty)) => {
            let field = ident(field);
            // A negative count is no count.
            if ty.is_option() {
                quote!(self.#field.and_then(|total| u64::try_from(total).ok()))
            } else {
                quote!(u64::try_from(self.#field).ok())
            }
        }
    };
    let next = match links {
        None => quote!(None),
        Some((field, ty, relation, relation_optional)) => {
            let field = ident(field);
            let relation = ident(relation);
            let is_next = if *relation_optional {
                quote!(link.#relation.as_deref() == Some("next"))
            } else {
                quote!(link.#relation == "next")
            };
            let links = if ty.is_option() {
                quote!(self.#field.as_deref()?)
            } else {
                quote!(self.#field.as_slice())
            };
            quote! {
                let links = #links;
                if links.is_empty() {
                    return None;
                }
                Some(links.iter().any(|link| #is_next))
            }
        }
    };
    Some(quote! {
        impl atlas_runtime::Page for #name {
            type Item = #item;

            fn results(&self) -> &[#item] {
                #as_slice
            }

            fn into_results(self) -> Vec<#item> {
                #into_vec
            }

            fn total_count(&self) -> Option<u64> {
                #total
            }

            fn has_next_link(&self) -> Option<bool> {
                #next
            }
        }
    })
}

/// `pages()` and `items()` for a paginated operation's builder, or nothing.
pub fn pager_methods(operation: &Operation) -> Option<TokenStream> {
    let pagination = operation.pagination.as_ref()?;
    // The name every message uses is the one the crate's docs give the operation.
    let operation_id = &operation.name;
    let body = type_tokens(&TypeRef::Named(pagination.body.clone()), TypePath::Crate);
    let page = ident(&pagination.page_param);
    let size = ident(&pagination.size_param);
    let page_type = type_tokens(&pagination.page_type, TypePath::Crate);
    let size_type = type_tokens(&pagination.size_type, TypePath::Crate);
    let (first, default_size) = (pagination.first_page, pagination.default_size);
    let first_literal = Literal::u64_unsuffixed(first);
    let size_literal = Literal::u64_unsuffixed(default_size);
    let pages_docs = format!(
        " Every page, from `{page}` (page {first} unless set) to the last, as a stream (`atlas_runtime::Pages`), each page requested under the client's retry policy with `{size}` results (the one set, else {default_size})."
    );
    let items_docs = " Every result of every page, as a stream (`atlas_runtime::Items`): [`Self::pages`], one result at a time.";
    Some(quote! {
        #[doc = #pages_docs]
        #[doc = ""]
        #[doc = " The walk ends after an empty page; at the `totalCount` when the page is counted (even after a short page); otherwise at a page without a `next` link, or one shorter than asked for. A server repeating a page ends it with `Error::Pages`; the first error is the stream's last item."]
        pub fn pages(self) -> crate::Pages<#body> {
            // Out-of-range values are the server's to reject, as in a single call.
            let first = self.#page.map_or(#first_literal, |page| u64::try_from(page).unwrap_or(0));
            let size: #size_type = self.#size.unwrap_or(#size_literal);
            let asked = u64::try_from(size).unwrap_or(0);
            atlas_runtime::Pages::new(#operation_id, first, asked, move |number| {
                let mut request = self.clone();
                request.#page = Some(#page_type::try_from(number).unwrap_or(#page_type::MAX));
                request.#size = Some(size);
                Box::pin(request.send())
            })
        }

        #[doc = #items_docs]
        pub fn items(self) -> crate::Items<#body> {
            self.pages().items()
        }
    })
}
