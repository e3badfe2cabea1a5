//! Reading a response body without trusting its length: chunk by chunk, stopping at a limit,
//! so that a server that sends forever (or a huge error page) cannot grow the process.
//!
//! `read_limited` stops when the next chunk would pass the limit, so neither a missing nor a lying
//! `Content-Length` matters (a declared length over the limit fails before reading; the buffer is
//! never allocated ahead of the data by more than 1 MiB).
//!
//! Why the default limits: Atlas's largest JSON answers are list pages at `itemsPerPage=500` (a
//! page of 500 cluster descriptions or alert events is a few MB) and the fine-grained metric series
//! of the measurements endpoints (tens of thousands of data points, around 10 MB); 64 MiB
//! (`max_body_size`) is several times that, and a JSON body is decoded into a typed value of
//! similar size, so it also bounds the decode. Downloads are a different kind of body, whole files
//! held in memory: the log endpoints return a gzip of up to a day of a node's log, which for a busy
//! node runs to tens or a few hundred MB, so they get their own limit (`max_download_size`,
//! 512 MiB) rather than one that is too tight for logs or too loose for JSON. These are estimates
//! from the shape of the API (no byte counts of real Atlas answers were available). Error bodies
//! (any non-2xx) and the token endpoint's answers are read up to [`MAX_ERROR_BODY`] (64 KiB:
//! Atlas's error JSON is a few hundred bytes, a proxy's HTML page a few KiB); a longer one is an
//! `UndecodableBody` saying so, no error keeps more than that, messages show 200 characters of it,
//! and no log event records a body.
//!
//! Time is bounded here too (`BodyClock`): `stall_timeout` (default 30 s) fails a body that sends
//! nothing for that long, and is the only bound on a download's body: a healthy 500 MB log over a
//! slow link may take many minutes, so a total timeout would cut it, while 30 s without a byte on
//! an open TLS connection is a dead peer or a stuck proxy. 30 s rather than less: Atlas compresses
//! logs on the fly, and a gap of several seconds between gzip blocks is ordinary. One timer per
//! body, made only when a chunk has to be waited for and moved on after each chunk.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::time::Sleep;

/// The most of an error body (a non-2xx status, or the token endpoint's answer) the client
/// reads, and the most of any body an error keeps: Atlas's error bodies are a few hundred
/// bytes, a proxy's HTML error page a few KiB.
pub(crate) const MAX_ERROR_BODY: u64 = 64 * 1024;

/// The most a single read may allocate ahead of the data: a `Content-Length` is a claim, not
/// a promise.
const INITIAL_CAPACITY: usize = 1 << 20;

/// A body read with a limit.
pub(crate) struct Limited {
    pub(crate) bytes: Bytes,
    /// Whether the body ended within the limit; `false`: `bytes` is its first `limit` bytes
    /// and the rest was not read.
    pub(crate) complete: bool,
}

/// How long a body may take: no gap between bytes longer than `stall`, and, for a JSON body,
/// nothing past the attempt's end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyClock {
    pub(crate) stall: Duration,
    pub(crate) until: Option<Instant>,
}

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The transport failed.
    Failed(reqwest::Error),
    /// No bytes for the clock's `stall`.
    Stalled,
    /// The clock's `until` passed.
    TimedOut,
}

impl From<reqwest::Error> for BodyError {
    fn from(error: reqwest::Error) -> Self {
        BodyError::Failed(error)
    }
}

/// What it means when a wait for the next chunk runs out.
#[derive(Debug, Clone, Copy)]
enum Expiry {
    Stalled,
    TimedOut,
}

impl From<Expiry> for BodyError {
    fn from(expiry: Expiry) -> Self {
        match expiry {
            Expiry::Stalled => BodyError::Stalled,
            Expiry::TimedOut => BodyError::TimedOut,
        }
    }
}

impl BodyClock {
    /// When a chunk waited for from `now` must have arrived by, and what it means if it has
    /// not.
    fn next(&self, now: Instant) -> (Instant, Expiry) {
        let stalled = now + self.stall;
        match self.until {
            Some(until) if until <= stalled => (until, Expiry::TimedOut),
            _ => (stalled, Expiry::Stalled),
        }
    }
}

