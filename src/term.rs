//! Terminal output: escaping of untrusted text, warnings and errors, and the fallible writes to
//! stdout that every report goes through.
//!
//! `println!` panics when stdout is closed or full ("failed printing to stdout", exit 101), which
//! turned `dbtls config mysql | true` and `dbtls setup > /dev/full` into crashes after the work was
//! done. Reports are written with [`print`] instead: a closed pipe ends the program quietly (as
//! ripgrep and the coreutils do), and after files were committed any other write error is only a
//! warning ([`print_summary`]), since the run itself succeeded.

use std::io::{self, Write};

/// Escapes text for a terminal: control characters (C0, DEL, C1) and Unicode bidi/format
/// controls become `\u{..}` escapes, so a certificate cannot move the cursor, clear the screen
/// or reorder what the user reads (CVE-2021-42574 "Trojan Source" class). Printable text,
/// including non-ASCII letters, is kept.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_bidi(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `c` is a Unicode bidi or zero-width format control, which reorders or hides what
/// a reader sees without being a control character.
pub fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{FEFF}')
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_but_keeps_letters() {
        assert_eq!(escape("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape("M\u{fc}ller"), "M\u{fc}ller");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape("\u{9b}"), "\\u{9b}");
    }
}
