//! `examples/`: runnable programs that read credentials from the environment: one calls the
//! first non-deprecated operation it can call with path parameters alone and prints the result
//! as JSON (or a helpful error); one starts a job and waits for it
//! (`<operation>_and_wait.rs`), when the spec has a waiter it can show.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{ident, CrateName};
use crate::model::{Api, Operation, PathArg, RustType, TypeDef, TypeRef, Until};
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
    program(api).map(|program| program.tokens(krate_name))
}

/// `(file name, tokens)` of the waiting example, when the spec has a job to start and wait for.
pub fn wait_tokens(api: &Api, krate_name: &CrateName) -> Option<(String, TokenStream)> {
    wait_program(api).map(|program| program.tokens(krate_name))
}

/// Each example program's name (`examples/<name>.rs`) and the environment variables it reads,
/// as the Markdown list its docs give, for the README.
pub fn programs_and_variables(api: &Api) -> Vec<(String, Vec<String>)> {
    [program(api), wait_program(api)]
        .into_iter()
        .flatten()
        .map(|program| {
            let lines = program.env_lines();
            (program.file, lines)
        })
        .collect()
}

/// The example calling the first operation an example can call with path parameters alone.
fn program(api: &Api) -> Option<Program> {
    let operation = example_operation(api)?;
    let fn_name = ident(&operation.fn_name);
    let summary = operation.summary.as_deref().unwrap_or(&operation.name);
    let (env_lines, reads, args) = path_arguments(&operation.path_args);
    let body = quote! {
        #(#reads)*
        let response = client.#fn_name(#(#args),*).await.map_err(explain)?;
        let body = serde_json::to_string_pretty(response.body()).map_err(|error| error.to_string())?;
        println!("{body}");
        Ok(())
    };
    let program = Program {
        file: operation.fn_name.clone(),
        summary: summary.to_owned(),
        env_lines,
        uses_params: !operation.path_args.is_empty(),
        reads_env: !operation.path_args.is_empty(),
        extra_imports: Vec::new(),
        body,
    };
    Some(program)
}

