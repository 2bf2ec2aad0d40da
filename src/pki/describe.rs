//! What a certificate, CSR or private key says about itself, as plain data: names in the
//! server's `REQUIRE` dialect and in RFC 4514, validity, subjectAltNames, key, extensions and
//! fingerprint.
//!
//! `inspect` reports these descriptions, and `verify` and `doctor` build on them (issue 10), so
//! this module only describes: it formats nothing for a terminal, reads no file and never
//! judges a certificate valid. Values taken from the certificate are kept as they are (not
//! escaped): escaping belongs to whoever prints them.

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::key::{KeyInfo, PrivateKey};
use super::oneline::{self, Dialect, Rendered};
use super::{CertError, Error};

/// One subjectAltName entry, typed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SanEntry {
    /// `DNS`, `IP`, `email`, `URI`, `DirName`, `RID` or `other`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value as text.
    pub value: String,
}

/// What a certificate holds.
#[derive(Debug)]
pub struct CertInfo {
    /// Subject in the chosen dialect, with its warnings.
    pub subject: Rendered,
    /// Issuer in the chosen dialect, with its warnings.
    pub issuer: Rendered,
    /// Subject, RFC 4514.
    pub subject_rfc4514: String,
    /// Issuer, RFC 4514.
    pub issuer_rfc4514: String,
    /// Serial number, uppercase hex.
    pub serial: String,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// The public key.
    pub key: KeyInfo,
    /// The signature algorithm's name (dotted if unknown).
    pub signature_algorithm: String,
    /// subjectAltName entries.
    pub san: Vec<SanEntry>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// basicConstraints pathLenConstraint.
    pub path_len: Option<u32>,
    /// keyUsage bits, RFC 5280 names.
    pub key_usage: Vec<String>,
    /// extKeyUsage purposes (dotted when unnamed).
    pub ext_key_usage: Vec<String>,
    /// subjectKeyIdentifier, colon hex.
    pub skid: Option<String>,
    /// authorityKeyIdentifier keyIdentifier, colon hex.
    pub akid: Option<String>,
    /// SHA-256 of the DER, colon hex.
    pub sha256_fingerprint: String,
    /// The DER SubjectPublicKeyInfo (to link keys to certificates).
    pub spki: Vec<u8>,
}

/// What a PKCS#10 certificate signing request holds.
#[derive(Debug)]
pub struct CsrInfo {
    /// Subject in the chosen dialect.
    pub subject: Rendered,
    /// Subject, RFC 4514.
    pub subject_rfc4514: String,
    /// The public key.
    pub key: KeyInfo,
    /// Requested subjectAltName entries.
    pub san: Vec<SanEntry>,
}

/// One entry of a CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial, uppercase hex.
    pub serial: String,
    /// revocationDate.
    pub date: OffsetDateTime,
    /// The reasonCode's RFC 5280 name, when the entry has one.
    pub reason: Option<String>,
}

/// What a certificate revocation list holds.
#[derive(Debug)]
pub struct CrlInfo {
    /// Issuer in the chosen dialect.
    pub issuer: Rendered,
    /// Issuer, RFC 4514.
    pub issuer_rfc4514: String,
    /// cRLNumber, decimal.
    pub number: Option<String>,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate.
    pub next_update: Option<OffsetDateTime>,
    /// authorityKeyIdentifier keyIdentifier, colon hex.
    pub akid: Option<String>,
    /// The signature algorithm's name.
    pub signature_algorithm: String,
    /// The revoked certificates.
    pub revoked: Vec<RevokedEntry>,
}

impl CrlInfo {
    /// Describes a DER CRL, its issuer rendered for `dialect`.
    pub fn from_der(der: &[u8], dialect: Dialect) -> Result<CrlInfo, Error> {
        use x509_parser::revocation_list::CertificateRevocationList;
        let bad = |what: &'static str, detail: String| -> Error {
            CertError::Unreadable { what, detail }.into()
        };
        let (_, crl) = CertificateRevocationList::from_der(der)
            .map_err(|e| bad("malformed CRL", e.to_string()))?;
        let time = |t: &x509_parser::time::ASN1Time| {
            OffsetDateTime::from_unix_timestamp(t.timestamp())
                .map_err(|e| bad("time out of range", e.to_string()))
        };
        let (issuer, issuer_rfc4514) = names(crl.issuer().as_raw(), dialect)?;
        let akid = crl
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    a.key_identifier.as_ref().map(|id| hex(id.0, ":"))
                }
                _ => None,
            });
        let mut revoked = Vec::new();
        for r in crl.iter_revoked_certificates() {
            revoked.push(RevokedEntry {
                serial: hex(r.raw_serial(), ""),
                date: time(&r.revocation_date)?,
                reason: r
                    .reason_code()
                    .map(|(_, code)| super::crl::reason_name(code.0).to_string()),
            });
        }
        let sig_oid = &crl.signature_algorithm.algorithm;
        Ok(CrlInfo {
            issuer,
            issuer_rfc4514,
            number: crl.crl_number().map(ToString::to_string),
            this_update: time(&crl.last_update())?,
            next_update: crl.next_update().as_ref().map(time).transpose()?,
            akid,
            signature_algorithm: x509_parser::objects::oid2sn(
                sig_oid,
                x509_parser::objects::oid_registry(),
            )
            .map(str::to_string)
            .unwrap_or_else(|_| sig_oid.to_id_string()),
            revoked,
        })
    }

    /// Whether the CRL is past its nextUpdate at `now` (OpenSSL then refuses every
    /// certificate it covers, error 12).
    pub fn stale(&self, now: OffsetDateTime) -> bool {
        self.next_update.is_some_and(|n| n <= now)
    }
}

