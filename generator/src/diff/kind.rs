//! The kinds of change `diff` reports, each with its verdict and the reason for it.

use serde::{Deserialize, Serialize};

/// What kind of change, each with a fixed verdict on whether it breaks the generated API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    OperationAdded,
    OperationRemoved,
    /// The client method's name changed (`x-xgen-operation-id-override`).
    OperationRenamed,
    /// HTTP method or path changed: same Rust signature, requests go elsewhere.
    OperationMoved,
    OperationDeprecated,
    OperationUndeprecated,
    /// The operation lost a tag, hence a Cargo feature that enabled it.
    OperationFeaturesChanged,
    /// The operation gained tags only: more Cargo features enable it.
    OperationFeaturesAdded,
    VersionAdded,
    VersionRemoved,
    /// A version got an `x-sunset` date (or its date changed).
    VersionSunset,
    /// The resource version the client sends (its `Accept`) changed.
    VersionSelected,
    RequiredParameterAdded,
    OptionalParameterAdded,
    ParameterRemoved,
    ParameterRetyped,
    ParameterRequiredChanged,
    /// What a parameter is checked against before sending (a path newtype's pattern or
    /// length; a query or header value's constraints) changed.
    ParameterConstraintChanged,
    /// What a field is checked against before a request carrying it is sent changed
    /// (pattern, length, bounds, item count).
    FieldConstraintChanged,
    /// A required request body.
    RequestBodyAdded,
    OptionalRequestBodyAdded,
    RequestBodyRemoved,
    RequestBodyRetyped,
    RequestBodyRequiredChanged,
    ResponseRetyped,
    ErrorBodyRetyped,
    ResponseHeaderAdded,
    ResponseHeaderRemoved,
    ResponseHeaderRetyped,
    SecuritySchemeAdded,
    SecuritySchemeRemoved,
    /// The same scheme with another token URL.
    SecuritySchemeChanged,
    TypeAdded,
    TypeRemoved,
    /// A struct became an enum, a union or the other way round.
    TypeKindChanged,
    /// An operation that starts a job gained a watcher: `start_job` and `send_and_wait`, and
    /// a `wait_for_…` method on the client.
    WaiterAdded,
    /// The watcher went away: the operation's `start_job` and `send_and_wait` (and the
    /// `wait_for_…` method, when no other operation uses it) are gone.
    WaiterRemoved,
    /// The watcher waits for something else (other final states, other arguments).
    WaiterChanged,
    /// The operation became a paginated list: `pages()` and `items()` on its builder.
    PagerAdded,
    /// The operation is no longer a paginated list: `pages()` and `items()` are gone.
    PagerRemoved,
    FieldAdded,
    FieldRemoved,
    FieldRetyped,
    /// `required` or `nullable` changed, so the field became or stopped being an `Option`.
    FieldRequiredChanged,
    FieldDeprecated,
    /// The struct derives a trait it did not (`Default` once no field is mandatory).
    DeriveAdded,
    /// The struct no longer derives a trait (`Default` once a field is mandatory).
    DeriveRemoved,
    /// The struct's `new` takes other fields, or takes them another way.
    ConstructorChanged,
    EnumValueAdded,
    EnumValueRemoved,
    /// A value (or the catch-all) is another variant name in Rust: the names are handed out
    /// in spec order, so a new value can shift them.
    VariantRenamed,
    UnionVariantAdded,
    /// A member added to a union without a discriminator, where members are tried in order.
    UntaggedUnionVariantAdded,
    /// An untagged union's members are tried in another order.
    UnionVariantsReordered,
    /// The discriminator values that select a variant changed.
    UnionVariantTagsChanged,
    UnionVariantRemoved,
    UnionVariantRetyped,
    /// The property that selects a union's variant changed.
    DiscriminatorChanged,
    // What `api_diff` finds between two crates' public APIs: changes the generator made,
    // with the spec unchanged.
    /// A public item the crate did not have.
    ApiItemAdded,
    ApiItemRemoved,
    /// The same item with another signature or contract attributes.
    ApiItemChanged,
    /// A field or variant added to a type that is not `#[non_exhaustive]`.
    ApiMemberAdded,
    /// A trait gained an item without a default.
    ApiTraitItemAdded,
    /// The item's `#[deprecated]` came, went or was reworded, and nothing else changed.
    ApiItemDeprecated,
}

