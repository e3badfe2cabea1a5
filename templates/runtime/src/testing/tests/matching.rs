//! What an expectation matches, and what a request nothing matches is answered and reported
//! with.

use super::*;

#[tokio::test]
async fn answers_the_request_it_expects_and_verifies_clean() {
    let (server, transport) = start().await;
    assert!(
        server.uri().starts_with("http://127.0.0.1:"),
        "{}",
        server.uri()
    );
    server
        .expect::<Value, NoBody>(
            GET_JOB,
            &[("groupId", "g 1"), ("jobId", "j/1")],
            encode::json,
        )
        .respond_with(json!({"id": "j1"}))
        .query("pretty", true)
        .times(1)
        .mount()
        .await;
    let response = send::<TestClient>(
        &transport,
        Send {
            params: vec![("groupId", "g 1"), ("jobId", "j/1")],
            query: vec![("pretty", "true".to_owned())],
            ..Send::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().content_type(), Some(VERSIONED));
    assert_eq!(*response.body(), json!({"id": "j1"}));
    assert_eq!(server.verify(), Ok(()));
}

#[tokio::test]
async fn a_request_nothing_matches_is_answered_with_what_was_sent_and_reported() {
    let (server, transport) = start().await;
    get_job(&server, "j1")
        .respond_with(json!({}))
        .at_least(0)
        .mount()
        .await;
    let error = send::<TestClient>(&transport, Send::accepting("application/json"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_IMPLEMENTED));
    assert_eq!(error.error_code(), Some(UNEXPECTED_REQUEST));
    let detail = error.api_error().and_then(ErrorBody::detail).unwrap();
    for named in [
        "GET /groups/g1/jobs/j1",
        "Accept: application/json",
        "Accept is `application/json`, but the operation sends `application/vnd.atlas.2023-01-01+json`",
    ] {
        assert!(detail.contains(named), "{named} not in {detail}");
    }
    match only_problem(&server) {
        Problem::UnexpectedRequest { request, reasons } => {
            assert_eq!(request.method, "GET");
            assert_eq!(request.path, "/groups/g1/jobs/j1");
            assert_eq!(request.accept.as_deref(), Some("application/json"));
            assert_eq!(reasons.len(), 1, "{reasons:?}");
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn the_method_path_and_query_must_be_the_operations() {
    let cases: [(&str, Send, &str); 5] = [
        (
            "another job",
            Send {
                params: vec![("groupId", "g1"), ("jobId", "j2")],
                ..Send::default()
            },
            "path is /groups/g1/jobs/j2, not /groups/g1/jobs/j1",
        ),
        (
            "another method",
            Send {
                method: reqwest::Method::DELETE,
                ..Send::default()
            },
            "method is DELETE, not GET",
        ),
        (
            "another value",
            Send {
                query: vec![("pretty", "false".to_owned())],
                ..Send::default()
            },
            "query `pretty` is `false`, expected `true`",
        ),
        (
            "no value",
            Send::default(),
            "query `pretty` is not sent, expected `true`",
        ),
        (
            "an undeclared parameter",
            Send {
                query: vec![("pretty", "true".to_owned()), ("verbose", "1".to_owned())],
                ..Send::default()
            },
            "query parameter `verbose` is not one the operation declares",
        ),
    ];
    for (what, request, reason) in cases {
        let (server, transport) = start().await;
        get_job(&server, "j1")
            .query("pretty", true)
            .respond_with(json!({}))
            .at_least(0)
            .mount()
            .await;
        assert_rejected(&server, &transport, request, what, reason).await;
    }
}

#[tokio::test]
async fn the_body_must_be_the_operations_and_the_expected_one() {
    let cases: [(&str, Send, &str); 6] = [
        (
            "another body",
            create(json!({"name": "b"})),
            r#"the body is {"name":"b"}, expected {"name":"a"}"#,
        ),
        (
            "a body of another type",
            create(json!({"title": "a"})),
            "the body does not decode into `atlas_runtime::testing::tests::NewJob`: missing field `name`",
        ),
        (
            "another content type",
            Send {
                body: Some(("application/json", json!({"name": "a"}))),
                ..create(Value::Null)
            },
            "Content-Type is `application/json`, but the operation sends `application/vnd.atlas.2023-01-01+json`",
        ),
        (
            "no body",
            Send {
                body: None,
                ..create(Value::Null)
            },
            "sends no body, but the operation requires a `atlas_runtime::testing::tests::NewJob`",
        ),
        (
            "a required query parameter left out",
            Send {
                query: Vec::new(),
                ..create(json!({"name": "a"}))
            },
            "no `dryRun` query parameter, which the operation requires",
        ),
        (
            "a body where the operation takes none",
            Send {
                body: Some((VERSIONED, json!({"name": "a"}))),
                ..Send::default()
            },
            "sends a body, but the operation takes none",
        ),
    ];
    for (what, request, reason) in cases {
        let (server, transport) = start().await;
        create_job(&server)
            .expect_body(&NewJob {
                name: "a".to_owned(),
            })
            .respond_with(json!({"id": "j1"}))
            .at_least(0)
            .mount()
            .await;
        get_job(&server, "j1")
            .respond_with(json!({}))
            .at_least(0)
            .mount()
            .await;
        assert_rejected(&server, &transport, request, what, reason).await;
    }
    let (server, transport) = start().await;
    create_job(&server)
        .expect_body(&NewJob {
            name: "a".to_owned(),
        })
        .respond_with(json!({"id": "j1"}))
        .mount()
        .await;
    let response = send::<TestClient>(&transport, create(json!({"name": "a"})))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(server.verify(), Ok(()));
}
