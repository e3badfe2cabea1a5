//! Sending a prepared request and turning the response into a typed result.
//!
//! The runtime times attempts itself (the reqwest client it builds has a connect timeout and no
//! total timeout), which is what lets a call set its own and lets a download run as long as it
//! progresses: `timeout` (default 60 s) bounds each attempt from sending to the end of a JSON body;
//! `stall_timeout` bounds a body that stops (see `body.rs`); `deadline` (default none; client-wide
//! or per call) wraps the whole call, attempts, retry waits and rate-limit holds, and cuts whatever
//! is in flight, with an error naming the deadline, the time taken, the requests sent, what the
//! call was doing and the last status or cause. There is no default deadline:
//! `RetryPolicy::max_elapsed` (30 s) already bounds the retrying, and a default cut would fail long
//! downloads that the stall rule lets through. `call_timing` resolves one call's `CallOptions`
//! against the client's, in one place, so a request builder holds no logic of its own.
//!
//! What is sent again: a 401 once per attempt after re-authenticating; 429 and 503 answers and
//! failures before any response, under the retry policy, each retry paid from the retry budget (a
//! `429`'s excepted: the rate limiter paces it); not TLS failures, refused redirects or a body that
//! broke off. What the attempts share is made in plain functions and the request is lent down the
//! levels, not moved, so the call's future (which `IntoFuture` boxes) holds little more than what
//! its waits need.

