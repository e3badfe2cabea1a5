//! Fully populated JSON instances of a spec's schemas, made from the schemas themselves so
//! that no benchmark carries a hand-written fixture that drifts from the spec.
//!
//! The rules, chosen to be deterministic and to decode into the generated types:
//! - every property is present (a response leaves out `writeOnly` ones, a request `readOnly`
//!   ones, as Atlas and the generated types do), arrays have [`ARRAY_ITEMS`] items (within
//!   `minItems`/`maxItems`), maps two entries;
//! - a scalar takes the spec's `example` when it has one of the right type (the generated crate's
//!   tests check that every example decodes), else the first `enum` value, else a value made
//!   for its `format` or `pattern`, else a placeholder within its length bounds;
//! - a union takes its first member; a discriminated one sets the discriminator property to
//!   that member's mapping key;
//! - a schema met again inside itself is left out (the recursion stops at the first repeat).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

/// How many items every array gets.
pub const ARRAY_ITEMS: u64 = 3;

/// Which side of the wire an instance is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// What Atlas sends: `readOnly` properties in, `writeOnly` out.
    Response,
    /// What a client sends: `writeOnly` properties in, `readOnly` out.
    Request,
}

/// An OpenAPI document, as JSON.
pub struct Spec {
    document: Value,
}

/// One operation's success response in a versioned JSON media type.
pub struct SuccessResponse {
    pub operation_id: String,
    pub method: String,
    pub path: String,
    pub media_type: String,
    /// The schema as written (often a `$ref`).
    pub schema: Value,
}

impl Spec {
    /// Reads a YAML (or JSON) spec.
    pub fn load(path: &std::path::Path) -> Self {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        let document = serde_yaml::from_str(&text)
            .unwrap_or_else(|error| panic!("{} is not YAML: {error}", path.display()));
        Spec { document }
    }

    /// An instance of `schema`.
    pub fn sample(&self, schema: &Value, direction: Direction) -> Value {
        let mut walk = Walk {
            spec: self,
            direction,
            open: Vec::new(),
            bases: BTreeSet::new(),
        };
        walk.schema(schema).unwrap_or(Value::Null)
    }

    /// An instance of the component schema `name`.
    pub fn sample_component(&self, name: &str, direction: Direction) -> Value {
        self.sample(
            &json!({ "$ref": format!("#/components/schemas/{name}") }),
            direction,
        )
    }

    /// Every operation's first 2xx response with a body in a versioned JSON media type, in the
    /// newest version the response offers (what a generated client asks for by default; the
    /// caller checks it against the generated `MEDIA_TYPE`).
    pub fn success_responses(&self) -> Vec<SuccessResponse> {
        let mut found = Vec::new();
        let Some(paths) = self.document["paths"].as_object() else {
            return found;
        };
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, operation) in item {
                let Some(responses) = operation["responses"].as_object() else {
                    continue;
                };
                let Some((_, response)) =
                    responses.iter().find(|(status, _)| status.starts_with('2'))
                else {
                    continue;
                };
                let response = self.resolve(response);
                let Some(content) = response["content"].as_object() else {
                    continue;
                };
                let newest = content
                    .iter()
                    .filter(|(media, _)| is_dated_json(media))
                    .max_by(|a, b| a.0.cmp(b.0));
                let Some((media_type, body)) = newest else {
                    continue;
                };
                if body["schema"].is_null() {
                    continue;
                }
                found.push(SuccessResponse {
                    operation_id: operation["operationId"].as_str().unwrap_or_default().into(),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    media_type: media_type.clone(),
                    schema: body["schema"].clone(),
                });
            }
        }
        found
    }

    /// `value` itself, or what its `$ref` points at.
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value["$ref"].as_str() {
            Some(reference) => self.pointer(reference),
            None => value,
        }
    }

    fn pointer(&self, reference: &str) -> &Value {
        let pointer = reference.strip_prefix('#').unwrap_or(reference);
        self.document
            .pointer(pointer)
            .unwrap_or_else(|| panic!("the spec has no {reference}"))
    }
}

/// `application/vnd.atlas.YYYY-MM-DD+json` (not the preview version, not CSV or gzip).
fn is_dated_json(media_type: &str) -> bool {
    media_type
        .strip_prefix("application/vnd.atlas.")
        .and_then(|rest| rest.strip_suffix("+json"))
        .is_some_and(|date| date.len() == 10 && date.as_bytes()[0].is_ascii_digit())
}

