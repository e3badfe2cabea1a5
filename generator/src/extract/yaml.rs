//! A small block-style YAML writer for excerpts.
//!
//! serde_yaml's serializer cannot write comments and chooses its own quoting, so the excerpt
//! is written here instead: 4-space indentation, block mappings and sequences (`-   key: …` for
//! a mapping inside a sequence, as upstream writes it), `{}`/`[]` for empty collections,
//! strings plain when that is unambiguous, literal blocks for multi-line text when that is
//! safe, and double quotes with JSON-compatible escapes otherwise. Every choice errs towards
//! quoting: the one property that matters is that parsing the text gives back the same value
//! (tested over the whole upstream spec).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_yaml::{Number, Value};

const INDENT: usize = 4;

/// Comment lines to write right above a mapping key, keyed by the path of mapping keys from
/// the root (the empty path puts them at the top of the document).
pub type Comments = BTreeMap<Vec<String>, Vec<String>>;

/// Writes `value` as a YAML document, with `comments` above the keys they are attached to.
/// Fails (with a message) only for values YAML block style cannot express simply: tagged
/// values, collections as mapping keys and keys too long to be implicit keys.
pub fn to_yaml(value: &Value, comments: &Comments) -> Result<String, String> {
    let mut writer = Writer {
        out: String::new(),
        comments,
    };
    writer.comment(&[], 0);
    let mut path = Vec::new();
    match value {
        Value::Mapping(map) if !map.is_empty() => writer.mapping(map, 0, Some(&mut path))?,
        Value::Sequence(items) if !items.is_empty() => writer.sequence(items, 0)?,
        other => {
            writer.inline(other, 0)?;
            writer.out.push('\n');
        }
    }
    Ok(writer.out)
}

struct Writer<'a> {
    out: String,
    comments: &'a Comments,
}

