//! Stage 1: spec text -> parsed OpenAPI document.
//!
//! Parses YAML (or JSON, which is YAML) with serde_yaml, indexes node positions for later
//! diagnostics, checks that the document is OpenAPI 3.0.x and deserializes it into `openapiv3`
//! types. Also computes the spec's canonical digest for the generated files' header. Pure: the
//! caller reads the file.

mod positions;

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use positions::SourceMap;

use crate::diagnostics::{child, Diagnostic, Diagnostics};

/// A parsed spec, ready for lowering.
pub struct LoadedSpec {
    pub openapi: openapiv3::OpenAPI,
    pub source_map: SourceMap,
    /// Hex sha256 of the document's canonical JSON form (keys sorted, no whitespace), so that
    /// formatting, comments and key order do not change the generated output.
    pub canonical_sha256: String,
}

/// Parses `text`, the contents of the spec file named `file`.
pub fn load(file: &str, text: &str) -> Result<LoadedSpec, Diagnostics> {
    let source_map = SourceMap::index(file, text);
    let fail = |diagnostic: Diagnostic| Diagnostics::one(source_map.locate(diagnostic));

    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|error| {
        let location = error.location();
        Diagnostics::one(Diagnostic {
            file: file.to_owned(),
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            pointer: String::new(),
            message: format!("not valid YAML: {}", strip_location(&error.to_string())),
            severity: crate::diagnostics::Severity::Error,
        })
    })?;
    let json: Value = serde_json::to_value(&yaml).map_err(|error| {
        fail(Diagnostic::at(
            "",
            format!("cannot be represented as JSON: {error}"),
        ))
    })?;

    check_version(&json).map_err(fail)?;

    // The digest does not depend on the parse: it is taken on another thread meanwhile, which
    // also drops the YAML tree.
    let (parsed, canonical_sha256) = std::thread::scope(|scope| {
        let json = &json;
        let digest = scope.spawn(move || {
            drop(yaml);
            canonical_sha256(json)
        });
        let parsed = parse_openapi(json);
        (parsed, digest.join())
    });
    let openapi = parsed.map_err(fail)?;
    let canonical_sha256 =
        canonical_sha256.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    Ok(LoadedSpec {
        openapi,
        source_map,
        canonical_sha256,
    })
}

/// The OpenAPI document in `json`. It is deserialized untracked first; only a document that
/// fails is deserialized again with its path tracked, to say where it fails, so a valid spec
/// does not pay for the tracking.
fn parse_openapi(json: &Value) -> Result<openapiv3::OpenAPI, Diagnostic> {
    // openapiv3's hand-written deserializers contain `unwrap`/`expect`; a panic there must
    // become a diagnostic, not a crash of the generator.
    let parser_panicked = || {
        Diagnostic::at(
            "",
            "the OpenAPI parser failed on this document (internal parser panic); \
             check the document for values of unexpected types",
        )
    };
    match catch_unwind(AssertUnwindSafe(|| openapiv3::OpenAPI::deserialize(json))) {
        Ok(Ok(openapi)) => return Ok(openapi),
        Ok(Err(_)) => {}
        Err(_) => return Err(parser_panicked()),
    }
    let tracked = catch_unwind(AssertUnwindSafe(|| {
        serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(json)
    }));
    match tracked {
        Ok(Ok(openapi)) => Ok(openapi),
        Ok(Err(error)) => {
            let pointer = path_to_pointer(error.path());
            let message = format!("not a valid OpenAPI 3.0 document: {}", error.inner());
            Err(Diagnostic::at(pointer, message))
        }
        Err(_) => Err(parser_panicked()),
    }
}

/// Hex sha256 of `json`'s canonical form.
fn canonical_sha256(json: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(json, &mut canonical);
    hex(&Sha256::digest(canonical.as_bytes()))
}

fn check_version(json: &Value) -> Result<(), Diagnostic> {
    let Some(root) = json.as_object() else {
        return Err(Diagnostic::at(
            "",
            "the document must be a mapping (an OpenAPI object)",
        ));
    };
    if root.contains_key("swagger") {
        return Err(Diagnostic::at(
            "/swagger",
            "Swagger 2.0 documents are not supported; convert to OpenAPI 3.0.x",
        ));
    }
    match root.get("openapi") {
        None => Err(Diagnostic::at(
            "/openapi",
            "missing `openapi` version field (expected 3.0.x)",
        )),
        Some(Value::String(version)) if version.starts_with("3.0.") => Ok(()),
        Some(Value::String(version)) => Err(Diagnostic::at(
            "/openapi",
            format!("unsupported OpenAPI version `{version}`: only 3.0.x is supported"),
        )),
        Some(other) => Err(Diagnostic::at(
            "/openapi",
            format!("`openapi` must be a string such as \"3.0.1\", found {other}"),
        )),
    }
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer = child(&pointer, index.to_string()),
            Segment::Map { key } => pointer = child(&pointer, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

/// serde_yaml appends " at line L column C"; the diagnostic carries those separately.
fn strip_location(message: &str) -> &str {
    match message.find(" at line ") {
        Some(cut) => &message[..cut],
        None => message,
    }
}

/// Writes `value` as JSON with object keys sorted, independent of serde_json's map features.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
