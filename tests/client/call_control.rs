//! What a caller controls per call and per client, against local servers on 127.0.0.1:
//! per-call timeouts shorter and longer than the client's, deadlines that cut an attempt in
//! flight, a retry wait or a rate-limit hold, a retry opted into for one `POST`, the retry
//! budget against a server that only fails, stalled and slow bodies, and the bad values that
//! fail before anything is sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support;
use crate::support::chaos::{Answer, ChaosServer, RawRequest};
use atlas_admin::models::{DiskBackupExportJobRequest, DiskBackupExportJobRequestRequired};
use atlas_admin::params::{ClusterName, ExportId, GroupId};
use atlas_admin::{
    CallOptions, Client, Credentials, Error, RetryBudget, RetryPolicy, StatusCode,
    TransportErrorKind,
};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const GROUP: &str = "32b6e34b3d91647abb20e7b8";
const EXPORT: &str = "5f1e2d3c4b5a69788796a5b4";

fn ids() -> (GroupId, ClusterName, ExportId) {
    (
        GROUP.parse().unwrap(),
        "Cluster0".parse().unwrap(),
        EXPORT.parse().unwrap(),
    )
}

/// Atlas's answer while it is down.
fn unavailable() -> ResponseTemplate {
    ResponseTemplate::new(503).set_body_json(serde_json::json!({
        "detail": "try later", "error": 503, "errorCode": "SERVICE_UNAVAILABLE",
        "reason": "Service Unavailable"
    }))
}

fn job() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(support::atlas_like::export_job())
}

fn builder(base_url: &str) -> atlas_admin::ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .credentials(Credentials::bearer_token("test-token-123"))
}

fn export_request() -> DiskBackupExportJobRequest {
    DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: GROUP.into(),
        snapshot_id: EXPORT.into(),
    })
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

fn transport(error: &Error) -> &atlas_admin::TransportError {
    match error {
        Error::Transport(transport) => transport,
        other => panic!("not a transport error: {other:?}"),
    }
}

#[tokio::test]
async fn a_per_call_timeout_shorter_than_the_clients_cuts_that_call_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(job().set_delay(Duration::from_millis(800)))
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .timeout(Duration::from_secs(10))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let (group, cluster, export) = ids();

    let started = Instant::now();
    let error = client
        .get_backup_export(&group, &cluster, &export)
        .with_timeout(Duration::from_millis(150))
        .await
        .unwrap_err();
    let error = transport(&error);
    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error}");
    assert_eq!(error.timeout(), Some(Duration::from_millis(150)));
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
    assert!(
        error.to_string().contains("timed out after 150ms"),
        "{error}"
    );

    // The next call has the client's 10 s.
    client
        .get_backup_export(&group, &cluster, &export)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_per_call_timeout_longer_than_the_clients_lets_a_slow_answer_through() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(job().set_delay(Duration::from_millis(400)))
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let (group, cluster, export) = ids();

    let error = client
        .get_backup_export(&group, &cluster, &export)
        .await
        .unwrap_err();
    assert_eq!(transport(&error).kind(), TransportErrorKind::Timeout);
    let job = client
        .get_backup_export(&group, &cluster, &export)
        .with_timeout(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(job.id.as_ref().map(|id| id.as_str()), Some(EXPORT));
}

#[tokio::test]
async fn a_deadline_cuts_an_attempt_in_flight() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(job().set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    // A timeout longer than the deadline is allowed: the deadline cuts first.
    let client = builder(&server.uri())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let (group, cluster, export) = ids();

    let started = Instant::now();
    let error = client
        .get_backup_export(&group, &cluster, &export)
        .with_deadline(Duration::from_millis(300))
        .await
        .unwrap_err();
    let took = started.elapsed();
    let error = transport(&error);
    assert_eq!(error.kind(), TransportErrorKind::Deadline);
    assert!(error.kind().is_timeout());
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(error.timeout(), Some(Duration::from_millis(300)));
    assert_eq!(error.attempts(), Some(1));
    assert!(error.elapsed().unwrap() >= Duration::from_millis(300));
    let message = error.to_string();
    assert!(
        message.starts_with("request to 127.0.0.1:")
            && message.contains("the call's deadline of 300ms passed after")
            && message.contains("while waiting for a response; 1 request sent"),
        "{message}"
    );
}

