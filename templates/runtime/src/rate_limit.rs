//! The client's share of Atlas's rate limits: one state per endpoint (method and path
//! template) and project or organization, shared by every clone of a client and every call in
//! flight, that learns the budget from `RateLimit-Limit` / `RateLimit-Remaining` and `429`s and
//! makes calls wait instead of sending into an empty bucket.
//!
//! Atlas limits requests with token buckets ("endpoint sets": a capacity and a refill rate,
//! scoped to a project, an organization, a user or an address). The spec does not say which
//! set an endpoint is in, so the state is learned from the answers:
//! - Until an answer carries the headers, at most [`INITIAL_WINDOW`] requests are in flight,
//!   and one more per answer that says nothing (a slow start, as TCP's): a burst of calls
//!   does not meet an unknown bucket all at once. Without headers for [`UNLIMITED_AFTER`]
//!   answers in a row, the endpoint is taken as unlimited and calls flow.
//! - Each answer with `RateLimit-Remaining` resets the estimate of what may be sent: the
//!   remaining tokens, less the requests still in flight.
//! - The refill rate is estimated from the answers (the remaining tokens it reports, plus the
//!   tokens consumed in between, over at least [`RATE_WINDOW`]), rounded down, so the client
//!   paces itself a little below the bucket; the next answer tells it of any tokens to spare.
//!   Before there is an estimate, a call that finds the budget spent with nothing in flight
//!   probes after [`FIRST_PROBE`] (doubled after each probe answered 429).
//! - A `429` with `Retry-After` holds every call of the state until it has passed (believed up
//!   to [`MAX_HOLD`]), then lets them go as at the start: one request, then as many as its
//!   answer says. A `429` without it spends the budget (the caller's own retry waits its
//!   backoff). Either halves the refill estimate, which was too high.
//!
//! Values that make no sense (a limit of 0, a remaining count that is not a number, a
//! `Retry-After` of a year) are not believed as sent: each is logged once per state, and the
//! limit is ignored, the count ignored, the hold capped.
//!
//! # Why it is built this way
//!
//! *Keyed by endpoint and project or organization.* Every endpoint is in one endpoint set, so the
//! answers one state sees always describe one bucket, and a GROUP- or ORGANIZATION-scoped set
//! (most of them) has one bucket per project or organization, which the scope part of the key
//! tells apart. Keyed by the client alone, a state would mix the counts of different buckets (an
//! endpoint with 90 left would release calls to one with none) and a `429` on one set would hold
//! calls to every other; keyed by base URL it would be the same as by client. The price of the
//! finer key: two endpoints of one set, or one USER-scoped set called for several projects, are
//! two states that each believe the whole remaining count; they overdraw it at most once, get a
//! `429`, and hold. The spec does not say which set an endpoint is in (the rate-limit API does, at
//! run time, with the organization-owner role), so the client does not try to know.
//!
//! *Rounded down on purpose.* Pacing a little slow costs nothing, because the next answer reports
//! the tokens that built up and they are sent at once; pacing fast costs a `429`. A `429` retry
//! costs no retry budget: the limiter paces it.
//!
//! *In order.* Calls that have to wait go in the order they started waiting (a ticket each; a call
//! dropped while waiting gives its place up), so under steady pacing every call waits about as
//! long as the others: against 3,000 calls at 200 in flight the p99 latency went from 9.4 s
//! (whoever woke first went) to 2.0 s, the queue's length over the refill rate. An `INFO` event
//! marks a `429` starting a hold and the hold ending; `DEBUG` events mark calls starting and
//! stopping to wait for the budget (frequent under steady pacing).
//!
//! *Not `governor`.* It is a GCRA limiter for a quota known up front. Here the quota is learned at
//! run time, the state must be set to what the server reports (there is no way to tell a governor
//! limiter "the server says 7 are left"), requests in flight must be counted until answered, and a
//! `429` must hold every caller for a time the server names. That is the part of a limiter left
//! once a fixed-quota algorithm is taken out, so it is written here, not wrapped around one.
//!
//! *Several processes sharing one API key* share Atlas's bucket but not this state. Each process
//! still learns from `RateLimit-Remaining`, which counts every process's requests, so they slow
//! down together, but between two answers each believes the whole remaining count: with N
//! processes expect up to N× overdraw and the `429`s and holds that follow. The client guide
//! advises one key or service account per process, or few calls in flight per process.

