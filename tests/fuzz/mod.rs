//! A stable fuzz target for the scenario loader, validator and compiler.
//!
//! Inputs are the shipped scenarios' text (each file as written, and each
//! scenario resolved into one file as `corridor show` prints it) with a
//! few random mutations: lines deleted, duplicated or swapped, bytes
//! flipped, numbers replaced by extreme values, the text truncated, lines of
//! random keys, Unicode and control characters inserted. Each input is
//! loaded in-process (`scenario::load_str`, or `scenario::load` from a
//! temporary folder when it uses `extends` or is not UTF-8), its problems
//! rendered, and a valid result compiled (`model::compile`). The property:
//! nothing panics, nothing takes longer than [`MAX_CASE`], rendered
//! problems hold no raw control character, and a scenario that validates
//! also compiles (the binary's exit status is 0 or 2, never 1).
//!
//! It runs [`CASES`] cases from a fixed seed in `cargo test`; set
//! `CORRIDOR_FUZZ_SEED=<u64>` for another seed, `CORRIDOR_FUZZ_CASES=<n>`
//! for more cases, or `CORRIDOR_FUZZ_SECONDS=<s>` to keep drawing batches
//! of cases (each from the next seed) for that long. The seed and the
//! number of inputs tried are printed.

// The property itself, shared with the cargo-fuzz target in fuzz/.
pub mod oracle;

use corridor::scenario;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

/// Cases per `cargo test` run.
const CASES: u32 = 300;
/// The seed of the first batch when `CORRIDOR_FUZZ_SEED` is unset.
const SEED: u64 = 20_260_114;
/// Longest one input may take to load, validate, render and compile.
const MAX_CASE: Duration = Duration::from_secs(5);

/// Values a number may be replaced with.
const EXTREMES: &[&str] = &[
    "0",
    "-0.0",
    "-1",
    "1e308",
    "-1e308",
    "1e300",
    "5e-324",
    "1e-300",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999",
    "1e400",
    "0.5",
    "1.5",
    "365",
    "366",
    "1200",
    "1201",
    "\"1\"",
    "true",
    "[]",
    "{}",
    "{ dist = \"beta\", alpha = 1e-8, beta = 1e8 }",
    "{ dist = \"uniform\", min = 1e300, max = -1e300 }",
    "{ dist = \"empirical\", values = [] }",
    "{ dist = \"poisson\", lambda = 1e300 }",
];

/// Keys that the scenario language knows, for inserted lines.
const KEYS: &[&str] = &[
    "id",
    "name",
    "extends",
    "start",
    "periods",
    "period",
    "trials",
    "seed",
    "capacity",
    "cost",
    "carries",
    "from",
    "to",
    "legs",
    "corridor",
    "probability",
    "annual_probability",
    "duration_months",
    "delay_months",
    "failure_rate",
    "repair_days",
    "names",
    "matrix",
    "dist",
    "type",
    "mode",
    "quota",
    "factor",
    "blocks",
    "steps",
];

/// Text that goes into inserted lines: terminal escapes, bidirectional
/// overrides, NUL, combining marks, non-BMP characters.
const NASTY: &[&str] = &[
    "\u{1b}[31m",
    "\u{1b}]0;pwned\u{7}",
    "\u{7}",
    "\u{0}",
    "\u{7f}",
    "\u{9b}2J",
    "\u{202e}",
    "\u{2066}",
    "\u{2028}",
    "e\u{301}",
    "𝕏",
    "\u{feff}",
    "\\u001b[2J",
    "\\u202e",
    "\r",
    "\t",
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    FlipByte(usize, u8),
    ReplaceNumber(usize, usize),
    Truncate(usize),
    InsertLine(usize, String),
    InsertBytes(usize, Vec<u8>),
}

