//! Which parts of upstream an excerpt keeps: the named operations, the path-level pieces they
//! share, and every component reachable from them by `$ref` (or by security requirement).
//!
//! Everything is kept in upstream's order; the excerpt differs from upstream only by what it
//! leaves out. Problems are returned as diagnostics carrying JSON pointers into upstream.

use std::collections::{HashMap, HashSet};

use serde_yaml::{Mapping, Value};

use crate::diagnostics::{child, Diagnostic};

/// The component sections a `$ref` may point into (OpenAPI 3.0).
const COMPONENT_KINDS: &[&str] = &[
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
];

pub(super) const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Root keys an excerpt keeps (in upstream's order); every other root key is dropped and
/// named in the header. `paths`, `components` and `tags` are filtered.
const KEPT_ROOT_KEYS: &[&str] = &[
    "openapi",
    "info",
    "servers",
    "security",
    "externalDocs",
    "paths",
    "components",
    "tags",
];

/// The excerpt as a value, and what the header says about it.
pub struct Excerpt {
    pub document: Value,
    pub dropped_root_keys: Vec<String>,
}

/// An operation of upstream: where it is and the names it answers to.
struct Located<'a> {
    path: &'a str,
    method: &'a str,
}

/// Builds the excerpt of `upstream` (already known to be a mapping) for `operations`.
pub fn excerpt(upstream: &Mapping, operations: &[String]) -> Result<Excerpt, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let empty = Mapping::new();
    let paths = upstream
        .get("paths")
        .and_then(Value::as_mapping)
        .unwrap_or(&empty);

    // Every operation by both of its names.
    let mut all = Vec::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (path, item) in paths {
        let (Some(path), Some(item)) = (path.as_str(), item.as_mapping()) else {
            continue;
        };
        for (method, operation) in item {
            let Some(method) = method.as_str().filter(|m| METHODS.contains(m)) else {
                continue;
            };
            let name = |key: &str| operation.get(key).and_then(Value::as_str);
            let index = all.len();
            all.push(Located { path, method });
            for alias in [name("operationId"), name("x-xgen-operation-id-override")]
                .into_iter()
                .flatten()
            {
                by_name.entry(alias).or_insert(index);
            }
        }
    }

    if operations.is_empty() {
        problems.push(Diagnostic::at(
            "/paths",
            "no operations to extract were given",
        ));
    }
    let mut chosen: HashMap<usize, &str> = HashMap::new();
    for name in operations {
        match by_name.get(name.as_str()) {
            Some(&index) => {
                if let Some(first) = chosen.insert(index, name) {
                    let located = &all[index];
                    problems.push(Diagnostic::at(
                        operation_pointer(located),
                        format!(
                            "operation `{name}` is listed more than once{}",
                            if first == name {
                                String::new()
                            } else {
                                format!(" (also as `{first}`)")
                            }
                        ),
                    ));
                }
            }
            None => problems.push(Diagnostic::at(
                "/paths",
                format!(
                    "no operation `{name}` in upstream (looked for operationId and \
                     x-xgen-operation-id-override){}",
                    suggestion(name, by_name.keys().copied())
                ),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    // The kept paths, each with its kept operations and every non-operation key (shared
    // `parameters`, `summary`, `servers`, …) in upstream order.
    let chosen_at: HashSet<(&str, &str)> = chosen
        .keys()
        .map(|&index| (all[index].path, all[index].method))
        .collect();
    let mut kept_paths = Mapping::new();
    let mut used_tags = HashSet::new();
    let mut closure = Closure::new(upstream);
    for (path, item) in paths {
        let (Some(path_text), Some(item)) = (path.as_str(), item.as_mapping()) else {
            continue;
        };
        let keeps = |method: &str| chosen_at.contains(&(path_text, method));
        if !METHODS.iter().any(|method| keeps(method)) {
            continue;
        }
        let item_pointer = child("/paths", path_text);
        let mut kept_item = Mapping::new();
        for (key, value) in item {
            let key_text = key.as_str().unwrap_or_default();
            if METHODS.contains(&key_text) {
                if !keeps(key_text) {
                    continue;
                }
                for tag in value
                    .get("tags")
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                {
                    used_tags.insert(tag.clone());
                }
                closure.security(value.get("security"), &child(&item_pointer, key_text));
            }
            closure.walk(value, &mut child(&item_pointer, key_text));
            kept_item.insert(key.clone(), value.clone());
        }
        kept_paths.insert(path.clone(), Value::Mapping(kept_item));
    }
    closure.security(upstream.get("security"), "");
    closure.run();
    problems.append(&mut closure.problems);
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut document = Mapping::new();
    let mut dropped_root_keys = Vec::new();
    for (key, value) in upstream {
        let key_text = key.as_str().unwrap_or_default();
        if !KEPT_ROOT_KEYS.contains(&key_text) {
            dropped_root_keys.push(key_text.to_owned());
            continue;
        }
        let kept = match key_text {
            "paths" => Value::Mapping(kept_paths.clone()),
            "components" => {
                let components = closure.components(value);
                if components.is_empty() {
                    continue;
                }
                Value::Mapping(components)
            }
            "tags" => {
                let tags: Vec<Value> = value
                    .as_sequence()
                    .into_iter()
                    .flatten()
                    .filter(|tag| tag.get("name").is_some_and(|name| used_tags.contains(name)))
                    .cloned()
                    .collect();
                if tags.is_empty() {
                    continue;
                }
                Value::Sequence(tags)
            }
            _ => value.clone(),
        };
        document.insert(key.clone(), kept);
    }
    Ok(Excerpt {
        document: Value::Mapping(document),
        dropped_root_keys,
    })
}

/// The name of every operation of `upstream` (its operationId, else its
/// x-xgen-operation-id-override), in upstream order; an operation with neither is an error.
pub fn all_operation_names(upstream: &Mapping) -> Result<Vec<String>, Vec<Diagnostic>> {
    let (mut names, mut problems) = (Vec::new(), Vec::new());
    for (path, item) in upstream
        .get("paths")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
    {
        let (Some(path), Some(item)) = (path.as_str(), item.as_mapping()) else {
            continue;
        };
        for (method, operation) in item {
            let Some(method) = method.as_str().filter(|m| METHODS.contains(m)) else {
                continue;
            };
            let name = ["operationId", "x-xgen-operation-id-override"]
                .into_iter()
                .find_map(|key| operation.get(key).and_then(Value::as_str));
            match name {
                Some(name) => names.push(name.to_owned()),
                None => problems.push(Diagnostic::at(
                    operation_pointer(&Located { path, method }),
                    "this operation has neither operationId nor x-xgen-operation-id-override, \
                     so no operation list can name it",
                )),
            }
        }
    }
    if problems.is_empty() {
        Ok(names)
    } else {
        Err(problems)
    }
}

fn operation_pointer(operation: &Located) -> String {
    child(&child("/paths", operation.path), operation.method)
}

/// ` Did you mean `x`?` for the closest name within a small edit distance, else nothing.
pub(super) fn suggestion<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let limit = (name.chars().count() / 3).max(2);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(&name.to_lowercase(), &candidate.to_lowercase());
        if distance <= limit && best.is_none_or(|(d, c)| (distance, candidate) < (d, c)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| format!("; did you mean `{candidate}`?"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The transitive closure of component references.
struct Closure<'a> {
    upstream: &'a Mapping,
    /// (kind, name) of every component kept, in discovery order.
    kept: HashSet<(String, String)>,
    /// Components still to walk, with the pointer of their definition.
    pending: Vec<(&'a Value, String)>,
    problems: Vec<Diagnostic>,
}

impl<'a> Closure<'a> {
    fn new(upstream: &'a Mapping) -> Self {
        Closure {
            upstream,
            kept: HashSet::new(),
            pending: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn section(&self, kind: &str) -> Option<&'a Mapping> {
        self.upstream.get("components")?.get(kind)?.as_mapping()
    }

    /// Keeps component `kind`/`name` (once: cycles end here) and queues it for walking.
    fn keep(&mut self, kind: &str, name: &str) -> bool {
        let Some(definition) = self.section(kind).and_then(|section| section.get(name)) else {
            return false;
        };
        if self.kept.insert((kind.to_owned(), name.to_owned())) {
            let pointer = child(&child("/components", kind), name);
            self.pending.push((definition, pointer));
        }
        true
    }

    /// Security schemes named by a security requirement list at `pointer`.
    fn security(&mut self, requirements: Option<&Value>, pointer: &str) {
        let pointer = child(pointer, "security");
        for (index, requirement) in requirements
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for scheme in requirement.as_mapping().into_iter().flat_map(Mapping::keys) {
                let name = scheme.as_str().unwrap_or_default();
                if !self.keep("securitySchemes", name) {
                    self.problems.push(Diagnostic::at(
                        child(&child(&pointer, index.to_string()), name),
                        format!("security requirement names `{name}`, which is not in components.securitySchemes"),
                    ));
                }
            }
        }
    }

    /// Walks queued components until none is left.
    fn run(&mut self) {
        while let Some((definition, mut pointer)) = self.pending.pop() {
            self.walk(definition, &mut pointer);
        }
    }

    /// Finds every `$ref` below `value` (at `pointer`, extended and restored in place so the
    /// walk allocates one string per level, not per node).
    fn walk(&mut self, value: &'a Value, pointer: &mut String) {
        match value {
            Value::Mapping(map) => {
                for (key, inner) in map {
                    let key = key.as_str().unwrap_or_default();
                    let length = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    match (key, inner) {
                        ("$ref", Value::String(target)) => self.reference(target, pointer),
                        ("discriminator", discriminator) => {
                            self.mapping(discriminator, pointer);
                            self.walk(inner, pointer);
                        }
                        _ => self.walk(inner, pointer),
                    }
                    pointer.truncate(length);
                }
            }
            Value::Sequence(items) => {
                for (index, inner) in items.iter().enumerate() {
                    let length = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                    self.walk(inner, pointer);
                    pointer.truncate(length);
                }
            }
            Value::Tagged(tagged) => self.walk(&tagged.value, pointer),
            _ => {}
        }
    }

    /// A discriminator's `mapping` values are references too (OpenAPI 3.0: a `#/…` reference
    /// or a bare schema name), though not under a `$ref` key: a variant named only there must
    /// be kept.
    fn mapping(&mut self, discriminator: &Value, pointer: &str) {
        let Some(mapping) = discriminator.get("mapping").and_then(Value::as_mapping) else {
            return;
        };
        for (value, target) in mapping {
            let Some(target) = target.as_str() else {
                continue;
            };
            let at = child(
                &child(pointer, "mapping"),
                value.as_str().unwrap_or_default(),
            );
            if target.starts_with('#') {
                self.reference(target, &at);
            } else {
                self.reference(&format!("#/components/schemas/{target}"), &at);
            }
        }
    }

    fn reference(&mut self, target: &str, pointer: &str) {
        let Some(local) = target.strip_prefix('#') else {
            self.problems.push(Diagnostic::at(
                pointer,
                format!("external reference `{target}` is not supported; an excerpt must be self-contained"),
            ));
            return;
        };
        let tokens: Vec<String> = local
            .split('/')
            .skip(1)
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .collect();
        let (kind, name) = match tokens.as_slice() {
            [components, kind, name, ..]
                if components == "components" && COMPONENT_KINDS.contains(&kind.as_str()) =>
            {
                (kind, name)
            }
            _ => {
                self.problems.push(Diagnostic::at(
                    pointer,
                    format!("reference `{target}` does not point to #/components/<kind>/<name>"),
                ));
                return;
            }
        };
        // A reference below a component (`…/Foo/properties/bar`) keeps the whole component
        // but must still resolve.
        let resolves = self
            .section(kind)
            .and_then(|section| section.get(name))
            .and_then(|definition| {
                tokens[3..]
                    .iter()
                    .try_fold(definition, |node, token| match node {
                        Value::Mapping(map) => map.get(token.as_str()),
                        Value::Sequence(items) => items.get(token.parse::<usize>().ok()?),
                        _ => None,
                    })
            });
        if resolves.is_none() || !self.keep(kind, name) {
            self.problems.push(Diagnostic::at(
                pointer,
                format!("dangling reference `{target}`: upstream has no such component"),
            ));
        }
    }

    /// The kept components, section by section and entry by entry in upstream order.
    fn components(&self, upstream_components: &Value) -> Mapping {
        let mut components = Mapping::new();
        for (kind, section) in upstream_components.as_mapping().into_iter().flatten() {
            let kind_text = kind.as_str().unwrap_or_default();
            let kept: Mapping = section
                .as_mapping()
                .into_iter()
                .flatten()
                .filter(|(name, _)| {
                    let name = name.as_str().unwrap_or_default();
                    self.kept.contains(&(kind_text.to_owned(), name.to_owned()))
                })
                .map(|(name, definition)| (name.clone(), definition.clone()))
                .collect();
            if !kept.is_empty() {
                components.insert(kind.clone(), Value::Mapping(kept));
            }
        }
        components
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_pick_the_closest_name() {
        let names = ["getBackupExport", "createBackupExport", "listClusters"];
        assert_eq!(
            suggestion("getBackupExpot", names.into_iter()),
            "; did you mean `getBackupExport`?"
        );
        assert_eq!(suggestion("somethingElse", names.into_iter()), "");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn discriminator_mappings_are_references() {
        let upstream: Value = serde_yaml::from_str(
            "paths:\n  /p:\n    get:\n      operationId: getPet\n      responses:\n        '200':\n\
             \x20         content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}\n\
             components:\n  schemas:\n\
             \x20   Pet: {discriminator: {propertyName: kind, mapping: {cat: '#/components/schemas/Cat', dog: Dog}}}\n\
             \x20   Cat: {type: object}\n    Dog: {type: object}\n    Unused: {type: object}\n",
        )
        .unwrap();
        let excerpt = excerpt(upstream.as_mapping().unwrap(), &["getPet".to_owned()])
            .unwrap_or_else(|problems| panic!("{problems:?}"));
        let kept: Vec<&str> = excerpt.document["components"]["schemas"]
            .as_mapping()
            .unwrap()
            .keys()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(kept, ["Pet", "Cat", "Dog"]);
    }
}
