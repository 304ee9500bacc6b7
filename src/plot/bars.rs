//! Horizontal bar charts: the horizon flow by route or corridor (mean with
//! a p05–p95 whisker, a second run beside the first), and the tornado of a
//! sensitivity analysis (each input's bar from the metric's mean when the
//! input is at its p10 to its mean when at its p90, largest swing on top).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::{err, text, AXIS, COLOURS, LABEL, TITLE};
use super::fan::axis_title;
use super::select::{self, Id};
use super::{run_name, stem, Request};
use crate::aggregate::HORIZON;
use crate::error::InvalidInput;
use crate::output::plain::number;
use crate::output::table::Table;
use crate::output::SUMMARY_FILE;

/// Most bars a tornado shows (the inputs with the largest swings).
pub const TORNADO_ROWS: usize = 15;

/// One bar: from `lo` to `hi`, an optional whisker, coloured by `series`.
#[derive(Debug, Clone, Copy)]
pub struct Bar {
    /// Left end.
    pub lo: f64,
    /// Right end.
    pub hi: f64,
    /// Whisker (p05, p95).
    pub whisker: Option<(f64, f64)>,
    /// Index into the legend names (and colours).
    pub series: usize,
}

/// A horizontal bar chart: rows top to bottom, each with one bar per
/// series it has.
pub struct Bars {
    /// Default file stem.
    pub stem: String,
    /// Title.
    pub title: String,
    /// Value axis title (with unit).
    pub x_desc: String,
    /// Legend names, one per colour.
    pub names: Vec<String>,
    /// Row labels and their bars, top row first.
    pub rows: Vec<(String, Vec<Bar>)>,
}

/// The flow bars of `req`: metric `corridor_flow` unless another is named,
/// every key of it (or the one named), at the horizon.
pub fn flows(req: &Request) -> anyhow::Result<Bars> {
    let metric = req.metric.as_deref().unwrap_or("corridor_flow");
    let mut runs = vec![req.run.clone()];
    runs.extend(req.against.clone());
    let first = Table::read(&req.run.join(SUMMARY_FILE))?;
    let ids = select::matching(
        &first,
        Some(metric),
        req.commodity.as_deref(),
        req.key.as_deref(),
    )?;
    let units = dedup(ids.iter().map(|i| i.unit.as_str()).collect());
    if units.len() > 1 {
        let commodities: Vec<&str> = ids.iter().map(|i| i.commodity.as_str()).collect();
        return Err(InvalidInput::Usage(format!(
            "the {metric} series are in {} units ({}); a bar chart shows one: pick a commodity with --commodity ({})",
            units.len(),
            units.join(", "),
            dedup(commodities).join(", ")
        ))
        .into());
    }
    let mut rows: Vec<(String, Vec<Bar>)> = ids
        .iter()
        .map(|i| {
            let label = if req.commodity.is_some() || ids.iter().all(|j| j.commodity == i.commodity)
            {
                i.key.clone()
            } else {
                format!("{} {}", i.commodity, i.key)
            };
            (label, Vec::new())
        })
        .collect();
    let mut names = Vec::new();
    for (s, run) in runs.iter().enumerate() {
        let t = if s == 0 {
            first.clone()
        } else {
            Table::read(&run.join(SUMMARY_FILE))?
        };
        let [period, mean, p05, p95] = ["period", "mean", "p05", "p95"].map(|c| t.col(c));
        let (period, mean, p05, p95) = (period?, mean?, p05?, p95?);
        for (id, row) in ids.iter().zip(rows.iter_mut()) {
            let r = select::rows_of(&t, id)?
                .into_iter()
                .find(|&r| t.text(r, period) == HORIZON);
            let Some(r) = r else {
                return Err(InvalidInput::Usage(format!(
                    "{} has no horizon row of `{}`",
                    run.display(),
                    id.label()
                ))
                .into());
            };
            let m = t.num(r, mean);
            row.1.push(Bar {
                lo: 0f64.min(m),
                hi: 0f64.max(m),
                whisker: Some((t.num(r, p05), t.num(r, p95))),
                series: s,
            });
        }
        names.push(run_name(run));
    }
    let unit_id = Id {
        metric: metric.to_string(),
        commodity: req.commodity.clone().unwrap_or_default(),
        key: String::new(),
        unit: units.first().map_or_else(String::new, |u| u.to_string()),
    };
    Ok(Bars {
        stem: stem(
            "flows",
            &[
                metric,
                req.commodity.as_deref().unwrap_or(""),
                req.key.as_deref().unwrap_or(""),
            ],
        ),
        title: format!(
            "{} over the horizon, mean per trial (whiskers p05-p95)",
            [
                metric.replace('_', " "),
                req.commodity.clone().unwrap_or_default()
            ]
            .join(" ")
            .trim()
        ),
        x_desc: axis_title(&unit_id),
        names,
        rows,
    })
}

