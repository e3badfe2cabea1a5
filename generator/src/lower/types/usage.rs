//! The usage pass: in which directions each component schema is reached, whether its request
//! and response views differ (`readOnly`/`writeOnly` anywhere below it), and the names the
//! components claim before any inline type is named.

use super::*;

/// The parts of a property that decide whether it exists in a direction.
pub(super) struct PropertyFlags {
    pub(super) read_only: bool,
    pub(super) write_only: bool,
    pub(super) nullable: bool,
    pub(super) deprecated: bool,
    pub(super) description: Option<String>,
}

impl<'a> Types<'a> {
    pub(super) fn flags(&self, schema: SchemaRef<'a>, at: &str) -> PropertyFlags {
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
    pub(super) fn present(flags: &PropertyFlags, direction: Direction) -> bool {
        match direction {
            Direction::Request => !flags.read_only,
            Direction::Response => !flags.write_only,
        }
    }

    /// The schemas directly below `schema` (properties present in `direction`, union members,
    /// items, additional properties), with their pointers. Errors are left to lowering.
    pub(super) fn children(
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

    pub(super) fn record_usage(
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
    pub(super) fn is_sensitive(&mut self, schema: &'a Schema, pointer: &str) -> bool {
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
    pub(super) fn is_named_shape(&self, schema: &'a Schema, pointer: &str) -> bool {
        matches!(
            self.kind(schema, pointer),
            Ok(Kind::Struct(_) | Kind::Enum(_) | Kind::Union(..))
        )
    }

    pub(super) fn claim_component_names(&mut self) {
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

    pub(super) fn resolve_pointer(
        &self,
        pointer: &str,
    ) -> Result<(String, &'a Schema), Diagnostic> {
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
}
