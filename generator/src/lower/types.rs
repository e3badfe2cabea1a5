//! Model types from schemas: one Rust type per schema and direction that needs one.
//!
//! A schema used both in requests and in responses becomes two types when `readOnly` or
//! `writeOnly` properties (anywhere below it) make the two views differ: `Foo` for responses
//! and `FooRequest` for requests. Otherwise it is one type. Component names are claimed
//! first, in sorted order, so inline types (named `<Parent><Property>`) never take a
//! component's name.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{AdditionalProperties, OpenAPI, Schema};

use super::examples::Found;
use super::refs::{self, SchemaRef};
use super::shape::{shape, Properties, Shape};
use crate::diagnostics::{child, Diagnostic};
use crate::model::{
    Direction, EnumDef, EnumVariant, ExampleTarget, Field, StructDef, TypeDef, TypeRef, UnionDef,
    UnionVariant,
};
use crate::naming::{pascal, snake, Scope};

/// Registry of the model types lowered so far.
pub struct Types<'a> {
    openapi: &'a OpenAPI,
    /// Directions each component schema (by pointer) is reached in.
    usage: BTreeMap<String, BTreeSet<Direction>>,
    sensitive: BTreeMap<String, bool>,
    /// (component pointer, direction) -> type name.
    names: BTreeMap<(String, Direction), String>,
    scope: Scope,
    defined: BTreeSet<String>,
    pub defs: BTreeMap<String, TypeDef>,
    /// Warnings by pointer (reported once however often the schema is lowered).
    pub warnings: BTreeMap<String, Diagnostic>,
    /// How many single-member `allOf`/`oneOf` aliases are being followed right now.
    alias_depth: usize,
    /// How deep [`Types::kind`] is in classifying single-member `allOf`s right now.
    kind_depth: std::cell::Cell<usize>,
    /// Inline string enums by their values: the same list of values is one type.
    inline_enums: BTreeMap<Vec<String>, String>,
    /// Examples found so far (schemas here; parameters and media types add theirs).
    pub examples: Found,
}

/// How deep `allOf` may nest before it is reported as a cycle.
const MAX_ALL_OF_DEPTH: usize = 32;

