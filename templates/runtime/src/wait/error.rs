//! Why a wait ended without a final answer.

use std::fmt;
use std::time::Duration;

use super::JobIds;
use crate::error::{Error, ErrorBody};

/// Why a wait ended without a final answer. `B` is the body of the spec's error responses
/// (a generated crate names its own `WaitError`).
///
/// Every way it can end after the job was started carries the [`JobIds`] it polled with
/// ([`WaitError::ids`]), so the caller can wait again with them; a poll that failed keeps its
/// error ([`WaitError::poll_error`]), whose status, error code and transport failure
/// [`Error::status`], [`Error::error_code`] and [`Error::transport_kind`] also read through
/// the wait.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<B = serde_json::Value> {
    /// The policy's deadline passed before the job reached a final state. The job may still
    /// be running.
    #[non_exhaustive]
    DeadlinePassed {
        /// The name of the operation polled, as the crate's docs give it (`getBackupExport`).
        operation_id: &'static str,
        /// The deadline.
        after: Duration,
        /// How many polls were answered.
        polls: u32,
        /// The last state seen, if any.
        last_state: Option<String>,
        /// What the wait polled with.
        ids: JobIds,
    },
    /// The first poll was answered `404`: there is no job with these ids (one of them is
    /// wrong, or the job is not visible yet). A wait for a deletion takes a `404` for done
    /// instead.
    #[non_exhaustive]
    NotFound {
        /// What the wait polled with.
        ids: JobIds,
        /// The `404`, as the poll got it.
        source: Box<Error<B>>,
    },
    /// The job was found, then a later poll was answered `404`: it was deleted during the
    /// wait.
    #[non_exhaustive]
    Vanished {
        /// Which poll was answered `404` (from 2; the ones before found the job).
        poll: u32,
        /// The last state seen, if any.
        last_state: Option<String>,
        /// What the wait polled with.
        ids: JobIds,
        /// The `404`, as the poll got it.
        source: Box<Error<B>>,
    },
    /// A poll failed otherwise (an error status the retry policy gave up on, a transport
    /// failure, a body that did not decode). The job may still be running.
    #[non_exhaustive]
    PollFailed {
        /// Which poll failed, from 1.
        poll: u32,
        /// The last state seen, if any.
        last_state: Option<String>,
        /// What the wait polled with.
        ids: JobIds,
        /// The error the poll ended with.
        source: Box<Error<B>>,
    },
    /// The response that started the job lacks the value the waiter polls with (the job's
    /// id, say), so there is nothing to wait for.
    #[non_exhaustive]
    MissingInResponse {
        /// The name of the operation whose response it is (`createBackupExport`).
        operation_id: &'static str,
        /// The property, as a JSON path (`$.id`).
        path: &'static str,
    },
}

impl<B> WaitError<B> {
    /// The response of `operation_id` has nothing at `path` to poll with.
    #[doc(hidden)]
    pub fn missing_in_response(operation_id: &'static str, path: &'static str) -> Self {
        WaitError::MissingInResponse { operation_id, path }
    }

    /// The ids the wait polled with: for every wait that got as far as polling.
    pub fn ids(&self) -> Option<&JobIds> {
        match self {
            WaitError::DeadlinePassed { ids, .. }
            | WaitError::NotFound { ids, .. }
            | WaitError::Vanished { ids, .. }
            | WaitError::PollFailed { ids, .. } => Some(ids),
            WaitError::MissingInResponse { .. } => None,
        }
    }

    /// The error the last poll ended with: for [`WaitError::NotFound`],
    /// [`WaitError::Vanished`] and [`WaitError::PollFailed`].
    pub fn poll_error(&self) -> Option<&Error<B>> {
        match self {
            WaitError::NotFound { source, .. }
            | WaitError::Vanished { source, .. }
            | WaitError::PollFailed { source, .. } => Some(source),
            WaitError::DeadlinePassed { .. } | WaitError::MissingInResponse { .. } => None,
        }
    }
}

/// `, last state `InProgress``, or nothing.
fn last_state(state: &Option<String>) -> String {
    state
        .as_deref()
        .map(|state| format!(", last state `{state}`"))
        .unwrap_or_default()
}

/// Names the job by its ids (they are the caller's own, and what it needs to wait again);
/// a poll's error follows its own message, so `source()` continues below it.
impl<B: ErrorBody> fmt::Display for WaitError<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::DeadlinePassed {
                operation_id,
                after,
                polls,
                last_state: state,
                ids,
            } => write!(
                f,
                "gave up waiting after {after:?} ({polls} polls of {operation_id} with {ids}{})",
                last_state(state)
            ),
            WaitError::NotFound { ids, source } => write!(
                f,
                "no job to wait for: the first poll of {} with {ids} found nothing; is an id wrong? ({source})",
                ids.operation_id()
            ),
            WaitError::Vanished {
                poll,
                last_state: state,
                ids,
                source,
            } => write!(
                f,
                "the job is gone: {} with {ids} found it {} times{}, then poll {poll} found nothing ({source})",
                ids.operation_id(),
                poll - 1,
                last_state(state)
            ),
            WaitError::PollFailed {
                poll,
                last_state: state,
                ids,
                source,
            } => write!(
                f,
                "waiting stopped at poll {poll} of {} with {ids}{}: {source}",
                ids.operation_id(),
                last_state(state)
            ),
            WaitError::MissingInResponse { operation_id, path } => write!(
                f,
                "cannot wait: the response of {operation_id} has no `{path}` to poll with"
            ),
        }
    }
}

impl<B: ErrorBody> std::error::Error for WaitError<B> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.poll_error().and_then(std::error::Error::source)
    }
}
