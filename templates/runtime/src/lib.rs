//! The runtime of the MongoDB Atlas Administration API clients that `atlas-codegen`
//! generates: sending requests (authentication, retries, timeouts, path encoding, resource
//! versions, hooks, tracing), decoding responses, and the one error type.
//!
//! A generated crate holds what its spec says (models, validated parameters, one method and
//! request builder per operation) and depends on this crate for everything else. Its users
//! meet these items through the generated crate's re-exports; its `ClientBuilder` and `Error`
//! are this crate's types, fixed to its spec.
//!
//! # The interface for generated code
//!
//! Nothing here refers to a generated item. What differs per spec reaches the runtime
//! through two traits a generated crate implements:
//! - [`GeneratedClient`], for its `Client`: the error body type, the default base URL, the
//!   OAuth token path and the user agent, and how to wrap the [`Transport`] that
//!   [`ClientBuilder::build`] makes;
//! - [`ErrorBody`], for its error body schema: where the Atlas error code and detail are.
//!
//! Generated operations build a [`PreparedRequest`] and send it with
//! [`Transport::execute`] (or [`Transport::execute_raw`] for non-JSON bodies); generated
//! models implement [`validation::Validate`] with [`validation::Rules`]. Those items are
//! `#[doc(hidden)]` where callers have no use for them.
//!
//! # Hooks
//!
//! [`ClientBuilder::hook`] registers a [`RequestHook`], called before every attempt (with a
//! [`RequestInfo`] and the outgoing headers, to add one) and after it (with an
//! [`AttemptOutcome`]). They never see `Authorization`.
//!
//! # On a hostile network
//!
//! [`ClientBuilder::build`] refuses plain `http://` to a host that is not loopback
//! (127.0.0.0/8, `::1`, `localhost`) unless [`ClientBuilder::allow_insecure_http`] says so.
//! The HTTP client the runtime builds follows no redirect itself; the runtime follows one on
//! the same origin (authorizing it again), refuses one that would turn a `POST`, `PUT`,
//! `PATCH` or `DELETE` into a `GET` (301, 302, 303), follows one to another origin only
//! without credentials, and stops after 10 ([`TransportErrorKind::Redirect`]). Bodies are read
//! in chunks up to [`ClientBuilder::max_body_size`] (JSON) or
//! [`ClientBuilder::max_download_size`] (downloads), error bodies up to 64 KiB
//! ([`TransportErrorKind::BodyTooLarge`] past a limit).
//!
//! # Other crates' types in this API
//!
//! Statuses, methods and header maps are the [`http`](https://docs.rs/http/1) crate's (1.x),
//! re-exported as [`StatusCode`], [`Method`] and [`header`]; they are the types reqwest 0.13
//! itself uses. reqwest appears in one place: [`ClientBuilder::http_client`] takes a
//! [`reqwest::Client`], for which the crate is re-exported as [`reqwest`]. Transport
//! failures are this crate's [`TransportError`], whose `source()` is the `reqwest::Error`.
//!
//! Why so little of reqwest: it is how the runtime sends, not what callers program against. A
//! reqwest release that breaks its API (0.11 → 0.12 and 0.12 → 0.13 did) should change the
//! runtime's internals, not every caller's code, and the re-export keeps the version a caller
//! builds an `http_client` with the one the runtime sends with. Nobody has to downcast a
//! `reqwest::Error` to learn what happened: the cause is classified once, where the failure
//! happens (`transport_error.rs`, which is why `hyper` and `rustls` are direct dependencies: the
//! same crates reqwest already builds, for those downcasts). Adding `http` adds no crate (reqwest
//! uses it; `cargo tree -d -p atlas-runtime -e normal` shows no duplicate), and `bytes::Bytes` keeps the raw body without a copy but stays private
//! (`raw_body()` returns `&[u8]`). reqwest still builds `rustls-platform-verifier` (with
//! `rustls-native-certs` and `openssl-probe`) for its own default verifier, which the client the
//! runtime builds does not use (`tls.rs`). A caller who needs more of reqwest (its `Response`,
//! streaming) is outside what a typed client promises; hooks cover the observing and
//! header-adding that usually motivates it.
//!
//! # Tracing
//!
//! Every operation call that passes the checks before sending (a value the spec rejects
//! fails first, with no request and no span) runs in an `INFO` span named `atlas_request` with the fields
//! `operation_id` (the operation's name as the generated crate's docs give it, such as
//! `getBackupExport`), `method` and `path` (the spec's template, never the filled-in path or the
//! query), and, once the call is over, `status` (of the final response, when one arrived),
//! `error` (when no usable response arrived: the [`TransportErrorKind`] of a transport
//! failure, `authentication failed` or `invalid parameter`), `attempt` (requests sent) and
//! `duration_ms`. Retries are `DEBUG` events inside it, and the first answer from a
//! deprecated resource version is a `WARN` event. No credential is ever recorded.

//!
//! # Testing
//!
//! With the `testing` feature, [`testing`] holds the typed mock server a generated crate's
//! own `testing` module wraps, for the tests of code that uses a generated client.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod body;
#[cfg(feature = "cli")]
#[cfg_attr(docsrs, doc(cfg(feature = "cli")))]
pub mod cli;
mod client;
mod dry_run;
mod error;
mod hooks;
mod nullable;
#[doc(hidden)]
pub mod object;
mod options;
mod pages;
mod race;
mod rate_limit;
mod redirect;
mod response;
mod retry;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod tls;
mod transport;
mod transport_error;
#[doc(hidden)]
pub mod validation;
mod wait;

/// reqwest 0.13, the HTTP client the runtime sends with, re-exported so that a
/// [`reqwest::Client`] passed to [`ClientBuilder::http_client`] is of the same version.
pub use reqwest;

pub use auth::{
    Credentials, SecretString, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_PRIVATE_API_KEY,
    ENV_PUBLIC_API_KEY,
};
pub use client::{
    ClientBuilder, GeneratedClient, Transport, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE,
    DEFAULT_MAX_DOWNLOAD_SIZE, DEFAULT_STALL_TIMEOUT, DEFAULT_TIMEOUT,
};
pub use dry_run::{DryRun, RenderedRequest};
pub use error::{
    ApiErrorResponse, AuthError, AuthErrorKind, Error, ErrorBody, InvalidParameter, UndecodableBody,
};
/// The trait of the streams [`Pages`] and [`Items`] (`futures-core`'s, which `futures` and
/// `tokio-stream` re-export), for their combinators.
pub use futures_core::Stream;
pub use hooks::{AttemptOutcome, RequestHook, RequestInfo};
/// Header maps, names and values (the `http` crate's, as reqwest uses them).
pub use http::header;
pub use http::{Method, StatusCode};
#[doc(hidden)]
pub use nullable::deserialize_present;
pub use nullable::Nullable;
pub use options::CallOptions;
#[doc(hidden)]
pub use pages::Page;
pub use pages::{Items, PageError, Pages, PartialItems};
pub use response::{ApiResponse, Deprecation, ResponseHeaders};
pub use retry::{RetryBudget, RetryPolicy};
#[doc(hidden)]
pub use transport::{decode_body, PreparedRequest};
pub use transport_error::{TransportError, TransportErrorKind};
#[doc(hidden)]
pub use wait::{convert as convert_for_poll, until_final, until_gone, Verdict};
pub use wait::{JobIds, JobOutcome, PollEvent, StartedJob, Wait, WaitError, WaitPolicy};
