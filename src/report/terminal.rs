//! Terminal output: warnings and errors, and the fallible writes to stdout that every report
//! goes through (the escaping itself is [`crate::untrusted`]'s, re-exported here).
//!
//! `println!` panics when stdout is closed or full ("failed printing to stdout", exit 101), which
//! turned `dbtls config mysql | true` and `dbtls setup > /dev/full` into crashes after the work was
//! done. Reports are written with [`print`] instead: a closed pipe ends the program quietly (as
//! ripgrep and the coreutils do), and after files were committed any other write error is only a
//! warning ([`print_summary`]), since the run itself succeeded.

use std::io::{self, Write};

pub use crate::untrusted::{escape, escape_json, first_unsafe, is_unsafe};

/// Escapes a path for a terminal line (see [`escape`]); non-UTF-8 bytes show as U+FFFD.
pub fn path(path: &std::path::Path) -> String {
    escape(&path.display().to_string())
}

/// Writes `text` to stdout and flushes it. The error is returned, never a panic.
pub fn print(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes the summary of a command whose files are already committed: a closed pipe is quiet
/// and any other write error a warning, because failing the run now would report as failed a
/// change that was made.
pub fn print_summary(text: &str) {
    if let Err(e) = print(text)
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        warn(&format!(
            "the files were written, but the summary could not be printed: {e}"
        ));
    }
}

/// Writes one line to stderr; a closed or full stderr is ignored (there is nowhere left to
/// report it).
pub fn eprint_line(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Prints `dbtls: warning: ...` on stderr.
pub fn warn(message: &str) {
    eprint_line(&format!("dbtls: warning: {}", one_line(message)));
}

/// Says on stderr that this run waits for another one's lock on `dir` ([`crate::io::on_wait`]).
pub fn waiting(dir: &std::path::Path) {
    warn(&format!("waiting for another dbtls run on {}", path(dir)));
}

/// Prints `dbtls: error: ...` on stderr, always on one line.
pub fn error(message: &str) {
    eprint_line(&format!("dbtls: error: {}", one_line(message)));
}

/// Whether `error` is, at its root, a write to a closed pipe: the reader went away (`| head`),
/// which ends the program quietly with exit 0.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn one_line(message: &str) -> String {
    escape(&message.replace(['\r', '\n'], " "))
}
