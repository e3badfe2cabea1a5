//! Inputs for the "never panics" guarantee: the harnesses the fuzz targets
//! (`generator/fuzz/`) run, and that `generator/tests/integration/fuzz_replay.rs` replays on stable Rust
//! over the committed corpus. Not part of generation.
//!
//! Two harnesses:
//! - [`arbitrary_text`]: any bytes, as (lossy) UTF-8 text, through the whole pipeline;
//! - [`mutated_spec`]: the real spec with structure-aware mutations chosen by the bytes
//!   (drop or retype a node, break a `$ref`, inject odd names, nest deeply, duplicate a
//!   subtree), serialized back to YAML, loaded and lowered.
//!
//! Both only require that generation returns (output or diagnostics) instead of panicking.

use std::sync::OnceLock;

use serde_yaml::{Mapping, Value};

/// The spec the structure-aware mutations start from.
const SEED_SPEC: &str = include_str!("../../spec/atlas-backups.yaml");

/// Runs `bytes` (read as text) through load, lower and emit.
pub fn arbitrary_text(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = crate::generate("fuzz.yaml", &text, &crate::GenerationSettings::default());
}

/// Applies the mutations `bytes` describe to the seed spec, then loads and lowers the result
/// (emission of a spec that lowers is covered by the construct fixtures and `arbitrary_text`;
/// leaving it out here makes each run many times cheaper).
pub fn mutated_spec(bytes: &[u8]) {
    let text = mutate(bytes);
    let _ = crate::model("fuzz.yaml", &text, &Default::default());
}

/// The mutated spec as YAML text (exposed so a crash can be reproduced and inspected).
pub fn mutate(bytes: &[u8]) -> String {
    static SEED: OnceLock<Value> = OnceLock::new();
    let mut document = SEED
        .get_or_init(|| serde_yaml::from_str(SEED_SPEC).unwrap_or(Value::Null))
        .clone();
    let mut input = Bytes(bytes);
    let rounds = input.next() % 8 + 1;
    for _ in 0..rounds {
        let Some(target) = random_path(&document, &mut input) else {
            break;
        };
        let operation = input.next() % 6;
        let replacement = match operation {
            0 => None,
            1 => Some(retyped(input.next())),
            2 => Some(Value::from(
                BROKEN_REFS[usize::from(input.next()) % BROKEN_REFS.len()],
            )),
            3 => {
                rename_key(
                    &mut document,
                    &target,
                    ODD_NAMES[usize::from(input.next()) % ODD_NAMES.len()],
                );
                continue;
            }
            4 => Some(nested(usize::from(input.next()))),
            _ => random_path(&document, &mut input)
                .and_then(|source| node(&document, &source).cloned()),
        };
        replace(&mut document, &target, replacement);
    }
    serde_yaml::to_string(&document).unwrap_or_default()
}

const BROKEN_REFS: &[&str] = &[
    "#/components/schemas/DoesNotExist",
    "other.yaml#/components/schemas/Link",
    "#/",
    "#/components/parameters/groupId",
    "#/components/schemas/Link/properties/href",
    "",
];

const ODD_NAMES: &[&str] = &[
    "",
    "type",
    "self",
    "Self",
    "1abc",
    "a b",
    "ünïcödé",
    "{x}",
    "$ref",
    "x-",
    "__",
    "r#try",
    "200",
    "get",
];

/// Reads the fuzzer's bytes as a stream of choices (zeros once exhausted).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((first, rest)) => {
                self.0 = rest;
                *first
            }
            None => 0,
        }
    }

    fn next_u16(&mut self) -> u16 {
        u16::from_le_bytes([self.next(), self.next()])
    }
}

/// One step into a YAML tree.
#[derive(Clone)]
enum Step {
    Key(Value),
    Index(usize),
}

