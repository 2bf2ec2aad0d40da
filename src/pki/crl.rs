//! Building X.509 v2 CRLs (RFC 5280 §5), signed by a CA the way [`super::cert`] signs
//! certificates (same key, same signature algorithm).
//!
//! What a conforming CA puts in (RFC 5280 §5.1.2, §5.2, §5.3):
//! - version v2, the issuer as the CA's subject, thisUpdate, nextUpdate (MUST for conforming
//!   CAs: OpenSSL refuses every certificate once it has passed, error 12);
//! - cRLNumber (non-critical, monotonically increasing: one above the CRL it replaces) and
//!   authorityKeyIdentifier (the CA's key identifier, so verifiers pick this CA's CRL when
//!   several CAs share a name, as during a rotation);
//! - per entry the serial, the revocation date and, unless unspecified, a reasonCode entry
//!   extension (§5.3.1: "SHOULD be absent instead of using the unspecified (0) reasonCode");
//! - no revokedCertificates field at all when nothing is revoked (§5.1.2.6).
//!
//! thisUpdate is now, not backdated as certificates' notBefore is: it is the moment this list
//! was known to be complete, it must not precede the revocation dates it carries, and OpenSSL
//! picks the CRL with the newest thisUpdate. The cost: a server whose clock is behind the
//! signer's sees a CRL that is not yet valid (error 11) for that long, so install it after
//! signing, not on a host with a slow clock.

use der::asn1::{OctetString, Uint};
use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, CrlReason};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use super::cert::{Issuer, sign_structure, signature_algorithm, x509_time};
use super::verify::{self, Cert, Crl};
use super::{CertError, Error};

/// Why a CRL cannot be read or built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrlError {
    /// The existing CRL does not parse.
    #[error("not a readable CRL: {detail}")]
    Malformed {
        /// The parser's message.
        detail: String,
    },
    /// The existing CRL is another CA's.
    #[error("the CRL is not signed by this CA")]
    OtherSigner,
    /// A certificate to revoke is another CA's.
    #[error("the certificate was not issued by this CA")]
    NotIssuedByCa,
    /// The CA's keyUsage lacks cRLSign.
    #[error("the CA certificate's keyUsage does not allow cRLSign (OpenSSL would refuse its CRLs)")]
    NoCrlSign,
    /// A serial that is zero or too long.
    #[error("serial {serial}: {detail}")]
    BadSerial {
        /// The serial, hex.
        serial: String,
        /// Why.
        detail: String,
    },
}

/// The reasons of RFC 5280 §5.3.1 that a CA states for a full CRL (removeFromCRL is for delta
/// CRLs, privilegeWithdrawn and aACompromise for attribute certificates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// unspecified (0): written as no reasonCode extension (§5.3.1).
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// certificateHold (6).
    CertificateHold,
}

impl Reason {
    fn code(self) -> Option<CrlReason> {
        Some(match self {
            Reason::Unspecified => return None,
            Reason::KeyCompromise => CrlReason::KeyCompromise,
            Reason::CaCompromise => CrlReason::CaCompromise,
            Reason::AffiliationChanged => CrlReason::AffiliationChanged,
            Reason::Superseded => CrlReason::Superseded,
            Reason::CessationOfOperation => CrlReason::CessationOfOperation,
            Reason::CertificateHold => CrlReason::CertificateHold,
        })
    }
}

/// The RFC 5280 name of a reasonCode value (as OpenSSL's `openssl crl -text` spells them in
/// its own words; these are the ASN.1 names).
pub fn reason_name(code: u8) -> &'static str {
    match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => "unknown",
    }
}

/// One new revocation.
#[derive(Debug, Clone)]
pub struct Revocation {
    /// The serial, big-endian, without leading zero bytes.
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub date: OffsetDateTime,
    /// Why.
    pub reason: Reason,
}

/// A CRL this one replaces: its entries (kept as they are) and its number.
#[derive(Debug, Clone)]
pub struct Previous {
    /// Its entries, in order.
    pub entries: Vec<RevokedCert>,
    /// Its cRLNumber, big-endian; `None` when it has none.
    pub number: Option<Vec<u8>>,
}

impl Previous {
    /// Whether it already lists `serial` (big-endian, no leading zeros).
    pub fn lists(&self, serial: &[u8]) -> bool {
        self.entries
            .iter()
            .any(|e| strip(e.serial_number.as_bytes()) == strip(serial))
    }
}

/// What goes into a CRL.
#[derive(Debug, Clone)]
pub struct CrlSpec {
    /// The entries kept from the CRL replaced (empty for a first CRL).
    pub kept: Vec<RevokedCert>,
    /// The new revocations.
    pub revoked: Vec<Revocation>,
    /// cRLNumber, big-endian.
    pub number: Vec<u8>,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate.
    pub next_update: OffsetDateTime,
}

fn malformed(e: impl ToString) -> Error {
    CrlError::Malformed {
        detail: e.to_string(),
    }
    .into()
}

fn encoding(step: &'static str) -> impl Fn(der::Error) -> Error {
    move |e| {
        CertError::Encoding {
            step,
            detail: e.to_string(),
        }
        .into()
    }
}

/// The CA as the verification engine sees it.
fn ca_cert(issuer: &Issuer) -> Result<Cert, Error> {
    Cert::parse(issuer.cert().der()).map_err(malformed)
}

