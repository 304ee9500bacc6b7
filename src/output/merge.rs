//! `corridor merge`: joins the result folders of shards into the folder a
//! single run of all the trials would have written.
//!
//! The shards' exact accumulator states (`state.bin`) merge by integer
//! addition, so the merged `summary.csv` and `state.bin` equal a single run's
//! byte for byte; `trials.parquet` is re-written in trial order with the
//! same row groups. Only the manifest differs (no shard, the merged trial
//! range, summed wall time, the shard folders in `merged_from`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context};

use super::trials::{read_trials, TrialFile};
use super::{names, Manifest, RunDir, StateFile, SummaryCsv, PERIODS_FILE, TRIALS_FILE};
use crate::aggregate::{summary_frame, Accumulator, Layout, MAX_TRIALS};
use crate::error::{Interrupted, InvalidInput};

/// What [`merge_runs`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeReport {
    /// The merged result folder.
    pub out: PathBuf,
    /// How many shard folders were merged.
    pub shards: usize,
    /// Trials in the merged result.
    pub trials: u64,
    /// Whether `trials.parquet` was written (every shard had one).
    pub trials_parquet: bool,
    /// Things the user should know (e.g. why per-trial data was left out).
    pub notes: Vec<String>,
}

/// Trials read from a shard's `trials.parquet` at a time.
const CHUNK_TRIALS: usize = 1024;

struct Shard {
    dir: PathBuf,
    manifest: Manifest,
    layout: Layout,
    acc: Accumulator,
}

/// Merges the shard folders `dirs` into a new result folder `out` (replaced
/// if `force`). The shards must come from the same scenario content, seed,
/// sampling, trial count and layout, and their trial ranges must cover
/// `0..trials` exactly once.
pub fn merge_runs(dirs: &[PathBuf], out: &Path, force: bool) -> anyhow::Result<MergeReport> {
    merge_runs_until(dirs, out, force, &AtomicBool::new(false))
}

/// [`merge_runs`], stopping with [`Interrupted`] (and leaving nothing) once
/// `stop` is set.
///
/// Temporary folders of unfinished runs (`.corridor-partial-...`, or
/// `<name>.partial-<pid>` of earlier versions; see [`names`]) are skipped
/// with a note, so a glob that matched one still merges the complete
/// shards. Everything wrong with the shard folders themselves (missing or
/// damaged files, shards of other runs, gaps, overlaps) is
/// [`InvalidInput`] (exit status 2); failing to write `out` is not.
pub fn merge_runs_until(
    dirs: &[PathBuf],
    out: &Path,
    force: bool,
    stop: &AtomicBool,
) -> anyhow::Result<MergeReport> {
    let mut notes = Vec::new();
    let (skipped, dirs): (Vec<PathBuf>, Vec<PathBuf>) =
        dirs.iter().cloned().partition(|d| names::is_temporary(d));
    for d in &skipped {
        notes.push(format!(
            "skipped {}: the temporary folder of an unfinished or interrupted run, not a result",
            d.display()
        ));
    }
    if dirs.is_empty() {
        return Err(InvalidInput::Usage(if skipped.is_empty() {
            "no shard folders to merge".into()
        } else {
            format!(
                "no shard folders to merge: {} given, all temporary folders of unfinished runs",
                skipped.len()
            )
        })
        .into());
    }
    // What reading and checking the folders finds wrong is in the user's
    // input (exit status 2), not a failure of the merge.
    let shards = read_shards(&dirs).map_err(InvalidInput::Results)?;

    let first = &shards[0];
    let total = first.manifest.trials;
    let layout = first.layout.clone();
    let run_dir = RunDir::create(out, force)?;

    let mut acc = Accumulator::new(layout.n_cells());
    for s in &shards {
        acc.merge(&s.acc)
            .with_context(|| format!("cannot merge {}", s.dir.display()))
            .map_err(InvalidInput::Results)?;
    }
    let summary = summary_frame(&layout, &acc).context("cannot build the summary table")?;
    run_dir.write(&SummaryCsv(&summary))?;
    run_dir.write(&StateFile {
        layout: &layout,
        accumulator: &acc,
    })?;

    let trials_parquet =
        merge_trial_file(TRIALS_FILE, &shards, &layout, &run_dir, stop, &mut notes)?;
    merge_trial_file(PERIODS_FILE, &shards, &layout, &run_dir, stop, &mut notes)?;

    let manifest = Manifest {
        trial_start: 0,
        trial_end: total,
        shard: None,
        started: shards
            .iter()
            .map(|s| s.manifest.started.as_str())
            .min()
            .unwrap_or_default()
            .to_string(),
        wall_seconds: shards.iter().map(|s| s.manifest.wall_seconds).sum(),
        threads: shards.iter().map(|s| s.manifest.threads).max().unwrap_or(0),
        merged_from: shards.iter().map(|s| s.dir.display().to_string()).collect(),
        ..first.manifest.clone()
    };
    run_dir.write(&manifest)?;
    if stop.load(Ordering::Relaxed) {
        return Err(Interrupted("before the merged folder was complete".into()).into());
    }
    let out = run_dir.commit()?;
    Ok(MergeReport {
        out,
        shards: shards.len(),
        trials: total,
        trials_parquet,
        notes,
    })
}

