//! Each command's flags: a clap `Args` struct whose fields parse into the types the client
//! takes (a path parameter's validated newtype, a query parameter's type), so a bad value is
//! a usage error quoting the spec's rule before anything is sent. Help comes from the spec.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::{ident, rust_type_tokens, type_tokens, TypePath};
use super::plan::{profile_key, Command, Kind};
use crate::model::{Api, Operation, PathArg, QueryParam, RustType, TypeRef};

/// The fields the command line adds to a command, named so that no parameter's field
/// (snake case, never starting with `cli_`) can take them.
pub const BODY_FIELD: &str = "cli_body";
pub const WATCH_FIELD: &str = "cli_watch";
pub const WAIT_FIELD: &str = "cli_wait";
pub const ALL_FIELD: &str = "cli_all";
pub const OUTPUT_FILE_FIELD: &str = "cli_output_file";

/// The `Args` struct of `command`.
pub fn args_struct(api: &Api, command: &Command<'_>, lib: &str) -> TokenStream {
    let name = ident(&command.args_type);
    let mut fields = Vec::new();
    match &command.kind {
        Kind::Operation { operation, watch } => {
            for arg in &operation.path_args {
                fields.push(path_flag(api, arg, command, lib));
            }
            for param in operation
                .query_params
                .iter()
                .chain(&operation.header_params)
            {
                fields.push(query_flag(param, command, lib));
            }
            fields.extend(own_flags(operation, watch.is_some()));
        }
        Kind::Wait { waiter, .. } => {
            for arg in &waiter.args {
                fields.push(path_flag(api, arg, command, lib));
            }
            let field = ident(WAIT_FIELD);
            fields.push(quote! {
                #[command(flatten)]
                #field: atlas_runtime::cli::WaitArgs
            });
        }
    }
    quote! {
        #[derive(clap::Args)]
        struct #name {
            #(#fields),*
        }
    }
}

/// `--file`, `--watch`, `--all`, `--output-file`, as the operation has them.
fn own_flags(operation: &Operation, watch: bool) -> Vec<TokenStream> {
    let mut fields = Vec::new();
    if let Some(body) = &operation.request_body {
        let field = ident(BODY_FIELD);
        let what = body
            .description
            .as_deref()
            .and_then(super::super::docs::summary)
            .unwrap_or_else(|| "The request body.".to_owned());
        let help = format!("{what} A JSON or YAML file, `-` for stdin");
        let ty = if body.required {
            quote!(std::path::PathBuf)
        } else {
            quote!(Option<std::path::PathBuf>)
        };
        fields.push(quote! {
            #[arg(long = "file", value_name = "PATH", help = #help)]
            #field: #ty
        });
    }
    if watch {
        let field = ident(WATCH_FIELD);
        fields.push(quote! {
            #[command(flatten)]
            #field: atlas_runtime::cli::WatchArgs
        });
    }
    if operation.pagination.is_some() {
        let field = ident(ALL_FIELD);
        fields.push(quote! {
            #[command(flatten)]
            #field: atlas_runtime::cli::AllArgs
        });
    }
    if operation.success.raw {
        let field = ident(OUTPUT_FILE_FIELD);
        fields.push(quote! {
            #[arg(long = "output-file", value_name = "PATH", help = "Where to write the downloaded file (`-` for stdout, which must not be a terminal)")]
            #field: Option<std::path::PathBuf>
        });
    }
    fields
}

/// The flag name of `wire` in `command` (`--group-id`) and its value name (`GROUP_ID`).
fn names(command: &Command<'_>, wire: &str) -> (String, String) {
    let flag = command
        .flags
        .get(wire)
        .cloned()
        .unwrap_or_else(|| format!("--{wire}"));
    let long = flag.trim_start_matches('-').to_owned();
    let value_name = long.to_ascii_uppercase().replace('-', "_");
    (long, value_name)
}

