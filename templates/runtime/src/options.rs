//! Settings for one call, set on its request builder (`with_timeout`, `with_deadline`,
//! `with_retry_policy`, `with_options`), which win over the client's for that call.
//!
//! A zero timeout or deadline is an `InvalidParameter` and nothing is sent: a call that can never
//! start is a caller's mistake, not a timeout. A timeout longer than the deadline is allowed and
//! the deadline cuts first, because a client default of 60 s with one call's deadline of 5 s is
//! the ordinary case. Waiters keep their `WaitPolicy`; each poll is an ordinary call, so it goes
//! through the rate limiter and the retry budget.

use std::time::Duration;

use crate::error::InvalidParameter;
use crate::retry::RetryPolicy;

/// What one call changes of its client's settings: the attempt timeout, a deadline for the
/// whole call, and the retry policy. Every request builder takes them (`with_timeout`,
/// `with_deadline`, `with_retry_policy`, or a whole set with `with_options`); what is not set
/// here is the client's.
///
/// ```
/// use std::time::Duration;
/// use atlas_runtime::{CallOptions, RetryPolicy};
///
/// // A health check: one quick attempt, two seconds in all.
/// let health_check = CallOptions::new()
///     .timeout(Duration::from_secs(1))
///     .deadline(Duration::from_secs(2))
///     .retry_policy(RetryPolicy::never());
/// # let _ = health_check;
/// ```
///
/// A zero timeout or deadline fails the call with [`Error::InvalidParameter`](crate::Error)
/// before anything is sent. A timeout longer than the deadline is allowed: the deadline cuts
/// the attempt first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// No change: the client's settings.
    pub const fn new() -> Self {
        CallOptions {
            timeout: None,
            deadline: None,
            retry: None,
        }
    }

    /// How long each attempt of this call may take, from sending to the end of a JSON body
    /// (a download's body is bounded by the client's `stall_timeout` instead).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long the whole call may take: every attempt, the waits between them and any wait
    /// for Atlas's rate limit. When it passes, the attempt in flight is cut and the call
    /// fails with a [`TransportErrorKind::Deadline`](crate::TransportErrorKind::Deadline)
    /// error.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// How this call is retried, e.g. `RetryPolicy::default().retry_non_idempotent(true)` for
    /// one `POST` known to be safe to send again.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }
}

/// A duration setting that must be longer than zero.
pub(crate) fn positive(name: &str, value: Duration) -> Result<Duration, InvalidParameter> {
    if value.is_zero() {
        return Err(InvalidParameter::new(
            name,
            "0s",
            "must be longer than zero (a call could never start)",
        ));
    }
    Ok(value)
}
