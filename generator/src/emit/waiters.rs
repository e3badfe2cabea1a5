//! Waiters, in `operations.rs`: a `Client` method per [`Waiter`] that polls until the job is
//! over, and `start_job` and `send_and_wait` on the builder of each operation that starts one.
//!
//! The loop itself (interval, backoff, deadline, progress, what a `404` means) is the
//! runtime's (`atlas_runtime::until_final`, `until_gone`); what is emitted here is only what
//! differs per watcher: which request to poll, how to read the state, where the ids come from
//! and their names (`JobIds`, which every wait error and progress event carries).

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, rust_type_tokens, TypePath};
use crate::model::{
    Api, ArgSource, FieldStep, FinalValue, Operation, PinnedPoll, RustType, TypeRef, Until,
    WaitTrigger, Waiter,
};

/// The waiter methods of the `Client` and the `send_and_wait` of each trigger, gated by the
/// features of the operations they use.
pub fn tokens(api: &Api) -> TokenStream {
    let operation = |fn_name: &str| {
        api.operations
            .iter()
            .find(|operation| operation.fn_name == fn_name)
    };
    let mut items = TokenStream::new();
    for waiter in &api.waiters {
        let Some(poll) = operation(&waiter.poll) else {
            continue;
        };
        let method = client_method(api, waiter);
        items.extend(super::features::gate_items(
            quote!(impl Client { #method }),
            &super::features::for_operation(poll),
        ));
        for trigger in &waiter.triggers {
            let Some(starts) = operation(&trigger.operation) else {
                continue;
            };
            let builder = ident(&starts.builder_name);
            let method = start_job(waiter, trigger, starts);
            items.extend(super::features::gate_items(
                quote!(impl #builder { #method }),
                &super::features::for_every_operation(&[starts, poll]),
            ));
        }
    }
    items
}

/// What a wait ends with: `JobOutcome<T>` for a final state, `()` for a resource gone.
fn outcome(waiter: &Waiter) -> TokenStream {
    let result = rust_type_tokens(&waiter.result, TypePath::Crate);
    match waiter.until {
        Until::State { .. } => quote!(crate::JobOutcome<#result>),
        Until::Status(_) => quote!(()),
    }
}

/// What ends the wait, for docs.
fn condition_docs(waiter: &Waiter) -> String {
    match &waiter.until {
        Until::State {
            path_text, values, ..
        } => {
            let listed = |failure: bool| {
                let listed: Vec<String> = values
                    .iter()
                    .filter(|value| value.failure == failure)
                    .map(|value| format!("`{}`", value.wire_value))
                    .collect();
                listed.join(", ")
            };
            let failures = listed(true);
            let mut text = format!(
                "until `{path_text}` is {} ([`JobOutcome::Succeeded`](crate::JobOutcome::Succeeded))",
                listed(false)
            );
            if !failures.is_empty() {
                text +=
                    &format!(" or {failures} ([`JobOutcome::Failed`](crate::JobOutcome::Failed))");
            }
            text
        }
        Until::Status(status) => format!("until it is answered with status {status} (gone)"),
    }
}

/// The `JobIds` of a wait: the polled operation and its path arguments (each a local of the
/// argument's name) by wire name.
fn job_ids(waiter: &Waiter) -> TokenStream {
    let operation_id = &waiter.poll_name;
    let params = waiter.args.iter().map(|arg| {
        let name = ident(&arg.rust_name);
        let wire = &arg.wire_name;
        quote!((#wire, #name.as_str().to_owned()))
    });
    quote!(atlas_runtime::JobIds::new(#operation_id, [#(#params),*]))
}

fn client_method(api: &Api, waiter: &Waiter) -> TokenStream {
    let fn_name = ident(&waiter.fn_name);
    let poll_fn = ident(&waiter.poll);
    let outcome = outcome(waiter);
    let ids = job_ids(waiter);
    let names: Vec<_> = waiter
        .args
        .iter()
        .map(|arg| ident(&arg.rust_name))
        .collect();
    let args = waiter.args.iter().map(|arg| {
        let name = ident(&arg.rust_name);
        let ty = rust_type_tokens(&arg.rust_type, TypePath::Crate);
        quote!(#name: &#ty)
    });
    let poll = match &waiter.pinned {
        None => quote!(|| client.#poll_fn(#(&#names),*).send()),
        Some(pinned) => pinned_poll(waiter, pinned),
    };
    let wait = match &waiter.until {
        Until::State { path, values, .. } => {
            let result = rust_type_tokens(&waiter.result, TypePath::Crate);
            let read = read_state(path, values);
            quote! {
                fn read(value: &#result) -> (Option<&str>, atlas_runtime::Verdict) {
                    #read
                }
                atlas_runtime::until_final(&policy, ids, #poll, read).await
            }
        }
        Until::Status(status) => {
            quote!(atlas_runtime::until_gone(&policy, ids, #status, #poll).await)
        }
    };
    let version = match &waiter.pinned {
        Some(pinned) => format!(
            " (at resource version {}, as the watcher says)",
            pinned.api_version
        ),
        None => String::new(),
    };
    let summary = format!(
        " Waits for the job [`Client::{}`] reports on: polls it{version} {}.",
        waiter.poll,
        condition_docs(waiter)
    );
    let started_by: Vec<String> = waiter
        .triggers
        .iter()
        .filter_map(|trigger| {
            api.operations
                .iter()
                .find(|operation| operation.fn_name == trigger.operation)
        })
        .map(|starts| format!("[`{}::send_and_wait`]", starts.builder_name))
        .collect();
    let started_by = format!(
        " Polls under [`WaitPolicy::default`](crate::WaitPolicy::default) unless given another with `.policy(…)`; each poll is retried under the client's retry policy. {} sends the request that starts the job, then waits with this.",
        started_by.join(", ")
    );
    let ends = match waiter.until {
        Until::State { .. } => " A wait that ends without a final state is an [`Error::Wait`](crate::Error::Wait) naming these ids ([`Error::job_ids`](crate::Error::job_ids)): its deadline passed, the first poll found no job (`404`: [`WaitError::NotFound`](crate::WaitError::NotFound)), a later one found it gone ([`WaitError::Vanished`](crate::WaitError::Vanished)), or a poll failed ([`WaitError::PollFailed`](crate::WaitError::PollFailed), with its error).",
        Until::Status(_) => " A wait that ends otherwise is an [`Error::Wait`](crate::Error::Wait) naming these ids ([`Error::job_ids`](crate::Error::job_ids)): its deadline passed, or a poll failed ([`WaitError::PollFailed`](crate::WaitError::PollFailed), with its error).",
    };
    quote! {
        #[doc = #summary]
        #[doc = ""]
        #[doc = #started_by]
        #[doc = ""]
        #[doc = #ends]
        pub fn #fn_name(&self, #(#args),*) -> crate::Wait<#outcome> {
            let client = self.clone();
            #(let #names = #names.clone();)*
            let ids = #ids;
            atlas_runtime::Wait::new(move |policy| {
                Box::pin(async move { #wait })
            })
        }
    }
}

/// The poll of a waiter whose watcher names another resource version than the client's
/// method sends: the same `GET`, with the watcher's `Accept`, decoded as that version's body.
fn pinned_poll(waiter: &Waiter, pinned: &PinnedPoll) -> TokenStream {
    let operation_id = &waiter.poll_name;
    let PinnedPoll {
        path,
        accept,
        declared_errors,
        ..
    } = pinned;
    let names: Vec<_> = waiter
        .args
        .iter()
        .map(|arg| ident(&arg.rust_name))
        .collect();
    let checks = waiter
        .args
        .iter()
        .filter(|arg| matches!(arg.rust_type, RustType::Param(_)))
        .map(|arg| {
            let name = ident(&arg.rust_name);
            let wire = &arg.wire_name;
            quote!(crate::validation::Validate::validate(&#name, &#wire.into())?;)
        });
    let path_params = waiter.args.iter().map(|arg| {
        let name = ident(&arg.rust_name);
        let wire = &arg.wire_name;
        quote!((#wire, #name.as_str()))
    });
    let declared = declared_errors
        .iter()
        .map(|status| proc_macro2::Literal::u16_unsuffixed(*status));
    // Named: a wait for a deletion reads nothing of the body that could tell the type.
    let result = rust_type_tokens(&waiter.result, TypePath::Crate);
    quote! {
        || {
            let client = client.clone();
            #(let #names = #names.clone();)*
            async move {
                #(#checks)*
                client
                    .transport()
                    .execute::<#result, crate::ErrorBody>(atlas_runtime::PreparedRequest {
                        operation_id: #operation_id,
                        method: atlas_runtime::Method::GET,
                        path: #path,
                        path_params: &[#(#path_params),*],
                        query: Vec::new(),
                        headers: Vec::new(),
                        accept: #accept,
                        body: None,
                        declared_errors: &[#(#declared),*],
                        options: &atlas_runtime::CallOptions::new(),
                    })
                    .await
            }
        }
    }
}

/// The body of `read`: the state at `path`, as text, and whether it is final.
fn read_state(path: &[FieldStep], values: &[FinalValue]) -> TokenStream {
    let state = optional_path(quote!(value), path, true);
    let arms = values.iter().map(|value| {
        let wire = &value.wire_value;
        let verdict = if value.failure {
            quote!(atlas_runtime::Verdict::Failed)
        } else {
            quote!(atlas_runtime::Verdict::Succeeded)
        };
        quote!(Some(#wire) => (Some(#wire), #verdict),)
    });
    quote! {
        match #state {
            #(#arms)*
            other => (other, atlas_runtime::Verdict::Pending),
        }
    }
}

/// `Option<&Leaf>`: the field at `path` from `root`, `None` where an optional field on the
/// way is absent or a union holds a value without it; `Option<&str>` when `as_text` (a
/// string's or an enum's `as_str()`, which every variant of a union has, whatever its type).
fn optional_path(root: TokenStream, path: &[FieldStep], as_text: bool) -> TokenStream {
    let mut expression: Option<TokenStream> = None;
    for (index, step) in path.iter().enumerate() {
        let field = ident(&step.rust_name);
        let text = as_text && index + 1 == path.len();
        let string = step.rust_type.innermost() == &RustType::Plain(TypeRef::String);
        // The field of one value, as `Option<&T>` (`Option<&str>` for text).
        let access = |value: TokenStream| {
            if step.rust_type.is_option() {
                match (text, string) {
                    (true, true) => quote!(#value.#field.as_deref()),
                    (true, false) => quote!(#value.#field.as_ref().map(|state| state.as_str())),
                    (false, _) => quote!(#value.#field.as_ref()),
                }
            } else if text {
                quote!(Some(#value.#field.as_str()))
            } else {
                quote!(Some(&#value.#field))
            }
        };
        let of_value = |value: TokenStream| match &step.through_union {
            None => access(value),
            Some((union, variants)) => {
                let union = ident(union);
                let arms = variants.iter().map(|variant| {
                    let variant = ident(variant);
                    let access = access(quote!(held));
                    quote!(crate::models::#union::#variant(held) => #access,)
                });
                quote!(match &#value { #(#arms)* _ => None })
            }
        };
        expression = Some(match expression {
            None => of_value(root.clone()),
            Some(outer) => {
                let inner = of_value(quote!(value));
                quote!(#outer.and_then(|value| #inner))
            }
        });
    }
    expression.unwrap_or_else(|| quote!(Some(#root)))
}

fn start_job(waiter: &Waiter, trigger: &WaitTrigger, starts: &Operation) -> TokenStream {
    let waiter_fn = ident(&waiter.fn_name);
    let outcome = outcome(waiter);
    let operation_id = &starts.name;
    let mut inputs = Vec::new();
    let mut from_body = Vec::new();
    let names: Vec<_> = waiter
        .args
        .iter()
        .map(|arg| ident(&arg.rust_name))
        .collect();
    for ((arg, source), name) in waiter.args.iter().zip(&trigger.args).zip(&names) {
        let wire = &arg.wire_name;
        let target = rust_type_tokens(&arg.rust_type, TypePath::Crate);
        match source {
            ArgSource::Input {
                rust_name,
                rust_type,
            } => {
                let own = ident(rust_name);
                inputs.push(if rust_type == &arg.rust_type {
                    quote!(let #name = self.#own.clone();)
                } else {
                    quote!(let #name: #target = atlas_runtime::convert_for_poll(&self.#own, #wire)?;)
                });
            }
            ArgSource::Body { path, path_text } => {
                let value = optional_path(quote!(started), path, false);
                let leaf = path[path.len() - 1].rust_type.innermost();
                let convert = if leaf == &arg.rust_type {
                    quote!(.clone())
                } else {
                    quote!()
                };
                let missing = quote! {
                    crate::Error::Wait(crate::WaitError::missing_in_response(#operation_id, #path_text))
                };
                from_body.push(if leaf == &arg.rust_type {
                    quote!(let #name = #value.ok_or(#missing)?#convert;)
                } else {
                    quote!(let #name: #target = atlas_runtime::convert_for_poll(#value.ok_or(#missing)?, #wire)?;)
                });
            }
        }
    }
    let started_type = rust_type_tokens(&starts.success.rust_type, TypePath::Crate);
    let body = if from_body.is_empty() {
        quote!()
    } else {
        quote!(let started = response.body();)
    };
    let ids = job_ids(waiter);
    let docs = format!(
        " Sends the request, then waits for the job it starts with [`Client::{}`]: polls {}.",
        waiter.fn_name,
        condition_docs(waiter)
    );
    let start_docs = format!(
        " Sends the request that starts the job and returns it: the response, the ids [`Client::{}`] polls with, and `wait()`, which waits for the job (again, after a wait that ended without a final answer).",
        waiter.fn_name
    );
    quote! {
        #[doc = #start_docs]
        #[doc = ""]
        #[doc = " An error sending the request is returned as it is (no job was started), as is a response without the ids to poll with ([`WaitError::MissingInResponse`](crate::WaitError::MissingInResponse))."]
        pub async fn start_job(self) -> Result<crate::StartedJob<#started_type, #outcome>, crate::Error> {
            let client = self.client.clone();
            #(#inputs)*
            let response = self.send().await?;
            #body
            #(#from_body)*
            let ids = #ids;
            Ok(atlas_runtime::StartedJob::new(response, ids, move || client.#waiter_fn(#(&#names),*)))
        }

        #[doc = #docs]
        #[doc = ""]
        #[doc = " The same as [`start_job`](Self::start_job) then `wait()`: an error sending the request ends it with that error; a wait that ends without a final state is an [`Error::Wait`](crate::Error::Wait) naming the ids it polled with ([`Error::job_ids`](crate::Error::job_ids)), to wait again with. Change the policy with `.policy(…)`."]
        pub fn send_and_wait(self) -> crate::Wait<#outcome> {
            atlas_runtime::Wait::new(move |policy| {
                Box::pin(async move { self.start_job().await?.wait().policy(policy).await })
            })
        }
    }
}
