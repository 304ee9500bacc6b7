//! Streaming statistics over trials, and comparisons between runs.
//!
//! Trial records are fed into [`Accumulator`]s (in a run, one per range of
//! cells, shared by the workers and joined at the end); accumulators of
//! shards run on other machines merge exactly, so the statistics do not
//! depend on the thread count, the order trials finish in or the shard
//! split. [`summary_frame`] turns the merged state into the tidy
//! summary table; [`compare::compare_runs`] computes differences between two
//! result folders.
//!
//! This module does no writing (that is `output`'s job) and knows nothing of
//! the engine: a trial is just a record of `f64`s described by a [`Layout`].
//! Only this module and `output` use polars.

mod accumulator;
pub mod compare;
mod frame;
mod wide;

use serde::{Deserialize, Serialize};

pub use accumulator::{Accumulator, AggregateError, CellStats, FRACTION_BITS, MAX_TRIALS};
pub use frame::{summary_frame, SUMMARY_COLUMNS};

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

#[cfg(test)]
pub(crate) mod fixture {
    //! Synthetic layouts and records shared by the aggregate and output tests.

    use super::{Layout, SeriesMeta};

    /// Three series over three months and the horizon.
    pub fn layout() -> Layout {
        let s = |metric: &str, commodity: &str, key: &str, unit: &str| SeriesMeta {
            metric: metric.into(),
            commodity: commodity.into(),
            key: key.into(),
            unit: unit.into(),
        };
        Layout {
            series: vec![
                s("shortfall", "rare_earths", "united_states", "t"),
                s("price", "oil", "israel", "USD/bbl"),
                s("total_cost", "", "world", "USD"),
            ],
            periods: vec![
                "2026-01".into(),
                "2026-02".into(),
                "2026-03".into(),
                super::HORIZON.into(),
            ],
        }
    }

    /// Deterministic pseudo-random records for `layout()`, trial `t` from
    /// its own stream so any subset can be regenerated.
    pub fn record(t: u64) -> Vec<f64> {
        let mut state = t.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
        let mut uniform = move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut rec = Vec::with_capacity(12);
        let mut total = 0.0;
        for _ in 0..3 {
            let u = uniform();
            let v = if u < 0.7 { 0.0 } else { 1000.0 * (u - 0.7) };
            total += v;
            rec.push(v);
        }
        rec.push(total);
        let mut price_sum = 0.0;
        for _ in 0..3 {
            let p = 80.0 * (0.5 * (uniform() - 0.5)).exp();
            price_sum += p;
            rec.push(p);
        }
        rec.push(price_sum / 3.0);
        for m in 0..3 {
            rec.push(1.5e9 + 1e6 * m as f64);
        }
        rec.push(4.5e9 + 3e6);
        // Built series by series above; records are period-major.
        let layout = layout();
        let mut out = vec![0.0; rec.len()];
        for (i, v) in rec.into_iter().enumerate() {
            out[layout.cell(i / 4, i % 4)] = v;
        }
        out
    }
}
