//! Why a request got no complete answer, named from the failure's cause: reqwest's error
//! walked down its source chain (hyper-util's connect errors, `std::io` error kinds, hyper's
//! protocol errors, rustls's TLS errors) and classified once, where the runtime still knows
//! the timeouts it configured and whether the response's headers had arrived.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use http::StatusCode;

/// What went wrong on the way to a complete answer. `#[non_exhaustive]`: a new cause may be
/// told apart later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection within the connect timeout.
    ConnectTimeout,
    /// The request took longer than the request timeout (which counts from sending to the end
    /// of the response body).
    Timeout,
    /// The server's host name could not be resolved (DNS).
    NameResolution,
    /// Nothing accepts connections at the server's address.
    ConnectionRefused,
    /// The TLS handshake failed: a certificate the client does not trust, or a server that
    /// does not speak TLS on that port.
    Tls,
    /// The connection could not be opened for another reason (such as an unreachable network).
    Connect,
    /// The connection was reset (or aborted) by the other side or the network.
    ConnectionReset,
    /// The server closed the connection before the response was complete.
    ConnectionClosed,
    /// A redirect was not followed: more than 10 in a row, one to another host (scheme, host
    /// or port) while credentials are attached, one that would turn a `POST`, `PUT`, `PATCH`
    /// or `DELETE` into a `GET` (301, 302, 303), or one to plain http beyond loopback.
    /// [`TransportError::status`] is the redirect's status.
    Redirect,
    /// The response body was longer than the client's limit
    /// (`ClientBuilder::max_body_size`, or `max_download_size` for a file download); reading
    /// stopped there. [`TransportError::limit`] is the limit.
    BodyTooLarge,
    /// Reading the response body failed for another reason.
    Body,
    /// The response body stopped arriving: no bytes for the client's `stall_timeout`.
    /// [`TransportError::timeout`] is that rule.
    Stalled,
    /// The call's deadline (`ClientBuilder::deadline`, or the builder's `with_deadline`) passed,
    /// whatever the call was doing: an attempt in flight, a wait before a retry, or a wait
    /// for Atlas's rate limit. [`TransportError::timeout`] is the deadline,
    /// [`TransportError::elapsed`] the time the call took, [`TransportError::attempts`] the
    /// requests it sent and [`TransportError::last_status`] the last answer's status.
    Deadline,
    /// Anything else: the HTTP client could not be built, or the response was not valid HTTP.
    Other,
    /// Nothing was sent: the client is a dry run (`ClientBuilder::dry_run`), which records
    /// the request instead.
    NotSent,
}

impl TransportErrorKind {
    /// Whether the request could not be connected at all (so it certainly did not reach the
    /// server).
    pub fn is_connect(self) -> bool {
        matches!(
            self,
            TransportErrorKind::ConnectTimeout
                | TransportErrorKind::NameResolution
                | TransportErrorKind::ConnectionRefused
                | TransportErrorKind::Tls
                | TransportErrorKind::Connect
        )
    }

    /// Whether this is one of the timeouts.
    pub fn is_timeout(self) -> bool {
        matches!(
            self,
            TransportErrorKind::ConnectTimeout
                | TransportErrorKind::Timeout
                | TransportErrorKind::Stalled
                | TransportErrorKind::Deadline
        )
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::ConnectTimeout => "connect timeout",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::NameResolution => "name resolution failed",
            TransportErrorKind::ConnectionRefused => "connection refused",
            TransportErrorKind::Tls => "TLS failure",
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::ConnectionReset => "connection reset",
            TransportErrorKind::ConnectionClosed => "connection closed early",
            TransportErrorKind::Redirect => "redirect not followed",
            TransportErrorKind::BodyTooLarge => "body too large",
            TransportErrorKind::Body => "body read failed",
            TransportErrorKind::Stalled => "body stalled",
            TransportErrorKind::Deadline => "deadline passed",
            TransportErrorKind::Other => "transport failure",
            TransportErrorKind::NotSent => "not sent (dry run)",
        })
    }
}

/// A request that got no complete answer: it could not be sent, no response arrived, or the
/// response body could not be read. `Display` names the cause (which timeout ran out and after
/// how long, refused connection, failed name resolution, TLS, too many redirects, reset
/// connection, a body over the size limit, …), the server's host and port, and the status
/// when the response's headers had arrived; never a path, query or credential. `source()` is
/// the underlying [`reqwest::Error`] (reqwest 0.13) when reqwest reported the failure (not
/// for a body over the limit or a redirect the runtime refused).
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    stage: Stage,
    /// The configured timeout that ran out, when the runtime built the HTTP client.
    timeout: Option<Duration>,
    /// `host:port`, for the message.
    server: Option<String>,
    /// A lower layer's account of the cause, where it says more than the kind (which TLS
    /// problem, which connect failure).
    detail: Option<String>,
    /// For [`TransportErrorKind::BodyTooLarge`]: the limit, in bytes.
    limit: Option<u64>,
    /// For [`TransportErrorKind::Deadline`]: how far the call got.
    call: Option<Box<CallProgress>>,
    source: Option<reqwest::Error>,
}

