//! Re-issuing a certificate under a (possibly new) CA: the same subject bytes, SANs, role and
//! public key, a new serial and validity.
//!
//! Keeping the subject as its DER bytes (not re-encoded from text) keeps `REQUIRE SUBJECT`
//! matching: MySQL and MariaDB compare `X509_NAME_oneline()` strings, which depend on the string
//! types of the encoding. Keeping the public key means no private key is read or written: the
//! holder of the old certificate's key uses the new certificate with it.

use time::Duration;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::Error;
use super::cert::{self, CertSpec, Issued, Issuer, Signer, Validity};
use super::profile::Profile;
use super::san::San;

/// Why a certificate cannot be re-issued as it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReissueError {
    /// The certificate does not parse.
    #[error("malformed certificate: {detail}")]
    Malformed {
        /// The parser's message.
        detail: String,
    },
    /// Its extensions do not say which role it has (exactly one of serverAuth and clientAuth,
    /// or CA:TRUE).
    #[error("cannot tell its role: {why}")]
    UnknownRole {
        /// What was found.
        why: &'static str,
    },
    /// A subjectAltName entry of a kind dbtls does not issue.
    #[error("its subjectAltName holds a {kind} entry, which dbtls cannot re-issue")]
    UnsupportedSan {
        /// The kind of entry.
        kind: &'static str,
    },
    /// Issuing failed.
    #[error(transparent)]
    Issue(#[from] Error),
}

/// What a re-issued certificate keeps from the old one.
#[derive(Debug, Clone)]
pub struct Template {
    /// The role, detected from basicConstraints and extendedKeyUsage.
    pub profile: Profile,
    /// The subject, DER, byte for byte.
    pub subject_der: Vec<u8>,
    /// The SubjectPublicKeyInfo, DER.
    pub public_key_der: Vec<u8>,
    /// The subjectAltName entries, in order.
    pub sans: Vec<San>,
    /// notAfter − notBefore of the old certificate.
    pub lifetime: Duration,
}

impl Template {
    /// Reads what a re-issue keeps from a DER certificate.
    pub fn of(der: &[u8]) -> Result<Template, ReissueError> {
        let malformed = |e: &dyn std::fmt::Display| ReissueError::Malformed {
            detail: e.to_string(),
        };
        let (_, c) = X509Certificate::from_der(der).map_err(|e| malformed(&e))?;
        let bc = c.basic_constraints().map_err(|e| malformed(&e))?;
        let eku = c.extended_key_usage().map_err(|e| malformed(&e))?;
        let profile = match (bc.map(|b| b.value), eku.map(|e| e.value)) {
            (Some(b), _) if b.ca => {
                let path_len = b
                    .path_len_constraint
                    .map(|n| u8::try_from(n).unwrap_or(u8::MAX));
                if c.subject().as_raw() == c.issuer().as_raw() {
                    Profile::Ca { path_len }
                } else {
                    Profile::Intermediate { path_len }
                }
            }
            (_, Some(e)) if e.any => {
                return Err(ReissueError::UnknownRole {
                    why: "its extendedKeyUsage is anyExtendedKeyUsage",
                });
            }
            (_, Some(e)) if e.server_auth && !e.client_auth => Profile::Server,
            (_, Some(e)) if e.client_auth && !e.server_auth => Profile::Client,
            (_, Some(e)) if e.client_auth => {
                return Err(ReissueError::UnknownRole {
                    why: "it has both serverAuth and clientAuth",
                });
            }
            _ => {
                return Err(ReissueError::UnknownRole {
                    why: "it is no CA and has neither serverAuth nor clientAuth",
                });
            }
        };
        let mut sans = Vec::new();
        for ext in c.extensions() {
            if let ParsedExtension::SubjectAlternativeName(san) = ext.parsed_extension() {
                for name in &san.general_names {
                    sans.push(san_of(name)?);
                }
            }
        }
        let lifetime = Duration::seconds(
            c.validity().not_after.timestamp() - c.validity().not_before.timestamp(),
        );
        Ok(Template {
            profile,
            subject_der: c.subject().as_raw().to_vec(),
            public_key_der: c.public_key().raw.to_vec(),
            sans,
            lifetime,
        })
    }

