//! Waiting for export jobs and walking pages of exports, against a local Atlas-like server
//! (wiremock, bound to 127.0.0.1) that plays each job's states and each list's pages:
//! success, failure and cancellation told apart, the deadline, a `429` with `Retry-After` in
//! the middle of a wait, a dropped waiter sending nothing more, a wait cut short (deadline,
//! failed poll) taken up again with the ids from its error, a job never found and one gone
//! during the wait told apart; lists of no page, one page and many, a total that changes
//! during the walk, a server repeating a page, an error on page 3.

use std::collections::VecDeque;
use std::future::IntoFuture;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atlas_admin::models::{DiskBackupExportJobRequest, DiskBackupExportJobRequestRequired};
use atlas_admin::params::{ClusterName, ExportId, GroupId};
use atlas_admin::{
    Client, Credentials, Error, JobOutcome, PageError, RetryPolicy, WaitError, WaitPolicy,
};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const VERSIONED: &str = "application/vnd.atlas.2023-01-01+json";
const GROUP: &str = "32b6e34b3d91647abb20e7b8";
const EXPORT: &str = "5f1e2d3c4b5a69788796a5b4";
const EXPORTS: &str =
    "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/clusters/Cluster0/backup/exports";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::bearer_token("test-token-123"))
        // Short backoffs; a `Retry-After` of up to 2 s is waited out.
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_secs(2)),
        )
        .build()
        .unwrap()
}

fn group() -> GroupId {
    GROUP.parse().unwrap()
}

fn cluster() -> ClusterName {
    "Cluster0".parse().unwrap()
}

fn job(state: &str) -> Value {
    json!({
        "id": EXPORT,
        "exportBucketId": "32b6e34b3d91647abb20e7b8",
        "snapshotId": "32b6e34b3d91647abb20e7b8",
        "state": state,
    })
}

fn versioned(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(serde_json::to_vec(body).unwrap(), VERSIONED)
}

/// The interval of [`quick`].
const QUICK: Duration = Duration::from_millis(10);

/// A fast policy for tests: polls every 10 ms exactly, gives up after `deadline`.
fn quick(deadline: Duration) -> WaitPolicy {
    WaitPolicy::fixed(QUICK).jitter(0.0).deadline(deadline)
}

/// Answers each poll with the next of `answers` (the last one again once they run out), and
/// records when each poll arrived.
#[derive(Clone)]
struct Script {
    answers: Arc<Mutex<VecDeque<ResponseTemplate>>>,
    last: ResponseTemplate,
    polls: Arc<Mutex<Vec<Instant>>>,
}

impl Script {
    fn new(answers: Vec<ResponseTemplate>) -> Self {
        let last = answers.last().cloned().unwrap();
        Script {
            answers: Arc::new(Mutex::new(answers.into())),
            last,
            polls: Arc::default(),
        }
    }

    fn states(states: &[&str]) -> Self {
        Script::new(
            states
                .iter()
                .map(|state| versioned(200, &job(state)))
                .collect(),
        )
    }

    fn polls(&self) -> Vec<Instant> {
        self.polls.lock().unwrap().clone()
    }
}

impl Respond for Script {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        self.polls.lock().unwrap().push(Instant::now());
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| self.last.clone())
    }
}

/// A server whose POST creates the export job (answering `Queued`; it must be sent exactly
/// once) and whose GET plays `script`.
async fn export_server(script: &Script) -> MockServer {
    let server = job_server(script).await;
    Mock::given(method("POST"))
        .and(path(EXPORTS))
        .respond_with(versioned(200, &job("Queued")))
        .expect(1)
        .mount(&server)
        .await;
    server
}

/// A server whose GET of the export job plays `script`.
async fn job_server(script: &Script) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{EXPORTS}/{EXPORT}")))
        .respond_with(script.clone())
        .mount(&server)
        .await;
    server
}