use std::borrow::Cow;
use std::time::{Duration, Instant};

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
use crate::dry_run::{DryRun, RenderedRequest};
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
    // first costs a fraction of the encoder's walk. Every byte is looked at (no early exit),
    // which makes a loop without a branch per byte.
    if segment
        .bytes()
        .fold(true, |kept, byte| kept & stays_in_segment(byte))
    {
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
    path.reserve(template.len() + values.iter().map(|(_, value)| value.len()).sum::<usize>());
    // Generated code lists the values in the order of the placeholders: the next one is
    // tried first.
    let mut next = 0;
    let mut rest = template;
    while let Some(open) = find_byte(rest.as_bytes(), b'{') {
        let after = &rest[open + 1..];
        let Some(close) = find_byte(after.as_bytes(), b'}') else {
            break;
        };
        let name = &after[..close];
        let value = match values.get(next) {
            Some((key, value)) if *key == name => {
                next += 1;
                Some(*value)
            }
            _ => values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| *value),
        };
        match value {
            Some(value) => {
                path.push_str(&rest[..open]);
                path.push_str(&encode_segment(value));
            }
            None => path.push_str(&rest[..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    path.push_str(rest);
}

/// Where `byte` first is in `bytes`, eight bytes at a time: the pieces of a path template
/// are short, too short for `memchr`'s setup to pay.
fn find_byte(bytes: &[u8], byte: u8) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let pattern = ONES * u64::from(byte);
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let found = u64::from_le_bytes(word) ^ pattern;
        // A zero byte in `found` is a match; this sets its high bit (and no bit below the
        // first match).
        let zeros = found.wrapping_sub(ONES) & !found & HIGHS;
        if zeros != 0 {
            return Some(offset + (zeros.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|candidate| *candidate == byte)
        .map(|position| offset + position)
}

/// `value` as the value of the header `name`.
fn header_value(name: &str, value: &str) -> Result<HeaderValue, InvalidParameter> {
    HeaderValue::from_str(value)
        .map_err(|_| InvalidParameter::new(name, value, "not valid in a header"))
}

/// [`header_value`] for a value the generated code wrote, used as it is rather than copied.
fn static_header_value(name: &str, value: &'static str) -> Result<HeaderValue, InvalidParameter> {
    HeaderValue::from_maybe_shared(Bytes::from_static(value.as_bytes()))
        .map_err(|_| InvalidParameter::new(name, value, "not valid in a header"))
}

/// The headers of one attempt before the hooks and authentication add theirs: `Accept`, the
/// operation's declared headers, and `Content-Type` for a body.
fn request_headers(
    accept: &'static str,
    declared: &[(&'static str, String)],
    content_type: Option<&'static str>,
) -> Result<HeaderMap, InvalidParameter> {
    // Room for what is added before the attempt is sent: `Authorization`, the `User-Agent`
    // reqwest adds, a hook's header or two. Without it the map grows (and moves) again.
    let mut headers = HeaderMap::with_capacity(declared.len() + 6);
    headers.insert(ACCEPT, static_header_value("Accept", accept)?);
    for (name, value) in declared {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| InvalidParameter::new(*name, value, "not a valid header name"))?;
        headers.append(header, header_value(name, value)?);
    }
    if let Some(content_type) = content_type {
        headers.insert(
            CONTENT_TYPE,
            static_header_value("Content-Type", content_type)?,
        );
    }
    Ok(headers)
}

/// A request built by a generated operation, ready to send. Part of the interface for
/// generated code, not for callers.
#[doc(hidden)]
pub struct PreparedRequest<'a> {
    /// The operation's name as the crate's docs give it (`getBackupExport`), for hooks,
    /// tracing and messages.
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
    /// When the call started: the retry policy's `max_elapsed` counts from here.
    started: Instant,
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

/// What every attempt of a call sends ([`Transport::prepare`]).
struct Prepared<'r> {
    operation_id: &'static str,
    method: Method,
    path: &'static str,
    url: reqwest::Url,
    accept: &'static str,
    /// The operation's declared headers.
    headers: Vec<(&'static str, String)>,
    content_type: Option<&'static str>,
    body: Option<Bytes>,
    /// The first attempt's headers, made with the rest so that a bad one fails the call
    /// before anything is sent; a later attempt makes its own (as cheap as a copy).
    first_headers: Option<HeaderMap>,
    /// The call's state in the rate limiter, when it has one.
    rate_key: Option<rate_limit::Key<'r>>,
}

impl Prepared<'_> {
    fn info(&self, attempt: u32) -> RequestInfo<'_> {
        RequestInfo {
            operation_id: self.operation_id,
            method: &self.method,
            path: self.path,
            attempt,
        }
    }
}

/// Where a call stands with its retries.
struct Retries {
    /// Whether the policy retries the call's method at all.
    allowed: bool,
    /// The attempt being made, counting retries only (not redirects or re-authentication).
    attempt: u32,
    started: Instant,
    /// What this call's last retry took from the retry budget.
    spent: Option<u32>,
}

/// The attempt that ended a call, its body not read yet.
struct Answered {
    response: reqwest::Response,
    status: StatusCode,
    headers: ResponseHeaders,
    /// Its number among the requests the call sent.
    attempt: u32,
    sent_at: Instant,
    attempt_ends: Instant,
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
        mut request: PreparedRequest<'_>,
    ) -> Result<ApiResponse<T>, Error<B>> {
        let declared_errors = request.declared_errors;
        let limit = SuccessLimit {
            bytes: self.limits().json,
            setting: "max_body_size",
            download: false,
        };
        let received = self.exchange::<B>(&mut request, limit).await?;
        decode(received, declared_errors)
    }

    /// Sends `request` and returns a success body as it is (compressed logs, CSV reports).
    /// Called by generated operations whose success responses are not JSON.
    #[doc(hidden)]
    pub async fn execute_raw<B: ErrorBody>(
        &self,
        mut request: PreparedRequest<'_>,
    ) -> Result<ApiResponse<Vec<u8>>, Error<B>> {
        let declared_errors = request.declared_errors;
        let limit = SuccessLimit {
            bytes: self.limits().download,
            setting: "max_download_size",
            download: true,
        };
        let received = self.exchange::<B>(&mut request, limit).await?;
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
    ///
    /// The request is lent, not given, down to the attempts: each level of the call's future
    /// would otherwise hold its own copy.
    async fn exchange<B>(
        &self,
        request: &mut PreparedRequest<'_>,
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
        let started = timing.started;
        let mut progress = CallProgress::default();
        // The attempts' future is made in each arm rather than once before the `match`:
        // otherwise the call's future holds room for it twice (once as it is, once inside the
        // timeout).
        let result = match timing.deadline {
            None => {
                self.attempts_and_body::<B>(request, limit, &timing, &mut progress)
                    .instrument(span.clone())
                    .await
            }
            Some(deadline) => {
                let attempts = self
                    .attempts_and_body::<B>(request, limit, &timing, &mut progress)
                    .instrument(span.clone());
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
        if span.is_disabled() {
            // No subscriber wants it: nothing below would be recorded.
            return result;
        }
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
            started: Instant::now(),
            timeout,
            deadline,
            stall,
            retry: options.retry.as_ref().unwrap_or(self.retry_policy()),
        })
    }

    /// The attempts of one call, then the body of the answer that ended it; `progress` says
    /// how far it got.
    async fn attempts_and_body<B>(
        &self,
        request: &mut PreparedRequest<'_>,
        limit: SuccessLimit,
        timing: &CallTiming<'_>,
        progress: &mut CallProgress,
    ) -> Result<Received, Error<B>> {
        let mut call = self.prepare(request)?;
        if let Some(dry_run) = self.dry_run() {
            return Err(Error::Transport(self.render(dry_run, &mut call)?));
        }
        // Taken apart at once (and the response only moved, never lent, here): what is lent
        // stays in the call's future while the body is read.
        let Answered {
            response,
            status,
            headers,
            attempt,
            sent_at,
            attempt_ends,
        } = self.attempts::<B>(&mut call, timing, progress).await?;
        let info = call.info(attempt);
        let (response, read_at_most) =
            match self.before_body(&call, response, limit, &info, sent_at) {
                Ok(ready) => ready,
                Err(error) => return Err(Error::Transport(error)),
            };
        // A download's body is bounded by its progress alone; any other by the attempt's
        // timeout too.
        let clock = BodyClock {
            stall: timing.stall,
            until: (!limit.download).then_some(attempt_ends),
        };
        progress.doing = Doing::Reading;
        let read = read_limited(response, read_at_most, Some(clock)).await;
        let too_large =
            || TransportError::body_too_large(status, limit.bytes, limit.setting, &call.url);
        match read {
            Ok(read) if status.is_success() && !read.complete => {
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
                    BodyError::Failed(error) => TransportError::new(
                        error,
                        Stage::Body(status),
                        self.timeouts(),
                        Some(&call.url),
                    ),
                    BodyError::Stalled => TransportError::stalled(status, timing.stall, &call.url),
                    BodyError::TimedOut => {
                        TransportError::timed_out(Stage::Body(status), timing.timeout, &call.url)
                    }
                };
                self.after_attempt(&info, Some(status), Some(&error), sent_at, false);
                Err(Error::Transport(error))
            }
        }
    }

    /// How much of the final answer's body to read; an error when its declared length is
    /// already over the limit.
    fn before_body(
        &self,
        call: &Prepared<'_>,
        response: reqwest::Response,
        limit: SuccessLimit,
        info: &RequestInfo<'_>,
        sent_at: Instant,
    ) -> Result<(reqwest::Response, u64), TransportError> {
        let status = response.status();
        if !status.is_success() {
            return Ok((response, MAX_ERROR_BODY));
        }
        if response
            .content_length()
            .is_some_and(|length| length > limit.bytes)
        {
            let error =
                TransportError::body_too_large(status, limit.bytes, limit.setting, &call.url);
            self.after_attempt(info, Some(status), Some(&error), sent_at, false);
            return Err(error);
        }
        Ok((response, limit.bytes))
    }

    /// What every attempt of a call sends, made once before the first; a value that cannot
    /// be sent fails the call here, before anything is.
    fn prepare<'r>(
        &self,
        request: &mut PreparedRequest<'r>,
    ) -> Result<Prepared<'r>, InvalidParameter> {
        // The base URL parsed when the client was built, with the base's path (if any) and
        // the filled template as its path: only the path is parsed here. The filled template
        // has every `?` and `#` of a value escaped, as `set_path` needs.
        let base = self.base();
        let base_path = match base.path() {
            "/" => "",
            path => path,
        };
        let mut path = String::with_capacity(base_path.len() + request.path.len() + 64);
        path.push_str(base_path);
        push_path(&mut path, request.path, request.path_params);
        let mut url = base.clone();
        url.set_path(&path);
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(
                request
                    .query
                    .iter()
                    .map(|(name, value)| (*name, value.as_str())),
            );
        }
        // As `Bytes`, so that each attempt sends the same buffer rather than a copy.
        let (content_type, body) = match request.body.take() {
            Some((content_type, encoded)) => (
                Some(content_type),
                Some(Bytes::from(encoded.map_err(|error| {
                    InvalidParameter::new("body", "", format!("cannot be encoded as JSON: {error}"))
                })?)),
            ),
            None => (None, None),
        };
        let first_headers = request_headers(request.accept, &request.headers, content_type)?;
        let rate_key = self
            .rate_limiter()
            .map(|_| rate_limit::Key::new(&request.method, request.path, request.path_params));
        Ok(Prepared {
            operation_id: request.operation_id,
            method: request.method.clone(),
            path: request.path,
            url,
            accept: request.accept,
            headers: std::mem::take(&mut request.headers),
            content_type,
            body,
            first_headers: Some(first_headers),
            rate_key,
        })
    }

    /// Records the request a dry run would send (with the hooks' headers, never
    /// `Authorization`), and the error that ends the call unsent.
    fn render(
        &self,
        dry_run: &DryRun,
        call: &mut Prepared<'_>,
    ) -> Result<TransportError, InvalidParameter> {
        let headers = call.first_headers.take();
        let outgoing = self.outgoing(call, headers, None, 1)?;
        dry_run.record(RenderedRequest {
            operation_id: call.operation_id,
            method: outgoing.method().clone(),
            url: outgoing.url().to_string(),
            headers: outgoing.headers().clone(),
            body: call.body.clone(),
        });
        Ok(TransportError::not_sent(&call.url))
    }

    /// One attempt's request: the call's headers (the first attempt's as prepared), the
    /// hooks' changes, then `Authorization`, and the body.
    fn outgoing(
        &self,
        call: &Prepared<'_>,
        headers: Option<HeaderMap>,
        authorization: Option<HeaderValue>,
        attempt: u32,
    ) -> Result<reqwest::Request, InvalidParameter> {
        // Built whole, its headers put in place rather than merged into an empty map by a
        // `RequestBuilder`.
        let mut outgoing = reqwest::Request::new(call.method.clone(), call.url.clone());
        *outgoing.headers_mut() = match headers {
            Some(headers) => headers,
            None => request_headers(call.accept, &call.headers, call.content_type)?,
        };
        if !self.hooks().is_empty() {
            let info = call.info(attempt);
            for hook in self.hooks() {
                hook.before_attempt(&info, outgoing.headers_mut());
            }
        }
        // After the hooks, so that none of them can read it.
        if let Some(authorization) = authorization {
            outgoing.headers_mut().insert(AUTHORIZATION, authorization);
        }
        if let Some(bytes) = &call.body {
            // The body is replayed as it is on every attempt.
            *outgoing.body_mut() = Some(bytes.clone().into());
        }
        Ok(outgoing)
    }

    /// The attempts of one call, up to the answer that ends it (its body not read).
    ///
    /// Only what the loop needs across its waits is kept in it; the rest is made and used in
    /// plain functions ([`Self::prepare`], [`Self::outgoing`], [`Self::send_failed`],
    /// [`Self::retry_status`]), so that the call's future (which a caller may box) stays small.
    async fn attempts<B>(
        &self,
        call: &mut Prepared<'_>,
        timing: &CallTiming<'_>,
        progress: &mut CallProgress,
    ) -> Result<Answered, Error<B>> {
        let mut retries = Retries {
            allowed: timing.retry.allows(&call.method),
            attempt: 1,
            started: timing.started,
            spent: None,
        };
        let mut reauthenticated = false;
        let mut redirects = 0;
        loop {
            let permit = match (self.rate_limiter(), &call.rate_key) {
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
                    self.timeouts(),
                    &call.method,
                    &call.url,
                    call.body.as_deref(),
                )
                .await?;
            progress.sent += 1;
            let headers = call.first_headers.take();
            let outgoing = self.outgoing(call, headers, authorization, progress.sent)?;
            let sent_at = Instant::now();
            let attempt_ends = sent_at + timing.timeout;
            progress.doing = Doing::Sending;
            let sent =
                tokio::time::timeout_at(attempt_ends.into(), self.http().execute(outgoing)).await;
            let mut response = match sent {
                Ok(Ok(response)) => response,
                failed => {
                    drop(permit);
                    let error = match failed {
                        Ok(Err(error)) => TransportError::new(
                            error,
                            Stage::Send,
                            self.timeouts(),
                            Some(&call.url),
                        ),
                        _ => TransportError::timed_out(Stage::Send, timing.timeout, &call.url),
                    };
                    match self.send_failed(call, error, timing, &mut retries, sent_at, progress) {
                        Ok(delay) => {
                            progress.doing = Doing::RetryWait;
                            tokio::time::sleep(delay).await;
                            retries.attempt += 1;
                            // A new attempt may meet a new challenge (a nonce gone stale
                            // while it waited); only two 401s in a row end the call.
                            reauthenticated = false;
                            continue;
                        }
                        Err(error) => return Err(Error::Transport(error)),
                    }
                }
            };
            let status = response.status();
            progress.last_status = Some(status);
            progress.last_failure = None;
            if let Some(permit) = permit {
                permit.answered(status, response.headers());
            }
            if is_redirect(status) {
                match self.redirect(call, &response, redirects, sent_at, progress.sent) {
                    Some(Ok(next)) => {
                        call.url = next;
                        redirects += 1;
                        continue;
                    }
                    Some(Err(error)) => return Err(Error::Transport(error)),
                    // Without a `Location`, as any other status.
                    None => {}
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
                    self.after_attempt(
                        &call.info(progress.sent),
                        Some(status),
                        None,
                        sent_at,
                        true,
                    );
                    reauthenticated = true;
                    continue;
                }
            }
            if retries.allowed && is_retryable_status(status) {
                let retry = self.retry_status(
                    call,
                    &response,
                    timing,
                    &mut retries,
                    sent_at,
                    progress.sent,
                );
                if let Some(delay) = retry {
                    progress.doing = Doing::RetryWait;
                    tokio::time::sleep(delay).await;
                    retries.attempt += 1;
                    reauthenticated = false;
                    continue;
                }
            }
            if !status.is_server_error() && status != StatusCode::TOO_MANY_REQUESTS {
                self.retry_tokens().give_back(retries.spent);
            }
            // Taken, not copied: the body is read without them (its length is the body's own).
            let headers = ResponseHeaders::new(std::mem::take(response.headers_mut()));
            self.report_deprecation(call.path, &headers);
            return Ok(Answered {
                response,
                status,
                headers,
                attempt: progress.sent,
                sent_at,
                attempt_ends,
            });
        }
    }

    /// After an attempt that got no answer: whether to try again, and after how long
    /// (`Ok`), or the call's error.
    fn send_failed(
        &self,
        call: &Prepared<'_>,
        error: TransportError,
        timing: &CallTiming<'_>,
        retries: &mut Retries,
        sent_at: Instant,
        progress: &mut CallProgress,
    ) -> Result<Duration, TransportError> {
        progress.last_status = None;
        progress.last_failure = Some(error.kind());
        let attempt = retries.attempt;
        let delay = (retries.allowed && error.is_retryable())
            .then(|| timing.retry.delay(attempt, retries.started, None))
            .flatten()
            .filter(|_| self.spend_retry(&mut retries.spent, error.kind().is_timeout()));
        self.after_attempt(
            &call.info(progress.sent),
            None,
            Some(&error),
            sent_at,
            delay.is_some(),
        );
        match delay {
            Some(delay) => {
                tracing::debug!(attempt, ?delay, %error, "retrying after a transport error");
                Ok(delay)
            }
            None => Err(error),
        }
    }

    /// After a 3xx: the next URL (`Some(Ok)`), why it is not followed (`Some(Err)`), or
    /// `None` without a `Location` (the status is then the answer).
    fn redirect(
        &self,
        call: &Prepared<'_>,
        response: &reqwest::Response,
        followed: u32,
        sent_at: Instant,
        sent: u32,
    ) -> Option<Result<reqwest::Url, TransportError>> {
        let status = response.status();
        let location = response.headers().get(LOCATION)?;
        let judged = next_url(&Redirect {
            status,
            method: &call.method,
            from: &call.url,
            location: location.to_str().unwrap_or_default(),
            followed,
            credentials: self.authenticator().has_credentials(),
            allow_insecure_http: self.allows_insecure_http(),
        });
        let info = call.info(sent);
        Some(match judged {
            Ok(next) => {
                self.after_attempt(&info, Some(status), None, sent_at, true);
                tracing::debug!(%status, "following a redirect");
                Ok(next)
            }
            Err(reason) => {
                let error = TransportError::redirect_refused(status, &call.url, reason);
                self.after_attempt(&info, Some(status), Some(&error), sent_at, false);
                Err(error)
            }
        })
    }

    /// After a status worth retrying: how long to wait before the next attempt, or `None`
    /// when the policy, its time or the retry budget says no more.
    fn retry_status(
        &self,
        call: &Prepared<'_>,
        response: &reqwest::Response,
        timing: &CallTiming<'_>,
        retries: &mut Retries,
        sent_at: Instant,
        sent: u32,
    ) -> Option<Duration> {
        let status = response.status();
        let attempt = retries.attempt;
        let delay = timing
            .retry
            .delay(attempt, retries.started, retry_after(response.headers()))
            // A 429 is paced by the rate limiter and costs no retry budget.
            .filter(|_| {
                status == StatusCode::TOO_MANY_REQUESTS
                    || self.spend_retry(&mut retries.spent, false)
            })?;
        self.after_attempt(&call.info(sent), Some(status), None, sent_at, true);
        tracing::debug!(attempt, ?delay, %status, "retrying");
        Some(delay)
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
        // Values in another order than the placeholders, and a brace never closed.
        assert_eq!(fill_path("/{b}/x/{a}", &[("a", "1"), ("b", "2")]), "/2/x/1");
        assert_eq!(fill_path("/a/{b", &[("b", "x")]), "/a/{b");
    }

    #[test]
    fn a_calls_url_is_the_base_url_and_the_filled_path_as_parsing_them_whole_gives() {
        let options = CallOptions::new();
        for base in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "https://cloud.mongodb.com",
            "https://example.test/prefix/",
            "https://example.test/pre%20fix/v2",
            "http://localhost/a/../b",
        ] {
            let client = crate::ClientBuilder::<crate::client::tests::TestClient>::new()
                .base_url(base)
                .build()
                .unwrap();
            for (template, params) in [
                (
                    "/api/atlas/v2/groups/{groupId}",
                    vec![("groupId", "5f1e2d3c4b5a69788796a5b4")],
                ),
                (
                    "/groups/{groupId}/x/{name}",
                    vec![("groupId", "a b/c?d#e"), ("name", "é%.")],
                ),
                ("/groups/{groupId}/../x", vec![("groupId", "..")]),
                ("/a/{missing}", vec![]),
            ] {
                let mut request = PreparedRequest {
                    operation_id: "x",
                    method: Method::GET,
                    path: template,
                    path_params: &params,
                    query: vec![("q", "1 2".to_owned())],
                    headers: vec![],
                    accept: "application/json",
                    body: None,
                    declared_errors: &[],
                    options: &options,
                };
                let call = client.transport.prepare(&mut request).unwrap();
                let whole = format!(
                    "{}{}",
                    client.transport.base_url(),
                    fill_path(template, &params)
                );
                let mut expected = reqwest::Url::parse(&whole).unwrap();
                expected.query_pairs_mut().append_pair("q", "1 2");
                assert_eq!(call.url, expected, "{base} {template}");
            }
        }
    }

    #[test]
    fn finds_a_byte_as_position_does() {
        let text = b"/api/atlas/v2/groups/{groupId}/clusters/{clusterName}/x{";
        for start in 0..text.len() {
            for byte in [b'{', b'}', b'/', b'x', b'z', 0x80] {
                let bytes = &text[start..];
                assert_eq!(
                    find_byte(bytes, byte),
                    bytes.iter().position(|candidate| *candidate == byte),
                    "{byte} in {start}.."
                );
            }
        }
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
