//! `dbtls export bundle`: one CA set as NAME.pem, NAME.p7b, NAME.jks, NAME.p12 and a README.txt,
//! in a directory or a zip file.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::app::export::{ExportOutcome, pem_certs, store_password, trust_store};
use crate::app::inputs::read_all_certs;
use crate::formats::{self, p7b, p12};
use crate::io::password::PassSpec;
use crate::io::{self, Mode, Secret, Transaction};
use crate::pki::chain;

/// `dbtls export bundle`.
#[derive(Debug, Clone)]
pub struct BundleRequest {
    /// CA certificate files.
    pub cas: Vec<PathBuf>,
    /// A directory, or a file ending in `.zip`.
    pub out: PathBuf,
    /// The password of the .jks and .p12 truststores.
    pub passout: Option<PassSpec>,
    /// The base name of the files (`ca` gives ca.pem, ca.p7b, ca.jks, ca.p12).
    pub name: String,
    /// Replace existing files.
    pub force: bool,
}

/// The README.txt of a bundle: which file is for which client, and the fingerprints.
fn bundle_readme(name: &str, certs: &[Vec<u8>]) -> String {
    let mut t = format!(
        "CA certificates for database TLS clients, written by dbtls {version}.\n\
         The four files hold the same certificates; use the one your client reads.\n\n\
         {name}.pem  PEM. mysql/mariadb command-line clients (--ssl-ca={name}.pem), my.cnf ssl-ca,\n\
         {pad}      TiDB, libmysqlclient/libmariadb (PHP, Python, Go, Node, ODBC), OpenSSL tools.\n\
         {name}.p7b  PKCS#7 (DER). Windows: double-click or certmgr.msc > Trusted Root\n\
         {pad}      Certification Authorities > Import; .NET; keytool -importcert -file {name}.p7b.\n\
         {name}.p12  PKCS#12 truststore (type PKCS12, Java 9+ default). Java clients: MariaDB\n\
         {pad}      Connector/J trustStore=file:{name}.p12&trustStoreType=PKCS12&trustStorePassword=...,\n\
         {pad}      MySQL Connector/J trustCertificateKeyStoreUrl=file:{name}.p12&\n\
         {pad}      trustCertificateKeyStoreType=PKCS12, JDBC GUI tools, Kafka Connect, Spark.\n\
         {name}.jks  Java KeyStore truststore (type JKS) for Java 8 and older setups that expect JKS.\n\n\
         {name}.p12 and {name}.jks are protected by the store password chosen at export time.\n\n\
         Certificates (SHA-256 fingerprints, to compare with the issuer's):\n",
        version = env!("CARGO_PKG_VERSION"),
        pad = " ".repeat(name.len()),
    );
    for c in certs {
        let fp: Vec<String> = Sha256::digest(c)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        // The README is a file, not terminal output, but it is read in a terminal too.
        t.push_str(&format!(
            "  {}\n    {}\n",
            crate::untrusted::escape(&chain::describe(c)),
            fp.join(":")
        ));
    }
    t
}

fn zip_bytes(files: &[(String, Vec<u8>, Mode)]) -> Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes, mode) in files {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(mode.bits());
        zip.start_file(name.as_str(), options)
            .context("building the zip")?;
        zip.write_all(bytes).context("building the zip")?;
    }
    Ok(zip.finish().context("building the zip")?.into_inner())
}

/// Runs `dbtls export bundle`: NAME.pem, NAME.p7b, NAME.jks, NAME.p12 truststores and a
/// README.txt, in a directory or a zip file.
pub fn run(req: &BundleRequest) -> Result<ExportOutcome> {
    let name = &req.name;
    let mut outcome = ExportOutcome::default();
    let certs = chain::order_all(&read_all_certs(&req.cas)?)?.certs;
    let pw = store_password(req.passout.as_ref(), "bundle")?;
    let store = trust_store(&certs, None);
    let files: Vec<(String, Vec<u8>, Mode)> = vec![
        (
            format!("{name}.pem"),
            pem_certs(&certs).into_bytes(),
            Mode::Public,
        ),
        (format!("{name}.p7b"), p7b::write(&certs)?, Mode::Public),
        (
            format!("{name}.jks"),
            formats::jks::write(&store, pw.as_bytes())?,
            Mode::Secret,
        ),
        (
            format!("{name}.p12"),
            p12::write(&store, pw.as_bytes(), p12::P12Encryption::Modern)?,
            Mode::Secret,
        ),
        (
            "README.txt".to_string(),
            bundle_readme(name, &certs).into_bytes(),
            Mode::Public,
        ),
    ];
    let is_zip = req
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let mut tx = Transaction::new(req.force);
    let inputs: Vec<&Path> = req.cas.iter().map(PathBuf::as_path).collect();
    if is_zip {
        io::check_not_input(&[&req.out], &inputs)?;
        // The zip holds the key stores, so it is private like them.
        tx.stage_secret(&req.out, &Secret::new(zip_bytes(&files)?))?;
    } else {
        if req.out.exists() && !req.out.is_dir() {
            bail!(
                "{}: not a directory (a bundle goes into a directory or a .zip file)",
                req.out.display()
            );
        }
        for (file, bytes, mode) in &files {
            let out = req.out.join(file);
            io::check_not_input(&[&out], &inputs)?;
            match mode {
                Mode::Secret => tx.stage_secret(&out, &Secret::new(bytes.clone()))?,
                Mode::Public => tx.stage_public(&out, bytes)?,
            }
        }
    }
    let committed = tx.commit_files()?;
    outcome.files = crate::app::written::describe(&committed, &[]);
    outcome.written = committed.into_iter().map(|c| c.path).collect();
    for (file, _, _) in &files {
        outcome.summary.push(file.clone());
    }
    for c in &store.certs {
        outcome.summary.push(format!(
            "trusted '{}': {}",
            c.alias,
            chain::describe(&c.der)
        ));
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_entries_keep_their_modes() {
        let bytes = zip_bytes(&[
            ("a.jks".into(), b"k".to_vec(), Mode::Secret),
            ("a.pem".into(), b"c".to_vec(), Mode::Public),
        ])
        .unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            z.by_name("a.jks").unwrap().unix_mode().map(|m| m & 0o777),
            Some(0o600)
        );
        assert_eq!(
            z.by_name("a.pem").unwrap().unix_mode().map(|m| m & 0o777),
            Some(0o644)
        );
    }
}