/// Reads the shard folders and checks that they are parts of one run that
/// cover its trials exactly once, sorted by trial range.
fn read_shards(dirs: &[PathBuf]) -> anyhow::Result<Vec<Shard>> {
    let mut shards = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let manifest = Manifest::read(dir)?;
        if manifest.trials > MAX_TRIALS {
            bail!(
                "{}: the manifest says {} trials, more than the {MAX_TRIALS} a run can hold",
                dir.display(),
                manifest.trials
            );
        }
        let (layout, acc) = StateFile::read(dir)?;
        let range = manifest.trial_end.checked_sub(manifest.trial_start);
        if range != Some(acc.trials()) {
            bail!(
                "{}: the manifest says trials {}..{} but state.bin holds {} trials",
                dir.display(),
                manifest.trial_start,
                manifest.trial_end,
                acc.trials()
            );
        }
        shards.push(Shard {
            dir: dir.clone(),
            manifest,
            layout,
            acc,
        });
    }
    check_compatible(&shards)?;
    shards.sort_by_key(|s| (s.manifest.trial_start, s.manifest.trial_end));
    check_coverage(&shards)?;
    Ok(shards)
}

/// The shards must be pieces of one run.
fn check_compatible(shards: &[Shard]) -> anyhow::Result<()> {
    let first = &shards[0];
    let m0 = &first.manifest;
    for s in &shards[1..] {
        let m = &s.manifest;
        let differs = |what: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
            anyhow::anyhow!(
                "{} and {} come from different runs: {what} {a} vs {b}",
                first.dir.display(),
                s.dir.display()
            )
        };
        if m.scenario_hash != m0.scenario_hash {
            return Err(differs(
                "scenario hash",
                &m0.scenario_hash,
                &m.scenario_hash,
            ));
        }
        if m.seed != m0.seed {
            return Err(differs("seed", &m0.seed, &m.seed));
        }
        if m.sampling != m0.sampling {
            return Err(differs("sampling", &m0.sampling, &m.sampling));
        }
        if m.trials != m0.trials {
            return Err(differs("total trials", &m0.trials, &m.trials));
        }
        if m.deterministic != m0.deterministic {
            return Err(differs(
                "deterministic",
                &m0.deterministic,
                &m.deterministic,
            ));
        }
        if s.layout != first.layout {
            bail!(
                "{} and {} record different series or periods",
                first.dir.display(),
                s.dir.display()
            );
        }
    }
    Ok(())
}

