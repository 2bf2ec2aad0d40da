//! The strings MySQL, MariaDB and TiDB compare `REQUIRE SUBJECT` / `REQUIRE ISSUER` against,
//! computed from a DER `Name`, plus RFC 4514 text and SQL string literals.
//!
//! MySQL and MariaDB `strcmp` the stored string with `X509_NAME_oneline(name, NULL, 0)`
//! (`sql/auth/sql_authentication.cc`, `sql/sql_acl.cc` `acl_check_ssl`); the algorithm is
//! openssl `crypto/x509/x509_obj.c`, reproduced here for OpenSSL 3 and for OpenSSL ≤ 1.1.1,
//! whose output differs. TiDB computes its own string (pingcap/tidb `pkg/util/misc.go`
//! `X509NameOnline`).
//!
//! The SQL string literals that carry these strings into `ALTER USER` are in [`sql`].

mod sql;

pub use sql::{SqlMode, sql_literal};

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

/// Which server computes the string. The variant docs are `inspect --dialect`'s help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Dialect {
    /// MySQL/MariaDB linked against OpenSSL 3.x (X509_NAME_oneline escapes / and +).
    #[default]
    Openssl3,
    /// MySQL/MariaDB linked against OpenSSL 1.1.1 or older.
    Openssl1,
    /// TiDB (its own X509NameOnline).
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

#[cfg(test)]
mod tests;
