//! Certificate signing requests (PKCS#10, RFC 2986): building ours, reading anyone's.
//!
//! A CSR carries a subject, a public key and, in an `extensionRequest` attribute (PKCS#9,
//! RFC 2985 §5.4.2), the SANs the requester wants. When dbtls signs a CSR only the subject and
//! SANs are taken from it: the profile decides every other extension.

use std::net::IpAddr;

use der::Encode;
use der::asn1::ObjectIdentifier;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use super::cert::{sign_structure, signature_algorithm};
use super::key::PrivateKey;
use super::name::tlv;
use super::profile::san_extension;
use super::san::San;
use super::{CertError, Error};

/// pkcs-9-at-extensionRequest (RFC 2985 §5.4.2).
const OID_EXTENSION_REQUEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");

/// A DER CSR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csr {
    der: Vec<u8>,
}

impl Csr {
    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// `-----BEGIN CERTIFICATE REQUEST-----` PEM (the label OpenSSL writes, RFC 7468 §7).
    pub fn to_pem(&self) -> String {
        pem::encode_config(
            &pem::Pem::new("CERTIFICATE REQUEST", self.der.clone()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }
}

/// Builds and signs a CSR for `subject_der` (a DER `Name`) and `sans` with `key`.
pub fn build(subject_der: &[u8], sans: &[San], key: &PrivateKey) -> Result<Csr, Error> {
    let enc = |part: &'static str, e: der::Error| CertError::CsrEncoding {
        part,
        detail: e.to_string(),
    };
    let attributes = if sans.is_empty() {
        Vec::new()
    } else {
        let ext = san_extension(sans)?
            .to_der()
            .map_err(|e| enc("SAN extension", e))?;
        let oid = OID_EXTENSION_REQUEST
            .to_der()
            .map_err(|e| enc("attribute", e))?;
        // Attribute { type, values SET OF Extensions }, Extensions = SEQUENCE OF Extension.
        tlv(0x30, &[oid, tlv(0x31, &tlv(0x30, &ext))].concat())
    };
    let info = tlv(
        0x30,
        &[
            &[0x02, 0x01, 0x00][..], // version v1(0)
            subject_der,
            &key.public_key_der(),
            &tlv(0xA0, &attributes), // [0] IMPLICIT SET OF Attribute
        ]
        .concat(),
    );
    let der = sign_structure(key, &info, &signature_algorithm(key)?)?;
    Ok(Csr { der })
}

/// What a verified CSR asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The subject, DER `Name`, byte for byte as in the CSR.
    pub subject_der: Vec<u8>,
    /// The DER SubjectPublicKeyInfo.
    pub public_key_der: Vec<u8>,
    /// The requested SANs of the kinds dbtls issues (DNS, IP, email, URI).
    pub sans: Vec<San>,
    /// What was ignored (other SAN kinds), one line each.
    pub ignored: Vec<String>,
}

