//! A default client against Atlas's rate limit (`support/token_bucket.rs`: one token bucket
//! for every request, 127.0.0.1 only), many calls at once.
//!
//! Asserted for each scenario: no call fails, at most 2 % of the requests the server receives
//! are answered 429, and the run takes at most 1.1 times the ideal time, (calls - capacity) /
//! refill. The figures are printed before the assertions (`--nocapture`), one line per
//! scenario starting `rate_limits <name>:`, so `scripts/bench-rate-limits` can compare this
//! client with the one before its rate limiter (commit 373730e), against which the
//! assertions fail.
//!
//! The plain test run does `short` (about 10 s) and checks the server itself; `large` and
//! `small` (about 30 s each) are `#[ignore]`d and run explicitly: `cargo test --release -p
//! atlas-codegen-tests --test client rate_limits:: -- --ignored --nocapture`, or
//! `scripts/bench-rate-limits` for the before and after.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::token_bucket::{self, BadHeaders, Bucket, TokenBucketServer, VERSIONED};
use atlas_admin::models::DiskBackupExportJob;
use atlas_admin::{Client, Credentials};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The client a user gets without configuring anything but where and who.
fn default_client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials(Credentials::bearer_token("rate-limit-bench-token"))
        .build()
        .unwrap()
}

/// Runs `calls` calls, `in_flight` at a time, through a default client against a fresh
/// bucket; prints the figures, then asserts.
async fn scenario(name: &str, bucket: Bucket, calls: u64, in_flight: usize) {
    let server = TokenBucketServer::start(bucket).await;
    let figures = token_bucket::run(&server, default_client(&server.uri()), calls, in_flight).await;
    println!("rate_limits {name}: {figures}");
    server.stop().await;

    let mut broken = Vec::new();
    if figures.failed > 0 {
        broken.push(format!("{} calls failed", figures.failed));
    }
    if figures.rate_limited_share() > 0.02 {
        broken.push(format!(
            "{:.1} % of requests answered 429 (at most 2 %)",
            100.0 * figures.rate_limited_share()
        ));
    }
    if figures.wall > figures.ideal.mul_f64(1.1) {
        broken.push(format!(
            "wall {:.2} s > 1.1 x ideal {:.2} s",
            figures.wall.as_secs_f64(),
            figures.ideal.as_secs_f64()
        ));
    }
    assert!(broken.is_empty(), "{name}: {}", broken.join("; "));
}

/// C=50, R=100/s, 3,000 calls, 200 in flight: ideal 29.5 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "about 30 s: run explicitly (CI, scripts/bench-rate-limits)"]
async fn large() {
    scenario("large", Bucket::new(50, 100.0), 3_000, 200).await;
}

/// C=20, R=20/s, 600 calls, 20 in flight: ideal 29 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "about 30 s: run explicitly (CI, scripts/bench-rate-limits)"]
async fn small() {
    scenario("small", Bucket::new(20, 20.0), 600, 20).await;
}

/// `small` cut to 220 calls: ideal 10 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short() {
    scenario("short", Bucket::new(20, 20.0), 220, 20).await;
}

/// A count that is not a number and a limit of 0 are not believed (each is logged once):
/// the client falls back to its slow start, finds the endpoint answering, and calls flow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonsense_rate_limit_headers_do_not_stall_the_calls() {
    let bucket = Bucket::new(1_000, 1_000.0).bad_headers(BadHeaders {
        remaining_not_a_number: true,
        limit_zero: true,
        ..BadHeaders::NONE
    });
    let server = TokenBucketServer::start(bucket).await;
    let figures = token_bucket::run(&server, default_client(&server.uri()), 300, 20).await;
    println!("rate_limits nonsense headers: {figures}");
    server.stop().await;
    assert_eq!(figures.failed, 0);
    assert_eq!(figures.rate_limited, 0);
    assert!(
        figures.wall < std::time::Duration::from_secs(10),
        "{:?}",
        figures.wall
    );
}

/// An answer as it came off the wire.
struct RawAnswer {
    status: u16,
    /// Header names in lower case.
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl RawAnswer {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// One kept-alive HTTP/1.1 connection, independent of the client under test.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(base_url: &str) -> Self {
        let address = base_url.strip_prefix("http://").unwrap();
        Connection {
            stream: TcpStream::connect(address).await.unwrap(),
            buffer: Vec::new(),
        }
    }

