//! Credentials and how they are attached to requests.
//!
//! Atlas accepts two schemes (the spec's `securitySchemes`), plus a plain bearer token:
//! - service accounts: OAuth 2.0 client credentials. The access token is fetched from the
//!   token endpoint, cached, refreshed shortly before it expires, and fetched once for any
//!   number of concurrent calls; a 401 on a token that was revoked or expired early triggers
//!   one refresh and one retry (in `transport.rs`).
//! - API keys: HTTP Digest (RFC 7616, MD5 or SHA-256, `qop=auth`). The first request draws a
//!   challenge; later requests answer the cached challenge with an increasing nonce count, and
//!   a `stale=true` challenge is answered again with the new nonce.
//!
//! Secrets live in [`SecretString`], whose `Debug` and `Display` never show the value; header
//! values carrying them are marked sensitive, and no error message includes them.
//!
//! Many calls at once: clones of a client share one `Authenticator`. OAuth: the token cache is an
//! async mutex held across the fetch, so concurrent callers wait for one request; a 401 clears the
//! cached token only if it is still the one that was refused, so 200 calls refused at once cause
//! one fetch. Digest: one cached challenge behind a mutex; each answer takes the next nonce count
//! under it. A `stale=true` (or first-contact) challenge is installed only by the first call that
//! meets it: a call whose rejected answer used a nonce that is no longer cached (another call
//! already installed the new one) keeps the cache, because replacing it would restart the nonce
//! count at 1 and the server would take the counts it already accepted for replays (the
//! load-and-chaos test found exactly that, and fails without the rule). A 401 is answered by
//! re-authenticating once per attempt (the flag resets when a retry starts, so a nonce that went
//! stale during a `Retry-After` wait does not fail the call); two 401s in a row end the call.

use std::fmt;
use std::time::{Duration, Instant};

use digest_auth::{AuthContext, HttpMethod, WwwAuthenticateHeader};
use http::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use serde::Deserialize;

use crate::body::{read_limited, retained_text, BodyError, MAX_ERROR_BODY};
use crate::error::{AuthError, AuthErrorKind, Error};
use crate::transport_error::{size_text, Stage, Timeouts, TransportError};

/// The environment variable holding a service account's client id.
pub const ENV_CLIENT_ID: &str = "MONGODB_ATLAS_CLIENT_ID";
/// The environment variable holding a service account's client secret.
pub const ENV_CLIENT_SECRET: &str = "MONGODB_ATLAS_CLIENT_SECRET";
/// The environment variable holding an API key's public part.
pub const ENV_PUBLIC_API_KEY: &str = "MONGODB_ATLAS_PUBLIC_API_KEY";
/// The environment variable holding an API key's private part.
pub const ENV_PRIVATE_API_KEY: &str = "MONGODB_ATLAS_PRIVATE_API_KEY";

/// A secret (token, key, password). Its `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        SecretString(secret.into())
    }

    /// The secret itself. Call it only where the value must leave the process.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretString {
    fn from(secret: String) -> Self {
        SecretString(secret)
    }
}

