//! `corridor show`: a scenario as one TOML document, `extends` resolved.

use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example:
  corridor show scenarios/china_ban.toml > resolved.toml

The output is the layered scenario (each base file overridden by the files
that extend it) without `extends`; it loads on its own and runs the same.";

/// Arguments of `corridor show`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct ShowArgs {
    /// Scenario file to print.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Overrides.
    #[command(flatten)]
    pub set: super::SetOpts,
}

/// Runs `corridor show`.
pub fn execute(args: &ShowArgs) -> anyhow::Result<()> {
    let scenario = crate::run::load_scenario_with(&args.file, &args.set.set)?;
    super::stream::out_bytes(scenario.to_toml().as_bytes())?;
    Ok(super::stream::flush()?)
}
