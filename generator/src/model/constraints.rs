//! What the spec allows of a value the client sends, as the model keeps it.

use serde::Serialize;

use super::TypeRef;

/// What the spec allows of a value the client sends: checked before anything is sent, never
/// on what Atlas returns. (`enum` is the value's type; a constraint the client cannot check
/// is left out here, with a warning from lowering.)
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Constraints {
    /// A regular expression the `regex` crate compiles.
    pub pattern: Option<String>,
    /// In characters.
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    /// What each item of an array must satisfy.
    pub items: Option<Box<Constraints>>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }

    /// What of these a value of `ty` can be checked against: string rules on text, bounds on
    /// numbers, item counts on arrays (and item rules on arrays of text or numbers). Other
    /// types are checked by what they are (an enum's values, a date's format).
    pub fn applicable_to(&self, ty: &TypeRef) -> Constraints {
        let scalar = |ty: &TypeRef| {
            matches!(
                ty,
                TypeRef::String | TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64
            )
        };
        match ty {
            TypeRef::String => Constraints {
                pattern: self.pattern.clone(),
                min_length: self.min_length,
                max_length: self.max_length,
                ..Constraints::default()
            },
            TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64 => Constraints {
                minimum: self.minimum,
                maximum: self.maximum,
                ..Constraints::default()
            },
            TypeRef::Vec(item) => Constraints {
                min_items: self.min_items,
                max_items: self.max_items,
                items: self
                    .items
                    .as_ref()
                    .filter(|_| scalar(item))
                    .map(|items| Box::new(items.applicable_to(item)))
                    .filter(|items| !items.is_empty()),
                ..Constraints::default()
            },
            _ => Constraints::default(),
        }
    }

    /// The constraints as reports name them: ``pattern `^a$`, length ..=10, minimum 1``, or
    /// `none`.
    pub fn to_text(&self) -> String {
        let range = |min: Option<usize>, max: Option<usize>| match (min, max) {
            (None, None) => None,
            (min, max) => Some(format!(
                "{}..={}",
                min.map(|min| min.to_string()).unwrap_or_default(),
                max.map(|max| max.to_string()).unwrap_or_default()
            )),
        };
        let bound = |name: &str, bound: &Option<Bound>| {
            bound.map(|bound| {
                let exclusive = if bound.exclusive { " (exclusive)" } else { "" };
                format!("{name} {}{exclusive}", bound.value)
            })
        };
        let parts: Vec<String> = [
            self.pattern
                .as_ref()
                .map(|pattern| format!("pattern `{pattern}`")),
            range(self.min_length, self.max_length).map(|range| format!("length {range}")),
            bound("minimum", &self.minimum),
            bound("maximum", &self.maximum),
            range(self.min_items, self.max_items).map(|range| format!("items {range}")),
            self.items
                .as_ref()
                .map(|items| format!("each item: {}", items.to_text())),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// A numeric bound: `minimum`/`maximum`, possibly exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bound {
    pub value: f64,
    pub exclusive: bool,
}