use std::collections::{BTreeSet, HashMap};
use std::hash::BuildHasherDefault;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use tokio::sync::Notify;

use crate::race::unless;

/// Requests in flight on a state whose budget no answer has told yet.
pub(crate) const INITIAL_WINDOW: u32 = 4;
/// Answers in a row without rate-limit headers after which an endpoint is taken as unlimited.
pub(crate) const UNLIMITED_AFTER: u32 = 64;
/// The shortest span a refill rate is estimated over: shorter ones are mostly rounding.
pub(crate) const RATE_WINDOW: Duration = Duration::from_millis(250);
/// The first wait for a probe, when the budget is spent and no refill rate is known yet.
pub(crate) const FIRST_PROBE: Duration = Duration::from_millis(50);
/// The longest probe wait.
const MAX_PROBE: Duration = Duration::from_secs(10);
/// The longest hold a `Retry-After` is believed for: Atlas's buckets refill within a minute.
pub(crate) const MAX_HOLD: Duration = Duration::from_secs(60);
/// The largest `RateLimit-Limit` believed.
const MAX_LIMIT: u32 = 1_000_000;
/// States kept before idle ones are dropped (a service calling many projects).
const MAX_STATES: usize = 1024;

/// Which requests share a state: the endpoint and, when its path names one, the project
/// (`groupId`) or organization (`orgId`), the scopes of most of Atlas's endpoint sets.
///
/// Borrowed from the call and hashed once per call, so finding a call's state allocates
/// nothing and hashes no more than the bytes of the key, once (a state owns a copy of its
/// key, made when the state is). The hash only chooses where to look: a state is the
/// call's when its method, path and scope are equal to the key's, so two keys with the same
/// hash never share a state (they sit side by side under it).
#[derive(Debug, Clone)]
pub(crate) struct Key<'a> {
    method: Method,
    path: &'static str,
    scope: Option<&'a str>,
    hash: u64,
}

impl<'a> Key<'a> {
    pub(crate) fn new(
        method: &Method,
        path: &'static str,
        params: &[(&'static str, &'a str)],
    ) -> Self {
        let scope = params
            .iter()
            .find(|(name, _)| matches!(*name, "groupId" | "orgId"))
            .map(|(_, value)| *value);
        let mut hash = Hash::default();
        let method_name = method.as_str().as_bytes();
        hash.word(method_name.len() as u64);
        hash.word(u64::from(method_name[0]));
        // Of a template, its length and its last 16 bytes: the templates of one API share
        // their start, and differ at their end (or in length) nearly always. Two that do not
        // only share a hash.
        hash.bytes(&path.as_bytes()[path.len().saturating_sub(16)..]);
        hash.word(path.len() as u64);
        if let Some(scope) = scope {
            hash.bytes(scope.as_bytes());
        }
        Key {
            // A method of the standard ones is a copy of a tag.
            method: method.clone(),
            path,
            scope,
            hash: hash.finish(),
        }
    }
}

/// A word-at-a-time multiplicative hash (FxHash's step) over the key's parts, each followed
/// by its length so that no two different keys are the same byte stream. Not resistant to
/// chosen collisions, and need not be: a collision costs a comparison, never a shared state,
/// and the keys are the caller's own paths and project ids.
#[derive(Default)]
struct Hash(u64);

impl Hash {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn word(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut word = [0; 8];
        word[..rest.len()].copy_from_slice(rest);
        self.word(u64::from_le_bytes(word));
        self.word(bytes.len() as u64);
    }

    fn finish(&self) -> u64 {
        // The multiplication leaves the low bits, which pick the bucket, the least mixed.
        self.0.rotate_left(26)
    }
}

/// A [`Key`]'s hash, used as it is by the map of states.
#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, _: &[u8]) {
        unreachable!("the map of states is keyed by a key's hash")
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

