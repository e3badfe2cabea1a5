//! The one error type every operation returns, generic over the spec's error body.

use std::fmt;

use http::StatusCode;
use serde::de::DeserializeOwned;

use crate::pages::PageError;
use crate::response::ResponseHeaders;
use crate::transport_error::{TransportError, TransportErrorKind};
use crate::wait::{JobIds, WaitError};

/// The body of a spec's error responses, as the runtime reads it for [`Error::error_code`]
/// and for messages. A generated crate implements it for the schema its spec's error
/// responses declare (whose typed fields callers read through [`ApiErrorResponse::body`]);
/// the runtime implements it for [`serde_json::Value`] (a spec that gives its errors no
/// schema), reading Atlas's `errorCode` and `detail` properties. Both return `Option` because
/// a schema may leave either out or make it optional.
pub trait ErrorBody: DeserializeOwned + fmt::Debug + Send + Sync + 'static {
    /// The Atlas error code, such as `RESOURCE_NOT_FOUND`.
    fn error_code(&self) -> Option<&str>;

    /// Atlas's explanation of the error.
    fn detail(&self) -> Option<&str>;
}

impl ErrorBody for serde_json::Value {
    fn error_code(&self) -> Option<&str> {
        self.get("errorCode").and_then(serde_json::Value::as_str)
    }

    fn detail(&self) -> Option<&str> {
        self.get("detail").and_then(serde_json::Value::as_str)
    }
}

/// Everything that can go wrong calling Atlas. `B` is the body of the spec's error
/// responses (a generated crate names its own `Error` with it).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<B = serde_json::Value> {
    /// An argument failed validation; no request was sent.
    InvalidParameter(InvalidParameter),
    /// The request could not be sent, or no complete response received: a timeout, a refused
    /// connection, failed name resolution, TLS, a redirect not followed, a connection reset
    /// while the body was read, a body over the size limit, … ([`TransportError::kind`] says
    /// which).
    Transport(TransportError),
    /// Atlas answered with an error status and an error body.
    Api(Box<ApiErrorResponse<B>>),
    /// The response body could not be decoded into the expected type (e.g. an HTML page from
    /// a proxy, or truncated JSON). The raw text is kept.
    UndecodableBody(Box<UndecodableBody>),
    /// Authentication could not be set up or completed: missing credentials, a failed token
    /// request, a challenge the client cannot answer. (Atlas rejecting the credentials on an
    /// operation is an [`Error::Api`] with status 401.)
    Auth(AuthError),
    /// A wait ended without a final answer: its deadline passed, the job was not found or
    /// went away, a poll failed (the poll's error is inside), or the response that started
    /// the job had nothing to poll with. [`Error::job_ids`] gives the ids it polled with. (A
    /// job that ended in a failed state is not an error: it is a
    /// [`JobOutcome::Failed`](crate::JobOutcome::Failed).)
    Wait(WaitError<B>),
    /// A walk over pages stopped: the server repeated a page.
    Pages(PageError),
}

impl<B> Error<B> {
    /// The error a wait's last poll ended with, for a wait that ended so; else `self`. The
    /// accessors that read a response or a transport failure read through a wait with it.
    fn answered(&self) -> &Self {
        match self {
            Error::Wait(wait) => wait.poll_error().unwrap_or(self),
            _ => self,
        }
    }

    /// The HTTP status, when a response was received (for a wait, by its last poll).
    pub fn status(&self) -> Option<StatusCode> {
        match self.answered() {
            Error::Api(error) => Some(error.status),
            Error::UndecodableBody(error) => Some(error.status),
            Error::Transport(error) => error.status(),
            Error::Auth(error) => error.status,
            Error::InvalidParameter(_) | Error::Wait(_) | Error::Pages(_) => None,
        }
    }

    /// The decoded error body, for an [`Error::Api`] (or a wait whose last poll got one).
    pub fn api_error(&self) -> Option<&B> {
        match self.answered() {
            Error::Api(error) => Some(&error.body),
            _ => None,
        }
    }

    /// The response headers, when a response was received (for a wait, by its last poll).
    pub fn headers(&self) -> Option<&ResponseHeaders> {
        match self.answered() {
            Error::Api(error) => Some(&error.headers),
            Error::UndecodableBody(error) => Some(&error.headers),
            _ => None,
        }
    }

