//! The checks the client runs before sending: the spec's patterns, lengths, bounds and item
//! counts on path, query and header parameters and on request-body fields. Machinery for
//! generated code (`#[doc(hidden)]`): a caller meets its verdicts as
//! [`InvalidParameter`] errors, before anything is sent.

use std::sync::OnceLock;

use regex::Regex;

use crate::error::InvalidParameter;

/// A regular expression from the spec, compiled on first use; or, for a simple one the
/// generator recognised, the [`Piece`]s it stands for, matched byte by byte without a regex.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    pieces: Option<&'static [Piece]>,
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
            pieces: None,
            compiled: OnceLock::new(),
        }
    }

    /// A pattern the generator found to be anchored at both ends, without alternation, and
    /// made of ASCII sets repeated a number of times, in order: `pieces`. It matches what
    /// `source` matches, without a regular expression; error messages still quote `source`.
    ///
    /// The generator emits this only when the pieces can be matched greedily (each piece
    /// whose count may vary shares no byte with what can follow it), so no backtracking is
    /// needed. Debug builds check every verdict against the regular expression.
    pub const fn simple(source: &'static str, pieces: &'static [Piece]) -> Self {
        Pattern {
            source,
            pieces: Some(pieces),
            compiled: OnceLock::new(),
        }
    }

    /// The generator checked that every pattern compiles; should one not, every value is
    /// rejected rather than the process aborting.
    pub fn is_match(&self, value: &str) -> bool {
        match self.pieces {
            Some(pieces) => {
                let matched = Piece::match_all(pieces, value);
                debug_assert_eq!(
                    matched,
                    self.regex_match(value),
                    "pattern `{}` and its pieces disagree on {value:?}",
                    self.source
                );
                matched
            }
            None => self.regex_match(value),
        }
    }

    fn regex_match(&self, value: &str) -> bool {
        self.compiled
            .get_or_init(|| Regex::new(&ecma_classes(self.source)).ok())
            .as_ref()
            .is_some_and(|regex| regex.is_match(value))
    }
}

/// One step of a simple [`Pattern`]: between `min` and `max` bytes (no upper bound when
/// `None`), each in an ASCII set. Written by generated code, e.g. `[a-f0-9]{24}` as
/// `Piece::new(&[b'0'..=b'9', b'a'..=b'f'], 24, Some(24))`.
#[derive(Clone, Copy)]
pub struct Piece {
    /// Indexed by byte: whether it is in the set (never for a byte above 127). A table
    /// rather than a bit set: one load per byte, and no bounds check for a `u8` index.
    set: [bool; 256],
    min: usize,
    max: usize,
}

impl Piece {
    /// A set of the bytes in `ranges` (all ASCII), repeated `min` to `max` times.
    pub const fn new(
        ranges: &[std::ops::RangeInclusive<u8>],
        min: usize,
        max: Option<usize>,
    ) -> Self {
        let mut set = [false; 256];
        let mut index = 0;
        while index < ranges.len() {
            let mut byte = *ranges[index].start();
            let end = *ranges[index].end();
            assert!(end < 0x80, "a piece's set is ASCII");
            while byte <= end {
                set[byte as usize] = true;
                byte += 1;
            }
            index += 1;
        }
        Piece {
            set,
            min,
            max: match max {
                Some(max) => max,
                None => usize::MAX,
            },
        }
    }

    fn contains(&self, byte: u8) -> bool {
        self.set[usize::from(byte)]
    }

    /// Whether every byte of `bytes` is in the set: all are looked at (no early exit), which
    /// makes a loop without a branch per byte.
    fn contains_all(&self, bytes: &[u8]) -> bool {
        bytes
            .iter()
            .fold(true, |all, byte| all & self.contains(*byte))
    }

    /// Whether `value` is, whole, each piece in turn, each taking as many bytes as it can.
    /// A non-ASCII byte is in no set, so counting bytes is counting characters here.
    fn match_all(pieces: &[Piece], value: &str) -> bool {
        let mut rest = value.as_bytes();
        for (index, piece) in pieces.iter().enumerate() {
            let taken = if piece.min == piece.max {
                // A fixed count (an id's `{24}`, a literal): exactly that many, all in the set.
                if rest.len() < piece.min || !piece.contains_all(&rest[..piece.min]) {
                    return false;
                }
                piece.min
            } else if index + 1 == pieces.len() {
                // The last piece takes what is left, all of it.
                return (piece.min..=piece.max).contains(&rest.len()) && piece.contains_all(rest);
            } else {
                let most = rest.len().min(piece.max);
                let taken = rest[..most]
                    .iter()
                    .position(|byte| !piece.contains(*byte))
                    .unwrap_or(most);
                if taken < piece.min {
                    return false;
                }
                taken
            };
            rest = &rest[taken..];
        }
        rest.is_empty()
    }
}

