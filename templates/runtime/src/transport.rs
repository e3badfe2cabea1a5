//! Sending a prepared request and turning the response into a typed result.

use std::borrow::Cow;
use std::time::Instant;

use bytes::Bytes;
use http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION,
    WWW_AUTHENTICATE,
};
use http::{Method, StatusCode};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::body::{read_limited, retained_text, BodyClock, BodyError, MAX_ERROR_BODY};
use crate::client::Transport;
use crate::error::{ApiErrorResponse, Error, ErrorBody, InvalidParameter, UndecodableBody};
use crate::hooks::{AttemptOutcome, RequestInfo};
use crate::options::{positive, CallOptions};
use crate::rate_limit;
use crate::redirect::{is_redirect, next_url, Redirect};
use crate::response::{ApiResponse, ResponseHeaders};
use crate::retry::{is_retryable_status, retry_after, RetryPolicy};
use crate::transport_error::{size_text, CallProgress, Doing, Stage, TransportError};

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
    // Ids and names (what path parameters hold) rarely need a byte escaped: checking that
    // first costs a fraction of the encoder's walk.
    if segment.bytes().all(stays_in_segment) {
        return Cow::Borrowed(segment);
    }
    utf8_percent_encode(segment, PATH_SEGMENT).into()
}

/// Whether `byte` is left as it is in a path segment: ASCII outside [`PATH_SEGMENT`].
fn stays_in_segment(byte: u8) -> bool {
    KEPT_IN_SEGMENT[usize::from(byte)]
}

/// [`stays_in_segment`] for every byte, worked out once.
const KEPT_IN_SEGMENT: [bool; 256] = {
    let mut kept = [false; 256];
    let mut byte: u8 = 0;
    while byte < 0x80 {
        kept[byte as usize] = byte.is_ascii_graphic()
            && !matches!(
                byte,
                b'"' | b'#'
                    | b'%'
                    | b'/'
                    | b'<'
                    | b'>'
                    | b'?'
                    | b'['
                    | b'\\'
                    | b']'
                    | b'^'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
            );
        byte += 1;
    }
    kept
};

/// Fills `{name}` placeholders in `template` with the percent-encoded `values`.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn fill_path(template: &str, values: &[(&str, &str)]) -> String {
    let mut path = String::with_capacity(template.len() + 32);
    push_path(&mut path, template, values);
    path
}

/// Appends `template` to `path` with its `{name}` placeholders filled with the
/// percent-encoded `values`.
pub(crate) fn push_path(path: &mut String, template: &str, values: &[(&str, &str)]) {
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
}

/// `value` as the value of the header `name`.
fn header_value(name: &str, value: &str) -> Result<HeaderValue, InvalidParameter> {
    HeaderValue::from_str(value)
        .map_err(|_| InvalidParameter::new(name, value, "not valid in a header"))
}

/// A request built by a generated operation, ready to send. Part of the interface for
/// generated code, not for callers.
#[doc(hidden)]
pub struct PreparedRequest<'a> {
    /// The spec's `operationId`, for hooks and tracing.
    pub operation_id: &'static str,
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
    /// The error statuses the spec declares for the operation.
    pub declared_errors: &'static [u16],
    /// What the call changes of the client's settings.
    pub options: &'a CallOptions,
}

/// One call's timeouts and retry policy: its own where it sets them, else the client's.
struct CallTiming<'a> {
    timeout: std::time::Duration,
    deadline: Option<std::time::Duration>,
    stall: std::time::Duration,
    retry: &'a RetryPolicy,
}

/// The requests a call sent, for its span.
fn attempts_sent<T, B>(result: &Result<T, Error<B>>, progress: &CallProgress) -> u32 {
    match result {
        Err(Error::Transport(error)) => error.attempts().unwrap_or(progress.sent),
        _ => progress.sent,
    }
}

/// The final response of an exchange: status, headers and the body's bytes.
struct Received {
    status: StatusCode,
    headers: ResponseHeaders,
    body: Bytes,
    /// `false` for an error body longer than [`MAX_ERROR_BODY`], of which `body` is the start.
    complete: bool,
}

/// The longest success body a call reads, the builder setting that raises it, and whether
/// it is a download (bounded by its progress, not by the attempt's timeout).
#[derive(Clone, Copy)]
struct SuccessLimit {
    bytes: u64,
    setting: &'static str,
    download: bool,
}

