//! SIGINT (Ctrl-C), SIGTERM and SIGHUP.
//!
//! One handler for the process (the `termination` feature of `ctrlc`),
//! installed by [`install`] before a command starts. What a signal does
//! depends on what the command is doing:
//!
//! - Outside a [`Cooperate`] section nothing is on disk that could be left
//!   half-written (loading, validating, listing, printing): the process
//!   says so on stderr and exits with status 1 at once.
//! - Inside one (a result folder or file is being written under a temporary
//!   name) the handler only raises the [`stop`] flag. The trial loop stops
//!   after its current chunk, the command returns
//!   [`Interrupted`](crate::error::Interrupted), the temporary folder is
//!   removed, and the process exits with status 1. The destination is then
//!   either absent or, if the signal came after the rename, complete.
//! - A second signal during a cooperative stop exits at once: the user
//!   insists. Whatever temporary folder is left then is hidden
//!   (`.corridor-partial-...`) like one left by SIGKILL, which no glob of
//!   result folders matches, `corridor merge` skips and a later run in the
//!   same folder removes.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
static SIGNALS: AtomicUsize = AtomicUsize::new(0);
static COOPERATING: AtomicUsize = AtomicUsize::new(0);

/// Installs the handler. Fails quietly if one is installed already (a
/// second call in the same process).
pub fn install() {
    let _ = ctrlc::set_handler(on_signal);
}

fn on_signal() {
    let n = SIGNALS.fetch_add(1, Ordering::SeqCst) + 1;
    STOP.store(true, Ordering::SeqCst);
    if COOPERATING.load(Ordering::SeqCst) == 0 || n > 1 {
        super::stream::errln!("error: interrupted by a signal (Ctrl-C, SIGTERM or SIGHUP)");
        std::process::exit(crate::error::EXIT_FAILURE);
    }
}

/// The flag a signal raises, for loops that stop cleanly.
pub fn stop() -> &'static AtomicBool {
    &STOP
}

/// Whether a signal has arrived.
pub fn stopped() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// While alive, a signal raises [`stop`] instead of exiting: the command
/// promises to check it and clean up. Take it before creating anything on
/// disk under a temporary name, drop it after the rename.
#[must_use = "the section ends when the guard is dropped"]
pub struct Cooperate(());

impl Cooperate {
    /// Starts a cooperative section.
    pub fn begin() -> Cooperate {
        COOPERATING.fetch_add(1, Ordering::SeqCst);
        Cooperate(())
    }
}

impl Drop for Cooperate {
    fn drop(&mut self) {
        COOPERATING.fetch_sub(1, Ordering::SeqCst);
    }
}
