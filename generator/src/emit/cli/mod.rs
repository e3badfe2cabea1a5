//! The command line, `src/bin/cli.rs` behind the crate's `cli` feature: one subcommand per
//! operation, grouped by tag, each parsing its flags into the client's validated types and
//! calling the client; `wait-for-…` commands for the waiters; `completions`.
//!
//! Only what differs per spec is emitted. The rest (global flags, credentials and profiles,
//! bodies, output, exit statuses, waits, dry runs) is the runtime's `cli` module, so the
//! generated file stays small and every decision about behaviour is made there once.
//!
//! - [`plan`]: the groups, commands and flag names, decided before any token;
//! - [`flags`]: each command's clap `Args` struct, with the spec's help;
//! - [`handlers`]: what each command sends and how its result is handed to the session.

mod flags;
mod handlers;
mod plan;

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, CrateName};
use crate::model::Api;
use plan::{Group, Kind, Plan};

/// Where the command line is, in the generated crate.
pub const PATH: &str = "src/bin/cli.rs";

/// The command line's file.
pub fn tokens(api: &Api, krate: &CrateName) -> TokenStream {
    let plan = Plan::new(api);
    let lib = krate.lib();
    let program = krate.package();
    let mut items = Vec::new();
    for group in &plan.groups {
        items.push(group_enum(group, &lib));
        for command in &group.commands {
            let gate = command_gate(&command.kind);
            items.push(gated(flags::args_struct(api, command, &lib), &gate));
            items.push(gated(
                handlers::run_impl(&plan, command, group, program, &lib),
                &gate,
            ));
        }
    }
    let about = format!(
        "{} (spec version {}) from the command line: one command per operation, grouped by tag",
        api.title, api.version
    );
    let after_help = "Credentials come from MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET (a service account) or MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY (an API key), else from the Atlas CLI's profile (--profile).\n\nExit status: 0 success, 1 other failure, 2 usage or validation error (nothing sent), 3 Atlas error, 4 transport failure or timeout, 5 authentication, 6 a watched job ended in a failure state, 7 a wait ended without a final state.";
    let group_variants = plan.groups.iter().map(|group| {
        let variant = ident(&group.variant);
        let type_name = ident(&group.type_name);
        let name = &group.command;
        let about = group_about(group);
        let gate = group_gate(group);
        quote! {
            #gate
            #[command(name = #name, subcommand, about = #about)]
            #variant(#type_name)
        }
    });
    let group_arms = plan.groups.iter().map(|group| {
        let variant = ident(&group.variant);
        let gate = group_gate(group);
        quote!(#gate Command::#variant(command) => command.run(&session).await,)
    });
    let lib_ident = ident(&lib);
    quote! {
        //! The command line: one subcommand per operation of the spec, grouped by tag
        //! (`cargo install --path . --features cli`). Its flags, help and checks come from
        //! the spec; credentials, output, exit statuses and waits from `atlas_runtime::cli`.

        #[derive(clap::Parser)]
        #[command(name = #program, version, about = #about, after_help = #after_help)]
        struct Cli {
            #[command(flatten)]
            globals: atlas_runtime::cli::Globals,
            #[command(subcommand)]
            command: Command,
        }

        #[derive(clap::Subcommand)]
        enum Command {
            #(#group_variants,)*
            /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
            #[command(name = "completions")]
            Completions {
                /// The shell
                shell: clap_complete::Shell,
            },
        }

        fn main() -> std::process::ExitCode {
            let cli = <Cli as clap::Parser>::parse();
            if let Command::Completions { shell } = cli.command {
                let mut command = <Cli as clap::CommandFactory>::command();
                clap_complete::generate(shell, &mut command, #program, &mut std::io::stdout());
                return std::process::ExitCode::SUCCESS;
            }
            let command = cli.command;
            atlas_runtime::cli::run::<#lib_ident::Client, _>(cli.globals, move |session| async move {
                match command {
                    #(#group_arms)*
                    Command::Completions { .. } => Ok(()),
                }
            })
        }

        #(#items)*
    }
}

