//! A local server that authenticates like Atlas: it issues real HTTP Digest challenges (RFC
//! 7616, MD5 or SHA-256, `qop=auth`) for API keys, serves the OAuth 2.0 client-credentials
//! token endpoint for service accounts, and answers the four operations with realistic bodies.
//! It runs on wiremock, bound to 127.0.0.1, and verifies every credential it is shown with its
//! own hashing (md-5/sha2), independent of the client's digest crate.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use md5::Md5;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const VERSIONED: &str = "application/vnd.atlas.2023-01-01+json";
pub const CLIENT_ID: &str = "mdb_sa_id_67f3b8c9d2e1a0";
pub const CLIENT_SECRET: &str = "mdb_sa_sk_very-secret-value";
pub const PUBLIC_KEY: &str = "abcdefgh";
pub const PRIVATE_KEY: &str = "0f1e2d3c-private-key-4b5a";
pub const REALM: &str = "MMS Public API";

/// What the server has seen and how it behaves; tests read and steer it.
pub struct State {
    /// Token lifetime announced in `expires_in`, in seconds.
    pub token_lifetime: AtomicU64,
    pub tokens_issued: AtomicUsize,
    pub valid_tokens: Mutex<BTreeSet<String>>,
    /// Digest algorithm of new challenges: `MD5` or `SHA-256`.
    pub algorithm: Mutex<&'static str>,
    /// The nonce currently issued; answers to older nonces get a `stale=true` challenge.
    pub nonce: Mutex<String>,
    pub issued_nonces: Mutex<BTreeSet<String>>,
    /// Highest nonce count seen per nonce, to reject replays.
    pub nonce_counts: Mutex<BTreeMap<String, u32>>,
    pub challenges_sent: AtomicUsize,
    /// Authenticated operation requests and their bodies.
    pub api_calls: AtomicUsize,
    pub bodies: Mutex<Vec<Vec<u8>>>,
}

impl State {
    fn new() -> Self {
        State {
            token_lifetime: AtomicU64::new(3600),
            tokens_issued: AtomicUsize::new(0),
            valid_tokens: Mutex::new(BTreeSet::new()),
            algorithm: Mutex::new("MD5"),
            nonce: Mutex::new("nonce-1".to_owned()),
            issued_nonces: Mutex::new(BTreeSet::from(["nonce-1".to_owned()])),
            nonce_counts: Mutex::new(BTreeMap::new()),
            challenges_sent: AtomicUsize::new(0),
            api_calls: AtomicUsize::new(0),
            bodies: Mutex::new(Vec::new()),
        }
    }

    /// Starts a new nonce: answers to the old one are now stale.
    pub fn rotate_nonce(&self) {
        let mut nonce = self.nonce.lock().unwrap();
        let next = format!("nonce-{}", self.issued_nonces.lock().unwrap().len() + 1);
        self.issued_nonces.lock().unwrap().insert(next.clone());
        *nonce = next;
    }

    /// Revokes every token issued so far (as rotating a service account's secret does).
    pub fn revoke_all_tokens(&self) {
        self.valid_tokens.lock().unwrap().clear();
    }
}

pub struct AtlasLike {
    pub server: MockServer,
    pub state: Arc<State>,
}

impl AtlasLike {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(State::new());
        Mock::given(method("POST"))
            .and(path("/api/oauth/token"))
            .respond_with(TokenEndpoint(state.clone()))
            .mount(&server)
            .await;
        Mock::given(path_regex("^/api/atlas/v2/"))
            .respond_with(Operations(state.clone()))
            .mount(&server)
            .await;
        AtlasLike { server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }
}

fn api_error(status: u16, code: &str, detail: &str) -> ResponseTemplate {
    let reason = match status {
        401 => "Unauthorized",
        _ => "Error",
    };
    ResponseTemplate::new(status).set_body_json(
        json!({"error": status, "errorCode": code, "detail": detail, "reason": reason}),
    )
}

struct TokenEndpoint(Arc<State>);

impl Respond for TokenEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
        );
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("")
        };
        if header("authorization") != expected {
            return ResponseTemplate::new(401)
                .set_body_json(json!({"error": "invalid_client", "error_description": "Invalid client credentials"}));
        }
        if header("content-type") != "application/x-www-form-urlencoded"
            || request.body != b"grant_type=client_credentials"
            || header("accept") != "application/json"
        {
            return ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_request"}));
        }
        let number = self.0.tokens_issued.fetch_add(1, Ordering::SeqCst) + 1;
        let token = format!("access-token-{number}");
        self.0.valid_tokens.lock().unwrap().insert(token.clone());
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": token,
            "expires_in": self.0.token_lifetime.load(Ordering::SeqCst),
            "token_type": "Bearer"
        }))
    }
}

struct Operations(Arc<State>);

/// `key="value", key=value, …` after the scheme name.
fn auth_params(header: &str) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').unwrap_or(quoted.len());
                (&quoted[..end], quoted[end..].trim_start_matches('"'))
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim(), &after[end..])
            }
        };
        params.insert(key.trim().to_owned(), value.to_owned());
        rest = next.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
    }
    params
}

