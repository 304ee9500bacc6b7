//! Result files: one writer per format, and the folder manager that makes a
//! result appear all at once.
//!
//! Each format whose content is ready at the end of a run is an
//! [`Artifact`]: a pure `write_to(out)` (streamed, so a 50 MB summary is not
//! held as text too) plus its file name (`summary.csv`, `path.csv`,
//! `manifest.toml`, `state.bin`). The per-trial Parquet file streams as
//! trials finish, through [`TrialWriter`], so its memory is bounded by one
//! row group.
//! [`RunDir`] does all the file-system work: it writes into a temporary
//! folder beside the target and renames it into place only once everything
//! is written.
//!
//! A result folder holds:
//!
//! | file | what |
//! |---|---|
//! | `summary.csv` | one row per series and period: mean, std, se, p05/p25/p50/p75/p95, min, max, p_any, cvar95 |
//! | `path.csv` | single-trial (deterministic) runs: the value of every series in every period |
//! | `trials.parquet` | optional: every trial's horizon value of every series, with the trial's inputs |
//! | `periods.parquet` | optional: every trial's value of selected series in every period |
//! | `manifest.toml` | what produced the folder: scenario hash, seed, trials, shard, version, timing |
//! | `state.bin` | the exact aggregation state and layout, so shards can be merged, with a SHA-256 checksum |
//!
//! `summary.csv`, `path.csv`, `trials.parquet` and `state.bin` are pure
//! functions of (scenario, seed, trials): byte-identical whatever the thread
//! count or shard split. Only `manifest.toml` records how the run went
//! (start time, wall time, threads, command line).
//!
//! It also reads result folders back: [`merge`] joins shards, [`compare`]
//! takes the differences between two runs.
//!
//! This module does not accumulate statistics (`aggregate` does) or decide
//! what to run (`cli`).

pub mod compare;
mod csv;
mod manifest;
pub mod merge;
pub mod names;
pub mod plain;
mod rundir;
mod sensitivity;
mod state;
pub mod sweep;
pub mod table;
mod trials;

use std::path::{Path, PathBuf};

pub use self::csv::{PathCsv, SummaryCsv};
pub use manifest::{Manifest, ShardInfo, CRATE_VERSION};
pub use merge::{merge_runs, merge_runs_until, MergeReport};
pub use names::folder_name;
pub use rundir::RunDir;
pub use sensitivity::SensitivityCsv;
pub use state::StateFile;
pub use trials::{TrialColumn, TrialFile, TrialWriter};

/// File name of the summary table.
pub const SUMMARY_FILE: &str = "summary.csv";
/// File name of a single trial's full path.
pub const PATH_FILE: &str = "path.csv";
/// File name of the per-trial horizon values.
pub const TRIALS_FILE: &str = "trials.parquet";
/// File name of the per-trial values of selected series in every period.
pub const PERIODS_FILE: &str = "periods.parquet";
/// File name of a sensitivity study's table.
pub const SENSITIVITY_FILE: &str = "sensitivity.csv";
/// File name of the run manifest.
pub const MANIFEST_FILE: &str = "manifest.toml";
/// File name of the mergeable aggregation state.
pub const STATE_FILE: &str = "state.bin";

/// One output file.
pub trait Artifact {
    /// Its file name inside a result folder.
    fn file_name(&self) -> &'static str;
    /// Writes its bytes to `out`, streamed so that a large file is never held
    /// in memory. Pure apart from the writes: no clock, no environment.
    fn write_to(&self, out: &mut dyn std::io::Write) -> anyhow::Result<()>;
    /// Its bytes in memory.
    fn serialize(&self) -> anyhow::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.write_to(&mut bytes)?;
        Ok(bytes)
    }
}

/// Checks that `path` may be written as a new file: absent, or (with
/// `force`) an existing file to replace. An existing file without `force`,
/// or a folder, is [`InvalidInput`](crate::error::InvalidInput) (exit
/// status 2). Call it before any work, so the mistake shows at once.
pub fn check_new_file(path: &Path, force: bool) -> anyhow::Result<()> {
    use crate::error::InvalidInput;
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(anyhow::Error::from(e).context(format!("cannot inspect {}", path.display()))),
        Ok(m) if m.is_dir() => Err(InvalidInput::Usage(format!(
            "{} is a folder; give the path of a file to write",
            path.display()
        ))
        .into()),
        Ok(_) if !force => Err(InvalidInput::Usage(format!(
            "{} already exists; use --force to replace it",
            path.display()
        ))
        .into()),
        Ok(_) => Ok(()),
    }
}

