//! `corridor sweep`: a scenario over a grid of `--set` values, with common
//! random numbers, into one table; the terminal shows the answer first.

use super::run::Terminal;
use super::signals::Cooperate;
use super::stream::{errln, outln, printable};
use super::SamplingArg;
use crate::output::plain::number as plain;
use crate::run::RunObserver;
use crate::sweep::{run_sweep, PointResult, SweepConfig, SweepObserver, SweepResult};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  corridor sweep scenarios/china-ree-export-ban.toml --set policies.cn_ree_ban_us.duration_months=6,12,24 --trials 2000
  corridor sweep scenarios/china-ree-export-ban.toml --set policies.cn_ree_ban_us.duration_months=6,24 --set 'supply.KZ.<commodity>.capacity=500,1000'
  corridor sweep SCENARIO --set 'legs.cpc_kz.capacity={ dist = \"uniform\", min = 4e7, max = 6e7 },5e7' --metric price

Each --set PATH=V1,V2,... is an axis (PATH and VALUE as `corridor run
--set` takes them; commas inside {...}, [...] or quotes do not separate
values). The grid is the full factorial of the axes, the last varying
fastest, or with --zip the lists side by side (lists of equal length; a
list of one value goes with every point). Every point runs with the same
seed and trial indices, so the draws of every uncertainty the points share
are common: the difference against the first point is paired trial by
trial, and a point equal to the first differs by exactly 0.

The sweep folder (default outputs/<name>-sweep-s<seed>-n<trials>) holds
sweep.csv and each point's result folder under points/<i> (summary.csv,
trials.parquet, manifest.toml with the point's overrides). It is written
under a temporary name and renamed into place when complete.

sweep.csv columns: one per swept PATH (its value), point, metric,
commodity, key, unit, n, mean, std, se, p05, p50, p95, min, max, p_any,
cvar95 (of the horizon value per trial, as in summary.csv), diff_mean,
diff_lo, diff_hi (the paired difference against point 0 and its 95%
interval, mean -/+ 1.96 standard errors of the per-trial differences).

The terminal table shows the --metric series (default shortfall) that move
most across the grid, or those of --commodity and --key.";

/// Arguments of `corridor sweep`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct SweepArgs {
    /// Scenario file.
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// An axis of the grid: PATH=V1,V2,... (repeatable; one value is a
    /// fixed override).
    #[arg(long = "set", value_name = "PATH=V1,V2,...", required = true)]
    pub set: Vec<String>,
    /// Pair the lists value by value instead of the full factorial.
    #[arg(long)]
    pub zip: bool,
    /// Trials per point (default: `[montecarlo] trials` of the scenario).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub trials: Option<u64>,
    /// Seed of every point (default: `[montecarlo] seed`, else 0).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "T", value_parser = super::thread_count)]
    pub threads: Option<usize>,
    /// How uncertain inputs are drawn (default: `[montecarlo] sampling`).
    #[arg(long, value_name = "METHOD")]
    pub sampling: Option<SamplingArg>,
    /// Sweep folder (default: outputs/<scenario name>-sweep-s<seed>-n<trials>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the sweep folder if it already exists.
    #[arg(long)]
    pub force: bool,
    /// Metric the terminal table shows (default: shortfall).
    #[arg(long, value_name = "M", default_value = "shortfall")]
    pub metric: String,
    /// Only this commodity in the terminal table.
    #[arg(long, value_name = "C")]
    pub commodity: Option<String>,
    /// Only this key (market, leg, route, ...) in the terminal table.
    #[arg(long, value_name = "K")]
    pub key: Option<String>,
    /// Print nothing but errors (no progress, no table).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `corridor sweep`.
pub fn execute(args: &SweepArgs) -> anyhow::Result<()> {
    let config = SweepConfig {
        scenario: args.scenario.clone(),
        sets: args.set.clone(),
        zip: args.zip,
        trials: args.trials,
        seed: args.seed,
        threads: args.threads,
        sampling: args.sampling.map(Into::into),
        out: args.out.clone(),
        force: args.force,
        command: std::env::args().collect(),
    };
    let _cooperate = Cooperate::begin();
    let result = run_sweep(
        config,
        &mut Progress {
            quiet: args.quiet,
            run: Terminal::new(args.quiet),
        },
    )?;
    for note in &result.notes {
        errln!("note: {}", printable(note));
    }
    if !args.quiet {
        print_table(&result, args)?;
    }
    Ok(())
}

/// A line per point on stderr, then the point's progress bar.
struct Progress {
    quiet: bool,
    run: Terminal,
}

impl SweepObserver for Progress {
    fn point_started(&mut self, index: usize, count: usize, overrides: &[String]) {
        if !self.quiet {
            errln!(
                "point {}/{count}: {}",
                index + 1,
                printable(&overrides.join("  "))
            );
        }
    }

    fn run(&mut self) -> &mut dyn RunObserver {
        &mut self.run
    }
}

/// Most series the table shows without a --commodity or --key filter.
const SHOWN: usize = 6;

