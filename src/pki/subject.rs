//! Subjects typed on the command line, in the OpenSSL/MySQL slash form.
//!
//! `/C=US/ST=Oregon/O=My Dom, Inc./CN=alice`: RDNs in the order given (the order MySQL's
//! `REQUIRE SUBJECT` compares), `+` joining attributes of one multi-valued RDN, and `\/`, `\+`,
//! `\\` escapes. String types follow `openssl req -utf8`.

use der::asn1::ObjectIdentifier;

use super::Error;
use super::name::{Attribute, DistinguishedName, StringKind};

/// Short names and their OIDs (OpenSSL's `obj_mac.h` short names).
const NAMES: &[(&str, &str)] = &[
    ("C", "2.5.4.6"),
    ("ST", "2.5.4.8"),
    ("L", "2.5.4.7"),
    ("O", "2.5.4.10"),
    ("OU", "2.5.4.11"),
    ("CN", "2.5.4.3"),
    ("emailAddress", "1.2.840.113549.1.9.1"),
    ("serialNumber", "2.5.4.5"),
    ("UID", "0.9.2342.19200300.100.1.1"),
    ("DC", "0.9.2342.19200300.100.1.25"),
    ("street", "2.5.4.9"),
    ("postalCode", "2.5.4.17"),
    ("title", "2.5.4.12"),
    ("GN", "2.5.4.42"),
    ("SN", "2.5.4.4"),
    ("initials", "2.5.4.43"),
    ("pseudonym", "2.5.4.65"),
    ("dnQualifier", "2.5.4.46"),
    ("generationQualifier", "2.5.4.44"),
    ("name", "2.5.4.41"),
    ("description", "2.5.4.13"),
    ("businessCategory", "2.5.4.15"),
];

/// Parses `/K=V/K=V+K=V`. A malformed subject is an error naming the bad part.
pub fn parse(text: &str) -> Result<DistinguishedName, Error> {
    let Some(body) = text.strip_prefix('/') else {
        return Err(Error::Name(format!(
            "subject '{text}' must start with '/', like /O=Example/CN=alice"
        )));
    };
    // Split on unescaped '/' and '+', keeping track of which separator came before each part.
    let mut rdns: Vec<Vec<Attribute>> = Vec::new();
    let mut cur = String::new();
    let mut joined = false;
    let mut chars = body.chars();
    let mut parts: Vec<(bool, String)> = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n @ ('/' | '+' | '\\')) => cur.push(n),
                _ => {
                    return Err(Error::Name(format!(
                        "subject '{text}': '\\' escapes only '/', '+' or '\\'"
                    )));
                }
            },
            '/' | '+' => {
                parts.push((joined, std::mem::take(&mut cur)));
                joined = c == '+';
            }
            _ => cur.push(c),
        }
    }
    parts.push((joined, cur));
    for (joined, part) in parts {
        let attr = attribute(text, &part)?;
        match rdns.last_mut() {
            Some(rdn) if joined => rdn.push(attr),
            _ => rdns.push(vec![attr]),
        }
    }
    DistinguishedName::new(rdns)
}

fn attribute(text: &str, part: &str) -> Result<Attribute, Error> {
    let Some((key, value)) = part.split_once('=') else {
        return Err(Error::Name(format!(
            "subject '{text}': '{part}' is not NAME=VALUE"
        )));
    };
    if value.is_empty() {
        return Err(Error::Name(format!(
            "subject '{text}': '{key}' has an empty value"
        )));
    }
    let oid = match NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(key)) {
        Some((_, oid)) => ObjectIdentifier::new(oid),
        None if key.starts_with(|c: char| c.is_ascii_digit()) => ObjectIdentifier::new(key),
        None => {
            return Err(Error::Name(format!(
                "subject '{text}': unknown attribute name '{key}'"
            )));
        }
    }
    .map_err(|_| Error::Name(format!("subject '{text}': '{key}' is not a valid OID")))?;
    if oid.to_string() == "2.5.4.6" && value.len() != 2 {
        // X.520 countryName is a two-letter ISO 3166 code (SIZE (2)); OpenSSL refuses others too.
        return Err(Error::Name(format!(
            "subject '{text}': C={value} must be a two-letter country code"
        )));
    }
    let kind = match oid.to_string().as_str() {
        "2.5.4.6" | "2.5.4.5" | "2.5.4.46" => StringKind::Printable,
        "1.2.840.113549.1.9.1" | "0.9.2342.19200300.100.1.25" => StringKind::Ia5,
        _ => StringKind::Utf8,
    };
    Ok(Attribute {
        oid,
        kind,
        value: value.to_string(),
    })
}
