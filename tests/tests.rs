//! The single integration test binary (`autotests = false` in Cargo.toml):
//! one module per area, so the crate and polars are linked once.

mod cases;
mod cli;
mod common;
mod compare;
mod consistency;
mod determinism;
mod docs;
mod golden;
mod hostile;
mod policies;
mod props;
mod sampling;
mod slurm;
mod solver;
