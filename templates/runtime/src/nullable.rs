//! `Nullable<T>`: a value that may be sent as an explicit JSON `null`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value or an explicit JSON `null`, for an optional request field that `null` clears.
///
/// Such a field is an `Option<Nullable<T>>`, so each of the three things a request can say is
/// written one way and sent exactly so:
///
/// | Field | Sent |
/// |---|---|
/// | `None` | the property is left out: Atlas keeps what it has |
/// | `Some(Nullable::Null)` | `"property": null`: Atlas clears it |
/// | `Some(Nullable::Value(v))` | `"property": v` |
///
/// Decoding reads a `null` as `Some(Nullable::Null)` and an absent property as `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Nullable<T> {
    /// An explicit JSON `null`.
    Null,
    /// A value.
    Value(T),
}

impl<T> Nullable<T> {
    /// The value, unless this is `Null`.
    pub fn value(&self) -> Option<&T> {
        match self {
            Nullable::Null => None,
            Nullable::Value(value) => Some(value),
        }
    }

    /// The value, unless this is `Null`.
    pub fn into_value(self) -> Option<T> {
        match self {
            Nullable::Null => None,
            Nullable::Value(value) => Some(value),
        }
    }

    /// Whether this is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Nullable::Value(value)
    }
}

/// So a setter taking `impl Into<Nullable<String>>` takes a literal as a `String` setter
/// does: `.comment("nightly")` as well as `.comment(Nullable::Null)`.
impl From<&str> for Nullable<String> {
    fn from(value: &str) -> Self {
        Nullable::Value(value.to_owned())
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Null => serializer.serialize_none(),
            Nullable::Value(value) => value.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer)
            .map(|value| value.map_or(Nullable::Null, Nullable::Value))
    }
}

/// Decodes an `Option<Nullable<T>>` field, where serde alone would read `null` as `None`: a
/// present property (`null` included) is `Some`. Used with `#[serde(default)]`, which makes
/// an absent one `None`.
#[doc(hidden)]
pub fn deserialize_present<'de, D, T>(deserializer: D) -> Result<Option<Nullable<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Nullable::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Patch {
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "deserialize_present"
        )]
        note: Option<Nullable<String>>,
    }

    /// What a generated setter of an optional nullable field does with its argument.
    fn set<T>(value: impl Into<Nullable<T>>) -> Option<Nullable<T>> {
        Some(value.into())
    }

    #[test]
    fn a_value_a_literal_and_null_each_convert() {
        assert_eq!(set("x"), Some(Nullable::Value("x".to_owned())));
        assert_eq!(
            set(String::from("x")),
            Some(Nullable::Value("x".to_owned()))
        );
        assert_eq!(set::<String>(Nullable::Null), Some(Nullable::Null));
        assert_eq!(set(7_i64), Some(Nullable::Value(7_i64)));
        let note: Option<Nullable<String>> = set(Nullable::Null);
        assert_eq!(note, Some(Nullable::Null));
        // As a setter's parameter type fixes `T`: an unsuffixed literal and a bare `Null`.
        fn size(value: impl Into<Nullable<i64>>) -> Option<Nullable<i64>> {
            Some(value.into())
        }
        assert_eq!(size(7), Some(Nullable::Value(7)));
        assert_eq!(size(Nullable::Null), Some(Nullable::Null));
    }

    #[test]
    fn absent_null_and_value_are_each_sent_and_read_exactly_so() {
        let cases = [
            (Patch { note: None }, "{}"),
            (
                Patch {
                    note: Some(Nullable::Null),
                },
                r#"{"note":null}"#,
            ),
            (
                Patch {
                    note: Some(Nullable::Value("x".into())),
                },
                r#"{"note":"x"}"#,
            ),
        ];
        for (patch, json) in cases {
            assert_eq!(serde_json::to_string(&patch).unwrap(), json);
            assert_eq!(serde_json::from_str::<Patch>(json).unwrap(), patch);
        }
    }
}
