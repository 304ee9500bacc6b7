//! `trials.parquet`: every trial's horizon value of every series, long
//! format (`trial: u64, metric, commodity, key: str, value: f64`), streamed
//! in row groups so memory stays bounded by one group.
//!
//! Row groups end after trials whose index + 1 is a multiple of a group size
//! that depends only on the layout, so a merge that re-writes the shards'
//! rows in trial order produces the same bytes as a single run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context};
use polars::io::parquet::write::BatchedWriter;
// Named imports: the polars prelude's `PolarsContext` would clash with
// anyhow's `Context` methods.
use polars::prelude::{
    Column, DataFrame, DataType, Field, IdxSize, LazyFrame, ParquetWriter, PlRefPath, PolarsResult,
    ScanArgsParquet, Schema,
};

use crate::aggregate::{Layout, SeriesMeta};

/// Target rows per row group (a multiple of the series count near this).
const ROWS_PER_GROUP: usize = 1 << 16;

/// Streams per-trial horizon values to a Parquet file. Trials must be pushed
/// in increasing index order; [`TrialWriter::finish`] must be called to
/// complete the file.
pub struct TrialWriter {
    path: PathBuf,
    writer: BatchedWriter<SharedFile>,
    file: SharedFile,
    series: Vec<SeriesMeta>,
    /// Record length.
    cells: usize,
    /// Index in a record of each series' horizon value.
    horizon_cells: Vec<usize>,
    trials_per_group: u64,
    next_trial: Option<u64>,
    trial: Vec<u64>,
    value: Vec<Option<f64>>,
}

/// The schema of `trials.parquet`.
fn schema() -> Schema {
    Schema::from_iter([
        Field::new("trial".into(), DataType::UInt64),
        Field::new("metric".into(), DataType::String),
        Field::new("commodity".into(), DataType::String),
        Field::new("key".into(), DataType::String),
        Field::new("value".into(), DataType::Float64),
    ])
}

impl TrialWriter {
    /// Creates (or truncates) `path` for records described by `layout`.
    pub fn new(path: &Path, layout: &Layout) -> anyhow::Result<TrialWriter> {
        let file =
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        let file = SharedFile(Arc::new(Mutex::new(BufWriter::new(file))));
        let writer = ParquetWriter::new(file.clone())
            .set_parallel(false)
            .batched(&schema())
            .with_context(|| format!("cannot write {}", path.display()))?;
        let n_series = layout.series.len().max(1);
        Ok(TrialWriter {
            path: path.to_path_buf(),
            writer,
            file,
            series: layout.series.clone(),
            cells: layout.n_cells(),
            horizon_cells: (0..layout.series.len())
                .map(|s| layout.cell(s, layout.horizon()))
                .collect(),
            trials_per_group: (ROWS_PER_GROUP / n_series).max(1) as u64,
            next_trial: None,
            trial: Vec::new(),
            value: Vec::new(),
        })
    }

    /// Adds trial `trial`'s full record (`layout.n_cells()` values); only the
    /// horizon values are kept.
    pub fn push(&mut self, trial: u64, record: &[f64]) -> anyhow::Result<()> {
        if record.len() != self.cells {
            bail!(
                "a record has {} values but the layout describes {}",
                record.len(),
                self.cells
            );
        }
        self.check_order(trial)?;
        for s in 0..self.horizon_cells.len() {
            self.push_value(trial, record[self.horizon_cells[s]]);
        }
        self.end_trial(trial)
    }

    /// Adds trial `trial`'s horizon values, one per series in layout order.
    pub fn push_horizon(&mut self, trial: u64, values: &[f64]) -> anyhow::Result<()> {
        if values.len() != self.series.len() {
            bail!(
                "{} horizon values for {} series",
                values.len(),
                self.series.len()
            );
        }
        self.check_order(trial)?;
        for &v in values {
            self.push_value(trial, v);
        }
        self.end_trial(trial)
    }

    fn check_order(&mut self, trial: u64) -> anyhow::Result<()> {
        if let Some(next) = self.next_trial {
            if trial < next {
                bail!("trial {trial} pushed after trial {}: per-trial data must be written in trial order", next - 1);
            }
        }
        self.next_trial = Some(trial + 1);
        Ok(())
    }

    fn push_value(&mut self, trial: u64, v: f64) {
        self.trial.push(trial);
        self.value.push(v.is_finite().then_some(v));
    }

    fn end_trial(&mut self, trial: u64) -> anyhow::Result<()> {
        if (trial + 1) % self.trials_per_group == 0 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        if self.trial.is_empty() {
            return Ok(());
        }
        let (trial, value) = (
            std::mem::take(&mut self.trial),
            std::mem::take(&mut self.value),
        );
        let rows = trial.len();
        let series = &self.series;
        let text = |f: fn(&SeriesMeta) -> &str| -> Vec<&str> {
            (0..rows).map(|r| f(&series[r % series.len()])).collect()
        };
        let df = DataFrame::new(
            rows,
            vec![
                Column::new("trial".into(), trial),
                Column::new("metric".into(), text(|s| &s.metric)),
                Column::new("commodity".into(), text(|s| &s.commodity)),
                Column::new("key".into(), text(|s| &s.key)),
                Column::new("value".into(), value),
            ],
        )?;
        self.writer
            .write_batch(&df)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Writes the last row group and the file footer.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.flush()?;
        self.writer
            .finish()
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        self.file
            .flush()
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

/// The output file, shared between the Parquet writer and [`TrialWriter`]
/// so that the buffer can be flushed (and its error seen) at the end.
#[derive(Clone)]
struct SharedFile(Arc<Mutex<BufWriter<File>>>);

impl Write for SharedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("writer lock poisoned"))?
            .write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("writer lock poisoned"))?
            .flush()
    }
}

