//! The standard streams, written without panicking.
//!
//! `println!` and `eprintln!` panic when the stream is closed or full
//! (`corridor list | true`, `> /dev/full`), which exits 101 with a
//! backtrace. Every command writes through these helpers instead:
//!
//! - stdout ([`out`], [`out_bytes`], [`flush`]): a failure becomes
//!   [`StdoutError`]; a broken pipe then exits 0 quietly (the reader has
//!   what it wanted, as with `head`), anything else exits 1 with a message.
//! - stderr ([`err`]): notes, progress and error reports are best effort; a
//!   closed or full stderr is ignored (there is nowhere left to report it)
//!   and never changes the exit status.

use crate::error::StdoutError;
use std::borrow::Cow;
use std::io::Write;

/// Writes formatted text to stdout.
pub fn out(args: std::fmt::Arguments<'_>) -> Result<(), StdoutError> {
    std::io::stdout()
        .lock()
        .write_fmt(args)
        .map_err(StdoutError)
}

/// Writes bytes to stdout.
pub fn out_bytes(bytes: &[u8]) -> Result<(), StdoutError> {
    std::io::stdout()
        .lock()
        .write_all(bytes)
        .map_err(StdoutError)
}

/// Flushes stdout, so that a failure shows here and not silently at exit.
pub fn flush() -> Result<(), StdoutError> {
    std::io::stdout().lock().flush().map_err(StdoutError)
}

/// Writes formatted text to stderr, ignoring failures.
pub fn err(args: std::fmt::Arguments<'_>) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_fmt(args).and_then(|()| e.flush());
}

/// `println!` to stdout, returning a [`StdoutError`] instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::stream::out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` that ignores a closed or full stderr.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::stream::err(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {errln, outln};

/// Text from a scenario file or the command line as it is safe to print on
/// a terminal: control characters (escape sequences, carriage returns,
/// bells, line breaks) and bidi formatting characters are shown escaped,
/// `\u{1b}`, instead of being sent to the terminal raw.
pub fn printable(s: &str) -> Cow<'_, str> {
    // One escaping rule for everything printed from user text: the
    // diagnostics' (control, bidi and line-separator characters).
    crate::scenario::diagnostic::escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("plain name"), "plain name");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(printable("a\u{1b}[31mred\u{7}"), "a\\u{1b}[31mred\\u{7}");
        assert_eq!(printable("two\nlines\r"), "two\\u{a}lines\\u{d}");
        // Bidi overrides would reorder what the terminal shows.
        assert_eq!(printable("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(printable("Ölkrise"), "Ölkrise");
    }
}