impl std::fmt::Debug for Piece {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set: String = (0..0x80u8)
            .filter(|byte| self.contains(*byte))
            .map(char::from)
            .collect();
        f.debug_struct("Piece")
            .field("set", &set)
            .field("min", &self.min)
            .field("max", &(self.max != usize::MAX).then_some(self.max))
            .finish()
    }
}

/// `pattern` with the classes ECMA-262 (the spec's regex dialect) defines as ASCII made ASCII
/// for the `regex` crate, whose `\d`, `\w` and `\b` are Unicode-aware: `\d` matches `١` there,
/// and a spec that says `[a-f\d]` means `0-9`. `\s` is Unicode in both and stays.
pub fn ecma_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') if !in_class => out.push_str("[0-9]"),
                Some('D') if !in_class => out.push_str("[^0-9]"),
                Some('w') if !in_class => out.push_str("[0-9A-Za-z_]"),
                Some('W') if !in_class => out.push_str("[^0-9A-Za-z_]"),
                Some(boundary @ ('b' | 'B')) if !in_class => {
                    out.push_str("(?-u:\\");
                    out.push(boundary);
                    out.push(')');
                }
                Some('d') => out.push_str("0-9"),
                Some('w') => out.push_str("0-9A-Za-z_"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A numeric bound from the spec (`minimum`/`maximum`, possibly exclusive).
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    /// The bound itself.
    pub value: f64,
    /// Whether the bound itself is excluded (`exclusiveMinimum`/`exclusiveMaximum`).
    pub exclusive: bool,
}

/// The spec's constraints on one value the client sends. Generated code writes them as
/// statics, `Rules { pattern: Some(&PATTERN), ..Rules::NONE }`.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The spec's `pattern`, searched for in the value as JSON Schema does (anchored only
    /// where the pattern has `^` and `$`).
    pub pattern: Option<&'static Pattern>,
    /// The spec's `minLength`, in characters.
    pub min_length: Option<usize>,
    /// The spec's `maxLength`, in characters.
    pub max_length: Option<usize>,
    /// The spec's `minimum` (and `exclusiveMinimum`).
    pub minimum: Option<Bound>,
    /// The spec's `maximum` (and `exclusiveMaximum`).
    pub maximum: Option<Bound>,
    /// The spec's `minItems`.
    pub min_items: Option<usize>,
    /// The spec's `maxItems`.
    pub max_items: Option<usize>,
    /// What each item of an array must satisfy.
    pub items: Option<&'static Rules>,
}

impl Rules {
    /// No constraint at all.
    pub const NONE: Rules = Rules {
        pattern: None,
        min_length: None,
        max_length: None,
        minimum: None,
        maximum: None,
        min_items: None,
        max_items: None,
        items: None,
    };

    /// Checks a string: length, then pattern.
    pub fn check_str(&self, name: &Path<'_>, value: &str) -> Result<(), InvalidParameter> {
        if value.is_empty() && self.min_length.is_some_and(|min| min > 0) {
            return Err(InvalidParameter::new(
                name.to_string(),
                value,
                "must not be empty",
            ));
        }
        // Counted only for a rule that needs it, and without a walk over the characters for
        // ASCII (ids and names, which are most of what is checked).
        let length = || {
            if value.is_ascii() {
                value.len()
            } else {
                value.chars().count()
            }
        };
        // A minimum of one is met by any value that is not empty (checked above).
        if let Some(min) = self.min_length.filter(|min| *min > 1 && length() < *min) {
            return Err(InvalidParameter::new(
                name.to_string(),
                value,
                format!("must be at least {min} characters long"),
            ));
        }
        if let Some(max) = self.max_length.filter(|max| length() > *max) {
            return Err(InvalidParameter::new(
                name.to_string(),
                value,
                format!("must be at most {max} characters long"),
            ));
        }
        match self.pattern {
            Some(pattern) if !pattern.is_match(value) => Err(InvalidParameter::new(
                name.to_string(),
                value,
                format!("must match `{}`", pattern.source),
            )),
            _ => Ok(()),
        }
    }

