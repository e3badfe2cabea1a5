//! Authentication against a local Atlas-like server (real Digest challenges, a real OAuth
//! token endpoint), then a matrix of server behaviours, each of which must give the right
//! typed outcome and never a panic.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support;
use crate::support::atlas_like::{
    self, AtlasLike, CLIENT_ID, CLIENT_SECRET, PRIVATE_KEY, PUBLIC_KEY, VERSIONED,
};
use atlas_admin::models::{
    DiskBackupExportJobRequest, DiskBackupExportJobRequestRequired, DiskBackupExportJobState,
};
use atlas_admin::params::{CheckpointId, ClusterName, ExportId, GroupId, RestoreJobId};
use atlas_admin::{
    AuthErrorKind, Client, ClientBuilder, Credentials, DeclaredHeaders, Deprecation, Error,
    RetryPolicy, StatusCode, TransportErrorKind,
};
use serde_json::json;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GROUP: &str = "32b6e34b3d91647abb20e7b8";

struct Ids {
    group: GroupId,
    cluster: ClusterName,
    export: ExportId,
    restore: RestoreJobId,
    checkpoint: CheckpointId,
}

fn ids() -> Ids {
    Ids {
        group: GROUP.parse().unwrap(),
        cluster: "Cluster0".parse().unwrap(),
        export: "5f1e2d3c4b5a69788796a5b4".parse().unwrap(),
        restore: "6a7b8c9d0e1f2a3b4c5d6e7f".parse().unwrap(),
        checkpoint: "0123456789abcdef01234567".parse().unwrap(),
    }
}

fn service_account() -> Credentials {
    Credentials::service_account(CLIENT_ID, CLIENT_SECRET)
}

fn api_key() -> Credentials {
    Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY)
}

fn client(base_url: &str, credentials: Credentials) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials(credentials)
        .build()
        .unwrap()
}

fn export_request() -> DiskBackupExportJobRequest {
    DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "32b6e34b3d91647abb20e7b8".into(),
        snapshot_id: "5f1e2d3c4b5a69788796a5b4".into(),
    })
}

/// Calls all four operations and checks each answer.
#[allow(deprecated)] // the checkpoint operation is deprecated in the spec
async fn call_every_operation(client: &Client) {
    let ids = ids();
    let export = client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap();
    assert_eq!(export.state, Some(DiskBackupExportJobState::Successful));
    let created = client
        .create_backup_export(&ids.group, &ids.cluster, export_request())
        .await
        .unwrap();
    assert_eq!(
        created.id.as_ref().map(|id| id.as_str()),
        Some("5f1e2d3c4b5a69788796a5b4")
    );
    let restore = client
        .get_backup_restore_job(&ids.group, &ids.cluster, &ids.restore)
        .await
        .unwrap();
    assert_eq!(
        restore.id.as_ref().map(|id| id.as_str()),
        Some("6a7b8c9d0e1f2a3b4c5d6e7f")
    );
    let checkpoint = client
        .get_cluster_backup_checkpoint(&ids.group, &ids.cluster, &ids.checkpoint)
        .await
        .unwrap();
    assert_eq!(checkpoint.restorable, Some(true));
}

#[tokio::test]
async fn every_operation_works_with_a_service_account() {
    let atlas = AtlasLike::start().await;
    call_every_operation(&client(&atlas.uri(), service_account())).await;
    assert_eq!(atlas.state.api_calls.load(Ordering::SeqCst), 4);
    assert_eq!(
        atlas.state.tokens_issued.load(Ordering::SeqCst),
        1,
        "one token serves every call"
    );
}

#[tokio::test]
async fn every_operation_works_with_an_api_key_over_digest_md5() {
    let atlas = AtlasLike::start().await;
    call_every_operation(&client(&atlas.uri(), api_key())).await;
    assert_eq!(atlas.state.api_calls.load(Ordering::SeqCst), 4);
    // One challenge for the first request; later ones answer the cached challenge (nc 2, 3, …).
    assert_eq!(atlas.state.challenges_sent.load(Ordering::SeqCst), 1);
    assert_eq!(
        atlas.state.nonce_counts.lock().unwrap().get("nonce-1"),
        Some(&4)
    );
}

