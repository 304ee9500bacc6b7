//! `corridor compare`: paired differences between two runs.

use super::stream::{errln, outln, printable};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example:
  corridor run scenarios/baseline.toml --trials 2000 --seed 1 --keep-trials --out outputs/base
  corridor run scenarios/china-ree-export-ban.toml --trials 2000 --seed 1 --keep-trials --out outputs/ban
  corridor compare outputs/base outputs/ban
  corridor compare outputs/base outputs/ban --metric price --commodity oil
  corridor compare outputs/base outputs/ban --rank absolute --top 5
  corridor compare outputs/base outputs/ban --out outputs/ban-vs-base.csv

The terminal shows a table to read: the headline rows first (the rows the
runs' scenarios name in `[scenario] headline`, else the shortfall, price
and import shares of the markets their policies target, as recorded in
manifest.toml), then the largest changes, ranked by relative change
|B - A| / max(|A|, |B|) (changes whose 95% CI excludes 0 first) or, with
--rank absolute, by |B - A| within each unit. A row marked * has a mean
outside the middle half of its trials (p25 to p75): a note below says so,
as the mean alone misleads there. --metric, --commodity and --key (each
repeatable) keep only the rows that match. The full table of every series
is written as CSV with --out.

An existing --out file is replaced only with --force; the file is written
under a hidden temporary name and renamed, so it is never half-written.

Runs with the same seed share the draws of their common uncertainties, so the
paired difference (B - A) has a far narrower confidence interval than the
difference of two independent runs.

The runs must have the same periods and record the same series in the same
units; otherwise compare stops with exit status 2 and says what differs
(--shared-series compares the series both record and names the others).

When both folders hold trials.parquet (--keep-trials), the differences are
paired: trial i of B minus trial i of A, over the trial indices both runs
hold. If their trials differ (other counts or shards), a note says how many
pairs were used, and the means are over those trials. Otherwise the
differences are unpaired: the difference of the means, the standard errors
combined as for independent runs.

Output columns (one row per series, at the horizon): metric, commodity, key,
unit, period, paired, n_a, n_b (trials used; the number of pairs when
paired), mean_a, mean_b, diff (mean_b - mean_a), sd_diff (standard
deviation of the paired differences; empty when unpaired), se (standard
error of diff), ci_low, ci_high (diff -/+ 1.96 se).";

/// Arguments of `corridor compare`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct CompareArgs {
    /// Result folder of the reference run (A).
    #[arg(value_name = "RUN_A")]
    pub run_a: PathBuf,
    /// Result folder of the alternative run (B).
    #[arg(value_name = "RUN_B")]
    pub run_b: PathBuf,
    /// Also write the differences of every series to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Show only this metric (repeatable), e.g. `shortfall`.
    #[arg(long, value_name = "METRIC")]
    pub metric: Vec<String>,
    /// Show only this commodity (repeatable).
    #[arg(long, value_name = "COMMODITY")]
    pub commodity: Vec<String>,
    /// Show only this key (repeatable): a region, route, leg, or `importer/exporter`.
    #[arg(long, value_name = "KEY")]
    pub key: Vec<String>,
    /// How to rank the rows after the headline.
    #[arg(long, value_enum, default_value = "relative")]
    pub rank: RankArg,
    /// Rows shown after the headline (per unit with `--rank absolute`).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    /// Replace the `--out` file if it already exists.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Compare only the series both runs record, naming the others, instead
    /// of refusing runs whose series differ (e.g. a scenario that adds a leg).
    #[arg(long)]
    pub shared_series: bool,
}

/// `--rank`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RankArg {
    /// By |B - A| / max(|A|, |B|), detectable changes first.
    Relative,
    /// By |B - A| within each unit.
    Absolute,
}

/// Runs `corridor compare`.
pub fn execute(args: &CompareArgs) -> anyhow::Result<()> {
    use crate::output::compare::{compare_runs, render, CompareOptions, Rank, ViewOptions};
    let opts = CompareOptions {
        shared_series: args.shared_series,
    };
    // A mistaken --out is reported before the work, not after it.
    if let Some(path) = &args.out {
        crate::output::check_new_file(path, args.force)?;
    }
    let comparison = compare_runs(&args.run_a, &args.run_b, opts)?;
    let view = ViewOptions {
        metrics: args.metric.clone(),
        commodities: args.commodity.clone(),
        keys: args.key.clone(),
        rank: match args.rank {
            RankArg::Relative => Rank::Relative,
            RankArg::Absolute => Rank::Absolute,
        },
        top: args.top,
    };
    // The table first: a filter that names nothing fails before a file is
    // written.
    let table = render(&comparison, &view)?;
    for note in &comparison.notes {
        errln!("note: {}", printable(note));
    }
    if let Some(path) = &args.out {
        let _cooperate = super::signals::Cooperate::begin();
        crate::output::compare::write_compare_csv(&comparison, path, args.force)?;
    }
    // Labels come from scenario ids: no raw control characters.
    for line in table.lines() {
        outln!("{}", printable(line))?;
    }
    if let Some(path) = &args.out {
        outln!("wrote {}", printable(&path.display().to_string()))?;
    }
    Ok(())
}
