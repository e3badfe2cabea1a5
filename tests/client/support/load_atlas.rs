//! An Atlas-like server for the load and chaos test, on the raw [`ChaosServer`]: it
//! authenticates like Atlas (the OAuth token endpoint, tokens that expire and can be revoked,
//! Digest challenges whose nonce can be rotated, answered `stale=true`, and nonce counts that
//! must never repeat), then injects a fault into a share of the authenticated requests, chosen
//! by a fixed hash of (call, delivery), and records what it did to each call.
//!
//! A call is named by its cluster name, `load-<n>`, so the server can tell which call each
//! request belongs to.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::json;

use super::atlas_like::{self, CLIENT_ID, CLIENT_SECRET};
use super::chaos::{Answer, ChaosServer, RawRequest};

/// What the server did with one authenticated request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// A 200 with the call's export job.
    None,
    /// The same, its body sent in 10 pieces over about 100 ms.
    Slow,
    /// 429 without `Retry-After`.
    RateLimited,
    /// 429 with `Retry-After: 1`.
    RateLimitedRetryAfter,
    /// 503.
    Unavailable,
    /// The connection reset before any response.
    ResetBeforeResponse,
    /// A 200 whose connection is reset after half its body.
    ResetMidBody,
    /// A 200 whose connection is closed after half its body.
    Truncated,
    /// A 200 with a complete body that is not the JSON it should be.
    BadJson,
    /// A 200 whose body never ends.
    Endless,
}

/// Out of 1,000 authenticated requests, how many get each fault.
const MIX: [(Fault, u64); 10] = [
    (Fault::None, 690),
    (Fault::Slow, 40),
    (Fault::RateLimited, 60),
    (Fault::RateLimitedRetryAfter, 20),
    (Fault::Unavailable, 60),
    (Fault::ResetBeforeResponse, 40),
    (Fault::ResetMidBody, 25),
    (Fault::Truncated, 25),
    (Fault::BadJson, 20),
    (Fault::Endless, 20),
];

/// splitmix64: a fixed, well-spread hash, so a run's faults are reproducible.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn fault_for(call: u64, delivery: u32) -> Fault {
    let mut roll = mix(call.wrapping_mul(31).wrapping_add(u64::from(delivery))) % 1000;
    for (fault, weight) in MIX {
        if roll < weight {
            return fault;
        }
        roll -= weight;
    }
    Fault::None
}

/// What the server knows of one call.
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub method: String,
    /// Authenticated requests (those that could have had an effect).
    pub deliveries: u32,
    /// The fault of the last one.
    pub last: Fault,
    last_at: Instant,
}

/// The wait between a 429 and the call's next authenticated request.
#[derive(Debug, Clone, Copy)]
pub struct RetryGap {
    pub after: Fault,
    pub gap: Duration,
}

#[derive(Default)]
struct Digest {
    nonce: u32,
    /// Nonce counts seen per nonce.
    counts: BTreeMap<u32, BTreeSet<u32>>,
}

pub struct LoadState {
    /// While set, the first delivery of every call gets a 429 without `Retry-After` (many
    /// calls rate-limited at once).
    pub burst: AtomicBool,
    token_lifetime_secs: u64,
    pub token_requests: AtomicUsize,
    tokens: Mutex<HashMap<String, Instant>>,
    digest: Mutex<Digest>,
    /// Nonce counts that arrived a second time for their nonce.
    pub repeated_nonce_counts: AtomicUsize,
    pub stale_challenges: AtomicUsize,
    pub first_challenges: AtomicUsize,
    /// 401s for a token that was revoked or had expired.
    pub rejected_tokens: AtomicUsize,
    /// Every request to an operation path, authenticated or not.
    pub api_requests: AtomicUsize,
    /// Requests that were not for a `load-<n>` call, or not understood.
    pub strays: AtomicUsize,
    calls: Mutex<HashMap<u64, CallRecord>>,
    gaps: Mutex<Vec<RetryGap>>,
}

impl LoadState {
    /// Revokes every token issued so far.
    pub fn revoke_tokens(&self) {
        self.tokens.lock().unwrap().clear();
    }

