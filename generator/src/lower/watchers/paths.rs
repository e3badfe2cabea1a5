//! Paths into a response (`$.a.b`), as a watcher names the field to read: resolved to the
//! fields the generated code reads, through unions whose every struct variant has the field.

use std::collections::BTreeMap;

use crate::model::{FieldStep, Operation, RustType, TypeDef, TypeRef};

/// What the last field of a path is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Leaf {
    /// A state, compared as text: each union variant may type it its own way.
    State,
    /// A value passed on as it is: one type.
    Value,
}

/// The fields a JSON path of member names (`$.a.b`) walks through in `operation`'s response.
/// The last field must hold text (a string, an id or an enum) in every variant; for a
/// [`Leaf::Value`] it must also have one type. The error says what does not resolve.
pub(super) fn field_path(
    types: &BTreeMap<String, TypeDef>,
    path: &str,
    operation: &Operation,
    leaf: Leaf,
) -> Result<Vec<FieldStep>, String> {
    let Some(names) = path.strip_prefix("$.") else {
        return Err(format!(
            "`{path}` must be a path of member names from `$` (`$.id`)"
        ));
    };
    let names: Vec<&str> = names.split('.').collect();
    let mut ty = operation.success.body.clone();
    // Whether the value stepped from is boxed: a union behind a `Box` cannot be matched on.
    let mut boxed = false;
    let mut steps = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let last = index + 1 == names.len();
        let no_object = || {
            format!(
                "`{path}` does not resolve: the response of `{}` has no object where `{name}` would be",
                operation.operation_id
            )
        };
        let Some(TypeRef::Named(type_name)) = &ty else {
            return Err(no_object());
        };
        // The structs the value may be, with the union variant each is.
        let (holders, union) = match types.get(type_name) {
            Some(TypeDef::Struct(def)) => (vec![def], None),
            Some(TypeDef::Union(_)) if boxed => {
                return Err(format!(
                    "`{path}`: `{name}` is read through `{type_name}`, a union the response boxes; not supported"
                ))
            }
            Some(TypeDef::Union(def)) => {
                let mut holders = Vec::new();
                let mut variants = Vec::new();
                for variant in &def.variants {
                    let member = match &variant.ty {
                        TypeRef::Named(member) => types.get(member),
                        _ => None,
                    };
                    let Some(TypeDef::Struct(member)) = member else {
                        return Err(no_object());
                    };
                    holders.push(member);
                    variants.push(variant.rust_name.clone());
                }
                (holders, Some((def.name.clone(), variants)))
            }
            _ => return Err(no_object()),
        };
        let mut fields = Vec::new();
        for holder in &holders {
            let Some(field) = holder.fields.iter().find(|field| field.wire_name == *name) else {
                return Err(format!(
                    "`{path}` does not resolve: `{}` (the response of `{}`) has no property `{name}`",
                    holder.name, operation.operation_id
                ));
            };
            fields.push(field);
        }
        let first = fields[0];
        if fields.iter().any(|field| field.rust_type.is_nullable()) {
            return Err(format!(
                "`{path}`: `{name}` may be sent as `null` (`Nullable`); a watcher cannot read through it"
            ));
        }
        // The emitted code reads every variant's field one way: as an `Option` or not, and as
        // text with `as_deref()` (a string) or `as_str()` (an enum).
        let optional = |field: &&crate::model::Field| field.rust_type.is_option();
        let string = |field: &&crate::model::Field| {
            field.rust_type.innermost() == &RustType::Plain(TypeRef::String)
        };
        let agree = |test: &dyn Fn(&&crate::model::Field) -> bool| {
            fields.iter().all(test) || !fields.iter().any(test)
        };
        if !agree(&optional) || !agree(&string) {
            return Err(format!(
                "`{path}`: `{name}` is optional or a string in some variants of `{type_name}` and not in others"
            ));
        }
        if last && fields.iter().any(|field| !is_text(&field.rust_type, types)) {
            return Err(format!(
                "`{path}` is neither a string nor an enum, so it cannot be read as text"
            ));
        }
        let one_type = fields
            .iter()
            .all(|field| field.rust_type == first.rust_type);
        if !(one_type || last && leaf == Leaf::State) {
            return Err(format!(
                "`{path}`: `{name}` has another type in each variant of `{type_name}`"
            ));
        }
        boxed = first.rust_type.is_boxed();
        steps.push(FieldStep {
            rust_name: first.rust_name.clone(),
            rust_type: first.rust_type.clone(),
            through_union: union,
        });
        ty = Some(first.ty.clone());
    }
    Ok(steps)
}

/// Whether the field holds text that can fill in a path: a string, an id newtype or an enum.
fn is_text(ty: &RustType, types: &BTreeMap<String, TypeDef>) -> bool {
    match ty.innermost() {
        RustType::Param(_) | RustType::Plain(TypeRef::String) => true,
        _ => enum_variants(ty, types).is_some(),
    }
}

/// An enum field's variants by wire value.
pub(super) fn enum_variants(
    ty: &RustType,
    types: &BTreeMap<String, TypeDef>,
) -> Option<BTreeMap<String, String>> {
    let RustType::Plain(TypeRef::Named(name)) = ty.innermost() else {
        return None;
    };
    let Some(TypeDef::Enum(def)) = types.get(name) else {
        return None;
    };
    Some(
        def.variants
            .iter()
            .map(|variant| (variant.wire_value.clone(), variant.rust_name.clone()))
            .collect(),
    )
}
