//! `corridor run`: run a scenario's trials and write a result folder.

use super::signals::{self, Cooperate};
use super::stream::{errln, outln, printable};
use super::{McOpts, SetOpts, Trials};
use crate::analysis::SeriesPick;
use crate::error::InvalidInput;
use crate::run::{Run, RunConfig, RunObserver, RunResult, Shard, TrialCount};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

const AFTER_HELP: &str = "\
Examples:
  corridor run scenarios/china-ree-export-ban.toml
  corridor run scenarios/china-ree-export-ban.toml --trials 1 --seed 7
  corridor run scenarios/baseline.toml --deterministic
  corridor run scenarios/china-ree-export-ban.toml --set policies.cn_ree_ban_us.duration_months=6
  corridor run scenarios/cpc-disruption.toml --trials auto --target-se 0.01
  corridor run scenarios/baseline.toml --trials 10000 --shard 0/4 --out outputs/shard-0
  corridor run scenarios/cpc-disruption.toml --keep-trials=period --keep-metric leg_flow::cpc

The default folder name is the scenario name with every character other
than A-Z, a-z, 0-9, `.`, `_` and `-` replaced by `_` (and a leading `.` or
`-` too), cut to 100 bytes: a name never writes outside outputs/. At most
4294967295 trials and 1024 threads.

The result folder (default outputs/<name>-s<seed>-n<trials>) holds
summary.csv (one row per metric, commodity, key and period, with mean, std,
se, p05/p25/p50/p75/p95, min, max, p_any = P(value > 0) and CVaR95), path.csv for a
single path, state.bin (for `corridor merge`), trials.parquet with
--keep-trials (periods.parquet too with --keep-trials=period), and manifest.toml (scenario hash, seed, trials, version,
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
    /// Overrides.
    #[command(flatten)]
    pub set: SetOpts,
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
    /// Also write per-trial data: trials.parquet (every series' horizon
    /// value with the trial's sampled inputs and each policy's periods in
    /// force); `--keep-trials=period` adds periods.parquet, every period of
    /// the series named by `--keep-metric`.
    #[arg(long, value_name = "WHAT", num_args = 0..=1, require_equals = true, default_missing_value = "horizon")]
    pub keep_trials: Option<KeepTrials>,
    /// With `--keep-trials=period`: a series to keep in every period, as
    /// METRIC, METRIC:COMMODITY or METRIC:COMMODITY:KEY (repeatable), e.g.
    /// `shortfall:rare_earths:US`.
    #[arg(long, value_name = "M[:C[:K]]", value_parser = series_pick)]
    pub keep_metric: Vec<SeriesPick>,
    /// Print nothing but errors (no progress bar, no summary).
    #[arg(long, short)]
    pub quiet: bool,
}

/// What `--keep-trials` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeepTrials {
    /// trials.parquet: horizon values and inputs.
    Horizon,
    /// trials.parquet and periods.parquet (the `--keep-metric` series in every period).
    Period,
}

/// `METRIC[:COMMODITY[:KEY]]`.
pub fn series_pick(s: &str) -> Result<SeriesPick, String> {
    let mut parts = s.splitn(3, ':');
    let metric = parts.next().unwrap_or_default().to_string();
    if metric.is_empty() {
        return Err(format!("expected METRIC[:COMMODITY[:KEY]], found `{s}`"));
    }
    Ok(SeriesPick {
        metric,
        commodity: parts.next().map(str::to_string),
        key: parts.next().map(str::to_string),
    })
}