    /// Issues a new Digest nonce: answers to the old one get `stale=true`.
    pub fn rotate_nonce(&self) {
        self.digest.lock().unwrap().nonce += 1;
    }

    pub fn calls(&self) -> HashMap<u64, CallRecord> {
        self.calls.lock().unwrap().clone()
    }

    pub fn retry_gaps(&self) -> Vec<RetryGap> {
        self.gaps.lock().unwrap().clone()
    }

    fn token_endpoint(&self, request: &RawRequest) -> Answer {
        self.token_requests.fetch_add(1, Ordering::SeqCst);
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
        );
        if request.header("authorization") != expected {
            return json_answer(401, json!({"error": "invalid_client"}), vec![]);
        }
        let number = self.token_requests.load(Ordering::SeqCst);
        let token = format!("load-token-{number}");
        let expires = Instant::now() + Duration::from_secs(self.token_lifetime_secs);
        self.tokens.lock().unwrap().insert(token.clone(), expires);
        json_answer(
            200,
            json!({"access_token": token, "expires_in": self.token_lifetime_secs, "token_type": "Bearer"}),
            vec![],
        )
    }

    fn challenge(&self, stale: bool) -> Answer {
        let counter = if stale {
            &self.stale_challenges
        } else {
            &self.first_challenges
        };
        counter.fetch_add(1, Ordering::SeqCst);
        let nonce = format!("load-nonce-{}", self.digest.lock().unwrap().nonce);
        json_answer(
            401,
            json!({"error": 401, "errorCode": "UNAUTHORIZED", "reason": "Unauthorized"}),
            vec![(
                "www-authenticate",
                atlas_like::digest_challenge(&nonce, "MD5", stale),
            )],
        )
    }

    /// `None` when the request is authenticated, else the 401 to send.
    fn rejection(&self, request: &RawRequest) -> Option<Answer> {
        let authorization = request.header("authorization");
        if let Some(token) = authorization.strip_prefix("Bearer ") {
            let valid = self
                .tokens
                .lock()
                .unwrap()
                .get(token)
                .is_some_and(|expires| Instant::now() < *expires);
            if valid {
                return None;
            }
            self.rejected_tokens.fetch_add(1, Ordering::SeqCst);
            return Some(json_answer(
                401,
                json!({"error": 401, "errorCode": "INVALID_TOKEN", "reason": "Unauthorized"}),
                vec![],
            ));
        }
        let Some(header) = authorization.strip_prefix("Digest ") else {
            return Some(self.challenge(false));
        };
        let Some((nonce, count)) =
            atlas_like::valid_digest_answer(&request.method, &request.target, header, "MD5")
        else {
            return Some(self.challenge(false));
        };
        let mut digest = self.digest.lock().unwrap();
        let Some(number) = nonce
            .strip_prefix("load-nonce-")
            .and_then(|number| number.parse::<u32>().ok())
        else {
            drop(digest);
            return Some(self.challenge(false));
        };
        if number != digest.nonce {
            drop(digest);
            return Some(self.challenge(true));
        }
        if !digest.counts.entry(number).or_default().insert(count) {
            drop(digest);
            self.repeated_nonce_counts.fetch_add(1, Ordering::SeqCst);
            return Some(json_answer(
                401,
                json!({"error": 401, "errorCode": "REPLAYED_NONCE_COUNT", "reason": "Unauthorized"}),
                vec![],
            ));
        }
        None
    }

    fn operation(&self, request: &RawRequest) -> Answer {
        self.api_requests.fetch_add(1, Ordering::SeqCst);
        if let Some(rejection) = self.rejection(request) {
            return rejection;
        }
        let Some(call) = call_of(&request.target) else {
            self.strays.fetch_add(1, Ordering::SeqCst);
            return json_answer(404, json!({"error": 404, "errorCode": "NOT_FOUND"}), vec![]);
        };
        let now = Instant::now();
        let fault = {
            let mut calls = self.calls.lock().unwrap();
            let record = calls.entry(call).or_insert_with(|| CallRecord {
                method: request.method.clone(),
                deliveries: 0,
                last: Fault::None,
                last_at: now,
            });
            if record.deliveries == 1
                && matches!(
                    record.last,
                    Fault::RateLimited | Fault::RateLimitedRetryAfter
                )
            {
                self.gaps.lock().unwrap().push(RetryGap {
                    after: record.last,
                    gap: now - record.last_at,
                });
            }
            record.deliveries += 1;
            let fault = if record.deliveries == 1 && self.burst.load(Ordering::SeqCst) {
                Fault::RateLimited
            } else {
                fault_for(call, record.deliveries)
            };
            record.last = fault;
            record.last_at = now;
            fault
        };
        let job = serde_json::to_vec(&export_job(call)).unwrap();
        match fault {
            Fault::None => json_bytes(200, job, vec![]),
            Fault::Slow => Answer::Slow {
                status: 200,
                body: job,
                pieces: 10,
                pause: Duration::from_millis(10),
            },
            Fault::RateLimited => json_answer(429, rate_limited(), vec![]),
            Fault::RateLimitedRetryAfter => {
                json_answer(429, rate_limited(), vec![("retry-after", "1".to_owned())])
            }
            Fault::Unavailable => json_answer(
                503,
                json!({"error": 503, "errorCode": "SERVICE_UNAVAILABLE", "reason": "Service Unavailable"}),
                vec![],
            ),
            Fault::ResetBeforeResponse => Answer::ResetBeforeResponse,
            Fault::ResetMidBody => Answer::ResetMidBody {
                status: 200,
                body: job,
            },
            Fault::Truncated => Answer::Truncated {
                status: 200,
                body: job,
            },
            Fault::BadJson => json_bytes(200, job[..job.len() / 2].to_vec(), vec![]),
            Fault::Endless => Answer::Endless,
        }
    }
}

