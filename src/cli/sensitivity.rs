//! `corridor sensitivity`: which named uncertainties drive a metric.

use super::run::progress_bar;
use super::signals::{self, Cooperate};
use super::stream::{outln, printable};
use super::SamplingArg;
use crate::analysis::{SeriesPick, Study, StudyConfig, StudyResult};
use crate::output::plain::number;
use crate::output::{folder_name, RunDir, SensitivityCsv};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  corridor sensitivity scenarios/china-ree-export-ban.toml --metric shortfall --commodity rare_earths --key US
  corridor sensitivity scenarios/cpc-disruption.toml --metric price --key IL --trials 2000 --top 3

Two stages. Screening runs 2N trials (trials 0..2N, as `corridor run` would)
and ranks every named uncertainty by its partial rank correlation (PRCC)
with the metric's horizon value; it also gives Spearman's correlation and
the tornado's conditional means: the metric's mean over the trials whose
input is in its lowest decile (p10_mean) and its highest (p90_mean), and
their difference (swing). Then Saltelli's design for the top K inputs:
first-order and total Sobol indices (Saltelli 2010 and Jansen estimators)
with 95% bootstrap intervals, from N(K + 2) trials in all; everything else
(other inputs, disruptions, recurring policies) is sampled as usual.

The folder (default outputs/<scenario>-sensitivity-<metric>-s<seed>-n<N>)
holds sensitivity.csv: metric, commodity, key, unit, input, spearman, prcc,
p10_mean, p90_mean, swing, sobol_first, sobol_first_lo, sobol_first_hi,
sobol_total, sobol_total_lo, sobol_total_hi (empty where not computed).";

/// Arguments of `corridor sensitivity`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct SensitivityArgs {
    /// Scenario file.
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// The metric whose horizon value is studied (e.g. shortfall, price).
    #[arg(long, value_name = "M")]
    pub metric: String,
    /// Its commodity, when the metric has several.
    #[arg(long, value_name = "C")]
    pub commodity: Option<String>,
    /// Its key (region, leg, route...), when the metric has several.
    #[arg(long, value_name = "K")]
    pub key: Option<String>,
    /// N: Saltelli's base sample; screening runs 2N trials, the whole study N(top + 2).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub trials: u64,
    /// Seed of every random stream (default: the scenario's).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// K: how many inputs, by |PRCC|, get Sobol indices.
    #[arg(long, value_name = "K", default_value_t = 5)]
    pub top: usize,
    /// Bootstrap resamples for the Sobol intervals.
    #[arg(long, value_name = "B", default_value_t = 500)]
    pub resamples: usize,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "T", value_parser = super::thread_count)]
    pub threads: Option<usize>,
    /// How uncertain inputs are drawn (default: the scenario's).
    #[arg(long, value_name = "METHOD")]
    pub sampling: Option<SamplingArg>,
    /// Result folder (default: outputs/<scenario>-sensitivity-<metric>-s<seed>-n<N>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the result folder if it already exists.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `corridor sensitivity`.
pub fn execute(args: &SensitivityArgs) -> anyhow::Result<()> {
    let study = Study::new(StudyConfig {
        scenario: args.scenario.clone(),
        series: SeriesPick {
            metric: args.metric.clone(),
            commodity: args.commodity.clone(),
            key: args.key.clone(),
        },
        trials: args.trials,
        seed: args.seed,
        threads: args.threads,
        sampling: args.sampling.map(Into::into),
        top: args.top,
        resamples: args.resamples,
    })?;
    let out = args.out.clone().unwrap_or_else(|| {
        let name = format!(
            "{}-sensitivity-{}-s{}-n{}",
            study.scenario_name(),
            args.metric,
            study.seed(),
            args.trials
        );
        PathBuf::from("outputs").join(folder_name(&name))
    });
    let _cooperate = Cooperate::begin();
    let dir = RunDir::create(&out, args.force)?;
    let bar = progress_bar(args.quiet, study.evaluations());
    let progress = |n: u64| {
        if let Some(b) = &bar {
            b.inc(n);
        }
    };
    let result = study.execute(signals::stop(), &progress)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    dir.write(&SensitivityCsv(&result))?;
    let path = dir.commit()?;
    if !args.quiet {
        print_table(&result)?;
        outln!(
            "wrote {}",
            printable(
                &path
                    .join(crate::output::SENSITIVITY_FILE)
                    .display()
                    .to_string()
            )
        )?;
    }
    Ok(())
}

/// The table: one row per input, largest |PRCC| first.
fn print_table(r: &StudyResult) -> anyhow::Result<()> {
    let s = &r.series;
    outln!(
        "{}: what drives {} {} {} ({}) at the horizon; {} trials (N = {}), seed {}",
        printable(&r.scenario),
        s.metric,
        printable(&s.commodity),
        printable(&s.key),
        printable(&s.unit),
        r.evaluations,
        r.trials,
        r.seed
    )?;
    let width = r
        .inputs
        .iter()
        .map(|i| i.input.len())
        .max()
        .unwrap_or(5)
        .max(5);
    outln!(
        "{:<width$}  {:>8} {:>8}  {:>12} {:>12} {:>12}  {:>20}  {:>20}",
        "input",
        "spearman",
        "prcc",
        "p10_mean",
        "p90_mean",
        "swing",
        "S1 [95% CI]",
        "ST [95% CI]"
    )?;
    let corr = |v: Option<f64>| v.map_or("-".into(), |x| format!("{x:+.3}"));
    let num = |v: Option<f64>| v.map_or("-".into(), number);
    for i in &r.inputs {
        let (lo, hi) = (i.deciles.map(|d| d.0), i.deciles.map(|d| d.1));
        let (s1, st) = match i.sobol {
            Some(f) => (
                format!("{:.3} [{:.3}, {:.3}]", f.first, f.first_ci.0, f.first_ci.1),
                format!("{:.3} [{:.3}, {:.3}]", f.total, f.total_ci.0, f.total_ci.1),
            ),
            None => ("-".into(), "-".into()),
        };
        outln!(
            "{:<width$}  {:>8} {:>8}  {:>12} {:>12} {:>12}  {:>20}  {:>20}",
            printable(&i.input),
            corr(i.spearman),
            corr(i.prcc),
            num(lo),
            num(hi),
            num(lo.zip(hi).map(|(a, b)| b - a)),
            s1,
            st
        )?;
    }
    Ok(())
}
