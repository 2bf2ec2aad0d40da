//! Certificate profiles: the role decides the extensions, flags only supply names and lifetimes.
//!
//! Every profile follows RFC 5280 §4.2.1 and what the database servers check:
//! - MySQL/MariaDB clients with `--ssl-mode=VERIFY_IDENTITY` match the host against the server's
//!   SAN, so server certificates always carry one.
//! - OpenSSL ≥ 3.2 refuses a CA that is not X.509 v3 with CA:TRUE (brianmario/mysql2#1357), and
//!   a client certificate whose EKU lacks clientAuth fails MySQL's check; so roles never share EKUs.

use der::Encode;
use der::asn1::{Ia5String, ObjectIdentifier, OctetString};
use der::oid::AssociatedOid;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};

use super::Error;
use super::san::San;

/// id-kp-serverAuth (RFC 5280 §4.2.1.12).
const SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
/// id-kp-clientAuth (RFC 5280 §4.2.1.12).
const CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// Default lifetime of CAs: ten years, as mysql_ssl_rsa_setup and mysqld's auto-generation use.
pub const CA_DAYS: u32 = 3650;
/// Default lifetime of server and client certificates: 825 days, the longest TLS server
/// certificate lifetime Apple platforms accept (support.apple.com/HT210176).
pub const LEAF_DAYS: u32 = 825;

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// A self-signed root CA, optionally with a path length constraint.
    Ca {
        /// basicConstraints pathLenConstraint; `None` = unlimited.
        path_len: Option<u8>,
    },
    /// A subordinate CA signed by another CA.
    Intermediate {
        /// basicConstraints pathLenConstraint; 0 = it may sign only end-entity certificates.
        path_len: Option<u8>,
    },
    /// A TLS server (EKU serverAuth, SAN required).
    Server,
    /// A TLS client, e.g. a MySQL user `REQUIRE X509` (EKU clientAuth).
    Client,
}

/// The SANs a certificate gets under its role's policy ([`Profile::complete_sans`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedSans {
    /// Every SAN, without duplicates.
    pub sans: Vec<San>,
    /// The DNS name taken from the CN because a server certificate had none.
    pub from_cn: Option<San>,
}

/// Why a role's SAN policy cannot be met.
#[derive(Debug, thiserror::Error)]
pub enum SanPolicyError {
    /// A server certificate without SANs and without a CN.
    #[error("a server certificate needs a SAN")]
    NoCommonName,
    /// A server certificate without SANs whose CN is not a host name.
    #[error("a server certificate needs a SAN and the CN '{0}' is not a host name")]
    CommonNameNotHost(String),
    /// An email address of the subject that is not one.
    #[error(transparent)]
    Email(Error),
}

/// Inputs to the extensions that are not decided by the role.
#[derive(Debug, Clone)]
pub struct ExtensionInputs<'a> {
    /// The subject's key is RSA (RSA key transport needs keyEncipherment, RFC 5280 §4.2.1.3).
    pub rsa_key: bool,
    /// SubjectKeyIdentifier of the new certificate.
    pub subject_key_id: &'a [u8],
    /// The issuer's key identifier, `None` for a self-signed certificate.
    pub authority_key_id: Option<&'a [u8]>,
    /// subjectAltName entries.
    pub sans: &'a [San],
}

