//! `operations.rs`: a `Client` method and a request builder per operation.
//!
//! The method takes the required parameters (validated path newtypes, a required body); the
//! builder it returns has a setter per optional query parameter and is sent with `.send()` or
//! simply `.await`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{docs, ident, rust_type_tokens, type_tokens, TypePath};
use crate::model::{Api, Operation, QueryParam, RustType, TypeRef};

/// The file in pieces: the docs, imports and `Client` methods; the builders, a few dozen
/// operations each; the waiters. A large spec's builders are made, parsed and printed a piece
/// at a time, on whichever thread is free.
pub fn pieces(api: &Api) -> Vec<super::Piece<'_>> {
    /// Operations per piece: about as much code as a piece of `models.rs`.
    const OPERATIONS_PER_PIECE: usize = 32;
    let mut pieces: Vec<super::Piece<'_>> = vec![Box::new(|| {
        let methods = api.operations.iter().map(method_tokens);
        quote! {
            //! One request builder per operation; each is created by the `Client` method of the
            //! same name.

            use std::future::{Future, IntoFuture};
            use std::pin::Pin;

            use crate::{ApiResponse, Client, Error};

            impl Client {
                #(#methods)*
            }
        }
    })];
    for chunk in api.operations.chunks(OPERATIONS_PER_PIECE) {
        pieces.push(Box::new(move || {
            let builders = chunk.iter().map(|operation| {
                super::features::gate_items(
                    builder_tokens(api, operation),
                    &super::features::for_operation(operation),
                )
            });
            quote!(#(#builders)*)
        }));
    }
    pieces.push(Box::new(|| super::waiters::tokens(api)));
    pieces
}

fn success_type(operation: &Operation) -> TokenStream {
    rust_type_tokens(&operation.success.rust_type, TypePath::Crate)
}

/// The path argument's type: a validated newtype, or a string enum.
fn path_arg_type(arg: &crate::model::PathArg) -> TokenStream {
    rust_type_tokens(&arg.rust_type, TypePath::Crate)
}

/// Required query parameters are arguments; optional ones get setters.
fn required_query(operation: &Operation) -> impl Iterator<Item = &QueryParam> {
    operation
        .query_params
        .iter()
        .chain(&operation.header_params)
        .filter(|query| query.required)
}

fn body_required(operation: &Operation) -> bool {
    operation
        .request_body
        .as_ref()
        .is_some_and(|body| body.required)
}

