//! Successful responses: the typed body with the status, headers and raw bytes it came with.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::header::{HeaderMap, HeaderName};
use http::StatusCode;

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

    /// Whether, and since when, the resource version that answered is deprecated: the
    /// `Deprecation` header (see [`Deprecation`] for the forms read). `None` when the header
    /// is absent or in no form this reads.
    pub fn deprecation(&self) -> Option<Deprecation> {
        // Read on every call's answer (transport.rs): by a name made once, not parsed from
        // text each time.
        const DEPRECATION: HeaderName = HeaderName::from_static("deprecation");
        let value = self.map.get(&DEPRECATION)?.to_str().ok()?;
        Deprecation::parse(value)
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

/// What a `Deprecation` response header says. Three forms are read:
/// - RFC 9745's structured-field date, `@<seconds since 1970>` (`@1688169599`): [`Since`];
/// - `true` (also `?1`, a structured-field boolean), which the drafts before RFC 9745 used and
///   Stoplight Prism and older servers still send: [`Undated`];
/// - an HTTP-date (`Wed, 1 Feb 2023 00:00:00 GMT`), an older draft's date form: [`Since`].
///
/// RFC 9745 lets a server announce a deprecation ahead of time, so a [`Since`] date may lie in
/// the future. `Display` says `deprecated` or `deprecated since <RFC 2822 date>`.
///
/// [`Since`]: Deprecation::Since
/// [`Undated`]: Deprecation::Undated
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deprecation {
    /// Deprecated; the server gives no date.
    Undated,
    /// Deprecated from this moment on.
    Since(DateTime<Utc>),
}

impl Deprecation {
    /// Reads a `Deprecation` header value; `None` for a value in none of the forms.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("true") || value == "?1" {
            return Some(Deprecation::Undated);
        }
        let at = match value.strip_prefix('@') {
            Some(seconds) => DateTime::from_timestamp(seconds.parse().ok()?, 0)?,
            None => http_date(value)?,
        };
        Some(Deprecation::Since(at))
    }

    /// The date of the deprecation, when the server gave one.
    pub fn date(&self) -> Option<DateTime<Utc>> {
        match self {
            Deprecation::Undated => None,
            Deprecation::Since(at) => Some(*at),
        }
    }
}

impl fmt::Display for Deprecation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deprecation::Undated => f.write_str("deprecated"),
            Deprecation::Since(at) => write!(f, "deprecated since {}", at.to_rfc2822()),
        }
    }
}

/// A successful response: the decoded body, its status, its headers and the body's bytes as
/// they arrived. Derefs to the body.
#[derive(Clone)]
pub struct ApiResponse<T> {
    status: StatusCode,
    headers: ResponseHeaders,
    body: T,
    raw: Bytes,
}

impl<T> ApiResponse<T> {
    pub(crate) fn new(status: StatusCode, headers: ResponseHeaders, body: T, raw: Bytes) -> Self {
        ApiResponse {
            status,
            headers,
            body,
            raw,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response's headers. A generated crate's `DeclaredHeaders` trait adds typed
    /// accessors for the ones its spec declares.
    pub fn headers(&self) -> &ResponseHeaders {
        &self.headers
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The body exactly as it arrived, before decoding (empty for a response without one):
    /// for logging, for checksums, or to read a field the spec does not declare yet. It is
    /// the buffer the body was decoded from, kept rather than copied.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw
    }

    /// The decoded body, dropping the rest.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The status, headers and decoded body.
    pub fn into_parts(self) -> (StatusCode, ResponseHeaders, T) {
        (self.status, self.headers, self.body)
    }
}

/// The raw body is shown by its length only; the decoded body says what it holds.
impl<T: fmt::Debug> fmt::Debug for ApiResponse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .field("raw_body_len", &self.raw.len())
            .finish()
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

    fn headers(pairs: &[(&'static str, &'static str)]) -> ResponseHeaders {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        ResponseHeaders::new(map)
    }

    #[test]
    fn reads_every_form_of_the_deprecation_header() {
        let since = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        for (value, expected) in [
            (
                "@1688169599",
                Some(Deprecation::Since(since("2023-06-30T23:59:59Z"))),
            ),
            (
                "@0",
                Some(Deprecation::Since(since("1970-01-01T00:00:00Z"))),
            ),
            (
                " @1688169599 ",
                Some(Deprecation::Since(since("2023-06-30T23:59:59Z"))),
            ),
            ("true", Some(Deprecation::Undated)),
            ("TRUE", Some(Deprecation::Undated)),
            ("?1", Some(Deprecation::Undated)),
            (
                "Wed, 1 Feb 2023 00:00:00 GMT",
                Some(Deprecation::Since(since("2023-02-01T00:00:00Z"))),
            ),
            ("false", None),
            ("?0", None),
            ("@", None),
            ("@soon", None),
            ("@99999999999999999999", None),
            ("yesterday", None),
        ] {
            assert_eq!(Deprecation::parse(value), expected, "{value:?}");
            assert_eq!(headers(&[("Deprecation", value)]).deprecation(), expected);
        }
        assert_eq!(ResponseHeaders::default().deprecation(), None);
    }

    #[test]
    fn a_deprecation_says_whether_it_has_a_date() {
        let at = DateTime::from_timestamp(1_675_209_600, 0).unwrap();
        assert_eq!(Deprecation::Undated.date(), None);
        assert_eq!(Deprecation::Since(at).date(), Some(at));
        assert_eq!(Deprecation::Undated.to_string(), "deprecated");
        assert_eq!(
            Deprecation::Since(at).to_string(),
            "deprecated since Wed, 1 Feb 2023 00:00:00 +0000"
        );
    }

    #[test]
    fn parses_the_sunset_header() {
        let sunset = headers(&[("Sunset", "Sun, 1 Jun 2025 00:00:00 GMT")]).sunset();
        assert_eq!(
            sunset.map(|at| at.to_rfc3339()).as_deref(),
            Some("2025-06-01T00:00:00+00:00")
        );
        assert_eq!(headers(&[("Sunset", "tomorrow")]).sunset(), None);
    }

    #[test]
    fn a_response_keeps_its_raw_body_beside_the_decoded_one() {
        let raw = Bytes::from_static(br#"{"id": 7, "extra": true}"#);
        let response = ApiResponse::new(StatusCode::OK, ResponseHeaders::default(), 7, raw.clone());
        assert_eq!(response.raw_body(), &raw[..]);
        assert_eq!(
            response.raw_body().as_ptr(),
            raw.as_ptr(),
            "the buffer is shared, not copied"
        );
        let shown = format!("{response:?}");
        assert!(shown.contains("raw_body_len: 24"), "{shown}");
        assert_eq!(*response, 7);
    }
}