/// What can be said about a private key: more once it is decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyItem {
    /// Type and size, when known (an encrypted PKCS#8 key hides them without its password).
    pub info: Option<KeyInfo>,
    /// Whether the key is stored encrypted.
    pub encrypted: bool,
    /// The key's SubjectPublicKeyInfo, when it could be decoded.
    pub spki: Option<Vec<u8>>,
    /// Why a store's key entry was not decrypted, in words (its chain is known all the same).
    pub locked: Option<&'static str>,
}

impl KeyItem {
    /// A decoded (or decrypted) key.
    pub fn decoded(key: &PrivateKey, encrypted: bool) -> KeyItem {
        KeyItem {
            info: Some(key.info()),
            encrypted,
            spki: Some(key.public_key_der()),
            locked: None,
        }
    }

    /// An encrypted key read without its password. A legacy PEM label (`RSA PRIVATE KEY`,
    /// `EC PRIVATE KEY`) still names the type, as `kind_hint`; the size stays unknown (0).
    pub fn hidden(kind_hint: Option<&'static str>) -> KeyItem {
        KeyItem {
            info: kind_hint.map(|kind| KeyInfo {
                kind,
                bits: 0,
                curve: None,
            }),
            encrypted: true,
            spki: None,
            locked: None,
        }
    }

    /// A store's key entry that was listed but not decrypted, and why.
    pub fn locked(reason: &'static str) -> KeyItem {
        KeyItem {
            info: None,
            encrypted: true,
            spki: None,
            locked: Some(reason),
        }
    }
}

impl CertInfo {
    /// Describes a DER certificate, its names rendered for `dialect`.
    pub fn from_der(der: &[u8], dialect: Dialect) -> Result<CertInfo, Error> {
        let bad = |what: &'static str, detail: String| -> Error {
            CertError::Unreadable { what, detail }.into()
        };
        let (_, cert) = X509Certificate::from_der(der)
            .map_err(|e| bad("malformed certificate", e.to_string()))?;
        let (subject, subject_rfc4514) = names(cert.subject().as_raw(), dialect)?;
        let (issuer, issuer_rfc4514) = names(cert.issuer().as_raw(), dialect)?;
        let time = |t: &x509_parser::time::ASN1Time| {
            OffsetDateTime::from_unix_timestamp(t.timestamp())
                .map_err(|e| bad("time out of range", e.to_string()))
        };
        let bc = cert
            .basic_constraints()
            .map_err(|e| bad("malformed basicConstraints", e.to_string()))?;
        let key_usage = match cert
            .key_usage()
            .map_err(|e| bad("malformed keyUsage", e.to_string()))?
        {
            Some(ku) => {
                let k = ku.value;
                named_flags(&[
                    (k.digital_signature(), "digitalSignature"),
                    (k.non_repudiation(), "nonRepudiation"),
                    (k.key_encipherment(), "keyEncipherment"),
                    (k.data_encipherment(), "dataEncipherment"),
                    (k.key_agreement(), "keyAgreement"),
                    (k.key_cert_sign(), "keyCertSign"),
                    (k.crl_sign(), "cRLSign"),
                    (k.encipher_only(), "encipherOnly"),
                    (k.decipher_only(), "decipherOnly"),
                ])
            }
            None => Vec::new(),
        };
        let ext_key_usage = match cert
            .extended_key_usage()
            .map_err(|e| bad("malformed extKeyUsage", e.to_string()))?
        {
            Some(eku) => {
                let e = eku.value;
                let mut v = named_flags(&[
                    (e.server_auth, "serverAuth"),
                    (e.client_auth, "clientAuth"),
                    (e.code_signing, "codeSigning"),
                    (e.email_protection, "emailProtection"),
                    (e.time_stamping, "timeStamping"),
                    (e.ocsp_signing, "OCSPSigning"),
                    (e.any, "anyExtendedKeyUsage"),
                ]);
                v.extend(e.other.iter().map(|o| o.to_id_string()));
                v
            }
            None => Vec::new(),
        };
        let san = match cert
            .subject_alternative_name()
            .map_err(|e| bad("malformed subjectAltName", e.to_string()))?
        {
            Some(s) => s.value.general_names.iter().map(san_entry).collect(),
            None => Vec::new(),
        };
        let mut skid = None;
        let mut akid = None;
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => skid = Some(hex(id.0, ":")),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    akid = a.key_identifier.as_ref().map(|id| hex(id.0, ":"))
                }
                _ => {}
            }
        }
        let sig_oid = &cert.signature_algorithm.algorithm;
        let signature_algorithm =
            x509_parser::objects::oid2sn(sig_oid, x509_parser::objects::oid_registry())
                .map(str::to_string)
                .unwrap_or_else(|_| sig_oid.to_id_string());
        Ok(CertInfo {
            subject,
            issuer,
            subject_rfc4514,
            issuer_rfc4514,
            serial: hex(cert.raw_serial(), ""),
            not_before: time(&cert.validity().not_before)?,
            not_after: time(&cert.validity().not_after)?,
            key: KeyInfo::from_spki(cert.public_key()),
            signature_algorithm,
            san,
            is_ca: bc.as_ref().is_some_and(|b| b.value.ca),
            path_len: bc.and_then(|b| b.value.path_len_constraint),
            key_usage,
            ext_key_usage,
            skid,
            akid,
            sha256_fingerprint: hex(&Sha256::digest(der), ":"),
            spki: cert.public_key().raw.to_vec(),
        })
    }
}

