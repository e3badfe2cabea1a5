//! Many calls at once against a hostile local server (`support/load_atlas.rs` on
//! `support/chaos.rs`, 127.0.0.1 only): through a service account (OAuth, tokens that expire
//! mid-run and are revoked twice) and an API key (Digest, a nonce rotated three times, so
//! `stale=true` arrives while calls are in flight), with 429s (with and without
//! `Retry-After`, and a burst of them to the first calls all at once), 503s, connections reset
//! before and in the middle of a body, slow, truncated, broken and endless bodies.
//!
//! Asserted: every call ends exactly once, in a success with its own body or in the typed
//! error that matches what the server last did to it; every request the client sent reached
//! the server and no other did; no `POST` was delivered twice; no Digest nonce count repeated
//! (so a `stale=true` was taken once, not by every call that got it); the token endpoint was
//! asked a bounded number of times; retries after a 429 came back spread out, not together;
//! the process's peak memory stayed bounded although some bodies never end.
//!
//! The plain test run does a short run; the full one (10,000 calls, 200 in flight) is
//! `#[ignore]`d and run by `.ci/run` and by `scripts/bench-load`, which records its figures in
//! BENCHMARKS.md.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::atlas_like::{CLIENT_ID, CLIENT_SECRET, PRIVATE_KEY, PUBLIC_KEY};
use crate::support::load_atlas::{Fault, LoadAtlas};
use atlas_admin::models::{DiskBackupExportJobRequest, DiskBackupExportJobRequestRequired};
use atlas_admin::params::{ClusterName, ExportId, GroupId};
use atlas_admin::{
    AttemptOutcome, Client, Credentials, Error, RequestHook, RequestInfo, RetryPolicy, StatusCode,
    TransportErrorKind,
};
use tokio::task::JoinSet;

/// How long a token lives: short enough to expire several times in a run.
const TOKEN_LIFETIME_SECS: u64 = 2;
const MAX_ATTEMPTS: u32 = 4;
const INITIAL_BACKOFF: Duration = Duration::from_millis(400);
/// Above the export job's size, far below an endless body's.
const MAX_BODY_SIZE: u64 = 256 * 1024;

/// Counts what the client sent and why it sent again.
#[derive(Default)]
struct Counts {
    sent: AtomicUsize,
    retried: AtomicUsize,
    reauthenticated: AtomicUsize,
}

struct Counting(Arc<Counts>);

impl RequestHook for Counting {
    fn before_attempt(&self, _: &RequestInfo<'_>, _: &mut atlas_admin::header::HeaderMap) {
        self.0.sent.fetch_add(1, Ordering::Relaxed);
    }