    async fn get(&mut self) -> RawAnswer {
        let request = format!(
            "GET /api/atlas/v2/groups/{}/clusters/{}/backup/exports/{} HTTP/1.1\r\nHost: \
             127.0.0.1\r\nAccept: {VERSIONED}\r\nAuthorization: Bearer anything\r\n\r\n",
            token_bucket::GROUP,
            token_bucket::CLUSTER,
            token_bucket::EXPORT
        );
        self.stream.write_all(request.as_bytes()).await.unwrap();
        let mut chunk = [0; 8192];
        let end = loop {
            if let Some(at) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            let read = self.stream.read(&mut chunk).await.unwrap();
            assert!(read > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..read]);
        };
        let head = String::from_utf8(self.buffer[..end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: BTreeMap<String, String> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let length: usize = headers["content-length"].parse().unwrap();
        self.buffer.drain(..end + 4);
        while self.buffer.len() < length {
            let read = self.stream.read(&mut chunk).await.unwrap();
            assert!(read > 0, "the server closed the connection mid-body");
            self.buffer.extend_from_slice(&chunk[..read]);
        }
        let body = self.buffer.drain(..length).collect();
        RawAnswer {
            status,
            headers,
            body,
        }
    }
}

fn assert_granted(answer: &RawAnswer, limit: &str, remaining: &str) {
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), VERSIONED);
    assert_eq!(answer.header("ratelimit-limit"), limit);
    assert_eq!(answer.header("ratelimit-remaining"), remaining);
    let job: DiskBackupExportJob = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        job.id.as_ref().map(|id| id.as_str()),
        Some(token_bucket::EXPORT)
    );
}

fn assert_refused(answer: &RawAnswer, limit: &str, retry_after: &str) {
    assert_eq!(answer.status, 429);
    assert_eq!(answer.header("content-type"), VERSIONED);
    assert_eq!(answer.header("ratelimit-limit"), limit);
    assert_eq!(answer.header("ratelimit-remaining"), "0");
    assert_eq!(answer.header("retry-after"), retry_after);
    let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(body["error"], 429);
    assert_eq!(body["errorCode"], "RATE_LIMITED");
    assert_eq!(body["reason"], "Too Many Requests");
    assert!(body["detail"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_answers_like_a_token_bucket() {
    // Five tokens, one back every 500 ms.
    let server = TokenBucketServer::start(Bucket::new(5, 2.0)).await;
    let mut connection = Connection::open(&server.uri()).await;
    for remaining in ["4", "3", "2", "1", "0"] {
        assert_granted(&connection.get().await, "5", remaining);
    }
    // Empty: refused, and told to wait the time until a token is back, rounded up to 1 s.
    assert_refused(&connection.get().await, "5", "1");
    // The refusal took nothing: 1/R later, one token is back, and only one.
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert_granted(&connection.get().await, "5", "0");
    assert_refused(&connection.get().await, "5", "1");
    // All of it on one kept-alive connection.
    let counts = server.counts();
    assert_eq!(counts.requests, 8);
    assert_eq!(counts.rate_limited, 2);
    assert_eq!(counts.connections, 1);
    assert_eq!(counts.peak_in_flight, 1);

    // It fills up to its capacity and no further.
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    for remaining in ["4", "3", "2", "1", "0"] {
        assert_granted(&connection.get().await, "5", remaining);
    }
    assert_refused(&connection.get().await, "5", "1");

    // Stopped: the connection is closed and the port refuses new ones.
    let uri = server.uri();
    server.stop().await;
    let mut byte = [0; 1];
    let read = tokio::time::timeout(Duration::from_secs(5), connection.stream.read(&mut byte))
        .await
        .expect("the connection stayed open");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert!(TcpStream::connect(uri.strip_prefix("http://").unwrap())
        .await
        .is_err());
}

#[tokio::test]
async fn retry_after_is_the_time_until_a_token_rounded_up() {
    // One token every 4 s.
    let server = TokenBucketServer::start(Bucket::new(1, 0.25)).await;
    let mut connection = Connection::open(&server.uri()).await;
    assert_granted(&connection.get().await, "1", "0");
    assert_refused(&connection.get().await, "1", "4");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_refused(&connection.get().await, "1", "3");
}

#[tokio::test]
async fn bad_headers_are_sent_when_asked() {
    let server = TokenBucketServer::start(Bucket::new(1, 0.5).bad_headers(BadHeaders::ALL)).await;
    let mut connection = Connection::open(&server.uri()).await;
    let granted = connection.get().await;
    assert_eq!(granted.status, 200);
    assert_eq!(granted.header("ratelimit-limit"), "0");
    assert_eq!(granted.header("ratelimit-remaining"), "soon");
    let refused = connection.get().await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("ratelimit-limit"), "0");
    assert_eq!(refused.header("ratelimit-remaining"), "soon");
    assert_eq!(refused.header("retry-after"), "31536000");

    // Each can be switched on and off while the server runs.
    server.set_bad_headers(BadHeaders {
        retry_after_a_year: true,
        ..BadHeaders::NONE
    });
    assert_refused(&connection.get().await, "1", "31536000");
    server.set_bad_headers(BadHeaders::NONE);
    assert_refused(&connection.get().await, "1", "2");
}
