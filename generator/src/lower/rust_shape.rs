//! The Rust shape of the model: which Rust type every struct field, union variant, path
//! argument and operation result gets (in an `Option`, in a `Box`, raw bytes), what each
//! struct derives and whether it has a constructor. Each of these is decided here, once, after
//! the types exist; emission prints what this module wrote into the model and `diff` compares
//! it.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    Derive, Direction, Operation, ResponseHeader, RustType, StructDef, TypeDef, TypeRef,
};

/// Gives every field and union variant of `defs` its Rust type, and every struct its derives
/// and constructor.
pub fn shape_types(defs: &mut BTreeMap<String, TypeDef>) {
    let boxing = Boxing::of(defs);
    for (name, def) in defs.iter_mut() {
        match def {
            TypeDef::Struct(def) => shape_struct(def, |ty| boxing.cycles_back(ty, name)),
            TypeDef::Union(def) => {
                for variant in &mut def.variants {
                    let plain = RustType::Plain(variant.ty.clone());
                    // Struct variants are boxed: they differ widely in size (and may lead back
                    // to the union).
                    variant.rust_type =
                        if boxing.is_struct(&variant.ty) || boxing.cycles_back(&variant.ty, name) {
                            RustType::Boxed(Box::new(plain))
                        } else {
                            plain
                        };
                }
            }
            TypeDef::Enum(_) => {}
        }
    }
}

fn shape_struct(def: &mut StructDef, cycles_back: impl Fn(&TypeRef) -> bool) {
    for field in &mut def.fields {
        let plain = RustType::Plain(field.ty.clone());
        // A field holding the struct itself without indirection would make it infinitely large.
        let held = if cycles_back(&field.ty) {
            RustType::Boxed(Box::new(plain))
        } else {
            plain
        };
        // Only a field that is always present and never `null` is a plain value.
        field.rust_type = if field.required && !field.nullable {
            held
        } else {
            RustType::Option(Box::new(held))
        };
    }
    let mandatory: Vec<String> = def
        .fields
        .iter()
        .filter(|field| !field.rust_type.is_option())
        .map(|field| field.rust_name.clone())
        .collect();
    // Without mandatory fields, everything unset is a valid value: `Default` is the
    // constructor. Otherwise types sent in requests get `new` with the mandatory fields.
    def.derives = [
        Derive::Debug,
        Derive::Clone,
        Derive::Default,
        Derive::PartialEq,
        Derive::Serialize,
        Derive::Deserialize,
    ]
    .into_iter()
    .filter(|derive| *derive != Derive::Default || mandatory.is_empty())
    .collect();
    let sent = def.directions.contains(&Direction::Request);
    def.constructor = (sent && !mandatory.is_empty()).then_some(mandatory);
}

/// Gives the operation's arguments and result their Rust types.
pub fn shape_operation(operation: &mut Operation) {
    for param in operation
        .query_params
        .iter_mut()
        .chain(&mut operation.header_params)
    {
        param.rust_type = RustType::Plain(param.ty.clone());
    }
    if let Some(body) = &mut operation.request_body {
        body.rust_type = RustType::Plain(body.ty.clone());
    }
    for arg in &mut operation.path_args {
        arg.rust_type = if arg.is_enum {
            RustType::Plain(TypeRef::Named(arg.type_name.clone()))
        } else {
            RustType::Param(arg.type_name.clone())
        };
    }
    let success = &mut operation.success;
    let body = if success.raw {
        RustType::Bytes
    } else {
        match &success.body {
            Some(ty) => RustType::Plain(ty.clone()),
            None => RustType::Unit,
        }
    };
    success.rust_type = if success.body_optional {
        RustType::Option(Box::new(body))
    } else {
        body
    };
}

/// Gives each declared response header's accessor its return type: text is borrowed from the
/// headers, anything else parsed.
pub fn shape_headers(headers: &mut [ResponseHeader]) {
    for header in headers {
        let value = if header.ty == TypeRef::String {
            RustType::Str
        } else {
            RustType::Plain(header.ty.clone())
        };
        header.rust_type = RustType::Option(Box::new(value));
    }
}

/// Which named types hold which others directly (not through a `Vec` or map), to find the
/// members that must be boxed.
struct Boxing {
    edges: BTreeMap<String, BTreeSet<String>>,
    structs: BTreeSet<String>,
}

impl Boxing {
    fn of(defs: &BTreeMap<String, TypeDef>) -> Self {
        let edges = defs
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
        let structs = defs
            .iter()
            .filter(|(_, def)| matches!(def, TypeDef::Struct(_)))
            .map(|(name, _)| name.clone())
            .collect();
        Boxing { edges, structs }
    }

    fn is_struct(&self, ty: &TypeRef) -> bool {
        direct(ty).is_some_and(|target| self.structs.contains(target))
    }

    /// Whether a member of type `ty` inside `owner` leads back to `owner` directly.
    fn cycles_back(&self, ty: &TypeRef, owner: &str) -> bool {
        let Some(from) = direct(ty) else {
            return false;
        };
        let mut stack = vec![from];
        let mut seen = BTreeSet::new();
        while let Some(next) = stack.pop() {
            if next == owner {
                return true;
            }
            if seen.insert(next) {
                stack.extend(
                    self.edges
                        .get(next)
                        .into_iter()
                        .flatten()
                        .map(String::as_str),
                );
            }
        }
        false
    }
}

/// The named type `ty` is, when it is one (not a `Vec` or map of it).
fn direct(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(target) => Some(target),
        _ => None,
    }
}
