//! Decoding and encoding of the generated structs, written once here instead of derived per
//! type.
//!
//! serde's derive keeps undeclared properties only through `#[serde(flatten)]`, which buffers
//! every property it does not recognise as serde's private `Content` and then decodes the
//! rest a second time; per struct it expands to several hundred lines (a field enum with a
//! visitor for every primitive, a map visitor, a sequence visitor), and the generic code is
//! compiled again for each deserializer a value is read with. A generated struct instead
//! implements [`Object`], one `match` on the property name and one `if` per property, and
//! its `Deserialize` calls [`deserialize`]. What the derive did is kept: a declared property
//! twice is an error, a required one missing is an error naming it, `null` for an optional
//! property is "unset", everything else is kept in the struct's unknown-fields map (or its
//! typed `additionalProperties` map) and encoded again after the declared properties.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// A generated struct, decoded property by property from a JSON object.
#[doc(hidden)]
pub trait Object: Sized {
    /// What the value is, for error messages (`struct Foo`).
    const EXPECTING: &'static str;

    /// Reads every property of `map`.
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// `Deserialize::deserialize` of a generated struct: a JSON object read by [`Object::from_map`].
#[doc(hidden)]
pub fn deserialize<'de, T: Object, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_map(map)
    }
}

/// A property name, borrowed from the input when it can be.
#[doc(hidden)]
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned (for an undeclared property, kept).
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a property name")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(value)))
    }
}

/// Reads a declared property's value into `slot`, refusing a second one (as serde's derive
/// does). Each property's arm returns this and the loop applies `?` once, which keeps the
/// generated code to one call per property.
#[doc(hidden)]
pub fn field<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// A required property's value, or the error naming it.
#[doc(hidden)]
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// Keeps an undeclared property (in the unknown-fields map, or a typed
/// `additionalProperties` map).
#[doc(hidden)]
pub fn keep<'de, V: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
    kept: &mut BTreeMap<String, V>,
    key: Key<'de>,
) -> Result<(), A::Error> {
    kept.insert(key.into_string(), map.next_value()?);
    Ok(())
}

/// Keeps an undeclared property in the struct's unknown-fields map; while
/// [`rejecting_unknown`] runs, it is an error naming it instead (`unknown field `name``).
#[doc(hidden)]
pub fn keep_unknown<'de, A: MapAccess<'de>>(
    map: &mut A,
    kept: &mut BTreeMap<String, serde_json::Value>,
    key: Key<'de>,
) -> Result<(), A::Error> {
    if REJECTING_UNKNOWN.get() {
        return Err(unknown(&key));
    }
    keep(map, kept, key)
}

/// Skips an undeclared property (of a struct that is only sent, which keeps none); while
/// [`rejecting_unknown`] runs, it is an error naming it instead.
#[doc(hidden)]
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A, key: Key<'de>) -> Result<(), A::Error> {
    if REJECTING_UNKNOWN.get() {
        return Err(unknown(&key));
    }
    map.next_value::<IgnoredAny>().map(|_| ())
}

fn unknown<E: de::Error>(key: &Key<'_>) -> E {
    E::custom(format_args!("unknown field `{}`", key.as_str()))
}

thread_local! {
    /// Set while [`rejecting_unknown`] runs on this thread.
    static REJECTING_UNKNOWN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `decode` (on this thread) with undeclared properties of generated structs as errors
/// rather than kept or skipped: for a request body a person wrote, where one is a mistake.
/// (A typed `additionalProperties` map still takes any name.)
pub fn rejecting_unknown<T>(decode: impl FnOnce() -> T) -> T {
    /// Clears the flag however `decode` ends.
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            REJECTING_UNKNOWN.set(self.0);
        }
    }
    let _reset = Reset(REJECTING_UNKNOWN.replace(true));
    decode()
}

/// Writes a generated struct as a JSON object: the declared properties in field order (unset
/// optional ones left out), then the kept ones. The first error is held and the writes after
/// it skipped, so the generated code is one call per property with no `?` each.
#[doc(hidden)]
pub struct Writer<S: Serializer> {
    map: S::SerializeMap,
    error: Option<S::Error>,
}

impl<S: Serializer> Writer<S> {
    /// Starts the object.
    pub fn new(serializer: S) -> Result<Self, S::Error> {
        Ok(Writer {
            map: serializer.serialize_map(None)?,
            error: None,
        })
    }

