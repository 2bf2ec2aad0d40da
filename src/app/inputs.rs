//! THE readers of certificate and key files, shared by every command, so `issue --ca` accepts
//! what `export --cert` accepts and every key is read the same way, zeroized and prompted once.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

use crate::formats::p7b;
use crate::io::password::{self, PassSpec, Purpose};
use crate::pki::key::PrivateKey;
use crate::pki::keyfile;

/// The PEM labels of a certificate: RFC 7468's `CERTIFICATE` and the older `X509 CERTIFICATE`
/// that OpenSSL still reads. (`TRUSTED CERTIFICATE` carries OpenSSL trust data after the
/// certificate, so it is not a plain certificate and is not in this list.)
pub const CERTIFICATE_PEM_LABELS: [&str; 2] = ["CERTIFICATE", "X509 CERTIFICATE"];

/// Whether `tag` is one of [`CERTIFICATE_PEM_LABELS`].
pub fn is_certificate_label(tag: &str) -> bool {
    CERTIFICATE_PEM_LABELS.contains(&tag)
}

/// Reads every certificate in a file, as DER: PEM (any number of certificate blocks, so a
/// chain), a single DER certificate, or a PKCS#7 `.p7b` (DER or PEM). Errors name the file.
pub fn read_certs(path: &Path) -> Result<Vec<Vec<u8>>> {
    let data = crate::io::read(path)?;
    let name = path.display();
    if p7b::is_p7b(&data) {
        return p7b::read(&data).with_context(|| format!("{name}"));
    }
    if let Ok(blocks) = pem::parse_many(&data)
        && !blocks.is_empty()
    {
        let certs: Vec<Vec<u8>> = blocks
            .into_iter()
            .filter(|b| is_certificate_label(b.tag()))
            .map(pem::Pem::into_contents)
            .collect();
        if certs.is_empty() {
            bail!("{name}: no CERTIFICATE block in this PEM file");
        }
        for (i, c) in certs.iter().enumerate() {
            x509_parser::parse_x509_certificate(c)
                .map_err(|e| anyhow::anyhow!("{name}: certificate {} is malformed: {e}", i + 1))?;
        }
        return Ok(certs);
    }
    match x509_parser::parse_x509_certificate(&data) {
        Ok(_) => Ok(vec![data]),
        Err(_) => bail!("{name}: not a certificate (PEM, DER or .p7b expected)"),
    }
}

/// Reads the certificates of several files, in order; at least one must be found.
pub fn read_all_certs(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>> {
    let mut all = Vec::new();
    for p in paths {
        all.extend(read_certs(p)?);
    }
    if all.is_empty() {
        bail!("no certificate was given");
    }
    Ok(all)
}

/// Reads a private key file in any supported encoding (PKCS#8 plain or encrypted, PKCS#1, SEC1,
/// legacy encrypted PEM, DER), asking for its password (from `passin`, else one prompt,
/// `Password for FILE`) only when it is encrypted. The file's bytes are zeroized after use;
/// errors name the file.
pub fn read_key(path: &Path, passin: Option<&PassSpec>) -> Result<PrivateKey> {
    let data = Zeroizing::new(crate::io::read(path)?);
    let password = if keyfile::is_encrypted(&data) {
        Some(password::read(
            passin,
            Purpose::Existing,
            &format!("Password for {}", path.display()),
        )?)
    } else {
        None
    };
    keyfile::decode_private_key(&data, password.as_ref().map(|p| p.as_bytes()))
        .with_context(|| path.display().to_string())
}
