//! The spec's examples, checked against the model types they describe.
//!
//! Each example found while lowering (on a schema, a parameter or a media type) becomes a test
//! in the generated crate. Here every example is walked together with its type: an example the
//! type cannot hold is a diagnostic, and the walk yields the exact JSON the test feeds in and
//! the JSON that re-encoding must produce.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::diagnostics::Diagnostic;
use crate::model::{Example, ExampleTarget, TypeDef, TypeRef, UnionDef};
use crate::naming::{snake, Scope};

/// Examples found while lowering, by the JSON pointer of the example: a label naming what it
/// is an example of (becomes the test name), its target and the example itself.
pub type Found = BTreeMap<String, (String, ExampleTarget, Value)>;

pub fn build(
    found: Found,
    defs: &BTreeMap<String, TypeDef>,
) -> Result<Vec<Example>, Vec<Diagnostic>> {
    let mut scope = Scope::default();
    let mut examples = Vec::new();
    let mut errors = Vec::new();
    for (source, (label, target, value)) in found {
        let walked = match &target {
            ExampleTarget::Decode(ty) => walk(&value, ty, defs),
            ExampleTarget::PathParam(_) if value.is_string() => Ok((value.clone(), value.clone())),
            ExampleTarget::PathParam(_) => {
                Err("a path parameter example must be a string".to_owned())
            }
        };
        match walked {
            Ok((input, expected)) => {
                let test_name = scope.claim(format!("{}_example", snake(&label)));
                examples.push(Example {
                    test_name,
                    source,
                    target,
                    input,
                    expected,
                });
            }
            Err(reason) => errors.push(Diagnostic::at(
                &source,
                format!("example does not fit its schema: {reason}"),
            )),
        }
    }
    examples.sort_by(|a, b| a.test_name.cmp(&b.test_name));
    if errors.is_empty() {
        Ok(examples)
    } else {
        Err(errors)
    }
}

