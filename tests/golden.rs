//! Golden outputs: every shipped scenario's deterministic `path.csv` and a
//! small Monte Carlo run's `summary.csv` (`GOLDEN_TRIALS` trials, seed
//! `GOLDEN_SEED`), checked against `tests/golden/<name>/`.
//!
//! Both files are defined to be exact: the same scenario, seed and trial
//! count give the same bytes on any thread count (the statistics are
//! integer-exact, floats are written round-trip). The whole files are
//! guarded byte for byte by their SHA-256 (`digests.txt`); the rows of the
//! first period and of the horizon are kept as text (`*.excerpt.csv`) so
//! that a reviewer sees what moved (the whole files are megabytes each).
//! A difference is either a bug or an intended change of the model;
//! `scripts/bless-golden.sh` rewrites the files, and the commit that
//! changes them says why.

use super::common::{corridor, root};
use std::path::{Path, PathBuf};

/// Trials of the golden Monte Carlo run.
pub const GOLDEN_TRIALS: u64 = 64;
/// Seed of the golden Monte Carlo run.
pub const GOLDEN_SEED: u64 = 20_261_203;

/// Every shipped scenario file, sorted by name.
pub fn shipped() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    all.sort();
    all
}

fn run(scenario: &Path, out: &Path, args: &[&str]) {
    corridor()
        .arg("run")
        .arg(scenario)
        .args(args)
        .arg("--out")
        .arg(out)
        .args(["--threads", "2", "--quiet"])
        .assert()
        .success();
}

/// The first line where `got` and `want` differ, for the message.
fn first_difference(got: &str, want: &str) -> String {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("line {}:\n  got  {g}\n  want {w}", i + 1);
        }
    }
    format!(
        "lengths differ: {} lines, golden {}",
        got.lines().count(),
        want.lines().count()
    )
}

/// The header and the rows of the first period and of the horizon.
fn excerpt(csv: &str) -> String {
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default();
    let period = header
        .split(',')
        .position(|c| c == "period")
        .expect("a period column");
    let mut first = None;
    let mut out = format!("{header}\n");
    for line in lines {
        // Labels never contain commas (ids are checked), so a split is exact.
        let p = line.split(',').nth(period).unwrap_or_default();
        let first = *first.get_or_insert_with(|| p.to_string()) == p;
        if first || p == "horizon" {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn shipped_scenarios_match_their_golden_outputs() {
    let bless = std::env::var_os("CORRIDOR_BLESS").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let (trials, seed) = (GOLDEN_TRIALS.to_string(), GOLDEN_SEED.to_string());
    for scenario in shipped() {
        let name = scenario.file_stem().unwrap().to_string_lossy().to_string();
        let (mc, det) = (
            tmp.path().join(format!("{name}-mc")),
            tmp.path().join(format!("{name}-det")),
        );
        run(&scenario, &mc, &["--trials", &trials, "--seed", &seed]);
        run(&scenario, &det, &["--deterministic"]);
        let golden = root().join("tests/golden").join(&name);
        let mut digests = String::new();
        let mut texts = Vec::new();
        for (got, file) in [
            (mc.join("summary.csv"), "summary"),
            (det.join("path.csv"), "path"),
        ] {
            let got = std::fs::read_to_string(&got).unwrap();
            digests.push_str(&format!("{}  {file}.csv\n", sha256(&got)));
            texts.push((format!("{file}.excerpt.csv"), excerpt(&got)));
        }
        texts.push(("digests.txt".into(), digests));
        for (file, got) in texts {
            let want_path = golden.join(&file);
            if bless {
                std::fs::create_dir_all(&golden).unwrap();
                std::fs::write(&want_path, &got).unwrap();
                continue;
            }
            match std::fs::read_to_string(&want_path) {
                Ok(want) if want == got => {}
                Ok(want) => {
                    failures.push(format!("{name}/{file}: {}", first_difference(&got, &want)))
                }
                Err(e) => failures.push(format!(
                    "{name}/{file}: cannot read {}: {e}",
                    want_path.display()
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "outputs differ from tests/golden (an intended change? run scripts/bless-golden.sh and say why in the commit):\n{}",
        failures.join("\n")
    );
}
