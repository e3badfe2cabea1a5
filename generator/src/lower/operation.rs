//! Operations: method, path, parameters, bodies and responses of each spec operation.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    OpenAPI, Operation as SpecOperation, Parameter, ParameterData, ParameterSchemaOrContent,
    ReferenceOr, StatusCode,
};
use serde_json::Value;

use super::media;
use super::refs::{self, SchemaRef};
use super::shape::{shape, Shape};
use super::types::{check_pattern, Types};
use crate::diagnostics::{child, Diagnostic};
use crate::model::{
    Direction, ErrorResponse, ExampleTarget, Operation, PathArg, PathParamType, PathSegment,
    QueryParam, RequestBody, ResourceVersion, ResponseHeader, SuccessResponse, TypeDef, TypeRef,
};
use crate::naming::{pascal, snake, Scope};

/// One operation as found in the spec, before lowering.
pub struct Source<'a> {
    pub path: &'a str,
    pub method: &'static str,
    pub operation: &'a SpecOperation,
    pub path_item_parameters: &'a [ReferenceOr<Parameter>],
    /// Pointer of the operation object.
    pub at: String,
    /// Which resource versions it may use.
    pub policy: media::VersionPolicy,
}

/// What lowering the operations builds besides the operations themselves.
#[derive(Default)]
pub struct Shared {
    /// Keyed by wire name: one newtype per distinct set of constraints, with the pointer
    /// where it was first seen. The first gets the plain name.
    pub path_params: BTreeMap<String, Vec<(PathParamType, String)>>,
    /// Names of the path-parameter newtypes handed out so far.
    pub path_param_names: Scope,
    /// Error body types, with the pointer of the first response using each and how many
    /// responses use it.
    pub error_bodies: BTreeMap<TypeRef, (String, usize)>,
    /// Keyed by lower-case header name.
    pub response_headers: BTreeMap<String, ResponseHeader>,
}

/// The short name an operation is known by.
pub fn operation_name(source: &Source<'_>) -> Result<(String, String), Diagnostic> {
    let operation_id = source.operation.operation_id.clone().ok_or_else(|| {
        Diagnostic::at(
            child(&source.at, "operationId"),
            "missing `operationId`: every operation needs one to name its client method",
        )
    })?;
    let name = match source
        .operation
        .extensions
        .get("x-xgen-operation-id-override")
    {
        None => operation_id.clone(),
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        Some(other) => {
            return Err(Diagnostic::at(
                child(&source.at, "x-xgen-operation-id-override"),
                format!("`x-xgen-operation-id-override` must be a non-empty string, found {other}"),
            ))
        }
    };
    if snake(&name) == "value" && !name.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Err(Diagnostic::at(
            child(&source.at, "operationId"),
            format!("operation name `{name}` has no letters or digits to build a method name from"),
        ));
    }
    Ok((operation_id, name))
}

/// The schema of the media type [`media::pick`] chooses from `content` (at `pointer`), with
/// the schema's pointer and the media type's version.
fn content_schema<'a>(
    content: &'a indexmap::IndexMap<String, openapiv3::MediaType>,
    prefer: Option<&str>,
    policy: &media::VersionPolicy,
    pointer: &str,
) -> Option<(SchemaRef<'a>, String, Option<String>)> {
    let content_at = child(pointer, "content");
    let (name, media) = media::pick(content, prefer, policy, &content_at).ok()??;
    let schema = media.schema.as_ref()?;
    Some((
        SchemaRef::from(schema),
        child(&child(&content_at, name), "schema"),
        media::version_of(name),
    ))
}

