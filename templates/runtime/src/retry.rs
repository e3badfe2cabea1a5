//! When to send a request again: 429 and 503 answers (after `Retry-After` when the server
//! gives one, else after an exponential backoff with jitter) and connection failures or
//! timeouts. Only idempotent requests are retried unless the policy opts in to all.
//!
//! Every wait has a random part, `Retry-After` included (which is a minimum: up to half the
//! initial backoff is added to it), so that many calls told to wait at the same moment do not
//! all come back at the same instant.
//!
//! The retry budget ([`RetryBudget`], one per client, AWS's retry quota): each call deciding alone
//! fails during an outage, where every call retries as often as it may. So a retry spends 5 tokens
//! (10 after a timeout, which held a connection for its whole length), an answer that needed no
//! retry gives 1 back, and a call that succeeds after retrying gives back what its last retry
//! cost; 500 tokens, so 100 retries in a row. With too few left a call fails with its last error.
//! N calls against a server that fails everything send N requests and 100 retries, not
//! N × `max_attempts`; the budget refills as soon as Atlas answers again (500 healthy calls after
//! an outage). Backoff is "equal jitter": half the delay, plus a random part of the other half.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use http::header::{HeaderMap, RETRY_AFTER};
use http::{Method, StatusCode};

/// How a client retries. The defaults: 3 attempts in all, backoff from 500 ms doubling up to
/// 8 s, at most 30 s from the first attempt, and only for idempotent methods (not `POST`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
    retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_elapsed: Duration::from_secs(30),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Attempts in all, the first one included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry; it doubles for each further one. Up to half of it
    /// is also added at random to a server's `Retry-After`.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest backoff (and the longest `Retry-After` the client will wait).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// No retry starts once this much time has passed since the first attempt, and none
    /// whose wait would end after it.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// Also retry non-idempotent requests (`POST`, `PATCH`). Off by default: a `POST` that
    /// reached Atlas before the connection failed may have created something already.
    pub fn retry_non_idempotent(mut self, enabled: bool) -> Self {
        self.retry_non_idempotent = enabled;
        self
    }

    pub(crate) fn allows(&self, method: &Method) -> bool {
        self.retry_non_idempotent || !matches!(*method, Method::POST | Method::PATCH)
    }

    /// How long to wait before attempt `attempt + 1`, or `None` when no retry is left.
    pub(crate) fn delay(
        &self,
        attempt: u32,
        started: Instant,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let delay = match retry_after {
            Some(wait) if wait <= self.max_backoff => {
                wait + (self.initial_backoff / 2).mul_f64(fastrand::f64())
            }
            Some(_) => return None,
            None => {
                let exponential = self
                    .initial_backoff
                    .saturating_mul(1 << (attempt - 1).min(16))
                    .min(self.max_backoff);
                // "Equal jitter": half the backoff, plus a random part of the other half.
                let half = exponential / 2;
                half + half.mul_f64(fastrand::f64())
            }
        };
        (started.elapsed() + delay <= self.max_elapsed).then_some(delay)
    }
}

/// How many retries a client may send while Atlas is failing, shared by every call of the
/// client and its clones (the AWS SDK's retry quota): a retry spends tokens, an answer that
/// needed no retry gives one back, and a call that finds too few fails with its last error
/// instead of retrying. So against a server that fails every request, N calls send at most N
/// requests plus the budget's retries, not N × `max_attempts`.
///
/// The default holds 500 tokens; a retry costs 5 (10 after a timeout, which held a connection
/// for its whole length), so 100 retries in a row; each healthy answer gives back 1, and a
/// call that succeeds after retrying gives back what its last retry cost. Retries after a
/// `429` cost nothing: the rate limiter already paces them. [`RetryBudget::unlimited`] turns
/// the budget off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    refund: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget {
            capacity: 500,
            retry_cost: 5,
            refund: 1,
        }
    }
}

impl RetryBudget {
    /// No budget: every call retries as its [`RetryPolicy`] allows.
    pub fn unlimited() -> Self {
        RetryBudget {
            capacity: u32::MAX,
            retry_cost: 0,
            refund: 0,
        }
    }

    /// The tokens the budget holds when full (and at first).
    pub fn capacity(mut self, tokens: u32) -> Self {
        self.capacity = tokens;
        self
    }

    /// What a retry costs (twice as much after a timeout).
    pub fn retry_cost(mut self, tokens: u32) -> Self {
        self.retry_cost = tokens;
        self
    }

    /// What an answer that needed no retry gives back.
    pub fn refund(mut self, tokens: u32) -> Self {
        self.refund = tokens;
        self
    }
}

