//! The review tools: `extract` (the excerpt from upstream), `diff` (what a spec change does
//! to the crate, and `--record` into the changelog), `api-diff` (what a generator change did
//! to a crate's public API) and `public-api`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use atlas_codegen::changelog::{Changelog, Problem};
use atlas_codegen::extract::{watcher_overlay::Report, Inputs, InvalidWatchers, Selection, Source};
use clap::Args;

use crate::{
    from_workspace, is_default, parse_release_date, read, read_changelog, shown, today, workspace,
    write_atomically,
};

/// The workspace's files the review tools default to.
const OPERATIONS: &str = "spec/operations.txt";
const OVERLAY: &str = "spec/overlay.yaml";
const EXCERPT: &str = "spec/atlas-backups.yaml";
const CHANGELOG: &str = "spec/changelog.json";

/// Which operations a command works on.
#[derive(Args)]
struct OperationSelection {
    /// Operations, comma-separated (operationId or x-xgen-operation-id-override).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        conflicts_with = "operations_file"
    )]
    operations: Option<Vec<String>>,
    /// A file naming one operation per line (`#` comments allowed). Default: the workspace's
    /// spec/operations.txt (when --operations is absent).
    #[arg(long, value_name = "FILE")]
    operations_file: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct DiffArgs {
    /// The spec before (`/dev/null` or an empty file: nothing, for a first release).
    old: PathBuf,
    /// The spec after.
    new: PathBuf,
    /// Compare every operation. Default: the curated ones (the workspace's
    /// spec/operations.txt), so two upstream specs can be compared directly.
    #[arg(long, conflicts_with_all = ["operations", "operations_file"])]
    all: bool,
    #[command(flatten)]
    selection: OperationSelection,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
    /// Choose resource versions as `generate --api-version` does.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_release_date)]
    api_version: Option<String>,
    /// Choose resource versions as `generate --preview` does.
    #[arg(long)]
    preview: bool,
    /// Add the changes to the changelog as the next release of the generated crate (its
    /// version bumped by the changes); OLD must be the spec of the newest release. Compares
    /// every operation: the crate is made of all of them.
    #[arg(long, conflicts_with_all = ["operations", "operations_file"])]
    record: bool,
    #[command(flatten)]
    release: ReleaseArgs,
}

/// Where `--record` writes, and with what date.
#[derive(Args)]
pub(crate) struct ReleaseArgs {
    /// The changelog --record writes. Default: the workspace's spec/changelog.json.
    #[arg(long, value_name = "FILE", requires = "record")]
    changelog: Option<PathBuf>,
    /// The release date --record writes (YYYY-MM-DD). Default: today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_release_date, requires = "record")]
    date: Option<String>,
}

#[derive(Args)]
pub(crate) struct ApiDiffArgs {
    /// The crate before: a directory with Cargo.toml and src/, such as the committed
    /// generated/ (`git archive HEAD generated | tar -x -C DIR`).
    old_crate_dir: PathBuf,
    /// The crate after. Default: the workspace's generated/.
    new_crate_dir: Option<PathBuf>,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
    /// Add the changes to the changelog as a release of the same spec (its version bumped by
    /// them), for a generator change worth telling users about.
    #[arg(long)]
    record: bool,
    #[command(flatten)]
    release: ReleaseArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    Text,
    Json,
}