/// The properties of an object schema, with `allOf` members merged in.
#[derive(Default)]
struct ObjectView<'a> {
    /// Property name -> schema and its pointer; a later `allOf` member overrides an earlier.
    properties: BTreeMap<String, (SchemaRef<'a>, String)>,
    required: BTreeSet<String>,
    /// `additionalProperties` given as a schema, with its pointer.
    additional: Option<(SchemaRef<'a>, String)>,
}

/// What a schema becomes in Rust.
enum Kind<'a> {
    /// An open string enum (a string `enum`, or a `oneOf` of them), values in spec order.
    Enum(Vec<String>),
    /// A struct from properties (and `allOf` members).
    Struct(ObjectView<'a>),
    /// One of several types.
    Union(Vec<Member<'a>>, Option<String>),
    /// The same type as another schema (`allOf`/`oneOf` of exactly one member).
    Alias(SchemaRef<'a>, String),
    /// Anything else: scalars, arrays, maps, free-form values.
    Plain,
}

/// One member of a union: its schema, pointer and the discriminator values that select it.
struct Member<'a> {
    schema: SchemaRef<'a>,
    at: String,
    tags: Vec<String>,
}

/// The parts of a property that decide whether it exists in a direction.
struct PropertyFlags {
    read_only: bool,
    write_only: bool,
    nullable: bool,
    deprecated: bool,
    description: Option<String>,
}

impl<'a> Types<'a> {
    /// `roots` are the schemas operations use directly, with the direction each travels in.
    pub fn new(openapi: &'a OpenAPI, roots: &[(SchemaRef<'a>, Direction, String)]) -> Self {
        let mut types = Types {
            openapi,
            usage: BTreeMap::new(),
            sensitive: BTreeMap::new(),
            names: BTreeMap::new(),
            // Model types share a module with the prelude's names; never shadow them.
            scope: Scope::with_reserved(&[
                "Box", "Err", "None", "Ok", "Option", "Result", "Some", "String", "Vec",
            ]),
            defined: BTreeSet::new(),
            defs: BTreeMap::new(),
            inline_enums: BTreeMap::new(),
            alias_depth: 0,
            kind_depth: std::cell::Cell::new(0),
            warnings: BTreeMap::new(),
            examples: Found::new(),
        };
        let mut visited = BTreeSet::new();
        for (schema, direction, at) in roots {
            types.record_usage(*schema, *direction, at, &mut visited);
        }
        types.claim_component_names();
        types
    }

    fn resolve(&self, schema: SchemaRef<'a>, at: &str) -> Result<(String, &'a Schema), Diagnostic> {
        refs::schema(self.openapi, schema, at)
    }

    fn flags(&self, schema: SchemaRef<'a>, at: &str) -> PropertyFlags {
        match self.resolve(schema, at) {
            Ok((_, resolved)) => PropertyFlags {
                read_only: resolved.schema_data.read_only,
                write_only: resolved.schema_data.write_only,
                nullable: resolved.schema_data.nullable,
                deprecated: resolved.schema_data.deprecated,
                description: resolved.schema_data.description.clone(),
            },
            Err(_) => PropertyFlags {
                read_only: false,
                write_only: false,
                nullable: false,
                deprecated: false,
                description: None,
            },
        }
    }

    /// Whether a property exists in `direction`.
    fn present(flags: &PropertyFlags, direction: Direction) -> bool {
        match direction {
            Direction::Request => !flags.read_only,
            Direction::Response => !flags.write_only,
        }
    }

    /// The schemas directly below `schema` (properties present in `direction`, union members,
    /// items, additional properties), with their pointers. Errors are left to lowering.
    fn children(
        &self,
        schema: &'a Schema,
        at: &str,
        direction: Option<Direction>,
    ) -> Vec<(SchemaRef<'a>, String, PropertyFlags)> {
        let mut out = Vec::new();
        let mut push = |schema: SchemaRef<'a>, pointer: String, only_if_present: bool| {
            let flags = self.flags(schema, &pointer);
            if !only_if_present
                || direction.is_none_or(|direction| Self::present(&flags, direction))
            {
                out.push((schema, pointer, flags));
            }
        };
        match self.kind(schema, at) {
            Ok(Kind::Struct(view)) => {
                for (property, pointer) in view.properties.into_values() {
                    push(property, pointer, true);
                }
                if let Some((additional, pointer)) = view.additional {
                    push(additional, pointer, false);
                }
            }
            Ok(Kind::Union(members, _)) => {
                for member in members {
                    push(member.schema, member.at, false);
                }
            }
            Ok(Kind::Alias(target, pointer)) => push(target, pointer, false),
            Ok(Kind::Enum(_)) | Err(_) => {}
            Ok(Kind::Plain) => match shape(schema, at) {
                Ok(Shape::Array { items: Some(items) }) => push(items, child(at, "items"), false),
                Ok(Shape::Object {
                    additional: Some(AdditionalProperties::Schema(value)),
                    ..
                }) => push(
                    SchemaRef::from(value.as_ref()),
                    child(at, "additionalProperties"),
                    false,
                ),
                _ => {}
            },
        }
        out
    }

    /// Merges the properties of `schema` (found at `at`) into `view`, following `allOf`.
    fn collect_object(
        &self,
        schema: &'a Schema,
        at: &str,
        view: &mut ObjectView<'a>,
        depth: usize,
    ) -> Result<(), Diagnostic> {
        if depth > MAX_ALL_OF_DEPTH {
            return Err(Diagnostic::at(
                child(at, "allOf"),
                "`allOf` members nest too deeply (a cycle of `allOf` references?)",
            ));
        }
        fn own<'a>(
            view: &mut ObjectView<'a>,
            at: &str,
            properties: Option<&'a Properties>,
            required: &'a [String],
        ) {
            for (name, property) in properties.into_iter().flatten() {
                let pointer = child(&child(at, "properties"), name);
                view.properties
                    .insert(name.clone(), (SchemaRef::from(property), pointer));
            }
            view.required.extend(required.iter().cloned());
        }
        match shape(schema, at)? {
            Shape::Object {
                properties,
                required,
                additional,
            } => {
                own(view, at, Some(properties), required);
                if let Some(AdditionalProperties::Schema(value)) = additional {
                    view.additional = Some((
                        SchemaRef::from(value.as_ref()),
                        child(at, "additionalProperties"),
                    ));
                }
            }
            Shape::AllOf {
                members,
                properties,
                required,
            } => {
                for (index, member) in members.into_iter().enumerate() {
                    let member_at = child(&child(at, "allOf"), index.to_string());
                    let (pointer, resolved) = self.resolve(member, &member_at)?;
                    self.collect_object(resolved, &pointer, view, depth + 1)?;
                }
                own(view, at, properties, required);
            }
            // A polymorphic base inside `allOf`: its own properties are the shared part.
            Shape::OneOf {
                properties,
                required,
                ..
            } => own(view, at, properties, required),
            Shape::Any => {}
            _ => {
                return Err(Diagnostic::at(
                    at,
                    "an `allOf` member must be an object schema",
                ))
            }
        }
        Ok(())
    }

    /// Classifies `schema` (found at `at`).
    fn kind(&self, schema: &'a Schema, at: &str) -> Result<Kind<'a>, Diagnostic> {
        // Classifying an `allOf` of one member classifies the member: a schema that is its
        // own only member would recurse forever.
        if self.kind_depth.get() >= MAX_ALL_OF_DEPTH {
            return Err(Diagnostic::at(
                at,
                "`allOf`/`oneOf` of a single member refers back to itself (a cycle of aliases)",
            ));
        }
        self.kind_depth.set(self.kind_depth.get() + 1);
        let kind = self.classify(schema, at);
        self.kind_depth.set(self.kind_depth.get() - 1);
        kind
    }

    fn classify(&self, schema: &'a Schema, at: &str) -> Result<Kind<'a>, Diagnostic> {
        match shape(schema, at)? {
            Shape::String { enumeration, .. } if !enumeration.is_empty() => {
                Ok(Kind::Enum(enumeration))
            }
            Shape::Object { properties, .. } => {
                if let Some(members) = self.mapped_members(schema, at)? {
                    return Ok(Kind::Union(members.0, Some(members.1)));
                }
                if properties.is_empty() {
                    return Ok(Kind::Plain);
                }
                let mut view = ObjectView::default();
                self.collect_object(schema, at, &mut view, 0)?;
                Ok(Kind::Struct(view))
            }
            Shape::AllOf {
                members,
                properties,
                ..
            } => {
                if let Some(members) = self.mapped_members(schema, at)? {
                    return Ok(Kind::Union(members.0, Some(members.1)));
                }
                // `allOf` of one schema is that schema, unless it is a polymorphic base: then
                // `allOf` takes only its properties (a subtype that adds nothing, such as
                // upstream's `DefaultScheduleView`), not the choice between its subtypes, which
                // would contain the subtype itself.
                if members.len() == 1 && properties.is_none() {
                    let member_at = child(&child(at, "allOf"), "0");
                    let (pointer, member) = self.resolve(members[0], &member_at)?;
                    if !matches!(self.kind(member, &pointer)?, Kind::Union(..)) {
                        return Ok(Kind::Alias(members[0], member_at));
                    }
                }
                let mut view = ObjectView::default();
                self.collect_object(schema, at, &mut view, 0)?;
                Ok(Kind::Struct(view))
            }
            Shape::OneOf { members, .. } => self.union_kind(schema, at, &members),
            _ => Ok(Kind::Plain),
        }
    }

    /// A base schema with a `discriminator` mapping and no `oneOf`: where it is used, any of
    /// the mapped schemas may appear. Returns them (by tag order) and the property name.
    fn mapped_members(
        &self,
        schema: &'a Schema,
        at: &str,
    ) -> Result<Option<(Vec<Member<'a>>, String)>, Diagnostic> {
        let Some(discriminator) = &schema.schema_data.discriminator else {
            return Ok(None);
        };
        let mapping = &discriminator.mapping;
        if mapping.is_empty() {
            return Ok(None);
        }
        let mut members: Vec<Member<'a>> = Vec::new();
        for (tag, reference) in mapping.iter() {
            let mapping_at = child(&child(&child(at, "discriminator"), "mapping"), tag);
            let (pointer, _) = self.resolve(SchemaRef::Ref(reference), &mapping_at)?;
            if pointer == at {
                // The base maps a tag to itself: not a union but a plain struct.
                return Ok(None);
            }
            match members.iter_mut().find(|member| member.at == pointer) {
                Some(member) => member.tags.push(tag.clone()),
                None => members.push(Member {
                    schema: SchemaRef::Ref(reference),
                    at: pointer,
                    tags: vec![tag.clone()],
                }),
            }
        }
        Ok(Some((members, discriminator.property_name.clone())))
    }

    fn union_kind(
        &self,
        schema: &'a Schema,
        at: &str,
        members: &[SchemaRef<'a>],
    ) -> Result<Kind<'a>, Diagnostic> {
        let keyword = if matches!(&schema.schema_kind, openapiv3::SchemaKind::AnyOf { .. })
            || matches!(&schema.schema_kind, openapiv3::SchemaKind::Any(any) if !any.any_of.is_empty())
        {
            "anyOf"
        } else {
            "oneOf"
        };
        let list_at = child(at, keyword);
        if members.is_empty() {
            return Err(Diagnostic::at(
                list_at,
                format!("`{keyword}` has no members"),
            ));
        }
        // A choice between strings (typically region or event-type enums per cloud provider)
        // is one open string enum with every value.
        let mut values = Vec::new();
        let mut all_enums = true;
        let mut all_strings = true;
        let mut resolved = Vec::new();
        for (index, member) in members.iter().enumerate() {
            let member_at = child(&list_at, index.to_string());
            let (pointer, member_schema) = self.resolve(*member, &member_at)?;
            match shape(member_schema, &pointer)? {
                Shape::String { enumeration, .. } => {
                    all_enums &= !enumeration.is_empty();
                    values.extend(enumeration);
                }
                _ => {
                    all_enums = false;
                    all_strings = false;
                }
            }
            resolved.push((*member, pointer, member_schema));
        }
        if all_strings {
            return Ok(if all_enums {
                Kind::Enum(values)
            } else {
                Kind::Plain
            });
        }
        if members.len() == 1 {
            if let Some(discriminator) = &schema.schema_data.discriminator {
                for (tag, reference) in &discriminator.mapping {
                    let mapping_at = child(&child(&child(at, "discriminator"), "mapping"), tag);
                    let (pointer, _) = self.resolve(SchemaRef::Ref(reference), &mapping_at)?;
                    if pointer != resolved[0].1 {
                        return Err(Diagnostic::at(
                            mapping_at,
                            format!("discriminator value `{tag}` maps to `{reference}`, which is not one of the `{keyword}` members"),
                        ));
                    }
                }
            }
            let (member, pointer, _) = resolved.remove(0);
            return Ok(Kind::Alias(member, pointer));
        }
        let mut union: Vec<Member<'a>> = resolved
            .iter()
            .map(|(member, pointer, _)| Member {
                schema: *member,
                at: pointer.clone(),
                tags: Vec::new(),
            })
            .collect();
        if let Some(discriminator) = &schema.schema_data.discriminator {
            for (tag, reference) in &discriminator.mapping {
                let mapping_at = child(&child(&child(at, "discriminator"), "mapping"), tag);
                let (pointer, _) = self.resolve(SchemaRef::Ref(reference), &mapping_at)?;
                match union.iter_mut().find(|member| member.at == pointer) {
                    Some(member) => member.tags.push(tag.clone()),
                    None => {
                        return Err(Diagnostic::at(
                            mapping_at,
                            format!("discriminator value `{tag}` maps to `{reference}`, which is not one of the `{keyword}` members"),
                        ))
                    }
                }
            }
            // Members the mapping does not name are selected by their component name.
            for member in &mut union {
                if member.tags.is_empty() {
                    if let SchemaRef::Ref(reference) = member.schema {
                        let name = reference.rsplit('/').next().unwrap_or_default();
                        member.tags.push(name.to_owned());
                    }
                }
            }
            if union.iter().all(|member| !member.tags.is_empty()) {
                return Ok(Kind::Union(
                    union,
                    Some(discriminator.property_name.clone()),
                ));
            }
            return Err(Diagnostic::at(
                child(at, "discriminator"),
                "a discriminated union needs every member to be a `$ref` or named in the mapping",
            ));
        }
        let inferred = self.infer_discriminator(&resolved);
        if let Some((property, tags)) = inferred {
            for (member, tags) in union.iter_mut().zip(tags) {
                member.tags = tags;
            }
            return Ok(Kind::Union(union, Some(property)));
        }
        Ok(Kind::Union(union, None))
    }

    /// A property every member declares as a string enum, with value sets that tell the
    /// members apart: the members' own tag. First such property by name.
    fn infer_discriminator(
        &self,
        members: &[(SchemaRef<'a>, String, &'a Schema)],
    ) -> Option<(String, Vec<Vec<String>>)> {
        let mut per_member: Vec<BTreeMap<String, Vec<String>>> = Vec::new();
        for (_, pointer, schema) in members {
            let mut view = ObjectView::default();
            self.collect_object(schema, pointer, &mut view, 0).ok()?;
            let mut enums = BTreeMap::new();
            for (name, (property, property_at)) in view.properties {
                let Ok((resolved_at, resolved)) = self.resolve(property, &property_at) else {
                    continue;
                };
                if let Ok(Shape::String { enumeration, .. }) = shape(resolved, &resolved_at) {
                    if !enumeration.is_empty() {
                        enums.insert(name, enumeration);
                    }
                }
            }
            per_member.push(enums);
        }
        let first = per_member.first()?;
        'candidates: for name in first.keys() {
            let mut seen = BTreeSet::new();
            let mut tags = Vec::new();
            for enums in &per_member {
                let values = enums.get(name)?.clone();
                for value in &values {
                    if !seen.insert(value.clone()) {
                        continue 'candidates;
                    }
                }
                tags.push(values);
            }
            return Some((name.clone(), tags));
        }
        None
    }

    fn record_usage(
        &mut self,
        schema: SchemaRef<'a>,
        direction: Direction,
        at: &str,
        visited: &mut BTreeSet<(String, Direction)>,
    ) {
        let Ok((pointer, resolved)) = self.resolve(schema, at) else {
            return;
        };
        if !visited.insert((pointer.clone(), direction)) {
            return;
        }
        if matches!(schema, SchemaRef::Ref(_)) {
            self.usage
                .entry(pointer.clone())
                .or_default()
                .insert(direction);
        }
        for (child_schema, child_at, _) in self.children(resolved, &pointer, Some(direction)) {
            self.record_usage(child_schema, direction, &child_at, visited);
        }
    }

    /// Whether the request and response views of the schema at `pointer` differ.
    fn is_sensitive(&mut self, schema: &'a Schema, pointer: &str) -> bool {
        if let Some(&known) = self.sensitive.get(pointer) {
            return known;
        }
        // Provisional answer while this schema is being examined, for cycles.
        self.sensitive.insert(pointer.to_owned(), false);
        let mut answer = false;
        for (child_schema, child_at, flags) in self.children(schema, pointer, None) {
            if flags.read_only || flags.write_only {
                answer = true;
                break;
            }
            if let Ok((child_pointer, resolved)) = self.resolve(child_schema, &child_at) {
                if self.is_sensitive(resolved, &child_pointer) {
                    answer = true;
                    break;
                }
            }
        }
        self.sensitive.insert(pointer.to_owned(), answer);
        answer
    }

    /// Whether a component becomes a named type (structs, enums, unions) or is written inline
    /// where it is used.
    fn is_named_shape(&self, schema: &'a Schema, pointer: &str) -> bool {
        matches!(
            self.kind(schema, pointer),
            Ok(Kind::Struct(_) | Kind::Enum(_) | Kind::Union(..))
        )
    }

    fn claim_component_names(&mut self) {
        let usage = std::mem::take(&mut self.usage);
        for (pointer, directions) in &usage {
            let Ok((_, schema)) = self.resolve_pointer(pointer) else {
                continue;
            };
            if !self.is_named_shape(schema, pointer) {
                continue;
            }
            let component = pointer
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .replace("~1", "/")
                .replace("~0", "~");
            let base = pascal(&component, "T");
            if directions.len() == 2 && self.is_sensitive(schema, pointer) {
                let response = self.scope.claim(base.clone());
                let request = self.scope.claim(format!("{base}Request"));
                self.names
                    .insert((pointer.clone(), Direction::Response), response);
                self.names
                    .insert((pointer.clone(), Direction::Request), request);
            } else {
                let name = self.scope.claim(base);
                for direction in [Direction::Request, Direction::Response] {
                    self.names
                        .insert((pointer.clone(), direction), name.clone());
                }
            }
        }
        self.usage = usage;
    }

    fn resolve_pointer(&self, pointer: &str) -> Result<(String, &'a Schema), Diagnostic> {
        let name = pointer.trim_start_matches("/components/schemas/");
        let reference = format!("#/components/schemas/{name}");
        // The pointer came from a resolved reference, so this resolves again.
        let components = self.openapi.components.as_ref().map(|c| &c.schemas);
        match components.and_then(|map| map.get(&name.replace("~1", "/").replace("~0", "~"))) {
            Some(item) => refs::resolve(components, "schemas", item, pointer),
            None => Err(Diagnostic::at(
                pointer,
                format!("dangling reference `{reference}`"),
            )),
        }
    }

    /// The Rust type for `schema` travelling in `direction`. `hint` names inline types.
    pub fn lower(
        &mut self,
        schema: SchemaRef<'a>,
        direction: Direction,
        hint: &str,
        at: &str,
    ) -> Result<TypeRef, Diagnostic> {
        let (pointer, resolved) = self.resolve(schema, at)?;
        let named = match schema {
            SchemaRef::Ref(_) => self.names.get(&(pointer.clone(), direction)).cloned(),
            SchemaRef::Inline(_) => None,
        };
        let label = named.clone().unwrap_or_else(|| hint.to_owned());
        let ty = match named {
            Some(name) => {
                if self.defined.insert(name.clone()) {
                    // One type for both directions: define it as sent, so the request-side
                    // checks (patterns) of its inline parts are kept.
                    let shared = self.names.get(&(pointer.clone(), Direction::Request))
                        == self.names.get(&(pointer.clone(), Direction::Response))
                        && self
                            .usage
                            .get(&pointer)
                            .is_some_and(|used| used.contains(&Direction::Request));
                    let direction = if shared {
                        Direction::Request
                    } else {
                        direction
                    };
                    let def = self.define(resolved, &name, direction, &pointer)?;
                    self.defs.insert(name.clone(), def);
                }
                TypeRef::Named(name)
            }
            None => self.lower_inline(resolved, direction, hint, &pointer)?,
        };
        if let Some(example) = &resolved.schema_data.example {
            self.examples
                .entry(child(&pointer, "example"))
                .or_insert_with(|| (label, ExampleTarget::Decode(ty.clone()), example.clone()));
        }
        Ok(ty)
    }

    fn lower_inline(
        &mut self,
        schema: &'a Schema,
        direction: Direction,
        hint: &str,
        at: &str,
    ) -> Result<TypeRef, Diagnostic> {
        match self.kind(schema, at)? {
            Kind::Enum(values) => {
                let mut key = values.clone();
                key.dedup();
                if let Some(name) = self.inline_enums.get(&key) {
                    return Ok(TypeRef::Named(name.clone()));
                }
                let name = self.scope.claim(hint.to_owned());
                self.inline_enums.insert(key, name.clone());
                self.defined.insert(name.clone());
                let def = enum_def(&name, at, schema.schema_data.description.clone(), &values);
                self.defs.insert(name.clone(), TypeDef::Enum(def));
                return Ok(TypeRef::Named(name));
            }
            Kind::Struct(_) | Kind::Union(..) => {
                let name = self.scope.claim(hint.to_owned());
                self.defined.insert(name.clone());
                let def = self.define(schema, &name, direction, at)?;
                self.defs.insert(name.clone(), def);
                return Ok(TypeRef::Named(name));
            }
            Kind::Alias(target, pointer) => {
                // `A: {allOf: [$ref: A]}` would alias itself forever.
                if self.alias_depth >= MAX_ALL_OF_DEPTH {
                    return Err(Diagnostic::at(
                        at,
                        "`allOf`/`oneOf` of a single member refers back to itself (a cycle of aliases)",
                    ));
                }
                self.alias_depth += 1;
                let lowered = self.lower(target, direction, hint, &pointer);
                self.alias_depth -= 1;
                return lowered;
            }
            Kind::Plain => {}
        }
        Ok(match shape(schema, at)? {
            Shape::String { format, .. } => match format.as_deref() {
                Some("date-time") => TypeRef::DateTime,
                Some("date") => TypeRef::Date,
                _ => TypeRef::String,
            },
            Shape::Integer { format } => match format.as_deref() {
                Some("int32") => TypeRef::I32,
                _ => TypeRef::I64,
            },
            Shape::Number { format } => match format.as_deref() {
                Some("float") => TypeRef::F32,
                _ => TypeRef::F64,
            },
            Shape::Boolean => TypeRef::Bool,
            Shape::Array { items: None } => TypeRef::Vec(Box::new(TypeRef::Json)),
            Shape::Array { items: Some(items) } => {
                let item_hint = format!("{hint}Item");
                let items = self.lower(items, direction, &item_hint, &child(at, "items"))?;
                TypeRef::Vec(Box::new(items))
            }
            Shape::Object {
                additional: Some(AdditionalProperties::Schema(value)),
                ..
            } => {
                let value_hint = format!("{hint}Value");
                let value_at = child(at, "additionalProperties");
                let value = self.lower(
                    SchemaRef::from(value.as_ref()),
                    direction,
                    &value_hint,
                    &value_at,
                )?;
                TypeRef::Map(Box::new(value))
            }
            Shape::Object { .. } => TypeRef::JsonObject,
            // A string choice with some free-form member, or an `allOf` of nothing.
            Shape::OneOf { .. } => TypeRef::String,
            Shape::AllOf { .. } => TypeRef::JsonObject,
            Shape::Any => TypeRef::Json,
        })
    }

    fn define(
        &mut self,
        schema: &'a Schema,
        name: &str,
        direction: Direction,
        at: &str,
    ) -> Result<TypeDef, Diagnostic> {
        let data = &schema.schema_data;
        match self.kind(schema, at)? {
            Kind::Enum(values) => Ok(TypeDef::Enum(enum_def(
                name,
                at,
                data.description.clone(),
                &values,
            ))),
            Kind::Struct(view) => {
                let additional = match &view.additional {
                    Some((value, value_at)) => {
                        Some(self.lower(*value, direction, &format!("{name}Value"), value_at)?)
                    }
                    None => None,
                };
                let fields = self.fields(view, name, direction)?;
                let directions = match self.usage.get(at) {
                    Some(used)
                        if self.names.get(&(at.to_owned(), Direction::Request))
                            == self.names.get(&(at.to_owned(), Direction::Response)) =>
                    {
                        used.iter().copied().collect()
                    }
                    _ => vec![direction],
                };
                Ok(TypeDef::Struct(StructDef {
                    name: name.to_owned(),
                    source: at.to_owned(),
                    directions,
                    title: data.title.clone(),
                    description: data.description.clone(),
                    fields,
                    additional,
                }))
            }
            Kind::Union(members, discriminator) => {
                let mut scope = Scope::default();
                let mut variants = Vec::new();
                for (index, member) in members.into_iter().enumerate() {
                    // An inline member is named after its title when it has one.
                    let title = match member.schema {
                        SchemaRef::Inline(schema) => schema.schema_data.title.as_deref(),
                        SchemaRef::Ref(_) => None,
                    };
                    let hint = match title {
                        Some(title) => format!("{name}{}", pascal(title, "V")),
                        None => format!("{name}Variant{}", index + 1),
                    };
                    let ty = self.lower(member.schema, direction, &hint, &member.at)?;
                    let wanted = variant_name(name, &ty);
                    variants.push(UnionVariant {
                        rust_name: scope.claim(wanted),
                        ty,
                        tags: member.tags,
                        boxed: false,
                    });
                }
                Ok(TypeDef::Union(UnionDef {
                    name: name.to_owned(),
                    source: at.to_owned(),
                    description: data.description.clone(),
                    discriminator,
                    variants,
                    catch_all: scope.claim("Unknown".to_owned()),
                }))
            }
            Kind::Alias(..) | Kind::Plain => Err(Diagnostic::at(
                at,
                "internal: only objects, enums and unions are named types",
            )),
        }
    }

    fn fields(
        &mut self,
        view: ObjectView<'a>,
        parent: &str,
        direction: Direction,
    ) -> Result<Vec<Field>, Diagnostic> {
        let mut scope = Scope::with_reserved(&["additional_properties"]);
        let mut fields = Vec::new();
        for (wire_name, (property, property_at)) in view.properties {
            let flags = self.flags(property, &property_at);
            if !Self::present(&flags, direction) {
                continue;
            }
            let hint = format!("{parent}{}", pascal(&wire_name, "P"));
            let ty = self.lower(property, direction, &hint, &property_at)?;
            let request_pattern = match direction {
                Direction::Request => self.request_pattern(property, &property_at),
                Direction::Response => None,
            };
            fields.push(Field {
                rust_name: scope.claim(snake(&wire_name)),
                required: view.required.contains(&wire_name),
                wire_name,
                ty,
                nullable: flags.nullable,
                boxed: false,
                description: flags.description,
                request_pattern,
                deprecated: flags.deprecated,
            });
        }
        Ok(fields)
    }

    /// The pattern of a string property, checked before a request is sent.
    /// A pattern the client cannot compile (the `regex` crate has no look-around) is left
    /// unchecked, with a warning: the server still checks it.
    fn request_pattern(&mut self, property: SchemaRef<'a>, at: &str) -> Option<String> {
        let (pointer, resolved) = self.resolve(property, at).ok()?;
        match shape(resolved, &pointer) {
            Ok(Shape::String {
                pattern: Some(pattern),
                enumeration,
                ..
            }) if enumeration.is_empty() => {
                let pattern_at = child(&pointer, "pattern");
                match check_pattern(pattern, &pattern_at) {
                    Ok(()) => Some(pattern.to_owned()),
                    Err(error) => {
                        let message = format!(
                            "{}; the client leaves it to the server to check",
                            error.message
                        );
                        self.warnings
                            .entry(pattern_at.clone())
                            .or_insert_with(|| Diagnostic::warning(pattern_at, message));
                        None
                    }
                }
            }
            _ => None,
        }
    }

    /// Unions that are, through union variants alone, a variant of themselves: decoding one
    /// would try itself on the same JSON forever. Reported at the union's schema.
    pub fn union_cycles(&self) -> Vec<Diagnostic> {
        let unions: BTreeMap<&str, (&str, Vec<&str>)> = self
            .defs
            .values()
            .filter_map(|def| match def {
                TypeDef::Union(def) => Some((
                    def.name.as_str(),
                    (
                        def.source.as_str(),
                        def.variants
                            .iter()
                            .filter_map(|variant| match &variant.ty {
                                TypeRef::Named(target) => Some(target.as_str()),
                                _ => None,
                            })
                            .collect(),
                    ),
                )),
                _ => None,
            })
            .collect();
        let mut found = Vec::new();
        for (name, (source, _)) in &unions {
            let mut stack: Vec<&str> = unions[name].1.clone();
            let mut seen = BTreeSet::new();
            while let Some(next) = stack.pop() {
                if next == *name {
                    found.push(Diagnostic::at(
                        *source,
                        format!("`{name}` is one of its own variants (through `oneOf`/`anyOf` members that are themselves choices), so no value could ever be decoded as it"),
                    ));
                    break;
                }
                if seen.insert(next) {
                    if let Some((_, variants)) = unions.get(next) {
                        stack.extend(variants.iter().copied());
                    }
                }
            }
        }
        found
    }

    /// Marks fields whose type contains the struct itself without indirection, so the
    /// emitted type has a finite size.
    pub fn box_cycles(&mut self) {
        fn direct(ty: &TypeRef) -> Option<&str> {
            match ty {
                TypeRef::Named(target) => Some(target),
                _ => None,
            }
        }
        let edges: BTreeMap<String, BTreeSet<String>> = self
            .defs
            .iter()
            .map(|(name, def)| {
                let targets = match def {
                    TypeDef::Struct(def) => def
                        .fields
                        .iter()
                        .filter_map(|field| direct(&field.ty))
                        .map(str::to_owned)
                        .collect(),
                    TypeDef::Union(def) => def
                        .variants
                        .iter()
                        .filter_map(|variant| direct(&variant.ty))
                        .map(str::to_owned)
                        .collect(),
                    TypeDef::Enum(_) => BTreeSet::new(),
                };
                (name.clone(), targets)
            })
            .collect();
        let structs: BTreeSet<String> = self
            .defs
            .iter()
            .filter(|(_, def)| matches!(def, TypeDef::Struct(_)))
            .map(|(name, _)| name.clone())
            .collect();
        let reaches = |from: &str, to: &str| {
            let mut stack = vec![from.to_owned()];
            let mut seen = BTreeSet::new();
            while let Some(next) = stack.pop() {
                if next == to {
                    return true;
                }
                if seen.insert(next.clone()) {
                    stack.extend(edges.get(&next).into_iter().flatten().cloned());
                }
            }
            false
        };
        for (name, def) in &mut self.defs {
            match def {
                TypeDef::Struct(def) => {
                    for field in &mut def.fields {
                        if let Some(target) = direct(&field.ty) {
                            field.boxed = reaches(target, name);
                        }
                    }
                }
                TypeDef::Union(def) => {
                    // Struct variants are boxed: they differ widely in size (and may lead
                    // back to the union).
                    for variant in &mut def.variants {
                        if let Some(target) = direct(&variant.ty) {
                            variant.boxed = structs.contains(target) || reaches(target, name);
                        }
                    }
                }
                TypeDef::Enum(_) => {}
            }
        }
    }
}

