//! User-facing error kinds and their exit codes, mapped in one place.

use crate::scenario::Diagnostics;

/// Exit status for success.
pub const EXIT_OK: i32 = 0;
/// Exit status for a runtime failure (I/O, solver trouble, a bug).
pub const EXIT_FAILURE: i32 = 1;
/// Exit status for invalid input the user can fix (scenario file, flags).
pub const EXIT_INVALID: i32 = 2;

/// Input the user can fix: maps to exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum InvalidInput {
    /// Problems in a scenario file, each with its location.
    #[error("invalid scenario\n{0}")]
    Scenario(Diagnostics),
    /// A bad flag or flag combination.
    #[error("{0}")]
    Usage(String),
    /// Result folders that cannot be used as given: missing or unreadable
    /// files, another format version, shards of different runs.
    #[error("{0:#}")]
    Results(anyhow::Error),
}

/// The exit status an error chain maps to.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.chain().any(|e| {
        e.downcast_ref::<InvalidInput>().is_some() || e.downcast_ref::<Diagnostics>().is_some()
    }) {
        EXIT_INVALID
    } else if is_broken_pipe(err) {
        EXIT_OK
    } else {
        EXIT_FAILURE
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