/// The state of one instance being made.
struct Walk<'a> {
    spec: &'a Spec,
    direction: Direction,
    /// The `$ref`s being expanded, outermost first: meeting one again ends the recursion.
    open: Vec<String>,
    /// Discriminated bases being expanded as part of one of their members (so they do not
    /// dispatch to a member again).
    bases: BTreeSet<String>,
}

impl Walk<'_> {
    /// An instance of `schema`; `None` when it recurses into itself.
    fn schema(&mut self, schema: &Value) -> Option<Value> {
        if let Some(reference) = schema["$ref"].as_str() {
            if self.open.iter().any(|open| open == reference) {
                return None;
            }
            let target = self.spec.pointer(reference);
            self.open.push(reference.to_owned());
            let value = if self.bases.contains(reference) {
                self.own(target)
            } else {
                self.dispatched(reference, target)
            };
            self.open.pop();
            return value;
        }
        self.own(schema)
    }

    /// A discriminated base without `oneOf` (its members `allOf` it): the first member of its
    /// mapping, with the discriminator set.
    fn dispatched(&mut self, reference: &str, target: &Value) -> Option<Value> {
        let discriminator = &target["discriminator"];
        let first = discriminator["mapping"]
            .as_object()
            .and_then(|mapping| mapping.iter().next());
        match first {
            Some((key, member)) if target["oneOf"].is_null() && target["anyOf"].is_null() => {
                let member = member.as_str()?;
                self.bases.insert(reference.to_owned());
                let value = self.schema(&json!({ "$ref": member }));
                self.bases.remove(reference);
                let mut value = value?;
                if let (Some(object), Some(property)) = (
                    value.as_object_mut(),
                    discriminator["propertyName"].as_str(),
                ) {
                    object.insert(property.to_owned(), Value::String(key.clone()));
                }
                Some(value)
            }
            _ => self.own(target),
        }
    }

    /// An instance of an inline schema.
    fn own(&mut self, schema: &Value) -> Option<Value> {
        if let Some(members) = schema["allOf"].as_array() {
            let mut merged = Map::new();
            for member in members {
                if let Some(Value::Object(object)) = self.schema(member) {
                    merged.extend(object);
                }
            }
            if let Some(Value::Object(object)) = self.object(schema) {
                merged.extend(object);
            }
            return Some(Value::Object(merged));
        }
        for union in ["oneOf", "anyOf"] {
            if let Some(members) = schema[union].as_array() {
                return self.union(schema, members);
            }
        }
        if let Some(value) = schema["enum"].as_array().and_then(|values| values.first()) {
            return Some(value.clone());
        }
        let kind = schema["type"].as_str().unwrap_or_else(|| {
            if schema["properties"].is_object() || schema["additionalProperties"].is_object() {
                "object"
            } else if schema["items"].is_object() {
                "array"
            } else {
                ""
            }
        });
        match kind {
            "object" => self.object(schema),
            "array" => self.array(schema),
            "string" => Some(Value::String(string(schema))),
            "integer" => Some(integer(schema)),
            "number" => Some(
                schema["example"]
                    .as_f64()
                    .or_else(|| schema["minimum"].as_f64())
                    .map_or(json!(1.5), |number| json!(number)),
            ),
            "boolean" => Some(Value::Bool(schema["example"].as_bool().unwrap_or(true))),
            // No type: anything goes; the example if there is one.
            _ => Some(match &schema["example"] {
                Value::Null => json!("sample"),
                example => example.clone(),
            }),
        }
    }

    /// The first member of a union (that does not recurse), with its discriminator value.
    fn union(&mut self, schema: &Value, members: &[Value]) -> Option<Value> {
        for member in members {
            let Some(mut value) = self.schema(member) else {
                continue;
            };
            let discriminator = &schema["discriminator"];
            if let (Some(object), Some(property)) = (
                value.as_object_mut(),
                discriminator["propertyName"].as_str(),
            ) {
                let reference = member["$ref"].as_str().unwrap_or_default();
                let key = discriminator["mapping"]
                    .as_object()
                    .and_then(|mapping| {
                        mapping
                            .iter()
                            .find(|(_, target)| target.as_str() == Some(reference))
                    })
                    .map(|(key, _)| key.clone())
                    .or_else(|| reference.rsplit('/').next().map(str::to_owned));
                if let Some(key) = key {
                    object.insert(property.to_owned(), Value::String(key));
                }
            }
            return Some(value);
        }
        None
    }

    fn object(&mut self, schema: &Value) -> Option<Value> {
        let mut object = Map::new();
        if let Some(properties) = schema["properties"].as_object() {
            for (name, property) in properties {
                let shown = self.spec.resolve(property);
                let hidden = match self.direction {
                    Direction::Response => shown["writeOnly"].as_bool(),
                    Direction::Request => shown["readOnly"].as_bool(),
                };
                if hidden == Some(true) {
                    continue;
                }
                if let Some(value) = self.schema(property) {
                    object.insert(name.clone(), value);
                }
            }
        }
        if let Some(values) = schema["additionalProperties"]
            .as_object()
            .filter(|_| object.is_empty())
        {
            let values = Value::Object(values.clone());
            for key in ["key1", "key2"] {
                if let Some(value) = self.schema(&values) {
                    object.insert(key.to_owned(), value);
                }
            }
        }
        Some(Value::Object(object))
    }

    fn array(&mut self, schema: &Value) -> Option<Value> {
        let minimum = schema["minItems"].as_u64().unwrap_or(0);
        let maximum = schema["maxItems"].as_u64().unwrap_or(u64::MAX);
        let count = ARRAY_ITEMS.clamp(minimum, maximum.max(minimum));
        let items = &schema["items"];
        // Items of an enum: distinct values, as `uniqueItems` (often set) asks.
        let choices = self.spec.resolve(items)["enum"].as_array().cloned();
        let mut values = Vec::new();
        for index in 0..count {
            match &choices {
                Some(choices) if !choices.is_empty() => {
                    let at = usize::try_from(index).unwrap_or(0) % choices.len();
                    if !values.contains(&choices[at]) {
                        values.push(choices[at].clone());
                    }
                }
                _ => values.push(self.schema(items)?),
            }
        }
        Some(Value::Array(values))
    }
}

