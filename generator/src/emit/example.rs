//! `examples/<operation>.rs`: a runnable program that reads credentials from the environment
//! and calls the first non-deprecated `GET` operation, printing the result as JSON or a
//! helpful error.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{ident, CrateName};
use crate::model::{Api, Operation};
use crate::naming::screaming;

/// The operation examples use: the first non-deprecated one without a body or required query.
pub fn example_operation(api: &Api) -> Option<&Operation> {
    api.operations.iter().find(|operation| can_show(operation))
}

/// Whether an example can call `operation` with path parameters alone: it is not deprecated,
/// takes no body, no required query or header, no enum path parameter, and answers JSON.
pub fn can_show(operation: &Operation) -> bool {
    !operation.is_deprecated()
        && operation.request_body.is_none()
        && operation.query_params.iter().all(|query| !query.required)
        && operation
            .header_params
            .iter()
            .all(|header| !header.required)
        && operation.path_args.iter().all(|arg| !arg.is_enum)
        && !operation.success.raw
}

/// The environment variable an example reads a path parameter from.
pub fn env_var(wire_name: &str) -> String {
    format!("ATLAS_{}", screaming(wire_name))
}

/// `(file name, tokens)` of the example, when the spec has an operation to show.
pub fn tokens(api: &Api, krate_name: &CrateName) -> Option<(String, TokenStream)> {
    let operation = example_operation(api)?;
    let fn_name = ident(&operation.fn_name);
    let file = format!("examples/{}.rs", operation.fn_name);
    let run_line = format!(
        " cargo run -p {} --example {}",
        krate_name.package(),
        operation.fn_name
    );
    let krate = ident(&krate_name.lib());
    let summary = format!(
        " {}",
        operation.summary.as_deref().unwrap_or(&operation.name)
    );
    let mut env_lines = vec![" - `MONGODB_ATLAS_CLIENT_ID` and `MONGODB_ATLAS_CLIENT_SECRET` (a service account), or `MONGODB_ATLAS_PUBLIC_API_KEY` and `MONGODB_ATLAS_PRIVATE_API_KEY` (an API key);".to_owned()];
    let mut reads = Vec::new();
    let mut args = Vec::new();
    for arg in &operation.path_args {
        let variable = env_var(&arg.wire_name);
        env_lines.push(format!(
            " - `{variable}`: the `{}` path parameter;",
            arg.wire_name
        ));
        let name = ident(&arg.rust_name);
        let ty = format_ident!("{}", arg.type_name);
        reads.push(quote! {
            let #name: params::#ty = required(#variable)?
                .parse()
                .map_err(|error| format!("{}: {error}", #variable))?;
        });
        args.push(quote!(&#name));
    }
    env_lines.push(" - optionally `ATLAS_BASE_URL` (default: the spec's server).".to_owned());
    let has_params = !operation.path_args.is_empty();
    let imports = if has_params {
        quote!(
            use #krate::{params, Client, Credentials, Error, StatusCode};
        )
    } else {
        quote!(
            use #krate::{Client, Credentials, Error, StatusCode};
        )
    };
    let required = has_params.then(|| {
        quote! {
            /// A variable the example cannot do without.
            fn required(name: &str) -> Result<String, String> {
                std::env::var(name).map_err(|_| format!("{name} is not set"))
            }
        }
    });
    let tokens = quote! {
        #![doc = #summary]
        //!
        //! Reads its credentials and parameters from the environment:
        #(#![doc = #env_lines])*
        //!
        //! ```text
        #![doc = #run_line]
        //! ```

        use std::process::ExitCode;

        #imports

        #[tokio::main]
        async fn main() -> ExitCode {
            match run().await {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            }
        }

        #required

        async fn run() -> Result<(), String> {
            let credentials = Credentials::from_env().map_err(|error| error.to_string())?;
            let mut builder = Client::builder().credentials(credentials);
            if let Ok(base_url) = std::env::var("ATLAS_BASE_URL") {
                builder = builder.base_url(base_url);
            }
            let client = builder.build().map_err(|error| error.to_string())?;
            #(#reads)*
            let response = client.#fn_name(#(#args),*).await.map_err(explain)?;
            let body = serde_json::to_string_pretty(response.body()).map_err(|error| error.to_string())?;
            println!("{body}");
            Ok(())
        }

        /// The error, with a hint for the mistakes people make most.
        fn explain(error: Error) -> String {
            let hint = match error.status() {
                Some(StatusCode::UNAUTHORIZED) => "check the credentials, and that this machine's IP is on the organization's access list",
                Some(StatusCode::FORBIDDEN) => "the credentials lack a role this operation requires",
                Some(StatusCode::NOT_FOUND) => "check the ids: the project, cluster or job does not exist",
                _ if error.is_timeout() => "Atlas did not answer in time; try again",
                _ => "",
            };
            if hint.is_empty() {
                error.to_string()
            } else {
                format!("{error}\nhint: {hint}")
            }
        }
    };
    Some((file, tokens))
}
