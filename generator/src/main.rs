//! The `atlas-codegen` command line: the I/O edge of the generator.
//!
//! With no arguments it regenerates the workspace's `generated/` crate from
//! `spec/atlas-backups.yaml`. `generate` takes other paths; `check` regenerates in memory and
//! compares with what is on disk, writing nothing. `extract` cuts the excerpt in `spec/` out
//! of the upstream spec.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use atlas_codegen::changelog::Changelog;
use atlas_codegen::output::Drift;
use clap::{Args, Parser, Subcommand};

/// The workspace this binary was built in: its `spec/` and `generated/` are the defaults.
const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

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
struct DiffArgs {
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
    /// The changelog --record writes. Default: the workspace's spec/changelog.json.
    #[arg(long, value_name = "FILE", requires = "record")]
    changelog: Option<PathBuf>,
    /// The release date --record writes (YYYY-MM-DD). Default: today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_release_date, requires = "record")]
    date: Option<String>,
}

#[derive(Args)]
struct ApiDiffArgs {
    /// The crate before: a directory with Cargo.toml and src/, such as the committed
    /// generated/ (`git archive HEAD generated | tar -x -C DIR`).
    old_crate_dir: PathBuf,
    /// The crate after. Default: the workspace's generated/.
    new_crate_dir: Option<PathBuf>,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    Text,
    Json,
}

#[derive(Args)]
struct ExtractArgs {
    /// The upstream spec, e.g. ../shared/atlas/v2.yaml.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    #[command(flatten)]
    selection: OperationSelection,
    /// The overlay of hand edits. Default: the workspace's spec/overlay.yaml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_overlay")]
    overlay: Option<PathBuf>,
    /// Apply no overlay: the excerpt is upstream's text only.
    #[arg(long)]
    no_overlay: bool,
    /// Where to write the excerpt (`-` for stdout). Default: the workspace's
    /// spec/atlas-backups.yaml.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct Locations {
    /// The OpenAPI 3.0 spec (YAML or JSON). Default: the workspace's spec/atlas-backups.yaml.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// The crate directory to generate. Default: the workspace's generated/.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The generated crate's package name (its library name uses `_` for `-`).
    #[arg(long, value_name = "NAME", default_value = "atlas-admin")]
    package_name: String,
    /// Pin resource versions to a release date (YYYY-MM-DD): each operation uses its newest
    /// version released on or before it, as Atlas resolves such a date. Default: each
    /// operation's newest stable version.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_release_date)]
    api_version: Option<String>,
    /// Also generate operations that only have a `preview` version (no stability promise).
    #[arg(long)]
    preview: bool,
    /// The last formatting pass: `rustfmt` (the default) makes the crate pass
    /// `cargo fmt --check`; `prettyplease` skips that pass (about twice as fast on a large
    /// spec; the code is the same, laid out slightly differently), for output nobody commits.
    #[arg(long, value_enum, default_value_t = Formatter::Rustfmt)]
    formatter: Formatter,
    /// The changelog whose newest release sets the crate's version and which becomes its
    /// CHANGELOG.md. Default: the workspace's spec/changelog.json when --spec is not given.
    #[arg(long, value_name = "FILE")]
    changelog: Option<PathBuf>,
    /// The runtime crate the generated crate depends on (by a path relative to --out).
    /// Default: this workspace's templates/runtime.
    #[arg(long, value_name = "DIR")]
    runtime: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Formatter {
    Rustfmt,
    Prettyplease,
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

impl Locations {
    fn spec(&self) -> PathBuf {
        self.spec
            .clone()
            .unwrap_or_else(|| Path::new(WORKSPACE).join("spec/atlas-backups.yaml"))
    }

    /// The changelog in play, if any: the workspace's with the workspace's spec (however it
    /// is named), none with another spec unless given.
    fn changelog(&self) -> Option<PathBuf> {
        let default_spec = Path::new(WORKSPACE).join("spec/atlas-backups.yaml");
        match (&self.changelog, &self.spec) {
            (Some(file), _) => Some(file.clone()),
            (None, Some(spec)) if !is_default(spec, &default_spec) => None,
            (None, _) => Some(Path::new(WORKSPACE).join("spec/changelog.json")),
        }
    }

    fn out(&self) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| Path::new(WORKSPACE).join("generated"))
    }

