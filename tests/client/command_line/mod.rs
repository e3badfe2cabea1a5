//! End-to-end tests of the generated command line (`atlas-admin`, the generated crate's `cli`
//! feature): the built binary, run as a user runs it, against the crate's typed mock server
//! (`testing::MockAtlas`) or an Atlas-like wiremock server on 127.0.0.1, with a temporary
//! home and `XDG_CONFIG_HOME` and nothing else from the environment.
//!
//! `cargo test --workspace` builds the binary (this package enables the `cli` feature of its
//! `atlas-admin` dependency); the tests find it next to their own executable.

mod bodies;
mod credentials;
mod exit_codes;
pub(crate) mod harness;
mod help;
pub(crate) mod operations;
mod pages;
mod waiting;