type States = HashMap<u64, Vec<Arc<Shared>>, BuildHasherDefault<KeyHasher>>;

/// Every state of one client.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    /// By the hash of their key (nearly always one state per hash).
    states: Mutex<States>,
}

/// One state and the calls waiting on it.
#[derive(Debug)]
struct Shared {
    method: Method,
    path: &'static str,
    scope: Option<Box<str>>,
    bucket: Mutex<Bucket>,
    changed: Notify,
}

/// What a state knows of its bucket.
#[derive(Debug)]
struct Bucket {
    /// The capacity the server reports.
    limit: Option<u32>,
    /// What may be sent as of `at` (tokens left less requests in flight); meaningful when
    /// `known`.
    tokens: f64,
    at: Instant,
    known: bool,
    /// Refill estimate, tokens per second.
    rate: Option<f64>,
    in_flight: u32,
    /// While the budget is unknown: how many may be in flight.
    window: u32,
    /// Answers in a row that carried no rate-limit headers.
    silent: u32,
    hold_until: Option<Instant>,
    /// When the last answer arrived, and how long a probe waits after it.
    last_answer: Instant,
    probe_delay: Duration,
    /// Answers received so far. A request sent after answer `n` arrived was handled by the
    /// server after that answer's request: its count is newer. One sent before may have been
    /// handled earlier and its answer held up (another connection was quicker): its count may
    /// be older news, and is believed only where it says less is left.
    answers: u64,
    /// The answer whose count the estimate rests on (its place in `answers`).
    believed: u64,
    /// Answers that consumed a token (not `429`s).
    consumed: u64,
    /// The start of the current rate estimate: when, the tokens then, the answers that
    /// consumed a token then, the requests in flight then (whose answers may be late).
    anchor: Option<(Instant, f64, u64, u32)>,
    /// The tickets of the calls waiting, in the order they started waiting, and the next
    /// ticket.
    queue: BTreeSet<u64>,
    next_ticket: u64,
    /// Nonsense already logged for this state, so each kind is logged once.
    warned: u8,
}

/// The headers an answer tells its state's budget with.
const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");

const WARNED_LIMIT: u8 = 1;
const WARNED_REMAINING: u8 = 2;
const WARNED_RETRY_AFTER: u8 = 4;

/// Why a call cannot send yet.
#[derive(Debug)]
enum Wait {
    /// Until this instant (or an answer, whichever comes first).
    Until(Instant),
    /// Until an answer arrives.
    Answer,
}

impl RateLimiter {
    /// Waits until a request to `key` may be sent, and counts it in flight until the
    /// returned permit hears how it was answered (or is dropped).
    pub(crate) async fn acquire(&self, key: &Key<'_>) -> Permit {
        let shared = self.state(key);
        let mut ticket = None;
        // Most calls find room, and wait for nothing. The wait is boxed: its timer and
        // notification would otherwise make every call's future larger.
        let seen = match shared.try_acquire(Instant::now(), &mut ticket) {
            Ok(seen) => seen,
            Err(_) => Box::pin(shared.wait(ticket)).await,
        };
        Permit {
            shared,
            seen,
            answered: false,
        }
    }

    fn state(&self, key: &Key<'_>) -> Arc<Shared> {
        let mut states = self.states.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(shared) = states
            .get(&key.hash)
            .and_then(|same_hash| same_hash.iter().find(|shared| shared.is(key)))
        {
            return shared.clone();
        }
        if states.len() >= MAX_STATES {
            // Idle states are dropped: nobody holds them, nothing in flight, no hold.
            let now = Instant::now();
            states.retain(|_, same_hash| {
                same_hash
                    .retain(|shared| Arc::strong_count(shared) > 1 || !shared.lock().idle(now));
                !same_hash.is_empty()
            });
        }
        let shared = Arc::new(Shared {
            method: key.method.clone(),
            path: key.path,
            scope: key.scope.map(Box::from),
            bucket: Mutex::new(Bucket::new(Instant::now())),
            changed: Notify::new(),
        });
        states.entry(key.hash).or_default().push(shared.clone());
        shared
    }
}

