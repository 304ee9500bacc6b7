//! Sweep curve: how a metric's mean changes over a grid of one swept field
//! (`sweep.csv`), as the paired difference against the first grid point
//! with its 95% confidence band; with more swept fields, one curve per
//! combination of the others.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::{err, text, AXIS, COLOURS, LABEL, TITLE};
use super::fan::axis_title;
use super::select::{self, Id};
use super::{stem, Request};
use crate::error::InvalidInput;
use crate::output::plain::number;
use crate::output::table::Table;

/// One curve: its name and (x, diff, lo, hi) points in grid order.
pub struct Curve {
    /// Legend name (the other swept fields' values), empty for one field.
    pub name: String,
    /// Points.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// A sweep chart.
pub struct Sweep {
    /// Default file stem.
    pub stem: String,
    /// The series drawn.
    pub id: Id,
    /// The field on the x axis.
    pub field: String,
    /// The first grid point's value of it (the reference).
    pub reference: String,
    /// Curves.
    pub curves: Vec<Curve>,
}

/// The sweep curve of the series `req` selects.
pub fn curve(t: &Table, req: &Request) -> anyhow::Result<Sweep> {
    let (m, c, k) = (
        req.metric.as_deref(),
        req.commodity.as_deref(),
        req.key.as_deref(),
    );
    let id = select::single(t, m, c, k)?;
    let point = t.col("point")?;
    if point == 0 {
        return Err(InvalidInput::Results(anyhow::anyhow!(
            "{} has no swept field before `point`; is it a corridor sweep?",
            t.path.display()
        ))
        .into());
    }
    let [dm, dl, dh] = ["diff_mean", "diff_lo", "diff_hi"].map(|n| t.col(n));
    let (dm, dl, dh) = (dm?, dl?, dh?);
    let rows = select::rows_of(t, &id)?;
    let field = t.header[0].clone();
    let mut curves: Vec<Curve> = Vec::new();
    for (i, &r) in rows.iter().enumerate() {
        let others: Vec<String> = (1..point)
            .map(|c| format!("{}={}", t.header[c], t.text(r, c)))
            .collect();
        let name = others.join(", ");
        // A field that is not a number is placed by its grid order.
        let x = t.text(r, 0).trim().parse::<f64>().unwrap_or(i as f64);
        let p = (x, t.num(r, dm), t.num(r, dl), t.num(r, dh));
        match curves.iter_mut().find(|c| c.name == name) {
            Some(c) => c.points.push(p),
            None => curves.push(Curve {
                name,
                points: vec![p],
            }),
        }
    }
    let reference = rows
        .first()
        .map_or_else(String::new, |&r| t.text(r, 0).to_string());
    Ok(Sweep {
        stem: stem("sweep", &[&id.metric, &id.commodity, &id.key]),
        id,
        field,
        reference,
        curves,
    })
}

impl Sweep {
    /// Draws the chart on `root`.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let pts = self.curves.iter().flat_map(|c| c.points.iter());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, 0f64, 0f64);
        for &(x, d, lo, hi) in pts {
            x0 = x0.min(x);
            x1 = x1.max(x);
            for v in [d, lo, hi].into_iter().filter(|v| v.is_finite()) {
                y0 = y0.min(v);
                y1 = y1.max(v);
            }
        }
        if !(x0.is_finite() && x1 > x0) {
            (x0, x1) = (x0.min(0.0), x0.max(0.0) + 1.0);
        }
        let pad = if y1 > y0 { (y1 - y0) * 0.06 } else { 1.0 };
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "{}: change against {} = {} (95% CI)",
                    self.id.label(),
                    self.field,
                    self.reference
                ),
                text(TITLE),
            )
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(130)
            .build_cartesian_2d(x0..x1, y0 - pad..y1 + pad)
            .map_err(err)?;
        let fmt = |v: &f64| number(*v);
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(8)
            .x_label_formatter(&fmt)
            .y_label_formatter(&fmt)
            .x_desc(&self.field)
            .y_desc(format!("change in {}", axis_title(&self.id)))
            .label_style(text(LABEL))
            .axis_desc_style(text(AXIS))
            .draw()
            .map_err(err)?;
        for (i, c) in self.curves.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let name = if c.name.is_empty() {
                "mean change".to_string()
            } else {
                c.name.clone()
            };
            let upper = c.points.iter().map(|p| (p.0, p.3));
            let lower = c.points.iter().rev().map(|p| (p.0, p.2));
            let band: Vec<(f64, f64)> = upper.chain(lower).filter(|p| p.1.is_finite()).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    colour.mix(0.25).filled(),
                )))
                .map_err(err)?
                .label(format!("{name}: 95% CI"))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 7), (x + 24, y + 7)], colour.mix(0.25).filled())
                });
            let line = c
                .points
                .iter()
                .map(|p| (p.0, p.1))
                .filter(|p| p.1.is_finite());
            chart
                .draw_series(LineSeries::new(line.clone(), colour.stroke_width(4)))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(4))
                });
            chart
                .draw_series(line.map(|p| Circle::new(p, 6, colour.filled())))
                .map_err(err)?;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, 0.0), (x1, 0.0)],
                BLACK.stroke_width(1),
            )))
            .map_err(err)?;
        super::canvas::legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
