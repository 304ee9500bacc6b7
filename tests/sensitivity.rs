//! Per-trial inputs in `trials.parquet`, `periods.parquet`, and `corridor
//! sensitivity`, on small worlds whose outputs are known functions of one
//! input: the recorded inputs must reproduce the outputs, shards must give
//! the single run's bytes, and the study must find the one input that
//! matters.

use crate::common::{corridor, Csv};
use polars::prelude::{DataFrame, ParquetReader, SerReader};
use std::path::Path;

/// Two regions and a pipeline, with the exporter's capacity uniform in
/// [50, 100] and far too little for the importer (1,000 a year wanted, a
/// choke price above what is left), so production is the capacity; the
/// pipeline's cost and the choke price are uncertain too but cannot move
/// production. `extra` is appended (policies).
fn world(extra: &str) -> String {
    format!(
        r#"[scenario]
name = "one-input"
description = "production is the capacity"
start = "2026-01"
periods = 12
period = "month"

[montecarlo]
trials = 10
seed = 4

[[commodities]]
id = "oil"
unit = "kt"
reference_price = 500.0

[[regions]]
id = "KZ"

[[regions]]
id = "CN"

[[supply]]
region = "KZ"
commodity = "oil"
capacity = {{ dist = "uniform", min = 50, max = 100 }}
cost = [100.0, 300.0]

[[demand]]
region = "CN"
commodity = "oil"
quantity = 1000.0
price = 500.0
elasticity = -0.3
choke_price = {{ dist = "uniform", min = 4000, max = 6000 }}

[[legs]]
id = "pipe"
from = "KZ"
to = "CN"
mode = "pipeline"
capacity = 1000.0
cost = {{ dist = "uniform", min = 10, max = 40 }}
carries = ["oil"]

[[routes]]
id = "direct"
from = "KZ"
to = "CN"
legs = ["pipe"]
corridor = "china_direct"
{extra}"#
    )
}

/// A closure of the only leg for a uniform 1–11 months from the start:
/// production is then capacity × (12 − months closed) / 12.
const CLOSURE: &str = r#"
[[policies]]
id = "shut"
type = "closure"
legs = ["pipe"]
start = "2026-01"
duration_months = { dist = "uniform", min = 1, max = 11 }
"#;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn parquet(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// The rows of one series, in file order: (trial, value, the row itself).
fn rows_of(df: &DataFrame, metric: &str, key: &str) -> Vec<usize> {
    let text = |c: &str| df.column(c).unwrap().str().unwrap().clone();
    let (m, k) = (text("metric"), text("key"));
    (0..df.height())
        .filter(|&r| m.get(r) == Some(metric) && k.get(r) == Some(key))
        .collect()
}

fn f64s(df: &DataFrame, c: &str) -> Vec<Option<f64>> {
    let col = df.column(c).unwrap().f64().unwrap().clone();
    (0..col.len()).map(|r| col.get(r)).collect()
}

/// Every trial's recorded capacity and months of closure reproduce its
/// production, `capacity × (12 − months) / 12`: the inputs in
/// `trials.parquet` are the values the engine used, and the months are
/// the periods it closed the leg. Their units are in the file's metadata.
#[test]
fn recorded_inputs_reproduce_each_trials_output() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "w.toml", &world(CLOSURE));
    let out = tmp.path().join("run");
    for sampling in ["random", "lhs"] {
        corridor()
            .arg("run")
            .arg(&scenario)
            .args(["--trials", "300", "--quiet", "--keep-trials", "--force"])
            .args(["--sampling", sampling, "--out"])
            .arg(&out)
            .assert()
            .success();
        let df = parquet(&out.join("trials.parquet"));
        let (value, cap, months) = (
            f64s(&df, "value"),
            f64s(&df, "supply.KZ.oil.capacity"),
            f64s(&df, "policies.shut.periods_active"),
        );
        let rows = rows_of(&df, "production", "KZ");
        assert_eq!(rows.len(), 300);
        let mut seen_months = std::collections::BTreeSet::new();
        for r in rows {
            let (v, c, a) = (value[r].unwrap(), cap[r].unwrap(), months[r].unwrap());
            assert!((50.0..=100.0).contains(&c), "capacity {c}");
            let expected = c * (12.0 - a) / 12.0;
            assert!(
                (v - expected).abs() <= 1e-6 * c,
                "row {r}: production {v}, capacity {c}, {a} months closed"
            );
            seen_months.insert(a as u64);
        }
        assert!(seen_months.len() >= 8, "months closed: {seen_months:?}");
    }
    let mut reader = ParquetReader::new(std::fs::File::open(out.join("trials.parquet")).unwrap());
    let kv = reader
        .get_metadata()
        .unwrap()
        .key_value_metadata
        .clone()
        .unwrap();
    let unit = |k: &str| {
        kv.iter()
            .find(|x| x.key == k)
            .and_then(|x| x.value.clone())
            .unwrap_or_else(|| panic!("no {k}"))
    };
    assert_eq!(unit("unit:supply.KZ.oil.capacity"), "kt/year");
    assert_eq!(unit("unit:legs.pipe.cost"), "USD/t");
    assert_eq!(unit("unit:policies.shut.periods_active"), "periods");
    assert_eq!(unit("unit:value:production:oil:KZ"), "kt");
}

