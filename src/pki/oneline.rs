//! The strings MySQL, MariaDB and TiDB compare `REQUIRE SUBJECT` / `REQUIRE ISSUER` against,
//! computed from a DER `Name`, plus RFC 4514 text and SQL string literals.
//!
//! MySQL and MariaDB `strcmp` the stored string with `X509_NAME_oneline(name, NULL, 0)`
//! (`sql/auth/sql_authentication.cc`, `sql/sql_acl.cc` `acl_check_ssl`); the algorithm is
//! openssl `crypto/x509/x509_obj.c`, reproduced here for OpenSSL 3 and for OpenSSL ≤ 1.1.1,
//! whose output differs. TiDB computes its own string (pingcap/tidb `pkg/util/misc.go`
//! `X509NameOnline`).

use super::Error;
use super::oids;

/// One attribute of a name, as OpenSSL holds it after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The attribute type, dotted.
    pub oid: String,
    /// The universal tag of the value (12 UTF8String, 19 PrintableString, 30 BMPString, ...).
    pub tag: u8,
    /// The bytes OpenSSL stores for the value: the content octets of a string, whatever its
    /// type; the whole encoding for a constructed value (`asn1_d2i_ex_primitive`).
    pub value: Vec<u8>,
    /// The whole DER encoding of the value (for RFC 4514 `#hex`).
    pub encoded: Vec<u8>,
    /// Index of the RDN this entry belongs to (entries of one RDN share it).
    pub rdn: usize,
}

/// Which server computes the string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// MySQL/MariaDB linked against OpenSSL 3.x.
    #[default]
    Openssl3,
    /// MySQL/MariaDB linked against OpenSSL 1.1.1 or older.
    Openssl1,
    /// TiDB.
    Tidb,
}

impl Dialect {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Openssl3 => "openssl3",
            Dialect::Openssl1 => "openssl1",
            Dialect::Tidb => "tidb",
        }
    }
}

/// A rendered REQUIRE string with the warnings that apply to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The exact bytes the server compares (ASCII for the OpenSSL dialects; TiDB may give
    /// UTF-8 or raw T61 bytes).
    pub bytes: Vec<u8>,
    /// Why the string is fragile or lossy, in words.
    pub warnings: Vec<String>,
}

