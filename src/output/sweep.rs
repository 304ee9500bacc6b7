//! `sweep.csv`: the grid points of a sweep side by side, one row per point
//! and series at the horizon, with the paired difference against the first
//! point (from the points' `trials.parquet`, as `compare` pairs them).

use std::path::Path;

use anyhow::Context;
// Named imports: the polars prelude's `PolarsContext` would clash with
// anyhow's `Context` methods.
use polars::prelude::{col, Column, DataFrame, LazyFrame, PlRefPath, ScanArgsParquet};

use super::compare::Z95;
use super::Artifact;
use crate::aggregate::{CellStats, SeriesMeta};

/// File name of a sweep's table.
pub const SWEEP_FILE: &str = "sweep.csv";

/// Every trial's horizon values from a result folder's `trials.parquet`:
/// the trial index of each row and its value (NaN where undefined), in
/// file order (trials ascending, each trial's series in layout order).
pub struct TrialValues {
    /// Trial index of each value.
    pub trial: Vec<u64>,
    /// The values.
    pub value: Vec<f64>,
}

/// Reads `trials.parquet` of the result folder `dir`.
pub fn trial_values(dir: &Path) -> anyhow::Result<TrialValues> {
    let path = dir.join(super::TRIALS_FILE);
    let read = || -> anyhow::Result<TrialValues> {
        let frame =
            LazyFrame::scan_parquet(PlRefPath::try_from_path(&path)?, ScanArgsParquet::default())?
                .select([col("trial"), col("value")])
                .collect()?;
        let trial = frame.column("trial")?.u64()?;
        let value = frame.column("value")?.f64()?;
        Ok(TrialValues {
            trial: trial.iter().map(|t| t.unwrap_or(u64::MAX)).collect(),
            value: value.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
        })
    };
    read().with_context(|| format!("cannot read {}", path.display()))
}

/// Paired differences `point − first` of each of `series` series, trial
/// by trial: the mean of the per-trial differences and its 95% interval
/// (mean ∓ [`Z95`] standard errors, the sample standard deviation over
/// √pairs, as `compare` computes it). Trials where either value is
/// undefined are left out; a series with fewer than two pairs gets `None`.
/// Both runs must hold the same trials of the same series (a sweep's
/// points do: same seed, same trials, same layout).
///
/// Computed here from the two value columns rather than by
/// `compare::compare_runs`, whose join on (trial, metric, commodity, key)
/// takes about 3.5 GB for two runs of 10,000 trials of the China-ban world
/// (911 series); this needs the two columns (150 MB).
pub fn paired_diffs(
    first: &TrialValues,
    point: &TrialValues,
    series: usize,
) -> anyhow::Result<Vec<Option<(f64, f64, f64)>>> {
    anyhow::ensure!(
        first.trial == point.trial
            && first.value.len() == first.trial.len()
            && point.value.len() == point.trial.len()
            && series > 0
            && first.value.len() % series == 0,
        "the runs do not hold the same trials of the same series"
    );
    let pairs = |s: usize| {
        first.value[s..]
            .iter()
            .step_by(series)
            .zip(point.value[s..].iter().step_by(series))
            .map(|(a, b)| b - a)
            .filter(|d| d.is_finite())
    };
    Ok((0..series)
        .map(|s| {
            let (n, sum) = pairs(s).fold((0u64, 0.0), |(n, sum), d| (n + 1, sum + d));
            if n < 2 {
                return None;
            }
            let mean = sum / n as f64;
            let sq: f64 = pairs(s).map(|d| (d - mean) * (d - mean)).sum();
            let se = (sq / (n - 1) as f64).sqrt() / (n as f64).sqrt();
            Some((mean, mean - Z95 * se, mean + Z95 * se))
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

/// `sweep.csv`: columns = the swept paths, `point`, `metric`, `commodity`,
/// `key`, `unit`, `n`, the horizon statistics (`CellStats::COLUMNS`,
/// as in `summary.csv`), `diff_mean`, `diff_lo`, `diff_hi`. Undefined values are
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
        let mut stats: Vec<Vec<Option<f64>>> =
            vec![Vec::with_capacity(rows); CellStats::COLUMNS.len()];
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
    fn paired_differences_per_series() {
        let tv = |value: Vec<f64>| TrialValues {
            trial: vec![0, 0, 1, 1, 2, 2],
            value,
        };
        let a = tv(vec![1.0, 5.0, 2.0, 5.0, 3.0, 5.0]);
        let b = tv(vec![2.0, 5.0, 4.0, 5.0, 6.0, f64::NAN]);
        let d = paired_diffs(&a, &b, 2).unwrap();
        // Differences 1, 2, 3: mean 2, sd 1, se 1/sqrt(3).
        let (m, lo, hi) = d[0].unwrap();
        assert_eq!(m, 2.0);
        assert!(
            (hi - m - Z95 / 3f64.sqrt()).abs() < 1e-12
                && (m - lo - Z95 / 3f64.sqrt()).abs() < 1e-12
        );
        // Identical values differ by exactly 0; the undefined trial is left out.
        assert_eq!(d[1], Some((0.0, 0.0, 0.0)));
        assert_eq!(paired_diffs(&a, &a, 2).unwrap()[0], Some((0.0, 0.0, 0.0)));
        assert!(paired_diffs(&a, &tv(vec![0.0; 4]), 2).is_err());
    }
}
