//! The doctest of `testing.rs`: a downstream function calling one operation, unit-tested
//! with the mocks. It runs (`cargo test --features testing`), so every value in it must be
//! valid: path parameters are the spec's examples (or a made-up value that passes the
//! parameter's checks), and the success body is the smallest JSON its type decodes.

use regex::Regex;
use serde_json::{Map, Value};

use super::MOCK;
use crate::emit::CrateName;
use crate::model::{
    Api, Derive, ExampleTarget, Operation, PathParamType, RustType, TypeDef, TypeRef,
};

/// What the example shows: an operation, a value for each path parameter, its success type
/// as written in the example and a body of it.
struct Shown<'a> {
    operation: &'a Operation,
    values: Vec<String>,
    success: String,
    optional: bool,
    body: Value,
}

/// The example's lines (rustdoc's hidden `# ` lines among them), when an operation can show
/// it.
pub fn lines(api: &Api, krate: &CrateName) -> Option<Vec<String>> {
    let shown = api
        .operations
        .iter()
        .find_map(|operation| shown(api, operation))?;
    let lib = krate.lib();
    let operation = shown.operation;
    let gate = gate(operation);
    let mut lines = Vec::new();
    lines.push(format!("use {lib}::testing::{MOCK};"));
    let mut imports = Vec::new();
    if shown.success.contains("models::") {
        imports.push("models");
    }
    if !operation.path_args.is_empty() {
        imports.push("params");
    }
    imports.extend(["Client", "Error"]);
    lines.push(format!("use {lib}::{{{}}};", imports.join(", ")));
    lines.push(String::new());

    let result = if shown.optional {
        format!("Option<{}>", shown.success)
    } else {
        shown.success.clone()
    };
    lines.push("/// The code under test.".to_owned());
    lines.extend(
        gate.iter()
            .map(|predicate| format!("# #[cfg({predicate})]")),
    );
    let names: Vec<&str> = operation
        .path_args
        .iter()
        .map(|arg| arg.rust_name.as_str())
        .collect();
    if names.is_empty() {
        lines.push(format!(
            "async fn fetch(client: &Client) -> Result<{result}, Error> {{"
        ));
    } else {
        lines.push("async fn fetch(".to_owned());
        lines.push("    client: &Client,".to_owned());
        for arg in &operation.path_args {
            lines.push(format!(
                "    {}: &{},",
                arg.rust_name,
                arg.rust_type.to_text()
            ));
        }
        lines.push(format!(") -> Result<{result}, Error> {{"));
    }
    lines.push(format!(
        "    let response = client.{}({}).await?;",
        operation.fn_name,
        names.join(", ")
    ));
    lines.push("    Ok(response.into_body())".to_owned());
    lines.push("}".to_owned());
    lines.push(String::new());

    lines.extend(
        gate.iter()
            .map(|predicate| format!("# #[cfg({predicate})]")),
    );
    lines.push("# #[tokio::main(flavor = \"current_thread\")]".to_owned());
    lines.push("# async fn main() {".to_owned());
    for (arg, value) in operation.path_args.iter().zip(&shown.values) {
        lines.push(format!(
            "let {}: {} = {value:?}.parse().unwrap();",
            arg.rust_name,
            arg.rust_type.to_text()
        ));
    }
    lines.extend(json_lines(
        "let body = serde_json::json!(",
        &shown.body,
        ");",
    ));
    lines.push(if shown.optional {
        format!("let expected: {result} = Some(serde_json::from_value(body).unwrap());")
    } else {
        format!("let expected: {result} = serde_json::from_value(body).unwrap();")
    });
    lines.push(String::new());
    let args: Vec<String> = names.iter().map(|name| format!("&{name}")).collect();
    let args = args.join(", ");
    let fetch_args = if args.is_empty() {
        "&client".to_owned()
    } else {
        format!("&client, {args}")
    };
    lines.extend([
        format!("let mock = {MOCK}::start().await;"),
        "// Answered once with `expected`, then with the error Atlas sends for a missing resource."
            .to_owned(),
        format!("mock.{}({args})", operation.fn_name),
        "    .respond_with(&expected)".to_owned(),
        "    .times(1)".to_owned(),
        "    .mount()".to_owned(),
        "    .await;".to_owned(),
        format!("mock.{}({args})", operation.fn_name),
        "    .fail_with(404, \"RESOURCE_NOT_FOUND\")".to_owned(),
        "    .mount()".to_owned(),
        "    .await;".to_owned(),
        String::new(),
        "let client = mock.client();".to_owned(),
        format!("assert_eq!(fetch({fetch_args}).await.unwrap(), expected);"),
        format!("let error = fetch({fetch_args}).await.unwrap_err();"),
        "assert!(error.is_error_code(\"RESOURCE_NOT_FOUND\"));".to_owned(),
        "// Both were called as expected, and nothing else was sent.".to_owned(),
        "mock.verify().unwrap();".to_owned(),
        "# }".to_owned(),
    ]);
    // Without the operation's feature the example still compiles, to nothing.
    lines.extend(gate.iter().flat_map(|predicate| {
        [
            format!("# #[cfg(not({predicate}))]"),
            "# fn main() {}".to_owned(),
        ]
    }));
    Some(lines)
}