/// The schemas an operation's bodies use, with their directions, for the usage pass. Media
/// types are chosen as [`lower`] chooses them; errors are left to it.
pub fn body_schemas<'a>(
    openapi: &'a OpenAPI,
    source: &Source<'a>,
) -> Vec<(SchemaRef<'a>, Direction, String)> {
    let mut out = Vec::new();
    let components = openapi.components.as_ref();
    // Parameters travel in requests; a component schema used only by one still gets its name.
    let parameters = source
        .path_item_parameters
        .iter()
        .chain(&source.operation.parameters);
    for (index, parameter) in parameters.enumerate() {
        let at = child(&child(&source.at, "parameters"), index.to_string());
        if let Ok((pointer, parameter)) = refs::resolve(
            components.map(|c| &c.parameters),
            "parameters",
            parameter,
            &at,
        ) {
            if let ParameterSchemaOrContent::Schema(schema) = &parameter.parameter_data_ref().format
            {
                out.push((
                    SchemaRef::from(schema),
                    Direction::Request,
                    child(&pointer, "schema"),
                ));
            }
        }
    }
    let mut version = None;
    let mut codes: Vec<_> = source.operation.responses.responses.iter().collect();
    codes.sort_by_key(|(status, _)| status.to_string());
    for (status, response) in codes {
        let at = child(&child(&source.at, "responses"), status.to_string());
        let Ok((pointer, response)) =
            refs::resolve(components.map(|c| &c.responses), "responses", response, &at)
        else {
            continue;
        };
        if let Some((schema, schema_at, media_version)) =
            content_schema(&response.content, None, &source.policy, &pointer)
        {
            let is_success = matches!(status, StatusCode::Code(200..=299));
            if is_success && version.is_none() {
                version = media_version;
            }
            out.push((schema, Direction::Response, schema_at));
        }
    }
    if let Some(body) = &source.operation.request_body {
        let at = child(&source.at, "requestBody");
        if let Ok((pointer, body)) = refs::resolve(
            components.map(|c| &c.request_bodies),
            "requestBodies",
            body,
            &at,
        ) {
            if let Some((schema, schema_at, _)) =
                content_schema(&body.content, version.as_deref(), &source.policy, &pointer)
            {
                out.push((schema, Direction::Request, schema_at));
            }
        }
    }
    out
}

fn string_list(value: Option<&Value>, at: &str, key: &str) -> Result<Vec<String>, Diagnostic> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                Diagnostic::at(child(at, key), format!("`{key}` must be a list of strings"))
            }),
        Some(_) => Err(Diagnostic::at(
            child(at, key),
            format!("`{key}` must be a list of strings"),
        )),
    }
}

fn parse_path(path: &str, at: &str) -> Result<Vec<PathSegment>, Diagnostic> {
    if !path.starts_with('/') {
        return Err(Diagnostic::at(
            at,
            format!("path `{path}` must start with `/`"),
        ));
    }
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                segments.push(PathSegment::Literal(rest.to_owned()));
                break;
            }
            Some(open) if rest[open..].starts_with('{') => {
                if open > 0 {
                    segments.push(PathSegment::Literal(rest[..open].to_owned()));
                }
                let after = &rest[open + 1..];
                let close = after
                    .find('}')
                    .filter(|close| !after[..*close].contains('{'))
                    .ok_or_else(|| {
                        Diagnostic::at(at, format!("path `{path}` has an unclosed `{{`"))
                    })?;
                let name = &after[..close];
                if name.is_empty() {
                    return Err(Diagnostic::at(
                        at,
                        format!("path `{path}` has an empty `{{}}` placeholder"),
                    ));
                }
                segments.push(PathSegment::Param(name.to_owned()));
                rest = &after[close + 1..];
            }
            Some(_) => {
                return Err(Diagnostic::at(
                    at,
                    format!("path `{path}` has an unmatched `}}`"),
                ))
            }
        }
    }
    Ok(segments)
}

