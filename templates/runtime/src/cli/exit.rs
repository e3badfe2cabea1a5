//! The exit statuses of a generated command line, one per way a command can end, and the
//! one place an [`Error`] is mapped to one.

use std::fmt;
use std::process::ExitCode;

use crate::error::{Error, ErrorBody};
use crate::transport_error::TransportErrorKind;
use crate::wait::WaitError;

/// How a command ended; its `code` is the process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: the call succeeded (or a dry run printed its request; or a watched job succeeded).
    Success,
    /// 1: anything else: the output could not be written, a response body did not decode.
    Other,
    /// 2: a usage or validation error: a bad flag, a value the spec's rules reject, a body
    /// that does not decode into the request type. Nothing was sent.
    Usage,
    /// 3: Atlas answered with an error status; its error code and detail are on stderr.
    Api,
    /// 4: no complete answer: a connection failure, a timeout, the call's deadline.
    Transport,
    /// 5: authentication: no or incomplete credentials, a failed token request, or Atlas
    /// answering 401.
    Auth,
    /// 6: a watched job ended in a failure state (its last state is printed).
    JobFailed,
    /// 7: a wait ended without a final state (its deadline passed, the job went away or a
    /// poll failed); the ids to resume with are on stderr.
    WaitUnfinished,
}

impl Status {
    /// The exit status.
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Other => 1,
            Status::Usage => 2,
            Status::Api => 3,
            Status::Transport => 4,
            Status::Auth => 5,
            Status::JobFailed => 6,
            Status::WaitUnfinished => 7,
        }
    }

    /// The status of a call that failed with `error`.
    pub fn of<B: ErrorBody>(error: &Error<B>) -> Self {
        match error {
            Error::InvalidParameter(_) => Status::Usage,
            Error::Auth(_) => Status::Auth,
            Error::Api(response) if response.status().as_u16() == 401 => Status::Auth,
            Error::Api(_) => Status::Api,
            Error::Transport(error) if error.kind() == TransportErrorKind::NotSent => {
                Status::Success
            }
            Error::Transport(_) => Status::Transport,
            Error::Wait(WaitError::PollFailed { source, .. }) => match Status::of(source) {
                Status::Auth => Status::Auth,
                _ => Status::WaitUnfinished,
            },
            Error::Wait(_) => Status::WaitUnfinished,
            Error::UndecodableBody(_) | Error::Pages(_) => Status::Other,
            #[allow(unreachable_patterns)]
            _ => Status::Other,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        ExitCode::from(status.code())
    }
}

/// A command that did not succeed: its status, and what is printed on stderr.
#[derive(Debug)]
pub struct Failure {
    pub(crate) status: Status,
    pub(crate) message: String,
}

impl Failure {
    /// A failure with `status` and `message` (printed after `error: `).
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }

    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(Status::Usage, message)
    }

    /// The failure of a call that ended with `error`.
    pub fn of<B: ErrorBody>(error: &Error<B>) -> Self {
        Failure::new(Status::of(error), error.to_string())
    }

    /// The exit status.
    pub fn status(&self) -> Status {
        self.status
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
