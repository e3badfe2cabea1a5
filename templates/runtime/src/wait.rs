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
/// spread by up to ±10 % so that many waiters started together do not poll together.
#[derive(Clone)]
pub struct WaitPolicy {
    interval: Duration,
    max_interval: Duration,
    multiplier: f64,
    deadline: Duration,
    on_poll: Option<OnPoll>,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        WaitPolicy {
            interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            multiplier: 1.5,
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
            .field("deadline", &self.deadline)
            .field("on_poll", &self.on_poll.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl WaitPolicy {
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
    /// The `operationId` of the operation polled.
    pub operation_id: &'static str,
    /// Which poll this was, from 1.
    pub poll: u32,
    /// The state the response showed (`InProgress`, …), `None` when it showed none; for a
    /// waiter that waits for the resource to be gone, `present` or `gone`.
    pub state: Option<&'a str>,
    /// Time since the first poll.
    pub elapsed: Duration,
}

/// How a wait for a final state ended: the job's last value, and whether its state is one the
/// watcher counts as success or as failure. Both are answers from Atlas, not errors: an
/// export that ends `Failed` is a result to act on. A wait that got no final answer is an
/// [`Error`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum JobOutcome<T> {
    /// The job reached a state that counts as success (`Successful`, `IDLE`, …).
    Succeeded(T),
    /// The job reached a final state that counts as failure (`Failed`, `Cancelled`, …).
    Failed {
        /// The state, as Atlas sent it.
        state: String,
        /// The last value polled.
        value: T,
    },
}

impl<T> JobOutcome<T> {
    /// Whether the job succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, JobOutcome::Succeeded(_))
    }

    /// The last value polled, whichever way the job ended.
    pub fn value(&self) -> &T {
        match self {
            JobOutcome::Succeeded(value) | JobOutcome::Failed { value, .. } => value,
        }
    }

    /// The last value polled, whichever way the job ended.
    pub fn into_value(self) -> T {
        match self {
            JobOutcome::Succeeded(value) | JobOutcome::Failed { value, .. } => value,
        }
    }

    /// `Ok` with the value of a job that succeeded, `Err` with the failed state and value.
    pub fn into_result(self) -> Result<T, (String, T)> {
        match self {
            JobOutcome::Succeeded(value) => Ok(value),
            JobOutcome::Failed { state, value } => Err((state, value)),
        }
    }
}

/// Why a wait ended without a final answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitError {
    /// The policy's deadline passed before the job reached a final state.
    DeadlinePassed {
        /// The `operationId` of the operation polled.
        operation_id: &'static str,
        /// The deadline.
        after: Duration,
        /// How many polls were answered.
        polls: u32,
        /// The last state seen, if any.
        last_state: Option<String>,
    },
    /// The response that started the job lacks the value the waiter polls with (the job's
    /// id, say), so there is nothing to wait for.
    MissingInResponse {
        /// The `operationId` of the operation whose response it is.
        operation_id: &'static str,
        /// The property, as a JSON path (`$.id`).
        path: &'static str,
    },
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::DeadlinePassed {
                operation_id,
                after,
                polls,
                last_state,
            } => {
                write!(
                    f,
                    "gave up waiting after {after:?} ({polls} polls of {operation_id}"
                )?;
                match last_state {
                    Some(state) => write!(f, ", last state `{state}`)"),
                    None => write!(f, ")"),
                }
            }
            WaitError::MissingInResponse { operation_id, path } => write!(
                f,
                "cannot wait: the response of {operation_id} has no `{path}` to poll with"
            ),
        }
    }
}

impl std::error::Error for WaitError {}

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