fn inserted_line() -> impl Strategy<Value = String> {
    let key = prop::sample::select(KEYS);
    let nasty = prop::sample::select(NASTY);
    let extreme = prop::sample::select(EXTREMES);
    prop_oneof![
        (key.clone(), extreme).prop_map(|(k, v)| format!("{k} = {v}")),
        (key.clone(), nasty.clone()).prop_map(|(k, n)| format!("{k} = \"a{n}b\"")),
        (key, "[a-zA-Z_]{0,8}").prop_map(|(k, v)| format!("{k} = \"{v}\"")),
        nasty.prop_map(|n| format!("{n} = 1")),
        prop::sample::select(
            &[
                "[[legs]]",
                "[[regions]]",
                "[[policies]]",
                "[[correlations]]",
                "[scenario]",
                "[montecarlo]",
                "[[routes]]",
                "[[hubs]]",
                "[[supply]]",
                "[[demand]]",
            ][..]
        )
        .prop_map(str::to_string),
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => any::<usize>().prop_map(Mutation::DeleteLine),
        2 => any::<usize>().prop_map(Mutation::DuplicateLine),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        2 => (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Mutation::FlipByte(i, x)),
        5 => (any::<usize>(), 0..EXTREMES.len()).prop_map(|(i, v)| Mutation::ReplaceNumber(i, v)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        4 => (any::<usize>(), inserted_line()).prop_map(|(i, l)| Mutation::InsertLine(i, l)),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::InsertBytes(i, b)),
    ]
}

/// Applies `m` to `text`; positions are taken modulo the text's size.
fn apply(text: &mut Vec<u8>, m: &Mutation) {
    let split =
        |t: &[u8]| -> Vec<Vec<u8>> { t.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect() };
    let join = |lines: Vec<Vec<u8>>| lines.join(&b'\n');
    match m {
        Mutation::DeleteLine(i) => {
            let mut lines = split(text);
            let i = i % lines.len();
            lines.remove(i);
            *text = join(lines);
        }
        Mutation::DuplicateLine(i) => {
            let mut lines = split(text);
            let i = i % lines.len();
            let line = lines[i].clone();
            lines.insert(i, line);
            *text = join(lines);
        }
        Mutation::SwapLines(a, b) => {
            let mut lines = split(text);
            let n = lines.len();
            lines.swap(a % n, b % n);
            *text = join(lines);
        }
        Mutation::FlipByte(i, x) => {
            if !text.is_empty() {
                let n = text.len();
                text[i % n] ^= x;
            }
        }
        Mutation::ReplaceNumber(i, v) => {
            // The spans of number-looking tokens: a digit run with its sign,
            // point and exponent.
            let mut spans = Vec::new();
            let mut k = 0;
            while k < text.len() {
                if text[k].is_ascii_digit() {
                    let mut s = k;
                    if s > 0 && text[s - 1] == b'-' {
                        s -= 1;
                    }
                    let mut e = k;
                    while e < text.len()
                        && (text[e].is_ascii_digit()
                            || matches!(text[e], b'.' | b'e' | b'E' | b'_'))
                    {
                        e += 1;
                    }
                    spans.push((s, e));
                    k = e;
                } else {
                    k += 1;
                }
            }
            if !spans.is_empty() {
                let (s, e) = spans[i % spans.len()];
                text.splice(s..e, EXTREMES[*v].bytes());
            }
        }
        Mutation::Truncate(i) => {
            let n = text.len() + 1;
            text.truncate(i % n);
        }
        Mutation::InsertLine(i, line) => {
            let mut lines = split(text);
            let i = i % (lines.len() + 1);
            lines.insert(i, line.clone().into_bytes());
            *text = join(lines);
        }
        Mutation::InsertBytes(i, bytes) => {
            let i = i % (text.len() + 1);
            text.splice(i..i, bytes.iter().copied());
        }
    }
}

/// The seed inputs: every shipped file as written, and every shipped
/// scenario resolved into one file.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for p in files {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        out.push((name.clone(), std::fs::read(&p).expect("a shipped scenario")));
        let resolved = scenario::load(&p).expect("shipped scenarios are valid");
        out.push((
            format!("{name} (resolved)"),
            resolved.to_toml().into_bytes(),
        ));
    }
    out.push((
        "tests/fixtures/valid/child.toml".into(),
        std::fs::read(root.join("tests/fixtures/valid/child.toml")).expect("child.toml"),
    ));
    out
}

