//! Command line: clap types, one file per subcommand.
//!
//! This is the only module that reads argv or the environment or decides
//! on colour. The clap types are pure syntax and do no I/O; each
//! subcommand's `execute` resolves them (loads the scenario, checks flag
//! combinations) before any work starts. Nothing below `cli/` imports clap.

pub mod compare;
pub mod list;
pub mod markdown;
pub mod merge;
pub mod plot;
pub mod run;
pub mod sensitivity;
pub mod show;
pub mod signals;
pub mod stream;
pub mod sweep;
pub mod validate;

use crate::error::InvalidInput;
use crate::scenario::{self, Diagnostics};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use stream::errln;

/// Top-level help text after the command list.
const AFTER_HELP: &str = "\
Exit status:
  0  success (also when the reader of stdout, e.g. `head`, stops early)
  1  runtime failure (I/O, a full disk, solver trouble, a signal, a bug)
  2  invalid input: a scenario file, flag, limit or result folder the user can fix

Example:
  corridor validate scenarios/baseline.toml
  corridor run scenarios/baseline.toml --trials 1000 --seed 42";

/// Monte Carlo simulator of rare-earth, lithium and oil trade along the
/// Middle Corridor and the legacy routes.
///
/// A scenario is a TOML file (see docs/scenarios.md); `run` samples its
/// uncertain inputs, clears every market in every period of every trial and
/// writes summary statistics to a folder under outputs/.
#[derive(Debug, Parser)]
#[command(name = "corridor", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario files and report every problem.
    Validate(validate::ValidateArgs),
    /// List the scenarios in a folder with their descriptions.
    List(list::ListArgs),
    /// Print a scenario as one TOML document, with `extends` resolved.
    Show(show::ShowArgs),
    /// Run a scenario's Monte Carlo trials and write a result folder.
    Run(run::RunArgs),
    /// Merge the result folders of shards into one result.
    Merge(merge::MergeArgs),
    /// Compare two runs: paired differences with confidence intervals.
    Compare(compare::CompareArgs),
    /// Draw a chart of a result folder: fan, flows, tornado or sweep curve.
    Plot(plot::PlotArgs),
    /// Run a scenario over a grid of `--set` values with common random numbers.
    Sweep(sweep::SweepArgs),
    /// Which uncertainties drive a metric: rank correlations, tornado swings, Sobol indices.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Print docs/cli.md, generated from these definitions.
    #[command(hide = true)]
    MarkdownHelp,
}

impl Command {
    /// Runs the subcommand.
    pub fn execute(&self) -> anyhow::Result<()> {
        match self {
            Command::Validate(a) => validate::execute(a),
            Command::List(a) => list::execute(a),
            Command::Show(a) => show::execute(a),
            Command::Run(a) => run::execute(a),
            Command::Merge(a) => merge::execute(a),
            Command::Compare(a) => compare::execute(a),
            Command::Plot(a) => plot::execute(a),
            Command::Sweep(a) => sweep::execute(a),
            Command::Sensitivity(a) => sensitivity::execute(a),
            Command::MarkdownHelp => Ok(stream::out(format_args!("{}", markdown::generate()))?),
        }
    }
}

/// Parses argv and runs the chosen command, with the signal handler
/// installed and stdout flushed at the end (so that a full or closed
/// stdout is an error here, not a silent loss at exit). Bad flags make clap
/// print usage and exit with status 2; `--help` and `--version` print to
/// stdout and exit 0 (or 1 if stdout cannot be written).
pub fn run() -> anyhow::Result<()> {
    signals::install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let printed = e.print();
            if !e.use_stderr() {
                printed.map_err(crate::error::StdoutError)?;
                stream::flush()?;
            }
            std::process::exit(e.exit_code());
        }
    };
    let result = cli.command.execute();
    let flushed = stream::flush();
    result?;
    Ok(flushed?)
}

