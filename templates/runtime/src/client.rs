//! The transport a generated client sends through, its builder, and the trait by which a
//! generated client tells the runtime what differs per spec.
//!
//! https unless loopback or asked for by name: `ClientBuilder::build` refuses an `http://` base URL
//! whose host is not 127.0.0.0/8, `::1` or `localhost`, because a bearer token, a service account's
//! secret and Digest answers would cross the network in clear text. Loopback is recognised by name
//! only: a name that merely resolves to 127.0.0.1 is not trusted to keep doing so. The error says
//! what would travel in clear text and names the opt-in, `allow_insecure_http(true)`. Mock
//! servers, Prism and the tests run on 127.0.0.1, so they need no opt-in; the same rule applies to
//! a redirect's target (`redirect.rs`).

use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::auth::{Authenticator, Credentials};
use crate::dry_run::DryRun;
use crate::error::{Error, ErrorBody, InvalidParameter};
use crate::hooks::RequestHook;
use crate::options::positive;
use crate::rate_limit::RateLimiter;
use crate::retry::{RetryBudget, RetryPolicy, RetryTokens};
use crate::transport_error::{Stage, Timeouts, TransportError};

/// Default time allowed to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for each attempt, from sending to the end of a JSON body (a
/// download's body is bounded by [`DEFAULT_STALL_TIMEOUT`] instead).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default longest gap between two pieces of a response body before the call fails as
/// stalled (see [`ClientBuilder::stall_timeout`]).
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Default longest JSON response body the client reads: 64 MiB (see
/// [`ClientBuilder::max_body_size`]).
pub const DEFAULT_MAX_BODY_SIZE: u64 = 64 * 1024 * 1024;
/// Default longest file download (a compressed log, a CSV report) the client reads: 512 MiB
/// (see [`ClientBuilder::max_download_size`]).
pub const DEFAULT_MAX_DOWNLOAD_SIZE: u64 = 512 * 1024 * 1024;

/// What a generated client tells the runtime about its spec, and how the runtime hands it the
/// [`Transport`] it built. Generated crates implement it for their `Client`; it is not meant
/// to be implemented by hand.
pub trait GeneratedClient: Sized {
    /// The body of the spec's error responses, decoded into [`Error::Api`].
    type ErrorBody: ErrorBody;
    /// The spec's server, where requests go unless [`ClientBuilder::base_url`] says otherwise.
    const DEFAULT_BASE_URL: &'static str;
    /// Where service-account credentials get their OAuth 2.0 access token, relative to the
    /// base URL (the path of the spec's `tokenUrl`); `None` when the spec declares no
    /// client-credentials flow.
    const OAUTH_TOKEN_PATH: Option<&'static str>;
    /// The `User-Agent` sent unless [`ClientBuilder::user_agent`] says otherwise: the
    /// generated crate's name and version.
    const USER_AGENT: &'static str;

    /// Wraps the transport a [`ClientBuilder`] built.
    #[doc(hidden)]
    fn from_transport(transport: Transport) -> Self;
}

/// The connection pool, credentials and retry policy a generated client sends its requests
/// through. Cheap to clone; clones share connections and authentication state.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Without a trailing slash; operation paths start with one.
    base_url: String,
    /// `base_url` parsed, once: a call's URL is this one with its path set (which parses the
    /// path alone, not the scheme and host again).
    base: reqwest::Url,
    credentials: Credentials,
    authenticator: Authenticator,
    retry: RetryPolicy,
    retry_tokens: RetryTokens,
    /// `None` when switched off.
    rate_limiter: Option<RateLimiter>,
    /// Each attempt's, and the whole call's, unless a call says otherwise.
    timeout: Duration,
    deadline: Option<Duration>,
    stall: Duration,
    hooks: Vec<Arc<dyn RequestHook>>,
    /// What the HTTP client was built with, for messages (the connect timeout is unknown for
    /// a caller's client).
    timeouts: Timeouts,
    limits: BodyLimits,
    allow_insecure_http: bool,
    /// (path template, media type) pairs already reported as deprecated.
    deprecation_warned: Mutex<BTreeSet<(String, String)>>,
    /// Set for a dry run: requests are recorded there, never sent.
    dry_run: Option<DryRun>,
}