/// Reads a CSR from PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER, checks its
/// self-signature (proof that the requester holds the key), and returns what it asks for.
pub fn parse(data: &[u8]) -> Result<Request, Error> {
    let der = match pem::parse(data) {
        Ok(p) if p.tag() == "CERTIFICATE REQUEST" || p.tag() == "NEW CERTIFICATE REQUEST" => {
            p.into_contents()
        }
        Ok(p) => {
            return Err(CertError::NotACsr {
                label: p.tag().to_string(),
            }
            .into());
        }
        Err(_) => data.to_vec(),
    };
    let (rest, csr) =
        X509CertificationRequest::from_der(&der).map_err(|e| CertError::MalformedCsr {
            detail: e.to_string(),
        })?;
    if !rest.is_empty() {
        return Err(CertError::TrailingCsrData.into());
    }
    csr.verify_signature()
        .map_err(|e| CertError::CsrSignature {
            detail: e.to_string(),
        })?;
    let info = &csr.certification_request_info;
    // A requester's subject is signed as it is: refuse what we would refuse in --subject.
    super::name::check_der(info.subject.as_raw())?;
    let mut sans = Vec::new();
    let mut ignored = Vec::new();
    for ext in csr.requested_extensions().into_iter().flatten() {
        let ParsedExtension::SubjectAlternativeName(alt) = ext else {
            continue;
        };
        for name in &alt.general_names {
            match name {
                GeneralName::DNSName(d) => sans.push(San::parse(&format!("dns:{d}"))?),
                GeneralName::RFC822Name(m) => sans.push(San::parse(&format!("email:{m}"))?),
                GeneralName::URI(u) => sans.push(San::parse(&format!("uri:{u}"))?),
                GeneralName::IPAddress(b) => match <[u8; 4]>::try_from(*b) {
                    Ok(v4) => sans.push(San::Ip(IpAddr::from(v4))),
                    Err(_) => match <[u8; 16]>::try_from(*b) {
                        Ok(v6) => sans.push(San::Ip(IpAddr::from(v6))),
                        Err(_) => ignored.push("an IP address SAN of odd length".to_string()),
                    },
                },
                other => ignored.push(format!("a SAN of another kind ({other:?})")),
            }
        }
    }
    Ok(Request {
        subject_der: info.subject.as_raw().to_vec(),
        public_key_der: info.subject_pki.raw.to_vec(),
        sans,
        ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::key::KeyType;
    use crate::pki::name::DistinguishedName;

    #[test]
    fn our_csr_verifies_and_round_trips() {
        for kind in [KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Ed25519] {
            let key = PrivateKey::generate(kind).unwrap();
            let subject = DistinguishedName::common_name("db1")
                .unwrap()
                .to_der()
                .unwrap();
            let sans = vec![
                San::Dns("db1.example".into()),
                San::Ip("10.0.0.1".parse().unwrap()),
            ];
            let csr = build(&subject, &sans, &key).unwrap();
            let req = parse(csr.to_pem().as_bytes()).unwrap();
            assert_eq!(req.subject_der, subject);
            assert_eq!(req.public_key_der, key.public_key_der());
            assert_eq!(req.sans, sans);
        }
    }

    #[test]
    fn a_csr_subject_with_a_terminal_escape_is_refused() {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        // Built by hand: our own name builder refuses the ESC already.
        let cn = crate::pki::name::tlv(0x0C, b"evil\x1b]0;pwned\x07");
        let oid = crate::pki::name::tlv(0x06, &[0x55, 0x04, 0x03]);
        let atv = crate::pki::name::tlv(0x30, &[oid, cn].concat());
        let subject = crate::pki::name::tlv(0x30, &crate::pki::name::tlv(0x31, &atv));
        let csr = build(&subject, &[], &key).unwrap();
        let err = parse(csr.der()).unwrap_err().to_string();
        assert!(err.contains("U+001B"), "{err}");
        // 65-character CN from a CSR: over ub-common-name.
        let long = crate::pki::name::tlv(0x0C, "x".repeat(65).as_bytes());
        let oid = crate::pki::name::tlv(0x06, &[0x55, 0x04, 0x03]);
        let atv = crate::pki::name::tlv(0x30, &[oid, long].concat());
        let subject = crate::pki::name::tlv(0x30, &crate::pki::name::tlv(0x31, &atv));
        let csr = build(&subject, &[], &key).unwrap();
        assert!(parse(csr.der()).unwrap_err().to_string().contains("64"));
    }

    #[test]
    fn a_tampered_csr_is_refused() {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let subject = DistinguishedName::common_name("abc")
            .unwrap()
            .to_der()
            .unwrap();
        let mut der = build(&subject, &[], &key).unwrap().der().to_vec();
        let pos = der.windows(3).position(|w| w == b"abc").unwrap();
        der[pos] = b'x';
        assert!(parse(&der).unwrap_err().to_string().contains("signature"));
    }
}
