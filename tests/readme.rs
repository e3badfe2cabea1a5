//! The Rust blocks a reader sees in the README files, compiled as doctests by the test command
//! (`cargo test --workspace` runs the doctests of this library): the workspace's README.md and
//! the generated crate's README.md (whose blocks the generator also checks in its own crate
//! docs). Nothing here is part of any API.

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeSnippets;

#[cfg(doctest)]
#[doc = include_str!("../generated/README.md")]
pub struct GeneratedReadmeSnippets;
