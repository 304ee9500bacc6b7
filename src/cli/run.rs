//! `corridor run`: run a scenario's trials and write a result folder.

use super::signals::{self, Cooperate};
use super::stream::{errln, outln, printable};
use super::{McOpts, Trials};
use crate::aggregate::{self, CellStats, Layout, MAX_TRIALS};
use crate::engine::Prepared;
use crate::error::{Interrupted, InvalidInput};
use crate::model::{compile, CompiledModel};
use crate::montecarlo::{self, Observer, Outcome, Plan};
use crate::output::{
    folder_name, Manifest, PathCsv, RunDir, ShardInfo, StateFile, SummaryCsv, TrialWriter,
    CRATE_VERSION, TRIALS_FILE,
};
use crate::scenario::Sampling;
use anyhow::Context;
use polars::prelude::DataFrame;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

const AFTER_HELP: &str = "\
Examples:
  corridor run scenarios/china-ree-export-ban.toml
  corridor run scenarios/china-ree-export-ban.toml --trials 1 --seed 7
  corridor run scenarios/baseline.toml --deterministic
  corridor run scenarios/cpc-disruption.toml --trials auto --target-se 0.01
  corridor run scenarios/baseline.toml --trials 10000 --shard 0/4 --out outputs/shard-0

The default folder name is the scenario name with every character other
than A-Z, a-z, 0-9, `.`, `_` and `-` replaced by `_` (and a leading `.` or
`-` too), cut to 100 bytes: a name never writes outside outputs/. At most
4294967295 trials and 1024 threads.

The result folder (default outputs/<name>-s<seed>-n<trials>) holds
summary.csv (one row per metric, commodity, key and period, with mean, std,
se, p05/p50/p95, min, max, p_any = P(value > 0) and CVaR95), path.csv for a
single path, state.bin (for `corridor merge`), trials.parquet with
--keep-trials, and manifest.toml (scenario hash, seed, trials, version,
wall time).";

/// Arguments of `corridor run`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct RunArgs {
    /// Scenario file to run.
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Trial count, seed, threads and sampling.
    #[command(flatten)]
    pub mc: McOpts,
    /// Result folder (default: outputs/<scenario name>-s<seed>-n<trials>, the
    /// name made safe for a folder name as docs/scenarios.md shows).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the result folder if it already exists.
    #[arg(long)]
    pub force: bool,
    /// Run only shard i of N (i counted from 0), e.g. `--shard $SLURM_ARRAY_TASK_ID/4`;
    /// `corridor merge` joins the shard folders into exactly the single-run result.
    #[arg(long, value_name = "i/N")]
    pub shard: Option<Shard>,
    /// Also write per-trial data (trials.parquet).
    #[arg(long)]
    pub keep_trials: bool,
    /// Print nothing but errors (no progress bar, no summary).
    #[arg(long, short)]
    pub quiet: bool,
}

/// One shard of the trials: `index` of `count`, counted from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, `0..count`.
    pub index: u64,
    /// How many shards the trials are split into.
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("expected i/N such as 0/4, found `{s}`");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 {
            return Err("the number of shards must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard {index} does not exist among {count} shards (counted from 0, so 0 to {})",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }
}

