//! What a command prints: a response body as JSON (pretty on a terminal, compact in a pipe)
//! or YAML on stdout; raw downloads to a file; the status and the headers that matter on
//! stderr with `-v`; the request a dry run did not send; errors.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::dry_run::RenderedRequest;
use crate::response::ResponseHeaders;
use crate::StatusCode;

use super::exit::{Failure, Status};

/// How bodies are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// JSON: indented on a terminal, one line in a pipe.
    #[default]
    Json,
    /// YAML.
    Yaml,
}

/// The headers `-v` shows: rate limits, deprecation and sunset, retry advice.
const SHOWN_HEADERS: [&str; 6] = [
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "retry-after",
    "deprecation",
    "sunset",
];

/// Headers a dry run never prints, whatever a hook set.
const SECRET_HEADERS: [&str; 3] = ["authorization", "cookie", "proxy-authorization"];

/// Prints `value` on stdout in `format`.
pub fn value<T: Serialize + ?Sized>(value: &T, format: Format) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let text = match format {
        Format::Json if stdout.is_terminal() => serde_json::to_string_pretty(value),
        Format::Json => serde_json::to_string(value),
        Format::Yaml => {
            return serde_yaml::to_string(value)
                .map_err(|error| Failure::new(Status::Other, format!("cannot print YAML: {error}")))
                .and_then(|text| write(text.as_bytes()))
        }
    }
    .map_err(|error| Failure::new(Status::Other, format!("cannot print JSON: {error}")))?;
    write(format!("{text}\n").as_bytes())
}

/// Prints `value` as one line of JSON (for `--all`).
pub fn json_line<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string(value)
        .map_err(|error| Failure::new(Status::Other, format!("cannot print JSON: {error}")))?;
    write(format!("{text}\n").as_bytes())
}

/// Writes `bytes` to stdout.
pub fn write(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|error| Failure::new(Status::Other, format!("cannot write to stdout: {error}")))
}

/// With `-v`: the status and the headers that matter, on stderr.
pub fn verbose(status: StatusCode, headers: &ResponseHeaders) {
    let mut text = format!("HTTP {status}\n");
    for name in SHOWN_HEADERS {
        if let Some(value) = headers.get(name) {
            text.push_str(&format!("{name}: {value}\n"));
        }
    }
    eprint!("{text}");
}

/// The request a dry run did not send, as HTTP/1.1 would show it (without `Authorization`).
pub fn rendered(request: &RenderedRequest) -> String {
    let mut text = format!("{} {}\n", request.method, request.url);
    let mut names: Vec<&str> = request.headers.keys().map(|name| name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        if SECRET_HEADERS.contains(&name) {
            continue;
        }
        for value in request.headers.get_all(name) {
            text.push_str(&format!(
                "{name}: {}\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
    }
    if let Some(body) = &request.body {
        text.push('\n');
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(json) => text.push_str(
                &serde_json::to_string_pretty(&json)
                    .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned()),
            ),
            Err(_) => text.push_str(&String::from_utf8_lossy(body)),
        }
        text.push('\n');
    }
    text
}
