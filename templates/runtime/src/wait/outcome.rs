//! How a wait for a final state ends when Atlas gives a final answer.

/// How a wait for a final state ended: the job's last value, and whether its state is one the
/// watcher counts as success or as failure. Both are answers from Atlas, not errors: an
/// export that ends `Failed` is a result to act on. A wait that got no final answer is an
/// [`Error`](crate::Error).
///
/// There are exactly these two, so a `match` needs no `_` arm: a watcher's final states are
/// each sorted into success or failure when the crate is generated, and every other way a
/// wait can end (its deadline, a job gone or never found, a poll that failed) is an
/// [`Error::Wait`](crate::Error::Wait).
#[derive(Debug, Clone, PartialEq)]
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
