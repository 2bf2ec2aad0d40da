//! Certificate verification with OpenSSL 3's verdict, plus the warnings OpenSSL does not give.
//!
//! [`verify`] accepts or refuses exactly the certificate sets that
//! `openssl verify [-x509_strict] -purpose ... [-verify_hostname H | -verify_ip A]
//! [-crl_check -CRLfile F] -attime T -CAfile CA -untrusted U CERT` accepts or refuses, and for a
//! refusal names the same first error ([`Reason`], with its `X509_V_ERR_*` number). Without
//! [`Options::strict`] that is what MySQL and MariaDB (linked against OpenSSL, no
//! `X509_STRICT`) decide during a handshake; the strict refusals then become warnings. On top of that it
//! warns about what OpenSSL accepts but some database client refuses (rustls, Go, WolfSSL,
//! security level 2), naming the client. Pure: parsed certificates in, a [`Verification`] out.

mod advice;
pub mod cert;
mod chain;
pub mod crl;
mod extensions;
pub mod host;
mod reason;
mod signature;

use std::net::IpAddr;

use serde::Serialize;

pub use cert::Cert;
pub use crl::Crl;
pub use reason::Reason;

/// Whether `subject`'s signature verifies with `issuer`'s public key (the signature check
/// alone: names, validity and extensions are [`verify`]'s).
pub fn issued_by(subject: &Cert, issuer: &Cert) -> bool {
    signature::verify(
        &subject.sig_oid,
        subject.sig_params.as_deref(),
        &signature::KeyRef::of(issuer),
        &subject.tbs,
        &subject.signature,
    )
    .is_ok()
}

/// Errors of the verification core: input that is not what it claims to be.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bytes that do not parse as a certificate or CRL.
    #[error("{0}")]
    Malformed(String),
}

/// What the end-entity certificate is for (OpenSSL's `-purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// A TLS server (`sslserver`): EKU serverAuth, keyUsage for TLS, nsCertType server.
    Server,
    /// A TLS client (`sslclient`): EKU clientAuth, keyUsage digitalSignature/keyAgreement.
    Client,
    /// A CA certificate: no purpose check (`any`), but it must be a CA.
    Ca,
    /// No purpose check (`openssl verify` without `-purpose`).
    Any,
}

/// A name a client connects with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A DNS name (matched as `X509_check_host`).
    Dns(String),
    /// An IP address (matched as `X509_check_ip`, against iPAddress SANs only).
    Ip(IpAddr),
}

impl Host {
    /// An IP address when `name` is one, else a DNS name.
    pub fn parse(name: &str) -> Host {
        name.parse::<IpAddr>()
            .map_or_else(|_| Host::Dns(name.to_string()), Host::Ip)
    }
}

/// What to verify and how.
#[derive(Debug, Clone)]
pub struct Input {
    /// The certificate to verify.
    pub leaf: Cert,
    /// Certificates that may complete the chain but are not trusted.
    pub untrusted: Vec<Cert>,
    /// Trust anchors.
    pub anchors: Vec<Cert>,
    /// CRLs; when any is given the leaf is checked against them (`-crl_check`).
    pub crls: Vec<Crl>,
    /// The SubjectPublicKeyInfo (DER) of a private key that must belong to the leaf.
    pub key_spki: Option<Vec<u8>>,
}

/// Options of a verification.
#[derive(Debug, Clone)]
pub struct Options {
    /// The purpose checked.
    pub purpose: Purpose,
    /// Names that must match the leaf.
    pub hosts: Vec<Host>,
    /// Verification time, unix seconds.
    pub at: i64,
    /// Expiry within this many days is a warning.
    pub warn_days: i64,
    /// Expiry within this many days is an error.
    pub fail_days: Option<i64>,
    /// OpenSSL's `X509_V_FLAG_X509_STRICT` (`-x509_strict`). MySQL and MariaDB do not set it:
    /// `false` judges as they do, reporting what strict mode would refuse as warnings.
    pub strict: bool,
}

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Passed.
    Ok,
    /// Accepted by OpenSSL but refused by some client, or close to failing.
    Warning,
    /// Refused.
    Error,
}

