//! `trials.parquet` and `periods.parquet`: per-trial values, long format,
//! streamed in row groups so memory stays bounded by one group.
//!
//! `trials.parquet` has one row per trial and series, `trial: u64,
//! metric, commodity, key: str, value: f64` (the series' horizon value),
//! then one `f64` column per per-trial input (`analysis::inputs`: every
//! named uncertainty's value, every policy's periods in force), repeated
//! on each of the trial's rows so that filtering one series gives one row
//! per trial with its inputs beside it. `periods.parquet` (on request) has
//! one row per trial, selected series and period: `trial, period, metric,
//! commodity, key, value`. Units are file-level key/value metadata:
//! `unit:<column>` for every input column and
//! `unit:value:<metric>:<commodity>:<key>` for every series written.
//!
//! Row groups end after trials whose index + 1 is a multiple of a group size
//! that depends only on the rows per trial, so a merge that re-writes the
//! shards' rows in trial order produces the same bytes as a single run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context};
use polars::io::parquet::read::ParquetReader;
use polars::io::parquet::write::{BatchedWriter, KeyValueMetadata};
// Named imports: the polars prelude's `PolarsContext` would clash with
// anyhow's `Context` methods.
use polars::prelude::{
    Column, DataFrame, DataType, Field, IdxSize, LazyFrame, ParquetWriter, PlRefPath, PolarsResult,
    ScanArgsParquet, Schema, SerReader,
};

use crate::aggregate::Layout;

/// Target rows per row group (a multiple of the rows per trial near this).
const ROWS_PER_GROUP: usize = 1 << 16;

/// The columns every per-trial file starts with (`period` only in
/// `periods.parquet`).
const BASE: [&str; 5] = ["trial", "metric", "commodity", "key", "value"];

/// A per-trial input column: its name and unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialColumn {
    /// Column name.
    pub name: String,
    /// Unit of its values.
    pub unit: String,
}

/// One row of a trial: a series, and for `periods.parquet` a period.
#[derive(Debug, Clone)]
struct RowLabel {
    series: usize,
    /// Period index, when the file has a `period` column.
    period: Option<usize>,
    /// Where the value sits in a trial record.
    cell: usize,
}

/// Streams per-trial values to a Parquet file. Trials must be pushed in
/// increasing index order; [`TrialWriter::finish`] must be called to
/// complete the file.
pub struct TrialWriter {
    path: PathBuf,
    writer: BatchedWriter<SharedFile>,
    file: SharedFile,
    layout: Layout,
    /// Record length.
    cells: usize,
    rows: Vec<RowLabel>,
    extras: Vec<TrialColumn>,
    trials_per_group: u64,
    next_trial: Option<u64>,
    trial: Vec<u64>,
    value: Vec<Option<f64>>,
    extra: Vec<Vec<f64>>,
}

impl TrialWriter {
    /// `trials.parquet` at `path` (created or truncated) for records
    /// described by `layout`: every series' horizon value, no inputs.
    pub fn new(path: &Path, layout: &Layout) -> anyhow::Result<TrialWriter> {
        TrialWriter::horizon(path, layout, &[])
    }

    /// `trials.parquet` with the per-trial input columns `extras`.
    pub fn horizon(
        path: &Path,
        layout: &Layout,
        extras: &[TrialColumn],
    ) -> anyhow::Result<TrialWriter> {
        let h = layout.horizon();
        let rows = (0..layout.series.len())
            .map(|s| RowLabel {
                series: s,
                period: None,
                cell: layout.cell(s, h),
            })
            .collect();
        TrialWriter::create(path, layout, rows, extras)
    }

    /// `periods.parquet`: the series `series` (indices into
    /// `layout.series`) in every period before the horizon.
    pub fn periods(path: &Path, layout: &Layout, series: &[usize]) -> anyhow::Result<TrialWriter> {
        let rows = series
            .iter()
            .flat_map(|&s| {
                (0..layout.horizon()).map(move |t| RowLabel {
                    series: s,
                    period: Some(t),
                    cell: layout.cell(s, t),
                })
            })
            .collect();
        TrialWriter::create(path, layout, rows, &[])
    }