impl Shared {
    /// Waits until a request may be sent, after a first look found no room and gave the
    /// call `ticket`, its place in the queue; returns what `try_acquire` does.
    async fn wait(&self, ticket: Option<u64>) -> u64 {
        let mut queued = Queued {
            shared: self,
            ticket,
        };
        loop {
            let mut changed = pin!(self.changed.notified());
            // Registered before the state is read again, so an answer in between is not
            // missed.
            changed.as_mut().enable();
            match self.try_acquire(Instant::now(), &mut queued.ticket) {
                Ok(seen) => return seen,
                Err(Wait::Until(at)) => {
                    let _ = unless(tokio::time::sleep_until(at.into()), changed).await;
                }
                Err(Wait::Answer) => changed.await,
            }
        }
    }

    /// Whether this is the state of `key`'s requests.
    fn is(&self, key: &Key<'_>) -> bool {
        // The same template is nearly always the same `&'static str`: compared by address
        // first.
        let same_path = std::ptr::eq(self.path, key.path) || self.path == key.path;
        same_path && self.scope.as_deref() == key.scope && self.method == key.method
    }

    /// Wakes the calls waiting for an answer, if there are any.
    fn wake(&self, bucket: MutexGuard<'_, Bucket>) {
        let waiting = !bucket.queue.is_empty();
        drop(bucket);
        if waiting {
            self.changed.notify_waiters();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Bucket> {
        self.bucket.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a place for one request now, or says how long to wait. Calls that wait go in
    /// the order they started waiting: `ticket` is this call's place in the queue, taken the
    /// first time it has to wait.
    fn try_acquire(&self, now: Instant, ticket: &mut Option<u64>) -> Result<u64, Wait> {
        let mut bucket = self.lock();
        if let Some(&first) = bucket.queue.first() {
            if *ticket != Some(first) {
                if ticket.is_none() {
                    *ticket = Some(bucket.enqueue());
                }
                // Woken when the queue moves (or an answer arrives).
                return Err(Wait::Answer);
            }
        }
        let held = bucket.hold_until.is_some();
        let result = bucket.try_acquire(now);
        let released = held && bucket.hold_until.is_none();
        if released {
            tracing::info!(
                path = self.path,
                "rate limit: the hold has passed; calls resume, one first"
            );
        }
        match (&result, *ticket) {
            (Ok(_), Some(mine)) => {
                bucket.queue.remove(&mine);
                *ticket = None;
                if bucket.queue.is_empty() && !released {
                    tracing::debug!(path = self.path, "rate limit: calls resume");
                }
                drop(bucket);
                // The next in the queue is now first.
                self.changed.notify_waiters();
                return result;
            }
            (Err(_), None) => {
                *ticket = Some(bucket.enqueue());
                if bucket.queue.len() == 1 {
                    match bucket.hold_until {
                        Some(until) if until > now => tracing::info!(
                            path = self.path,
                            hold_ms = duration_ms(until - now),
                            "rate limit: Atlas answered 429; calls are held until its Retry-After has passed"
                        ),
                        _ => tracing::debug!(
                            path = self.path,
                            "rate limit: the budget Atlas reports is spent; calls wait for it to refill"
                        ),
                    }
                }
            }
            _ => {}
        }
        result
    }
}

impl Bucket {
    fn new(now: Instant) -> Self {
        Bucket {
            limit: None,
            tokens: 0.0,
            at: now,
            known: false,
            rate: None,
            in_flight: 0,
            window: INITIAL_WINDOW,
            silent: 0,
            hold_until: None,
            last_answer: now,
            probe_delay: FIRST_PROBE,
            answers: 0,
            believed: 0,
            consumed: 0,
            anchor: None,
            queue: BTreeSet::new(),
            next_ticket: 0,
            warned: 0,
        }
    }

    /// A place at the end of the queue.
    fn enqueue(&mut self) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.queue.insert(ticket);
        ticket
    }

    fn idle(&self, now: Instant) -> bool {
        self.in_flight == 0
            && self.queue.is_empty()
            && self.hold_until.is_none_or(|until| until <= now)
    }

    /// Lets one request through now (with the answers received so far, which place it after
    /// them), or says how long to wait.
    fn try_acquire(&mut self, now: Instant) -> Result<u64, Wait> {
        let result = self.admit(now);
        if result.is_ok() {
            self.in_flight += 1;
        }
        result.map(|()| self.answers)
    }

    fn admit(&mut self, now: Instant) -> Result<(), Wait> {
        if let Some(until) = self.hold_until {
            if until > now {
                return Err(Wait::Until(until));
            }
            self.hold_until = None;
        }
        if !self.known {
            if self.in_flight < self.window {
                return Ok(());
            }
            return Err(Wait::Answer);
        }
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        match self.rate {
            Some(rate) => {
                let wait = Duration::from_secs_f64(((1.0 - self.tokens) / rate).min(60.0));
                Err(Wait::Until(now + wait))
            }
            None if self.in_flight > 0 => Err(Wait::Answer),
            None => {
                // No refill rate yet and nothing in flight to tell of one: one probe.
                let at = self.last_answer + self.probe_delay;
                if at <= now {
                    self.last_answer = now;
                    return Ok(());
                }
                Err(Wait::Until(at))
            }
        }
    }

    /// Adds what has refilled since `at`, up to the limit less what is in flight.
    fn refill(&mut self, now: Instant) {
        if let Some(rate) = self.rate {
            let ceiling = f64::from(self.limit.unwrap_or(MAX_LIMIT)) - f64::from(self.in_flight);
            let added = rate * now.saturating_duration_since(self.at).as_secs_f64();
            self.tokens = (self.tokens + added).min(ceiling.max(0.0));
        }
        self.at = now;
    }

    /// Learns from the answer to a request sent when `seen` answers had arrived.
    fn answered(
        &mut self,
        now: Instant,
        seen: u64,
        status: StatusCode,
        headers: &HeaderMap,
        path: &str,
    ) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.answers += 1;
        self.last_answer = now;
        let (limit, remaining) = rate_limit_headers(headers);
        let limit = self.read_limit(limit, path);
        let remaining = self.read_remaining(remaining, path);
        if let Some(limit) = limit {
            self.limit = Some(limit);
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.rate_limited(now, headers, path);
            return;
        }
        self.consumed += 1;
        let Some(remaining) = remaining else {
            if !self.known && limit.is_none() {
                self.silent += 1;
                self.window = if self.silent >= UNLIMITED_AFTER {
                    u32::MAX
                } else {
                    self.window.saturating_add(1)
                };
            }
            return;
        };
        self.silent = 0;
        let remaining = f64::from(match self.limit {
            Some(limit) => remaining.min(limit),
            None => remaining,
        });
        // What is left, less what every request still in flight may take.
        let left = remaining - f64::from(self.in_flight);
        if self.known && seen < self.believed {
            // Perhaps older news than the count believed: it may only lower the estimate.
            self.refill(now);
            self.tokens = self.tokens.min(left);
            return;
        }
        self.believed = self.answers;
        self.estimate_rate(now, remaining);
        self.tokens = left;
        self.at = now;
        self.known = true;
    }

    /// A `429`: the budget is spent, and the refill estimate was too high.
    fn rate_limited(&mut self, now: Instant, headers: &HeaderMap, path: &str) {
        // The other requests of a burst refused at once are the same news: the estimate is
        // cut once, not once for each of them.
        let news = self.known || self.hold_until.is_none_or(|until| until <= now);
        self.known = false;
        self.window = 1;
        self.tokens = 0.0;
        self.anchor = None;
        if news {
            self.rate = self.rate.map(|rate| rate / 2.0);
            if self.rate.is_none() {
                self.probe_delay = (self.probe_delay * 2).min(MAX_PROBE);
            }
        }
        let Some(wait) = crate::retry::retry_after(headers) else {
            return;
        };
        let wait = if wait > MAX_HOLD {
            if self.warned & WARNED_RETRY_AFTER == 0 {
                self.warned |= WARNED_RETRY_AFTER;
                tracing::warn!(
                    path,
                    retry_after_s = wait.as_secs(),
                    held_s = MAX_HOLD.as_secs(),
                    "rate limit: a Retry-After this long is not believed; calls are held for the most the client believes"
                );
            }
            MAX_HOLD
        } else {
            wait
        };
        let until = now + wait;
        if self.hold_until.is_none_or(|held| held < until) {
            self.hold_until = Some(until);
        }
    }

    /// Refines the refill estimate with an answer reporting `remaining` tokens.
    fn estimate_rate(&mut self, now: Instant, remaining: f64) {
        let full = self
            .limit
            .is_some_and(|limit| remaining >= f64::from(limit));
        match self.anchor {
            // From a full bucket the refill is capped: start measuring once it is drawn on.
            _ if full => self.anchor = None,
            None => self.anchor = Some((now, remaining, self.consumed, self.in_flight)),
            Some((since, then, consumed_then, in_flight_then)) => {
                let span = now.saturating_duration_since(since);
                if span < RATE_WINDOW {
                    return;
                }
                // Tokens that arrived: what is left now, less what was left then, plus what
                // was used in between; one less for the rounding of both counts.
                // Of the answers counted since, those to requests in flight then may have been
                // used up before the start; and one token for the rounding of both counts.
                let consumed = (self.consumed - consumed_then) as f64 - f64::from(in_flight_then);
                let refilled = (remaining - then + consumed - 1.0).max(0.0);
                let estimate = refilled / span.as_secs_f64();
                if estimate > 0.0 {
                    self.rate = Some(match self.rate {
                        Some(rate) => 0.7 * rate + 0.3 * estimate,
                        None => estimate,
                    });
                }
                self.anchor = Some((now, remaining, self.consumed, self.in_flight));
            }
        }
    }

    fn read_limit(&mut self, value: Option<&HeaderValue>, path: &str) -> Option<u32> {
        let value = value?;
        match value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<u32>().ok())
        {
            Some(limit) if (1..=MAX_LIMIT).contains(&limit) => Some(limit),
            _ => {
                if self.warned & WARNED_LIMIT == 0 {
                    self.warned |= WARNED_LIMIT;
                    tracing::warn!(
                        path,
                        value = ?value,
                        "rate limit: a RateLimit-Limit that is not a count from 1 to 1,000,000 is ignored"
                    );
                }
                None
            }
        }
    }

