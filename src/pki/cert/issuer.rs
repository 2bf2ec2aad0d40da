//! What a signing CA exposes to the other builders (CRLs, re-issuing).

use time::OffsetDateTime;

use super::{Certificate, Issuer};
use crate::pki::key::PrivateKey;

impl Issuer {
    /// The CA certificate.
    pub fn cert(&self) -> &Certificate {
        &self.cert
    }

    /// The CA's subject, DER, byte for byte (the issuer of everything it signs).
    pub fn subject_der(&self) -> &[u8] {
        &self.subject_der
    }

    /// The CA's key identifier: its SKID, else computed (the AKID of what it signs).
    pub fn key_id(&self) -> &[u8] {
        &self.key_id
    }

    /// The CA's private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The CA's notAfter.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Whether the CA may sign CRLs (keyUsage absent, or with cRLSign; OpenSSL refuses a CRL
    /// of an issuer without it, error 35).
    pub fn can_sign_crls(&self) -> bool {
        self.crl_sign
    }
}
