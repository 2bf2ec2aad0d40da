//! Revocation as OpenSSL 3 checks it with `-crl_check` (`X509_V_FLAG_CRL_CHECK`): only the leaf,
//! against the CRLs given. A CRL applies when its issuer name is the leaf's issuer name and its
//! AKID fits the leaf's issuer; among those a currently valid one wins, then the newest. Then, in
//! OpenSSL's order: keyUsage cRLSign of the issuer, the CRL's time, its signature, critical
//! extensions, the revoked list.

use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::cert::{Akid, CanonName, Cert, canon, ku};
use super::signature::{self, KeyRef};
use super::{Error, Reason};

/// A parsed CRL.
#[derive(Debug, Clone)]
pub struct Crl {
    issuer: CanonName,
    akid: Option<Akid>,
    this_update: i64,
    next_update: Option<i64>,
    revoked: Vec<Vec<u8>>,
    unhandled_critical: bool,
    delta: bool,
    tbs: Vec<u8>,
    sig_oid: String,
    sig_params: Option<Vec<u8>>,
    signature: Vec<u8>,
}

impl Crl {
    /// Parses one DER CRL.
    pub fn parse(der: &[u8]) -> Result<Crl, Error> {
        let (_, crl) = CertificateRevocationList::from_der(der)
            .map_err(|e| Error::Malformed(format!("not a CRL: {e}")))?;
        let tbs = &crl.tbs_cert_list;
        let mut akid = None;
        let mut unhandled_critical = false;
        let mut delta = false;
        for ext in tbs.extensions() {
            let oid = ext.oid.to_id_string();
            delta |= oid == "2.5.29.27";
            // OpenSSL handles IDP, AKID, cRLNumber and deltaCRLIndicator.
            if ext.critical
                && !matches!(
                    oid.as_str(),
                    "2.5.29.28" | "2.5.29.35" | "2.5.29.20" | "2.5.29.27"
                )
            {
                unhandled_critical = true;
            }
            if let x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a) =
                ext.parsed_extension()
            {
                akid = Some(Akid {
                    key_id: a.key_identifier.as_ref().map(|k| k.0.to_vec()),
                    issuer: None,
                    serial: None,
                });
            }
        }
        Ok(Crl {
            issuer: canon(&tbs.issuer),
            akid,
            this_update: tbs.this_update.timestamp(),
            next_update: tbs.next_update.map(|t| t.timestamp()),
            revoked: crl
                .iter_revoked_certificates()
                .map(|r| strip(r.raw_serial()))
                .collect(),
            unhandled_critical,
            delta,
            tbs: tbs.as_ref().to_vec(),
            sig_oid: crl.signature_algorithm.algorithm.to_id_string(),
            sig_params: crl
                .signature_algorithm
                .parameters
                .as_ref()
                .map(|p| p.as_bytes().to_vec()),
            signature: crl.signature_value.data.to_vec(),
        })
    }

    /// thisUpdate, unix seconds.
    pub fn this_update(&self) -> i64 {
        self.this_update
    }

    /// nextUpdate, unix seconds, if any.
    pub fn next_update(&self) -> Option<i64> {
        self.next_update
    }

    /// Whether `issuer` issued this CRL: its subject is the CRL's issuer and its key verifies
    /// the CRL's signature.
    pub fn signed_by(&self, issuer: &Cert) -> bool {
        let key = KeyRef::of(issuer);
        issuer.subject == self.issuer
            && signature::verify(
                &self.sig_oid,
                self.sig_params.as_deref(),
                &key,
                &self.tbs,
                &self.signature,
            )
            .is_ok()
    }

    fn time_ok(&self, at: i64) -> bool {
        self.this_update <= at && self.next_update.is_none_or(|n| n > at)
    }
}

/// What the CRL check found for the leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A CRL applied, verified, and does not list the leaf.
    NotRevoked,
    /// Errors in OpenSSL's order (the callback of `openssl verify` carries on after CRL time
    /// errors, so more than one can be reported).
    Failed(Vec<Reason>),
}

/// Checks the leaf (`chain[0]`) against `crls` at time `at`.
pub fn check(chain: &[Cert], crls: &[Crl], at: i64) -> Outcome {
    let leaf = &chain[0];
    // The issuer is the next certificate, or the leaf itself when it is alone.
    let issuer = chain.get(1).unwrap_or(leaf);
    let akid_fits = |c: &Crl| {
        c.akid
            .as_ref()
            .is_none_or(|a| match (&a.key_id, &issuer.skid) {
                (Some(k), Some((s, _))) => k == s,
                _ => true,
            })
    };
    let mut best: Option<(&Crl, u8)> = None;
    for c in crls {
        if c.delta || c.issuer != leaf.issuer || !akid_fits(c) {
            continue;
        }
        let score = u8::from(!c.unhandled_critical) + 2 * u8::from(c.time_ok(at));
        let better = match best {
            None => true,
            Some((b, s)) => score > s || (score == s && c.this_update > b.this_update),
        };
        if better {
            best = Some((c, score));
        }
    }
    let Some((crl, _)) = best else {
        return Outcome::Failed(vec![Reason::UnableToGetCrl]);
    };
    let mut errors = Vec::new();
    if chain.len() == 1 && !leaf.self_issued() {
        return Outcome::Failed(vec![Reason::UnableToGetCrlIssuer]);
    }
    if issuer.key_usage.is_some_and(|k| k & ku::CRL_SIGN == 0) {
        return Outcome::Failed(vec![Reason::KeyUsageNoCrlSign]);
    }
    if crl.this_update > at {
        errors.push(Reason::CrlNotYetValid);
    } else if crl.next_update.is_some_and(|n| n <= at) {
        errors.push(Reason::CrlHasExpired);
    }
    let key = KeyRef {
        key_oid: &issuer.key_oid,
        curve_oid: issuer.curve_oid.as_deref(),
        public_key: &issuer.public_key,
        rsa_bits: issuer.rsa_bits,
    };
    if signature::verify(
        &crl.sig_oid,
        crl.sig_params.as_deref(),
        &key,
        &crl.tbs,
        &crl.signature,
    )
    .is_err()
    {
        errors.push(Reason::CrlSignatureFailure);
        return Outcome::Failed(errors);
    }
    if crl.unhandled_critical {
        errors.push(Reason::UnhandledCriticalCrlExtension);
        return Outcome::Failed(errors);
    }
    if crl.revoked.contains(&leaf.serial) {
        errors.push(Reason::CertRevoked);
    }
    if errors.is_empty() {
        Outcome::NotRevoked
    } else {
        Outcome::Failed(errors)
    }
}

fn strip(b: &[u8]) -> Vec<u8> {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b[start..].to_vec()
}
