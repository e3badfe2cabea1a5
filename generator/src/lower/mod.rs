//! Stage 2: parsed OpenAPI -> [`crate::model::Api`].
//!
//! Resolves references, chooses media types, names every type and method, and rejects what
//! the generator does not support with a located diagnostic. No `openapiv3` type leaves this
//! module. Operations are visited sorted by path and method, so names handed out in visiting
//! order do not depend on the spec's key order.

mod examples;
mod media;
mod operation;
mod pagination;
mod refs;
mod rust_shape;
mod shape;
mod types;
mod watchers;

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, ReferenceOr, SecurityScheme as SpecSecurityScheme};

use crate::diagnostics::{child, Diagnostic};
use crate::model::{Api, PathParamType, SecurityScheme, TypeRef};
use operation::{Shared, Source};
use types::Types;

pub use media::VersionPolicy;

/// A lowered spec, and what the generated code will leave out or unchecked.
pub struct Lowered {
    pub api: Api,
    pub warnings: Vec<Diagnostic>,
}

/// Methods the generated `Client` (`emit::lib_rs`) and `testing::MockAtlas` (`emit::testing`)
/// have besides one per operation: an operation may not take their names.
const RESERVED_METHODS: &[&str] = &[
    "base_url",
    "builder",
    "client",
    "client_builder",
    "from_env",
    "new",
    "start",
    "transport",
    "uri",
    "verify",
];

