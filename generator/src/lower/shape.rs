//! One normalized view of a schema's shape.
//!
//! `openapiv3` parses a schema into `Type(..)` only when every keyword fits its strict
//! per-type struct; anything else (an integer whose `minimum` is written as a float literal,
//! as upstream Atlas does with `1.1991456e+09`) lands in the catch-all `Any`. Lowering must
//! treat both the same, so it looks at schemas only through [`Shape`].

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty,
};
use serde::Serialize;

use super::refs::SchemaRef;
use crate::diagnostics::{child, Diagnostic};

pub type Properties = IndexMap<String, ReferenceOr<Box<Schema>>>;

pub enum Shape<'a> {
    String {
        format: Option<String>,
        pattern: Option<&'a str>,
        /// Non-null enum values.
        enumeration: Vec<String>,
        min_length: Option<usize>,
        max_length: Option<usize>,
    },
    Integer {
        format: Option<String>,
    },
    Number {
        format: Option<String>,
    },
    Boolean,
    Array {
        items: Option<SchemaRef<'a>>,
    },
    Object {
        properties: &'a Properties,
        required: &'a [String],
        additional: Option<&'a AdditionalProperties>,
    },
    /// `allOf`: an object with the properties of every member, plus its own.
    AllOf {
        members: Vec<SchemaRef<'a>>,
        properties: Option<&'a Properties>,
        required: &'a [String],
    },
    /// `oneOf` / `anyOf`: a value of one of the members. `properties` are the schema's own
    /// (shared by every member).
    OneOf {
        members: Vec<SchemaRef<'a>>,
        properties: Option<&'a Properties>,
        required: &'a [String],
    },
    /// No constraints: any JSON value.
    Any,
}

fn members(list: &[openapiv3::ReferenceOr<Schema>]) -> Vec<SchemaRef<'_>> {
    list.iter().map(SchemaRef::from).collect()
}

fn own_properties(properties: &Properties) -> Option<&Properties> {
    (!properties.is_empty()).then_some(properties)
}

fn format_name<T: Serialize>(format: &VariantOrUnknownOrEmpty<T>) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(item) => {
            serde_json::to_value(item).ok()?.as_str().map(str::to_owned)
        }
        VariantOrUnknownOrEmpty::Unknown(name) => Some(name.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn unsupported_composition(at: &str, keyword: &str) -> Diagnostic {
    Diagnostic::at(
        child(at, keyword),
        format!("unsupported schema construct `{keyword}`: only object, array, string, number, integer, boolean, `allOf`, `oneOf` and `anyOf` schemas are supported"),
    )
}

/// The shape of `schema`, found at `at`.
pub fn shape<'a>(schema: &'a Schema, at: &str) -> Result<Shape<'a>, Diagnostic> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => Ok(Shape::String {
            format: format_name(&string.format),
            pattern: string.pattern.as_deref(),
            enumeration: string.enumeration.iter().flatten().cloned().collect(),
            min_length: string.min_length,
            max_length: string.max_length,
        }),
        SchemaKind::Type(Type::Integer(integer)) => Ok(Shape::Integer {
            format: format_name(&integer.format),
        }),
        SchemaKind::Type(Type::Number(number)) => Ok(Shape::Number {
            format: format_name(&number.format),
        }),
        SchemaKind::Type(Type::Boolean(_)) => Ok(Shape::Boolean),
        SchemaKind::Type(Type::Array(array)) => Ok(Shape::Array {
            items: array.items.as_ref().map(SchemaRef::from),
        }),
        SchemaKind::Type(Type::Object(object)) => Ok(Shape::Object {
            properties: &object.properties,
            required: &object.required,
            additional: object.additional_properties.as_ref(),
        }),
        SchemaKind::OneOf { one_of: list } | SchemaKind::AnyOf { any_of: list } => {
            Ok(Shape::OneOf {
                members: members(list),
                properties: None,
                required: &[],
            })
        }
        SchemaKind::AllOf { all_of } => Ok(Shape::AllOf {
            members: members(all_of),
            properties: None,
            required: &[],
        }),
        SchemaKind::Not { .. } => Err(unsupported_composition(at, "not")),
        SchemaKind::Any(any) => {
            if any.not.is_some() {
                return Err(unsupported_composition(at, "not"));
            }
            let choices = if any.one_of.is_empty() {
                &any.any_of
            } else {
                &any.one_of
            };
            if !any.one_of.is_empty() && !any.any_of.is_empty() {
                return Err(Diagnostic::at(
                    child(at, "anyOf"),
                    "unsupported schema construct: `oneOf` and `anyOf` in one schema",
                ));
            }
            if !choices.is_empty() && !any.all_of.is_empty() {
                return Err(Diagnostic::at(
                    child(at, "allOf"),
                    "unsupported schema construct: `allOf` together with `oneOf`/`anyOf` in one schema",
                ));
            }
            if !choices.is_empty() {
                return Ok(Shape::OneOf {
                    members: members(choices),
                    properties: own_properties(&any.properties),
                    required: &any.required,
                });
            }
            if !any.all_of.is_empty() {
                return Ok(Shape::AllOf {
                    members: members(&any.all_of),
                    properties: own_properties(&any.properties),
                    required: &any.required,
                });
            }
            let format = any.format.clone();
            match any.typ.as_deref() {
                // Numeric constraints written as float literals are why we are here; they are
                // documentation, never enforced on decoding, so they are dropped.
                Some("integer") => Ok(Shape::Integer { format }),
                Some("number") => Ok(Shape::Number { format }),
                Some("boolean") => Ok(Shape::Boolean),
                Some("string") => Ok(Shape::String {
                    format,
                    pattern: any.pattern.as_deref(),
                    enumeration: any
                        .enumeration
                        .iter()
                        .filter_map(|value| value.as_str().map(str::to_owned))
                        .collect(),
                    min_length: any.min_length,
                    max_length: any.max_length,
                }),
                Some("array") => Ok(Shape::Array { items: any.items.as_ref().map(SchemaRef::from) }),
                Some("object") => Ok(Shape::Object {
                    properties: &any.properties,
                    required: &any.required,
                    additional: any.additional_properties.as_ref(),
                }),
                None if !any.properties.is_empty() || any.additional_properties.is_some() => {
                    Ok(Shape::Object {
                        properties: &any.properties,
                        required: &any.required,
                        additional: any.additional_properties.as_ref(),
                    })
                }
                None if any.items.is_some() => {
                    Ok(Shape::Array { items: any.items.as_ref().map(SchemaRef::from) })
                }
                None => Ok(Shape::Any),
                Some(other) => Err(Diagnostic::at(
                    child(at, "type"),
                    format!("unknown schema type `{other}` (expected string, number, integer, boolean, array or object)"),
                )),
            }
        }
    }
}