/// Re-writes the shards' per-trial file `name` (`trials.parquet` or
/// `periods.parquet`) into `run_dir` in trial order, with the shape of the
/// first shard's (every shard must have the same). Returns whether it was
/// written: only when every shard has one (a note says which lack it).
fn merge_trial_file(
    name: &str,
    shards: &[Shard],
    layout: &Layout,
    run_dir: &RunDir,
    stop: &AtomicBool,
    notes: &mut Vec<String>,
) -> anyhow::Result<bool> {
    let missing: Vec<String> = shards
        .iter()
        .filter(|s| !s.dir.join(name).is_file())
        .map(|s| s.dir.display().to_string())
        .collect();
    if !missing.is_empty() {
        if missing.len() < shards.len() {
            notes.push(format!(
                "{name} not written: these shards have none: {}",
                missing.join(", ")
            ));
        }
        return Ok(false);
    }
    let first = shards[0].dir.join(name);
    let shape = TrialFile::read(&first, layout).map_err(InvalidInput::Results)?;
    let mut writer = shape.writer(&run_dir.file(name), layout)?;
    for s in shards {
        let mut expected = s.manifest.trial_start;
        let path = s.dir.join(name);
        let own_shape = TrialFile::read(&path, layout).map_err(InvalidInput::Results)?;
        if own_shape != shape {
            return Err(InvalidInput::Results(anyhow::anyhow!(
                "{} holds other columns or series than {}: the shards kept different per-trial data",
                path.display(),
                first.display()
            ))
            .into());
        }
        // Errors of writing the merged file or of a signal, kept apart
        // from what is wrong with the shard's file.
        let mut own: Option<anyhow::Error> = None;
        let read = read_trials(&path, layout, &shape, CHUNK_TRIALS, |t, values, inputs| {
            if t != expected {
                bail!(
                    "{}: expected trial {expected}, found trial {t}",
                    path.display()
                );
            }
            expected = expected.saturating_add(1);
            let step = if stop.load(Ordering::Relaxed) {
                Err(Interrupted("while merging per-trial data".into()).into())
            } else {
                writer.push_rows(t, values, inputs)
            };
            step.map_err(|e| {
                own = Some(e);
                anyhow::anyhow!("stopped")
            })
        });
        if let Some(e) = own {
            return Err(e);
        }
        read.map_err(InvalidInput::Results)?;
        if expected != s.manifest.trial_end {
            return Err(InvalidInput::Results(anyhow::anyhow!(
                "{}: holds trials {}..{expected}, the manifest says ..{}",
                path.display(),
                s.manifest.trial_start,
                s.manifest.trial_end
            ))
            .into());
        }
    }
    writer.finish()?;
    Ok(true)
}

