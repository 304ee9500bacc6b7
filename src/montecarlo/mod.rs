//! Monte Carlo: spreads trials over worker threads and reduces them into
//! one accumulator.
//!
//! Trials run in waves of [`WAVE`] trials; within a wave, workers pull
//! fixed chunks of consecutive trials from an atomic counter. Each worker
//! owns its workspace and streams, so nothing is shared while trials run.
//! The statistics are one set for the whole run, split by cells into
//! [`PARTS_PER_THREAD`] parts per thread, each behind its own lock: a
//! worker adds its finished chunk to every part, taking whichever part is
//! free, so memory for statistics does not grow with the thread count.
//! Trial i's result depends only on (model, seed, i), and the statistics
//! are exact and order-independent, so the outcome is identical for any
//! thread count or chunk schedule. Between waves the driver checks Ctrl-C,
//! convergence, and hands per-trial values to a writer in trial order.

use crate::aggregate::{Accumulator, CellStats};
use crate::engine::workspace::SolveStats;
use crate::engine::{run_trial, ExpectedValues, Prepared, TrialError, Workspace};
use crate::model::{CompiledModel, ParamId};
use crate::sampling::{ParamSampler, TrialDraws};
use crate::scenario::Sampling;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, TryLockError};

/// Trials per wave.
pub const WAVE: u64 = 1024;
/// Trials per chunk a worker takes at once. The aggregation sweeps every
/// cell's state once per chunk, so longer chunks spread that sweep over more
/// trials, at the cost of a larger chunk buffer per worker (the trade-off
/// is measured in docs/performance.md).
pub const CHUNK: u64 = 64;
/// The most worker threads a run accepts (`--threads`): far more than can
/// ever have work (see [`workers`]), low enough that a mistyped or absurd
/// count (`--threads 18446744073709551615`) is refused up front.
pub const MAX_THREADS: usize = 1024;
/// Cell ranges of the shared statistics per worker thread: more parts than
/// threads, so that a worker rarely waits for a part another is filling.
pub const PARTS_PER_THREAD: usize = 2;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Seed of every stream.
    pub seed: u64,
    /// Trial indices to run (a shard runs a sub-range).
    pub trials: Range<u64>,
    /// Plain or Latin Hypercube sampling of named uncertainties.
    pub sampling: Sampling,
    /// Expected values, no sampling (one trial).
    pub deterministic: bool,
    /// Worker threads.
    pub threads: usize,
}

/// A trial that failed, with its index.
#[derive(Debug, thiserror::Error)]
#[error("trial {trial}: {error}")]
pub struct McError {
    /// Trial index.
    pub trial: u64,
    /// What failed.
    pub error: TrialError,
}

/// What a run produced.
pub struct Outcome {
    /// Statistics of every series × period.
    pub acc: Accumulator,
    /// Trials completed.
    pub done: u64,
    /// Stopped early by the stop flag.
    pub interrupted: bool,
    /// LP solves, reuses, recalls and pivots over all trials.
    pub lp: SolveStats,
}

/// Callbacks between waves.
pub trait Observer {
    /// Whether [`Observer::converged`] should be asked after each wave.
    fn checks_convergence(&self) -> bool {
        false
    }
    /// Whether the statistics so far are precise enough to stop;
    /// `cell(i)` gives the statistics of cell `i` so far.
    fn converged(&mut self, cell: &dyn Fn(usize) -> CellStats, trials: u64) -> bool {
        let _ = (cell, trials);
        false
    }
    /// The full record of each trial of a finished wave, in trial order
    /// (only when [`Observer::wants_records`]).
    fn records(&mut self, first_trial: u64, records: &[f64]) -> anyhow::Result<()> {
        let _ = (first_trial, records);
        Ok(())
    }
    /// Whether [`Observer::records`] should be called.
    fn wants_records(&self) -> bool {
        false
    }
}

