//! What a command wrote, described for the machine-readable summaries (`--format json`): every
//! command that writes files turns its committed transaction into [`WrittenFile`]s with
//! [`describe`], so the JSON of all of them has one shape.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::io::{Committed, Mode};
use crate::pki::describe::CertInfo;
use crate::pki::oneline::Dialect;

/// One written file.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    /// Where it was written.
    pub path: PathBuf,
    /// What it holds, as a stable token (`certificate`, `private-key`, `pkcs12`, ...).
    pub kind: &'static str,
    /// What it is for, in the words of the text summary (empty when the command has none).
    pub description: String,
    /// Its permission bits.
    pub mode: u32,
    /// For a certificate file: the (first) certificate's subject, OpenSSL 3 one-line form.
    pub subject: Option<String>,
    /// For a certificate file: its notAfter.
    pub not_after: Option<OffsetDateTime>,
    /// For a certificate file: SHA-256 of its DER, colon hex (as `openssl x509 -fingerprint`).
    pub sha256_fingerprint: Option<String>,
    /// SHA-256 of the file's bytes, plain hex (as `sha256sum` prints it).
    pub sha256: String,
}

/// Describes the committed files; `labels` are the text summary's words for some of the paths.
pub fn describe(committed: &[Committed], labels: &[(PathBuf, String)]) -> Vec<WrittenFile> {
    let description = |p: &Path| {
        labels
            .iter()
            .find(|(l, _)| l == p)
            .map(|(_, d)| d.clone())
            .unwrap_or_default()
    };
    committed
        .iter()
        .map(|c| {
            let (kind, cert) = classify(&c.path, c.mode, &c.content);
            let info = cert.and_then(|der| CertInfo::from_der(&der, Dialect::Openssl3).ok());
            WrittenFile {
                path: c.path.clone(),
                kind,
                description: description(&c.path),
                mode: c.mode.bits(),
                subject: info.as_ref().map(|i| i.subject.text()),
                not_after: info.as_ref().map(|i| i.not_after),
                sha256_fingerprint: info.map(|i| i.sha256_fingerprint),
                sha256: hex(&Sha256::digest(c.content.as_slice())),
            }
        })
        .collect()
}

/// The kind of a written file, and the DER of its first certificate if it is a PEM or DER
/// certificate file. The containers are named by their extension: dbtls chose it.
fn classify(path: &Path, mode: Mode, content: &[u8]) -> (&'static str, Option<Vec<u8>>) {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jks" => return ("jks", None),
        "p12" | "pfx" => return ("pkcs12", None),
        "zip" => return ("zip", None),
        "txt" => return ("text", None),
        _ => {}
    }
    if let Ok(blocks) = pem::parse_many(content)
        && let Some(first) = blocks.first()
    {
        let certs = blocks.iter().filter(|b| b.tag() == "CERTIFICATE").count();
        let keys = blocks.iter().any(|b| b.tag().ends_with("PRIVATE KEY"));
        let cert = blocks
            .iter()
            .find(|b| b.tag() == "CERTIFICATE")
            .map(|b| b.contents().to_vec());
        let kind = match first.tag() {
            _ if keys && certs > 0 => "pem-bundle",
            t if t.ends_with("PRIVATE KEY") => "private-key",
            "CERTIFICATE" if certs > 1 => "certificate-chain",
            "CERTIFICATE" => "certificate",
            "CERTIFICATE REQUEST" => "csr",
            "PUBLIC KEY" => "public-key",
            "PKCS7" => "pkcs7",
            "X509 CRL" => "crl",
            _ => "pem",
        };
        return (kind, cert);
    }
    if ext == "p7b" || ext == "p7c" {
        return ("pkcs7", None);
    }
    if mode == Mode::Secret {
        return ("private-key", None);
    }
    match CertInfo::from_der(content, Dialect::Openssl3) {
        Ok(_) => ("certificate", Some(content.to_vec())),
        Err(_) => ("file", None),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
