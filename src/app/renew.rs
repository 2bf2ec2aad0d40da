//! `dbtls renew`: one certificate re-issued under its CA ([`run`] with [`Target::File`]), or the
//! server and client certificates of a setup datadir that expire soon ([`Target::Datadir`]).
//!
//! The re-issuing itself is [`crate::pki::renew::reissue`]; [`renew_one`] adds the validity
//! (as `issue` computes it, then clamped to the CA's by the core) and the serial, and is what
//! other commands that re-issue under a CA (rotation) call.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use time::{Duration, OffsetDateTime};

use crate::app::inputs;
use crate::app::issue::{Lifetime, validity};
use crate::app::protection::{NEW_KEY_PASSWORD, Protection, key_pem, private_label};
use crate::io::password::PassSpec;
use crate::io::{self, Transaction};
use crate::pki::cert::{self, Certificate, Issuer};
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::profile::Profile;
use crate::pki::renew::{self, OldCert};

/// Default of `--expires-within`: a daily timer then renews a month ahead.
pub const DEFAULT_EXPIRES_WITHIN: u32 = 30;

/// A new key for the renewed certificate.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Its type; `None` = the old key's type when dbtls can make it, else the default.
    pub key_type: Option<KeyType>,
    /// Where it is written.
    pub out_key: PathBuf,
    /// How it is protected.
    pub protection: Protection,
}

/// What to renew.
#[derive(Debug, Clone)]
pub enum Target {
    /// One certificate file.
    File {
        /// The old certificate.
        cert: PathBuf,
        /// The CA certificate.
        ca: PathBuf,
        /// The CA key.
        ca_key: PathBuf,
        /// A new key instead of the old public key.
        new_key: Option<NewKey>,
        /// Where the new certificate goes; `None` = replace `cert` (`--force`).
        out_cert: Option<PathBuf>,
    },
    /// A setup datadir.
    Datadir {
        /// The directory.
        dir: PathBuf,
        /// Renew what expires within this many days.
        expires_within: u32,
        /// Only say what would be renewed.
        dry_run: bool,
    },
}

/// `dbtls renew`, checked.
#[derive(Debug, Clone)]
pub struct RenewRequest {
    /// What to renew.
    pub target: Target,
    /// Password of the CA key.
    pub passin: Option<PassSpec>,
    /// Validity in days; `None` = the old certificate's lifetime.
    pub days: Option<u32>,
}

/// One renewed (or, in a dry run, to-be-renewed) certificate.
#[derive(Debug, Clone)]
pub struct Renewed {
    /// The old certificate's file.
    pub source: PathBuf,
    /// Its role ("server", "client", ...).
    pub role: &'static str,
    /// Subject, as `REQUIRE SUBJECT` sees it (unescaped).
    pub subject: String,
    /// The old serial, hex.
    pub old_serial: String,
    /// The old notAfter.
    pub old_not_after: OffsetDateTime,
    /// The new serial, hex (empty in a dry run).
    pub serial: String,
    /// The new validity (`None` in a dry run).
    pub validity: Option<cert::Validity>,
    /// Whether a new key was made.
    pub new_key: bool,
}

/// What `renew` did.
#[derive(Debug, Clone)]
pub struct RenewOutcome {
    /// The certificates renewed (or to be renewed, in a dry run).
    pub renewed: Vec<Renewed>,
    /// Datadir certificates left alone, with their notAfter.
    pub kept: Vec<(PathBuf, OffsetDateTime)>,
    /// Files written and what each is.
    pub written: Vec<(PathBuf, String)>,
    /// The same files described for `--format json`.
    pub files: Vec<crate::app::written::WrittenFile>,
    /// The datadir and the window, in datadir mode.
    pub datadir: Option<(PathBuf, u32)>,
    /// Nothing was written on purpose.
    pub dry_run: bool,
    /// Warnings (clamped validity, dropped extensions, another key of the CA's name).
    pub warnings: Vec<String>,
}

/// Re-issues the certificate `old_der` under `issuer` for `days` (default: the old
/// certificate's own lifetime), with `new_public_key` or the old key: THE renewal step,
/// shared with every command that re-issues a certificate under a CA. Returns the new
/// certificate, what was read from the old one, and the warnings.
pub fn renew_one(
    old_der: &[u8],
    issuer: &Issuer,
    new_public_key: Option<&[u8]>,
    days: Option<u32>,
) -> Result<(Certificate, OldCert, Vec<String>)> {
    let old = renew::read(old_der)?;
    let mut warnings = Vec::new();
    if !renew::same_issuer_key(&old, issuer) {
        warnings.push(
            "the old certificate names another key of this CA's name as its issuer (a rotated CA?): the renewed one is signed by this CA's key".into(),
        );
    }
    let days = days.unwrap_or_else(|| lifetime_days(&old));
    let now = OffsetDateTime::now_utc();
    let v = validity(Lifetime::Days(Some(days)), old.profile, now, &mut warnings)?;
    let done = renew::reissue(&old, issuer, new_public_key, v, cert::random_serial()?)?;
    warnings.extend(done.warnings);
    warnings.extend(done.issued.warnings);
    Ok((done.issued.cert, old, warnings))
}

