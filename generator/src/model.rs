//! The intermediate model: what the generated crate contains, free of OpenAPI.
//!
//! Lowering (`crate::lower`) builds it from the parsed spec; emission (`crate::emit`) turns it
//! into Rust. Nothing here refers to `openapiv3`, so emission never needs to understand the
//! spec, and the model can be snapshotted as YAML for review. All collections are ordered
//! (sorted `Vec`s or `BTreeMap`s) so the output does not depend on the spec's key order.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

mod constraints;
mod waiting;

pub use constraints::{Bound, Constraints};

pub use waiting::{
    ArgSource, FieldStep, FinalValue, PageShape, Pagination, PinnedPoll, Until, WaitTrigger, Waiter,
};

/// Everything the generated crate is made from.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    pub title: String,
    /// `info.version` of the spec.
    pub version: String,
    /// The first server's URL: the client's default base URL.
    pub default_base_url: String,
    /// Sorted by `fn_name`.
    pub operations: Vec<Operation>,
    /// One validated newtype per distinct path parameter, sorted by type name.
    pub path_params: Vec<PathParamType>,
    /// Every named model type, keyed by Rust type name.
    pub types: BTreeMap<String, TypeDef>,
    /// The type error responses decode into (the same for every operation).
    pub error_body: TypeRef,
    /// Every response header the spec declares on any operation, sorted by wire name.
    pub response_headers: Vec<ResponseHeader>,
    /// Security schemes, sorted by name.
    pub security_schemes: Vec<SecurityScheme>,
    /// Every example in the spec, as a test the generated crate runs; sorted by test name.
    pub examples: Vec<Example>,
    /// One per distinct watcher (`x-xgen-atlascli.watcher`), sorted by method name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waiters: Vec<Waiter>,
}

