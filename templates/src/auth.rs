//! Credentials and how they are attached to requests.
//!
//! Secrets live in [`SecretString`], whose `Debug` and `Display` never show the value, and
//! header values carrying them are marked sensitive so reqwest's own `Debug` hides them too.

use std::fmt;

/// A secret (token, key, password). Its `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(secret: impl Into<String>) -> Self {
        SecretString(secret.into())
    }

    /// The secret itself. Call it only where the value must leave the process.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretString {
    fn from(secret: String) -> Self {
        SecretString(secret)
    }
}

impl From<&str> for SecretString {
    fn from(secret: &str) -> Self {
        SecretString(secret.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How the client authenticates to Atlas.
///
/// More schemes (API-key Digest, service-account OAuth) are added as new variants; the enum
/// is `#[non_exhaustive]` so that adding one is not a breaking change.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// No `Authorization` header (for mock servers and public endpoints).
    #[default]
    Anonymous,
    /// `Authorization: Bearer <token>`, e.g. a service-account access token obtained
    /// elsewhere.
    BearerToken(SecretString),
}

impl Credentials {
    /// Bearer-token credentials.
    pub fn bearer_token(token: impl Into<SecretString>) -> Self {
        Credentials::BearerToken(token.into())
    }

    /// Attaches these credentials to a request.
    pub(crate) fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Credentials::Anonymous => request,
            // reqwest marks the header value sensitive.
            Credentials::BearerToken(token) => request.bearer_auth(token.expose_secret()),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::BearerToken(token) => f.debug_tuple("BearerToken").field(token).finish(),
        }
    }
}