fn hash(algorithm: &str, data: &str) -> String {
    let bytes: Vec<u8> = match algorithm {
        "SHA-256" => Sha256::digest(data.as_bytes()).to_vec(),
        _ => Md5::digest(data.as_bytes()).to_vec(),
    };
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A `WWW-Authenticate` Digest challenge as Atlas words it.
pub fn digest_challenge(nonce: &str, algorithm: &str, stale: bool) -> String {
    format!(
        r#"Digest realm="{REALM}", domain="", nonce="{nonce}", algorithm={algorithm}, qop="auth", stale={stale}"#
    )
}

/// The nonce and nonce count of `header` (what follows `Digest `) when it is a valid answer,
/// with the test key and `algorithm`, for a request with `method` and `target` (path and
/// query); `None` when it is not.
pub fn valid_digest_answer(
    method: &str,
    target: &str,
    header: &str,
    algorithm: &str,
) -> Option<(String, u32)> {
    let params = auth_params(header);
    let get = |key: &str| params.get(key).map(String::as_str).unwrap_or("");
    let used = match get("algorithm") {
        "" => "MD5",
        named => named,
    };
    let nonce = get("nonce");
    let ha1 = hash(used, &format!("{}:{REALM}:{PRIVATE_KEY}", get("username")));
    let ha2 = hash(used, &format!("{method}:{}", get("uri")));
    let expected = hash(
        used,
        &format!(
            "{ha1}:{nonce}:{}:{}:{}:{ha2}",
            get("nc"),
            get("cnonce"),
            get("qop")
        ),
    );
    let valid = get("username") == PUBLIC_KEY
        && get("realm") == REALM
        && get("uri") == target
        && get("qop") == "auth"
        && used == algorithm
        && get("response") == expected;
    let count = u32::from_str_radix(get("nc"), 16).ok()?;
    valid.then(|| (nonce.to_owned(), count))
}

impl Operations {
    fn challenge(&self, stale: bool) -> ResponseTemplate {
        self.0.challenges_sent.fetch_add(1, Ordering::SeqCst);
        let nonce = self.0.nonce.lock().unwrap().clone();
        let algorithm = *self.0.algorithm.lock().unwrap();
        let header = digest_challenge(&nonce, algorithm, stale);
        api_error(
            401,
            "UNAUTHORIZED",
            "You are not authorized for this resource.",
        )
        .insert_header("WWW-Authenticate", header.as_str())
    }

    /// `None` when the request carries valid credentials, else the response to send.
    fn rejection(&self, request: &Request) -> Option<ResponseTemplate> {
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|value| value.to_str().ok());
        match authorization {
            Some(bearer) if bearer.starts_with("Bearer ") => {
                let token = &bearer["Bearer ".len()..];
                if self.0.valid_tokens.lock().unwrap().contains(token) {
                    None
                } else {
                    Some(api_error(
                        401,
                        "INVALID_TOKEN",
                        "The access token is invalid or expired.",
                    ))
                }
            }
            Some(digest) if digest.starts_with("Digest ") => {
                self.verify_digest(request, &digest["Digest ".len()..])
            }
            _ => Some(self.challenge(false)),
        }
    }

    fn verify_digest(&self, request: &Request, header: &str) -> Option<ResponseTemplate> {
        let target = match request.url.query() {
            Some(query) => format!("{}?{query}", request.url.path()),
            None => request.url.path().to_owned(),
        };
        let algorithm = *self.0.algorithm.lock().unwrap();
        let Some((nonce, count)) =
            valid_digest_answer(request.method.as_str(), &target, header, algorithm)
        else {
            return Some(self.challenge(false));
        };
        if nonce != *self.0.nonce.lock().unwrap() {
            return Some(self.challenge(self.0.issued_nonces.lock().unwrap().contains(&nonce)));
        }
        let mut counts = self.0.nonce_counts.lock().unwrap();
        let last = counts.entry(nonce).or_insert(0);
        if count <= *last {
            return Some(api_error(
                401,
                "REPLAYED_NONCE_COUNT",
                "Nonce count must increase.",
            ));
        }
        *last = count;
        None
    }
}

/// Bodies that the four operations answer with.
pub fn export_job() -> Value {
    json!({
        "createdAt": "2024-05-01T10:15:30Z",
        "exportBucketId": "32b6e34b3d91647abb20e7b8",
        "id": "5f1e2d3c4b5a69788796a5b4",
        "snapshotId": "32b6e34b3d91647abb20e7b8",
        "state": "Successful"
    })
}

fn body_for(path: &str) -> Value {
    if path.contains("/backup/exports") {
        export_job()
    } else if path.contains("/restoreJobs/") {
        json!({"deliveryType": "automated", "id": "6a7b8c9d0e1f2a3b4c5d6e7f", "cancelled": false})
    } else {
        json!({"id": "0123456789abcdef01234567", "restorable": true, "parts": [{"typeName": "CONFIG_SERVER"}]})
    }
}

impl Respond for Operations {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if let Some(rejection) = self.rejection(request) {
            return rejection;
        }
        let accept = request
            .headers
            .get("accept")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        if accept != VERSIONED {
            return api_error(
                406,
                "INVALID_VERSION_DATE",
                "Invalid or missing resource version.",
            );
        }
        self.0.api_calls.fetch_add(1, Ordering::SeqCst);
        self.0.bodies.lock().unwrap().push(request.body.clone());
        ResponseTemplate::new(200).set_body_raw(body_for(request.url.path()).to_string(), VERSIONED)
    }
}
