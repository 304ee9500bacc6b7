//! The tidy summary table: one row per series and period.

use polars::prelude::*;

use super::{Accumulator, Layout};

/// Columns of the summary table, in order.
pub const SUMMARY_COLUMNS: [&str; 16] = [
    "metric",
    "commodity",
    "key",
    "unit",
    "period",
    "n",
    "mean",
    "std",
    "se",
    "p05",
    "p50",
    "p95",
    "min",
    "max",
    "p_any",
    "cvar95",
];

/// The summary table of a run: columns [`SUMMARY_COLUMNS`], one row per
/// series and period, ordered by series (layout order) then period (horizon
/// last). Undefined statistics (`std` of one trial, anything of a series
/// with no usable value) are null.
pub fn summary_frame(layout: &Layout, acc: &Accumulator) -> PolarsResult<DataFrame> {
    if layout.n_cells() != acc.n_cells() {
        polars_bail!(ShapeMismatch: "layout has {} cells but the accumulator {}", layout.n_cells(), acc.n_cells());
    }
    let rows = layout.n_cells();
    let mut text: [Vec<&str>; 5] = std::array::from_fn(|_| Vec::with_capacity(rows));
    let mut n = Vec::with_capacity(rows);
    let mut stats: [Vec<Option<f64>>; 10] = std::array::from_fn(|_| Vec::with_capacity(rows));
    for (s, meta) in layout.series.iter().enumerate() {
        for (t, period) in layout.periods.iter().enumerate() {
            let c = acc.cell(layout.cell(s, t));
            for (col, v) in
                text.iter_mut()
                    .zip([&meta.metric, &meta.commodity, &meta.key, &meta.unit, period])
            {
                col.push(v.as_str());
            }
            n.push(c.n);
            let values = [
                c.mean, c.std, c.se, c.p05, c.p50, c.p95, c.min, c.max, c.p_any, c.cvar95,
            ];
            for (col, v) in stats.iter_mut().zip(values) {
                col.push(v.is_finite().then_some(v));
            }
        }
    }
    let mut columns = Vec::with_capacity(SUMMARY_COLUMNS.len());
    for (name, col) in SUMMARY_COLUMNS[..5].iter().zip(&text) {
        columns.push(Column::new((*name).into(), col));
    }
    columns.push(Column::new("n".into(), n));
    for (name, col) in SUMMARY_COLUMNS[6..].iter().zip(stats) {
        columns.push(Column::new((*name).into(), col));
    }
    DataFrame::new(rows, columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::fixture;

    #[test]
    fn one_row_per_series_and_period_in_order() {
        let layout = fixture::layout();
        let mut acc = Accumulator::new(layout.n_cells());
        for t in 0..50 {
            acc.add_trial(&fixture::record(t));
        }
        let df = summary_frame(&layout, &acc).unwrap();
        assert_eq!(df.shape(), (12, 16));
        let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        assert_eq!(names, SUMMARY_COLUMNS);
        let period = df.column("period").unwrap().str().unwrap();
        assert_eq!(period.get(0), Some("2026-01"));
        assert_eq!(period.get(3), Some("horizon"));
        let metric = df.column("metric").unwrap().str().unwrap();
        assert_eq!(metric.get(4), Some("price"));
        assert_eq!(
            df.column("commodity").unwrap().str().unwrap().get(8),
            Some("")
        );
        let mean = df.column("mean").unwrap().f64().unwrap();
        assert_eq!(mean.get(8), Some(1.5e9));
        assert_eq!(df.column("n").unwrap().u64().unwrap().get(0), Some(50));
    }

    #[test]
    fn undefined_statistics_are_null() {
        let layout = fixture::layout();
        let mut acc = Accumulator::new(layout.n_cells());
        acc.add_trial(&fixture::record(0));
        let df = summary_frame(&layout, &acc).unwrap();
        assert_eq!(df.column("std").unwrap().null_count(), 12);
        assert_eq!(df.column("mean").unwrap().null_count(), 0);
        assert!(summary_frame(&layout, &Accumulator::new(3)).is_err());
    }
}