#[derive(Args)]
pub(crate) struct ExtractArgs {
    /// The upstream spec, e.g. ../shared/atlas/v2.yaml.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    #[command(flatten)]
    selection: OperationSelection,
    /// Keep every operation of upstream, in upstream order (a whole-spec cut with the overlays
    /// applied).
    #[arg(long, conflicts_with_all = ["operations", "operations_file"])]
    all_operations: bool,
    /// The overlay of hand edits. Default: the workspace's spec/overlay.yaml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_overlay")]
    overlay: Option<PathBuf>,
    /// Apply no overlay: the excerpt is upstream's text only.
    #[arg(long)]
    no_overlay: bool,
    /// The watcher overlay (the Atlas CLI's watchers.yaml). Default: watchers.yaml beside the
    /// --from file (they are shipped together).
    #[arg(long, value_name = "FILE", conflicts_with = "no_watchers")]
    watchers: Option<PathBuf>,
    /// Apply no watcher overlay.
    #[arg(long)]
    no_watchers: bool,
    /// Leave out, with a located warning, each watcher that does not check out, instead of
    /// failing (for cutting the whole spec, whose watcher file upstream does not check).
    #[arg(long, conflicts_with = "no_watchers")]
    skip_invalid_watchers: bool,
    /// Where to write the excerpt (`-` for stdout). Default: the workspace's
    /// spec/atlas-backups.yaml.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(crate) fn run_extract(args: &ExtractArgs) -> ExitCode {
    match extract(args) {
        Ok(code) | Err(code) => code,
    }
}

fn extract(args: &ExtractArgs) -> Result<ExitCode, ExitCode> {
    let upstream_name = from_workspace(&args.from);
    let upstream = read(&args.from, "upstream spec")?;
    // The header's re-run command names exactly the options that differ from the defaults.
    let mut command = atlas_codegen::extract::default_command(&upstream_name);
    let operations = match (&args.selection.operations, &args.selection.operations_file) {
        _ if args.all_operations => {
            command += " --all-operations";
            Vec::new()
        }
        (Some(list), _) => {
            command += &format!(" --operations {}", list.join(","));
            list.iter()
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
                .collect()
        }
        (None, file) => {
            let file = workspace::given_or_default(
                file.as_deref(),
                OPERATIONS,
                "--operations-file FILE or --operations LIST",
            )?;
            if !workspace::is_default(&file, OPERATIONS) {
                command += &format!(" --operations-file {}", from_workspace(&file));
            }
            atlas_codegen::extract::parse_operation_list(&read(&file, "operations file")?)
        }
    };
    let overlay = if args.no_overlay {
        command += " --no-overlay";
        None
    } else {
        let file = workspace::given_or_default(
            args.overlay.as_deref(),
            OVERLAY,
            "--overlay FILE or --no-overlay",
        )?;
        if !workspace::is_default(&file, OVERLAY) {
            command += &format!(" --overlay {}", from_workspace(&file));
        }
        Some((from_workspace(&file), read(&file, "overlay")?))
    };
    let watchers = watcher_overlay(args, &mut command)?;
    let out = workspace::given_or_default(args.out.as_deref(), EXCERPT, "--out FILE")?;
    let default_out = workspace::root().map(|root| root.join(EXCERPT));
    let is_default_out = default_out
        .is_some_and(|default_out| out.canonicalize().ok() == default_out.canonicalize().ok());
    if out == Path::new("-") {
        command += " --out -";
    } else if !is_default_out {
        command += &format!(" --out {}", from_workspace(&out));
    }

    let inputs = Inputs {
        upstream: Source {
            file: &upstream_name,
            text: &upstream,
        },
        operations: if args.all_operations {
            Selection::All
        } else {
            Selection::Named(&operations)
        },
        overlay: overlay.as_ref().map(source),
        watchers: watchers.as_ref().map(|watchers| {
            let invalid = if args.skip_invalid_watchers {
                InvalidWatchers::Skip
            } else {
                InvalidWatchers::Fail
            };
            (source(watchers), invalid)
        }),
    };
    let extracted = atlas_codegen::extract::extract(&inputs, &command).map_err(|diagnostics| {
        eprintln!("{diagnostics}");
        let count = diagnostics.0.len();
        eprintln!(
            "error: {count} problem{}; nothing was written",
            if count == 1 { "" } else { "s" }
        );
        ExitCode::from(2)
    })?;
    let excerpt = extracted.text;
    if let Some(report) = &extracted.watchers {
        print_watcher_report(report);
    }

    if out == Path::new("-") {
        print!("{excerpt}");
        return Ok(ExitCode::SUCCESS);
    }
    if args.out.is_none() {
        workspace::announce_write();
    }
    write_atomically(&out, &excerpt).map_err(|error| {
        eprintln!("error: cannot write {}: {error}", shown(&out));
        ExitCode::from(2)
    })?;
    eprintln!(
        "extracted {} from {} into {}",
        if args.all_operations {
            "every operation".to_owned()
        } else {
            format!("{} operation(s)", operations.len())
        },
        shown(&args.from),
        shown(&out)
    );
    Ok(ExitCode::SUCCESS)
}