/// Writes `bytes` to `path` atomically: into a hidden temporary file beside
/// it (see [`names`]), then renamed over it. An existing `path` is replaced
/// only with `force` (see [`check_new_file`], checked again just before the
/// rename).
pub fn write_file_atomic(path: &Path, bytes: &[u8], force: bool) -> anyhow::Result<()> {
    use anyhow::Context;
    check_new_file(path, force)?;
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let tmp: PathBuf = path.with_file_name(names::temporary_name(names::PARTIAL_PREFIX, name));
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    names::clean_stale(parent.unwrap_or(Path::new(".")));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            use std::io::Write;
            f.write_all(bytes)?;
            f.flush()
        })
        .with_context(|| format!("cannot write {}", tmp.display()))
        .and_then(|()| check_new_file(path, force))
        .and_then(|()| {
            std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A result folder written the way `corridor run` writes one, for the
    //! merge and compare tests.

    use super::{Manifest, RunDir, StateFile, SummaryCsv, TrialWriter, TRIALS_FILE};
    use crate::aggregate::{fixture, summary_frame, Accumulator, Layout};
    use std::ops::Range;
    use std::path::Path;

    /// The value [`labelled_record`] puts in series `s`, period `t`: every
    /// cell's value names its cell, so a writer that puts a value under
    /// another cell's labels is caught (exact in `f64` and in the
    /// accumulator's fixed point).
    pub fn label_value(s: usize, t: usize) -> f64 {
        1000.0 * (s + 1) as f64 + t as f64 + 0.25
    }

    /// A record for `layout` whose every value is [`label_value`] of its cell,
    /// placed through [`Layout::cell`] (period-major).
    pub fn labelled_record(layout: &Layout) -> Vec<f64> {
        let mut rec = vec![f64::NAN; layout.n_cells()];
        for s in 0..layout.series.len() {
            for t in 0..layout.periods.len() {
                rec[layout.cell(s, t)] = label_value(s, t);
            }
        }
        rec
    }

    /// Splits one line of the project's CSV dialect into fields (quoted
    /// fields with `""` escapes; no line breaks inside fields).
    pub fn csv_fields(line: &str) -> Vec<String> {
        super::table::fields(line)
    }

    /// Checks a CSV with `metric, commodity, key, unit, period` label columns
    /// against a [`labelled_record`]: every (series, period) of `layout`
    /// appears exactly once, and each column of `columns` holds the
    /// [`label_value`] of the row's labels.
    pub fn check_labelled_csv(text: &str, layout: &Layout, columns: &[&str]) {
        let mut lines = text.lines();
        let header = csv_fields(lines.next().expect("a header"));
        let at = |name: &str| header.iter().position(|h| h == name).unwrap();
        let label_cols = ["metric", "commodity", "key", "unit", "period"].map(at);
        let value_cols: Vec<usize> = columns.iter().map(|c| at(c)).collect();
        let mut seen = vec![false; layout.n_cells()];
        for line in lines {
            let f = csv_fields(line);
            let [m, c, k, u, p] = label_cols.map(|i| f[i].as_str());
            let s = layout
                .series
                .iter()
                .position(|x| {
                    (
                        x.metric.as_str(),
                        x.commodity.as_str(),
                        x.key.as_str(),
                        x.unit.as_str(),
                    ) == (m, c, k, u)
                })
                .unwrap_or_else(|| panic!("no series {m},{c},{k},{u}: {line}"));
            let t = layout.periods.iter().position(|x| x == p).unwrap();
            assert!(!seen[layout.cell(s, t)], "row written twice: {line}");
            seen[layout.cell(s, t)] = true;
            for (&i, name) in value_cols.iter().zip(columns) {
                let v: f64 = f[i].parse().unwrap();
                assert_eq!(
                    v,
                    label_value(s, t),
                    "{name} under the wrong labels: {line}"
                );
            }
        }
        assert!(seen.iter().all(|&x| x), "rows missing");
    }

    /// Writes trials `trials` of the synthetic records of
    /// `aggregate::fixture`, each value mapped by `value`, with `manifest`.
    pub fn write_run(
        dir: &Path,
        trials: Range<u64>,
        keep_trials: bool,
        value: impl Fn(f64) -> f64,
        manifest: &Manifest,
    ) {
        let layout = fixture::layout();
        let run_dir = RunDir::create(dir, false).unwrap();
        let mut acc = Accumulator::new(layout.n_cells());
        let mut w =
            keep_trials.then(|| TrialWriter::new(&run_dir.file(TRIALS_FILE), &layout).unwrap());
        for t in trials {
            let rec: Vec<f64> = fixture::record(t).into_iter().map(&value).collect();
            acc.add_trial(&rec);
            if let Some(w) = w.as_mut() {
                w.push(t, &rec).unwrap();
            }
        }
        if let Some(w) = w {
            w.finish().unwrap();
        }
        run_dir
            .write(&SummaryCsv(&summary_frame(&layout, &acc).unwrap()))
            .unwrap();
        run_dir
            .write(&StateFile {
                layout: &layout,
                accumulator: &acc,
            })
            .unwrap();
        run_dir.write(manifest).unwrap();
        run_dir.commit().unwrap();
    }
}
