//! `atlas-codegen` from outside: the built binary's commands and exit codes, `extract`
//! against the shipped upstream spec, and the fuzz corpus replayed. One test binary, so the
//! generator is linked once; each module is one concern.

mod support;

mod cli;
mod extract;
mod extract_watchers;
mod fuzz_replay;
