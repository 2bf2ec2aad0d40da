//! `dbtls csr new`: a key (new or given) and a PKCS#10 request for it.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::app::key::{Protection, check_specs, key_pem, load_key, private_label};
use crate::io::password::PassSpec;
use crate::io::{Mode, Transaction};
use crate::pki::csr;
use crate::pki::key::{KeyInfo, KeyType, PrivateKey};
use crate::pki::name::DistinguishedName;
use crate::pki::san::San;

/// Everything `csr new` needs, already parsed.
#[derive(Debug, Clone)]
pub struct CsrRequest {
    /// The requested subject.
    pub subject: DistinguishedName,
    /// The requested SANs (extensionRequest).
    pub sans: Vec<San>,
    /// Generate a key of this type, unless `key` is given.
    pub key_type: KeyType,
    /// Use this existing key (and its password spec) instead.
    pub key: Option<(PathBuf, Option<PassSpec>)>,
    /// Where the CSR goes.
    pub out_csr: PathBuf,
    /// Where a generated key goes.
    pub out_key: Option<PathBuf>,
    /// How a generated key is protected.
    pub protection: Protection,
    /// Replace existing files.
    pub force: bool,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct CsrOutcome {
    /// The key.
    pub info: KeyInfo,
    /// Files written and what each is.
    pub written: Vec<(PathBuf, String)>,
}

/// Creates the CSR (and key).
pub fn run(req: &CsrRequest) -> Result<CsrOutcome> {
    let mut tx = Transaction::new(req.force);
    tx.check_writable(&req.out_csr)?;
    let key_passin = req.key.as_ref().and_then(|(_, p)| p.as_ref());
    check_specs(&[key_passin, req.protection.passout.as_ref()])?;
    let password = if req.key.is_none() {
        req.protection.password("New key password")?
    } else {
        None
    };
    let (key, out_key) = match (&req.key, &req.out_key) {
        (Some(_), Some(_)) => {
            bail!("--out-key is only for a generated key (with --key the key stays where it is)")
        }
        (Some((path, passin)), None) => (load_key(path, passin.as_ref())?, None),
        (None, Some(out)) => {
            tx.check_writable(out)?;
            (PrivateKey::generate(req.key_type)?, Some(out))
        }
        (None, None) => bail!("--out-key FILE is needed for the new key (or give --key FILE)"),
    };
    if req.subject.is_empty() {
        bail!("the subject is empty; give --subject");
    }
    let request = csr::build(&req.subject.to_der()?, &req.sans, &key)?;
    let mut written = Vec::new();
    tx.stage(&req.out_csr, request.to_pem().as_bytes(), Mode::Public)?;
    written.push((
        req.out_csr.clone(),
        "certificate signing request (PKCS#10)".to_string(),
    ));
    if let Some(out) = out_key {
        let pem = key_pem(&key, password.as_ref(), req.protection.kdf)?;
        tx.stage(out, pem.as_bytes(), Mode::Secret)?;
        written.push((
            out.clone(),
            private_label(password.is_some(), req.protection.kdf),
        ));
    }
    tx.commit()?;
    Ok(CsrOutcome {
        info: key.info(),
        written,
    })
}