impl Writer<'_> {
    fn comment(&mut self, path: &[String], indent: usize) {
        for line in self.comments.get(path).into_iter().flatten() {
            pad(&mut self.out, indent);
            if line.is_empty() {
                self.out.push_str("#\n");
            } else {
                let _ = writeln!(self.out, "# {line}");
            }
        }
    }

    /// A non-empty mapping starting on a fresh line at `indent`. `path` is `None` inside
    /// sequences, where no comment can be attached.
    fn mapping(
        &mut self,
        map: &serde_yaml::Mapping,
        indent: usize,
        mut path: Option<&mut Vec<String>>,
    ) -> Result<(), String> {
        for (key, value) in map {
            let key_text = key_text(key)?;
            match (path.as_deref_mut(), key) {
                (Some(path), Value::String(name)) => {
                    path.push(name.clone());
                    self.comment(path, indent);
                    pad(&mut self.out, indent);
                    self.entry(&key_text, value, indent, Some(&mut *path))?;
                    path.pop();
                }
                _ => {
                    pad(&mut self.out, indent);
                    self.entry(&key_text, value, indent, None)?;
                }
            }
        }
        Ok(())
    }

    /// `key: value` after the key's indentation has been written.
    fn entry(
        &mut self,
        key: &str,
        value: &Value,
        indent: usize,
        path: Option<&mut Vec<String>>,
    ) -> Result<(), String> {
        self.out.push_str(key);
        self.out.push(':');
        match value {
            Value::Mapping(map) if !map.is_empty() => {
                self.out.push('\n');
                self.mapping(map, indent + INDENT, path)
            }
            Value::Sequence(items) if !items.is_empty() => {
                self.out.push('\n');
                self.sequence(items, indent + INDENT)
            }
            other => {
                self.out.push(' ');
                self.inline(other, indent)?;
                self.out.push('\n');
                Ok(())
            }
        }
    }

    /// A non-empty sequence, each item starting on a fresh line at `indent`.
    fn sequence(&mut self, items: &[Value], indent: usize) -> Result<(), String> {
        for item in items {
            pad(&mut self.out, indent);
            match item {
                Value::Mapping(map) if !map.is_empty() => {
                    // `-   key: …`: the mapping's keys line up 4 columns in.
                    self.out.push_str("-   ");
                    self.mapping_after_dash(map, indent + INDENT)?;
                }
                Value::Sequence(inner) if !inner.is_empty() => {
                    self.out.push_str("-   ");
                    self.sequence_after_dash(inner, indent + INDENT)?;
                }
                other => {
                    self.out.push_str("- ");
                    self.inline(other, indent)?;
                    self.out.push('\n');
                }
            }
        }
        Ok(())
    }

    /// A mapping whose first key goes on the current line (after `-   `).
    fn mapping_after_dash(
        &mut self,
        map: &serde_yaml::Mapping,
        indent: usize,
    ) -> Result<(), String> {
        for (index, (key, value)) in map.iter().enumerate() {
            if index > 0 {
                pad(&mut self.out, indent);
            }
            self.entry(&key_text(key)?, value, indent, None)?;
        }
        Ok(())
    }

    /// A sequence whose first item goes on the current line (after `-   `).
    fn sequence_after_dash(&mut self, items: &[Value], indent: usize) -> Result<(), String> {
        let start = self.out.len();
        self.sequence(items, indent)?;
        // `sequence` indented the first item as if on a fresh line; it is not.
        self.out.replace_range(start..start + indent, "");
        Ok(())
    }

    /// A value that fits after `key: ` or `- ` (a scalar or an empty collection). Literal
    /// block lines are indented one level deeper than `indent`, the owner's indentation.
    fn inline(&mut self, value: &Value, indent: usize) -> Result<(), String> {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(flag) => self.out.push_str(if *flag { "true" } else { "false" }),
            Value::Number(number) => self.out.push_str(&number_text(number)),
            Value::String(text) => match literal_header(text) {
                Some(header) => {
                    self.out.push_str(header);
                    for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
                        self.out.push('\n');
                        if !line.is_empty() {
                            pad(&mut self.out, indent + INDENT);
                            self.out.push_str(line);
                        }
                    }
                }
                None if is_plain_safe(text) => self.out.push_str(text),
                None => self.out.push_str(&double_quoted(text)),
            },
            Value::Mapping(map) if map.is_empty() => self.out.push_str("{}"),
            Value::Sequence(items) if items.is_empty() => self.out.push_str("[]"),
            Value::Tagged(tagged) => {
                return Err(format!("tagged value `{}` is not supported", tagged.tag))
            }
            Value::Mapping(_) | Value::Sequence(_) => {
                unreachable!("non-empty collections are written in block style by the caller")
            }
        }
        Ok(())
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// How a mapping key is written: like a one-line scalar value, never a literal block.
fn key_text(key: &Value) -> Result<String, String> {
    let text = match key {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number_text(number),
        Value::String(text) if is_plain_safe(text) => text.clone(),
        Value::String(text) => double_quoted(text),
        Value::Sequence(_) | Value::Mapping(_) | Value::Tagged(_) => {
            return Err("a collection or tagged value as a mapping key is not supported".into())
        }
    };
    // YAML limits implicit keys to 1024 characters.
    if text.chars().count() > 1000 {
        return Err(format!(
            "mapping key of {} characters is too long to write",
            text.len()
        ));
    }
    Ok(text)
}

/// Integers as integers; floats in a form every YAML parser reads as a float (`1.0`,
/// `1.5e+300`, `.inf`, `.nan`) that parses back to the same `f64`.
fn number_text(number: &Number) -> String {
    if !number.is_f64() {
        return number.to_string();
    }
    let float = number.as_f64().unwrap_or(f64::NAN);
    if float.is_nan() {
        return ".nan".to_owned();
    }
    if float.is_infinite() {
        return if float > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    // `{:?}` is the shortest text that round-trips, `1.0` or `1e300`; YAML 1.1 readers want
    // a `.` in the mantissa and a sign on the exponent.
    let text = format!("{float:?}");
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let mantissa = if mantissa.contains('.') {
                mantissa.to_owned()
            } else {
                format!("{mantissa}.0")
            };
            let exponent = if exponent.starts_with('-') {
                exponent.to_owned()
            } else {
                format!("+{exponent}")
            };
            format!("{mantissa}e{exponent}")
        }
        None => text,
    }
}