fn dedup(v: Vec<&str>) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

/// The tornado of one metric in a `sensitivity.csv`.
pub fn tornado(t: &Table, req: &Request) -> anyhow::Result<Bars> {
    let (m, c, k) = (
        req.metric.as_deref(),
        req.commodity.as_deref(),
        req.key.as_deref(),
    );
    let id = select::single(t, m, c, k)?;
    let [input, spearman, p10, p90] =
        ["input", "spearman", "p10_mean", "p90_mean"].map(|n| t.col(n));
    let (input, spearman, p10, p90) = (input?, spearman?, p10?, p90?);
    let mut rows: Vec<(f64, String, Bar)> = select::rows_of(t, &id)?
        .into_iter()
        .filter_map(|r| {
            let (a, b) = (t.num(r, p10), t.num(r, p90));
            if !(a.is_finite() && b.is_finite()) {
                return None;
            }
            let rho = t.num(r, spearman);
            let label = if rho.is_finite() {
                format!("{} (rho {rho:+.2})", t.text(r, input))
            } else {
                t.text(r, input).to_string()
            };
            let bar = Bar {
                lo: a.min(b),
                hi: a.max(b),
                whisker: None,
                series: usize::from(b < a),
            };
            Some(((b - a).abs(), label, bar))
        })
        .collect();
    rows.sort_by(|x, y| y.0.total_cmp(&x.0));
    rows.truncate(TORNADO_ROWS);
    Ok(Bars {
        stem: stem("tornado", &[&id.metric, &id.commodity, &id.key]),
        title: format!(
            "What drives {}: mean at each input's p10 and p90",
            id.label()
        ),
        x_desc: format!("mean {}", axis_title(&id)),
        names: vec!["rises with the input".into(), "falls with the input".into()],
        rows: rows.into_iter().map(|(_, l, b)| (l, vec![b])).collect(),
    })
}

impl Bars {
    /// Draws the chart on `root`.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let bars = self.rows.iter().flat_map(|(_, b)| b.iter());
        let (mut lo, mut hi) = bars.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), b| {
            let (wl, wh) = b.whisker.unwrap_or((b.lo, b.hi));
            let vals = [b.lo, b.hi, wl, wh];
            let vals = vals.iter().filter(|v| v.is_finite());
            vals.fold((l, h), |(l, h), &v| (l.min(v), h.max(v)))
        });
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let pad = if hi > lo { (hi - lo) * 0.05 } else { 1.0 };
        let n = self.rows.len().max(1);
        let label_width = self
            .rows
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(8);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, text(TITLE))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size((label_width as u32 * 12).clamp(80, 520))
            .build_cartesian_2d(
                (lo - if lo < 0.0 { pad } else { 0.0 })..hi + pad,
                0f64..n as f64,
            )
            .map_err(err)?;
        // Row i (from the top) is centred at y = n - i - 0.5.
        let labels: Vec<String> = self.rows.iter().map(|(l, _)| l.clone()).collect();
        let y_label = move |y: &f64| {
            let i = n as f64 - 0.5 - y;
            if (i - i.round()).abs() < 1e-6 && i >= -0.5 {
                labels.get(i.round() as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let x_label = |x: &f64| number(*x);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n * 2 + 1)
            .y_label_formatter(&y_label)
            .x_labels(8)
            .x_label_formatter(&x_label)
            .x_desc(&self.x_desc)
            .label_style(text(LABEL))
            .axis_desc_style(text(AXIS))
            .draw()
            .map_err(err)?;
        let series = self.names.len().max(1);
        let slot = 0.8 / series as f64;
        for (s, name) in self.names.iter().enumerate() {
            let colour = COLOURS[s % COLOURS.len()];
            let mut rects = Vec::new();
            let mut whiskers = Vec::new();
            for (i, (_, bars)) in self.rows.iter().enumerate() {
                for b in bars.iter().filter(|b| b.series == s) {
                    // Within a row, each series gets its own slot.
                    let top = n as f64 - i as f64 - 0.1 - slot * (b.series % series) as f64;
                    let bottom = top - slot;
                    rects.push(Rectangle::new(
                        [(b.lo, bottom), (b.hi, top)],
                        colour.filled(),
                    ));
                    if let Some((w0, w1)) = b.whisker.filter(|w| w.0.is_finite() && w.1.is_finite())
                    {
                        let y = (top + bottom) / 2.0;
                        whiskers.push(PathElement::new(
                            vec![(w0, y), (w1, y)],
                            BLACK.stroke_width(2),
                        ));
                    }
                }
            }
            if rects.is_empty() {
                continue;
            }
            chart
                .draw_series(rects)
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 7), (x + 24, y + 7)], colour.filled())
                });
            chart.draw_series(whiskers).map_err(err)?;
        }
        super::canvas::legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}
