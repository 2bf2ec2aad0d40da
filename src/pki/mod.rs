//! The PKI core: keys, names, certificate profiles and issuance.
//!
//! Nothing in here parses command lines, prints, or touches the file system: functions take
//! bytes and typed requests and return bytes and typed results. The CLI layer converts what was
//! typed into these requests; [`crate::io`] writes what comes back.

pub mod cert;
pub mod chain;
pub mod crl;
pub mod csr;
pub mod describe;
mod error;
pub mod key;
pub mod keyfile;
pub mod name;
pub mod oids;
pub mod oneline;
pub mod profile;
pub mod renew;
pub mod san;
pub mod subject;
pub mod verify;

pub use error::{
    CertError, DecryptError, Error, IssuerError, KeyError, NameError, SanProblem, SubjectProblem,
};