/// The answer first: for each chosen series, one line per point with the
/// horizon mean, p05, p95 and the paired difference against point 0.
fn print_table(r: &SweepResult, args: &SweepArgs) -> anyhow::Result<()> {
    outln!(
        "sweep of {} points over {}: {} trials each, seed {} (common random numbers)",
        r.points.len(),
        printable(&r.paths.join(", ")),
        r.trials,
        r.seed
    )?;
    let first = &r.points[0];
    let filtered = args.commodity.is_some() || args.key.is_some();
    let matching: Vec<(usize, Spread)> = first
        .horizon
        .iter()
        .enumerate()
        .filter(|(_, (s, _))| {
            s.metric == args.metric
                && args.commodity.as_ref().is_none_or(|c| *c == s.commodity)
                && args.key.as_ref().is_none_or(|k| *k == s.key)
        })
        .map(|(i, _)| (i, spread(r, i)))
        .collect();
    // The series whose interval leaves 0 at some point lead, largest move
    // first; a filter shows every series it matches.
    let mut chosen: Vec<(usize, Spread)> = matching
        .iter()
        .copied()
        .filter(|(_, sp)| filtered || sp.significant)
        .collect();
    chosen.sort_by(|a, b| b.1.moved.total_cmp(&a.1.moved));
    if chosen.is_empty() {
        outln!(
            "
no {} series {} (try --metric price, or --commodity/--key)",
            printable(&args.metric),
            if filtered {
                "matches the filters"
            } else {
                "moves across the grid"
            }
        )?;
    }
    let limit = if filtered { 40 } else { SHOWN };
    let width = r
        .points
        .iter()
        .map(|p| p.values.join(" / ").len())
        .chain([r.paths.join(" / ").len()])
        .max()
        .unwrap_or(0)
        .clamp(5, 100);
    for &(s, _) in chosen.iter().take(limit) {
        let meta = &first.horizon[s].0;
        outln!(
            "\n{} {} {} ({}), horizon value per trial",
            printable(&meta.metric),
            printable(&meta.commodity),
            printable(&meta.key),
            printable(&meta.unit)
        )?;
        outln!(
            "  {:<width$}  {:>12} {:>12} {:>12}   diff vs first point [95% CI]",
            printable(&r.paths.join(" / ")),
            "mean",
            "p05",
            "p95"
        )?;
        for p in &r.points {
            let Some((_, c)) = find(p, meta) else {
                continue;
            };
            let diff = match p.diffs.get(s).copied().flatten() {
                Some((d, lo, hi)) => format!("{} [{}, {}]", plain(d), plain(lo), plain(hi)),
                None => "-".into(),
            };
            outln!(
                "  {:<width$}  {:>12} {:>12} {:>12}   {diff}",
                printable(&p.values.join(" / ")),
                plain(c.mean),
                plain(c.p05),
                plain(c.p95)
            )?;
        }
    }
    if chosen.len() > limit {
        outln!(
            "\n({} more {} series in sweep.csv; --commodity and --key choose)",
            chosen.len() - limit,
            printable(&args.metric)
        )?;
    }
    let still: Vec<String> = matching
        .iter()
        .filter(|(_, sp)| !filtered && !sp.significant && sp.size > 0.0)
        .map(|&(s, _)| {
            let (meta, c) = &first.horizon[s];
            let label = format!("{} {}", meta.commodity, meta.key);
            format!("{} (mean {})", printable(label.trim()), plain(c.mean))
        })
        .collect();
    if !still.is_empty() {
        let more = still.len().saturating_sub(8);
        outln!(
            "\nunchanged across the grid: {}{}",
            still[..still.len() - more].join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )?;
    }
    outln!(
        "\nwrote {}",
        printable(&r.path.join("sweep.csv").display().to_string())
    )?;
    Ok(())
}

/// How a series moves across the grid.
#[derive(Debug, Clone, Copy)]
struct Spread {
    /// Some point's 95% interval of the paired difference leaves out 0.
    significant: bool,
    /// The largest |mean| of its paired differences.
    moved: f64,
    /// The largest |mean| of the series.
    size: f64,
}

/// How series `s` moves across the grid and how large it is.
fn spread(r: &SweepResult, s: usize) -> Spread {
    let finite = |v: f64| if v.is_finite() { v.abs() } else { 0.0 };
    let diffs = || {
        r.points
            .iter()
            .filter_map(|p| p.diffs.get(s).copied().flatten())
    };
    let size = r
        .points
        .iter()
        .filter_map(|p| p.horizon.get(s))
        .map(|(_, c)| finite(c.mean))
        .fold(0.0, f64::max);
    let moved = diffs().map(|(d, _, _)| finite(d)).fold(0.0, f64::max);
    // Differences at rounding level (an LP's degenerate choice moving by
    // 1e-10) are not a move, even when their interval leaves out 0.
    let significant =
        diffs().any(|(d, lo, hi)| (lo > 0.0 || hi < 0.0) && finite(d) > 1e-9 * size.max(1.0));
    Spread {
        significant,
        moved,
        size,
    }
}

/// The point's statistics of the series `meta` names.
fn find<'a>(
    p: &'a PointResult,
    meta: &crate::aggregate::SeriesMeta,
) -> Option<&'a (crate::aggregate::SeriesMeta, crate::aggregate::CellStats)> {
    p.horizon.iter().find(|(s, _)| {
        s.metric == meta.metric && s.commodity == meta.commodity && s.key == meta.key
    })
}
