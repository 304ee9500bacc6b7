//! `corridor compare`: paired differences between two runs.

use super::stream::{errln, out_bytes, outln, printable};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example:
  corridor run scenarios/baseline.toml --trials 2000 --seed 1 --keep-trials --out outputs/base
  corridor run scenarios/china-ree-export-ban.toml --trials 2000 --seed 1 --keep-trials --out outputs/ban
  corridor compare outputs/base outputs/ban --out outputs/ban-vs-base.csv

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
    /// Write the differences to this CSV file (default: print to stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace the `--out` file if it already exists.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Compare only the series both runs record, naming the others, instead
    /// of refusing runs whose series differ (e.g. a scenario that adds a leg).
    #[arg(long)]
    pub shared_series: bool,
}

/// Runs `corridor compare`.
pub fn execute(args: &CompareArgs) -> anyhow::Result<()> {
    /// Rows shown in the terminal table.
    const TOP: usize = 20;
    use crate::output::compare::{compare_runs, CompareOptions};
    let opts = CompareOptions {
        shared_series: args.shared_series,
    };
    // A mistaken --out is reported before the work, not after it.
    if let Some(path) = &args.out {
        crate::output::check_new_file(path, args.force)?;
    }
    let comparison = compare_runs(&args.run_a, &args.run_b, opts)?;
    for note in &comparison.notes {
        errln!("note: {}", printable(note));
    }
    match &args.out {
        Some(path) => {
            {
                let _cooperate = super::signals::Cooperate::begin();
                crate::output::compare::write_compare_csv(&comparison, path, args.force)?;
            }
            // Labels come from scenario ids: no raw control characters.
            for line in crate::output::compare::render_top(&comparison, TOP)?.lines() {
                outln!("{}", printable(line))?;
            }
            outln!("wrote {}", printable(&path.display().to_string()))?;
        }
        None => {
            let csv = crate::output::compare::compare_csv(&comparison)?;
            out_bytes(&csv)?;
        }
    }
    Ok(())
}
