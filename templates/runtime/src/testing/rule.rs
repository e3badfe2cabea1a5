//! A mounted expectation as wiremock sees it: which requests it matches (and why it rejects
//! the others), how it answers and counts them; and the fallback for requests nothing
//! matches.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::Value;

use super::expectation::{Operation, RequestBody};
use super::report::{header, Problem, ReceivedRequest};
use super::{lock, State, UNEXPECTED_REQUEST};

/// How many calls an expectation asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Times {
    /// Exactly this many: it answers no more.
    Exactly(u64),
    /// This many or more.
    AtLeast(u64),
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (how, count) = match self {
            Times::Exactly(count) => ("exactly", count),
            Times::AtLeast(count) => ("at least", count),
        };
        write!(
            f,
            "{how} {count} call{}",
            if *count == 1 { "" } else { "s" }
        )
    }
}

/// A mounted expectation: what it matches and how often it was called.
pub(super) struct Rule {
    pub(super) operation: Operation,
    /// The filled-in, percent-encoded path, as the client sends it.
    pub(super) path: String,
    /// The request body type's name, for messages.
    pub(super) body_type: &'static str,
    /// Whether a body decodes into the request body type.
    pub(super) decodes: fn(&[u8]) -> Result<(), String>,
    pub(super) expected_body: Option<Value>,
    pub(super) expected_query: Vec<(String, String)>,
    pub(super) times: Times,
    pub(super) calls: AtomicU64,
}

impl Rule {
    /// How messages name it: the operation and the request it expects.
    pub(super) fn label(&self) -> String {
        format!(
            "`{}` ({} {})",
            self.operation.name, self.operation.method, self.path
        )
    }

    /// Why `request` is not what this expectation expects; empty when it is.
    fn mismatches(&self, request: &wiremock::Request) -> Vec<String> {
        let operation = &self.operation;
        let mut found = Vec::new();
        if request.method.as_str() != operation.method {
            found.push(format!(
                "method is {}, not {}",
                request.method, operation.method
            ));
        }
        if request.url.path() != self.path {
            found.push(format!("path is {}, not {}", request.url.path(), self.path));
        }
        if !found.is_empty() {
            // Another request altogether: the rest would not say more.
            return found;
        }
        found.extend(header_mismatch(request, "Accept", operation.accept));
        self.query_mismatches(request, &mut found);
        for required in operation.headers.iter().filter(|header| header.required) {
            if header(request, required.name).is_none() {
                found.push(format!(
                    "no `{}` header, which the operation requires",
                    required.name
                ));
            }
        }
        match &operation.body {
            Some(body) => self.body_mismatches(request, body, &mut found),
            None => {
                if !request.body.is_empty() {
                    found.push("sends a body, but the operation takes none".to_owned());
                }
                if let Some(content_type) = header(request, "content-type") {
                    found.push(format!(
                        "Content-Type is `{content_type}`, but the operation sends no body"
                    ));
                }
            }
        }
        found
    }