fn method_tokens(operation: &Operation) -> TokenStream {
    let fn_name = ident(&operation.fn_name);
    let builder = ident(&operation.builder_name);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for arg in &operation.path_args {
        let name = ident(&arg.rust_name);
        let ty = path_arg_type(arg);
        args.push(quote!(#name: &#ty));
        inits.push(quote!(#name: #name.clone()));
    }
    for query in required_query(operation) {
        let name = ident(&query.rust_name);
        let ty = rust_type_tokens(&query.rust_type, TypePath::Crate);
        args.push(quote!(#name: #ty));
        inits.push(quote!(#name));
    }
    for query in operation
        .query_params
        .iter()
        .chain(&operation.header_params)
        .filter(|query| !query.required)
    {
        let name = ident(&query.rust_name);
        inits.push(quote!(#name: None));
    }
    if let Some(body) = &operation.request_body {
        let ty = rust_type_tokens(&body.rust_type, TypePath::Crate);
        if body.required {
            args.push(quote!(body: #ty));
            inits.push(quote!(body));
        } else {
            inits.push(quote!(body: None));
        }
    }

    let request_line = format!(
        "Sends `{} {}` with `Accept: {}`.",
        operation.method, operation.path, operation.accept
    );
    let roles = (!operation.roles.is_empty())
        .then(|| format!("Required roles: {}.", operation.roles.join(", ")));
    let docs_url = operation
        .docs_url
        .as_ref()
        .map(|url| format!("Atlas documentation: <{url}>"));
    let statuses: Vec<String> = operation
        .errors
        .iter()
        .map(|error| match &error.other_body {
            Some(body) => format!(
                "{} (its body is a `{}`: decode it from [`Error::UndecodableBody`]'s text)",
                error.status,
                type_name_for_docs(body)
            ),
            None => error.status.to_string(),
        })
        .collect();
    let errors = format!(
        "# Errors\n\nThe builder's `send` fails with [`Error::Api`] for the error statuses the spec declares ({}) and for any other error status Atlas sends; see [`Error`] for the other cases.",
        if statuses.is_empty() { "none".to_owned() } else { statuses.join(", ") }
    );
    let deprecated_note = match (&operation.sunset, operation.deprecated) {
        (Some(date), _) => Some(format!(
            "**Deprecated**: resource version {} is sunset on {date}; after that Atlas answers `410 Gone`. Regenerate with a later `--api-version` to move on.",
            operation.api_version.as_deref().unwrap_or("of this operation")
        )),
        (None, true) => Some("**Deprecated** in the spec: Atlas may remove this operation.".to_owned()),
        (None, false) => None,
    };
    let docs = docs::attrs([
        operation.summary.as_deref(),
        operation.description.as_deref(),
        deprecated_note.as_deref(),
        Some(&request_line),
        roles.as_deref(),
        docs_url.as_deref(),
        Some(&errors),
    ]);
    let deprecated = match (&operation.sunset, operation.deprecated) {
        (Some(date), _) => {
            let note = format!(
                "resource version {} of `{}` is sunset on {date}",
                operation.api_version.as_deref().unwrap_or("?"),
                operation.name
            );
            Some(quote!(#[deprecated(note = #note)]))
        }
        (None, true) => {
            let note = format!(
                "`{}` is deprecated in the Atlas Admin API spec",
                operation.name
            );
            Some(quote!(#[deprecated(note = #note)]))
        }
        (None, false) => None,
    };
    // Clippy's limit counts `self`; required parameters are positional by design.
    let allow_many = (args.len() + 1 > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let gate = super::features::for_operation(operation);
    quote! {
        #docs
        #deprecated
        #allow_many
        #gate
        pub fn #fn_name(&self, #(#args),*) -> #builder {
            #builder { client: self.clone(), options: atlas_runtime::CallOptions::new(), #(#inits),* }
        }
    }
}

fn type_name_for_docs(ty: &TypeRef) -> String {
    type_tokens(ty, TypePath::Crate)
        .to_string()
        .replace(' ', "")
}

/// Pushes the parameter's value (each item of an array) onto `list`.
fn push_value(query: &QueryParam, list: &syn::Ident, value: TokenStream) -> TokenStream {
    let wire = &query.wire_name;
    let one = |item: TokenStream, ty: &TypeRef| match ty {
        TypeRef::String => quote!(#item.clone()),
        TypeRef::DateTime => quote!(#item.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        _ => quote!(#item.to_string()),
    };
    match &query.ty {
        TypeRef::Vec(item) => {
            let each = one(quote!(item), item);
            quote! {
                for item in #value.iter() {
                    #list.push((#wire, #each));
                }
            }
        }
        ty => {
            let each = one(value, ty);
            quote!(#list.push((#wire, #each));)
        }
    }
}

fn builder_tokens(api: &Api, operation: &Operation) -> TokenStream {
    let builder = ident(&operation.builder_name);
    let fn_name = &operation.fn_name;
    let method = ident(&operation.method);
    let method_name = &operation.method;
    // What hooks, spans and errors call the operation: the name its docs use (the spec's
    // `x-xgen-operation-id-override` when it has one), the same everywhere.
    let operation_id = &operation.name;
    let path = &operation.path;
    let accept = &operation.accept;
    let success = success_type(operation);

    let mut fields = vec![
        quote!(client: Client),
        quote!(options: atlas_runtime::CallOptions),
    ];
    for arg in &operation.path_args {
        let name = ident(&arg.rust_name);
        let ty = path_arg_type(arg);
        fields.push(quote!(#name: #ty));
    }
    let mut setters = Vec::new();
    let mut query_pushes = Vec::new();
    let mut header_pushes = Vec::new();
    let query_list = ident("query");
    let header_list = ident("headers");
    let parameters = operation
        .query_params
        .iter()
        .map(|query| (query, &query_list))
        .chain(
            operation
                .header_params
                .iter()
                .map(|header| (header, &header_list)),
        );
    for (query, list) in parameters {
        let pushes = if *list == "query" {
            &mut query_pushes
        } else {
            &mut header_pushes
        };
        let name = ident(&query.rust_name);
        let ty = rust_type_tokens(&query.rust_type, TypePath::Crate);
        if query.required {
            fields.push(quote!(#name: #ty));
            pushes.push(push_value(query, list, quote!(self.#name)));
        } else {
            fields.push(quote!(#name: Option<#ty>));
            let default = query
                .default
                .as_ref()
                .map(|value| format!("Defaults to `{value}` on the server."));
            let location = if *list == "query" { "query" } else { "header" };
            let what = format!("Sets the `{}` {location} parameter.", query.wire_name);
            let setter_docs = docs::attrs([
                query.description.as_deref().or(Some(what.as_str())),
                default.as_deref(),
            ]);
            setters.push(quote! {
                #setter_docs
                pub fn #name(mut self, value: #ty) -> Self {
                    self.#name = Some(value);
                    self
                }
            });
            let push = push_value(query, list, quote!(value));
            pushes.push(quote! {
                if let Some(value) = &self.#name {
                    #push
                }
            });
        }
    }
    let mut body_setter = None;
    let body = match &operation.request_body {
        None => quote!(None),
        Some(request_body) => {
            let ty = rust_type_tokens(&request_body.rust_type, TypePath::Crate);
            let media_type = &request_body.media_type;
            let validates = super::models::validates(api, &request_body.ty);
            let validate = validates
                .then(|| quote!(crate::validation::Validate::validate(body, &"body".into())?;));
            if body_required(operation) {
                fields.push(quote!(body: #ty));
                quote! {{
                    let body = &self.body;
                    #validate
                    Some((#media_type, serde_json::to_vec(body)))
                }}
            } else {
                fields.push(quote!(body: Option<#ty>));
                let body_docs = docs::attrs([request_body
                    .description
                    .as_deref()
                    .or(Some("Sets the request body."))]);
                body_setter = Some(quote! {
                    #body_docs
                    pub fn body(mut self, body: #ty) -> Self {
                        self.body = Some(body);
                        self
                    }
                });
                quote! {
                    match &self.body {
                        Some(body) => {
                            #validate
                            Some((#media_type, serde_json::to_vec(body)))
                        }
                        None => None,
                    }
                }
            }
        }
    };

    // Everything sent is checked before anything is: path identifiers (which may have been
    // decoded from a response, unchecked), then query and header values.
    let path_checks = operation
        .path_args
        .iter()
        .filter(|arg| matches!(arg.rust_type, RustType::Param(_)))
        .map(|arg| {
            let wire = &arg.wire_name;
            let name = ident(&arg.rust_name);
            quote!(crate::validation::Validate::validate(&self.#name, &#wire.into())?;)
        });
    let parameter_checks = operation
        .query_params
        .iter()
        .chain(&operation.header_params)
        .filter_map(|param| {
            let wire = &param.wire_name;
            let name = ident(&param.rust_name);
            super::constraints::check(
                &param.constraints,
                &param.ty,
                quote!(&self.#name),
                quote!(&#wire.into()),
            )
        });
    let path_params = operation.path_args.iter().map(|arg| {
        let wire = &arg.wire_name;
        let name = ident(&arg.rust_name);
        quote!((#wire, self.#name.as_str()))
    });
    let declared: Vec<Literal> = operation
        .errors
        .iter()
        .map(|error| Literal::u16_unsuffixed(error.status))
        .collect();
    let query_init = if query_pushes.is_empty() {
        quote!(let query = Vec::new();)
    } else {
        quote! {
            let mut query = Vec::new();
            #(#query_pushes)*
        }
    };
    let header_init = if header_pushes.is_empty() {
        quote!(let headers = Vec::new();)
    } else {
        quote! {
            let mut headers = Vec::new();
            #(#header_pushes)*
        }
    };
    // One push per parameter, each written the same way whether it is always sent or only
    // when set (so a list of required ones only is not a `vec![]`).
    let allow_pushes = (!query_pushes.is_empty() || !header_pushes.is_empty())
        .then(|| quote!(#[allow(clippy::vec_init_then_push)]));
    let execute = if operation.success.raw {
        quote!(execute_raw)
    } else {
        quote!(execute)
    };

    let pager = super::pagination::pager_methods(operation);
    let call_options = call_option_methods();
    let builder_docs = format!(
        " Request builder for [`Client::{fn_name}`]: set optional parameters, then `.send()` or `.await` it."
    );
    let send_docs = " Sends the request. A value that fails the spec's checks gives [`Error::InvalidParameter`] without sending anything.";
    let media_docs = match &operation.api_version {
        Some(version) => {
            format!(" The versioned media type sent as `Accept` (resource version {version}).")
        }
        None => " The media type sent as `Accept`.".to_owned(),
    };
    quote! {
        #[doc = #builder_docs]
        #[must_use = "a request does nothing until it is sent or awaited"]
        #[derive(Debug, Clone)]
        pub struct #builder {
            #(#fields,)*
        }

        impl #builder {
            /// The HTTP method.
            pub const METHOD: &'static str = #method_name;
            /// The path template, as in the spec.
            pub const PATH: &'static str = #path;
            #[doc = #media_docs]
            pub const MEDIA_TYPE: &'static str = #accept;

            #(#setters)*
            #body_setter
            #call_options
            #pager

            #[doc = #send_docs]
            #allow_pushes
            pub async fn send(self) -> Result<ApiResponse<#success>, Error> {
                #(#path_checks)*
                #(#parameter_checks)*
                #query_init
                #header_init
                self.client
                    .transport()
                    .#execute(atlas_runtime::PreparedRequest {
                        operation_id: #operation_id,
                        method: atlas_runtime::Method::#method,
                        path: Self::PATH,
                        path_params: &[#(#path_params),*],
                        query,
                        headers,
                        accept: Self::MEDIA_TYPE,
                        body: #body,
                        declared_errors: &[#(#declared),*],
                        options: &self.options,
                    })
                    .await
            }
        }

        impl IntoFuture for #builder {
            type Output = Result<ApiResponse<#success>, Error>;
            type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'static>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    }
}

/// The per-call settings every request builder has, each a field of the runtime's
/// `CallOptions` (which checks and applies them): the same four methods on every builder.
fn call_option_methods() -> TokenStream {
    quote! {
        /// Sets how long each attempt of this call may take, instead of the client's
        /// `timeout`.
        pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options = self.options.timeout(timeout);
            self
        }

        /// Sets how long this whole call may take (attempts, waits between them, waits for
        /// the rate limit), instead of the client's `deadline`. When it passes, the attempt in
        /// flight is cut and the call fails with [`crate::TransportErrorKind::Deadline`].
        pub fn with_deadline(mut self, deadline: std::time::Duration) -> Self {
            self.options = self.options.deadline(deadline);
            self
        }

        /// Sets how this call is retried, instead of the client's retry policy (for example
        /// `RetryPolicy::default().retry_non_idempotent(true)` for one `POST` that is safe to
        /// send again).
        pub fn with_retry_policy(mut self, retry: crate::RetryPolicy) -> Self {
            self.options = self.options.retry_policy(retry);
            self
        }

        /// Sets all of this call's own settings at once (a [`crate::CallOptions`] kept for
        /// calls of one kind), replacing any set before.
        pub fn with_options(mut self, options: crate::CallOptions) -> Self {
            self.options = options;
            self
        }
    }
}
