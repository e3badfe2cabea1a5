//! Waiting for the jobs operations start: the poll loop every generated waiter shares.
//!
//! A generated crate turns each watcher of its spec (`x-xgen-atlascli.watcher`, the Atlas
//! CLI's `--watch` data) into a waiter: a function that polls the watcher's operation until
//! the response shows a final state, or until the resource is gone. What differs per watcher
//! (which request, which field, which values end the wait) is generated; how to wait (the
//! interval, its backoff, the deadline, progress) is this module's.
//!
//! Each poll is an ordinary call: it runs under the client's [`RetryPolicy`](crate::RetryPolicy),
//! so a `429` with `Retry-After` or a `503` in the middle of a wait is retried after the delay
//! the server asked for, and only an error the retry policy gives up on ends the wait. The
//! deadline covers everything, retries included. Dropping the future stops the wait: no
//! request is sent after that.
//!
//! A wait knows which job it is about ([`JobIds`]: the path parameters it polls with) and
//! says so in every [`PollEvent`] and in every [`WaitError`] once polling began, so that a
//! wait cut short (the deadline, a failed poll) can be taken up again. A `404` tells apart a
//! job never found (the first poll: [`WaitError::NotFound`]) from one deleted during the wait
//! ([`WaitError::Vanished`]); a wait for a deletion takes it for done.
//!
//! # Why it is built this way
//!
//! Waiting and walking pages are loops every caller gets wrong in the same ways (no backoff or
//! deadline, a `Failed` job taken for done, a server that repeats a page walked forever), so each
//! loop exists once, here and in `pages.rs`, and a generated crate emits only what differs per
//! spec (which request to poll and how to read its state). [`Wait`] holds a clone of the client
//! and the ids, so it is owned and can be spawned.
//!
//! [`JobIds`] are by wire name and text, not typed, because [`WaitError`] is the runtime's and must
//! not name a generated type, and one shape serves every waiter; a caller parses what it needs
//! back, and the message shows them (the caller's own ids, unlike a transport error's path, which
//! is left out). An error while polling is wrapped, not passed through
//! (`WaitError::PollFailed { source: Box<Error<B>>, .. }`), which makes `WaitError` generic over
//! the error body like `Error`, so the poll's typed API error stays reachable; since wrapping would
//! hide `Error::Api` from a caller who matched it, the accessors that read an answer (`status`,
//! `headers`, `api_error`, `error_code`, `transport_error` and those built on it) read through a
//! wait to its last poll's error. Every `WaitError` variant is `#[non_exhaustive]`, so a field
//! added later breaks no pattern (generated code builds `MissingInResponse` through a hidden
//! constructor). The starting response cannot travel in `Error` (its type is the generated
//! crate's), so `start_job()` returns it before any waiting: a [`StartedJob`] whose `wait()` is a
//! factory (an `Arc<dyn Fn>` over a clone of the client and the ids) that can be called again.
//!
//! [`JobOutcome`] is `Succeeded` or `Failed` and is not `#[non_exhaustive]`: a watcher's final
//! states are each sorted into one of them at generation (the generator's `FAILURE_STATES`,
//! compared without case: `Failed`, `Cancelled`, `Canceled`, `Error`, `Failure`, `Deleted`,
//! `Orphaned`), and every other end of a wait is an error. A third kind of final state would be a
//! breaking change on purpose. Any `404` counts as gone for a deletion wait, whatever the body (a
//! proxy's HTML `404` too). `WaitPolicy::fixed` and `.jitter(0.0)` make intervals exact, which the
//! tests check on tokio's paused clock (`test-util`, a dev-dependency only).

mod error;
mod job;
mod outcome;
#[cfg(test)]
mod tests;

pub use error::WaitError;
pub use job::{JobIds, StartedJob};
pub use outcome::JobOutcome;

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

use crate::error::{Error, InvalidParameter};
use crate::response::ApiResponse;