/// Lowers a parsed spec, choosing resource versions by `policy`. Returns every problem found,
/// not just the first. An operation with no success response the policy allows is left out,
/// with a warning.
pub fn lower(openapi: &OpenAPI, policy: &VersionPolicy) -> Result<Lowered, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut warnings = Vec::new();

    let sources = collect_sources(openapi, policy, &mut diagnostics, &mut warnings);
    // The operations watchers poll, pinned to each watcher's resource version: lowered once
    // more when the client's method sends another version (`lower::watchers`).
    let pinned_sources = watchers::pinned_polls(&sources);
    let roots: Vec<_> = sources
        .iter()
        .chain(&pinned_sources)
        .flat_map(|source| operation::body_schemas(openapi, source))
        .collect();
    let mut types = Types::new(openapi, &roots);
    let mut shared = Shared::default();

    let mut operations = Vec::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for source in &sources {
        let lowered = operation::operation_name(source).and_then(|(operation_id, name)| {
            let fn_name = crate::naming::snake(&name);
            if RESERVED_METHODS.contains(&fn_name.as_str()) {
                return Err(Diagnostic::at(
                    child(&source.at, "operationId"),
                    format!("operation name `{name}` gives method `{fn_name}`, which the generated `Client` or its `testing::MockAtlas` has for itself; rename it with `x-xgen-operation-id-override`"),
                ));
            }
            if let Some(first) = names.get(&fn_name) {
                return Err(Diagnostic::at(
                    child(&source.at, "operationId"),
                    format!("operation name `{name}` gives method `{fn_name}`, which the operation at #{first} already has"),
                ));
            }
            names.insert(fn_name, source.at.clone());
            operation::lower(openapi, source, operation_id, name, &mut types, &mut shared)
        });
        match lowered {
            Ok(operation) => operations.push(operation),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    operations.sort_by(|a, b| a.fn_name.cmp(&b.fn_name));
    let mut pinned = BTreeMap::new();
    // What lowering them records besides their types (path parameters, headers, error
    // bodies) is the client's methods' already, or none of the client's business.
    let mut scratch = Shared::default();
    for source in &pinned_sources {
        // A version that does not lower is the watcher's problem, reported there.
        let lowered = operation::operation_name(source).and_then(|(operation_id, name)| {
            operation::lower(
                openapi,
                source,
                operation_id,
                name,
                &mut types,
                &mut scratch,
            )
        });
        if let Ok(mut operation) = lowered {
            rust_shape::shape_operation(&mut operation);
            let key = (
                operation.operation_id.clone(),
                operation.api_version.clone().unwrap_or_default(),
            );
            pinned.insert(key, operation);
        }
    }

    // The client decodes every error status into one type: the body most error responses
    // declare. Operations whose errors declare another say so in their docs.
    let error_body = shared
        .error_bodies
        .iter()
        .max_by(|a, b| a.1 .1.cmp(&b.1 .1).then_with(|| b.0.cmp(a.0)))
        .map(|(body, _)| body.clone())
        // The runtime reads the error code and detail of a model type (the generated crate
        // implements `atlas_runtime::ErrorBody` for it) or of any JSON value; a body of
        // another shape (a bare string, an array) is decoded as JSON.
        .filter(|body| matches!(body, TypeRef::Named(_)))
        .unwrap_or(TypeRef::Json);
    for operation in &mut operations {
        for error in &mut operation.errors {
            if error.other_body.as_ref() == Some(&error_body) {
                error.other_body = None;
            }
        }
    }

    let default_base_url = match openapi.servers.first() {
        None => {
            diagnostics.push(Diagnostic::at(
                "/servers",
                "no `servers`: the client needs a default base URL",
            ));
            String::new()
        }
        Some(server) if server.url.contains('{') => {
            diagnostics.push(Diagnostic::at(
                "/servers/0/url",
                "server URL templates (`{variable}`) are not supported",
            ));
            String::new()
        }
        Some(server)
            if !(server.url.starts_with("https://") || server.url.starts_with("http://")) =>
        {
            diagnostics.push(Diagnostic::at(
                "/servers/0/url",
                format!(
                    "server URL `{}` must be an absolute http(s) URL",
                    server.url
                ),
            ));
            String::new()
        }
        Some(server) => {
            if server.url.starts_with("http://") && !names_loopback(&server.url) {
                warnings.push(Diagnostic::warning(
                    "/servers/0/url",
                    format!(
                        "server URL `{}` is plain http: the generated client refuses it as its \
                         default base URL (`build()` fails) unless the caller calls \
                         `allow_insecure_http(true)`; use https",
                        server.url
                    ),
                ));
            }
            server.url.trim_end_matches('/').to_owned()
        }
    };

    if operations.is_empty() && diagnostics.is_empty() {
        diagnostics.push(Diagnostic::at("/paths", "the spec declares no operations"));
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }

    let cycles = types.union_cycles();
    if !cycles.is_empty() {
        return Err(cycles);
    }
    let mut path_params: Vec<PathParamType> = shared
        .path_params
        .into_values()
        .flatten()
        .map(|(mut param, _)| {
            param.used_by.sort();
            param
        })
        .collect();
    path_params.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    rust_shape::shape_types(&mut types.defs, &operations, &path_params);
    for operation in &mut operations {
        rust_shape::shape_operation(operation);
    }
    pagination::mark(&mut types.defs, &mut operations);
    let in_spec = operation_names(openapi);
    let waiters = watchers::lower(
        &sources,
        &operations,
        &pinned,
        &in_spec,
        &types.defs,
        &mut diagnostics,
        &mut warnings,
    );
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let examples = examples::build(std::mem::take(&mut types.examples), &types.defs)?;
    let mut response_headers: Vec<_> = shared.response_headers.into_values().collect();
    response_headers.sort_by(|a, b| a.wire_name.cmp(&b.wire_name));
    rust_shape::shape_headers(&mut response_headers);

    let api = Api {
        title: openapi.info.title.clone(),
        version: openapi.info.version.clone(),
        default_base_url,
        operations,
        path_params,
        types: types.defs,
        error_body,
        response_headers,
        security_schemes: security_schemes(openapi),
        examples,
        waiters,
    };
    Ok(Lowered {
        api,
        warnings: warnings
            .into_iter()
            .chain(types.warnings.into_values())
            .collect(),
    })
}

/// Whether an `http://` URL's host is one the runtime accepts plain http for: 127.0.0.0/8,
/// `::1` or `localhost` (the runtime's `is_loopback`, which the generator cannot call).
fn names_loopback(url: &str) -> bool {
    let rest = url.trim_start_matches("http://");
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

fn collect_sources<'a>(
    openapi: &'a OpenAPI,
    policy: &VersionPolicy,
    diagnostics: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Vec<Source<'a>> {
    let mut sources = Vec::new();
    for (path, item) in openapi.paths.iter() {
        let item_at = child("/paths", path);
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { .. } => {
                diagnostics.push(Diagnostic::at(
                    child(&item_at, "$ref"),
                    "path item references are not supported",
                ));
                continue;
            }
        };
        let methods = [
            ("get", &item.get),
            ("put", &item.put),
            ("post", &item.post),
            ("delete", &item.delete),
            ("options", &item.options),
            ("head", &item.head),
            ("patch", &item.patch),
            ("trace", &item.trace),
        ];
        for (method, operation) in methods {
            if let Some(operation) = operation {
                let at = child(&item_at, method);
                if let Some(reason) = unavailable(openapi, operation, policy) {
                    warnings.push(Diagnostic::warning(&at, reason));
                    continue;
                }
                sources.push(Source {
                    path,
                    method,
                    operation,
                    path_item_parameters: &item.parameters,
                    at,
                    policy: policy.clone(),
                });
            }
        }
    }
    sources.sort_by(|a, b| (a.path, a.method).cmp(&(b.path, b.method)));
    sources
}

