//! The library's entry point: one scenario run, from the file to the result
//! folder, as `corridor run` does it.
//!
//! [`run_scenario`] (or [`Run::new`] then [`Run::execute`], for a caller
//! that acts between resolving the run and writing anything) loads the
//! scenario, compiles it, resolves the trials, seed, threads and folder
//! against the scenario's defaults, prepares the baseline, runs the Monte
//! Carlo trials, aggregates them and writes the result folder. A
//! [`RunObserver`] hears the progress and owns the flag that stops the run.
//! The caller gets a [`RunResult`] to report from; nothing here reads argv,
//! the environment or the terminal, or prints.

use crate::aggregate::{self, CellStats, Layout, SeriesMeta, MAX_TRIALS};
use crate::analysis::{InputDeriver, SeriesPick};
use crate::engine::workspace::SolveStats;
use crate::engine::Prepared;
use crate::error::{Interrupted, InvalidInput};
use crate::model::{compile, CompiledModel};
use crate::montecarlo::{self, Observer, Plan};
use crate::output::{
    folder_name, Manifest, PathCsv, RunDir, ShardInfo, StateFile, SummaryCsv, TrialColumn,
    TrialWriter, CRATE_VERSION, PERIODS_FILE, TRIALS_FILE,
};
use crate::scenario::{self, Sampling, Scenario};
use anyhow::Context;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// What to run: a scenario file and the choices that override its
/// `[montecarlo]` defaults.
#[derive(Debug, Clone, Default)]
pub struct RunConfig {
    /// Scenario file.
    pub scenario: PathBuf,
    /// How many trials.
    pub trials: TrialCount,
    /// Seed of every random stream (default: the scenario's).
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    pub threads: Option<usize>,
    /// How uncertain inputs are drawn (default: the scenario's).
    pub sampling: Option<Sampling>,
    /// One path with every uncertain input at its expected value.
    pub deterministic: bool,
    /// Run only this shard of the trials.
    pub shard: Option<Shard>,
    /// Result folder (default: `outputs/<name>-s<seed>-n<trials>`, see
    /// [`Run::out`]).
    pub out: Option<PathBuf>,
    /// Replace the result folder if it exists.
    pub force: bool,
    /// Also write every trial's values (`trials.parquet`).
    pub keep_trials: bool,
    /// Also write every trial's value of these series in every period
    /// (`periods.parquet`); each pick may match several series.
    pub keep_periods: Vec<SeriesPick>,
    /// The command line, recorded in the manifest.
    pub command: Vec<String>,
    /// `--set PATH=VALUE` overrides applied to the scenario (recorded in
    /// the manifest; see `scenario::overrides`).
    pub overrides: Vec<String>,
}

/// How many trials to run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum TrialCount {
    /// The scenario's `[montecarlo] trials`.
    #[default]
    Scenario,
    /// Exactly this many.
    Count(u64),
    /// Until the headline metrics' relative standard error is at most
    /// `target_se`, or `max` trials (default 100,000).
    Auto {
        /// Relative standard error to stop at.
        target_se: Option<f64>,
        /// The most trials to run.
        max: Option<u64>,
    },
}

/// One shard of the trials: `index` of `count`, counted from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, `0..count`.
    pub index: u64,
    /// How many shards the trials are split into.
    pub count: u64,
}

/// What a caller hears while [`Run::execute`] runs, and how it stops it.
/// `Sync` because progress is reported from the worker threads.
pub trait RunObserver: Sync {
    /// The flag that stops the run: once set, the trials stop after the
    /// chunks under way, the temporary folder is removed and the run fails
    /// with [`Interrupted`].
    fn stop_flag(&self) -> &AtomicBool;
    /// The result folder exists under its temporary name and `trials`
    /// trials are about to run.
    fn trials_started(&mut self, trials: u64) {
        let _ = trials;
    }
    /// `n` more trials finished (called from worker threads).
    fn trials_done(&self, n: u64) {
        let _ = n;
    }
    /// The trials ended without error (all of them, or stopped).
    fn trials_finished(&mut self) {}
}