impl Transport {
    /// Sends `request` and decodes a success body as JSON, an error body as `B`. Called by
    /// generated operations.
    #[doc(hidden)]
    pub async fn execute<T: DeserializeOwned, B: ErrorBody>(
        &self,
        request: PreparedRequest<'_>,
    ) -> Result<ApiResponse<T>, Error<B>> {
        let declared_errors = request.declared_errors;
        let limit = SuccessLimit {
            bytes: self.limits().json,
            setting: "max_body_size",
            download: false,
        };
        let received = self.exchange::<B>(request, limit).await?;
        decode(received, declared_errors)
    }

    /// Sends `request` and returns a success body as it is (compressed logs, CSV reports).
    /// Called by generated operations whose success responses are not JSON.
    #[doc(hidden)]
    pub async fn execute_raw<B: ErrorBody>(
        &self,
        request: PreparedRequest<'_>,
    ) -> Result<ApiResponse<Vec<u8>>, Error<B>> {
        let declared_errors = request.declared_errors;
        let limit = SuccessLimit {
            bytes: self.limits().download,
            setting: "max_download_size",
            download: true,
        };
        let received = self.exchange::<B>(request, limit).await?;
        if received.status.is_success() {
            let Received {
                status,
                headers,
                body,
                ..
            } = received;
            return Ok(ApiResponse::new(status, headers, body.to_vec(), body));
        }
        Err(error_response(received, declared_errors))
    }

