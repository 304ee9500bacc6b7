//! The single integration test binary (`autotests = false` in Cargo.toml):
//! one module per area, so the crate and polars are linked once.

mod architecture;
mod cases;
mod cli;
mod common;
mod compare;
mod consistency;
mod determinism;
mod docs;
mod eligibility;
// /dev/full, kill(1), sh and /proc: Linux, where CI runs.
#[cfg(target_os = "linux")]
mod environment;
mod fuzz;
mod golden;
mod hostile;
#[cfg(target_os = "linux")]
mod kill;
mod lithium;
mod policies;
mod props;
mod proptest_config;
mod recipes;
mod replays;
mod sampling;
mod sensitivity;
mod slurm;
mod solver;
mod sweep;
