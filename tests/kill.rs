//! Kill at random (issue #14): runs and shards are killed with SIGINT,
//! SIGTERM and SIGKILL at moments drawn from a fixed seed (so CI sees the
//! same schedule every time; timing still varies with the machine's load,
//! which is the point). After every kill each result folder is either
//! absent or complete, and at the end the README's workflow, a glob over
//! the shard folders,
//!
//! ```text
//! corridor merge outputs/*-trials* --out outputs/merged
//! ```
//!
//! still merges into exactly the bytes of one run of all the trials, even
//! though SIGKILL left temporary folders beside the shards.

use crate::common::root;
use crate::environment::{bin, send};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Seed of the kill schedule.
const SEED: u64 = 0x5eed_0014;
/// Kills to make.
const KILLS: usize = 12;
const TRIALS: u64 = 60_000;
const SHARDS: u64 = 4;
const SCENARIO: &str = "tests/fixtures/valid/base.toml";
/// Latest kill after the start, in milliseconds: a shard runs about 0.4 s
/// and the whole run about 1.5 s on the 2-core build machine, so kills land
/// before, during and after the trials, while files are written, and after
/// the end.
const MAX_DELAY_MS: u64 = 600;

/// SplitMix64: the schedule's random numbers.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The `corridor run` arguments of job `j`: shard `j` of [`SHARDS`], or
/// the whole run for `j == SHARDS`.
fn job_args(j: u64) -> Vec<String> {
    let mut args: Vec<String> = [
        "run",
        &root().join(SCENARIO).display().to_string(),
        "--trials",
        &TRIALS.to_string(),
        "--seed",
        "3",
        "--keep-trials",
        "--quiet",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if j < SHARDS {
        args.extend(["--shard".into(), format!("{j}/{SHARDS}")]);
    }
    args
}

/// The default result folder of job `j` (as `corridor run` names it).
fn job_folder(j: u64) -> String {
    let base = format!("fixture-base-s3-n{TRIALS}");
    if j < SHARDS {
        format!(
            "{base}-trials{}-{}",
            j * TRIALS / SHARDS,
            (j + 1) * TRIALS / SHARDS
        )
    } else {
        base
    }
}

/// Every result folder in `outputs` must be complete: all its files, and a
/// manifest that names its trials. Temporary folders must be hidden.
fn check_outputs(outputs: &Path, context: &str) {
    let Ok(entries) = std::fs::read_dir(outputs) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            assert!(
                name.starts_with(".corridor-partial-") || name.starts_with(".corridor-replaced-"),
                "{context}: unexpected hidden entry {name}"
            );
            continue;
        }
        let dir = e.path();
        for file in [
            "manifest.toml",
            "summary.csv",
            "state.bin",
            "trials.parquet",
        ] {
            assert!(
                dir.join(file).is_file(),
                "{context}: {name} is a half-written result: no {file}"
            );
        }
        let manifest = std::fs::read_to_string(dir.join("manifest.toml")).unwrap();
        let j = (0..=SHARDS)
            .find(|&j| job_folder(j) == name)
            .unwrap_or_else(|| panic!("{context}: unexpected folder {name}"));
        let (start, end) = if j < SHARDS {
            (j * TRIALS / SHARDS, (j + 1) * TRIALS / SHARDS)
        } else {
            (0, TRIALS)
        };
        assert!(
            manifest.contains(&format!("trial_start = {start}\n"))
                && manifest.contains(&format!("trial_end = {end}\n")),
            "{context}: {name} has the wrong trials:\n{manifest}"
        );
    }
}

#[test]
fn killed_runs_leave_nothing_half_written_and_the_merge_still_works() {
    let tmp = tempfile::tempdir().unwrap();
    let outputs = tmp.path().join("outputs");
    let mut state = SEED;
    let mut log = Vec::new();
    for k in 0..KILLS {
        let j = next(&mut state) % (SHARDS + 1);
        let signal = ["INT", "TERM", "KILL"][(next(&mut state) % 3) as usize];
        let delay = next(&mut state) % MAX_DELAY_MS;
        let mut cmd = bin();
        cmd.current_dir(tmp.path()).args(job_args(j));
        // A result that survived an earlier kill is replaced, so that kills
        // also land while a complete result is being swapped.
        cmd.arg("--force");
        let child = cmd.stderr(Stdio::piped()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        send(signal, child.id());
        let done = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&done.stderr).into_owned();
        let context = format!(
            "kill {k}: SIG{signal} after {delay} ms of `{}` ({}): {stderr}",
            job_args(j).join(" "),
            done.status
        );
        log.push(context.clone());
        assert!(!stderr.contains("panicked"), "{context}");
        match done.status.code() {
            Some(0) => assert!(outputs.join(job_folder(j)).is_dir(), "{context}"),
            // Stopped by the handler: it says so, and left no result.
            Some(1) => {
                assert!(signal != "KILL", "{context}");
                assert!(stderr.contains("interrupted by a signal"), "{context}");
            }
            // Killed by the signal: SIGKILL, or SIGINT/SIGTERM before the
            // handler was installed, in the first milliseconds.
            None => {}
            Some(code) => panic!("{context}: exit {code}"),
        }
        check_outputs(&outputs, &context);
    }
    println!("kill schedule (seed {SEED:#x}):\n{}", log.join("\n"));

    // Complete what the kills left out, as a user would: re-run the missing
    // folders. The first run also removes the temporary folders of the
    // killed processes (they no longer run).
    for j in 0..=SHARDS {
        if !outputs.join(job_folder(j)).is_dir() {
            let out = bin()
                .current_dir(tmp.path())
                .args(job_args(j))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "re-run of {}: {}",
                job_folder(j),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    check_outputs(&outputs, "after the re-runs");

    // The README's merge, through a shell glob.
    let out = Command::new("sh")
        .current_dir(tmp.path())
        .env("CORRIDOR", env!("CARGO_BIN_EXE_corridor"))
        .arg("-c")
        .arg("\"$CORRIDOR\" merge outputs/*-trials* --out merged")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "merge: {stderr}\n{}", log.join("\n"));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains(&format!("merged {SHARDS} shards ({TRIALS} trials)")),
        "{stderr}"
    );
    let whole = outputs.join(job_folder(SHARDS));
    let merged = tmp.path().join("merged");
    for file in ["summary.csv", "state.bin", "trials.parquet"] {
        assert!(
            std::fs::read(whole.join(file)).unwrap() == std::fs::read(merged.join(file)).unwrap(),
            "{file}: the merge of the shards differs from the single run"
        );
    }

    // Nothing temporary is left once a later run has been through the folder.
    if cfg!(target_os = "linux") {
        // One more run in the folder, in case no re-run was needed.
        let out = bin()
            .current_dir(tmp.path())
            .args(job_args(SHARDS))
            .arg("--force")
            .output()
            .unwrap();
        assert!(out.status.success());
        let left: Vec<String> = std::fs::read_dir(&outputs)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(left.is_empty(), "temporary folders left: {left:?}");
    }
}