/// An observer that hears nothing and never stops the run.
#[derive(Debug, Default)]
pub struct Unobserved(AtomicBool);

impl RunObserver for Unobserved {
    fn stop_flag(&self) -> &AtomicBool {
        &self.0
    }
}

/// What a finished run did and where its result is.
pub struct RunResult {
    /// The compiled model that ran.
    pub model: CompiledModel,
    /// The trials, seed, sampling and threads it ran with.
    pub plan: Plan,
    /// `Some` for `TrialCount::Auto`: the relative standard error it aimed at.
    pub target_se: Option<f64>,
    /// Trials completed.
    pub done: u64,
    /// With a target: the trials after which it was met, and the largest
    /// relative standard error then.
    pub converged_at: Option<(u64, f64)>,
    /// LP solves, reuses, recalls and pivots over all trials.
    pub lp: SolveStats,
    /// Wall time from creating the folder to writing its manifest.
    pub wall_seconds: f64,
    /// Every recorded series with its statistics at the horizon, in record
    /// order.
    pub horizon: Vec<(SeriesMeta, CellStats)>,
    /// The result folder.
    pub path: PathBuf,
    /// Indices into `horizon` of the rows to show first: the scenario's
    /// `headline` list, or the markets its policies target; empty when it
    /// names none and has no policy.
    pub headline: Vec<usize>,
}

/// Loads and validates a scenario; problems become
/// [`InvalidInput::Scenario`] (exit status 2).
pub fn load_scenario(path: &Path) -> anyhow::Result<Scenario> {
    load_scenario_with(path, &[])
}

/// [`load_scenario`] with `--set PATH=VALUE` overrides applied.
pub fn load_scenario_with(path: &Path, sets: &[String]) -> anyhow::Result<Scenario> {
    scenario::load_with(path, sets).map_err(|d| InvalidInput::Scenario(d).into())
}

/// Runs `config` to the end: [`Run::new`], then [`Run::execute`].
pub fn run_scenario(config: RunConfig, obs: &mut dyn RunObserver) -> anyhow::Result<RunResult> {
    Run::new(config)?.execute(obs)
}

/// A resolved run: the scenario loaded and compiled, the plan and the
/// result folder decided, nothing written yet.
pub struct Run {
    config: RunConfig,
    scenario: Scenario,
    model: CompiledModel,
    plan: Plan,
    /// Trials of the whole run (all shards).
    total: u64,
    target_se: Option<f64>,
    out: PathBuf,
    /// Series indices of the headline rows (`model::headline`).
    headline: Vec<usize>,
    /// The series of `periods.parquet` (from `config.keep_periods`).
    period_series: Vec<usize>,
}

impl Run {
    /// Loads and compiles the scenario and resolves `config` against its
    /// defaults, checking the limits (trials, shards) before anything runs:
    /// a violation is [`InvalidInput`] (exit status 2).
    pub fn new(config: RunConfig) -> anyhow::Result<Run> {
        let scenario = load_scenario_with(&config.scenario, &config.overrides)?;
        let model = compile(&scenario)
            .with_context(|| format!("cannot compile {}", config.scenario.display()))?;
        let headline = crate::model::headline::resolve(&scenario, &model).map_err(|items| {
            InvalidInput::Scenario(scenario::Diagnostics {
                items,
                sources: scenario.sources.clone(),
            })
        })?;
        let deterministic = config.deterministic;
        let (total, target_se) = match (deterministic, config.trials) {
            (true, _) => (1, None),
            (false, TrialCount::Count(n)) => (n, None),
            (false, TrialCount::Auto { target_se, max }) => (max.unwrap_or(100_000), target_se),
            (false, TrialCount::Scenario) => (model.default_trials, None),
        };
        if !(1..=MAX_TRIALS).contains(&total) {
            return Err(InvalidInput::Usage(format!(
                "{total} trials (`[montecarlo] trials` of the scenario) is not a trial count one run can hold: 1 to {MAX_TRIALS}"
            ))
            .into());
        }
        let trials = match config.shard {
            Some(s) => shard_range(s, total)?,
            None => 0..total,
        };
        let threads = config
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let mut plan = Plan {
            seed: config.seed.unwrap_or(model.default_seed),
            trials,
            sampling: config.sampling.unwrap_or(model.sampling),
            deterministic,
            threads,
        };
        plan.threads = montecarlo::workers(&plan);
        let out = match &config.out {
            Some(out) => out.clone(),
            None => {
                let out = default_out(&model, &plan, total, target_se);
                with_overrides_tag(out, &config.overrides, &scenario)
            }
        };
        let period_series = period_series(&model, &config.keep_periods)?;
        Ok(Run {
            config,
            scenario,
            model,
            plan,
            total,
            target_se,
            out,
            headline,
            period_series,
        })
    }

