//! The command line: exit codes, stdout/stderr contracts, help text.

use crate::common::{corridor, fixture};
use predicates::prelude::*;

const BASE: &str = "tests/fixtures/valid/base.toml";
const CHILD: &str = "tests/fixtures/valid/child.toml";

#[test]
fn validate_prints_ok_per_valid_file() {
    corridor()
        .args(["validate", BASE, CHILD])
        .assert()
        .success()
        .stderr("")
        .stdout(
            "ok: tests/fixtures/valid/base.toml (3 regions, 2 legs, 2 routes, 0 policies)\n\
         ok: tests/fixtures/valid/child.toml (3 regions, 2 legs, 2 routes, 1 policy)\n",
        );
}

#[test]
fn validate_checks_every_file_before_failing() {
    let bad = "tests/fixtures/hostile/negative_capacity.toml";
    let worse = "tests/fixtures/hostile/probability.toml";
    corridor()
        .args(["validate", bad, BASE, worse])
        .assert()
        .code(2)
        .stdout("ok: tests/fixtures/valid/base.toml (3 regions, 2 legs, 2 routes, 0 policies)\n")
        .stderr(
            predicate::str::contains("negative_capacity.toml:10:12")
                .and(predicate::str::contains("probability.toml:11:15"))
                .and(predicate::str::contains(
                    "error: problems in 2 of 3 scenario files",
                )),
        );
}

#[test]
fn validate_reports_every_problem_in_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.toml");
    let text = std::fs::read_to_string(crate::common::root().join(BASE))
        .unwrap()
        .replace("periods = 12", "periods = 0")
        .replace("elasticity = -0.1", "elasticity = 0.1");
    std::fs::write(&path, text).unwrap();
    corridor()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("scenario.periods: must be between 1 and 1200, found 0")
                .and(predicate::str::contains(
                    "demand.CN.oil.elasticity: must be at most 0, found 0.1",
                ))
                .and(predicate::str::contains("2 problems found")),
        );
}

#[test]
fn validate_needs_a_file() {
    corridor()
        .arg("validate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("<FILE>"));
}

#[test]
fn validate_missing_file_is_invalid_input() {
    corridor()
        .args(["validate", "tests/fixtures/no_such_file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read scenario tests/fixtures/no_such_file.toml",
        ));
}

#[test]
fn list_shows_name_and_description_sorted_by_file() {
    corridor().args(["list", "tests/fixtures/valid"]).assert().success().stdout(
        "FILE                             NAME          DESCRIPTION\n\
         tests/fixtures/valid/base.toml   fixture-base  small valid world for the CLI tests\n\
         tests/fixtures/valid/child.toml  fixture-ban   China may ban rare-earth transit to the US\n",
    );
}

#[test]
fn list_marks_invalid_files() {
    corridor()
        .args(["list", "tests/fixtures/hostile"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("tests/fixtures/hostile/negative_capacity.toml")
                .and(predicate::str::contains("(invalid: 1 problem)"))
                .and(predicate::str::contains("orphan")),
        );
}

#[test]
fn list_missing_folder_is_invalid_input() {
    corridor()
        .args(["list", "tests/fixtures/nowhere"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot list scenarios in tests/fixtures/nowhere",
        ));
}

#[test]
fn show_prints_the_resolved_scenario() {
    let out = corridor()
        .args(["show", CHILD])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("name = \"fixture-ban\""), "{text}");
    assert!(text.contains("id = \"dostyk_rail\""), "{text}");
    assert!(text.contains("id = \"cn_re_ban\""), "{text}");
    assert!(!text.contains("extends"), "{text}");
    // The printed scenario stands on its own and is valid.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resolved.toml");
    std::fs::write(&path, &text).unwrap();
    corridor().arg("validate").arg(&path).assert().success();
}

#[test]
fn run_rejects_bad_flags_with_status_2() {
    for (flags, message) in [
        (
            &["--shard", "4/4"][..],
            "shard 4 does not exist among 4 shards",
        ),
        (
            &["--trials", "0"][..],
            "the number of trials must be at least 1",
        ),
        (&["--threads", "0"][..], "must be at least 1"),
        (&["--sampling", "sobol"][..], "invalid value 'sobol'"),
        (
            &["--deterministic", "--trials", "5"][..],
            "cannot be used with",
        ),
        (
            &["--trials", "auto"][..],
            "`--trials auto` needs `--target-se X`",
        ),
        (
            &["--target-se", "0.5"][..],
            "`--target-se` applies only with `--trials auto`",
        ),
    ] {
        corridor()
            .arg("run")
            .arg(BASE)
            .args(flags)
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(message).and(predicate::str::contains("panicked").not()),
            );
    }
}

