//! The single integration test binary (`autotests = false` in Cargo.toml):
//! one module per area, so the crate and polars are linked once.

mod cli;
mod common;
mod docs;
mod hostile;
mod cases;
mod props;
mod solver;