    /// A property that is always sent (`null` when a required nullable one is unset).
    pub fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        if self.error.is_none() {
            self.error = self.map.serialize_entry(name, value).err();
        }
    }

    /// An optional property: left out when unset.
    pub fn optional<T: Serialize>(&mut self, name: &str, value: &Option<T>) {
        if let Some(value) = value {
            self.field(name, value);
        }
    }

    /// The kept properties, after the declared ones.
    pub fn rest<V: Serialize>(&mut self, kept: &BTreeMap<String, V>) {
        for (name, value) in kept {
            self.field(name, value);
        }
    }

    /// Ends the object, or returns the first error.
    pub fn end(self) -> Result<S::Ok, S::Error> {
        match self.error {
            Some(error) => Err(error),
            None => self.map.end(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// What a generated struct with one required, one optional and one nullable-present
    /// property, keeping undeclared ones, writes.
    #[derive(Debug, PartialEq)]
    struct Thing {
        name: String,
        note: Option<String>,
        clear: Option<crate::Nullable<i32>>,
        unknown: BTreeMap<String, Value>,
    }

    impl Serialize for Thing {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut object = Writer::new(serializer)?;
            object.field("name", &self.name);
            object.optional("note", &self.note);
            object.optional("clear", &self.clear);
            object.rest(&self.unknown);
            object.end()
        }
    }

    impl Object for Thing {
        const EXPECTING: &'static str = "struct Thing";

        fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut name: Option<String> = None;
            let mut note: Option<Option<String>> = None;
            let mut clear: Option<crate::Nullable<i32>> = None;
            let mut unknown = BTreeMap::<String, Value>::new();
            while let Some(key) = map.next_key::<Key<'de>>()? {
                match key.as_str() {
                    "name" => field(&mut map, &mut name, "name"),
                    "note" => field(&mut map, &mut note, "note"),
                    "clear" => field(&mut map, &mut clear, "clear"),
                    _ => keep(&mut map, &mut unknown, key),
                }?;
            }
            Ok(Thing {
                name: required(name, "name")?,
                note: note.flatten(),
                clear,
                unknown,
            })
        }
    }

    impl<'de> Deserialize<'de> for Thing {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            super::deserialize(deserializer)
        }
    }

    #[test]
    fn undeclared_properties_are_kept_and_written_after_the_declared_ones() {
        let text = r#"{"zeta":1,"name":"a","extra":{"x":[true]},"note":null}"#;
        let thing: Thing = serde_json::from_str(text).unwrap();
        assert_eq!(thing.name, "a");
        assert_eq!(thing.note, None);
        assert_eq!(thing.clear, None);
        assert_eq!(thing.unknown.len(), 2);
        assert_eq!(
            serde_json::to_string(&thing).unwrap(),
            r#"{"name":"a","extra":{"x":[true]},"zeta":1}"#
        );
        // The same from a `Value` (how unions decode their variants), owned and borrowed.
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(Thing::deserialize(&value).unwrap(), thing);
        assert_eq!(serde_json::from_value::<Thing>(value).unwrap(), thing);
    }

    #[test]
    fn a_present_null_is_kept_apart_from_an_absent_property() {
        let thing: Thing = serde_json::from_value(json!({"name": "a", "clear": null})).unwrap();
        assert_eq!(thing.clear, Some(crate::Nullable::Null));
        assert_eq!(
            serde_json::to_value(&thing).unwrap(),
            json!({"name": "a", "clear": null})
        );
    }

    #[test]
    fn errors_are_the_ones_serde_derive_gives() {
        let error = |text: &str| serde_json::from_str::<Thing>(text).unwrap_err().to_string();
        assert!(error(r#"{"note":"x"}"#).starts_with("missing field `name`"));
        assert!(error(r#"{"name":"a","name":"b"}"#).starts_with("duplicate field `name`"));
        assert!(
            error(r#""text""#).starts_with("invalid type: string \"text\", expected struct Thing")
        );
        assert!(error(r#"{"name":1}"#).starts_with("invalid type: integer `1`, expected a string"));
    }

    #[test]
    fn an_escaped_property_name_is_read_as_its_text() {
        let thing: Thing = serde_json::from_str(r#"{"n\u0061me":"a","\u00e9":2}"#).unwrap();
        assert_eq!(thing.name, "a");
        assert_eq!(thing.unknown.get("é"), Some(&json!(2)));
    }
}