impl Transport {
    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// [`Self::base_url`], parsed.
    pub(crate) fn base(&self) -> &reqwest::Url {
        &self.inner.base
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn authenticator(&self) -> &Authenticator {
        &self.inner.authenticator
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    pub(crate) fn retry_tokens(&self) -> &RetryTokens {
        &self.inner.retry_tokens
    }

    pub(crate) fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.inner.rate_limiter.as_ref()
    }

    /// The attempt timeout, the call deadline and the stall rule the client was built with.
    pub(crate) fn timing(&self) -> (Duration, Option<Duration>, Duration) {
        (self.inner.timeout, self.inner.deadline, self.inner.stall)
    }

    pub(crate) fn hooks(&self) -> &[Arc<dyn RequestHook>] {
        &self.inner.hooks
    }

    pub(crate) fn timeouts(&self) -> Timeouts {
        self.inner.timeouts
    }

    pub(crate) fn limits(&self) -> BodyLimits {
        self.inner.limits
    }

    /// Where a dry run records its requests; `None` for a client that sends them.
    pub(crate) fn dry_run(&self) -> Option<&DryRun> {
        self.inner.dry_run.as_ref()
    }

    pub(crate) fn allows_insecure_http(&self) -> bool {
        self.inner.allow_insecure_http
    }

    /// Whether this is the first deprecated answer for `path` in `media_type` (so it is
    /// reported once, not on every call).
    pub(crate) fn first_deprecation_notice(&self, path: &str, media_type: &str) -> bool {
        let mut warned = self
            .inner
            .deprecation_warned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        warned.insert((path.to_owned(), media_type.to_owned()))
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .field("deadline", &self.inner.deadline)
            .field("rate_limiting", &self.inner.rate_limiter.is_some())
            .field("hooks", &self.inner.hooks.len())
            .finish_non_exhaustive()
    }
}

/// The longest bodies the client reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    /// JSON bodies of successful responses.
    pub(crate) json: u64,
    /// Raw bodies of successful responses (file downloads).
    pub(crate) download: u64,
}

/// Configures a generated client `C` (its crate names this type `ClientBuilder`).
pub struct ClientBuilder<C> {
    base_url: String,
    credentials: Credentials,
    http: Option<reqwest::Client>,
    user_agent: String,
    connect_timeout: Duration,
    timeout: Duration,
    deadline: Option<Duration>,
    stall: Duration,
    retry: RetryPolicy,
    retry_budget: RetryBudget,
    rate_limiting: bool,
    hooks: Vec<Arc<dyn RequestHook>>,
    allow_insecure_http: bool,
    limits: BodyLimits,
    dry_run: Option<DryRun>,
    /// `fn() -> C`: the builder makes a `C` and holds none, so it is `Send` and `Sync` whatever
    /// `C` is.
    client: PhantomData<fn() -> C>,
}

impl<C: GeneratedClient> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder {
            base_url: C::DEFAULT_BASE_URL.to_owned(),
            credentials: Credentials::Anonymous,
            http: None,
            user_agent: C::USER_AGENT.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            deadline: None,
            stall: DEFAULT_STALL_TIMEOUT,
            retry: RetryPolicy::default(),
            retry_budget: RetryBudget::default(),
            rate_limiting: true,
            hooks: Vec::new(),
            allow_insecure_http: false,
            limits: BodyLimits {
                json: DEFAULT_MAX_BODY_SIZE,
                download: DEFAULT_MAX_DOWNLOAD_SIZE,
            },
            dry_run: None,
            client: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &redacted_url(&self.base_url))
            .field("credentials", &self.credentials)
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("stall_timeout", &self.stall)
            .field("retry", &self.retry)
            .field("retry_budget", &self.retry_budget)
            .field("rate_limiting", &self.rate_limiting)
            .field("hooks", &self.hooks.len())
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("max_body_size", &self.limits.json)
            .field("max_download_size", &self.limits.download)
            .field("dry_run", &self.dry_run.is_some())
            .finish_non_exhaustive()
    }
}