/// Prints an error the way the user should see it: scenario problems with
/// source snippets, anything else as its `{:#}` cause chain.
pub fn report(err: &anyhow::Error) {
    let diagnostics = err.chain().find_map(|e| {
        e.downcast_ref::<Diagnostics>()
            .or_else(|| match e.downcast_ref::<InvalidInput>() {
                Some(InvalidInput::Scenario(d)) => Some(d),
                _ => None,
            })
    });
    match diagnostics {
        Some(d) => {
            stream::err(format_args!("{}", d.render(stderr_color())));
            // Context added above the diagnostics (e.g. which command failed).
            let outer: Vec<String> = err
                .chain()
                .take_while(|e| {
                    e.downcast_ref::<Diagnostics>().is_none()
                        && e.downcast_ref::<InvalidInput>().is_none()
                })
                .map(|e| e.to_string())
                .collect();
            if !outer.is_empty() {
                errln!("error: {}", stream::printable(&outer.join(": ")));
            }
        }
        // Paths and values quoted in a message come from the user's
        // files and arguments: escaped like any other echoed text.
        None => errln!("error: {}", stream::printable(&format!("{err:#}"))),
    }
}

/// Colour on stderr only for a terminal, and never with `NO_COLOR` set.
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub use crate::run::load_scenario;

/// `--set PATH=VALUE`, shared by the commands that load a scenario.
#[derive(Debug, Clone, Default, Args)]
pub struct SetOpts {
    /// Change one field of the scenario without a new file (repeatable):
    /// PATH as `corridor show` nests it (`legs.<id>.capacity`,
    /// `policies.<id>.duration_months`, `supply.<region>.<commodity>.capacity`,
    /// `scenario.periods`), VALUE a TOML value: a number, a string or an
    /// inline table such as `{ dist = "uniform", min = 6, max = 18 }`.
    /// Applied after `extends`, validated like the file; recorded in the
    /// manifest.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// Monte Carlo options shared by every command that runs trials.
#[derive(Debug, Clone, Default, Args)]
pub struct McOpts {
    /// Number of trials, or `auto` to add trials until `--target-se` is met
    /// (default: `[montecarlo] trials` of the scenario, else 1000).
    #[arg(long, value_name = "N")]
    pub trials: Option<Trials>,
    /// Seed of every random stream (default: `[montecarlo] seed`, else 0).
    /// A run is a pure function of scenario, seed and trials.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores; at most 1024, and no more are
    /// started than there are chunks of 64 trials to run at once). Results do
    /// not depend on it.
    #[arg(long, value_name = "T", value_parser = thread_count)]
    pub threads: Option<usize>,
    /// How uncertain inputs are drawn (default: `[montecarlo] sampling`, else random).
    #[arg(long, value_name = "METHOD")]
    pub sampling: Option<SamplingArg>,
    /// One path with every uncertain input at its mean: disruptions at their steady-state availability, one-off policies over their expected window (if at least 50% likely), recurring ones over their expected cycle; prints which policies were active.
    #[arg(long, conflicts_with_all = ["trials", "sampling", "target_se", "max_trials"])]
    pub deterministic: bool,
    /// With `--trials auto`: stop once the standard error of the mean of
    /// every headline metric (horizon shortfall, price and consumption of
    /// every market) is at most X times its mean, e.g. 0.01 for 1%.
    #[arg(long, value_name = "X", value_parser = positive_f64)]
    pub target_se: Option<f64>,
    /// With `--trials auto`: never run more than N trials (default 100000).
    #[arg(long, value_name = "N", value_parser = max_trials)]
    pub max_trials: Option<u64>,
}

impl McOpts {
    /// Checks flag combinations clap cannot express.
    pub fn check(&self) -> Result<(), InvalidInput> {
        let auto = matches!(self.trials, Some(Trials::Auto));
        if auto && self.target_se.is_none() {
            return Err(InvalidInput::Usage(
                "`--trials auto` needs `--target-se X`, the precision to stop at".into(),
            ));
        }
        if !auto && (self.target_se.is_some() || self.max_trials.is_some()) {
            let flag = if self.target_se.is_some() {
                "--target-se"
            } else {
                "--max-trials"
            };
            return Err(InvalidInput::Usage(format!(
                "`{flag}` applies only with `--trials auto`"
            )));
        }
        Ok(())
    }
}

/// A trial count: a number, or `auto` (run until converged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trials {
    /// Exactly this many trials.
    Count(u64),
    /// Add trials until `--target-se` is met or `--max-trials` reached.
    Auto,
}

impl std::str::FromStr for Trials {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "auto" {
            return Ok(Trials::Auto);
        }
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "expected a number of trials or `auto`, found `{s}`"
            ));
        }
        trial_count(s).map(Trials::Count)
    }
}

