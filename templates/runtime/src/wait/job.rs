//! Which job a wait is about: the ids it polls with, and the job an operation started.

use std::fmt;
use std::sync::Arc;

use super::Wait;
use crate::response::ApiResponse;

/// Which job a wait polls: the operation it polls and the path parameters it polls with, by
/// their names in the spec (`groupId`, `exportId`), in the order of the path.
///
/// Every [`PollEvent`](super::PollEvent) has them, and so has every
/// [`WaitError`](super::WaitError) of a wait that got as far as polling (the deadline, a job
/// not found or gone, a poll that failed): [`Error::job_ids`](crate::Error::job_ids) gives
/// them, so a wait cut short can be taken up again with the crate's `wait_for_…` method,
/// parsing each id back (`ids.get("exportId")`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JobIds {
    operation_id: &'static str,
    params: Vec<(&'static str, String)>,
}

impl JobIds {
    /// The ids a wait polls `operation_id` with: each path parameter by wire name, as sent.
    #[doc(hidden)]
    pub fn new(
        operation_id: &'static str,
        params: impl IntoIterator<Item = (&'static str, String)>,
    ) -> Self {
        JobIds {
            operation_id,
            params: params.into_iter().collect(),
        }
    }

    /// The name of the operation polled, as the crate's docs give it (`getBackupExport`).
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The value of the path parameter named `name` in the spec (`exportId`), as sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(wire, _)| *wire == name)
            .map(|(_, value)| value.as_str())
    }

    /// Each path parameter's name in the spec and its value, in the order of the path.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.params
            .iter()
            .map(|(wire, value)| (*wire, value.as_str()))
    }
}

/// `groupId=…, clusterName=Cluster0, exportId=…` (what a wait error's message shows).
impl fmt::Display for JobIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (name, value)) in self.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}={value}")?;
        }
        Ok(())
    }
}

/// A job an operation started, as `start_job()` returns it: the response that started it,
/// the ids it is polled with, and [`StartedJob::wait`], which waits for it and can be called
/// again to take up a wait that ended without a final answer (its deadline passed, a poll
/// failed). `B` is the body of the spec's error responses; a generated crate names its own
/// `StartedJob<S, O>`.
pub struct StartedJob<S, O, B> {
    response: ApiResponse<S>,
    ids: JobIds,
    wait: Arc<dyn Fn() -> Wait<O, B> + Send + Sync>,
}

impl<S, O, B> StartedJob<S, O, B> {
    /// The job `response` started, which `wait` waits for (polling with `ids`).
    #[doc(hidden)]
    pub fn new(
        response: ApiResponse<S>,
        ids: JobIds,
        wait: impl Fn() -> Wait<O, B> + Send + Sync + 'static,
    ) -> Self {
        StartedJob {
            response,
            ids,
            wait: Arc::new(wait),
        }
    }

    /// The response that started the job.
    pub fn response(&self) -> &ApiResponse<S> {
        &self.response
    }

    /// The response that started the job, by value.
    pub fn into_response(self) -> ApiResponse<S> {
        self.response
    }

    /// The ids the job is polled with.
    pub fn ids(&self) -> &JobIds {
        &self.ids
    }

    /// A wait for the job, under [`WaitPolicy::default`](super::WaitPolicy::default) unless
    /// given another with `.policy(…)`. Each call makes a new wait, starting from its first
    /// poll: after a wait that ended with an error, it waits again.
    pub fn wait(&self) -> Wait<O, B> {
        (self.wait)()
    }
}

impl<S: Clone, O, B> Clone for StartedJob<S, O, B> {
    fn clone(&self) -> Self {
        StartedJob {
            response: self.response.clone(),
            ids: self.ids.clone(),
            wait: self.wait.clone(),
        }
    }
}

impl<S: fmt::Debug, O, B> fmt::Debug for StartedJob<S, O, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartedJob")
            .field("response", &self.response)
            .field("ids", &self.ids)
            .finish_non_exhaustive()
    }
}
