//! `sensitivity.csv`: one row per uncertainty of a sensitivity study
//! (`corridor sensitivity`), largest |PRCC| first, in the project's CSV
//! dialect (see `csv.rs`); cells not computed are empty. `corridor plot`
//! draws its tornado from this file, so the columns are fixed:
//! `metric,commodity,key,unit,input,spearman,prcc,p10_mean,p90_mean,swing,
//! sobol_first,sobol_first_lo,sobol_first_hi,sobol_total,sobol_total_lo,
//! sobol_total_hi`.

use polars::prelude::{Column, DataFrame};

use super::csv::write_csv;
use super::{Artifact, SENSITIVITY_FILE};
use crate::analysis::StudyResult;

/// `sensitivity.csv` of a study.
pub struct SensitivityCsv<'a>(pub &'a StudyResult);

/// The numeric columns after `input`.
const NUMBERS: [&str; 11] = [
    "spearman",
    "prcc",
    "p10_mean",
    "p90_mean",
    "swing",
    "sobol_first",
    "sobol_first_lo",
    "sobol_first_hi",
    "sobol_total",
    "sobol_total_lo",
    "sobol_total_hi",
];

impl Artifact for SensitivityCsv<'_> {
    fn file_name(&self) -> &'static str {
        SENSITIVITY_FILE
    }

    fn write_to(&self, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        let r = self.0;
        let n = r.inputs.len();
        let s = &r.series;
        let repeat = |v: &str| vec![v.to_string(); n];
        let mut columns = vec![
            Column::new("metric".into(), repeat(&s.metric)),
            Column::new("commodity".into(), repeat(&s.commodity)),
            Column::new("key".into(), repeat(&s.key)),
            Column::new("unit".into(), repeat(&s.unit)),
            Column::new(
                "input".into(),
                r.inputs.iter().map(|i| i.input.clone()).collect::<Vec<_>>(),
            ),
        ];
        for (c, name) in NUMBERS.iter().enumerate() {
            let values: Vec<Option<f64>> = r
                .inputs
                .iter()
                .map(|i| {
                    let d = i.deciles;
                    let f = i.sobol;
                    let v = match c {
                        0 => i.spearman,
                        1 => i.prcc,
                        2 => d.map(|d| d.0),
                        3 => d.map(|d| d.1),
                        4 => d.map(|d| d.1 - d.0),
                        5 => f.map(|f| f.first),
                        6 => f.map(|f| f.first_ci.0),
                        7 => f.map(|f| f.first_ci.1),
                        8 => f.map(|f| f.total),
                        9 => f.map(|f| f.total_ci.0),
                        _ => f.map(|f| f.total_ci.1),
                    };
                    v.filter(|x| x.is_finite())
                })
                .collect();
            columns.push(Column::new((*name).into(), values));
        }
        Ok(write_csv(&DataFrame::new(n, columns)?, out)?)
    }
}