    /// The ids of the job a wait polled, for a wait that ended without a final answer after
    /// it began polling ([`WaitError::ids`]): what to wait again with.
    pub fn job_ids(&self) -> Option<&JobIds> {
        match self {
            Error::Wait(wait) => wait.ids(),
            _ => None,
        }
    }
}

impl<B: ErrorBody> Error<B> {
    /// The Atlas error code (`RESOURCE_NOT_FOUND`, `VERSION_GONE`, …), when Atlas sent one
    /// (for a wait, to its last poll).
    pub fn error_code(&self) -> Option<&str> {
        match self.answered() {
            Error::Api(error) => error.body.error_code(),
            _ => None,
        }
    }

    /// Whether Atlas answered with this error code.
    pub fn is_error_code(&self, code: &str) -> bool {
        self.error_code() == Some(code)
    }
}

impl<B: ErrorBody> fmt::Display for Error<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidParameter(error) => write!(f, "{error} (no request was sent)"),
            Error::Transport(error) => error.fmt(f),
            Error::Api(error) => error.fmt(f),
            Error::UndecodableBody(error) => error.fmt(f),
            Error::Auth(error) => error.fmt(f),
            Error::Wait(error) => error.fmt(f),
            Error::Pages(error) => error.fmt(f),
        }
    }
}

/// Each variant's `Display` is its content's, so `source()` continues below that content (for
/// a transport failure, the `reqwest::Error`) instead of repeating its message; the content
/// itself is reached with the accessors ([`Error::transport_error`], …) or a `match`.
impl<B: ErrorBody> std::error::Error for Error<B> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(error) => error.source(),
            Error::InvalidParameter(error) => error.source(),
            Error::Auth(error) => error.source(),
            Error::Wait(error) => error.source(),
            Error::Api(_) | Error::UndecodableBody(_) | Error::Pages(_) => None,
        }
    }
}

impl<B> Error<B> {
    /// The transport failure, for an [`Error::Transport`] (or a wait whose last poll failed
    /// so).
    pub fn transport_error(&self) -> Option<&TransportError> {
        match self.answered() {
            Error::Transport(error) => Some(error),
            _ => None,
        }
    }

    /// What kind of transport failure this is, for an [`Error::Transport`].
    pub fn transport_kind(&self) -> Option<TransportErrorKind> {
        self.transport_error().map(TransportError::kind)
    }

    /// Whether the request timed out (the connect timeout or the request timeout).
    pub fn is_timeout(&self) -> bool {
        self.transport_kind()
            .is_some_and(TransportErrorKind::is_timeout)
    }

    /// Whether no connection could be made (connect timeout, name resolution, refused, TLS),
    /// so the request did not reach the server.
    pub fn is_connect(&self) -> bool {
        self.transport_kind()
            .is_some_and(TransportErrorKind::is_connect)
    }

    /// Whether an argument failed validation, so no request was sent.
    pub fn is_invalid_parameter(&self) -> bool {
        matches!(self, Error::InvalidParameter(_))
    }
}

impl<B> From<AuthError> for Error<B> {
    fn from(error: AuthError) -> Self {
        Error::Auth(error)
    }
}

impl<B> From<InvalidParameter> for Error<B> {
    fn from(error: InvalidParameter) -> Self {
        Error::InvalidParameter(error)
    }
}

/// A value that does not satisfy the spec's constraints for a parameter or body field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidParameter {
    name: String,
    value: String,
    reason: String,
}

impl InvalidParameter {
    pub(crate) fn new(name: impl Into<String>, value: &str, reason: impl Into<String>) -> Self {
        InvalidParameter {
            name: name.into(),
            value: value.to_owned(),
            reason: reason.into(),
        }
    }

    /// The parameter's wire name (for body fields, `body.<field>`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The rejected value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Why it was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for InvalidParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid `{}` {:?}: {}",
            self.name, self.value, self.reason
        )
    }
}

impl std::error::Error for InvalidParameter {}

/// An error status with a decoded Atlas error body.
#[derive(Debug)]
pub struct ApiErrorResponse<B = serde_json::Value> {
    pub(crate) status: StatusCode,
    pub(crate) headers: ResponseHeaders,
    pub(crate) body: B,
    pub(crate) declared: bool,
}