impl ChangeKind {
    /// Whether code written against the previous generated crate can stop compiling, or
    /// stop behaving as it did, with this change.
    pub fn breaking(self) -> bool {
        !matches!(
            self,
            ChangeKind::OperationAdded
                | ChangeKind::OperationMoved
                | ChangeKind::OperationDeprecated
                | ChangeKind::OperationUndeprecated
                | ChangeKind::VersionAdded
                | ChangeKind::VersionRemoved
                | ChangeKind::VersionSunset
                | ChangeKind::VersionSelected
                | ChangeKind::OptionalParameterAdded
                | ChangeKind::OperationFeaturesAdded
                | ChangeKind::SecuritySchemeChanged
                | ChangeKind::ResponseHeaderAdded
                | ChangeKind::SecuritySchemeAdded
                | ChangeKind::TypeAdded
                | ChangeKind::WaiterAdded
                | ChangeKind::PagerAdded
                | ChangeKind::FieldDeprecated
                | ChangeKind::DeriveAdded
                | ChangeKind::FieldAdded
                | ChangeKind::EnumValueAdded
                | ChangeKind::UnionVariantAdded
                | ChangeKind::ApiItemAdded
                | ChangeKind::ApiItemDeprecated
        )
    }

    /// Why the verdict is what it is, in the generated crate's terms.
    pub fn why(self) -> &'static str {
        match self {
            ChangeKind::OperationAdded => "a new client method and request builder",
            ChangeKind::OperationRemoved => "the client method and its request builder are gone",
            ChangeKind::OperationRenamed => "the client method and request builder have new names",
            ChangeKind::OperationMoved => "same Rust signature and the same operation; the client sends it where the spec now says",
            ChangeKind::OperationDeprecated => "the method is `#[deprecated]`: callers get a warning, not an error",
            ChangeKind::OperationUndeprecated => "the `#[deprecated]` warning goes away",
            ChangeKind::OperationFeaturesChanged => "the method is gated by other Cargo features: builds that enable only the old ones lose it",
            ChangeKind::OperationFeaturesAdded => "the method is enabled by more Cargo features than before (`any` of its tags)",
            ChangeKind::VersionAdded => "the client sends the newest version it accepts; see `version_selected` for what it now sends",
            ChangeKind::VersionRemoved => "an offered version went away; see `version_selected` if it was the one the client sends",
            ChangeKind::VersionSunset => "Atlas stops serving the version on that date; when the client sends it, the method becomes `#[deprecated]`",
            ChangeKind::VersionSelected => "the client sends another `Accept` version; the shapes of the new version show up as type and field changes",
            ChangeKind::RequiredParameterAdded => "the client method takes a new positional argument",
            ChangeKind::OptionalParameterAdded => "a new request-builder method; existing calls compile unchanged",
            ChangeKind::ParameterRemoved => "a method argument or request-builder method is gone",
            ChangeKind::ParameterRetyped => "the argument or builder method takes another type",
            ChangeKind::ParameterRequiredChanged => "the parameter moved between the method's arguments and the request builder",
            ChangeKind::ParameterConstraintChanged => "the parameter is checked against other constraints before sending: values that passed may now be rejected (a relaxed constraint is reported too: telling a regex subset apart is not attempted)",
            ChangeKind::FieldConstraintChanged => "the field is checked against other constraints before a request carrying it is sent: requests that passed may now be rejected (a relaxed constraint is reported too); responses are never checked",
            ChangeKind::RequestBodyAdded => "the client method takes a new body argument",
            ChangeKind::OptionalRequestBodyAdded => "a new request-builder `body` method, and existing client calls compile unchanged; but the operation's `testing` mock now names the body type in the `Expectation` it returns, so code that names that type stops compiling",
            ChangeKind::RequestBodyRemoved => "the body argument or builder method is gone",
            ChangeKind::RequestBodyRetyped => "the body argument takes another type",
            ChangeKind::RequestBodyRequiredChanged => "the body moved between the method's arguments and the request builder",
            ChangeKind::ResponseRetyped => "`send()` returns another type",
            ChangeKind::ErrorBodyRetyped => "`Error::Api` carries another error body type",
            ChangeKind::ResponseHeaderAdded => "a new accessor on the sealed `DeclaredHeaders` trait (with a default body, so nothing downstream has to implement it)",
            ChangeKind::ResponseHeaderRemoved => "a `DeclaredHeaders` accessor is gone",
            ChangeKind::ResponseHeaderRetyped => "a `DeclaredHeaders` accessor returns another type",
            ChangeKind::SecuritySchemeAdded => "the spec declares another way to authenticate",
            ChangeKind::SecuritySchemeRemoved => "Atlas no longer declares this way to authenticate; credentials of that kind may stop working",
            ChangeKind::SecuritySchemeChanged => "the client fetches its OAuth token where the spec now says",
            ChangeKind::TypeAdded => "a new type",
            ChangeKind::TypeRemoved => "the type is gone",
            ChangeKind::TypeKindChanged => "the model type is now another kind of item (struct, enum or union)",
            ChangeKind::WaiterAdded => "new `start_job` and `send_and_wait` on the request builder, and a new `wait_for_…` method on the client",
            ChangeKind::WaiterRemoved => "`start_job` and `send_and_wait` are gone from the request builder (and the `wait_for_…` method from the client when nothing else starts that wait)",
            ChangeKind::WaiterChanged => "the wait ends on other states, or takes other arguments: code that matched its outcome or called it may stop compiling or waits for something else",
            ChangeKind::PagerAdded => "new `pages()` and `items()` methods on the request builder",
            ChangeKind::PagerRemoved => "`pages()` and `items()` are gone from the request builder",
            ChangeKind::FieldAdded => "model structs are `#[non_exhaustive]` and built with `new` and setters: a new public field and its setter break nothing (a mandatory one changes `new`, reported as `constructor_changed`)",
            ChangeKind::FieldRemoved => "the public field and its setter are gone",
            ChangeKind::FieldRetyped => "the public field (and its setter) has another type or name",
            ChangeKind::FieldRequiredChanged => "the field's type gains or loses its `Option`",
            ChangeKind::FieldDeprecated => "documentation only: the spec marks the field deprecated",
            ChangeKind::DeriveAdded => "a new trait implementation",
            ChangeKind::DeriveRemoved => "a trait implementation is gone: code that uses it (`Default::default()`) stops compiling",
            ChangeKind::ConstructorChanged => "`new` takes other arguments, or takes them by name instead of positionally (or the other way round)",
            ChangeKind::EnumValueAdded => "a new variant of a `#[non_exhaustive]` enum; the value used to arrive as the catch-all variant and now arrives as its own",
            ChangeKind::EnumValueRemoved => "the enum variant is gone (the value now arrives as the catch-all variant)",
            ChangeKind::VariantRenamed => "the variant has another name: code that names it stops compiling, or names another value",
            ChangeKind::UnionVariantAdded => "a new variant of a `#[non_exhaustive]` union; such values used to arrive as the catch-all variant and now arrive as their own",
            ChangeKind::UntaggedUnionVariantAdded => "members are tried in order, so JSON that decoded into another variant may now decode into the new one",
            ChangeKind::UnionVariantsReordered => "members are tried in order, so the same JSON may decode into another variant",
            ChangeKind::UnionVariantTagsChanged => "the discriminator values that select the variant changed: the same JSON may decode into another variant",
            ChangeKind::UnionVariantRemoved => "the union variant is gone",
            ChangeKind::UnionVariantRetyped => "the union variant holds another type",
            ChangeKind::DiscriminatorChanged => "values are told apart by another property: the same JSON may decode into another variant",
            ChangeKind::ApiItemAdded => "a new public item",
            ChangeKind::ApiItemRemoved => "the public item is gone (or is reached by another path)",
            ChangeKind::ApiItemChanged => "the item's signature or contract attributes changed: code that uses it may stop compiling",
            ChangeKind::ApiMemberAdded => "the type is not `#[non_exhaustive]`: struct literals or exhaustive matches stop compiling",
            ChangeKind::ApiTraitItemAdded => "the trait item has no default: implementations outside the crate stop compiling",
            ChangeKind::ApiItemDeprecated => "only the item's `#[deprecated]` changed: callers get a warning, or lose one, not an error",
        }
    }
}
