//! Sampling over each distribution's whole valid range, through the CLI:
//! parameters the sampler cannot draw correctly are refused with a located
//! message and exit status 2, and extreme but valid ones run promptly.

use crate::common::{corridor, root};
use std::time::Duration;

/// The base fixture with its KZ oil supply capacity given as `dist`,
/// written to a temporary file: (folder, path, 1-based line of the value).
fn with_supply_capacity(dist: &str) -> (tempfile::TempDir, std::path::PathBuf, usize) {
    let base = std::fs::read_to_string(root().join("tests/fixtures/valid/base.toml")).unwrap();
    assert_eq!(base.matches("capacity = 2000.0").count(), 1);
    let text = base.replace("capacity = 2000.0", &format!("capacity = {dist}"));
    let line = text.lines().position(|l| l.contains(dist)).unwrap() + 1;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path, line)
}

#[test]
fn parameters_beyond_exact_sampling_are_refused_with_their_location() {
    let cases = [
        (
            "{ dist = \"poisson\", lambda = 2e6 }",
            "`lambda` must be at most 1000000, found 2000000",
            "write { dist = \"normal\", mean = 2000000, sd = 1414, min = 0 }",
        ),
        (
            "{ dist = \"beta\", alpha = 1e-8, beta = 1e8, max = 4000 }",
            "`beta` must be at most 10000, found 100000000",
            "dividing both shapes by the same factor keeps the mean",
        ),
        (
            "{ dist = \"normal\", mean = 1e308, sd = 1e308, min = 0 }",
            "the normal distribution can draw inf",
            "measure the value in larger units",
        ),
    ];
    for (dist, message, help) in cases {
        let (_dir, path, line) = with_supply_capacity(dist);
        let out = corridor()
            .arg("validate")
            .arg(&path)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{dist}: {stderr}");
        let at = format!(
            "{}:{line}:12: supply.KZ.oil.capacity: {message}",
            path.display()
        );
        assert!(
            stderr.contains(&at),
            "{dist}: expected `{at}` in:\n{stderr}"
        );
        assert!(
            stderr.contains(help),
            "{dist}: expected `{help}` in:\n{stderr}"
        );
    }
}

#[test]
fn extreme_but_valid_distributions_run_promptly() {
    for dist in [
        "{ dist = \"beta\", alpha = 1e-8, beta = 1e4, max = 4000 }",
        "{ dist = \"poisson\", lambda = 1e6 }",
        "{ dist = \"lognormal\", mean = 2000, sd = 1e-6 }",
    ] {
        let (dir, path, _) = with_supply_capacity(dist);
        let out = corridor()
            .arg("run")
            .arg(&path)
            .args(["--trials", "64", "--quiet", "--out"])
            .arg(dir.path().join("out"))
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{dist}: {stderr}");
    }
}