impl Rendered {
    /// The bytes as text (lossy only for TiDB strings holding raw non-UTF-8 bytes).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Reads the entries of a DER `Name` (RFC 5280 §4.1.2.4), in stored order.
pub fn entries(name_der: &[u8]) -> Result<Vec<Entry>, Error> {
    let bad = |why: &'static str| Error::from(super::CertError::MalformedName { why });
    let (tag, seq, rest) = tlv(name_der).ok_or_else(|| bad("not a DER SEQUENCE"))?;
    if tag != 0x30 || !rest.is_empty() {
        return Err(bad("not a DER SEQUENCE"));
    }
    let mut out = Vec::new();
    let mut sets = seq;
    let mut rdn = 0;
    while !sets.is_empty() {
        let (tag, mut set, rest) = tlv(sets).ok_or_else(|| bad("truncated RDN"))?;
        if tag != 0x31 || set.is_empty() {
            return Err(bad("an RDN is not a non-empty SET"));
        }
        sets = rest;
        while !set.is_empty() {
            let (tag, atv, rest) = tlv(set).ok_or_else(|| bad("truncated attribute"))?;
            if tag != 0x30 {
                return Err(bad("an attribute is not a SEQUENCE"));
            }
            set = rest;
            let (tag, oid, value_tlv) = tlv(atv).ok_or_else(|| bad("truncated attribute type"))?;
            if tag != 0x06 {
                return Err(bad("an attribute type is not an OID"));
            }
            let (vtag, content, trailing) =
                tlv(value_tlv).ok_or_else(|| bad("truncated attribute value"))?;
            if !trailing.is_empty() {
                return Err(bad("data after an attribute value"));
            }
            let encoded = value_tlv.to_vec();
            let value = match vtag {
                // SEQUENCE: OpenSSL keeps the whole encoding.
                0x30 => encoded.clone(),
                t if t & 0xE0 == 0 && t & 0x1F != 0x1F => content.to_vec(),
                _ => return Err(bad("an attribute value is not a string")),
            };
            out.push(Entry {
                oid: oid_text(oid).ok_or_else(|| bad("malformed OID"))?,
                tag: vtag & 0x1F,
                value,
                encoded,
                rdn,
            });
        }
        rdn += 1;
    }
    Ok(out)
}

/// Splits one DER TLV off `data`: (tag byte, content, rest). Definite lengths only.
fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// Dotted text of OID content octets, with arcs of any size (OpenSSL uses a BIGNUM too).
pub fn oid_text(content: &[u8]) -> Option<String> {
    if content.is_empty() || content.last().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let mut arcs: Vec<Vec<u8>> = Vec::new(); // decimal digits, most significant first
    let mut current: Vec<u8> = vec![0];
    for &b in content {
        // current = current * 128 + (b & 0x7F), in decimal digits
        let mut carry = u32::from(b & 0x7F);
        for d in current.iter_mut().rev() {
            let v = u32::from(*d) * 128 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            current.insert(0, (carry % 10) as u8);
            carry /= 10;
        }
        if b & 0x80 == 0 {
            arcs.push(std::mem::replace(&mut current, vec![0]));
        }
    }
    let digits = |d: &[u8]| d.iter().map(|x| char::from(b'0' + x)).collect::<String>();
    let first = digits(&arcs[0]);
    // X.690 §8.19.4: the first subidentifier is 40 * arc1 + arc2, arc1 in 0..=2.
    let (a, b) = match first.parse::<u64>() {
        Ok(v) if v < 40 => ("0".to_string(), v.to_string()),
        Ok(v) if v < 80 => ("1".to_string(), (v - 40).to_string()),
        Ok(v) => ("2".to_string(), (v - 80).to_string()),
        Err(_) => ("2".to_string(), subtract_80(&arcs[0])),
    };
    let mut text = format!("{a}.{b}");
    for arc in &arcs[1..] {
        text.push('.');
        text.push_str(&digits(arc));
    }
    Some(text)
}

fn subtract_80(digits: &[u8]) -> String {
    let mut d = digits.to_vec();
    let mut borrow = 80u32;
    for x in d.iter_mut().rev() {
        let sub = borrow % 10;
        borrow /= 10;
        if u32::from(*x) >= sub {
            *x -= sub as u8;
        } else {
            *x = (u32::from(*x) + 10 - sub) as u8;
            borrow += 1;
        }
    }
    let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
    s.trim_start_matches('0').to_string()
}

/// OpenSSL's label for an entry: its short name, or the dotted OID cut to 79 characters
/// (`i2t_ASN1_OBJECT` into an 80-byte buffer in `X509_NAME_oneline`).
fn openssl_label(oid: &str) -> &str {
    match oids::by_oid(oid) {
        Some(t) => t.short_name,
        None => &oid[..oid.len().min(79)],
    }
}

/// The bytes `X509_NAME_oneline` prints for a value (before escaping): every byte, except
/// OpenSSL's GeneralString hack (a GeneralString whose length is a multiple of 4 and whose
/// non-zero bytes all sit at every 4th position prints only those bytes).
fn printed_bytes(e: &Entry) -> Vec<u8> {
    const GENERAL_STRING: u8 = 27;
    if e.tag == GENERAL_STRING && e.value.len().is_multiple_of(4) {
        let nonzero_in = |k: usize| {
            e.value
                .iter()
                .enumerate()
                .any(|(j, b)| j % 4 == k && *b != 0)
        };
        if !(nonzero_in(0) || nonzero_in(1) || nonzero_in(2)) {
            return e.value.iter().skip(3).step_by(4).copied().collect();
        }
    }
    e.value.clone()
}

/// `X509_NAME_oneline` of OpenSSL 3.x: `/` before an entry that starts an RDN, `+` before
/// the other members of a multi-valued RDN; `\xHH` (uppercase) for bytes outside 0x20..=0x7E,
/// `\/` and `\+`; everything else, backslash included, as itself. An empty name gives "".
pub fn openssl3(entries: &[Entry]) -> String {
    oneline(entries, true)
}

/// `X509_NAME_oneline` of OpenSSL ≤ 1.1.1: `/` before every entry and no escaping of `/`
/// and `+` (the `\xHH` escapes are the same).
pub fn openssl1(entries: &[Entry]) -> String {
    oneline(entries, false)
}

fn oneline(entries: &[Entry], v3: bool) -> String {
    let mut out = String::new();
    let mut prev_rdn = None;
    for e in entries {
        out.push(if v3 && prev_rdn == Some(e.rdn) {
            '+'
        } else {
            '/'
        });
        prev_rdn = Some(e.rdn);
        out.push_str(openssl_label(&e.oid));
        out.push('=');
        for b in printed_bytes(e) {
            match b {
                b if !(0x20..=0x7E).contains(&b) => out.push_str(&format!("\\x{b:02X}")),
                b'/' | b'+' if v3 => {
                    out.push('\\');
                    out.push(char::from(b));
                }
                b => out.push(char::from(b)),
            }
        }
    }
    out
}

/// The attributes TiDB prints, with its labels (pingcap/tidb `X509NameOnline`).
const TIDB_NAMES: [(&str, &str); 10] = [
    ("2.5.4.6", "C"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.3", "CN"),
    ("2.5.4.5", "SERIALNUMBER"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.17", "POSTALCODE"),
    ("1.2.840.113549.1.9.1", "emailAddress"),
];

/// TiDB's string: the ten attributes it knows, `/`-joined, values as Go's crypto/x509
/// decodes them (BMPString to UTF-8, T61String as raw bytes), no escaping, no `+`.
pub fn tidb(entries: &[Entry]) -> Rendered {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut warnings = Vec::new();
    for e in entries {
        let Some((_, label)) = TIDB_NAMES.iter().find(|(oid, _)| *oid == e.oid) else {
            warnings.push(format!(
                "TiDB ignores the {} attribute: it is not part of TiDB's string",
                openssl_label(&e.oid)
            ));
            continue;
        };
        let value = match e.tag {
            30 => match decode_bmp(&e.value) {
                Some(s) => s.into_bytes(),
                None => {
                    warnings.push(format!("{label} is a malformed BMPString"));
                    e.value.clone()
                }
            },
            12 | 18 | 19 | 20 | 22 => e.value.clone(),
            _ => {
                warnings.push(format!(
                    "{label} has a string type TiDB (Go crypto/x509) does not read"
                ));
                e.value.clone()
            }
        };
        if value.contains(&b'/') || value.contains(&b'=') {
            warnings.push(format!(
                "{label} contains '/' or '=': TiDB cannot check such a value in REQUIRE SUBJECT/ISSUER"
            ));
        }
        let mut part = format!("{label}=").into_bytes();
        part.extend(value);
        parts.push(part);
    }
    let bytes = if parts.is_empty() {
        Vec::new()
    } else {
        let mut b = vec![b'/'];
        b.extend(parts.join(&b'/'));
        b
    };
    Rendered { bytes, warnings }
}

/// The string a dialect gives, with its warnings (fragility for the OpenSSL dialects,
/// dropped or unusable attributes for TiDB).
pub fn render(entries: &[Entry], dialect: Dialect) -> Rendered {
    match dialect {
        Dialect::Tidb => tidb(entries),
        Dialect::Openssl3 | Dialect::Openssl1 => {
            let v3 = openssl3(entries);
            let v1 = openssl1(entries);
            let mut warnings = Vec::new();
            if v3 != v1 {
                let (this, other) = if dialect == Dialect::Openssl3 {
                    ("3", &v1)
                } else {
                    ("1.1.1", &v3)
                };
                warnings.push(format!(
                    "servers linked against OpenSSL {} compute a different string: {other}",
                    if this == "3" { "1.1.1 or older" } else { "3" }
                ));
            }
            if entries.iter().any(|e| e.value.contains(&b'\\')) {
                warnings.push(
                    "a value contains a backslash, which OpenSSL does not escape: it cannot be told from a \\x escape"
                        .into(),
                );
            }
            if entries
                .iter()
                .any(|e| e.value.iter().any(|b| !(0x20..=0x7E).contains(b)))
            {
                warnings.push(
                    "a value has non-ASCII or control bytes, printed as \\xHH escapes".into(),
                );
            }
            let text = if dialect == Dialect::Openssl3 { v3 } else { v1 };
            Rendered {
                bytes: text.into_bytes(),
                warnings,
            }
        }
    }
}

fn decode_bmp(bytes: &[u8]) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// A value as text: UTF-8 and ASCII types as they are, T61String as Latin-1 (how OpenSSL
/// converts it), BMPString as UTF-16, UniversalString as UCS-4. `None` if it does not decode.
pub fn decode_value(e: &Entry) -> Option<String> {
    match e.tag {
        12 | 18 | 19 | 22 | 26 => String::from_utf8(e.value.clone()).ok(),
        20 => Some(e.value.iter().map(|b| char::from(*b)).collect()),
        30 => decode_bmp(&e.value),
        28 if e.value.len().is_multiple_of(4) => e
            .value
            .chunks(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        _ => None,
    }
}

/// RFC 4514 text: RDNs in reverse order joined by `,`, members by `+`; OpenSSL short names as
/// types (as `openssl -nameopt RFC2253`); dotted types and undecodable values as `#hex` of the
/// BER encoding (§2.4); `"+,;<>\`, a leading `#` or space, a trailing space and NUL escaped.
pub fn rfc4514(entries: &[Entry]) -> String {
    let mut rdns: Vec<Vec<String>> = Vec::new();
    let mut prev_rdn = None;
    for e in entries {
        let known = oids::by_oid(&e.oid);
        let value = match (known, decode_value(e)) {
            (Some(_), Some(text)) => escape_4514(&text),
            _ => format!(
                "#{}",
                e.encoded
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            ),
        };
        let label = known.map_or(e.oid.as_str(), |t| t.short_name);
        let item = format!("{label}={value}");
        match rdns.last_mut() {
            Some(rdn) if prev_rdn == Some(e.rdn) => rdn.push(item),
            _ => rdns.push(vec![item]),
        }
        prev_rdn = Some(e.rdn);
    }
    rdns.iter()
        .rev()
        .map(|r| r.join("+"))
        .collect::<Vec<_>>()
        .join(",")
}

fn escape_4514(text: &str) -> String {
    let mut out = String::new();
    let last = text.chars().count().saturating_sub(1);
    for (i, c) in text.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' | ' ' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            ' ' if i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

/// How the session that runs the SQL reads backslashes in string literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqlMode {
    /// The default sql_mode (no `NO_BACKSLASH_ESCAPES`): `\` starts an escape sequence.
    #[default]
    Default,
    /// `NO_BACKSLASH_ESCAPES`: `\` is an ordinary character and `''` is the only escape.
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
/// In both modes C1 and bidi controls ([`crate::term::is_unsafe`]) and C1 bytes outside valid
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
    if let Some(what) = crate::term::first_unsafe(&hard) {
        return Err(refused(what, ""));
    }
    if !default && let Some(what) = crate::term::first_unsafe(bytes) {
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
    use crate::pki::subject;

    fn ents(subject_text: &str) -> Vec<Entry> {
        entries(&subject::parse(subject_text).unwrap().to_der().unwrap()).unwrap()
    }

    #[test]
    fn openssl3_escapes_separators_and_sorts_rdn_members() {
        let e = ents(r"/C=US/O=My Dom, Inc.\/x\+y/UID=jdoe+CN=John Doe");
        assert_eq!(
            openssl3(&e),
            r"/C=US/O=My Dom, Inc.\/x\+y/CN=John Doe+UID=jdoe"
        );
        assert_eq!(
            openssl1(&e),
            "/C=US/O=My Dom, Inc./x+y/CN=John Doe/UID=jdoe"
        );
    }

    #[test]
    fn non_ascii_bytes_are_uppercase_hex_and_backslash_is_kept() {
        let e = ents(r"/CN=Müller\\x");
        assert_eq!(openssl3(&e), r"/CN=M\xC3\xBCller\x");
        let r = render(&e, Dialect::Openssl3);
        assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    }

    #[test]
    fn bmp_and_unknown_oids() {
        // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, BMPString "ab" } } }
        let der = [
            0x30, 0x0F, 0x31, 0x0D, 0x30, 0x0B, 0x06, 0x03, 0x55, 0x04, 0x03, 0x1E, 0x04, 0, b'a',
            0, b'b',
        ];
        let e = entries(&der).unwrap();
        assert_eq!(openssl3(&e), r"/CN=\x00a\x00b");
        assert_eq!(tidb(&e).bytes, b"/CN=ab");
        assert_eq!(rfc4514(&e), "CN=ab");
        let e = ents("/1.2.3.4=v");
        assert_eq!(openssl3(&e), "/1.2.3.4=v");
        assert_eq!(rfc4514(&e), "1.2.3.4=#0c0176");
    }

    #[test]
    fn long_oids_are_cut_to_79_characters() {
        let long = format!("1.2.{}", ["123456789"; 12].join("."));
        // 1.2 = 0x2A, 123456789 = 0xBA 0xEF 0x9A 0x15 in base 128.
        let mut oid = vec![0x2A];
        for _ in 0..12 {
            oid.extend([0xBA, 0xEF, 0x9A, 0x15]);
        }
        let atv = crate::pki::name::tlv(
            0x30,
            &[crate::pki::name::tlv(6, &oid), vec![0x0C, 1, b'v']].concat(),
        );
        let e = entries(&crate::pki::name::tlv(
            0x30,
            &crate::pki::name::tlv(0x31, &atv),
        ))
        .unwrap();
        assert_eq!(e[0].oid, long);
        assert_eq!(openssl3(&e), format!("/{}=v", &long[..79]));
        assert_eq!(oid_text(&[0x88, 0x37, 0x03]).as_deref(), Some("2.999.3"));
        assert_eq!(
            oid_text(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D]).as_deref(),
            Some("1.2.840.113549")
        );
        let big = oid_text(&[
            0x2A, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
        ])
        .unwrap();
        assert_eq!(big, "1.2.18446744073709551616"); // 2 * 128^9 = 2^64
    }

    #[test]
    fn tidb_keeps_ten_attributes_and_warns() {
        let e = ents("/DC=org/O=a/CN=x+UID=u/emailAddress=e@x");
        let r = tidb(&e);
        assert_eq!(r.text(), "/O=a/CN=x/emailAddress=e@x");
        assert!(r.warnings.iter().any(|w| w.contains("DC")));
        assert!(r.warnings.iter().any(|w| w.contains("UID")));
        let r = tidb(&ents(r"/CN=a\/b"));
        assert_eq!(r.text(), "/CN=a/b");
        assert!(r.warnings.iter().any(|w| w.contains("'/' or '='")));
        assert!(tidb(&[]).bytes.is_empty());
    }

    #[test]
    fn rfc4514_reverses_and_escapes() {
        let e = ents("/C=US/O=a,b+CN= x #/CN=y");
        // DER sorts the shorter encoding (O=a,b) first inside the RDN.
        assert_eq!(rfc4514(&e), r"CN=y,O=a\,b+CN=\ x #,C=US");
    }

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

    #[test]
    fn empty_name_is_empty_and_garbage_is_an_error() {
        assert_eq!(openssl3(&entries(&[0x30, 0x00]).unwrap()), "");
        assert!(entries(&[0x30, 0x05, 0x31]).is_err());
        assert!(entries(&[0x31, 0x00]).is_err());
    }
}
