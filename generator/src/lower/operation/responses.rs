//! An operation's responses: the success body (and whether it is raw bytes or optional), the
//! media type sent as `Accept`, the declared errors, response headers and resource versions.

use super::*;

/// The methods of the runtime's `ResponseHeaders` (`templates/runtime/src/response.rs`): a
/// declared header whose accessor would have one of these names is read through it instead.
const RUNTIME_HEADER_ACCESSORS: &[&str] = &[
    "as_map",
    "content_type",
    "deprecation",
    "get",
    "parse",
    "sunset",
];

type Lowered = (SuccessResponse, String, Vec<ErrorResponse>, Option<String>);

pub(super) fn responses<'a>(
    openapi: &'a OpenAPI,
    source: &Source<'a>,
    (operation_name, builder_name): (&str, &str),
    types: &mut Types<'a>,
    shared: &mut Shared,
    versions: &mut BTreeMap<String, Option<String>>,
) -> Result<Lowered, Diagnostic> {
    let spec = source.operation;
    let responses_at = child(&source.at, "responses");
    let components = openapi.components.as_ref();
    if spec.responses.default.is_some() {
        return Err(Diagnostic::at(
            child(&responses_at, "default"),
            "`default` responses are not supported: declare each status",
        ));
    }
    let mut codes: Vec<(u16, &ReferenceOr<openapiv3::Response>)> = Vec::new();
    for (status, response) in &spec.responses.responses {
        match status {
            StatusCode::Code(code) => codes.push((*code, response)),
            StatusCode::Range(range) => {
                return Err(Diagnostic::at(
                    child(&responses_at, status.to_string()),
                    format!("status range `{range}XX` is not supported: declare each status"),
                ))
            }
        }
    }
    codes.sort_by_key(|(code, _)| *code);

    let mut success: Option<SuccessResponse> = None;
    let mut accept: Option<String> = None;
    let mut sunset: Option<String> = None;
    let mut errors = Vec::new();
    for (code, response) in codes {
        let at = child(&responses_at, code.to_string());
        let (pointer, response) =
            refs::resolve(components.map(|c| &c.responses), "responses", response, &at)?;
        let content_at = child(&pointer, "content");
        if (100..200).contains(&code) {
            // Informational: never the final answer a client reads.
            continue;
        }
        if (200..300).contains(&code) {
            media::record_versions(&response.content, versions);
        }
        let (picked, raw) = match code {
            200..=299 => media::pick_success(&response.content, &source.policy, &content_at)?,
            _ => (
                media::pick(
                    &response.content,
                    None,
                    &media::VersionPolicy::default(),
                    &content_at,
                )?,
                false,
            ),
        };
        for (header_name, header) in &response.headers {
            let header_at = child(&child(&pointer, "headers"), header_name);
            let (header_pointer, header) = refs::resolve(
                components.map(|c| &c.headers),
                "headers",
                header,
                &header_at,
            )?;
            let ParameterSchemaOrContent::Schema(schema) = &header.format else {
                return Err(Diagnostic::at(
                    child(&header_pointer, "content"),
                    format!("header `{header_name}` uses `content`; only `schema` headers are supported"),
                ));
            };
            let schema_at = child(&header_pointer, "schema");
            let ty = match types.lower(
                SchemaRef::from(schema),
                Direction::Response,
                &pascal(header_name, "H"),
                &schema_at,
            )? {
                ty
                @ (TypeRef::I32 | TypeRef::I64 | TypeRef::F64 | TypeRef::F32 | TypeRef::Bool) => ty,
                _ => TypeRef::String,
            };
            let fn_name = snake(header_name);
            if RUNTIME_HEADER_ACCESSORS.contains(&fn_name.as_str()) {
                // An accessor of the same name would be hidden behind the runtime's own.
                types.warnings.entry(header_pointer.clone()).or_insert_with(|| {
                    Diagnostic::warning(
                        &header_pointer,
                        format!("`{header_name}` gets no `DeclaredHeaders` accessor: the runtime's `ResponseHeaders::{fn_name}` reads it"),
                    )
                });
                continue;
            }
            shared
                .response_headers
                .entry(header_name.to_ascii_lowercase())
                .or_insert_with(|| ResponseHeader {
                    wire_name: header_name.clone(),
                    fn_name,
                    // Decided with the other Rust-shape questions, in `rust_shape`.
                    rust_type: RustType::Unit,
                    ty,
                    description: header.description.clone(),
                    operations: BTreeSet::new(),
                })
                .operations
                .insert(operation_name.to_owned());
        }
        match code {
            200..=299 => {
                let body = match picked {
                    // A media type without a schema (Atlas writes one for 204 responses)
                    // carries no body.
                    Some((_, media)) if media.schema.is_none() && !raw => None,
                    Some((media_type, media)) => {
                        if accept.is_none() {
                            accept = Some(media_type.to_owned());
                            sunset = media
                                .extensions
                                .get("x-sunset")
                                .and_then(Value::as_str)
                                .map(str::to_owned);
                        }
                        let media_at = child(&content_at, media_type);
                        if raw {
                            Some(TypeRef::String)
                        } else {
                            let hint = format!("{builder_name}Response");
                            Some(media_body(openapi, types, media, &media_at, Direction::Response, &hint)?)
                        }
                    }
                    None => None,
                };
                match &mut success {
                    None => {
                        success = Some(SuccessResponse {
                            statuses: vec![code],
                            body,
                            body_optional: false,
                            raw,
                            // Decided with the other Rust-shape questions, in `rust_shape`.
                            rust_type: RustType::Unit,
                            description: Some(response.description.clone()),
                        })
                    }
                    Some(existing) if existing.body == body && existing.raw == raw => existing.statuses.push(code),
                    Some(existing) if existing.raw == raw && (existing.body.is_none() || body.is_none()) => {
                        existing.statuses.push(code);
                        existing.body_optional = true;
                        if existing.body.is_none() {
                            existing.body = body;
                        }
                    }
                    Some(_) => {
                        return Err(Diagnostic::at(
                            &at,
                            "unsupported: success responses with different bodies in one operation",
                        ));
                    }
                }
            }
            400..=599 => {
                let body = match picked {
                    Some((media_type, media)) => {
                        let media_at = child(&content_at, media_type);
                        media_body(openapi, types, media, &media_at, Direction::Response, "ApiErrorBody")?
                    }
                    None => TypeRef::Json,
                };
                shared.error_bodies.entry(body.clone()).or_insert_with(|| (pointer.clone(), 0)).1 += 1;
                // Cleared afterwards when it is the common error body.
                errors.push(ErrorResponse { status: code, description: Some(response.description.clone()), other_body: Some(body) });
            }
            _ => {
                return Err(Diagnostic::at(
                    &at,
                    format!(
                        "status {code} is not supported: only 2xx success and 4xx/5xx error responses are"
                    ),
                ))
            }
        }
    }
    let success = success.ok_or_else(|| {
        Diagnostic::at(
            &responses_at,
            "the operation declares no success (2xx) response",
        )
    })?;
    let accept = accept.unwrap_or_else(|| "application/json".to_owned());
    Ok((success, accept, errors, sunset))
}

