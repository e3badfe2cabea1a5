//! What each command does: build the operation's request with the client's own method and
//! builder (there is no second HTTP path), then hand the result to the runtime's session,
//! which prints it (or the request a dry run did not send) and decides the exit status.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::{ident, rust_type_tokens, TypePath};
use super::flags::{ALL_FIELD, BODY_FIELD, OUTPUT_FILE_FIELD, WAIT_FIELD, WATCH_FIELD};
use super::plan::{profile_key, Command, Group, Kind, Plan};
use crate::model::{Operation, PathArg, Waiter};

/// `impl <Args> { async fn run(self, session) }` for `command` of `group`.
pub fn run_impl(
    plan: &Plan<'_>,
    command: &Command<'_>,
    group: &Group<'_>,
    program: &str,
    lib: &str,
) -> TokenStream {
    let name = ident(&command.args_type);
    let lib_ident = ident(lib);
    let body = match &command.kind {
        Kind::Operation { operation, watch } => {
            operation_body(plan, operation, *watch, command, program, lib)
        }
        Kind::Wait { waiter, .. } => wait_body(waiter, command, group, program),
    };
    let allow = match &command.kind {
        // The client method warns for a deprecated operation or a sunset resource version;
        // the command says so on stderr instead.
        Kind::Operation { operation, .. } if operation.is_deprecated() => {
            quote!(#[allow(deprecated)])
        }
        _ => TokenStream::new(),
    };
    quote! {
        impl #name {
            #allow
            async fn run(
                self,
                session: &atlas_runtime::cli::Session<#lib_ident::Client>,
            ) -> Result<(), atlas_runtime::cli::Failure> {
                #body
            }
        }
    }
}

