//! A typed mock server, for the tests of code that uses a generated client (the `testing`
//! feature).
//!
//! A generated crate's `testing` module wraps [`MockServer`] with one method per operation,
//! taking the operation's path parameters and returning an [`Expectation`] typed by the
//! operation's success body `T` and request body `B`. An expectation says what the client
//! must send and how the mock answers:
//!
//! - it matches a request only if the method, the exact path, the operation's (versioned)
//!   `Accept` media type, the `Content-Type` of the body, the body itself (it must decode into
//!   `B`, and equal [`Expectation::expect_body`]'s value when given) and the query parameters
//!   (declared by the operation, the required ones present, and [`Expectation::query`]'s
//!   values among them) are what the spec asks for;
//! - it answers with [`Expectation::respond_with`] (the typed success body, encoded as the
//!   operation's media type) or [`Expectation::fail_with`] (a status and an error code, in the
//!   spec's error body);
//! - it expects to be called at least once, or as often as [`Expectation::times`] says.
//!
//! A request that matches no expectation is answered with `501 Not Implemented` and the error
//! code [`UNEXPECTED_REQUEST`], in the spec's error body, whose detail names the method, path,
//! `Accept` and body that were sent and why each expectation rejected them; the client under
//! test sees it as an API error. [`MockServer::verify`] returns every such request and every
//! expectation called fewer times than it asked, as a [`VerifyError`], so a test can also
//! assert that a wrong request is caught. A server dropped with a problem that no `verify`
//! call returned panics, failing the test.
//!
//! The server listens on 127.0.0.1 only, on a port of its own, so tests run in parallel.

#![deny(missing_docs)]

mod expectation;
mod report;
mod rule;
#[cfg(test)]
mod tests;

use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

pub use expectation::{encode, Expectation, NoBody, Operation, Parameter, RequestBody};
pub use report::{Problem, ReceivedRequest, VerifyError};

use crate::auth::Credentials;
use crate::client::{ClientBuilder, GeneratedClient};
use crate::retry::RetryPolicy;
use rule::Rule;

/// The error code the mock answers a request with when no expectation matches it (status
/// `501 Not Implemented`).
pub const UNEXPECTED_REQUEST: &str = "MOCK_UNEXPECTED_REQUEST";

/// The error code the mock answers an expectation's calls with when the expectation cannot
/// answer as asked (status `501 Not Implemented`): no response given, an invalid status, a
/// body that does not encode.
pub const INVALID_EXPECTATION: &str = "MOCK_INVALID_EXPECTATION";

/// The bearer token of the clients a [`MockServer`] builds.
pub const MOCK_TOKEN: &str = "mock-token";

/// A generated client that can be tested against a [`MockServer`]: it says how its spec's
/// error body is written. Generated crates implement it for their `Client` (with the
/// `testing` feature); it is not meant to be implemented by hand.
pub trait MockableClient: GeneratedClient {
    /// The spec's error body for `status`, with `error_code` and `detail`, as JSON that
    /// decodes into [`GeneratedClient::ErrorBody`].
    fn error_body(status: StatusCode, error_code: &str, detail: &str) -> serde_json::Value;
}

/// A local HTTP server that answers a generated client `C` as its expectations say, and
/// reports what it was sent that no expectation asked for. See the [module docs](self).
pub struct MockServer<C> {
    server: wiremock::MockServer,
    state: Arc<Mutex<State>>,
    /// `fn() -> C`: the server makes clients and holds none.
    client: PhantomData<fn() -> C>,
}

/// What the expectations and the fallback share.
#[derive(Default)]
struct State {
    /// Every mounted expectation, in mount order.
    rules: Vec<Arc<Rule>>,
    /// Problems found as they happened: expectations that cannot answer (when mounted) and
    /// unexpected requests (when received).
    events: Vec<Problem>,
    /// What the last [`MockServer::verify`] returned.
    reported: Option<Vec<Problem>>,
}

