//! `generate` and `check`: the crate from a spec, written into a directory or compared with it.

use std::path::PathBuf;
use std::process::ExitCode;

use atlas_codegen::output::Drift;
use atlas_codegen::{GenerationSettings, Output};
use clap::Args;

use crate::{parse_release_date, read_changelog, shown, workspace};

/// The workspace's spec and changelog, the defaults.
const SPEC: &str = "spec/atlas-backups.yaml";
const CHANGELOG: &str = "spec/changelog.json";

#[derive(Args)]
pub(crate) struct Locations {
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
    /// The changelog whose newest release sets the crate's version and which becomes its
    /// CHANGELOG.md. Default: the workspace's spec/changelog.json when --spec is not given.
    #[arg(long, value_name = "FILE")]
    changelog: Option<PathBuf>,
    /// The runtime crate the generated crate depends on (by a path relative to --out).
    /// Default: this workspace's templates/runtime.
    #[arg(long, value_name = "DIR")]
    runtime: Option<PathBuf>,
}

/// What the command does without arguments: the workspace's spec into its `generated/`.
impl Default for Locations {
    fn default() -> Self {
        Locations {
            spec: None,
            out: None,
            package_name: "atlas-admin".to_owned(),
            api_version: None,
            preview: false,
            changelog: None,
            runtime: None,
        }
    }
}

impl Locations {
    fn spec(&self) -> Result<PathBuf, ExitCode> {
        workspace::given_or_default(self.spec.as_deref(), SPEC, "--spec FILE")
    }

    /// The changelog in play, if any: the workspace's with the workspace's spec (however it
    /// is named), none with another spec unless given.
    fn changelog(&self) -> Result<Option<PathBuf>, ExitCode> {
        match (&self.changelog, &self.spec) {
            (Some(file), _) => Ok(Some(file.clone())),
            (None, Some(spec)) if !workspace::is_default(spec, SPEC) => Ok(None),
            (None, _) => workspace::default_path(CHANGELOG, "--changelog FILE").map(Some),
        }
    }

    fn out(&self) -> Result<PathBuf, ExitCode> {
        workspace::given_or_default(self.out.as_deref(), "generated", "--out DIR")
    }

    fn runtime(&self) -> Result<PathBuf, ExitCode> {
        workspace::given_or_default(
            self.runtime.as_deref(),
            "templates/runtime",
            "--runtime DIR",
        )
    }
}

/// What `generate` and `check` work with.
struct Generated {
    /// The generated files.
    output: Output,
    /// What is wrong with the changelog if it does not describe the spec (a warning for
    /// `generate`, an error for `check`).
    changelog_problem: Option<String>,
    /// The spec read and the crate directory, as given or the workspace's.
    spec: PathBuf,
    out: PathBuf,
}

fn generate(locations: &Locations) -> Result<Generated, ExitCode> {
    let spec = locations.spec()?;
    let out = locations.out()?;
    let name = shown(&spec);
    let text = std::fs::read_to_string(&spec).map_err(|error| {
        eprintln!("error: cannot read spec {name}: {error}");
        ExitCode::from(2)
    })?;
    let runtime = locations.runtime()?;
    let runtime_path = atlas_codegen::output::dependency_path(&out, &runtime).map_err(|error| {
        eprintln!(
            "error: cannot locate the runtime crate {}: {error}",
            shown(&runtime)
        );
        ExitCode::from(2)
    })?;
    let mut settings = GenerationSettings::default()
        .with_package_name(&locations.package_name)
        .with_preview(locations.preview)
        .with_runtime_path(runtime_path);
    if let Some(date) = &locations.api_version {
        settings = settings.with_api_version(date);
    }
    if let Some(file) = locations.changelog()? {
        settings = settings.with_changelog(read_changelog(&file)?);
    }
    let generated = atlas_codegen::generate(&name, &text, &settings).map_err(|error| {
        match error {
            atlas_codegen::Error::Spec(diagnostics) => {
                eprintln!("{diagnostics}");
                let count = diagnostics.0.len();
                eprintln!(
                    "error: {count} problem{} in {name}; nothing was written",
                    if count == 1 { "" } else { "s" }
                );
            }
            other => eprintln!("error: {other}; nothing was written"),
        }
        ExitCode::from(2)
    })?;
    for warning in &generated.warnings {
        eprintln!("{warning}");
    }
    Ok(Generated {
        output: generated.output,
        changelog_problem: generated
            .changelog_problem
            .map(|problem| problem.to_string()),
        spec,
        out,
    })
}

pub(crate) fn run_generate(locations: &Locations) -> ExitCode {
    let Generated {
        output,
        changelog_problem,
        out,
        ..
    } = match generate(locations) {
        Ok(generated) => generated,
        Err(code) => return code,
    };
    if let Some(problem) = changelog_problem {
        eprintln!("warning: changelog: {problem}");
    }
    if locations.out.is_none() {
        workspace::announce_write();
    }
    match output.write(&out) {
        Ok(report) => {
            eprintln!("{}", report.summary(&format!("{}/", shown(&out))));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: cannot write {}: {error}", shown(&out));
            ExitCode::from(2)
        }
    }
}

pub(crate) fn run_check(locations: &Locations) -> ExitCode {
    let Generated {
        output,
        changelog_problem,
        spec,
        out,
    } = match generate(locations) {
        Ok(generated) => generated,
        Err(code) => return code,
    };
    if let Some(problem) = changelog_problem {
        eprintln!("error: changelog: {problem}");
        return ExitCode::from(1);
    }
    let drift = match output.drift(&out) {
        Ok(drift) => drift,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", shown(&out));
            return ExitCode::from(2);
        }
    };
    if drift.is_empty() {
        eprintln!("{} is up to date with {}", shown(&out), shown(&spec));
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