    fn create(
        path: &Path,
        layout: &Layout,
        rows: Vec<RowLabel>,
        extras: &[TrialColumn],
    ) -> anyhow::Result<TrialWriter> {
        let period = rows.first().is_some_and(|r| r.period.is_some());
        let mut fields = vec![Field::new("trial".into(), DataType::UInt64)];
        if period {
            fields.push(Field::new("period".into(), DataType::String));
        }
        for c in &BASE[1..4] {
            fields.push(Field::new((*c).into(), DataType::String));
        }
        fields.push(Field::new("value".into(), DataType::Float64));
        for e in extras {
            if BASE.contains(&e.name.as_str()) || e.name == "period" {
                bail!("per-trial column `{}` would hide a base column", e.name);
            }
            fields.push(Field::new(e.name.as_str().into(), DataType::Float64));
        }
        let mut units: Vec<(String, String)> = extras
            .iter()
            .map(|e| (format!("unit:{}", e.name), e.unit.clone()))
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        for r in &rows {
            if seen.insert(r.series) {
                let m = &layout.series[r.series];
                units.push((
                    format!("unit:value:{}:{}:{}", m.metric, m.commodity, m.key),
                    m.unit.clone(),
                ));
            }
        }
        let file =
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        let file = SharedFile(Arc::new(Mutex::new(BufWriter::new(file))));
        let writer = ParquetWriter::new(file.clone())
            .set_parallel(false)
            .with_key_value_metadata(Some(KeyValueMetadata::from_static(units)))
            .batched(&Schema::from_iter(fields))
            .with_context(|| format!("cannot write {}", path.display()))?;
        let per_trial = rows.len().max(1);
        Ok(TrialWriter {
            path: path.to_path_buf(),
            writer,
            file,
            layout: layout.clone(),
            cells: layout.n_cells(),
            rows,
            extra: vec![Vec::new(); extras.len()],
            extras: extras.to_vec(),
            trials_per_group: (ROWS_PER_GROUP / per_trial).max(1) as u64,
            next_trial: None,
            trial: Vec::new(),
            value: Vec::new(),
        })
    }

    /// Adds trial `trial`'s full record (`layout.n_cells()` values); only
    /// the file's cells are kept. A writer with input columns needs
    /// [`TrialWriter::push_with`].
    pub fn push(&mut self, trial: u64, record: &[f64]) -> anyhow::Result<()> {
        self.push_with(trial, record, &[])
    }

    /// Adds trial `trial`'s full record and its input values (one per
    /// input column).
    pub fn push_with(&mut self, trial: u64, record: &[f64], extra: &[f64]) -> anyhow::Result<()> {
        if record.len() != self.cells {
            bail!(
                "a record has {} values but the layout describes {}",
                record.len(),
                self.cells
            );
        }
        self.check(trial, extra.len())?;
        let rows = &self.rows;
        self.value.extend(rows.iter().map(|r| {
            let v = record[r.cell];
            v.is_finite().then_some(v)
        }));
        self.push_trial(trial, extra)
    }

    /// Adds trial `trial`'s row values (one per row of a trial, in file
    /// order) and its input values, as read back by [`read_trials`].
    pub fn push_rows(&mut self, trial: u64, values: &[f64], extra: &[f64]) -> anyhow::Result<()> {
        if values.len() != self.rows.len() {
            bail!(
                "{} values for {} rows per trial",
                values.len(),
                self.rows.len()
            );
        }
        self.check(trial, extra.len())?;
        self.value
            .extend(values.iter().map(|&v| v.is_finite().then_some(v)));
        self.push_trial(trial, extra)
    }

    fn check(&mut self, trial: u64, extras: usize) -> anyhow::Result<()> {
        if extras != self.extras.len() {
            bail!(
                "{extras} input values for {} input columns",
                self.extras.len()
            );
        }
        if let Some(next) = self.next_trial {
            if trial < next {
                bail!("trial {trial} pushed after trial {}: per-trial data must be written in trial order", next - 1);
            }
        }
        self.next_trial = Some(trial + 1);
        Ok(())
    }