/// `periods.parquet` holds the kept series in every period, and its
/// periods sum to `trials.parquet`'s horizon value; shards merged give the
/// single run's bytes for both files, whatever the threads.
#[test]
fn periods_and_shards_match_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "w.toml", &world(CLOSURE));
    let flags = [
        "--trials",
        "90",
        "--quiet",
        "--keep-trials=period",
        "--keep-metric",
        "production:oil:KZ",
        "--keep-metric",
        "price",
    ];
    let run = |out: &Path, extra: &[&str]| {
        corridor()
            .arg("run")
            .arg(&scenario)
            .args(flags)
            .args(extra)
            .arg("--out")
            .arg(out)
            .assert()
            .success();
    };
    let single = tmp.path().join("single");
    run(&single, &["--threads", "2"]);
    let mut shards = Vec::new();
    for i in 0..3 {
        let d = tmp.path().join(format!("shard{i}"));
        run(&d, &["--threads", "1", "--shard", &format!("{i}/3")]);
        shards.push(d);
    }
    let merged = tmp.path().join("merged");
    corridor()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    for file in ["trials.parquet", "periods.parquet"] {
        let (a, b) = (
            std::fs::read(single.join(file)).unwrap(),
            std::fs::read(merged.join(file)).unwrap(),
        );
        assert!(a == b, "{file}: merged shards differ from the single run");
    }
    // The 12 monthly productions of each trial sum to its horizon value.
    let periods = parquet(&single.join("periods.parquet"));
    let trials = parquet(&single.join("trials.parquet"));
    let p_rows = rows_of(&periods, "production", "KZ");
    let t_rows = rows_of(&trials, "production", "KZ");
    assert_eq!((p_rows.len(), t_rows.len()), (90 * 12, 90));
    let (pv, tv) = (f64s(&periods, "value"), f64s(&trials, "value"));
    for (trial, &r) in t_rows.iter().enumerate() {
        let sum: f64 = p_rows[trial * 12..(trial + 1) * 12]
            .iter()
            .map(|&p| pv[p].unwrap())
            .sum();
        let h = tv[r].unwrap();
        assert!(
            (sum - h).abs() <= 1e-9 * h.abs().max(1.0),
            "trial {trial}: {sum} vs {h}"
        );
    }
    assert_eq!(rows_of(&periods, "price", "CN").len(), 90 * 12);
}

#[test]
fn keep_metric_needs_period_and_a_known_metric() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "w.toml", &world(""));
    let out = tmp.path().join("x");
    let fails = |args: &[&str], needle: &str| {
        corridor()
            .arg("run")
            .arg(&scenario)
            .args(args)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(needle));
    };
    fails(
        &["--keep-trials", "--keep-metric", "price"],
        "only with `--keep-trials=period`",
    );
    fails(
        &["--keep-trials=period"],
        "needs at least one `--keep-metric",
    );
    fails(
        &["--keep-trials=period", "--keep-metric", "prise"],
        "no metric `prise`",
    );
    fails(
        &["--keep-trials=period", "--keep-metric", "price:oil:XX"],
        "no `price` series",
    );
    assert!(!out.exists(), "nothing written for a bad flag");
}