    fn after_attempt(&self, _: &RequestInfo<'_>, outcome: &AttemptOutcome<'_>) {
        if outcome.will_retry() {
            let counter = if outcome.status() == Some(StatusCode::UNAUTHORIZED) {
                &self.0.reauthenticated
            } else {
                &self.0.retried
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn client(base_url: &str, credentials: Credentials, counts: &Arc<Counts>) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials(credentials)
        .timeout(Duration::from_secs(10))
        .max_body_size(MAX_BODY_SIZE)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(MAX_ATTEMPTS)
                .initial_backoff(INITIAL_BACKOFF)
                .max_backoff(Duration::from_secs(2))
                .max_elapsed(Duration::from_secs(20)),
        )
        .hook(Counting(counts.clone()))
        .build()
        .unwrap()
}

/// How a call ended, as the client saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Ok,
    Api(u16),
    TransportBeforeResponse(TransportErrorKind),
    TransportInBody(TransportErrorKind),
    Undecodable,
    /// Anything the test does not expect (a 401, an auth failure, a wrong body, …).
    Unexpected,
}

/// Whether the client's ending is the one the server's last answer calls for.
fn consistent(ending: Ending, last: Fault) -> bool {
    use TransportErrorKind::{Body, BodyTooLarge, ConnectionClosed, ConnectionReset};
    matches!(
        (ending, last),
        (Ending::Ok, Fault::None | Fault::Slow)
            | (
                Ending::Api(429),
                Fault::RateLimited | Fault::RateLimitedRetryAfter
            )
            | (Ending::Api(503), Fault::Unavailable)
            // A reset mid-body that lands before the client has read the head (on a busy
            // machine) discards the unread head with it: to the client, a reset before the
            // response.
            | (
                Ending::TransportBeforeResponse(ConnectionReset | ConnectionClosed),
                Fault::ResetBeforeResponse | Fault::ResetMidBody,
            )
            | (
                Ending::TransportInBody(ConnectionReset | ConnectionClosed | Body),
                Fault::ResetMidBody | Fault::Truncated,
            )
            | (Ending::Undecodable, Fault::BadJson)
            | (Ending::TransportInBody(BodyTooLarge), Fault::Endless)
    )
}

fn ending_of<T>(result: &Result<T, Error>) -> Ending {
    match result {
        Ok(_) => Ending::Ok,
        Err(Error::Api(api)) if api.status() != StatusCode::UNAUTHORIZED => {
            Ending::Api(api.status().as_u16())
        }
        Err(Error::Transport(error))
            if error.is_body() && error.status() == Some(StatusCode::OK) =>
        {
            Ending::TransportInBody(error.kind())
        }
        Err(Error::Transport(error)) if error.status().is_none() => {
            Ending::TransportBeforeResponse(error.kind())
        }
        Err(Error::UndecodableBody(body)) if body.status() == StatusCode::OK => Ending::Undecodable,
        Err(_) => Ending::Unexpected,
    }
}

/// What a call ended with, for messages; for a success, the id of the job it got, which
/// must be `expected_id`.
fn described(
    result: &Result<atlas_admin::ApiResponse<atlas_admin::models::DiskBackupExportJob>, Error>,
    expected_id: &str,
) -> String {
    match result {
        Ok(job) if job.id.as_ref().map(|id| id.as_str()) == Some(expected_id) => String::new(),
        Ok(job) => format!("the body of another call: {:?}", job.id),
        Err(error) => error.to_string(),
    }
}

/// One call: a `POST` for every fifth, else a `GET`; through OAuth for even numbers, Digest
/// for odd ones.
async fn call(number: u64, oauth: Client, digest: Client) -> (u64, Ending, Duration, String) {
    let client = if number.is_multiple_of(2) {
        oauth
    } else {
        digest
    };
    let group: GroupId = "32b6e34b3d91647abb20e7b8".parse().unwrap();
    let cluster: ClusterName = format!("load-{number}").parse().unwrap();
    let expected_id = format!("{number:024x}");
    let started = Instant::now();
    let (ending, own_body) = if number.is_multiple_of(5) {
        let request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
            export_bucket_id: "32b6e34b3d91647abb20e7b8".into(),
            snapshot_id: "5f1e2d3c4b5a69788796a5b4".into(),
        });
        let result = client.create_backup_export(&group, &cluster, request).await;
        (ending_of(&result), described(&result, &expected_id))
    } else {
        let export: ExportId = "5f1e2d3c4b5a69788796a5b4".parse().unwrap();
        let result = client.get_backup_export(&group, &cluster, &export).await;
        (ending_of(&result), described(&result, &expected_id))
    };
    (number, ending, started.elapsed(), own_body)
}

/// Peak resident memory of this process so far (`VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * share).round() as usize;
    sorted[index]
}

