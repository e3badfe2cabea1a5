//! Sending a prepared request and turning the response into a typed result.

use std::borrow::Cow;
use std::time::Instant;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::Transport;
use crate::error::{ApiErrorResponse, Error, ErrorBody, InvalidParameter, UndecodableBody};
use crate::response::{ApiResponse, ResponseHeaders};
use crate::retry::{is_retryable_status, is_retryable_transport, retry_after};

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
fn encode_segment(segment: &str) -> Cow<'_, str> {
    utf8_percent_encode(segment, PATH_SEGMENT).into()
}

/// Fills `{name}` placeholders in `template` with the percent-encoded `values`.
pub(crate) fn fill_path(template: &str, values: &[(&str, &str)]) -> String {
    let mut path = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        match values.iter().find(|(key, _)| *key == name) {
            Some((_, value)) => path.push_str(&encode_segment(value)),
            None => path.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    path.push_str(rest);
    path
}

/// A request built by a generated operation, ready to send. Part of the interface for
/// generated code, not for callers.
#[doc(hidden)]
pub struct PreparedRequest<'a> {
    pub method: Method,
    /// The spec's path template, e.g. `/groups/{groupId}`.
    pub path: &'static str,
    /// Values for the template's placeholders (validated; encoded here).
    pub path_params: &'a [(&'static str, &'a str)],
    pub query: Vec<(&'static str, String)>,
    /// Request headers the operation declares.
    pub headers: Vec<(&'static str, String)>,
    pub accept: &'static str,
    /// Content type and the body encoded as JSON.
    pub body: Option<(&'static str, serde_json::Result<Vec<u8>>)>,
    /// `envelope=true` was requested: the body arrives wrapped and is unwrapped here.
    pub envelope: bool,
    /// The error statuses the spec declares for the operation.
    pub declared_errors: &'static [u16],
}

impl Transport {
    /// Sends `request` and decodes a success body as JSON, an error body as `B`. Called by
    /// generated operations.
    #[doc(hidden)]
    pub async fn execute<T: DeserializeOwned, B: ErrorBody>(
        &self,
        request: PreparedRequest<'_>,
    ) -> Result<ApiResponse<T>, Error<B>> {
        let (envelope, declared_errors) = (request.envelope, request.declared_errors);
        let (status, headers, bytes) = self.exchange::<B>(request).await?;
        decode(status, headers, &bytes, envelope, declared_errors)
    }

    /// Sends `request` and returns a success body as it is (compressed logs, CSV reports).
    /// Called by generated operations whose success responses are not JSON.
    #[doc(hidden)]
    pub async fn execute_raw<B: ErrorBody>(
        &self,
        request: PreparedRequest<'_>,
    ) -> Result<ApiResponse<Vec<u8>>, Error<B>> {
        let declared_errors = request.declared_errors;
        let (status, headers, bytes) = self.exchange::<B>(request).await?;
        if status.is_success() {
            return Ok(ApiResponse::new(status, headers, bytes));
        }
        Err(error_response(status, headers, &bytes, declared_errors))
    }

    /// Sends `request` (authenticating, retrying as the policy allows) and returns the final
    /// response's status, headers and body.
    async fn exchange<B>(
        &self,
        request: PreparedRequest<'_>,
    ) -> Result<(StatusCode, ResponseHeaders, Vec<u8>), Error<B>> {
        let path = fill_path(request.path, request.path_params);
        let address = format!("{}{path}", self.base_url());
        let mut url = reqwest::Url::parse(&address)
            .map_err(|error| InvalidParameter::new("path", &path, error.to_string()))?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(
                request
                    .query
                    .iter()
                    .map(|(name, value)| (*name, value.as_str())),
            );
        }
        let body = match request.body {
            Some((content_type, encoded)) => Some((
                content_type,
                encoded.map_err(|error| {
                    InvalidParameter::new("body", "", format!("cannot be encoded as JSON: {error}"))
                })?,
            )),
            None => None,
        };
        // The request target, as Digest authentication signs it.
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };

        let policy = self.retry_policy();
        let may_retry = policy.allows(&request.method);
        let started = Instant::now();
        let mut attempt = 1;
        let mut reauthenticated = false;
        loop {
            let (authorization, sent) = self
                .authenticator()
                .authorize::<B>(
                    self.http(),
                    &request.method,
                    &target,
                    body.as_ref().map(|(_, bytes)| bytes.as_slice()),
                )
                .await?;
            let mut builder = self
                .http()
                .request(request.method.clone(), url.clone())
                .header(ACCEPT, request.accept);
            for (name, value) in &request.headers {
                builder = builder.header(*name, value.as_str());
            }
            if let Some((content_type, bytes)) = &body {
                // The body is replayed as it is on every attempt.
                builder = builder
                    .header(CONTENT_TYPE, *content_type)
                    .body(bytes.clone());
            }
            if let Some(authorization) = authorization {
                builder = builder.header(AUTHORIZATION, authorization);
            }
            let response = match builder.send().await {
                Ok(response) => response,
                Err(error) => {
                    let delay = (may_retry && is_retryable_transport(&error))
                        .then(|| policy.delay(attempt, started, None))
                        .flatten();
                    match delay {
                        Some(delay) => {
                            tracing::debug!(attempt, ?delay, %error, "retrying after a transport error");
                            tokio::time::sleep(delay).await;
                            attempt += 1;
                            continue;
                        }
                        None => return Err(Error::Transport(error)),
                    }
                }
            };
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !reauthenticated {
                let challenge = response
                    .headers()
                    .get(WWW_AUTHENTICATE)
                    .and_then(|value| value.to_str().ok());
                if self.authenticator().on_unauthorized(&sent, challenge).await {
                    reauthenticated = true;
                    continue;
                }
            }
            if may_retry && is_retryable_status(status) {
                if let Some(delay) = policy.delay(attempt, started, retry_after(response.headers()))
                {
                    tracing::debug!(attempt, ?delay, %status, "retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                    continue;
                }
            }
            let headers = ResponseHeaders::new(response.headers().clone());
            self.report_deprecation(request.path, &headers);
            let bytes = response.bytes().await.map_err(Error::Transport)?;
            return Ok((status, headers, bytes.to_vec()));
        }
    }

    /// Logs a warning the first time a deprecated resource version answers.
    fn report_deprecation(&self, path: &str, headers: &ResponseHeaders) {
        let Some(deprecated) = headers.deprecation() else {
            return;
        };
        let media_type = headers.content_type().unwrap_or_default();
        if self.first_deprecation_notice(path, media_type) {
            let sunset = headers.sunset().map(|at| at.to_rfc2822());
            tracing::warn!(
                path,
                media_type,
                deprecated = %deprecated.to_rfc2822(),
                sunset = sunset.as_deref().unwrap_or("not announced"),
                "Atlas reports this resource version as deprecated; move to a newer version before its sunset"
            );
        }
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

fn decode<T: DeserializeOwned, B: ErrorBody>(
    status: StatusCode,
    headers: ResponseHeaders,
    bytes: &[u8],
    envelope: bool,
    declared_errors: &[u16],
) -> Result<ApiResponse<T>, Error<B>> {
    let (status, body) = if envelope {
        unwrap_envelope(status, bytes)
    } else {
        (status, Cow::Borrowed(bytes))
    };
    if !status.is_success() {
        return Err(error_response(status, headers, &body, declared_errors));
    }
    // An empty body decodes like `null`, which is what a body-less type `()` (or an optional
    // body) expects.
    let json: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        &body
    };
    match serde_json::from_slice::<T>(json) {
        Ok(value) => Ok(ApiResponse::new(status, headers, value)),
        Err(error) => Err(undecodable(status, headers, &body, error.to_string())),
    }
}

fn undecodable<B>(
    status: StatusCode,
    headers: ResponseHeaders,
    body: &[u8],
    reason: String,
) -> Error<B> {
    Error::UndecodableBody(Box::new(UndecodableBody {
        status,
        headers,
        text: String::from_utf8_lossy(body).into_owned(),
        reason,
    }))
}

/// The error for a response with an error status.
fn error_response<B: ErrorBody>(
    status: StatusCode,
    headers: ResponseHeaders,
    body: &[u8],
    declared_errors: &[u16],
) -> Error<B> {
    match serde_json::from_slice::<B>(body) {
        Ok(error_body) => Error::Api(Box::new(ApiErrorResponse {
            status,
            headers,
            body: error_body,
            declared: declared_errors.contains(&status.as_u16()),
        })),
        Err(error) => undecodable(
            status,
            headers,
            body,
            format!("error status with a body that is not an Atlas error: {error}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_and_encodes_path_placeholders() {
        let path = fill_path(
            "/groups/{groupId}/clusters/{clusterName}",
            &[("groupId", "a b/c"), ("clusterName", "x%y")],
        );
        assert_eq!(path, "/groups/a%20b%2Fc/clusters/x%25y");
        // A placeholder without a value is left as it is rather than guessed.
        assert_eq!(fill_path("/a/{missing}/b", &[]), "/a/{missing}/b");
    }

    #[test]
    fn unwraps_envelopes_and_leaves_other_bodies_alone() {
        let (status, body) =
            unwrap_envelope(StatusCode::OK, br#"{"status": 404, "content": {"a": 1}}"#);
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            serde_json::json!({"a": 1})
        );
        let plain = br#"{"status": "OK", "content": 1}"#;
        let (status, body) = unwrap_envelope(StatusCode::OK, plain);
        assert_eq!((status, &*body), (StatusCode::OK, &plain[..]));
    }

    #[test]
    fn empty_success_bodies_decode_as_unit() {
        let response: ApiResponse<()> = decode::<(), Value>(
            StatusCode::NO_CONTENT,
            ResponseHeaders::default(),
            b"",
            false,
            &[],
        )
        .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
}