impl<C: GeneratedClient> ClientBuilder<C> {
    /// A builder with the spec's defaults: its server, no credentials, the default timeouts
    /// and [`RetryPolicy::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Where requests go, e.g. `https://cloud.mongodb.com` (the default) or a mock server.
    /// A path prefix is kept: operation paths are appended to it.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// How requests authenticate (default: [`Credentials::Anonymous`]).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Uses this HTTP client (its timeouts, proxy and TLS settings) instead of building one;
    /// `user_agent` and `connect_timeout` are then ignored (`timeout`, `deadline` and
    /// `stall_timeout` are the runtime's own and apply as well). It is a
    /// [`reqwest::Client`] of reqwest 0.13, re-exported as [`crate::reqwest`] so that the
    /// version always matches. That reqwest is built without a rustls crypto provider (its
    /// default, aws-lc-rs, is a C build): install one before building the client, e.g.
    /// `rustls::crypto::ring::default_provider().install_default()`, or enable reqwest's
    /// `rustls` feature in your own manifest; otherwise reqwest panics when it is built.
    ///
    /// Its own redirect policy applies first: reqwest's default follows up to 10 redirects,
    /// drops `Authorization` on a redirect to another host or port, and re-sends a `POST`
    /// answered 301, 302 or 303 as a `GET`. Build it with
    /// `redirect(reqwest::redirect::Policy::none())` to have the runtime judge every
    /// redirect instead, as it does with the client it builds (see the crate docs). The body
    /// limits, the https rule and the runtime's redirect rules apply either way.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The `User-Agent` header (default: the generated crate's name and version).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// How long establishing a connection may take (default: [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long each attempt may take, from sending to the end of a JSON response body
    /// (default: [`DEFAULT_TIMEOUT`]). A download's body (an operation whose success body is
    /// not JSON) is not cut by it, only by [`ClientBuilder::stall_timeout`]: a healthy large
    /// download may take longer. A request builder's `with_timeout` overrides it for one call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long a whole call may take: every attempt, the waits between them and any wait for
    /// Atlas's rate limit (default: none, the retry policy's `max_elapsed` bounds only the
    /// decision to retry). When it passes, the attempt in flight is cut and the call fails
    /// with [`TransportErrorKind::Deadline`](crate::TransportErrorKind::Deadline), whose message
    /// names the deadline, the time taken, the requests sent and the last status or cause. A
    /// request builder's `with_deadline` overrides it for one call.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The longest gap between two pieces of a response body (default:
    /// [`DEFAULT_STALL_TIMEOUT`], 30 s): a body that sends nothing for that long fails the
    /// call with [`TransportErrorKind::Stalled`](crate::TransportErrorKind::Stalled). It is
    /// what bounds a download, which may take as long as it keeps arriving.
    pub fn stall_timeout(mut self, stall: Duration) -> Self {
        self.stall = stall;
        self
    }

    /// Whether the client paces itself by Atlas's rate-limit headers (default: `true`): it
    /// learns the budget from `RateLimit-Limit` and `RateLimit-Remaining`, makes calls wait
    /// when it is spent instead of sending into `429`s, holds every call after a `429` until
    /// its `Retry-After` has passed, and starts slowly until the first answer says what the
    /// limit is. The state is shared by every clone of the client, one per endpoint and
    /// project (or organization). `false` sends every call at once, as earlier versions did.
    pub fn rate_limiting(mut self, enabled: bool) -> Self {
        self.rate_limiting = enabled;
        self
    }