fn request() -> DiskBackupExportJobRequest {
    DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "32b6e34b3d91647abb20e7b8".to_owned(),
        snapshot_id: "32b6e34b3d91647abb20e7b8".to_owned(),
    })
}

#[tokio::test]
async fn an_export_job_is_waited_for_until_it_succeeds_with_every_state_reported() {
    let script = Script::states(&["Queued", "InProgress", "InProgress", "Successful"]);
    let server = export_server(&script).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = seen.clone();
    let policy = quick(Duration::from_secs(10)).on_poll(move |event| {
        recorder
            .lock()
            .unwrap()
            .push((event.poll, event.state.map(str::to_owned)));
    });

    let outcome = client(&server)
        .create_backup_export(&group(), &cluster(), request())
        .send_and_wait()
        .policy(policy)
        .await
        .unwrap();

    let JobOutcome::Succeeded(job) = outcome else {
        panic!("expected success, got {outcome:?}")
    };
    assert_eq!(job.id.unwrap().as_str(), EXPORT);
    let polls = script.polls();
    assert_eq!(polls.len(), 4);
    // Without jitter no poll comes sooner than the interval after the one before.
    for pair in polls.windows(2) {
        assert!(pair[1] - pair[0] >= QUICK, "{:?}", pair[1] - pair[0]);
    }
    let states: Vec<(u32, Option<String>)> = seen.lock().unwrap().clone();
    assert_eq!(
        states,
        [
            (1, Some("Queued".to_owned())),
            (2, Some("InProgress".to_owned())),
            (3, Some("InProgress".to_owned())),
            (4, Some("Successful".to_owned())),
        ]
    );
}

#[tokio::test]
async fn a_failed_or_cancelled_job_is_a_failed_outcome_not_success() {
    for final_state in ["Failed", "Cancelled"] {
        let script = Script::states(&["Queued", "InProgress", final_state]);
        let server = export_server(&script).await;
        let outcome = client(&server)
            .create_backup_export(&group(), &cluster(), request())
            .send_and_wait()
            .policy(quick(Duration::from_secs(10)))
            .await
            .unwrap();
        assert!(!outcome.is_success(), "{final_state}");
        let JobOutcome::Failed { state, value } = outcome else {
            panic!("{final_state}: expected a failed outcome")
        };
        assert_eq!(state, final_state);
        assert_eq!(value.id.unwrap().as_str(), EXPORT);
        assert_eq!(script.polls().len(), 3, "{final_state}");
    }
}

#[tokio::test]
async fn a_job_still_running_at_the_deadline_is_a_wait_error_naming_its_state() {
    let script = Script::states(&["InProgress"]);
    let server = job_server(&script).await;
    let started = Instant::now();
    let error = client(&server)
        .wait_for_backup_export(&group(), &cluster(), &EXPORT.parse::<ExportId>().unwrap())
        .policy(quick(Duration::from_millis(150)))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let Error::Wait(WaitError::DeadlinePassed {
        polls, last_state, ..
    }) = &error
    else {
        panic!("expected the deadline, got {error:?}")
    };
    assert!(*polls >= 3, "{polls} polls");
    assert_eq!(last_state.as_deref(), Some("InProgress"));
    assert!(
        error.to_string().contains("last state `InProgress`"),
        "{error}"
    );
    // It stopped at the deadline, not a whole interval or retry later.
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test]
async fn a_429_with_retry_after_in_the_middle_of_a_wait_is_waited_out_then_polling_goes_on() {
    let rate_limited = ResponseTemplate::new(429)
        .insert_header("Retry-After", "1")
        .set_body_raw(
            serde_json::to_vec(&json!({"error": 429, "errorCode": "RATE_LIMITED", "detail": "slow down", "reason": "Too Many Requests"})).unwrap(),
            "application/json",
        );
    let script = Script::new(vec![
        versioned(200, &job("InProgress")),
        rate_limited,
        versioned(200, &job("Successful")),
    ]);
    let server = export_server(&script).await;
    let outcome = client(&server)
        .create_backup_export(&group(), &cluster(), request())
        .send_and_wait()
        .policy(quick(Duration::from_secs(10)))
        .await
        .unwrap();
    assert!(outcome.is_success());
    let polls = script.polls();
    assert_eq!(polls.len(), 3);
    let after_429 = polls[2] - polls[1];
    assert!(
        after_429 >= Duration::from_millis(950),
        "the poll after the 429 came {after_429:?} later, before the Retry-After of 1 s"
    );
}