/// Reads per-trial horizon values back from a `trials.parquet`, calling
/// `f(trial, values)` once per trial in file order, `chunk_trials` trials
/// in memory at a time. Checks that the rows follow `layout`'s series.
pub fn read_trials(
    path: &Path,
    layout: &Layout,
    chunk_trials: usize,
    mut f: impl FnMut(u64, &[f64]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let n = layout.series.len();
    let ctx = || format!("cannot read {}", path.display());
    let pl_path = PlRefPath::try_from_path(path).with_context(ctx)?;
    let lf = LazyFrame::scan_parquet(pl_path, ScanArgsParquet::default()).with_context(ctx)?;
    let chunk_rows = (chunk_trials.max(1) * n.max(1)) as i64;
    let mut offset: i64 = 0;
    let mut values = Vec::with_capacity(n);
    loop {
        let df = lf
            .clone()
            .slice(offset, chunk_rows as IdxSize)
            .collect()
            .with_context(ctx)?;
        let rows = df.height();
        if rows == 0 {
            break;
        }
        if n == 0 || rows % n != 0 {
            bail!(
                "{}: {rows} rows do not make whole trials of {n} series",
                path.display()
            );
        }
        let trial = df
            .column("trial")
            .with_context(ctx)?
            .u64()
            .with_context(ctx)?;
        let value = df
            .column("value")
            .with_context(ctx)?
            .f64()
            .with_context(ctx)?;
        let text: Vec<_> = ["metric", "commodity", "key"]
            .iter()
            .map(|c| Ok(df.column(c)?.str()?.clone()))
            .collect::<PolarsResult<_>>()
            .with_context(ctx)?;
        for start in (0..rows).step_by(n) {
            let t = trial.get(start).with_context(ctx)?;
            values.clear();
            for (s, meta) in layout.series.iter().enumerate() {
                let r = start + s;
                let same = trial.get(r) == Some(t)
                    && text[0].get(r) == Some(meta.metric.as_str())
                    && text[1].get(r) == Some(meta.commodity.as_str())
                    && text[2].get(r) == Some(meta.key.as_str());
                if !same {
                    bail!(
                        "{}: row {} does not follow the layout (trial {t}, series {s})",
                        path.display(),
                        offset as usize + r
                    );
                }
                values.push(value.get(r).unwrap_or(f64::NAN));
            }
            f(t, &values)?;
        }
        offset += rows as i64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::fixture;

    #[test]
    fn every_parquet_value_sits_under_its_own_labels() {
        use crate::output::fixture::{label_value, labelled_record};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trials.parquet");
        let layout = fixture::layout();
        let rec = labelled_record(&layout);
        let mut w = TrialWriter::new(&path, &layout).unwrap();
        for t in 0..3 {
            w.push(t, &rec).unwrap();
        }
        w.finish().unwrap();
        // Read the raw rows, not through `read_trials` (which uses the layout
        // the same way the writer does).
        let df = LazyFrame::scan_parquet(
            PlRefPath::try_from_path(&path).unwrap(),
            ScanArgsParquet::default(),
        )
        .unwrap()
        .collect()
        .unwrap();
        assert_eq!(df.height(), 3 * layout.series.len());
        let text = |c: &str| df.column(c).unwrap().str().unwrap().clone();
        let (metric, commodity, key) = (text("metric"), text("commodity"), text("key"));
        let value = df.column("value").unwrap().f64().unwrap();
        for r in 0..df.height() {
            let s = layout
                .series
                .iter()
                .position(|m| {
                    (
                        Some(m.metric.as_str()),
                        Some(m.commodity.as_str()),
                        Some(m.key.as_str()),
                    ) == (metric.get(r), commodity.get(r), key.get(r))
                })
                .unwrap();
            assert_eq!(
                value.get(r),
                Some(label_value(s, layout.horizon())),
                "row {r}"
            );
        }
    }

    #[test]
    fn writes_in_order_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trials.parquet");
        let layout = fixture::layout();
        let mut w = TrialWriter::new(&path, &layout).unwrap();
        for t in 0..30 {
            w.push(t, &fixture::record(t)).unwrap();
        }
        assert!(w.push(5, &fixture::record(5)).is_err());
        w.finish().unwrap();
        let mut seen = Vec::new();
        read_trials(&path, &layout, 7, |t, v| {
            let rec = fixture::record(t);
            let h = layout.horizon();
            assert_eq!(v, [0, 1, 2].map(|s| rec[layout.cell(s, h)]));
            seen.push(t);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..30).collect::<Vec<_>>());
    }
}
