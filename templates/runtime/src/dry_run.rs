//! Dry runs: a client that renders each request exactly as it would send it (method, URL,
//! headers, body) and sends nothing. The request goes through the same preparation as a real
//! one (path encoding, query, versioned media types, hooks), so what is shown is what would
//! be sent; only `Authorization` is never added, and no token is fetched.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http::header::HeaderMap;
use http::Method;

/// A request a dry-run client prepared and did not send.
#[derive(Clone)]
pub struct RenderedRequest {
    /// The operation's name, as the generated crate's docs give it.
    pub operation_id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The full URL, path parameters and query filled in.
    pub url: String,
    /// The headers (never `Authorization`: it is added after this point).
    pub headers: HeaderMap,
    /// The body, as it would be sent.
    pub body: Option<Bytes>,
}

impl fmt::Debug for RenderedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenderedRequest")
            .field("operation_id", &self.operation_id)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body", &self.body.as_ref().map(Bytes::len))
            .finish()
    }
}

/// Where a dry-run client puts the requests it did not send, registered with
/// `ClientBuilder::dry_run`. Cheap to clone; clones share the requests.
///
/// Every call of such a client fails, after its checks, with a
/// [`TransportErrorKind::NotSent`](crate::TransportErrorKind::NotSent) error, and its request
/// is here.
#[derive(Clone, Default)]
pub struct DryRun {
    requests: Arc<Mutex<Vec<RenderedRequest>>>,
}

impl DryRun {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// The requests not sent so far, oldest first; they are removed.
    pub fn take(&self) -> Vec<RenderedRequest> {
        std::mem::take(&mut *self.requests.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn record(&self, request: RenderedRequest) {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
    }
}

impl fmt::Debug for DryRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("DryRun").field("requests", &count).finish()
    }
}
