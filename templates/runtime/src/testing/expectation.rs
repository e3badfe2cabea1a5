//! The typed expectation builder, and the description of an operation a generated crate
//! hands it.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::AtomicU64;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::report::Problem;
use super::rule::{error_answer, Rule, Times};
use super::{MockServer, MockableClient, INVALID_EXPECTATION};
use crate::client::GeneratedClient;
use crate::transport::fill_path;

/// What the spec says about one operation, as its mock checks requests against it. Written by
/// generated code, not by callers.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// The operation's name, for messages.
    pub name: &'static str,
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The path template, e.g. `/groups/{groupId}`.
    pub path: &'static str,
    /// The media type the client sends as `Accept`, which the mock answers in.
    pub accept: &'static str,
    /// The query parameters the operation declares.
    pub query: &'static [Parameter],
    /// The request headers the operation declares.
    pub headers: &'static [Parameter],
    /// The request body, when the operation takes one.
    pub body: Option<RequestBody>,
    /// The status [`Expectation::respond_with`] answers with.
    pub success_status: u16,
}

/// A query parameter or request header an operation declares.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Parameter {
    /// Its name on the wire.
    pub name: &'static str,
    /// Whether every request must carry it.
    pub required: bool,
}

/// The request body an operation takes.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct RequestBody {
    /// Its media type, sent as `Content-Type`.
    pub media_type: &'static str,
    /// Whether every request must carry it.
    pub required: bool,
}

/// How a generated crate's mocks write an operation's success body.
#[doc(hidden)]
pub mod encode {
    use serde::Serialize;

    /// As JSON (an optional body that is `None` as `null`, which the client reads as `None`).
    pub fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
        serde_json::to_vec(value).map_err(|error| format!("cannot be encoded as JSON: {error}"))
    }

    /// As the bytes themselves (gzip, CSV).
    pub fn raw<T: AsRef<[u8]>>(value: &T) -> Result<Vec<u8>, String> {
        Ok(value.as_ref().to_vec())
    }

    /// As no body at all.
    pub fn empty(_: &()) -> Result<Vec<u8>, String> {
        Ok(Vec::new())
    }
}

/// The request body type of an operation that takes none: there is no value of it, so
/// [`Expectation::expect_body`] cannot be called for such an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum NoBody {}

/// One expected call of an operation, typed by its success body `T` and request body `B`,
/// and how the mock answers it. Made by a generated crate's per-operation mock methods; set
/// it up, then [`mount`](Expectation::mount) it.
///
/// Without [`times`](Expectation::times) or [`at_least`](Expectation::at_least) it expects
/// at least one call.
#[must_use = "an expectation does nothing until it is mounted"]
pub struct Expectation<'a, C, T, B = NoBody> {
    server: &'a MockServer<C>,
    operation: Operation,
    path: String,
    encode: fn(&T) -> Result<Vec<u8>, String>,
    expected_body: Option<Value>,
    expected_query: Vec<(String, String)>,
    times: Times,
    answer: Option<wiremock::ResponseTemplate>,
    /// Why it cannot answer as asked, found while it was set up.
    problems: Vec<String>,
    body: PhantomData<fn() -> B>,
}

impl<C, T, B> fmt::Debug for Expectation<'_, C, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expectation")
            .field("operation", &self.operation.name)
            .field("method", &self.operation.method)
            .field("path", &self.path)
            .field("expected_body", &self.expected_body)
            .field("expected_query", &self.expected_query)
            .field("times", &self.times)
            .finish_non_exhaustive()
    }
}

/// Whether `bytes` decode into `B`.
fn decodes<B: DeserializeOwned>(bytes: &[u8]) -> Result<(), String> {
    serde_json::from_slice::<B>(bytes)
        .map(drop)
        .map_err(|error| error.to_string())
}

impl<'a, C: MockableClient, T, B: DeserializeOwned> Expectation<'a, C, T, B> {
    pub(super) fn new(
        server: &'a MockServer<C>,
        operation: Operation,
        path_params: &[(&str, &str)],
        encode: fn(&T) -> Result<Vec<u8>, String>,
    ) -> Self {
        Expectation {
            server,
            operation,
            path: fill_path(operation.path, path_params),
            encode,
            expected_body: None,
            expected_query: Vec::new(),
            times: Times::AtLeast(1),
            answer: None,
            problems: Vec::new(),
            body: PhantomData,
        }
    }

    /// Matches only a request whose body equals `body` (compared as JSON), besides decoding
    /// into `B`.
    pub fn expect_body(mut self, body: &B) -> Self
    where
        B: Serialize,
    {
        match serde_json::to_value(body) {
            Ok(body) => self.expected_body = Some(body),
            Err(error) => self.problems.push(format!(
                "the expected body cannot be encoded as JSON: {error}"
            )),
        }
        self
    }