/// The tokens left of a client's [`RetryBudget`].
#[derive(Debug)]
pub(crate) struct RetryTokens {
    budget: RetryBudget,
    left: AtomicU32,
}

impl RetryTokens {
    pub(crate) fn new(budget: RetryBudget) -> Self {
        RetryTokens {
            budget,
            left: AtomicU32::new(budget.capacity),
        }
    }

    /// Takes the cost of one retry, or says there are too few tokens left: the spent cost, or
    /// `None`.
    pub(crate) fn spend(&self, after_timeout: bool) -> Option<u32> {
        let cost = if after_timeout {
            self.budget.retry_cost.saturating_mul(2)
        } else {
            self.budget.retry_cost
        };
        if cost == 0 {
            return Some(0);
        }
        self.left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(cost)
            })
            .ok()
            .map(|_| cost)
    }

    /// Gives tokens back after a healthy answer: `spent` by the call's last retry, or the
    /// budget's refund when it needed none.
    pub(crate) fn give_back(&self, spent: Option<u32>) {
        let tokens = spent.unwrap_or(self.budget.refund);
        if tokens == 0 {
            return;
        }
        let capacity = self.budget.capacity;
        // Skipped when full: the common case costs one load.
        if self.left.load(Ordering::Relaxed) >= capacity {
            return;
        }
        let _ = self
            .left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                Some(left.saturating_add(tokens).min(capacity))
            });
    }

    #[cfg(test)]
    pub(crate) fn left(&self) -> u32 {
        self.left.load(Ordering::Acquire)
    }
}

/// Statuses that mean "try again later".
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
}

/// `Retry-After` as seconds or as an HTTP-date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let now: chrono::DateTime<chrono::Utc> = std::time::SystemTime::now().into();
    let wait = at.signed_duration_since(now);
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_stay_bounded_and_respect_retry_after() {
        let policy = RetryPolicy::default()
            .max_attempts(5)
            .initial_backoff(Duration::from_millis(100));
        let started = Instant::now();
        for attempt in 1..5 {
            let delay = policy.delay(attempt, started, None).unwrap();
            let full = Duration::from_millis(100) * (1 << (attempt - 1));
            assert!(
                delay >= full / 2 && delay <= full,
                "attempt {attempt}: {delay:?}"
            );
        }
        assert_eq!(policy.delay(5, started, None), None, "attempts are bounded");
        // `Retry-After` is a minimum, with up to half the initial backoff added at random.
        let waits: Vec<Duration> = (0..50)
            .map(|_| {
                policy
                    .delay(1, started, Some(Duration::from_secs(2)))
                    .unwrap()
            })
            .collect();
        assert!(waits
            .iter()
            .all(|wait| *wait >= Duration::from_secs(2) && *wait < Duration::from_millis(2050)));
        assert!(
            waits.iter().any(|wait| *wait != waits[0]),
            "spread: {waits:?}"
        );
        assert_eq!(
            policy.delay(1, started, Some(Duration::from_secs(60))),
            None,
            "too long to wait"
        );
        let tight = RetryPolicy::default().max_elapsed(Duration::from_millis(10));
        assert_eq!(
            tight.delay(1, started, Some(Duration::from_secs(1))),
            None,
            "total time is bounded"
        );
        assert_eq!(RetryPolicy::never().delay(1, started, None), None);
    }

    #[test]
    fn the_budget_is_spent_by_retries_and_refilled_by_healthy_answers() {
        let tokens = RetryTokens::new(RetryBudget::default().capacity(12));
        assert_eq!(tokens.spend(false), Some(5));
        assert_eq!(
            tokens.spend(true),
            None,
            "7 left: too few for a timeout's 10"
        );
        assert_eq!(tokens.spend(false), Some(5));
        assert_eq!(tokens.spend(false), None, "2 left");
        tokens.give_back(None);
        tokens.give_back(Some(5));
        assert_eq!(tokens.left(), 8);
        for _ in 0..20 {
            tokens.give_back(None);
        }
        assert_eq!(tokens.left(), 12, "never above the capacity");
        let unlimited = RetryTokens::new(RetryBudget::unlimited());
        for _ in 0..1000 {
            assert_eq!(unlimited.spend(true), Some(0));
        }
    }

    #[test]
    fn only_idempotent_methods_retry_by_default() {
        assert!(RetryPolicy::default().allows(&Method::GET));
        assert!(!RetryPolicy::default().allows(&Method::POST));
        assert!(RetryPolicy::default()
            .retry_non_idempotent(true)
            .allows(&Method::POST));
    }

    #[test]
    fn parses_retry_after_in_both_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(
            retry_after(&headers),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}