/// A file read for `extract`, as the library takes it.
fn source((file, text): &(String, String)) -> Source<'_> {
    Source { file, text }
}

/// The watcher overlay `extract` applies (its name and text), if any: `--watchers FILE`, else
/// `watchers.yaml` beside `--from` (shipped with it), which must then exist so that an
/// excerpt never silently goes without its watchers. Adds the non-default options to
/// `command`.
fn watcher_overlay(
    args: &ExtractArgs,
    command: &mut String,
) -> Result<Option<(String, String)>, ExitCode> {
    if args.no_watchers {
        *command += " --no-watchers";
        return Ok(None);
    }
    let default = args.from.with_file_name("watchers.yaml");
    let file = match &args.watchers {
        Some(file) => {
            if !is_default(file, &default) {
                *command += &format!(" --watchers {}", from_workspace(file));
            }
            file.clone()
        }
        None if default.exists() => default,
        None => {
            eprintln!(
                "error: no watcher overlay beside the upstream spec ({} is missing); pass \
                 --watchers FILE, or --no-watchers to apply none",
                shown(&default)
            );
            return Err(ExitCode::from(2));
        }
    };
    if args.skip_invalid_watchers {
        *command += " --skip-invalid-watchers";
    }
    Ok(Some((
        from_workspace(&file),
        read(&file, "watcher overlay")?,
    )))
}

/// The warnings for the watchers left out, and what happened to the file's actions.
fn print_watcher_report(report: &Report) {
    for warning in &report.warnings {
        eprintln!("{warning}");
    }
    let operations = report.watched_operations().len();
    eprintln!(
        "watchers from {}: {} of {} actions applied (on {operations} operation{}), {} outside \
         the excerpt, {} left out as invalid",
        report.file,
        report.applied_actions().len(),
        report.actions,
        if operations == 1 { "" } else { "s" },
        report.outside,
        report.skipped_actions().len()
    );
}

pub(crate) fn run_public_api(crate_dir: Option<PathBuf>) -> ExitCode {
    let crate_dir =
        match workspace::given_or_default(crate_dir.as_deref(), "generated", "--crate-dir DIR") {
            Ok(crate_dir) => crate_dir,
            Err(code) => return code,
        };
    // Read through the shown path so diagnostics name files the way other messages do.
    match atlas_codegen::public_api::report_dir(Path::new(&shown(&crate_dir))) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(diagnostic) => {
            eprintln!("{diagnostic}");
            ExitCode::from(2)
        }
    }
}

pub(crate) fn run_diff(args: &DiffArgs) -> ExitCode {
    match diff(args) {
        Ok(code) | Err(code) => code,
    }
}