/// Runs `corridor run`: resolve flags into a plan, prepare the output folder
/// before any trial runs, run the trials, write the folder, print a summary.
pub fn execute(args: &RunArgs) -> anyhow::Result<()> {
    args.mc.check()?;
    let scenario = super::load_scenario(&args.scenario)?;
    let model = compile(&scenario)
        .with_context(|| format!("cannot compile {}", args.scenario.display()))?;
    let cfg = RunConfig::resolve(args, &model)?;
    let out = match &args.out {
        Some(out) => out.clone(),
        None => {
            let out = cfg.default_out(&model);
            if folder_name(&model.name) != model.name {
                errln!(
                    "note: the scenario name \"{}\" is not a plain folder name; writing to {}",
                    model.name.escape_debug(),
                    out.display()
                );
            }
            out
        }
    };
    // From here until the result is renamed into place, a signal stops the
    // run cleanly instead of killing it (and the temporary folder is removed).
    let _cooperate = Cooperate::begin();
    let dir = RunDir::create(&out, args.force)?;
    let started = now_rfc3339();
    let clock = Instant::now();

    let prep = Prepared::new(&model).context("the baseline first period does not clear")?;
    let layout = montecarlo::layout(&model);
    let stop = signals::stop();
    let planned = cfg.plan.trials.end - cfg.plan.trials.start;
    let bar = progress_bar(args.quiet, planned);
    let mut observer = RunObserver {
        trials: if args.keep_trials {
            Some(TrialWriter::new(&dir.file(TRIALS_FILE), &layout)?)
        } else {
            None
        },
        first: None,
        want_first: cfg.single,
        target_se: cfg.target_se,
        headline: headline_cells(&layout),
        converged_at: None,
        record_len: montecarlo::record_len(&model),
    };
    let progress = |n: u64| {
        if let Some(b) = &bar {
            b.inc(n);
        }
    };
    let outcome = montecarlo::run(&model, &prep, &cfg.plan, stop, &progress, &mut observer)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if outcome.interrupted {
        return Err(Interrupted(format!("after {} of {planned} trials", outcome.done)).into());
    }

    // The summary (statistics of every cell, then CSV) and the state file
    // (every cell's bins, encoded) each take a few hundred milliseconds at
    // 10,000 trials on one core: write them side by side.
    let (frame, state) = std::thread::scope(|scope| {
        let state = scope.spawn(|| {
            dir.write(&StateFile {
                layout: &layout,
                accumulator: &outcome.acc,
            })
        });
        let frame = aggregate::summary_frame(&layout, &outcome.acc)
            .map_err(anyhow::Error::from)
            .and_then(|frame| dir.write(&SummaryCsv(&frame)).map(|_| frame));
        let state = state
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("writing the state file panicked")));
        (frame, state)
    });
    let frame = frame?;
    state?;
    if let Some(rec) = &observer.first {
        dir.write(&PathCsv {
            layout: &layout,
            record: rec,
        })?;
    }
    if let Some(w) = observer.trials.take() {
        w.finish()?;
    }
    let done_range = cfg.plan.trials.start..cfg.plan.trials.start + outcome.done;
    let wall = clock.elapsed().as_secs_f64();
    let manifest = Manifest {
        version: CRATE_VERSION.to_string(),
        scenario: args.scenario.display().to_string(),
        scenario_hash: scenario.content_hash(),
        seed: cfg.plan.seed,
        trials: if observer.converged_at.is_some() {
            outcome.done
        } else {
            cfg.total
        },
        trial_start: done_range.start,
        trial_end: done_range.end,
        sampling: sampling_name(cfg.plan.sampling).into(),
        deterministic: cfg.plan.deterministic,
        started,
        wall_seconds: wall,
        threads: cfg.plan.threads,
        command: std::env::args().collect(),
        merged_from: Vec::new(),
        shard: args.shard.map(|s| ShardInfo {
            index: s.index,
            count: s.count,
        }),
    };
    dir.write(&manifest)?;
    if signals::stopped() {
        return Err(Interrupted("while the result folder was being written".into()).into());
    }
    let path = dir.commit()?;

    if !args.quiet {
        print_summary(
            &model,
            &cfg,
            &outcome,
            wall,
            &frame,
            &path,
            observer.converged_at,
        )?;
    }
    Ok(())
}

/// The resolved flags: what to run.
struct RunConfig {
    plan: Plan,
    /// Trials of the whole run (all shards).
    total: u64,
    /// A single path (one trial, or deterministic): also write `path.csv`.
    single: bool,
    /// Relative standard error to stop at (`--trials auto`).
    target_se: Option<f64>,
}

