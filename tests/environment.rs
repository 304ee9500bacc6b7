//! Hostile environments and command lines (issue #14): scenario names that
//! would write outside `outputs/`, closed and full streams, absurd trial,
//! thread and shard counts, signals, existing files, damaged result folders.
//! Every case must end with a documented exit status (0, 1, 2) and a
//! message, never a panic (101), a hang or a half-written result.
//! docs/reliability.md names the test of each promise.

use crate::common::{corridor, root};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BASE: &str = "tests/fixtures/valid/base.toml";

/// The binary under test, run from the crate root with a clean environment.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_corridor"));
    cmd.current_dir(root()).env_clear();
    cmd
}

/// `path` relative to the crate root, absolute.
fn abs(path: &str) -> PathBuf {
    root().join(path)
}

/// Every entry under `dir`, recursively, relative to it, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            out.push(p.strip_prefix(base).unwrap().display().to_string());
            if p.is_dir() {
                walk(base, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The fixture scenario with another `[scenario] name` (a TOML basic string,
/// escapes allowed), written to `dir/<file>`.
fn named_scenario(dir: &Path, file: &str, name_toml: &str) -> PathBuf {
    let text = std::fs::read_to_string(abs(BASE)).unwrap().replacen(
        "name = \"fixture-base\"",
        &format!("name = \"{name_toml}\""),
        1,
    );
    assert!(text.contains(name_toml));
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn scenario_names_never_leave_the_outputs_folder() {
    for (name_toml, folder) in [
        ("../../escaped", "___.._escaped-s7-n2"),
        (
            "/tmp/corridor-absolute-escape",
            "_tmp_corridor-absolute-escape-s7-n2",
        ),
        ("..", "__-s7-n2"),
        (".hidden", "_hidden-s7-n2"),
        ("red\\u001b[31m\\u0007bell", "red__31m_bell-s7-n2"),
        ("two\\nlines\\r", "two_lines_-s7-n2"),
        ("a/b\\\\c d", "a_b_c_d-s7-n2"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        // Run two folders deep so that `../..` would still be inside tmp.
        let cwd = tmp.path().join("a").join("b");
        std::fs::create_dir_all(&cwd).unwrap();
        let scenario = named_scenario(tmp.path(), "s.toml", name_toml);
        let out = bin()
            .current_dir(&cwd)
            .arg("run")
            .arg(&scenario)
            .args(["--trials", "2", "--quiet"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains('\u{1b}'),
            "{name_toml}: raw escape on stderr"
        );
        assert!(
            !Path::new("/tmp/corridor-absolute-escape-s7-n2").exists(),
            "{name_toml}: wrote to an absolute path"
        );
        let mut want = vec!["a".to_string(), "a/b".to_string(), "s.toml".to_string()];
        match out.status.code() {
            // Written, under outputs/, as one plain folder.
            Some(0) => {
                want.extend(
                    ["a/b/outputs".to_string(), format!("a/b/outputs/{folder}")]
                        .into_iter()
                        .chain(
                            ["manifest.toml", "state.bin", "summary.csv"]
                                .iter()
                                .map(|f| format!("a/b/outputs/{folder}/{f}")),
                        ),
                );
            }
            // Refused by the scenario checks: also safe, if nothing is written.
            Some(2) => assert!(!stderr.contains("panicked"), "{name_toml}: {stderr}"),
            other => panic!("{name_toml}: exit {other:?}: {stderr}"),
        }
        want.sort();
        assert_eq!(tree(tmp.path()), want, "{name_toml}: {stderr}");
        if out.status.success() {
            assert!(
                stderr.contains("is not a plain folder name"),
                "{name_toml}: {stderr}"
            );
        }
    }
}

#[test]
fn an_explicit_out_is_taken_as_given() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x").join("..").join("chosen");
    corridor()
        .args(["run", BASE, "--trials", "2", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(tmp.path().join("chosen").join("summary.csv").is_file());
}

/// Runs `corridor args` with stdout on `/dev/full`.
fn stdout_full(args: &[&str]) -> std::process::Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    bin().args(args).stdout(full).output().unwrap()
}

/// Runs `corridor args` with stdout on a pipe whose reading end is closed
/// before the command writes (it is closed right after the start, long
/// before the command has loaded anything).
fn stdout_closed(args: &[&str]) -> std::process::Output {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

/// Commands that print to stdout, with the result folders they need.
fn printing_commands(dir: &Path) -> Vec<Vec<String>> {
    let (a, b) = (dir.join("a"), dir.join("b"));
    for run in [&a, &b] {
        corridor()
            .args([
                "run",
                BASE,
                "--trials",
                "8",
                "--quiet",
                "--keep-trials",
                "--out",
            ])
            .arg(run)
            .assert()
            .success();
    }
    let s = |p: &Path| p.display().to_string();
    let fresh = |name: &str| s(&dir.join(name));
    vec![
        vec!["list".into()],
        vec!["list".into(), "tests/fixtures/valid".into()],
        vec!["show".into(), BASE.into()],
        vec!["validate".into(), BASE.into()],
        vec!["--help".into()],
        vec!["run".into(), "--help".into()],
        vec!["--version".into()],
        vec!["markdown-help".into()],
        vec!["compare".into(), s(&a), s(&b)],
        vec![
            "run".into(),
            BASE.into(),
            "--trials".into(),
            "40".into(),
            "--out".into(),
            fresh("run"),
        ],
        vec!["merge".into(), s(&a), "--out".into(), fresh("merged")],
        vec![
            "compare".into(),
            s(&a),
            s(&b),
            "--out".into(),
            fresh("cmp.csv"),
        ],
    ]
}

#[test]
fn a_full_stdout_is_exit_1_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, args) in printing_commands(tmp.path()).into_iter().enumerate() {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = stdout_full(&refs);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "#{i} {args:?}: {stderr}");
        assert!(
            stderr.contains("error: cannot write to the standard output: No space left on device"),
            "#{i} {args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "#{i} {args:?}: {stderr}");
    }
}

#[test]
fn a_closed_stdout_exits_0_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, args) in printing_commands(tmp.path()).into_iter().enumerate() {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = stdout_closed(&refs);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "#{i} {args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "#{i} {args:?}: {stderr}");
        assert!(!stderr.contains("error"), "#{i} {args:?}: {stderr}");
    }
    // The result folders were still written: the pipe only lost the summary.
    for made in ["run", "merged", "cmp.csv"] {
        assert!(tmp.path().join(made).exists(), "{made}");
    }
}

#[test]
fn the_issues_pipelines_do_not_panic() {
    // `corridor list | true` and `corridor run ... | true` in a shell: the
    // reader is gone before corridor writes (`true` reads nothing). The
    // status of corridor itself is kept in a file (sh has no pipefail).
    let tmp = tempfile::tempdir().unwrap();
    for (i, cmd) in [
        "\"$CORRIDOR\" list",
        "\"$CORRIDOR\" run tests/fixtures/valid/base.toml --trials 40 --out \"$TMP/run\"",
        "\"$CORRIDOR\" show tests/fixtures/valid/base.toml",
    ]
    .iter()
    .enumerate()
    {
        let status = tmp.path().join(format!("status{i}"));
        let out = Command::new("sh")
            .current_dir(root())
            .env("CORRIDOR", env!("CARGO_BIN_EXE_corridor"))
            .env("TMP", tmp.path())
            .env("STATUS", &status)
            .arg("-c")
            .arg(format!("{{ {cmd}; echo $? > \"$STATUS\"; }} | true"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{cmd}: {stderr}");
        let code = std::fs::read_to_string(&status).unwrap();
        assert_eq!(code.trim(), "0", "{cmd}: {stderr}");
    }
    assert!(tmp.path().join("run").join("summary.csv").is_file());
}

#[test]
fn a_closed_or_full_stderr_never_panics() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let hostile = "tests/fixtures/hostile/probability.toml";
    // Commands whose stderr output is their report, with their exit status.
    for (args, code) in [
        (vec!["validate", hostile], 2),
        (vec!["run", hostile], 2),
        (vec!["run", BASE, "--trials", "0"], 2),
        (vec!["list", "tests/fixtures/hostile"], 0),
        (vec!["compare", "tests", "docs"], 2),
    ] {
        let out = bin().args(&args).stderr(full()).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?} to a full stderr");
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{args:?} to a closed stderr");
    }
}

/// Runs `corridor run BASE extra...`, which must be refused with status 2
/// within seconds, saying `message`, and write nothing.
#[track_caller]
fn refused(extra: &[&str], message: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = corridor()
        .args(["run", BASE, "--quiet", "--out"])
        .arg(tmp.path().join("never"))
        .args(extra)
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
    assert!(stderr.contains(message), "{extra:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{extra:?}: {stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{extra:?}: refused only after {:?}",
        started.elapsed()
    );
    assert_eq!(tree(tmp.path()), Vec::<String>::new(), "{extra:?}");
}

#[test]
fn trial_thread_and_shard_limits_are_checked_up_front() {
    let u64_max = u64::MAX.to_string();
    refused(&["--threads", "10000"], "at most 1024");
    refused(&["--threads", &u64_max], "at most 1024");
    refused(&["--threads", "99999999999999999999999"], "at most 1024");
    refused(&["--trials", "1000000000000"], "at most 4294967295");
    refused(&["--trials", "4294967296"], "at most 4294967295");
    // Wrapped around to an empty shard before.
    refused(
        &["--trials", &u64_max, "--shard", "3/4"],
        "at most 4294967295",
    );
    refused(
        &[
            "--trials",
            "auto",
            "--target-se",
            "0.1",
            "--max-trials",
            &u64_max,
        ],
        "at most 4294967295",
    );
    refused(
        &["--trials", "4", "--shard", "5/10"],
        "use at most 4 shards",
    );
    refused(
        &["--shard", &format!("3/{u64_max}")],
        "use at most 20 shards",
    );
}

#[test]
fn a_scenario_trial_count_beyond_the_limit_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(abs(BASE)).unwrap().replacen(
        "trials = 20",
        "trials = 10000000000000",
        1,
    );
    assert!(text.contains("trials = 10000000000000"));
    let path = tmp.path().join("huge.toml");
    std::fs::write(&path, text).unwrap();
    let out = corridor()
        .arg("run")
        .arg(&path)
        .args(["--quiet", "--out"])
        .arg(tmp.path().join("never"))
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!tmp.path().join("never").exists());
}

#[test]
fn idle_threads_are_not_started() {
    // 80 trials are 2 chunks of 64: only 2 workers can ever have work, so
    // only 2 are started (and recorded), however many are asked for.
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    corridor()
        .args([
            "run",
            BASE,
            "--trials",
            "80",
            "--threads",
            "1024",
            "--quiet",
            "--out",
        ])
        .arg(&run)
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let manifest = std::fs::read_to_string(run.join("manifest.toml")).unwrap();
    assert!(manifest.contains("\nthreads = 2\n"), "{manifest}");
}

#[test]
fn compare_out_refuses_to_overwrite_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for run in [&a, &b] {
        corridor()
            .args(["run", BASE, "--trials", "8", "--quiet", "--out"])
            .arg(run)
            .assert()
            .success();
    }
    let csv = tmp.path().join("cmp.csv");
    std::fs::write(&csv, "precious\n").unwrap();
    let out = corridor()
        .arg("compare")
        .args([&a, &b])
        .arg("--out")
        .arg(&csv)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("use --force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "precious\n");
    // A folder is never a file to write.
    let out = corridor()
        .arg("compare")
        .args([&a, &b])
        .arg("--out")
        .arg(tmp.path())
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a folder"));
    corridor()
        .arg("compare")
        .args([&a, &b])
        .arg("--out")
        .arg(&csv)
        .arg("--force")
        .assert()
        .success();
    assert!(std::fs::read_to_string(&csv)
        .unwrap()
        .starts_with("metric,commodity,key,unit,period,paired"));
    let mut left = tree(tmp.path());
    left.retain(|p| !p.contains('/'));
    assert_eq!(left, ["a", "b", "cmp.csv"], "no temporary file left");
}

/// Runs the base scenario's 40 trials as two shards with per-trial data.
fn two_shards(first: PathBuf, second: PathBuf) {
    for (i, out) in [first, second].into_iter().enumerate() {
        corridor()
            .args(["run", BASE, "--trials", "40", "--quiet", "--keep-trials"])
            .args(["--shard", &format!("{i}/2"), "--out"])
            .arg(out)
            .assert()
            .success();
    }
}

#[test]
fn damaged_shard_folders_are_invalid_input() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = |i: u64| tmp.path().join(format!("s{i}"));
    two_shards(shard(0), shard(1));
    let parquet = shard(1).join("trials.parquet");
    let good = std::fs::read(&parquet).unwrap();
    let merged = tmp.path().join("merged");
    let mut damaged: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("cut in half", good[..good.len() / 2].to_vec()),
        ("footer kept, body cut", {
            let mut b = good[..good.len() / 2].to_vec();
            b.extend_from_slice(&good[good.len() - 8..]);
            b
        }),
    ];
    damaged.push(("garbage", b"PAR1 not a parquet file PAR1".to_vec()));
    for (what, bytes) in damaged {
        std::fs::write(&parquet, &bytes).unwrap();
        let out = corridor()
            .arg("merge")
            .args([shard(0), shard(1)])
            .arg("--out")
            .arg(&merged)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains("trials.parquet"), "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert!(!merged.exists(), "{what}: nothing is written");
        // compare reads the same file.
        let out = corridor()
            .arg("compare")
            .args([shard(0), shard(1)])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "compare, {what}");
    }
    std::fs::write(&parquet, &good).unwrap();
    // Folders that are not results at all.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for args in [
        vec![empty.clone()],
        vec![shard(0), abs("docs")],
        vec![shard(0), abs("README.md")],
    ] {
        let out = corridor()
            .arg("merge")
            .args(&args)
            .arg("--out")
            .arg(&merged)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "merge {args:?}");
        let out = corridor()
            .arg("compare")
            .args(&args)
            .arg(shard(0))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "compare {args:?}");
    }
}