    /// Checks an array's item count.
    pub fn check_count(&self, name: &Path<'_>, count: usize) -> Result<(), InvalidParameter> {
        let shown = || format!("{count} items");
        if let Some(min) = self.min_items.filter(|min| count < *min) {
            return Err(InvalidParameter::new(
                name.to_string(),
                &shown(),
                format!("must have at least {min} items"),
            ));
        }
        if let Some(max) = self.max_items.filter(|max| count > *max) {
            return Err(InvalidParameter::new(
                name.to_string(),
                &shown(),
                format!("must have at most {max} items"),
            ));
        }
        Ok(())
    }

    /// Checks a number against the bounds.
    pub fn check_number(&self, name: &Path<'_>, value: f64) -> Result<(), InvalidParameter> {
        let shown = || value.to_string();
        if let Some(min) = self.minimum {
            let below = if min.exclusive {
                value <= min.value
            } else {
                value < min.value
            };
            if below {
                let than = if min.exclusive {
                    "greater than"
                } else {
                    "at least"
                };
                return Err(InvalidParameter::new(
                    name.to_string(),
                    &shown(),
                    format!("must be {than} {}", min.value),
                ));
            }
        }
        if let Some(max) = self.maximum {
            let above = if max.exclusive {
                value >= max.value
            } else {
                value > max.value
            };
            if above {
                let than = if max.exclusive {
                    "less than"
                } else {
                    "at most"
                };
                return Err(InvalidParameter::new(
                    name.to_string(),
                    &shown(),
                    format!("must be {than} {}", max.value),
                ));
            }
        }
        Ok(())
    }
}

