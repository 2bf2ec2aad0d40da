//! Untrusted text (from certificates, servers, files, paths): which characters must not reach a
//! terminal raw, and how they are escaped. Pure functions, used by the core (which keeps such
//! text in descriptions and error messages) and by [`crate::report`] (which prints it).

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