impl From<&str> for SecretString {
    fn from(secret: &str) -> Self {
        SecretString(secret.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How the client authenticates to Atlas.
///
/// `#[non_exhaustive]`: build values with the constructors, so that adding a scheme is not a
/// breaking change.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// No `Authorization` header (for mock servers).
    #[default]
    Anonymous,
    /// `Authorization: Bearer <token>` with a token obtained elsewhere.
    BearerToken(SecretString),
    /// A service account (recommended by Atlas): OAuth 2.0 client credentials.
    ServiceAccount {
        /// The client id (`mdb_sa_id_…`).
        client_id: String,
        /// The client secret.
        client_secret: SecretString,
    },
    /// A programmatic API key (legacy): HTTP Digest with the public key as user name.
    ApiKey {
        /// The public key, sent as the user name.
        public_key: String,
        /// The private key, which signs each answer and is never sent.
        private_key: SecretString,
    },
}

impl Credentials {
    /// `Authorization: Bearer <token>` with a token obtained elsewhere.
    pub fn bearer_token(token: impl Into<SecretString>) -> Self {
        Credentials::BearerToken(token.into())
    }

    /// A service account: the client fetches, caches and refreshes its OAuth 2.0 tokens.
    pub fn service_account(
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Self {
        Credentials::ServiceAccount {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// A programmatic API key, answered with HTTP Digest.
    pub fn api_key(public_key: impl Into<String>, private_key: impl Into<SecretString>) -> Self {
        Credentials::ApiKey {
            public_key: public_key.into(),
            private_key: private_key.into(),
        }
    }

    /// Credentials from the variables Atlas tools already use: a service account
    /// (`MONGODB_ATLAS_CLIENT_ID`, `MONGODB_ATLAS_CLIENT_SECRET`) when either is set, else an
    /// API key (`MONGODB_ATLAS_PUBLIC_API_KEY`, `MONGODB_ATLAS_PRIVATE_API_KEY`). The error
    /// ([`AuthErrorKind::MissingCredentials`]) names the variables that are missing and says
    /// they were looked for in the environment.
    pub fn from_env() -> Result<Self, AuthError> {
        Self::from_source(|name| std::env::var(name).ok(), "the environment")
    }

    /// [`Credentials::from_env`] over any source of variables (a config file, a test).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, AuthError> {
        Self::from_source(lookup, "the variables looked up")
    }

    /// The credentials `lookup` gives; `source` says where it looks, for the error.
    fn from_source(
        lookup: impl Fn(&str) -> Option<String>,
        source: &str,
    ) -> Result<Self, AuthError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let pair = |first: &'static str, second: &'static str| match (get(first), get(second)) {
            (Some(a), Some(b)) => Ok(Some((a, b))),
            (None, None) => Ok(None),
            (None, Some(_)) => Err((first, second)),
            (Some(_), None) => Err((second, first)),
        };
        let missing = |(absent, present): (&str, &str), kind: &str| {
            AuthError::new(
                AuthErrorKind::MissingCredentials,
                format!("{absent} is not set in {source} ({present} is: {kind} needs both)"),
            )
        };
        match pair(ENV_CLIENT_ID, ENV_CLIENT_SECRET) {
            Ok(Some((id, secret))) => return Ok(Credentials::service_account(id, secret)),
            Err(variables) => return Err(missing(variables, "a service account")),
            Ok(None) => {}
        }
        match pair(ENV_PUBLIC_API_KEY, ENV_PRIVATE_API_KEY) {
            Ok(Some((public, private))) => Ok(Credentials::api_key(public, private)),
            Err(variables) => Err(missing(variables, "an API key")),
            Ok(None) => Err(AuthError::new(
                AuthErrorKind::MissingCredentials,
                format!(
                    "no Atlas credentials in {source}: set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} \
                     (service account) or {ENV_PUBLIC_API_KEY} and {ENV_PRIVATE_API_KEY} (API key)"
                ),
            )),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::BearerToken(token) => f.debug_tuple("BearerToken").field(token).finish(),
            Credentials::ServiceAccount {
                client_id,
                client_secret,
            } => f
                .debug_struct("ServiceAccount")
                .field("client_id", client_id)
                .field("client_secret", client_secret)
                .finish(),
            Credentials::ApiKey {
                public_key,
                private_key,
            } => f
                .debug_struct("ApiKey")
                .field("public_key", public_key)
                .field("private_key", private_key)
                .finish(),
        }
    }
}

/// A header value that reqwest's `Debug` output and connection logs will not show.
fn sensitive(value: &str) -> Result<HeaderValue, AuthError> {
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        AuthError::new(
            AuthErrorKind::InvalidCredentials,
            "credentials contain characters not allowed in a header",
        )
    })?;
    header.set_sensitive(true);
    Ok(header)
}

/// An access token from the token endpoint.
#[derive(Clone)]
pub(crate) struct CachedToken {
    token: SecretString,
    /// When to stop using it: a little before the server's expiry.
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// What the token endpoint's lifetime is assumed to be when it does not say (Atlas: 1 hour).
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// A token is refreshed this long before it expires, or at 90% of a shorter lifetime.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Per-client authentication state, built from [`Credentials`].
pub(crate) enum Authenticator {
    None,
    Bearer(HeaderValue),
    ServiceAccount {
        client_id: String,
        client_secret: SecretString,
        token_url: String,
        /// Held across the token request, so concurrent calls wait for one fetch.
        cache: tokio::sync::Mutex<Option<CachedToken>>,
    },
    Digest {
        public_key: String,
        private_key: SecretString,
        challenge: std::sync::Mutex<Option<WwwAuthenticateHeader>>,
    },
}

/// What was sent, so a 401 can be handled according to it.
pub(crate) enum Sent {
    Nothing,
    Static,
    Token(SecretString),
    /// An answer to the challenge with this nonce.
    DigestAnswer(String),
}

impl Authenticator {
    /// `token_path` is where the spec's OAuth 2.0 token endpoint lives, relative to
    /// `base_url` (`None`: the spec declares no client-credentials flow).
    pub(crate) fn new(
        credentials: &Credentials,
        base_url: &str,
        token_path: Option<&str>,
    ) -> Result<Self, AuthError> {
        Ok(match credentials {
            Credentials::Anonymous => Authenticator::None,
            Credentials::BearerToken(token) => {
                Authenticator::Bearer(sensitive(&format!("Bearer {}", token.expose_secret()))?)
            }
            Credentials::ServiceAccount {
                client_id,
                client_secret,
            } => {
                let path = token_path.ok_or_else(|| {
                    AuthError::new(
                        AuthErrorKind::Unsupported,
                        "the spec declares no OAuth 2.0 client-credentials flow",
                    )
                })?;
                Authenticator::ServiceAccount {
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    token_url: format!("{base_url}{path}"),
                    cache: tokio::sync::Mutex::new(None),
                }
            }
            Credentials::ApiKey {
                public_key,
                private_key,
            } => Authenticator::Digest {
                public_key: public_key.clone(),
                private_key: private_key.clone(),
                challenge: std::sync::Mutex::new(None),
            },
        })
    }