/// How far a call got, for the error its deadline ends it with.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallProgress {
    /// Requests sent.
    pub(crate) sent: u32,
    /// The last answer's status, or the last attempt's failure.
    pub(crate) last_status: Option<StatusCode>,
    pub(crate) last_failure: Option<TransportErrorKind>,
    /// What the call was doing.
    pub(crate) doing: Doing,
    /// Set when the deadline passed.
    pub(crate) elapsed: Duration,
}

/// What a call was doing at a moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Doing {
    /// Checking its values, authenticating.
    #[default]
    Preparing,
    /// Waiting for Atlas's rate limit.
    RateLimit,
    /// Waiting for a response.
    Sending,
    /// Reading a body.
    Reading,
    /// Waiting before a retry.
    RetryWait,
}

/// The timeouts the runtime configured on the HTTP client it built (unknown for a caller's
/// client).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Timeouts {
    pub(crate) connect: Option<Duration>,
    pub(crate) request: Option<Duration>,
}

/// Where in the exchange a failure happened.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stage {
    /// Sending an operation's request and waiting for the response's headers.
    Send,
    /// Reading the body of a response with this status.
    Body(StatusCode),
    /// Deciding whether to follow a redirect with this status.
    Redirect(StatusCode),
    /// The OAuth token request (sending or reading).
    TokenRequest,
    /// Building the HTTP client.
    Build,
}

impl TransportError {
    /// Classifies `source`, which happened at `stage` of a request to `url` (reqwest's errors
    /// name the URL they failed at, after redirects, except those reading a body).
    pub(crate) fn new(
        source: reqwest::Error,
        stage: Stage,
        timeouts: Timeouts,
        url: Option<&reqwest::Url>,
    ) -> Self {
        let (kind, detail) = classify(&source);
        let timeout = match kind {
            TransportErrorKind::ConnectTimeout => timeouts.connect,
            TransportErrorKind::Timeout => timeouts.request,
            _ => None,
        };
        TransportError {
            kind,
            stage,
            timeout,
            server: server_of(source.url().or(url)),
            detail,
            limit: None,
            call: None,
            source: Some(source),
        }
    }

    /// A body of a response with `status` from `url` that went past `limit` bytes; `setting`
    /// is the builder method that raises it.
    pub(crate) fn body_too_large(
        status: StatusCode,
        limit: u64,
        setting: &'static str,
        url: &reqwest::Url,
    ) -> Self {
        TransportError {
            kind: TransportErrorKind::BodyTooLarge,
            stage: Stage::Body(status),
            timeout: None,
            server: server_of(Some(url)),
            detail: Some(setting.to_owned()),
            limit: Some(limit),
            call: None,
            source: None,
        }
    }

    /// A redirect with `status` from `url` that the runtime did not follow, and why.
    pub(crate) fn redirect_refused(
        status: StatusCode,
        url: &reqwest::Url,
        reason: impl Into<String>,
    ) -> Self {
        TransportError {
            kind: TransportErrorKind::Redirect,
            stage: Stage::Redirect(status),
            timeout: None,
            server: server_of(Some(url)),
            detail: Some(reason.into()),
            limit: None,
            call: None,
            source: None,
        }
    }

    /// An attempt at `stage` of a request to `url` that ran past the attempt `timeout`, as
    /// the runtime measures it.
    pub(crate) fn timed_out(stage: Stage, timeout: Duration, url: &reqwest::Url) -> Self {
        TransportError {
            kind: TransportErrorKind::Timeout,
            stage,
            timeout: Some(timeout),
            server: server_of(Some(url)),
            detail: None,
            limit: None,
            call: None,
            source: None,
        }
    }

    /// The body of a response with `status` from `url` that sent nothing for `stall`.
    pub(crate) fn stalled(status: StatusCode, stall: Duration, url: &reqwest::Url) -> Self {
        TransportError {
            kind: TransportErrorKind::Stalled,
            stage: Stage::Body(status),
            timeout: Some(stall),
            server: server_of(Some(url)),
            detail: None,
            limit: None,
            call: None,
            source: None,
        }
    }