/// The constraints `schema` itself puts on a value, as written (its array items' are read
/// from the items' schema).
#[derive(Default)]
pub struct Written<'a> {
    pub pattern: Option<&'a str>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// `(value, exclusive)`.
    pub minimum: Option<(f64, bool)>,
    pub maximum: Option<(f64, bool)>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub items: Option<SchemaRef<'a>>,
    /// Keywords the client does not check (`multipleOf`, `uniqueItems`), by name.
    pub unchecked: Vec<&'static str>,
}

/// What [`Written`] says of `schema`.
pub fn written_constraints(schema: &Schema) -> Written<'_> {
    let mut written = Written::default();
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => {
            written.pattern = string.pattern.as_deref();
            written.min_length = string.min_length;
            written.max_length = string.max_length;
        }
        SchemaKind::Type(Type::Integer(integer)) => {
            written.minimum = integer
                .minimum
                .map(|value| (value as f64, integer.exclusive_minimum));
            written.maximum = integer
                .maximum
                .map(|value| (value as f64, integer.exclusive_maximum));
            if integer.multiple_of.is_some() {
                written.unchecked.push("multipleOf");
            }
        }
        SchemaKind::Type(Type::Number(number)) => {
            written.minimum = number
                .minimum
                .map(|value| (value, number.exclusive_minimum));
            written.maximum = number
                .maximum
                .map(|value| (value, number.exclusive_maximum));
            if number.multiple_of.is_some() {
                written.unchecked.push("multipleOf");
            }
        }
        SchemaKind::Type(Type::Array(array)) => {
            written.min_items = array.min_items;
            written.max_items = array.max_items;
            written.items = array.items.as_ref().map(SchemaRef::from);
            if array.unique_items {
                written.unchecked.push("uniqueItems");
            }
        }
        SchemaKind::Any(any) => {
            written.pattern = any.pattern.as_deref();
            written.min_length = any.min_length;
            written.max_length = any.max_length;
            written.minimum = any
                .minimum
                .map(|value| (value, any.exclusive_minimum.unwrap_or(false)));
            written.maximum = any
                .maximum
                .map(|value| (value, any.exclusive_maximum.unwrap_or(false)));
            written.min_items = any.min_items;
            written.max_items = any.max_items;
            written.items = any.items.as_ref().map(SchemaRef::from);
            if any.multiple_of.is_some() {
                written.unchecked.push("multipleOf");
            }
            if any.unique_items == Some(true) {
                written.unchecked.push("uniqueItems");
            }
        }
        _ => {}
    }
    written
}
