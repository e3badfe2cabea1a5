//! What a caller can observe of the requests a client sends: request hooks (a header they add
//! arrives, every attempt is seen with its outcome, credentials never are), the tracing span
//! of each call, and the raw body kept beside the typed one.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support;
use crate::support::atlas_like::{self, AtlasLike, PRIVATE_KEY, PUBLIC_KEY, VERSIONED};
use atlas_admin::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use atlas_admin::models::DiskBackupExportJob;
use atlas_admin::params::{ClusterName, ExportId, GroupId};
use atlas_admin::{
    ApiResponse, AttemptOutcome, Client, Credentials, Method, RequestHook, RequestInfo,
    RetryPolicy, StatusCode, TransportErrorKind,
};
use serde_json::json;
use wiremock::matchers::{header, method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GROUP: &str = "32b6e34b3d91647abb20e7b8";
const TOKEN: &str = "hook-test-token-42";

async fn get_export(
    client: &Client,
) -> Result<ApiResponse<DiskBackupExportJob>, atlas_admin::Error> {
    let group: GroupId = GROUP.parse().unwrap();
    let cluster: ClusterName = "Cluster0".parse().unwrap();
    let export: ExportId = "5f1e2d3c4b5a69788796a5b4".parse().unwrap();
    client.get_backup_export(&group, &cluster, &export).await
}

fn job() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(atlas_like::export_job().to_string(), VERSIONED)
}

/// What a hook saw of one attempt.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    operation_id: &'static str,
    method: Method,
    path: &'static str,
    attempt: u32,
    header_names: Vec<String>,
    status: Option<StatusCode>,
    error: Option<TransportErrorKind>,
    will_retry: bool,
}

/// Records every attempt and adds a header to each.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl RequestHook for Recorder {
    fn before_attempt(&self, request: &RequestInfo<'_>, headers: &mut HeaderMap) {
        let mut header_names: Vec<String> = headers
            .keys()
            .map(|name| name.as_str().to_owned())
            .collect();
        header_names.sort();
        self.seen.lock().unwrap().push(Seen {
            operation_id: request.operation_id(),
            method: request.method().clone(),
            path: request.path_template(),
            attempt: request.attempt(),
            header_names,
            status: None,
            error: None,
            will_retry: false,
        });
        let attempt = request.attempt().to_string();
        headers.insert("x-attempt", HeaderValue::from_str(&attempt).unwrap());
    }

    fn after_attempt(&self, request: &RequestInfo<'_>, outcome: &AttemptOutcome<'_>) {
        let mut seen = self.seen.lock().unwrap();
        let last = seen.last_mut().unwrap();
        assert_eq!(last.attempt, request.attempt(), "after follows its before");
        last.status = outcome.status();
        last.error = outcome.error().map(|error| error.kind());
        last.will_retry = outcome.will_retry();
        assert!(outcome.elapsed() < Duration::from_secs(5));
    }
}

/// Adds a fixed header, to show that several hooks run in order.
struct Tag(&'static str);

impl RequestHook for Tag {
    fn before_attempt(&self, _: &RequestInfo<'_>, headers: &mut HeaderMap) {
        headers.append("x-tags", HeaderValue::from_static(self.0));
    }
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
}

#[tokio::test]
async fn headers_hooks_add_arrive_at_the_server_and_credentials_stay_hidden() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("^/api/atlas/v2/"))
        .and(header("x-attempt", "1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(job())
        .expect(1)
        .mount(&server)
        .await;
    let recorder = Recorder::default();
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::bearer_token(TOKEN))
        .hook(recorder.clone())
        .hook(Tag("first"))
        .hook(Tag("second"))
        .build()
        .unwrap();

    get_export(&client).await.unwrap();

    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [Seen {
            operation_id: "getBackupExport",
            method: Method::GET,
            path: "/api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/exports/{exportId}",
            attempt: 1,
            header_names: vec!["accept".to_owned()],
            status: Some(StatusCode::OK),
            error: None,
            will_retry: false,
        }]
    );
    let requests = server.received_requests().await.unwrap();
    let tags: Vec<_> = requests[0].headers.get_all("x-tags").iter().collect();
    assert_eq!(tags, ["first", "second"], "hooks run in the order added");
}

