//! The tidy summary table: one row per series and period.

use polars::prelude::*;

use super::{Accumulator, CellStats, Layout, SeriesMeta};

/// The columns that name a row's series, in order, and how to read each
/// from the series' [`SeriesMeta`].
const SERIES_COLUMNS: [(&str, fn(&SeriesMeta) -> &str); 4] = [
    ("metric", |m| &m.metric),
    ("commodity", |m| &m.commodity),
    ("key", |m| &m.key),
    ("unit", |m| &m.unit),
];

/// Columns of the summary table, in order: the series (`SERIES_COLUMNS`),
/// `period`, `n`, then the statistics ([`CellStats::COLUMNS`]).
pub const SUMMARY_COLUMNS: [&str; 18] = {
    let mut names = [""; 18];
    let mut i = 0;
    while i < SERIES_COLUMNS.len() {
        names[i] = SERIES_COLUMNS[i].0;
        i += 1;
    }
    names[i] = "period";
    names[i + 1] = "n";
    let mut j = 0;
    while j < CellStats::COLUMNS.len() {
        names[i + 2 + j] = CellStats::COLUMNS[j].0;
        j += 1;
    }
    names
};

/// The summary table of a run: columns [`SUMMARY_COLUMNS`], one row per
/// series and period, ordered by series (layout order) then period (horizon
/// last). Undefined statistics (`std` of one trial, anything of a series
/// with no usable value) are null.
pub fn summary_frame(layout: &Layout, acc: &Accumulator) -> PolarsResult<DataFrame> {
    if layout.n_cells() != acc.n_cells() {
        polars_bail!(ShapeMismatch: "layout has {} cells but the accumulator {}", layout.n_cells(), acc.n_cells());
    }
    let rows = layout.n_cells();
    let mut series: [Vec<&str>; SERIES_COLUMNS.len()] =
        std::array::from_fn(|_| Vec::with_capacity(rows));
    let mut period = Vec::with_capacity(rows);
    let mut n = Vec::with_capacity(rows);
    let mut stats: [Vec<Option<f64>>; CellStats::COLUMNS.len()] =
        std::array::from_fn(|_| Vec::with_capacity(rows));
    for (s, meta) in layout.series.iter().enumerate() {
        for (t, label) in layout.periods.iter().enumerate() {
            for (col, (_, read)) in series.iter_mut().zip(SERIES_COLUMNS) {
                col.push(read(meta));
            }
            period.push(label.as_str());
            let c = acc.cell(layout.cell(s, t));
            n.push(c.n);
            for (col, (_, read)) in stats.iter_mut().zip(CellStats::COLUMNS) {
                let v = read(&c);
                col.push(v.is_finite().then_some(v));
            }
        }
    }
    let mut columns = Vec::with_capacity(SUMMARY_COLUMNS.len());
    for ((name, _), col) in SERIES_COLUMNS.iter().zip(&series) {
        columns.push(Column::new((*name).into(), col));
    }
    columns.push(Column::new("period".into(), period));
    columns.push(Column::new("n".into(), n));
    for ((name, _), col) in CellStats::COLUMNS.iter().zip(stats) {
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
        let (layout, acc) = fixture::accumulated(50);
        let df = summary_frame(&layout, &acc).unwrap();
        assert_eq!(df.shape(), (12, 18));
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
        let (layout, acc) = fixture::accumulated(1);
        let df = summary_frame(&layout, &acc).unwrap();
        assert_eq!(df.column("std").unwrap().null_count(), 12);
        assert_eq!(df.column("mean").unwrap().null_count(), 0);
        assert!(summary_frame(&layout, &Accumulator::new(3)).is_err());
    }
}