/// Characters that must never appear unescaped: C0/C1 controls, DEL, the Unicode line and
/// paragraph separators (line breaks to YAML 1.1), the BOM and the non-characters.
fn is_special(c: char) -> bool {
    matches!(c, '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

/// Whether `text` can be written as a plain (unquoted) scalar and read back as this same
/// string, by serde_yaml and by YAML 1.1 readers alike.
pub(crate) fn is_plain_safe(text: &str) -> bool {
    let (Some(first), Some(last)) = (text.chars().next(), text.chars().last()) else {
        return false;
    };
    // Indicators, and anything that could start a number (`1`, `+1`, `-1`, `.5`, `.inf`) or
    // a date, are quoted even where a YAML 1.2 reader would see a string.
    if "-?:,[]{}#&*!|>'\"%@`~+. ".contains(first) || first.is_ascii_digit() {
        return false;
    }
    if last == ' ' || last == ':' {
        return false;
    }
    if text.chars().any(is_special) || text.contains(": ") || text.contains(" #") {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    !matches!(
        lower.as_str(),
        "null"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | "inf"
            | "nan"
            | "infinity"
    )
}

/// `|-` or `|` when `text` can be a literal block and read back exactly, else `None`.
fn literal_header(text: &str) -> Option<&'static str> {
    if !text.contains('\n') || text.starts_with(['\n', ' ']) || text.ends_with("\n\n") {
        return None;
    }
    // Tabs and trailing spaces are legal in literal blocks but easy to get wrong (a line of
    // only spaces changes the block's indentation); such text is quoted instead.
    if text
        .chars()
        .any(|c| c != '\n' && (c == '\t' || is_special(c)))
        || text.split('\n').any(|line| line.ends_with(' '))
    {
        return None;
    }
    Some(if text.ends_with('\n') { "|" } else { "|-" })
}

/// A double-quoted scalar with JSON-compatible escapes.
pub(crate) fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if is_special(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: &Value) -> String {
        let text = to_yaml(value, &Comments::new()).expect("writable");
        let back: Value = serde_yaml::from_str(&text)
            .unwrap_or_else(|error| panic!("does not re-parse: {error}\n{text}"));
        assert_eq!(&back, value, "\n{text}");
        text
    }

    const TRICKY: &[&str] = &[
        "",
        " ",
        "plain",
        "two words",
        "true",
        "True",
        "FALSE",
        "yes",
        "No",
        "on",
        "null",
        "Null",
        "~",
        "~tilde",
        "2.0",
        "1",
        "-1",
        "+1",
        "0x1F",
        "0o17",
        "1e3",
        "1_000",
        "012",
        ".5",
        ".inf",
        "-.inf",
        ".NaN",
        "nan",
        "inf",
        "Infinity",
        "2023-01-01",
        "12:30:00",
        "- item",
        "-",
        "--- document",
        "...",
        "? key",
        ": value",
        "key: value",
        "ends with colon:",
        "a:b",
        "# comment",
        "not # a comment",
        "not#comment",
        "[flow]",
        "{flow}",
        "a, b",
        "&anchor",
        "*alias",
        "!tag",
        "|literal",
        ">folded",
        "'single'",
        "\"double\"",
        "%directive",
        "@at",
        "`tick",
        "trailing space ",
        " leading space",
        "tab\there",
        "back\\slash",
        "quote\"inside",
        "apostrophe's",
        "line\nbreak",
        "line\nbreak\n",
        "line\nbreak\n\n",
        "\nleading newline",
        "  indented\nfirst line",
        "first\n  indented second\n\nafter blank",
        "trailing spaces  \nnext",
        "only\n \nspace line",
        "carriage\r\nreturn",
        "nul\0byte",
        "bell\u{7}",
        "del\u{7f}",
        "nel\u{85}",
        "separator\u{2028}here",
        "\u{feff}bom",
        "emoji 🦀 and ünïcödé",
        "^([a-f0-9]{24})$",
        "#/components/schemas/ApiError",
        "/api/atlas/v2/groups/{groupId}",
        "<<",
        "=",
        "a: ",
        "\u{a0}nbsp",
    ];

    #[test]
    fn tricky_strings_round_trip_as_values_and_keys() {
        for text in TRICKY {
            round_trip(&Value::String((*text).to_owned()));
            let mut map = serde_yaml::Mapping::new();
            map.insert(
                Value::String((*text).to_owned()),
                Value::String((*text).to_owned()),
            );
            let nested = Value::Sequence(vec![
                Value::Mapping(map.clone()),
                Value::Mapping(map.clone()),
            ]);
            let mut outer = serde_yaml::Mapping::new();
            outer.insert(Value::String("outer".into()), Value::Mapping(map));
            outer.insert(Value::String("list".into()), nested);
            round_trip(&Value::Mapping(outer));
        }
    }

    #[test]
    fn numbers_round_trip_with_their_type() {
        let numbers: Vec<Value> = vec![
            Value::Number(0.into()),
            Value::Number((-7).into()),
            Value::Number(u64::MAX.into()),
            Value::Number(i64::MIN.into()),
            Value::Number(1.0.into()),
            Value::Number((-0.5).into()),
            Value::Number(1.1991456e9.into()),
            Value::Number(1e300.into()),
            Value::Number(1e-300.into()),
            Value::Number(f64::MIN_POSITIVE.into()),
            Value::Number(0.1.into()),
            Value::Number(f64::INFINITY.into()),
            Value::Number(f64::NEG_INFINITY.into()),
            Value::Number(f64::NAN.into()),
        ];
        for number in &numbers {
            round_trip(number);
        }
        round_trip(&Value::Sequence(numbers));
        assert_eq!(number_text(&Number::from(1e300)), "1.0e+300");
        assert_eq!(number_text(&Number::from(2.5e-10)), "2.5e-10");
    }

    #[test]
    fn nested_collections_and_empties() {
        let value: Value = serde_yaml::from_str(
            "a: {}\nb: []\nc: [[1, [2, {}]], [], {x: [z]}]\nd: {e: {f: null, g: [true, false]}}\n",
        )
        .unwrap();
        let text = round_trip(&value);
        assert_eq!(
            text,
            "a: {}\nb: []\nc:\n    -   - 1\n        -   - 2\n            - {}\n    - []\n    -   x:\n            - z\nd:\n    e:\n        f: null\n        g:\n            - true\n            - false\n"
        );
    }

    #[test]
    fn style_of_strings() {
        let value: Value = serde_yaml::from_str(
            "plain: just text\nquoted: '2.0'\nref: '#/x'\nblock: \"a\\nb\"\nkept: \"a\\nb\\n\"\n",
        )
        .unwrap();
        assert_eq!(
            round_trip(&value),
            "plain: just text\nquoted: \"2.0\"\nref: \"#/x\"\nblock: |-\n    a\n    b\nkept: |\n    a\n    b\n"
        );
    }

    #[test]
    fn comments_sit_above_their_keys() {
        let value: Value = serde_yaml::from_str("a:\n  b: 1\n  c:\n    d: 2\ne: 3\n").unwrap();
        let mut comments = Comments::new();
        comments.insert(vec![], vec!["top".into()]);
        comments.insert(
            vec!["a".into(), "b".into()],
            vec!["why b".into(), String::new()],
        );
        comments.insert(
            vec!["a".into(), "c".into(), "d".into()],
            vec!["why d".into()],
        );
        comments.insert(vec!["e".into()], vec!["why e".into()]);
        let text = to_yaml(&value, &comments).unwrap();
        assert_eq!(
            text,
            "# top\na:\n    # why b\n    #\n    b: 1\n    c:\n        # why d\n        d: 2\n# why e\ne: 3\n"
        );
        assert_eq!(serde_yaml::from_str::<Value>(&text).unwrap(), value);
    }

    #[test]
    fn unsupported_values_are_errors_not_panics() {
        let value: Value = serde_yaml::from_str("? [a]\n: b\n").unwrap();
        assert!(to_yaml(&value, &Comments::new()).is_err());
        let tagged: Value = serde_yaml::from_str("!custom x").unwrap();
        assert!(to_yaml(&tagged, &Comments::new()).is_err());
    }
}
