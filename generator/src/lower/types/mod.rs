//! Model types from schemas: one Rust type per schema and direction that needs one.
//!
//! A schema used both in requests and in responses becomes two types when `readOnly` or
//! `writeOnly` properties (anywhere below it) make the two views differ: `Foo` for responses
//! and `FooRequest` for requests. Otherwise it is one type. Component names are claimed
//! first, in sorted order, so inline types (named `<Parent><Property>`) never take a
//! component's name.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{AdditionalProperties, OpenAPI, Schema};

mod classify;
mod usage;

use classify::{Kind, ObjectView};

use super::examples::Found;
use super::refs::{self, SchemaRef};
use super::shape::{shape, written_constraints, Properties, Shape};
use crate::diagnostics::{child, Diagnostic};
use crate::model::{
    Bound, Constraints, Direction, EnumDef, EnumVariant, ExampleTarget, Field, RustType, StructDef,
    TypeDef, TypeRef, UnionDef, UnionVariant,
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
                    // Decided with the other Rust-shape questions, in `rust_shape`.
                    derives: Vec::new(),
                    constructor: Default::default(),
                    unknown_fields: None,
                    page: None,
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
                        // Decided with the other Rust-shape questions, in `rust_shape`.
                        rust_type: RustType::Unit,
                        ty,
                        tags: member.tags,
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
            let constraints = self
                .constraints(property, &property_at, direction)?
                .applicable_to(&ty);
            fields.push(Field {
                rust_name: scope.claim(snake(&wire_name)),
                required: view.required.contains(&wire_name),
                wire_name,
                // Decided with the other Rust-shape questions, in `rust_shape`.
                rust_type: RustType::Unit,
                ty,
                nullable: flags.nullable,
                description: flags.description,
                constraints,
                deprecated: flags.deprecated,
                // Named with the struct's other methods, in `rust_shape`.
                setter: String::new(),
            });
        }
        Ok(fields)
    }

    /// What a value of `schema` must satisfy before a request carrying it is sent.
    ///
    /// A pattern that is not a regular expression is an error wherever it appears. One the
    /// `regex` crate cannot run (look-around, backreferences) and the keywords the client
    /// does not check (`multipleOf`, `uniqueItems`) are left to the server, with a warning
    /// where the value is sent. A string enum's type is its check.
    pub fn constraints(
        &mut self,
        schema: SchemaRef<'a>,
        at: &str,
        direction: Direction,
    ) -> Result<Constraints, Diagnostic> {
        let (pointer, resolved) = self.resolve(schema, at)?;
        let written = written_constraints(resolved);
        let sent = direction == Direction::Request;
        let mut unchecked = Vec::new();
        let is_enum = matches!(shape(resolved, &pointer), Ok(Shape::String { enumeration, .. }) if !enumeration.is_empty());
        let pattern = match written.pattern {
            Some(pattern) if !is_enum => {
                let pattern_at = child(&pointer, "pattern");
                match check_pattern(pattern, &pattern_at)? {
                    Runnable::Yes => Some(pattern.to_owned()),
                    Runnable::No(why) => {
                        unchecked.push((pattern_at, format!("pattern `{pattern}` uses {why}, which the client's regex engine does not support; the client leaves it to the server to check")));
                        None
                    }
                }
            }
            _ => None,
        };
        for keyword in &written.unchecked {
            unchecked.push((
                child(&pointer, keyword),
                format!("`{keyword}` is not checked by the client; the server checks it"),
            ));
        }
        if sent {
            for (at, message) in unchecked {
                self.warnings
                    .entry(at.clone())
                    .or_insert_with(|| Diagnostic::warning(at, message));
            }
        }
        let items = match written.items {
            Some(items) => {
                let items = self.constraints(items, &child(&pointer, "items"), direction)?;
                (!items.is_empty()).then(|| Box::new(items))
            }
            None => None,
        };
        let bound = |written: Option<(f64, bool)>| {
            written.map(|(value, exclusive)| Bound { value, exclusive })
        };
        let (min_length, max_length) = if is_enum {
            (None, None)
        } else {
            (written.min_length, written.max_length)
        };
        Ok(Constraints {
            pattern,
            min_length,
            max_length,
            minimum: bound(written.minimum),
            maximum: bound(written.maximum),
            min_items: written.min_items,
            max_items: written.max_items,
            items,
        })
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

/// Whether the client can run a valid pattern, and if not, what it uses that it cannot.
#[derive(Clone, Copy)]
pub enum Runnable {
    Yes,
    No(&'static str),
}

/// A pattern must be a regular expression, so the generated crate can never fail on it at
/// run time. ECMA-262 constructs the `regex` crate leaves out (it guarantees linear time)
/// are valid but cannot be run: `Runnable::No`.
pub fn check_pattern(pattern: &str, at: &str) -> Result<Runnable, Diagnostic> {
    pattern_verdict(pattern).map_err(|reason| {
        Diagnostic::at(
            at,
            format!("pattern `{pattern}` is not a valid regular expression: {reason}"),
        )
    })
}

/// [`check_pattern`]'s answer for `pattern`, located nowhere: `Err` is why it is not a
/// regular expression.
///
/// Remembered per thread: compiling a pattern is the costliest step of lowering, and the
/// whole upstream spec writes its 1,154 patterns with 63 texts (690 times the same hex id).
/// The answer depends on the text alone, so the cache changes no result.
fn pattern_verdict(pattern: &str) -> Result<Runnable, String> {
    thread_local! {
        static VERDICTS: std::cell::RefCell<BTreeMap<String, Result<Runnable, String>>> =
            const { std::cell::RefCell::new(BTreeMap::new()) };
    }
    if let Some(verdict) = VERDICTS.with_borrow(|verdicts| verdicts.get(pattern).cloned()) {
        return verdict;
    }
    let verdict = match regex::Regex::new(pattern) {
        Ok(_) => Ok(Runnable::Yes),
        Err(error) => {
            let reason = error
                .to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .to_owned();
            if reason.contains("look-around") {
                Ok(Runnable::No("look-around"))
            } else if reason.contains("backreferences") {
                Ok(Runnable::No("a backreference"))
            } else {
                Err(reason)
            }
        }
    };
    VERDICTS.with_borrow_mut(|verdicts| verdicts.insert(pattern.to_owned(), verdict.clone()));
    verdict
}
