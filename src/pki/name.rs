//! Distinguished names as they are written into certificates.
//!
//! A [`DistinguishedName`] keeps the RDNs in exactly the order they were given (MySQL compares
//! `REQUIRE SUBJECT` against the DER order) and each value with the ASN.1 string type that
//! `openssl req -utf8` would choose. Members of a multi-valued RDN are sorted by their encoding
//! when written, as DER requires for SET OF (X.690 §11.6).

use der::Encode;
use der::asn1::ObjectIdentifier;

use super::{Error, NameError};

/// The ASN.1 string type of an attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringKind {
    /// UTF8String (tag 12): the default for DirectoryString attributes (RFC 5280 §4.1.2.6).
    Utf8,
    /// PrintableString (tag 19): countryName, serialNumber, dnQualifier (X.520).
    Printable,
    /// IA5String (tag 22): emailAddress (PKCS#9), domainComponent (RFC 4519).
    Ia5,
}

impl StringKind {
    /// The universal tag number of this string type.
    pub fn tag(self) -> u8 {
        match self {
            StringKind::Utf8 => 0x0C,
            StringKind::Printable => 0x13,
            StringKind::Ia5 => 0x16,
        }
    }
}

/// One attribute of a name: type, string kind and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute type (2.5.4.3 for CN, ...).
    pub oid: ObjectIdentifier,
    /// The string type the value is written with.
    pub kind: StringKind,
    /// The value as text.
    pub value: String,
}

/// An ordered sequence of RDNs, each holding one or more attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DistinguishedName {
    rdns: Vec<Vec<Attribute>>,
}

/// id-at-commonName (X.520).
pub const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// emailAddress (PKCS#9, RFC 2985).
pub const OID_EMAIL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

impl DistinguishedName {
    /// A name from RDNs in the order given; each inner list is one RDN.
    pub fn new(rdns: Vec<Vec<Attribute>>) -> Result<DistinguishedName, Error> {
        if rdns.iter().any(|rdn| rdn.is_empty()) {
            return Err(NameError::EmptyRdn.into());
        }
        for attr in rdns.iter().flatten() {
            check_value(attr)?;
        }
        Ok(DistinguishedName { rdns })
    }

    /// A name with a single UTF8String commonName, as MySQL's generated certificates have.
    pub fn common_name(cn: &str) -> Result<DistinguishedName, Error> {
        DistinguishedName::new(vec![vec![Attribute {
            oid: OID_CN,
            kind: StringKind::Utf8,
            value: cn.to_string(),
        }]])
    }

    /// The value of the last commonName (the most specific one, as TLS name checks use), if any.
    pub fn last_common_name(&self) -> Option<&str> {
        self.values_of(OID_CN).last()
    }

    /// The values of every attribute of type `oid`, in certificate order.
    pub fn values_of(&self, oid: ObjectIdentifier) -> impl Iterator<Item = &str> {
        self.rdns
            .iter()
            .flatten()
            .filter(move |a| a.oid == oid)
            .map(|a| a.value.as_str())
    }

    /// The RDNs in order.
    pub fn rdns(&self) -> &[Vec<Attribute>] {
        &self.rdns
    }

    /// Whether the name has no RDN at all.
    pub fn is_empty(&self) -> bool {
        self.rdns.is_empty()
    }

    /// The DER encoding of the `Name` (an RDNSequence).
    pub fn to_der(&self) -> Result<Vec<u8>, Error> {
        let mut seq = Vec::new();
        for rdn in &self.rdns {
            let mut members = Vec::with_capacity(rdn.len());
            for attr in rdn {
                let oid = attr
                    .oid
                    .to_der()
                    .map_err(|e| NameError::AttributeEncoding {
                        oid: attr.oid,
                        detail: e.to_string(),
                    })?;
                let value = tlv(attr.kind.tag(), attr.value.as_bytes());
                members.push(tlv(0x30, &[oid, value].concat()));
            }
            // DER SET OF: members sorted by their encodings (X.690 §11.6).
            members.sort();
            if members.windows(2).any(|w| w[0] == w[1]) {
                return Err(NameError::RepeatedAttribute.into());
            }
            seq.extend(tlv(0x31, &members.concat()));
        }
        Ok(tlv(0x30, &seq))
    }
}

/// Checks that a value fits its string type (X.680 §41: PrintableString and IA5String alphabets).
fn check_value(attr: &Attribute) -> Result<(), Error> {
    let ok = match attr.kind {
        StringKind::Utf8 => true,
        StringKind::Ia5 => attr.value.is_ascii(),
        StringKind::Printable => attr
            .value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)),
    };
    if !ok {
        return Err(NameError::Unwritable {
            value: attr.value.clone(),
            oid: attr.oid,
            kind: attr.kind,
        }
        .into());
    }
    if attr.value.is_empty() {
        return Err(NameError::EmptyValue { oid: attr.oid }.into());
    }
    check_text(&attr.oid.to_string(), &attr.value)
}

/// A character that has no place in a name or SAN: C0 and C1 controls and DEL (a terminal
/// escape in a subject reaches every `inspect` and every server log that prints it) and the
/// Unicode bidirectional formatting characters (text displayed in another order than the one
/// compared, Unicode TR #9; CVE-2021-42574's "Trojan Source").
pub fn unsafe_char(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        c.is_control()
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

/// Checks one attribute value (dotted `oid`): no [`unsafe_char`], within its upper bound.
pub fn check_text(oid: &str, value: &str) -> Result<(), Error> {
    if let Some(c) = unsafe_char(value) {
        return Err(NameError::UnsafeCharacter {
            value: value.to_string(),
            oid: oid.to_string(),
            code: u32::from(c),
        }
        .into());
    }
    if let Some((_, max)) = super::oids::size_limits(oid) {
        let actual = value.chars().count();
        if actual > max {
            return Err(NameError::ValueTooLong {
                oid: oid.to_string(),
                max,
                actual,
            }
            .into());
        }
    }
    Ok(())
}

/// Checks every attribute of a DER `Name` from elsewhere (a CSR) as [`DistinguishedName::new`]
/// checks ours: no control or bidi characters, no value over its RFC 5280 bound.
pub fn check_der(name_der: &[u8]) -> Result<(), Error> {
    for e in super::oneline::entries(name_der)? {
        if let Some(text) = super::oneline::decode_value(&e) {
            check_text(&e.oid, &text)?;
        }
    }
    Ok(())
}

/// A DER tag-length-value with a single-byte tag.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_name_encodes_as_utf8string() {
        let dn = DistinguishedName::common_name("abc").unwrap();
        assert_eq!(
            dn.to_der().unwrap(),
            [
                0x30, 0x0E, 0x31, 0x0C, 0x30, 0x0A, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x03, b'a',
                b'b', b'c'
            ]
        );
    }

    #[test]
    fn long_lengths_use_the_long_form() {
        assert_eq!(&tlv(4, &[0; 200])[..3], &[4, 0x81, 200]);
        assert_eq!(&tlv(4, &[0; 300])[..4], &[4, 0x82, 1, 44]);
    }

    #[test]
    fn printable_string_alphabet_is_enforced() {
        let attr = |v: &str| Attribute {
            oid: ObjectIdentifier::new_unwrap("2.5.4.6"),
            kind: StringKind::Printable,
            value: v.into(),
        };
        assert!(DistinguishedName::new(vec![vec![attr("US")]]).is_ok());
        assert!(DistinguishedName::new(vec![vec![attr("U_S")]]).is_err());
    }
}