#[test]
fn unknown_command_is_invalid_input() {
    corridor().arg("frobnicate").assert().code(2);
}

#[test]
fn top_level_help_lists_exit_codes() {
    corridor().arg("--help").assert().success().stdout(
        predicate::str::contains("Exit status:")
            .and(predicate::str::contains("2  invalid input"))
            .and(predicate::str::contains("markdown-help").not()),
    );
}

#[test]
fn every_command_help_has_an_example() {
    for cmd in [
        "validate",
        "list",
        "show",
        "run",
        "merge",
        "compare",
        "sensitivity",
    ] {
        corridor().args([cmd, "--help"]).assert().success().stdout(
            predicate::str::contains("Example")
                .and(predicate::str::contains(format!("corridor {cmd}"))),
        );
    }
}

#[test]
fn markdown_help_matches_docs() {
    let out = corridor()
        .arg("markdown-help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let docs =
        std::fs::read_to_string(crate::common::root().join("docs/cli.md")).unwrap_or_default();
    assert!(
        String::from_utf8(out).unwrap() == docs,
        "docs/cli.md is stale: run `cargo run --release -- markdown-help > docs/cli.md`"
    );
}

#[test]
fn fixture_paths_exist() {
    assert!(crate::common::root()
        .join(fixture("valid/base.toml"))
        .is_file());
}

#[test]
fn merging_a_result_of_another_format_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    corridor()
        .args(["run", BASE, "--trials", "4", "--quiet", "--out"])
        .arg(&run)
        .assert()
        .success();
    // Bytes 8..12 of state.bin are its format version.
    let state = run.join("state.bin");
    let mut bytes = std::fs::read(&state).unwrap();
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    std::fs::write(&state, bytes).unwrap();
    let out = dir.path().join("merged");
    corridor()
        .arg("merge")
        .arg(&run)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("format version 1 is not supported")
                .and(predicate::str::contains("re-run"))
                .and(predicate::str::contains("panicked").not()),
        );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn merge_refuses_a_damaged_or_truncated_state_file_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    corridor()
        .args(["run", BASE, "--trials", "6", "--quiet", "--out"])
        .arg(&run)
        .assert()
        .success();
    let state = run.join("state.bin");
    let good = std::fs::read(&state).unwrap();
    // Bit flips past the header (20 bytes) spread over the layout, the sums
    // and the bins, and the last byte; then truncations.
    let mut damaged: Vec<(String, Vec<u8>, &str)> = (0..12)
        .map(|k| 20 + k * (good.len() - 21) / 11)
        .map(|i| {
            let mut b = good.clone();
            b[i] ^= 1 << (i % 8);
            (
                format!("bit {} of byte {i} flipped", i % 8),
                b,
                "checksum does not match",
            )
        })
        .collect();
    for len in [good.len() - 1, good.len() / 2, 21] {
        damaged.push((
            format!("truncated to {len} bytes"),
            good[..len].to_vec(),
            "truncated",
        ));
    }
    let out = dir.path().join("merged");
    for (what, bytes, message) in damaged {
        std::fs::write(&state, &bytes).unwrap();
        let o = corridor()
            .arg("merge")
            .arg(&run)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(
            err.contains(&state.display().to_string())
                && err.contains(message)
                && !err.contains("panicked"),
            "{what}: {err}"
        );
        assert!(!out.exists(), "{what}: nothing is written");
    }
}

/// The `scenario_hash` a deterministic run of `scenario` records.
fn recorded_hash(scenario: &std::path::Path, out: &std::path::Path) -> String {
    corridor()
        .arg("run")
        .arg(scenario)
        .args(["--deterministic", "--quiet", "--out"])
        .arg(out)
        .assert()
        .success();
    let manifest = std::fs::read_to_string(out.join("manifest.toml")).unwrap();
    let table: toml::Table = toml::from_str(&manifest).unwrap();
    table["scenario_hash"].as_str().unwrap().to_string()
}