/// A value the client sends that [`Rules`] can check.
pub trait Checked {
    /// `name` names the value in errors, e.g. `itemsPerPage` or `body.snapshotId`.
    fn check(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter>;
}

impl Checked for str {
    fn check(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter> {
        rules.check_str(name, self)
    }
}

impl Checked for String {
    fn check(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter> {
        rules.check_str(name, self)
    }
}

macro_rules! checked_number {
    ($($ty:ty),*) => {$(
        impl Checked for $ty {
            fn check(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter> {
                rules.check_number(name, f64::from(*self))
            }
        }
    )*};
}
checked_number!(i32, f32, f64);

impl Checked for i64 {
    fn check(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter> {
        // Atlas's bounds are far inside the range where `f64` is exact.
        rules.check_number(name, *self as f64)
    }
}

impl<T: Checked> Checked for Vec<T> {
    fn check(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter> {
        rules.check_count(name, self.len())?;
        match rules.items {
            Some(items) => self
                .iter()
                .enumerate()
                .try_for_each(|(index, item)| item.check(&name.item(index), items)),
            None => Ok(()),
        }
    }
}

/// A value the client sends whose item count [`Rules`] can check: an array of values that
/// have no rules of their own (objects, enums).
pub trait Counted {
    /// `name` names the value in errors.
    fn check_count(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter>;
}

impl<T> Counted for Vec<T> {
    fn check_count(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter> {
        rules.check_count(name, self.len())
    }
}

impl<T: Counted> Counted for Option<T> {
    fn check_count(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter> {
        self.as_ref()
            .map_or(Ok(()), |value| value.check_count(name, rules))
    }
}

impl<T: Counted> Counted for crate::Nullable<T> {
    fn check_count(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter> {
        self.value()
            .map_or(Ok(()), |value| value.check_count(name, rules))
    }
}

impl<T: Checked> Checked for Option<T> {
    fn check(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter> {
        self.as_ref()
            .map_or(Ok(()), |value| value.check(name, rules))
    }
}

impl<T: Checked> Checked for crate::Nullable<T> {
    fn check(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter> {
        self.value()
            .map_or(Ok(()), |value| value.check(name, rules))
    }
}

impl<T: Checked + ?Sized> Checked for Box<T> {
    fn check(&self, name: &Path<'_>, rules: &Rules) -> Result<(), InvalidParameter> {
        self.as_ref().check(name, rules)
    }
}

/// Where a checked value sits in what is sent (`body.exports[2].snapshotId`), put into
/// words only when a check fails: a request whose values pass allocates nothing for it.
#[derive(Debug, Clone, Copy)]
pub enum Path<'a> {
    /// A parameter or the body: `groupId`, `body`.
    Name(&'a str),
    /// A property of an object: `body.snapshotId`.
    Field(&'a Path<'a>, &'a str),
    /// An item of an array: `body.ids[1]`.
    Item(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The property `name` of the value here.
    pub fn field(&'a self, name: &'a str) -> Path<'a> {
        Path::Field(self, name)
    }

    /// The item at `index` of the array here.
    pub fn item(&'a self, index: usize) -> Path<'a> {
        Path::Item(self, index)
    }
}

impl<'a> From<&'a str> for Path<'a> {
    fn from(name: &'a str) -> Self {
        Path::Name(name)
    }
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Name(name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Item(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// Checks a request value against the spec's constraints before it is sent.
pub trait Validate {
    /// `path` names the value in errors, e.g. `body.snapshotId`.
    fn validate(&self, path: &Path<'_>) -> Result<(), InvalidParameter>;
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, path: &Path<'_>) -> Result<(), InvalidParameter> {
        self.iter()
            .enumerate()
            .try_for_each(|(index, item)| item.validate(&path.item(index)))
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, path: &Path<'_>) -> Result<(), InvalidParameter> {
        self.as_ref().map_or(Ok(()), |value| value.validate(path))
    }
}

impl<T: Validate> Validate for crate::Nullable<T> {
    fn validate(&self, path: &Path<'_>) -> Result<(), InvalidParameter> {
        self.value().map_or(Ok(()), |value| value.validate(path))
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate(&self, path: &Path<'_>) -> Result<(), InvalidParameter> {
        self.as_ref().validate(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_put_into_words_only_as_written() {
        let body = Path::from("body");
        let ids = body.field("ids");
        let second = ids.item(1);
        assert_eq!(second.field("name").to_string(), "body.ids[1].name");
        assert_eq!(Path::from("groupId").to_string(), "groupId");
    }

    static HEX_ID: Pattern = Pattern::new("^([a-f0-9]{24})$");
    static BROKEN: Pattern = Pattern::new("([a-");

    #[test]
    fn checks_pattern_length_and_emptiness() {
        let rules = Rules {
            pattern: Some(&HEX_ID),
            min_length: Some(1),
            ..Rules::NONE
        };
        assert!(rules
            .check_str(&"groupId".into(), "32b6e34b3d91647abb20e7b8")
            .is_ok());
        let error = rules
            .check_str(&"groupId".into(), "32B6E34B3D91647ABB20E7B8")
            .unwrap_err();
        assert_eq!(
            (error.name(), error.value()),
            ("groupId", "32B6E34B3D91647ABB20E7B8")
        );
        assert!(rules
            .check_str(&"groupId".into(), "")
            .unwrap_err()
            .reason()
            .contains("empty"));
        let lengths = Rules {
            min_length: Some(2),
            max_length: Some(3),
            ..Rules::NONE
        };
        assert!("é".check(&"name".into(), &lengths).is_err());
        assert!("éé".check(&"name".into(), &lengths).is_ok());
        assert!("abcd".check(&"name".into(), &lengths).is_err());
    }

    #[test]
    fn checks_bounds_item_counts_and_each_item() {
        static PAGE: Rules = Rules {
            minimum: Some(Bound {
                value: 1.0,
                exclusive: false,
            }),
            maximum: Some(Bound {
                value: 500.0,
                exclusive: false,
            }),
            ..Rules::NONE
        };
        assert!(1.check(&"itemsPerPage".into(), &PAGE).is_ok());
        assert!(500i64.check(&"itemsPerPage".into(), &PAGE).is_ok());
        let error = 0.check(&"itemsPerPage".into(), &PAGE).unwrap_err();
        assert_eq!((error.value(), error.reason()), ("0", "must be at least 1"));
        assert_eq!(
            501.check(&"itemsPerPage".into(), &PAGE)
                .unwrap_err()
                .reason(),
            "must be at most 500"
        );
        static POSITIVE: Rules = Rules {
            minimum: Some(Bound {
                value: 0.0,
                exclusive: true,
            }),
            ..Rules::NONE
        };
        assert!(0.0f64.check(&"ratio".into(), &POSITIVE).is_err());
        assert!(Some(0.5f64).check(&"ratio".into(), &POSITIVE).is_ok());
        assert!(None::<f64>.check(&"ratio".into(), &POSITIVE).is_ok());
        static IDS: Rules = Rules {
            min_items: Some(1),
            max_items: Some(2),
            items: Some(&Rules {
                pattern: Some(&HEX_ID),
                ..Rules::NONE
            }),
            ..Rules::NONE
        };
        assert!(Vec::<String>::new().check(&"ids".into(), &IDS).is_err());
        assert!(vec!["x".to_owned(); 3].check(&"ids".into(), &IDS).is_err());
        let error = vec!["32b6e34b3d91647abb20e7b8".to_owned(), "nope".to_owned()]
            .check(&"ids".into(), &IDS)
            .unwrap_err();
        assert_eq!(error.name(), "ids[1]");
        assert!(crate::Nullable::<String>::Null
            .check(&"note".into(), &lengths_of_two())
            .is_ok());
    }

    fn lengths_of_two() -> Rules {
        Rules {
            min_length: Some(2),
            ..Rules::NONE
        }
    }

    #[test]
    fn digit_and_word_classes_are_ascii_as_in_ecma_262() {
        static ID: Pattern = Pattern::new(r"^mdb_sa_id_[a-fA-F\d]{24}$");
        assert!(ID.is_match("mdb_sa_id_67f3b8c9d2e1a067f3b8c9d2"));
        assert!(!ID.is_match("mdb_sa_id_67f3b8c9d2e1a067f3b8c9d\u{0661}"));
        static WORDS: Pattern = Pattern::new(r"^\w+\b\s?\d$");
        assert!(WORDS.is_match("abc_1 2"));
        assert!(!WORDS.is_match("ünï 2"));
        assert!(!WORDS.is_match("abc \u{0661}"));
        assert_eq!(
            ecma_classes(r"[\d\s][\w-]\D\\d\b"),
            r"[0-9\s][0-9A-Za-z_-][^0-9]\\d(?-u:\b)"
        );
    }

    /// `^([a-f0-9]{24})$` and `^[a-zA-Z0-9][a-zA-Z0-9-]*$` as the generator writes them.
    static HEX_ID_PIECES: Pattern = Pattern::simple(
        "^([a-f0-9]{24})$",
        &[Piece::new(&[b'0'..=b'9', b'a'..=b'f'], 24, Some(24))],
    );
    static NAME_PIECES: Pattern = Pattern::simple(
        "^[a-zA-Z0-9][a-zA-Z0-9-]*$",
        &[
            Piece::new(&[b'0'..=b'9', b'A'..=b'Z', b'a'..=b'z'], 1, Some(1)),
            Piece::new(
                &[b'-'..=b'-', b'0'..=b'9', b'A'..=b'Z', b'a'..=b'z'],
                0,
                None,
            ),
        ],
    );

    #[test]
    fn simple_patterns_match_without_a_regex_as_the_regex_does() {
        let values = [
            "",
            "32b6e34b3d91647abb20e7b8",
            "32b6e34b3d91647abb20e7b",
            "32b6e34b3d91647abb20e7b80",
            "32B6E34B3D91647ABB20E7B8",
            "32b6e34b3d91647abb20e7b\u{0661}",
            "32b6e34b3d91647abb20e7b8\n",
            "Cluster0",
            "cluster-0-",
            "-cluster",
            "a",
            "é",
            "Clüster",
        ];
        for pattern in [&HEX_ID_PIECES, &NAME_PIECES] {
            let regex = Regex::new(pattern.source()).unwrap();
            assert!(pattern.compiled.get().is_none());
            for value in values {
                assert_eq!(
                    Piece::match_all(pattern.pieces.unwrap(), value),
                    regex.is_match(value),
                    "{} on {value:?}",
                    pattern.source()
                );
                assert_eq!(pattern.is_match(value), regex.is_match(value));
            }
        }
        // The message quotes the spec's pattern, as for a pattern matched by its regex.
        let rules = Rules {
            pattern: Some(&HEX_ID_PIECES),
            ..Rules::NONE
        };
        let error = rules.check_str(&"groupId".into(), "nope").unwrap_err();
        assert_eq!(error.reason(), "must match `^([a-f0-9]{24})$`");
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "disagree")]
    fn debug_builds_check_the_pieces_against_the_regex() {
        static WRONG: Pattern = Pattern::simple("^a+$", &[Piece::new(&[b'a'..=b'b'], 1, None)]);
        WRONG.is_match("ab");
    }

    #[test]
    fn a_pattern_that_does_not_compile_rejects_instead_of_panicking() {
        assert!(!BROKEN.is_match("anything"));
    }
}