/// Reads a DER CRL that this one replaces: it must be signed by `issuer`.
pub fn read_previous(der: &[u8], issuer: &Issuer) -> Result<Previous, Error> {
    let parsed = Crl::parse(der).map_err(malformed)?;
    if !parsed.signed_by(&ca_cert(issuer)?) {
        return Err(CrlError::OtherSigner.into());
    }
    previous_entries(der)
}

/// The entries and number of a DER CRL, whoever signed it ([`read_previous`] checks that first;
/// the fuzz target reads any bytes through here).
pub(crate) fn previous_entries(der: &[u8]) -> Result<Previous, Error> {
    let list =
        CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der).map_err(malformed)?;
    let tbs = list.tbs_cert_list;
    let number = tbs
        .crl_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == <CrlNumber as der::oid::AssociatedOid>::OID)
        .map(|e| CrlNumber::from_der(e.extn_value.as_bytes()).map(|n| n.0.as_bytes().to_vec()))
        .transpose()
        .map_err(malformed)?;
    Ok(Previous {
        entries: tbs.revoked_certificates.unwrap_or_default(),
        number,
    })
}

/// The number after `prev` (big-endian, unsigned); 1 when there is none.
pub fn next_number(prev: Option<&[u8]>) -> Vec<u8> {
    let Some(prev) = prev else {
        return vec![1];
    };
    let mut n = strip(prev).to_vec();
    for byte in n.iter_mut().rev() {
        let (v, carry) = byte.overflowing_add(1);
        *byte = v;
        if !carry {
            return n;
        }
    }
    n.insert(0, 1);
    n
}

/// The serial of a certificate `issuer` signed (big-endian, no leading zeros); another CA's
/// certificate, or one with the CA's name and another key's signature, is refused.
pub fn serial_issued_by(cert_der: &[u8], issuer: &Issuer) -> Result<Vec<u8>, Error> {
    let cert = Cert::parse(cert_der).map_err(malformed)?;
    let ca = ca_cert(issuer)?;
    if cert.issuer != ca.subject || !verify::issued_by(&cert, &ca) {
        return Err(CrlError::NotIssuedByCa.into());
    }
    Ok(cert.serial)
}

/// Checks a serial given as bytes (big-endian): positive and at most 20 bytes (RFC 5280
/// §4.1.2.2).
pub fn check_serial(serial: &[u8]) -> Result<Vec<u8>, Error> {
    let s = strip(serial).to_vec();
    let hex: String = serial.iter().map(|b| format!("{b:02X}")).collect();
    if s.is_empty() {
        return Err(CrlError::BadSerial {
            serial: hex,
            detail: "zero is not a certificate serial".into(),
        }
        .into());
    }
    SerialNumber::<x509_cert::certificate::Rfc5280>::new(&s).map_err(|e| CrlError::BadSerial {
        serial: hex,
        detail: e.to_string(),
    })?;
    Ok(s)
}

fn extension<T: Encode + der::oid::AssociatedOid>(value: &T) -> Result<Extension, Error> {
    let der = value
        .to_der()
        .map_err(encoding("encoding a CRL extension"))?;
    Ok(Extension {
        extn_id: T::OID,
        critical: false,
        extn_value: OctetString::new(der).map_err(encoding("encoding a CRL extension"))?,
    })
}

/// Builds and signs the CRL; returns its DER.
pub fn build(spec: &CrlSpec, issuer: &Issuer) -> Result<Vec<u8>, Error> {
    if !issuer.can_sign_crls() {
        return Err(CrlError::NoCrlSign.into());
    }
    let signature = signature_algorithm(issuer.key())?;
    let mut entries = spec.kept.clone();
    for r in &spec.revoked {
        let serial =
            SerialNumber::new(&check_serial(&r.serial)?).map_err(encoding("encoding a serial"))?;
        let crl_entry_extensions: Option<Extensions> = match r.reason.code() {
            Some(code) => Some(vec![extension(&code)?]),
            None => None,
        };
        entries.push(RevokedCert {
            serial_number: serial,
            revocation_date: x509_time(r.date)?,
            crl_entry_extensions,
        });
    }
    let number = CrlNumber(Uint::new(&spec.number).map_err(encoding("encoding the CRL number"))?);
    let akid = AuthorityKeyIdentifier {
        key_identifier: Some(
            OctetString::new(issuer.key_id()).map_err(encoding("encoding the key identifier"))?,
        ),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: signature.clone(),
        issuer: Name::from_der(issuer.subject_der()).map_err(encoding("the CA's name"))?,
        this_update: x509_time(spec.this_update)?,
        next_update: Some(x509_time(spec.next_update)?),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        // OpenSSL lists the AKID first, then the number.
        crl_extensions: Some(vec![extension(&akid)?, extension(&number)?]),
    };
    let tbs_der = tbs.to_der().map_err(encoding("encoding the CRL"))?;
    sign_structure(issuer.key(), &tbs_der, &signature)
}

fn strip(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_count_up_with_carries() {
        assert_eq!(next_number(None), [1]);
        assert_eq!(next_number(Some(&[1])), [2]);
        assert_eq!(next_number(Some(&[0, 0xFF])), [1, 0]);
        assert_eq!(next_number(Some(&[0x01, 0xFF, 0xFF])), [2, 0, 0]);
    }

    #[test]
    fn serials_are_positive_and_short() {
        assert_eq!(check_serial(&[0, 0, 5]).unwrap(), [5]);
        assert!(check_serial(&[0]).is_err());
        assert!(check_serial(&[1; 21]).is_err());
        assert_eq!(reason_name(1), "keyCompromise");
    }
}
