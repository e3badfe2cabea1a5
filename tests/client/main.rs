//! The generated client, run: one test binary for everything that sends requests to local
//! servers on 127.0.0.1 (wiremock, the raw chaos and token-bucket servers in `support/`,
//! Prism), directly or through the generated command line (`command_line/`). Each module is one concern; they share one binary so the workspace links the
//! client, tokio and wiremock once.
//!
//! The slow checks are `#[ignore]`d and selected by module, for example
//! `cargo test -p atlas-codegen-tests --test client load_and_chaos:: -- --ignored`.

mod auth_and_resilience;
mod call_control;
mod client_behaviour;
mod command_line;
mod contract_prism;
mod downstream;
mod hooks_and_tracing;
mod load_and_chaos;
mod rate_limits;
mod secure_defaults;
mod support;
mod testing_mocks;
mod waiters_and_pages;