/// Lowers one operation. `name` and `operation_id` come from [`operation_name`].
pub fn lower<'a>(
    openapi: &'a OpenAPI,
    source: &Source<'a>,
    operation_id: String,
    name: String,
    types: &mut Types<'a>,
    shared: &mut Shared,
) -> Result<Operation, Diagnostic> {
    let spec = source.operation;
    let at = &source.at;
    let components = openapi.components.as_ref();
    let builder_name = pascal(&name, "Op");
    let fn_name = snake(&name);

    // Parameters: the operation's override the path item's with the same name and location.
    let mut parameters: BTreeMap<(&'static str, String), (String, &'a Parameter)> = BTreeMap::new();
    let item_at = at
        .rsplit_once('/')
        .map(|(item, _)| item.to_owned())
        .unwrap_or_default();
    let lists = [
        (source.path_item_parameters, child(&item_at, "parameters")),
        (spec.parameters.as_slice(), child(at, "parameters")),
    ];
    for (list, list_at) in &lists {
        for (index, parameter) in list.iter().enumerate() {
            let parameter_at = child(list_at, index.to_string());
            let (pointer, parameter) = refs::resolve(
                components.map(|c| &c.parameters),
                "parameters",
                parameter,
                &parameter_at,
            )?;
            let location = match parameter {
                Parameter::Query { .. } => "query",
                Parameter::Path { .. } => "path",
                Parameter::Header { .. } => "header",
                Parameter::Cookie { .. } => "cookie",
            };
            parameters.insert(
                (location, parameter.parameter_data_ref().name.clone()),
                (pointer, parameter),
            );
        }
    }

    let path_segments = parse_path(source.path, &item_at)?;
    let mut path_args = Vec::new();
    let mut query_params = Vec::new();
    let mut header_params = Vec::new();
    let mut arg_scope = Scope::with_reserved(&["self", "body"]);
    for ((location, wire_name), (pointer, parameter)) in &parameters {
        let data = parameter.parameter_data_ref();
        match *location {
            "path" => {
                if !path_segments.contains(&PathSegment::Param(wire_name.clone())) {
                    return Err(Diagnostic::at(child(pointer, "name"), format!("path parameter `{wire_name}` does not appear in path `{}`", source.path)));
                }
            }
            "query" => query_params.push(query_param(data, pointer, &builder_name, types)?),
            "header" => {
                let header = query_param(data, pointer, &builder_name, types)?;
                if matches!(header.ty, TypeRef::Vec(_)) {
                    return Err(Diagnostic::at(
                        child(pointer, "schema"),
                        format!("header parameter `{wire_name}`: arrays in headers are not supported"),
                    ));
                }
                header_params.push(header);
            }
            other => {
                return Err(Diagnostic::at(
                    child(pointer, "in"),
                    format!("unsupported parameter location `{other}` for `{wire_name}`: only path, query and header parameters are supported"),
                ))
            }
        }
    }
    for segment in &path_segments {
        let PathSegment::Param(wire_name) = segment else {
            continue;
        };
        let Some((pointer, parameter)) = parameters.get(&("path", wire_name.clone())) else {
            return Err(Diagnostic::at(
                child(&item_at, "parameters"),
                format!("path `{}` uses `{{{wire_name}}}` but the operation declares no path parameter `{wire_name}`", source.path),
            ));
        };
        if path_args
            .iter()
            .any(|arg: &PathArg| &arg.wire_name == wire_name)
        {
            return Err(Diagnostic::at(
                &item_at,
                format!("path `{}` uses `{{{wire_name}}}` twice", source.path),
            ));
        }
        let data = parameter.parameter_data_ref();
        let (type_name, is_enum) = path_param_type(data, pointer, &name, shared, openapi, types)?;
        path_args.push(PathArg {
            wire_name: wire_name.clone(),
            rust_name: arg_scope.claim(snake(wire_name)),
            type_name,
            is_enum,
            description: data.description.clone(),
        });
    }
    for query in query_params.iter_mut().chain(&mut header_params) {
        query.rust_name = arg_scope.claim(query.rust_name.clone());
    }

    // Responses first: their version decides the request body's media type.
    let mut versions = BTreeMap::new();
    let (success, accept, errors, sunset) = responses(
        openapi,
        source,
        (&name, &builder_name),
        types,
        shared,
        &mut versions,
    )?;
    let api_version = media::version_of(&accept);

    let request_body = match &spec.request_body {
        None => None,
        Some(body) => {
            let body_at = child(at, "requestBody");
            let (pointer, body) = refs::resolve(
                components.map(|c| &c.request_bodies),
                "requestBodies",
                body,
                &body_at,
            )?;
            let content_at = child(&pointer, "content");
            media::record_versions(&body.content, &mut versions);
            let (media_type, media) = media::pick(
                &body.content,
                api_version.as_deref(),
                &source.policy,
                &content_at,
            )?
            .ok_or_else(|| Diagnostic::at(&content_at, "request body declares no content"))?;
            let media_at = child(&content_at, media_type);
            let hint = format!("{builder_name}Body");
            let ty = media_body(openapi, types, media, &media_at, Direction::Request, &hint)?;
            Some(RequestBody {
                media_type: media_type.to_owned(),
                ty,
                required: body.required,
                description: body.description.clone(),
            })
        }
    };

    Ok(Operation {
        operation_id,
        name,
        fn_name,
        builder_name,
        method: source.method.to_ascii_uppercase(),
        path: source.path.to_owned(),
        path_segments,
        path_args,
        query_params,
        header_params,
        request_body,
        accept,
        api_version,
        success,
        errors,
        summary: spec.summary.clone(),
        description: spec.description.clone(),
        deprecated: spec.deprecated,
        sunset,
        versions: versions
            .into_iter()
            .map(|(version, sunset)| ResourceVersion { version, sunset })
            .collect(),
        tags: spec.tags.clone(),
        roles: string_list(
            spec.extensions.get("x-rolesRequirements"),
            at,
            "x-rolesRequirements",
        )?,
        docs_url: match spec.extensions.get("x-xgen-docs-url") {
            None => None,
            Some(Value::String(url)) => Some(url.clone()),
            Some(_) => {
                return Err(Diagnostic::at(
                    child(at, "x-xgen-docs-url"),
                    "`x-xgen-docs-url` must be a string",
                ))
            }
        },
    })
}

