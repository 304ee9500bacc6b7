//! User-facing error kinds and their exit codes, mapped in one place.
//!
//! | status | meaning |
//! |---|---|
//! | 0 | success; also a broken pipe on stdout (`corridor list \| head -1`): the reader has what it wanted, as with `ripgrep` |
//! | 1 | runtime failure: I/O (a full disk, stdout on a full device), solver trouble, an interruption by a signal, a bug |
//! | 2 | invalid input the user can fix: a scenario file, a flag, a limit, a result folder |
//!
//! Nothing exits 101: no writer panics on a closed or full stream.

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
    /// A bad flag or flag combination, or a value beyond a limit.
    #[error("{0}")]
    Usage(String),
    /// Result folders that cannot be used as given: missing or unreadable
    /// files, another format version, shards of different runs.
    #[error("{0:#}")]
    Results(anyhow::Error),
}

/// Writing to the standard output failed (a closed pipe, a full device).
/// A broken pipe exits 0 quietly; anything else exits 1 with this message.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to the standard output")]
pub struct StdoutError(#[source] pub std::io::Error);

/// The run was stopped by SIGINT (Ctrl-C), SIGTERM or SIGHUP before its
/// result was complete; nothing was written. Exit status 1.
#[derive(Debug, thiserror::Error)]
#[error("interrupted by a signal (Ctrl-C, SIGTERM or SIGHUP) {0}; nothing was written")]
pub struct Interrupted(pub String);

/// The exit status an error chain maps to.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.chain().any(|e| {
        e.downcast_ref::<InvalidInput>().is_some() || e.downcast_ref::<Diagnostics>().is_some()
    }) {
        EXIT_INVALID
    } else if is_stdout_broken_pipe(err) {
        EXIT_OK
    } else {
        EXIT_FAILURE
    }
}

/// Whether the error is a broken pipe on stdout: the reader went away
/// (`corridor run ... | head -3`). Only stdout: a broken pipe anywhere else
/// (a FIFO given as `--out`) is a failure.
pub fn is_stdout_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<StdoutError>())
        .any(|e| e.0.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};

    #[test]
    fn streams_map_to_their_codes() {
        let pipe = anyhow::Error::from(StdoutError(Error::from(ErrorKind::BrokenPipe)));
        assert_eq!(exit_code(&pipe), EXIT_OK);
        let full = anyhow::Error::from(StdoutError(Error::from(ErrorKind::StorageFull)));
        assert_eq!(exit_code(&full), EXIT_FAILURE);
        // A broken pipe that is not stdout (a FIFO as the output file).
        let fifo = anyhow::Error::from(Error::from(ErrorKind::BrokenPipe));
        assert_eq!(exit_code(&fifo), EXIT_FAILURE);
        let stop = anyhow::Error::from(Interrupted("after 3 of 10 trials".into()));
        assert_eq!(exit_code(&stop), EXIT_FAILURE);
        let usage = anyhow::Error::from(InvalidInput::Usage("x".into()));
        assert_eq!(exit_code(&usage), EXIT_INVALID);
    }
}