#[tokio::test]
async fn a_hook_cannot_see_or_keep_an_authorization_it_would_replace() {
    struct Impostor;
    impl RequestHook for Impostor {
        fn before_attempt(&self, _: &RequestInfo<'_>, headers: &mut HeaderMap) {
            assert!(headers.get(AUTHORIZATION).is_none());
            headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer forged"));
        }
    }
    let server = MockServer::start().await;
    Mock::given(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(job())
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::bearer_token(TOKEN))
        .hook(Impostor)
        .build()
        .unwrap();
    get_export(&client).await.unwrap();
}

#[tokio::test]
async fn hooks_see_every_retry_with_its_outcome() {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicU64::new(0));
    let counted = calls.clone();
    Mock::given(path_regex("^/api/atlas/v2/"))
        .respond_with(move |request: &wiremock::Request| {
            let call = counted.fetch_add(1, Ordering::SeqCst) + 1;
            // Each attempt carries its own number, set by the hook.
            assert_eq!(request.headers["x-attempt"], call.to_string().as_str());
            if call < 3 {
                ResponseTemplate::new(503).set_body_json(json!({
                    "error": 503, "errorCode": "SERVICE_UNAVAILABLE", "reason": "x"}))
            } else {
                job()
            }
        })
        .mount(&server)
        .await;
    let recorder = Recorder::default();
    let client = Client::builder()
        .base_url(server.uri())
        .retry_policy(quick_retries())
        .hook(recorder.clone())
        .build()
        .unwrap();

    get_export(&client).await.unwrap();

    assert_eq!(
        outcomes_without_credentials(&recorder),
        [
            (1, Some(503), true),
            (2, Some(503), true),
            (3, Some(200), false)
        ]
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

/// The (attempt, status, will_retry) triples a recorder saw; no attempt showed `Authorization`.
fn outcomes_without_credentials(recorder: &Recorder) -> Vec<(u32, Option<u16>, bool)> {
    let seen = recorder.seen.lock().unwrap();
    for attempt in seen.iter() {
        assert!(
            !attempt
                .header_names
                .iter()
                .any(|name| name == "authorization"),
            "{attempt:?}"
        );
    }
    seen.iter()
        .map(|seen| {
            (
                seen.attempt,
                seen.status.map(|s| s.as_u16()),
                seen.will_retry,
            )
        })
        .collect()
}

#[tokio::test]
async fn a_digest_challenge_is_an_attempt_the_hook_sees_without_the_answer() {
    let atlas = AtlasLike::start().await;
    let recorder = Recorder::default();
    let client = Client::builder()
        .base_url(atlas.uri())
        .credentials(Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY))
        .hook(recorder.clone())
        .build()
        .unwrap();

    get_export(&client).await.unwrap();
    get_export(&client).await.unwrap();
    atlas.state.rotate_nonce();
    get_export(&client).await.unwrap();

    assert_eq!(
        outcomes_without_credentials(&recorder),
        [
            (1, Some(401), true), // the first challenge
            (2, Some(200), false),
            (1, Some(200), false), // the cached challenge answered at once
            (1, Some(401), true),  // stale=true
            (2, Some(200), false),
        ]
    );
    assert_eq!(atlas.state.api_calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_token_refresh_is_an_attempt_and_the_token_request_runs_no_hook() {
    let atlas = AtlasLike::start().await;
    let recorder = Recorder::default();
    let client = Client::builder()
        .base_url(atlas.uri())
        .credentials(Credentials::service_account(
            atlas_like::CLIENT_ID,
            atlas_like::CLIENT_SECRET,
        ))
        .hook(recorder.clone())
        .build()
        .unwrap();

    get_export(&client).await.unwrap();
    atlas.state.revoke_all_tokens();
    get_export(&client).await.unwrap();

    assert_eq!(
        outcomes_without_credentials(&recorder),
        [
            (1, Some(200), false),
            (1, Some(401), true), // the revoked token
            (2, Some(200), false),
        ]
    );
    assert_eq!(atlas.state.tokens_issued.load(Ordering::SeqCst), 2);
    let seen = recorder.seen.lock().unwrap();
    assert!(seen
        .iter()
        .all(|attempt| attempt.operation_id == "getBackupExport"));
}

#[tokio::test]
async fn hooks_see_transport_failures() {
    let recorder = Recorder::default();
    let client = Client::builder()
        .base_url(support::nothing_listening())
        .retry_policy(quick_retries().max_attempts(2))
        .hook(recorder.clone())
        .build()
        .unwrap();

    get_export(&client).await.unwrap_err();

    let outcomes: Vec<_> = recorder
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|seen| (seen.attempt, seen.status, seen.error, seen.will_retry))
        .collect();
    let refused = Some(TransportErrorKind::ConnectionRefused);
    assert_eq!(
        outcomes,
        [(1, None, refused, true), (2, None, refused, false)]
    );
}

// ---------------------------------------------------------------------------------------------
// Tracing: one global subscriber (installed once for the test binary, so no callsite's
// interest is ever cached while none is listening) recording the fields of every span with
// the thread that opened it; each test reads its own thread's (its runtime is current-thread).

type Fields = BTreeMap<String, String>;

#[derive(Clone, Default)]
struct SpanRecorder {
    /// By span id - 1: the opening thread, the span's name, its fields.
    spans: Arc<Mutex<Vec<(std::thread::ThreadId, String, Fields)>>>,
    /// Every event: the thread, its level and its fields (`message` among them).
    events: Arc<Mutex<Vec<(std::thread::ThreadId, tracing::Level, Fields)>>>,
}

impl SpanRecorder {
    /// The recorder, installed as the global default the first time.
    fn installed() -> SpanRecorder {
        static RECORDER: std::sync::OnceLock<SpanRecorder> = std::sync::OnceLock::new();
        RECORDER
            .get_or_init(|| {
                let recorder = SpanRecorder::default();
                tracing::subscriber::set_global_default(recorder.clone())
                    .expect("nothing else installs a global subscriber in this binary");
                recorder
            })
            .clone()
    }

    /// The spans this thread opened so far.
    fn of_this_thread(&self) -> Vec<(String, Fields)> {
        let me = std::thread::current().id();
        self.spans
            .lock()
            .unwrap()
            .iter()
            .filter(|(thread, _, _)| *thread == me)
            .map(|(_, name, fields)| (name.clone(), fields.clone()))
            .collect()
    }

    /// The events this thread recorded so far.
    fn events_of_this_thread(&self) -> Vec<(tracing::Level, Fields)> {
        let me = std::thread::current().id();
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|(thread, _, _)| *thread == me)
            .map(|(_, level, fields)| (*level, fields.clone()))
            .collect()
    }
}