#[tokio::test]
async fn a_dropped_waiter_sends_no_further_request() {
    let script = Script::states(&["InProgress"]);
    let server = job_server(&script).await;
    let wait = client(&server)
        .wait_for_backup_export(&group(), &cluster(), &EXPORT.parse::<ExportId>().unwrap())
        .policy(quick(Duration::from_secs(60)));
    let task = tokio::spawn(wait.into_future());
    while script.polls().len() < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    task.abort();
    let _ = task.await;
    let at_drop = script.polls().len();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        script.polls().len(),
        at_drop,
        "polls after the waiter was dropped"
    );
}

/// Answers every poll with the job `InProgress` until `finished` is set, then `Successful`;
/// with `fail_next` set, answers the next poll 500 (once).
#[derive(Clone, Default)]
struct Switch {
    finished: Arc<AtomicBool>,
    fail_next: Arc<AtomicBool>,
    polls: Arc<Mutex<u32>>,
}

impl Respond for Switch {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        *self.polls.lock().unwrap() += 1;
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return versioned(
                500,
                &json!({"error": 500, "errorCode": "UNEXPECTED_ERROR", "detail": "try later", "reason": "Internal Server Error"}),
            );
        }
        let state = if self.finished.load(Ordering::SeqCst) {
            "Successful"
        } else {
            "InProgress"
        };
        versioned(200, &job(state))
    }
}

async fn switch_server(switch: &Switch) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{EXPORTS}/{EXPORT}")))
        .respond_with(switch.clone())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EXPORTS))
        .respond_with(versioned(200, &job("Queued")))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_wait_cut_short_by_its_deadline_is_taken_up_again_with_the_ids_from_its_error() {
    let switch = Switch::default();
    let server = switch_server(&switch).await;
    let client = client(&server);

    let error = client
        .create_backup_export(&group(), &cluster(), request())
        .send_and_wait()
        .policy(quick(Duration::from_millis(100)))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Wait(WaitError::DeadlinePassed { .. })),
        "{error:?}"
    );
    // The export goes on on Atlas; the error says which one it is.
    let ids = error.job_ids().expect("a wait that polled names its ids");
    assert_eq!(ids.operation_id(), "getBackupExport");
    assert_eq!(ids.get("exportId"), Some(EXPORT));
    assert!(
        error.to_string().contains(&format!("exportId={EXPORT}")),
        "{error}"
    );
    let group: GroupId = ids.get("groupId").unwrap().parse().unwrap();
    let cluster: ClusterName = ids.get("clusterName").unwrap().parse().unwrap();
    let export: ExportId = ids.get("exportId").unwrap().parse().unwrap();

    switch.finished.store(true, Ordering::SeqCst);
    let outcome = client
        .wait_for_backup_export(&group, &cluster, &export)
        .policy(quick(Duration::from_secs(10)))
        .await
        .unwrap();
    let JobOutcome::Succeeded(job) = outcome else {
        panic!("expected success, got {outcome:?}")
    };
    assert_eq!(job.id.unwrap().as_str(), EXPORT);
}

