//! `lib.rs` (crate docs, modules, re-exports, spec-derived constants) and `headers.rs`
//! (typed accessors for the response headers the spec declares).

use proc_macro2::TokenStream;
use quote::quote;

use super::{docs, ident, rust_type_tokens, type_tokens, CrateName, TypePath};
use crate::model::{Api, Field, PathArg, RustType, TypeDef, TypeRef};

pub fn tokens(api: &Api) -> TokenStream {
    let base_url = &api.default_base_url;
    let base_url_docs =
        format!(" The spec's server, where [`Client::new`] sends requests: `{base_url}`.");
    let error_body = type_tokens(&api.error_body, TypePath::Crate);
    let error_body_docs = match &api.error_body {
        TypeRef::Named(name) => format!(" The body of every error response: [`models::{name}`]."),
        _ => " The body of every error response (the spec gives it no schema).".to_owned(),
    };
    let (token_path, token_docs) = match oauth_token_path(api) {
        Some(path) => (
            quote!(Some(#path)),
            format!(" Where service-account credentials get their OAuth 2.0 access token, relative to the base URL (the spec's `tokenUrl`: `{}`).", api.default_base_url.clone() + &path),
        ),
        None => (quote!(None), " The spec declares no OAuth 2.0 client-credentials flow.".to_owned()),
    };
    let error_body_impl = error_body_impl(api);
    // With only some tag features enabled, parts of the crate go unused; that is expected,
    // not a defect of the crate.
    let subset_allow = (!super::features::all_features(api).is_empty()).then(|| {
        let full = super::features::FULL;
        quote!(#![cfg_attr(not(feature = #full), allow(dead_code, unused_imports))])
    });
    let headers = (!api.response_headers.is_empty()).then(|| {
        quote! {
            mod headers;
            pub use headers::DeclaredHeaders;
        }
    });
    // Only a crate with waiters or paginated operations names the runtime's items for them.
    let waiting = (!api.waiters.is_empty()).then(|| {
        quote! {
            pub use atlas_runtime::{JobIds, JobOutcome, PollEvent, WaitPolicy};

            /// A wait for a job, ready to start: `.await` it, or set its
            /// [`WaitPolicy`] first with `.policy(…)`. Returned by the `wait_for_…` methods of
            /// the [`Client`], by `send_and_wait` on the builders of operations that start
            /// a job, and by [`StartedJob::wait`](atlas_runtime::StartedJob::wait).
            pub type Wait<O> = atlas_runtime::Wait<O, ErrorBody>;

            /// Why a wait ended without a final answer, as [`Error::Wait`] holds it; a poll's
            /// error inside is an [`Error`] with its [`ErrorBody`].
            pub type WaitError = atlas_runtime::WaitError<ErrorBody>;

            /// A job an operation started, as `start_job()` on its builder returns it: the
            /// response `S`, the [`JobIds`] it is polled with, and `wait()` for the outcome `O`.
            pub type StartedJob<S, O> = atlas_runtime::StartedJob<S, O, ErrorBody>;
        }
    });
    let paging = api
        .operations
        .iter()
        .any(|operation| operation.pagination.is_some())
        .then(|| {
            quote! {
                pub use atlas_runtime::{PageError, Stream};

                /// Every page of a paginated list, as a [`Stream`]: `pages()` on the builder of
                /// a list operation.
                pub type Pages<P> = atlas_runtime::Pages<P, ErrorBody>;

                /// Every result of every page of a paginated list, as a [`Stream`]: `items()`
                /// on the builder of a list operation.
                pub type Items<P> = atlas_runtime::Items<P, ErrorBody>;

                /// The results `Items::collect_all` read before an error ended the walk, with
                /// that error.
                pub type PartialItems<T> = atlas_runtime::PartialItems<T, ErrorBody>;
            }
        });
    quote! {
        // The crate's README (`templates/README.md.in`, filled in) is its docs: one text, on
        // docs.rs and beside the code, whose Rust blocks are this crate's doctests.
        #![doc = include_str!("../README.md")]
        #![deny(missing_docs)]
        // docs.rs builds with `--cfg docsrs` (see Cargo.toml) and shows each item's feature.
        #![cfg_attr(docsrs, feature(doc_cfg))]
        #subset_allow

        pub mod models;
        pub mod operations;
        pub mod params;
        #headers
        #[cfg(feature = "testing")]
        #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
        pub mod testing;

        // What the generated checks and the models' encoding are made of; not part of this
        // crate's API (a spec that sends nothing to check leaves `validation` unused).
        #[allow(unused_imports)]
        use atlas_runtime::{object, validation};
        pub use atlas_runtime::{header, reqwest};
        pub use atlas_runtime::{
            ApiResponse, AttemptOutcome, AuthError, AuthErrorKind, CallOptions, Credentials,
            Deprecation, InvalidParameter, Method, Nullable, RequestHook, RequestInfo,
            ResponseHeaders, RetryBudget, RetryPolicy, SecretString, StatusCode, TransportError,
            TransportErrorKind, UndecodableBody, DEFAULT_CONNECT_TIMEOUT, DEFAULT_STALL_TIMEOUT,
            DEFAULT_TIMEOUT, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_PRIVATE_API_KEY,
            ENV_PUBLIC_API_KEY,
        };

        #[doc = #base_url_docs]
        pub const DEFAULT_BASE_URL: &str = #base_url;

        #[doc = #error_body_docs]
        pub type ErrorBody = #error_body;

        #[doc = #token_docs]
        pub const OAUTH_TOKEN_PATH: Option<&str> = #token_path;

        /// Everything that can go wrong calling the API: invalid input (nothing sent), transport,
        /// authentication, an error status with its decoded [`ErrorBody`], or a body that does
        /// not decode.
        pub type Error = atlas_runtime::Error<ErrorBody>;

        /// An error status with its decoded [`ErrorBody`].
        pub type ApiErrorResponse = atlas_runtime::ApiErrorResponse<ErrorBody>;

        /// Configures a [`Client`]: base URL, credentials, timeouts, user agent, retries.
        /// `build()` returns `Result<Client, Error>`.
        pub type ClientBuilder = atlas_runtime::ClientBuilder<Client>;

        #waiting
        #paging

        /// A client for the API. Cheap to clone; clones share connections and authentication
        /// state. Each operation is a method returning a request builder.
        #[derive(Clone, Debug)]
        pub struct Client {
            transport: atlas_runtime::Transport,
        }

        impl Client {
            /// A client for the default server with `credentials`.
            pub fn new(credentials: Credentials) -> Result<Self, Error> {
                Self::builder().credentials(credentials).build()
            }

            /// A client for the default server with credentials from the environment (see
            /// [`Credentials::from_env`]).
            pub fn from_env() -> Result<Self, Error> {
                Self::new(Credentials::from_env()?)
            }

            /// A builder with the spec's defaults.
            pub fn builder() -> ClientBuilder {
                ClientBuilder::new()
            }

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                self.transport.base_url()
            }

            /// What the generated operations send through.
            pub(crate) fn transport(&self) -> &atlas_runtime::Transport {
                &self.transport
            }
        }

        impl atlas_runtime::GeneratedClient for Client {
            type ErrorBody = ErrorBody;
            const DEFAULT_BASE_URL: &'static str = DEFAULT_BASE_URL;
            const OAUTH_TOKEN_PATH: Option<&'static str> = OAUTH_TOKEN_PATH;
            const USER_AGENT: &'static str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

            fn from_transport(transport: atlas_runtime::Transport) -> Self {
                Client { transport }
            }
        }

        #error_body_impl
    }
}

/// How the runtime reads the Atlas error code and detail from the error body: an impl for a
/// model type; nothing for a free-form body, which the runtime reads as JSON.
fn error_body_impl(api: &Api) -> Option<TokenStream> {
    let TypeRef::Named(name) = &api.error_body else {
        return None;
    };
    let ty = ident(name);
    let error_code = error_accessor(api, "errorCode");
    let detail = error_accessor(api, "detail");
    Some(quote! {
        impl atlas_runtime::ErrorBody for models::#ty {
            fn error_code(&self) -> Option<&str> {
                #error_code
            }

            fn detail(&self) -> Option<&str> {
                #detail
            }
        }
    })
}

/// The path of the spec's OAuth 2.0 client-credentials token URL (the token endpoint lives on
/// the API server, so a client with another base URL derives it from that).
pub(super) fn oauth_token_path(api: &Api) -> Option<String> {
    let url = api
        .security_schemes
        .iter()
        .find_map(|scheme| scheme.token_url.as_deref())?;
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme
        .find('/')
        .map_or("/", |slash| &after_scheme[slash..]);
    Some(path.to_owned())
}

/// The body of an accessor for the string property `wire` of the (named) error body.
fn error_accessor(api: &Api, wire: &str) -> TokenStream {
    match &api.error_body {
        TypeRef::Named(name) => {
            let field: Option<&Field> = match api.types.get(name) {
                Some(TypeDef::Struct(def)) => def
                    .fields
                    .iter()
                    .find(|field| field.wire_name == wire && field.ty == TypeRef::String),
                _ => None,
            };
            match field {
                Some(field) if !field.rust_type.is_option() => {
                    let name = ident(&field.rust_name);
                    quote!(Some(self.#name.as_str()))
                }
                Some(field) => {
                    let name = ident(&field.rust_name);
                    quote!(self.#name.as_deref())
                }
                None => quote!(None),
            }
        }
        _ => quote!(None),
    }
}

/// A compiled (not run) example calling the first non-deprecated operation without a body.
pub fn example(api: &Api, krate: &CrateName) -> Option<Vec<String>> {
    let lib = krate.lib();
    let operation = super::example::example_operation(api)?;
    let mut lines = vec![
        format!("# async fn example() -> Result<(), {lib}::Error> {{"),
        if operation.path_args.is_empty() {
            format!("use {lib}::{{Client, Credentials}};")
        } else {
            format!("use {lib}::{{params, Client, Credentials}};")
        },
        String::new(),
        "let token = std::env::var(\"ATLAS_TOKEN\").unwrap_or_default();".to_owned(),
        "let client = Client::new(Credentials::bearer_token(token))?;".to_owned(),
    ];
    let (parses, args) = path_argument_lines(api, &operation.path_args);
    lines.extend(parses);
    lines.push(format!(
        "let response = client.{}({}).await?;",
        operation.fn_name,
        args.join(", ")
    ));
    lines.push("println!(\"{} {:?}\", response.status(), response.body());".to_owned());
    lines.push("# Ok(())".to_owned());
    lines.push("# }".to_owned());
    Some(lines)
}

/// For an example: a line parsing each path argument (not an enum) from the spec's example
/// value, else `my-<name>`, and the arguments as a call passes them.
pub fn path_argument_lines(api: &Api, path_args: &[PathArg]) -> (Vec<String>, Vec<String>) {
    let mut lines = Vec::new();
    let mut args = Vec::new();
    for arg in path_args {
        let example = api
            .path_params
            .iter()
            .find(|param| param.type_name == arg.type_name)
            .and_then(|param| param.example.as_ref())
            .and_then(|example| example.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("my-{}", arg.wire_name));
        lines.push(format!(
            "let {}: params::{} = {example:?}.parse()?;",
            arg.rust_name, arg.type_name
        ));
        args.push(format!("&{}", arg.rust_name));
    }
    (lines, args)
}

pub fn header_accessors(api: &Api) -> TokenStream {
    let accessors = api.response_headers.iter().map(|header| {
        let name = ident(&header.fn_name);
        let wire = &header.wire_name;
        let wire_doc = format!("The `{wire}` header, when present and valid.");
        let docs = docs::attrs([header.description.as_deref(), Some(&wire_doc)]);
        let ty = rust_type_tokens(&header.rust_type, TypePath::Crate);
        // Borrowed text is read as it is; anything else is parsed.
        let read = match &header.rust_type {
            RustType::Option(value) if **value == RustType::Str => {
                quote!(self.headers().get(#wire))
            }
            _ => quote!(self.headers().parse(#wire)),
        };
        quote! {
            #docs
            fn #name(&self) -> #ty {
                #read
            }
        }
    });
    quote! {
        //! Typed accessors for the response headers the spec declares.

        use crate::ResponseHeaders;

        mod sealed {
            /// Implemented for the runtime's `ResponseHeaders` only.
            pub trait Sealed {
                fn headers(&self) -> &crate::ResponseHeaders;
            }

            impl Sealed for crate::ResponseHeaders {
                fn headers(&self) -> &crate::ResponseHeaders {
                    self
                }
            }
        }

        /// Typed accessors for the response headers the spec declares, on the
        /// [`ResponseHeaders`] of every response and error: `use` this trait to call them.
        /// Sealed (implemented for `ResponseHeaders` only), so a release can add accessors for
        /// headers the spec adds.
        pub trait DeclaredHeaders: sealed::Sealed {
            #(#accessors)*
        }

        impl DeclaredHeaders for ResponseHeaders {}
    }
}