/// A string for `schema`: its example, or one made for its format or pattern.
fn string(schema: &Value) -> String {
    if let Some(example) = schema["example"].as_str() {
        return example.to_owned();
    }
    let made = match schema["format"].as_str().unwrap_or_default() {
        "date-time" => "2024-05-01T10:00:00Z",
        "date" => "2024-05-01",
        "uuid" => "0f8fad5b-d9cb-469f-a165-70867728950e",
        "email" => "user@example.com",
        "uri" | "url" => "https://cloud.mongodb.com/api/atlas/v2",
        "ipv4" => "192.0.2.10",
        _ => match schema["pattern"].as_str().unwrap_or_default() {
            "^([a-f0-9]{24})$" | "^[a-fA-F0-9]{24}$" => "32b6e34b3d91647abb20e7b8",
            "^([a-f0-9]{20})$" => "32b6e34b3d91647abb20",
            "^mdb_sa_id_[a-fA-F\\d]{24}$" => "mdb_sa_id_32b6e34b3d91647abb20e7b8",
            "^vpce-[0-9a-f]{17}$" => "vpce-3bf78b0ddee411ba1",
            "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" => {
                "0f8fad5b-d9cb-469f-a165-70867728950e"
            }
            "^([a-fA-F0-9]{64})$" => {
                "32b6e34b3d91647abb20e7b832b6e34b3d91647abb20e7b832b6e34b3d91647a"
            }
            _ => "sample-value",
        },
    };
    // Within the length bounds: padded with `a`, or cut.
    let minimum = schema["minLength"].as_u64().map_or(0, |n| n as usize);
    let maximum = schema["maxLength"]
        .as_u64()
        .map_or(usize::MAX, |n| n as usize);
    let mut text = made.to_owned();
    while text.len() < minimum {
        text.push('a');
    }
    text.truncate(maximum.max(minimum));
    text
}

fn integer(schema: &Value) -> Value {
    if let Some(example) = schema["example"].as_i64() {
        return json!(example);
    }
    let minimum = schema["minimum"].as_i64().unwrap_or(1);
    let maximum = schema["maximum"].as_i64().unwrap_or(i64::MAX);
    json!(3.clamp(minimum, maximum.max(minimum)))
}
