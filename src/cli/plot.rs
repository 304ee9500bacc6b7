//! `corridor plot`: a chart of a result folder.

use super::stream::{outln, printable};
use crate::plot::{Format, Kind, Request};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  corridor plot outputs/ban --metric price --commodity oil --key US
  corridor plot outputs/ban --metric shortfall --key US --against outputs/base
  corridor plot outputs/ban --chart flows --commodity oil --against outputs/base
  corridor plot outputs/sens --metric shortfall --key US          (tornado)
  corridor plot outputs/sweep --metric shortfall --key US --format png

What RUN holds decides the chart: sensitivity.csv (from `corridor
sensitivity`) gives a tornado of the inputs that drive the metric;
sweep.csv (from `corridor sweep`) the change of the metric's mean over the
first swept field, against the first grid point, with its 95% confidence
band; a run's summary.csv a fan chart of the metric over the periods
(p05-p95 and p25-p75 bands, median line, thin mean line), with --against a
second run's fan over it. --chart flows draws the horizon flow by corridor
(or by route with --metric route_flow) as bars with p05-p95 whiskers.

The chart is written to --out, or to RUN/plot-<chart>-<metric>-<commodity>-<key>.svg
(the name made safe as for result folders; a chart there is replaced when
drawn again). An existing --out is replaced only with --force. The file is
written under a temporary name and renamed, so it is never half-written.
Text in PNG charts uses the embedded DejaVu Sans font.";

/// Arguments of `corridor plot`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct PlotArgs {
    /// Result folder: a run, a sweep or a sensitivity analysis.
    #[arg(value_name = "RUN")]
    pub run: PathBuf,
    /// Metric to draw, as in summary.csv (e.g. `price`, `shortfall`).
    #[arg(long, value_name = "METRIC")]
    pub metric: Option<String>,
    /// Commodity of the series.
    #[arg(long, value_name = "COMMODITY")]
    pub commodity: Option<String>,
    /// Key of the series (region, route, corridor, `importer/exporter`).
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// A second run drawn over the first (fan and flow charts).
    #[arg(long, value_name = "RUN2")]
    pub against: Option<PathBuf>,
    /// Which chart of a run: the fan over time, or the flows as bars.
    #[arg(long, value_enum, default_value = "auto")]
    pub chart: ChartArg,
    /// File format.
    #[arg(long, value_enum, default_value = "svg")]
    pub format: FormatArg,
    /// File to write (default: inside RUN, named from the selection).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace the `--out` file if it already exists.
    #[arg(long, requires = "out")]
    pub force: bool,
}

/// `--chart`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ChartArg {
    /// Tornado, sweep curve or fan chart, by what RUN holds.
    Auto,
    /// Horizon flow by corridor or route, as bars.
    Flows,
}

/// `--format`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// Scalable vector graphics.
    Svg,
    /// A 1280x720 PNG image.
    Png,
}

/// Runs `corridor plot`.
pub fn execute(args: &PlotArgs) -> anyhow::Result<()> {
    let req = Request {
        run: args.run.clone(),
        against: args.against.clone(),
        metric: args.metric.clone(),
        commodity: args.commodity.clone(),
        key: args.key.clone(),
        kind: match args.chart {
            ChartArg::Auto => Kind::Auto,
            ChartArg::Flows => Kind::Flows,
        },
        format: match args.format {
            FormatArg::Svg => Format::Svg,
            FormatArg::Png => Format::Png,
        },
        out: args.out.clone(),
        force: args.force,
    };
    if let Some(path) = &req.out {
        crate::output::check_new_file(path, req.force)?;
    }
    let path = {
        let _cooperate = super::signals::Cooperate::begin();
        crate::plot::plot(&req)?
    };
    outln!("wrote {}", printable(&path.display().to_string()))?;
    Ok(())
}
