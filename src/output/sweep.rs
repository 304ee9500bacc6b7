//! `sweep.csv`: the grid points of a sweep side by side, one row per point
//! and series at the horizon, with the paired difference against the first
//! point (taken by [`super::compare`] from the points' `trials.parquet`).

use std::path::Path;

use anyhow::Context;
use polars::prelude::{Column, DataFrame};

use super::compare::{compare_runs, CompareOptions};
use super::Artifact;
use crate::aggregate::{CellStats, SeriesMeta};

/// File name of a sweep's table.
pub const SWEEP_FILE: &str = "sweep.csv";

/// The paired difference of one series, point − first point, at the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// Metric of the series.
    pub metric: String,
    /// Commodity of the series.
    pub commodity: String,
    /// Key of the series.
    pub key: String,
    /// Mean of the per-trial differences.
    pub mean: f64,
    /// Lower end of its 95% interval (mean − 1.96 se of the paired differences).
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// Paired differences of every series, `point − first`, from two result
/// folders that kept per-trial data (the same trial indices).
pub fn paired_diffs(first: &Path, point: &Path) -> anyhow::Result<Vec<Diff>> {
    let c = compare_runs(first, point, CompareOptions::default())?;
    anyhow::ensure!(c.paired, "the runs could not be paired trial by trial");
    let f = &c.frame;
    let text = |name: &str| -> anyhow::Result<Vec<String>> {
        Ok(f.column(name)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    let num = |name: &str| -> anyhow::Result<Vec<f64>> {
        Ok(f.column(name)?
            .f64()?
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect())
    };
    let (metric, commodity, key) = (text("metric")?, text("commodity")?, text("key")?);
    let (mean, lo, hi) = (num("diff")?, num("ci_low")?, num("ci_high")?);
    Ok((0..f.height())
        .map(|i| Diff {
            metric: metric[i].clone(),
            commodity: commodity[i].clone(),
            key: key[i].clone(),
            mean: mean[i],
            lo: lo[i],
            hi: hi[i],
        })
        .collect())
}

/// One grid point of a sweep, as `sweep.csv` shows it.
pub struct PointRows<'a> {
    /// The value of each swept path at this point (as written).
    pub values: &'a [String],
    /// Every series' horizon statistics.
    pub horizon: &'a [(SeriesMeta, CellStats)],
    /// Paired differences against the first point, by series (`None`
    /// where they could not be taken).
    pub diffs: &'a [Option<(f64, f64, f64)>],
}

/// The statistics `sweep.csv` carries, after the series columns.
const STATS: [&str; 10] = [
    "mean", "std", "se", "p05", "p50", "p95", "min", "max", "p_any", "cvar95",
];

/// `sweep.csv`: columns = the swept paths, `point`, `metric`, `commodity`,
/// `key`, `unit`, `n`, the horizon statistics ([`STATS`], as in
/// `summary.csv`), `diff_mean`, `diff_lo`, `diff_hi`. Undefined values are
/// empty fields.
pub struct SweepCsv<'a> {
    /// The swept paths, in `--set` order.
    pub paths: &'a [String],
    /// The points in grid order.
    pub points: Vec<PointRows<'a>>,
}

impl SweepCsv<'_> {
    /// The table as a frame.
    pub fn frame(&self) -> anyhow::Result<DataFrame> {
        let rows: usize = self.points.iter().map(|p| p.horizon.len()).sum();
        let mut values: Vec<Vec<&str>> = vec![Vec::with_capacity(rows); self.paths.len()];
        let mut point = Vec::with_capacity(rows);
        let mut text: [Vec<&str>; 4] = std::array::from_fn(|_| Vec::with_capacity(rows));
        let mut n = Vec::with_capacity(rows);
        let mut stats: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(rows); STATS.len()];
        let mut diff: [Vec<Option<f64>>; 3] = std::array::from_fn(|_| Vec::with_capacity(rows));
        let defined = |v: f64| v.is_finite().then_some(v);
        for (i, p) in self.points.iter().enumerate() {
            for (s, (meta, c)) in p.horizon.iter().enumerate() {
                for (col, v) in values.iter_mut().zip(p.values) {
                    col.push(v.as_str());
                }
                point.push(i as u64);
                for (col, v) in
                    text.iter_mut()
                        .zip([&meta.metric, &meta.commodity, &meta.key, &meta.unit])
                {
                    col.push(v.as_str());
                }
                n.push(c.n);
                for (col, (_, read)) in stats.iter_mut().zip(CellStats::COLUMNS) {
                    col.push(defined(read(c)));
                }
                let d = p.diffs.get(s).copied().flatten();
                for (col, v) in
                    diff.iter_mut()
                        .zip([d.map(|d| d.0), d.map(|d| d.1), d.map(|d| d.2)])
                {
                    col.push(v.and_then(defined));
                }
            }
        }
        let mut columns: Vec<Column> = self
            .paths
            .iter()
            .zip(values)
            .map(|(name, v)| Column::new(name.as_str().into(), v))
            .collect();
        columns.push(Column::new("point".into(), point));
        for (name, v) in ["metric", "commodity", "key", "unit"].into_iter().zip(text) {
            columns.push(Column::new(name.into(), v));
        }
        columns.push(Column::new("n".into(), n));
        // CellStats::COLUMNS is the order of STATS.
        for ((name, _), v) in CellStats::COLUMNS.iter().zip(stats) {
            columns.push(Column::new((*name).into(), v));
        }
        for (name, v) in ["diff_mean", "diff_lo", "diff_hi"].into_iter().zip(diff) {
            columns.push(Column::new(name.into(), v));
        }
        DataFrame::new(rows, columns).context("cannot assemble the sweep table")
    }
}

impl Artifact for SweepCsv<'_> {
    fn file_name(&self) -> &'static str {
        SWEEP_FILE
    }

    fn write_to(&self, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        Ok(super::csv::write_csv(&self.frame()?, out)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_follow_the_summary_columns() {
        let names: Vec<&str> = CellStats::COLUMNS.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, STATS);
    }
}