fn diff(args: &DiffArgs) -> Result<ExitCode, ExitCode> {
    use atlas_codegen::diff::{compare, Scope, SpecText};
    let (scope, label) = match (
        &args.selection.operations,
        &args.selection.operations_file,
        args.all || args.record,
    ) {
        (_, _, true) => (Scope::All, "all operations".to_owned()),
        (Some(list), _, _) => (
            Scope::Only(list.iter().map(|name| name.trim().to_owned()).collect()),
            format!("the operations {}", list.join(", ")),
        ),
        (None, file, false) => {
            let file = workspace::given_or_default(
                file.as_deref(),
                OPERATIONS,
                "--operations-file FILE, --operations LIST or --all",
            )?;
            let names =
                atlas_codegen::extract::parse_operation_list(&read(&file, "operations file")?);
            (
                Scope::Only(names.into_iter().collect()),
                format!("the operations listed in {}", from_workspace(&file)),
            )
        }
    };
    let policy = atlas_codegen::lower::VersionPolicy {
        api_version: args.api_version.clone(),
        preview: args.preview,
    };
    let (old_name, new_name) = (shown(&args.old), shown(&args.new));
    let (old_text, new_text) = (read(&args.old, "spec")?, read(&args.new, "spec")?);
    let report = compare(
        SpecText {
            file: &old_name,
            text: &old_text,
        },
        SpecText {
            file: &new_name,
            text: &new_text,
        },
        &scope,
        &label,
        &policy,
    )
    .map_err(|diagnostics| {
        eprintln!("{diagnostics}");
        ExitCode::from(2)
    })?;
    match args.format {
        DiffFormat::Text => print!("{}", report.to_text()),
        DiffFormat::Json => print!("{}", report.to_json()),
    }
    if args.record {
        write_release(&args.release, |existing, date| {
            Changelog::record(existing, &report, date)
        })?;
    }
    Ok(if report.has_breaking() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub(crate) fn run_api_diff(args: &ApiDiffArgs) -> ExitCode {
    match api_diff(args) {
        Ok(code) | Err(code) => code,
    }
}

fn api_diff(args: &ApiDiffArgs) -> Result<ExitCode, ExitCode> {
    use atlas_codegen::diff::{api_changes, ApiReport, ApiSummary};
    let new_dir =
        workspace::given_or_default(args.new_crate_dir.as_deref(), "generated", "NEW_CRATE_DIR")?;
    let summarized = |dir: &Path| {
        // Read through the shown path so diagnostics name files the way other messages do.
        let source = shown(dir);
        let entries =
            atlas_codegen::public_api::entries_dir(Path::new(&source)).map_err(|diagnostic| {
                eprintln!("{diagnostic}");
                ExitCode::from(2)
            })?;
        let summary = ApiSummary {
            source,
            sha256: atlas_codegen::public_api::sha256(&entries),
            items: entries.len(),
        };
        Ok::<_, ExitCode>((entries, summary))
    };
    let (old, old_summary) = summarized(&args.old_crate_dir)?;
    let (new, new_summary) = summarized(&new_dir)?;
    let report = ApiReport::new(old_summary, new_summary, api_changes(&old, &new));
    match args.format {
        DiffFormat::Text => print!("{}", report.to_text()),
        DiffFormat::Json => print!("{}", report.to_json()),
    }
    if args.record {
        write_release(&args.release, |existing, date| {
            let existing = existing.ok_or(Problem::NoRelease)?;
            Changelog::record_generator_change(existing, &report.changes, date)
        })?;
    }
    Ok(if report.breaking > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads the changelog `args` name (if it exists), adds the release `make` returns and
/// writes it back; nothing is written when `make` refuses.
fn write_release(
    args: &ReleaseArgs,
    make: impl FnOnce(Option<Changelog>, &str) -> Result<Changelog, Problem>,
) -> Result<(), ExitCode> {
    let file =
        workspace::given_or_default(args.changelog.as_deref(), CHANGELOG, "--changelog FILE")?;
    let existing = if file.exists() {
        Some(read_changelog(&file)?)
    } else {
        None
    };
    let date = args.date.clone().unwrap_or_else(today);
    let changelog = make(existing, &date).map_err(|problem| {
        eprintln!("error: cannot record the release: {problem}; nothing was written");
        ExitCode::from(2)
    })?;
    if args.changelog.is_none() {
        workspace::announce_write();
    }
    write_atomically(&file, &changelog.to_json()).map_err(|error| {
        eprintln!("error: cannot write {}: {error}", shown(&file));
        ExitCode::from(2)
    })?;
    if let Some(release) = changelog.newest() {
        eprintln!(
            "recorded release {} in {}; now run `cargo run -p atlas-codegen` to regenerate",
            release.version,
            shown(&file)
        );
    }
    Ok(())
}
