//! How expectations answer, count their calls and report what they cannot do; the panic on
//! drop.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::*;

#[tokio::test]
async fn calls_are_counted_and_answered_in_mount_order() {
    let (server, transport) = start().await;
    get_job(&server, "j1")
        .respond_with(json!({"n": 1}))
        .times(1)
        .mount()
        .await;
    get_job(&server, "j1")
        .respond_with(json!({"n": 2}))
        .times(1)
        .mount()
        .await;
    for n in [1, 2] {
        let response = send::<TestClient>(&transport, Send::default())
            .await
            .unwrap();
        assert_eq!(*response.body(), json!({ "n": n }));
    }
    // A third is beyond what either expects.
    send::<TestClient>(&transport, Send::default())
        .await
        .unwrap_err();
    let rejection = rejection_of(&server);
    assert!(
        rejection.contains("matches, but expects exactly 1 call and has answered 1"),
        "{rejection}"
    );

    let (server, transport) = start().await;
    get_job(&server, "j1")
        .respond_with(json!({}))
        .times(2)
        .mount()
        .await;
    get_job(&server, "j2").respond_with(json!({})).mount().await;
    get_job(&server, "j3")
        .respond_with(json!({}))
        .at_least(0)
        .mount()
        .await;
    send::<TestClient>(&transport, Send::default())
        .await
        .unwrap();
    let error = server.verify().unwrap_err();
    assert_eq!(
        error.problems(),
        [
            Problem::MissedCalls {
                expectation: "`getJob` (GET /groups/g1/jobs/j1)".to_owned(),
                expected: "exactly 2 calls".to_owned(),
                received: 1,
            },
            Problem::MissedCalls {
                expectation: "`getJob` (GET /groups/g1/jobs/j2)".to_owned(),
                expected: "at least 1 call".to_owned(),
                received: 0,
            },
        ]
    );
    assert!(error.to_string().starts_with("the mock server found 2 problems:\n- `getJob` (GET /groups/g1/jobs/j1) expected exactly 2 calls, received 1"), "{error}");

    let (server, transport) = start().await;
    get_job(&server, "j1")
        .respond_with(json!({}))
        .times(0)
        .mount()
        .await;
    send::<TestClient>(&transport, Send::default())
        .await
        .unwrap_err();
    assert!(rejection_of(&server).contains("expects exactly 0 calls"));
}

#[tokio::test]
async fn fail_with_answers_the_spec_error_body() {
    let (server, transport) = start().await;
    get_job(&server, "j1")
        .fail_with(404, "RESOURCE_NOT_FOUND")
        .mount()
        .await;
    let error = send::<TestClient>(&transport, Send::default())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert!(error.is_error_code("RESOURCE_NOT_FOUND"), "{error}");
    assert!(matches!(&error, Error::Api(api) if api.declared));
    assert_eq!(server.verify(), Ok(()));
}

#[tokio::test]
async fn an_expectation_that_cannot_answer_is_reported_and_answers_501() {
    type Setup =
        for<'a> fn(Expectation<'a, TestClient, Value>) -> Expectation<'a, TestClient, Value>;
    let setups: [(&str, Setup, &str); 3] = [
        (
            "no response",
            |expectation| expectation,
            "no response: call `respond_with` or `fail_with`",
        ),
        (
            "a success status",
            |expectation| expectation.fail_with(200, "OK"),
            "200 is not an error status",
        ),
        (
            "an undeclared query parameter",
            |expectation| expectation.query("verbose", 1).respond_with(json!({})),
            "`verbose` is not a query parameter of `getJob`",
        ),
    ];
    for (what, setup, reason) in setups {
        let (server, transport) = start().await;
        setup(get_job(&server, "j1")).times(1).mount().await;
        let error = send::<TestClient>(&transport, Send::default())
            .await
            .unwrap_err();
        assert_eq!(error.error_code(), Some(INVALID_EXPECTATION), "{what}");
        match only_problem(&server) {
            Problem::InvalidExpectation { reason: found, .. } => {
                assert_eq!(found, reason, "{what}");
            }
            other => panic!("{what}: {other}"),
        }
    }
}

/// An error body with a property `fail_with` does not fill in.
#[derive(Debug, Serialize, Deserialize)]
struct StrictError {
    code: String,
    extra: u32,
}

impl ErrorBody for StrictError {
    fn error_code(&self) -> Option<&str> {
        Some(&self.code)
    }

    fn detail(&self) -> Option<&str> {
        None
    }
}

type StrictClient = Client<StrictError>;