#[test]
fn the_scenario_hash_follows_content_not_file_names() {
    let root = crate::common::root();
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name);
    let base = std::fs::read_to_string(root.join("scenarios/baseline.toml")).unwrap();
    let child = std::fs::read_to_string(root.join("scenarios/china-ree-export-ban.toml")).unwrap();
    assert!(child.contains("extends = \"baseline.toml\""));
    let original = recorded_hash(
        &root.join("scenarios/china-ree-export-ban.toml"),
        &d("original"),
    );

    // The same scenario, both files under other names, with a comment more.
    std::fs::write(d("world.toml"), format!("{base}\n# a comment\n")).unwrap();
    std::fs::write(
        d("my-ban.toml"),
        child.replace("extends = \"baseline.toml\"", "extends = \"world.toml\""),
    )
    .unwrap();
    assert_eq!(
        recorded_hash(&d("my-ban.toml"), &d("copy")),
        original,
        "a renamed copy must hash the same"
    );

    // One number of the parent changed: another hash.
    let at = base
        .match_indices("capacity = ")
        .map(|(i, m)| i + m.len())
        .find(|&i| base[i..].starts_with(|c: char| c.is_ascii_digit()))
        .expect("a capacity given as a number");
    std::fs::write(d("world.toml"), format!("{}1{}", &base[..at], &base[at..])).unwrap();
    assert_ne!(
        recorded_hash(&d("my-ban.toml"), &d("changed")),
        original,
        "a changed number must change the hash"
    );
}

/// `[scenario] headline`: each entry is checked against the compiled
/// model's series, with its line and column and the closest name; a child
/// inherits its base's list; the run summary shows the listed rows, in
/// plain notation, and the manifest records them.
#[test]
fn headline_entries_are_validated_inherited_and_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(BASE).unwrap();
    let with = |list: &str| {
        base.replacen(
            "name = \"fixture-base\"",
            &format!("name = \"fixture-base\"\nheadline = [{list}]"),
            1,
        )
    };
    let cases = [
        (
            r#"{ metric = "shortfal", commodity = "oil", key = "US" }"#,
            "unknown metric `shortfal`",
            "did you mean `shortfall`?",
        ),
        (
            r#"{ metric = "price", commodity = "oill", key = "US" }"#,
            "unknown commodity `oill`",
            "did you mean `oil`?",
        ),
        (
            r#"{ metric = "price", commodity = "oil", key = "KX" }"#,
            "the model records no `price oil KX` series",
            "did you mean `KZ`?",
        ),
        (
            r#"{ metric = "price", key = "US" }"#,
            "the model records no `price US` series",
            "add `commodity",
        ),
    ];
    for (i, (list, message, help)) in cases.iter().enumerate() {
        let path = tmp.path().join(format!("bad{i}.toml"));
        std::fs::write(&path, with(list)).unwrap();
        for cmd in ["validate", "run"] {
            let mut args = vec![cmd, path.to_str().unwrap()];
            if cmd == "run" {
                args.push("--quiet");
            }
            let out = corridor().args(&args).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{cmd} {list}: {stderr}");
            assert!(stderr.contains(message), "{cmd} {list}: {stderr}");
            assert!(stderr.contains(help), "{cmd} {list}: {stderr}");
            assert!(
                stderr.contains(&format!("bad{i}.toml:7:")),
                "{cmd} {list}: located: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
    // A good list, inherited by a child that names none.
    std::fs::write(
        tmp.path().join("base.toml"),
        with(r#"{ metric = "price", commodity = "rare_earths", key = "US" }, { metric = "shortfall", commodity = "oil", key = "KZ" }"#),
    )
    .unwrap();
    let child = std::fs::read_to_string(CHILD).unwrap();
    std::fs::write(tmp.path().join("child.toml"), child).unwrap();
    let out_dir = tmp.path().join("out");
    let out = corridor()
        .args([
            "run",
            tmp.path().join("child.toml").to_str().unwrap(),
            "--trials",
            "20",
            "--out",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("horizon (per trial)"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(rows[0].starts_with("price rare_earths US "), "{stdout}");
    assert!(rows[1].starts_with("shortfall oil KZ "), "{stdout}");
    assert!(
        !stdout.contains("e+") && !stdout.contains("e-0"),
        "{stdout}"
    );
    let manifest = std::fs::read_to_string(out_dir.join("manifest.toml")).unwrap();
    assert!(
        manifest
            .contains(r#"headline = [["price", "rare_earths", "US"], ["shortfall", "oil", "KZ"]]"#),
        "{manifest}"
    );
}
