//! Terminal output: escaping of untrusted text, warnings and errors.

/// Escapes text for a terminal: control characters (C0, DEL, C1) and Unicode bidi/format
/// controls become `\u{..}` escapes, so a certificate cannot move the cursor, clear the screen
/// or reorder what the user reads (CVE-2021-42574 "Trojan Source" class). Printable text,
/// including non-ASCII letters, is kept.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
        if c.is_control() || bidi {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints `dbtls: warning: ...` on stderr.
pub fn warn(message: &str) {
    eprintln!("dbtls: warning: {}", one_line(message));
}

/// Prints `dbtls: error: ...` on stderr, always on one line.
pub fn error(message: &str) {
    eprintln!("dbtls: error: {}", one_line(message));
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