/// Inputs a caller gives instead of the sampled ones (for designs such as
/// Saltelli's, which need runs at chosen points of the input space).
/// Evaluation `e` of a [`run_given`] run (the plan's "trial" `e`) uses the
/// random streams of trial `trials[e]` (its other sampled inputs and its
/// process draws), then sets the parameter slots `slots` to
/// `values[e·k .. e·k + k]` (`k = slots.len()`); a NaN keeps the sampled
/// value. This happens once per trial, before the trial starts: the hot
/// loop does not see it.
#[derive(Debug, Clone, Default)]
pub struct Given {
    /// The parameter slots the caller sets.
    pub slots: Vec<ParamId>,
    /// Per evaluation: the trial whose streams it uses.
    pub trials: Vec<u64>,
    /// Per evaluation, the values of `slots` (evaluation-major).
    pub values: Vec<f64>,
}

impl Given {
    /// Sets evaluation `e`'s given values in `params`.
    fn apply(&self, e: u64, params: &mut [f64]) {
        let k = self.slots.len();
        let at = e as usize * k;
        for (&slot, &v) in self.slots.iter().zip(&self.values[at..at + k]) {
            if !v.is_nan() {
                params[slot] = v;
            }
        }
    }
}

struct Worker {
    ws: Workspace,
    draws: TrialDraws,
    sampler: ParamSampler,
    /// The records of the current chunk, end to end, added to the shared
    /// statistics in one sweep per part when the chunk is done.
    batch: Vec<f64>,
    /// Which parts the current chunk has been added to.
    added: Vec<bool>,
    /// LP work of the trials this worker ran.
    lp: SolveStats,
}

/// The run's statistics, split by cells: part `p` holds cells
/// `bounds[p]..bounds[p + 1]` of every record.
struct Parts {
    parts: Vec<Mutex<Accumulator>>,
    bounds: Vec<usize>,
}

impl Parts {
    fn new(len: usize, n: usize) -> Self {
        let n = n.clamp(1, len.max(1));
        let bounds: Vec<usize> = (0..=n).map(|p| p * len / n).collect();
        let parts = bounds
            .windows(2)
            .map(|b| Mutex::new(Accumulator::new(b[1] - b[0])))
            .collect();
        Parts { parts, bounds }
    }

    /// Adds a chunk of whole records (`len` values each) to every part,
    /// starting at part `first` and taking free parts before waiting for a
    /// busy one.
    fn add(&self, chunk: &[f64], len: usize, first: usize, added: &mut [bool]) {
        let n = self.parts.len();
        added.fill(false);
        let mut left = n;
        // After a pass that found every part left busy, wait for the next one.
        let mut wait = false;
        while left > 0 {
            let mut progressed = false;
            for p in (0..n).map(|j| (first + j) % n) {
                if added[p] {
                    continue;
                }
                let mut acc = match self.parts[p].try_lock() {
                    Ok(g) => g,
                    Err(TryLockError::Poisoned(e)) => e.into_inner(),
                    Err(TryLockError::WouldBlock) if wait => {
                        self.parts[p].lock().unwrap_or_else(|e| e.into_inner())
                    }
                    Err(TryLockError::WouldBlock) => continue,
                };
                acc.add_trials_of(chunk, len, self.bounds[p]);
                added[p] = true;
                left -= 1;
                progressed = true;
                wait = false;
            }
            wait = !progressed;
        }
    }

    /// The statistics of cell `i` so far.
    fn cell(&self, i: usize) -> CellStats {
        let p = self.bounds.partition_point(|&b| b <= i) - 1;
        let acc = self.parts[p].lock().unwrap_or_else(|e| e.into_inner());
        acc.cell(i - self.bounds[p])
    }

    /// All cells' statistics in one accumulator.
    fn join(self) -> Result<Accumulator, crate::aggregate::AggregateError> {
        Accumulator::concat(
            self.parts
                .into_iter()
                .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
                .collect(),
        )
    }
}

/// The worker threads `plan` runs on: its `threads`, but no more than
/// there are chunks in a wave (more never have work at once) or in the
/// whole run, so that idle workers cost no workspace or chunk buffer.
/// Results do not depend on it.
pub fn workers(plan: &Plan) -> usize {
    if plan.deterministic {
        return 1;
    }
    let trials = plan.trials.end.saturating_sub(plan.trials.start);
    let chunks = trials.div_ceil(CHUNK).clamp(1, WAVE / CHUNK);
    plan.threads
        .clamp(1, MAX_THREADS)
        .min(usize::try_from(chunks).unwrap_or(usize::MAX))
}

