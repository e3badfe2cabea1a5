//! The spec-independent half of a generated command line (the `cli` feature): global flags,
//! credentials and defaults ([`config`]), request bodies ([`body`]), output ([`output`]),
//! exit statuses ([`exit`]), and the session a generated command runs in, which sends through
//! the generated client (there is no second HTTP path) and prints what comes back.
//!
//! A generated crate's `src/bin/` holds the other half: one clap subcommand per operation,
//! grouped by tag, whose flags parse into the crate's validated types, and which calls the
//! operation's builder and hands the result to a [`Session`] method.

pub mod body;
pub mod config;
pub mod exit;
pub mod output;
mod wait;

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use futures_core::Stream;
use serde::Serialize;

use crate::client::{ClientBuilder, GeneratedClient};
use crate::dry_run::DryRun;
use crate::error::{Error, InvalidParameter};
use crate::response::ApiResponse;
use crate::transport_error::TransportErrorKind;

pub use config::{Environment, ProcessEnvironment, Profile};
pub use exit::{Failure, Status};
pub use output::Format;
pub use wait::{Resume, WaitArgs, WaitOutcome, WatchArgs};

/// The flags every command takes (clap's `global`: before or after the subcommand).
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct Globals {
    /// The Atlas CLI profile to read credentials and defaults from (config.toml in
    /// $XDG_CONFIG_HOME/atlascli, else ~/.config/atlascli) [default: default]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Where requests go [default: $MONGODB_ATLAS_OPS_MANAGER_URL, else the profile's
    /// ops_manager_url, else the spec's server]
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// How long each attempt of a call may take (such as 30s, 2m, 500ms)
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// How long each call may take in all, retries included (such as 5m)
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub deadline: Option<Duration>,
    /// How response bodies are printed: JSON (indented on a terminal, one line in a pipe) or
    /// YAML
    #[arg(long, global = true, value_enum, default_value_t = Format::Json)]
    pub output: Format,
    /// Print the response's status and its rate-limit, deprecation and sunset headers on
    /// stderr
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Print the request that would be sent (method, URL, headers without credentials, body)
    /// and send nothing
    #[arg(long, global = true)]
    pub dry_run: bool,
}

/// `30s`, `2m`, `500ms`, `1h`, or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (such as 30s, 2m, 500ms)"))?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(format!("`{text}`: the unit must be ms, s, m or h")),
    };
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(format!("`{text}` must be more than zero"));
    }
    Duration::try_from_secs_f64(seconds).map_err(|error| format!("`{text}`: {error}"))
}

/// A flag's value as the type the operation takes: read as a JSON string (enums, dates,
/// text), else as JSON (numbers, booleans, arrays); the error is the first reading's.
pub fn parse_value<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).or_else(|first| {
        serde_json::from_str(text).map_err(|_: serde_json::Error| first.to_string())
    })
}

/// What a command runs with: the client (a dry run's when `--dry-run`), the profile, the
/// output settings.
pub struct Session<C> {
    client: C,
    dry_run: Option<DryRun>,
    profile: Profile,
    globals: Globals,
}

/// Runs `command` with the session `globals` and the environment give, on a runtime of one
/// thread, and returns the exit status (printing the error, if any, on stderr).
pub fn run<C: GeneratedClient, F: Future<Output = Result<(), Failure>>>(
    globals: Globals,
    command: impl FnOnce(Session<C>) -> F,
) -> ExitCode {
    let result = Session::new(globals, &ProcessEnvironment).and_then(|session| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| Failure::new(Status::Other, format!("cannot start: {error}")))?;
        runtime.block_on(command(session))
    });
    match result {
        Ok(()) => Status::Success.into(),
        Err(failure) => {
            eprintln!("error: {failure}");
            failure.status.into()
        }
    }
}

/// `--all` on a paginated list.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Pages")]
pub struct AllArgs {
    /// Walk every page from --page-num (else the first): print each item as a line of JSON
    /// while the pages arrive; an error stops the walk after the items already printed
    #[arg(long)]
    pub all: bool,
}

impl<C: GeneratedClient> Session<C> {
    /// The session for `globals`: credentials and the server from flags, then `env`, then the
    /// profile.
    pub fn new(globals: Globals, env: &impl Environment) -> Result<Self, Failure> {
        let profile = Profile::load(globals.profile.as_deref(), env)?;
        let mut builder = ClientBuilder::<C>::new();
        let base_url = globals
            .base_url
            .clone()
            .or_else(|| env.var(&config::env_name("ops_manager_url")))
            .or_else(|| profile.base_url());
        if let Some(base_url) = base_url {
            builder = builder.base_url(base_url);
        }
        match config::credentials(env, &profile)? {
            Some(credentials) => builder = builder.credentials(credentials),
            None if globals.dry_run => {}
            None => {
                return Err(Failure::new(
                    Status::Auth,
                    format!(
                        "no Atlas credentials: set {} and {} (service account) or {} and {} (API \
                         key), or add them to a profile of the Atlas CLI (atlas config init)",
                        crate::ENV_CLIENT_ID,
                        crate::ENV_CLIENT_SECRET,
                        crate::ENV_PUBLIC_API_KEY,
                        crate::ENV_PRIVATE_API_KEY
                    ),
                ))
            }
        }
        if let Some(timeout) = globals.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(deadline) = globals.deadline {
            builder = builder.deadline(deadline);
        }
        let dry_run = globals.dry_run.then(DryRun::new);
        if let Some(dry_run) = &dry_run {
            builder = builder.dry_run(dry_run.clone());
        }
        let client = builder.build().map_err(|error| Failure::of(&error))?;
        Ok(Session {
            client,
            dry_run,
            profile,
            globals,
        })
    }

