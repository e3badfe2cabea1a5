//! An Atlas-like rate limiter on 127.0.0.1, and a driver that measures how a client fares
//! against it.
//!
//! The server, as Atlas declares its limits: one token bucket for every request, `capacity`
//! tokens (full at start), refilled continuously at `refill_per_sec`. A request that finds a
//! token takes it and gets a 200 with an export job (the body `DiskBackupExportJob` decodes),
//! `RateLimit-Limit: capacity` and `RateLimit-Remaining: floor(tokens left)`; a request that
//! finds less than one takes nothing and gets Atlas's 429 (`RATE_LIMITED`), `Retry-After` in
//! whole seconds (the time until a token is back, rounded up, at least 1) and the two
//! `RateLimit` headers, `Remaining` 0. Any `Authorization` is accepted. It is raw HTTP/1.1 on
//! tokio TCP (like `chaos.rs`, cheaper under load than wiremock), connections kept alive; it
//! counts requests, 429s, the peak of requests in flight and the connections opened. Dropping
//! it (or [`TokenBucketServer::stop`]) stops it and every connection.
//!
//! [`BadHeaders`] makes it send headers a client must survive: `RateLimit-Remaining: soon`,
//! `Retry-After: 31536000` (a year), `RateLimit-Limit: 0`.
//!
//! [`run`] makes `calls` calls of `get_backup_export`, `in_flight` at a time, and returns the
//! [`Figures`]. It uses only API the client has had since before its rate limiter (commit
//! 373730e), so `scripts/bench-rate-limits` can build it against both.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atlas_admin::params::{ClusterName, ExportId, GroupId};
use atlas_admin::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Atlas's JSON media type, the `Content-Type` of every answer.
pub const VERSIONED: &str = "application/vnd.atlas.2023-01-01+json";
pub const GROUP: &str = "32b6e34b3d91647abb20e7b8";
pub const CLUSTER: &str = "Cluster0";
pub const EXPORT: &str = "5f1e2d3c4b5a69788796a5b4";

/// Headers no client should trust, for the bad-input tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BadHeaders {
    /// `RateLimit-Remaining: soon` (not a number) on every answer.
    pub remaining_not_a_number: bool,
    /// `Retry-After: 31536000` (a year) on every 429.
    pub retry_after_a_year: bool,
    /// `RateLimit-Limit: 0` on every answer.
    pub limit_zero: bool,
}

impl BadHeaders {
    pub const NONE: BadHeaders = BadHeaders {
        remaining_not_a_number: false,
        retry_after_a_year: false,
        limit_zero: false,
    };
    pub const ALL: BadHeaders = BadHeaders {
        remaining_not_a_number: true,
        retry_after_a_year: true,
        limit_zero: true,
    };
}

/// The bucket a server enforces.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    /// Tokens when full (and at start): `RateLimit-Limit`.
    pub capacity: u32,
    /// Tokens added per second, continuously.
    pub refill_per_sec: f64,
    pub bad_headers: BadHeaders,
}

impl Bucket {
    pub fn new(capacity: u32, refill_per_sec: f64) -> Self {
        assert!(capacity >= 1, "a bucket holds at least one token");
        assert!(
            refill_per_sec > 0.0 && refill_per_sec.is_finite(),
            "the refill rate must be positive"
        );
        Bucket {
            capacity,
            refill_per_sec,
            bad_headers: BadHeaders::NONE,
        }
    }

    pub fn bad_headers(mut self, bad_headers: BadHeaders) -> Self {
        self.bad_headers = bad_headers;
        self
    }

    /// The least time `calls` requests can take from a full bucket: (calls - capacity) / refill.
    pub fn ideal(&self, calls: u64) -> Duration {
        let waiting = calls.saturating_sub(u64::from(self.capacity));
        Duration::from_secs_f64(waiting as f64 / self.refill_per_sec)
    }
}

/// What a server has seen since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests received (answered or not).
    pub requests: u64,
    /// Requests answered 429.
    pub rate_limited: u64,
    /// Most requests received and not yet answered at one time.
    pub peak_in_flight: u64,
    /// TCP connections accepted.
    pub connections: u64,
}

struct Tokens {
    tokens: f64,
    at: Instant,
}

enum Decision {
    Granted { remaining: u64 },
    Refused { retry_after_secs: u64 },
}

struct Shared {
    bucket: Bucket,
    tokens: Mutex<Tokens>,
    bad_headers: Mutex<BadHeaders>,
    requests: AtomicU64,
    rate_limited: AtomicU64,
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
    connections: AtomicU64,
    /// The 200's body, serialised once.
    job: Vec<u8>,
}

