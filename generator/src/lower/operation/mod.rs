//! Operations: method, path, parameters, bodies and responses of each spec operation.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    OpenAPI, Operation as SpecOperation, Parameter, ParameterData, ParameterSchemaOrContent,
    ReferenceOr, StatusCode,
};
use serde_json::Value;

mod parameters;
mod responses;

use parameters::{path_param_type, query_param};
use responses::{media_body, responses};

use super::media;
use super::refs::{self, SchemaRef};
use super::shape::{shape, Shape};
use super::types::{check_pattern, Runnable, Types};
use crate::diagnostics::{child, Diagnostic};
use crate::model::{
    Direction, ErrorResponse, ExampleTarget, Operation, PathArg, PathParamType, PathSegment,
    QueryParam, RequestBody, ResourceVersion, ResponseHeader, RustType, SuccessResponse, TypeDef,
    TypeRef,
};
use crate::naming::{pascal, snake, Scope};

/// One operation as found in the spec, before lowering.
#[derive(Clone)]
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
    // `body` and the per-call settings every builder has (`emit::operations`) are taken.
    let mut arg_scope = Scope::with_reserved(&[
        "self",
        "body",
        "with_timeout",
        "with_deadline",
        "with_retry_policy",
        "with_options",
    ]);
    for ((location, wire_name), (pointer, parameter)) in &parameters {
        let data = parameter.parameter_data_ref();
        match *location {
            "path" => {
                if !path_segments.contains(&PathSegment::Param(wire_name.clone())) {
                    return Err(Diagnostic::at(child(pointer, "name"), format!("path parameter `{wire_name}` does not appear in path `{}`", source.path)));
                }
            }
            "query" => query_params.extend(query_param(data, pointer, &builder_name, types)?),
            "header" => {
                let Some(header) = query_param(data, pointer, &builder_name, types)? else {
                    continue;
                };
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
            // Decided with the other Rust-shape questions, in `rust_shape`.
            rust_type: RustType::Unit,
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
                // Decided with the other Rust-shape questions, in `rust_shape`.
                rust_type: RustType::Unit,
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
        // Found once every type is lowered (`lower::pagination`).
        pagination: None,
    })
}
