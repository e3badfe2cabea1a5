//! What [`crate::generate`] fails with.

use crate::diagnostics::Diagnostics;

/// Why no crate was generated. Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec is not one the generator can handle: every problem found, each located in the
    /// spec (file, line, column, JSON pointer).
    #[error("{0}")]
    Spec(Diagnostics),
    /// [`crate::GenerationSettings::with_package_name`] was given a name Cargo does not take.
    #[error("`{0}` is not a valid package name (ASCII letters, digits, `-`, `_`; a letter first)")]
    InvalidPackageName(String),
    /// The generator made Rust that does not parse: a bug in the generator, not in the spec.
    #[error("internal error: the generated {path} does not parse: {message}")]
    GeneratedCodeDoesNotParse { path: String, message: String },
    /// Emitting a file panicked: a bug in the generator, not in the spec.
    #[error("internal error: emitting {path} panicked")]
    EmissionPanicked { path: String },
}

impl From<Diagnostics> for Error {
    fn from(diagnostics: Diagnostics) -> Self {
        Error::Spec(diagnostics)
    }
}