/// The sorted shards must cover `0..trials` with no gap and no overlap.
fn check_coverage(shards: &[Shard]) -> anyhow::Result<()> {
    let total = shards[0].manifest.trials;
    let mut covered_to = 0;
    let mut prev: Option<&Shard> = None;
    for s in shards {
        let (start, end) = (s.manifest.trial_start, s.manifest.trial_end);
        if start > covered_to {
            bail!("trials {covered_to}..{start} are missing: no shard folder covers them");
        }
        if start < covered_to {
            let p = prev.expect("covered_to > 0 means a previous shard");
            bail!(
                "{} (trials {}..{}) and {} (trials {start}..{end}) overlap on trials {start}..{}",
                p.dir.display(),
                p.manifest.trial_start,
                p.manifest.trial_end,
                s.dir.display(),
                covered_to.min(end)
            );
        }
        covered_to = end;
        prev = Some(s);
    }
    if covered_to < total {
        bail!("trials {covered_to}..{total} are missing: no shard folder covers them");
    }
    if covered_to > total {
        bail!("the shards hold trials up to {covered_to}, beyond the run's {total} trials");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{ShardInfo, MANIFEST_FILE, STATE_FILE, SUMMARY_FILE};

    /// Writes a result folder for trials `range` the way `corridor run` does.
    fn write_run(
        dir: &Path,
        range: std::ops::Range<u64>,
        total: u64,
        shard: Option<ShardInfo>,
        keep_trials: bool,
    ) {
        let mut m = crate::output::manifest::tests::example();
        (m.trials, m.trial_start, m.trial_end, m.shard) = (total, range.start, range.end, shard);
        m.wall_seconds = (range.end - range.start) as f64;
        crate::output::fixture::write_run(dir, range, keep_trials, |v| v, &m);
    }

    fn shard_range(i: u64, n: u64, total: u64) -> std::ops::Range<u64> {
        i * total / n..(i + 1) * total / n
    }

    #[test]
    fn three_shards_merge_to_the_single_run_bytes() {
        let root = tempfile::tempdir().unwrap();
        let total = 500;
        let whole = root.path().join("whole");
        write_run(&whole, 0..total, total, None, true);
        // Shards given out of order on purpose.
        let dirs: Vec<PathBuf> = [2, 0, 1]
            .iter()
            .map(|&i| {
                let d = root.path().join(format!("s{i}"));
                write_run(
                    &d,
                    shard_range(i, 3, total),
                    total,
                    Some(ShardInfo { index: i, count: 3 }),
                    true,
                );
                d
            })
            .collect();
        let out = root.path().join("merged");
        let report = merge_runs(&dirs, &out, false).unwrap();
        assert_eq!(
            (report.shards, report.trials, report.trials_parquet),
            (3, total, true)
        );
        for file in [SUMMARY_FILE, STATE_FILE, TRIALS_FILE] {
            let (a, b) = (
                std::fs::read(whole.join(file)).unwrap(),
                std::fs::read(out.join(file)).unwrap(),
            );
            assert!(a == b, "{file} differs from the single run");
        }
        let m = Manifest::read(&out).unwrap();
        assert_eq!(
            (m.shard, m.trial_start, m.trial_end, m.wall_seconds),
            (None, 0, total, total as f64)
        );
        assert_eq!(m.merged_from.len(), 3);
        assert!(std::fs::read_to_string(out.join(MANIFEST_FILE))
            .unwrap()
            .contains("merged_from"));
        // Merging again into the same folder needs --force.
        let err = merge_runs(&dirs, &out, false).unwrap_err();
        assert!(format!("{err:#}").contains("use --force"));
        merge_runs(&dirs, &out, true).unwrap();
    }

    #[test]
    fn gaps_overlaps_and_mismatches_are_named() {
        let root = tempfile::tempdir().unwrap();
        let d = |name: &str| root.path().join(name);
        write_run(
            &d("a"),
            0..40,
            100,
            Some(ShardInfo { index: 0, count: 3 }),
            false,
        );
        write_run(
            &d("b"),
            60..100,
            100,
            Some(ShardInfo { index: 2, count: 3 }),
            false,
        );
        write_run(
            &d("c"),
            30..70,
            100,
            Some(ShardInfo { index: 1, count: 3 }),
            true,
        );
        let out = d("out");
        let err = format!(
            "{:#}",
            merge_runs(&[d("a"), d("b")], &out, false).unwrap_err()
        );
        assert!(err.contains("trials 40..60 are missing"), "{err}");
        let err = format!("{:#}", merge_runs(&[d("b")], &out, false).unwrap_err());
        assert!(err.contains("trials 0..60 are missing"), "{err}");
        let err = format!(
            "{:#}",
            merge_runs(&[d("a"), d("c"), d("b")], &out, false).unwrap_err()
        );
        assert!(err.contains("overlap on trials 30..40"), "{err}");
        assert!(!out.exists(), "nothing written on error");

        // A shard from another seed.
        write_run(
            &d("e"),
            40..60,
            100,
            Some(ShardInfo { index: 1, count: 3 }),
            false,
        );
        let mut m = Manifest::read(&d("e")).unwrap();
        m.seed = 7;
        std::fs::write(
            d("e").join(MANIFEST_FILE),
            crate::output::Artifact::serialize(&m).unwrap(),
        )
        .unwrap();
        let err = format!(
            "{:#}",
            merge_runs(&[d("a"), d("e"), d("b")], &out, false).unwrap_err()
        );
        assert!(err.contains("seed 42 vs 7"), "{err}");
        m.seed = 42;
        std::fs::write(
            d("e").join(MANIFEST_FILE),
            crate::output::Artifact::serialize(&m).unwrap(),
        )
        .unwrap();
        let report = merge_runs(&[d("a"), d("e"), d("b")], &out, false).unwrap();
        assert!(!report.trials_parquet);
        assert!(!out.join(TRIALS_FILE).exists());
    }
}
