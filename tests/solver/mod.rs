//! The LP solver on its own: random sparse LPs against microlp with full
//! optimality certificates, and warm starts against cold solves.

pub mod common;
mod crosscheck;
mod warmstart;
