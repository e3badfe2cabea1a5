//! Resolution of local `$ref`s (`#/components/<kind>/<name>`), with the JSON pointer of the
//! node each one lands on.

use indexmap::IndexMap;
use openapiv3::{OpenAPI, ReferenceOr, Schema};

use crate::diagnostics::{child, Diagnostic};

/// How many `$ref` hops a chain may take before it is reported as a cycle.
const MAX_REF_HOPS: usize = 32;

/// A schema position: either a `$ref` or an inline schema.
#[derive(Clone, Copy)]
pub enum SchemaRef<'a> {
    Ref(&'a str),
    Inline(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Schema>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Box<Schema>>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

/// The `<name>` of `#/components/<kind>/<name>`, unescaped, or an error saying why the
/// reference is not one this generator follows.
fn component_name(reference: &str, kind: &str, at: &str) -> Result<String, Diagnostic> {
    let prefix = format!("#/components/{kind}/");
    match reference.strip_prefix(&prefix) {
        Some(name) if !name.is_empty() && !name.contains('/') => {
            Ok(name.replace("~1", "/").replace("~0", "~"))
        }
        _ if !reference.starts_with('#') => Err(Diagnostic::at(
            child(at, "$ref"),
            format!("external reference `{reference}` is not supported; the spec must be self-contained"),
        )),
        _ => Err(Diagnostic::at(
            child(at, "$ref"),
            format!("reference `{reference}` must point to `{prefix}<name>`"),
        )),
    }
}

/// Follows `item` (a `$ref` chain or an inline value) to the value it denotes.
/// Returns the pointer of that value and the value.
pub fn resolve<'a, T>(
    components: Option<&'a IndexMap<String, ReferenceOr<T>>>,
    kind: &str,
    item: &'a ReferenceOr<T>,
    at: &str,
) -> Result<(String, &'a T), Diagnostic> {
    let mut current = item;
    let mut pointer = at.to_owned();
    for _ in 0..MAX_REF_HOPS {
        match current {
            ReferenceOr::Item(value) => return Ok((pointer, value)),
            ReferenceOr::Reference { reference } => {
                let name = component_name(reference, kind, &pointer)?;
                match components.and_then(|map| map.get(&name)) {
                    Some(next) => {
                        pointer = child(&format!("/components/{kind}"), &name);
                        current = next;
                    }
                    None => {
                        return Err(Diagnostic::at(
                            child(&pointer, "$ref"),
                            format!("dangling reference `{reference}`: no such component"),
                        ))
                    }
                }
            }
        }
    }
    Err(Diagnostic::at(
        child(at, "$ref"),
        "reference chain is too long or cyclic",
    ))
}

/// Resolves a schema position to `(pointer, schema)`.
pub fn schema<'a>(
    openapi: &'a OpenAPI,
    schema_ref: SchemaRef<'a>,
    at: &str,
) -> Result<(String, &'a Schema), Diagnostic> {
    match schema_ref {
        SchemaRef::Inline(schema) => Ok((at.to_owned(), schema)),
        SchemaRef::Ref(reference) => {
            let name = component_name(reference, "schemas", at)?;
            let schemas = openapi.components.as_ref().map(|c| &c.schemas);
            let item = schemas.and_then(|map| map.get(&name)).ok_or_else(|| {
                Diagnostic::at(
                    child(at, "$ref"),
                    format!("dangling reference `{reference}`: no such component"),
                )
            })?;
            let pointer = child("/components/schemas", &name);
            resolve(schemas, "schemas", item, &pointer)
        }
    }
}
