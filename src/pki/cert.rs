//! Issuing certificates: the TBSCertificate is built here field by field, then signed.
//!
//! We do not let a library pick the serial, validity or issuer name:
//! - serials are 16 random bytes, positive, so a regenerated set never reuses issuer+serial
//!   (RFC 5280 §4.1.2.2; CA/B Forum BR §7.1 asks for ≥ 64 bits of entropy);
//! - validity is explicit, backdated a few minutes for clock skew, seconds only (RFC 5280 §4.1.2.5);
//! - the issuer field is the CA certificate's subject byte for byte, so chains built by OpenSSL
//!   (which compares canonical names) and by MySQL (which compares `X509_NAME_oneline` strings)
//!   both link, whatever string types the CA's name uses.

use std::time::SystemTime;

use der::asn1::{BitString, ObjectIdentifier};
use der::{Any, Decode, Encode};
use sha1::{Digest, Sha1};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use time::{Duration, OffsetDateTime};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::key::PrivateKey;
use super::name::tlv;
use super::profile::{ExtensionInputs, Profile};
use super::san::San;
use super::{CertError, Error, IssuerError, KeyError};

mod issuer;

/// How far not-before is set in the past, so that a peer whose clock is a little behind still
/// accepts a certificate made a moment ago (cfssl uses 5 minutes, certstrap 10).
pub const BACKDATE: Duration = Duration::minutes(5);

/// A validity period, whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// From `now - BACKDATE` to `now + days`.
    pub fn days_from(now: OffsetDateTime, days: u32) -> Validity {
        Validity {
            not_before: truncate(now - BACKDATE),
            not_after: truncate(now + Duration::days(i64::from(days))),
        }
    }

    /// Explicit bounds (for expired or not-yet-valid test certificates).
    pub fn between(
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Validity, Error> {
        if not_after <= not_before {
            return Err(CertError::InvertedValidity.into());
        }
        Ok(Validity {
            not_before: truncate(not_before),
            not_after: truncate(not_after),
        })
    }
}

fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

pub(crate) fn x509_time(t: OffsetDateTime) -> Result<Time, Error> {
    // UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5): x509-cert chooses.
    Time::try_from(SystemTime::from(t)).map_err(|e| {
        CertError::Time {
            time: t.to_string(),
            detail: e.to_string(),
        }
        .into()
    })
}

/// A random positive 128-bit serial number (126 bits of entropy, always 16 bytes long).
pub fn random_serial() -> Result<[u8; 16], Error> {
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).map_err(|e| CertError::NoRandomness {
        detail: e.to_string(),
    })?;
    // Clear the sign bit (positive, RFC 5280 §4.1.2.2) and set the next one so the DER
    // INTEGER is always 16 bytes without a leading zero byte.
    serial[0] = (serial[0] & 0x7F) | 0x40;
    Ok(serial)
}

/// Key identifier per RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING
/// value, the same value OpenSSL computes, so our AKIDs match OpenSSL-made CAs and vice versa.
pub fn key_identifier(spki_der: &[u8]) -> Result<Vec<u8>, Error> {
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der).map_err(|e| {
        KeyError::MalformedPublicKey {
            detail: e.to_string(),
        }
    })?;
    Ok(Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec())
}

/// A DER certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
}