/// The old certificate's lifetime to the nearest day (at least 1): `N` for a certificate of
/// `--days N`, whether it was backdated a few minutes (dbtls) or not (openssl).
fn lifetime_days(old: &OldCert) -> u32 {
    let span = old.not_after - old.not_before + Duration::hours(12);
    u32::try_from(span.whole_days().max(1)).unwrap_or(u32::MAX)
}

/// Reads the CA certificate (its first certificate) and key.
fn read_issuer(ca: &Path, ca_key: &Path, passin: Option<&PassSpec>) -> Result<Issuer> {
    let certs = inputs::read_certs(ca)?;
    let Some(first) = certs.into_iter().next() else {
        bail!("{}: no certificate found", ca.display());
    };
    let key = inputs::read_key(ca_key, passin)?;
    Issuer::new(Certificate::from_der(first), key)
        .with_context(|| format!("{} / {}", ca.display(), ca_key.display()))
}

/// The first certificate of a file.
fn read_first(path: &Path) -> Result<Vec<u8>> {
    inputs::read_certs(path)?
        .into_iter()
        .next()
        .with_context(|| format!("{}: no certificate found", path.display()))
}

/// The key type dbtls would make for a key like `spki`.
fn key_type_like(spki: &[u8]) -> KeyType {
    match crate::pki::key::KeyInfo::from_spki_der(spki) {
        Ok(i) => match (i.kind, i.bits, i.curve) {
            ("RSA", 3072, _) => KeyType::Rsa3072,
            ("RSA", b, _) if b >= 4096 => KeyType::Rsa4096,
            ("EC", _, Some("P-256")) => KeyType::EcdsaP256,
            ("EC", _, Some("P-384")) => KeyType::EcdsaP384,
            ("Ed25519", _, _) => KeyType::Ed25519,
            _ => KeyType::default(),
        },
        Err(_) => KeyType::default(),
    }
}

/// A replaced file keeps its owner when root replaces it (mysqld must still read it).
fn keep_owner(tx: &mut Transaction, path: &Path) {
    if nix::unistd::geteuid().is_root() {
        tx.set_owner(io::owner_of(path).ok());
    }
}

fn summary(source: &Path, old: &OldCert, new: Option<&Certificate>, new_key: bool) -> Renewed {
    let name = crate::pki::oneline::entries(&old.subject_der)
        .map(|e| crate::pki::oneline::openssl3(&e))
        .unwrap_or_else(|_| "(malformed name)".into());
    let parsed = new.and_then(|c| renew::read(c.der()).ok());
    Renewed {
        source: source.to_path_buf(),
        role: old.profile.name(),
        subject: name,
        old_serial: old.serial.clone(),
        old_not_after: old.not_after,
        serial: parsed
            .as_ref()
            .map(|p| p.serial.clone())
            .unwrap_or_default(),
        validity: parsed.map(|p| cert::Validity {
            not_before: p.not_before,
            not_after: p.not_after,
        }),
        new_key,
    }
}

/// Runs `renew`.
pub fn run(req: &RenewRequest) -> Result<RenewOutcome> {
    match &req.target {
        Target::File {
            cert,
            ca,
            ca_key,
            new_key,
            out_cert,
        } => file(req, cert, ca, ca_key, new_key.as_ref(), out_cert.as_deref()),
        Target::Datadir {
            dir,
            expires_within,
            dry_run,
        } => datadir(req, dir, *expires_within, *dry_run),
    }
}

