//! Successful responses: the typed body with the status and headers it came with.

use std::ops::Deref;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

/// A response's headers. A generated crate adds typed accessors for the headers its spec
/// declares (such as `rate_limit_remaining`) with an extension trait.
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

    /// When the resource version that answered was deprecated (`Deprecation` header, as an
    /// HTTP-date or RFC 9745's `@<epoch seconds>`).
    pub fn deprecation(&self) -> Option<DateTime<Utc>> {
        let value = self.get("deprecation")?.trim();
        match value.strip_prefix('@') {
            Some(epoch) => DateTime::from_timestamp(epoch.parse().ok()?, 0),
            None => http_date(value),
        }
    }

    /// When the resource version that answered stops working (`Sunset` header, HTTP-date).
    pub fn sunset(&self) -> Option<DateTime<Utc>> {
        http_date(self.get("sunset")?.trim())
    }

    /// A header parsed as `T`; `None` when absent or not parseable.
    pub fn parse<T: FromStr>(&self, name: &str) -> Option<T> {
        self.get(name).and_then(|value| value.trim().parse().ok())
    }
}

/// An HTTP-date (`Wed, 1 Feb 2023 00:00:00 GMT`).
fn http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|at| at.with_timezone(&Utc))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_deprecation_and_sunset_headers() {
        let mut map = HeaderMap::new();
        map.insert(
            "Deprecation",
            "Wed, 1 Feb 2023 00:00:00 GMT".parse().unwrap(),
        );
        map.insert("Sunset", "Sun, 1 Jun 2025 00:00:00 GMT".parse().unwrap());
        let headers = ResponseHeaders::new(map);
        assert_eq!(
            headers.deprecation().unwrap().to_rfc3339(),
            "2023-02-01T00:00:00+00:00"
        );
        assert_eq!(
            headers.sunset().unwrap().to_rfc3339(),
            "2025-06-01T00:00:00+00:00"
        );

        let mut map = HeaderMap::new();
        map.insert("Deprecation", "@1688169599".parse().unwrap());
        map.insert("Sunset", "tomorrow".parse().unwrap());
        let headers = ResponseHeaders::new(map);
        assert_eq!(
            headers.deprecation().unwrap().to_rfc3339(),
            "2023-06-30T23:59:59+00:00"
        );
        assert_eq!(headers.sunset(), None);
        assert_eq!(ResponseHeaders::default().deprecation(), None);
    }
}
