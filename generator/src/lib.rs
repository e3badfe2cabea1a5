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
pub mod extract;
pub mod load;
pub mod lower;
pub mod model;
pub mod naming;
pub mod output;
pub mod public_api;
pub mod robustness;

pub use diagnostics::{Diagnostic, Diagnostics};
pub use output::Output;

/// The generator's version, written into every generated file's header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Parses and lowers a spec into the intermediate model.
pub fn model(file: &str, text: &str) -> Result<(model::Api, String), Diagnostics> {
    model_with(file, text, &lower::VersionPolicy::default())
}

/// [`model`] choosing resource versions by `policy`.
pub fn model_with(
    file: &str,
    text: &str,
    policy: &lower::VersionPolicy,
) -> Result<(model::Api, String), Diagnostics> {
    let loaded = load::load(file, text)?;
    let mut api = lower::lower_with(&loaded.openapi, policy).map_err(|found| {
        let mut located: Vec<Diagnostic> = found
            .into_iter()
            .map(|diagnostic| loaded.source_map.locate(diagnostic))
            .collect();
        located.sort_by(|a, b| (a.line, a.column, &a.pointer).cmp(&(b.line, b.column, &b.pointer)));
        located.dedup();
        Diagnostics(located)
    })?;
    api.warnings = std::mem::take(&mut api.warnings)
        .into_iter()
        .map(|warning| loaded.source_map.locate(warning))
        .collect();
    api.warnings
        .sort_by(|a, b| (a.line, a.column, &a.pointer).cmp(&(b.line, b.column, &b.pointer)));
    Ok((api, loaded.canonical_sha256))
}

/// Generates every file of the `atlas-admin` crate from the spec text `text` (read from
/// `file`). Pure: nothing is read or written.
pub fn generate(file: &str, text: &str) -> Result<Output, Diagnostics> {
    generate_crate(file, text, &emit::CrateName::default())
}

/// [`generate`] for a crate with another package name.
pub fn generate_crate(
    file: &str,
    text: &str,
    krate: &emit::CrateName,
) -> Result<Output, Diagnostics> {
    generate_with(file, text, krate, &lower::VersionPolicy::default())
}

/// [`generate_with`] for a crate released through `changelog`: the crate takes the newest
/// release's version and gets the changelog as its `CHANGELOG.md`. The `String` says what is
/// wrong when the changelog does not describe this spec (see
/// [`changelog::Changelog::verify`]); the files are generated all the same.
pub fn generate_release(
    file: &str,
    text: &str,
    krate: &emit::CrateName,
    policy: &lower::VersionPolicy,
    changelog: &changelog::Changelog,
) -> Result<(Output, Option<String>), Diagnostics> {
    let krate = match changelog.newest() {
        Some(newest) => krate.clone().with_version(&newest.version),
        None => krate.clone(),
    };
    let mut output = generate_with(file, text, &krate, policy)?;
    output.files.insert(
        "CHANGELOG.md".to_owned(),
        changelog.to_markdown(krate.package()),
    );
    let problem = changelog.verify(&output.spec_sha256).err();
    Ok((output, problem))
}

/// [`generate_crate`] choosing resource versions by `policy`. The output's `warnings` say
/// what the generated code leaves out or unchecked.
pub fn generate_with(
    file: &str,
    text: &str,
    krate: &emit::CrateName,
    policy: &lower::VersionPolicy,
) -> Result<Output, Diagnostics> {
    let (api, sha256) = model_with(file, text, policy)?;
    let mut output = emit::emit(&api, &sha256, krate).map_err(|message| {
        Diagnostics::one(Diagnostic {
            file: file.to_owned(),
            line: None,
            column: None,
            pointer: String::new(),
            message,
            severity: crate::diagnostics::Severity::Error,
        })
    })?;
    output.warnings = api.warnings;
    Ok(output)
}