/// What the example shows of `operation`, when it can show it.
fn shown<'a>(api: &Api, operation: &'a Operation) -> Option<Shown<'a>> {
    if !crate::emit::example::can_show(operation) {
        return None;
    }
    let (ty, optional) = match &operation.success.rust_type {
        RustType::Plain(ty) => (ty, false),
        RustType::Option(inner) => match inner.as_ref() {
            RustType::Plain(ty) => (ty, true),
            _ => return None,
        },
        _ => return None,
    };
    if !comparable(api, ty) {
        return None;
    }
    let values = operation
        .path_args
        .iter()
        .map(|arg| {
            let param = api
                .path_params
                .iter()
                .find(|param| param.type_name == arg.type_name)?;
            path_value(param)
        })
        .collect::<Option<Vec<String>>>()?;
    Some(Shown {
        operation,
        values,
        success: ty.to_text(),
        optional,
        body: sample(api, ty, &mut Vec::new())?,
    })
}

/// `cfg` predicate of the operation's tag features, if it has any.
fn gate(operation: &Operation) -> Option<String> {
    let features: Vec<String> = crate::emit::features::operation_features(operation)
        .into_iter()
        .map(|feature| format!("feature = \"{feature}\""))
        .collect();
    match features.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        all => Some(format!("any({})", all.join(", "))),
    }
}

/// Whether the example can name `ty` with its imports and compare values of it
/// (`assert_eq!`).
fn comparable(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(name) => match api.types.get(name) {
            Some(TypeDef::Struct(def)) => def.derives.contains(&Derive::PartialEq),
            Some(TypeDef::Enum(_) | TypeDef::Union(_)) => true,
            None => false,
        },
        TypeRef::Vec(item) => comparable(api, item),
        TypeRef::String
        | TypeRef::Bool
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::F32
        | TypeRef::F64
        | TypeRef::Json => true,
        TypeRef::Map(_) | TypeRef::DateTime | TypeRef::Date | TypeRef::JsonObject => false,
    }
}

/// A value the parameter's newtype accepts: the spec's example, or `my-<name>`.
fn path_value(param: &PathParamType) -> Option<String> {
    let example = param
        .example
        .as_ref()
        .and_then(Value::as_str)
        .map(str::to_owned);
    let pattern = match &param.pattern {
        Some(pattern) => Some(compiled(pattern)?),
        None => None,
    };
    example
        .into_iter()
        .chain([format!("my-{}", param.wire_name)])
        .find(|value| {
            let length = value.chars().count();
            !value.is_empty()
                && param.min_length.is_none_or(|min| length >= min)
                && param.max_length.is_none_or(|max| length <= max)
                && pattern
                    .as_ref()
                    .is_none_or(|pattern| pattern.is_match(value))
        })
}

/// `pattern` compiled, `None` when it does not compile. Remembered per thread: every
/// operation's example checks its path values, and a large spec repeats a handful of patterns
/// (the same hex id on most of its parameters) while compiling one costs far more than
/// matching it.
fn compiled(pattern: &str) -> Option<Regex> {
    thread_local! {
        static COMPILED: std::cell::RefCell<std::collections::BTreeMap<String, Option<Regex>>> =
            const { std::cell::RefCell::new(std::collections::BTreeMap::new()) };
    }
    COMPILED.with_borrow_mut(|compiled| {
        compiled
            .entry(pattern.to_owned())
            .or_insert_with(|| Regex::new(pattern).ok())
            .clone()
    })
}

/// The smallest JSON `ty` decodes: required properties only, each the spec's example of it
/// when there is one. `None` for a type that leads back to itself through required
/// properties (no finite JSON has it).
fn sample(api: &Api, ty: &TypeRef, visiting: &mut Vec<String>) -> Option<Value> {
    Some(match ty {
        TypeRef::Named(name) => {
            if visiting.contains(name) {
                return None;
            }
            visiting.push(name.clone());
            let value = named_sample(api, api.types.get(name)?, visiting);
            visiting.pop();
            value?
        }
        TypeRef::Vec(_) => Value::Array(Vec::new()),
        TypeRef::Map(_) | TypeRef::JsonObject => Value::Object(Map::new()),
        TypeRef::String => Value::from(""),
        TypeRef::Bool => Value::from(false),
        TypeRef::I32 | TypeRef::I64 => Value::from(0),
        TypeRef::F32 | TypeRef::F64 => Value::from(0.0),
        TypeRef::DateTime => Value::from("2024-01-01T00:00:00Z"),
        TypeRef::Date => Value::from("2024-01-01"),
        TypeRef::Json => Value::Null,
    })
}