#[tokio::test]
async fn a_deadline_cuts_a_retry_wait_and_names_the_last_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(unavailable().insert_header("Retry-After", "5"))
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .deadline(Duration::from_millis(400))
        .build()
        .unwrap();
    let (group, cluster, export) = ids();

    let started = Instant::now();
    let error = client
        .get_backup_export(&group, &cluster, &export)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let error = transport(&error);
    assert_eq!(error.kind(), TransportErrorKind::Deadline);
    assert_eq!(error.attempts(), Some(1));
    assert_eq!(error.last_status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    let message = error.to_string();
    assert!(
        message.contains("deadline of 400ms")
            && message.contains("while waiting to retry; 1 request sent, the last answered 503"),
        "{message}"
    );
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn a_deadline_cuts_a_rate_limit_hold() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "5")
                .insert_header("RateLimit-Limit", "10")
                .insert_header("RateLimit-Remaining", "0")
                .set_body_json(serde_json::json!({
                    "detail": "rate limited", "error": 429, "errorCode": "RATE_LIMITED",
                    "reason": "Too Many Requests"
                })),
        )
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let (group, cluster, export) = ids();

    let first = client
        .get_backup_export(&group, &cluster, &export)
        .await
        .unwrap_err();
    assert!(first.is_error_code("RATE_LIMITED"), "{first}");
    // Every call of the client is held for the Retry-After, a clone's too.
    let started = Instant::now();
    let error = client
        .clone()
        .get_backup_export(&group, &cluster, &export)
        .with_deadline(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let error = transport(&error);
    assert_eq!(error.kind(), TransportErrorKind::Deadline);
    assert_eq!(error.attempts(), Some(0));
    assert!(
        error
            .to_string()
            .contains("while waiting for Atlas's rate limit; 0 requests sent"),
        "{error}"
    );
    assert_eq!(requests(&server).await, 1, "the held call sent nothing");

    // Switched off, the client sends at once.
    let unlimited = builder(&server.uri())
        .retry_policy(RetryPolicy::never())
        .rate_limiting(false)
        .build()
        .unwrap();
    for _ in 0..3 {
        let error = unlimited
            .get_backup_export(&group, &cluster, &export)
            .await
            .unwrap_err();
        assert!(error.is_error_code("RATE_LIMITED"));
    }
    assert_eq!(requests(&server).await, 4);
}

#[tokio::test]
async fn one_post_opts_in_to_retries_and_the_next_does_not() {
    let server = MockServer::start().await;
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    // Every other request fails with 503: the first of each pair.
    Mock::given(method("POST"))
        .respond_with(move |_: &wiremock::Request| {
            if counter.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
                unavailable()
            } else {
                job()
            }
        })
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap();
    let (group, cluster, _) = ids();

    let retried = client
        .create_backup_export(&group, &cluster, export_request())
        .with_retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(10))
                .retry_non_idempotent(true),
        )
        .await
        .unwrap();
    assert_eq!(retried.status(), StatusCode::OK);
    assert_eq!(seen.load(Ordering::SeqCst), 2, "the POST was sent again");

    let error = client
        .create_backup_export(&group, &cluster, export_request())
        .await
        .unwrap_err();
    assert!(matches!(&error, Error::Api(api) if api.status() == StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(seen.load(Ordering::SeqCst), 3, "the next POST was not");
}

#[tokio::test]
async fn bad_call_settings_fail_before_anything_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(job())
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let (group, cluster, export) = ids();
    for (options, name) in [
        (CallOptions::new().deadline(Duration::ZERO), "deadline"),
        (CallOptions::new().timeout(Duration::ZERO), "timeout"),
    ] {
        let error = client
            .get_backup_export(&group, &cluster, &export)
            .with_options(options)
            .await
            .unwrap_err();
        let Error::InvalidParameter(invalid) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(invalid.name(), name);
        assert!(invalid.reason().contains("longer than zero"), "{error}");
    }
    assert_eq!(requests(&server).await, 0, "nothing was sent");
    for builder in [
        builder(&server.uri()).deadline(Duration::ZERO),
        builder(&server.uri()).timeout(Duration::ZERO),
        builder(&server.uri()).stall_timeout(Duration::ZERO),
    ] {
        let error = builder.build().unwrap_err();
        assert!(matches!(error, Error::InvalidParameter(_)), "{error:?}");
    }
}

/// Against a server that answers every request with 503, N calls send N requests plus the
/// retry budget (500 tokens at 5 a retry: 100 retries), not N × `max_attempts`.
#[tokio::test]
async fn a_failing_server_gets_the_calls_plus_the_retry_budget() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(unavailable())
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(2))
                .max_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    let (group, cluster, export) = ids();
    const CALLS: usize = 150;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..CALLS {
        let call = client.get_backup_export(&group, &cluster, &export);
        calls.spawn(std::future::IntoFuture::into_future(call));
    }
    while let Some(result) = calls.join_next().await {
        let error = result.unwrap().unwrap_err();
        assert!(
            matches!(&error, Error::Api(api) if api.status() == StatusCode::SERVICE_UNAVAILABLE)
        );
    }
    let sent = requests(&server).await;
    println!(
        "503 only: {CALLS} calls sent {sent} requests (without a budget: {})",
        CALLS * 4
    );
    assert_eq!(sent, CALLS + 100, "the calls and the budget's 100 retries");

    // Without a budget, each call retries as its policy says.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(unavailable())
        .mount(&server)
        .await;
    let unlimited = builder(&server.uri())
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(2))
                .max_backoff(Duration::from_millis(10)),
        )
        .retry_budget(RetryBudget::unlimited())
        .build()
        .unwrap();
    for _ in 0..10 {
        let _ = unlimited.get_backup_export(&group, &cluster, &export).await;
    }
    assert_eq!(requests(&server).await, 40);
}