impl Certificate {
    /// Wraps DER bytes (not checked here; parse with x509-parser to inspect).
    pub fn from_der(der: Vec<u8>) -> Certificate {
        Certificate { der }
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// `-----BEGIN CERTIFICATE-----` PEM.
    pub fn to_pem(&self) -> String {
        pem::encode_config(
            &pem::Pem::new("CERTIFICATE", self.der.clone()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }
}

/// A CA that can sign: its certificate and its key, checked to belong together.
#[derive(Debug)]
pub struct Issuer {
    cert: Certificate,
    subject_der: Vec<u8>,
    key: PrivateKey,
    key_id: Vec<u8>,
    path_len: Option<u32>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    crl_sign: bool,
}

impl Issuer {
    /// Checks that `cert` is a CA allowed to sign certificates and that `key` is its key.
    pub fn new(cert: Certificate, key: PrivateKey) -> Result<Issuer, Error> {
        let (_, parsed) = X509Certificate::from_der(cert.der()).map_err(|e| {
            IssuerError::MalformedCertificate {
                detail: e.to_string(),
            }
        })?;
        let bc =
            parsed
                .basic_constraints()
                .map_err(|e| IssuerError::MalformedBasicConstraints {
                    detail: e.to_string(),
                })?;
        let Some(bc) = bc.filter(|bc| bc.value.ca) else {
            return Err(IssuerError::NotCa.into());
        };
        // No keyUsage at all allows every use (RFC 5280 §4.2.1.3), cRLSign included.
        let crl_sign = matches!(parsed.key_usage(), Ok(None))
            || matches!(parsed.key_usage(), Ok(Some(ku)) if ku.value.crl_sign());
        match parsed.key_usage() {
            Ok(Some(ku)) if !ku.value.key_cert_sign() => {
                return Err(IssuerError::NoKeyCertSign.into());
            }
            Err(e) => {
                return Err(IssuerError::MalformedKeyUsage {
                    detail: e.to_string(),
                }
                .into());
            }
            _ => {}
        }
        if parsed.public_key().raw != key.public_key_der().as_slice() {
            return Err(IssuerError::KeyMismatch.into());
        }
        let key_id = match parsed
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(id) => {
                    Some(id.0.to_vec())
                }
                _ => None,
            }) {
            Some(id) => id,
            None => key_identifier(parsed.public_key().raw)?,
        };
        let not_after = OffsetDateTime::from_unix_timestamp(
            parsed.validity().not_after.timestamp(),
        )
        .map_err(|e| IssuerError::NotAfterOutOfRange {
            detail: e.to_string(),
        })?;
        let not_before = OffsetDateTime::from_unix_timestamp(
            parsed.validity().not_before.timestamp(),
        )
        .map_err(|e| IssuerError::NotAfterOutOfRange {
            detail: e.to_string(),
        })?;
        Ok(Issuer {
            not_before,
            subject_der: parsed.subject().as_raw().to_vec(),
            path_len: bc.value.path_len_constraint,
            key_id,
            not_after,
            key,
            crl_sign,
            cert,
        })
    }
}

/// Everything that goes into one certificate.
#[derive(Debug, Clone)]
pub struct CertSpec {
    /// The role, which decides the extensions.
    pub profile: Profile,
    /// The DER `Name` of the subject (from [`super::name::DistinguishedName::to_der`] or a CSR).
    pub subject_der: Vec<u8>,
    /// The DER SubjectPublicKeyInfo of the subject's key.
    pub public_key_der: Vec<u8>,
    /// subjectAltName entries.
    pub sans: Vec<San>,
    /// The validity period.
    pub validity: Validity,
    /// The serial number (see [`random_serial`]).
    pub serial: [u8; 16],
}

/// A certificate and what the caller should tell the user about it.
#[derive(Debug)]
pub struct Issued {
    /// The signed certificate.
    pub cert: Certificate,
    /// Non-fatal adjustments, e.g. a validity clamped to the issuer's.
    pub warnings: Vec<String>,
}

/// Who signs: the subject's own key (a root) or a CA.
#[derive(Debug, Clone, Copy)]
pub enum Signer<'a> {
    /// Self-signed with this key, which must be the subject's key.
    SelfSigned(&'a PrivateKey),
    /// Signed by this CA.
    Ca(&'a Issuer),
}

/// Builds and signs a certificate.
///
/// With a CA signer, the issuer is checked first: its path length must allow a CA below it, and
/// a validity beyond the CA's own not-after is clamped (with a warning), because a chain is only
/// as valid as its shortest-lived member.
pub fn issue(spec: &CertSpec, signer: Signer<'_>) -> Result<Issued, Error> {
    let mut warnings = Vec::new();
    let mut validity = spec.validity;
    let subject_key_id = key_identifier(&spec.public_key_der)?;
    let (key, issuer_der, authority_key_id) = match signer {
        Signer::SelfSigned(key) => {
            if key.public_key_der() != spec.public_key_der {
                return Err(CertError::SelfSignedWithOtherKey.into());
            }
            (key, spec.subject_der.clone(), None)
        }
        Signer::Ca(ca) => {
            if spec.profile.is_ca() && ca.path_len == Some(0) {
                return Err(IssuerError::PathLenZero.into());
            }
            if let (
                Some(limit),
                Profile::Intermediate {
                    path_len: Some(own),
                },
            ) = (ca.path_len, spec.profile)
                && u32::from(own) >= limit
            {
                return Err(IssuerError::PathLenTooLong { limit }.into());
            }
            if validity.not_after > ca.not_after {
                warnings.push(format!(
                    "not-after clamped to the CA's own not-after, {}",
                    crate::pki::cert::display_time(ca.not_after)
                ));
                validity.not_after = ca.not_after;
            }
            // A CA not yet valid (made on a machine whose clock is ahead, or with a future
            // not-before): a certificate valid before its issuer is no more usable then
            // (RFC 5280 §6.1.3 checks every certificate of the path), so it starts with the
            // CA, as not-after ends with it. Under a CA valid now, explicit past dates are
            // kept: that is how expired test certificates are made.
            if ca.not_before > OffsetDateTime::now_utc() && validity.not_before < ca.not_before {
                if validity.not_after <= ca.not_before {
                    return Err(IssuerError::NotYetValid {
                        not_before: crate::pki::cert::display_time(ca.not_before),
                    }
                    .into());
                }
                warnings.push(format!(
                    "not-before clamped to the CA's own not-before, {}",
                    crate::pki::cert::display_time(ca.not_before)
                ));
                validity.not_before = ca.not_before;
            }
            if validity.not_after <= validity.not_before {
                return Err(IssuerError::Expired.into());
            }
            (&ca.key, ca.subject_der.clone(), Some(ca.key_id.as_slice()))
        }
    };

    let inputs = ExtensionInputs {
        rsa_key: crate::pki::key::KeyInfo::spki_is_rsa(&spec.public_key_der)?,
        subject_key_id: &subject_key_id,
        authority_key_id,
        sans: &spec.sans,
    };
    let signature = signature_algorithm(key)?;
    let der_err = |step: &'static str, e: der::Error| CertError::Encoding {
        step,
        detail: e.to_string(),
    };
    // TBSCertificate (RFC 5280 §4.1). Issuer and subject go in as raw DER so that they are
    // byte-identical to the CA's subject and to the requested name.
    let enc = |step: &'static str, r: der::Result<Vec<u8>>| r.map_err(|e| der_err(step, e));
    let serial = enc(
        "serial number",
        SerialNumber::<x509_cert::certificate::Rfc5280>::new(&spec.serial).and_then(|s| s.to_der()),
    )?;
    let not_before = enc("not-before", x509_time(validity.not_before)?.to_der())?;
    let not_after = enc("not-after", x509_time(validity.not_after)?.to_der())?;
    Name::from_der(&issuer_der).map_err(|e| der_err("issuer name", e))?;
    Name::from_der(&spec.subject_der).map_err(|e| der_err("subject name", e))?;
    SubjectPublicKeyInfoOwned::from_der(&spec.public_key_der)
        .map_err(|e| der_err("public key", e))?;
    let mut extensions = Vec::new();
    for ext in spec.profile.extensions(&inputs)? {
        extensions.extend(enc("extension", ext.to_der())?);
    }
    let tbs_der = tlv(
        0x30,
        &[
            &[0xA0, 0x03, 0x02, 0x01, 0x02][..], // [0] EXPLICIT version v3
            &serial,
            &enc("signature algorithm", signature.to_der())?,
            &issuer_der,
            &tlv(0x30, &[not_before, not_after].concat()),
            &spec.subject_der,
            &spec.public_key_der,
            &tlv(0xA3, &tlv(0x30, &extensions)), // [3] EXPLICIT Extensions
        ]
        .concat(),
    );
    let der = sign_structure(key, &tbs_der, &signature)?;
    Ok(Issued {
        cert: Certificate { der },
        warnings,
    })
}

/// Signs `body` (a DER TBSCertificate or CertificationRequestInfo) and wraps it as
/// `SEQUENCE { body, signatureAlgorithm, signature BIT STRING }` (RFC 5280 §4.1, RFC 2986 §4.2).
pub(crate) fn sign_structure(
    key: &PrivateKey,
    body: &[u8],
    signature: &AlgorithmIdentifierOwned,
) -> Result<Vec<u8>, Error> {
    use rcgen::SigningKey;
    let sig = key.pair().sign(body).map_err(|e| CertError::Signing {
        detail: e.to_string(),
    })?;
    let alg = signature.to_der().map_err(|e| CertError::Encoding {
        step: "encoding the algorithm",
        detail: e.to_string(),
    })?;
    let bits = BitString::from_bytes(&sig)
        .and_then(|b| b.to_der())
        .map_err(|e| CertError::Encoding {
            step: "encoding the signature",
            detail: e.to_string(),
        })?;
    Ok(tlv(0x30, &[body, &alg, &bits].concat()))
}

/// The AlgorithmIdentifier a key signs with: SHA-256 for RSA and P-256, SHA-384 for P-384
/// (RFC 5480 §4), and Ed25519 without parameters (RFC 8410 §3).
pub(crate) fn signature_algorithm(key: &PrivateKey) -> Result<AlgorithmIdentifierOwned, Error> {
    let oid = |oid: &'static str| {
        ObjectIdentifier::new(oid).map_err(|e| CertError::Oid {
            oid,
            detail: e.to_string(),
        })
    };
    let alg = key.algorithm();
    if alg == &rcgen::PKCS_RSA_SHA256 {
        // sha256WithRSAEncryption with an explicit NULL parameter (RFC 4055 §5).
        Ok(AlgorithmIdentifierOwned {
            oid: oid("1.2.840.113549.1.1.11")?,
            parameters: Some(Any::null()),
        })
    } else if alg == &rcgen::PKCS_ECDSA_P256_SHA256 {
        Ok(AlgorithmIdentifierOwned {
            oid: oid("1.2.840.10045.4.3.2")?,
            parameters: None,
        })
    } else if alg == &rcgen::PKCS_ECDSA_P384_SHA384 {
        Ok(AlgorithmIdentifierOwned {
            oid: oid("1.2.840.10045.4.3.3")?,
            parameters: None,
        })
    } else if alg == &rcgen::PKCS_ED25519 {
        Ok(AlgorithmIdentifierOwned {
            oid: oid("1.3.101.112")?,
            parameters: None,
        })
    } else {
        Err(KeyError::CannotSign.into())
    }
}

/// `2026-11-21 12:00:00 UTC`.
pub fn display_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
pub(crate) mod tests;
