//! Every output agrees with every other, for every shipped scenario:
//! `path.csv` with `summary.csv` for a single path, `trials.parquet` with the
//! summary's horizon rows, and the terminal summary with the CSV it quotes.
//! (Merged shard folders against the single run are in `determinism`.)
//!
//! The checks compare the outputs of one run with each other, never with
//! fixed numbers, so they hold whatever the scenarios' figures are.

use crate::common::{corridor, shipped_scenarios, Csv};
use polars::prelude::{ParquetReader, SerReader};
use std::collections::HashMap;
use std::path::Path;

/// Runs `corridor run SCENARIO FLAGS --out OUT` and returns its stdout.
fn run(scenario: &Path, out: &Path, flags: &[&str]) -> String {
    let output = corridor()
        .arg("run")
        .arg(scenario)
        .args(flags)
        .arg("--out")
        .arg(out)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(output.stdout).unwrap()
}

const LABELS: [&str; 5] = ["metric", "commodity", "key", "unit", "period"];

/// `path.csv` holds the one path's value of every series in every period;
/// `summary.csv` of the same one-trial run holds statistics over that one
/// trial. With `n = 1` the summary's mean is exact: it is clamped into
/// `[min, max]`, and min and max are the trial's value itself (see
/// `aggregate::accumulator`), so the two files must agree to the bit, row
/// by row, in the same order.
#[test]
fn path_csv_equals_the_summary_of_a_single_path() {
    let tmp = tempfile::tempdir().unwrap();
    for scenario in shipped_scenarios() {
        for flags in [&["--trials", "1", "--seed", "7"][..], &["--deterministic"]] {
            let out = tmp.path().join(format!(
                "{}-{}",
                scenario.file_stem().unwrap().to_string_lossy(),
                flags.len()
            ));
            run(&scenario, &out, &[flags, &["--quiet"]].concat());
            let path = Csv::read(&out.join("path.csv"));
            let summary = Csv::read(&out.join("summary.csv"));
            let what = format!("{} {}", scenario.display(), flags.join(" "));
            assert_eq!(path.rows.len(), summary.rows.len(), "{what}: row counts");
            assert!(path.rows.len() > 1, "{what}: an empty path");
            for r in 0..path.rows.len() {
                for label in LABELS {
                    assert_eq!(
                        path.text(r, label),
                        summary.text(r, label),
                        "{what}: row {r} labels"
                    );
                }
                let value = path.num(r, "value");
                for stat in ["mean", "min", "max", "p50"] {
                    assert_eq!(
                        value,
                        summary.num(r, stat),
                        "{what}: path.csv and summary.csv {stat} disagree on {:?}",
                        &path.rows[r][..5]
                    );
                }
                assert_eq!(
                    summary.num(r, "n"),
                    Some(if value.is_some() { 1.0 } else { 0.0 }),
                    "{what}: row {r}"
                );
            }
        }
    }
}

/// The horizon values of one series in `trials.parquet`, keyed by
/// (metric, commodity, key).
fn horizon_values(path: &Path) -> HashMap<(String, String, String), Vec<Option<f64>>> {
    let file = std::fs::File::open(path).unwrap();
    let df = ParquetReader::new(file).finish().unwrap();
    let text = |c: &str| df.column(c).unwrap().str().unwrap().clone();
    let (metric, commodity, key) = (text("metric"), text("commodity"), text("key"));
    let value = df.column("value").unwrap().f64().unwrap().clone();
    let mut out: HashMap<_, Vec<Option<f64>>> = HashMap::new();
    for r in 0..df.height() {
        let k = [&metric, &commodity, &key].map(|c| c.get(r).unwrap().to_string());
        out.entry((k[0].clone(), k[1].clone(), k[2].clone()))
            .or_default()
            .push(value.get(r));
    }
    out
}

/// Trials of the parquet check: 30 makes `p·n` non-integral for p05 and
/// p95, so their order statistics are unambiguous.
const TRIALS: u64 = 30;

