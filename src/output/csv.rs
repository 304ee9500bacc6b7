//! CSV formats: the summary table and a single trial's path.
//!
//! Both go through polars' `CsvWriter` with its default float format: the
//! shortest decimal text that reads back as the same `f64` (round-trip
//! exact, so deterministic: equal values give equal bytes), nulls as empty
//! fields, empty text as `""` (so it reads back as text, not null), `\n`
//! line ends, other quotes only where a field needs them.

use polars::prelude::*;

use super::{Artifact, PATH_FILE, SUMMARY_FILE};
use crate::aggregate::Layout;

/// `summary.csv`: a summary table from [`crate::aggregate::summary_frame`].
pub struct SummaryCsv<'a>(pub &'a DataFrame);

impl Artifact for SummaryCsv<'_> {
    fn file_name(&self) -> &'static str {
        SUMMARY_FILE
    }

    fn write_to(&self, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        Ok(write_csv(self.0, out)?)
    }
}

/// `path.csv`: every series in every period of one trial record (for
/// deterministic and single-trial runs), columns
/// `metric, commodity, key, unit, period, value`.
pub struct PathCsv<'a> {
    /// What the record's values are.
    pub layout: &'a Layout,
    /// The trial record, `layout.n_cells()` values.
    pub record: &'a [f64],
}

impl Artifact for PathCsv<'_> {
    fn file_name(&self) -> &'static str {
        PATH_FILE
    }

    fn write_to(&self, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        let (layout, rec) = (self.layout, self.record);
        anyhow::ensure!(
            rec.len() == layout.n_cells(),
            "the record has {} values but the layout describes {}",
            rec.len(),
            layout.n_cells()
        );
        // Rows go series by series, periods in order within a series (the
        // order of `summary.csv`), while the record is period-major: each
        // value is looked up through the layout, never taken in record order.
        let rows = rec.len();
        let mut text: [Vec<&str>; 5] = std::array::from_fn(|_| Vec::with_capacity(rows));
        let mut values: Vec<Option<f64>> = Vec::with_capacity(rows);
        for (s, meta) in layout.series.iter().enumerate() {
            for (t, period) in layout.periods.iter().enumerate() {
                for (col, v) in text.iter_mut().zip([
                    &meta.metric,
                    &meta.commodity,
                    &meta.key,
                    &meta.unit,
                    period,
                ]) {
                    col.push(v.as_str());
                }
                let v = rec[layout.cell(s, t)];
                values.push(v.is_finite().then_some(v));
            }
        }
        let mut columns: Vec<Column> = ["metric", "commodity", "key", "unit", "period"]
            .iter()
            .zip(&text)
            .map(|(name, col)| Column::new((*name).into(), col))
            .collect();
        columns.push(Column::new("value".into(), values));
        Ok(write_csv(&DataFrame::new(rows, columns)?, out)?)
    }
}

/// Writes a data frame as CSV in the project's one CSV dialect.
pub(crate) fn write_csv(df: &DataFrame, out: &mut dyn std::io::Write) -> PolarsResult<()> {
    let mut df = df.clone();
    CsvWriter::new(out)
        .include_header(true)
        .with_line_terminator("\n".into())
        .finish(&mut df)
}

/// A data frame as CSV bytes (see [`write_csv`]).
pub(crate) fn frame_to_csv(df: &DataFrame) -> PolarsResult<Vec<u8>> {
    let mut out = Vec::new();
    write_csv(df, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{fixture, summary_frame, Accumulator};

    #[test]
    fn summary_csv_text() {
        let layout = fixture::layout();
        let mut acc = Accumulator::new(layout.n_cells());
        for t in 0..3 {
            acc.add_trial(&fixture::record(t));
        }
        let bytes = SummaryCsv(&summary_frame(&layout, &acc).unwrap())
            .serialize()
            .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 13);
        assert_eq!(
            lines[0],
            "metric,commodity,key,unit,period,n,mean,std,se,p05,p25,p50,p75,p95,min,max,p_any,cvar95"
        );
        // Empty text is quoted, so that it reads back as "" rather than null.
        assert!(
            lines[9].starts_with("total_cost,\"\",world,USD,2026-01,3,1500000000.0,0.0,0.0,"),
            "{}",
            lines[9]
        );
    }

    #[test]
    fn every_csv_value_sits_under_its_own_labels() {
        use crate::output::fixture::{check_labelled_csv, labelled_record};
        let layout = fixture::layout();
        let rec = labelled_record(&layout);
        let path = PathCsv {
            layout: &layout,
            record: &rec,
        }
        .serialize()
        .unwrap();
        check_labelled_csv(&String::from_utf8(path).unwrap(), &layout, &["value"]);
        let mut acc = Accumulator::new(layout.n_cells());
        acc.add_trial(&rec);
        let summary = SummaryCsv(&summary_frame(&layout, &acc).unwrap())
            .serialize()
            .unwrap();
        check_labelled_csv(
            &String::from_utf8(summary).unwrap(),
            &layout,
            &["mean", "min", "max", "p50"],
        );
    }

    #[test]
    fn path_csv_text() {
        let layout = fixture::layout();
        let rec = fixture::record(0);
        let text = String::from_utf8(
            PathCsv {
                layout: &layout,
                record: &rec,
            }
            .serialize()
            .unwrap(),
        )
        .unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "metric,commodity,key,unit,period,value");
        assert_eq!(lines.len(), 13);
        assert_eq!(lines[12], "total_cost,\"\",world,USD,horizon,4503000000.0");
        assert!(PathCsv {
            layout: &layout,
            record: &rec[1..]
        }
        .serialize()
        .is_err());
    }
}