    /// The compiled model.
    pub fn model(&self) -> &CompiledModel {
        &self.model
    }

    /// The trials, seed, sampling and threads it will run with.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The result folder: the configured one, or
    /// `outputs/<name>-s<seed>-n<trials>[-trials<from>-<to>]`
    /// (`-deterministic` for a deterministic run, `-s<seed>-auto` with a
    /// target), with the scenario name made a safe folder name.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Whether the result folder is the default one and its name is not the
    /// scenario name as written (characters were replaced or cut).
    pub fn renames_scenario(&self) -> bool {
        self.config.out.is_none() && folder_name(&self.model.name) != self.model.name
    }

    /// Creates the result folder under a temporary name, runs the trials,
    /// writes the summary, state, path, per-trial and manifest files and
    /// renames the folder into place.
    pub fn execute(self, obs: &mut dyn RunObserver) -> anyhow::Result<RunResult> {
        let dir = RunDir::create(&self.out, self.config.force)?;
        let started = now_rfc3339();
        let clock = Instant::now();

        let prep =
            Prepared::new(&self.model).context("the baseline first period does not clear")?;
        let layout = montecarlo::layout(&self.model);
        let planned = self.plan.trials.end - self.plan.trials.start;
        obs.trials_started(planned);
        let mut collector = Collector {
            trials: if self.config.keep_trials {
                Some(self.trial_writer(&dir.file(TRIALS_FILE), &layout)?)
            } else {
                None
            },
            periods: if self.period_series.is_empty() {
                None
            } else {
                Some(TrialWriter::periods(
                    &dir.file(PERIODS_FILE),
                    &layout,
                    &self.period_series,
                )?)
            },
            first: None,
            want_first: self.plan.deterministic || self.total == 1,
            target_se: self.target_se,
            headline: headline_cells(&layout),
            converged_at: None,
            record_len: montecarlo::record_len(&self.model),
        };
        let outcome = {
            let obs: &dyn RunObserver = obs;
            let progress = |n: u64| obs.trials_done(n);
            montecarlo::run(
                &self.model,
                &prep,
                &self.plan,
                obs.stop_flag(),
                &progress,
                &mut collector,
            )?
        };
        obs.trials_finished();
        if outcome.interrupted {
            return Err(Interrupted(format!("after {} of {planned} trials", outcome.done)).into());
        }

        // The summary (statistics of every cell, then CSV) and the state
        // file (every cell's bins, encoded) are independent: write them side
        // by side.
        let (summary, state) = std::thread::scope(|scope| {
            let state = scope.spawn(|| {
                dir.write(&StateFile {
                    layout: &layout,
                    accumulator: &outcome.acc,
                })
            });
            let summary = aggregate::summary_frame(&layout, &outcome.acc)
                .map_err(anyhow::Error::from)
                .and_then(|frame| dir.write(&SummaryCsv(&frame)));
            let state = state
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("writing the state file panicked")));
            (summary, state)
        });
        summary?;
        state?;
        if let Some(rec) = &collector.first {
            dir.write(&PathCsv {
                layout: &layout,
                record: rec,
            })?;
        }
        if let Some((w, _)) = collector.trials.take() {
            w.finish()?;
        }
        if let Some(w) = collector.periods.take() {
            w.finish()?;
        }
        let done_range = self.plan.trials.start..self.plan.trials.start + outcome.done;
        let wall = clock.elapsed().as_secs_f64();
        let manifest = Manifest {
            version: CRATE_VERSION.to_string(),
            scenario: self.config.scenario.display().to_string(),
            scenario_hash: self.scenario.content_hash(),
            seed: self.plan.seed,
            trials: if collector.converged_at.is_some() {
                outcome.done
            } else {
                self.total
            },
            trial_start: done_range.start,
            trial_end: done_range.end,
            sampling: sampling_name(self.plan.sampling).into(),
            deterministic: self.plan.deterministic,
            started,
            wall_seconds: wall,
            threads: self.plan.threads,
            command: self.config.command,
            headline: self
                .headline
                .iter()
                .map(|&s| {
                    let m = &layout.series[s];
                    [m.metric.clone(), m.commodity.clone(), m.key.clone()]
                })
                .collect(),
            overrides: self.config.overrides,
            merged_from: Vec::new(),
            shard: self.config.shard.map(|s| ShardInfo {
                index: s.index,
                count: s.count,
            }),
        };
        dir.write(&manifest)?;
        if obs.stop_flag().load(Ordering::SeqCst) {
            return Err(Interrupted("while the result folder was being written".into()).into());
        }
        let path = dir.commit()?;

        let h = layout.horizon();
        let horizon = (0..layout.series.len())
            .map(|s| outcome.acc.cell(layout.cell(s, h)))
            .collect::<Vec<_>>();
        Ok(RunResult {
            horizon: layout.series.into_iter().zip(horizon).collect(),
            model: self.model,
            plan: self.plan,
            target_se: self.target_se,
            done: outcome.done,
            converged_at: collector.converged_at,
            lp: outcome.lp,
            wall_seconds: wall,
            path,
            headline: self.headline,
        })
    }
}