/// Polls with `poll` under `policy` until `read` says the state is final. `read` returns the
/// state as sent (for progress and for [`JobOutcome::Failed`]) and its verdict.
#[doc(hidden)]
pub async fn until_final<T, B, F, Fut>(
    policy: &WaitPolicy,
    operation_id: &'static str,
    mut poll: F,
    read: fn(&T) -> (Option<&str>, Verdict),
) -> Result<JobOutcome<T>, Error<B>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ApiResponse<T>, Error<B>>>,
{
    let mut clock = Clock::start(policy, operation_id);
    loop {
        let value = clock.answer(poll()).await?.into_body();
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

/// Polls with `poll` under `policy` until it is answered with `gone` (`404`: the resource was
/// deleted). Any other error ends the wait with that error.
#[doc(hidden)]
pub async fn until_gone<T, B, F, Fut>(
    policy: &WaitPolicy,
    operation_id: &'static str,
    gone: u16,
    mut poll: F,
) -> Result<(), Error<B>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ApiResponse<T>, Error<B>>>,
{
    let mut clock = Clock::start(policy, operation_id);
    loop {
        match clock.answer(poll()).await {
            Ok(_) => {
                clock.report(policy, Some("present"));
                clock.pause(policy).await?;
            }
            // Gone whatever the body: a 404 from a proxy or with no Atlas error body too.
            Err(error) if error.status().map(|status| status.as_u16()) == Some(gone) => {
                clock.report(policy, Some("gone"));
                return Ok(());
            }
            Err(error) => return Err(error),
        }
    }
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
    operation_id: &'static str,
    started: Instant,
    deadline: Instant,
    interval: Duration,
    polls: u32,
    last_state: Option<String>,
}

impl Clock {
    fn start(policy: &WaitPolicy, operation_id: &'static str) -> Self {
        let started = Instant::now();
        Clock {
            operation_id,
            started,
            deadline: started + policy.deadline,
            interval: policy.interval,
            polls: 0,
            last_state: None,
        }
    }

    fn deadline_passed<B>(&self) -> Error<B> {
        Error::Wait(WaitError::DeadlinePassed {
            operation_id: self.operation_id,
            after: self.deadline - self.started,
            polls: self.polls,
            last_state: self.last_state.clone(),
        })
    }

    /// One poll, cut off at the deadline.
    async fn answer<T, B>(
        &mut self,
        poll: impl Future<Output = Result<ApiResponse<T>, Error<B>>>,
    ) -> Result<ApiResponse<T>, Error<B>> {
        match tokio::time::timeout_at(self.deadline, poll).await {
            Ok(answer) => {
                self.polls += 1;
                answer
            }
            Err(_elapsed) => Err(self.deadline_passed()),
        }
    }

    fn report(&self, policy: &WaitPolicy, state: Option<&str>) {
        let elapsed = self.started.elapsed();
        tracing::info!(
            operation_id = self.operation_id,
            poll = self.polls,
            state = state.unwrap_or("(none)"),
            elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            "atlas_wait: polled"
        );
        if let Some(on_poll) = &policy.on_poll {
            on_poll(&PollEvent {
                operation_id: self.operation_id,
                poll: self.polls,
                state,
                elapsed,
            });
        }
    }

    /// Sleeps until the next poll; when that would be past the deadline, sleeps until the
    /// deadline and fails: the wait lasts as long as it was given, no longer.
    async fn pause<B>(&mut self, policy: &WaitPolicy) -> Result<(), Error<B>> {
        let spread = 0.9 + fastrand::f64() * 0.2;
        let next = Instant::now() + self.interval.mul_f64(spread);
        if next >= self.deadline {
            tokio::time::sleep_until(self.deadline).await;
            return Err(self.deadline_passed());
        }
        tokio::time::sleep_until(next).await;
        self.interval = policy.next_interval(self.interval);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_grows_to_its_cap_and_never_shrinks() {
        let policy = WaitPolicy::default()
            .interval(Duration::from_secs(2))
            .max_interval(Duration::from_secs(5))
            .backoff(2.0);
        let mut interval = Duration::from_secs(2);
        let mut seen = Vec::new();
        for _ in 0..4 {
            interval = policy.next_interval(interval);
            seen.push(interval.as_secs());
        }
        assert_eq!(seen, [4, 5, 5, 5]);
        let fixed = WaitPolicy::default().backoff(0.5).backoff(f64::NAN);
        assert_eq!(
            fixed.next_interval(Duration::from_secs(3)),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn outcomes_tell_success_from_failure() {
        let done: JobOutcome<u8> = JobOutcome::Succeeded(1);
        let failed = JobOutcome::Failed {
            state: "Failed".to_owned(),
            value: 2,
        };
        assert!(done.is_success() && !failed.is_success());
        assert_eq!((done.value(), failed.value()), (&1, &2));
        assert_eq!(failed.into_result(), Err(("Failed".to_owned(), 2)));
    }

    #[test]
    fn values_convert_through_their_wire_form() {
        let id: String = convert(&"abc", "exportId").unwrap();
        assert_eq!(id, "abc");
        let error = convert::<_, u8>(&"abc", "exportId").unwrap_err();
        assert!(error.to_string().contains("exportId"), "{error}");
    }

    type Answer = std::future::Ready<Result<ApiResponse<u8>, Error>>;

    /// Answers each poll with the next of `answers` (a status: 200 is the resource, any other
    /// an Atlas error with that status), counting the polls.
    fn polls(answers: &[u16]) -> (impl FnMut() -> Answer, Arc<std::sync::atomic::AtomicUsize>) {
        use crate::error::ApiErrorResponse;
        use crate::response::ResponseHeaders;
        let answers = answers.to_vec();
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = count.clone();
        let poll = move || {
            let index = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let code = answers[index.min(answers.len() - 1)];
            let status = http::StatusCode::from_u16(code.min(599)).unwrap();
            // 4040: a 404 whose body is not an Atlas error (a proxy's page).
            if answers[index.min(answers.len() - 1)] == 4040 {
                return std::future::ready(Err(Error::UndecodableBody(Box::new(
                    crate::error::UndecodableBody {
                        status: http::StatusCode::NOT_FOUND,
                        headers: ResponseHeaders::default(),
                        text: "<html>Not Found</html>".to_owned(),
                        reason: "not JSON".to_owned(),
                    },
                ))));
            }
            std::future::ready(if status.is_success() {
                Ok(ApiResponse::new(
                    status,
                    ResponseHeaders::default(),
                    1,
                    bytes::Bytes::new(),
                ))
            } else {
                Err(Error::Api(Box::new(ApiErrorResponse {
                    status,
                    headers: ResponseHeaders::default(),
                    body: serde_json::Value::Null,
                    declared: true,
                })))
            })
        };
        (poll, count)
    }

    fn run<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn a_deletion_is_over_when_the_poll_is_answered_gone() {
        let quick = WaitPolicy::default().interval(Duration::from_millis(1));
        let (poll, count) = polls(&[200, 200, 404]);
        run(until_gone(&quick, "getThing", 404, poll)).unwrap();
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 3);
        // A 404 without an Atlas error body is gone too.
        let (poll, _) = polls(&[200, 4040]);
        run(until_gone(&quick, "getThing", 404, poll)).unwrap();
        // Any other error ends the wait with that error.
        let (poll, count) = polls(&[200, 403]);
        let error = run(until_gone(&quick, "getThing", 404, poll)).unwrap_err();
        assert_eq!(error.status(), Some(http::StatusCode::FORBIDDEN));
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn a_deadline_shorter_than_the_interval_ends_the_wait_without_sleeping_past_it() {
        let policy = WaitPolicy::default()
            .interval(Duration::from_secs(60))
            .deadline(Duration::from_millis(50));
        let (poll, count) = polls(&[200]);
        let started = std::time::Instant::now();
        let error = run(until_final(&policy, "getThing", poll, |_| {
            (Some("InProgress"), Verdict::Pending)
        }))
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(
            matches!(&error, Error::Wait(WaitError::DeadlinePassed { polls: 1, last_state: Some(state), .. }) if state == "InProgress"),
            "{error:?}"
        );
    }

    #[test]
    fn a_deadline_error_names_the_operation_polls_and_state() {
        let error = WaitError::DeadlinePassed {
            operation_id: "getBackupExport",
            after: Duration::from_secs(60),
            polls: 7,
            last_state: Some("InProgress".to_owned()),
        };
        assert_eq!(
            error.to_string(),
            "gave up waiting after 60s (7 polls of getBackupExport, last state `InProgress`)"
        );
    }
}