/// A path to a node below the root, chosen by walking down from it: at each level the input
/// says whether to stop here or which child to enter (so the cost is the depth, not the size).
fn random_path(root: &Value, input: &mut Bytes<'_>) -> Option<Vec<Step>> {
    let mut path = Vec::new();
    let mut value = root;
    loop {
        let stop = !path.is_empty() && input.next() % 4 == 0;
        let next = match value {
            _ if stop => None,
            Value::Mapping(mapping) if !mapping.is_empty() => {
                let index = usize::from(input.next_u16()) % mapping.len();
                mapping
                    .iter()
                    .nth(index)
                    .map(|(key, child)| (Step::Key(key.clone()), child))
            }
            Value::Sequence(items) if !items.is_empty() => {
                let index = usize::from(input.next_u16()) % items.len();
                Some((Step::Index(index), &items[index]))
            }
            _ => None,
        };
        match next {
            Some((step, child)) => {
                path.push(step);
                value = child;
            }
            None => return (!path.is_empty()).then_some(path),
        }
    }
}

fn node<'v>(root: &'v Value, path: &[Step]) -> Option<&'v Value> {
    path.iter()
        .try_fold(root, |value, step| match (value, step) {
            (Value::Mapping(mapping), Step::Key(key)) => mapping.get(key),
            (Value::Sequence(items), Step::Index(index)) => items.get(*index),
            _ => None,
        })
}

fn parent_mut<'v>(root: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    let (_, parent_path) = path.split_last()?;
    parent_path
        .iter()
        .try_fold(root, |value, step| match (value, step) {
            (Value::Mapping(mapping), Step::Key(key)) => mapping.get_mut(key),
            (Value::Sequence(items), Step::Index(index)) => items.get_mut(*index),
            _ => None,
        })
}

/// Replaces the node at `path` (or removes it, for `None`).
fn replace(root: &mut Value, path: &[Step], replacement: Option<Value>) {
    let Some(last) = path.last().cloned() else {
        return;
    };
    match (parent_mut(root, path), last, replacement) {
        (Some(Value::Mapping(mapping)), Step::Key(key), Some(value)) => {
            mapping.insert(key, value);
        }
        (Some(Value::Mapping(mapping)), Step::Key(key), None) => {
            mapping.remove(&key);
        }
        (Some(Value::Sequence(items)), Step::Index(index), Some(value)) if index < items.len() => {
            items[index] = value;
        }
        (Some(Value::Sequence(items)), Step::Index(index), None) if index < items.len() => {
            items.remove(index);
        }
        _ => {}
    }
}

fn rename_key(root: &mut Value, path: &[Step], name: &str) {
    if let (Some(Value::Mapping(mapping)), Some(Step::Key(key))) =
        (parent_mut(root, path), path.last())
    {
        if let Some(value) = mapping.remove(key) {
            mapping.insert(Value::from(name), value);
        }
    }
}

fn retyped(choice: u8) -> Value {
    match choice % 7 {
        0 => Value::from("x"),
        1 => Value::from(1.5),
        2 => Value::from(-7),
        3 => Value::from(true),
        4 => Value::Null,
        5 => Value::Sequence(Vec::new()),
        _ => Value::Mapping(Mapping::new()),
    }
}

/// Alternately nested mappings and sequences, `depth` levels deep.
fn nested(depth: usize) -> Value {
    (0..depth).fold(Value::from("leaf"), |inner, level| {
        if level % 2 == 0 {
            let mut mapping = Mapping::new();
            mapping.insert(Value::from("items"), inner);
            Value::Mapping(mapping)
        } else {
            Value::Sequence(vec![inner])
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_change_the_spec_and_never_panic() {
        assert!(!mutate(&[]).is_empty());
        let mut changed = 0;
        for seed in 0u8..=255 {
            let bytes = [
                seed,
                seed.wrapping_mul(31),
                seed.wrapping_add(7),
                seed ^ 0x5a,
                3,
                seed,
                1,
                9,
            ];
            let text = mutate(&bytes);
            if serde_yaml::from_str::<Value>(&text).ok()
                != serde_yaml::from_str::<Value>(SEED_SPEC).ok()
            {
                changed += 1;
            }
            mutated_spec(&bytes);
            arbitrary_text(&bytes);
        }
        assert!(
            changed > 200,
            "only {changed} of 256 inputs changed the spec"
        );
    }
}