    /// The `Authorization` header for a request, if one can be computed before sending.
    /// `url` is where the request goes and `body` the encoded body.
    pub(crate) async fn authorize<B>(
        &self,
        http: &reqwest::Client,
        timeouts: Timeouts,
        method: &http::Method,
        url: &reqwest::Url,
        body: Option<&[u8]>,
    ) -> Result<(Option<HeaderValue>, Sent), Error<B>> {
        match self {
            Authenticator::None => Ok((None, Sent::Nothing)),
            Authenticator::Bearer(header) => Ok((Some(header.clone()), Sent::Static)),
            Authenticator::ServiceAccount {
                client_id,
                client_secret,
                token_url,
                cache,
            } => {
                let mut cached = cache.lock().await;
                let token = match cached
                    .as_ref()
                    .filter(|token| Instant::now() < token.refresh_at)
                {
                    Some(token) => token.token.clone(),
                    None => {
                        // Boxed: a token request is a whole exchange of its own, which would
                        // otherwise make every call's future (and every attempt's) that much
                        // larger, for a fetch made once an hour.
                        let fresh = Box::pin(fetch_token::<B>(
                            http,
                            timeouts,
                            token_url,
                            client_id,
                            client_secret,
                        ))
                        .await?;
                        let token = fresh.token.clone();
                        *cached = Some(fresh);
                        token
                    }
                };
                let header = sensitive(&format!("Bearer {}", token.expose_secret()))?;
                Ok((Some(header), Sent::Token(token)))
            }
            Authenticator::Digest {
                public_key,
                private_key,
                challenge,
            } => {
                let mut guard = challenge
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let Some(prompt) = guard.as_mut() else {
                    return Ok((None, Sent::Nothing));
                };
                // The request target (path and query), as Digest signs it; made only here,
                // since no other scheme needs it.
                let target = match url.query() {
                    Some(query) => format!("{}?{query}", url.path()),
                    None => url.path().to_owned(),
                };
                let context = AuthContext::new_with_method(
                    public_key.as_str(),
                    private_key.expose_secret(),
                    target,
                    body,
                    HttpMethod::from(method.as_str()),
                );
                let answer = prompt.respond(&context).map_err(|error| {
                    AuthError::new(
                        AuthErrorKind::Unsupported,
                        format!("cannot answer the Digest challenge: {error}"),
                    )
                })?;
                Ok((
                    Some(sensitive(&answer.to_header_string())?),
                    Sent::DigestAnswer(prompt.nonce.clone()),
                ))
            }
        }
    }

    /// Whether requests carry credentials (so are never sent to another origin).
    pub(crate) fn has_credentials(&self) -> bool {
        !matches!(self, Authenticator::None)
    }

