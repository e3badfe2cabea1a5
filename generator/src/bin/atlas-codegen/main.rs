//! The `atlas-codegen` command line: the I/O edge of the generator. It parses arguments,
//! reads and writes files and prints; everything else is the library's.
//!
//! With no arguments it regenerates the workspace's `generated/` crate from
//! `spec/atlas-backups.yaml`, the workspace being the checkout the command runs in
//! (`workspace.rs`). `generate` takes other paths; `check` regenerates in memory and
//! compares with what is on disk, writing nothing (`generate.rs`). `extract`, `diff`,
//! `api-diff` and `public-api` are the review tools (`review.rs`).

mod generate;
mod review;
mod workspace;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use atlas_codegen::changelog::Changelog;
use clap::{Parser, Subcommand};

use generate::Locations;
use review::{ApiDiffArgs, DiffArgs, ExtractArgs};

#[derive(Parser)]
#[command(
    name = "atlas-codegen",
    version,
    about = "Generates the atlas-admin Rust client from an OpenAPI excerpt of the Atlas Admin API v2"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the client crate into a directory (the default command).
    Generate(Locations),
    /// Regenerate in memory and compare with the directory; print a unified diff and exit 1
    /// on any difference. Writes nothing.
    Check(Locations),
    /// Cut an excerpt (named operations plus the components they reference) out of the
    /// upstream spec and apply the overlay of hand edits.
    Extract(ExtractArgs),
    /// Report the semantic changes from OLD to NEW as the generated crate sees them, each
    /// marked breaking or not. Exit status: 0 without breaking changes, 1 with, 2 on error.
    Diff(DiffArgs),
    /// Report how the public API of a crate changed from OLD_CRATE_DIR to NEW_CRATE_DIR, item
    /// by item, each change marked breaking or not: what a change of the generator did to
    /// the crate. Reports only. Exit status: 0 without breaking changes, 1 with, 2 on error.
    ApiDiff(ApiDiffArgs),
    /// Print the public API of a crate (one item per line, sorted): what downstream code can
    /// reach, with signatures and contract attributes.
    PublicApi {
        /// The crate directory (with Cargo.toml and src/). Default: the workspace's generated/.
        #[arg(long, value_name = "DIR")]
        crate_dir: Option<PathBuf>,
    },
}

/// A `YYYY-MM-DD` date, checked so a typo cannot silently select nothing.
fn parse_release_date(value: &str) -> Result<String, String> {
    let bytes = value.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    let month = value.get(5..7).and_then(|m| m.parse::<u8>().ok());
    let day = value.get(8..10).and_then(|d| d.parse::<u8>().ok());
    if shaped && matches!(month, Some(1..=12)) && matches!(day, Some(1..=31)) {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "`{value}` is not a release date of the form YYYY-MM-DD"
        ))
    }
}

/// How a path is shown in messages: relative to the current directory when below it.
fn shown(path: &Path) -> String {
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    std::env::current_dir()
        .ok()
        .and_then(|cwd| absolute.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or(absolute)
        .display()
        .to_string()
}

/// How a path is named in an excerpt's header and diagnostics: relative to the workspace root
/// when it lies beside or below it (`../shared/atlas/v2.yaml`), so that the header, and with
/// it the excerpt, does not depend on the directory the command was run from. As given when
/// there is no workspace.
fn from_workspace(path: &Path) -> String {
    let (Ok(absolute), Some(Ok(root))) = (
        path.canonicalize(),
        workspace::root().map(Path::canonicalize),
    ) else {
        return path.display().to_string();
    };
    if let Ok(below) = absolute.strip_prefix(&root) {
        return below.display().to_string();
    }
    match root
        .parent()
        .and_then(|parent| absolute.strip_prefix(parent).ok())
    {
        Some(beside) => Path::new("..").join(beside).display().to_string(),
        None => absolute.display().to_string(),
    }
}

/// Whether `given` names the same file as the workspace default `default`.
fn is_default(given: &Path, default: &Path) -> bool {
    given.canonicalize().ok() == default.canonicalize().ok() && given.exists()
}

fn read(path: &Path, what: &str) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|error| {
        eprintln!("error: cannot read {what} {}: {error}", shown(path));
        ExitCode::from(2)
    })
}

fn read_changelog(path: &Path) -> Result<Changelog, ExitCode> {
    let text = read(path, "changelog")?;
    Changelog::parse(&shown(path), &text).map_err(|diagnostic| {
        eprintln!("{diagnostic}");
        ExitCode::from(2)
    })
}

/// Writes `contents` to a temporary file beside `path` and renames it over `path`, so a
/// reader never sees a half-written excerpt.
fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&temporary, contents)
        .and_then(|()| std::fs::rename(&temporary, path))
        .inspect_err(|_| {
            // A half-written temporary file must not be left behind either.
            let _ = std::fs::remove_file(&temporary);
        })
}

/// Today's date in UTC, `YYYY-MM-DD`.
fn today() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    atlas_codegen::changelog::date_of(seconds)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli
        .command
        .unwrap_or_else(|| Command::Generate(Locations::default()))
    {
        Command::Generate(locations) => generate::run_generate(&locations),
        Command::Check(locations) => generate::run_check(&locations),
        Command::Extract(args) => review::run_extract(&args),
        Command::Diff(args) => review::run_diff(&args),
        Command::ApiDiff(args) => review::run_api_diff(&args),
        Command::PublicApi { crate_dir } => review::run_public_api(crate_dir),
    }
}
