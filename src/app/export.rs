//! `dbtls export`: certificates (and a key) as PEM, .p7b, .jks or .p12, and the CA bundle.
//!
//! Inputs are read here, ordered by [`crate::pki::chain`], encoded by [`crate::formats`] and
//! written through [`crate::io`], all files of one run in one transaction.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::formats::{self, CertEntry, KeyEntry, Store, p7b, p12};
use crate::io::password::{self, PassSpec, Password, Purpose};
use crate::io::{self, Mode, Transaction};
use crate::pki::chain;
use crate::pki::key::PrivateKey;
use crate::pki::keyfile;

/// The container to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PEM: the key (if any) first, then the chain.
    Pem,
    /// PKCS#7 certs-only; `pem` selects `-----BEGIN PKCS7-----` over DER.
    P7b {
        /// Write PEM rather than DER.
        pem: bool,
    },
    /// Java KeyStore.
    Jks,
    /// PKCS#12; `legacy` selects 3DES/SHA-1 at 2048 iterations.
    P12 {
        /// Write the legacy profile.
        legacy: bool,
    },
}

impl Format {
    /// The format's name as typed.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pem => "pem",
            Format::P7b { .. } => "p7b",
            Format::Jks => "jks",
            Format::P12 { .. } => "p12",
        }
    }
}

/// A private key file and how to open it.
#[derive(Debug, Clone)]
pub struct KeyInput {
    /// The key file (PEM or DER, plain or encrypted).
    pub path: PathBuf,
    /// The password of an encrypted key (asked on the terminal when needed and absent).
    pub passin: Option<PassSpec>,
}

/// `dbtls export {pem|p7b|jks|p12}`.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// What to write.
    pub format: Format,
    /// Where.
    pub out: PathBuf,
    /// Certificate files (PEM with one or more certificates, DER, or .p7b).
    pub certs: Vec<PathBuf>,
    /// With a key: a key store; without: a trust store.
    pub key: Option<KeyInput>,
    /// The store password (jks, p12: required, asked on a terminal) or the PEM key's new password.
    pub passout: Option<PassSpec>,
    /// The alias of the key entry, or the base alias of trusted certificates.
    pub alias: Option<String>,
    /// Replace an existing output.
    pub force: bool,
}

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

/// What was written.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Files written.
    pub written: Vec<PathBuf>,
    /// One line per file or entry, for the user.
    pub summary: Vec<String>,
    /// Warnings (incomplete chain, ...).
    pub warnings: Vec<String>,
}

