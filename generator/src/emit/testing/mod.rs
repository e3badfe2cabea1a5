//! `testing.rs` (the `testing` feature): `MockAtlas`, a mock server with one typed method per
//! operation, built on the runtime's `atlas_runtime::testing`.
//!
//! Each method takes the operation's path parameters as the client method does and returns an
//! expectation typed by the operation's success body and request body; what it checks (the
//! method, the filled-in path, the `Accept` media type, the query parameters and headers the
//! operation declares, the body's media type) is written out from the model, not taken from
//! the client's request builders, so the mock checks the client against the spec.

mod example;

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{docs, ident, rust_type_tokens, type_tokens, CrateName, TypePath};
use crate::model::{Api, Operation, QueryParam, RustType, TypeDef, TypeRef};

/// The name of the mock server type.
pub const MOCK: &str = "MockAtlas";

pub fn tokens(api: &Api, krate: &CrateName) -> TokenStream {
    let module_docs = module_docs(api, krate)
        .into_iter()
        .map(|line| format!(" {line}"));
    let methods = api.operations.iter().map(method_tokens);
    let error_body = error_body_impl(api);
    // Only what some operation needs, so the imports are all used.
    let mut imports = vec![quote!(encode), quote!(MockServer), quote!(Operation)];
    if api
        .operations
        .iter()
        .any(|operation| !operation.query_params.is_empty() || !operation.header_params.is_empty())
    {
        imports.push(quote!(Parameter));
    }
    if api
        .operations
        .iter()
        .any(|operation| operation.request_body.is_some())
    {
        imports.push(quote!(RequestBody));
    }
    quote! {
        #(#![doc = #module_docs])*
        #![deny(missing_docs)]

        use atlas_runtime::testing::{#(#imports),*};

        use crate::{Client, ClientBuilder};

        pub use atlas_runtime::testing::{
            NoBody, Problem, ReceivedRequest, VerifyError, INVALID_EXPECTATION, MOCK_TOKEN,
            UNEXPECTED_REQUEST,
        };

        /// One expected call of an operation, typed by its success body `T` and request body
        /// `B`: set what the request must carry and how the mock answers, then `mount()` it.
        /// Made by the [`MockAtlas`] method named like the operation's [`Client`] method.
        pub type Expectation<'a, T, B = NoBody> = atlas_runtime::testing::Expectation<'a, Client, T, B>;

        /// A mock of the API on 127.0.0.1: one method per operation, each returning the
        /// [`Expectation`] of a call with the given path parameters. See the
        /// [module docs](self).
        #[derive(Debug)]
        pub struct MockAtlas {
            server: MockServer<Client>,
        }

        impl MockAtlas {
            /// Starts a mock server on 127.0.0.1, on a free port.
            ///
            /// # Panics
            ///
            /// When no port on 127.0.0.1 can be bound.
            pub async fn start() -> Self {
                MockAtlas {
                    server: MockServer::start().await,
                }
            }

            /// A [`Client`] pointed at this server, with the bearer token [`MOCK_TOKEN`] and no
            /// retries (a mocked `503` is seen once).
            ///
            /// # Panics
            ///
            /// When the HTTP client cannot be built (its TLS back end fails to start).
            pub fn client(&self) -> Client {
                self.server.client()
            }

            /// A [`ClientBuilder`] set up as for [`MockAtlas::client`], to change what the
            /// test needs before `build()`.
            pub fn client_builder(&self) -> ClientBuilder {
                self.server.client_builder()
            }

            /// The server's base URL, `http://127.0.0.1:<port>`.
            pub fn uri(&self) -> String {
                self.server.uri()
            }

            /// Every problem so far: requests that matched no expectation, expectations
            /// that cannot answer as asked, and expectations called fewer times than they
            /// asked. `Ok` when there is none. A server dropped with a problem no `verify`
            /// returned panics.
            pub fn verify(&self) -> Result<(), VerifyError> {
                self.server.verify()
            }

            #(#methods)*
        }

        #error_body
    }
}

/// The mock method of one operation.
fn method_tokens(operation: &Operation) -> TokenStream {
    let fn_name = ident(&operation.fn_name);
    let args = operation.path_args.iter().map(|arg| {
        let name = ident(&arg.rust_name);
        let ty = rust_type_tokens(&arg.rust_type, TypePath::Crate);
        quote!(#name: &#ty)
    });
    let path_params = operation.path_args.iter().map(|arg| {
        let wire = &arg.wire_name;
        let name = ident(&arg.rust_name);
        quote!((#wire, #name.as_str()))
    });
    let success = rust_type_tokens(&operation.success.rust_type, TypePath::Crate);
    let expectation = match &operation.request_body {
        Some(body) => {
            let body = type_tokens(&body.ty, TypePath::Crate);
            quote!(Expectation<'_, #success, #body>)
        }
        None => quote!(Expectation<'_, #success>),
    };
    let encode = match &operation.success.rust_type {
        RustType::Bytes => quote!(encode::raw),
        RustType::Unit => quote!(encode::empty),
        _ => quote!(encode::json),
    };
    let (name, method, path, accept) = (
        &operation.name,
        &operation.method,
        &operation.path,
        &operation.accept,
    );
    let query = operation.query_params.iter().map(parameter);
    let headers = operation.header_params.iter().map(parameter);
    let body = match &operation.request_body {
        Some(body) => {
            let (media_type, required) = (&body.media_type, body.required);
            quote!(Some(RequestBody { media_type: #media_type, required: #required }))
        }
        None => quote!(None),
    };
    let status = operation.success.statuses.first().copied().unwrap_or(200);
    let status_literal = Literal::u16_unsuffixed(status);
    let docs = method_docs(operation, status);
    let gate = super::features::for_operation(operation);
    quote! {
        #docs
        #gate
        pub fn #fn_name(&self, #(#args),*) -> #expectation {
            self.server.expect(
                Operation {
                    name: #name,
                    method: #method,
                    path: #path,
                    accept: #accept,
                    query: &[#(#query),*],
                    headers: &[#(#headers),*],
                    body: #body,
                    success_status: #status_literal,
                },
                &[#(#path_params),*],
                #encode,
            )
        }
    }
}

fn parameter(parameter: &QueryParam) -> TokenStream {
    let (name, required) = (&parameter.wire_name, parameter.required);
    quote!(Parameter { name: #name, required: #required })
}

fn method_docs(operation: &Operation, status: u16) -> TokenStream {
    let summary = format!(
        "Expects a call of [`Client::{0}`](crate::Client::{0}): `{1} {2}`{3}.",
        operation.fn_name,
        operation.method,
        operation.path,
        if operation.path_args.is_empty() {
            ""
        } else {
            " with these path parameters"
        }
    );
    let mut sends = vec![format!("`Accept: {}`", operation.accept)];
    if let Some(body) = &operation.request_body {
        sends.push(format!(
            "{}a body that decodes into `{}`, as `Content-Type: {}`",
            if body.required { "" } else { "optionally " },
            body.ty.to_text(),
            body.media_type
        ));
    }
    let named = |parameters: &mut dyn Iterator<Item = &QueryParam>| {
        parameters
            .map(|parameter| format!("`{}`", parameter.wire_name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let query = if operation.query_params.is_empty() {
        "no query".to_owned()
    } else {
        let mut query = format!(
            "no query parameter other than {}",
            named(&mut operation.query_params.iter())
        );
        let required = named(&mut operation.query_params.iter().filter(|query| query.required));
        if !required.is_empty() {
            query.push_str(&format!("; it must carry {required}"));
        }
        query
    };
    let request = format!(
        "The request must carry {}, and {query}.",
        sends.join(" and ")
    );
    let answer = match &operation.success.rust_type {
        RustType::Unit => format!("`respond_with(())` answers `{status}` without a body."),
        ty => format!(
            "`respond_with` answers `{status}` with a `{}`, as `{}`.",
            ty.to_text(),
            operation.accept
        ),
    };
    let deprecated = operation
        .is_deprecated()
        .then_some("The operation is deprecated: see the client method.");
    docs::attrs([
        Some(summary.as_str()),
        Some(request.as_str()),
        Some(answer.as_str()),
        deprecated,
    ])
}

/// The module's docs: what it offers and, when an operation can show it, a downstream test.
fn module_docs(api: &Api, krate: &CrateName) -> Vec<String> {
    let mut lines: Vec<String> = [
        "Typed mocks of the API's operations, for the tests of code that uses this crate (the `testing` feature, off by default).",
        "",
        "[`MockAtlas::start`] runs a local HTTP server on 127.0.0.1 and [`MockAtlas::client`] is a [`Client`] pointed at it. For each operation, [`MockAtlas`] has a method named like the client method, taking the same path parameters and returning an [`Expectation`] typed by the operation's success body and request body. An expectation matches a request only if it is what the spec asks for: the method, the exact path, the operation's versioned `Accept` media type, the body's `Content-Type`, a body that decodes into the request type (and equals `expect_body`'s, when given), and the declared query parameters (with `query`'s values). It answers with `respond_with` (the typed success body) or `fail_with` (a status and an Atlas error code, in the spec's error body), and expects at least one call, or as many as `times` says.",
        "",
        "A request no expectation matches is answered with `501` and the error code [`UNEXPECTED_REQUEST`], whose detail names the method, path, `Accept` and body that were sent and why each expectation rejected them. [`MockAtlas::verify`] returns every such request and every expectation called fewer times than it asked, so a test can also assert that a wrong request is caught; a server dropped with a problem that no `verify` returned panics.",
    ]
    .map(str::to_owned)
    .to_vec();
    if let Some(example) = example::lines(api, krate) {
        lines.push(String::new());
        lines.push("A unit test of a function that uses the client:".to_owned());
        lines.push(String::new());
        lines.push("```".to_owned());
        lines.extend(example);
        lines.push("```".to_owned());
    }
    lines
}

/// How the mock writes the spec's error body: the Atlas properties it has (`error`,
/// `errorCode`, `detail`, `reason`, each only with a type the value fits), from the status,
/// the error code and the detail; all four for an error body without a struct schema.
fn error_body_impl(api: &Api) -> TokenStream {
    let properties: Option<Vec<(&str, &TypeRef)>> = match &api.error_body {
        TypeRef::Named(name) => match api.types.get(name) {
            Some(TypeDef::Struct(def)) => Some(
                def.fields
                    .iter()
                    .map(|field| (field.wire_name.as_str(), &field.ty))
                    .collect(),
            ),
            _ => None,
        },
        _ => None,
    };
    let has = |wire: &str, fits: fn(&TypeRef) -> bool| {
        properties.as_ref().is_none_or(|properties| {
            properties
                .iter()
                .any(|(name, ty)| *name == wire && fits(ty))
        })
    };
    let number = |ty: &TypeRef| {
        matches!(
            ty,
            TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64
        )
    };
    let text = |ty: &TypeRef| *ty == TypeRef::String;
    let (detail, error, error_code, reason) = (
        has("detail", text),
        has("error", number),
        has("errorCode", text),
        has("reason", text),
    );
    let inserts: Vec<TokenStream> = [
        (detail, quote!(body.insert("detail".to_owned(), detail.into());)),
        (error, quote!(body.insert("error".to_owned(), status.as_u16().into());)),
        (error_code, quote!(body.insert("errorCode".to_owned(), error_code.into());)),
        (
            reason,
            quote!(body.insert("reason".to_owned(), status.canonical_reason().unwrap_or_default().into());),
        ),
    ]
    .into_iter()
    .filter_map(|(present, insert)| present.then_some(insert))
    .collect();
    // An argument no property uses is named `_…`, so any error body compiles without a warning.
    let argument = |used: bool, name: &str| {
        ident(&if used {
            name.to_owned()
        } else {
            format!("_{name}")
        })
    };
    let status = argument(error || reason, "status");
    let error_code = argument(error_code, "error_code");
    let detail = argument(detail, "detail");
    let body = if inserts.is_empty() {
        quote!(serde_json::Value::Object(serde_json::Map::new()))
    } else {
        quote! {
            let mut body = serde_json::Map::new();
            #(#inserts)*
            serde_json::Value::Object(body)
        }
    };
    quote! {
        /// The spec's error body, which [`Expectation::fail_with`](atlas_runtime::testing::Expectation::fail_with)
        /// and the answers to unexpected requests carry.
        impl atlas_runtime::testing::MockableClient for Client {
            fn error_body(#status: crate::StatusCode, #error_code: &str, #detail: &str) -> serde_json::Value {
                #body
            }
        }
    }
}
