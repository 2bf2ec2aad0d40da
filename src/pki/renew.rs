//! Re-issuing a certificate under a CA: the same subject, SANs and role, a new serial and
//! validity, the same public key unless a new one is given.
//!
//! This is the one place that knows how to re-issue: `dbtls renew` (same CA, fresh validity)
//! calls [`reissue`], CA rotation (the same certificate under the next CA, whose name may
//! differ) [`reissue_under_next_ca`]; both read the old certificate with [`read`].
//!
//! - The subject is the old certificate's DER `Name` copied byte for byte: MySQL and MariaDB
//!   compare `REQUIRE SUBJECT` with `X509_NAME_oneline`, which renders the string types, so a
//!   re-encoded name (UTF8String for PrintableString) could lock a user out.
//! - The role comes from the old certificate's extensions: basicConstraints CA:TRUE is a CA
//!   (its pathLenConstraint kept), EKU serverAuth a server, clientAuth a client. A certificate
//!   with both EKUs, or neither and no CA flag, has no dbtls role and is refused rather than
//!   re-issued with a different purpose.
//! - SANs are copied as they are (not re-validated or lower-cased): what clients matched
//!   before, they match after.

use time::OffsetDateTime;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::cert::{self, CertSpec, Issued, Issuer, Signer, Validity};
use super::profile::Profile;
use super::san::San;
use super::verify::cert::canon;
use super::{CertError, Error};

/// Why a certificate cannot be re-issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenewError {
    /// The certificate's issuer is not the CA given.
    #[error("the certificate was issued by '{issuer}', not by this CA ('{ca}')")]
    OtherIssuer {
        /// The certificate's issuer (RFC 4514).
        issuer: String,
        /// The CA's subject (RFC 4514).
        ca: String,
    },
    /// Both serverAuth and clientAuth: dbtls roles carry one.
    #[error(
        "the certificate's extended key usage has both serverAuth and clientAuth; dbtls re-issues server or client certificates, not both"
    )]
    BothPurposes,
    /// Neither a CA nor a server or client certificate.
    #[error(
        "cannot tell the certificate's role: it is not a CA and its extended key usage has neither serverAuth nor clientAuth"
    )]
    UnknownRole,
    /// A SAN form dbtls cannot write.
    #[error("the certificate has a {kind} subjectAltName, which dbtls cannot re-issue")]
    UnsupportedSan {
        /// The name form.
        kind: &'static str,
    },
    /// anyExtendedKeyUsage besides serverAuth or clientAuth: rotation re-issues only
    /// certificates whose purpose it can name.
    #[error("cannot tell the certificate's role: its extended key usage has anyExtendedKeyUsage")]
    AnyPurpose,
    /// A root CA with a new key is a new CA.
    #[error("a self-signed root with a new key is a new CA, not a renewal (see dbtls rotate)")]
    NewRootKey,
}

/// What an old certificate says about itself that re-issuing needs.
#[derive(Debug, Clone)]
pub struct OldCert {
    /// The role detected from its extensions.
    pub profile: Profile,
    /// Subject, DER, byte for byte.
    pub subject_der: Vec<u8>,
    /// Issuer, DER.
    pub issuer_der: Vec<u8>,
    /// SubjectPublicKeyInfo, DER.
    pub public_key_der: Vec<u8>,
    /// subjectAltName entries, as they are.
    pub sans: Vec<San>,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// Serial, lowercase hex.
    pub serial: String,
    /// authorityKeyIdentifier keyIdentifier.
    pub akid: Option<Vec<u8>>,
    /// A server or client certificate whose extended key usage also has anyExtendedKeyUsage.
    pub any_purpose: bool,
    /// Subject equals issuer and the certificate is a CA.
    pub self_issued_ca: bool,
    /// Extensions that are not carried over (the role writes its own), by name or OID.
    pub dropped: Vec<String>,
}