/// A union variant's name: the member type's name without the union's own name in front,
/// or what the type is.
fn variant_name(union: &str, ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => match name.strip_prefix(union) {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest.to_owned(),
            _ => name.clone(),
        },
        TypeRef::Vec(_) => "Array".to_owned(),
        TypeRef::Map(_) | TypeRef::JsonObject => "Object".to_owned(),
        TypeRef::String | TypeRef::DateTime | TypeRef::Date => "String".to_owned(),
        TypeRef::Bool => "Boolean".to_owned(),
        TypeRef::I32 | TypeRef::I64 => "Integer".to_owned(),
        TypeRef::F32 | TypeRef::F64 => "Number".to_owned(),
        TypeRef::Json => "Value".to_owned(),
    }
}

fn enum_def(name: &str, at: &str, description: Option<String>, values: &[String]) -> EnumDef {
    let mut scope = Scope::default();
    let mut seen = BTreeSet::new();
    let variants: Vec<EnumVariant> = values
        .iter()
        .filter(|value| seen.insert(value.as_str()))
        .map(|value| EnumVariant {
            wire_value: value.clone(),
            rust_name: scope.claim(pascal(value, "V")),
        })
        .collect();
    EnumDef {
        name: name.to_owned(),
        source: at.to_owned(),
        description,
        variants,
        catch_all: scope.claim("Unknown".to_owned()),
    }
}

/// A pattern the generated code will compile must compile now, so the generated crate can
/// never fail on it at run time.
pub fn check_pattern(pattern: &str, at: &str) -> Result<(), Diagnostic> {
    regex::Regex::new(pattern).map(drop).map_err(|error| {
        let first_line = error
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned();
        Diagnostic::at(
            at,
            format!("pattern `{pattern}` is not a valid regular expression: {first_line}"),
        )
    })
}
