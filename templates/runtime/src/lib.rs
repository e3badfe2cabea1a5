//! The runtime of the MongoDB Atlas Administration API clients that `atlas-codegen`
//! generates: sending requests (authentication, retries, timeouts, path encoding, resource
//! versions, envelopes), decoding responses, and the one error type.
//!
//! A generated crate holds what its spec says (models, validated parameters, one method and
//! request builder per operation) and depends on this crate for everything else. Its users
//! meet these items through the generated crate's re-exports; its `ClientBuilder` and `Error`
//! are this crate's types, fixed to its spec.
//!
//! # The interface for generated code
//!
//! Nothing here refers to a generated item. What differs per spec reaches the runtime
//! through two traits a generated crate implements:
//! - [`GeneratedClient`], for its `Client`: the error body type, the default base URL, the
//!   OAuth token path and the user agent, and how to wrap the [`Transport`] that
//!   [`ClientBuilder::build`] makes;
//! - [`ErrorBody`], for its error body schema: where the Atlas error code and detail are.
//!
//! Generated operations build a [`PreparedRequest`] and send it with
//! [`Transport::execute`] (or [`Transport::execute_raw`] for non-JSON bodies); generated
//! models implement [`validation::Validate`] with [`validation::StringRules`]. Those items are
//! `#[doc(hidden)]` where callers have no use for them, and [`Method`] is re-exported for
//! them.
//!
//! With the `testing` feature, [`testing`] holds the typed mock server a generated crate's
//! own `testing` module wraps, for the tests of code that uses a generated client.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod client;
mod error;
mod response;
mod retry;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod transport;
pub mod validation;

pub use auth::{
    Credentials, SecretString, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_PRIVATE_API_KEY,
    ENV_PUBLIC_API_KEY,
};
pub use client::{
    ClientBuilder, GeneratedClient, Transport, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT,
};
pub use error::{
    ApiErrorResponse, AuthError, AuthErrorKind, Error, ErrorBody, InvalidParameter, UndecodableBody,
};
#[doc(hidden)]
pub use reqwest::Method;
pub use reqwest::StatusCode;
pub use response::{ApiResponse, ResponseHeaders};
pub use retry::RetryPolicy;
#[doc(hidden)]
pub use transport::PreparedRequest;
