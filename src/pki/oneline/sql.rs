//! SQL string literals for the `ALTER USER ... REQUIRE SUBJECT/ISSUER` statements: a quoted
//! form the server reads back as exactly the bytes of a name, in either sql_mode.

/// How the session that runs the SQL reads backslashes in string literals (the default
/// sql_mode: `\` starts an escape sequence; `NO_BACKSLASH_ESCAPES`: `\` is an ordinary
/// character and `''` is the only escape). The variant docs are `inspect --sql-mode`'s help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SqlMode {
    /// Without NO_BACKSLASH_ESCAPES: quotes written '', backslashes doubled.
    #[default]
    Default,
    /// With NO_BACKSLASH_ESCAPES: quotes written '', backslashes as they are.
    NoBackslashEscapes,
}

impl SqlMode {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SqlMode::Default => "default",
            SqlMode::NoBackslashEscapes => "no-backslash-escapes",
        }
    }
}

/// The control characters a string literal can carry in the default mode, as escapes.
fn escapable(b: u8) -> bool {
    matches!(b, 0 | 8 | b'\t' | b'\n' | b'\r' | 0x1A)
}

/// A MySQL/MariaDB/TiDB string literal that the server reads back as exactly `bytes` in a
/// session with `mode` (MySQL Reference Manual and MariaDB Knowledge Base "String Literals"),
/// or why no literal can be both exact and safe to show on a terminal and to paste.
///
/// A quote is always written `''`: it is the one escape both modes share, so no value can end
/// the literal early whatever the session's mode (with `\'`, a session with
/// `NO_BACKSLASH_ESCAPES` ends the literal at the quote and runs the rest as SQL).
///
/// - [`SqlMode::Default`]: `\` is doubled; NUL, backspace, TAB, LF, CR and Ctrl-Z are written
///   `\0 \b \t \n \r \Z`, so the statement stays on one line and no control byte reaches the
///   terminal. Other control characters have no escape and are refused. Pasted into a
///   `NO_BACKSLASH_ESCAPES` session such a literal stores another string (each `\` counts), but
///   it still ends where it should.
/// - [`SqlMode::NoBackslashEscapes`]: backslashes are written as they are. No control character
///   has an escape, and a raw LF or CR would split the one-line statement (the server would
///   accept it, but terminals and line-based tools would not show one statement per line), so
///   every control character is refused. So is an odd run of backslashes before a quote or at
///   the end of the value: in a session without `NO_BACKSLASH_ESCAPES`, where the statement
///   might be pasted by mistake, the last backslash would escape the quote after it and the
///   rest of the line (text from the certificate) would run as SQL, or as a client command
///   such as `\!`.
///
/// In both modes C1 and bidi controls ([`crate::untrusted::is_unsafe`]) and C1 bytes outside valid
/// UTF-8 are refused: no string literal form keeps them from the terminal, and a hex literal is
/// not accepted where `REQUIRE SUBJECT`/`ISSUER` expect a quoted string (MariaDB
/// `sql/sql_yacc.yy` `require_list_element`: `SUBJECT_SYM TEXT_STRING`).
pub fn sql_literal(bytes: &[u8], mode: SqlMode) -> Result<Vec<u8>, String> {
    let default = mode == SqlMode::Default;
    // Controls without an escape in either mode first, then the escapable ones, which only the
    // default mode can write.
    let hard: Vec<u8> = bytes.iter().copied().filter(|b| !escapable(*b)).collect();
    let refused = |what: String, hint: &str| {
        format!(
            "contains the control character {what}, which an SQL string literal cannot carry \
             safely{hint}"
        )
    };
    if let Some(what) = crate::untrusted::first_unsafe(&hard) {
        return Err(refused(what, ""));
    }
    if !default && let Some(what) = crate::untrusted::first_unsafe(bytes) {
        return Err(refused(
            what,
            " in a session with NO_BACKSLASH_ESCAPES (--sql-mode default writes it as an escape)",
        ));
    }
    if !default {
        let mut run = 0usize;
        // The closing quote counts: a value ending in a backslash is as bad as `\'`.
        for &b in bytes.iter().chain(std::iter::once(&b'\'')) {
            if b == b'\\' {
                run += 1;
                continue;
            }
            if b == b'\'' && run % 2 == 1 {
                return Err(
                    "has a backslash before a quote or at its end: in a session without \
                     NO_BACKSLASH_ESCAPES the statement would run part of the value as SQL, so \
                     it is not printed for --sql-mode no-backslash-escapes (print it with \
                     --sql-mode default and run it in a session without NO_BACKSLASH_ESCAPES)"
                        .into(),
                );
            }
            run = 0;
        }
    }
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.push(b'\'');
    for &b in bytes {
        match (b, default) {
            (b'\'', _) => out.extend_from_slice(b"''"),
            (b'\\', true) => out.extend_from_slice(b"\\\\"),
            (0, true) => out.extend_from_slice(b"\\0"),
            (8, true) => out.extend_from_slice(b"\\b"),
            (b'\t', true) => out.extend_from_slice(b"\\t"),
            (b'\n', true) => out.extend_from_slice(b"\\n"),
            (b'\r', true) => out.extend_from_slice(b"\\r"),
            (0x1A, true) => out.extend_from_slice(b"\\Z"),
            (b, _) => out.push(b),
        }
    }
    out.push(b'\'');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a server reads from a literal written by `sql_literal`, in each mode (MySQL
    /// Reference Manual "String Literals": in the default mode `\` escapes the next character,
    /// `\0 \b \t \n \r \Z` are controls; `''` is a quote in both). `None` if the literal ends
    /// early: the rest of the statement would run as SQL.
    fn server_reads(literal: &[u8], mode: SqlMode) -> Option<Vec<u8>> {
        let inner = literal.strip_prefix(b"'")?;
        let mut out = Vec::new();
        let mut i = 0;
        while i < inner.len() {
            match inner[i] {
                b'\\' if mode == SqlMode::Default => {
                    out.push(match *inner.get(i + 1)? {
                        b'0' => 0,
                        b'b' => 8,
                        b't' => b'\t',
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b'Z' => 0x1A,
                        c => c,
                    });
                    i += 2;
                }
                b'\'' if inner.get(i + 1) == Some(&b'\'') => {
                    out.push(b'\'');
                    i += 2;
                }
                b'\'' => return (i + 1 == inner.len()).then_some(out),
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        None
    }

    const HOSTILE: &[&[u8]] = &[
        b"x'; DROP USER victim@localhost; -- ",
        br"/CN=a\/b\'c\\d",
        br"\\\",
        br"\\\\",
        b"O'Brien",
        b"''''",
        br"/CN=M\xC3\xBCller/O=\\x41",
        b"%",
        b"",
    ];

    #[test]
    fn sql_literals_double_quotes_and_backslashes_in_the_default_mode() {
        let lit = |b: &[u8]| sql_literal(b, SqlMode::Default).unwrap();
        assert_eq!(lit(br"/CN=a\/b"), br"'/CN=a\\/b'".to_vec());
        assert_eq!(lit(b"O'Brien"), b"'O''Brien'".to_vec());
        assert_eq!(lit(br"a\'b"), br"'a\\''b'".to_vec());
        assert_eq!(lit(b"%"), b"'%'".to_vec());
        assert_eq!(lit(b"a\0\x08\t\n\r\x1Az"), br"'a\0\b\t\n\r\Zz'".to_vec());
        for v in HOSTILE {
            let l = lit(v);
            assert_eq!(server_reads(&l, SqlMode::Default).as_deref(), Some(*v));
            // Pasted into a NO_BACKSLASH_ESCAPES session: another value, but never cut short.
            assert!(
                server_reads(&l, SqlMode::NoBackslashEscapes).is_some(),
                "{l:?}"
            );
        }
    }

    #[test]
    fn sql_literals_keep_backslashes_raw_with_no_backslash_escapes() {
        let nbe = SqlMode::NoBackslashEscapes;
        let lit = |b: &[u8]| sql_literal(b, nbe);
        assert_eq!(lit(br"/CN=a\/b").unwrap(), br"'/CN=a\/b'".to_vec());
        assert_eq!(lit(b"O'Brien").unwrap(), b"'O''Brien'".to_vec());
        assert_eq!(
            lit(b"x'; DROP USER victim@localhost; -- ").unwrap(),
            b"'x''; DROP USER victim@localhost; -- '".to_vec()
        );
        assert_eq!(lit(br"a\\'b").unwrap(), br"'a\\''b'".to_vec());
        let mut printed = 0;
        for v in HOSTILE {
            match lit(v) {
                Ok(l) => {
                    printed += 1;
                    assert_eq!(server_reads(&l, nbe).as_deref(), Some(*v));
                    // Pasted into a default-mode session: another value, but never cut short.
                    assert!(server_reads(&l, SqlMode::Default).is_some(), "{l:?}");
                }
                Err(e) => assert!(e.contains("backslash before a quote"), "{e}"),
            }
        }
        assert_eq!(printed, HOSTILE.len() - 2);
        // An odd run of backslashes before a quote or at the end would end the literal early in
        // a default-mode session.
        for v in [&br"a\'b"[..], br"x\", br"\\\'", br"a\\\"] {
            let e = lit(v).unwrap_err();
            assert!(e.contains("backslash before a quote or at its end"), "{e}");
        }
        let e = lit(b"a\nb").unwrap_err();
        assert!(
            e.contains("U+000A") && e.contains("--sql-mode default"),
            "{e}"
        );
    }

    #[test]
    fn sql_literals_refuse_terminal_controls() {
        for mode in [SqlMode::Default, SqlMode::NoBackslashEscapes] {
            for (v, what) in [
                (&b"a\x1b[2J"[..], "U+001B"),
                (b"\x7f", "U+007F"),
                ("x\u{85}".as_bytes(), "U+0085"),
                ("x\u{9b}2J".as_bytes(), "U+009B"),
                ("abc\u{202e}fed".as_bytes(), "U+202E"),
                ("\u{2066}x".as_bytes(), "U+2066"),
                (b"t61 \x9b2J", "byte 0x9B"),
                // An escapable LF does not hide a later ESC.
                (b"a\nb\x1b", "U+001B"),
            ] {
                let e = sql_literal(v, mode).unwrap_err();
                assert!(e.contains(what), "{mode:?} {v:?}: {e}");
                assert!(!e.contains("--sql-mode default"), "{e}");
            }
        }
        assert!(sql_literal("Müller 日本".as_bytes(), SqlMode::NoBackslashEscapes).is_ok());
        assert!(sql_literal(b"caf\xe9", SqlMode::Default).is_ok());
    }
}