/// Length of one trial record.
pub fn record_len(m: &CompiledModel) -> usize {
    m.series.len() * (m.periods + 1)
}

/// Runs `plan`. Returns early (with `interrupted`) when `stop` is set.
/// `progress(n)` is called from worker threads as trials finish.
pub fn run(
    m: &CompiledModel,
    prep: &Prepared,
    plan: &Plan,
    stop: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    obs: &mut dyn Observer,
) -> anyhow::Result<Outcome> {
    run_plan(m, prep, plan, None, stop, progress, obs)
}

/// Runs the evaluations `plan.trials` of `given` (see [`Given`]): each is a
/// trial whose named uncertainties in `given.slots` take the caller's
/// values. Records reach `obs` by evaluation index.
pub fn run_given(
    m: &CompiledModel,
    prep: &Prepared,
    plan: &Plan,
    given: &Given,
    stop: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    obs: &mut dyn Observer,
) -> anyhow::Result<Outcome> {
    let n = given.trials.len() as u64;
    if plan.deterministic
        || plan.trials.end > n
        || given.values.len() != given.trials.len() * given.slots.len()
        || given.slots.iter().any(|&s| s >= m.params.len())
    {
        anyhow::bail!(
            "given inputs do not fit the plan: {} evaluations of {} slots, {} values, trials {:?}",
            n,
            given.slots.len(),
            given.values.len(),
            plan.trials
        );
    }
    run_plan(m, prep, plan, Some(given), stop, progress, obs)
}