    fn runtime(&self) -> PathBuf {
        self.runtime
            .clone()
            .unwrap_or_else(|| Path::new(WORKSPACE).join("templates/runtime"))
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

/// The generated files, and what is wrong with the changelog if it does not describe the
/// spec (a warning for `generate`, an error for `check`).
fn generate(locations: &Locations) -> Result<(atlas_codegen::Output, Option<String>), ExitCode> {
    let spec = locations.spec();
    let name = shown(&spec);
    let text = std::fs::read_to_string(&spec).map_err(|error| {
        eprintln!("error: cannot read spec {name}: {error}");
        ExitCode::from(2)
    })?;
    let krate =
        atlas_codegen::emit::CrateName::new(&locations.package_name).map_err(|message| {
            eprintln!("error: {message}");
            ExitCode::from(2)
        })?;
    let runtime = locations.runtime();
    let runtime_path =
        atlas_codegen::output::dependency_path(&locations.out(), &runtime).map_err(|error| {
            eprintln!(
                "error: cannot locate the runtime crate {}: {error}",
                shown(&runtime)
            );
            ExitCode::from(2)
        })?;
    let krate = krate.with_runtime_path(&runtime_path);
    let changelog = match locations.changelog() {
        Some(file) => Some(read_changelog(&file)?),
        None => None,
    };
    let policy = atlas_codegen::lower::VersionPolicy {
        api_version: locations.api_version.clone(),
        preview: locations.preview,
    };
    let generated = match &changelog {
        Some(changelog) => {
            atlas_codegen::generate_release(&name, &text, &krate, &policy, changelog)
        }
        None => {
            atlas_codegen::generate_with(&name, &text, &krate, &policy).map(|output| (output, None))
        }
    };
    let (mut output, changelog_problem) = generated.map_err(|diagnostics| {
        eprintln!("{diagnostics}");
        let count = diagnostics.0.len();
        eprintln!(
            "error: {count} problem{} in {name}; nothing was written",
            if count == 1 { "" } else { "s" }
        );
        ExitCode::from(2)
    })?;
    for warning in &output.warnings {
        eprintln!("{warning}");
    }
    if locations.formatter == Formatter::Rustfmt {
        output.rustfmt().map_err(|error| {
            eprintln!("error: {error}; nothing was written");
            ExitCode::from(2)
        })?;
    }
    Ok((output, changelog_problem))
}

fn run_generate(locations: &Locations) -> ExitCode {
    let (output, changelog_problem) = match generate(locations) {
        Ok(generated) => generated,
        Err(code) => return code,
    };
    if let Some(problem) = changelog_problem {
        eprintln!("warning: changelog: {problem}");
    }
    let out = locations.out();
    match output.write(&out) {
        Ok(report) => {
            eprintln!(
                "generated {}: {} file(s) written, {} unchanged, {} removed",
                shown(&out),
                report.written.len(),
                report.unchanged,
                report.removed.len()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: cannot write {}: {error}", shown(&out));
            ExitCode::from(2)
        }
    }
}

fn run_check(locations: &Locations) -> ExitCode {
    let (output, changelog_problem) = match generate(locations) {
        Ok(generated) => generated,
        Err(code) => return code,
    };
    if let Some(problem) = changelog_problem {
        eprintln!("error: changelog: {problem}");
        return ExitCode::from(1);
    }
    let out = locations.out();
    let drift = match output.drift(&out) {
        Ok(drift) => drift,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", shown(&out));
            return ExitCode::from(2);
        }
    };
    if drift.is_empty() {
        eprintln!(
            "{} is up to date with {}",
            shown(&out),
            shown(&locations.spec())
        );
        return ExitCode::SUCCESS;
    }
    for item in &drift {
        match item {
            Drift::Changed { diff, .. } => print!("{diff}"),
            Drift::Missing { path } => println!("missing: {path} (the generator would create it)"),
            Drift::Extra { path } => println!("stale: {path} (the generator would remove it)"),
        }
    }
    eprintln!(
        "error: {} differs from what the generator produces ({} file(s)); run `cargo run -p atlas-codegen` and review",
        shown(&out),
        drift.len()
    );
    ExitCode::from(1)
}

/// How a path is named in an excerpt's header and diagnostics: relative to the workspace root
/// when it lies beside or below it (`../shared/atlas/v2.yaml`), so that the header, and with
/// it the excerpt, does not depend on the directory the command was run from.
fn from_workspace(path: &Path) -> String {
    let (Ok(absolute), Ok(root)) = (path.canonicalize(), Path::new(WORKSPACE).canonicalize())
    else {
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

fn run_extract(args: &ExtractArgs) -> ExitCode {
    match extract(args) {
        Ok(code) | Err(code) => code,
    }
}

fn extract(args: &ExtractArgs) -> Result<ExitCode, ExitCode> {
    let workspace = Path::new(WORKSPACE);
    let upstream_name = from_workspace(&args.from);
    let upstream = read(&args.from, "upstream spec")?;
    // The header's re-run command names exactly the options that differ from the defaults.
    let mut command = atlas_codegen::extract::default_command(&upstream_name);
    let operations = match (&args.selection.operations, &args.selection.operations_file) {
        (Some(list), _) => {
            command += &format!(" --operations {}", list.join(","));
            list.iter()
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
                .collect()
        }
        (None, file) => {
            let default = workspace.join("spec/operations.txt");
            let file = file.clone().unwrap_or_else(|| default.clone());
            if !is_default(&file, &default) {
                command += &format!(" --operations-file {}", from_workspace(&file));
            }
            atlas_codegen::extract::parse_operation_list(&read(&file, "operations file")?)
        }
    };
    let overlay = if args.no_overlay {
        command += " --no-overlay";
        None
    } else {
        let default = workspace.join("spec/overlay.yaml");
        let file = args.overlay.clone().unwrap_or_else(|| default.clone());
        if !is_default(&file, &default) {
            command += &format!(" --overlay {}", from_workspace(&file));
        }
        Some((from_workspace(&file), read(&file, "overlay")?))
    };
    let default_out = workspace.join("spec/atlas-backups.yaml");
    let out = args.out.clone().unwrap_or_else(|| default_out.clone());
    if out != Path::new("-") && out.canonicalize().ok() != default_out.canonicalize().ok() {
        command += &format!(" --out {}", from_workspace(&out));
    } else if out == Path::new("-") {
        command += " --out -";
    }

    let excerpt = atlas_codegen::extract::extract_with_command(
        &upstream_name,
        &upstream,
        &operations,
        overlay
            .as_ref()
            .map(|(name, text)| (name.as_str(), text.as_str())),
        &command,
    )
    .map_err(|diagnostics| {
        eprintln!("{diagnostics}");
        let count = diagnostics.0.len();
        eprintln!(
            "error: {count} problem{}; nothing was written",
            if count == 1 { "" } else { "s" }
        );
        ExitCode::from(2)
    })?;

    if out == Path::new("-") {
        print!("{excerpt}");
        return Ok(ExitCode::SUCCESS);
    }
    write_atomically(&out, &excerpt).map_err(|error| {
        eprintln!("error: cannot write {}: {error}", shown(&out));
        ExitCode::from(2)
    })?;
    eprintln!(
        "extracted {} operation(s) from {} into {}",
        operations.len(),
        shown(&args.from),
        shown(&out)
    );
    Ok(ExitCode::SUCCESS)
}

fn run_public_api(crate_dir: Option<PathBuf>) -> ExitCode {
    let crate_dir = crate_dir.unwrap_or_else(|| Path::new(WORKSPACE).join("generated"));
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

fn run_diff(args: &DiffArgs) -> ExitCode {
    match diff(args) {
        Ok(code) | Err(code) => code,
    }
}

fn diff(args: &DiffArgs) -> Result<ExitCode, ExitCode> {
    use atlas_codegen::diff::{compare, Scope, SpecText};
    let workspace = Path::new(WORKSPACE);
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
            let file = file
                .clone()
                .unwrap_or_else(|| workspace.join("spec/operations.txt"));
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
        let file = args
            .changelog
            .clone()
            .unwrap_or_else(|| workspace.join("spec/changelog.json"));
        let existing = if file.exists() {
            Some(read_changelog(&file)?)
        } else {
            None
        };
        let date = args.date.clone().unwrap_or_else(today);
        let changelog = Changelog::record(existing, &report, &date).map_err(|problem| {
            eprintln!("error: cannot record the release: {problem}; nothing was written");
            ExitCode::from(2)
        })?;
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
    }
    Ok(if report.has_breaking() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_api_diff(args: &ApiDiffArgs) -> ExitCode {
    match api_diff(args) {
        Ok(code) | Err(code) => code,
    }
}

fn api_diff(args: &ApiDiffArgs) -> Result<ExitCode, ExitCode> {
    use atlas_codegen::diff::{api_changes, ApiReport, ApiSummary};
    let new_dir = args
        .new_crate_dir
        .clone()
        .unwrap_or_else(|| Path::new(WORKSPACE).join("generated"));
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
    Ok(if report.breaking > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
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
    let default = Locations {
        spec: None,
        out: None,
        package_name: "atlas-admin".to_owned(),
        api_version: None,
        preview: false,
        formatter: Formatter::Rustfmt,
        changelog: None,
        runtime: None,
    };
    match cli.command.unwrap_or(Command::Generate(default)) {
        Command::Generate(locations) => run_generate(&locations),
        Command::Check(locations) => run_check(&locations),
        Command::Extract(args) => run_extract(&args),
        Command::Diff(args) => run_diff(&args),
        Command::ApiDiff(args) => run_api_diff(&args),
        Command::PublicApi { crate_dir } => run_public_api(crate_dir),
    }
}
