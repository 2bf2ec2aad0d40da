//! `dbtls csr new`: a key (new or given) and a PKCS#10 request for it.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::app::inputs::read_key;
use crate::app::key::KeyOutcome;
use crate::app::protection::{NEW_KEY_PASSWORD, Protection};
use crate::app::written::describe;
use crate::io::Transaction;
use crate::io::password::PassSpec;
use crate::pki::csr;
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::name::DistinguishedName;
use crate::pki::san::San;

/// Where the key of a CSR comes from.
#[derive(Debug, Clone)]
pub enum CsrKey {
    /// Generate one of this type and write it here.
    Generate {
        /// The key type.
        key_type: KeyType,
        /// Where the new key goes.
        out: PathBuf,
    },
    /// Use this existing key file (nothing is written for it).
    File {
        /// The key file.
        path: PathBuf,
        /// Its password, when it is encrypted.
        passin: Option<PassSpec>,
    },
}

/// Everything `csr new` needs, parsed and checked.
#[derive(Debug, Clone)]
pub struct CsrRequest {
    /// The requested subject.
    pub subject: DistinguishedName,
    /// The requested SANs (extensionRequest).
    pub sans: Vec<San>,
    /// The key.
    pub key: CsrKey,
    /// Where the CSR goes.
    pub out_csr: PathBuf,
    /// How a generated key is protected.
    pub protection: Protection,
    /// Replace existing files.
    pub force: bool,
}

/// Creates the CSR (and key).
pub fn run(req: &CsrRequest) -> Result<KeyOutcome> {
    let mut tx = Transaction::new(req.force);
    tx.check_writable(&req.out_csr)?;
    let password = match req.key {
        CsrKey::Generate { .. } => req.protection.password(NEW_KEY_PASSWORD)?,
        CsrKey::File { .. } => None,
    };
    let (key, out_key) = match &req.key {
        CsrKey::File { path, passin } => (read_key(path, passin.as_ref())?, None),
        CsrKey::Generate { key_type, out } => {
            tx.check_writable(out)?;
            (PrivateKey::generate(*key_type)?, Some(out))
        }
    };
    if req.subject.is_empty() {
        bail!("the subject is empty; give --subject");
    }
    let request = csr::build(&req.subject.to_der()?, &req.sans, &key)?;
    let mut written = Vec::new();
    tx.stage_public(&req.out_csr, request.to_pem().as_bytes())?;
    written.push((
        req.out_csr.clone(),
        "certificate signing request (PKCS#10)".to_string(),
    ));
    if let Some(out) = out_key {
        let bytes = req.protection.encode(&key, password.as_ref())?;
        tx.stage_secret(out, &bytes)?;
        written.push((out.clone(), req.protection.label(password.is_some())));
    }
    let committed = tx.commit_files()?;
    Ok(KeyOutcome {
        info: key.info(),
        files: describe(&committed, &written),
        written,
    })
}