    /// Sends `request` (authenticating, retrying as the policy allows) inside a tracing span
    /// that records the operation, the final status or failure, the attempts and the time.
    async fn exchange<B>(
        &self,
        request: PreparedRequest<'_>,
        limit: SuccessLimit,
    ) -> Result<Received, Error<B>> {
        // The call's settings, checked before anything is sent (and before its span opens).
        let timing = self.call_timing(request.options)?;
        let span = tracing::info_span!(
            "atlas_request",
            operation_id = request.operation_id,
            method = %request.method,
            path = request.path,
            status = tracing::field::Empty,
            error = tracing::field::Empty,
            attempt = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let mut progress = CallProgress::default();
        let attempts = self
            .attempts::<B>(request, limit, &timing, &mut progress)
            .instrument(span.clone());
        let result = match timing.deadline {
            None => attempts.await,
            Some(deadline) => {
                let outcome = tokio::time::timeout(deadline, attempts).await;
                outcome.unwrap_or_else(|_| {
                    progress.elapsed = started.elapsed();
                    let sent = progress.sent;
                    let error = TransportError::deadline(
                        deadline,
                        self.base_url(),
                        std::mem::take(&mut progress),
                    );
                    tracing::debug!(parent: &span, sent, %error, "the call's deadline passed");
                    Err(Error::Transport(error))
                })
            }
        };
        span.record("attempt", attempts_sent(&result, &progress));
        span.record(
            "duration_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        match &result {
            Ok(received) => {
                span.record("status", received.status.as_u16());
            }
            Err(Error::Transport(error)) => {
                if let Some(status) = error.status().or(error.last_status()) {
                    span.record("status", status.as_u16());
                }
                span.record("error", tracing::field::display(error.kind()));
            }
            Err(Error::Auth(_)) => {
                span.record("error", "authentication failed");
            }
            Err(_) => {
                span.record("error", "invalid parameter");
            }
        }
        result
    }

    /// The timeouts and retry policy of one call: its own where it sets them, else the
    /// client's.
    fn call_timing<'o>(
        &'o self,
        options: &'o CallOptions,
    ) -> Result<CallTiming<'o>, InvalidParameter> {
        let (timeout, deadline, stall) = self.timing();
        let timeout = match options.timeout {
            Some(timeout) => positive("timeout", timeout)?,
            None => timeout,
        };
        let deadline = match options.deadline {
            Some(deadline) => Some(positive("deadline", deadline)?),
            None => deadline,
        };
        Ok(CallTiming {
            timeout,
            deadline,
            stall,
            retry: options.retry.as_ref().unwrap_or(self.retry_policy()),
        })
    }

    /// The attempts of one call; `progress` says how far it got.
    async fn attempts<B>(
        &self,
        request: PreparedRequest<'_>,
        limit: SuccessLimit,
        timing: &CallTiming<'_>,
        progress: &mut CallProgress,
    ) -> Result<Received, Error<B>> {
        let base_url = self.base_url();
        let mut address = String::with_capacity(base_url.len() + request.path.len() + 64);
        address.push_str(base_url);
        push_path(&mut address, request.path, request.path_params);
        let mut url = reqwest::Url::parse(&address).map_err(|error| {
            InvalidParameter::new("path", &address[base_url.len()..], error.to_string())
        })?;
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
        // Room for what is added to a copy of these before each attempt: `Authorization`, the
        // `User-Agent` reqwest adds, a hook's header or two. Without it the copy (made with the
        // capacity it needs and no more) grows again.
        let mut headers = HeaderMap::with_capacity(request.headers.len() + 6);
        headers.insert(ACCEPT, header_value("Accept", request.accept)?);
        for (name, value) in &request.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| InvalidParameter::new(*name, value, "not a valid header name"))?;
            headers.append(header, header_value(name, value)?);
        }
        if let Some((content_type, _)) = &body {
            headers.insert(CONTENT_TYPE, header_value("Content-Type", content_type)?);
        }

        let policy = timing.retry;
        let may_retry = policy.allows(&request.method);
        let timeouts = self.timeouts();
        let rate_key = self
            .rate_limiter()
            .map(|_| rate_limit::Key::new(&request.method, request.path, request.path_params));
        let started = Instant::now();
        let mut attempt = 1;
        let mut reauthenticated = false;
        let mut redirects = 0;
        // What this call's last retry took from the retry budget.
        let mut retry_spent: Option<u32> = None;
        loop {
            let permit = match (self.rate_limiter(), &rate_key) {
                (Some(limiter), Some(key)) => {
                    progress.doing = Doing::RateLimit;
                    Some(limiter.acquire(key).await)
                }
                _ => None,
            };
            progress.doing = Doing::Preparing;
            let (authorization, auth_sent) = self
                .authenticator()
                .authorize::<B>(
                    self.http(),
                    timeouts,
                    &request.method,
                    &url,
                    body.as_ref().map(|(_, bytes)| bytes.as_slice()),
                )
                .await?;
            progress.sent += 1;
            let info = RequestInfo {
                operation_id: request.operation_id,
                method: &request.method,
                path: request.path,
                attempt: progress.sent,
            };
            // The request is built whole here, its headers put in place rather than merged
            // into an empty map by a `RequestBuilder`.
            let mut outgoing = reqwest::Request::new(request.method.clone(), url.clone());
            *outgoing.headers_mut() = headers.clone();
            for hook in self.hooks() {
                hook.before_attempt(&info, outgoing.headers_mut());
            }
            // After the hooks, so that none of them can read it.
            if let Some(authorization) = authorization {
                outgoing.headers_mut().insert(AUTHORIZATION, authorization);
            }
            if let Some((_, bytes)) = &body {
                // The body is replayed as it is on every attempt.
                *outgoing.body_mut() = Some(bytes.clone().into());
            }
            let sent_at = Instant::now();
            let attempt_ends = sent_at + timing.timeout;
            progress.doing = Doing::Sending;
            let sent = tokio::time::timeout_at(attempt_ends.into(), self.http().execute(outgoing));
            let response = match sent.await {
                Ok(Ok(response)) => response,
                failed => {
                    drop(permit);
                    let error = match failed {
                        Ok(Err(error)) => {
                            TransportError::new(error, Stage::Send, timeouts, Some(&url))
                        }
                        _ => TransportError::timed_out(Stage::Send, timing.timeout, &url),
                    };
                    progress.last_status = None;
                    progress.last_failure = Some(error.kind());
                    let delay = (may_retry && error.is_retryable())
                        .then(|| policy.delay(attempt, started, None))
                        .flatten()
                        .filter(|_| self.spend_retry(&mut retry_spent, error.kind().is_timeout()));
                    self.after_attempt(&info, None, Some(&error), sent_at, delay.is_some());
                    match delay {
                        Some(delay) => {
                            tracing::debug!(attempt, ?delay, %error, "retrying after a transport error");
                            progress.doing = Doing::RetryWait;
                            tokio::time::sleep(delay).await;
                            attempt += 1;
                            // A new attempt may meet a new challenge (a nonce gone stale
                            // while it waited); only two 401s in a row end the call.
                            reauthenticated = false;
                            continue;
                        }
                        None => return Err(Error::Transport(error)),
                    }
                }
            };
            let mut response = response;
            let status = response.status();
            progress.last_status = Some(status);
            progress.last_failure = None;
            if let Some(permit) = permit {
                permit.answered(status, response.headers());
            }
            if is_redirect(status) {
                if let Some(location) = response.headers().get(LOCATION) {
                    let judged = next_url(&Redirect {
                        status,
                        method: &request.method,
                        from: &url,
                        location: location.to_str().unwrap_or_default(),
                        followed: redirects,
                        credentials: self.authenticator().has_credentials(),
                        allow_insecure_http: self.allows_insecure_http(),
                    });
                    match judged {
                        Ok(next) => {
                            self.after_attempt(&info, Some(status), None, sent_at, true);
                            tracing::debug!(%status, "following a redirect");
                            url = next;
                            redirects += 1;
                            continue;
                        }
                        Err(reason) => {
                            let error = TransportError::redirect_refused(status, &url, reason);
                            self.after_attempt(&info, Some(status), Some(&error), sent_at, false);
                            return Err(Error::Transport(error));
                        }
                    }
                }
            }
            if status == StatusCode::UNAUTHORIZED && !reauthenticated {
                let challenge = response
                    .headers()
                    .get(WWW_AUTHENTICATE)
                    .and_then(|value| value.to_str().ok());
                if self
                    .authenticator()
                    .on_unauthorized(&auth_sent, challenge)
                    .await
                {
                    self.after_attempt(&info, Some(status), None, sent_at, true);
                    reauthenticated = true;
                    continue;
                }
            }
            if may_retry && is_retryable_status(status) {
                let delay = policy
                    .delay(attempt, started, retry_after(response.headers()))
                    // A 429 is paced by the rate limiter and costs no retry budget.
                    .filter(|_| {
                        status == StatusCode::TOO_MANY_REQUESTS
                            || self.spend_retry(&mut retry_spent, false)
                    });
                if let Some(delay) = delay {
                    self.after_attempt(&info, Some(status), None, sent_at, true);
                    tracing::debug!(attempt, ?delay, %status, "retrying");
                    progress.doing = Doing::RetryWait;
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                    reauthenticated = false;
                    continue;
                }
            }
            if !status.is_server_error() && status != StatusCode::TOO_MANY_REQUESTS {
                self.retry_tokens().give_back(retry_spent);
            }
            // Taken, not copied: the body is read without them (its length is the body's own).
            let headers = ResponseHeaders::new(std::mem::take(response.headers_mut()));
            self.report_deprecation(request.path, &headers);
            let success = status.is_success();
            let read_at_most = if success { limit.bytes } else { MAX_ERROR_BODY };
            let too_large =
                || TransportError::body_too_large(status, limit.bytes, limit.setting, &url);
            if success
                && response
                    .content_length()
                    .is_some_and(|length| length > limit.bytes)
            {
                let error = too_large();
                self.after_attempt(&info, Some(status), Some(&error), sent_at, false);
                return Err(Error::Transport(error));
            }
            // A download's body is bounded by its progress alone; any other by the attempt's
            // timeout too.
            let clock = BodyClock {
                stall: timing.stall,
                until: (!limit.download).then_some(attempt_ends),
            };
            progress.doing = Doing::Reading;
            return match read_limited(response, read_at_most, Some(clock)).await {
                Ok(read) if success && !read.complete => {
                    let error = too_large();
                    self.after_attempt(&info, Some(status), Some(&error), sent_at, false);
                    Err(Error::Transport(error))
                }
                Ok(read) => {
                    self.after_attempt(&info, Some(status), None, sent_at, false);
                    Ok(Received {
                        status,
                        headers,
                        body: read.bytes,
                        complete: read.complete,
                    })
                }
                Err(failure) => {
                    let error = match failure {
                        BodyError::Failed(error) => {
                            TransportError::new(error, Stage::Body(status), timeouts, Some(&url))
                        }
                        BodyError::Stalled => TransportError::stalled(status, timing.stall, &url),
                        BodyError::TimedOut => {
                            TransportError::timed_out(Stage::Body(status), timing.timeout, &url)
                        }
                    };
                    self.after_attempt(&info, Some(status), Some(&error), sent_at, false);
                    Err(Error::Transport(error))
                }
            };
        }
    }

    /// Takes a retry's cost from the client's retry budget, noting it in `spent`; `false`
    /// when too little is left, and the call ends with its last error.
    fn spend_retry(&self, spent: &mut Option<u32>, after_timeout: bool) -> bool {
        match self.retry_tokens().spend(after_timeout) {
            Some(cost) => {
                *spent = Some(cost);
                true
            }
            None => {
                tracing::debug!("the client's retry budget is spent: not retrying");
                false
            }
        }
    }

    /// Tells every hook how an attempt ended.
    fn after_attempt(
        &self,
        info: &RequestInfo<'_>,
        status: Option<StatusCode>,
        error: Option<&TransportError>,
        sent_at: Instant,
        will_retry: bool,
    ) {
        if self.hooks().is_empty() {
            return;
        }
        let outcome = AttemptOutcome {
            status,
            error,
            elapsed: sent_at.elapsed(),
            will_retry,
        };
        for hook in self.hooks() {
            hook.after_attempt(info, &outcome);
        }
    }

    /// Logs a warning the first time a deprecated resource version answers.
    fn report_deprecation(&self, path: &str, headers: &ResponseHeaders) {
        let Some(deprecation) = headers.deprecation() else {
            return;
        };
        let media_type = headers.content_type().unwrap_or_default();
        if self.first_deprecation_notice(path, media_type) {
            let sunset = headers.sunset().map(|at| at.to_rfc2822());
            tracing::warn!(
                path,
                media_type,
                deprecation = %deprecation,
                sunset = sunset.as_deref().unwrap_or("not announced"),
                "Atlas reports this resource version as deprecated; move to a newer version before its sunset"
            );
        }
    }
}

