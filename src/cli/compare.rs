//! `corridor compare`: paired differences between two runs.

use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example:
  corridor run scenarios/baseline.toml --trials 2000 --seed 1 --out outputs/base
  corridor run scenarios/china_ban.toml --trials 2000 --seed 1 --out outputs/ban
  corridor compare outputs/base outputs/ban --out outputs/ban-vs-base.csv

Runs with the same seed share the draws of their common uncertainties, so the
paired difference (B - A) has a far narrower confidence interval than the
difference of two independent runs.";

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
}

/// Runs `corridor compare`.
pub fn execute(args: &CompareArgs) -> anyhow::Result<()> {
    /// Rows shown in the terminal table.
    const TOP: usize = 20;
    let comparison = crate::aggregate::compare::compare_runs(&args.run_a, &args.run_b)?;
    for note in &comparison.notes {
        eprintln!("note: {note}");
    }
    match &args.out {
        Some(path) => {
            crate::output::compare::write_compare_csv(&comparison, path)?;
            print!("{}", crate::output::compare::render_top(&comparison, TOP)?);
            println!("wrote {}", path.display());
        }
        None => {
            use std::io::Write;
            let csv = crate::output::compare::compare_csv(&comparison)?;
            std::io::stdout().write_all(&csv)?;
        }
    }
    Ok(())
}