    /// How many retries the client may send while Atlas fails (see [`RetryBudget`]; default:
    /// [`RetryBudget::default`], about 100 retries in a row). [`RetryBudget::unlimited`]
    /// leaves each call to its [`RetryPolicy`] alone.
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.retry_budget = budget;
        self
    }

    /// Adds a hook run before and after every attempt of every operation (see
    /// [`RequestHook`]); hooks run in the order they were added.
    pub fn hook(mut self, hook: impl RequestHook) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// How failed requests are retried (see [`RetryPolicy`]); `RetryPolicy::never()` turns
    /// retries off.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The longest JSON body (of a successful response) the client reads, in bytes (default:
    /// [`DEFAULT_MAX_BODY_SIZE`], 64 MiB). The body is read in chunks and reading stops past
    /// the limit, whatever `Content-Length` said, with a [`TransportError`] of kind
    /// [`BodyTooLarge`](crate::TransportErrorKind::BodyTooLarge) that names it. Error bodies
    /// are read up to 64 KiB whatever this says.
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.limits.json = bytes;
        self
    }

    /// The longest file download (an operation whose success body is not JSON: a compressed
    /// log, a CSV report) the client reads, in bytes (default: [`DEFAULT_MAX_DOWNLOAD_SIZE`],
    /// 512 MiB); enforced like [`ClientBuilder::max_body_size`]. The whole body is held in
    /// memory.
    pub fn max_download_size(mut self, bytes: u64) -> Self {
        self.limits.download = bytes;
        self
    }

    /// Allows a plain `http://` base URL to a host that is not loopback (default: `false`).
    /// Without it, `build` accepts `http://` only for 127.0.0.0/8, `::1` and `localhost`
    /// (mock servers, a local proxy), because whatever the client sends, a bearer token, a
    /// service account's client secret, Digest answers and every request and response body,
    /// would cross the network unencrypted and unauthenticated.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Makes the client a dry run: every call is prepared as it would be sent (after its
    /// checks, with the hooks' headers, never `Authorization`), recorded in `dry_run`, and
    /// not sent; it fails with [`TransportErrorKind::NotSent`](crate::TransportErrorKind::NotSent).
    /// No token is fetched.
    pub fn dry_run(mut self, dry_run: DryRun) -> Self {
        self.dry_run = Some(dry_run);
        self
    }

    /// Checks the base URL and credentials and builds the client.
    pub fn build(self) -> Result<C, Error<C::ErrorBody>> {
        let shown = redacted_url(&self.base_url);
        let parsed = reqwest::Url::parse(&self.base_url)
            .map_err(|error| InvalidParameter::new("base_url", &shown, error.to_string()))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(InvalidParameter::new(
                "base_url",
                &shown,
                "must not carry a user name or password: pass them with `credentials`",
            )
            .into());
        }
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(
                InvalidParameter::new("base_url", &shown, "must be an http or https URL").into(),
            );
        }
        if parsed.scheme() == "http" && !self.allow_insecure_http && !is_loopback(&parsed) {
            return Err(InvalidParameter::new("base_url", &shown, INSECURE_HTTP).into());
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(InvalidParameter::new(
                "base_url",
                &shown,
                "must not have a query or fragment",
            )
            .into());
        }
        positive("timeout", self.timeout)?;
        positive("stall_timeout", self.stall)?;
        if let Some(deadline) = self.deadline {
            positive("deadline", deadline)?;
        }
        let (http, timeouts) = match self.http {
            Some(http) => (
                http,
                Timeouts {
                    connect: None,
                    request: Some(self.timeout),
                },
            ),
            None => {
                let timeouts = Timeouts {
                    connect: Some(self.connect_timeout),
                    request: Some(self.timeout),
                };
                let http = reqwest::Client::builder()
                    // The transport judges every redirect itself (redirect.rs).
                    .redirect(reqwest::redirect::Policy::none())
                    .tls_backend_preconfigured(crate::tls::client_config())
                    .user_agent(self.user_agent)
                    .connect_timeout(self.connect_timeout)
                    // No total timeout: the runtime times each attempt itself, so that a call
                    // can set its own and a download is bounded by its progress instead.
                    .build()
                    .map_err(|error| {
                        Error::Transport(TransportError::new(error, Stage::Build, timeouts, None))
                    })?;
                (http, timeouts)
            }
        };
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let base = reqwest::Url::parse(&base_url)
            .map_err(|error| InvalidParameter::new("base_url", &shown, error.to_string()))?;
        let authenticator = Authenticator::new(&self.credentials, &base_url, C::OAUTH_TOKEN_PATH)?;
        Ok(C::from_transport(Transport {
            inner: Arc::new(Inner {
                http,
                base_url,
                base,
                credentials: self.credentials,
                authenticator,
                retry: self.retry,
                retry_tokens: RetryTokens::new(self.retry_budget),
                rate_limiter: self.rate_limiting.then(RateLimiter::default),
                timeout: self.timeout,
                deadline: self.deadline,
                stall: self.stall,
                hooks: self.hooks,
                timeouts,
                limits: self.limits,
                allow_insecure_http: self.allow_insecure_http,
                deprecation_warned: Mutex::new(BTreeSet::new()),
                dry_run: self.dry_run,
            }),
        }))
    }
}

/// Why `build` refuses a plain-http base URL to another machine, and how to insist.
const INSECURE_HTTP: &str = "plain http is only allowed to a loopback address (127.0.0.0/8, ::1, \
     localhost): credentials (a bearer token, a client secret, Digest answers) and every body \
     would cross the network unencrypted; use https, or call `allow_insecure_http(true)` on the \
     builder to send over plain http anyway";

/// Whether `url` names this machine: 127.0.0.0/8, `::1` or `localhost`.
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|address| address.is_loopback())
}

