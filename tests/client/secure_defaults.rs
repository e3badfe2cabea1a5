//! What the client refuses to do on a hostile or misconfigured network: send over plain http
//! to another machine, carry credentials along a redirect to another host, turn a redirected
//! `POST` into something else, or read a body without end.

use std::sync::Arc;

use crate::support::atlas_like::{self, AtlasLike, PRIVATE_KEY, PUBLIC_KEY, VERSIONED};
use crate::support::chaos::{Answer, ChaosServer, RawRequest};
use atlas_admin::models::{DiskBackupExportJobRequest, DiskBackupExportJobRequestRequired};
use atlas_admin::params::{ClusterName, ExportId, GroupId};
use atlas_admin::{
    AuthErrorKind, Client, Credentials, Error, RetryPolicy, StatusCode, TransportErrorKind,
};
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GROUP: &str = "32b6e34b3d91647abb20e7b8";
const EXPORT_PATH: &str =
    "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/clusters/Cluster0/backup/exports/5f1e2d3c4b5a69788796a5b4";
const EXPORTS_PATH: &str =
    "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/clusters/Cluster0/backup/exports";

fn builder(base_url: &str) -> atlas_admin::ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .retry_policy(RetryPolicy::never())
}

async fn get_export(
    client: &Client,
) -> Result<atlas_admin::ApiResponse<atlas_admin::models::DiskBackupExportJob>, Error> {
    let group: GroupId = GROUP.parse().unwrap();
    let cluster: ClusterName = "Cluster0".parse().unwrap();
    let export: ExportId = "5f1e2d3c4b5a69788796a5b4".parse().unwrap();
    client.get_backup_export(&group, &cluster, &export).await
}

async fn create_export(
    client: &Client,
) -> Result<atlas_admin::ApiResponse<atlas_admin::models::DiskBackupExportJob>, Error> {
    let group: GroupId = GROUP.parse().unwrap();
    let cluster: ClusterName = "Cluster0".parse().unwrap();
    let request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "32b6e34b3d91647abb20e7b8".into(),
        snapshot_id: "5f1e2d3c4b5a69788796a5b4".into(),
    });
    client.create_backup_export(&group, &cluster, request).await
}

fn job() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(atlas_like::export_job().to_string(), VERSIONED)
}

/// `host:port` of a base URL.
fn authority(base_url: &str) -> &str {
    base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest)
}

/// The same server named by `localhost` instead of 127.0.0.1: another host to the client.
fn as_localhost(base_url: &str) -> String {
    base_url.replace("127.0.0.1", "localhost")
}

// ---------------------------------------------------------------------------------------------
// https beyond loopback

#[test]
fn plain_http_to_another_machine_is_refused_naming_why_and_the_opt_in() {
    let error = Client::builder()
        .base_url("http://cloud.mongodb.com")
        .credentials(Credentials::bearer_token("tok-secret"))
        .build()
        .unwrap_err();
    assert!(error.is_invalid_parameter(), "{error:?}");
    assert_eq!(
        error.to_string(),
        "invalid `base_url` \"http://cloud.mongodb.com\": plain http is only allowed to a \
         loopback address (127.0.0.0/8, ::1, localhost): credentials (a bearer token, a client \
         secret, Digest answers) and every body would cross the network unencrypted; use \
         https, or call `allow_insecure_http(true)` on the builder to send over plain http \
         anyway (no request was sent)"
    );
    assert!(!format!("{error:?}").contains("tok-secret"));
    Client::builder()
        .base_url("http://cloud.mongodb.com")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    for loopback in [
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
    ] {
        Client::builder().base_url(loopback).build().unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Redirects

/// A server whose every operation answers `status` with a `Location` on `target`.
async fn redirecting(status: u16, target: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path_regex("^/api/"))
        .respond_with(ResponseTemplate::new(status).insert_header("Location", target))
        .mount(&server)
        .await;
    server
}

async fn answering_jobs() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path_regex("^/api/atlas/v2/"))
        .respond_with(job())
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_host() {
    let elsewhere = answering_jobs().await;
    let target = format!("{}{EXPORT_PATH}", as_localhost(&elsewhere.uri()));
    for (credentials, scheme) in [
        (Credentials::bearer_token("tok-secret"), "bearer"),
        (Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY), "digest"),
    ] {
        let origin = redirecting(307, &target).await;
        let client = builder(&origin.uri())
            .credentials(credentials)
            .build()
            .unwrap();
        let error = get_export(&client).await.unwrap_err();
        assert_eq!(
            error.transport_kind(),
            Some(TransportErrorKind::Redirect),
            "{scheme}: {error:?}"
        );
        assert_eq!(error.status(), Some(StatusCode::TEMPORARY_REDIRECT));
        assert_eq!(
            error.to_string(),
            format!(
                "request to {} failed: not following the 307 Temporary Redirect redirect to \
                 http://{}: the request carries credentials, which are only sent to http://{}",
                authority(&origin.uri()),
                authority(&as_localhost(&elsewhere.uri())),
                authority(&origin.uri()),
            )
        );
    }
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "nothing reached the other host"
    );
}