/// One example from the spec, checked by a generated test.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub test_name: String,
    /// JSON pointer of the example in the spec.
    pub source: String,
    pub target: ExampleTarget,
    /// What the test decodes: the example, with integral floats on integer fields written as
    /// integers (upstream writes `1.1991456e+09` where the wire carries `1199145600`).
    pub input: Value,
    /// What re-encoding the decoded value must give: the example seen through the type, so
    /// properties the type leaves out (`writeOnly` in a response, `readOnly` in a request)
    /// and optional `null`s are dropped.
    pub expected: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExampleTarget {
    /// Decoded into this type and encoded again.
    Decode(TypeRef),
    /// Validated by this path-parameter newtype.
    PathParam(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// Upstream `operationId`.
    pub operation_id: String,
    /// Short name: `x-xgen-operation-id-override` when present, else `operationId`. The one
    /// name a user of the crate sees: in its docs, errors, spans, hooks, waits and mocks.
    pub name: String,
    /// Client method name (snake_case of `name`).
    pub fn_name: String,
    /// Request builder type name (PascalCase of `name`).
    pub builder_name: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template as written in the spec.
    pub path: String,
    pub path_segments: Vec<PathSegment>,
    /// Path parameters in the order they appear in the path.
    pub path_args: Vec<PathArg>,
    /// Sorted by wire name.
    pub query_params: Vec<QueryParam>,
    /// Request headers the operation declares, sorted by wire name.
    pub header_params: Vec<QueryParam>,
    pub request_body: Option<RequestBody>,
    /// Media type sent as `Accept`: the versioned media type of the success response.
    pub accept: String,
    /// Resource version (`YYYY-MM-DD`) the media type selects, when it is versioned.
    pub api_version: Option<String>,
    pub success: SuccessResponse,
    /// Declared error responses, sorted by status.
    pub errors: Vec<ErrorResponse>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    /// `x-sunset` of the chosen resource version: the date Atlas stops serving it.
    pub sunset: Option<String>,
    /// Every resource version the operation's success responses and request body offer,
    /// sorted; the one in `api_version` is what the client sends.
    pub versions: Vec<ResourceVersion>,
    pub tags: Vec<String>,
    /// `x-rolesRequirements`.
    pub roles: Vec<String>,
    /// `x-xgen-docs-url`.
    pub docs_url: Option<String>,
    /// How to walk its pages, for a paginated list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
}

impl Operation {
    /// Deprecated as a whole, or its resource version has a sunset date: using it warns.
    pub fn is_deprecated(&self) -> bool {
        self.deprecated || self.sunset.is_some()
    }
}

/// A resource version an operation offers (`YYYY-MM-DD` or `preview`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceVersion {
    pub version: String,
    /// `x-sunset`: the date Atlas stops serving this version.
    pub sunset: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PathSegment {
    Literal(String),
    /// A `{name}` placeholder, by wire name.
    Param(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct PathArg {
    pub wire_name: String,
    pub rust_name: String,
    /// Name of the validated newtype in `params`, or of the enum in `models`.
    pub type_name: String,
    /// The parameter is a string enum (a type in `models`), not a validated newtype.
    pub is_enum: bool,
    /// What the client method takes (by reference): `params::<type_name>` or
    /// `models::<type_name>`.
    pub rust_type: RustType,
    /// This operation's description of the parameter.
    pub description: Option<String>,
}

/// A validated newtype for one path parameter, shared by every operation that uses it.
#[derive(Debug, Clone, Serialize)]
pub struct PathParamType {
    pub type_name: String,
    pub wire_name: String,
    pub description: Option<String>,
    pub pattern: Option<String>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub example: Option<Value>,
    /// Operation names using it, sorted.
    pub used_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryParam {
    pub wire_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    /// Required: a client-method argument; optional: a request-builder setter.
    pub required: bool,
    /// What the argument or setter takes.
    pub rust_type: RustType,
    pub description: Option<String>,
    pub default: Option<Value>,
    /// What the spec allows of the value, checked before the request is sent.
    pub constraints: Constraints,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestBody {
    pub media_type: String,
    pub ty: TypeRef,
    /// Required: a client-method argument; optional: the request builder's `body` setter.
    pub required: bool,
    /// What the argument or setter takes (by reference).
    pub rust_type: RustType,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuccessResponse {
    /// Declared 2xx statuses, sorted.
    pub statuses: Vec<u16>,
    /// `None` when the response has no body.
    pub body: Option<TypeRef>,
    /// Some success statuses carry the body and others none: the result is an `Option`.
    pub body_optional: bool,
    /// The body is not JSON (`+gzip`, `+csv`, …): the result is its raw bytes.
    pub raw: bool,
    /// What a successful call returns (inside `ApiResponse`): `()`, raw bytes, the body, or
    /// an optional body.
    pub rust_type: RustType,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorResponse {
    pub status: u16,
    pub description: Option<String>,
    /// The body type, when it is not the API's common error body.
    pub other_body: Option<TypeRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponseHeader {
    pub wire_name: String,
    pub fn_name: String,
    pub ty: TypeRef,
    /// What its `DeclaredHeaders` accessor returns: `Option<&str>` or the parsed value.
    pub rust_type: RustType,
    pub description: Option<String>,
    /// Names of the operations whose responses declare it.
    pub operations: std::collections::BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityScheme {
    pub name: String,
    /// E.g. `http digest`, `oauth2 clientCredentials`.
    pub kind: String,
    pub token_url: Option<String>,
}

/// A Rust type as the model sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum TypeRef {
    /// A type in `types`, by Rust name.
    Named(String),
    Vec(Box<TypeRef>),
    /// A JSON object with arbitrary keys (`additionalProperties`).
    Map(Box<TypeRef>),
    String,
    Bool,
    I32,
    I64,
    F32,
    F64,
    DateTime,
    Date,
    /// Any JSON value.
    Json,
    /// A free-form JSON object.
    JsonObject,
}

impl TypeRef {
    /// The type as reports name it: `models::Name`, `Vec<String>`, `DateTime<Utc>`.
    pub fn to_text(&self) -> String {
        match self {
            TypeRef::Named(name) => format!("models::{name}"),
            TypeRef::Vec(inner) => format!("Vec<{}>", inner.to_text()),
            TypeRef::Map(inner) => format!("BTreeMap<String, {}>", inner.to_text()),
            TypeRef::String => "String".to_owned(),
            TypeRef::Bool => "bool".to_owned(),
            TypeRef::I32 => "i32".to_owned(),
            TypeRef::I64 => "i64".to_owned(),
            TypeRef::F32 => "f32".to_owned(),
            TypeRef::F64 => "f64".to_owned(),
            TypeRef::DateTime => "DateTime<Utc>".to_owned(),
            TypeRef::Date => "NaiveDate".to_owned(),
            TypeRef::Json => "serde_json::Value".to_owned(),
            TypeRef::JsonObject => "serde_json::Map<String, Value>".to_owned(),
        }
    }
}

/// A type as the generated code spells it: a model-level type with the wrappers lowering
/// chose (`lower::rust_shape`). Emission prints it and `diff` compares it; neither decides.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum RustType {
    /// The type itself.
    Plain(TypeRef),
    /// A validated path-parameter newtype in `params`, by name.
    Param(String),
    /// `Option<T>`: absent (or `null`).
    Option(Box<RustType>),
    /// `Nullable<T>`: `null` or a value, inside an `Option` for an optional field a request
    /// may send as `null` (to clear it).
    Nullable(Box<RustType>),
    /// `Box<T>`.
    Boxed(Box<RustType>),
    /// `Vec<u8>`: a body that is not JSON, as received.
    Bytes,
    /// `()`: no body.
    Unit,
    /// `&str`: text borrowed from what it was read from.
    Str,
}

impl RustType {
    /// Whether the value may be absent: an `Option`.
    pub fn is_option(&self) -> bool {
        matches!(self, RustType::Option(_))
    }

    /// The type under its `Option`, `Nullable` and `Box` wrappers.
    pub fn innermost(&self) -> &RustType {
        match self {
            RustType::Option(inner) | RustType::Nullable(inner) | RustType::Boxed(inner) => {
                inner.innermost()
            }
            other => other,
        }
    }

    /// The path-parameter newtype the value is (under its `Option`, `Nullable`, `Box`).
    pub fn param(&self) -> Option<&str> {
        match self.innermost() {
            RustType::Param(name) => Some(name),
            _ => None,
        }
    }

    /// Whether an explicit `null` is a value of its own: `Nullable` (inside an `Option`).
    pub fn is_nullable(&self) -> bool {
        match self {
            RustType::Nullable(_) => true,
            RustType::Option(inner) => inner.is_nullable(),
            _ => false,
        }
    }

    /// Whether the value is boxed (possibly inside an `Option` or `Nullable`).
    pub fn is_boxed(&self) -> bool {
        match self {
            RustType::Boxed(_) => true,
            RustType::Option(inner) | RustType::Nullable(inner) => inner.is_boxed(),
            _ => false,
        }
    }

    /// The type as reports name it: `Option<Box<models::Name>>`, `params::GroupId`.
    pub fn to_text(&self) -> String {
        match self {
            RustType::Plain(ty) => ty.to_text(),
            RustType::Param(name) => format!("params::{name}"),
            RustType::Option(inner) => format!("Option<{}>", inner.to_text()),
            RustType::Nullable(inner) => format!("Nullable<{}>", inner.to_text()),
            RustType::Boxed(inner) => format!("Box<{}>", inner.to_text()),
            RustType::Bytes => "Vec<u8>".to_owned(),
            RustType::Unit => "()".to_owned(),
            RustType::Str => "&str".to_owned(),
        }
    }
}

/// Which way a model type travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Direction {
    /// Sent by the client: `readOnly` properties are left out.
    Request,
    /// Received by the client: `writeOnly` properties are left out.
    Response,
}

#[derive(Debug, Clone, Serialize)]
pub enum TypeDef {
    Struct(StructDef),
    Enum(EnumDef),
    Union(UnionDef),
}

impl TypeDef {
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Struct(def) => &def.name,
            TypeDef::Enum(def) => &def.name,
            TypeDef::Union(def) => &def.name,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StructDef {
    pub name: String,
    /// JSON pointer of the schema it comes from.
    pub source: String,
    /// The directions it is used in, sorted.
    pub directions: Vec<Direction>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Sorted by wire name.
    pub fields: Vec<Field>,
    /// `additionalProperties` next to `properties`: the other keys, as a map of this type.
    pub additional: Option<TypeRef>,
    /// The traits the type derives, in this order.
    pub derives: Vec<Derive>,
    /// How `new` takes the mandatory fields. Every struct has one: structs are
    /// `#[non_exhaustive]`, so `new` is how code outside the crate builds one.
    pub constructor: Constructor,
    /// The private field keeping the properties the spec does not declare, by Rust name;
    /// `None` for a type never received (or one whose `additionalProperties` keeps them).
    pub unknown_fields: Option<String>,
    /// What makes it a page of a paginated list, when an operation answers with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<Box<PageShape>>,
}

/// A struct's `new`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Constructor {
    /// The mandatory fields `new` takes, by Rust name, in field order.
    pub fields: Vec<String>,
    /// When two of them share a Rust type, `new` takes them as the fields of this struct
    /// (`{Type}Required`, in `models`), each by name, so they cannot be swapped silently;
    /// otherwise positionally, where the compiler tells every argument apart.
    pub named: Option<String>,
}

/// A trait a model struct derives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Derive {
    Debug,
    Clone,
    /// Only while no field is mandatory: a value with everything unset must be valid.
    Default,
    PartialEq,
    Serialize,
    Deserialize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub wire_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    /// Required in this type's direction (on the wire: the key is always present).
    pub required: bool,
    /// `nullable: true`: `null` is accepted.
    pub nullable: bool,
    /// The field's Rust type: `ty`, boxed to break a cycle of directly nested types, in an
    /// `Option` unless the field is required and not nullable.
    pub rust_type: RustType,
    pub description: Option<String>,
    /// What the spec allows of the value, checked before a request carrying it is sent
    /// (never on responses).
    pub constraints: Constraints,
    pub deprecated: bool,
    /// The name of its chained setter (`fn key(mut self, value) -> Self`): the field's name,
    /// or `set_<name>` where that is a method the struct has or a trait method it would
    /// shadow (`naming::MODEL_METHODS`).
    pub setter: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnumDef {
    pub name: String,
    pub source: String,
    pub description: Option<String>,
    /// In spec order (the order is part of the API's documentation).
    pub variants: Vec<EnumVariant>,
    /// Name of the variant that holds values the spec does not list.
    pub catch_all: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnumVariant {
    pub wire_value: String,
    pub rust_name: String,
}

/// `oneOf`/`anyOf` (or a discriminated base schema): a value of one of several types.
#[derive(Debug, Clone, Serialize)]
pub struct UnionDef {
    pub name: String,
    pub source: String,
    pub description: Option<String>,
    /// The property whose value selects the variant: the spec's `discriminator`, or one
    /// inferred from a string-enum property whose values tell every member apart. `None`:
    /// variants are tried in order.
    pub discriminator: Option<String>,
    /// In spec order.
    pub variants: Vec<UnionVariant>,
    /// Name of the variant that keeps a value no variant accepts, as JSON.
    pub catch_all: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnionVariant {
    pub rust_name: String,
    pub ty: TypeRef,
    /// Discriminator values selecting this variant (empty without a discriminator).
    pub tags: Vec<String>,
    /// What the variant holds: `ty`, boxed when it is a struct (variants differ widely in
    /// size) or leads back to the union.
    pub rust_type: RustType,
}