/// `(input, expected)` for `value` as a `ty`, or why it does not fit.
fn walk(
    value: &Value,
    ty: &TypeRef,
    defs: &BTreeMap<String, TypeDef>,
) -> Result<(Value, Value), String> {
    let same = || Ok((value.clone(), value.clone()));
    let mismatch = |expected: &str| Err(format!("expected {expected}, found `{value}`"));
    match ty {
        TypeRef::Named(name) => {
            match defs.get(name) {
                Some(TypeDef::Enum(_)) if value.is_string() => same(),
                Some(TypeDef::Enum(_)) => mismatch("a string"),
                Some(TypeDef::Struct(def)) => {
                    let Value::Object(object) = value else {
                        return mismatch("an object");
                    };
                    let mut input = Map::new();
                    let mut expected = Map::new();
                    for (key, item) in object {
                        let Some(field) = def.fields.iter().find(|field| &field.wire_name == key)
                        else {
                            input.insert(key.clone(), item.clone());
                            // Other keys go into the additional-properties map; without one,
                            // decoding ignores them (another direction's property, or unknown).
                            if let Some(additional) = &def.additional {
                                let (_, item_expected) = walk(item, additional, defs)
                                    .map_err(|reason| format!("`{key}`: {reason}"))?;
                                expected.insert(key.clone(), item_expected);
                            } else if def.unknown_fields.is_some() {
                                // Kept as received, and encoded again.
                                expected.insert(key.clone(), item.clone());
                            }
                            continue;
                        };
                        if item.is_null() {
                            if field.required && !field.nullable {
                                return Err(format!("`{key}` is required and not nullable, but the example has null"));
                            }
                            input.insert(key.clone(), Value::Null);
                            // An explicit `null` of a `Nullable` field is kept, and sent again.
                            if field.required || field.rust_type.is_nullable() {
                                expected.insert(key.clone(), Value::Null);
                            }
                            continue;
                        }
                        let (item_input, item_expected) = walk(item, &field.ty, defs)
                            .map_err(|reason| format!("`{key}`: {reason}"))?;
                        input.insert(key.clone(), item_input);
                        expected.insert(key.clone(), item_expected);
                    }
                    if let Some(missing) = def.fields.iter().find(|field| {
                        field.required && !field.nullable && !object.contains_key(&field.wire_name)
                    }) {
                        return Err(format!("required `{}` is missing", missing.wire_name));
                    }
                    Ok((Value::Object(input), Value::Object(expected)))
                }
                Some(TypeDef::Union(def)) => walk_union(value, def, defs),
                None => Err(format!("internal: no type `{name}`")),
            }
        }
        TypeRef::Vec(item) => {
            let Value::Array(items) = value else {
                return mismatch("an array");
            };
            let walked = items
                .iter()
                .enumerate()
                .map(|(index, element)| {
                    walk(element, item, defs).map_err(|reason| format!("[{index}]: {reason}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let (input, expected) = walked.into_iter().unzip();
            Ok((Value::Array(input), Value::Array(expected)))
        }
        TypeRef::Map(item) => {
            let Value::Object(object) = value else {
                return mismatch("an object");
            };
            let mut input = Map::new();
            let mut expected = Map::new();
            for (key, entry) in object {
                let (entry_input, entry_expected) =
                    walk(entry, item, defs).map_err(|reason| format!("`{key}`: {reason}"))?;
                input.insert(key.clone(), entry_input);
                expected.insert(key.clone(), entry_expected);
            }
            Ok((Value::Object(input), Value::Object(expected)))
        }
        TypeRef::String | TypeRef::DateTime | TypeRef::Date if value.is_string() => same(),
        TypeRef::String | TypeRef::DateTime | TypeRef::Date => mismatch("a string"),
        TypeRef::Bool if value.is_boolean() => same(),
        TypeRef::Bool => mismatch("a boolean"),
        TypeRef::I32 | TypeRef::I64 => {
            let integer = value.as_i64().or_else(|| {
                value
                    .as_f64()
                    .filter(|float| float.fract() == 0.0 && float.abs() < 9.0e15)
                    .map(|float| float as i64)
            });
            match integer {
                Some(integer) if *ty == TypeRef::I64 || i32::try_from(integer).is_ok() => {
                    Ok((Value::from(integer), Value::from(integer)))
                }
                Some(_) => mismatch("a 32-bit integer"),
                None => mismatch("an integer"),
            }
        }
        TypeRef::F32 => match value.as_f64() {
            // Re-encoding goes through `f32`.
            Some(float) => Ok((value.clone(), Value::from(f64::from(float as f32)))),
            None => mismatch("a number"),
        },
        // An integer on a `number` field re-encodes as a float (`10` -> `10.0`).
        TypeRef::F64 => match value.as_f64() {
            Some(float) => Ok((value.clone(), Value::from(float))),
            None => mismatch("a number"),
        },
        TypeRef::Json => same(),
        TypeRef::JsonObject if value.is_object() => same(),
        TypeRef::JsonObject => mismatch("an object"),
    }
}

/// A union value the way the generated decoder takes it: by discriminator when there is one,
/// else the first variant that re-encodes to exactly the input, else the first that fits;
/// a value no variant takes is kept as JSON.
fn walk_union(
    value: &Value,
    def: &UnionDef,
    defs: &BTreeMap<String, TypeDef>,
) -> Result<(Value, Value), String> {
    let same = || Ok((value.clone(), value.clone()));
    if let Some(property) = &def.discriminator {
        let tag = value.get(property).and_then(Value::as_str);
        let Some(variant) = def
            .variants
            .iter()
            .find(|variant| tag.is_some_and(|tag| variant.tags.iter().any(|known| known == tag)))
        else {
            return same();
        };
        let (input, mut expected) = walk(value, &variant.ty, defs)
            .map_err(|reason| format!("as `{}`: {reason}", variant.rust_name))?;
        if let (Value::Object(map), Some(first)) = (&mut expected, variant.tags.first()) {
            map.entry(property.clone())
                .or_insert_with(|| Value::String(first.clone()));
        }
        return Ok((input, expected));
    }
    let mut best: Option<((Value, Value), usize)> = None;
    for variant in &def.variants {
        if let Ok((input, expected)) = walk(value, &variant.ty, defs) {
            if input == expected {
                return Ok((input, expected));
            }
            let score = kept_keys(&input, &expected);
            if best.as_ref().is_none_or(|(_, best)| score > *best) {
                best = Some(((input, expected), score));
            }
        }
    }
    match best {
        Some((walked, _)) => Ok(walked),
        None => same(),
    }
}

/// How many of the input object's keys survive re-encoding (the generated decoder's measure of
/// how well a variant fits).
pub fn kept_keys(input: &Value, encoded: &Value) -> usize {
    match (input, encoded) {
        (Value::Object(input), Value::Object(encoded)) => input
            .keys()
            .filter(|key| encoded.contains_key(*key))
            .count(),
        _ => 0,
    }
}