impl<B> ApiErrorResponse<B> {
    /// The error status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response's headers (`Retry-After`, rate limits, …).
    pub fn headers(&self) -> &ResponseHeaders {
        &self.headers
    }

    /// The decoded error body: for a generated crate its error model, whose fields (the Atlas
    /// error code, detail, parameters, …) are typed as the spec declares them.
    pub fn body(&self) -> &B {
        &self.body
    }

    /// Whether the spec declares this status for the operation. Atlas also answers statuses
    /// the spec does not list (406 for an unknown resource version, 410 `VERSION_GONE` for a
    /// sunset one, 502/503 from proxies).
    pub fn is_declared(&self) -> bool {
        self.declared
    }
}

impl<B: ErrorBody> fmt::Display for ApiErrorResponse<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Atlas answered {}", self.status)?;
        if let Some(code) = self.body.error_code() {
            write!(f, " {code}")?;
        }
        if let Some(detail) = self.body.detail() {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

/// The longest stretch of an undecodable body that `Display` shows.
const BODY_EXCERPT_CHARS: usize = 200;

/// A response whose body could not be decoded.
#[derive(Debug)]
pub struct UndecodableBody {
    pub(crate) status: StatusCode,
    pub(crate) headers: ResponseHeaders,
    pub(crate) text: String,
    pub(crate) reason: String,
}

impl UndecodableBody {
    /// The response's status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response's headers (its `Content-Type` says what it was).
    pub fn headers(&self) -> &ResponseHeaders {
        &self.headers
    }

    /// The body as received, its first 64 KiB at most (invalid UTF-8 replaced): an error
    /// keeps no more of a body than that, and the client reads no more of an error body.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Why decoding failed.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for UndecodableBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not decode the {} response", self.status)?;
        if let Some(content_type) = self.headers.content_type() {
            write!(f, " ({content_type})")?;
        }
        write!(f, ": {}", self.reason)?;
        let excerpt: String = self.text.chars().take(BODY_EXCERPT_CHARS).collect();
        if !excerpt.trim().is_empty() {
            let more = if excerpt.len() < self.text.len() {
                "…"
            } else {
                ""
            };
            write!(f, "; body: {:?}{more}", excerpt.trim())?;
        }
        Ok(())
    }
}

/// What went wrong setting up or completing authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// No credentials, or only half of a pair, in the environment.
    MissingCredentials,
    /// Credentials that cannot be sent (e.g. not valid in a header).
    InvalidCredentials,
    /// The OAuth token endpoint refused or gave no usable token.
    TokenRequestFailed,
    /// The spec or the server asks for something this client does not do.
    Unsupported,
}

/// An authentication failure. Its message never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    kind: AuthErrorKind,
    message: String,
    pub(crate) status: Option<StatusCode>,
}

impl AuthError {
    pub(crate) fn new(kind: AuthErrorKind, message: impl Into<String>) -> Self {
        AuthError {
            kind,
            message: message.into(),
            status: None,
        }
    }

    /// The token endpoint answered `status` with `body` (an OAuth error such as
    /// `{"error": "invalid_client"}`, which names no secret).
    pub(crate) fn token_request_failed(status: StatusCode, body: &str) -> Self {
        let excerpt: String = body.chars().take(BODY_EXCERPT_CHARS).collect();
        AuthError {
            kind: AuthErrorKind::TokenRequestFailed,
            message: format!("the token endpoint answered {status}: {}", excerpt.trim()),
            status: Some(status),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials missing or unusable are found before anything is sent: the message says
        // so rather than claim an attempt failed.
        match self.kind {
            AuthErrorKind::MissingCredentials => {
                write!(
                    f,
                    "missing credentials: {} (nothing was sent)",
                    self.message
                )
            }
            AuthErrorKind::InvalidCredentials => {
                write!(
                    f,
                    "unusable credentials: {} (nothing was sent)",
                    self.message
                )
            }
            AuthErrorKind::Unsupported => {
                write!(f, "unsupported authentication: {}", self.message)
            }
            AuthErrorKind::TokenRequestFailed => {
                write!(f, "authentication failed: {}", self.message)
            }
        }
    }
}

impl std::error::Error for AuthError {}