#[tokio::test]
async fn every_operation_works_with_an_api_key_over_digest_sha256() {
    let atlas = AtlasLike::start().await;
    *atlas.state.algorithm.lock().unwrap() = "SHA-256";
    call_every_operation(&client(&atlas.uri(), api_key())).await;
    assert_eq!(atlas.state.api_calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn the_digest_challenge_replays_the_post_body() {
    let atlas = AtlasLike::start().await;
    let ids = ids();
    client(&atlas.uri(), api_key())
        .create_backup_export(&ids.group, &ids.cluster, export_request())
        .await
        .unwrap();
    let bodies = atlas.state.bodies.lock().unwrap();
    assert_eq!(bodies.len(), 1);
    let sent: serde_json::Value = serde_json::from_slice(&bodies[0]).unwrap();
    assert_eq!(
        sent,
        json!({"exportBucketId": "32b6e34b3d91647abb20e7b8", "snapshotId": "5f1e2d3c4b5a69788796a5b4"})
    );
}

#[tokio::test]
async fn a_stale_nonce_is_answered_again_with_the_new_one() {
    let atlas = AtlasLike::start().await;
    let client = client(&atlas.uri(), api_key());
    get_one_export(&client).await;
    atlas.state.rotate_nonce();
    get_one_export(&client).await;
    assert_eq!(atlas.state.api_calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        atlas.state.challenges_sent.load(Ordering::SeqCst),
        2,
        "first contact, then stale=true"
    );
}

/// One export job, which must arrive.
async fn get_one_export(client: &Client) {
    let ids = ids();
    let job = client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap();
    assert_eq!(job.state, Some(DiskBackupExportJobState::Successful));
}

#[tokio::test]
async fn a_nonce_gone_stale_during_a_retry_wait_is_answered_again() {
    // First contact draws the challenge; the answer gets a 429, and while the call waits the
    // nonce goes stale. The retry's `stale=true` must be answered once more, although the
    // call already answered a challenge on its first request.
    let atlas = AtlasLike::start().await;
    let state = atlas.state.clone();
    Mock::given(wiremock::matchers::header_exists("authorization"))
        .respond_with(move |_: &wiremock::Request| {
            state.rotate_nonce();
            atlas_error(429, "RATE_LIMITED").insert_header("Retry-After", "0")
        })
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&atlas.server)
        .await;
    let builder = Client::builder().credentials(api_key());
    let retrying = builder.base_url(atlas.uri()).retry_policy(quick_retries());
    get_one_export(&retrying.build().unwrap()).await;
    let sent = atlas.state.challenges_sent.load(Ordering::SeqCst);
    assert_eq!(sent, 2, "first contact, then stale=true after the wait");
    assert_eq!(atlas.state.api_calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn wrong_api_key_gives_the_atlas_401() {
    let atlas = AtlasLike::start().await;
    let ids = ids();
    let error = client(
        &atlas.uri(),
        Credentials::api_key(PUBLIC_KEY, "wrong-private-key"),
    )
    .get_backup_export(&ids.group, &ids.cluster, &ids.export)
    .await
    .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(error.is_error_code("UNAUTHORIZED"), "{error}");
    assert!(!error.to_string().contains("wrong-private-key"));
    assert_eq!(
        atlas.state.challenges_sent.load(Ordering::SeqCst),
        2,
        "one answer, no loop"
    );
}

#[tokio::test]
async fn wrong_service_account_secret_fails_at_the_token_endpoint() {
    let atlas = AtlasLike::start().await;
    let ids = ids();
    let error = client(
        &atlas.uri(),
        Credentials::service_account(CLIENT_ID, "not-the-secret"),
    )
    .get_backup_export(&ids.group, &ids.cluster, &ids.export)
    .await
    .unwrap_err();
    let Error::Auth(auth) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(auth.kind(), AuthErrorKind::TokenRequestFailed);
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    let message = error.to_string();
    assert!(message.contains("invalid_client"), "{message}");
    assert!(
        !message.contains("not-the-secret") && !format!("{error:?}").contains("not-the-secret")
    );
    assert_eq!(atlas.state.api_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn tokens_are_refreshed_before_they_expire() {
    let atlas = AtlasLike::start().await;
    atlas.state.token_lifetime.store(1, Ordering::SeqCst);
    let client = client(&atlas.uri(), service_account());
    let ids = ids();
    client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap();
    client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap();
    assert_eq!(
        atlas.state.tokens_issued.load(Ordering::SeqCst),
        1,
        "still fresh"
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap();
    assert_eq!(
        atlas.state.tokens_issued.load(Ordering::SeqCst),
        2,
        "refreshed, not rejected first"
    );
}

#[tokio::test]
async fn a_revoked_token_is_refreshed_once_and_the_call_retried() {
    let atlas = AtlasLike::start().await;
    let client = client(&atlas.uri(), service_account());
    let ids = ids();
    client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap();
    atlas.state.revoke_all_tokens();
    let job = client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap();
    assert_eq!(job.state, Some(DiskBackupExportJobState::Successful));
    assert_eq!(atlas.state.tokens_issued.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_token_request() {
    let atlas = AtlasLike::start().await;
    let client = client(&atlas.uri(), service_account());
    let calls = (0..12).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            let ids = ids();
            client
                .get_backup_export(&ids.group, &ids.cluster, &ids.export)
                .await
                .map(|_| ())
        })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    assert_eq!(atlas.state.tokens_issued.load(Ordering::SeqCst), 1);
    assert_eq!(atlas.state.api_calls.load(Ordering::SeqCst), 12);
}

#[test]
fn environment_credentials_name_what_is_missing() {
    let error = Credentials::from_lookup(|name| {
        (name == atlas_admin::ENV_CLIENT_ID).then(|| "id".to_owned())
    })
    .unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MissingCredentials);
    // An operation's error takes it as it is, with `?`.
    let error = Error::from(error);
    assert!(
        matches!(&error, Error::Auth(auth) if auth.kind() == AuthErrorKind::MissingCredentials)
    );
    assert_eq!(
        error.to_string(),
        "missing credentials: MONGODB_ATLAS_CLIENT_SECRET is not set in the variables looked up \
         (MONGODB_ATLAS_CLIENT_ID is: a service account needs both) (nothing was sent)"
    );
    // None at all, from the environment: what to set, where it was looked for, and no claim
    // that anything was attempted.
    let none = Credentials::from_lookup(|_| None).unwrap_err();
    let message = none.to_string();
    assert!(
        message.starts_with("missing credentials: no Atlas credentials in"),
        "{message}"
    );
    assert!(!message.contains("authentication failed"), "{message}");
    for variable in [
        atlas_admin::ENV_CLIENT_ID,
        atlas_admin::ENV_CLIENT_SECRET,
        atlas_admin::ENV_PUBLIC_API_KEY,
        atlas_admin::ENV_PRIVATE_API_KEY,
    ] {
        assert!(message.contains(variable), "{message}");
    }
}

// ---------------------------------------------------------------------------------------------
// The fault matrix: one server behaviour per case.

/// A server answering every operation request with `responses` in turn (the last repeats).
async fn server_answering(responses: Vec<ResponseTemplate>) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    Mock::given(path_regex("^/api/atlas/v2/"))
        .respond_with(move |_: &wiremock::Request| {
            let index = seen.fetch_add(1, Ordering::SeqCst);
            responses[index.min(responses.len() - 1)].clone()
        })
        .mount(&server)
        .await;
    (server, count)
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_secs(2))
}

fn job() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(atlas_like::export_job().to_string(), VERSIONED)
}

fn atlas_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": status, "errorCode": code, "reason": "x"}))
}

async fn get_export(
    server: &str,
    retry: RetryPolicy,
) -> Result<atlas_admin::ApiResponse<atlas_admin::models::DiskBackupExportJob>, Error> {
    let client = Client::builder()
        .base_url(server)
        .retry_policy(retry)
        .build()
        .unwrap();
    let ids = ids();
    client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
}

#[tokio::test]
async fn fault_429_with_retry_after_waits_then_succeeds() {
    let (server, count) = server_answering(vec![
        atlas_error(429, "RATE_LIMITED").insert_header("Retry-After", "1"),
        job(),
    ])
    .await;
    let started = Instant::now();
    get_export(&server.uri(), quick_retries()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn fault_429_without_retry_after_backs_off_then_succeeds() {
    let (server, count) = server_answering(vec![atlas_error(429, "RATE_LIMITED"), job()]).await;
    get_export(&server.uri(), quick_retries()).await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn fault_persistent_429_stops_after_the_attempt_limit() {
    let (server, count) = server_answering(vec![
        atlas_error(429, "RATE_LIMITED").insert_header("Retry-After", "0")
    ])
    .await;
    let error = get_export(&server.uri(), quick_retries().max_attempts(3))
        .await
        .unwrap_err();
    assert!(error.is_error_code("RATE_LIMITED"));
    assert_eq!(error.headers().unwrap().retry_after(), Some(0));
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn fault_retry_after_beyond_the_budget_is_not_waited_for() {
    let (server, count) = server_answering(vec![
        atlas_error(429, "RATE_LIMITED").insert_header("Retry-After", "3600")
    ])
    .await;
    let started = Instant::now();
    let error = get_export(&server.uri(), quick_retries())
        .await
        .unwrap_err();
    assert_eq!(error.headers().unwrap().retry_after(), Some(3600));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn fault_503_is_retried() {
    let (server, count) =
        server_answering(vec![atlas_error(503, "SERVICE_UNAVAILABLE"), job()]).await;
    get_export(&server.uri(), quick_retries()).await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn fault_500_is_not_retried() {
    let (server, count) = server_answering(vec![atlas_error(500, "UNEXPECTED_ERROR"), job()]).await;
    let error = get_export(&server.uri(), quick_retries())
        .await
        .unwrap_err();
    assert!(error.is_error_code("UNEXPECTED_ERROR"));
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn fault_post_is_retried_only_when_opted_in() {
    let ids = ids();
    for (policy, expected_attempts) in [
        (quick_retries(), 1),
        (quick_retries().retry_non_idempotent(true), 2),
    ] {
        let (server, count) =
            server_answering(vec![atlas_error(503, "SERVICE_UNAVAILABLE"), job()]).await;
        let client = Client::builder()
            .base_url(server.uri())
            .retry_policy(policy)
            .build()
            .unwrap();
        let result = client
            .create_backup_export(&ids.group, &ids.cluster, export_request())
            .await;
        assert_eq!(count.load(Ordering::SeqCst), expected_attempts);
        assert_eq!(result.is_ok(), expected_attempts == 2);
    }
}

#[tokio::test]
async fn fault_slow_server_times_out() {
    let (server, _) = server_answering(vec![job().set_delay(Duration::from_secs(5))]).await;
    let started = Instant::now();
    let error = transport_failure_of(
        Client::builder()
            .base_url(server.uri())
            .timeout(Duration::from_millis(200)),
    )
    .await;
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(error.transport_kind(), Some(TransportErrorKind::Timeout));
    assert_eq!(
        error.to_string(),
        format!(
            "request to {} failed: timed out after 200ms (the request timeout)",
            authority(&server.uri())
        )
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn fault_tls_handshake_that_never_ends_hits_the_connect_timeout() {
    // The kernel completes the TCP handshake, but nobody answers the TLS ClientHello.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let error = transport_failure_of(
        Client::builder()
            .base_url(format!("https://{address}"))
            .connect_timeout(Duration::from_millis(200)),
    )
    .await;
    assert_eq!(
        error.transport_kind(),
        Some(TransportErrorKind::ConnectTimeout),
        "{error:?}"
    );
    assert!(error.is_timeout() && error.is_connect());
    assert_eq!(
        error.to_string(),
        format!(
            "request to {address} failed: timed out connecting after 200ms (the connect timeout)"
        )
    );
    drop(listener);
}

/// `host:port` of a base URL.
fn authority(base_url: &str) -> &str {
    base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest)
}

/// One GET to `base_url` without retries; it must fail in transport.
async fn transport_failure(base_url: &str) -> Error {
    transport_failure_of(Client::builder().base_url(base_url)).await
}

/// One GET through the client `builder` makes, without retries; it must fail in transport.
async fn transport_failure_of(builder: ClientBuilder) -> Error {
    let client = builder.retry_policy(RetryPolicy::never()).build().unwrap();
    let ids = ids();
    let error = client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap_err();
    assert!(error.transport_error().is_some(), "{error:?}");
    error
}

#[tokio::test]
async fn fault_unresolvable_host_says_name_resolution_failed() {
    let error = transport_failure("https://atlas-codegen-test.invalid").await;
    assert_eq!(
        error.transport_kind(),
        Some(TransportErrorKind::NameResolution),
        "{error:?}"
    );
    assert!(error.is_connect());
    let message = error.to_string();
    assert!(
        message.starts_with(
            "request to atlas-codegen-test.invalid:443 failed: name resolution failed"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn fault_https_to_a_plain_http_port_is_a_tls_failure() {
    let (server, count) = server_answering(vec![job()]).await;
    let https = server.uri().replace("http://", "https://");
    let error = transport_failure(&https).await;
    assert_eq!(
        error.transport_kind(),
        Some(TransportErrorKind::Tls),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "request to {} failed: TLS handshake failed (",
            authority(&https)
        )),
        "{message}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 0, "no HTTP request was made");
}

#[tokio::test]
async fn fault_redirect_loop_says_too_many_redirects() {
    let server = MockServer::start().await;
    let export_path =
        "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/clusters/Cluster0/backup/exports/5f1e2d3c4b5a69788796a5b4";
    Mock::given(path_regex("^/api/atlas/v2/"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", export_path))
        .mount(&server)
        .await;
    let error = transport_failure(&server.uri()).await;
    assert_eq!(error.transport_kind(), Some(TransportErrorKind::Redirect));
    assert_eq!(
        error.to_string(),
        format!(
            "request to {} failed: too many redirects",
            authority(&server.uri())
        )
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 11, "the first request and 10 redirects");
}

/// A TCP server on 127.0.0.1 that, on each of `connections` connections, waits for the request
/// to arrive, writes `answer`, waits a little (so the client reads it) and closes the
/// connection with most of the request unread, which makes the kernel reset it (RST).
fn resetting_server(
    connections: usize,
    answer: &'static [u8],
) -> (String, std::thread::JoinHandle<usize>) {
    use std::io::{Read, Write};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut accepted = 0;
        while accepted < connections && Instant::now() < deadline {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    accepted += 1;
                    stream.set_nonblocking(false).unwrap();
                    let mut first = [0; 1];
                    stream.read_exact(&mut first).unwrap();
                    stream.write_all(answer).unwrap();
                    std::thread::sleep(Duration::from_millis(200));
                    drop(stream);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        accepted
    });
    (address, handle)
}

#[tokio::test]
async fn fault_connection_reset_is_a_retried_transport_error() {
    let (address, server) = resetting_server(3, b"");
    let error = get_export(&address, quick_retries().max_attempts(3))
        .await
        .unwrap_err();
    assert_eq!(
        error.transport_kind(),
        Some(TransportErrorKind::ConnectionReset),
        "{error:?}"
    );
    assert_eq!(error.status(), None);
    assert_eq!(
        error.to_string(),
        format!(
            "request to {} failed: connection reset before a response arrived",
            authority(&address)
        )
    );
    assert_eq!(
        server.join().unwrap(),
        3,
        "each attempt opened a connection"
    );
}

#[tokio::test]
async fn fault_connection_reset_mid_body_keeps_the_status() {
    let (address, server) = resetting_server(
        1,
        b"HTTP/1.1 200 OK\r\ncontent-type: application/vnd.atlas.2023-01-01+json\r\n\
          content-length: 1000\r\n\r\n{\"exportBucketId\": \"32b6",
    );
    let error = get_export(&address, quick_retries()).await.unwrap_err();
    assert_eq!(
        error.transport_kind(),
        Some(TransportErrorKind::ConnectionReset),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(StatusCode::OK));
    assert!(error.transport_error().unwrap().is_body());
    assert_eq!(
        error.to_string(),
        format!(
            "request to {} failed: connection reset while reading the body of the 200 OK response",
            authority(&address)
        )
    );
    assert_eq!(server.join().unwrap(), 1, "a failed body is not retried");
}

#[tokio::test]
async fn fault_truncated_json_is_undecodable() {
    let (server, _) = server_answering(vec![
        ResponseTemplate::new(200).set_body_raw(r#"{"exportBucketId": "32b6"#, VERSIONED)
    ])
    .await;
    let error = get_export(&server.uri(), quick_retries())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::UndecodableBody(body) if body.text() == r#"{"exportBucketId": "32b6"#),
        "{error:?}"
    );
}

#[tokio::test]
async fn fault_html_error_page_is_undecodable_with_its_text() {
    let (server, _) = server_answering(vec![
        ResponseTemplate::new(502).set_body_raw("<html>Bad Gateway</html>", "text/html")
    ])
    .await;
    let error = get_export(&server.uri(), quick_retries())
        .await
        .unwrap_err();
    let Error::UndecodableBody(body) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(body.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(body.text(), "<html>Bad Gateway</html>");
}

#[tokio::test]
async fn fault_empty_success_body_is_undecodable() {
    let (server, _) = server_answering(vec![ResponseTemplate::new(200)]).await;
    let error = get_export(&server.uri(), quick_retries())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::UndecodableBody(body) if body.status() == StatusCode::OK),
        "{error:?}"
    );
}

#[tokio::test]
async fn fault_empty_error_body_is_undecodable_with_its_status() {
    let (server, _) = server_answering(vec![ResponseTemplate::new(500)]).await;
    let error = get_export(&server.uri(), quick_retries())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert!(matches!(error, Error::UndecodableBody(_)));
}

#[tokio::test]
async fn fault_wrong_content_type_with_a_non_json_body_is_undecodable() {
    let (server, _) = server_answering(vec![
        ResponseTemplate::new(200).set_body_raw("exportBucketId=32b6", "text/plain")
    ])
    .await;
    let error = get_export(&server.uri(), quick_retries())
        .await
        .unwrap_err();
    let Error::UndecodableBody(body) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(body.headers().content_type(), Some("text/plain"));
}

#[tokio::test]
async fn fault_undeclared_406_is_an_api_error() {
    let (server, _) = server_answering(vec![atlas_error(406, "INVALID_VERSION_DATE")]).await;
    let error = get_export(&server.uri(), quick_retries())
        .await
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert!(!api.is_declared());
    assert_eq!(api.body().error_code, "INVALID_VERSION_DATE");
}

#[tokio::test]
async fn fault_410_version_gone_is_an_api_error() {
    let gone = ResponseTemplate::new(410).set_body_json(json!({
        "error": 410, "errorCode": "VERSION_GONE", "reason": "Gone",
        "parameters": ["2023-01-01", "api/atlas/v2/groups/x/clusters"]}));
    let (server, count) = server_answering(vec![gone]).await;
    let error = get_export(&server.uri(), quick_retries())
        .await
        .unwrap_err();
    assert!(error.is_error_code("VERSION_GONE"));
    assert_eq!(count.load(Ordering::SeqCst), 1, "410 is final");
}

#[tokio::test]
async fn fault_unknown_enum_value_decodes() {
    let mut body = atlas_like::export_job();
    body["state"] = json!("Defrosting");
    let (server, _) = server_answering(vec![
        ResponseTemplate::new(200).set_body_raw(body.to_string(), VERSIONED)
    ])
    .await;
    let job = get_export(&server.uri(), quick_retries()).await.unwrap();
    assert_eq!(
        job.state,
        Some(DiskBackupExportJobState::Unknown("Defrosting".into()))
    );
}

#[tokio::test]
async fn fault_expired_token_without_a_new_one_fails_after_one_refresh() {
    // The token endpoint works, but the API rejects every token: one refresh, then the 401.
    let server = MockServer::start().await;
    let tokens = Arc::new(AtomicUsize::new(0));
    let issued = tokens.clone();
    Mock::given(method("POST"))
        .and(wiremock::matchers::path("/api/oauth/token"))
        .respond_with(move |_: &wiremock::Request| {
            issued.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "t", "expires_in": 3600}))
        })
        .mount(&server)
        .await;
    Mock::given(path_regex("^/api/atlas/v2/"))
        .respond_with(atlas_error(401, "INVALID_TOKEN"))
        .mount(&server)
        .await;
    let ids = ids();
    let error = client(&server.uri(), service_account())
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap_err();
    assert!(error.is_error_code("INVALID_TOKEN"));
    assert_eq!(tokens.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn fault_token_endpoint_answers_garbage() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::path("/api/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"))
        .mount(&server)
        .await;
    let ids = ids();
    let error = client(&server.uri(), service_account())
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Auth(auth) if auth.kind() == AuthErrorKind::TokenRequestFailed),
        "{error:?}"
    );
}

#[tokio::test]
async fn fault_unreachable_token_endpoint_names_the_token_request() {
    let base_url = support::nothing_listening();
    let ids = ids();
    let error = client(&base_url, service_account())
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "OAuth token request to {} failed: connection refused",
            authority(&base_url)
        )
    );
    assert!(!format!("{error:?}").contains(CLIENT_SECRET));
}

#[tokio::test]
async fn fault_unanswerable_challenge_is_the_401() {
    // A 401 without any Digest challenge: nothing to answer, so the 401 is the result.
    let (server, count) = server_answering(vec![
        atlas_error(401, "UNAUTHORIZED").insert_header("WWW-Authenticate", "Basic realm=\"x\"")
    ])
    .await;
    let ids = ids();
    let error = client(&server.uri(), api_key())
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn deprecation_and_sunset_headers_are_exposed() {
    let deprecated = job()
        .insert_header("Deprecation", "Wed, 1 Feb 2023 00:00:00 GMT")
        .insert_header("Sunset", "Sun, 1 Jun 2025 00:00:00 GMT");
    let (server, _) = server_answering(vec![deprecated]).await;
    let job = get_export(&server.uri(), quick_retries()).await.unwrap();
    let since = job.headers().deprecation().and_then(|at| at.date());
    assert_eq!(
        since.map(|at| at.to_rfc3339()).as_deref(),
        Some("2023-02-01T00:00:00+00:00")
    );
    assert_eq!(
        job.headers().sunset().unwrap().to_rfc3339(),
        "2025-06-01T00:00:00+00:00"
    );
}

/// Counts `WARN` events; installed for one test's thread only.
struct WarningCounter(Arc<AtomicUsize>);

impl tracing::Subscriber for WarningCounter {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if *event.metadata().level() == tracing::Level::WARN {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn a_deprecated_version_is_reported_once() {
    let warnings = Arc::new(AtomicUsize::new(0));
    let _guard = tracing::subscriber::set_default(WarningCounter(warnings.clone()));
    // `true`: the undated form Stoplight Prism and older servers send.
    let deprecated = job().insert_header("Deprecation", "true");
    let (server, _) = server_answering(vec![job(), deprecated]).await;
    let client = Client::builder().base_url(server.uri()).build().unwrap();
    let ids = ids();
    client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap();
    assert_eq!(warnings.load(Ordering::SeqCst), 0, "not deprecated yet");
    for _ in 0..3 {
        let job = client
            .get_backup_export(&ids.group, &ids.cluster, &ids.export)
            .await
            .unwrap();
        assert_eq!(job.headers().deprecation(), Some(Deprecation::Undated));
    }
    assert_eq!(
        warnings.load(Ordering::SeqCst),
        1,
        "warned the first time only"
    );
}