impl Shared {
    fn take(&self) -> Decision {
        let Bucket {
            capacity,
            refill_per_sec,
            ..
        } = self.bucket;
        let mut state = self.tokens.lock().unwrap();
        let now = Instant::now();
        state.tokens = (state.tokens + now.duration_since(state.at).as_secs_f64() * refill_per_sec)
            .min(f64::from(capacity));
        state.at = now;
        if state.tokens >= 1.0 {
            state.tokens -= 1.0;
            Decision::Granted {
                remaining: state.tokens.floor() as u64,
            }
        } else {
            let wait = (1.0 - state.tokens) / refill_per_sec;
            Decision::Refused {
                retry_after_secs: (wait.ceil() as u64).max(1),
            }
        }
    }

    fn answer(&self) -> Vec<u8> {
        let decision = self.take();
        let bad = *self.bad_headers.lock().unwrap();
        let capacity = self.bucket.capacity;
        let limit = if bad.limit_zero {
            "0".to_owned()
        } else {
            capacity.to_string()
        };
        let remaining = |count: u64| {
            if bad.remaining_not_a_number {
                "soon".to_owned()
            } else {
                count.to_string()
            }
        };
        let (status, mut headers, body) = match decision {
            Decision::Granted { remaining: left } => (
                "200 OK",
                vec![("RateLimit-Remaining", remaining(left))],
                self.job.clone(),
            ),
            Decision::Refused { retry_after_secs } => {
                self.rate_limited.fetch_add(1, Ordering::Relaxed);
                let retry_after = if bad.retry_after_a_year {
                    31_536_000
                } else {
                    retry_after_secs
                };
                let body = serde_json::json!({
                    "detail": format!(
                        "You have exceeded the rate limit of {capacity} requests \
                         ({} per second). Retry after {retry_after} seconds.",
                        self.bucket.refill_per_sec
                    ),
                    "error": 429,
                    "errorCode": "RATE_LIMITED",
                    "reason": "Too Many Requests",
                });
                (
                    "429 Too Many Requests",
                    vec![
                        ("Retry-After", retry_after.to_string()),
                        ("RateLimit-Remaining", remaining(0)),
                    ],
                    serde_json::to_vec(&body).unwrap(),
                )
            }
        };
        headers.push(("RateLimit-Limit", limit));
        let mut text = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {VERSIONED}\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("\r\n");
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&body);
        bytes
    }
}

/// The server; dropping it stops it.
pub struct TokenBucketServer {
    address: String,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl TokenBucketServer {
    pub async fn start(bucket: Bucket) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            bucket,
            tokens: Mutex::new(Tokens {
                tokens: f64::from(bucket.capacity),
                at: Instant::now(),
            }),
            bad_headers: Mutex::new(bucket.bad_headers),
            requests: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            peak_in_flight: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            job: serde_json::to_vec(&super::atlas_like::export_job()).unwrap(),
        });
        let serving = shared.clone();
        let accept = tokio::spawn(async move {
            // Owned by this task: aborting it aborts every connection.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let _ = stream.set_nodelay(true);
                        serving.connections.fetch_add(1, Ordering::Relaxed);
                        connections.spawn(serve(stream, serving.clone()));
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        TokenBucketServer {
            address,
            shared,
            accept,
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn uri(&self) -> String {
        self.address.clone()
    }

    pub fn bucket(&self) -> Bucket {
        self.shared.bucket
    }

    pub fn counts(&self) -> Counts {
        let shared = &self.shared;
        Counts {
            requests: shared.requests.load(Ordering::SeqCst),
            rate_limited: shared.rate_limited.load(Ordering::SeqCst),
            peak_in_flight: shared.peak_in_flight.load(Ordering::SeqCst),
            connections: shared.connections.load(Ordering::SeqCst),
        }
    }

    /// Sends these bad headers from now on ([`BadHeaders::NONE`] to stop).
    pub fn set_bad_headers(&self, bad_headers: BadHeaders) {
        *self.shared.bad_headers.lock().unwrap() = bad_headers;
    }

    /// Stops the server and closes every connection; when it returns, the port refuses
    /// connections.
    pub async fn stop(mut self) {
        self.accept.abort();
        let _ = (&mut self.accept).await;
    }
}

impl Drop for TokenBucketServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Counts a request in flight until dropped.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn new(shared: &'a Shared) -> Self {
        shared.requests.fetch_add(1, Ordering::Relaxed);
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One connection: request after request until the client closes it or asks to.
async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let mut buffer = Vec::new();
    while let Some(close) = read_request(&mut stream, &mut buffer).await {
        let in_flight = InFlight::new(&shared);
        let answer = shared.answer();
        let written = stream.write_all(&answer).await.is_ok();
        drop(in_flight);
        if !written || close {
            return;
        }
    }
}

/// Reads one request (head and body); whether the client asked to close the connection after
/// it, or `None` when it closed it or sent garbage.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<bool> {
    let mut chunk = [0; 8192];
    let end = loop {
        if let Some(at) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break at;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 || buffer.len() > 1 << 20 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let mut length = 0;
    let mut close = false;
    for line in head.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok()?;
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    buffer.drain(..end + 4);
    while buffer.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    buffer.drain(..length);
    Some(close)
}

/// What a run cost.
#[derive(Debug, Clone)]
pub struct Figures {
    pub capacity: u32,
    pub refill_per_sec: f64,
    pub calls: u64,
    pub in_flight: usize,
    /// Calls that ended in an error, and how many of each kind (an HTTP status, or the error's
    /// message when there is none).
    pub failed: u64,
    pub failures: BTreeMap<String, u64>,
    /// What the server saw during the run.
    pub requests: u64,
    pub rate_limited: u64,
    pub server_peak_in_flight: u64,
    pub connections: u64,
    pub wall: Duration,
    /// (calls - capacity) / refill.
    pub ideal: Duration,
    /// Latency of a call (retries and waits included), over every call.
    pub p50: Duration,
    pub p99: Duration,
}

impl Figures {
    pub fn wall_over_ideal(&self) -> f64 {
        self.wall.as_secs_f64() / self.ideal.as_secs_f64()
    }

    /// 429s among the requests the server received.
    pub fn rate_limited_share(&self) -> f64 {
        self.rate_limited as f64 / (self.requests.max(1)) as f64
    }

    pub fn failed_share(&self) -> f64 {
        self.failed as f64 / (self.calls.max(1)) as f64
    }
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failures: Vec<String> = self
            .failures
            .iter()
            .map(|(kind, count)| format!("{kind} x{count}"))
            .collect();
        write!(
            f,
            "C={} R={}/s, {} calls, {} in flight: failed {} ({:.1} %{}); requests {}, 429s {} \
             ({:.1} % of requests); wall {:.2} s, ideal {:.2} s, wall/ideal {:.2}; latency p50 \
             {:.3} s, p99 {:.3} s; server peak in flight {}, connections {}",
            self.capacity,
            self.refill_per_sec,
            self.calls,
            self.in_flight,
            self.failed,
            100.0 * self.failed_share(),
            if failures.is_empty() {
                String::new()
            } else {
                format!(": {}", failures.join(", "))
            },
            self.requests,
            self.rate_limited,
            100.0 * self.rate_limited_share(),
            self.wall.as_secs_f64(),
            self.ideal.as_secs_f64(),
            self.wall_over_ideal(),
            self.p50.as_secs_f64(),
            self.p99.as_secs_f64(),
            self.server_peak_in_flight,
            self.connections,
        )
    }
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * share).round() as usize;
    sorted[index]
}

