//! Reading a response body without trusting its length: chunk by chunk, stopping at a limit,
//! so that a server that sends forever (or a huge error page) cannot grow the process.

use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::race::unless;

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

impl BodyClock {
    /// When the next chunk must have arrived by, and what it means if it has not.
    fn next(&self, now: Instant) -> (Instant, BodyError) {
        let stalled = now + self.stall;
        match self.until {
            Some(until) if until <= stalled => (until, BodyError::TimedOut),
            _ => (stalled, BodyError::Stalled),
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
    // One timer for the whole body, moved on after each chunk: when the next chunk is due,
    // and what its absence means.
    let mut due = clock.map(|clock| clock.next(Instant::now()));
    let timer =
        tokio::time::sleep_until(due.as_ref().map_or_else(Instant::now, |due| due.0).into());
    tokio::pin!(timer);
    loop {
        let next = match (clock, &mut due) {
            (Some(clock), Some((at, cause))) => {
                let Some(next) = unless(response.chunk(), timer.as_mut()).await else {
                    return Err(std::mem::replace(cause, BodyError::Stalled));
                };
                let next = next?;
                let (at_next, cause_next) = clock.next(Instant::now());
                if at_next != *at {
                    timer.as_mut().reset(at_next.into());
                }
                (*at, *cause) = (at_next, cause_next);
                next
            }
            _ => response.chunk().await?,
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