    fn query_mismatches(&self, request: &wiremock::Request, found: &mut Vec<String>) {
        let declared = self.operation.query;
        let sent: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        let mut undeclared: Vec<&str> = sent
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| !declared.iter().any(|parameter| parameter.name == *name))
            .collect();
        undeclared.dedup();
        for name in undeclared {
            found.push(format!(
                "query parameter `{name}` is not one the operation declares"
            ));
        }
        for required in declared.iter().filter(|parameter| parameter.required) {
            if !sent.iter().any(|(name, _)| name == required.name) {
                found.push(format!(
                    "no `{}` query parameter, which the operation requires",
                    required.name
                ));
            }
        }
        for (name, value) in &self.expected_query {
            if sent.iter().any(|pair| pair.0 == *name && pair.1 == *value) {
                continue;
            }
            let values: Vec<String> = sent
                .iter()
                .filter(|pair| pair.0 == *name)
                .map(|pair| format!("`{}`", pair.1))
                .collect();
            let sent = if values.is_empty() {
                "not sent".to_owned()
            } else {
                values.join(", ")
            };
            found.push(format!("query `{name}` is {sent}, expected `{value}`"));
        }
    }

    fn body_mismatches(
        &self,
        request: &wiremock::Request,
        body: &RequestBody,
        found: &mut Vec<String>,
    ) {
        if request.body.is_empty() {
            if body.required {
                found.push(format!(
                    "sends no body, but the operation requires a `{}`",
                    self.body_type
                ));
            } else if self.expected_body.is_some() {
                found.push("sends no body, but one was expected".to_owned());
            }
            return;
        }
        found.extend(header_mismatch(request, "Content-Type", body.media_type));
        if let Err(error) = (self.decodes)(&request.body) {
            found.push(format!(
                "the body does not decode into `{}`: {error}",
                self.body_type
            ));
            return;
        }
        if let Some(expected) = &self.expected_body {
            let sent = serde_json::from_slice::<Value>(&request.body);
            if sent.as_ref().ok() != Some(expected) {
                found.push(format!(
                    "the body is {}, expected {expected}",
                    String::from_utf8_lossy(&request.body)
                ));
            }
        }
    }

    /// The problem, when it was called fewer times than it asked.
    pub(super) fn call_count_problem(&self) -> Option<Problem> {
        let received = self.calls.load(Ordering::SeqCst);
        let (Times::Exactly(expected) | Times::AtLeast(expected)) = self.times;
        (received < expected).then(|| Problem::MissedCalls {
            expectation: self.label(),
            expected: self.times.to_string(),
            received,
        })
    }

    /// Why `request` went to no expectation, as a line naming this one.
    fn rejection(&self, request: &wiremock::Request) -> String {
        let mismatches = self.mismatches(request);
        let why = if mismatches.is_empty() {
            // It matches, so it had answered all the calls it takes.
            format!(
                "matches, but expects {} and has answered {}",
                self.times,
                self.calls.load(Ordering::SeqCst)
            )
        } else {
            mismatches.join("; ")
        };
        format!("{}: {why}", self.label())
    }
}

/// Why the request's `name` header is not `expected`, if it is not.
fn header_mismatch(request: &wiremock::Request, name: &str, expected: &str) -> Option<String> {
    let sent = header(request, name);
    (sent != Some(expected)).then(|| {
        let sent = sent.map_or_else(|| "not sent".to_owned(), |value| format!("`{value}`"));
        format!("{name} is {sent}, but the operation sends `{expected}`")
    })
}

struct Matches(Arc<Rule>);

impl wiremock::Match for Matches {
    fn matches(&self, request: &wiremock::Request) -> bool {
        // wiremock caps the calls of the others (`up_to_n_times`), but takes no cap of 0.
        self.0.times != Times::Exactly(0) && self.0.mismatches(request).is_empty()
    }
}

/// Answers the calls of one expectation, counting them.
struct Answers {
    rule: Arc<Rule>,
    answer: wiremock::ResponseTemplate,
}

impl wiremock::Respond for Answers {
    fn respond(&self, _request: &wiremock::Request) -> wiremock::ResponseTemplate {
        self.rule.calls.fetch_add(1, Ordering::SeqCst);
        self.answer.clone()
    }
}

/// The wiremock mock for `rule`, answering `answer`.
pub(super) fn mock(rule: Arc<Rule>, answer: wiremock::ResponseTemplate) -> wiremock::Mock {
    let (times, label) = (rule.times, rule.label());
    let mock = wiremock::Mock::given(Matches(Arc::clone(&rule)))
        .respond_with(Answers { rule, answer })
        .named(label);
    match times {
        Times::Exactly(count) if count > 0 => mock.up_to_n_times(count),
        Times::Exactly(_) | Times::AtLeast(_) => mock,
    }
}

/// Answers (and records) every request no expectation matched.
pub(super) struct Fallback {
    pub(super) state: Arc<Mutex<State>>,
    pub(super) error_body: fn(StatusCode, &str, &str) -> Value,
}

impl wiremock::Respond for Fallback {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let mut state = lock(&self.state);
        let problem = Problem::UnexpectedRequest {
            request: ReceivedRequest::new(request),
            reasons: state
                .rules
                .iter()
                .map(|rule| rule.rejection(request))
                .collect(),
        };
        let answer = error_answer(
            self.error_body,
            StatusCode::NOT_IMPLEMENTED,
            UNEXPECTED_REQUEST,
            &problem.to_string(),
        );
        state.events.push(problem);
        answer
    }
}

/// An error answer: the spec's error body as JSON.
pub(super) fn error_answer(
    error_body: fn(StatusCode, &str, &str) -> Value,
    status: StatusCode,
    error_code: &str,
    detail: &str,
) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status.as_u16()).set_body_raw(
        error_body(status, error_code, detail).to_string(),
        "application/json",
    )
}