/// The progress callback of a [`WaitPolicy`].
type OnPoll = Arc<dyn Fn(&PollEvent<'_>) + Send + Sync>;

/// How a waiter polls: the first interval, how it grows, and when to give up.
///
/// The default polls at once, then after 2 s, growing by half each time up to 30 s, and gives
/// up after 60 minutes: about 130 requests for an hour-long export job, well inside Atlas's
/// rate limits, and a final state is seen within 30 s of being reached. Each interval is
/// spread by up to ±10 % so that many waiters started together do not poll together
/// ([`WaitPolicy::jitter`]). [`WaitPolicy::fixed`] polls at one interval.
#[derive(Clone)]
pub struct WaitPolicy {
    interval: Duration,
    max_interval: Duration,
    multiplier: f64,
    jitter: f64,
    deadline: Duration,
    on_poll: Option<OnPoll>,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        WaitPolicy {
            interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            multiplier: 1.5,
            jitter: 0.1,
            deadline: Duration::from_secs(60 * 60),
            on_poll: None,
        }
    }
}

impl fmt::Debug for WaitPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitPolicy")
            .field("interval", &self.interval)
            .field("max_interval", &self.max_interval)
            .field("multiplier", &self.multiplier)
            .field("jitter", &self.jitter)
            .field("deadline", &self.deadline)
            .field("on_poll", &self.on_poll.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl WaitPolicy {
    /// Polls at once, then every `interval`, without backoff; the rest as
    /// [`WaitPolicy::default`] (a deadline of 60 minutes, intervals spread by ±10 %:
    /// `.jitter(0.0)` makes them exact). The same as `.interval(interval)`,
    /// `.max_interval(interval)` and `.backoff(1.0)`.
    pub fn fixed(interval: Duration) -> Self {
        WaitPolicy {
            interval,
            max_interval: interval,
            multiplier: 1.0,
            ..WaitPolicy::default()
        }
    }

    /// The interval before the second poll (the first is sent at once).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The longest interval the backoff grows to.
    pub fn max_interval(mut self, max_interval: Duration) -> Self {
        self.max_interval = max_interval;
        self
    }

    /// How much each interval grows over the one before (at least 1: `1.0` polls at a fixed
    /// interval).
    pub fn backoff(mut self, multiplier: f64) -> Self {
        self.multiplier = if multiplier.is_finite() {
            multiplier.max(1.0)
        } else {
            1.0
        };
        self
    }

    /// How much each interval is spread at random, as a fraction of it: the default, `0.1`,
    /// waits between 90 % and 110 % of the interval, so that waiters started together do not
    /// poll together; `0.0` waits exactly the interval (for tests, or a single waiter).
    /// Kept between 0 and 1; a value that is not a number is 0.
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self
    }

    /// How long to wait in all, from the first poll: when it passes, the wait ends with
    /// [`Error::Wait`] ([`WaitError::DeadlinePassed`]), even in the middle of a request.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Called after every poll with what it saw, for progress reports. (Each poll is also a
    /// `tracing` event; see [`crate`].)
    pub fn on_poll(mut self, on_poll: impl Fn(&PollEvent<'_>) + Send + Sync + 'static) -> Self {
        self.on_poll = Some(Arc::new(on_poll));
        self
    }

    /// The interval after `current`, grown by the backoff and capped.
    fn next_interval(&self, current: Duration) -> Duration {
        current.mul_f64(self.multiplier).min(self.max_interval)
    }
}

type WaitFuture<O, B> = Pin<Box<dyn Future<Output = Result<O, Error<B>>> + Send>>;

/// A wait, ready to start: `.await` it (or change its [`WaitPolicy`] first with
/// [`Wait::policy`]). It owns what it needs, so it can be spawned; dropping it, or the
/// future it becomes, stops the wait.
#[must_use = "a wait does nothing until it is awaited"]
pub struct Wait<O, B> {
    policy: WaitPolicy,
    run: Box<dyn FnOnce(WaitPolicy) -> WaitFuture<O, B> + Send>,
}

impl<O, B> fmt::Debug for Wait<O, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<O, B> Wait<O, B> {
    /// A wait that runs `run` under the policy it is given.
    #[doc(hidden)]
    pub fn new(run: impl FnOnce(WaitPolicy) -> WaitFuture<O, B> + Send + 'static) -> Self {
        Wait {
            policy: WaitPolicy::default(),
            run: Box::new(run),
        }
    }

    /// Waits under `policy` instead of [`WaitPolicy::default`].
    pub fn policy(mut self, policy: WaitPolicy) -> Self {
        self.policy = policy;
        self
    }
}

impl<O, B> IntoFuture for Wait<O, B> {
    type Output = Result<O, Error<B>>;
    type IntoFuture = WaitFuture<O, B>;

    fn into_future(self) -> Self::IntoFuture {
        (self.run)(self.policy)
    }
}

/// What one poll saw, as [`WaitPolicy::on_poll`] gets it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PollEvent<'a> {
    /// The name of the operation polled, as the crate's docs give it (`getBackupExport`).
    pub operation_id: &'static str,
    /// What the wait polls with: the job's ids.
    pub ids: &'a JobIds,
    /// Which poll this was, from 1.
    pub poll: u32,
    /// The state the response showed (`InProgress`, …), `None` when it showed none; for a
    /// waiter that waits for the resource to be gone, `present` or `gone`.
    pub state: Option<&'a str>,
    /// Time since the first poll.
    pub elapsed: Duration,
}