/// Reads `response`'s body, at most `limit` bytes of it, within `clock` when there is one.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: u64,
    clock: Option<BodyClock>,
) -> Result<Limited, BodyError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    // A body that arrives in one chunk (most JSON bodies) is kept as that chunk, not copied;
    // `joined` starts with a second chunk.
    let mut first = Bytes::new();
    let mut joined: Option<Vec<u8>> = None;
    // One timer for the whole body, made the first time a chunk has to be waited for: a body
    // that is there when it is read (most small answers) never reaches the timer wheel.
    let mut timer = pin!(None::<Sleep>);
    loop {
        let next = match clock {
            Some(clock) => next_chunk(&mut response, clock, timer.as_mut()).await?,
            None => response.chunk().await?,
        };
        let Some(chunk) = next else { break };
        let held = joined.as_ref().map_or(first.len(), Vec::len);
        let room = limit - held;
        let complete = chunk.len() <= room;
        let chunk = if complete { chunk } else { chunk.slice(..room) };
        match &mut joined {
            Some(body) => body.extend_from_slice(&chunk),
            None if first.is_empty() => first = chunk,
            None => {
                let expected = response
                    .content_length()
                    .map_or(0, |length| usize::try_from(length).unwrap_or(usize::MAX));
                let capacity = expected.min(limit).min(INITIAL_CAPACITY);
                let mut body = Vec::with_capacity(capacity.max(first.len() + chunk.len()));
                body.extend_from_slice(&first);
                body.extend_from_slice(&chunk);
                joined = Some(body);
            }
        }
        if !complete {
            return Ok(Limited {
                bytes: joined.map_or(first, Bytes::from),
                complete: false,
            });
        }
    }
    Ok(Limited {
        bytes: joined.map_or(first, Bytes::from),
        complete: true,
    })
}

/// The next chunk of `response`, or the end of the body, waited for no longer than `clock`
/// allows: the wait starts when a read first finds nothing (a chunk already there is taken
/// without reading the time), and `timer` is set to its end only then.
async fn next_chunk(
    response: &mut reqwest::Response,
    clock: BodyClock,
    mut timer: Pin<&mut Option<Sleep>>,
) -> Result<Option<Bytes>, BodyError> {
    let mut chunk = pin!(response.chunk());
    // Set when the wait starts.
    let mut waiting: Option<Expiry> = None;
    poll_fn(|cx| {
        if let Poll::Ready(next) = chunk.as_mut().poll(cx) {
            return Poll::Ready(next.map_err(BodyError::from));
        }
        let expiry = match waiting {
            Some(expiry) => expiry,
            None => {
                let (at, what) = clock.next(Instant::now());
                match timer.as_mut().as_pin_mut() {
                    Some(sleep) if sleep.deadline() == at.into() => {}
                    Some(sleep) => sleep.reset(at.into()),
                    None => timer.set(Some(tokio::time::sleep_until(at.into()))),
                }
                *waiting.insert(what)
            }
        };
        match timer.as_mut().as_pin_mut().map(|sleep| sleep.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Err(expiry.into())),
            _ => Poll::Pending,
        }
    })
    .await
}

/// At most the first [`MAX_ERROR_BODY`] bytes of `body`, as text (invalid UTF-8, and a
/// character cut at the end, replaced).
pub(crate) fn retained_text(body: &[u8]) -> String {
    let keep = body
        .len()
        .min(usize::try_from(MAX_ERROR_BODY).unwrap_or(usize::MAX));
    String::from_utf8_lossy(&body[..keep]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &'static str) -> reqwest::Response {
        http::Response::new(body).into()
    }

    #[tokio::test]
    async fn a_body_in_one_chunk_is_read_whole_or_cut_at_the_limit() {
        let read = read_limited(response("{\"id\":1}"), 1024, None)
            .await
            .unwrap();
        assert!(read.complete);
        assert_eq!(&read.bytes[..], b"{\"id\":1}");
        let clock = BodyClock {
            stall: Duration::from_secs(1),
            until: None,
        };
        let cut = read_limited(response("0123456789"), 4, Some(clock))
            .await
            .unwrap();
        assert!(!cut.complete);
        assert_eq!(&cut.bytes[..], b"0123");
    }

    #[test]
    fn retained_text_is_bounded() {
        assert_eq!(retained_text(b"<html>502</html>"), "<html>502</html>");
        let huge = vec![b'x'; 1 << 20];
        assert_eq!(retained_text(&huge).len(), 64 * 1024);
    }
}