/// A path parameter's flag: its validated newtype (or string enum), required unless the
/// profile can give it.
fn path_flag(api: &Api, arg: &PathArg, command: &Command<'_>, lib: &str) -> TokenStream {
    let (long, value_name) = names(command, &arg.wire_name);
    let field = ident(&arg.rust_name);
    let ty = rust_type_tokens(&arg.rust_type, TypePath::Outside(lib));
    let pattern = api
        .path_params
        .iter()
        .find(|param| param.type_name == arg.type_name)
        .and_then(|param| param.pattern.as_deref());
    let defaulted = arg.rust_type.param().is_some() && profile_key(&arg.wire_name).is_some();
    let mut long_help = arg.description.clone().unwrap_or_default();
    if let Some(pattern) = pattern {
        push_paragraph(&mut long_help, &format!("Must match `{pattern}`."));
    }
    if let Some(key) = profile_key(&arg.wire_name).filter(|_| defaulted) {
        push_paragraph(
            &mut long_help,
            &format!(
                "Default: ${}, else `{key}` in the profile.",
                format_args!("MONGODB_ATLAS_{}", key.to_ascii_uppercase())
            ),
        );
    }
    let help = help_line(arg.description.as_deref(), &arg.wire_name);
    let long_help = or_help(long_help, &help);
    let parser = value_parser(&arg.rust_type, lib);
    let ty = if defaulted { quote!(Option<#ty>) } else { ty };
    quote! {
        #[arg(long = #long, value_name = #value_name, help = #help, long_help = #long_help #parser)]
        #field: #ty
    }
}

/// A query or header parameter's flag: optional unless the spec requires it; an array is a
/// flag given once per item; a boolean may be given without a value (`--pretty`).
fn query_flag(param: &QueryParam, command: &Command<'_>, lib: &str) -> TokenStream {
    let (long, value_name) = names(command, &param.wire_name);
    let field = ident(&param.rust_name);
    let help = help_line(param.description.as_deref(), &param.wire_name);
    let mut long_help = param.description.clone().unwrap_or_default();
    if let Some(default) = &param.default {
        push_paragraph(&mut long_help, &format!("Atlas's default: {default}."));
    }
    let long_help = or_help(long_help, &help);
    if let TypeRef::Vec(item) = &param.ty {
        let item_type = type_tokens(item, TypePath::Outside(lib));
        let parser = value_parser(&RustType::Plain((**item).clone()), lib);
        let required = param.required.then(|| quote!(, required = true));
        return quote! {
            #[arg(long = #long, value_name = #value_name, help = #help, long_help = #long_help, action = clap::ArgAction::Append #required #parser)]
            #field: Vec<#item_type>
        };
    }
    let ty = rust_type_tokens(&param.rust_type, TypePath::Outside(lib));
    let parser = value_parser(&param.rust_type, lib);
    let flag_like = (param.ty == TypeRef::Bool)
        .then(|| quote!(, num_args = 0..=1, default_missing_value = "true"));
    let ty = if param.required {
        ty
    } else {
        quote!(Option<#ty>)
    };
    quote! {
        #[arg(long = #long, value_name = #value_name, help = #help, long_help = #long_help #flag_like #parser)]
        #field: #ty
    }
}

/// How clap parses a value: a validated newtype or text with its own `FromStr`, anything
/// else read as JSON (enums, numbers, booleans, dates).
fn value_parser(ty: &RustType, lib: &str) -> TokenStream {
    match ty.innermost() {
        RustType::Param(_) | RustType::Plain(TypeRef::String) => TokenStream::new(),
        other => {
            let ty = rust_type_tokens(other, TypePath::Outside(lib));
            quote!(, value_parser = atlas_runtime::cli::parse_value::<#ty>)
        }
    }
}

/// The one-line help: the description's first sentence, else the parameter's name.
fn help_line(description: Option<&str>, wire: &str) -> String {
    description
        .and_then(super::super::docs::summary)
        .unwrap_or_else(|| format!("The `{wire}` parameter."))
}

fn push_paragraph(text: &mut String, paragraph: &str) {
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(paragraph);
}

/// The long help, or the one line when the spec says nothing more.
fn or_help(long_help: String, help: &str) -> String {
    if long_help.is_empty() {
        help.to_owned()
    } else {
        long_help
    }
}