    /// Matches only a request whose query carries `name=value` (the value as the client
    /// writes it: `true`, `42`, an RFC 3339 date; call it again for each item of an array).
    /// `name` must be a query parameter of the operation.
    pub fn query(mut self, name: &str, value: impl fmt::Display) -> Self {
        if !self
            .operation
            .query
            .iter()
            .any(|parameter| parameter.name == name)
        {
            // Reported, not matched: no request the client sends could carry it.
            self.problems.push(format!(
                "`{name}` is not a query parameter of `{}`",
                self.operation.name
            ));
        } else {
            self.expected_query
                .push((name.to_owned(), value.to_string()));
        }
        self
    }

    /// Expects exactly `count` calls: it answers that many, a call beyond them is
    /// unexpected, and fewer are reported by [`MockServer::verify`]. `0` expects none.
    pub fn times(mut self, count: u64) -> Self {
        self.times = Times::Exactly(count);
        self
    }

    /// Expects `count` calls or more (`0`: any number), answering all of them.
    pub fn at_least(mut self, count: u64) -> Self {
        self.times = Times::AtLeast(count);
        self
    }

    /// Answers with the operation's success status and `body`, in the operation's media
    /// type.
    pub fn respond_with(mut self, body: impl Borrow<T>) -> Self {
        let status = self.operation.success_status;
        self.answer = match (self.encode)(body.borrow()) {
            Ok(bytes) if bytes.is_empty() => Some(wiremock::ResponseTemplate::new(status)),
            Ok(bytes) => Some(
                wiremock::ResponseTemplate::new(status).set_body_raw(bytes, self.operation.accept),
            ),
            Err(error) => {
                self.problems.push(format!("the response body {error}"));
                None
            }
        };
        self
    }

    /// Answers with the error `status` (400 or above) and the spec's error body carrying
    /// `error_code` (such as `RESOURCE_NOT_FOUND`), the status and its reason phrase; the
    /// client reports them as an API error.
    pub fn fail_with(mut self, status: u16, error_code: &str) -> Self {
        let Some(status) = self.error_status(status) else {
            return self;
        };
        let detail = format!("{error_code}: a mocked error of `{}`", self.operation.name);
        let body = C::error_body(status, error_code, &detail);
        if let Err(error) =
            serde_json::from_value::<<C as GeneratedClient>::ErrorBody>(body.clone())
        {
            self.problems.push(format!(
                "the spec's error body built for {status} {error_code} does not decode: {error}"
            ));
            return self;
        }
        self.answer = Some(
            wiremock::ResponseTemplate::new(status.as_u16())
                .set_body_raw(body.to_string(), "application/json"),
        );
        self
    }

    /// Answers with the error `status` (400 or above) and `body`, for an error body
    /// [`fail_with`](Expectation::fail_with) does not make.
    pub fn fail_with_body(mut self, status: u16, body: &<C as GeneratedClient>::ErrorBody) -> Self
    where
        <C as GeneratedClient>::ErrorBody: Serialize,
    {
        let Some(status) = self.error_status(status) else {
            return self;
        };
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.answer = Some(
                    wiremock::ResponseTemplate::new(status.as_u16())
                        .set_body_raw(bytes, "application/json"),
                );
            }
            Err(error) => self
                .problems
                .push(format!("the error body cannot be encoded as JSON: {error}")),
        }
        self
    }

    /// `status` when it is an error status; otherwise a problem.
    fn error_status(&mut self, status: u16) -> Option<StatusCode> {
        match StatusCode::from_u16(status) {
            Ok(status) if status.is_client_error() || status.is_server_error() => Some(status),
            _ => {
                self.problems
                    .push(format!("{status} is not an error status"));
                None
            }
        }
    }

    /// Mounts it on the server: from now on it answers the requests it matches. One that
    /// cannot answer as asked (no response given, an invalid status) is reported by
    /// [`MockServer::verify`], and its calls are answered with `501` and
    /// [`INVALID_EXPECTATION`].
    pub async fn mount(mut self) {
        if self.answer.is_none() && self.problems.is_empty() {
            self.problems
                .push("no response: call `respond_with` or `fail_with`".to_owned());
        }
        let rule = Rule {
            operation: self.operation,
            path: self.path,
            body_type: std::any::type_name::<B>(),
            decodes: decodes::<B>,
            expected_body: self.expected_body,
            expected_query: self.expected_query,
            times: self.times,
            calls: AtomicU64::new(0),
        };
        let problems: Vec<Problem> = self
            .problems
            .iter()
            .map(|reason| Problem::InvalidExpectation {
                expectation: rule.label(),
                reason: reason.clone(),
            })
            .collect();
        let answer = match self.answer {
            Some(answer) if problems.is_empty() => answer,
            _ => error_answer(
                C::error_body,
                StatusCode::NOT_IMPLEMENTED,
                INVALID_EXPECTATION,
                &format!(
                    "{} cannot answer: {}",
                    rule.label(),
                    self.problems.join("; ")
                ),
            ),
        };
        self.server.mount(rule, answer, problems).await;
    }
}
