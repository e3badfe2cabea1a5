//! Sending a prepared request and turning the response into a typed result.

use std::borrow::Cow;
use std::sync::OnceLock;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use regex::Regex;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::client::Client;
use crate::error::{ApiErrorResponse, Error, InvalidParameter, UndecodableBody};
use crate::response::{ApiResponse, ResponseHeaders};
use crate::ErrorBody;

/// Characters escaped in a path segment (RFC 3986 `pchar` complement, plus `/` and `%`).
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Percent-encodes one path segment.
pub(crate) fn encode_segment(segment: &str) -> Cow<'_, str> {
    utf8_percent_encode(segment, PATH_SEGMENT).into()
}

/// A request built by an operation, ready to send.
pub(crate) struct PreparedRequest {
    pub(crate) method: Method,
    /// Already percent-encoded.
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) accept: &'static str,
    /// Content type and encoded body.
    pub(crate) body: Option<(&'static str, Vec<u8>)>,
    /// `envelope=true` was requested: the body arrives wrapped and is unwrapped here.
    pub(crate) envelope: bool,
    /// The error statuses the spec declares for the operation.
    pub(crate) declared_errors: &'static [u16],
}

/// Encodes a request body as JSON.
pub(crate) fn encode_body<T: Serialize>(body: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body).map_err(|error| {
        InvalidParameter::new("body", "", format!("cannot be encoded as JSON: {error}")).into()
    })
}

impl Client {
    pub(crate) async fn execute<T: DeserializeOwned>(
        &self,
        request: PreparedRequest,
    ) -> Result<ApiResponse<T>, Error> {
        let address = format!("{}{}", self.base_url(), request.path);
        let mut url = reqwest::Url::parse(&address)
            .map_err(|error| InvalidParameter::new("path", &request.path, error.to_string()))?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(
                request
                    .query
                    .iter()
                    .map(|(name, value)| (*name, value.as_str())),
            );
        }
        let mut builder = self
            .http()
            .request(request.method, url)
            .header(ACCEPT, request.accept);
        if let Some((content_type, bytes)) = request.body {
            builder = builder.header(CONTENT_TYPE, content_type).body(bytes);
        }
        let builder = self.credentials().apply(builder);
        let response = builder.send().await.map_err(Error::Transport)?;
        let status = response.status();
        let headers = ResponseHeaders::new(response.headers().clone());
        let bytes = response.bytes().await.map_err(Error::Transport)?;
        decode(
            status,
            headers,
            &bytes,
            request.envelope,
            request.declared_errors,
        )
    }
}

/// With `envelope=true` Atlas answers `{"status": <code>, "content": <body>}`; the status
/// inside is the real one. A body of any other shape is taken as it is.
fn unwrap_envelope(status: StatusCode, bytes: &[u8]) -> (StatusCode, Cow<'_, [u8]>) {
    let Ok(Value::Object(mut envelope)) = serde_json::from_slice::<Value>(bytes) else {
        return (status, Cow::Borrowed(bytes));
    };
    let inner_status = envelope
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|code| u16::try_from(code).ok())
        .and_then(|code| StatusCode::from_u16(code).ok());
    match (inner_status, envelope.remove("content")) {
        (Some(inner_status), Some(content)) => match serde_json::to_vec(&content) {
            Ok(content) => (inner_status, Cow::Owned(content)),
            Err(_) => (status, Cow::Borrowed(bytes)),
        },
        _ => (status, Cow::Borrowed(bytes)),
    }
}

fn decode<T: DeserializeOwned>(
    status: StatusCode,
    headers: ResponseHeaders,
    bytes: &[u8],
    envelope: bool,
    declared_errors: &[u16],
) -> Result<ApiResponse<T>, Error> {
    let (status, body) = if envelope {
        unwrap_envelope(status, bytes)
    } else {
        (status, Cow::Borrowed(bytes))
    };
    let undecodable = |headers, reason: String| {
        Error::UndecodableBody(Box::new(UndecodableBody {
            status,
            headers,
            text: String::from_utf8_lossy(&body).into_owned(),
            reason,
        }))
    };
    if status.is_success() {
        // An empty body decodes like `null`, which is what a body-less type `()` expects.
        let json: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &body
        };
        return match serde_json::from_slice::<T>(json) {
            Ok(value) => Ok(ApiResponse::new(status, headers, value)),
            Err(error) => Err(undecodable(headers, error.to_string())),
        };
    }
    match serde_json::from_slice::<ErrorBody>(&body) {
        Ok(error_body) => Err(Error::Api(Box::new(ApiErrorResponse {
            status,
            headers,
            body: error_body,
            declared: declared_errors.contains(&status.as_u16()),
        }))),
        Err(error) => Err(undecodable(
            headers,
            format!("error status with a body that is not an Atlas error: {error}"),
        )),
    }
}

/// A regular expression from the spec, compiled on first use.
pub(crate) struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    pub(crate) const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The generator checked that every pattern compiles; should one not, every value is
    /// rejected rather than the process aborting.
    fn is_match(&self, value: &str) -> bool {
        self.compiled
            .get_or_init(|| Regex::new(self.source).ok())
            .as_ref()
            .is_some_and(|regex| regex.is_match(value))
    }
}

/// The spec's constraints on one string value.
pub(crate) struct StringRules {
    pub(crate) pattern: Option<&'static Pattern>,
    pub(crate) min_length: Option<usize>,
    pub(crate) max_length: Option<usize>,
    /// Path segments may not be empty: an empty one would address another resource.
    pub(crate) non_empty: bool,
}

impl StringRules {
    pub(crate) fn check(&self, name: &str, value: &str) -> Result<(), InvalidParameter> {
        let length = value.chars().count();
        if self.non_empty && value.is_empty() {
            return Err(InvalidParameter::new(name, value, "must not be empty"));
        }
        if let Some(min) = self.min_length.filter(|min| length < *min) {
            return Err(InvalidParameter::new(
                name,
                value,
                format!("must be at least {min} characters long"),
            ));
        }
        if let Some(max) = self.max_length.filter(|max| length > *max) {
            return Err(InvalidParameter::new(
                name,
                value,
                format!("must be at most {max} characters long"),
            ));
        }
        match self.pattern {
            Some(pattern) if !pattern.is_match(value) => Err(InvalidParameter::new(
                name,
                value,
                format!("must match `{}`", pattern.source),
            )),
            _ => Ok(()),
        }
    }
}

/// Checks a request value against the spec's constraints before it is sent.
pub(crate) trait Validate {
    /// `path` names the value in errors, e.g. `body.snapshotId`.
    fn validate(&self, path: &str) -> Result<(), InvalidParameter>;
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, path: &str) -> Result<(), InvalidParameter> {
        self.iter()
            .enumerate()
            .try_for_each(|(index, item)| item.validate(&format!("{path}[{index}]")))
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, path: &str) -> Result<(), InvalidParameter> {
        self.as_ref().map_or(Ok(()), |value| value.validate(path))
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate(&self, path: &str) -> Result<(), InvalidParameter> {
        self.as_ref().validate(path)
    }
}