#[tokio::test]
async fn a_started_job_keeps_its_response_and_ids_and_is_waited_for_again_after_a_failed_poll() {
    let switch = Switch::default();
    let server = switch_server(&switch).await;

    let job = client(&server)
        .create_backup_export(&group(), &cluster(), request())
        .start_job()
        .await
        .unwrap();
    assert_eq!(job.response().id.as_ref().unwrap().as_str(), EXPORT);
    assert_eq!(
        job.ids().to_string(),
        format!("groupId={GROUP}, clusterName=Cluster0, exportId={EXPORT}")
    );

    // A 500 in the middle of the wait (not retried) ends it, keeping the error and the ids.
    switch.fail_next.store(true, Ordering::SeqCst);
    let error = job
        .wait()
        .policy(quick(Duration::from_secs(10)))
        .await
        .unwrap_err();
    let Error::Wait(WaitError::PollFailed {
        poll: 1, source, ..
    }) = &error
    else {
        panic!("expected a failed poll, got {error:?}")
    };
    assert!(source.is_error_code("UNEXPECTED_ERROR"), "{source:?}");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(500));
    assert!(error.is_error_code("UNEXPECTED_ERROR"));
    assert_eq!(error.job_ids(), Some(job.ids()));

    // The same job, waited for again.
    switch.finished.store(true, Ordering::SeqCst);
    let outcome = job
        .wait()
        .policy(quick(Duration::from_secs(10)))
        .await
        .unwrap();
    assert!(outcome.is_success());
    assert_eq!(*switch.polls.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_job_never_found_and_a_job_gone_during_the_wait_are_told_apart() {
    let not_found = versioned(
        404,
        &json!({"error": 404, "errorCode": "RESOURCE_NOT_FOUND", "detail": "Cannot find resource.", "reason": "Not Found"}),
    );

    // A wrong id: the first poll is answered 404.
    let script = Script::new(vec![not_found.clone()]);
    let server = job_server(&script).await;
    let error = client(&server)
        .wait_for_backup_export(&group(), &cluster(), &EXPORT.parse::<ExportId>().unwrap())
        .policy(quick(Duration::from_secs(10)))
        .await
        .unwrap_err();
    let Error::Wait(WaitError::NotFound { ids, .. }) = &error else {
        panic!("expected a job not found, got {error:?}")
    };
    assert_eq!(ids.get("exportId"), Some(EXPORT));
    assert!(error.is_error_code("RESOURCE_NOT_FOUND"));
    assert!(error.to_string().contains("the first poll"), "{error}");
    assert_eq!(script.polls().len(), 1);

    // Found twice, then 404: deleted during the wait.
    let script = Script::new(vec![
        versioned(200, &job("Queued")),
        versioned(200, &job("InProgress")),
        not_found,
    ]);
    let server = job_server(&script).await;
    let error = client(&server)
        .wait_for_backup_export(&group(), &cluster(), &EXPORT.parse::<ExportId>().unwrap())
        .policy(quick(Duration::from_secs(10)))
        .await
        .unwrap_err();
    let Error::Wait(WaitError::Vanished {
        poll, last_state, ..
    }) = &error
    else {
        panic!("expected a job gone, got {error:?}")
    };
    assert_eq!((*poll, last_state.as_deref()), (3, Some("InProgress")));
    assert_eq!(error.status().map(|status| status.as_u16()), Some(404));
    assert!(error.to_string().starts_with("the job is gone"), "{error}");
}

/// The list of exports: `total` jobs, served `per page` as asked (capped at `cap`), with the
/// count while `counted`, and `links` with `next` while more follow. `total_after` changes
/// the count from page 2 on; `ignore_page` answers every page as the first.
#[derive(Clone, Default)]
struct Listing {
    total: usize,
    total_after: Option<usize>,
    counted: bool,
    ignore_page: bool,
    fail_on: Option<(usize, u16)>,
    requests: Arc<Mutex<Vec<(usize, usize)>>>,
}

impl Respond for Listing {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.parse::<usize>().unwrap())
        };
        let page = query("pageNum").unwrap_or(1);
        let size = query("itemsPerPage").unwrap_or(100);
        self.requests.lock().unwrap().push((page, size));
        if let Some((failing, status)) = self.fail_on {
            if failing == page {
                return versioned(
                    status,
                    &json!({"error": status, "errorCode": "UNEXPECTED_ERROR", "detail": "page failed", "reason": "Error"}),
                );
            }
        }
        let total = match self.total_after {
            Some(after) if page > 1 => after,
            _ => self.total,
        };
        let served = if self.ignore_page { 1 } else { page };
        let start = ((served - 1) * size).min(total);
        let end = (start + size).min(total);
        let results: Vec<Value> = (start..end)
            .map(|n| json!({"id": format!("{n:024x}"), "exportBucketId": GROUP, "state": "Successful"}))
            .collect();
        let mut links = vec![
            json!({"rel": "self", "href": format!("https://cloud.mongodb.com{EXPORTS}?pageNum={page}")}),
        ];
        if end < total {
            links.push(json!({"rel": "next", "href": format!("https://cloud.mongodb.com{EXPORTS}?pageNum={}", page + 1)}));
        }
        let mut body = json!({"results": results, "links": links});
        if self.counted {
            body["totalCount"] = json!(total);
        }
        versioned(200, &body)
    }
}