#[tokio::test]
async fn the_token_request_does_not_follow_a_redirect() {
    let elsewhere = MockServer::start().await;
    let origin = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/oauth/token"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", format!("{}/api/oauth/token", elsewhere.uri())),
        )
        .mount(&origin)
        .await;
    let client = builder(&origin.uri())
        .credentials(Credentials::service_account("mdb_sa_id", "sa-secret"))
        .build()
        .unwrap();
    let error = get_export(&client).await.unwrap_err();
    assert!(
        matches!(&error, Error::Auth(auth) if auth.kind() == AuthErrorKind::TokenRequestFailed),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(StatusCode::FOUND));
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn without_credentials_a_redirect_to_another_host_is_followed() {
    let elsewhere = answering_jobs().await;
    let origin = redirecting(
        302,
        &format!("{}{EXPORT_PATH}", as_localhost(&elsewhere.uri())),
    )
    .await;
    let job = get_export(&builder(&origin.uri()).build().unwrap())
        .await
        .unwrap();
    assert_eq!(job.status(), StatusCode::OK);
    assert_eq!(elsewhere.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_callers_own_http_client_keeps_reqwest_dropping_authorization_across_hosts() {
    // reqwest's default policy follows, but drops `Authorization` for another host.
    // A caller's own client needs a crypto provider (reqwest is built without one).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let elsewhere = answering_jobs().await;
    let origin = redirecting(
        302,
        &format!("{}{EXPORT_PATH}", as_localhost(&elsewhere.uri())),
    )
    .await;
    let client = builder(&origin.uri())
        .credentials(Credentials::bearer_token("tok-secret"))
        .http_client(atlas_admin::reqwest::Client::new())
        .build()
        .unwrap();
    get_export(&client).await.unwrap();
    let arrived = elsewhere.received_requests().await.unwrap();
    assert_eq!(arrived.len(), 1);
    assert!(arrived[0].headers.get("authorization").is_none());
    let first = origin.received_requests().await.unwrap();
    assert_eq!(
        first[0].headers.get("authorization").unwrap(),
        "Bearer tok-secret"
    );
}

#[tokio::test]
async fn a_redirected_post_is_never_resent_as_a_get() {
    for status in [301, 302, 303] {
        let server = redirecting(status, EXPORTS_PATH).await;
        let error = create_export(&builder(&server.uri()).build().unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.transport_kind(), Some(TransportErrorKind::Redirect));
        assert_eq!(error.status(), Some(StatusCode::from_u16(status).unwrap()));
        let message = error.to_string();
        assert!(
            message
                .contains("redirect of a POST: it would be sent again as a GET without its body"),
            "{message}"
        );
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1, "{status}: sent once, not followed");
    }
}

#[tokio::test]
async fn a_307_keeps_the_post_and_its_body() {
    let server = MockServer::start().await;
    let moved = format!("{EXPORTS_PATH}-moved");
    Mock::given(method("POST"))
        .and(path(EXPORTS_PATH))
        .respond_with(ResponseTemplate::new(307).insert_header("Location", moved.as_str()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(moved.as_str()))
        .respond_with(job())
        .mount(&server)
        .await;
    create_export(&builder(&server.uri()).build().unwrap())
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].method.as_str(), "POST");
    assert_eq!(requests[1].url.path(), moved);
    assert_eq!(requests[0].body, requests[1].body);
}

