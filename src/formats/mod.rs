//! Containers that carry certificates and keys: PKCS#7 (.p7b), JKS and PKCS#12, and the
//! detection of what a file holds. Pure: bytes in, bytes out.

pub mod detect;
pub mod jks;
pub mod p12;
pub mod p7b;

/// Errors of the container readers and writers. Messages never contain key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a well-formed container of this kind.
    #[error("{0}")]
    Malformed(String),
    /// The store password is wrong (integrity check or decryption failed).
    #[error("{0}")]
    Password(String),
    /// A value cannot be written in this container.
    #[error("{0}")]
    Unsupported(String),
}

/// A private key with its certificate chain (leaf first), as stored in a key store.
#[derive(Debug)]
pub struct KeyEntry {
    /// The entry's alias (JKS) or friendlyName (PKCS#12).
    pub alias: String,
    /// The key.
    pub key: crate::pki::key::PrivateKey,
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
}

/// A trusted certificate entry.
#[derive(Debug, Clone)]
pub struct CertEntry {
    /// The entry's alias or friendlyName.
    pub alias: String,
    /// DER certificate.
    pub der: Vec<u8>,
}

/// A private key entry whose key was not decrypted (the store was read without a password, or
/// the key has a password of its own): its alias and certificate chain only.
#[derive(Debug, Clone)]
pub struct LockedKeyEntry {
    /// The entry's alias.
    pub alias: String,
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
}

/// What a key store holds.
#[derive(Debug, Default)]
pub struct Store {
    /// Private key entries (empty when the store was read without a password).
    pub keys: Vec<KeyEntry>,
    /// Private key entries listed without their key (see [`LockedKeyEntry`]).
    pub locked_keys: Vec<LockedKeyEntry>,
    /// Trusted certificate entries.
    pub certs: Vec<CertEntry>,
    /// Whether the store's integrity (JKS digest, PKCS#12 MAC) was verified.
    pub integrity_checked: bool,
}
