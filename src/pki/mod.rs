//! The PKI core: keys, names, certificate profiles and issuance.
//!
//! Nothing in here parses command lines, prints, or touches the file system: functions take
//! bytes and typed requests and return bytes and typed results. The CLI layer converts what was
//! typed into these requests; [`crate::io`] writes what comes back.

pub mod cert;
pub mod chain;
pub mod csr;
pub mod key;
pub mod keyfile;
pub mod name;
pub mod oids;
pub mod oneline;
pub mod profile;
pub mod san;
pub mod subject;
pub mod verify;

/// Errors of the PKI core. Messages are lowercase "what failed: why" and never carry key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key could not be generated, parsed or used.
    #[error("{0}")]
    Key(String),
    /// A certificate or CSR could not be built, parsed or signed.
    #[error("{0}")]
    Cert(String),
    /// A subject or SAN could not be parsed.
    #[error("{0}")]
    Name(String),
    /// The issuer cannot sign the requested certificate.
    #[error("{0}")]
    Issuer(String),
    /// A password was wrong, or a decryption failed.
    #[error("{0}")]
    Decrypt(String),
}
