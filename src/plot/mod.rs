//! Charts of result folders (`corridor plot`), drawn with `plotters`.
//!
//! What a folder holds decides the chart: a `sensitivity.csv` gives a
//! tornado ([`bars`]), a `sweep.csv` a sweep curve with its confidence band
//! ([`sweep`]), a run's `summary.csv` a fan chart of a metric over time
//! ([`fan`], two runs' fans overlaid with `against`) or, on request, a bar
//! chart of the flow by route or corridor ([`bars`]). The CSVs are read
//! with `output::table` (no polars here), numbers are written in
//! `output::plain` notation, and the chart is rendered into memory (SVG
//! text, or a PNG encoded from an RGB buffer) and written with
//! `output::write_file_atomic`: never half-written, and the default file
//! name, made from the metric, commodity and key by `output::folder_name`,
//! stays inside the run folder.

mod bars;
mod canvas;
mod fan;
mod select;
mod sweep;

use std::path::{Path, PathBuf};

use crate::error::InvalidInput;
use crate::output::table::Table;
use crate::output::{folder_name, write_file_atomic, SUMMARY_FILE};

pub use canvas::Format;

/// File a sensitivity analysis writes (`corridor sensitivity`).
pub const SENSITIVITY_FILE: &str = "sensitivity.csv";
/// File a sweep writes (`corridor sweep`).
pub const SWEEP_FILE: &str = "sweep.csv";

/// Which chart of a run folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// Decided by the folder: tornado, sweep curve, or fan chart.
    #[default]
    Auto,
    /// Horizon flow by route or corridor, as bars.
    Flows,
}

/// What to draw and where.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Result folder (a run, a sweep or a sensitivity analysis).
    pub run: PathBuf,
    /// A second run whose fan or bars are drawn beside the first.
    pub against: Option<PathBuf>,
    /// Metric (required for fans, sweeps and tornados that hold several).
    pub metric: Option<String>,
    /// Commodity.
    pub commodity: Option<String>,
    /// Key (region, route, corridor, ...).
    pub key: Option<String>,
    /// The chart.
    pub kind: Kind,
    /// SVG or PNG.
    pub format: Format,
    /// File to write (default: a name made from the selection, in `run`).
    pub out: Option<PathBuf>,
    /// Replace an existing `out`.
    pub force: bool,
}

/// Draws the chart `req` asks for and returns the file written.
pub fn plot(req: &Request) -> anyhow::Result<PathBuf> {
    if !req.run.is_dir() {
        return Err(InvalidInput::Usage(format!(
            "{} is not a folder; give a result folder of `corridor run`, `sweep` or `sensitivity`",
            req.run.display()
        ))
        .into());
    }
    let sens = req.run.join(SENSITIVITY_FILE);
    let sweep = req.run.join(SWEEP_FILE);
    let chart = if req.kind == Kind::Flows {
        canvas::Any::Bars(bars::flows(req)?)
    } else if sens.is_file() {
        canvas::Any::Bars(bars::tornado(&Table::read(&sens)?, req)?)
    } else if sweep.is_file() {
        canvas::Any::Sweep(sweep::curve(&Table::read(&sweep)?, req)?)
    } else if req.run.join(SUMMARY_FILE).is_file() {
        canvas::Any::Fan(fan::fan(req)?)
    } else {
        return Err(InvalidInput::Usage(format!(
            "{} holds none of {SUMMARY_FILE}, {SWEEP_FILE} or {SENSITIVITY_FILE}: not a result folder",
            req.run.display()
        ))
        .into());
    };
    let stem = chart.stem().to_string();
    let bytes = canvas::render(&chart, req.format)?;
    let (path, force) = match &req.out {
        Some(p) => (p.clone(), req.force),
        // A chart of the run's own, named from the selection: redrawing it
        // replaces it.
        None => (
            req.run
                .join(format!("{}.{}", folder_name(&stem), req.format.extension())),
            true,
        ),
    };
    write_file_atomic(&path, &bytes, force)?;
    Ok(path)
}

/// `plot-<parts>`: the selection joined with `-`, empty parts left out.
fn stem(kind: &str, parts: &[&str]) -> String {
    let mut s = format!("plot-{kind}");
    for p in parts.iter().filter(|p| !p.is_empty()) {
        s.push('-');
        s.push_str(p);
    }
    s
}

/// The name a chart gives a run in its legend: its folder's name.
fn run_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests;
