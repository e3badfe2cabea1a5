//! Rust names from spec names: case conversion, keyword escaping and collision handling, in
//! one place so every generated identifier follows the same rules.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that cannot be identifiers (strict and reserved keywords of every edition).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keeps only characters that can appear in identifiers; other characters separate words.
fn words(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// A snake_case identifier for a field, method, argument or module.
pub fn snake(raw: &str) -> String {
    let mut name = words(raw).to_snake_case();
    if name.is_empty() {
        name.push_str("value");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// A PascalCase identifier for a type or enum variant; `prefix` is put in front of names that
/// would start with a digit.
pub fn pascal(raw: &str, prefix: &str) -> String {
    let mut name = words(raw).to_upper_camel_case();
    if name.is_empty() {
        name.push_str("Empty");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, prefix);
    }
    if name == "Self" {
        name.push('_');
    }
    name
}

/// A SCREAMING_SNAKE identifier for a constant.
pub fn screaming(raw: &str) -> String {
    snake(raw).trim_end_matches('_').to_ascii_uppercase()
}

/// Method names a model struct's setters must not take, so a setter neither replaces a method
/// the struct has (`new`, `unknown_fields()`, the `additional_properties` map's setter) nor
/// shadows a trait method callers reach with method-call syntax: the traits model structs
/// derive or implement (`clone`, `eq`, `fmt`, `default`, serde's and the checks' methods), the
/// blanket conversions every type has (`into`, `to_owned`, …), and the operator methods Clippy
/// expects an inherent `fn add(self, x) -> Self` to be an `impl Add` of. An inherent method
/// taking `self` wins over them all, so `value.clone()` would call the setter. A field so
/// named gets `set_<name>`.
pub const MODEL_METHODS: &[&str] = &[
    "new",
    "unknown_fields",
    "additional_properties",
    "clone",
    "clone_from",
    "clone_into",
    "default",
    "eq",
    "ne",
    "fmt",
    "serialize",
    "deserialize",
    "validate",
    "into",
    "try_into",
    "from",
    "try_from",
    "to_owned",
    "borrow",
    "borrow_mut",
    "type_id",
    "add",
    "sub",
    "mul",
    "div",
    "rem",
    "shl",
    "shr",
    "bitand",
    "bitor",
    "bitxor",
];

/// Hands out names unique within one scope: the first claimant of a name gets it as is, later
/// ones get `name2`, `name3`, … (with `_2` for snake_case names). Callers claim in a
/// deterministic order, so the result is deterministic too.
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope {
            taken: reserved.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    pub fn claim(&mut self, wanted: String) -> String {
        if self.taken.insert(wanted.clone()) {
            return wanted;
        }
        let separator = if wanted.contains('_') || wanted.starts_with(char::is_lowercase) {
            "_"
        } else {
            ""
        };
        let base = wanted.trim_end_matches('_');
        (2..)
            .map(|n| format!("{base}{separator}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or(wanted)
    }

    /// `wanted` if it is free, else `{prefix}{wanted}` (numbered if that is taken too): a
    /// setter for the field `clone` is `set_clone`, which says what it does where `clone_2`
    /// would not.
    pub fn claim_prefixed(&mut self, wanted: String, prefix: &str) -> String {
        if self.taken.contains(&wanted) {
            self.claim(format!("{prefix}{wanted}"))
        } else {
            self.claim(wanted)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_escapes() {
        assert_eq!(snake("pointInTimeUTCSeconds"), "point_in_time_utc_seconds");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("RateLimit-Limit"), "rate_limit_limit");
        assert_eq!(pascal("REPLICA_SET", "V"), "ReplicaSet");
        assert_eq!(pascal("pointInTime", "V"), "PointInTime");
        assert_eq!(pascal("1.0", "V"), "V10");
        assert_eq!(pascal("", "V"), "Empty");
        assert_eq!(screaming("getBackupExport"), "GET_BACKUP_EXPORT");
    }

    #[test]
    fn scope_disambiguates_in_claim_order() {
        let mut scope = Scope::with_reserved(&["Unknown"]);
        assert_eq!(scope.claim("Unknown".into()), "Unknown2");
        assert_eq!(scope.claim("Job".into()), "Job");
        assert_eq!(scope.claim("Job".into()), "Job2");
        assert_eq!(scope.claim("job_id".into()), "job_id");
        assert_eq!(scope.claim("job_id".into()), "job_id_2");
    }

    #[test]
    fn a_taken_setter_name_gets_the_prefix() {
        let mut scope = Scope::with_reserved(MODEL_METHODS);
        assert_eq!(scope.claim_prefixed("key".into(), "set_"), "key");
        assert_eq!(scope.claim_prefixed("clone".into(), "set_"), "set_clone");
        assert_eq!(scope.claim_prefixed("new".into(), "set_"), "set_new");
        // A field named `set_new` after it is prefixed in turn; one whose prefixed name is
        // taken too is numbered: never the same name twice.
        assert_eq!(
            scope.claim_prefixed("set_new".into(), "set_"),
            "set_set_new"
        );
        assert_eq!(scope.claim_prefixed("new".into(), "set_"), "set_new_2");
        assert_eq!(scope.claim_prefixed("type_".into(), "set_"), "type_");
    }
}
