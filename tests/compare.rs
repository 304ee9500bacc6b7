//! `corridor compare`: runs are paired on the trials they share, and runs
//! that describe different things are refused (exit status 2) with what
//! differs.

use crate::common::{corridor, root, Csv};
use std::path::{Path, PathBuf};

const BASE: &str = "tests/fixtures/valid/base.toml";
const CHILD: &str = "tests/fixtures/valid/child.toml";

/// Runs `scenario` with `flags` into `out`.
fn run(scenario: &Path, out: &Path, flags: &[&str]) {
    corridor()
        .arg("run")
        .arg(scenario)
        .args(flags)
        .arg("--quiet")
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

/// `corridor compare A B EXTRA --out DIR/compare.csv`: exit code, stdout,
/// stderr.
fn compare(a: &Path, b: &Path, extra: &[&str], csv: &Path) -> (Option<i32>, String, String) {
    let o = corridor()
        .arg("compare")
        .arg(a)
        .arg(b)
        .args(extra)
        .arg("--out")
        .arg(csv)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A copy of the base fixture with `from` replaced by `to`.
fn variant(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join(BASE)).unwrap();
    assert!(text.contains(from), "{from}");
    let path = dir.join(name);
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path
}

#[test]
fn runs_with_different_trial_counts_are_paired_on_the_shared_trials() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let seed = ["--seed", "3", "--keep-trials"];
    run(
        Path::new(BASE),
        &d("a"),
        &[&["--trials", "9"][..], &seed].concat(),
    );
    run(
        Path::new(CHILD),
        &d("b"),
        &[&["--trials", "6"][..], &seed].concat(),
    );
    // The same trials as a shard of a larger run: indices 4..8 of 12.
    run(
        Path::new(CHILD),
        &d("b-shard"),
        &[&["--trials", "12", "--shard", "1/3"][..], &seed].concat(),
    );

    let (code, stdout, stderr) = compare(&d("a"), &d("b"), &[], &d("ab.csv"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("run A has 9 trials and run B 6: paired on the 6 trial indices both hold"),
        "{stderr}"
    );
    assert!(
        stdout.contains("paired differences (trial by trial, 6 pairs)"),
        "{stdout}"
    );
    let csv = Csv::read(&d("ab.csv"));
    assert!(!csv.rows.is_empty());
    for r in 0..csv.rows.len() {
        assert_eq!(csv.text(r, "paired"), "true");
        assert_eq!(
            (csv.num(r, "n_a"), csv.num(r, "n_b")),
            (Some(6.0), Some(6.0))
        );
    }

    let (code, _, stderr) = compare(&d("a"), &d("b-shard"), &[], &d("as.csv"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("paired on the 4 trial indices both hold (A: 0..9, B: 4..8)"),
        "{stderr}"
    );

    // The paired means are the means of A's and B's trials 0..6: those of a
    // 6-trial run of A with the same seed.
    run(
        Path::new(BASE),
        &d("a6"),
        &[&["--trials", "6"][..], &seed].concat(),
    );
    let (code, _, stderr) = compare(&d("a6"), &d("b"), &[], &d("a6b.csv"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("paired on"), "{stderr}");
    let same = Csv::read(&d("a6b.csv"));
    assert_eq!(same.rows.len(), csv.rows.len());
    for r in 0..csv.rows.len() {
        assert_eq!(same.rows[r][..8], csv.rows[r][..8], "row {r}");
        for stat in ["mean_a", "mean_b", "diff", "sd_diff"] {
            let (x, y) = (same.num(r, stat).unwrap(), csv.num(r, stat).unwrap());
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
                "row {r} {stat}: {x} vs {y}"
            );
        }
    }
}

#[test]
fn runs_over_other_periods_or_series_are_refused_saying_what_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let flags = ["--trials", "4", "--seed", "1"];
    run(Path::new(BASE), &d("base"), &flags);
    let cases = [
        (
            variant(tmp.path(), "short.toml", "periods = 12", "periods = 6"),
            "different horizons (A: 12 periods, 2026-01 to 2026-12; B: 6 periods, 2026-01 to 2026-06)",
        ),
        (
            variant(tmp.path(), "later.toml", "start = \"2026-01\"", "start = \"2027-01\""),
            "different periods (A: 12 periods, 2026-01 to 2026-12; B: 12 periods, 2027-01 to 2027-12)",
        ),
        (
            variant(tmp.path(), "units.toml", "unit = \"kt\"", "unit = \"Mt\""),
            "series have different units in the two runs: ",
        ),
        (
            variant(tmp.path(), "renamed.toml", "id = \"pacific\"", "id = \"pacific_sea\""),
            "the runs record different series: 4 only in A (leg_flow pacific, ",
        ),
    ];
    for (i, (scenario, message)) in cases.iter().enumerate() {
        let out = d(&format!("v{i}"));
        let scenario = if i == 3 {
            // The route names the leg too.
            let text = std::fs::read_to_string(scenario).unwrap().replace(
                "\"dostyk_rail\", \"pacific\"",
                "\"dostyk_rail\", \"pacific_sea\"",
            );
            std::fs::write(scenario, text).unwrap();
            scenario.clone()
        } else {
            scenario.clone()
        };
        run(&scenario, &out, &flags);
        let csv = d(&format!("v{i}.csv"));
        let (code, _, stderr) = compare(&d("base"), &out, &[], &csv);
        assert_eq!(code, Some(2), "{}: {stderr}", scenario.display());
        assert!(stderr.contains(message), "{}: {stderr}", scenario.display());
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!csv.exists());
    }

    // Other series can be compared on the ones both record, on request.
    let (code, _, stderr) = compare(&d("base"), &d("v3"), &["--shared-series"], &d("shared.csv"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("left out: 4 only in A (leg_flow pacific, "),
        "{stderr}"
    );
    assert!(
        stderr.contains("4 only in B (leg_flow pacific_sea, "),
        "{stderr}"
    );
    let shared = Csv::read(&d("shared.csv"));
    let all = Csv::read(&d("base").join("summary.csv"));
    let horizon_rows = (0..all.rows.len())
        .filter(|&r| all.text(r, "period") == "horizon")
        .count();
    assert_eq!(shared.rows.len(), horizon_rows - 4);

    // A folder that is not a result.
    let (code, _, stderr) = compare(&d("base"), tmp.path(), &[], &d("x.csv"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is not a result folder"), "{stderr}");
}