    /// A call to `url` a dry run recorded instead of sending.
    pub(crate) fn not_sent(url: &reqwest::Url) -> Self {
        TransportError {
            kind: TransportErrorKind::NotSent,
            stage: Stage::Send,
            timeout: None,
            server: server_of(Some(url)),
            detail: None,
            limit: None,
            call: None,
            source: None,
        }
    }

    /// A call to `base_url` whose `deadline` passed.
    pub(crate) fn deadline(deadline: Duration, base_url: &str, progress: CallProgress) -> Self {
        TransportError {
            kind: TransportErrorKind::Deadline,
            stage: Stage::Send,
            timeout: Some(deadline),
            server: server_of(reqwest::Url::parse(base_url).ok().as_ref()),
            detail: None,
            limit: None,
            call: Some(Box::new(progress)),
            source: None,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The status of the response whose body could not be read (or of the redirect that was
    /// not followed); `None` when the failure came before a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self.stage {
            Stage::Body(status) | Stage::Redirect(status) => Some(status),
            _ => None,
        }
    }

    /// For [`TransportErrorKind::BodyTooLarge`]: the limit the body went past, in bytes.
    pub fn limit(&self) -> Option<u64> {
        self.limit
    }

    /// For a timeout: the configured timeout that ran out (`None` for the connect timeout of
    /// a client given its own `reqwest::Client`, whose settings the runtime does not know);
    /// for [`TransportErrorKind::Stalled`], the stall rule; for
    /// [`TransportErrorKind::Deadline`], the deadline.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// For [`TransportErrorKind::Deadline`]: how long the call ran.
    pub fn elapsed(&self) -> Option<Duration> {
        self.call.as_ref().map(|call| call.elapsed)
    }

    /// For [`TransportErrorKind::Deadline`]: how many requests the call sent.
    pub fn attempts(&self) -> Option<u32> {
        self.call.as_ref().map(|call| call.sent)
    }

    /// For [`TransportErrorKind::Deadline`]: the status of the last answer the call got, if
    /// one arrived.
    pub fn last_status(&self) -> Option<StatusCode> {
        self.call.as_ref().and_then(|call| call.last_status)
    }

    /// Whether the failure happened while reading the response body (the status and headers
    /// had arrived).
    pub fn is_body(&self) -> bool {
        matches!(self.stage, Stage::Body(_))
    }

    /// Whether sending again may help: the request never got a response (connection failed,
    /// reset or timed out), and the cause is not one that repeats (TLS, redirects).
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self.stage, Stage::Send)
            && !matches!(
                self.kind,
                TransportErrorKind::Tls
                    | TransportErrorKind::Redirect
                    | TransportErrorKind::Deadline
                    | TransportErrorKind::NotSent
            )
    }
}