    /// The client to call.
    pub fn client(&self) -> &C {
        &self.client
    }

    /// A path parameter's value: the flag's, else the environment's (`MONGODB_ATLAS_<KEY>`),
    /// else the profile's `key` (`project_id` for `--group-id`); a usage error naming `flag`
    /// when none has one.
    pub fn or_default<T: FromStr<Err = InvalidParameter>>(
        &self,
        value: Option<T>,
        flag: &str,
        key: &str,
    ) -> Result<T, Failure> {
        if let Some(value) = value {
            return Ok(value);
        }
        let variable = config::env_name(key);
        let text = ProcessEnvironment
            .var(&variable)
            .or_else(|| self.profile.get(key).map(str::to_owned))
            .ok_or_else(|| {
                Failure::usage(format!(
                    "{flag} is required (or {variable}, or `{key}` in the profile)"
                ))
            })?;
        text.parse()
            .map_err(|error: InvalidParameter| Failure::usage(format!("{flag}: {error}")))
    }

    /// Says on stderr that the operation `name` is deprecated in the spec.
    pub fn deprecated(&self, name: &str) {
        eprintln!(
            "warning: `{name}` is deprecated in the Atlas Admin API spec; Atlas may remove it"
        );
    }

    /// Says on stderr that the resource version the operation `name` sends is sunset on `date`.
    pub fn sunset(&self, name: &str, version: &str, date: &str) {
        eprintln!(
            "warning: resource version {version} of `{name}` is sunset on {date}; Atlas stops serving it then"
        );
    }

    /// Prints a response's body (or, for a dry run, the request not sent).
    pub fn respond<T: Serialize>(
        &self,
        result: Result<ApiResponse<T>, Error<C::ErrorBody>>,
    ) -> Result<(), Failure> {
        match result {
            Ok(response) => {
                self.show_status(&response);
                output::value(response.body(), self.globals.output)
            }
            Err(error) => self.failed(error),
        }
    }

    /// Writes a download's bytes to `path`; never to a terminal.
    pub fn download(
        &self,
        result: Result<ApiResponse<Vec<u8>>, Error<C::ErrorBody>>,
        path: Option<&Path>,
    ) -> Result<(), Failure> {
        if path.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            return Err(Failure::usage(
                "this operation downloads a file: give --output-file PATH (or `-` to write to a pipe)",
            ));
        }
        let response = match result {
            Ok(response) => response,
            Err(error) => return self.failed(error),
        };
        self.show_status(&response);
        match path {
            Some(path) if path != Path::new("-") => std::fs::write(path, response.raw_body())
                .map_err(|error| {
                    Failure::new(
                        Status::Other,
                        format!("cannot write {}: {error}", path.display()),
                    )
                }),
            _ => output::write(response.raw_body()),
        }
    }

    /// `--all`: prints every item as a line of JSON while the pages arrive; an error ends it
    /// after the items already printed.
    pub async fn all<I: Serialize>(
        &self,
        mut items: impl Stream<Item = Result<I, Error<C::ErrorBody>>> + Unpin,
    ) -> Result<(), Failure> {
        while let Some(item) =
            std::future::poll_fn(|context| Pin::new(&mut items).poll_next(context)).await
        {
            match item {
                Ok(item) => output::json_line(&item)?,
                Err(error) => return self.failed(error),
            }
        }
        Ok(())
    }

    /// The end of a call that failed: a dry run prints its request (and succeeds); anything
    /// else is a failure with the error's status.
    pub fn failed(&self, error: Error<C::ErrorBody>) -> Result<(), Failure> {
        if error.transport_kind() == Some(TransportErrorKind::NotSent) {
            if let Some(dry_run) = &self.dry_run {
                for request in dry_run.take() {
                    output::write(output::rendered(&request).as_bytes())?;
                }
                return Ok(());
            }
        }
        if self.globals.verbose {
            if let (Some(status), Some(headers)) = (error.status(), error.headers()) {
                output::verbose(status, headers);
            }
        }
        Err(Failure::of(&error))
    }

    fn show_status<T>(&self, response: &ApiResponse<T>) {
        if self.globals.verbose {
            output::verbose(response.status(), response.headers());
        }
    }

    pub(crate) fn format(&self) -> Format {
        self.globals.output
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("3d").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn values_read_as_text_then_as_json() {
        assert_eq!(super::parse_value::<i64>("5"), Ok(5));
        assert_eq!(super::parse_value::<bool>("true"), Ok(true));
        assert_eq!(super::parse_value::<String>("5"), Ok("5".to_owned()));
        assert!(super::parse_value::<i64>("five").is_err());
    }
}
