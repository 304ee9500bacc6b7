//! The single integration test binary (`autotests = false` in Cargo.toml):
//! one module per area, so the crate and polars are linked once.

mod cases;
mod cli;
mod common;
mod determinism;
mod docs;
mod hostile;
mod props;
mod proptest_config;
mod slurm;
mod solver;