async fn run(calls: u64, in_flight: usize) {
    let atlas = LoadAtlas::start(TOKEN_LIFETIME_SECS).await;
    let counts = Arc::new(Counts::default());
    let oauth = client(
        &atlas.uri(),
        Credentials::service_account(CLIENT_ID, CLIENT_SECRET),
        &counts,
    );
    let digest = client(
        &atlas.uri(),
        Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY),
        &counts,
    );
    // The first wave is rate-limited all at once.
    atlas.state.burst.store(true, Ordering::SeqCst);

    let started = Instant::now();
    let mut running = JoinSet::new();
    let mut next = 0;
    let mut endings: BTreeMap<u64, (Ending, String)> = BTreeMap::new();
    let mut latencies = Vec::new();
    let mut duplicates = 0;
    let mut revocations = 0;
    let mut rotations = 0;
    let finished = tokio::time::timeout(Duration::from_secs(600), async {
        loop {
            while running.len() < in_flight && next < calls {
                running.spawn(call(next, oauth.clone(), digest.clone()));
                next += 1;
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            let (number, ending, latency, detail) = joined.expect("a call panicked");
            if endings.insert(number, (ending, detail)).is_some() {
                duplicates += 1;
            }
            latencies.push(latency);
            let done = endings.len() as u64;
            if done == u64::try_from(in_flight).unwrap() {
                atlas.state.burst.store(false, Ordering::SeqCst);
            }
            // Tokens revoked at a third and two thirds; the nonce rotated at each quarter.
            if revocations < 2 && done * 3 >= calls * (revocations + 1) {
                atlas.state.revoke_tokens();
                revocations += 1;
            }
            if rotations < 3 && done * 4 >= calls * (rotations + 1) {
                atlas.state.rotate_nonce();
                rotations += 1;
            }
        }
    })
    .await;
    let elapsed = started.elapsed();
    assert!(finished.is_ok(), "the run did not finish in 600 s");

    // Every call ended exactly once.
    assert_eq!(duplicates, 0, "calls that ended twice");
    assert_eq!(endings.len() as u64, calls, "calls that never ended");
    assert!(endings.keys().copied().eq(0..calls));

    // Each ending is what the server last did to the call, and each success carries the
    // call's own body.
    let records = atlas.state.calls();
    let mut by_ending: BTreeMap<String, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (number, (ending, detail)) in &endings {
        *by_ending.entry(format!("{ending:?}")).or_default() += 1;
        let record = records.get(number);
        let own_body = *ending != Ending::Ok || detail.is_empty();
        let fine = own_body && record.is_some_and(|record| consistent(*ending, record.last));
        if !fine {
            wrong.push((*number, *ending, record.map(|record| record.last), detail));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} calls ended otherwise than the server's last answer says, e.g. {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );

    // Nothing lost or duplicated on the wire: the server saw every request the client sent
    // and no other; a POST was delivered once; a GET at most once per attempt.
    let state = &atlas.state;
    assert_eq!(
        state.api_requests.load(Ordering::SeqCst),
        counts.sent.load(Ordering::SeqCst),
        "requests sent by the client and received by the server"
    );
    assert_eq!(state.strays.load(Ordering::SeqCst), 0);
    for (number, record) in &records {
        match record.method.as_str() {
            "POST" => assert_eq!(
                record.deliveries, 1,
                "POST of call {number} delivered twice"
            ),
            _ => assert!(
                record.deliveries <= MAX_ATTEMPTS,
                "call {number}: {record:?}"
            ),
        }
    }

    // Digest: no nonce count was used twice (every call that got `stale=true` resent with the
    // one new challenge rather than installing its own), and the nonce did go stale.
    assert_eq!(state.repeated_nonce_counts.load(Ordering::SeqCst), 0);
    let stale = state.stale_challenges.load(Ordering::SeqCst);
    assert!(stale > 0, "no stale nonce was met");

    // OAuth: one token at first, one per revocation and one per lifetime (refreshed at 90%
    // of it), with one spare.
    let tokens = state.token_requests.load(Ordering::SeqCst);
    let lifetimes = elapsed.as_secs_f64() / (0.9 * TOKEN_LIFETIME_SECS as f64);
    let bound = 2 + revocations as usize + lifetimes.ceil() as usize;
    assert!(
        tokens <= bound,
        "{tokens} token requests in {elapsed:?} (bound {bound})"
    );

    // Retries after a 429 without `Retry-After` wait the backoff with jitter, [b/2, b]: they
    // come back spread over that range, not together. After `Retry-After: 1`, at least 1 s.
    let mut plain: Vec<Duration> = Vec::new();
    let mut told: Vec<Duration> = Vec::new();
    for gap in state.retry_gaps() {
        match gap.after {
            Fault::RateLimited => plain.push(gap.gap),
            _ => told.push(gap.gap),
        }
    }
    plain.sort();
    told.sort();
    assert!(
        plain.len() >= 50,
        "{} retries after a plain 429",
        plain.len()
    );
    let (p10, p90) = (percentile(&plain, 0.1), percentile(&plain, 0.9));
    assert!(
        plain[0] >= INITIAL_BACKOFF / 2,
        "a retry came back before the backoff: {:?}",
        plain[0]
    );
    assert!(
        p90 - p10 >= INITIAL_BACKOFF / 5,
        "retries bunched together: p10 {p10:?}, p90 {p90:?}"
    );
    if let Some(first) = told.first() {
        assert!(
            *first >= Duration::from_secs(1),
            "Retry-After not honoured: {first:?}"
        );
    }

    // Memory: endless bodies were cut at the limit.
    let peak_mib = peak_rss_kib() / 1024;
    assert!(peak_mib < 512, "peak RSS {peak_mib} MiB");

    latencies.sort();
    println!(
        "load: {calls} calls, {in_flight} in flight, {:.1} s, {:.0} calls/s; latency p50 {:?}, \
         p99 {:?}, max {:?}; requests sent {}, retries {}, re-authentications {}; token \
         requests {tokens}, Digest challenges {} first + {stale} stale; retry gaps after a \
         plain 429: n {}, p10 {p10:?}, p90 {p90:?}; after Retry-After: n {}; peak RSS {peak_mib} \
         MiB; endings {by_ending:?}",
        elapsed.as_secs_f64(),
        calls as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1],
        counts.sent.load(Ordering::SeqCst),
        counts.retried.load(Ordering::SeqCst),
        counts.reauthenticated.load(Ordering::SeqCst),
        state.first_challenges.load(Ordering::SeqCst),
        plain.len(),
        told.len(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_load_under_chaos_loses_and_duplicates_nothing() {
    run(1_500, 100).await;
}

/// The full run: `cargo test -p atlas-codegen-tests --test client load_and_chaos:: --
/// --ignored --nocapture` (`scripts/bench-load` runs it in release and prints the figures).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "10,000 calls: run by .ci/run and scripts/bench-load"]
async fn ten_thousand_calls_200_in_flight_under_chaos() {
    run(10_000, 200).await;
}