/// The type of a media type's body (any JSON when it has no schema), recording the media
/// type's `example` and `examples` for the generated tests. `label` names what the body is.
pub(super) fn media_body<'a>(
    openapi: &'a OpenAPI,
    types: &mut Types<'a>,
    media: &'a openapiv3::MediaType,
    media_at: &str,
    direction: Direction,
    label: &str,
) -> Result<TypeRef, Diagnostic> {
    let ty = match &media.schema {
        Some(schema) => types.lower(
            SchemaRef::from(schema),
            direction,
            label,
            &child(media_at, "schema"),
        )?,
        None => TypeRef::Json,
    };
    let mut record = |at: String, example_label: String, value: &Value| {
        types.examples.entry(at).or_insert_with(|| {
            (
                example_label,
                ExampleTarget::Decode(ty.clone()),
                value.clone(),
            )
        });
    };
    // A shared response component names its examples better than the operation using it.
    let owner = media_at
        .strip_prefix("/components/responses/")
        .and_then(|rest| rest.split('/').next())
        .map_or_else(|| label.to_owned(), |name| format!("{name} response"));
    if let Some(example) = &media.example {
        record(child(media_at, "example"), owner.clone(), example);
    }
    let components = openapi.components.as_ref().map(|c| &c.examples);
    for (name, example) in &media.examples {
        let example_at = child(&child(media_at, "examples"), name);
        let (pointer, example) = refs::resolve(components, "examples", example, &example_at)?;
        if let Some(value) = &example.value {
            record(child(&pointer, "value"), format!("{owner} {name}"), value);
        }
    }
    Ok(ty)
}