impl MockableClient for StrictClient {
    fn error_body(_status: StatusCode, error_code: &str, _detail: &str) -> Value {
        json!({ "code": error_code })
    }
}

#[tokio::test]
async fn an_error_body_fail_with_cannot_make_is_reported_and_one_can_be_given() {
    let server = MockServer::<StrictClient>::start().await;
    server
        .expect::<Value, NoBody>(GET_JOB, &[("groupId", "g1"), ("jobId", "j1")], encode::json)
        .fail_with(409, "CONFLICT")
        .at_least(0)
        .mount()
        .await;
    let error = server.verify().unwrap_err();
    assert!(
        error.to_string().contains(
            "the spec's error body built for 409 Conflict CONFLICT does not decode: missing field `extra`"
        ),
        "{error}"
    );

    let server = MockServer::<StrictClient>::start().await;
    server
        .expect::<Value, NoBody>(GET_JOB, &[("groupId", "g1"), ("jobId", "j1")], encode::json)
        .fail_with_body(
            409,
            &StrictError {
                code: "CONFLICT".to_owned(),
                extra: 7,
            },
        )
        .mount()
        .await;
    let error = send::<StrictClient>(&server.client().transport, Send::default())
        .await
        .unwrap_err();
    assert!(error.is_error_code("CONFLICT"), "{error}");
    assert_eq!(error.api_error().map(|body| body.extra), Some(7));
    assert_eq!(server.verify(), Ok(()));
}

#[tokio::test]
async fn raw_and_empty_success_bodies() {
    const DOWNLOAD: Operation = Operation {
        name: "download",
        method: "GET",
        path: "/logs",
        accept: "application/vnd.atlas.2023-01-01+gzip",
        query: &[],
        headers: &[],
        body: None,
        success_status: 200,
    };
    const DELETE: Operation = Operation {
        name: "delete",
        method: "DELETE",
        path: "/logs",
        accept: VERSIONED,
        query: &[],
        headers: &[],
        body: None,
        success_status: 204,
    };
    let (server, transport) = start().await;
    server
        .expect::<Vec<u8>, NoBody>(DOWNLOAD, &[], encode::raw)
        .respond_with(vec![0x1f, 0x8b])
        .mount()
        .await;
    server
        .expect::<(), NoBody>(DELETE, &[], encode::empty)
        .respond_with(())
        .mount()
        .await;
    let options = crate::CallOptions::new();
    let prepared = |method, accept| PreparedRequest {
        method,
        path: "/logs",
        path_params: &[],
        query: Vec::new(),
        headers: Vec::new(),
        accept,
        body: None,
        operation_id: "test",
        declared_errors: &[],
        options: &options,
    };
    let bytes = transport
        .execute_raw::<Value>(prepared(reqwest::Method::GET, DOWNLOAD.accept))
        .await
        .unwrap();
    assert_eq!(bytes.body(), &[0x1f, 0x8b]);
    assert_eq!(bytes.headers().content_type(), Some(DOWNLOAD.accept));
    let deleted = transport
        .execute::<(), Value>(prepared(reqwest::Method::DELETE, VERSIONED))
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(server.verify(), Ok(()));
}

/// The panic message of dropping `server`, if it panics.
fn drop_panic(server: MockServer<TestClient>) -> Option<String> {
    let panic = catch_unwind(AssertUnwindSafe(move || drop(server))).err()?;
    Some(panic.downcast_ref::<String>().cloned().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_server_fails_on_a_problem_no_verify_returned() {
    let (server, transport) = start().await;
    send::<TestClient>(&transport, Send::default())
        .await
        .unwrap_err();
    let message = drop_panic(server).expect("dropping panics");
    assert!(
        message.contains("unexpected request GET /groups/g1/jobs/j1")
            && message.contains("no expectation is mounted"),
        "{message}"
    );

    let (server, _) = start().await;
    get_job(&server, "j1").respond_with(json!({})).mount().await;
    let error = server.verify().unwrap_err();
    assert!(matches!(error.problems(), [Problem::MissedCalls { .. }]));
    assert_eq!(drop_panic(server), None, "the problem was reported");

    let (server, transport) = start().await;
    get_job(&server, "j1").respond_with(json!({})).mount().await;
    assert!(server.verify().is_err());
    send::<TestClient>(&transport, Send::default())
        .await
        .unwrap();
    send::<TestClient>(&transport, Send::accepting("text/html"))
        .await
        .unwrap_err();
    let message = drop_panic(server).expect("a problem since the last verify");
    assert!(message.contains("Accept: text/html"), "{message}");

    let (server, _) = start().await;
    assert_eq!(drop_panic(server), None, "nothing expected, nothing sent");
}