fn file(
    req: &RenewRequest,
    cert: &Path,
    ca: &Path,
    ca_key: &Path,
    new_key: Option<&NewKey>,
    out_cert: Option<&Path>,
) -> Result<RenewOutcome> {
    // --force replaces CERT itself; otherwise nothing that exists is replaced.
    let replace = out_cert.is_none();
    let target = out_cert.unwrap_or(cert);
    let mut tx = Transaction::new(replace);
    let mut outputs = vec![target];
    outputs.extend(new_key.map(|k| k.out_key.as_path()));
    let mut inputs_list = vec![ca, ca_key];
    if !replace {
        inputs_list.push(cert);
    }
    io::check_not_input(&outputs, &inputs_list)?;
    tx.check_outputs(&outputs)?;
    let old_der = read_first(cert)?;
    let issuer = read_issuer(ca, ca_key, req.passin.as_ref())?;
    let password = match new_key {
        Some(k) => k.protection.password(NEW_KEY_PASSWORD)?,
        None => None,
    };
    let key = match new_key {
        Some(k) => {
            let old = renew::read(&old_der)?;
            let kind = k
                .key_type
                .unwrap_or_else(|| key_type_like(&old.public_key_der));
            Some(PrivateKey::generate(kind)?)
        }
        None => None,
    };
    let spki = key.as_ref().map(PrivateKey::public_key_der);
    let (new, old, warnings) = renew_one(&old_der, &issuer, spki.as_deref(), req.days)
        .with_context(|| cert.display().to_string())?;
    if replace {
        keep_owner(&mut tx, cert);
    }
    let mut written = Vec::new();
    tx.stage_public(target, new.to_pem().as_bytes())?;
    written.push((
        target.to_path_buf(),
        format!("{} certificate", old.profile.name()),
    ));
    if let (Some(k), Some(key)) = (new_key, &key) {
        let pem = key_pem(key, password.as_ref(), k.protection.kdf)?;
        tx.stage_secret(&k.out_key, &pem)?;
        written.push((
            k.out_key.clone(),
            private_label(password.is_some(), k.protection.kdf),
        ));
    }
    let files = crate::app::written::describe(&tx.commit_files()?, &written);
    Ok(RenewOutcome {
        renewed: vec![summary(cert, &old, Some(&new), key.is_some())],
        kept: Vec::new(),
        written,
        files,
        datadir: None,
        dry_run: false,
        warnings,
    })
}

fn datadir(req: &RenewRequest, dir: &Path, within: u32, dry_run: bool) -> Result<RenewOutcome> {
    let ca = dir.join(Profile::Ca { path_len: None }.cert_file());
    let ca_key = dir.join(Profile::Ca { path_len: None }.key_file());
    let now = OffsetDateTime::now_utc();
    let limit = now + Duration::days(i64::from(within));
    let mut warnings = Vec::new();
    let mut due = Vec::new();
    let mut kept = Vec::new();
    for profile in [Profile::Server, Profile::Client] {
        let path = dir.join(profile.cert_file());
        if !io::exists(&path) {
            warnings.push(format!("{}: missing, not renewed", path.display()));
            continue;
        }
        let der = read_first(&path)?;
        let old = renew::read(&der).with_context(|| path.display().to_string())?;
        if old.not_after <= limit {
            due.push((path, der, old));
        } else {
            kept.push((path, old.not_after));
        }
    }
    let ca_der = read_first(&ca)?;
    let ca_old = renew::read(&ca_der).with_context(|| ca.display().to_string())?;
    if ca_old.not_after <= limit {
        warnings.push(format!(
            "{}: the CA itself expires {}: certificates it signs cannot outlive it; make a new CA (dbtls rotate)",
            ca.display(),
            cert::display_time(ca_old.not_after)
        ));
    }
    let mut outcome = RenewOutcome {
        renewed: Vec::new(),
        kept,
        written: Vec::new(),
        files: Vec::new(),
        datadir: Some((dir.to_path_buf(), within)),
        dry_run,
        warnings,
    };
    if dry_run || due.is_empty() {
        outcome.renewed = due
            .iter()
            .map(|(path, _, old)| summary(path, old, None, false))
            .collect();
        return Ok(outcome);
    }
    let issuer = read_issuer(&ca, &ca_key, req.passin.as_ref())?;
    // Both certificates or neither: one transaction.
    let mut tx = Transaction::new(true);
    keep_owner(&mut tx, &due[0].0);
    for (path, der, _) in &due {
        let (new, old, w) =
            renew_one(der, &issuer, None, req.days).with_context(|| path.display().to_string())?;
        outcome
            .warnings
            .extend(w.into_iter().map(|w| format!("{}: {w}", path.display())));
        let renewed = summary(path, &old, Some(&new), false);
        if renewed.validity.is_some_and(|v| v.not_after <= limit) {
            outcome.warnings.push(format!(
                "{}: the renewed certificate still expires within {within} days (it keeps the old lifetime): give --days",
                path.display()
            ));
        }
        tx.stage_public(path, new.to_pem().as_bytes())?;
        outcome
            .written
            .push((path.clone(), format!("{} certificate", old.profile.name())));
        outcome.renewed.push(renewed);
    }
    outcome.files = crate::app::written::describe(&tx.commit_files()?, &outcome.written);
    Ok(outcome)
}
