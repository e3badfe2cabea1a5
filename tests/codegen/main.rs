//! The generator's output, checked from outside: one test binary for everything that reads
//! the spec and looks at what `atlas-codegen` makes of it. Each module is one concern; they
//! share one binary so the workspace links the generator and its dependencies once.

mod codegen_snapshots;
mod compile_fail;
mod determinism;
mod public_api;
mod review_workflow;
mod version_policy;