fn run_plan(
    m: &CompiledModel,
    prep: &Prepared,
    plan: &Plan,
    given: Option<&Given>,
    stop: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    obs: &mut dyn Observer,
) -> anyhow::Result<Outcome> {
    let len = record_len(m);
    if plan.deterministic {
        let mut ws = Workspace::new(m);
        ws.params.copy_from_slice(&m.params);
        let mut rec = vec![0.0; len];
        run_trial(m, prep, &mut ws, &mut ExpectedValues, &mut rec)
            .map_err(|error| McError { trial: 0, error })?;
        let mut acc = Accumulator::new(len);
        acc.add_trial(&rec);
        progress(1);
        if obs.wants_records() {
            obs.records(0, &rec)?;
        }
        return Ok(Outcome {
            acc,
            done: 1,
            interrupted: false,
            lp: ws.stats,
        });
    }

    let trials = plan.trials.end.saturating_sub(plan.trials.start);
    if trials > crate::aggregate::MAX_TRIALS {
        anyhow::bail!(
            "{trials} trials is more than one run can hold: at most {}",
            crate::aggregate::MAX_TRIALS
        );
    }
    let threads = workers(plan);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let parts = Parts::new(len, PARTS_PER_THREAD * threads);
    let workers: Vec<Mutex<Worker>> = (0..threads)
        .map(|_| {
            Mutex::new(Worker {
                ws: Workspace::new(m),
                draws: TrialDraws::new(m, plan.seed),
                sampler: ParamSampler::new(m, plan.seed, plan.sampling),
                batch: vec![0.0; CHUNK as usize * len],
                added: vec![false; parts.parts.len()],
                lp: SolveStats::default(),
            })
        })
        .collect();
    let failure: Mutex<Option<McError>> = Mutex::new(None);
    let keep = obs.wants_records();
    let mut wave_records: Vec<f64> = Vec::new();
    let mut done = 0u64;
    let mut interrupted = false;
    let mut start = plan.trials.start;
    while start < plan.trials.end {
        let end = (start + WAVE).min(plan.trials.end);
        if keep {
            wave_records.resize(((end - start) as usize) * len, 0.0);
        }
        let n_chunks = (end - start).div_ceil(CHUNK) as usize;
        let next = AtomicUsize::new(0);
        let records = Mutex::new(&mut wave_records);
        pool.broadcast(|ctx| {
            let mut guard = workers[ctx.index()]
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let w = &mut *guard;
            loop {
                let c = next.fetch_add(1, Ordering::Relaxed);
                if c >= n_chunks || stop.load(Ordering::Relaxed) {
                    break;
                }
                let lo = start + c as u64 * CHUNK;
                let hi = (lo + CHUNK).min(end);
                for trial in lo..hi {
                    // With given inputs, `trial` is an evaluation index.
                    let streams = given.map_or(trial, |g| g.trials[trial as usize]);
                    w.ws.params.copy_from_slice(&m.params);
                    w.sampler.fill(m, streams, &mut w.ws.params);
                    if let Some(g) = given {
                        g.apply(trial, &mut w.ws.params);
                    }
                    w.draws.reset(streams);
                    let slot = (trial - lo) as usize * len;
                    let rec = &mut w.batch[slot..slot + len];
                    if let Err(error) = run_trial(m, prep, &mut w.ws, &mut w.draws, rec) {
                        failure
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .get_or_insert(McError { trial, error });
                        stop.store(true, Ordering::Relaxed);
                        return;
                    }
                    w.lp += w.ws.stats;
                }
                let chunk = &w.batch[..(hi - lo) as usize * len];
                let first = ctx.index() * parts.parts.len() / threads;
                parts.add(chunk, len, first, &mut w.added);
                if keep {
                    let at = (lo - start) as usize * len;
                    records.lock().unwrap_or_else(|e| e.into_inner())[at..at + chunk.len()]
                        .copy_from_slice(chunk);
                }
                progress(hi - lo);
            }
        });
        if let Some(e) = failure.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Err(e.into());
        }
        if stop.load(Ordering::Relaxed) {
            interrupted = true;
            break;
        }
        done += end - start;
        if keep {
            obs.records(start, &wave_records)?;
        }
        start = end;
        if end < plan.trials.end
            && obs.checks_convergence()
            && obs.converged(&|i| parts.cell(i), done)
        {
            break;
        }
    }
    let mut lp = SolveStats::default();
    for w in workers {
        // The chunk buffers go here, before the parts are joined.
        lp += w.into_inner().unwrap_or_else(|e| e.into_inner()).lp;
    }
    Ok(Outcome {
        acc: parts.join()?,
        done,
        interrupted,
        lp,
    })
}

/// The output layout of a model: series metadata and period labels.
pub fn layout(m: &CompiledModel) -> crate::aggregate::Layout {
    crate::aggregate::Layout {
        series: m
            .series
            .iter()
            .map(|s| crate::aggregate::SeriesMeta {
                metric: s.metric.name().to_string(),
                commodity: s
                    .commodity
                    .map_or_else(String::new, |k| m.commodities[k].id.clone()),
                key: s.key.clone(),
                unit: s.unit.clone(),
            })
            .collect(),
        periods: (0..=m.periods).map(|t| m.period_label(t)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_never_outnumber_the_chunks() {
        let plan = |threads: usize, trials: Range<u64>| Plan {
            seed: 0,
            trials,
            sampling: Sampling::Random,
            deterministic: false,
            threads,
        };
        assert_eq!(workers(&plan(2, 0..1000)), 2);
        assert_eq!(workers(&plan(1000, 0..1_000_000)), (WAVE / CHUNK) as usize);
        assert_eq!(
            workers(&plan(usize::MAX, 0..u64::MAX)),
            (WAVE / CHUNK) as usize
        );
        let c = CHUNK;
        assert_eq!(
            workers(&plan(8, 0..c + c / 2)),
            2,
            "1.5 chunks' trials are 2 chunks"
        );
        assert_eq!(workers(&plan(8, 0..c)), 1, "one chunk's trials are 1 chunk");
        assert_eq!(workers(&plan(8, 5..5)), 1);
        assert_eq!(workers(&plan(0, 0..100)), 1);
        let mut det = plan(8, 0..1);
        det.deterministic = true;
        assert_eq!(workers(&det), 1);
    }
}