impl RunResult {
    /// The periods each policy is in force under the deterministic rule
    /// (one-off policies over their expected window when at least 50%
    /// likely, recurring ones over their expected cycle), per policy in
    /// model order, as ranges of consecutive periods.
    pub fn expected_policy_windows(&self) -> Vec<Vec<Range<usize>>> {
        let m = &self.model;
        let flags = crate::engine::dynamics::expected_schedule(m);
        (0..m.policies.len())
            .map(|p| {
                let f = &flags[p * m.periods..(p + 1) * m.periods];
                let mut windows = Vec::new();
                let mut t = 0;
                while t < f.len() {
                    if f[t] {
                        let end = f[t..].iter().position(|&on| !on).map_or(f.len(), |n| t + n);
                        windows.push(t..end);
                        t = end;
                    } else {
                        t += 1;
                    }
                }
                windows
            })
            .collect()
    }
}

impl Run {
    /// The `trials.parquet` writer, with a column per named uncertainty
    /// and per policy, and what re-derives their values per trial.
    fn trial_writer(&self, path: &Path, layout: &Layout) -> anyhow::Result<(TrialWriter, Inputs)> {
        let columns: Vec<TrialColumn> =
            crate::analysis::inputs::columns(&self.scenario.file, &self.model)
                .into_iter()
                .map(|c| TrialColumn {
                    name: c.name,
                    unit: c.unit,
                })
                .collect();
        let p = &self.plan;
        let deriver = InputDeriver::new(&self.model, p.seed, p.sampling, p.deterministic);
        Ok((
            TrialWriter::horizon(path, layout, &columns)?,
            Inputs {
                deriver,
                model: self.model.clone(),
                row: Vec::new(),
            },
        ))
    }
}

