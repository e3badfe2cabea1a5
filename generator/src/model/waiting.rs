//! Waiters and pagers as the model holds them: what `lower::watchers` and
//! `lower::pagination` found, for `emit` to print and `diff` to compare.

use serde::Serialize;

use super::{PathArg, RustType, TypeRef};

/// A `Client` method that polls an operation until the job another operation started is
/// over, and the `send_and_wait` of each operation that starts such a job: a watcher of the
/// spec. Watchers that poll the same operation at the same version for the same condition
/// share one.
#[derive(Debug, Clone, Serialize)]
pub struct Waiter {
    /// The `Client` method: `wait_for_backup_export`.
    pub fn_name: String,
    /// The operation polled, by `fn_name` (a method of the `Client`, at the same resource
    /// version as the watcher's).
    pub poll: String,
    /// Its name, as the crate's docs give it (`Operation::name`): what waits call it.
    pub poll_name: String,
    /// The method's arguments: the poll's path arguments, in its order.
    pub args: Vec<PathArg>,
    /// What the poll returns.
    pub result: RustType,
    /// When the wait is over.
    pub until: Until,
    /// The operations whose `send_and_wait` waits with it, sorted by `fn_name`.
    pub triggers: Vec<WaitTrigger>,
    /// Set when the watcher polls at another resource version than the `poll` method sends:
    /// the request the waiter sends itself instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<PinnedPoll>,
}

/// A poll at the watcher's own resource version (`GET`, path parameters only).
#[derive(Debug, Clone, Serialize)]
pub struct PinnedPoll {
    /// The path template.
    pub path: String,
    /// The versioned media type sent as `Accept`.
    pub accept: String,
    pub api_version: String,
    /// The error statuses the operation declares at that version.
    pub declared_errors: Vec<u16>,
}

/// When a waiter stops polling.
#[derive(Debug, Clone, Serialize)]
pub enum Until {
    /// The field at `path` holds one of the final values.
    State {
        /// The field, from the response root (each step a field of the one before).
        path: Vec<FieldStep>,
        /// The path as the watcher wrote it (`$.state`), for docs.
        path_text: String,
        /// The final values, in the watcher's order.
        values: Vec<FinalValue>,
    },
    /// The poll is answered with this error status (`404`: the resource is gone).
    Status(u16),
}

/// One step into a response value: a field, of the value itself or, when the value is a
/// union, of whichever variant it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldStep {
    pub rust_name: String,
    /// The field's Rust type (in a union, the same in every variant, except in a state's
    /// last step, which is read as text whatever each variant's type).
    pub rust_type: RustType,
    /// When the value is a union: its name and its struct variants, each of which has the
    /// field (the catch-all has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub through_union: Option<(String, Vec<String>)>,
}

/// A value that ends a wait, matched as text (`as_str()` of an enum).
#[derive(Debug, Clone, Serialize)]
pub struct FinalValue {
    pub wire_value: String,
    /// Whether it counts as failure (`Failed`, `Cancelled`, …) rather than success.
    pub failure: bool,
}

/// An operation whose `send_and_wait` waits with a [`Waiter`].
#[derive(Debug, Clone, Serialize)]
pub struct WaitTrigger {
    /// The operation, by `fn_name`.
    pub operation: String,
    /// Where each of the waiter's arguments comes from, in the waiter's order.
    pub args: Vec<ArgSource>,
    /// JSON pointer of the watcher.
    pub source: String,
}

/// Where a waiter's argument comes from when an operation's `send_and_wait` calls it.
#[derive(Debug, Clone, Serialize)]
pub enum ArgSource {
    /// The operation's own path argument (`input:NAME`), by Rust name.
    Input {
        rust_name: String,
        rust_type: RustType,
    },
    /// A field of the operation's response (`body:$.id`).
    Body {
        path: Vec<FieldStep>,
        /// As the watcher wrote it.
        path_text: String,
    },
}

/// A list operation answered page by page (`pageNum`, `itemsPerPage`): its builder gets
/// `pages()` and `items()`.
#[derive(Debug, Clone, Serialize)]
pub struct Pagination {
    /// The page-number query parameter, by Rust name, and its type.
    pub page_param: String,
    pub page_type: TypeRef,
    /// The first page (the parameter's default, else 1).
    pub first_page: u64,
    /// The page-size query parameter, by Rust name, and its type.
    pub size_param: String,
    pub size_type: TypeRef,
    /// The page size asked for when the caller sets none (the parameter's default).
    pub default_size: u64,
    /// The page body's type (a struct with a [`PageShape`]).
    pub body: String,
}

/// The fields of a page body (`Paginated…`): the results, the count and the links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageShape {
    /// The results field (`results`), by Rust name, and the type of one result.
    pub results: String,
    pub results_type: RustType,
    pub item: RustType,
    /// The count field (`totalCount`), by Rust name, with its type.
    pub total: Option<(String, RustType)>,
    /// The links field (`links`), by Rust name, with its type, and the `rel` field of a link
    /// and whether it is optional.
    pub links: Option<(String, RustType, String, bool)>,
}