/// Every horizon row of `summary.csv` is the statistics of the values
/// `trials.parquet` holds for that series:
///
/// * `n`, `min`, `max` and `p_any` exactly (they are exact by construction);
/// * `mean` within `2^-32 + 8 ε max|x|`: the accumulator sums values
///   truncated to fixed point with 32 fractional bits (each off by less
///   than 2^-32, so their mean is too), then rounds twice; the reference
///   mean here is a compensated sum rounded twice;
/// * `std` within `2^-31 + 64 ε max|x|`: its numerator is exact in
///   integers, so only the same truncation (which moves a sample standard
///   deviation by at most `sqrt(n/(n-1))·2^-32`) and the rounding of this
///   test's two-pass reference remain;
/// * `p05`, `p25`, `p50`, `p75`, `p95` within 2^-8 of the order statistic `x_(k)`,
///   `k = ceil(p·n)`, relative to its magnitude (the histogram bins'
///   documented resolution; exact for zeros).
#[test]
fn trials_parquet_aggregates_to_the_summary_horizon_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let trials = TRIALS.to_string();
    for scenario in shipped_scenarios() {
        let out = tmp.path().join(scenario.file_stem().unwrap());
        let flags = [
            "--trials",
            &trials,
            "--seed",
            "3",
            "--keep-trials",
            "--quiet",
        ];
        run(&scenario, &out, &flags);
        let per_trial = horizon_values(&out.join("trials.parquet"));
        let summary = Csv::read(&out.join("summary.csv"));
        let mut checked = 0;
        for r in 0..summary.rows.len() {
            if summary.text(r, "period") != "horizon" {
                continue;
            }
            let id = [0, 1, 2].map(|i| summary.rows[r][i].clone());
            let what = format!("{}: {}", scenario.display(), id.join(" "));
            let values = per_trial
                .get(&(id[0].clone(), id[1].clone(), id[2].clone()))
                .unwrap_or_else(|| panic!("{what}: not in trials.parquet"));
            assert_eq!(values.len() as u64, TRIALS, "{what}: trials in the parquet");
            // What the accumulator counts: finite values below 2^62.
            let mut xs: Vec<f64> = values
                .iter()
                .flatten()
                .copied()
                .filter(|x| x.is_finite() && x.abs() < 2f64.powi(62))
                .collect();
            let num = |stat: &str| summary.num(r, stat);
            assert_eq!(num("n"), Some(xs.len() as f64), "{what}: n");
            if xs.is_empty() {
                continue;
            }
            xs.sort_by(f64::total_cmp);
            let n = xs.len();
            let (min, max) = (xs[0], xs[n - 1]);
            assert_eq!(num("min"), Some(min), "{what}: min");
            assert_eq!(num("max"), Some(max), "{what}: max");
            let positives = xs.iter().filter(|&&x| x > 0.0).count();
            assert_eq!(
                num("p_any"),
                Some(positives as f64 / n as f64),
                "{what}: p_any"
            );

            let big = min.abs().max(max.abs());
            // A plain sum of n values is off by at most (n - 1)·ε·Σ|x|, so
            // the mean by (n - 1)·ε·max|x|: within 32·ε·max|x| for 30 trials.
            let mean = xs.iter().sum::<f64>() / n as f64;
            let tol = 2f64.powi(-32) + 32.0 * f64::EPSILON * big;
            let got = num("mean").unwrap();
            assert!(
                (got - mean).abs() <= tol,
                "{what}: mean {got} vs {mean} from trials.parquet (tolerance {tol})"
            );
            let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
            let std = (ss / (n - 1) as f64).sqrt();
            let tol = 2f64.powi(-31) + 64.0 * f64::EPSILON * big;
            let got = num("std").unwrap();
            assert!(
                (got - std).abs() <= tol,
                "{what}: std {got} vs {std} from trials.parquet (tolerance {tol})"
            );
            for (stat, pct) in [
                ("p05", 5),
                ("p25", 25),
                ("p50", 50),
                ("p75", 75),
                ("p95", 95),
            ] {
                let k = (pct * n).div_ceil(100).max(1);
                let exact = xs[k - 1];
                let got = num(stat).unwrap();
                assert!(
                    (got - exact).abs() <= exact.abs() / 256.0,
                    "{what}: {stat} {got} vs order statistic {exact}"
                );
            }
            checked += 1;
        }
        assert_eq!(
            checked,
            per_trial.len(),
            "{}: series of trials.parquet without a horizon row",
            scenario.display()
        );
    }
}