    /// After a trial's values: its index and inputs on each of its rows,
    /// then the row group's end if it is due.
    fn push_trial(&mut self, trial: u64, extra: &[f64]) -> anyhow::Result<()> {
        let n = self.rows.len();
        self.trial.extend(std::iter::repeat_n(trial, n));
        for (col, &e) in self.extra.iter_mut().zip(extra) {
            col.extend(std::iter::repeat_n(e, n));
        }
        self.end_trial(trial)
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
        let n = trial.len();
        let (rows, layout) = (&self.rows, &self.layout);
        let labels = |r: usize| {
            let row = &rows[r % rows.len()];
            let m = &layout.series[row.series];
            let p = row.period.map(|t| layout.periods[t].as_str());
            (p, m.metric.as_str(), m.commodity.as_str(), m.key.as_str())
        };
        let mut text: [Vec<&str>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
        for r in 0..n {
            let (p, metric, commodity, key) = labels(r);
            for (col, v) in text
                .iter_mut()
                .zip([p.unwrap_or_default(), metric, commodity, key])
            {
                col.push(v);
            }
        }
        let [period, metric, commodity, key] = text;
        let mut columns = vec![Column::new("trial".into(), trial)];
        if rows.first().is_some_and(|r| r.period.is_some()) {
            columns.push(Column::new("period".into(), period));
        }
        columns.push(Column::new("metric".into(), metric));
        columns.push(Column::new("commodity".into(), commodity));
        columns.push(Column::new("key".into(), key));
        columns.push(Column::new("value".into(), value));
        for (e, col) in self.extras.iter().zip(self.extra.iter_mut()) {
            columns.push(Column::new(e.name.as_str().into(), std::mem::take(col)));
        }
        let df = DataFrame::new(n, columns)?;
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

/// What a per-trial file holds beyond its layout: read from its schema,
/// metadata and first trial by [`TrialFile::read`], and enough to write a
/// file of the same shape ([`TrialFile::writer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialFile {
    /// Its input columns, in order, with their units.
    pub extras: Vec<TrialColumn>,
    /// For `periods.parquet`: the series it holds (indices into the
    /// layout); `None` for `trials.parquet`.
    pub periods: Option<Vec<usize>>,
}

impl TrialFile {
    /// The shape of the per-trial file at `path`, whose series follow `layout`.
    pub fn read(path: &Path, layout: &Layout) -> anyhow::Result<TrialFile> {
        let ctx = || format!("cannot read {}", path.display());
        let mut reader = ParquetReader::new(File::open(path).with_context(ctx)?);
        let schema = reader.schema().with_context(ctx)?;
        let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
        let period = names.iter().any(|n| n == "period");
        let base = BASE.len() + usize::from(period);
        if names.len() < base {
            bail!(
                "{}: not a per-trial file (columns {names:?})",
                path.display()
            );
        }
        let kv = reader
            .get_metadata()
            .with_context(ctx)?
            .key_value_metadata
            .clone()
            .unwrap_or_default();
        let extras = names[base..]
            .iter()
            .map(|n| TrialColumn {
                name: n.clone(),
                unit: kv
                    .iter()
                    .find(|k| k.key == format!("unit:{n}"))
                    .and_then(|k| k.value.clone())
                    .unwrap_or_default(),
            })
            .collect();
        let periods = if period {
            // The series of the first trial's rows, in order.
            let per_trial = (layout.series.len() * layout.horizon()).max(1);
            let df = scan(path)?
                .slice(0, per_trial as IdxSize)
                .collect()
                .with_context(ctx)?;
            let trial = df
                .column("trial")
                .with_context(ctx)?
                .u64()
                .with_context(ctx)?;
            let text = texts(&df, &["metric", "commodity", "key"]).with_context(ctx)?;
            let mut series: Vec<usize> = Vec::new();
            for r in 0..df.height() {
                if trial.get(r) != trial.get(0) {
                    break;
                }
                let s = layout
                    .series
                    .iter()
                    .position(|m| {
                        text[0].get(r) == Some(m.metric.as_str())
                            && text[1].get(r) == Some(m.commodity.as_str())
                            && text[2].get(r) == Some(m.key.as_str())
                    })
                    .with_context(|| {
                        format!("{}: row {r} names no series of the run", path.display())
                    })?;
                if series.last() != Some(&s) {
                    series.push(s);
                }
            }
            Some(series)
        } else {
            None
        };
        Ok(TrialFile { extras, periods })
    }

    /// A writer of a file of this shape at `path`.
    pub fn writer(&self, path: &Path, layout: &Layout) -> anyhow::Result<TrialWriter> {
        match &self.periods {
            Some(series) => TrialWriter::periods(path, layout, series),
            None => TrialWriter::horizon(path, layout, &self.extras),
        }
    }
}

fn scan(path: &Path) -> anyhow::Result<LazyFrame> {
    let ctx = || format!("cannot read {}", path.display());
    let pl_path = PlRefPath::try_from_path(path).with_context(ctx)?;
    LazyFrame::scan_parquet(pl_path, ScanArgsParquet::default()).with_context(ctx)
}

fn texts(df: &DataFrame, names: &[&str]) -> PolarsResult<Vec<polars::prelude::StringChunked>> {
    names
        .iter()
        .map(|c| Ok(df.column(c)?.str()?.clone()))
        .collect()
}

/// Reads a per-trial file of shape `shape` back, calling `f(trial, values,
/// inputs)` once per trial in file order (`values`: one per row of the
/// trial, `inputs`: one per input column), `chunk_trials` trials in memory
/// at a time. Checks that every row carries the labels the shape gives it.
pub fn read_trials(
    path: &Path,
    layout: &Layout,
    shape: &TrialFile,
    chunk_trials: usize,
    mut f: impl FnMut(u64, &[f64], &[f64]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let labels: Vec<(usize, Option<usize>)> = match &shape.periods {
        Some(series) => series
            .iter()
            .flat_map(|&s| (0..layout.horizon()).map(move |t| (s, Some(t))))
            .collect(),
        None => (0..layout.series.len()).map(|s| (s, None)).collect(),
    };
    let n = labels.len();
    let ctx = || format!("cannot read {}", path.display());
    let lf = scan(path)?;
    let chunk_rows = (chunk_trials.max(1) * n.max(1)) as i64;
    let mut offset: i64 = 0;
    let mut values = Vec::with_capacity(n);
    let mut inputs = Vec::with_capacity(shape.extras.len());
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
                "{}: {rows} rows do not make whole trials of {n} rows",
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
        let text = texts(&df, &["metric", "commodity", "key"]).with_context(ctx)?;
        let period = match shape.periods {
            Some(_) => Some(texts(&df, &["period"]).with_context(ctx)?.remove(0)),
            None => None,
        };
        let extra = shape
            .extras
            .iter()
            .map(|e| Ok(df.column(&e.name)?.f64()?.clone()))
            .collect::<PolarsResult<Vec<_>>>()
            .with_context(ctx)?;
        for start in (0..rows).step_by(n) {
            let t = trial.get(start).with_context(ctx)?;
            values.clear();
            for (i, &(s, p)) in labels.iter().enumerate() {
                let (r, meta) = (start + i, &layout.series[s]);
                let same = trial.get(r) == Some(t)
                    && text[0].get(r) == Some(meta.metric.as_str())
                    && text[1].get(r) == Some(meta.commodity.as_str())
                    && text[2].get(r) == Some(meta.key.as_str())
                    && p.is_none_or(|p| {
                        period.as_ref().and_then(|c| c.get(r)) == Some(layout.periods[p].as_str())
                    });
                if !same {
                    bail!(
                        "{}: row {} does not follow the layout (trial {t}, row {i} of the trial)",
                        path.display(),
                        offset as usize + r
                    );
                }
                values.push(value.get(r).unwrap_or(f64::NAN));
            }
            inputs.clear();
            inputs.extend(extra.iter().map(|c| c.get(start).unwrap_or(f64::NAN)));
            f(t, &values, &inputs)?;
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
        let shape = TrialFile::read(&path, &layout).unwrap();
        assert_eq!(
            shape,
            TrialFile {
                extras: vec![],
                periods: None
            }
        );
        read_trials(&path, &layout, &shape, 7, |t, v, _| {
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