    fn read_remaining(&mut self, value: Option<&HeaderValue>, path: &str) -> Option<u32> {
        let value = value?;
        match value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<u32>().ok())
        {
            Some(remaining) => Some(remaining.min(MAX_LIMIT)),
            None => {
                if self.warned & WARNED_REMAINING == 0 {
                    self.warned |= WARNED_REMAINING;
                    tracing::warn!(
                        path,
                        value = ?value,
                        "rate limit: a RateLimit-Remaining that is not a count is ignored"
                    );
                }
                None
            }
        }
    }
}

/// A call's place in its state's queue while it waits: given up when the call stops waiting,
/// let through or dropped, so that a cancelled call does not hold up those behind it.
struct Queued<'a> {
    shared: &'a Shared,
    ticket: Option<u64>,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.shared.lock().queue.remove(&ticket);
            self.shared.changed.notify_waiters();
        }
    }
}

/// An answer's `RateLimit-Limit` and `RateLimit-Remaining` (the first of each), found in
/// one walk over its headers: cheaper, for the dozen or so headers an answer has, than two
/// look-ups that each hash a name.
fn rate_limit_headers(headers: &HeaderMap) -> (Option<&HeaderValue>, Option<&HeaderValue>) {
    let (mut limit, mut remaining) = (None, None);
    for (name, value) in headers {
        if *name == RATELIMIT_LIMIT {
            limit.get_or_insert(value);
        } else if *name == RATELIMIT_REMAINING {
            remaining.get_or_insert(value);
        }
    }
    (limit, remaining)
}

