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
    Direction, EnumDef, EnumVariant, ExampleTarget, Field, StructDef, TypeDef, TypeRef,
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
    /// Examples found so far (schemas here; parameters and media types add theirs).
    pub examples: Found,
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

    /// The schemas directly below `schema` (properties present in `direction`, items,
    /// additional properties), with their pointers. Errors are left to lowering.
    fn children(
        &self,
        schema: &'a Schema,
        at: &str,
        direction: Option<Direction>,
    ) -> Vec<(SchemaRef<'a>, String, PropertyFlags)> {
        let mut out = Vec::new();
        match shape(schema, at) {
            Ok(Shape::Object {
                properties,
                additional,
                ..
            }) => {
                for (name, property) in properties {
                    let property = SchemaRef::from(property);
                    let pointer = child(&child(at, "properties"), name);
                    let flags = self.flags(property, &pointer);
                    if direction.is_none_or(|direction| Self::present(&flags, direction)) {
                        out.push((property, pointer, flags));
                    }
                }
                if let Some(AdditionalProperties::Schema(schema)) = additional {
                    let pointer = child(at, "additionalProperties");
                    let flags = self.flags(SchemaRef::from(schema.as_ref()), &pointer);
                    out.push((SchemaRef::from(schema.as_ref()), pointer, flags));
                }
            }
            Ok(Shape::Array { items: Some(items) }) => {
                let pointer = child(at, "items");
                let flags = self.flags(items, &pointer);
                out.push((items, pointer, flags));
            }
            _ => {}
        }
        out
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

    /// Whether a component becomes a named type (objects with properties, string enums) or
    /// is written inline where it is used.
    fn is_named_shape(schema: &Schema, pointer: &str) -> bool {
        match shape(schema, pointer) {
            Ok(Shape::Object { properties, .. }) => !properties.is_empty(),
            Ok(Shape::String { enumeration, .. }) => !enumeration.is_empty(),
            _ => false,
        }
    }

    fn claim_component_names(&mut self) {
        let usage = std::mem::take(&mut self.usage);
        for (pointer, directions) in &usage {
            let Ok((_, schema)) = self.resolve_pointer(pointer) else {
                continue;
            };
            if !Self::is_named_shape(schema, pointer) {
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
        Ok(match shape(schema, at)? {
            Shape::String { enumeration, .. } if !enumeration.is_empty() => {
                let name = self.scope.claim(hint.to_owned());
                self.defined.insert(name.clone());
                let def = self.define(schema, &name, direction, at)?;
                self.defs.insert(name.clone(), def);
                TypeRef::Named(name)
            }
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
            Shape::Any => TypeRef::Json,
            Shape::Array { items: None } => TypeRef::Vec(Box::new(TypeRef::Json)),
            Shape::Array { items: Some(items) } => {
                let item_hint = format!("{hint}Item");
                let items = self.lower(items, direction, &item_hint, &child(at, "items"))?;
                TypeRef::Vec(Box::new(items))
            }
            Shape::Object {
                properties,
                additional,
                ..
            } if properties.is_empty() => match additional {
                Some(AdditionalProperties::Schema(value)) => {
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
                _ => TypeRef::JsonObject,
            },
            Shape::Object { .. } => {
                let name = self.scope.claim(hint.to_owned());
                self.defined.insert(name.clone());
                let def = self.define(schema, &name, direction, at)?;
                self.defs.insert(name.clone(), def);
                TypeRef::Named(name)
            }
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
        match shape(schema, at)? {
            Shape::String { enumeration, .. } => Ok(TypeDef::Enum(enum_def(
                name,
                at,
                data.description.clone(),
                &enumeration,
            ))),
            Shape::Object {
                properties,
                required,
                additional,
            } => {
                if let Some(AdditionalProperties::Schema(_)) = additional {
                    return Err(Diagnostic::at(
                        child(at, "additionalProperties"),
                        "unsupported schema construct: `additionalProperties` together with `properties`",
                    ));
                }
                let fields = self.fields(properties, required, name, direction, at)?;
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
                }))
            }
            _ => Err(Diagnostic::at(
                at,
                "internal: only objects and string enums are named types",
            )),
        }
    }

    fn fields(
        &mut self,
        properties: &'a Properties,
        required: &[String],
        parent: &str,
        direction: Direction,
        at: &str,
    ) -> Result<Vec<Field>, Diagnostic> {
        let mut sorted: Vec<(&String, SchemaRef<'a>)> = properties
            .iter()
            .map(|(name, schema)| (name, SchemaRef::from(schema)))
            .collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut scope = Scope::default();
        let mut fields = Vec::new();
        for (wire_name, property) in sorted {
            let property_at = child(&child(at, "properties"), wire_name);
            let flags = self.flags(property, &property_at);
            if !Self::present(&flags, direction) {
                continue;
            }
            let hint = format!("{parent}{}", pascal(wire_name, "P"));
            let ty = self.lower(property, direction, &hint, &property_at)?;
            let request_pattern = match direction {
                Direction::Request => self.request_pattern(property, &property_at)?,
                Direction::Response => None,
            };
            fields.push(Field {
                wire_name: wire_name.clone(),
                rust_name: scope.claim(snake(wire_name)),
                ty,
                required: required.iter().any(|name| name == wire_name),
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
    fn request_pattern(
        &self,
        property: SchemaRef<'a>,
        at: &str,
    ) -> Result<Option<String>, Diagnostic> {
        let (pointer, resolved) = self.resolve(property, at)?;
        match shape(resolved, &pointer)? {
            Shape::String {
                pattern: Some(pattern),
                enumeration,
                ..
            } if enumeration.is_empty() => {
                check_pattern(pattern, &child(&pointer, "pattern"))?;
                Ok(Some(pattern.to_owned()))
            }
            _ => Ok(None),
        }
    }

    /// Marks fields whose type contains the struct itself without indirection, so the
    /// emitted type has a finite size.
    pub fn box_cycles(&mut self) {
        let edges: BTreeMap<String, BTreeSet<String>> = self
            .defs
            .iter()
            .map(|(name, def)| {
                let targets = match def {
                    TypeDef::Struct(def) => def
                        .fields
                        .iter()
                        .filter_map(|field| match &field.ty {
                            TypeRef::Named(target) => Some(target.clone()),
                            _ => None,
                        })
                        .collect(),
                    TypeDef::Enum(_) => BTreeSet::new(),
                };
                (name.clone(), targets)
            })
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
            if let TypeDef::Struct(def) = def {
                for field in &mut def.fields {
                    if let TypeRef::Named(target) = &field.ty {
                        field.boxed = reaches(target, name);
                    }
                }
            }
        }
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
