//! `corridor merge`: join the result folders of shards into one result.

use super::stream::{errln, outln, printable};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example:
  corridor run scenarios/baseline.toml --trials 10000 --seed 7 --shard 0/2 --out outputs/s0
  corridor run scenarios/baseline.toml --trials 10000 --seed 7 --shard 1/2 --out outputs/s1
  corridor merge outputs/s0 outputs/s1 --out outputs/baseline

The merged folder is identical to that of one run with all the trials. The
shards must come from the same scenario, seed and trial count.

A glob such as `outputs/*-trials*` does not match the hidden temporary
folders (`.corridor-partial-...`) of runs that are still going or were
killed; a temporary folder named anyway, or one of an earlier version
(`<name>.partial-<pid>`), is skipped with a note.";

/// Arguments of `corridor merge`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct MergeArgs {
    /// Result folders of the shards (each written by `corridor run --shard`).
    #[arg(value_name = "DIR", required = true)]
    pub shards: Vec<PathBuf>,
    /// Folder to write the merged result to.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace the output folder if it already exists.
    #[arg(long)]
    pub force: bool,
}

/// Runs `corridor merge`. A signal while the merged folder is written stops
/// it and leaves nothing.
pub fn execute(args: &MergeArgs) -> anyhow::Result<()> {
    let report = {
        let _cooperate = super::signals::Cooperate::begin();
        crate::output::merge_runs_until(
            &args.shards,
            &args.out,
            args.force,
            super::signals::stop(),
        )?
    };
    for note in &report.notes {
        errln!("note: {}", printable(note));
    }
    outln!(
        "merged {} shards ({} trials) into {}",
        report.shards,
        report.trials,
        printable(&report.out.display().to_string())
    )?;
    Ok(())
}
