//! Streaming statistics over trials.
//!
//! Trial records are fed into [`Accumulator`]s (in a run, one per range of
//! cells, shared by the workers and joined at the end); accumulators of
//! shards run on other machines merge exactly, so the statistics do not
//! depend on the thread count, the order trials finish in or the shard
//! split. [`summary_frame`] turns the merged state into the tidy
//! summary table. (Comparing two result folders reads files, so it is
//! `output::compare`'s job.)
//!
//! | file | job |
//! |---|---|
//! | `accumulator` | [`Accumulator`]: adding chunks of records in one sweep over the cells, joining cell ranges, merging |
//! | `stats` | [`CellStats`]: what each summary statistic is and how exact |
//! | `fixed` | the fixed-point exact sums behind the mean and standard deviation |
//! | `wide` | the 256-bit integer those sums need |
//! | `histogram` | the log-bin histogram store behind the quantiles (16-bit bins, carries, compaction) |
//! | [`state_format`] | the whole `state.bin` format, byte by byte |
//! | `frame` | the summary table |
//!
//! This module opens no files for writing (that is `output`'s job) and
//! knows nothing of the engine: a trial is just a record of `f64`s
//! described by a [`Layout`]. Only this module and `output` use polars.

mod accumulator;
mod fixed;
#[cfg(test)]
pub(crate) mod fixture;
mod frame;
mod histogram;
pub mod state_format;
mod stats;
mod wide;

use serde::{Deserialize, Serialize};

pub use accumulator::{Accumulator, AggregateError, MAX_TRIALS};
pub use fixed::FRACTION_BITS;
pub use frame::{summary_frame, SUMMARY_COLUMNS};
pub use stats::CellStats;

/// Name of the last period of a [`Layout`]: the whole-horizon value.
pub const HORIZON: &str = "horizon";

/// What each value of a trial record is.
///
/// A record has `series.len() * periods.len()` values, period-major: the
/// value of series `s` in period `t` is at `t * series.len() + s` (the
/// order the engine produces them in, period by period), and the last
/// period is the horizon total (or level).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// The recorded series, in record order.
    pub series: Vec<SeriesMeta>,
    /// Period labels (`"2026-01"`, ...), then [`HORIZON`].
    pub periods: Vec<String>,
}

/// One recorded series: a metric of a commodity at a region, route, leg or
/// corridor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesMeta {
    /// What is measured (`"shortfall"`, `"price"`, `"flow"`, ...).
    pub metric: String,
    /// Commodity id, or `""` for series not tied to one (total cost).
    pub commodity: String,
    /// Region, route, leg or corridor id.
    pub key: String,
    /// Unit of the values (`"t"`, `"USD/t"`, `"share"`, ...).
    pub unit: String,
}

impl Layout {
    /// Number of values in one trial record.
    pub fn n_cells(&self) -> usize {
        self.series.len() * self.periods.len()
    }

    /// Index in a record of series `series` in period `period`.
    pub fn cell(&self, series: usize, period: usize) -> usize {
        period * self.series.len() + series
    }

    /// Index of the horizon period.
    pub fn horizon(&self) -> usize {
        self.periods.len().saturating_sub(1)
    }
}