fn named_sample(api: &Api, def: &TypeDef, visiting: &mut Vec<String>) -> Option<Value> {
    match def {
        TypeDef::Struct(def) => {
            let mut object = Map::new();
            for field in def.fields.iter().filter(|field| field.required) {
                let prefix = format!("{}/properties/{}/", def.source, field.wire_name);
                let example = api.examples.iter().find(|example| {
                    example.source.starts_with(&prefix)
                        && example.target == ExampleTarget::Decode(field.ty.clone())
                });
                let value = match example {
                    Some(example) => example.input.clone(),
                    None if field.nullable => Value::Null,
                    None => sample(api, &field.ty, visiting)?,
                };
                object.insert(field.wire_name.clone(), value);
            }
            Some(Value::Object(object))
        }
        TypeDef::Enum(def) => Some(Value::from(
            def.variants
                .first()
                .map_or("value", |variant| variant.wire_value.as_str()),
        )),
        TypeDef::Union(def) => {
            let variant = def.variants.first()?;
            let mut value = sample(api, &variant.ty, visiting)?;
            if let (Some(discriminator), Some(tag), Value::Object(object)) =
                (&def.discriminator, variant.tags.first(), &mut value)
            {
                object.insert(discriminator.clone(), Value::from(tag.as_str()));
            }
            Some(value)
        }
    }
}

/// `value` between `before` and `after`: on one line when it fits in 100 characters, else
/// indented over several.
fn json_lines(before: &str, value: &Value, after: &str) -> Vec<String> {
    let line = format!("{before}{}{after}", one_line(value));
    if line.chars().count() <= 100 {
        return vec![line];
    }
    let mut pretty = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut pretty, formatter);
    if serde::Serialize::serialize(value, &mut serializer).is_err() {
        return vec![line];
    }
    let pretty = String::from_utf8_lossy(&pretty).into_owned();
    let mut lines: Vec<String> = pretty.lines().map(str::to_owned).collect();
    if let Some(first) = lines.first_mut() {
        first.insert_str(0, before);
    }
    if let Some(last) = lines.last_mut() {
        last.push_str(after);
    }
    lines
}

/// `value` on one line, spaced as people write JSON.
fn one_line(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(one_line).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(object) => {
            let members: Vec<String> = object
                .iter()
                .map(|(key, value)| format!("{}: {}", Value::from(key.as_str()), one_line(value)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(
        pattern: Option<&str>,
        max_length: Option<usize>,
        example: Option<&str>,
    ) -> PathParamType {
        PathParamType {
            type_name: "GroupId".to_owned(),
            wire_name: "groupId".to_owned(),
            description: None,
            pattern: pattern.map(str::to_owned),
            min_length: None,
            max_length,
            example: example.map(Value::from),
            used_by: Vec::new(),
        }
    }

    #[test]
    fn path_values_pass_the_parameters_checks() {
        let hex = Some("^[a-f0-9]{24}$");
        assert_eq!(
            path_value(&param(hex, None, Some("32b6e34b3d91647abb20e7b8"))).as_deref(),
            Some("32b6e34b3d91647abb20e7b8")
        );
        // Neither the example nor the made-up value fits: no value, so no doc example.
        assert_eq!(path_value(&param(hex, None, Some("nope"))), None);
        assert_eq!(path_value(&param(None, Some(5), None)), None);
        assert_eq!(
            path_value(&param(None, None, None)).as_deref(),
            Some("my-groupId")
        );
        // A pattern the regex crate cannot compile proves nothing about any value.
        assert_eq!(path_value(&param(Some("^(?!x)"), None, Some("y"))), None);
    }

    #[test]
    fn json_stays_on_one_line_until_it_is_too_long() {
        let short = serde_json::json!({"a": [1, "b"]});
        assert_eq!(
            json_lines("let x = json!(", &short, ");"),
            [r#"let x = json!({"a": [1, "b"]});"#]
        );
        let long = serde_json::json!({"first": "x".repeat(40), "second": "y".repeat(40)});
        assert_eq!(
            json_lines("let x = json!(", &long, ");"),
            [
                "let x = json!({".to_owned(),
                format!(r#"    "first": "{}","#, "x".repeat(40)),
                format!(r#"    "second": "{}""#, "y".repeat(40)),
                "});".to_owned(),
            ]
        );
    }
}
