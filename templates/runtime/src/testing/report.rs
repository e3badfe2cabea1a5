//! What a mock server reports: the problems it found, and the requests they are about.

use std::fmt;

/// How much of a request body a report shows.
const BODY_SHOWN: usize = 1_000;

/// Something a test did not expect: a request no expectation matched, an expectation called
/// fewer times than it asked, or one that could not answer as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A request no expectation matched; the mock answered it with `501` and
    /// [`UNEXPECTED_REQUEST`](super::UNEXPECTED_REQUEST).
    UnexpectedRequest {
        /// What was sent.
        request: ReceivedRequest,
        /// Why each mounted expectation rejected it, one line per expectation.
        reasons: Vec<String>,
    },
    /// An expectation called fewer times than it asked.
    MissedCalls {
        /// The operation and request it expected.
        expectation: String,
        /// The calls it asked for (`exactly 1 call`, `at least 1 call`).
        expected: String,
        /// The calls it answered.
        received: u64,
    },
    /// An expectation that cannot answer as asked; the mock answers its calls with `501` and
    /// [`INVALID_EXPECTATION`](super::INVALID_EXPECTATION).
    InvalidExpectation {
        /// The operation and request it expects.
        expectation: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::UnexpectedRequest { request, reasons } => {
                write!(f, "unexpected request {request}: ")?;
                if reasons.is_empty() {
                    return write!(f, "no expectation is mounted");
                }
                write!(f, "no expectation matches it")?;
                for reason in reasons {
                    write!(f, "\n    {reason}")?;
                }
                Ok(())
            }
            Problem::MissedCalls {
                expectation,
                expected,
                received,
            } => write!(f, "{expectation} expected {expected}, received {received}"),
            Problem::InvalidExpectation {
                expectation,
                reason,
            } => write!(f, "{expectation} cannot answer: {reason}"),
        }
    }
}

/// A request as the mock server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, percent-encoded as sent.
    pub path: String,
    /// The query string, when there is one.
    pub query: Option<String>,
    /// The `Accept` header, when sent.
    pub accept: Option<String>,
    /// The `Content-Type` header, when sent.
    pub content_type: Option<String>,
    /// The body as text (invalid UTF-8 replaced), its first 1,000 characters.
    pub body: String,
}

impl ReceivedRequest {
    pub(super) fn new(request: &wiremock::Request) -> Self {
        let mut body = String::from_utf8_lossy(&request.body).into_owned();
        if let Some((cut, _)) = body.char_indices().nth(BODY_SHOWN) {
            body.truncate(cut);
            body.push('…');
        }
        ReceivedRequest {
            method: request.method.as_str().to_owned(),
            path: request.url.path().to_owned(),
            query: request.url.query().map(str::to_owned),
            accept: header(request, "accept").map(str::to_owned),
            content_type: header(request, "content-type").map(str::to_owned),
            body,
        }
    }
}

/// A request header's value, when present and text.
pub(super) fn header<'r>(request: &'r wiremock::Request, name: &str) -> Option<&'r str> {
    request
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

impl fmt::Display for ReceivedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if let Some(query) = &self.query {
            write!(f, "?{query}")?;
        }
        write!(f, " (Accept: {}", self.accept.as_deref().unwrap_or("none"))?;
        if let Some(content_type) = &self.content_type {
            write!(f, ", Content-Type: {content_type}")?;
        }
        if self.body.is_empty() {
            write!(f, ", no body)")
        } else {
            write!(f, ", body: {})", self.body)
        }
    }
}

/// The problems [`MockServer::verify`](super::MockServer::verify) found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    problems: Vec<Problem>,
}

impl VerifyError {
    pub(super) fn new(problems: Vec<Problem>) -> Self {
        VerifyError { problems }
    }

    /// The problems, in the order they were found (unexpected requests in the order they
    /// came), then the expectations that missed calls.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        write!(
            f,
            "the mock server found {count} problem{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n- {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyError {}