/// `corridor run` prints what ran and a table of horizon rows; every number
/// it prints is the `summary.csv` value it stands for, formatted as printed
/// (`output::plain::with_unit` for mean, p05, median and p95, `{:.3}` for
/// P(>0)), and the period and series counts are those of the CSV.
#[test]
fn the_terminal_summary_quotes_the_csv() {
    let tmp = tempfile::tempdir().unwrap();
    for scenario in shipped_scenarios() {
        let out = tmp.path().join(scenario.file_stem().unwrap());
        let stdout = run(&scenario, &out, &["--trials", "20", "--seed", "5"]);
        let summary = Csv::read(&out.join("summary.csv"));
        let what = scenario.display().to_string();

        let mut periods: Vec<&str> = Vec::new();
        let mut series: Vec<[&str; 4]> = Vec::new();
        let mut horizon: HashMap<[&str; 3], usize> = HashMap::new();
        for r in 0..summary.rows.len() {
            let p = summary.text(r, "period");
            if !periods.contains(&p) {
                periods.push(p);
            }
            let s = [0, 1, 2, 3].map(|i| summary.rows[r][i].as_str());
            if series.last() != Some(&s) {
                series.push(s);
            }
            if p == "horizon" {
                horizon.insert([s[0], s[1], s[2]], r);
            }
        }
        assert_eq!(periods.last(), Some(&"horizon"), "{what}");

        let mut lines = stdout.lines();
        // `<name>: 20 trials, seed 5, 60 periods from 2026-01, 0.05 s (...)`
        let first = lines.next().unwrap();
        let parts: Vec<&str> = first.split_once(": ").unwrap().1.split(", ").collect();
        assert_eq!(parts[0], "20 trials", "{what}: {first}");
        assert_eq!(parts[1], "seed 5", "{what}: {first}");
        assert_eq!(
            parts[2],
            format!("{} periods from {}", periods.len() - 1, periods[0]),
            "{what}: {first}"
        );
        let lp = lines.find(|l| l.starts_with("LP (")).unwrap();
        assert!(
            lp.contains(&format!(
                " {} series x {} periods recorded)",
                series.len(),
                periods.len()
            )),
            "{what}: {lp}"
        );

        let mut table = lines
            .skip_while(|l| !l.starts_with("horizon (per trial)"))
            .skip(1)
            .take_while(|l| !l.is_empty())
            .peekable();
        assert!(
            table.peek().is_some(),
            "{what}: no horizon table:\n{stdout}"
        );
        for line in table {
            // Columns are separated by two or more spaces; a value and its
            // unit by one.
            let tokens: Vec<&str> = line
                .split("  ")
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect();
            assert_eq!(tokens.len(), 6, "{what}: {line}");
            let label: Vec<&str> = tokens[0].split(' ').collect();
            let r = *horizon
                .iter()
                .find(|(id, _)| {
                    let named: Vec<&str> = id.iter().copied().filter(|t| !t.is_empty()).collect();
                    named == label
                })
                .unwrap_or_else(|| panic!("{what}: no horizon row for {line}"))
                .1;
            let unit = summary.text(r, "unit");
            for (token, stat) in tokens[1..5].iter().zip(["mean", "p05", "p50", "p95"]) {
                let v = summary.num(r, stat).unwrap_or(f64::NAN);
                assert_eq!(
                    *token,
                    ::corridor::output::plain::with_unit(v, unit),
                    "{what}: {stat} in {line}"
                );
                assert!(
                    !token.contains("e+") && !token.contains("e-"),
                    "{what}: {line}"
                );
            }
            let p_any = summary.num(r, "p_any").unwrap();
            assert_eq!(tokens[5], format!("{p_any:.3}"), "{what}: P(>0) in {line}");
        }
    }
}
