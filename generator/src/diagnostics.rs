//! Located, human-readable errors about a spec.
//!
//! Every problem the generator finds in its input becomes a [`Diagnostic`]: which file, where
//! in it (line and column when the YAML parser knows them), the JSON pointer of the node, and
//! what is wrong. The pipeline never panics on input; it returns [`Diagnostics`].

use std::fmt;

use serde::Serialize;

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The spec file as the user named it.
    pub file: String,
    /// 1-based line of the offending node, when known.
    pub line: Option<usize>,
    /// 1-based column of the offending node, when known.
    pub column: Option<usize>,
    /// JSON pointer (RFC 6901) of the offending node; empty for the document root.
    pub pointer: String,
    /// What is wrong or unsupported.
    pub message: String,
    /// Errors stop generation; warnings are printed and generation goes on.
    #[serde(skip_serializing_if = "Severity::is_error")]
    pub severity: Severity,
}

/// Whether a diagnostic stops generation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Severity {
    /// The spec cannot be generated as it is.
    #[default]
    Error,
    /// The generated code is complete but weaker than the spec asks (for example a pattern
    /// the client cannot check); generation goes on.
    Warning,
}

impl Severity {
    fn is_error(&self) -> bool {
        *self == Severity::Error
    }
}

impl Diagnostic {
    /// A diagnostic not yet tied to a file; [`crate::load::SourceMap::locate`] fills that in.
    pub(crate) fn at(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: String::new(),
            line: None,
            column: None,
            pointer: pointer.into(),
            message: message.into(),
            severity: Severity::Error,
        }
    }

    /// A warning: reported, but generation goes on.
    pub(crate) fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::at(pointer, message)
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.pointer.is_empty() {
            write!(f, ": {severity}: {}", self.message)
        } else {
            write!(f, ": {severity} at #{}: {}", self.pointer, self.message)
        }
    }
}

/// All problems found in one run, in the order they were found (sorted by location when
/// more than one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub(crate) fn one(diagnostic: Diagnostic) -> Self {
        Diagnostics(vec![diagnostic])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Escapes one reference token of a JSON pointer (RFC 6901 section 3).
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends `token` to `pointer`.
pub(crate) fn child(pointer: &str, token: impl AsRef<str>) -> String {
    format!("{pointer}/{}", escape_token(token.as_ref()))
}
