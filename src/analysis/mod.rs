//! Analysis of a scenario's uncertainties: what each trial drew
//! ([`inputs`], for `trials.parquet`), the statistics of sensitivity
//! ([`sensitivity`], pure functions of samples) and the study that runs
//! the model for them ([`study`], `corridor sensitivity`).
//!
//! Nothing here writes files or prints: `output` writes what it finds and
//! `cli` shows it.

pub mod inputs;
pub mod sensitivity;
pub mod study;

pub use inputs::{InputColumn, InputDeriver};
pub use study::{InputSensitivity, SeriesPick, Study, StudyConfig, StudyResult};
