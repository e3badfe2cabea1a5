//! Paginated lists: which operations answer page by page, and which fields of their body
//! make it a page.
//!
//! Atlas pages by number: a list operation takes `pageNum` and `itemsPerPage` (integers) and
//! answers with a body whose `results` is an array, usually beside `totalCount` (an integer)
//! and `links` (an array of links with a `rel`). An operation with both parameters and such a
//! body is a paginated list; anything less is an ordinary operation (a body without
//! `results` cannot be walked, a list without the parameters has one page).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::{Operation, PageShape, Pagination, RustType, StructDef, TypeDef, TypeRef};

/// The query parameters that page a list, by wire name.
const PAGE_NUMBER: &str = "pageNum";
const PAGE_SIZE: &str = "itemsPerPage";
/// The fields of a page body, by wire name.
const RESULTS: &str = "results";
const TOTAL: &str = "totalCount";
const LINKS: &str = "links";
const LINK_RELATION: &str = "rel";
/// The builder methods a pager adds.
const PAGER_METHODS: &[&str] = &["pages", "items"];

/// Marks the paginated operations and the structs their pages are.
pub fn mark(types: &mut BTreeMap<String, TypeDef>, operations: &mut [Operation]) {
    for operation in operations {
        let Some(TypeRef::Named(body)) = &operation.success.body else {
            continue;
        };
        // Optional integers: the pager sets them on each page's request.
        let param = |wire: &str| {
            operation.query_params.iter().find(|param| {
                param.wire_name == wire
                    && !param.required
                    && matches!(param.ty, TypeRef::I32 | TypeRef::I64)
            })
        };
        // `pages()` and `items()` would clash with setters of parameters so named.
        let clashes = operation
            .query_params
            .iter()
            .chain(&operation.header_params)
            .any(|param| PAGER_METHODS.contains(&param.rust_name.as_str()));
        if clashes {
            continue;
        }
        let (Some(page), Some(size)) = (param(PAGE_NUMBER), param(PAGE_SIZE)) else {
            continue;
        };
        let Some(TypeDef::Struct(def)) = types.get(body) else {
            continue;
        };
        let Some(shape) = page_shape(def, types) else {
            continue;
        };
        let default = |value: &Option<Value>, otherwise: u64| {
            value
                .as_ref()
                .and_then(Value::as_u64)
                .filter(|value| *value > 0)
                .unwrap_or(otherwise)
        };
        operation.pagination = Some(Pagination {
            page_param: page.rust_name.clone(),
            page_type: page.ty.clone(),
            first_page: default(&page.default, 1),
            size_param: size.rust_name.clone(),
            size_type: size.ty.clone(),
            // Atlas's default page size, for a spec that declares none.
            default_size: default(&size.default, 100),
            body: body.clone(),
        });
        let body = body.clone();
        if let Some(TypeDef::Struct(def)) = types.get_mut(&body) {
            def.page = Some(Box::new(shape));
        }
    }
}

/// The page fields of `def`: an array `results`, an integer `totalCount` if any, and
/// `links` if they are structs with a string `rel`.
fn page_shape(def: &StructDef, types: &BTreeMap<String, TypeDef>) -> Option<PageShape> {
    let field = |wire: &str| def.fields.iter().find(|field| field.wire_name == wire);
    let results = field(RESULTS)?;
    let TypeRef::Vec(item) = &results.ty else {
        return None;
    };
    let total = field(TOTAL)
        .filter(|total| matches!(total.ty, TypeRef::I32 | TypeRef::I64))
        .map(|total| (total.rust_name.clone(), total.rust_type.clone()));
    let links = field(LINKS).and_then(|links| {
        let TypeRef::Vec(link) = &links.ty else {
            return None;
        };
        let TypeRef::Named(link) = link.as_ref() else {
            return None;
        };
        let Some(TypeDef::Struct(link)) = types.get(link) else {
            return None;
        };
        let relation = link
            .fields
            .iter()
            .find(|field| field.wire_name == LINK_RELATION && field.ty == TypeRef::String)?;
        Some((
            links.rust_name.clone(),
            links.rust_type.clone(),
            relation.rust_name.clone(),
            relation.rust_type.is_option(),
        ))
    });
    Some(PageShape {
        results: results.rust_name.clone(),
        results_type: results.rust_type.clone(),
        // A `Vec` holds its elements as they are (no box, no `Option`).
        item: RustType::Plain(item.as_ref().clone()),
        total,
        links,
    })
}
