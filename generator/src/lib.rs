//! `atlas-codegen`: generates the `atlas-admin` Rust client from an OpenAPI 3.0 excerpt of the
//! MongoDB Atlas Administration API v2.
//!
//! The pipeline is pure from text to files; the binary does the reading and writing:
//!
//! ```text
//! spec text --load--> openapiv3::OpenAPI --lower--> model::Api --emit--> token streams
//!           --prettyplease--> BTreeMap<path, file contents> --write (binary)--> generated/
//! ```

pub mod changelog;
pub mod diagnostics;
pub mod diff;
pub mod emit;
mod error;
pub mod extract;
pub mod load;
pub mod lower;
pub mod migration;
pub mod model;
pub mod naming;
pub mod output;
pub mod public_api;
pub mod robustness;
mod settings;

pub use diagnostics::{Diagnostic, Diagnostics};
pub use error::Error;
pub use output::Output;
pub use settings::GenerationSettings;

/// The generator's version, written into every generated file's header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What [`generate`] made.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The intermediate model the files were emitted from (what `diff` compares and the model
    /// snapshots show).
    pub model: model::Api,
    /// Every file of the crate, as it is written.
    pub output: Output,
    /// What the generated code leaves out or unchecked, located in the spec; for the user to
    /// see, never written.
    pub warnings: Vec<Diagnostic>,
    /// What is wrong with the settings' changelog when it does not describe this spec (a
    /// warning for `generate`, an error for `check`); the files are generated all the same.
    pub changelog_problem: Option<changelog::Problem>,
}

/// Generates every file of a crate from the spec text `text` (read from `file`, which
/// diagnostics name) as `settings` say. The one way in; pure: nothing is read or written.
pub fn generate(file: &str, text: &str, settings: &GenerationSettings) -> Result<Generated, Error> {
    let krate = settings.crate_name()?;
    let Modelled {
        api,
        sha256,
        warnings,
    } = model(file, text, settings.version_policy())?;
    let mut output = emit::emit(&api, &sha256, &krate)?;
    let changelog_problem = settings.changelog().and_then(|changelog| {
        output.files.insert(
            "CHANGELOG.md".to_owned(),
            changelog.to_markdown(krate.package()),
        );
        changelog.verify(&sha256).err()
    });
    Ok(Generated {
        model: api,
        output,
        warnings,
        changelog_problem,
    })
}

/// A spec loaded and lowered: the part of [`generate`] that `diff` and the fuzz harnesses
/// need.
pub(crate) struct Modelled {
    pub api: model::Api,
    /// The spec's canonical sha256 (see [`load`]).
    pub sha256: String,
    pub warnings: Vec<Diagnostic>,
}

/// Loads and lowers a spec; diagnostics are located in `text` and sorted by position.
pub(crate) fn model(
    file: &str,
    text: &str,
    policy: &lower::VersionPolicy,
) -> Result<Modelled, Diagnostics> {
    let loaded = load::load(file, text)?;
    let locate = |found: Vec<Diagnostic>| -> Vec<Diagnostic> {
        let mut located: Vec<Diagnostic> = found
            .into_iter()
            .map(|diagnostic| loaded.source_map.locate(diagnostic))
            .collect();
        located.sort_by(|a, b| (a.line, a.column, &a.pointer).cmp(&(b.line, b.column, &b.pointer)));
        located.dedup();
        located
    };
    let lowered =
        lower::lower(&loaded.openapi, policy).map_err(|found| Diagnostics(locate(found)))?;
    Ok(Modelled {
        api: lowered.api,
        sha256: loaded.canonical_sha256,
        warnings: locate(lowered.warnings),
    })
}