/// A chaos server whose every answer to a GET is `answer`.
async fn answering(answer: impl Fn() -> Answer + Send + Sync + 'static) -> ChaosServer {
    ChaosServer::start(Arc::new(move |_: &RawRequest| answer())).await
}

fn job_bytes() -> Vec<u8> {
    serde_json::to_vec(&support::atlas_like::export_job()).unwrap()
}

#[tokio::test]
async fn a_body_that_stops_midway_fails_as_stalled() {
    let server = answering(|| Answer::Stall {
        status: 200,
        body: job_bytes(),
        silence: Duration::from_secs(5),
    })
    .await;
    let client = builder(&server.uri())
        .stall_timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let (group, cluster, export) = ids();
    let started = Instant::now();
    let error = client
        .get_backup_export(&group, &cluster, &export)
        .await
        .unwrap_err();
    let took = started.elapsed();
    let error = transport(&error);
    assert_eq!(error.kind(), TransportErrorKind::Stalled, "{error}");
    assert!(error.is_body());
    assert_eq!(error.status(), Some(StatusCode::OK));
    assert_eq!(error.timeout(), Some(Duration::from_millis(300)));
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(
        error
            .to_string()
            .split_once(" failed: ")
            .map(|(_, why)| why),
        Some("the body of the 200 OK response stalled: no bytes for 300ms (`stall_timeout`)")
    );
}

#[tokio::test]
async fn a_json_body_that_keeps_coming_is_still_bounded_by_the_attempt_timeout() {
    // 20 pieces, 50 ms apart: never a stall, but a second in all.
    let server = answering(|| Answer::Slow {
        status: 200,
        body: job_bytes(),
        pieces: 20,
        pause: Duration::from_millis(50),
    })
    .await;
    let client = builder(&server.uri())
        .timeout(Duration::from_millis(400))
        .stall_timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let (group, cluster, export) = ids();
    let error = client
        .get_backup_export(&group, &cluster, &export)
        .await
        .unwrap_err();
    let error = transport(&error);
    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error}");
    assert!(error.is_body());
    // With room for the whole body, the same answer decodes.
    let job = client
        .get_backup_export(&group, &cluster, &export)
        .with_timeout(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(job.id.as_ref().map(|id| id.as_str()), Some(EXPORT));
}

mod downloads {
    //! Downloads (operations whose success body is not JSON) through the runtime itself: the
    //! excerpt has none, the whole spec has ten.

    use super::*;
    use atlas_runtime::{GeneratedClient, PreparedRequest, Transport};

    struct Downloader(Transport);

    impl GeneratedClient for Downloader {
        type ErrorBody = serde_json::Value;
        const DEFAULT_BASE_URL: &'static str = "http://127.0.0.1:9";
        const OAUTH_TOKEN_PATH: Option<&'static str> = None;
        const USER_AGENT: &'static str = "download-test/1.0";

        fn from_transport(transport: Transport) -> Self {
            Downloader(transport)
        }
    }

    async fn download(transport: &Transport) -> Result<Vec<u8>, atlas_runtime::Error> {
        let options = CallOptions::new();
        let response = transport
            .execute_raw(PreparedRequest {
                operation_id: "downloadLogs",
                method: atlas_runtime::Method::GET,
                path: "/logs.gz",
                path_params: &[],
                query: Vec::new(),
                headers: Vec::new(),
                accept: "application/vnd.atlas.2023-02-01+gzip",
                body: None,
                declared_errors: &[],
                options: &options,
            })
            .await?;
        Ok(response.into_body())
    }

    fn downloader(base_url: &str) -> Transport {
        atlas_runtime::ClientBuilder::<Downloader>::new()
            .base_url(base_url)
            .timeout(Duration::from_millis(300))
            .stall_timeout(Duration::from_millis(250))
            .retry_policy(RetryPolicy::never())
            .build()
            .unwrap()
            .0
    }

    /// 2 MiB in 16 pieces 60 ms apart: about a second, three times the attempt timeout, and
    /// never a gap near the stall rule.
    #[tokio::test]
    async fn a_slow_steady_download_is_not_cut_by_the_attempt_timeout() {
        let body: Vec<u8> = (0..2 << 20).map(|i| (i % 251) as u8).collect();
        let expected = body.clone();
        let server = answering(move || Answer::Slow {
            status: 200,
            body: body.clone(),
            pieces: 16,
            pause: Duration::from_millis(60),
        })
        .await;
        let started = Instant::now();
        let bytes = download(&downloader(&server.uri())).await.unwrap();
        assert!(
            started.elapsed() > Duration::from_millis(300),
            "{:?}",
            started.elapsed()
        );
        assert!(
            bytes == expected,
            "the whole download, {} bytes",
            bytes.len()
        );
    }

    #[tokio::test]
    async fn a_download_that_stops_fails_as_stalled() {
        let server = answering(|| Answer::Stall {
            status: 200,
            body: vec![0x1f; 64 << 10],
            silence: Duration::from_secs(5),
        })
        .await;
        let started = Instant::now();
        let error = download(&downloader(&server.uri())).await.unwrap_err();
        let atlas_runtime::Error::Transport(error) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(error.kind(), TransportErrorKind::Stalled, "{error}");
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
