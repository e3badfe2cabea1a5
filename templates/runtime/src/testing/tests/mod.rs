//! The mock server against the runtime's own transport, with a hand-written client: what an
//! expectation matches (`matching`), and how it answers and counts (`answers`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::*;
use crate::client::Transport;
use crate::error::{Error, ErrorBody};
use crate::response::ApiResponse;
use crate::transport::PreparedRequest;

mod answers;
mod matching;

const VERSIONED: &str = "application/vnd.atlas.2023-01-01+json";

/// A client the way a generated crate declares one, with error body `E` (by default a
/// free-form one).
#[derive(Debug)]
struct Client<E = Value> {
    transport: Transport,
    error_body: PhantomData<E>,
}

impl<E: ErrorBody> GeneratedClient for Client<E> {
    type ErrorBody = E;
    const DEFAULT_BASE_URL: &'static str = "https://api.example.test";
    const OAUTH_TOKEN_PATH: Option<&'static str> = None;
    const USER_AGENT: &'static str = "test-client/1.0";

    fn from_transport(transport: Transport) -> Self {
        Client {
            transport,
            error_body: PhantomData,
        }
    }
}

type TestClient = Client;

impl MockableClient for TestClient {
    fn error_body(status: StatusCode, error_code: &str, detail: &str) -> Value {
        json!({"error": status.as_u16(), "errorCode": error_code, "detail": detail})
    }
}

const GET_JOB: Operation = Operation {
    name: "getJob",
    method: "GET",
    path: "/groups/{groupId}/jobs/{jobId}",
    accept: VERSIONED,
    query: &[
        Parameter {
            name: "pretty",
            required: false,
        },
        Parameter {
            name: "itemsPerPage",
            required: false,
        },
    ],
    headers: &[],
    body: None,
    success_status: 200,
};

const CREATE_JOB: Operation = Operation {
    name: "createJob",
    method: "POST",
    path: "/groups/{groupId}/jobs",
    accept: VERSIONED,
    query: &[Parameter {
        name: "dryRun",
        required: true,
    }],
    headers: &[],
    body: Some(RequestBody {
        media_type: VERSIONED,
        required: true,
    }),
    success_status: 201,
};

/// A request body type.
#[derive(Debug, Serialize, Deserialize)]
struct NewJob {
    name: String,
}

/// What a test sends; the defaults are what `GET_JOB` expects for group `g1`, job `j1`.
struct Send {
    method: reqwest::Method,
    path: &'static str,
    params: Vec<(&'static str, &'static str)>,
    query: Vec<(&'static str, String)>,
    accept: &'static str,
    body: Option<(&'static str, Value)>,
}

impl Default for Send {
    fn default() -> Self {
        Send {
            method: reqwest::Method::GET,
            path: GET_JOB.path,
            params: vec![("groupId", "g1"), ("jobId", "j1")],
            query: Vec::new(),
            accept: VERSIONED,
            body: None,
        }
    }
}

impl Send {
    /// The default request, with another `Accept`.
    fn accepting(accept: &'static str) -> Self {
        Send {
            accept,
            ..Send::default()
        }
    }
}

/// `Send` for `CREATE_JOB` in group `g1`, with `dryRun` and `body`.
fn create(body: Value) -> Send {
    Send {
        method: reqwest::Method::POST,
        path: CREATE_JOB.path,
        params: vec![("groupId", "g1")],
        query: vec![("dryRun", "false".to_owned())],
        body: Some((VERSIONED, body)),
        ..Send::default()
    }
}

async fn send<C: GeneratedClient>(
    transport: &Transport,
    send: Send,
) -> Result<ApiResponse<Value>, Error<C::ErrorBody>> {
    transport
        .execute(PreparedRequest {
            method: send.method,
            path: send.path,
            path_params: &send.params,
            query: send.query,
            headers: Vec::new(),
            accept: send.accept,
            body: send
                .body
                .map(|(media_type, body)| (media_type, serde_json::to_vec(&body))),
            operation_id: "test",
            declared_errors: &[404],
            options: &crate::CallOptions::new(),
        })
        .await
}

async fn start() -> (MockServer<TestClient>, Transport) {
    let server = MockServer::<TestClient>::start().await;
    let transport = server.client().transport;
    (server, transport)
}

fn get_job<'a>(
    server: &'a MockServer<TestClient>,
    job: &str,
) -> Expectation<'a, TestClient, Value> {
    server.expect(GET_JOB, &[("groupId", "g1"), ("jobId", job)], encode::json)
}

fn create_job(server: &MockServer<TestClient>) -> Expectation<'_, TestClient, Value, NewJob> {
    server.expect(CREATE_JOB, &[("groupId", "g1")], encode::json)
}

/// The one problem `verify` reports.
fn only_problem(server: &MockServer<TestClient>) -> Problem {
    let error = server.verify().expect_err("a problem");
    assert_eq!(error.problems().len(), 1, "{error}");
    error.problems()[0].clone()
}

/// The reasons of the one unexpected request `verify` reports.
fn rejection_of(server: &MockServer<TestClient>) -> String {
    match only_problem(server) {
        Problem::UnexpectedRequest { reasons, .. } => reasons.join("\n"),
        other => panic!("not an unexpected request: {other}"),
    }
}

/// Sends `request`, which no expectation may match, and checks that `reason` is among the
/// reasons `verify` gives.
async fn assert_rejected(
    server: &MockServer<TestClient>,
    transport: &Transport,
    request: Send,
    what: &str,
    reason: &str,
) {
    send::<TestClient>(transport, request).await.unwrap_err();
    let rejection = rejection_of(server);
    assert!(rejection.contains(reason), "{what}: {rejection}");
}
