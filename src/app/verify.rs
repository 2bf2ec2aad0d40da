//! `dbtls verify`: reads the certificates, CRLs and key, and runs the verification engine
//! ([`crate::pki::verify`]) once per certificate given.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::io::{
    self,
    password::{self, PassSpec, Purpose as PassPurpose},
};
use crate::pki::keyfile;
use crate::pki::verify::{self, Cert, Crl, Host, Input, Options, Purpose, Verification};

/// Expiry within this many days is a warning.
pub const WARN_DAYS: i64 = 30;

/// Which status fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Warnings fail too.
    Warning,
    /// Only errors fail (the default).
    Error,
}

/// How the report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One line per check.
    Text,
    /// A JSON object: the verdict and the checks of every certificate.
    Json,
}

/// What to verify.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    /// Certificate files; the first certificate of each is verified, the others help the chain.
    pub certs: Vec<PathBuf>,
    /// Trust anchor files.
    pub cas: Vec<PathBuf>,
    /// Untrusted intermediate files.
    pub untrusted: Vec<PathBuf>,
    /// CRL files.
    pub crls: Vec<PathBuf>,
    /// The private key that must belong to the certificate.
    pub key: Option<PathBuf>,
    /// Its password.
    pub passin: Option<PassSpec>,
    /// The purpose checked.
    pub purpose: Purpose,
    /// Names that must match.
    pub hosts: Vec<Host>,
    /// Verification time, unix seconds.
    pub at: i64,
    /// Expiry within this many days is an error.
    pub fail_days: Option<i64>,
    /// OpenSSL's X509_STRICT (the default); off, judge as MySQL and MariaDB do.
    pub strict: bool,
    /// Whether warnings fail the run.
    pub fail_on: FailOn,
    /// How the report is printed.
    pub format: ReportFormat,
}

/// One verified certificate.
#[derive(Debug, Clone)]
pub struct Item {
    /// The file it came from.
    pub path: PathBuf,
    /// The result.
    pub verification: Verification,
}

/// What the run found.
#[derive(Debug, Clone)]
pub struct VerifyOutcome {
    /// One per CERT argument.
    pub items: Vec<Item>,
    /// The purpose checked, and the time used.
    pub purpose: Purpose,
    /// Verification time, unix seconds.
    pub at: i64,
    /// Whether warnings fail the run (the request's).
    pub fail_on: FailOn,
    /// How the report is printed (the request's).
    pub format: ReportFormat,
}

impl VerifyOutcome {
    /// Whether the run fails: a certificate refused, or one with warnings under
    /// `--fail-on warning`.
    pub fn failed(&self) -> bool {
        self.items.iter().any(|i| {
            !i.verification.accepted()
                || (self.fail_on == FailOn::Warning && i.verification.has_warnings())
        })
    }
}

/// Reads every input, then verifies each certificate.
pub fn run(req: &VerifyRequest) -> Result<VerifyOutcome> {
    let anchors = read_all(&req.cas)?;
    let untrusted = read_all(&req.untrusted)?;
    let mut crls = Vec::new();
    for p in &req.crls {
        crls.extend(read_crls(p)?);
    }
    let key_spki = match &req.key {
        Some(path) => Some(read_key_spki(path, req.passin.as_ref())?),
        None => None,
    };
    let options = Options {
        purpose: req.purpose,
        hosts: req.hosts.clone(),
        at: req.at,
        warn_days: WARN_DAYS,
        fail_days: req.fail_days,
        strict: req.strict,
    };
    let mut items = Vec::new();
    for path in &req.certs {
        let mut certs = read_file_certs(path)?.into_iter();
        let Some(leaf) = certs.next() else {
            bail!("{}: no certificate", path.display());
        };
        let mut pool: Vec<Cert> = certs.collect();
        pool.extend(untrusted.iter().cloned());
        let input = Input {
            leaf,
            untrusted: pool,
            anchors: anchors.clone(),
            crls: crls.clone(),
            key_spki: key_spki.clone(),
        };
        items.push(Item {
            path: path.clone(),
            verification: verify::verify(input, &options),
        });
    }
    Ok(VerifyOutcome {
        items,
        purpose: req.purpose,
        at: req.at,
        fail_on: req.fail_on,
        format: req.format,
    })
}

/// THE call to the shared certificate reader (PEM, DER, .p7b); kept in one place because it
/// moves to `crate::app::inputs`.
pub fn read_file_certs(path: &Path) -> Result<Vec<Cert>> {
    let ders = crate::app::inputs::read_certs(path)?;
    ders.iter()
        .map(|d| Cert::parse(d).with_context(|| format!("{}", path.display())))
        .collect()
}

/// Reads every certificate of the files, in order (trust anchors, untrusted intermediates).
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<Cert>> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(read_file_certs(p)?);
    }
    Ok(out)
}

/// CRLs in PEM (`X509 CRL` blocks) or DER.
pub fn read_crls(path: &Path) -> Result<Vec<Crl>> {
    let data = io::read(path)?;
    let name = path.display();
    let ders: Vec<Vec<u8>> = match pem::parse_many(&data) {
        Ok(blocks) if !blocks.is_empty() => blocks
            .into_iter()
            .filter(|b| b.tag() == "X509 CRL")
            .map(pem::Pem::into_contents)
            .collect(),
        _ => vec![data],
    };
    if ders.is_empty() {
        bail!("{name}: no X509 CRL block in this PEM file");
    }
    ders.iter()
        .map(|d| Crl::parse(d).map_err(|e| anyhow::anyhow!("{name}: {e}")))
        .collect()
}

fn read_key_spki(path: &Path, passin: Option<&PassSpec>) -> Result<Vec<u8>> {
    let data = io::read(path)?;
    let name = path.display();
    let pw = if keyfile::is_encrypted(&data) {
        Some(password::read(
            passin,
            PassPurpose::Existing,
            &format!("password for {name}"),
        )?)
    } else {
        None
    };
    let key = keyfile::decode_private_key(&data, pw.as_ref().map(password::Password::as_bytes))
        .with_context(|| format!("{name}"))?;
    Ok(key.public_key_der())
}
