//! Reading what a watcher names out of a spec document: an operation's parameters, its 2xx
//! responses and their schemas (by resource version), and the properties of a schema,
//! following local `$ref`s and `allOf` members.

use std::collections::BTreeSet;

use serde_yaml::Value;

use super::Operation;

/// The media type prefix of an Atlas resource version (`application/vnd.atlas.2023-01-01+json`).
const VERSIONED_MEDIA_TYPE: &str = "application/vnd.atlas.";

/// How deep `$ref`s and `allOf`s are followed before a schema is taken as unresolvable (a
/// cycle, say).
const MAX_DEPTH: usize = 32;

/// `value`, or what its `$ref` (a local `#/…` pointer) points to, transitively.
fn resolve<'d>(document: &'d Value, mut value: &'d Value) -> Option<&'d Value> {
    for _ in 0..MAX_DEPTH {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Some(value);
        };
        let pointer = reference.strip_prefix('#')?;
        value = pointer
            .split('/')
            .skip(1)
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .try_fold(document, |node, token| node.get(token.as_str()))?;
    }
    None
}

/// The parameters (name, `in`) of `operation`: its path item's and its own.
pub(super) fn parameters(document: &Value, operation: Operation<'_>) -> Vec<(String, String)> {
    [operation.item, operation.definition]
        .into_iter()
        .filter_map(|owner| owner.get("parameters").and_then(Value::as_sequence))
        .flatten()
        .filter_map(|parameter| {
            let parameter = resolve(document, parameter)?;
            let text = |key: &str| {
                parameter
                    .get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            Some((text("name")?, text("in")?))
        })
        .collect()
}

/// The 2xx responses of `operation`, resolved.
fn success_responses<'d>(document: &'d Value, operation: &'d Value) -> Vec<&'d Value> {
    operation
        .get("responses")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter(|(status, _)| {
            let status = match status {
                Value::Number(number) => number.to_string(),
                other => other.as_str().unwrap_or_default().to_owned(),
            };
            status.starts_with('2')
        })
        .filter_map(|(_, response)| resolve(document, response))
        .collect()
}

/// The schemas of the 2xx responses of `operation`: of every media type, or of those of
/// resource version `version` when given.
pub(super) fn success_schemas<'d>(
    document: &'d Value,
    operation: &'d Value,
    version: Option<&str>,
) -> Vec<&'d Value> {
    success_responses(document, operation)
        .into_iter()
        .filter_map(|response| response.get("content").and_then(Value::as_mapping))
        .flatten()
        .filter(|(media_type, _)| {
            version.is_none_or(|version| {
                media_type.as_str().and_then(media_type_version) == Some(version)
            })
        })
        .filter_map(|(_, media)| media.get("schema"))
        .collect()
}

/// The resource version of an `application/vnd.atlas.<version>+<format>` media type.
fn media_type_version(media_type: &str) -> Option<&str> {
    let rest = media_type.strip_prefix(VERSIONED_MEDIA_TYPE)?;
    Some(rest.split('+').next().unwrap_or(rest))
}

/// The resource versions of `operation`: the `YYYY-MM-DD` (or `preview`) of its 2xx
/// responses' `application/vnd.atlas.…+json` media types.
pub(super) fn resource_versions(document: &Value, operation: &Value) -> BTreeSet<String> {
    success_responses(document, operation)
        .into_iter()
        .filter_map(|response| response.get("content").and_then(Value::as_mapping))
        .flat_map(|content| content.keys())
        .filter_map(|media_type| media_type_version(media_type.as_str()?).map(str::to_owned))
        .collect()
}

/// The schema of property `name` of `schema` (following `$ref` and `allOf` members), if any.
pub(super) fn property<'d>(
    document: &'d Value,
    schema: &'d Value,
    name: &str,
    depth: usize,
) -> Option<&'d Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    let schema = resolve(document, schema)?;
    if let Some(found) = schema
        .get("properties")
        .and_then(|properties| properties.get(name))
    {
        return Some(found);
    }
    schema
        .get("allOf")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .find_map(|member| property(document, member, name, depth + 1))
}

/// Adds the property names of `schema` (following `$ref` and `allOf` members) to `names`.
pub(super) fn property_names<'d>(
    document: &'d Value,
    schema: &'d Value,
    depth: usize,
    names: &mut Vec<&'d str>,
) {
    let Some(schema) = resolve(document, schema).filter(|_| depth <= MAX_DEPTH) else {
        return;
    };
    let properties = schema.get("properties").and_then(Value::as_mapping);
    names.extend(
        properties
            .into_iter()
            .flatten()
            .filter_map(|(name, _)| name.as_str()),
    );
    for member in schema
        .get("allOf")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        property_names(document, member, depth + 1, names);
    }
}