/// The re-issued certificate, and what the caller should tell the user.
#[derive(Debug)]
pub struct Reissued {
    /// The certificate, with the issuer's warnings (a clamped validity).
    pub issued: Issued,
    /// Warnings about the old certificate (extensions not carried over).
    pub warnings: Vec<String>,
}

fn unreadable(what: &'static str, e: impl ToString) -> Error {
    CertError::Unreadable {
        what,
        detail: e.to_string(),
    }
    .into()
}

/// Reads what re-issuing needs from a DER certificate.
pub fn read(der: &[u8]) -> Result<OldCert, Error> {
    let (_, x) =
        X509Certificate::from_der(der).map_err(|e| unreadable("malformed certificate", e))?;
    let bc = x
        .basic_constraints()
        .map_err(|e| unreadable("malformed basicConstraints", e))?
        .map(|b| b.value.clone());
    let eku = x
        .extended_key_usage()
        .map_err(|e| unreadable("malformed extKeyUsage", e))?
        .map(|e| (e.value.server_auth, e.value.client_auth, e.value.any));
    let self_issued = x.subject().as_raw() == x.issuer().as_raw();
    let profile = match (bc, eku) {
        (Some(bc), _) if bc.ca => {
            let path_len = bc
                .path_len_constraint
                .map(|n| u8::try_from(n).unwrap_or(u8::MAX));
            if self_issued {
                Profile::Ca { path_len }
            } else {
                Profile::Intermediate { path_len }
            }
        }
        (_, Some((true, true, _))) => return Err(RenewError::BothPurposes.into()),
        (_, Some((true, false, _))) => Profile::Server,
        (_, Some((false, true, _))) => Profile::Client,
        _ => return Err(RenewError::UnknownRole.into()),
    };
    let mut sans = Vec::new();
    let mut akid = None;
    let mut dropped = Vec::new();
    for ext in x.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(s) => {
                for name in &s.general_names {
                    sans.push(san(name)?);
                }
            }
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                akid = a.key_identifier.as_ref().map(|k| k.0.to_vec());
            }
            ParsedExtension::BasicConstraints(_)
            | ParsedExtension::KeyUsage(_)
            | ParsedExtension::ExtendedKeyUsage(_)
            | ParsedExtension::SubjectKeyIdentifier(_) => {}
            _ => dropped.push(
                x509_parser::objects::oid2sn(&ext.oid, x509_parser::objects::oid_registry())
                    .map(str::to_string)
                    .unwrap_or_else(|_| ext.oid.to_id_string()),
            ),
        }
    }
    let time = |t: &x509_parser::time::ASN1Time| {
        OffsetDateTime::from_unix_timestamp(t.timestamp())
            .map_err(|e| unreadable("time out of range", e))
    };
    Ok(OldCert {
        profile,
        subject_der: x.subject().as_raw().to_vec(),
        issuer_der: x.issuer().as_raw().to_vec(),
        public_key_der: x.public_key().raw.to_vec(),
        sans,
        not_before: time(&x.validity().not_before)?,
        not_after: time(&x.validity().not_after)?,
        serial: x.raw_serial().iter().map(|b| format!("{b:02x}")).collect(),
        akid,
        any_purpose: !profile.is_ca() && eku.is_some_and(|e| e.2),
        self_issued_ca: self_issued && profile.is_ca(),
        dropped,
    })
}

fn san(name: &GeneralName<'_>) -> Result<San, Error> {
    let unsupported = |kind| Err(RenewError::UnsupportedSan { kind }.into());
    Ok(match name {
        GeneralName::DNSName(v) => San::Dns(v.to_string()),
        GeneralName::RFC822Name(v) => San::Email(v.to_string()),
        GeneralName::URI(v) => San::Uri(v.to_string()),
        GeneralName::IPAddress(b) => match b.len() {
            4 => San::Ip(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).into()),
            16 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                San::Ip(std::net::Ipv6Addr::from(a).into())
            }
            _ => return unsupported("malformed iPAddress"),
        },
        GeneralName::DirectoryName(_) => return unsupported("directoryName"),
        GeneralName::OtherName(..) => return unsupported("otherName"),
        GeneralName::RegisteredID(_) => return unsupported("registeredID"),
        _ => return unsupported("x400Address or ediPartyName"),
    })
}