struct FieldVisitor<'a>(&'a mut Fields);

impl tracing::field::Visit for FieldVisitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl tracing::Subscriber for SpanRecorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut fields = Fields::new();
        span.record(&mut FieldVisitor(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push((
            std::thread::current().id(),
            span.metadata().name().to_owned(),
            fields,
        ));
        tracing::span::Id::from_u64(spans.len() as u64)
    }

    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        let (_, _, fields) = &mut spans[span.into_u64() as usize - 1];
        values.record(&mut FieldVisitor(fields));
    }

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut FieldVisitor(&mut fields));
        self.events.lock().unwrap().push((
            std::thread::current().id(),
            *event.metadata().level(),
            fields,
        ));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn each_call_is_a_span_with_its_operation_outcome_and_no_secret() {
    let recorder = SpanRecorder::installed();
    let server = MockServer::start().await;
    Mock::given(path_regex("^/api/atlas/v2/"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "error": 429, "errorCode": "RATE_LIMITED", "reason": "x"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path_regex("^/api/atlas/v2/"))
        .respond_with(job())
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::bearer_token(TOKEN))
        .retry_policy(quick_retries())
        .build()
        .unwrap();

    get_export(&client).await.unwrap();

    let spans = recorder.of_this_thread();
    let requests: Vec<&Fields> = spans
        .iter()
        .filter(|(name, _)| name == "atlas_request")
        .map(|(_, fields)| fields)
        .collect();
    assert_eq!(requests.len(), 1, "{spans:?}");
    let fields = requests[0];
    assert_eq!(fields["operation_id"], "getBackupExport");
    assert_eq!(fields["method"], "GET");
    assert_eq!(
        fields["path"],
        "/api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/exports/{exportId}"
    );
    assert_eq!(fields["status"], "200");
    assert_eq!(fields["attempt"], "2", "the 429 and the retry");
    assert!(fields["duration_ms"].parse::<u64>().is_ok(), "{fields:?}");
    assert!(!fields.contains_key("error"));
    for (name, fields) in &spans {
        for value in fields.values() {
            assert!(
                !value.contains(TOKEN) && !value.contains(GROUP),
                "span {name} shows a secret or a filled-in path: {value}"
            );
        }
    }
}