fn parameter_schema<'a>(data: &'a ParameterData, at: &str) -> Result<SchemaRef<'a>, Diagnostic> {
    match &data.format {
        ParameterSchemaOrContent::Schema(schema) => Ok(SchemaRef::from(schema)),
        ParameterSchemaOrContent::Content(_) => Err(Diagnostic::at(
            child(at, "content"),
            format!(
                "parameter `{}` uses `content`; only `schema` parameters are supported",
                data.name
            ),
        )),
    }
}

fn query_param<'a>(
    data: &'a ParameterData,
    at: &str,
    builder_name: &str,
    types: &mut Types<'a>,
) -> Result<QueryParam, Diagnostic> {
    let schema = parameter_schema(data, at)?;
    let schema_at = child(at, "schema");
    let ty = types.lower(
        schema,
        Direction::Request,
        &format!("{builder_name}{}", pascal(&data.name, "P")),
        &schema_at,
    )?;
    let scalar = |ty: &TypeRef| match ty {
        TypeRef::Bool
        | TypeRef::String
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::F32
        | TypeRef::F64
        | TypeRef::Date
        | TypeRef::DateTime => true,
        TypeRef::Named(name) => matches!(types.defs.get(name), Some(TypeDef::Enum(_))),
        _ => false,
    };
    let sendable = match &ty {
        // Arrays are sent `form`-exploded, as OpenAPI's default: `name=a&name=b`.
        TypeRef::Vec(item) => scalar(item),
        other => scalar(other),
    };
    if !sendable {
        return Err(Diagnostic::at(&schema_at, format!("parameter `{}` has a type the client cannot send (only scalars, string enums and arrays of them are supported)", data.name)));
    }
    let default = match schema {
        SchemaRef::Inline(schema) => schema.schema_data.default.clone(),
        SchemaRef::Ref(_) => None,
    };
    if let Some(example) = &data.example {
        let label = format!("{builder_name}{}", pascal(&data.name, "P"));
        types
            .examples
            .entry(child(at, "example"))
            .or_insert_with(|| (label, ExampleTarget::Decode(ty.clone()), example.clone()));
    }
    let is_envelope = data.name == "envelope" && ty == TypeRef::Bool;
    Ok(QueryParam {
        wire_name: data.name.clone(),
        rust_name: snake(&data.name),
        ty,
        required: data.required,
        description: data.description.clone(),
        default,
        is_envelope,
    })
}

