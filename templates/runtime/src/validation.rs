//! The checks the client runs before sending: the spec's patterns and lengths for path
//! parameters and request-body fields. Public so callers can run them early too.

use std::sync::OnceLock;

use regex::Regex;

use crate::error::InvalidParameter;

/// A regular expression from the spec, compiled on first use.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// The pattern as written in the spec.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// A pattern, compiled the first time it is matched (so it can be a `static`).
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The generator checked that every pattern compiles; should one not, every value is
    /// rejected rather than the process aborting.
    pub fn is_match(&self, value: &str) -> bool {
        self.compiled
            .get_or_init(|| Regex::new(self.source).ok())
            .as_ref()
            .is_some_and(|regex| regex.is_match(value))
    }
}

/// The spec's constraints on one string value.
#[derive(Debug, Clone, Copy)]
pub struct StringRules {
    /// The spec's `pattern`, searched for in the value as JSON Schema does (anchored only
    /// where the pattern has `^` and `$`).
    pub pattern: Option<&'static Pattern>,
    /// The spec's `minLength`, in characters.
    pub min_length: Option<usize>,
    /// The spec's `maxLength`, in characters.
    pub max_length: Option<usize>,
    /// Path segments may not be empty: an empty one would address another resource.
    pub non_empty: bool,
}

impl StringRules {
    /// Checks `value`, the parameter or field `name`, against the rules.
    pub fn check(&self, name: &str, value: &str) -> Result<(), InvalidParameter> {
        let length = value.chars().count();
        if self.non_empty && value.is_empty() {
            return Err(InvalidParameter::new(name, value, "must not be empty"));
        }
        if let Some(min) = self.min_length.filter(|min| length < *min) {
            return Err(InvalidParameter::new(
                name,
                value,
                format!("must be at least {min} characters long"),
            ));
        }
        if let Some(max) = self.max_length.filter(|max| length > *max) {
            return Err(InvalidParameter::new(
                name,
                value,
                format!("must be at most {max} characters long"),
            ));
        }
        match self.pattern {
            Some(pattern) if !pattern.is_match(value) => Err(InvalidParameter::new(
                name,
                value,
                format!("must match `{}`", pattern.source),
            )),
            _ => Ok(()),
        }
    }
}

/// Checks a request value against the spec's constraints before it is sent.
pub trait Validate {
    /// `path` names the value in errors, e.g. `body.snapshotId`.
    fn validate(&self, path: &str) -> Result<(), InvalidParameter>;
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, path: &str) -> Result<(), InvalidParameter> {
        self.iter()
            .enumerate()
            .try_for_each(|(index, item)| item.validate(&format!("{path}[{index}]")))
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, path: &str) -> Result<(), InvalidParameter> {
        self.as_ref().map_or(Ok(()), |value| value.validate(path))
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate(&self, path: &str) -> Result<(), InvalidParameter> {
        self.as_ref().validate(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static HEX_ID: Pattern = Pattern::new("^([a-f0-9]{24})$");
    static BROKEN: Pattern = Pattern::new("([a-");

    #[test]
    fn checks_pattern_length_and_emptiness() {
        let rules = StringRules {
            pattern: Some(&HEX_ID),
            min_length: None,
            max_length: None,
            non_empty: true,
        };
        assert!(rules.check("groupId", "32b6e34b3d91647abb20e7b8").is_ok());
        let error = rules
            .check("groupId", "32B6E34B3D91647ABB20E7B8")
            .unwrap_err();
        assert_eq!(
            (error.name(), error.value()),
            ("groupId", "32B6E34B3D91647ABB20E7B8")
        );
        assert!(rules
            .check("groupId", "")
            .unwrap_err()
            .reason()
            .contains("empty"));
        let lengths = StringRules {
            pattern: None,
            min_length: Some(2),
            max_length: Some(3),
            non_empty: false,
        };
        assert!(lengths.check("name", "é").is_err());
        assert!(lengths.check("name", "éé").is_ok());
        assert!(lengths.check("name", "abcd").is_err());
    }

    #[test]
    fn a_pattern_that_does_not_compile_rejects_instead_of_panicking() {
        assert!(!BROKEN.is_match("anything"));
    }
}