/// The enum of a group's commands and its `run`.
fn group_enum(group: &Group<'_>, lib: &str) -> TokenStream {
    let lib_ident = ident(lib);
    let type_name = ident(&group.type_name);
    let lib_gate = group_gate(group);
    let variants = group.commands.iter().map(|command| {
        let variant = ident(&command.variant);
        let args = ident(&command.args_type);
        let name = &command.command;
        let gate = command_gate(&command.kind);
        let (about, long_about) = command_help(&command.kind);
        quote! {
            #gate
            #[command(name = #name, about = #about, long_about = #long_about)]
            #variant(#args)
        }
    });
    let arms = group.commands.iter().map(|command| {
        let variant = ident(&command.variant);
        let gate = command_gate(&command.kind);
        quote!(#gate #type_name::#variant(args) => args.run(session).await,)
    });
    // Variant names are the spec's operation names, which often share a word within a tag.
    quote! {
        #lib_gate
        #[derive(clap::Subcommand)]
        #[allow(clippy::enum_variant_names)]
        enum #type_name {
            #(#variants,)*
        }

        #lib_gate
        impl #type_name {
            async fn run(
                self,
                session: &atlas_runtime::cli::Session<#lib_ident::Client>,
            ) -> Result<(), atlas_runtime::cli::Failure> {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

/// A group's one-line help.
fn group_about(group: &Group<'_>) -> String {
    if group.tag.is_empty() {
        "Operations without a tag".to_owned()
    } else {
        format!("Operations tagged {}", group.tag)
    }
}

/// A command's help: its summary, then its description, request and documentation.
fn command_help(kind: &Kind<'_>) -> (String, String) {
    match kind {
        Kind::Operation { operation, watch } => {
            let summary = operation
                .summary
                .clone()
                .unwrap_or_else(|| operation.name.clone());
            let about = if operation.deprecated {
                format!("[deprecated] {summary}")
            } else {
                summary.clone()
            };
            let mut long = vec![about.clone()];
            if let Some(description) = &operation.description {
                long.push(description.clone());
            }
            if operation.deprecated {
                long.push("Deprecated in the spec: Atlas may remove this operation.".to_owned());
            }
            if let (Some(date), Some(version)) = (&operation.sunset, &operation.api_version) {
                long.push(format!(
                    "Its resource version {version} is sunset on {date}."
                ));
            }
            long.push(format!(
                "Sends `{} {}` (`{}`).",
                operation.method, operation.path, operation.name
            ));
            if let Some((waiter, _)) = watch {
                long.push(format!(
                    "With --watch, then waits for the job with `{}`.",
                    waiter.fn_name.replace('_', "-")
                ));
            }
            if let Some(url) = &operation.docs_url {
                long.push(format!("Atlas documentation: {url}"));
            }
            (about, long.join("\n\n"))
        }
        Kind::Wait { poll, .. } => {
            let about = format!("Wait for the job `{}` reports on to end", poll.name);
            let long = format!(
                "{about}: polls `{} {}` until it reaches a final state. Resumes a --watch that \
                 ended without one (it prints this command with the ids).",
                poll.method, poll.path
            );
            (about, long)
        }
    }
}

/// `#[cfg]` for a command: its operation's features (a wait: the polled operation's).
fn command_gate(kind: &Kind<'_>) -> TokenStream {
    let operation = match kind {
        Kind::Operation { operation, .. } => operation,
        Kind::Wait { poll, .. } => poll,
    };
    match super::features::every_operation_condition(&[operation]) {
        Some(condition) => quote!(#[cfg(#condition)]),
        None => TokenStream::new(),
    }
}

/// `#[cfg]` for a group: any of its commands' features.
fn group_gate(group: &Group<'_>) -> TokenStream {
    let operations: Vec<_> = group
        .commands
        .iter()
        .map(|command| match &command.kind {
            Kind::Operation { operation, .. } => *operation,
            Kind::Wait { poll, .. } => *poll,
        })
        .collect();
    match super::features::any_operation_condition(&operations) {
        Some(condition) => quote!(#[cfg(#condition)]),
        None => TokenStream::new(),
    }
}

/// `tokens` with `gate` on each of its items.
fn gated(tokens: TokenStream, gate: &TokenStream) -> TokenStream {
    super::features::gate_items(tokens, gate)
}