fn decode<T: DeserializeOwned, B: ErrorBody>(
    received: Received,
    declared_errors: &[u16],
) -> Result<ApiResponse<T>, Error<B>> {
    if !received.status.is_success() {
        return Err(error_response(received, declared_errors));
    }
    let Received {
        status,
        headers,
        body,
        ..
    } = received;
    match decode_body::<T>(&body) {
        Ok(value) => Ok(ApiResponse::new(status, headers, value, body)),
        Err(error) => Err(undecodable(status, headers, &body, error.to_string())),
    }
}

/// A success body as `T`: what every JSON operation does with the bytes it read. Public (and
/// hidden) for the decode benchmark (`scripts/bench-decode`), which compares it with
/// `serde_json::from_slice` on the largest response type of the whole spec.
#[doc(hidden)]
pub fn decode_body<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    // An empty body decodes like `null`, which is what a body-less type `()` (or an optional
    // body) expects.
    let json: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    serde_json::from_slice::<T>(json)
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
        text: retained_text(body),
        reason,
    }))
}

/// The error for a response with an error status.
fn error_response<B: ErrorBody>(received: Received, declared_errors: &[u16]) -> Error<B> {
    let Received {
        status,
        headers,
        body,
        complete,
    } = received;
    if !complete {
        let reason = format!(
            "error status with a body longer than {}, read no further",
            size_text(MAX_ERROR_BODY)
        );
        return undecodable(status, headers, &body, reason);
    }
    match serde_json::from_slice::<B>(&body) {
        Ok(error_body) => Error::Api(Box::new(ApiErrorResponse {
            status,
            headers,
            body: error_body,
            declared: declared_errors.contains(&status.as_u16()),
        })),
        Err(error) => undecodable(
            status,
            headers,
            &body,
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
        assert_eq!(
            fill_path("/a/{id}", &[("id", "5f1e2d3c4b5a69788796a5b4")]),
            "/a/5f1e2d3c4b5a69788796a5b4"
        );
        assert_eq!(fill_path("/a/{name}", &[("name", "é")]), "/a/%C3%A9");
    }

    #[test]
    fn the_quick_check_agrees_with_the_encoder() {
        for byte in 0..=u8::MAX {
            let encoded = percent_encoding::percent_encode(&[byte], PATH_SEGMENT).to_string();
            let untouched = encoded.as_bytes() == [byte];
            assert_eq!(stays_in_segment(byte), untouched, "byte {byte:#04x}");
        }
    }

    #[test]
    fn empty_success_bodies_decode_as_unit() {
        let received = Received {
            status: StatusCode::NO_CONTENT,
            headers: ResponseHeaders::default(),
            body: Bytes::new(),
            complete: true,
        };
        let response: ApiResponse<()> = decode::<(), serde_json::Value>(received, &[]).unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert!(response.raw_body().is_empty());
    }
}