/// One call: `None` when it succeeded, else the kind of its failure.
async fn call(
    client: Client,
    group: GroupId,
    cluster: ClusterName,
    export: ExportId,
) -> (Option<String>, Duration) {
    let started = Instant::now();
    let result = client.get_backup_export(&group, &cluster, &export).await;
    let failure = result.err().map(|error| match error.status() {
        Some(status) => status.as_u16().to_string(),
        None => error.to_string(),
    });
    (failure, started.elapsed())
}

/// Makes `calls` calls of `get_backup_export` through `client` (which must point at `server`),
/// `in_flight` at a time, and measures them. Panics if the run takes more than 10 minutes.
pub async fn run(
    server: &TokenBucketServer,
    client: Client,
    calls: u64,
    in_flight: usize,
) -> Figures {
    let group: GroupId = GROUP.parse().unwrap();
    let cluster: ClusterName = CLUSTER.parse().unwrap();
    let export: ExportId = EXPORT.parse().unwrap();
    let before = server.counts();
    let started = Instant::now();
    let mut running = JoinSet::new();
    let mut next = 0;
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    let mut latencies = Vec::with_capacity(usize::try_from(calls).unwrap_or(0));
    let finished = tokio::time::timeout(Duration::from_secs(600), async {
        loop {
            while running.len() < in_flight && next < calls {
                running.spawn(call(
                    client.clone(),
                    group.clone(),
                    cluster.clone(),
                    export.clone(),
                ));
                next += 1;
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            let (failure, latency) = joined.expect("a call panicked");
            if let Some(kind) = failure {
                *failures.entry(kind).or_default() += 1;
            }
            latencies.push(latency);
        }
    })
    .await;
    let wall = started.elapsed();
    assert!(finished.is_ok(), "the run did not finish in 600 s");
    let after = server.counts();
    latencies.sort();
    let bucket = server.bucket();
    Figures {
        capacity: bucket.capacity,
        refill_per_sec: bucket.refill_per_sec,
        calls,
        in_flight,
        failed: failures.values().sum(),
        failures,
        requests: after.requests - before.requests,
        rate_limited: after.rate_limited - before.rate_limited,
        server_peak_in_flight: after.peak_in_flight,
        connections: after.connections - before.connections,
        wall,
        ideal: bucket.ideal(calls),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
    }
}