/// `--keep-trials=period` and `--keep-metric` go together.
fn check_keep(args: &RunArgs) -> Result<(), InvalidInput> {
    let period = args.keep_trials == Some(KeepTrials::Period);
    if period && args.keep_metric.is_empty() {
        return Err(InvalidInput::Usage(
            "`--keep-trials=period` needs at least one `--keep-metric M[:COMMODITY[:KEY]]`, the series to keep in every period".into(),
        ));
    }
    if !period && !args.keep_metric.is_empty() {
        return Err(InvalidInput::Usage(
            "`--keep-metric` applies only with `--keep-trials=period`".into(),
        ));
    }
    Ok(())
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

/// Runs `corridor run`: resolve the flags into a run (the scenario loaded,
/// the output folder decided), then let the library run it while a signal
/// stops it cleanly and a progress bar shows it, and print a summary.
pub fn execute(args: &RunArgs) -> anyhow::Result<()> {
    args.mc.check()?;
    check_keep(args)?;
    let run = Run::new(config(args))?;
    if run.renames_scenario() {
        errln!(
            "note: the scenario name \"{}\" is not a plain folder name; writing to {}",
            run.model().name.escape_debug(),
            run.out().display()
        );
    }
    // From here until the result is renamed into place, a signal stops the
    // run cleanly instead of killing it (and the temporary folder is removed).
    let _cooperate = Cooperate::begin();
    let result = run.execute(&mut Terminal::new(args.quiet))?;
    if !args.quiet {
        print_summary(&result)?;
    }
    Ok(())
}

/// The library's view of the flags.
fn config(args: &RunArgs) -> RunConfig {
    let mc = &args.mc;
    RunConfig {
        scenario: args.scenario.clone(),
        trials: match mc.trials {
            None => TrialCount::Scenario,
            Some(Trials::Count(n)) => TrialCount::Count(n),
            Some(Trials::Auto) => TrialCount::Auto {
                target_se: mc.target_se,
                max: mc.max_trials,
            },
        },
        seed: mc.seed,
        threads: mc.threads,
        sampling: mc.sampling.map(Into::into),
        deterministic: mc.deterministic,
        shard: args.shard,
        out: args.out.clone(),
        force: args.force,
        keep_trials: args.keep_trials.is_some(),
        keep_periods: if args.keep_trials == Some(KeepTrials::Period) {
            args.keep_metric.clone()
        } else {
            Vec::new()
        },
        command: std::env::args().collect(),
        overrides: args.set.set.clone(),
    }
}

/// The run as the terminal sees it: a progress bar on stderr (unless quiet
/// or not a terminal), and the signal handler's stop flag.
pub(super) struct Terminal {
    quiet: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Terminal {
    /// A progress bar per run, unless `quiet`.
    pub(super) fn new(quiet: bool) -> Terminal {
        Terminal { quiet, bar: None }
    }
}

impl RunObserver for Terminal {
    fn stop_flag(&self) -> &AtomicBool {
        signals::stop()
    }

    fn trials_started(&mut self, trials: u64) {
        self.bar = progress_bar(self.quiet, trials);
    }

    fn trials_done(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    fn trials_finished(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

pub(super) fn progress_bar(quiet: bool, trials: u64) -> Option<indicatif::ProgressBar> {
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

/// A short terminal summary: what ran, how fast, the horizon rows that
/// matter most, and where the files are.
fn print_summary(r: &RunResult) -> anyhow::Result<()> {
    let (m, plan, wall) = (&r.model, &r.plan, r.wall_seconds);
    let mode = if plan.deterministic {
        "deterministic (inputs at their means)".to_string()
    } else {
        format!("{} trials, seed {}", r.done, plan.seed)
    };
    outln!(
        "{}: {mode}, {} periods from {}, {:.2} s ({:.0} trials/s, {} threads)",
        printable(&m.name),
        m.periods,
        m.period_label(0),
        wall,
        r.done as f64 / wall.max(1e-9),
        plan.threads
    )?;
    if plan.deterministic {
        outln!("{}", deterministic_policies(r))?;
    }
    if let Some((n, se)) = r.converged_at {
        outln!("converged after {n} trials: largest relative standard error {se:.4}")?;
    } else if r.target_se.is_some() {
        outln!("stopped at --max-trials before reaching --target-se")?;
    }
    outln!(
        "LP ({} rows x {} columns, {} series x {} periods recorded): {} solves, {} periods reused the last solution, {} an earlier period's, {} pivots",
        m.lp.nrows,
        m.lp.ncols,
        m.series.len(),
        m.periods + 1,
        r.lp.solves,
        r.lp.reused,
        r.lp.recalled,
        r.lp.pivots
    )?;
    let table = horizon_table(r);
    if !table.is_empty() {
        outln!("")?;
        for line in table {
            outln!("{line}")?;
        }
    }
    outln!("\nwrote {}", printable(&r.path.display().to_string()))?;
    Ok(())
}

/// Which policies deterministic mode applied, and when: its rules (one-off
/// events over their expected window when their probability is at least
/// one half, recurring ones over their expected cycle) are easy to forget.
fn deterministic_policies(r: &RunResult) -> String {
    let m = &r.model;
    if m.policies.is_empty() {
        return "policies: none".into();
    }
    let mut active = Vec::new();
    let mut inactive = Vec::new();
    for (pol, windows) in m.policies.iter().zip(r.expected_policy_windows()) {
        let windows: Vec<String> = windows
            .iter()
            .map(|w| {
                if w.len() == 1 {
                    m.period_label(w.start)
                } else {
                    format!("{}..{}", m.period_label(w.start), m.period_label(w.end - 1))
                }
            })
            .collect();
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

/// The horizon table: the run's headline rows (the scenario's `headline`
/// list, else the markets its policies target), or when it has none, every
/// shortfall that can happen, then the prices that move most between
/// trials. Values in plain notation with their units
/// (`output::plain::with_unit`); columns are separated by at least two
/// spaces, so a reader (or a test) can split them.
fn horizon_table(r: &RunResult) -> Vec<String> {
    use crate::output::plain::with_unit;
    let rows = if r.headline.is_empty() {
        largest_rows(r)
    } else {
        r.headline.clone()
    };
    if rows.is_empty() {
        return Vec::new();
    }
    let header = [
        "horizon (per trial)",
        "mean",
        "p05",
        "median",
        "p95",
        "P(>0)",
    ]
    .map(String::from);
    let mut cells = vec![header];
    for i in rows {
        let (series, s) = &r.horizon[i];
        let label = [series.metric.as_str(), &series.commodity, &series.key]
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| printable(t).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let unit = printable(&series.unit);
        let p_any = if s.p_any.is_nan() {
            "-".into()
        } else {
            format!("{:.3}", s.p_any)
        };
        cells.push([
            label,
            with_unit(s.mean, &unit),
            with_unit(s.p05, &unit),
            with_unit(s.p50, &unit),
            with_unit(s.p95, &unit),
            p_any,
        ]);
    }
    crate::output::plain::align(&cells).0
}

/// Rows for a run with no headline (no `headline` list and no policy):
/// every shortfall that can happen, largest first, then the prices that
/// move most between trials.
fn largest_rows(r: &RunResult) -> Vec<usize> {
    let defined = |v: f64| if v.is_finite() { v } else { 0.0 };
    let mut short = Vec::new();
    let mut price = Vec::new();
    for (i, (series, s)) in r.horizon.iter().enumerate() {
        let mu = defined(s.mean);
        match series.metric.as_str() {
            "shortfall" if defined(s.p_any) > 0.0 => short.push((mu, i)),
            "price" if mu > 0.0 => price.push(((defined(s.p95) - defined(s.p05)) / mu, i)),
            _ => {}
        }
    }
    short.sort_by(|a, b| b.0.total_cmp(&a.0));
    price.sort_by(|a, b| b.0.total_cmp(&a.0));
    short
        .into_iter()
        .take(8)
        .chain(price.into_iter().take(6))
        .map(|(_, i)| i)
        .collect()
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
}