impl Profile {
    /// Short lowercase name ("ca", "intermediate", "server", "client").
    pub fn name(self) -> &'static str {
        match self {
            Profile::Ca { .. } => "ca",
            Profile::Intermediate { .. } => "intermediate",
            Profile::Server => "server",
            Profile::Client => "client",
        }
    }

    /// Whether certificates of this profile are CAs.
    pub fn is_ca(self) -> bool {
        matches!(self, Profile::Ca { .. } | Profile::Intermediate { .. })
    }

    /// The default lifetime in days.
    pub fn default_days(self) -> u32 {
        if self.is_ca() { CA_DAYS } else { LEAF_DAYS }
    }

    /// The default certificate file name (mysql_ssl_rsa_setup's names for ca, server, client).
    pub const fn cert_file(self) -> &'static str {
        match self {
            Profile::Ca { .. } => "ca.pem",
            Profile::Intermediate { .. } => "intermediate-cert.pem",
            Profile::Server => "server-cert.pem",
            Profile::Client => "client-cert.pem",
        }
    }

    /// The default private key file name.
    pub const fn key_file(self) -> &'static str {
        match self {
            Profile::Ca { .. } => "ca-key.pem",
            Profile::Intermediate { .. } => "intermediate-key.pem",
            Profile::Server => "server-key.pem",
            Profile::Client => "client-key.pem",
        }
    }

    /// The SAN policy of the role, applied to the SANs asked for (`given`) and the subject's
    /// last commonName and emailAddress values:
    /// - a server certificate always has a SAN: clients with `--ssl-mode=VERIFY_IDENTITY` check
    ///   the host against it (RFC 6125 §6.4.4 has them ignore the CN when a SAN is present), so
    ///   with none given the CN becomes its DNS name;
    /// - an email address in the subject MUST also be an rfc822Name SAN (RFC 5280 §4.1.2.6);
    /// - duplicates are dropped, the first kept.
    pub fn complete_sans<'a>(
        self,
        given: Vec<San>,
        common_name: Option<&str>,
        emails: impl IntoIterator<Item = &'a str>,
    ) -> Result<CompletedSans, SanPolicyError> {
        let mut sans = given;
        let mut from_cn = None;
        if self == Profile::Server && sans.is_empty() {
            let Some(cn) = common_name else {
                return Err(SanPolicyError::NoCommonName);
            };
            // San::parse trims the text it reads; only the end can be trimmed for a DNS name.
            match San::dns(cn.trim_end()) {
                Ok(san) => {
                    from_cn = Some(san.clone());
                    sans.push(san);
                }
                Err(_) => return Err(SanPolicyError::CommonNameNotHost(cn.to_string())),
            }
        }
        for email in emails {
            let san = San::email(email.trim_end()).map_err(SanPolicyError::Email)?;
            if !sans.contains(&san) {
                sans.push(san);
            }
        }
        let mut seen = Vec::new();
        sans.retain(|s| {
            let new = !seen.contains(s);
            seen.push(s.clone());
            new
        });
        Ok(CompletedSans { sans, from_cn })
    }

    /// The extensions of a certificate of this profile, in the order OpenSSL lists them.
    pub fn extensions(self, inputs: &ExtensionInputs<'_>) -> Result<Vec<Extension>, Error> {
        let mut exts = Vec::new();
        // basicConstraints: critical in CA certificates (RFC 5280 §4.2.1.9 MUST); also critical
        // CA:FALSE in leaves, as mysqld's own auto-generated certificates have.
        let path_len = match self {
            Profile::Ca { path_len } | Profile::Intermediate { path_len } => path_len,
            _ => None,
        };
        exts.push(extension(
            &BasicConstraints {
                ca: self.is_ca(),
                path_len_constraint: path_len,
            },
            true,
        )?);
        // keyUsage: critical (RFC 5280 §4.2.1.3 SHOULD).
        let usage = if self.is_ca() {
            KeyUsages::KeyCertSign | KeyUsages::CRLSign
        } else if inputs.rsa_key {
            KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment
        } else {
            KeyUsages::DigitalSignature.into()
        };
        exts.push(extension(&KeyUsage(usage), true)?);
        match self {
            Profile::Server => exts.push(extension(&ExtendedKeyUsage(vec![SERVER_AUTH]), false)?),
            Profile::Client => exts.push(extension(&ExtendedKeyUsage(vec![CLIENT_AUTH]), false)?),
            _ => {}
        }
        if !inputs.sans.is_empty() {
            exts.push(san_extension(inputs.sans)?);
        }
        exts.push(extension(
            &SubjectKeyIdentifier(octets(inputs.subject_key_id)?),
            false,
        )?);
        if let Some(akid) = inputs.authority_key_id {
            exts.push(extension(
                &AuthorityKeyIdentifier {
                    key_identifier: Some(octets(akid)?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
                false,
            )?);
        }
        Ok(exts)
    }
}

/// The subjectAltName extension for `sans` (non-critical: the subject is never empty,
/// RFC 5280 §4.2.1.6), shared with the CSR builder's extensionRequest.
pub(crate) fn san_extension(sans: &[San]) -> Result<Extension, Error> {
    let names = sans
        .iter()
        .map(general_name)
        .collect::<Result<Vec<_>, _>>()?;
    extension(&SubjectAltName(names), false)
}

fn extension<T: AssociatedOid + Encode>(value: &T, critical: bool) -> Result<Extension, Error> {
    let der = value
        .to_der()
        .map_err(|e| super::CertError::ExtensionEncoding {
            oid: T::OID,
            detail: e.to_string(),
        })?;
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: octets(&der)?,
    })
}