    /// Signs the template anew by `issuer` for `validity` (clamped to the CA's not-after, with
    /// a warning, as every issued certificate).
    pub fn issue(&self, issuer: &Issuer, validity: Validity) -> Result<Issued, ReissueError> {
        let spec = CertSpec {
            profile: self.profile,
            subject_der: self.subject_der.clone(),
            public_key_der: self.public_key_der.clone(),
            sans: self.sans.clone(),
            validity,
            serial: cert::random_serial()?,
        };
        Ok(cert::issue(&spec, Signer::Ca(issuer))?)
    }
}

fn san_of(name: &GeneralName<'_>) -> Result<San, ReissueError> {
    let unsupported = |kind| Err(ReissueError::UnsupportedSan { kind });
    match name {
        GeneralName::DNSName(d) => Ok(San::Dns((*d).to_string())),
        GeneralName::RFC822Name(e) => Ok(San::Email((*e).to_string())),
        GeneralName::URI(u) => Ok(San::Uri((*u).to_string())),
        GeneralName::IPAddress(ip) => match ip.len() {
            4 => Ok(San::Ip(std::net::IpAddr::from(
                <[u8; 4]>::try_from(*ip).unwrap_or_default(),
            ))),
            16 => Ok(San::Ip(std::net::IpAddr::from(
                <[u8; 16]>::try_from(*ip).unwrap_or_default(),
            ))),
            _ => unsupported("malformed IP address"),
        },
        GeneralName::DirectoryName(_) => unsupported("directory name"),
        GeneralName::OtherName(..) => unsupported("otherName"),
        GeneralName::RegisteredID(_) => unsupported("registeredID"),
        GeneralName::EDIPartyName(_) => unsupported("ediPartyName"),
        GeneralName::X400Address(_) => unsupported("x400Address"),
        GeneralName::Invalid(..) => unsupported("malformed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::cert::tests::spec;
    use crate::pki::key::{KeyType, PrivateKey};

    fn ca(cn: &str) -> (Issuer, Vec<u8>) {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let ca = cert::issue(
            &spec(Profile::Ca { path_len: None }, &key, cn),
            Signer::SelfSigned(&key),
        )
        .unwrap();
        let der = ca.cert.der().to_vec();
        (Issuer::new(ca.cert, key).unwrap(), der)
    }

    #[test]
    fn a_reissue_keeps_subject_sans_role_and_key_under_the_new_ca() {
        let (old, _) = ca("Old");
        let (new, new_der) = ca("New");
        let key = PrivateKey::generate(KeyType::Rsa2048).unwrap();
        let mut s = spec(Profile::Server, &key, "db");
        s.sans = vec![San::Dns("db".into()), San::Ip([10, 0, 0, 5].into())];
        let leaf = cert::issue(&s, Signer::Ca(&old)).unwrap().cert;
        let t = Template::of(leaf.der()).unwrap();
        assert_eq!(t.profile, Profile::Server);
        assert_eq!(t.sans, s.sans);
        let validity = Validity::days_from(time::OffsetDateTime::now_utc(), 30);
        let again = t.issue(&new, validity).unwrap().cert;
        let (_, a) = X509Certificate::from_der(leaf.der()).unwrap();
        let (_, b) = X509Certificate::from_der(again.der()).unwrap();
        let (_, n) = X509Certificate::from_der(&new_der).unwrap();
        assert_eq!(a.subject().as_raw(), b.subject().as_raw());
        assert_eq!(a.public_key().raw, b.public_key().raw);
        assert_ne!(a.raw_serial(), b.raw_serial());
        assert_eq!(b.issuer().as_raw(), n.subject().as_raw());
        b.verify_signature(Some(n.public_key())).unwrap();
        let client = cert::issue(&spec(Profile::Client, &key, "c"), Signer::Ca(&old)).unwrap();
        assert_eq!(
            Template::of(client.cert.der()).unwrap().profile,
            Profile::Client
        );
    }
}
