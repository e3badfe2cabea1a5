//! The Rust blocks a reader sees in the workspace's README.md, compiled as doctests by the test
//! command (`cargo test --workspace` runs the doctests of this library). The generated crate's
//! README.md is that crate's own docs (`#![doc = include_str!("../README.md")]`), so its blocks
//! are the generated crate's doctests and run there. Nothing here is part of any API.

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeSnippets;
