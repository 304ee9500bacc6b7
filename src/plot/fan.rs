//! Fan chart: a metric over time from the per-period quantiles of
//! `summary.csv`: the p05–p95 band, the p25–p75 band, the median line and
//! a thin mean line; a second run (`--against`) overlaid in its own colour.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::{err, text, AXIS, COLOURS, LABEL, TITLE};
use super::select::{self, Id};
use super::{run_name, stem, Request};
use crate::aggregate::HORIZON;
use crate::error::InvalidInput;
use crate::output::plain::number;
use crate::output::table::Table;
use crate::output::SUMMARY_FILE;

/// One run's quantiles per period.
pub struct Band {
    /// Legend name.
    pub name: String,
    /// p05, p25, p50, p75, p95 and mean per period (p25 and p75 NaN for a
    /// summary written before they were stored).
    pub q: Vec<[f64; 6]>,
}

/// A fan chart.
pub struct Fan {
    /// Default file stem.
    pub stem: String,
    /// The series drawn.
    pub id: Id,
    /// Period labels (`2026-01`), the x axis.
    pub periods: Vec<String>,
    /// One band per run.
    pub runs: Vec<Band>,
}

/// The fan chart of the series `req` selects in its run (and `against`).
pub fn fan(req: &Request) -> anyhow::Result<Fan> {
    let first = Table::read(&req.run.join(SUMMARY_FILE))?;
    let id = select::one(
        &first,
        req.metric.as_deref(),
        req.commodity.as_deref(),
        req.key.as_deref(),
    )?;
    let (periods, q) = quantiles(&first, &id)?;
    let mut runs = vec![Band {
        name: run_name(&req.run),
        q,
    }];
    if let Some(b) = &req.against {
        let t = Table::read(&b.join(SUMMARY_FILE))?;
        let (pb, qb) = quantiles(&t, &id)?;
        if pb != periods {
            return Err(InvalidInput::Usage(format!(
                "{} and {} cover different periods; a fan chart overlays runs of the same horizon",
                req.run.display(),
                b.display()
            ))
            .into());
        }
        runs.push(Band {
            name: run_name(b),
            q: qb,
        });
    }
    Ok(Fan {
        stem: stem("fan", &[&id.metric, &id.commodity, &id.key]),
        id,
        periods,
        runs,
    })
}

/// The period labels and quantiles of series `id` (horizon row left out).
fn quantiles(t: &Table, id: &Id) -> anyhow::Result<(Vec<String>, Vec<[f64; 6]>)> {
    let rows = select::rows_of(t, id)?;
    if rows.is_empty() {
        return Err(InvalidInput::Usage(format!(
            "{} records no `{}` series",
            t.path.display(),
            id.label()
        ))
        .into());
    }
    let period = t.col("period")?;
    let col = |name: &str| if t.has(name) { t.col(name).ok() } else { None };
    let cols = ["p05", "p25", "p50", "p75", "p95", "mean"].map(col);
    for (name, c) in [("p05", cols[0]), ("p50", cols[2]), ("p95", cols[4])] {
        if c.is_none() {
            t.col(name)?;
        }
    }
    let mut labels = Vec::new();
    let mut q = Vec::new();
    for r in rows {
        if t.text(r, period) == HORIZON {
            continue;
        }
        labels.push(t.text(r, period).to_string());
        q.push(cols.map(|c| c.map_or(f64::NAN, |c| t.num(r, c))));
    }
    Ok((labels, q))
}

impl Fan {
    /// Draws the chart on `root`.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let n = self.periods.len().max(1);
        let finite = self
            .runs
            .iter()
            .flat_map(|b| b.q.iter().flat_map(|q| q.iter().copied()))
            .filter(|v| v.is_finite());
        let (mut lo, mut hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        // Quantities start at zero, so a band's height reads as a share.
        if lo >= 0.0 {
            lo = 0.0;
        }
        let pad = if hi > lo {
            (hi - lo) * 0.06
        } else {
            hi.abs().max(1.0) * 0.1
        };
        let title = match self.runs.as_slice() {
            [a, b] => format!("{}: {} vs {}", self.id.label(), a.name, b.name),
            [a] => format!("{}: {}", self.id.label(), a.name),
            _ => self.id.label(),
        };
        let mut chart = ChartBuilder::on(root)
            .caption(title, text(TITLE))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(130)
            .build_cartesian_2d(0f64..(n - 1).max(1) as f64, lo..hi + pad)
            .map_err(err)?;
        let periods = &self.periods;
        let x_label = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                periods.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let y_label = |y: &f64| number(*y);
        chart
            .configure_mesh()
            .x_labels(n.min(9))
            .y_labels(8)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_desc("period (month of the horizon)")
            .y_desc(axis_title(&self.id))
            .label_style(text(LABEL))
            .axis_desc_style(text(AXIS))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        for (run, colour) in self.runs.iter().zip(COLOURS) {
            let x = |i: usize| i as f64;
            let band = |a: usize, b: usize| -> Vec<(f64, f64)> {
                let upper = run.q.iter().enumerate().map(|(i, q)| (x(i), q[b]));
                let lower = run.q.iter().enumerate().rev().map(|(i, q)| (x(i), q[a]));
                upper.chain(lower).filter(|p| p.1.is_finite()).collect()
            };
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band(0, 4),
                    colour.mix(0.15).filled(),
                )))
                .map_err(err)?
                .label(format!("{}: p05-p95", run.name))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 7), (x + 24, y + 7)], colour.mix(0.15).filled())
                });
            if run.q.iter().all(|q| q[1].is_finite() && q[3].is_finite()) {
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        band(1, 3),
                        colour.mix(0.35).filled(),
                    )))
                    .map_err(err)?
                    .label(format!("{}: p25-p75", run.name))
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 7), (x + 24, y + 7)], colour.mix(0.35).filled())
                    });
            }
            let line = |k: usize| {
                run.q
                    .iter()
                    .enumerate()
                    .map(move |(i, q)| (x(i), q[k]))
                    .filter(|p| p.1.is_finite())
            };
            chart
                .draw_series(LineSeries::new(line(2), colour.stroke_width(4)))
                .map_err(err)?
                .label(format!("{}: median", run.name))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(4))
                });
            chart
                .draw_series(LineSeries::new(line(5), colour.mix(0.8).stroke_width(1)))
                .map_err(err)?
                .label(format!("{}: mean", run.name))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(1))
                });
        }
        super::canvas::legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}

/// `price (USD/t)`, or the metric alone without a unit.
pub fn axis_title(id: &Id) -> String {
    if id.unit.is_empty() {
        id.metric.replace('_', " ")
    } else {
        format!("{} ({})", id.metric.replace('_', " "), id.unit)
    }
}
