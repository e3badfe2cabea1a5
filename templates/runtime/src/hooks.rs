//! Per-request hooks: code of the caller's that runs before and after every attempt of every
//! operation, to add headers (a request id, a tenant tag) and to observe outcomes (metrics,
//! logs). Hooks are synchronous and cannot fail or replace the request, so the runtime's own
//! loop (authentication, re-authentication, retries, body replay) stays as it is; they never
//! see the `Authorization` header, which is added after they run.
//!
//! Why a small trait and not a middleware stack. Three shapes were weighed:
//! - progenitor's `ClientHooks` (async `pre(&mut reqwest::Request)`, `post`, and `exec`, which
//!   replaces the send), implemented per client type: it exposes reqwest's request, credentials in
//!   it, and `exec` could bypass what the runtime owns (Digest challenges and re-authentication,
//!   retries with backoff, body replay);
//! - reqwest-middleware or a tower `Layer` stack: composable, with ecosystem pieces, but it brings
//!   `async-trait`, `anyhow` or tower's machinery, its own client type in the public API, and a
//!   second retry and authentication layer that would fight the runtime's (a middleware retry
//!   would replay a Digest answer with a stale nonce count);
//! - [`RequestHook`] (chosen): two synchronous methods with empty defaults, several per client, run
//!   in order. No dependency, nothing of reqwest in it, and the runtime's loop stays the only place
//!   that decides what is sent again. What it cannot do (await something, replace the body, answer
//!   without sending) is left out on purpose; a caller who needs it passes their own
//!   `reqwest::Client` or wraps the generated `Client`. Tracing needs no hook: every call runs in
//!   an `INFO` span `atlas_request` (operation id, method, path template; then final status, error
//!   kind, attempts and duration; never the filled-in path, the query or a credential).

use std::fmt;
use std::time::Duration;

use http::header::HeaderMap;
use http::{Method, StatusCode};

use crate::transport_error::TransportError;

/// Code run around every attempt of every operation a client sends, registered with
/// `ClientBuilder::hook` (several run in the order they were registered). Both methods have
/// empty default bodies: implement the ones you need.
///
/// Hooks run on the task sending the request, between its awaits, so they should be quick;
/// a panic in one propagates to the caller. They are not run for the OAuth token request.
///
/// ```
/// use atlas_runtime::header::{HeaderMap, HeaderValue};
/// use atlas_runtime::{AttemptOutcome, RequestHook, RequestInfo};
///
/// /// Tags every request, and counts failed attempts by operation.
/// struct Tagging;
///
/// impl RequestHook for Tagging {
///     fn before_attempt(&self, _request: &RequestInfo<'_>, headers: &mut HeaderMap) {
///         headers.insert("x-request-source", HeaderValue::from_static("nightly-report"));
///     }
///
///     fn after_attempt(&self, request: &RequestInfo<'_>, outcome: &AttemptOutcome<'_>) {
///         if outcome.error().is_some() || outcome.status().is_some_and(|s| !s.is_success()) {
///             eprintln!("{} attempt {} failed", request.operation_id(), request.attempt());
///         }
///     }
/// }
/// ```
pub trait RequestHook: Send + Sync + 'static {
    /// Called before each attempt is sent, with the request's description and its headers
    /// (`Accept`, `Content-Type`, the operation's header parameters, and whatever earlier
    /// hooks added), which it may change. `Authorization` is not among them: the runtime
    /// sets it afterwards, replacing any value a hook set when the client has credentials.
    fn before_attempt(&self, request: &RequestInfo<'_>, headers: &mut HeaderMap) {
        let _ = (request, headers);
    }

    /// Called when an attempt is over: after the response's headers when another attempt
    /// follows, else after its body was read; or after the transport failure.
    fn after_attempt(&self, request: &RequestInfo<'_>, outcome: &AttemptOutcome<'_>) {
        let _ = (request, outcome);
    }
}

/// The request an attempt sends, as hooks see it: what the operation is, never the filled-in
/// path, query or credentials.
#[derive(Debug, Clone, Copy)]
pub struct RequestInfo<'a> {
    pub(crate) operation_id: &'static str,
    pub(crate) method: &'a Method,
    pub(crate) path: &'static str,
    pub(crate) attempt: u32,
}

impl RequestInfo<'_> {
    /// The operation's name as the generated crate's docs give it, such as `getBackupExport`:
    /// the spec's `x-xgen-operation-id-override` when it has one (the name the Atlas CLI and
    /// SDKs use), else its `operationId`. Errors, spans, waits and mocks use the same name.
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The spec's path template, such as `/api/atlas/v2/groups/{groupId}` (placeholders not
    /// filled in).
    pub fn path_template(&self) -> &'static str {
        self.path
    }

    /// Which request this is for the call: 1 for the first, one more for each request sent
    /// again (a retry, the re-send after a 401 that asked for authentication, or a redirect
    /// followed).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

/// How an attempt ended, as hooks see it.
pub struct AttemptOutcome<'a> {
    pub(crate) status: Option<StatusCode>,
    pub(crate) error: Option<&'a TransportError>,
    pub(crate) elapsed: Duration,
    pub(crate) will_retry: bool,
}

impl AttemptOutcome<'_> {
    /// The response's status; `None` when no response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The transport failure: no response arrived, or (with a status) its body could not be
    /// read.
    pub fn error(&self) -> Option<&TransportError> {
        self.error
    }

    /// The time from sending to the end of the attempt.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Whether another attempt follows (a retry, a re-send with new authentication, or a
    /// redirect followed).
    pub fn will_retry(&self) -> bool {
        self.will_retry
    }
}

impl fmt::Debug for AttemptOutcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptOutcome")
            .field("status", &self.status)
            .field("error", &self.error.map(ToString::to_string))
            .field("elapsed", &self.elapsed)
            .field("will_retry", &self.will_retry)
            .finish()
    }
}
