//! Request bodies from a file or stdin, as JSON or YAML, decoded into the operation's request
//! type before anything is sent. A field the type does not have, or one it needs and the
//! document lacks, is an error with its JSON pointer (`/exportBucketId`).

use std::io::Read;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::exit::Failure;

/// Reads the body at `path` (`-` for stdin) and decodes it into `T`.
pub fn read<T: DeserializeOwned + Serialize>(path: &Path) -> Result<T, Failure> {
    let (text, source) = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| Failure::usage(format!("cannot read the body from stdin: {error}")))?;
        (text, "stdin".to_owned())
    } else {
        let text = std::fs::read_to_string(path).map_err(|error| {
            Failure::usage(format!(
                "cannot read the body from {}: {error}",
                path.display()
            ))
        })?;
        (text, path.display().to_string())
    };
    decode(&text, &source)
}

/// Decodes `text` (JSON, or YAML when it does not start like JSON) into `T`.
pub fn decode<T: DeserializeOwned + Serialize>(text: &str, source: &str) -> Result<T, Failure> {
    let document = parse(text, source)?;
    // Undeclared fields are kept or skipped when decoding (so that responses stay forward
    // compatible); in a body a person wrote they are a mistake.
    let decoded: Result<T, _> =
        crate::object::rejecting_unknown(|| serde_path_to_error::deserialize(&document));
    let value = decoded.map_err(|error| {
        let mut pointer = pointer_of(error.path());
        let message = error.inner().to_string();
        if let Some(name) = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
        {
            if pointer != "/" {
                pointer.push('/');
            }
            pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
            return Failure::usage(format!(
                "the body in {source} has a field the request type does not: `{pointer}`"
            ));
        }
        Failure::usage(format!(
            "the body in {source} does not fit the request type at `{pointer}`: {message}"
        ))
    })?;
    // A type decoded without the generated code (a list, a map) is checked by comparing the
    // document with what the value encodes to.
    let encoded = serde_json::to_value(&value).map_err(|error| {
        Failure::usage(format!("the body in {source} cannot be encoded: {error}"))
    })?;
    if let Some(pointer) = unknown_field(&document, &encoded, &mut String::new()) {
        return Err(Failure::usage(format!(
            "the body in {source} has a field the request type does not: `{pointer}`"
        )));
    }
    Ok(value)
}

fn parse(text: &str, source: &str) -> Result<Value, Failure> {
    let looks_like_json = matches!(text.trim_start().chars().next(), Some('{' | '[') | None);
    if looks_like_json {
        serde_json::from_str(text).map_err(|error| {
            Failure::usage(format!(
                "the body in {source} is not valid JSON (line {}, column {}): {}",
                error.line(),
                error.column(),
                without_position(&error.to_string())
            ))
        })
    } else {
        serde_yaml::from_str(text).map_err(|error| {
            let at = error
                .location()
                .map(|at| format!(" (line {}, column {})", at.line(), at.column()))
                .unwrap_or_default();
            Failure::usage(format!(
                "the body in {source} is not valid JSON or YAML{at}"
            ))
        })
    }
}

/// serde_json's message without its trailing ` at line L column C`.
fn without_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
}

/// The first field of `document` that `encoded` (the decoded value, encoded again) lacks,
/// as a JSON pointer; a `null` the type dropped is not one.
fn unknown_field(document: &Value, encoded: &Value, pointer: &mut String) -> Option<String> {
    match (document, encoded) {
        (Value::Object(given), Value::Object(kept)) => {
            for (key, value) in given {
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                let found = match kept.get(key) {
                    Some(kept) => unknown_field(value, kept, pointer),
                    None if value.is_null() => None,
                    None => Some(pointer.clone()),
                };
                if found.is_some() {
                    return found;
                }
                pointer.truncate(length);
            }
            None
        }
        (Value::Array(given), Value::Array(kept)) => {
            for (index, (value, kept)) in given.iter().zip(kept).enumerate() {
                let length = pointer.len();
                pointer.push_str(&format!("/{index}"));
                if let Some(found) = unknown_field(value, kept, pointer) {
                    return Some(found);
                }
                pointer.truncate(length);
            }
            None
        }
        _ => None,
    }
}

/// serde_path_to_error's path as a JSON pointer: `a.b[0]` -> `/a/b/0`; the root is `/`.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => pointer.push_str("/?"),
        }
    }
    if pointer.is_empty() {
        pointer.push('/');
    }
    pointer
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::decode;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Request {
        snapshot_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        labels: Option<Vec<Label>>,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Label {
        key: String,
    }

    #[test]
    fn json_and_yaml_decode_alike() {
        let json: Request =
            decode(r#"{"snapshotId": "s", "labels": [{"key": "k"}]}"#, "t").unwrap();
        let yaml: Request = decode("snapshotId: s\nlabels:\n  - key: k\n", "t").unwrap();
        assert_eq!(json, yaml);
    }

    #[test]
    fn unknown_and_missing_fields_are_located() {
        let unknown = decode::<Request>(
            r#"{"snapshotId": "s", "labels": [{"key": "k", "valu": 1}]}"#,
            "t",
        )
        .unwrap_err();
        assert!(
            unknown.to_string().contains("`/labels/0/valu`"),
            "{unknown}"
        );
        let missing = decode::<Request>(r#"{"labels": [{}]}"#, "t").unwrap_err();
        assert!(missing.to_string().contains("`/labels/0`"), "{missing}");
        assert!(
            missing.to_string().contains("missing field `key`"),
            "{missing}"
        );
        let null_is_fine: Request = decode(r#"{"snapshotId": "s", "labels": null}"#, "t").unwrap();
        assert_eq!(null_is_fine.labels, None);
        let syntax = decode::<Request>("{\"snapshotId\": }", "t").unwrap_err();
        assert!(syntax.to_string().contains("line 1, column"), "{syntax}");
    }
}