/// The type of a path parameter: a string enum in `models`, or a validated newtype shared by
/// every operation whose parameter of that name has the same constraints. Returns its name
/// and whether it is an enum.
fn path_param_type<'a>(
    data: &'a ParameterData,
    at: &str,
    operation: &str,
    shared: &mut Shared,
    openapi: &'a OpenAPI,
    types: &mut Types<'a>,
) -> Result<(String, bool), Diagnostic> {
    if !data.required {
        return Err(Diagnostic::at(
            child(at, "required"),
            format!("path parameter `{}` must be `required: true`", data.name),
        ));
    }
    let schema_at = child(at, "schema");
    let schema_ref = parameter_schema(data, at)?;
    let (pointer, schema) = refs::schema(openapi, schema_ref, &schema_at)?;
    let Shape::String {
        pattern,
        min_length,
        max_length,
        enumeration,
        ..
    } = shape(schema, &pointer)?
    else {
        return Err(Diagnostic::at(
            &pointer,
            format!("path parameter `{}` must have a string schema", data.name),
        ));
    };
    if !enumeration.is_empty() {
        let ty = types.lower(
            schema_ref,
            Direction::Request,
            &pascal(&data.name, "P"),
            &schema_at,
        )?;
        return match ty {
            TypeRef::Named(name) => Ok((name, true)),
            _ => Err(Diagnostic::at(
                &pointer,
                "internal: a string enum did not become an enum type",
            )),
        };
    }
    if let Some(pattern) = pattern {
        check_pattern(pattern, &child(&pointer, "pattern"))?;
    }
    let parameter_examples = [
        (child(&pointer, "example"), &schema.schema_data.example),
        (child(at, "example"), &data.example),
    ];
    let variants = shared.path_params.entry(data.name.clone()).or_default();
    let existing = variants.iter_mut().find(|(known, _)| {
        (known.pattern.as_deref(), known.min_length, known.max_length)
            == (pattern, min_length, max_length)
    });
    let type_name = match existing {
        Some((known, _)) => {
            known.used_by.push(operation.to_owned());
            known.type_name.clone()
        }
        None => {
            let type_name = shared.path_param_names.claim(pascal(&data.name, "P"));
            variants.push((
                PathParamType {
                    type_name: type_name.clone(),
                    wire_name: data.name.clone(),
                    description: data.description.clone(),
                    pattern: pattern.map(str::to_owned),
                    min_length,
                    max_length,
                    example: schema
                        .schema_data
                        .example
                        .clone()
                        .or_else(|| data.example.clone()),
                    used_by: vec![operation.to_owned()],
                },
                at.to_owned(),
            ));
            type_name
        }
    };
    for (example_at, example) in parameter_examples {
        if let Some(example) = example {
            types.examples.entry(example_at).or_insert_with(|| {
                (
                    type_name.clone(),
                    ExampleTarget::PathParam(type_name.clone()),
                    example.clone(),
                )
            });
        }
    }
    Ok((type_name, false))
}

type Lowered = (SuccessResponse, String, Vec<ErrorResponse>, Option<String>);

fn responses<'a>(
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
            shared
                .response_headers
                .entry(header_name.to_ascii_lowercase())
                .or_insert_with(|| ResponseHeader {
                    wire_name: header_name.clone(),
                    fn_name: snake(header_name),
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
fn media_body<'a>(
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