/// Whether `old`'s issuer is the CA's subject: byte for byte, or equal as OpenSSL compares
/// names (canonical form), which is what chain building and `REQUIRE ISSUER` rely on.
pub fn issued_under(old: &OldCert, issuer: &Issuer) -> bool {
    if old.issuer_der == issuer.subject_der() {
        return true;
    }
    use x509_parser::prelude::X509Name;
    match (
        X509Name::from_der(&old.issuer_der),
        X509Name::from_der(issuer.subject_der()),
    ) {
        (Ok((_, a)), Ok((_, b))) => canon(&a) == canon(&b),
        _ => false,
    }
}

/// Whether the old certificate names this CA's key as its issuer's (its AKID is the CA's key
/// identifier). `false` after a CA rotation that kept the name: the same name, another key.
pub fn same_issuer_key(old: &OldCert, issuer: &Issuer) -> bool {
    old.akid.as_deref().is_none_or(|a| a == issuer.key_id())
}

/// Re-issues `old` under `issuer` with `validity` and `serial`; `new_public_key` (DER SPKI)
/// replaces the key, else the old certificate's public key is certified again (no private key
/// needed). The issuer must have issued `old` by name ([`issued_under`]).
///
/// A self-signed root re-issued with its own key stays self-signed; under another CA of the
/// same name it becomes a cross-signed CA certificate.
pub fn reissue(
    old: &OldCert,
    issuer: &Issuer,
    new_public_key: Option<&[u8]>,
    validity: Validity,
    serial: [u8; 16],
) -> Result<Reissued, Error> {
    if !issued_under(old, issuer) {
        let rfc = |der: &[u8]| {
            super::oneline::entries(der)
                .map(|e| super::oneline::rfc4514(&e))
                .unwrap_or_else(|_| "(malformed name)".into())
        };
        return Err(RenewError::OtherIssuer {
            issuer: rfc(&old.issuer_der),
            ca: rfc(issuer.subject_der()),
        }
        .into());
    }
    let self_signed = old.self_issued_ca && issuer.key().public_key_der() == old.public_key_der;
    if self_signed && new_public_key.is_some() {
        return Err(RenewError::NewRootKey.into());
    }
    let signer = if self_signed {
        Signer::SelfSigned(issuer.key())
    } else {
        Signer::Ca(issuer)
    };
    sign(old, signer, new_public_key, validity, serial)
}

/// Re-issues `old` under the next CA of a rotation, with the same public key: the next CA may
/// have another name (so no [`issued_under`] check), and signs as a CA even a certificate that
/// was self-signed. A server or client certificate that also allows anyExtendedKeyUsage is
/// refused ([`RenewError::AnyPurpose`]) rather than narrowed to one purpose.
pub fn reissue_under_next_ca(
    old: &OldCert,
    issuer: &Issuer,
    validity: Validity,
    serial: [u8; 16],
) -> Result<Reissued, Error> {
    if old.any_purpose {
        return Err(RenewError::AnyPurpose.into());
    }
    sign(old, Signer::Ca(issuer), None, validity, serial)
}