fn octets(bytes: &[u8]) -> Result<OctetString, Error> {
    OctetString::new(bytes).map_err(|e| {
        super::CertError::Encoding {
            step: "encoding an octet string",
            detail: e.to_string(),
        }
        .into()
    })
}

fn ia5(text: &str) -> Result<Ia5String, Error> {
    Ia5String::new(text).map_err(|_| {
        super::NameError::NotAscii {
            text: text.to_string(),
        }
        .into()
    })
}

fn general_name(san: &San) -> Result<GeneralName, Error> {
    Ok(match san {
        San::Dns(name) => GeneralName::DnsName(ia5(name)?),
        San::Email(addr) => GeneralName::Rfc822Name(ia5(addr)?),
        San::Uri(uri) => GeneralName::UniformResourceIdentifier(ia5(uri)?),
        San::Ip(std::net::IpAddr::V4(ip)) => GeneralName::IpAddress(octets(&ip.octets())?),
        San::Ip(std::net::IpAddr::V6(ip)) => GeneralName::IpAddress(octets(&ip.octets())?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(rsa: bool) -> ExtensionInputs<'static> {
        ExtensionInputs {
            rsa_key: rsa,
            subject_key_id: &[1; 20],
            authority_key_id: Some(&[2; 20]),
            sans: &[],
        }
    }

    #[test]
    fn only_ca_profiles_are_cas() {
        assert!(Profile::Ca { path_len: None }.is_ca());
        assert!(Profile::Intermediate { path_len: Some(0) }.is_ca());
        assert!(!Profile::Server.is_ca());
        assert!(!Profile::Client.is_ca());
        assert_eq!(Profile::Server.default_days(), 825);
    }

    #[test]
    fn servers_get_the_cn_as_san_and_emails_are_added() {
        let done = Profile::Server
            .complete_sans(Vec::new(), Some("DB1.example"), ["a@example.com"])
            .unwrap();
        assert_eq!(done.from_cn, Some(San::Dns("db1.example".into())));
        assert_eq!(
            done.sans,
            [
                San::Dns("db1.example".into()),
                San::Email("a@example.com".into())
            ]
        );
        assert!(matches!(
            Profile::Server.complete_sans(Vec::new(), Some("not a host"), []),
            Err(SanPolicyError::CommonNameNotHost(_))
        ));
        let client = Profile::Client
            .complete_sans(Vec::new(), Some("alice"), [])
            .unwrap();
        assert!(client.sans.is_empty() && client.from_cn.is_none());
        assert_eq!(Profile::Server.cert_file(), "server-cert.pem");
    }

    #[test]
    fn leaves_get_their_own_eku() {
        let server = Profile::Server.extensions(&inputs(true)).unwrap();
        let client = Profile::Client.extensions(&inputs(false)).unwrap();
        let eku = |exts: &[Extension]| {
            exts.iter()
                .find(|e| e.extn_id == ExtendedKeyUsage::OID)
                .map(|e| e.extn_value.as_bytes().to_vec())
        };
        assert_eq!(
            eku(&server),
            Some(ExtendedKeyUsage(vec![SERVER_AUTH]).to_der().unwrap())
        );
        assert_eq!(
            eku(&client),
            Some(ExtendedKeyUsage(vec![CLIENT_AUTH]).to_der().unwrap())
        );
        assert_eq!(
            eku(&Profile::Ca { path_len: None }
                .extensions(&inputs(true))
                .unwrap()),
            None
        );
    }
}