/// The series `picks` name, each once, in layout order; a pick that
/// matches nothing is [`InvalidInput`].
fn period_series(m: &CompiledModel, picks: &[SeriesPick]) -> anyhow::Result<Vec<usize>> {
    if picks.is_empty() {
        return Ok(Vec::new());
    }
    let layout = montecarlo::layout(m);
    let mut keep = vec![false; layout.series.len()];
    for p in picks {
        for s in p.matching(&layout)? {
            keep[s] = true;
        }
    }
    Ok((0..keep.len()).filter(|&s| keep[s]).collect())
}

/// Re-derives each trial's inputs for `trials.parquet`, outside the hot
/// loop (see `analysis::inputs`).
struct Inputs {
    deriver: InputDeriver,
    model: CompiledModel,
    row: Vec<f64>,
}

/// `outputs/<name>-s<seed>-n<trials>[-trials<from>-<to>]`, or `-deterministic`.
fn default_out(m: &CompiledModel, plan: &Plan, total: u64, target_se: Option<f64>) -> PathBuf {
    let base = folder_name(&m.name);
    let mut name = if plan.deterministic {
        format!("{base}-deterministic")
    } else if target_se.is_some() {
        format!("{base}-s{}-auto", plan.seed)
    } else {
        format!("{base}-s{}-n{}", plan.seed, total)
    };
    if plan.trials.end - plan.trials.start != total {
        let per = plan.trials.end - plan.trials.start;
        name.push_str(&format!(
            "-trials{}-{}",
            plan.trials.start,
            plan.trials.start + per
        ));
    }
    PathBuf::from("outputs").join(name)
}

/// A default folder of a run with overrides gets `-set<hash>` (the first 8
/// hex digits of the scenario's content hash), so that runs of one file
/// with different `--set` values do not collide.
fn with_overrides_tag(out: PathBuf, sets: &[String], scenario: &Scenario) -> PathBuf {
    if sets.is_empty() {
        return out;
    }
    let mut name = out.into_os_string();
    name.push(format!("-set{}", &scenario.content_hash()[..8]));
    PathBuf::from(name)
}

/// The trials of shard `s` of a run of `total`: `i·total/N .. (i+1)·total/N`,
/// computed in 128 bits so that no product wraps. Every shard must get at
/// least one trial (so at most `total` shards): an empty shard would be a
/// result folder of nothing.
fn shard_range(s: Shard, total: u64) -> anyhow::Result<Range<u64>> {
    let at = |i: u64| {
        let v = u128::from(i) * u128::from(total) / u128::from(s.count);
        u64::try_from(v).expect("at most total")
    };
    if s.count > total {
        return Err(InvalidInput::Usage(format!(
            "--shard {}/{}: {total} trials cannot be split into {} shards of at least one trial; use at most {total} shards",
            s.index, s.count, s.count
        ))
        .into());
    }
    Ok(at(s.index)..at(s.index + 1))
}

/// Between waves: stream per-trial values, keep a single path, check convergence.
struct Collector {
    trials: Option<(TrialWriter, Inputs)>,
    periods: Option<TrialWriter>,
    first: Option<Vec<f64>>,
    want_first: bool,
    target_se: Option<f64>,
    headline: Vec<usize>,
    converged_at: Option<(u64, f64)>,
    record_len: usize,
}

impl Observer for Collector {
    fn checks_convergence(&self) -> bool {
        self.target_se.is_some()
    }

    fn converged(&mut self, cell: &dyn Fn(usize) -> CellStats, trials: u64) -> bool {
        let Some(target) = self.target_se else {
            return false;
        };
        let worst = relative_se(cell, &self.headline);
        if worst <= target {
            self.converged_at = Some((trials, worst));
            return true;
        }
        false
    }

    fn wants_records(&self) -> bool {
        self.trials.is_some() || self.periods.is_some() || self.want_first
    }