impl CsrInfo {
    /// Describes a DER PKCS#10 request, its subject rendered for `dialect`.
    pub fn from_der(der: &[u8], dialect: Dialect) -> Result<CsrInfo, Error> {
        let (_, csr) =
            X509CertificationRequest::from_der(der).map_err(|e| CertError::MalformedCsr {
                detail: e.to_string(),
            })?;
        let info = &csr.certification_request_info;
        let (subject, subject_rfc4514) = names(info.subject.as_raw(), dialect)?;
        let mut san = Vec::new();
        if let Some(exts) = csr.requested_extensions() {
            for ext in exts {
                if let ParsedExtension::SubjectAlternativeName(s) = ext {
                    san.extend(s.general_names.iter().map(san_entry));
                }
            }
        }
        Ok(CsrInfo {
            subject,
            subject_rfc4514,
            key: KeyInfo::from_spki(&info.subject_pki),
            san,
        })
    }
}

/// The names of the flags that are set, in the given order.
fn named_flags(flags: &[(bool, &str)]) -> Vec<String> {
    flags
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, n)| n.to_string())
        .collect()
}

fn hex(bytes: &[u8], sep: &str) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(sep)
}

/// A DER `Name` in the dialect and in RFC 4514.
fn names(der: &[u8], dialect: Dialect) -> Result<(Rendered, String), Error> {
    let entries = oneline::entries(der)?;
    Ok((
        oneline::render(&entries, dialect),
        oneline::rfc4514(&entries),
    ))
}

fn san_entry(name: &GeneralName<'_>) -> SanEntry {
    let (kind, value) = match name {
        GeneralName::DNSName(v) => ("DNS", v.to_string()),
        GeneralName::RFC822Name(v) => ("email", v.to_string()),
        GeneralName::URI(v) => ("URI", v.to_string()),
        GeneralName::IPAddress(b) => (
            "IP",
            match b.len() {
                4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
                16 => {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(b);
                    std::net::Ipv6Addr::from(a).to_string()
                }
                _ => hex(b, ":"),
            },
        ),
        GeneralName::DirectoryName(n) => (
            "DirName",
            oneline::entries(n.as_raw())
                .map(|e| oneline::rfc4514(&e))
                .unwrap_or_else(|e| e.to_string()),
        ),
        GeneralName::RegisteredID(oid) => ("RID", oid.to_id_string()),
        GeneralName::OtherName(oid, _) => ("other", oid.to_id_string()),
        _ => ("other", "(unsupported name form)".to_string()),
    };
    SanEntry {
        kind: kind.to_string(),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_malformed_certificate_or_csr() {
        let e = CertInfo::from_der(b"\x30\x03\x02\x01\x05", Dialect::Openssl3).unwrap_err();
        assert!(e.to_string().starts_with("malformed certificate: "), "{e}");
        let e = CsrInfo::from_der(b"", Dialect::Tidb).unwrap_err();
        assert!(e.to_string().starts_with("malformed CSR: "), "{e}");
    }

    #[test]
    fn hidden_keys_keep_the_label_type_only() {
        let k = KeyItem::hidden(Some("RSA"));
        assert_eq!(k.info.map(|i| (i.kind, i.bits)), Some(("RSA", 0)));
        assert!(k.encrypted && k.spki.is_none() && k.locked.is_none());
        assert_eq!(KeyItem::locked("why").locked, Some("why"));
    }
}