fn rate_limited() -> serde_json::Value {
    json!({"error": 429, "errorCode": "RATE_LIMITED", "reason": "Too Many Requests"})
}

/// The export job a call gets: its id is the call number in hex.
pub fn export_job(call: u64) -> serde_json::Value {
    let mut job = atlas_like::export_job();
    job["id"] = json!(format!("{call:024x}"));
    job
}

/// `n` of a target `…/clusters/load-<n>/…`.
fn call_of(target: &str) -> Option<u64> {
    let (_, after) = target.split_once("/clusters/load-")?;
    after.split('/').next()?.parse().ok()
}

fn json_answer(
    status: u16,
    body: serde_json::Value,
    headers: Vec<(&'static str, String)>,
) -> Answer {
    json_bytes(status, serde_json::to_vec(&body).unwrap(), headers)
}

fn json_bytes(status: u16, body: Vec<u8>, headers: Vec<(&'static str, String)>) -> Answer {
    Answer::Full {
        status,
        headers,
        body,
    }
}

pub struct LoadAtlas {
    pub server: ChaosServer,
    pub state: Arc<LoadState>,
}

impl LoadAtlas {
    /// Tokens it issues last `token_lifetime_secs` (and are then refused).
    pub async fn start(token_lifetime_secs: u64) -> Self {
        let state = Arc::new(LoadState {
            burst: AtomicBool::new(false),
            token_lifetime_secs,
            token_requests: AtomicUsize::new(0),
            tokens: Mutex::new(HashMap::new()),
            digest: Mutex::new(Digest::default()),
            repeated_nonce_counts: AtomicUsize::new(0),
            stale_challenges: AtomicUsize::new(0),
            first_challenges: AtomicUsize::new(0),
            rejected_tokens: AtomicUsize::new(0),
            api_requests: AtomicUsize::new(0),
            strays: AtomicUsize::new(0),
            calls: Mutex::new(HashMap::new()),
            gaps: Mutex::new(Vec::new()),
        });
        let handler_state = state.clone();
        let server = ChaosServer::start(Arc::new(move |request: &RawRequest| {
            if request.method == "POST" && request.target == "/api/oauth/token" {
                handler_state.token_endpoint(request)
            } else if request.target.starts_with("/api/atlas/v2/") {
                handler_state.operation(request)
            } else {
                handler_state.strays.fetch_add(1, Ordering::SeqCst);
                json_answer(404, json!({"error": 404}), vec![])
            }
        }))
        .await;
        LoadAtlas { server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }
}