/// Where a poll's answer stands, as a generated waiter reads it from the response.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not final yet.
    Pending,
    /// A final state that counts as success.
    Succeeded,
    /// A final state that counts as failure.
    Failed,
}

/// Polls with `poll` (the operation and parameters `ids` name) under `policy` until `read`
/// says the state is final. `read` returns the state as sent (for progress and for
/// [`JobOutcome::Failed`]) and its verdict. A `404` ends the wait as
/// [`WaitError::NotFound`] on the first poll, [`WaitError::Vanished`] after; any other error
/// as [`WaitError::PollFailed`].
#[doc(hidden)]
pub async fn until_final<T, B, F, Fut>(
    policy: &WaitPolicy,
    ids: JobIds,
    mut poll: F,
    read: fn(&T) -> (Option<&str>, Verdict),
) -> Result<JobOutcome<T>, Error<B>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ApiResponse<T>, Error<B>>>,
{
    let mut clock = Clock::start(policy, ids);
    loop {
        let value = match clock.answer(poll()).await? {
            Ok(response) => response.into_body(),
            Err(error) if status_of(&error) == Some(404) => return Err(clock.not_found(error)),
            Err(error) => return Err(clock.failed(error)),
        };
        let (state, verdict) = read(&value);
        clock.report(policy, state);
        match verdict {
            Verdict::Succeeded => return Ok(JobOutcome::Succeeded(value)),
            Verdict::Failed => {
                let state = state.unwrap_or_default().to_owned();
                return Ok(JobOutcome::Failed { state, value });
            }
            Verdict::Pending => {
                clock.last_state = state.map(str::to_owned);
                clock.pause(policy).await?;
            }
        }
    }
}

/// Polls with `poll` (the operation and parameters `ids` name) under `policy` until it is
/// answered with `gone` (`404`: the resource was deleted; on the first poll too). Any other
/// error ends the wait as [`WaitError::PollFailed`].
#[doc(hidden)]
pub async fn until_gone<T, B, F, Fut>(
    policy: &WaitPolicy,
    ids: JobIds,
    gone: u16,
    mut poll: F,
) -> Result<(), Error<B>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ApiResponse<T>, Error<B>>>,
{
    let mut clock = Clock::start(policy, ids);
    loop {
        match clock.answer(poll()).await? {
            Ok(_) => {
                clock.report(policy, Some("present"));
                clock.pause(policy).await?;
            }
            // Gone whatever the body: a 404 from a proxy or with no Atlas error body too.
            Err(error) if status_of(&error) == Some(gone) => {
                clock.report(policy, Some("gone"));
                return Ok(());
            }
            Err(error) => return Err(clock.failed(error)),
        }
    }
}

/// The status a poll's error was answered with, if any.
fn status_of<B>(error: &Error<B>) -> Option<u16> {
    error.status().map(|status| status.as_u16())
}