    /// Called on a 401. Returns whether the request should be sent once more.
    pub(crate) async fn on_unauthorized(
        &self,
        sent: &Sent,
        www_authenticate: Option<&str>,
    ) -> bool {
        match (self, sent) {
            (Authenticator::ServiceAccount { cache, .. }, Sent::Token(used)) => {
                // Forget the token unless a concurrent call has already replaced it.
                let mut cached = cache.lock().await;
                if cached.as_ref().is_some_and(|token| &token.token == used) {
                    *cached = None;
                }
                true
            }
            (Authenticator::Digest { challenge, .. }, sent) => {
                let Some(prompt) = www_authenticate.and_then(parse_digest_challenge) else {
                    return false;
                };
                // A challenge after a fresh answer means wrong credentials, unless the server
                // says only the nonce was stale.
                let retry = matches!(sent, Sent::Nothing) || prompt.stale;
                if retry {
                    let mut cached = challenge
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    // The challenge is taken once: the first of the concurrent calls that got
                    // it installs it; the others (their requests were already on the way) keep
                    // what is cached, so its nonce count goes on rising instead of starting
                    // again at 1 for each of them, which a server takes for a replay.
                    let replace = match (sent, cached.as_ref()) {
                        (_, None) => true,
                        (Sent::DigestAnswer(answered), Some(current)) => current.nonce == *answered,
                        _ => false,
                    };
                    if replace {
                        *cached = Some(prompt);
                    }
                }
                retry
            }
            _ => false,
        }
    }
}

/// The Digest challenge among possibly several `WWW-Authenticate` schemes.
fn parse_digest_challenge(header: &str) -> Option<WwwAuthenticateHeader> {
    let start = header.to_ascii_lowercase().find("digest ")?;
    WwwAuthenticateHeader::parse(&header[start..]).ok()
}

async fn fetch_token<B>(
    http: &reqwest::Client,
    timeouts: Timeouts,
    token_url: &str,
    client_id: &str,
    client_secret: &SecretString,
) -> Result<CachedToken, Error<B>> {
    let started = Instant::now();
    let url = reqwest::Url::parse(token_url).ok();
    let failed = |error| {
        Error::Transport(TransportError::new(
            error,
            Stage::TokenRequest,
            timeouts,
            url.as_ref(),
        ))
    };
    let mut token_request = http.post(token_url);
    // The client the runtime builds leaves timeouts to the runtime; the token request's is
    // reqwest's own, over its whole exchange.
    if let Some(timeout) = timeouts.request {
        token_request = token_request.timeout(timeout);
    }
    let response = token_request
        .basic_auth(client_id, Some(client_secret.expose_secret()))
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .map_err(failed)?;
    let status = response.status();
    let read = match read_limited(response, MAX_ERROR_BODY, None).await {
        Ok(read) => read,
        Err(BodyError::Failed(error)) => return Err(failed(error)),
        // Without a clock a body neither stalls nor runs out of time.
        Err(BodyError::Stalled | BodyError::TimedOut) => {
            return Err(AuthError::new(
                AuthErrorKind::TokenRequestFailed,
                "the token endpoint's answer stopped arriving",
            )
            .into())
        }
    };
    if !read.complete {
        return Err(AuthError::new(
            AuthErrorKind::TokenRequestFailed,
            format!(
                "the token endpoint answered {status} with a body longer than {}, read no further",
                size_text(MAX_ERROR_BODY)
            ),
        )
        .into());
    }
    if !status.is_success() {
        return Err(AuthError::token_request_failed(status, &retained_text(&read.bytes)).into());
    }
    let parsed: TokenResponse = serde_json::from_slice(&read.bytes).map_err(|error| {
        AuthError::new(
            AuthErrorKind::TokenRequestFailed,
            format!("the token endpoint answered {status} with no usable token: {error}"),
        )
    })?;
    let lifetime = parsed
        .expires_in
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TOKEN_LIFETIME);
    let margin = TOKEN_REFRESH_MARGIN.min(lifetime / 10);
    Ok(CachedToken {
        token: SecretString::new(parsed.access_token),
        refresh_at: started + lifetime - margin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn environment_prefers_service_accounts_and_names_what_is_missing() {
        let both = [
            (ENV_CLIENT_ID, "mdb_sa_id"),
            (ENV_CLIENT_SECRET, "s3cret"),
            (ENV_PUBLIC_API_KEY, "pub"),
            (ENV_PRIVATE_API_KEY, "priv"),
        ];
        assert_eq!(
            Credentials::from_lookup(lookup(&both)).unwrap(),
            Credentials::service_account("mdb_sa_id", "s3cret")
        );
        let keys = [(ENV_PUBLIC_API_KEY, "pub"), (ENV_PRIVATE_API_KEY, "priv")];
        assert_eq!(
            Credentials::from_lookup(lookup(&keys)).unwrap(),
            Credentials::api_key("pub", "priv")
        );

        let half = [(ENV_CLIENT_ID, "mdb_sa_id")];
        let error = Credentials::from_lookup(lookup(&half))
            .unwrap_err()
            .to_string();
        assert!(error.contains(ENV_CLIENT_SECRET), "{error}");
        let blank = [(ENV_PUBLIC_API_KEY, "pub"), (ENV_PRIVATE_API_KEY, " ")];
        let error = Credentials::from_lookup(lookup(&blank))
            .unwrap_err()
            .to_string();
        assert!(error.contains(ENV_PRIVATE_API_KEY), "{error}");
        let error = Credentials::from_lookup(lookup(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(ENV_CLIENT_ID) && error.contains(ENV_PUBLIC_API_KEY),
            "{error}"
        );
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        for credentials in [
            Credentials::bearer_token("tok-123"),
            Credentials::service_account("id", "tok-123"),
            Credentials::api_key("public", "tok-123"),
        ] {
            let shown = format!("{credentials:?}");
            assert!(
                !shown.contains("tok-123") && shown.contains("[redacted]"),
                "{shown}"
            );
        }
    }

    /// The nonce and nonce count of the next Digest answer.
    async fn next_answer(authenticator: &Authenticator) -> (String, String, Sent) {
        let (header, sent) = authorize_get(authenticator).await;
        let text = header.unwrap().to_str().unwrap().to_owned();
        let field = |name: &str| {
            let start = text.find(&format!("{name}=")).unwrap() + name.len() + 1;
            text[start..]
                .trim_start_matches('"')
                .split(['"', ','])
                .next()
                .unwrap()
                .to_owned()
        };
        (field("nonce"), field("nc"), sent)
    }

    async fn authorize_get(authenticator: &Authenticator) -> (Option<HeaderValue>, Sent) {
        authenticator
            .authorize::<serde_json::Value>(
                &crate::tls::test_client(),
                Timeouts::default(),
                &http::Method::GET,
                &reqwest::Url::parse("https://x.test/api/atlas/v2/groups").unwrap(),
                None,
            )
            .await
            .unwrap()
    }

    fn challenge(nonce: &str, stale: bool) -> String {
        format!(
            r#"Digest realm="MMS Public API", nonce="{nonce}", qop="auth", algorithm=MD5, stale={stale}"#
        )
    }

    #[tokio::test]
    async fn a_stale_challenge_is_installed_once_for_all_concurrent_calls() {
        let credentials = Credentials::api_key("public", "private");
        let authenticator = Authenticator::new(&credentials, "https://x.test", None).unwrap();
        // Two calls go out before any challenge is known; both draw the first one.
        let (_, first) = authorize_get(&authenticator).await;
        let (_, second) = authorize_get(&authenticator).await;
        let first_contact = challenge("n1", false);
        assert!(
            authenticator
                .on_unauthorized(&first, Some(&first_contact))
                .await
        );
        assert!(
            authenticator
                .on_unauthorized(&second, Some(&first_contact))
                .await
        );
        let (nonce, nc, a) = next_answer(&authenticator).await;
        assert_eq!((nonce.as_str(), nc.as_str()), ("n1", "00000001"));
        let (_, nc, b) = next_answer(&authenticator).await;
        assert_eq!(nc, "00000002", "the second call did not restart the count");
        // Both answers meet a stale nonce: the first installs n2, the second keeps it.
        let stale = challenge("n2", true);
        assert!(authenticator.on_unauthorized(&a, Some(&stale)).await);
        let (nonce, nc, _) = next_answer(&authenticator).await;
        assert_eq!((nonce.as_str(), nc.as_str()), ("n2", "00000001"));
        assert!(authenticator.on_unauthorized(&b, Some(&stale)).await);
        let (nonce, nc, c) = next_answer(&authenticator).await;
        assert_eq!((nonce.as_str(), nc.as_str()), ("n2", "00000002"));
        // A challenge that is not stale after an answer means wrong credentials: no resend.
        assert!(
            !authenticator
                .on_unauthorized(&c, Some(&challenge("n2", false)))
                .await
        );
    }

    #[test]
    fn finds_the_digest_challenge_among_schemes() {
        let header = r#"Bearer realm="x", Digest realm="MMS Public API", qop="auth", nonce="abc", algorithm=SHA-256"#;
        let prompt = parse_digest_challenge(header).unwrap();
        assert_eq!(prompt.nonce, "abc");
        assert!(parse_digest_challenge(r#"Basic realm="x""#).is_none());
    }
}