/// A request counted in flight on its state.
#[derive(Debug)]
pub(crate) struct Permit {
    shared: Arc<Shared>,
    /// The answers its state had received when the request was sent.
    seen: u64,
    answered: bool,
}

impl Permit {
    /// Tells the state how the request was answered.
    pub(crate) fn answered(mut self, status: StatusCode, headers: &HeaderMap) {
        self.answered = true;
        let now = Instant::now();
        let mut bucket = self.shared.lock();
        bucket.answered(now, self.seen, status, headers, self.shared.path);
        self.shared.wake(bucket);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.answered {
            // No answer (a transport failure, a dropped call): no longer in flight, and
            // nothing learned.
            let mut bucket = self.shared.lock();
            bucket.in_flight = bucket.in_flight.saturating_sub(1);
            self.shared.wake(bucket);
        }
    }
}

fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    fn ok(limit: u32, remaining: u32) -> HeaderMap {
        headers(&[
            ("ratelimit-limit", &limit.to_string()),
            ("ratelimit-remaining", &remaining.to_string()),
        ])
    }

    #[test]
    fn an_unknown_budget_starts_slowly_and_opens_without_headers() {
        let start = Instant::now();
        let mut bucket = Bucket::new(start);
        for _ in 0..INITIAL_WINDOW {
            assert!(bucket.try_acquire(start).is_ok());
        }
        assert!(matches!(bucket.try_acquire(start), Err(Wait::Answer)));
        // Each silent answer frees its place and opens one more.
        bucket.answered(start, 0, StatusCode::OK, &HeaderMap::new(), "/p");
        assert!(bucket.try_acquire(start).is_ok());
        assert!(bucket.try_acquire(start).is_ok());
        assert!(matches!(bucket.try_acquire(start), Err(Wait::Answer)));
        for _ in 0..UNLIMITED_AFTER {
            bucket.answered(start, 0, StatusCode::OK, &HeaderMap::new(), "/p");
        }
        for _ in 0..10_000 {
            assert!(bucket.try_acquire(start).is_ok(), "unlimited");
        }
    }

    #[test]
    fn remaining_tokens_less_those_in_flight_may_be_sent() {
        let start = Instant::now();
        let mut bucket = Bucket::new(start);
        for _ in 0..4 {
            bucket.try_acquire(start).unwrap();
        }
        bucket.answered(start, 0, StatusCode::OK, &ok(50, 10), "/p");
        // 10 left, 3 of them perhaps taken by the requests still in flight.
        let mut later = Vec::new();
        for _ in 0..7 {
            later.push(bucket.try_acquire(start).unwrap());
        }
        assert!(bucket.try_acquire(start).is_err());
        // A request sent before the count believed was read says 9 were left: older news.
        bucket.answered(start, 0, StatusCode::OK, &ok(50, 9), "/p");
        assert!(
            bucket.try_acquire(start).is_err(),
            "not believed over the newer count"
        );
        // One sent after it says 6 are left, with 8 in flight: nothing to send.
        bucket.answered(start, later[0], StatusCode::OK, &ok(50, 6), "/p");
        assert!(bucket.tokens < 0.0);
        // One sent after that answer arrived says 5, with 2 others still in flight.
        let last = bucket.answers;
        for _ in 0..5 {
            bucket.answered(start, 1, StatusCode::OK, &ok(50, 5), "/p");
        }
        bucket.answered(start, last, StatusCode::OK, &ok(50, 5), "/p");
        assert_eq!(bucket.in_flight, 2);
        assert_eq!(bucket.tokens, 3.0);
    }

    #[test]
    fn the_refill_rate_is_learned_and_paces_the_calls() {
        let start = Instant::now();
        let mut bucket = Bucket::new(start);
        let first = bucket.try_acquire(start).unwrap();
        bucket.answered(start, first, StatusCode::OK, &ok(50, 5), "/p");
        // 100 tokens per second: half a second later, 50 more arrived and 40 were used
        // (the 41st answer says 14 are left).
        let later = start + Duration::from_millis(500);
        bucket.consumed += 40;
        bucket.answers += 40;
        let last = bucket.try_acquire(later).unwrap();
        bucket.answered(later, last, StatusCode::OK, &ok(50, 14), "/p");
        let rate = bucket.rate.expect("a rate");
        assert!((90.0..=100.0).contains(&rate), "{rate}");
        while bucket.try_acquire(later).is_ok() {}
        let Err(Wait::Until(at)) = bucket.try_acquire(later) else {
            panic!("waits for a refill");
        };
        assert!(at - later <= Duration::from_millis(12), "{:?}", at - later);
    }

    #[test]
    fn a_429_with_retry_after_holds_then_lets_one_through() {
        let start = Instant::now();
        let mut bucket = Bucket::new(start);
        let number = bucket.try_acquire(start).unwrap();
        bucket.answered(
            start,
            number,
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "2"), ("ratelimit-remaining", "0")]),
            "/p",
        );
        assert!(
            matches!(bucket.try_acquire(start), Err(Wait::Until(at)) if at == start + Duration::from_secs(2))
        );
        let after = start + Duration::from_secs(2);
        assert!(bucket.try_acquire(after).is_ok());
        assert!(
            matches!(bucket.try_acquire(after), Err(Wait::Answer)),
            "one at a time"
        );
    }

    #[test]
    fn nonsense_is_capped_or_ignored() {
        let start = Instant::now();
        let mut bucket = Bucket::new(start);
        let number = bucket.try_acquire(start).unwrap();
        bucket.answered(
            start,
            number,
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "31536000")]),
            "/p",
        );
        assert_eq!(bucket.hold_until, Some(start + MAX_HOLD));
        let mut bucket = Bucket::new(start);
        let number = bucket.try_acquire(start).unwrap();
        bucket.answered(
            start,
            number,
            StatusCode::OK,
            &headers(&[("ratelimit-limit", "0"), ("ratelimit-remaining", "soon")]),
            "/p",
        );
        assert_eq!(bucket.limit, None);
        assert!(!bucket.known, "nothing was learned");
        assert_eq!(bucket.warned, WARNED_LIMIT | WARNED_REMAINING);
    }

    #[test]
    fn scopes_are_told_apart_by_endpoint_and_project() {
        let limiter = RateLimiter::default();
        let get = Method::GET;
        let post = Method::POST;
        let state = |method, path, params| limiter.state(&Key::new(method, path, params));
        let a = state(&get, "/g/{groupId}", &[("groupId", "a")]);
        assert!(Arc::ptr_eq(
            &a,
            &state(&get, "/g/{groupId}", &[("groupId", "a")])
        ));
        // The same template at another address is the same endpoint.
        let copied: &'static str = String::from("/g/{groupId}").leak();
        assert!(Arc::ptr_eq(&a, &state(&get, copied, &[("groupId", "a")])));
        for other in [
            state(&get, "/g/{groupId}", &[("groupId", "b")]),
            state(&post, "/g/{groupId}", &[("groupId", "a")]),
            state(&get, "/g/{groupId}/x", &[("groupId", "a")]),
            state(&get, "/o/{orgId}", &[("orgId", "a")]),
            state(&get, "/g/{groupId}", &[("clusterName", "a")]),
        ] {
            assert!(!Arc::ptr_eq(&a, &other));
        }
        assert_eq!(limiter.states.lock().unwrap().len(), 6);
    }

    #[test]
    fn keys_with_the_same_hash_keep_their_own_states() {
        let limiter = RateLimiter::default();
        let get = Method::GET;
        let mut a = Key::new(&get, "/g/{groupId}", &[("groupId", "a")]);
        let mut b = Key::new(&get, "/g/{groupId}", &[("groupId", "b")]);
        (a.hash, b.hash) = (7, 7);
        let first = limiter.state(&a);
        let second = limiter.state(&b);
        assert!(!Arc::ptr_eq(&first, &second));
        assert!(Arc::ptr_eq(&first, &limiter.state(&a)));
        assert!(Arc::ptr_eq(&second, &limiter.state(&b)));
        assert_eq!(limiter.states.lock().unwrap()[&7].len(), 2);
    }
}
