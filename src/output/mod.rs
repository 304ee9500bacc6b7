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
//! | `summary.csv` | one row per series and period: mean, std, se, p05/p50/p95, min, max, p_any, cvar95 |
//! | `path.csv` | single-trial (deterministic) runs: the value of every series in every period |
//! | `trials.parquet` | optional: every trial's horizon value of every series |
//! | `manifest.toml` | what produced the folder: scenario hash, seed, trials, shard, version, timing |
//! | `state.bin` | the exact aggregation state and layout, so shards can be merged |
//!
//! `summary.csv`, `path.csv`, `trials.parquet` and `state.bin` are pure
//! functions of (scenario, seed, trials): byte-identical whatever the thread
//! count or shard split. Only `manifest.toml` records how the run went
//! (start time, wall time, threads, command line).
//!
//! This module does not compute statistics (`aggregate` does) or decide
//! what to run (`cli`).

pub mod compare;
mod csv;
mod manifest;
pub mod merge;
mod rundir;
mod state;
mod trials;

use std::path::PathBuf;

pub use self::csv::{PathCsv, SummaryCsv};
pub use manifest::{Manifest, ShardInfo, CRATE_VERSION};
pub use merge::{merge_runs, MergeReport};
pub use rundir::RunDir;
pub use state::StateFile;
pub use trials::TrialWriter;

/// File name of the summary table.
pub const SUMMARY_FILE: &str = "summary.csv";
/// File name of a single trial's full path.
pub const PATH_FILE: &str = "path.csv";
/// File name of the per-trial horizon values.
pub const TRIALS_FILE: &str = "trials.parquet";
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

/// Writes `bytes` to `path` atomically: into a temporary file beside it,
/// then renamed over it.
pub fn write_file_atomic(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let mut tmp_name = name.to_os_string();
    tmp_name.push(format!(".partial-{}", std::process::id()));
    let tmp: PathBuf = path.with_file_name(tmp_name);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}", path.display())
    })
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A result folder written the way `corridor run` writes one, for the
    //! merge and compare tests.

    use super::{Manifest, RunDir, StateFile, SummaryCsv, TrialWriter, TRIALS_FILE};
    use crate::aggregate::{fixture, summary_frame, Accumulator};
    use std::ops::Range;
    use std::path::Path;

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