/// Reads every certificate in a file: PEM (any number of CERTIFICATE blocks), DER, or .p7b.
pub fn read_certs(path: &Path) -> Result<Vec<Vec<u8>>> {
    let data = io::read(path)?;
    let name = path.display();
    if p7b::is_p7b(&data) {
        return p7b::read(&data).with_context(|| format!("{name}"));
    }
    if let Ok(blocks) = pem::parse_many(&data)
        && !blocks.is_empty()
    {
        let certs: Vec<Vec<u8>> = blocks
            .into_iter()
            .filter(|b| b.tag() == "CERTIFICATE" || b.tag() == "X509 CERTIFICATE")
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

fn read_all_certs(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>> {
    let mut all = Vec::new();
    for p in paths {
        all.extend(read_certs(p)?);
    }
    if all.is_empty() {
        bail!("no certificate was given");
    }
    Ok(all)
}

fn read_key(input: &KeyInput) -> Result<PrivateKey> {
    let data = io::read(&input.path)?;
    let name = input.path.display();
    let pw = if keyfile::is_encrypted(&data) {
        Some(password::read(
            input.passin.as_ref(),
            Purpose::Existing,
            &format!("password for {name}"),
        )?)
    } else {
        None
    };
    keyfile::decode_private_key(&data, pw.as_ref().map(Password::as_bytes))
        .with_context(|| format!("{name}"))
}

/// An alias made from a certificate's CN: lowercase (Java lowercases JKS aliases), letters,
/// digits, `.`, `_` and `-` kept, other runs turned into one `-`; `fallback` when nothing is left.
pub fn alias_from_cert(der: &[u8], fallback: &str) -> String {
    let cn = chain::common_name(der).unwrap_or_default().to_lowercase();
    let mut out = String::new();
    for c in cn.chars() {
        if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(64).collect();
    if out.is_empty() {
        fallback.to_string()
    } else {
        out
    }
}

/// Makes `alias` unique among `taken` (case-insensitively): `name`, `name-2`, `name-3`, ...
fn unique(alias: String, taken: &mut Vec<String>) -> String {
    let mut candidate = alias.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{alias}-{n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

/// A trust store of `certs` (aliases from `base` or each CN).
fn trust_store(certs: &[Vec<u8>], base: Option<&str>) -> Store {
    let mut taken = Vec::new();
    let certs = certs
        .iter()
        .map(|der| {
            let alias = match base {
                Some(b) => b.to_lowercase(),
                None => alias_from_cert(der, "ca"),
            };
            CertEntry {
                alias: unique(alias, &mut taken),
                der: der.clone(),
            }
        })
        .collect();
    Store {
        certs,
        ..Store::default()
    }
}

fn pem_certs(certs: &[Vec<u8>]) -> String {
    certs
        .iter()
        .map(|c| crate::pki::cert::Certificate::from_der(c.clone()).to_pem())
        .collect::<Vec<_>>()
        .concat()
}

fn store_password(spec: Option<&PassSpec>, what: &str) -> Result<Password> {
    password::read(spec, Purpose::New, &format!("{what} store password"))
}

/// Runs `dbtls export {pem|p7b|jks|p12}`.
pub fn export(req: &ExportRequest) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let given = read_all_certs(&req.certs)?;
    let key = req.key.as_ref().map(read_key).transpose()?;
    let ordered = match &key {
        Some(k) => chain::order_for_key(&given, &k.public_key_der())?,
        None => chain::order_all(&given)?,
    };
    outcome.warnings.extend(ordered.warnings);
    let certs = ordered.certs;
    let what = match (req.format, key.is_some()) {
        (Format::Jks | Format::P12 { .. }, true) => "key store",
        (Format::Jks | Format::P12 { .. }, false) => "trust store",
        (_, true) => "key and chain",
        (_, false) => "certificates",
    };
    let (bytes, mode) = match req.format {
        Format::Pem => {
            let mut text = String::new();
            let mut mode = Mode::Public;
            if let Some(k) = &key {
                mode = Mode::Secret;
                match &req.passout {
                    Some(spec) => {
                        let pw = password::read(Some(spec), Purpose::New, "new key password")?;
                        text.push_str(&keyfile::encrypt_pem(
                            k,
                            pw.as_bytes(),
                            keyfile::Kdf::Pbkdf2,
                        )?);
                        outcome.summary.push(
                            "private key (encrypted PKCS#8, PBKDF2-HMAC-SHA256 + AES-256-CBC)"
                                .into(),
                        );
                    }
                    None => {
                        text.push_str(&k.to_pem());
                        outcome
                            .summary
                            .push("private key (unencrypted PKCS#8)".into());
                    }
                }
            } else if req.passout.is_some() {
                bail!("--passout encrypts the key of a PEM export: give --key too");
            }
            text.push_str(&pem_certs(&certs));
            (text.into_bytes(), mode)
        }
        Format::P7b { pem } => {
            let bytes = if pem {
                p7b::write_pem(&certs)?.into_bytes()
            } else {
                p7b::write(&certs)?
            };
            (bytes, Mode::Public)
        }
        Format::Jks | Format::P12 { .. } => {
            let store = match key {
                Some(key) => {
                    let alias = req
                        .alias
                        .as_ref()
                        .map(|a| a.to_lowercase())
                        .unwrap_or_else(|| alias_from_cert(&certs[0], "key"));
                    Store {
                        keys: vec![KeyEntry {
                            alias,
                            key,
                            chain: certs.clone(),
                        }],
                        ..Store::default()
                    }
                }
                None => trust_store(&certs, req.alias.as_deref()),
            };
            let pw = store_password(req.passout.as_ref(), req.format.name())?;
            let bytes = match req.format {
                Format::P12 { legacy: true } => {
                    p12::write(&store, pw.as_bytes(), p12::P12Encryption::Legacy)?
                }
                Format::P12 { legacy: false } => {
                    p12::write(&store, pw.as_bytes(), p12::P12Encryption::Modern)?
                }
                _ => formats::jks::write(&store, pw.as_bytes())?,
            };
            for k in &store.keys {
                outcome.summary.push(format!(
                    "PrivateKeyEntry '{}' with a chain of {}",
                    k.alias,
                    k.chain.len()
                ));
            }
            for c in &store.certs {
                outcome
                    .summary
                    .push(format!("trustedCertEntry '{}'", c.alias));
            }
            (bytes, Mode::Secret)
        }
    };
    if !matches!(req.format, Format::Jks | Format::P12 { .. }) {
        for c in &certs {
            outcome.summary.push(format!(
                "certificate {}",
                crate::term::escape(&chain::describe(c))
            ));
        }
    }
    // Converting a file onto itself would destroy the input (a key in a store's place).
    let mut inputs: Vec<&Path> = req.certs.iter().map(PathBuf::as_path).collect();
    inputs.extend(req.key.as_ref().map(|k| k.path.as_path()));
    io::check_not_input(&[&req.out], &inputs)?;
    let mut tx = Transaction::new(req.force);
    tx.stage(&req.out, &bytes, mode)?;
    outcome.written = tx.commit()?;
    outcome
        .summary
        .insert(0, format!("{} {what}:", req.format.name()));
    Ok(outcome)
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
        t.push_str(&format!(
            "  {}\n    {}\n",
            crate::term::escape(&chain::describe(c)),
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
pub fn bundle(req: &BundleRequest) -> Result<Outcome> {
    let name = &req.name;
    if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\', '\0']) {
        bail!(
            "--name must be a plain file name, not '{}'",
            crate::term::escape(name)
        );
    }
    let mut outcome = Outcome::default();
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
        tx.stage(&req.out, &zip_bytes(&files)?, Mode::Secret)?;
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
            tx.stage(&out, bytes, *mode)?;
        }
    }
    outcome.written = tx.commit()?;
    for (file, _, _) in &files {
        outcome.summary.push(file.clone());
    }
    for c in &store.certs {
        outcome.summary.push(format!(
            "trusted '{}': {}",
            c.alias,
            crate::term::escape(&chain::describe(&c.der))
        ));
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_lowercase_and_unique() {
        let mut taken = Vec::new();
        assert_eq!(unique("ca".into(), &mut taken), "ca");
        assert_eq!(unique("CA".into(), &mut taken), "CA-2");
        assert_eq!(unique("ca".into(), &mut taken), "ca-3");
        let (chain, _) = crate::pki::chain::fixtures::three();
        assert_eq!(alias_from_cert(&chain[0], "x"), "leaf");
        assert_eq!(alias_from_cert(b"junk", "x"), "x");
    }

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