async fn list_server(listing: &Listing) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(EXPORTS))
        .respond_with(listing.clone())
        .mount(&server)
        .await;
    server
}

/// The ids of every export, walked `size` a page, and the pages requested.
async fn walk(listing: Listing, size: i64) -> (Result<Vec<String>, Error>, Vec<(usize, usize)>) {
    let server = list_server(&listing).await;
    let items = client(&server)
        .list_backup_exports(&group(), &cluster())
        .items_per_page(size)
        .items()
        .collect_all()
        .await
        .map(|jobs| {
            jobs.into_iter()
                .map(|job| job.id.unwrap().as_str().to_owned())
                .collect()
        })
        .map_err(Error::from);
    let requests = listing.requests.lock().unwrap().clone();
    (items, requests)
}

fn ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|n| format!("{n:024x}")).collect()
}

#[tokio::test]
async fn lists_of_no_page_one_page_and_many_are_walked_to_their_end() {
    let counted = |total| Listing {
        total,
        counted: true,
        ..Listing::default()
    };
    let (items, requests) = walk(counted(0), 5).await;
    assert_eq!((items.unwrap(), requests), (vec![], vec![(1, 5)]));
    let (items, requests) = walk(counted(3), 5).await;
    assert_eq!((items.unwrap(), requests), (ids(0..3), vec![(1, 5)]));
    let (items, requests) = walk(counted(12), 5).await;
    assert_eq!(
        (items.unwrap(), requests),
        (ids(0..12), vec![(1, 5), (2, 5), (3, 5)])
    );
    // Uncounted (`includeCount=false`), the `next` link decides.
    let uncounted = Listing {
        total: 10,
        ..Listing::default()
    };
    let (items, requests) = walk(uncounted, 5).await;
    assert_eq!(
        (items.unwrap(), requests),
        (ids(0..10), vec![(1, 5), (2, 5)])
    );
}

#[tokio::test]
async fn the_pages_stream_yields_each_page_with_its_count() {
    let listing = Listing {
        total: 7,
        counted: true,
        ..Listing::default()
    };
    let server = list_server(&listing).await;
    let mut pages = client(&server)
        .list_backup_exports(&group(), &cluster())
        .items_per_page(3)
        .pages();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert_eq!(page.total_count, Some(7));
        sizes.push(page.results.len());
    }
    assert_eq!(sizes, [3, 3, 1]);
}

#[tokio::test]
async fn a_total_that_shrinks_during_the_walk_ends_it_at_the_new_total() {
    let listing = Listing {
        total: 12,
        total_after: Some(8),
        counted: true,
        ..Listing::default()
    };
    let (items, requests) = walk(listing, 5).await;
    // Page 2 says 8 in all: with 10 seen, it is the last.
    assert_eq!(
        (items.unwrap(), requests),
        (ids(0..8), vec![(1, 5), (2, 5)])
    );
}

