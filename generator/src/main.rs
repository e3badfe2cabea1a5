//! The `atlas-codegen` command line: the I/O edge of the generator.
//!
//! With no arguments it regenerates the workspace's `generated/` crate from
//! `spec/atlas-backups.yaml`. `generate` takes other paths; `check` regenerates in memory and
//! compares with what is on disk, writing nothing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
}

impl Locations {
    fn spec(&self) -> PathBuf {
        self.spec
            .clone()
            .unwrap_or_else(|| Path::new(WORKSPACE).join("spec/atlas-backups.yaml"))
    }

    fn out(&self) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| Path::new(WORKSPACE).join("generated"))
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

fn generate(locations: &Locations) -> Result<atlas_codegen::Output, ExitCode> {
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
    let mut output =
        atlas_codegen::generate_crate(&name, &text, &krate).map_err(|diagnostics| {
            eprintln!("{diagnostics}");
            let count = diagnostics.0.len();
            eprintln!(
                "error: {count} problem{} in {name}; nothing was written",
                if count == 1 { "" } else { "s" }
            );
            ExitCode::from(2)
        })?;
    output.rustfmt().map_err(|error| {
        eprintln!("error: {error}; nothing was written");
        ExitCode::from(2)
    })?;
    Ok(output)
}

fn run_generate(locations: &Locations) -> ExitCode {
    let output = match generate(locations) {
        Ok(output) => output,
        Err(code) => return code,
    };
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
    let output = match generate(locations) {
        Ok(output) => output,
        Err(code) => return code,
    };
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default = Locations {
        spec: None,
        out: None,
        package_name: "atlas-admin".to_owned(),
    };
    match cli.command.unwrap_or(Command::Generate(default)) {
        Command::Generate(locations) => run_generate(&locations),
        Command::Check(locations) => run_check(&locations),
    }
}
