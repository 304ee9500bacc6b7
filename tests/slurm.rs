//! Sharded runs on a real batch engine: `deploy/slurm/submit.sh` submits a
//! 4-task job array and a merge job to Slurm, and the merged result must be
//! the same bytes as one `corridor run` on this machine.
//!
//! Needs a running cluster: CI starts a single-node one with `.ci/slurm-up`,
//! which exports `SLURM_CONF` and `CORRIDOR_SLURM=1`. Without it the test
//! says it is skipped and passes. By hand:
//!
//! ```text
//! CI=true source .ci/slurm-up
//! cargo test --release --test integration slurm -- --nocapture
//! bash .ci/slurm-down
//! ```

use crate::common::root;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const SCENARIO: &str = "scenarios/china-ree-export-ban.toml";
const TRIALS: &str = "400";
const SEED: &str = "11";
const SHARDS: &str = "4";
/// Fail (with the jobs' states) if the array and the merge are not done by then.
const DEADLINE: Duration = Duration::from_secs(180);

#[test]
fn slurm_array_and_merge_match_a_single_run() {
    if std::env::var("CORRIDOR_SLURM").as_deref() != Ok("1") {
        println!(
            "slurm: skipped: no Slurm cluster was started (CORRIDOR_SLURM is not 1; \
             `source .ci/slurm-up` starts one, as CI does)"
        );
        return;
    }
    let started = Instant::now();
    let bin = env!("CARGO_BIN_EXE_corridor");
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    let runs = tmp.path().join("slurm");

    // The single-machine reference.
    let out = Command::new(bin)
        .current_dir(root())
        .args(["run", SCENARIO, "--trials", TRIALS, "--seed", SEED, "--out"])
        .arg(&reference)
        .arg("--quiet")
        .output()
        .expect("run corridor");
    assert!(
        out.status.success(),
        "reference run failed:\n{}",
        text(&out)
    );

    // The same run as a Slurm job array plus a merge job. The jobs inherit
    // the working directory (the crate root, for the relative scenario path)
    // and CORRIDOR_BIN, so they run the binary under test.
    let out = Command::new("bash")
        .arg(root().join("deploy/slurm/submit.sh"))
        .args([SCENARIO, TRIALS, SEED, SHARDS])
        .arg(&runs)
        .current_dir(root())
        .env("CORRIDOR_BIN", bin)
        .output()
        .expect("run deploy/slurm/submit.sh");
    assert!(out.status.success(), "submit.sh failed:\n{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let id = |what: &str| -> String {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(what)?.strip_prefix(' '))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| panic!("no `{what} <id>` line from submit.sh:\n{}", text(&out)))
    };
    let (array, merge) = (id("array"), id("merge"));
    println!("slurm: submitted array job {array} and merge job {merge}");

    // Poll until neither job is in the queue any more.
    let jobs = format!("{array},{merge}");
    loop {
        let q = Command::new("squeue")
            .args(["-h", "-o", "%i %T", &format!("--jobs={jobs}")])
            .output()
            .expect("run squeue (is slurm-client installed?)");
        let listed = String::from_utf8_lossy(&q.stdout).trim().to_string();
        let gone = String::from_utf8_lossy(&q.stderr).contains("Invalid job id");
        if (q.status.success() && listed.is_empty()) || gone {
            break;
        }
        if started.elapsed() > DEADLINE {
            let states = job_states(&[&array, &merge]);
            let _ = Command::new("scancel").args([&array, &merge]).output();
            panic!(
                "Slurm jobs not done after {} s; squeue: {listed}\n{states}\n{}",
                DEADLINE.as_secs(),
                logs(&runs)
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }

    // Every array task and the merge job must have COMPLETED.
    let states = job_states(&[&array, &merge]);
    let merge_state = states
        .lines()
        .find(|l| l.starts_with(&format!("JobId={merge} ")))
        .and_then(|l| {
            l.split_whitespace()
                .find_map(|f| f.strip_prefix("JobState="))
        })
        .unwrap_or("unknown");
    assert_eq!(
        merge_state,
        "COMPLETED",
        "the merge job did not complete:\n{states}\n{}",
        logs(&runs)
    );
    assert!(
        states.lines().all(|l| l.contains(" JobState=COMPLETED ")),
        "a job did not complete:\n{states}\n{}",
        logs(&runs)
    );

    let merged = runs.join("merged");
    for file in ["summary.csv", "state.bin"] {
        same_bytes(&reference.join(file), &merged.join(file));
    }
    println!(
        "slurm: {SHARDS}-shard array + merge identical to the single run ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
}

/// One line per job (and per array task): id, array task, state, reason, exit
/// code, from `scontrol -o show job` (sacct would need slurmdbd).
fn job_states(ids: &[&str]) -> String {
    let mut lines = String::new();
    for id in ids {
        let out = Command::new("scontrol")
            .args(["-o", "show", "job", id])
            .output()
            .expect("run scontrol");
        if !out.status.success() {
            lines += &format!("JobId={id} scontrol failed: {}\n", text(&out).trim());
            continue;
        }
        for job in String::from_utf8_lossy(&out.stdout).lines() {
            let keep = [
                "JobId=",
                "ArrayTaskId=",
                "JobState=",
                "Reason=",
                "ExitCode=",
            ];
            let fields: Vec<&str> = job
                .split_whitespace()
                .filter(|f| keep.iter().any(|k| f.starts_with(k)))
                .collect();
            lines += &fields.join(" ");
            lines += " \n";
        }
    }
    lines
}

/// The jobs' output files, for failure messages.
fn logs(runs: &Path) -> String {
    let mut all = String::new();
    if let Ok(dir) = std::fs::read_dir(runs.join("logs")) {
        let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let body = std::fs::read_to_string(&f).unwrap_or_default();
            all += &format!("---- {}\n{body}", f.display());
        }
    }
    all
}

fn same_bytes(reference: &Path, merged: &Path) {
    let a = std::fs::read(reference).unwrap_or_else(|e| panic!("{}: {e}", reference.display()));
    let b = std::fs::read(merged).unwrap_or_else(|e| panic!("{}: {e}", merged.display()));
    if a != b {
        let at = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        panic!(
            "{} ({} bytes) differs from the reference {} ({} bytes) at byte {at}",
            merged.display(),
            b.len(),
            reference.display(),
            a.len()
        );
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