/// A base URL as messages and `Debug` show it: a user name or password in it is replaced.
fn redacted_url(text: &str) -> String {
    match reqwest::Url::parse(text) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_password(None);
            let _ = url.set_username("redacted");
            url.to_string()
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::error::AuthErrorKind;

    /// A client the way a generated crate declares one.
    #[derive(Debug)]
    pub(crate) struct TestClient {
        pub(crate) transport: Transport,
    }

    impl GeneratedClient for TestClient {
        type ErrorBody = serde_json::Value;
        const DEFAULT_BASE_URL: &'static str = "https://api.example.test/";
        const OAUTH_TOKEN_PATH: Option<&'static str> = None;
        const USER_AGENT: &'static str = "test-client/1.0";

        fn from_transport(transport: Transport) -> Self {
            TestClient { transport }
        }
    }

    #[test]
    fn builds_the_generated_client_with_the_spec_defaults() {
        let client = ClientBuilder::<TestClient>::new().build().unwrap();
        assert_eq!(client.transport.base_url(), "https://api.example.test");
        let builder = ClientBuilder::<TestClient>::new();
        assert_eq!(builder.user_agent, "test-client/1.0");
        let client = ClientBuilder::<TestClient>::new()
            .base_url("http://127.0.0.1:9/prefix/")
            .build()
            .unwrap();
        assert_eq!(client.transport.base_url(), "http://127.0.0.1:9/prefix");
    }

    #[test]
    fn rejects_base_urls_it_cannot_send_to() {
        for (base_url, reason) in [
            ("not a url", "relative URL"),
            ("ftp://example.test", "http or https"),
            ("https://example.test/?q=1", "query or fragment"),
        ] {
            let error = ClientBuilder::<TestClient>::new()
                .base_url(base_url)
                .build()
                .unwrap_err();
            let Error::InvalidParameter(invalid) = &error else {
                panic!("{base_url}: {error:?}");
            };
            assert_eq!(invalid.name(), "base_url");
            assert!(invalid.reason().contains(reason), "{base_url}: {error}");
        }
    }

    #[test]
    fn plain_http_is_refused_beyond_loopback_unless_allowed_by_name() {
        for base_url in [
            "http://cloud.mongodb.com",
            "http://10.0.0.1:8080",
            "http://[2001:db8::1]",
            "http://127.example.test",
            "http://localhost.example.test",
        ] {
            let error = ClientBuilder::<TestClient>::new()
                .base_url(base_url)
                .credentials(Credentials::bearer_token("tok-123"))
                .build()
                .unwrap_err();
            let Error::InvalidParameter(invalid) = &error else {
                panic!("{base_url}: {error:?}");
            };
            assert_eq!(invalid.name(), "base_url");
            let message = error.to_string();
            assert!(
                message.contains("unencrypted") && message.contains("allow_insecure_http(true)"),
                "{message}"
            );
            assert!(!message.contains("tok-123"), "{message}");
            let client = ClientBuilder::<TestClient>::new()
                .base_url(base_url)
                .allow_insecure_http(true)
                .build()
                .unwrap();
            assert_eq!(client.transport.base_url(), base_url);
        }
        for base_url in [
            "http://127.0.0.1:8080",
            "http://127.10.20.30",
            "http://[::1]:9000",
            "http://localhost:3000",
            "http://LOCALHOST",
            "https://cloud.mongodb.com",
            "https://10.0.0.1",
        ] {
            ClientBuilder::<TestClient>::new()
                .base_url(base_url)
                .build()
                .unwrap_or_else(|error| panic!("{base_url}: {error}"));
        }
    }

    #[test]
    fn credentials_in_the_base_url_are_rejected_and_never_shown() {
        let builder =
            ClientBuilder::<TestClient>::new().base_url("https://me:hunter2@example.test");
        assert!(!format!("{builder:?}").contains("hunter2"));
        let error = builder.build().unwrap_err();
        let Error::InvalidParameter(invalid) = &error else {
            panic!("{error:?}");
        };
        assert!(invalid.reason().contains("credentials"), "{error}");
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }

    #[test]
    fn service_accounts_need_the_spec_to_declare_a_token_endpoint() {
        let error = ClientBuilder::<TestClient>::new()
            .credentials(Credentials::service_account("id", "secret"))
            .build()
            .unwrap_err();
        assert!(
            matches!(&error, Error::Auth(auth) if auth.kind() == AuthErrorKind::Unsupported),
            "{error:?}"
        );
        assert!(!error.to_string().contains("secret"), "{error}");
    }
}
