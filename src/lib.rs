//! `corridor`: a Monte Carlo scenario simulator of strategic resource trade
//! (rare earths, lithium, oil) along the Middle Corridor and the legacy
//! routes.
//!
//! Data flows one way: scenario text ([`scenario`]) → compiled numeric model
//! ([`model`]) → per-period clearing and dynamics ([`engine`]) driven by
//! per-trial random streams ([`sampling`]) → parallel trials
//! ([`montecarlo`]) → streaming statistics ([`aggregate`]) → files
//! ([`output`]); [`run`] drives that whole flow for one scenario (the
//! library's entry point, [`run::run_scenario`]), and the command line
//! ([`cli`]) parses arguments, calls it and prints. See
//! `docs/ARCHITECTURE.md`.

#![warn(missing_docs)]

pub mod aggregate;
pub mod analysis;
pub mod cli;
pub mod dist;
pub mod engine;
pub mod error;
mod mem;
pub mod model;
pub mod montecarlo;
pub mod output;
pub mod plot;
pub mod run;
pub mod sampling;
pub mod scenario;
pub mod sweep;

/// The one configuration of every property test (fixed, printed seed;
/// failures persisted beside the test's source), shared with `tests/`.
#[cfg(test)]
#[path = "../tests/proptest_config.rs"]
mod proptest_config;