#[tokio::test]
async fn a_server_that_repeats_a_page_is_stopped_with_an_error() {
    let listing = Listing {
        total: 50,
        ignore_page: true,
        ..Listing::default()
    };
    let (items, requests) = walk(listing, 5).await;
    let error = items.unwrap_err();
    assert!(
        matches!(error, Error::Pages(PageError::RepeatedPage { page: 2, .. })),
        "{error:?}"
    );
    assert_eq!(requests, [(1, 5), (2, 5)]);
}

#[tokio::test]
async fn an_error_on_page_3_is_yielded_and_ends_the_walk() {
    let listing = Listing {
        total: 30,
        counted: true,
        fail_on: Some((3, 404)),
        ..Listing::default()
    };
    let server = list_server(&listing).await;
    let mut items = client(&server)
        .list_backup_exports(&group(), &cluster())
        .items_per_page(5)
        .items();
    let mut received = Vec::new();
    let mut errors = Vec::new();
    while let Some(item) = items.next().await {
        match item {
            Ok(job) => received.push(job.id.unwrap().as_str().to_owned()),
            Err(error) => errors.push(error.status().map(|status| status.as_u16())),
        }
    }
    assert_eq!(received, ids(0..10));
    assert_eq!(errors, [Some(404)]);
    assert_eq!(*listing.requests.lock().unwrap(), [(1, 5), (2, 5), (3, 5)]);
}

/// `collect_all` keeps what it read when an error ends the walk, as a downstream caller
/// wanting partial results uses it.
#[tokio::test]
async fn collect_all_returns_the_results_read_before_an_error_with_it() {
    let listing = Listing {
        total: 30,
        counted: true,
        fail_on: Some((3, 404)),
        ..Listing::default()
    };
    let server = list_server(&listing).await;
    let partial = client(&server)
        .list_backup_exports(&group(), &cluster())
        .items_per_page(5)
        .items()
        .collect_all()
        .await
        .unwrap_err();
    let read: Vec<String> = partial
        .items
        .iter()
        .map(|job| job.id.as_ref().unwrap().as_str().to_owned())
        .collect();
    assert_eq!(read, ids(0..10));
    assert_eq!(
        partial.error.status().map(|status| status.as_u16()),
        Some(404)
    );
    let message = partial.to_string();
    assert!(
        message.ends_with("(after 10 results were read)"),
        "{message}"
    );
    // `?` into the crate's `Error` keeps the error alone.
    let error: Error = partial.into();
    assert_eq!(error.status().map(|status| status.as_u16()), Some(404));
}

#[tokio::test]
async fn a_page_answered_with_503_is_retried_under_the_retry_policy() {
    let listing = Listing {
        total: 10,
        counted: true,
        fail_on: Some((2, 503)),
        ..Listing::default()
    };
    // The first request for page 2 fails; the retry (same page) succeeds.
    let flaky = FailOnce {
        inner: listing.clone(),
        failed: Arc::default(),
    };
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(EXPORTS))
        .respond_with(flaky)
        .mount(&server)
        .await;
    let items = client(&server)
        .list_backup_exports(&group(), &cluster())
        .items_per_page(5)
        .items()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(items.len(), 10);
    assert_eq!(*listing.requests.lock().unwrap(), [(1, 5), (2, 5), (2, 5)]);
}

/// `inner`, whose failure happens once only.
struct FailOnce {
    inner: Listing,
    failed: Arc<Mutex<bool>>,
}

impl Respond for FailOnce {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut failed = self.failed.lock().unwrap();
        if *failed {
            let mut listing = self.inner.clone();
            listing.fail_on = None;
            return listing.respond(request);
        }
        let answer = self.inner.respond(request);
        if self
            .inner
            .requests
            .lock()
            .unwrap()
            .last()
            .map(|(page, _)| *page)
            == self.inner.fail_on.map(|(page, _)| page)
        {
            *failed = true;
        }
        answer
    }
}