/// `host:port` of `url`, for messages.
fn server_of(url: Option<&reqwest::Url>) -> Option<String> {
    let url = url?;
    let host = url.host_str()?;
    Some(match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// A size in bytes as messages show it: `64 MiB`, `512 KiB`, or `1000 bytes`.
pub(crate) fn size_text(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const GIB: u64 = 1024 * MIB;
    match bytes {
        0 => "0 bytes".to_owned(),
        _ if bytes % GIB == 0 => format!("{} GiB", bytes / GIB),
        _ if bytes % MIB == 0 => format!("{} MiB", bytes / MIB),
        _ if bytes % KIB == 0 => format!("{} KiB", bytes / KIB),
        _ => format!("{bytes} bytes"),
    }
}

/// The kind, and the text of the lower layer that says most about it.
fn classify(error: &reqwest::Error) -> (TransportErrorKind, Option<String>) {
    if error.is_timeout() {
        let kind = if error.is_connect() {
            TransportErrorKind::ConnectTimeout
        } else {
            TransportErrorKind::Timeout
        };
        return (kind, None);
    }
    if error.is_redirect() {
        return (TransportErrorKind::Redirect, innermost(error));
    }
    if error.is_builder() {
        let detail = innermost(error).unwrap_or_else(|| without_url(error));
        return (TransportErrorKind::Other, Some(detail));
    }
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(link) = current {
        if let Some(found) = cause_of(link) {
            return found;
        }
        // `io::Error::source` skips the error it wraps (returning that error's source), so
        // look inside explicitly: rustls reports through it.
        current = match link
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            Some(inner) => Some(inner),
            None => link.source(),
        };
    }
    if error.is_connect() {
        return (TransportErrorKind::Connect, innermost(error));
    }
    if error.is_body() || error.is_decode() {
        return (TransportErrorKind::Body, innermost(error));
    }
    (TransportErrorKind::Other, innermost(error))
}

/// What one link of the source chain says, when it names the cause.
fn cause_of(link: &(dyn StdError + 'static)) -> Option<(TransportErrorKind, Option<String>)> {
    if let Some(tls) = link.downcast_ref::<rustls::Error>() {
        return Some((TransportErrorKind::Tls, Some(tls.to_string())));
    }
    if let Some(io) = link.downcast_ref::<io::Error>() {
        let kind = match io.kind() {
            io::ErrorKind::ConnectionRefused => TransportErrorKind::ConnectionRefused,
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => TransportErrorKind::ConnectionReset,
            io::ErrorKind::UnexpectedEof => TransportErrorKind::ConnectionClosed,
            _ if io.to_string().starts_with("failed to lookup address") => {
                TransportErrorKind::NameResolution
            }
            _ => return None,
        };
        return Some((kind, None));
    }
    if let Some(hyper) = link.downcast_ref::<hyper::Error>() {
        if hyper.is_incomplete_message() {
            return Some((TransportErrorKind::ConnectionClosed, None));
        }
    }
    // hyper-util's connect error is not a public type; its message is how it says "DNS".
    if link.to_string() == "dns error" {
        let detail = link.source().map(ToString::to_string);
        return Some((TransportErrorKind::NameResolution, detail));
    }
    None
}

/// The message of the deepest error in the chain (the most specific one).
fn innermost(error: &reqwest::Error) -> Option<String> {
    let mut deepest: &(dyn StdError + 'static) = error.source()?;
    while let Some(next) = deepest.source() {
        deepest = next;
    }
    Some(deepest.to_string())
}

/// reqwest's own message, without the URL it appends (which may carry a query).
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    text
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.stage {
            Stage::Send | Stage::Body(_) | Stage::Redirect(_) => "request",
            Stage::TokenRequest => "OAuth token request",
            Stage::Build => {
                f.write_str("could not build the HTTP client")?;
                if let Some(detail) = &self.detail {
                    write!(f, ": {detail}")?;
                }
                return Ok(());
            }
        };
        match &self.server {
            Some(server) => write!(f, "{what} to {server} failed: ")?,
            None => write!(f, "{what} failed: ")?,
        }
        let body = self
            .status()
            .map(|status| format!("the body of the {status} response"));
        match self.kind {
            TransportErrorKind::ConnectTimeout => {
                f.write_str("timed out connecting")?;
                self.write_timeout(f, "connect timeout")?;
            }
            TransportErrorKind::Timeout => {
                match &body {
                    Some(body) => write!(f, "timed out reading {body}")?,
                    None => f.write_str("timed out")?,
                }
                self.write_timeout(f, "request timeout")?;
            }
            TransportErrorKind::NameResolution => f.write_str("name resolution failed")?,
            TransportErrorKind::ConnectionRefused => f.write_str("connection refused")?,
            TransportErrorKind::Tls => f.write_str("TLS handshake failed")?,
            TransportErrorKind::Connect => f.write_str("could not connect")?,
            TransportErrorKind::ConnectionReset => {
                f.write_str("connection reset")?;
                match &body {
                    Some(body) => write!(f, " while reading {body}")?,
                    None => f.write_str(" before a response arrived")?,
                }
            }
            TransportErrorKind::ConnectionClosed => match &body {
                Some(body) => write!(f, "connection closed before the end of {body}")?,
                None => f.write_str("connection closed before a complete response arrived")?,
            },
            TransportErrorKind::Redirect => {
                // The runtime's reason ("too many redirects", a host it will not send
                // credentials to, …), or reqwest's for a caller's client.
                f.write_str(
                    self.detail
                        .as_deref()
                        .unwrap_or("following a redirect failed"),
                )?;
                return Ok(());
            }
            TransportErrorKind::BodyTooLarge => {
                let limit = self.limit.unwrap_or_default();
                match &body {
                    Some(body) => write!(f, "{body} is larger than")?,
                    None => f.write_str("the response body is larger than")?,
                }
                write!(f, " the limit of {}", size_text(limit))?;
                if let Some(setting) = &self.detail {
                    write!(f, " (`{setting}`)")?;
                }
                return Ok(());
            }
            TransportErrorKind::Body => match &body {
                Some(body) => write!(f, "reading {body} failed")?,
                None => f.write_str("reading the response body failed")?,
            },
            TransportErrorKind::Stalled => {
                match &body {
                    Some(body) => write!(f, "{body} stalled")?,
                    None => f.write_str("the response body stalled")?,
                }
                if let Some(stall) = self.timeout {
                    write!(f, ": no bytes for {stall:?} (`stall_timeout`)")?;
                }
            }
            TransportErrorKind::Deadline => {
                let call = self.call.as_deref().cloned().unwrap_or_default();
                let deadline = self.timeout.unwrap_or_default();
                write!(
                    f,
                    "the call's deadline of {deadline:?} passed after {:.1?} while {}; {} sent",
                    call.elapsed,
                    match call.doing {
                        Doing::Preparing => "authenticating",
                        Doing::RateLimit => "waiting for Atlas's rate limit",
                        Doing::Sending => "waiting for a response",
                        Doing::Reading => "reading a response body",
                        Doing::RetryWait => "waiting to retry",
                    },
                    match call.sent {
                        1 => "1 request".to_owned(),
                        sent => format!("{sent} requests"),
                    }
                )?;
                match (call.last_status, call.last_failure) {
                    (Some(status), _) => write!(f, ", the last answered {status}")?,
                    (None, Some(failure)) => write!(f, ", the last failed: {failure}")?,
                    (None, None) => {}
                }
            }
            TransportErrorKind::Other => f.write_str("transport error")?,
            TransportErrorKind::NotSent => f.write_str("not sent: the client is a dry run")?,
        }
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl TransportError {
    fn write_timeout(&self, f: &mut fmt::Formatter<'_>, which: &str) -> fmt::Result {
        match self.timeout {
            Some(after) => write!(f, " after {after:?} (the {which})"),
            None => write!(f, " (the HTTP client's {which})"),
        }
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_ref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_group_into_connect_and_timeout() {
        assert!(TransportErrorKind::ConnectTimeout.is_connect());
        assert!(TransportErrorKind::ConnectTimeout.is_timeout());
        assert!(TransportErrorKind::Timeout.is_timeout());
        assert!(!TransportErrorKind::Timeout.is_connect());
        assert!(TransportErrorKind::Tls.is_connect());
        assert!(!TransportErrorKind::ConnectionReset.is_connect());
        assert_eq!(
            TransportErrorKind::NameResolution.to_string(),
            "name resolution failed"
        );
    }

    #[test]
    fn a_body_over_the_limit_names_the_limit_and_the_setting() {
        let url =
            reqwest::Url::parse("https://cloud.mongodb.com/api/atlas/v2/groups?q=secret").unwrap();
        let error = TransportError::body_too_large(StatusCode::OK, 64 << 20, "max_body_size", &url);
        assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge);
        assert_eq!(error.limit(), Some(64 << 20));
        assert_eq!(error.status(), Some(StatusCode::OK));
        assert!(error.is_body());
        assert!(!error.is_retryable());
        assert_eq!(
            error.to_string(),
            "request to cloud.mongodb.com:443 failed: the body of the 200 OK response is larger \
             than the limit of 64 MiB (`max_body_size`)"
        );
        assert!(error.source().is_none());
        assert_eq!(size_text(1000), "1000 bytes");
        assert_eq!(size_text(64 * 1024), "64 KiB");
        assert_eq!(size_text(1 << 30), "1 GiB");
    }

    #[test]
    fn a_refused_redirect_keeps_its_status_but_is_no_body_failure() {
        let url = reqwest::Url::parse("https://cloud.mongodb.com/a").unwrap();
        let error = TransportError::redirect_refused(StatusCode::FOUND, &url, "too many redirects");
        assert_eq!(error.kind(), TransportErrorKind::Redirect);
        assert_eq!(error.status(), Some(StatusCode::FOUND));
        assert!(!error.is_body() && !error.is_retryable());
        assert_eq!(
            error.to_string(),
            "request to cloud.mongodb.com:443 failed: too many redirects"
        );
    }

    #[test]
    fn io_error_kinds_name_their_cause() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(
            cause_of(&refused).map(|(kind, _)| kind),
            Some(TransportErrorKind::ConnectionRefused)
        );
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(
            cause_of(&reset).map(|(kind, _)| kind),
            Some(TransportErrorKind::ConnectionReset)
        );
        let lookup =
            io::Error::other("failed to lookup address information: Name or service not known");
        assert_eq!(
            cause_of(&lookup).map(|(kind, _)| kind),
            Some(TransportErrorKind::NameResolution)
        );
        let tls = rustls::Error::General("bad".into());
        assert_eq!(
            cause_of(&tls),
            Some((
                TransportErrorKind::Tls,
                Some("unexpected error: bad".to_owned())
            ))
        );
        assert_eq!(cause_of(&io::Error::other("something else")), None);
    }
}