/// Sampling method as a flag value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SamplingArg {
    /// Independent draws per trial.
    Random,
    /// Latin Hypercube: stratified draws within fixed blocks of trials.
    Lhs,
}

impl From<SamplingArg> for scenario::Sampling {
    fn from(s: SamplingArg) -> Self {
        match s {
            SamplingArg::Random => scenario::Sampling::Random,
            SamplingArg::Lhs => scenario::Sampling::Lhs,
        }
    }
}

/// The most worker threads `--threads` accepts.
pub const MAX_THREADS: usize = crate::montecarlo::MAX_THREADS;

/// A trial count from 1 to [`crate::aggregate::MAX_TRIALS`], the most one
/// run's exact statistics can hold.
fn trial_count(s: &str) -> Result<u64, String> {
    let max = crate::aggregate::MAX_TRIALS;
    if !s.bytes().all(|b| b.is_ascii_digit()) || s.is_empty() {
        return Err(format!("expected a whole number, found `{s}`"));
    }
    match s.parse::<u64>() {
        Ok(0) => Err("the number of trials must be at least 1".into()),
        Ok(n) if n <= max => Ok(n),
        // Too many for u64 or for the statistics: the same message.
        _ => Err(format!(
            "{s} trials is more than one run can hold: at most {max} (the exact statistics count trials in 32 bits)"
        )),
    }
}

fn max_trials(s: &str) -> Result<u64, String> {
    trial_count(s)
}

pub(super) fn thread_count(s: &str) -> Result<usize, String> {
    if !s.bytes().all(|b| b.is_ascii_digit()) || s.is_empty() {
        return Err(format!("expected a whole number, found `{s}`"));
    }
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) if n <= MAX_THREADS => Ok(n),
        _ => Err(format!(
            "{s} threads is too many: at most {MAX_THREADS} (more than 32 never have work at once)"
        )),
    }
}

fn positive_f64(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        Ok(_) => Err("must be a number above 0".into()),
        Err(_) => Err(format!("expected a number, found `{s}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn trials_parse() {
        assert_eq!("auto".parse::<Trials>(), Ok(Trials::Auto));
        assert_eq!("250".parse::<Trials>(), Ok(Trials::Count(250)));
        assert_eq!(
            "0".parse::<Trials>(),
            Err("the number of trials must be at least 1".into())
        );
        assert!("many".parse::<Trials>().is_err());
        assert!("-3".parse::<Trials>().is_err());
        assert_eq!(
            "4294967295".parse::<Trials>(),
            Ok(Trials::Count(4294967295))
        );
        for too_many in [
            "4294967296",
            "1000000000000",
            "18446744073709551615",
            "99999999999999999999999",
        ] {
            let err = too_many.parse::<Trials>().unwrap_err();
            assert!(err.contains("at most 4294967295"), "{too_many}: {err}");
        }
    }

    #[test]
    fn thread_limits() {
        assert_eq!(thread_count("1"), Ok(1));
        assert_eq!(thread_count("1024"), Ok(1024));
        for too_many in [
            "1025",
            "10000",
            "18446744073709551615",
            "99999999999999999999999",
        ] {
            let err = thread_count(too_many).unwrap_err();
            assert!(err.contains("at most 1024"), "{too_many}: {err}");
        }
        assert!(thread_count("0").is_err());
        assert!(thread_count("-1").is_err());
        assert!(thread_count("2.5").is_err());
    }

    #[test]
    fn auto_trials_need_a_target() {
        let cli = Cli::try_parse_from(["corridor", "run", "x.toml", "--trials", "auto"]).unwrap();
        let Command::Run(args) = cli.command else {
            panic!("not run")
        };
        assert!(args.mc.check().is_err());
        let cli = Cli::try_parse_from([
            "corridor",
            "run",
            "x.toml",
            "--trials",
            "auto",
            "--target-se",
            "0.5",
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("not run")
        };
        assert!(args.mc.check().is_ok());
    }

    #[test]
    fn deterministic_conflicts_with_trials() {
        let err = Cli::try_parse_from([
            "corridor",
            "run",
            "x.toml",
            "--deterministic",
            "--trials",
            "5",
        ])
        .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }
}