/// Production is the capacity and nothing else: the study ranks the
/// capacity first with S1 ≈ ST ≈ 1, the other inputs near 0, and writes
/// the columns `corridor plot` reads.
#[test]
fn the_study_finds_the_one_input_that_matters() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "w.toml", &world(""));
    let out = tmp.path().join("study");
    let stdout = corridor()
        .arg("sensitivity")
        .arg(&scenario)
        .args([
            "--metric",
            "production",
            "--key",
            "KZ",
            "--trials",
            "1000",
            "--top",
            "3",
        ])
        .args(["--resamples", "200", "--out"])
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(stdout).unwrap();
    assert!(stdout.contains("supply.KZ.oil.capacity"), "{stdout}");
    let csv = Csv::read(&out.join("sensitivity.csv"));
    assert_eq!(
        csv.header.join(","),
        "metric,commodity,key,unit,input,spearman,prcc,p10_mean,p90_mean,swing,\
         sobol_first,sobol_first_lo,sobol_first_hi,sobol_total,sobol_total_lo,sobol_total_hi"
    );
    let col = |name: &str| csv.header.iter().position(|h| h == name).unwrap();
    let num = |row: &Vec<String>, name: &str| row[col(name)].parse::<f64>().unwrap();
    let first = &csv.rows[0];
    assert_eq!(first[col("input")], "supply.KZ.oil.capacity");
    assert_eq!(first[col("unit")], "kt");
    assert!(num(first, "spearman") > 0.999 && num(first, "prcc") > 0.999);
    // S1 ≈ ST ≈ 1, and 1 inside both intervals.
    for s in ["sobol_first", "sobol_total"] {
        assert!((num(first, s) - 1.0).abs() < 0.1, "{s}: {first:?}");
        let (lo, hi) = (
            num(first, &format!("{s}_lo")),
            num(first, &format!("{s}_hi")),
        );
        assert!(lo <= 1.0 && 1.0 <= hi, "{s}: {first:?}");
    }
    // The conditional means are those of the capacity's deciles: about
    // 52.5 and 97.5 for a uniform on [50, 100].
    assert!((num(first, "p10_mean") - 52.5).abs() < 1.0, "{first:?}");
    assert!((num(first, "p90_mean") - 97.5).abs() < 1.0, "{first:?}");
    for row in &csv.rows[1..] {
        // Empty: once the capacity is known nothing is left to explain.
        assert_eq!(row[col("prcc")], "", "{row:?}");
        assert!(num(row, "spearman").abs() < 0.1, "{row:?}");
        assert!(num(row, "sobol_first").abs() < 0.02, "{row:?}");
        assert!(num(row, "sobol_total").abs() < 0.02, "{row:?}");
    }
    assert_eq!(csv.rows.len(), 3, "three uncertainties, no policy");
}

#[test]
fn the_study_names_the_series_it_cannot_find() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "w.toml", &world(""));
    corridor()
        .arg("sensitivity")
        .arg(&scenario)
        .args(["--metric", "price", "--trials", "20"])
        .arg("--out")
        .arg(tmp.path().join("x"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "pick one with --commodity C --key K",
        ));
}

/// Bad study flags are exit 2 before anything runs: too few trials, and a
/// scenario with nothing uncertain to rank.
#[test]
fn the_study_refuses_what_it_cannot_rank() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "w.toml", &world(""));
    let fixed = world("")
        .replace("{ dist = \"uniform\", min = 50, max = 100 }", "75.0")
        .replace("{ dist = \"uniform\", min = 4000, max = 6000 }", "5000.0")
        .replace("{ dist = \"uniform\", min = 10, max = 40 }", "20.0");
    let fixed = write(tmp.path(), "fixed.toml", &fixed);
    let out = tmp.path().join("x");
    for (file, trials, needle) in [
        (&scenario, "5", "at least 10"),
        (&fixed, "100", "no named uncertainties"),
    ] {
        corridor()
            .arg("sensitivity")
            .arg(file)
            .args(["--metric", "production", "--key", "KZ", "--trials", trials])
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(needle));
        assert!(!out.exists());
    }
}
