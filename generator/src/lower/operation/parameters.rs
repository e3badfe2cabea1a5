//! An operation's parameters: query and header parameters, and the path parameters' types
//! (string enums, or validated newtypes shared by every operation with the same constraints).

use super::*;

fn parameter_schema<'a>(data: &'a ParameterData, at: &str) -> Result<SchemaRef<'a>, Diagnostic> {
    match &data.format {
        ParameterSchemaOrContent::Schema(schema) => Ok(SchemaRef::from(schema)),
        ParameterSchemaOrContent::Content(_) => Err(Diagnostic::at(
            child(at, "content"),
            format!(
                "parameter `{}` uses `content`; only `schema` parameters are supported",
                data.name
            ),
        )),
    }
}

/// Atlas's `envelope` and `pretty` flags change only the shape or the whitespace of the JSON
/// (a body wrapped with its status, indentation), which a typed caller receives the same
/// either way: the client does not offer them, so nothing can set them by mistake.
const FORMAT_FLAGS: &[&str] = &["envelope", "pretty"];

/// A query or header parameter; `None` for one of Atlas's [`FORMAT_FLAGS`].
pub(super) fn query_param<'a>(
    data: &'a ParameterData,
    at: &str,
    builder_name: &str,
    types: &mut Types<'a>,
) -> Result<Option<QueryParam>, Diagnostic> {
    let schema = parameter_schema(data, at)?;
    let schema_at = child(at, "schema");
    let ty = types.lower(
        schema,
        Direction::Request,
        &format!("{builder_name}{}", pascal(&data.name, "P")),
        &schema_at,
    )?;
    let scalar = |ty: &TypeRef| match ty {
        TypeRef::Bool
        | TypeRef::String
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::F32
        | TypeRef::F64
        | TypeRef::Date
        | TypeRef::DateTime => true,
        TypeRef::Named(name) => matches!(types.defs.get(name), Some(TypeDef::Enum(_))),
        _ => false,
    };
    let sendable = match &ty {
        // Arrays are sent `form`-exploded, as OpenAPI's default: `name=a&name=b`.
        TypeRef::Vec(item) => scalar(item),
        other => scalar(other),
    };
    if !sendable {
        return Err(Diagnostic::at(&schema_at, format!("parameter `{}` has a type the client cannot send (only scalars, string enums and arrays of them are supported)", data.name)));
    }
    if FORMAT_FLAGS.contains(&data.name.as_str()) && ty == TypeRef::Bool && !data.required {
        return Ok(None);
    }
    let constraints = types
        .constraints(schema, &schema_at, Direction::Request)?
        .applicable_to(&ty);
    let default = match schema {
        SchemaRef::Inline(schema) => schema.schema_data.default.clone(),
        SchemaRef::Ref(_) => None,
    };
    if let Some(example) = &data.example {
        let label = format!("{builder_name}{}", pascal(&data.name, "P"));
        types
            .examples
            .entry(child(at, "example"))
            .or_insert_with(|| (label, ExampleTarget::Decode(ty.clone()), example.clone()));
    }
    Ok(Some(QueryParam {
        wire_name: data.name.clone(),
        rust_name: snake(&data.name),
        // Decided with the other Rust-shape questions, in `rust_shape`.
        rust_type: RustType::Unit,
        ty,
        required: data.required,
        description: data.description.clone(),
        default,
        constraints,
    }))
}

/// The type of a path parameter: a string enum in `models`, or a validated newtype shared by
/// every operation whose parameter of that name has the same constraints. Returns its name
/// and whether it is an enum.
pub(super) fn path_param_type<'a>(
    data: &'a ParameterData,
    at: &str,
    operation: &str,
    shared: &mut Shared,
    openapi: &'a OpenAPI,
    types: &mut Types<'a>,
) -> Result<(String, bool), Diagnostic> {
    if !data.required {
        return Err(Diagnostic::at(
            child(at, "required"),
            format!("path parameter `{}` must be `required: true`", data.name),
        ));
    }
    let schema_at = child(at, "schema");
    let schema_ref = parameter_schema(data, at)?;
    let (pointer, schema) = refs::schema(openapi, schema_ref, &schema_at)?;
    let Shape::String {
        pattern,
        min_length,
        max_length,
        enumeration,
        ..
    } = shape(schema, &pointer)?
    else {
        return Err(Diagnostic::at(
            &pointer,
            format!("path parameter `{}` must have a string schema", data.name),
        ));
    };
    if !enumeration.is_empty() {
        let ty = types.lower(
            schema_ref,
            Direction::Request,
            &pascal(&data.name, "P"),
            &schema_at,
        )?;
        return match ty {
            TypeRef::Named(name) => Ok((name, true)),
            _ => Err(Diagnostic::at(
                &pointer,
                "internal: a string enum did not become an enum type",
            )),
        };
    }
    if let Some(pattern) = pattern {
        let pattern_at = child(&pointer, "pattern");
        if let Runnable::No(what) = check_pattern(pattern, &pattern_at)? {
            return Err(Diagnostic::at(pattern_at, format!("path parameter `{}`: pattern `{pattern}` uses {what}, which the client's regex engine does not support, and a path parameter must be checked", data.name)));
        }
    }
    let parameter_examples = [
        (child(&pointer, "example"), &schema.schema_data.example),
        (child(at, "example"), &data.example),
    ];
    let variants = shared.path_params.entry(data.name.clone()).or_default();
    let existing = variants.iter_mut().find(|(known, _)| {
        (known.pattern.as_deref(), known.min_length, known.max_length)
            == (pattern, min_length, max_length)
    });
    let type_name = match existing {
        Some((known, _)) => {
            known.used_by.push(operation.to_owned());
            known.type_name.clone()
        }
        None => {
            let type_name = shared.path_param_names.claim(pascal(&data.name, "P"));
            variants.push((
                PathParamType {
                    type_name: type_name.clone(),
                    wire_name: data.name.clone(),
                    description: data.description.clone(),
                    pattern: pattern.map(str::to_owned),
                    min_length,
                    max_length,
                    example: schema
                        .schema_data
                        .example
                        .clone()
                        .or_else(|| data.example.clone()),
                    used_by: vec![operation.to_owned()],
                },
                at.to_owned(),
            ));
            type_name
        }
    };
    for (example_at, example) in parameter_examples {
        if let Some(example) = example {
            types.examples.entry(example_at).or_insert_with(|| {
                (
                    type_name.clone(),
                    ExampleTarget::PathParam(type_name.clone()),
                    example.clone(),
                )
            });
        }
    }
    Ok((type_name, false))
}
