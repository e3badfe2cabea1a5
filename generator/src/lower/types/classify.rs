//! What a schema becomes in Rust (`Kind`): an enum, a struct (its properties with every
//! `allOf` member's merged in), a union (and how its variant is selected), an alias or a plain
//! type; and the unions that would contain themselves.

use super::*;

/// The properties of an object schema, with `allOf` members merged in.
#[derive(Default)]
pub(super) struct ObjectView<'a> {
    /// Property name -> schema and its pointer; a later `allOf` member overrides an earlier.
    pub(super) properties: BTreeMap<String, (SchemaRef<'a>, String)>,
    pub(super) required: BTreeSet<String>,
    /// `additionalProperties` given as a schema, with its pointer.
    pub(super) additional: Option<(SchemaRef<'a>, String)>,
}

/// What a schema becomes in Rust.
pub(super) enum Kind<'a> {
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
pub(super) struct Member<'a> {
    pub(super) schema: SchemaRef<'a>,
    pub(super) at: String,
    pub(super) tags: Vec<String>,
}

impl<'a> Types<'a> {
    /// Merges the properties of `schema` (found at `at`) into `view`, following `allOf`.
    pub(super) fn collect_object(
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
    pub(super) fn kind(&self, schema: &'a Schema, at: &str) -> Result<Kind<'a>, Diagnostic> {
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

    pub(super) fn classify(&self, schema: &'a Schema, at: &str) -> Result<Kind<'a>, Diagnostic> {
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
    pub(super) fn mapped_members(
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

    pub(super) fn union_kind(
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
    pub(super) fn infer_discriminator(
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
}