impl State {
    /// Every problem so far: the events, then each expectation still short of its calls.
    fn problems(&self) -> Vec<Problem> {
        let mut problems = self.events.clone();
        problems.extend(
            self.rules
                .iter()
                .filter_map(|rule| rule.call_count_problem()),
        );
        problems
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panicking test thread cannot leave the state half-written: every update is one push.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<C: MockableClient> MockServer<C> {
    /// Starts a server on 127.0.0.1, on a free port.
    ///
    /// # Panics
    ///
    /// When no port on 127.0.0.1 can be bound.
    pub async fn start() -> Self {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
            .unwrap_or_else(|error| panic!("cannot bind a port on 127.0.0.1: {error}"));
        let server = wiremock::MockServer::builder()
            .listener(listener)
            .start()
            .await;
        let state = Arc::new(Mutex::new(State::default()));
        server
            .register(
                wiremock::Mock::given(wiremock::matchers::any())
                    .respond_with(rule::Fallback {
                        state: Arc::clone(&state),
                        error_body: C::error_body,
                    })
                    // The last resort: every expectation is tried first.
                    .with_priority(u8::MAX),
            )
            .await;
        MockServer {
            server,
            state,
            client: PhantomData,
        }
    }

    /// A builder for a client pointed at this server, with the bearer token [`MOCK_TOKEN`]
    /// and [`RetryPolicy::never`] (so a mocked `503` is seen once, not retried); change
    /// what the test needs before `build()`.
    pub fn client_builder(&self) -> ClientBuilder<C> {
        ClientBuilder::new()
            .base_url(self.uri())
            .credentials(Credentials::bearer_token(MOCK_TOKEN))
            .retry_policy(RetryPolicy::never())
    }

    /// A client pointed at this server, as [`MockServer::client_builder`] builds it.
    ///
    /// # Panics
    ///
    /// When the HTTP client cannot be built (its TLS back end fails to start).
    pub fn client(&self) -> C {
        self.client_builder()
            .build()
            .unwrap_or_else(|error| panic!("cannot build a client for the mock server: {error}"))
    }

    /// An expectation of one call of `operation` with these path parameter values (wire name,
    /// value). Called by a generated crate's per-operation methods; `encode` writes the
    /// success body the way the operation's media type carries it.
    #[doc(hidden)]
    pub fn expect<T, B: DeserializeOwned>(
        &self,
        operation: Operation,
        path_params: &[(&str, &str)],
        encode: fn(&T) -> Result<Vec<u8>, String>,
    ) -> Expectation<'_, C, T, B> {
        Expectation::new(self, operation, path_params, encode)
    }
}

impl<C> MockServer<C> {
    /// The server's base URL, `http://127.0.0.1:<port>`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Every problem so far: requests that matched no expectation (in the order they came),
    /// expectations that could not answer as asked, and expectations called fewer times than
    /// they asked. `Ok` when there is none.
    ///
    /// The server remembers what it returned: dropping it then panics only on a problem
    /// found since.
    pub fn verify(&self) -> Result<(), VerifyError> {
        let mut state = lock(&self.state);
        let problems = state.problems();
        state.reported = Some(problems.clone());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(VerifyError::new(problems))
        }
    }

    /// Adds a mounted expectation.
    async fn mount(&self, rule: Rule, answer: wiremock::ResponseTemplate, problems: Vec<Problem>) {
        let rule = Arc::new(rule);
        {
            let mut state = lock(&self.state);
            state.rules.push(Arc::clone(&rule));
            state.events.extend(problems);
        }
        self.server.register(rule::mock(rule, answer)).await;
    }
}

impl<C> std::fmt::Debug for MockServer<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("uri", &self.server.uri())
            .field("expectations", &lock(&self.state).rules.len())
            .finish_non_exhaustive()
    }
}

/// Fails the test on a problem that no [`MockServer::verify`] returned (wiremock's own
/// `expect` counts are not used: they would panic here even after a test took the failure
/// from `verify` on purpose).
impl<C> Drop for MockServer<C> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let problems = {
            let state = lock(&self.state);
            let problems = state.problems();
            if problems.is_empty() || state.reported.as_ref() == Some(&problems) {
                return;
            }
            problems
        };
        panic!("{}", VerifyError::new(problems));
    }
}