/// The waiting example: the first operation that starts a job whose waiter ends on a state,
/// with a body (if any) `new` can build from strings, is sent, and the example waits for the
/// job, printing each state it sees.
fn wait_program(api: &Api) -> Option<Program> {
    let (waiter, operation, body) = api.waiters.iter().find_map(|waiter| {
        if !matches!(waiter.until, Until::State { .. }) {
            return None;
        }
        waiter.triggers.iter().find_map(|trigger| {
            let operation = api
                .operations
                .iter()
                .find(|operation| operation.fn_name == trigger.operation)?;
            if operation.is_deprecated()
                || operation.path_args.iter().any(|arg| arg.is_enum)
                || operation
                    .query_params
                    .iter()
                    .chain(&operation.header_params)
                    .any(|param| param.required)
            {
                return None;
            }
            let body = match &operation.request_body {
                None => None,
                Some(body) if !body.required => None,
                Some(body) => Some(buildable_body(api, &body.ty)?),
            };
            // A body field named like a path argument would shadow it.
            let shadows = body.as_ref().is_some_and(|(_, body)| {
                body.fields.iter().any(|(rust_name, _, _)| {
                    operation
                        .path_args
                        .iter()
                        .any(|arg| &arg.rust_name == rust_name)
                })
            });
            if shadows {
                return None;
            }
            Some((waiter, operation, body))
        })
    })?;
    let fn_name = ident(&operation.fn_name);
    let (mut env_lines, mut reads, mut args) = path_arguments(&operation.path_args);
    let has_body = body.is_some();
    let mut uses_params = !operation.path_args.is_empty();
    if let Some((type_name, constructor)) = &body {
        let ty = format_ident!("{}", type_name);
        let mut values = Vec::new();
        for (rust_name, field, type_tokens) in &constructor.fields {
            let variable = env_var(field);
            env_lines.push(format!(" - `{variable}`: the body's `{field}`;"));
            // The field's own name, so a `{Type}Required` literal can take it as it is.
            let name = ident(rust_name);
            reads.push(match type_tokens {
                None => quote!(let #name = required(#variable)?;),
                Some(param) => {
                    uses_params = true;
                    quote! {
                        let #name: params::#param = required(#variable)?
                            .parse()
                            .map_err(|error| format!("{}: {error}", #variable))?;
                    }
                }
            });
            values.push(name);
        }
        let build = match &constructor.named {
            Some(named) => {
                let named = format_ident!("{}", named);
                quote!(models::#ty::new(models::#named { #(#values),* }))
            }
            None => quote!(models::#ty::new(#(#values),*)),
        };
        match &constructor.labels {
            None => reads.push(quote!(let body = #build;)),
            // Labels only when asked for: an empty list could clear the resource's own.
            Some(labels) => {
                let variable = env_var(&labels.wire_name);
                env_lines.push(format!(
                    " - optionally `{variable}`: the body's `{}`, as `key=value` pairs separated by commas;",
                    labels.wire_name
                ));
                let (label, setter, key, value) = (
                    format_ident!("{}", labels.type_name),
                    ident(&labels.setter),
                    ident(&labels.key_setter),
                    ident(&labels.value_setter),
                );
                reads.push(quote! {
                    let mut body = #build;
                    if let Ok(pairs) = std::env::var(#variable) {
                        let labels = pairs.split(',').map(|pair| match pair.split_once('=') {
                            Some((key, value)) => Ok(models::#label::new().#key(key).#value(value)),
                            None => Err(format!("{}: `{pair}` is not `key=value`", #variable)),
                        });
                        body = body.#setter(labels.collect::<Result<Vec<_>, _>>()?);
                    }
                });
            }
        }
        args.push(quote!(body));
    }
    let reads_env = !reads.is_empty();
    let summary = format!(
        "{}, then wait for the job it starts ({})",
        operation.summary.as_deref().unwrap_or(&operation.name),
        waiter.fn_name
    );
    let body = quote! {
        #(#reads)*
        let policy = WaitPolicy::default().on_poll(|poll| {
            eprintln!("poll {}: {}", poll.poll, poll.state.unwrap_or("(no state)"));
        });
        let outcome = client
            .#fn_name(#(#args),*)
            .send_and_wait()
            .policy(policy)
            .await
            .map_err(explain)?;
        let body = serde_json::to_string_pretty(outcome.value()).map_err(|error| error.to_string())?;
        println!("{body}");
        match outcome {
            JobOutcome::Succeeded(_) => Ok(()),
            JobOutcome::Failed { state, .. } => Err(format!("the job ended `{state}`")),
        }
    };
    let program = Program {
        file: format!("{}_and_wait", operation.fn_name),
        summary,
        env_lines,
        uses_params,
        reads_env,
        extra_imports: if has_body {
            vec!["models", "JobOutcome", "WaitPolicy"]
        } else {
            vec!["JobOutcome", "WaitPolicy"]
        },
        body,
    };
    Some(program)
}

/// A required body `new` can build from strings read from the environment: its
/// constructor's fields by Rust and wire name, each a `String` (`None`) or an id newtype;
/// and its first list of key/value labels, which the example sets with their setters.
struct Buildable {
    fields: Vec<(String, String, Option<syn::Ident>)>,
    named: Option<String>,
    labels: Option<Labels>,
}

/// An optional list field of structs holding exactly an optional `key` and `value` (a
/// `BackupLabel`, a resource tag), by the names of the setters that fill it.
struct Labels {
    wire_name: String,
    setter: String,
    type_name: String,
    key_setter: String,
    value_setter: String,
}

/// The first field of `def` that is a list of key/value labels.
fn labels(api: &Api, def: &crate::model::StructDef) -> Option<Labels> {
    def.fields.iter().find_map(|field| {
        let RustType::Option(inner) = &field.rust_type else {
            return None;
        };
        let RustType::Plain(TypeRef::Vec(item)) = inner.as_ref() else {
            return None;
        };
        let TypeRef::Named(type_name) = item.as_ref() else {
            return None;
        };
        let Some(TypeDef::Struct(label)) = api.types.get(type_name) else {
            return None;
        };
        let text = RustType::Option(Box::new(RustType::Plain(TypeRef::String)));
        let setter_of = |wire: &str| {
            label
                .fields
                .iter()
                .find(|field| field.wire_name == wire && field.rust_type == text)
                .map(|field| field.setter.clone())
        };
        let (key_setter, value_setter) = (setter_of("key")?, setter_of("value")?);
        (label.fields.len() == 2).then(|| Labels {
            wire_name: field.wire_name.clone(),
            setter: field.setter.clone(),
            type_name: type_name.clone(),
            key_setter,
            value_setter,
        })
    })
}

fn buildable_body(api: &Api, ty: &TypeRef) -> Option<(String, Buildable)> {
    let TypeRef::Named(name) = ty else {
        return None;
    };
    let Some(TypeDef::Struct(def)) = api.types.get(name) else {
        return None;
    };
    let mut fields = Vec::new();
    for rust_name in &def.constructor.fields {
        let field = def
            .fields
            .iter()
            .find(|field| &field.rust_name == rust_name)?;
        let ty = match &field.rust_type {
            RustType::Plain(TypeRef::String) => None,
            RustType::Param(param) => Some(format_ident!("{}", param)),
            _ => return None,
        };
        fields.push((field.rust_name.clone(), field.wire_name.clone(), ty));
    }
    Some((
        def.name.clone(),
        Buildable {
            fields,
            named: def.constructor.named.clone(),
            labels: labels(api, def),
        },
    ))
}

/// The environment lines, reads and call arguments of `path_args`.
fn path_arguments(path_args: &[PathArg]) -> (Vec<String>, Vec<TokenStream>, Vec<TokenStream>) {
    let mut env_lines = vec![" - `MONGODB_ATLAS_CLIENT_ID` and `MONGODB_ATLAS_CLIENT_SECRET` (a service account), or `MONGODB_ATLAS_PUBLIC_API_KEY` and `MONGODB_ATLAS_PRIVATE_API_KEY` (an API key);".to_owned()];
    let mut reads = Vec::new();
    let mut args = Vec::new();
    for arg in path_args {
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
    (env_lines, reads, args)
}

/// One example program: what it says about itself and what `run` does once the client is
/// built.
struct Program {
    file: String,
    summary: String,
    env_lines: Vec<String>,
    /// Whether it names `params` (an id newtype).
    uses_params: bool,
    /// Whether it reads a variable other than the credentials.
    reads_env: bool,
    /// What it uses from the crate besides the client, credentials and errors.
    extra_imports: Vec<&'static str>,
    body: TokenStream,
}

impl Program {
    /// The variables it reads, one Markdown list line each (with a leading space, as a doc
    /// line).
    fn env_lines(&self) -> Vec<String> {
        let mut lines = self.env_lines.clone();
        lines.push(" - optionally `ATLAS_BASE_URL` (default: the spec's server).".to_owned());
        lines
    }

    fn tokens(self, krate_name: &CrateName) -> (String, TokenStream) {
        let env_lines = self.env_lines();
        let Program {
            file,
            summary,
            env_lines: _,
            uses_params,
            reads_env,
            extra_imports,
            body,
        } = self;
        let run_line = format!(" cargo run -p {} --example {file}", krate_name.package());
        let krate = ident(&krate_name.lib());
        let summary = format!(" {summary}");
        // In rustfmt's order: modules, then types.
        let mut imports = vec!["Client", "Credentials", "Error", "StatusCode"];
        imports.extend(extra_imports);
        if uses_params {
            imports.push("params");
        }
        imports.sort_by_key(|name| (name.starts_with(char::is_uppercase), *name));
        let imports = imports.into_iter().map(ident);
        let imports = quote!(use #krate::{#(#imports),*};);
        let required = reads_env.then(|| {
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
                #body
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
        (format!("examples/{file}.rs"), tokens)
    }
}