/// Every operation's `operationId` and `x-xgen-operation-id-override`, whatever the version
/// policy leaves out.
fn operation_names(openapi: &OpenAPI) -> std::collections::BTreeSet<String> {
    openapi
        .paths
        .iter()
        .filter_map(|(_, item)| item.as_item())
        .flat_map(|item| item.iter().map(|(_, operation)| operation))
        .flat_map(|operation| {
            let short = operation
                .extensions
                .get("x-xgen-operation-id-override")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            operation.operation_id.clone().into_iter().chain(short)
        })
        .collect()
}

/// Why `operation` cannot be generated under `policy` (no allowed version of a success
/// response), if it cannot.
fn unavailable(
    openapi: &OpenAPI,
    operation: &openapiv3::Operation,
    policy: &VersionPolicy,
) -> Option<String> {
    let components = openapi.components.as_ref().map(|c| &c.responses);
    let mut successes = operation
        .responses
        .responses
        .iter()
        .filter(|(status, _)| matches!(status, openapiv3::StatusCode::Code(200..=299)))
        .filter_map(|(_, response)| {
            refs::resolve(components, "responses", response, "")
                .ok()
                .map(|(_, response)| response)
        })
        .peekable();
    successes.peek()?;
    if successes.any(|response| media::offers_allowed(&response.content, policy)) {
        return None;
    }
    Some(match (&policy.api_version, policy.preview) {
        (Some(date), _) => format!("left out: no resource version of this operation was released on or before {date}"),
        (None, false) => "left out: the operation only has a `preview` version (generate with `--preview` to include it)".to_owned(),
        (None, true) => "left out: no success response offers a usable media type".to_owned(),
    })
}

fn security_schemes(openapi: &OpenAPI) -> Vec<SecurityScheme> {
    let Some(components) = &openapi.components else {
        return Vec::new();
    };
    let mut schemes: Vec<SecurityScheme> = components
        .security_schemes
        .iter()
        .map(|(name, scheme)| {
            let (kind, token_url) = match scheme {
                ReferenceOr::Reference { reference } => (format!("reference {reference}"), None),
                ReferenceOr::Item(SpecSecurityScheme::HTTP { scheme, .. }) => {
                    (format!("http {scheme}"), None)
                }
                ReferenceOr::Item(SpecSecurityScheme::OAuth2 { flows, .. }) => {
                    match &flows.client_credentials {
                        Some(flow) => (
                            "oauth2 clientCredentials".to_owned(),
                            Some(flow.token_url.clone()),
                        ),
                        None => ("oauth2".to_owned(), None),
                    }
                }
                ReferenceOr::Item(SpecSecurityScheme::APIKey { name, .. }) => {
                    (format!("apiKey {name}"), None)
                }
                ReferenceOr::Item(SpecSecurityScheme::OpenIDConnect { .. }) => {
                    ("openIdConnect".to_owned(), None)
                }
            };
            SecurityScheme {
                name: name.clone(),
                kind,
                token_url,
            }
        })
        .collect();
    schemes.sort_by(|a, b| a.name.cmp(&b.name));
    schemes
}
