//! Successful responses: the typed body with the status and headers it came with.

use std::ops::Deref;
use std::str::FromStr;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

/// A response's headers. Typed accessors for the headers the spec declares
/// (such as `rate_limit_remaining`) are generated next to this type.
#[derive(Debug, Clone, Default)]
pub struct ResponseHeaders {
    map: HeaderMap,
}

impl ResponseHeaders {
    pub(crate) fn new(map: HeaderMap) -> Self {
        ResponseHeaders { map }
    }

    /// A header's value, when present and valid UTF-8. Names are case-insensitive.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).and_then(|value| value.to_str().ok())
    }

    /// The response's `Content-Type`: which media type (and so which resource version) the
    /// server answered with.
    pub fn content_type(&self) -> Option<&str> {
        self.get("content-type")
    }

    /// All headers, as received.
    pub fn as_map(&self) -> &HeaderMap {
        &self.map
    }

    /// A header parsed as `T`; `None` when absent or not parseable.
    pub fn parse<T: FromStr>(&self, name: &str) -> Option<T> {
        self.get(name).and_then(|value| value.trim().parse().ok())
    }
}

/// A successful response: the decoded body, its status and its headers. Derefs to the body.
#[derive(Debug, Clone)]
pub struct ApiResponse<T> {
    status: StatusCode,
    headers: ResponseHeaders,
    body: T,
}

impl<T> ApiResponse<T> {
    pub(crate) fn new(status: StatusCode, headers: ResponseHeaders, body: T) -> Self {
        ApiResponse {
            status,
            headers,
            body,
        }
    }

    /// The HTTP status (for an enveloped response, the status inside the envelope).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &ResponseHeaders {
        &self.headers
    }

    pub fn body(&self) -> &T {
        &self.body
    }

    pub fn into_body(self) -> T {
        self.body
    }

    pub fn into_parts(self) -> (StatusCode, ResponseHeaders, T) {
        (self.status, self.headers, self.body)
    }
}

impl<T> Deref for ApiResponse<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}