/// Converts a value read from one response (a job's id, a cluster's name) into the type the
/// poll takes, through its JSON form: the two may be different types for the same wire value
/// (a `String` and an id newtype, two enums). The poll checks it before sending.
#[doc(hidden)]
pub fn convert<From: Serialize, To: DeserializeOwned>(
    value: &From,
    name: &'static str,
) -> Result<To, InvalidParameter> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|error| {
            InvalidParameter::new(
                name,
                "",
                format!("cannot be taken from the response: {error}"),
            )
        })
}

/// The time of one wait: when it started, when it ends, the next interval.
struct Clock {
    ids: JobIds,
    started: Instant,
    deadline: Instant,
    interval: Duration,
    polls: u32,
    last_state: Option<String>,
}

impl Clock {
    fn start(policy: &WaitPolicy, ids: JobIds) -> Self {
        let started = Instant::now();
        Clock {
            ids,
            started,
            deadline: started + policy.deadline,
            interval: policy.interval,
            polls: 0,
            last_state: None,
        }
    }

    fn deadline_passed<B>(&self) -> Error<B> {
        Error::Wait(WaitError::DeadlinePassed {
            operation_id: self.ids.operation_id(),
            after: self.deadline - self.started,
            polls: self.polls,
            last_state: self.last_state.clone(),
            ids: self.ids.clone(),
        })
    }

    /// The wait's end when the last poll was answered `404`: a job never found when it was
    /// the first poll, else one gone since.
    fn not_found<B>(&self, error: Error<B>) -> Error<B> {
        let ids = self.ids.clone();
        let source = Box::new(error);
        Error::Wait(match self.polls {
            1 => WaitError::NotFound { ids, source },
            poll => WaitError::Vanished {
                poll,
                last_state: self.last_state.clone(),
                ids,
                source,
            },
        })
    }

    /// The wait's end when the last poll failed.
    fn failed<B>(&self, error: Error<B>) -> Error<B> {
        Error::Wait(WaitError::PollFailed {
            poll: self.polls,
            last_state: self.last_state.clone(),
            ids: self.ids.clone(),
            source: Box::new(error),
        })
    }

    /// One poll, cut off at the deadline: `Err` when the deadline passed, else the poll's
    /// own result.
    async fn answer<T, B>(
        &mut self,
        poll: impl Future<Output = Result<ApiResponse<T>, Error<B>>>,
    ) -> Result<Result<ApiResponse<T>, Error<B>>, Error<B>> {
        match tokio::time::timeout_at(self.deadline, poll).await {
            Ok(answer) => {
                self.polls += 1;
                Ok(answer)
            }
            Err(_elapsed) => Err(self.deadline_passed()),
        }
    }

    fn report(&self, policy: &WaitPolicy, state: Option<&str>) {
        let elapsed = self.started.elapsed();
        tracing::info!(
            operation_id = self.ids.operation_id(),
            ids = %self.ids,
            poll = self.polls,
            state = state.unwrap_or("(none)"),
            elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            "atlas_wait: polled"
        );
        if let Some(on_poll) = &policy.on_poll {
            on_poll(&PollEvent {
                operation_id: self.ids.operation_id(),
                ids: &self.ids,
                poll: self.polls,
                state,
                elapsed,
            });
        }
    }

    /// Sleeps until the next poll; when that would be past the deadline, sleeps until the
    /// deadline and fails: the wait lasts as long as it was given, no longer.
    async fn pause<B>(&mut self, policy: &WaitPolicy) -> Result<(), Error<B>> {
        let jitter = policy.jitter;
        let interval = if jitter > 0.0 {
            self.interval
                .mul_f64(1.0 - jitter + fastrand::f64() * 2.0 * jitter)
        } else {
            self.interval
        };
        let next = Instant::now() + interval;
        if next >= self.deadline {
            tokio::time::sleep_until(self.deadline).await;
            return Err(self.deadline_passed());
        }
        tokio::time::sleep_until(next).await;
        self.interval = policy.next_interval(self.interval);
        Ok(())
    }
}
