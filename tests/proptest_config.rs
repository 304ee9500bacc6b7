//! The one configuration of every property test in this crate.
//!
//! - **Fixed seed.** Every `proptest!` block draws its cases from [`SEED`]
//!   unless `PROPTEST_RNG_SEED` is set, so `cargo test --release` runs the same
//!   cases on every machine and every run. The seed in use is printed once
//!   per test binary, on stderr past the test harness's capture.
//! - **Soaks.** `PROPTEST_RNG_SEED=<u64>` and `PROPTEST_CASES=<n>` (proptest's
//!   own variables, applied over this configuration) change the seed and the
//!   case count; `scripts/soak.sh` loops over random seeds with many cases.
//! - **Regressions.** A failing case is appended to
//!   `<test file>.proptest-regressions` beside its source file (e.g.
//!   `tests/solver/crosscheck.proptest-regressions`); those files are checked
//!   in, and every run replays their cases before any new one.

use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};
use std::io::Write;
use std::sync::Once;

/// The seed of every property test's generator when `PROPTEST_RNG_SEED` is unset.
pub const SEED: u64 = 20_260_113;

/// The seed this run uses: `PROPTEST_RNG_SEED` if it holds a `u64` (proptest
/// applies it over [`config`]'s), else [`SEED`].
pub fn seed() -> u64 {
    std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED)
}

/// The configuration of a `proptest!` block running `cases` cases (unless
/// `PROPTEST_CASES` says otherwise): fixed seed, failures persisted beside the
/// source file. Blocks may change other fields with `..config(n)`.
pub fn config(cases: u32) -> Config {
    let seed = seed();
    static PRINTED: Once = Once::new();
    PRINTED.call_once(|| {
        let cases = match std::env::var("PROPTEST_CASES") {
            Ok(n) => format!("PROPTEST_CASES={n}"),
            Err(_) => "default cases".to_string(),
        };
        // Straight to stderr (the harness captures eprintln! in test
        // threads), in one write so the harness's own output cannot split it.
        let line = format!(
            "proptest seed: {seed}, {cases} (PROPTEST_RNG_SEED=<u64> to change the seed, \
             PROPTEST_CASES=<n> for more cases; scripts/soak.sh)\n"
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
    });
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}