impl RunConfig {
    /// Resolves the flags against the scenario's defaults and checks the
    /// limits (trials, shards) before anything runs: a violation is
    /// [`InvalidInput`] (exit status 2).
    fn resolve(args: &RunArgs, m: &CompiledModel) -> anyhow::Result<RunConfig> {
        let mc = &args.mc;
        let deterministic = mc.deterministic;
        let (total, target_se) = match (deterministic, mc.trials) {
            (true, _) => (1, None),
            (false, Some(Trials::Count(n))) => (n, None),
            (false, Some(Trials::Auto)) => (mc.max_trials.unwrap_or(100_000), mc.target_se),
            (false, None) => (m.default_trials, None),
        };
        if !(1..=MAX_TRIALS).contains(&total) {
            return Err(InvalidInput::Usage(format!(
                "{total} trials (`[montecarlo] trials` of the scenario) is not a trial count one run can hold: 1 to {MAX_TRIALS}"
            ))
            .into());
        }
        let trials = match args.shard {
            Some(s) => shard_range(s, total)?,
            None => 0..total,
        };
        let threads = mc
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let mut plan = Plan {
            seed: mc.seed.unwrap_or(m.default_seed),
            trials,
            sampling: mc.sampling.map_or(m.sampling, Into::into),
            deterministic,
            threads,
        };
        plan.threads = montecarlo::workers(&plan);
        Ok(RunConfig {
            plan,
            total,
            single: deterministic || total == 1,
            target_se,
        })
    }

    /// `outputs/<name>-s<seed>-n<trials>[-shard<i>of<N>]`, or `-deterministic`.
    fn default_out(&self, m: &CompiledModel) -> PathBuf {
        let base = folder_name(&m.name);
        let mut name = if self.plan.deterministic {
            format!("{base}-deterministic")
        } else if self.target_se.is_some() {
            format!("{base}-s{}-auto", self.plan.seed)
        } else {
            format!("{base}-s{}-n{}", self.plan.seed, self.total)
        };
        if self.plan.trials.end - self.plan.trials.start != self.total {
            let per = self.plan.trials.end - self.plan.trials.start;
            name.push_str(&format!(
                "-trials{}-{}",
                self.plan.trials.start,
                self.plan.trials.start + per
            ));
        }
        PathBuf::from("outputs").join(name)
    }
}

