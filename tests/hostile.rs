//! Hostile input: one file per kind of mistake in `tests/fixtures/hostile/`.
//! Each must exit with status 2 and point at the right line with the
//! message and a suggestion, and nothing may panic.

use crate::common::corridor;

/// Runs `corridor validate` on a hostile fixture and checks the report.
#[track_caller]
fn rejects(file: &str, position: &str, message: &str, help: &str) {
    let path = format!("tests/fixtures/hostile/{file}");
    let out = corridor().args(["validate", &path]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{file}: stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{file} panicked:\n{stderr}");
    assert!(out.stdout.is_empty(), "{file}: nothing is ok");
    let at = format!("error: {position}: ");
    assert!(
        stderr.contains(&at),
        "{file}: expected `{at}` in:\n{stderr}"
    );
    assert!(
        stderr.contains(message),
        "{file}: expected message `{message}` in:\n{stderr}"
    );
    assert!(
        stderr.contains(help),
        "{file}: expected help `{help}` in:\n{stderr}"
    );
}

#[test]
fn toml_syntax_error() {
    rejects(
        "syntax_error.toml",
        "tests/fixtures/hostile/syntax_error.toml:4:21",
        "invalid basic string",
        "close the string with a quote on the same line",
    );
}

#[test]
fn misspelt_key() {
    rejects(
        "misspelt_key.toml",
        "tests/fixtures/hostile/misspelt_key.toml:10:1",
        "unknown field `capcity`",
        "did you mean `capacity`?",
    );
}

#[test]
fn dangling_reference() {
    rejects(
        "dangling_reference.toml",
        "tests/fixtures/hostile/dangling_reference.toml:9:9",
        "routes.kz_cn_rail.legs: unknown leg `dostyk_rial`",
        "did you mean `dostyk_rail`?",
    );
}

#[test]
fn negative_capacity() {
    rejects(
        "negative_capacity.toml",
        "tests/fixtures/hostile/negative_capacity.toml:10:12",
        "legs.pacific.capacity: must be at least 0, found -5000000",
        "a capacity cannot be negative; use 0 for none, or a `capacity_change` policy to cut it",
    );
}

#[test]
fn probability_above_one() {
    rejects(
        "probability.toml",
        "tests/fixtures/hostile/probability.toml:11:15",
        "policies.cn_re_ban.probability: must be between 0 and 1, found 1.5",
        "write a probability as a fraction between 0 and 1, e.g. 0.4 for 40%",
    );
}

#[test]
fn correlation_matrix_not_positive_semi_definite() {
    rejects(
        "non_psd_correlation.toml",
        "tests/fixtures/hostile/non_psd_correlation.toml:18:14",
        "correlation block 1: the matrix is not positive semi-definite: \
         `legs.dostyk_rail.capacity` with `policies.cn_re_ban.probability` 0.9",
        "weaken one of these three correlations",
    );
}

#[test]
fn route_legs_do_not_connect() {
    rejects(
        "disconnected_route.toml",
        "tests/fixtures/hostile/disconnected_route.toml:18:24",
        "routes.kz_us_via_cn.legs: legs `dostyk_rail` and `atlantic` do not meet: \
         `dostyk_rail` ends at `CN`, but `atlantic` starts at `KZ`",
        "add a leg from `CN` to `KZ` between them, or check the order of `legs`",
    );
}

#[test]
fn extends_cycle() {
    rejects(
        "cycle_a.toml",
        "tests/fixtures/hostile/cycle_b.toml:3:11",
        "`extends` cycle: tests/fixtures/hostile/cycle_a.toml is already part of this scenario",
        "a scenario may extend a chain of files, but no file twice",
    );
}

#[test]
fn missing_extends_target() {
    rejects(
        "missing_extends.toml",
        "tests/fixtures/hostile/missing_extends.toml:3:11",
        "cannot read scenario tests/fixtures/hostile/no_such_base.toml",
        "paths in `extends` are relative to the file that names them",
    );
}

#[test]
fn run_and_show_reject_hostile_files_too() {
    for cmd in ["run", "show"] {
        let out = corridor()
            .args([cmd, "tests/fixtures/hostile/negative_capacity.toml"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {stderr}");
        assert!(
            stderr.contains("negative_capacity.toml:10:12"),
            "{cmd}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{cmd}: {stderr}");
    }
}

#[test]
fn every_hostile_file_fails_cleanly() {
    let dir = crate::common::root().join("tests/fixtures/hostile");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let out = corridor().arg("validate").arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(!stderr.contains("panicked"), "{}: {stderr}", path.display());
    }
}
