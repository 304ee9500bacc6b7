//! `--set` overrides and `corridor sweep`: errors located in the argument,
//! an override equal to a file, sweep points equal to separate runs, common
//! random numbers across points, and the paired interval around a known
//! difference.

use crate::common::{corridor, root, Csv};
use predicates::prelude::*;
use std::path::Path;

const BASE: &str = "tests/fixtures/valid/base.toml";
const CHILD: &str = "tests/fixtures/valid/child.toml";

fn run(scenario: &str, out: &Path, extra: &[&str]) {
    corridor()
        .args([
            "run", scenario, "--trials", "40", "--seed", "3", "--quiet", "--out",
        ])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn manifest(dir: &Path) -> toml::Table {
    toml::from_str(&std::fs::read_to_string(dir.join("manifest.toml")).unwrap()).unwrap()
}

#[test]
fn set_errors_are_located_and_exit_2() {
    let cases: [(&str, &[&str]); 4] = [
        (
            "legs.pacific.capacty=5e7",
            &[
                "--set #1:1:1",
                "no field `legs.pacific.capacty`",
                "did you mean `legs.pacific.capacity`?",
            ],
        ),
        (
            "legs.pacific.capacity=big",
            &[
                "--set #1:1:23",
                "invalid type: string \"big\", expected a number or a distribution",
            ],
        ),
        (
            "legs.pacific.capacity={ dist = \"uniform\", min = -5, max = 5 }",
            &[
                "--set #1:1:23",
                "legs.pacific.capacity: the uniform distribution can draw -5",
            ],
        ),
        ("scenario.periods", &["--set #1:1:1", "expected PATH=VALUE"]),
    ];
    for (set, expected) in cases {
        let mut stderr = predicate::str::contains("1 problem found").boxed();
        for e in expected {
            stderr = stderr.and(predicate::str::contains(*e)).boxed();
        }
        corridor()
            .args([
                "run",
                BASE,
                "--trials",
                "2",
                "--out",
                "/nonexistent/never",
                "--set",
                set,
            ])
            .assert()
            .code(2)
            .stdout("")
            .stderr(stderr);
    }
    // The second of two overrides is named as such.
    corridor()
        .args([
            "validate",
            BASE,
            "--set",
            "scenario.periods=24",
            "--set",
            "policies.x.factor=2",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--set #2:1:1"));
}

/// A sweep checks every point before it runs any: a bad value in a list,
/// or lists that cannot be zipped, stop it with exit 2 and no folder.
#[test]
fn sweep_errors_stop_it_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let cases: [(&[&str], &str); 3] = [
        (
            &["--set", "legs.pacific.capacity=5e7,-1"],
            "--set #1:1:23: legs.pacific.capacity: must be at least 0, found -1",
        ),
        (
            &[
                "--set",
                "legs.pacific.capacity=5e7,1",
                "--set",
                "legs.pacific.cost=1,2,3",
                "--zip",
            ],
            "--zip pairs the lists value by value",
        ),
        (
            &["--set", "legs.pacific.capacity=5e7,,1"],
            "value 2 of the list is empty",
        ),
    ];
    for (args, expected) in cases {
        corridor()
            .args(["sweep", BASE, "--trials", "5", "--out"])
            .arg(&out)
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(expected));
        assert!(!out.exists());
    }
}

/// An override gives the same scenario, hash and bytes as a file that says
/// the same.
#[test]
fn set_gives_the_same_bytes_as_a_file_with_that_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("edited.toml");
    let text = std::fs::read_to_string(root().join(BASE)).unwrap();
    let edited = text
        .replacen("capacity = 100000000.0", "capacity = 50000000.0", 1)
        .replacen(
            "cost = 60.0",
            "cost = { dist = \"uniform\", min = 50, max = 70 }",
            1,
        );
    assert_ne!(edited, text);
    std::fs::write(&file, edited).unwrap();
    let (a, b) = (dir.path().join("file"), dir.path().join("set"));
    run(file.to_str().unwrap(), &a, &[]);
    let sets = [
        "legs.pacific.capacity=5e7",
        "legs.pacific.cost={ dist = \"uniform\", min = 50, max = 70 }",
    ];
    run(BASE, &b, &["--set", sets[0], "--set", sets[1]]);
    let read = |d: &Path| std::fs::read(d.join("summary.csv")).unwrap();
    assert_eq!(read(&a), read(&b), "summary.csv differs");
    let (ma, mb) = (manifest(&a), manifest(&b));
    assert_eq!(ma["scenario_hash"], mb["scenario_hash"]);
    let recorded: Vec<&str> = mb["overrides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(recorded, sets);
    // Without the overrides, the hash is the base's.
    let c = dir.path().join("base");
    run(BASE, &c, &[]);
    assert_ne!(manifest(&c)["scenario_hash"], mb["scenario_hash"]);
}

/// The ban's duration in the child fixture (correlated, so a distribution).
const U6: &str = "{ dist = \"uniform\", min = 6, max = 18 }";
const U12: &str = "{ dist = \"uniform\", min = 12, max = 24 }";

/// Every point of a sweep is the run its manifest describes; a point equal
/// to the first differs from it by exactly 0 (common random numbers); the
/// table's statistics are the points' summaries.
#[test]
fn sweep_points_are_runs_with_common_random_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    corridor()
        .args(["sweep", CHILD, "--trials", "40", "--seed", "3", "--out"])
        .arg(&out)
        .args([
            "--set",
            &format!("policies.cn_re_ban.duration_months={U6},{U12},{U6}"),
        ])
        .args([
            "--set",
            "policies.cn_re_ban.probability=1",
            "--metric",
            "consumption",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("sweep of 3 points"))
        .stderr(predicate::str::contains("point 3/3"));
    let csv = Csv::read(&out.join("sweep.csv"));
    assert_eq!(
        &csv.header[..3],
        [
            "policies.cn_re_ban.duration_months",
            "policies.cn_re_ban.probability",
            "point"
        ]
    );
    let rows = |p: &str| -> Vec<usize> {
        (0..csv.rows.len())
            .filter(|&r| csv.text(r, "point") == p)
            .collect()
    };
    let (p0, p1, p2) = (rows("0"), rows("1"), rows("2"));
    assert!(!p0.is_empty() && p0.len() == p1.len() && p1.len() == p2.len());
    assert_eq!(csv.text(p1[0], "policies.cn_re_ban.duration_months"), U12);
    for &r in p0.iter().chain(&p2) {
        for c in ["diff_mean", "diff_lo", "diff_hi"] {
            assert_eq!(
                csv.num(r, c),
                Some(0.0),
                "{c} of row {r}: {:?}",
                csv.rows[r]
            );
        }
    }
    // The ban lasting longer moves the US rare-earth consumption.
    let moved = p1
        .iter()
        .any(|&r| csv.num(r, "diff_mean").is_some_and(|d| d != 0.0));
    assert!(moved, "no series moved between 6 and 12-24 months of ban");

    // Point 1 re-run from its manifest: the same summary, byte for byte.
    let point = out.join("points/1");
    let m = manifest(&point);
    let again = dir.path().join("again");
    let mut cmd = corridor();
    cmd.args([
        "run",
        m["scenario"].as_str().unwrap(),
        "--quiet",
        "--keep-trials",
        "--out",
    ])
    .arg(&again)
    .args([
        "--trials",
        &m["trials"].to_string(),
        "--seed",
        &m["seed"].to_string(),
    ]);
    for o in m["overrides"].as_array().unwrap() {
        cmd.args(["--set", o.as_str().unwrap()]);
    }
    cmd.assert().success();
    let summary = std::fs::read(point.join("summary.csv")).unwrap();
    assert_eq!(summary, std::fs::read(again.join("summary.csv")).unwrap());
    assert_eq!(m["scenario_hash"], manifest(&again)["scenario_hash"]);

    // sweep.csv's statistics of point 1 are its summary's horizon rows.
    let s = Csv::read(&point.join("summary.csv"));
    let horizon: Vec<usize> = (0..s.rows.len())
        .filter(|&r| s.text(r, "period") == "horizon")
        .collect();
    assert_eq!(horizon.len(), p1.len());
    for (&h, &r) in horizon.iter().zip(&p1) {
        for c in [
            "metric",
            "commodity",
            "key",
            "unit",
            "n",
            "mean",
            "std",
            "p05",
            "p50",
            "p95",
            "p_any",
            "cvar95",
        ] {
            assert_eq!(s.text(h, c), csv.text(r, c), "{c}");
        }
        // The paired difference's mean is the difference of the means.
        let (m0, m1) = (
            csv.num(p0[p1.iter().position(|&x| x == r).unwrap()], "mean"),
            csv.num(r, "mean"),
        );
        if let (Some(m0), Some(m1), Some(d)) = (m0, m1, csv.num(r, "diff_mean")) {
            assert!(
                (m1 - m0 - d).abs() <= 1e-9 * m0.abs().max(m1.abs()).max(1.0),
                "{d} vs {m1} - {m0}"
            );
        }
    }
}

/// The paired interval covers a difference known in advance: with
/// inelastic demand and ample supply, US consumption is the demand
/// quantity, so scaling it by 1.25 adds a quarter of its mean (800 t/yr
/// over 12 months: 200 t).
#[test]
fn sweep_interval_covers_a_known_difference() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("boom.toml");
    let base = root().join(BASE);
    std::fs::write(
        &scenario,
        format!(
            "[scenario]\nextends = {:?}\nname = \"boom\"\n\n[[policies]]\nid = \"boom\"\ntype = \"demand_shock\"\nregion = \"US\"\ncommodity = \"rare_earths\"\nfactor = 1.0\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    let out = dir.path().join("sweep");
    corridor()
        .arg("sweep")
        .arg(&scenario)
        .args([
            "--trials", "200", "--seed", "11", "--quiet", "--zip", "--out",
        ])
        .arg(&out)
        .args(["--set", "policies.boom.factor=1,1.25"])
        .args([
            "--set",
            "demand.US.rare_earths.quantity={ dist = \"uniform\", min = 600, max = 1000 }",
        ])
        .args(["--set", "demand.US.rare_earths.elasticity=0"])
        .args(["--set", "supply.KZ.rare_earths.steps.1.capacity=5000"])
        .assert()
        .success()
        .stdout("");
    let csv = Csv::read(&out.join("sweep.csv"));
    let row = |p: &str| {
        (0..csv.rows.len())
            .find(|&r| {
                csv.text(r, "point") == p
                    && csv.text(r, "metric") == "consumption"
                    && csv.text(r, "commodity") == "rare_earths"
                    && csv.text(r, "key") == "US"
            })
            .expect("a US rare-earth consumption row")
    };
    let (r0, r1) = (row("0"), row("1"));
    let mean0 = csv.num(r0, "mean").unwrap();
    let (d, lo, hi) = (
        csv.num(r1, "diff_mean").unwrap(),
        csv.num(r1, "diff_lo").unwrap(),
        csv.num(r1, "diff_hi").unwrap(),
    );
    // Trial by trial the difference is a quarter of the consumption.
    assert!((d - 0.25 * mean0).abs() < 1e-6 * mean0, "{d} vs {mean0}");
    assert!(lo < 200.0 && 200.0 < hi, "[{lo}, {hi}] misses 200");
    assert!(hi - lo < 20.0, "[{lo}, {hi}] is not paired-narrow");
}