#[tokio::test]
async fn a_same_host_redirect_is_signed_again_for_its_new_path() {
    // A Digest answer signs the path, so a reused one would be refused after a redirect.
    let atlas = AtlasLike::start().await;
    let moved = EXPORT_PATH.replace("5f1e2d3c4b5a69788796a5b4", "5f1e2d3c4b5a69788796a5b5");
    Mock::given(path(EXPORT_PATH))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", moved.as_str()))
        .with_priority(1)
        .mount(&atlas.server)
        .await;
    let client = builder(&atlas.uri())
        .credentials(Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY))
        .build()
        .unwrap();
    get_export(&client).await.unwrap();
    get_export(&client).await.unwrap();
    assert_eq!(
        atlas
            .state
            .api_calls
            .load(std::sync::atomic::Ordering::SeqCst),
        2
    );
}

// ---------------------------------------------------------------------------------------------
// Bodies

#[tokio::test]
async fn a_body_longer_than_max_body_size_fails_naming_the_limit() {
    let server = MockServer::start().await;
    let mut big = atlas_like::export_job();
    big["padding"] = json!("x".repeat(4096));
    Mock::given(path_regex("^/api/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big.to_string(), VERSIONED))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).max_body_size(1024).build().unwrap();
    let error = get_export(&client).await.unwrap_err();
    let transport = error.transport_error().expect("a transport error");
    assert_eq!(transport.kind(), TransportErrorKind::BodyTooLarge);
    assert_eq!(transport.limit(), Some(1024));
    assert_eq!(
        error.to_string(),
        format!(
            "request to {} failed: the body of the 200 OK response is larger than the limit of \
             1 KiB (`max_body_size`)",
            authority(&server.uri())
        )
    );
    // The default is far above it.
    get_export(&builder(&server.uri()).build().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_body_that_never_ends_is_cut_at_the_limit_while_streaming() {
    // Chunked, no Content-Length: only counting while reading can stop it.
    let server = ChaosServer::start(Arc::new(|_: &RawRequest| Answer::Endless)).await;
    let client = builder(&server.uri())
        .max_body_size(1 << 20)
        .build()
        .unwrap();
    let error = get_export(&client).await.unwrap_err();
    assert_eq!(
        error.transport_kind(),
        Some(TransportErrorKind::BodyTooLarge),
        "{error:?}"
    );
    assert!(error
        .to_string()
        .ends_with("larger than the limit of 1 MiB (`max_body_size`)"));
}

#[tokio::test]
async fn an_error_body_is_read_and_kept_up_to_64_kib() {
    let server = MockServer::start().await;
    let page = format!("<html>{}</html>", "Bad Gateway ".repeat(100_000));
    Mock::given(path_regex("^/api/"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page, "text/html"))
        .mount(&server)
        .await;
    let error = get_export(&builder(&server.uri()).build().unwrap())
        .await
        .unwrap_err();
    let Error::UndecodableBody(body) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(body.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(body.text().len(), 64 * 1024);
    assert_eq!(
        body.reason(),
        "error status with a body longer than 64 KiB, read no further"
    );
    assert!(error.to_string().len() < 600, "{error}");
}

#[tokio::test]
async fn a_token_endpoint_that_answers_too_much_is_a_token_failure() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("x".repeat(1 << 20), "application/json"),
        )
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .credentials(Credentials::service_account("mdb_sa_id", "sa-secret"))
        .build()
        .unwrap();
    let error = get_export(&client).await.unwrap_err();
    let Error::Auth(auth) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(auth.kind(), AuthErrorKind::TokenRequestFailed);
    assert_eq!(
        error.to_string(),
        "authentication failed: the token endpoint answered 200 OK with a body longer than 64 \
         KiB, read no further"
    );
}
