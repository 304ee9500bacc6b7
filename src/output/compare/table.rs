//! Formats for a comparison of two runs: `compare.csv` and a terminal table.

use std::path::Path;

use super::Comparison;
use crate::output::csv::frame_to_csv;
use crate::output::write_file_atomic;

/// The comparison table as CSV bytes (same dialect as `summary.csv`).
pub fn compare_csv(c: &Comparison) -> anyhow::Result<Vec<u8>> {
    Ok(frame_to_csv(&c.frame)?)
}

/// Writes the comparison table to `path` (atomically); an existing file is
/// replaced only with `force`.
pub fn write_compare_csv(c: &Comparison, path: &Path, force: bool) -> anyhow::Result<()> {
    write_file_atomic(path, &compare_csv(c)?, force)
}

/// The `top` rows with the largest absolute difference as a plain-text
/// table, widest first (ties keep the table's order), with a header line
/// saying whether the differences are paired.
pub fn render_top(c: &Comparison, top: usize) -> anyhow::Result<String> {
    let df = &c.frame;
    let text = |name: &str| -> anyhow::Result<Vec<String>> {
        Ok(df
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect())
    };
    let num = |name: &str| -> anyhow::Result<Vec<Option<f64>>> {
        Ok(df.column(name)?.f64()?.iter().collect())
    };
    let (metric, commodity, key, unit) = (
        text("metric")?,
        text("commodity")?,
        text("key")?,
        text("unit")?,
    );
    let (mean_a, mean_b, diff, lo, hi) = (
        num("mean_a")?,
        num("mean_b")?,
        num("diff")?,
        num("ci_low")?,
        num("ci_high")?,
    );

    let mut order: Vec<usize> = (0..df.height()).collect();
    let magnitude = |i: usize| diff[i].map_or(f64::NEG_INFINITY, f64::abs);
    order.sort_by(|&x, &y| magnitude(y).total_cmp(&magnitude(x)));
    order.truncate(top);

    let header = [
        "metric",
        "commodity",
        "key",
        "unit",
        "mean A",
        "mean B",
        "B - A",
        "95% CI",
    ]
    .map(String::from);
    let mut rows = vec![header];
    for &i in &order {
        rows.push([
            metric[i].clone(),
            commodity[i].clone(),
            key[i].clone(),
            unit[i].clone(),
            fmt_num(mean_a[i]),
            fmt_num(mean_b[i]),
            fmt_num(diff[i]),
            format!("[{}, {}]", fmt_num(lo[i]), fmt_num(hi[i])),
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let kind = if c.paired {
        format!("paired differences (trial by trial, {} pairs)", c.pairs)
    } else {
        "unpaired differences (of means)".to_string()
    };
    let mut out = format!(
        "B - A at the horizon, {kind}; {} of {} rows by |B - A|\n",
        order.len(),
        df.height()
    );
    for (r, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, v)| {
                if c < 4 {
                    format!("{v:<w$}", w = widths[c])
                } else {
                    format!("{v:>w$}", w = widths[c])
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if r == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    Ok(out)
}

/// A number for a terminal: 4 significant digits, scientific notation for
/// very large or small magnitudes, `-` for missing.
fn fmt_num(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(x) if !x.is_finite() => x.to_string(),
        Some(0.0) => "0".into(),
        Some(x) => {
            let mag = x.abs();
            if !(1e-3..1e9).contains(&mag) {
                format!("{x:.3e}")
            } else {
                let decimals = (3 - mag.log10().floor() as i32).max(0) as usize;
                format!("{x:.decimals$}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::compare::compare_runs;
    use crate::output::Manifest;

    /// A result folder of trials `0..n`, each value scaled by `scale` and
    /// shifted by `shift`, with the given seed.
    fn write_run(dir: &Path, n: u64, scale: f64, shift: f64, seed: u64, keep_trials: bool) {
        let mut m: Manifest = crate::output::manifest::tests::example();
        (m.seed, m.trials, m.trial_end) = (seed, n, n);
        crate::output::fixture::write_run(dir, 0..n, keep_trials, |v| v * scale + shift, &m);
    }

    #[test]
    fn paired_differences_of_a_shift_are_exact_and_tight() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        write_run(&a, 200, 1.0, 0.0, 1, true);
        write_run(&b, 200, 1.0, 10.0, 1, true);
        let c = compare_runs(&a, &b, Default::default()).unwrap();
        assert!(c.paired);
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        assert_eq!(c.frame.height(), 3);
        let diff = c.frame.column("diff").unwrap().f64().unwrap();
        let sd = c.frame.column("sd_diff").unwrap().f64().unwrap();
        for i in 0..3 {
            assert!((diff.get(i).unwrap() - 10.0).abs() < 1e-6);
            assert!(sd.get(i).unwrap() < 1e-6, "a constant shift has no spread");
        }
        let n = c.frame.column("n_a").unwrap().u64().unwrap();
        assert_eq!(n.get(0), Some(200));
        let unit = c.frame.column("unit").unwrap().str().unwrap();
        assert_eq!(unit.get(1), Some("USD/bbl"));
        let csv = String::from_utf8(compare_csv(&c).unwrap()).unwrap();
        assert!(csv.starts_with(
            "metric,commodity,key,unit,period,paired,n_a,n_b,mean_a,mean_b,diff,sd_diff,se,ci_low,ci_high\n"
        ));
        assert!(
            csv.contains("total_cost,\"\",world,USD,horizon,true,200,200,"),
            "{csv}"
        );
        let table = render_top(&c, 2).unwrap();
        assert!(
            table.starts_with(
                "B - A at the horizon, paired differences (trial by trial, 200 pairs)"
            ),
            "{table}"
        );
        assert_eq!(table.lines().count(), 5, "{table}");
    }

    #[test]
    fn runs_of_other_trials_are_paired_on_the_indices_both_hold() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        write_run(&a, 200, 1.0, 0.0, 1, true);
        let mut m: Manifest = crate::output::manifest::tests::example();
        (m.seed, m.trials, m.trial_start, m.trial_end) = (1, 300, 150, 300);
        crate::output::fixture::write_run(&b, 150..300, true, |v| v + 10.0, &m);
        let c = compare_runs(&a, &b, Default::default()).unwrap();
        assert!(c.paired);
        assert_eq!(c.pairs, 50);
        assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
        assert!(
            c.notes[0]
                .contains("paired on the 50 trial indices both hold (A: 0..200, B: 150..300)"),
            "{:?}",
            c.notes
        );
        let n = c.frame.column("n_b").unwrap().u64().unwrap();
        let diff = c.frame.column("diff").unwrap().f64().unwrap();
        let sd = c.frame.column("sd_diff").unwrap().f64().unwrap();
        for i in 0..3 {
            assert_eq!(n.get(i), Some(50));
            assert!((diff.get(i).unwrap() - 10.0).abs() < 1e-6);
            assert!(sd.get(i).unwrap() < 1e-6, "trial i against trial i");
        }
        assert!(render_top(&c, 3)
            .unwrap()
            .starts_with("B - A at the horizon, paired differences (trial by trial, 50 pairs)"));
    }

    #[test]
    fn unpaired_without_trials_and_notes_on_seeds() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        write_run(&a, 100, 1.0, 0.0, 1, false);
        write_run(&b, 100, 2.0, 0.0, 2, true);
        let c = compare_runs(&a, &b, Default::default()).unwrap();
        assert!(!c.paired);
        assert_eq!(c.notes.len(), 2, "{:?}", c.notes);
        assert!(c.notes[0].contains("different seeds"));
        let f = &c.frame;
        let (ma, mb, d, se) = (
            f.column("mean_a").unwrap().f64().unwrap().get(0).unwrap(),
            f.column("mean_b").unwrap().f64().unwrap().get(0).unwrap(),
            f.column("diff").unwrap().f64().unwrap().get(0).unwrap(),
            f.column("se").unwrap().f64().unwrap().get(0).unwrap(),
        );
        assert_eq!(d, mb - ma);
        assert!(se > 0.0);
        assert_eq!(f.column("sd_diff").unwrap().null_count(), 3);
        let out = root.path().join("cmp").join("compare.csv");
        write_compare_csv(&c, &out, false).unwrap();
        assert!(std::fs::read_to_string(&out).unwrap().contains(",false,"));
        let again = write_compare_csv(&c, &out, false).unwrap_err();
        assert!(format!("{again:#}").contains("use --force"), "{again:#}");
        assert_eq!(crate::error::exit_code(&again), crate::error::EXIT_INVALID);
        write_compare_csv(&c, &out, true).unwrap();
        let folder = write_compare_csv(&c, out.parent().unwrap(), true).unwrap_err();
        assert!(format!("{folder:#}").contains("is a folder"), "{folder:#}");
        assert_eq!(
            std::fs::read_dir(out.parent().unwrap()).unwrap().count(),
            1,
            "no temporary file left"
        );
        assert!(compare_runs(&a, &root.path().join("nope"), Default::default()).is_err());
    }

    #[test]
    fn numbers_for_the_terminal() {
        assert_eq!(fmt_num(Some(1234.5678)), "1235");
        assert_eq!(fmt_num(Some(0.012345)), "0.01235");
        assert_eq!(fmt_num(Some(-2.5)), "-2.500");
        assert_eq!(fmt_num(Some(4.5e12)), "4.500e12");
        assert_eq!(fmt_num(None), "-");
    }
}