/// The trials of shard `s` of a run of `total`: `i·total/N .. (i+1)·total/N`,
/// computed in 128 bits so that no product wraps. Every shard must get at
/// least one trial (so at most `total` shards): an empty shard would be a
/// result folder of nothing.
fn shard_range(s: Shard, total: u64) -> anyhow::Result<std::ops::Range<u64>> {
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
struct RunObserver {
    trials: Option<TrialWriter>,
    first: Option<Vec<f64>>,
    want_first: bool,
    target_se: Option<f64>,
    headline: Vec<usize>,
    converged_at: Option<(u64, f64)>,
    record_len: usize,
}

impl Observer for RunObserver {
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
        self.trials.is_some() || self.want_first
    }

    fn records(&mut self, first_trial: u64, records: &[f64]) -> anyhow::Result<()> {
        if let Some(w) = &mut self.trials {
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
/// of every market. `--trials auto` stops when all are precise enough.
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

fn progress_bar(quiet: bool, trials: u64) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(trials);
    let style = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} trials  {per_sec}  eta {eta}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
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

/// A short terminal summary: what ran, how fast, the horizon rows that
/// matter most, and where the files are.
fn print_summary(
    m: &CompiledModel,
    cfg: &RunConfig,
    out: &Outcome,
    wall: f64,
    frame: &DataFrame,
    path: &Path,
    converged: Option<(u64, f64)>,
) -> anyhow::Result<()> {
    let mode = if cfg.plan.deterministic {
        "deterministic (inputs at their means)".to_string()
    } else {
        format!("{} trials, seed {}", out.done, cfg.plan.seed)
    };
    outln!(
        "{}: {mode}, {} periods from {}, {:.2} s ({:.0} trials/s, {} threads)",
        printable(&m.name),
        m.periods,
        m.period_label(0),
        wall,
        out.done as f64 / wall.max(1e-9),
        cfg.plan.threads
    )?;
    if cfg.plan.deterministic {
        outln!("{}", deterministic_policies(m))?;
    }
    if let Some((n, se)) = converged {
        outln!("converged after {n} trials: largest relative standard error {se:.4}")?;
    } else if cfg.target_se.is_some() {
        outln!("stopped at --max-trials before reaching --target-se")?;
    }
    outln!(
        "LP ({} rows x {} columns, {} series x {} periods recorded): {} solves, {} periods reused the last solution, {} an earlier period's, {} pivots",
        m.lp.nrows,
        m.lp.ncols,
        m.series.len(),
        m.periods + 1,
        out.lp.solves,
        out.lp.reused,
        out.lp.recalled,
        out.lp.pivots
    )?;
    let rows = headline_rows(frame)?;
    if !rows.is_empty() {
        outln!(
            "\nhorizon (per trial)                          mean          p05          p95   P(>0)"
        )?;
        for r in rows {
            outln!("{r}")?;
        }
    }
    outln!("\nwrote {}", printable(&path.display().to_string()))?;
    Ok(())
}

/// Which policies deterministic mode applied, and when: its rules (one-off
/// events over their expected window when their probability is at least
/// one half, recurring ones over their expected cycle) are easy to forget.
fn deterministic_policies(m: &CompiledModel) -> String {
    if m.policies.is_empty() {
        return "policies: none".into();
    }
    let flags = crate::engine::dynamics::expected_schedule(m);
    let mut active = Vec::new();
    let mut inactive = Vec::new();
    for (p, pol) in m.policies.iter().enumerate() {
        let f = &flags[p * m.periods..(p + 1) * m.periods];
        let mut windows = Vec::new();
        let mut t = 0;
        while t < f.len() {
            if f[t] {
                let end = f[t..].iter().position(|&on| !on).map_or(f.len(), |n| t + n);
                windows.push(if end - t == 1 {
                    m.period_label(t)
                } else {
                    format!("{}..{}", m.period_label(t), m.period_label(end - 1))
                });
                t = end;
            } else {
                t += 1;
            }
        }
        if windows.is_empty() {
            inactive.push(printable(&pol.id).into_owned());
        } else {
            active.push(format!("{} {}", printable(&pol.id), windows.join(", ")));
        }
    }
    let mut text = format!(
        "policies active (deterministic rule): {}",
        if active.is_empty() {
            "none".into()
        } else {
            active.join("; ")
        }
    );
    if !inactive.is_empty() {
        text.push_str(&format!("\npolicies not active: {}", inactive.join(", ")));
    }
    text
}

/// The horizon rows worth a glance: every shortfall that can happen, then
/// the prices that move most between trials.
fn headline_rows(frame: &DataFrame) -> anyhow::Result<Vec<String>> {
    let col = |n: &str| {
        frame
            .column(n)
            .and_then(|c| c.str().cloned())
            .context("summary column")
    };
    let num = |n: &str| {
        frame
            .column(n)
            .and_then(|c| c.f64().cloned())
            .context("summary column")
    };
    let (metric, commodity, key, period) = (
        col("metric")?,
        col("commodity")?,
        col("key")?,
        col("period")?,
    );
    let (mean, p05, p95, p_any) = (num("mean")?, num("p05")?, num("p95")?, num("p_any")?);
    let mut short = Vec::new();
    let mut price = Vec::new();
    for i in 0..frame.height() {
        if period.get(i) != Some("horizon") {
            continue;
        }
        let (mu, lo, hi, pa) = (
            mean.get(i).unwrap_or(0.0),
            p05.get(i).unwrap_or(0.0),
            p95.get(i).unwrap_or(0.0),
            p_any.get(i).unwrap_or(0.0),
        );
        let label = format!(
            "{} {} {}",
            metric.get(i).unwrap_or(""),
            printable(commodity.get(i).unwrap_or("")),
            printable(key.get(i).unwrap_or(""))
        );
        let line = format!("  {label:<40} {mu:>12.4e} {lo:>12.4e} {hi:>12.4e} {pa:>7.3}");
        match metric.get(i) {
            Some("shortfall") if pa > 0.0 => short.push((mu, line)),
            Some("price") if mu > 0.0 => price.push(((hi - lo) / mu, line)),
            _ => {}
        }
    }
    short.sort_by(|a, b| b.0.total_cmp(&a.0));
    price.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(short
        .into_iter()
        .take(8)
        .chain(price.into_iter().take(6))
        .map(|(_, l)| l)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parse() {
        assert_eq!("1/4".parse::<Shard>(), Ok(Shard { index: 1, count: 4 }));
        assert_eq!(
            "4/4".parse::<Shard>(),
            Err("shard 4 does not exist among 4 shards (counted from 0, so 0 to 3)".to_string())
        );
        assert_eq!(
            "0/0".parse::<Shard>(),
            Err("the number of shards must be at least 1".to_string())
        );
        assert_eq!(
            "x".parse::<Shard>(),
            Err("expected i/N such as 0/4, found `x`".to_string())
        );
    }

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
}