fn sign(
    old: &OldCert,
    signer: Signer<'_>,
    new_public_key: Option<&[u8]>,
    validity: Validity,
    serial: [u8; 16],
) -> Result<Reissued, Error> {
    let spec = CertSpec {
        profile: old.profile,
        subject_der: old.subject_der.clone(),
        public_key_der: new_public_key
            .map(<[u8]>::to_vec)
            .unwrap_or_else(|| old.public_key_der.clone()),
        sans: old.sans.clone(),
        validity,
        serial,
    };
    let issued = cert::issue(&spec, signer)?;
    let warnings = old
        .dropped
        .iter()
        .map(|e| format!("extension {e} of the old certificate is not carried over"))
        .collect();
    Ok(Reissued { issued, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::cert::tests::spec;
    use crate::pki::key::{KeyType, PrivateKey};

    fn ca() -> Issuer {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let ca = cert::issue(
            &spec(Profile::Ca { path_len: None }, &key, "Root"),
            Signer::SelfSigned(&key),
        )
        .unwrap();
        Issuer::new(ca.cert, key).unwrap()
    }

    #[test]
    fn reissue_keeps_subject_sans_role_and_key() {
        let issuer = ca();
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let leaf = cert::issue(&spec(Profile::Server, &key, "db"), Signer::Ca(&issuer)).unwrap();
        let old = read(leaf.cert.der()).unwrap();
        assert_eq!(old.profile, Profile::Server);
        let validity = Validity::days_from(OffsetDateTime::now_utc(), 10);
        let new = reissue(
            &old,
            &issuer,
            None,
            validity,
            cert::random_serial().unwrap(),
        )
        .unwrap();
        let again = read(new.issued.cert.der()).unwrap();
        assert_eq!(again.subject_der, old.subject_der);
        assert_eq!(again.public_key_der, old.public_key_der);
        assert_eq!(again.sans, old.sans);
        assert_eq!(again.profile, Profile::Server);
        assert_ne!(again.serial, old.serial);
        assert!(same_issuer_key(&again, &issuer));
    }

    #[test]
    fn a_rotation_keeps_subject_sans_role_and_key_under_a_ca_of_another_name() {
        let old_ca = ca();
        let new_key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let new_ca = cert::issue(
            &spec(Profile::Ca { path_len: None }, &new_key, "New"),
            Signer::SelfSigned(&new_key),
        )
        .unwrap();
        let new_der = new_ca.cert.der().to_vec();
        let new_ca = Issuer::new(new_ca.cert, new_key).unwrap();
        let key = PrivateKey::generate(KeyType::Rsa2048).unwrap();
        let mut s = spec(Profile::Server, &key, "db");
        s.sans = vec![San::Dns("db".into()), San::Ip([10, 0, 0, 5].into())];
        let leaf = cert::issue(&s, Signer::Ca(&old_ca)).unwrap().cert;
        let old = read(leaf.der()).unwrap();
        assert_eq!(old.sans, s.sans);
        let v = Validity::days_from(OffsetDateTime::now_utc(), 30);
        let again = reissue_under_next_ca(&old, &new_ca, v, cert::random_serial().unwrap())
            .unwrap()
            .issued
            .cert;
        let (_, a) = X509Certificate::from_der(leaf.der()).unwrap();
        let (_, b) = X509Certificate::from_der(again.der()).unwrap();
        let (_, n) = X509Certificate::from_der(&new_der).unwrap();
        assert_eq!(a.subject().as_raw(), b.subject().as_raw());
        assert_eq!(a.public_key().raw, b.public_key().raw);
        assert_ne!(a.raw_serial(), b.raw_serial());
        assert_eq!(b.issuer().as_raw(), n.subject().as_raw());
        b.verify_signature(Some(n.public_key())).unwrap();
        let client = cert::issue(&spec(Profile::Client, &key, "c"), Signer::Ca(&old_ca)).unwrap();
        assert_eq!(read(client.cert.der()).unwrap().profile, Profile::Client);
    }

    #[test]
    fn another_ca_is_refused() {
        let issuer = ca();
        let other_key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let other = cert::issue(
            &spec(Profile::Ca { path_len: None }, &other_key, "Other"),
            Signer::SelfSigned(&other_key),
        )
        .unwrap();
        let other = Issuer::new(other.cert, other_key).unwrap();
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let leaf = cert::issue(&spec(Profile::Client, &key, "u"), Signer::Ca(&issuer)).unwrap();
        let old = read(leaf.cert.der()).unwrap();
        let v = Validity::days_from(OffsetDateTime::now_utc(), 10);
        let e = reissue(&old, &other, None, v, cert::random_serial().unwrap()).unwrap_err();
        assert!(e.to_string().contains("not by this CA"), "{e}");
    }
}