/// The rate limiter says when calls start to be held and when they resume.
#[tokio::test]
async fn a_rate_limit_hold_is_announced_and_so_is_its_end() {
    let recorder = SpanRecorder::installed();
    let server = MockServer::start().await;
    Mock::given(path_regex("^/api/atlas/v2/"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"error": 429, "errorCode": "RATE_LIMITED", "reason": "x"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path_regex("^/api/atlas/v2/"))
        .respond_with(job())
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::bearer_token(TOKEN))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();

    let limited = get_export(&client).await.unwrap_err();
    assert!(limited.is_error_code("RATE_LIMITED"));
    let started = std::time::Instant::now();
    get_export(&client).await.unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "held for the Retry-After"
    );

    let said: Vec<(tracing::Level, String)> = recorder
        .events_of_this_thread()
        .into_iter()
        .filter_map(|(level, fields)| {
            let message = fields.get("message")?;
            message
                .starts_with("rate limit:")
                .then(|| (level, message.clone()))
        })
        .collect();
    assert_eq!(
        said,
        [
            (
                tracing::Level::INFO,
                "rate limit: Atlas answered 429; calls are held until its Retry-After has passed"
                    .to_owned()
            ),
            (
                tracing::Level::INFO,
                "rate limit: the hold has passed; calls resume, one first".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn a_failed_call_records_its_error_kind() {
    let recorder = SpanRecorder::installed();
    let client = Client::builder()
        .base_url(support::nothing_listening())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();

    get_export(&client).await.unwrap_err();

    let spans = recorder.of_this_thread();
    let (_, fields) = spans
        .iter()
        .find(|(name, _)| name == "atlas_request")
        .unwrap();
    assert_eq!(fields["error"], "connection refused");
    assert_eq!(fields["attempt"], "1");
    assert!(!fields.contains_key("status"));
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_response_keeps_its_raw_body() {
    let server = MockServer::start().await;
    let mut body = atlas_like::export_job();
    body["notInTheSpecYet"] = json!({"nested": true});
    let text = format!("  {body}\n");
    Mock::given(path_regex("^/api/atlas/v2/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(text.clone(), VERSIONED))
        .mount(&server)
        .await;
    let client = Client::builder().base_url(server.uri()).build().unwrap();

    let job = get_export(&client).await.unwrap();

    assert_eq!(
        job.raw_body(),
        text.as_bytes(),
        "byte for byte, whitespace kept"
    );
    let raw: serde_json::Value = serde_json::from_slice(job.raw_body()).unwrap();
    assert_eq!(raw["notInTheSpecYet"]["nested"], json!(true));
    assert_eq!(job.export_bucket_id, "32b6e34b3d91647abb20e7b8");
}
