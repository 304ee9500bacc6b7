//! The hot loop: one trial = T periods of market clearing and dynamics.
//!
//! - [`simplex`]: the warm-started bounded simplex that solves each period's LP;
//! - [`dynamics`]: per-trial schedules of disruptions and policy activations;
//! - [`licence`]: licence queues (approvals released after a lag, at a
//!   limited throughput) and the per-period bound they put on flows;
//! - [`prepared`]: what every trial of a run shares (record slots, the
//!   baseline), and [`baseline`], which clears the baseline's first period;
//! - [`clearing`]: one period's bounds and costs, the solve, and what it means
//!   (prices, shortfall, flows);
//! - [`trial`]: the period loop, stocks carried over, the trial record;
//! - [`workspace`]: scratch memory allocated once per worker, and
//!   [`recent`], the trial's ring of recently solved LPs;
//! - [`response`]: the responses that link periods (adjusting demand,
//!   supply that answers a sustained price, recycling), whose state the
//!   workspace carries.
//!
//! The files depend on each other one way: each uses only files before it
//! in `simplex`, `recent`, `response`, `workspace`, `prepared`, `dynamics`, `licence`,
//! `clearing`, `trial`, `baseline` (`tests/architecture.rs` checks there is no cycle).
//!
//! Invariant: nothing here does I/O, reads the clock, touches a string or a
//! name-keyed map, uses a global RNG, or allocates after the workspace is
//! built. All randomness comes in through [`Draws`].

pub mod baseline;
pub mod clearing;
pub mod dynamics;
pub mod licence;
pub mod prepared;
pub mod recent;
pub mod response;
pub mod simplex;
pub mod trial;
pub mod workspace;

pub use prepared::Prepared;
pub use trial::{run_trial, TrialError};
pub use workspace::Workspace;

use crate::model::Draws;

/// Draws for `--deterministic` runs.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExpectedValues;

impl Draws for ExpectedValues {
    fn uniform(&mut self, _stream: usize) -> f64 {
        0.5
    }
    fn expected_mode(&self) -> bool {
        true
    }
}