#[test]
fn merge_skips_temporary_folders_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = |i: u64| tmp.path().join(format!("run-trials{i}"));
    two_shards(shard(0), shard(1));
    // What a killed run leaves: this version's hidden folder and an earlier
    // version's `<name>.partial-<pid>`, both half-written.
    let hidden = tmp.path().join(".corridor-partial-host+123+run-trials1");
    let old = tmp.path().join("run-trials1.partial-123");
    for p in [&hidden, &old] {
        std::fs::create_dir(p).unwrap();
        std::fs::copy(shard(1).join("summary.csv"), p.join("summary.csv")).unwrap();
    }
    let merged = tmp.path().join("merged");
    let out = corridor()
        .arg("merge")
        .args([shard(0), old.clone(), shard(1), hidden.clone()])
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for p in [&hidden, &old] {
        assert!(
            stderr.contains(&format!("note: skipped {}", p.display())),
            "{stderr}"
        );
    }
    assert!(merged.join("trials.parquet").is_file());
    // Only temporary folders: nothing to merge.
    let out = corridor()
        .arg("merge")
        .args([&old, &hidden])
        .arg("--out")
        .arg(tmp.path().join("none"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no shard folders to merge"));
}

/// Waits until `dir` holds an entry whose name starts with `prefix`.
fn wait_for_entry(dir: &Path, prefix: &str, child: &mut std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(prefix));
        if found {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before writing anything");
        }
        assert!(
            Instant::now() < deadline,
            "no {prefix}* in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends `signal` (a name for `kill -s`) to process `pid`. The process may
/// have ended just before, so a failed `kill` is not an error.
pub fn send(signal: &str, pid: u32) {
    let _ = Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

#[test]
fn sigint_sigterm_and_sighup_stop_a_run_cleanly() {
    for signal in ["INT", "TERM", "HUP"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("run");
        let mut child = bin()
            .args([
                "run",
                "scenarios/china-ree-export-ban.toml",
                "--trials",
                "1000000",
            ])
            .args(["--keep-trials", "--out"])
            .arg(&out)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Signal once the run is writing its (temporary) result folder.
        wait_for_entry(tmp.path(), "", &mut child);
        std::thread::sleep(Duration::from_millis(200));
        send(signal, child.id());
        let started = Instant::now();
        let done = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "SIG{signal}: took {:?} to stop",
            started.elapsed()
        );
        assert_eq!(done.status.code(), Some(1), "SIG{signal}: {stderr}");
        assert!(
            stderr.contains("interrupted") && stderr.contains("nothing was written"),
            "SIG{signal}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "SIG{signal}: {stderr}");
        assert_eq!(
            tree(tmp.path()),
            Vec::<String>::new(),
            "SIG{signal}: left behind"
        );
    }
}

#[test]
fn a_signal_outside_a_run_exits_1_at_once() {
    // Before a result folder exists there is nothing to clean: a signal ends
    // the process at once, with status 1 rather than death by the signal.
    // Here `show` blocks writing a long scenario to a pipe nobody reads.
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(abs(BASE)).unwrap().replacen(
        "description = \"small valid world for the CLI tests\"",
        &format!("description = \"{}\"", "long ".repeat(60_000)),
        1,
    );
    let long = tmp.path().join("long.toml");
    std::fs::write(&long, text).unwrap();
    for signal in ["INT", "TERM"] {
        let mut child = bin()
            .arg("show")
            .arg(&long)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take();
        std::thread::sleep(Duration::from_millis(500));
        assert!(child.try_wait().unwrap().is_none(), "show did not block");
        send(signal, child.id());
        let done = child.wait_with_output().unwrap();
        drop(stdout);
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(1), "SIG{signal}: {stderr}");
        assert!(stderr.contains("interrupted by a signal"), "{stderr}");
    }
}

#[test]
fn a_summary_with_a_non_number_is_invalid_input() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let dir = tmp.path().join(name);
        corridor()
            .args([
                "run",
                BASE,
                "--trials",
                "20",
                "--quiet",
                "--keep-trials",
                "--out",
            ])
            .arg(&dir)
            .assert()
            .success();
        dir
    };
    let (a, b) = (run("a"), run("b"));
    let summary = b.join("summary.csv");
    let good = std::fs::read_to_string(&summary).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let horizon = lines.iter().position(|l| l.contains(",horizon,")).unwrap();
    // A value in the horizon row (what compare reads), then one in a period
    // row, with a control character that must be shown escaped.
    for (at, value) in [(horizon, "abc"), (1, "1.5\u{1b}[31m")] {
        let mut fields: Vec<String> = lines[at].split(',').map(String::from).collect();
        let mean = lines[0].split(',').position(|c| c == "mean").unwrap();
        fields[mean] = value.into();
        let mut damaged = lines.clone();
        let row = fields.join(",");
        damaged[at] = &row;
        std::fs::write(&summary, damaged.join("\n") + "\n").unwrap();
        for (x, y) in [(&a, &b), (&b, &a)] {
            let out = corridor().arg("compare").args([x, y]).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{value}: {stderr}");
            assert!(
                stderr.contains(&format!("summary.csv line {}: column `mean`", at + 1)),
                "{value}: {stderr}"
            );
            assert!(!stderr.contains('\u{1b}'), "raw escape on stderr: {stderr}");
        }
    }
}