/// What a check looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// Building the chain to a trust anchor.
    Chain,
    /// CA status, strict RFC 5280 rules, critical extensions.
    Extensions,
    /// The purpose (EKU, keyUsage, nsCertType).
    Purpose,
    /// basicConstraints pathLenConstraint.
    PathLength,
    /// Host name or IP address.
    Host,
    /// Revocation against the CRLs.
    Revocation,
    /// A signature in the chain.
    Signature,
    /// notBefore / notAfter.
    Validity,
    /// The private key against the certificate.
    Key,
    /// X.509 version (v1 certificates).
    Version,
    /// basicConstraints of a CA.
    BasicConstraints,
    /// subjectAltName presence.
    San,
    /// Key size and signature hash at OpenSSL security level 2.
    SecurityLevel,
    /// Expiry soon.
    Expiry,
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked.
    pub check: CheckKind,
    /// The outcome.
    pub status: Status,
    /// Depth in the chain (0 = the leaf) of the certificate concerned, if one.
    pub depth: Option<usize>,
    /// What was found, for a human.
    pub detail: String,
    /// The refusal reason of an error.
    pub reason: Option<Reason>,
}

impl Check {
    /// The error check for an OpenSSL refusal `reason` of the certificate at `depth`.
    pub fn refusal(check: CheckKind, depth: usize, reason: Reason) -> Check {
        Check {
            check,
            status: Status::Error,
            depth: Some(depth),
            detail: reason.text().to_string(),
            reason: Some(reason),
        }
    }
}

/// The result of [`verify`].
#[derive(Debug, Clone)]
pub struct Verification {
    /// Every check, in the order performed.
    pub checks: Vec<Check>,
    /// The chain found, leaf first (up to the anchor when one was reached).
    pub chain: Vec<Cert>,
    /// How many of `chain` (from the leaf) are not trust anchors.
    pub num_untrusted: usize,
    /// The first error: the reason of the refusal, with its depth; `None` when accepted.
    pub failure: Option<(Reason, usize)>,
}

impl Verification {
    /// Whether verification succeeded (warnings allowed).
    pub fn accepted(&self) -> bool {
        self.failure.is_none()
    }

    /// Whether any check is a warning.
    pub fn has_warnings(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Warning)
    }

    /// The first OpenSSL error, as `openssl verify` would print it first.
    pub fn openssl_failure(&self) -> Option<(Reason, usize)> {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Error)
            .filter_map(|c| Some((c.reason?, c.depth.unwrap_or(0))))
            .find(|(r, _)| r.openssl_code().is_some())
    }
}

/// Verifies `input` as OpenSSL 3 would, then adds dbtls's own checks and warnings.
pub fn verify(input: Input, options: &Options) -> Verification {
    let at = options.at;
    let built = chain::build(input.leaf, &input.untrusted, &input.anchors, at);
    let mut checks = Vec::new();
    let mut openssl: Vec<Check> = Vec::new();
    let err = Check::refusal;
    let ok = |check, depth, detail: String| Check {
        check,
        status: Status::Ok,
        depth,
        detail,
        reason: None,
    };
    let chain = &built.certs;
    if let Some((reason, depth)) = built.error {
        openssl.push(err(CheckKind::Chain, depth, reason));
    } else {
        openssl.push(ok(
            CheckKind::Chain,
            None,
            format!("{} certificates up to a trust anchor", chain.len()),
        ));
        run_openssl_checks(chain, &input.crls, options, &mut openssl);
    }
    // `openssl verify` stops at the first error its callback does not excuse.
    if let Some(stop) = openssl
        .iter()
        .position(|c| c.status == Status::Error && c.reason.is_some_and(|r| !r.openssl_continues()))
    {
        openssl.truncate(stop + 1);
    }
    checks.extend(openssl);
    advice::own_checks(chain, &input.key_spki, options, &mut checks);
    advice::warnings(chain, options, &mut checks);
    let failure = checks
        .iter()
        .find(|c| c.status == Status::Error)
        .and_then(|c| Some((c.reason?, c.depth.unwrap_or(0))));
    Verification {
        checks,
        chain: built.certs,
        num_untrusted: built.num_untrusted,
        failure,
    }
}

