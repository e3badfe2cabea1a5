//! `--watch` and the `wait-for-…` commands: a wait with the operation's waiter, its progress
//! on stderr (each state change; a progress line on a terminal), its outcome as the exit
//! status, and, when it ends without a final state, the command that resumes it.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;

use crate::client::GeneratedClient;
use crate::wait::{JobIds, JobOutcome, PollEvent, Wait, WaitPolicy};
use crate::StartedJob;

use super::exit::{Failure, Status};
use super::{output, parse_duration, Session};

/// The flags of an operation that starts a job.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Waiting")]
pub struct WatchArgs {
    /// After sending, wait for the job to end, showing its progress on stderr; the exit status
    /// says how it ended (0 succeeded, 6 failed state, 7 no final state in time)
    #[arg(long)]
    pub watch: bool,
    /// How long and how often the wait polls.
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// How long and how often a wait polls.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Waiting")]
pub struct WaitArgs {
    /// How long to wait for a final state (such as 30m) [default: 1h]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub watch_timeout: Option<Duration>,
    /// How long to wait between polls at first (such as 10s); later waits grow up to 30s
    /// [default: 2s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub watch_interval: Option<Duration>,
}

/// How to take up a wait again: the `wait-for-…` command and the flag of each id, by the
/// id's name in the spec.
#[derive(Debug, Clone, Copy)]
pub struct Resume {
    /// The command, from the program's name: `atlas-admin cloud-backups wait-for-backup-export`.
    pub command: &'static str,
    /// `(groupId, --group-id)`, in the order of the path.
    pub flags: &'static [(&'static str, &'static str)],
}

impl Resume {
    /// The command line that resumes a wait for `ids`.
    pub fn line(&self, ids: &JobIds) -> String {
        let mut line = self.command.to_owned();
        for (name, value) in ids.iter() {
            if let Some((_, flag)) = self.flags.iter().find(|(wire, _)| *wire == name) {
                line.push_str(&format!(" {flag} {}", shell_word(value)));
            }
        }
        line
    }
}

/// `value` as one shell word.
fn shell_word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-_.:/@".contains(&byte));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

impl WaitArgs {
    /// The policy: the waiter's default with these flags, reporting progress on stderr.
    fn policy(&self) -> WaitPolicy {
        let mut policy = WaitPolicy::default();
        if let Some(timeout) = self.watch_timeout {
            policy = policy.deadline(timeout);
        }
        if let Some(interval) = self.watch_interval {
            policy = policy.interval(interval);
        }
        let progress = Progress {
            terminal: std::io::stderr().is_terminal(),
            last: Arc::new(Mutex::new(None)),
        };
        policy.on_poll(move |event| progress.poll(event))
    }
}

/// What the wait has shown so far.
struct Progress {
    terminal: bool,
    last: Arc<Mutex<Option<String>>>,
}

impl Progress {
    /// A line per state change; on a terminal, the poll count and time on one line between.
    fn poll(&self, event: &PollEvent<'_>) {
        let state = event.state.unwrap_or("(no state)");
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stderr = std::io::stderr().lock();
        let changed = last.as_deref() != Some(state);
        // Nothing to do when stderr is gone: the wait goes on.
        if self.terminal {
            let _ = write!(stderr, "\r\x1b[2K");
        }
        if changed {
            let _ = writeln!(
                stderr,
                "{}: {state} (poll {}, {:.0?})",
                event.operation_id, event.poll, event.elapsed
            );
            *last = Some(state.to_owned());
        }
        if self.terminal {
            let spinner = ['|', '/', '-', '\\'][(event.poll % 4) as usize];
            let _ = write!(
                stderr,
                "{spinner} {state}, poll {} after {:.0?}",
                event.poll, event.elapsed
            );
        }
        let _ = stderr.flush();
    }
}

/// What `start_job()` on a builder returns.
type Started<S, O, B> = Result<StartedJob<S, O, B>, crate::Error<B>>;

/// How a wait that reached its end is printed: a job's last state (a failure state fails the
/// command), or nothing for a resource that is gone.
pub trait WaitOutcome {
    /// Prints the outcome in `format`; a failure state is a [`Status::JobFailed`].
    fn finish(self, format: output::Format) -> Result<(), Failure>;
}

impl<T: Serialize> WaitOutcome for JobOutcome<T> {
    fn finish(self, format: output::Format) -> Result<(), Failure> {
        match self {
            JobOutcome::Succeeded(value) => output::value(&value, format),
            JobOutcome::Failed { state, value } => {
                output::value(&value, format)?;
                Err(Failure::new(
                    Status::JobFailed,
                    format!("the job ended in the failure state `{state}`"),
                ))
            }
        }
    }
}

impl WaitOutcome for () {
    fn finish(self, _: output::Format) -> Result<(), Failure> {
        eprintln!("gone");
        Ok(())
    }
}

impl<C: GeneratedClient> Session<C> {
    /// `--watch`: the job `started` started, waited for.
    pub async fn watch_started<S, O: WaitOutcome>(
        &self,
        started: Started<S, O, C::ErrorBody>,
        args: &WaitArgs,
        resume: &Resume,
    ) -> Result<(), Failure> {
        let started = match started {
            Ok(started) => started,
            Err(error) => return self.failed(error),
        };
        eprintln!("started: {}", started.ids());
        self.wait(started.wait(), args, resume).await
    }

    /// A wait, its outcome printed: the job's last state on stdout, and the exit status.
    pub async fn wait<O: WaitOutcome>(
        &self,
        wait: Wait<O, C::ErrorBody>,
        args: &WaitArgs,
        resume: &Resume,
    ) -> Result<(), Failure> {
        let outcome = wait.policy(args.policy()).await;
        if std::io::stderr().is_terminal() {
            eprint!("\r\x1b[2K");
        }
        match outcome {
            Ok(outcome) => outcome.finish(self.format()),
            Err(error) => {
                if let Some(ids) = error.job_ids() {
                    eprintln!("resume with: {}", resume.line(ids));
                }
                self.failed(error)
            }
        }
    }
}
