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
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
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

/// Whether a character must not reach a terminal raw: C0, DEL and C1 controls (`Cc`), the
/// bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E/F, U+202A–202E,
/// U+2066–2069), zero-width and invisible format characters (U+200B–200D, U+2060–2064, U+FEFF)
/// and the Unicode line/paragraph separators (U+2028/2029), which some terminals and editors
/// treat as line breaks.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// The first thing in `bytes` that must not reach a terminal raw, described for a message
/// (`U+202E`, or `byte 0x9B` for a C1 byte outside valid UTF-8, which 8-bit terminals read as
/// a control); `None` if there is none. Bytes that are not UTF-8 but not C1 are not flagged.
pub fn first_unsafe(bytes: &[u8]) -> Option<String> {
    for chunk in bytes.utf8_chunks() {
        if let Some(c) = chunk.valid().chars().find(|c| is_unsafe(*c)) {
            return Some(format!("U+{:04X}", c as u32));
        }
        if let Some(b) = chunk.invalid().iter().find(|b| (0x80..=0x9F).contains(*b)) {
            return Some(format!("byte 0x{b:02X}"));
        }
    }
    None
}

/// JSON text with every [`is_unsafe`] character written as a `\uXXXX` escape (RFC 8259 §7).
/// serde_json escapes only C0 controls, `"` and `\`; DEL, C1 and bidi controls would reach the
/// terminal raw. Outside strings JSON text is ASCII punctuation, digits, literals and
/// whitespace, so every such character is inside a string and the result is valid JSON that
/// decodes to the same values.
pub fn escape_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        // Raw LF, CR and TAB in serde_json output are whitespace between tokens (inside strings
        // it writes them as escapes): keep them.
        if is_unsafe(c) && !matches!(c, '\n' | '\r' | '\t') {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
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

    #[test]
    fn flags_c1_bidi_and_c1_bytes_outside_utf8() {
        assert_eq!(
            escape("a\u{2067}b\u{61c}\u{2028}"),
            "a\\u{2067}b\\u{61c}\\u{2028}"
        );
        assert_eq!(first_unsafe("M\u{fc}ller \u{65e5}".as_bytes()), None);
        assert_eq!(
            first_unsafe("x\u{85}".as_bytes()).as_deref(),
            Some("U+0085")
        );
        assert_eq!(
            first_unsafe("x\u{202e}".as_bytes()).as_deref(),
            Some("U+202E")
        );
        assert_eq!(first_unsafe(b"\x1b[2J").as_deref(), Some("U+001B"));
        // T61 bytes: 0xE9 alone is not UTF-8 but prints as a replacement character; 0x9B is CSI.
        assert_eq!(first_unsafe(b"caf\xe9"), None);
        assert_eq!(first_unsafe(b"a\x9b2J").as_deref(), Some("byte 0x9B"));
    }

    #[test]
    fn json_escapes_decode_back_to_the_same_string() {
        let value = "a\u{7f}\u{85}\u{202e}b\n\u{fc}\u{1F600}";
        let json = escape_json(&serde_json::to_string(&value).unwrap());
        assert_eq!(json, "\"a\\u007f\\u0085\\u202eb\\n\u{fc}\u{1F600}\"");
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), value);
        // Pretty-printing whitespace outside strings is kept.
        assert_eq!(escape_json("[\n  1\n]"), "[\n  1\n]");
    }
}
