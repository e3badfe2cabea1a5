//! The client handle and its builder. Operation methods are generated in `operations.rs`.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::auth::{Authenticator, Credentials};
use crate::error::{Error, InvalidParameter};
use crate::retry::RetryPolicy;

/// Default time allowed to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for a whole request, from sending to the end of the body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A client for the Atlas Administration API. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Without a trailing slash; operation paths start with one.
    base_url: String,
    credentials: Credentials,
    authenticator: Authenticator,
    retry: RetryPolicy,
    /// (path template, media type) pairs already reported as deprecated.
    deprecation_warned: Mutex<BTreeSet<(String, String)>>,
}

impl Client {
    /// A client for the default server with `credentials`.
    pub fn new(credentials: Credentials) -> Result<Self, Error> {
        Client::builder().credentials(credentials).build()
    }

    /// A client for the default server with credentials from the environment (see
    /// [`Credentials::from_env`]).
    pub fn from_env() -> Result<Self, Error> {
        Client::new(Credentials::from_env()?)
    }

    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
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

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    base_url: String,
    credentials: Credentials,
    http: Option<reqwest::Client>,
    user_agent: String,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: crate::DEFAULT_BASE_URL.to_owned(),
            credentials: Credentials::Anonymous,
            http: None,
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Where requests go, e.g. `https://cloud.mongodb.com` (the default) or a mock server.
    /// A path prefix is kept: operation paths are appended to it.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Uses this reqwest client (its timeouts, proxy and TLS settings) instead of building
    /// one; `user_agent`, `connect_timeout` and `timeout` are then ignored.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How failed requests are retried (see [`RetryPolicy`]); `RetryPolicy::never()` turns
    /// retries off.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        let parsed = reqwest::Url::parse(&self.base_url).map_err(|error| {
            InvalidParameter::new("base_url", &self.base_url, error.to_string())
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(InvalidParameter::new(
                "base_url",
                &self.base_url,
                "must be an http or https URL",
            )
            .into());
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(InvalidParameter::new(
                "base_url",
                &self.base_url,
                "must not have a query or fragment",
            )
            .into());
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .user_agent(self.user_agent)
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .build()
                .map_err(Error::Transport)?,
        };
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let authenticator = Authenticator::new(&self.credentials, &base_url)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                credentials: self.credentials,
                authenticator,
                retry: self.retry,
                deprecation_warned: Mutex::new(BTreeSet::new()),
            }),
        })
    }
}