/// `let group_id = …;` for each path argument: the flag's value, or the profile's.
fn path_values(args: &[PathArg], command: &Command<'_>) -> Vec<TokenStream> {
    args.iter()
        .map(|arg| {
            let name = ident(&arg.rust_name);
            match profile_key(&arg.wire_name).filter(|_| arg.rust_type.param().is_some()) {
                Some(key) => {
                    let flag = command
                        .flags
                        .get(&arg.wire_name)
                        .cloned()
                        .unwrap_or_default();
                    quote!(let #name = session.or_default(self.#name, #flag, #key)?;)
                }
                None => quote!(let #name = self.#name;),
            }
        })
        .collect()
}

fn operation_body(
    plan: &Plan<'_>,
    operation: &Operation,
    watch: Option<(&Waiter, &Operation)>,
    command: &Command<'_>,
    program: &str,
    lib: &str,
) -> TokenStream {
    let method = ident(&operation.fn_name);
    let operation_name = &operation.name;
    let deprecated = operation
        .deprecated
        .then(|| quote!(session.deprecated(#operation_name);));
    let sunset = operation.sunset.as_ref().map(|date| {
        let version = operation.api_version.clone().unwrap_or_default();
        quote!(session.sunset(#operation_name, #version, #date);)
    });
    let paths = path_values(&operation.path_args, command);
    let mut call_args: Vec<TokenStream> = operation
        .path_args
        .iter()
        .map(|arg| {
            let name = ident(&arg.rust_name);
            quote!(&#name)
        })
        .collect();
    let mut setters = Vec::new();
    for param in operation
        .query_params
        .iter()
        .chain(&operation.header_params)
    {
        let name = ident(&param.rust_name);
        let is_list = matches!(param.ty, crate::model::TypeRef::Vec(_));
        if param.required {
            call_args.push(quote!(self.#name));
        } else if is_list {
            setters.push(quote! {
                if !self.#name.is_empty() {
                    request = request.#name(self.#name);
                }
            });
        } else {
            setters.push(quote! {
                if let Some(value) = self.#name {
                    request = request.#name(value);
                }
            });
        }
    }
    let mut body = TokenStream::new();
    if let Some(request_body) = &operation.request_body {
        let field = ident(BODY_FIELD);
        let ty = rust_type_tokens(&request_body.rust_type, TypePath::Outside(lib));
        if request_body.required {
            body = quote!(let body: #ty = atlas_runtime::cli::body::read(&self.#field)?;);
            call_args.push(quote!(body));
        } else {
            setters.push(quote! {
                if let Some(path) = &self.#field {
                    let body: #ty = atlas_runtime::cli::body::read(path)?;
                    request = request.body(body);
                }
            });
        }
    }
    let mutable = (!setters.is_empty()).then(|| quote!(mut));
    let watched = watch.map(|(waiter, poll)| {
        let field = ident(WATCH_FIELD);
        let resume = resume(plan, waiter, program);
        let condition = super::super::features::every_operation_condition(&[operation, poll]);
        let start = quote! {
            return session
                .watch_started(request.start_job().await, &self.#field.wait, &#resume)
                .await;
        };
        match condition {
            None => quote! {
                if self.#field.watch {
                    #start
                }
            },
            Some(condition) => {
                let needs = format!(
                    "--watch needs the command line built with the features of `{}` and `{}`",
                    operation.name, poll.name
                );
                quote! {
                    if self.#field.watch {
                        #[cfg(#condition)]
                        {
                            #start
                        }
                        #[cfg(not(#condition))]
                        {
                            return Err(atlas_runtime::cli::Failure::usage(#needs));
                        }
                    }
                }
            }
        }
    });
    let all = operation.pagination.as_ref().map(|_| {
        let field = ident(ALL_FIELD);
        quote! {
            if self.#field.all {
                return session.all(request.items()).await;
            }
        }
    });
    let send = if operation.success.raw {
        let field = ident(OUTPUT_FILE_FIELD);
        quote!(session.download(request.send().await, self.#field.as_deref()))
    } else {
        quote!(session.respond(request.send().await))
    };
    quote! {
        #deprecated
        #sunset
        #(#paths)*
        #body
        let #mutable request = session.client().#method(#(#call_args),*);
        #(#setters)*
        #watched
        #all
        #send
    }
}

fn wait_body(
    waiter: &Waiter,
    command: &Command<'_>,
    group: &Group<'_>,
    program: &str,
) -> TokenStream {
    let method = ident(&waiter.fn_name);
    let paths = path_values(&waiter.args, command);
    let args = waiter.args.iter().map(|arg| {
        let name = ident(&arg.rust_name);
        quote!(&#name)
    });
    let resume = resume_literal(&waiter.args, command, group, program);
    let field = ident(WAIT_FIELD);
    quote! {
        #(#paths)*
        let wait = session.client().#method(#(#args),*);
        session.wait(wait, &self.#field, &#resume).await
    }
}

/// The `wait-for-…` command that resumes `waiter`'s wait, with its flags.
fn resume(plan: &Plan<'_>, waiter: &Waiter, program: &str) -> TokenStream {
    plan.groups
        .iter()
        .flat_map(|group| group.commands.iter().map(move |command| (group, command)))
        .find(|(_, command)| {
            matches!(&command.kind, Kind::Wait { waiter: other, .. } if other.fn_name == waiter.fn_name)
        })
        .map(|(group, command)| resume_literal(&waiter.args, command, group, program))
        .unwrap_or_else(|| quote!(atlas_runtime::cli::Resume { command: #program, flags: &[] }))
}

fn resume_literal(
    args: &[PathArg],
    command: &Command<'_>,
    group: &Group<'_>,
    program: &str,
) -> TokenStream {
    let line = format!("{program} {} {}", group.command, command.command);
    let flags = args.iter().map(|arg| {
        let wire = &arg.wire_name;
        let flag = command.flags.get(wire).cloned().unwrap_or_default();
        quote!((#wire, #flag))
    });
    quote! {
        atlas_runtime::cli::Resume {
            command: #line,
            flags: &[#(#flags),*],
        }
    }
}