/// `check_extensions`, `check_id`, `check_revocation`, `internal_verify`, in that order.
fn run_openssl_checks(chain: &[Cert], crls: &[Crl], options: &Options, out: &mut Vec<Check>) {
    let err = Check::refusal;
    let found = extensions::check(chain, options.purpose, options.strict);
    let ext_errors = found.errors;
    for &(reason, depth) in &ext_errors {
        let kind = match reason {
            Reason::InvalidPurpose => CheckKind::Purpose,
            Reason::PathLengthExceeded => CheckKind::PathLength,
            _ => CheckKind::Extensions,
        };
        out.push(err(kind, depth, reason));
    }
    if ext_errors.is_empty() {
        out.push(Check {
            check: CheckKind::Purpose,
            status: Status::Ok,
            depth: None,
            detail: format!(
                "CA flags, path length and purpose ({}) fit",
                purpose_name(options.purpose)
            ),
            reason: None,
        });
    }
    for (reason, depth) in found.strict_only {
        out.push(Check {
            check: CheckKind::Extensions,
            status: Status::Warning,
            depth: Some(depth),
            detail: advice::strict_warning(reason),
            reason: Some(reason),
        });
    }
    for h in &options.hosts {
        let (matched, name, reason) = match h {
            Host::Dns(d) => (
                host::matches_host(&chain[0], d),
                d.clone(),
                Reason::HostnameMismatch,
            ),
            Host::Ip(ip) => (
                host::matches_ip(&chain[0], *ip),
                ip.to_string(),
                Reason::IpAddressMismatch,
            ),
        };
        out.push(if matched {
            Check {
                check: CheckKind::Host,
                status: Status::Ok,
                depth: Some(0),
                detail: format!("{name} matches"),
                reason: None,
            }
        } else {
            Check {
                detail: format!("{}: {name} does not match", reason.text()),
                ..err(CheckKind::Host, 0, reason)
            }
        });
    }
    if !crls.is_empty() {
        match crl::check(chain, crls, options.at) {
            crl::Outcome::NotRevoked => out.push(Check {
                check: CheckKind::Revocation,
                status: Status::Ok,
                depth: Some(0),
                detail: "not revoked (CRL valid and signed by the issuer)".into(),
                reason: None,
            }),
            crl::Outcome::Failed(reasons) => {
                for r in reasons {
                    out.push(err(CheckKind::Revocation, 0, r));
                }
            }
        }
    }
    internal_verify(chain, options.at, out);
}

/// Signatures and validity from the top of the chain down (OpenSSL's `internal_verify`).
fn internal_verify(chain: &[Cert], at: i64, out: &mut Vec<Check>) {
    let err = Check::refusal;
    let top = chain.len() - 1;
    let mut n = top;
    let mut issuer = top;
    if !cert::likely_issued(&chain[top], &chain[top]) {
        if top == 0 {
            out.push(err(
                CheckKind::Signature,
                0,
                Reason::UnableToVerifyLeafSignature,
            ));
            return;
        }
        n = top - 1;
    }
    loop {
        let xs = &chain[n];
        let xi = &chain[issuer];
        if n != issuer {
            if xi.ku_rejects(cert::ku::KEY_CERT_SIGN) {
                out.push(err(
                    CheckKind::Signature,
                    issuer,
                    Reason::KeyUsageNoCertSign,
                ));
            }
            let key = signature::KeyRef {
                key_oid: &xi.key_oid,
                curve_oid: xi.curve_oid.as_deref(),
                public_key: &xi.public_key,
                rsa_bits: xi.rsa_bits,
            };
            match signature::verify(
                &xs.sig_oid,
                xs.sig_params.as_deref(),
                &key,
                &xs.tbs,
                &xs.signature,
            ) {
                Ok(()) => out.push(Check {
                    check: CheckKind::Signature,
                    status: Status::Ok,
                    depth: Some(n),
                    detail: format!("signed by the certificate at depth {issuer}"),
                    reason: None,
                }),
                Err(signature::SigError::Unsupported) => out.push(Check {
                    detail: "signature algorithm not supported by dbtls".into(),
                    ..err(CheckKind::Signature, n, Reason::CertSignatureFailure)
                }),
                Err(signature::SigError::Invalid) => {
                    out.push(err(CheckKind::Signature, n, Reason::CertSignatureFailure));
                }
            }
        }
        if xs.not_before > at {
            out.push(err(CheckKind::Validity, n, Reason::CertNotYetValid));
        } else if xs.not_after <= at {
            out.push(err(CheckKind::Validity, n, Reason::CertHasExpired));
        } else {
            out.push(Check {
                check: CheckKind::Validity,
                status: Status::Ok,
                depth: Some(n),
                detail: "within its validity period".into(),
                reason: None,
            });
        }
        if n == 0 {
            break;
        }
        issuer = n;
        n -= 1;
    }
}

/// OpenSSL's name of a purpose.
pub fn purpose_name(p: Purpose) -> &'static str {
    match p {
        Purpose::Server => "sslserver",
        Purpose::Client => "sslclient",
        Purpose::Ca | Purpose::Any => "any",
    }
}

#[cfg(test)]
mod tests;