/// Where inputs that need a file are written, beside copies of the shipped
/// files they may extend.
struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Folder {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for name in ["scenarios/baseline.toml", "tests/fixtures/valid/base.toml"] {
            let from = root.join(name);
            let to = dir.path().join(from.file_name().unwrap());
            std::fs::copy(from, to).expect("copy a base file");
        }
        Folder { dir }
    }
}

/// Runs the oracle on one input, turning a panic or a slow case into a
/// failure (libFuzzer does both itself for the cargo-fuzz target).
fn exercise(input: &[u8], folder: &Folder) -> Result<bool, String> {
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| oracle::check(input, folder.dir.path())));
    let took = started.elapsed();
    match outcome {
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("panicked: {what}"))
        }
        Ok(Err(e)) => Err(e),
        Ok(Ok(_)) if took > MAX_CASE => Err(format!("took {:.1} s", took.as_secs_f64())),
        Ok(Ok(valid)) => Ok(valid),
    }
}

/// `name` from the environment as a number.
fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn loader_survives_mutated_scenarios() {
    let corpus = corpus();
    let folder = Folder::new();
    let seed = env("CORRIDOR_FUZZ_SEED").unwrap_or(SEED);
    let cases = env("CORRIDOR_FUZZ_CASES").unwrap_or(CASES);
    let seconds: Option<u64> = env("CORRIDOR_FUZZ_SECONDS");
    // Straight to stderr: the harness captures eprintln! in test threads.
    let _ = writeln!(
        std::io::stderr(),
        "fuzz: seed {seed}, {cases} cases per batch{} (CORRIDOR_FUZZ_SEED, CORRIDOR_FUZZ_CASES, CORRIDOR_FUZZ_SECONDS)",
        seconds.map_or(String::new(), |s| format!(", batches for {s} s"))
    );
    let strategy = (0..corpus.len(), prop::collection::vec(mutation(), 1..6));
    let started = Instant::now();
    let tried = std::cell::Cell::new(0u64);
    let valid = std::cell::Cell::new(0u64);
    let mut batch = 0u64;
    loop {
        let config = Config {
            cases,
            rng_seed: RngSeed::Fixed(seed.wrapping_add(batch)),
            failure_persistence: None,
            max_shrink_iters: 2000,
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        let result = runner.run(&strategy, |(which, mutations)| {
            tried.set(tried.get() + 1);
            let mut text = corpus[which].1.clone();
            for m in &mutations {
                apply(&mut text, m);
            }
            let outcome = exercise(&text, &folder);
            valid.set(valid.get() + u64::from(outcome == Ok(true)));
            outcome.map(|_| ()).map_err(|e| {
                TestCaseError::fail(format!(
                    "{} with {mutations:?}: {e}\n--- input ---\n{}",
                    corpus[which].0,
                    String::from_utf8_lossy(&text)
                        .chars()
                        .take(4000)
                        .collect::<String>()
                ))
            })
        });
        if let Err(e) = result {
            match e {
                TestError::Fail(why, _) => panic!(
                    "fuzz failure (seed {}, batch {batch}): {why}",
                    seed.wrapping_add(batch)
                ),
                TestError::Abort(why) => panic!("fuzz aborted: {why}"),
            }
        }
        batch += 1;
        if seconds.is_none_or(|s| started.elapsed().as_secs() >= s) {
            break;
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "fuzz: {} inputs tried ({} valid) in {batch} batch(es), {:.1} s",
        tried.get(),
        valid.get(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn mutations_do_what_they_say() {
    let mut t = b"a = 1\nb = 2\nc = -3.5e2".to_vec();
    apply(&mut t, &Mutation::SwapLines(0, 2));
    assert_eq!(t, b"c = -3.5e2\nb = 2\na = 1");
    apply(&mut t, &Mutation::ReplaceNumber(0, 3));
    assert_eq!(t, b"c = 1e308\nb = 2\na = 1");
    apply(&mut t, &Mutation::DeleteLine(1));
    assert_eq!(t, b"c = 1e308\na = 1");
    apply(&mut t, &Mutation::Truncate(3));
    assert_eq!(t, b"c =");
}