    fn records(&mut self, first_trial: u64, records: &[f64]) -> anyhow::Result<()> {
        if let Some((w, inputs)) = &mut self.trials {
            for (i, rec) in records.chunks(self.record_len).enumerate() {
                let t = first_trial + i as u64;
                inputs.deriver.derive(&inputs.model, t, &mut inputs.row);
                w.push_with(t, rec, &inputs.row)?;
            }
        }
        if let Some(w) = &mut self.periods {
            for (i, rec) in records.chunks(self.record_len).enumerate() {
                w.push(first_trial + i as u64, rec)?;
            }
        }
        if self.want_first && self.first.is_none() {
            self.first = Some(records[..self.record_len].to_vec());
        }
        Ok(())
    }
}

/// Horizon cells of the headline metrics: shortfall, price and consumption
/// of every market. `TrialCount::Auto` stops when all are precise enough.
fn headline_cells(layout: &Layout) -> Vec<usize> {
    let horizon = layout.horizon();
    layout
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.metric.as_str(), "shortfall" | "price" | "consumption"))
        .map(|(i, _)| layout.cell(i, horizon))
        .collect()
}

/// The largest standard error relative to its mean over `cells` (cells
/// whose mean is 0 do not count: they have nothing to be precise about).
fn relative_se(cell: &dyn Fn(usize) -> CellStats, cells: &[usize]) -> f64 {
    cells
        .iter()
        .map(|&c| cell(c))
        .filter(|s| s.mean.abs() > 0.0 && s.n > 1)
        .map(|s| s.se / s.mean.abs())
        .fold(0.0, f64::max)
}

fn sampling_name(s: Sampling) -> &'static str {
    match s {
        Sampling::Random => "random",
        Sampling::Lhs => "lhs",
    }
}

/// Now as RFC 3339 UTC, from the system clock (manifest only).
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ranges_never_wrap_and_never_empty() {
        let sh = |index, count| Shard { index, count };
        assert_eq!(shard_range(sh(0, 4), 10).unwrap(), 0..2);
        assert_eq!(shard_range(sh(3, 4), 10).unwrap(), 7..10);
        // i * total overflows u64 here; in 128 bits it does not.
        let max = MAX_TRIALS;
        assert_eq!(shard_range(sh(3, 4), max).unwrap(), 3 * max / 4..max);
        let big = u64::MAX;
        assert_eq!(
            shard_range(sh(big - 1, big), big).unwrap(),
            big - 1..big,
            "the last of u64::MAX shards of u64::MAX trials"
        );
        // Shards cover 0..total exactly, in order.
        for (count, total) in [(4, 10), (7, 7), (3, 1_000_003), (16, 4_294_967_295)] {
            let mut at = 0;
            for i in 0..count {
                let r = shard_range(sh(i, count), total).unwrap();
                assert_eq!(r.start, at);
                assert!(r.end > r.start, "shard {i}/{count} of {total} is empty");
                at = r.end;
            }
            assert_eq!(at, total);
        }
        let err = shard_range(sh(4, 10), 4).unwrap_err();
        assert!(format!("{err}").contains("use at most 4 shards"), "{err}");
        assert_eq!(crate::error::exit_code(&err), crate::error::EXIT_INVALID);
    }

    /// The library runs a scenario to a result folder without a terminal:
    /// a deterministic run of the test world writes its path.
    #[test]
    fn run_scenario_writes_a_result_folder() {
        let dir = std::env::temp_dir().join(format!("corridor-run-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let scenario = dir.join("world.toml");
        std::fs::write(&scenario, crate::scenario::fixture::WORLD).unwrap();
        let out = dir.join("out");
        let config = RunConfig {
            scenario,
            deterministic: true,
            out: Some(out.clone()),
            ..RunConfig::default()
        };
        let result = run_scenario(config, &mut Unobserved::default()).unwrap();
        assert_eq!((result.done, result.path.as_path()), (1, out.as_path()));
        assert_eq!(result.horizon.len(), result.model.series.len());
        for file in ["summary.csv", "path.csv", "state.bin", "manifest.toml"] {
            assert!(out.join(file).is_file(), "{file}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
