//! Shared helpers of the integration tests.

use std::path::{Path, PathBuf};

/// The `corridor` binary built for these tests, run from the crate root with
/// a clean environment (no user config, no colour, no inherited variables).
pub fn corridor() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("corridor"));
    cmd.current_dir(root()).env_clear();
    cmd
}

/// The crate root, where `scenarios/`, `docs/` and `tests/fixtures/` live.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `tests/fixtures/`, relative to the crate root (as the tests
/// pass it to the binary).
pub fn fixture(name: &str) -> PathBuf {
    Path::new("tests/fixtures").join(name)
}
