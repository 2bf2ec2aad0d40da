//! `dbtls issue {ca|intermediate|server|client}`: one certificate, its key, optionally its chain.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

use crate::app::inputs;
use crate::app::protection::{NEW_KEY_PASSWORD, Protection};
use crate::io::password::PassSpec;
use crate::io::{self, Transaction};
use crate::pki::cert::{self, CertSpec, Certificate, Issuer, Signer, Validity};
use crate::pki::csr;
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::name::{DistinguishedName, OID_EMAIL};
use crate::pki::profile::{Profile, SanPolicyError};
use crate::pki::san::San;

/// Where the subject's key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A new key of this type (written to the key output).
    Generate(KeyType),
    /// An existing key file (renewal keeps the key; nothing is written for it).
    File {
        /// The key file.
        path: PathBuf,
        /// Its password, when it is encrypted.
        passin: Option<PassSpec>,
    },
    /// A CSR: its public key, and its subject and SANs unless overridden.
    Csr(PathBuf),
}

/// The validity period, as asked.
#[derive(Debug, Clone, Copy)]
pub enum Lifetime {
    /// From now (backdated a few minutes) for this many days; `None` = the profile's default.
    Days(Option<u32>),
    /// Explicit bounds; a missing not-before means now (backdated), a missing not-after means
    /// not-before plus the profile's default days.
    Between {
        /// notBefore.
        not_before: Option<OffsetDateTime>,
        /// notAfter.
        not_after: Option<OffsetDateTime>,
    },
}

/// The signing CA.
#[derive(Debug, Clone)]
pub struct CaFiles {
    /// The CA certificate file (its first certificate signs; the rest may be its own chain).
    pub cert: PathBuf,
    /// The CA key file.
    pub key: PathBuf,
    /// The CA key's password.
    pub passin: Option<PassSpec>,
}

/// Everything `issue` needs, parsed and checked (flag combinations are refused by the CLI).
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// The role (and for CAs the path length).
    pub profile: Profile,
    /// The subject; `None` only with a CSR.
    pub subject: Option<DistinguishedName>,
    /// The SANs given with `--san` (empty = none given).
    pub sans: Vec<San>,
    /// The signing CA; `None` = self-signed (only for `ca`).
    pub ca: Option<CaFiles>,
    /// The subject's key.
    pub key: KeySource,
    /// The validity.
    pub lifetime: Lifetime,
    /// The certificate output.
    pub out_cert: PathBuf,
    /// The key output: `Some` exactly when the key is generated.
    pub out_key: Option<PathBuf>,
    /// Also write leaf + intermediates here.
    pub chain_out: Option<PathBuf>,
    /// How a generated key is protected.
    pub protection: Protection,
    /// Replace existing files.
    pub force: bool,
}

/// The default certificate and key paths of a role: its file names in `out/`.
pub fn default_paths(profile: Profile) -> (PathBuf, PathBuf) {
    let out = Path::new("out");
    (out.join(profile.cert_file()), out.join(profile.key_file()))
}

/// What was issued, for the summary.
#[derive(Debug, Clone)]
pub struct IssueOutcome {
    /// The role's name ("ca", "server", ...).
    pub role: &'static str,
    /// The subject as MySQL's `REQUIRE SUBJECT` sees it (not yet escaped).
    pub subject: String,
    /// The issuer, likewise.
    pub issuer: String,
    /// The SANs written.
    pub sans: Vec<San>,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// Serial number, hex.
    pub serial: String,
    /// Files written and what each is.
    pub written: Vec<(PathBuf, String)>,
    /// The files written, described for `--format json`.
    pub files: Vec<crate::app::written::WrittenFile>,
    /// Warnings (clamped validity, expired on purpose, ignored CSR content).
    pub warnings: Vec<String>,
}

/// A name as MySQL's `REQUIRE SUBJECT`/`ISSUER` see it (OpenSSL 3 `X509_NAME_oneline`).
fn name_text(der: &[u8]) -> String {
    match crate::pki::oneline::entries(der) {
        Ok(entries) => crate::pki::oneline::openssl3(&entries),
        Err(_) => "(malformed name)".into(),
    }
}

/// The last commonName and the emailAddress values of a CSR's subject, as DER.
fn cn_and_emails(subject_der: &[u8]) -> (Option<String>, Vec<String>) {
    let Ok((_, name)) = X509Name::from_der(subject_der) else {
        return (None, Vec::new());
    };
    let cn = name
        .iter_common_name()
        .last()
        .and_then(|a| a.as_str().ok())
        .map(str::to_string);
    let emails = name
        .iter_email()
        .filter_map(|a| a.as_str().ok())
        .map(str::to_string)
        .collect();
    (cn, emails)
}

/// Resolves the lifetime to a validity, warning about certificates made invalid on purpose
/// (shared with `renew`).
pub fn validity(
    lifetime: Lifetime,
    profile: Profile,
    now: OffsetDateTime,
    warnings: &mut Vec<String>,
) -> Result<Validity> {
    let default_days = i64::from(profile.default_days());
    let v = match lifetime {
        Lifetime::Days(days) => Validity::days_from(now, days.unwrap_or(profile.default_days())),
        Lifetime::Between {
            not_before,
            not_after,
        } => {
            let nb = not_before.unwrap_or(now - cert::BACKDATE);
            let na = not_after.unwrap_or(nb + Duration::days(default_days));
            let v = Validity::between(nb, na)?;
            if v.not_after <= now {
                warnings.push(format!(
                    "the certificate is already expired (not-after {})",
                    cert::display_time(v.not_after)
                ));
            }
            if v.not_before > now {
                warnings.push(format!(
                    "the certificate is not yet valid (not-before {})",
                    cert::display_time(v.not_before)
                ));
            }
            v
        }
    };
    Ok(v)
}

/// Issues one certificate: checks the issuer, builds, signs, writes all files or none.
pub fn run(req: &IssueRequest) -> Result<IssueOutcome> {
    let mut warnings = Vec::new();
    let out_cert = &req.out_cert;
    let out_key = req.out_key.as_ref();

    // Refuse existing outputs before any slow work or prompt.
    // Outputs must name distinct files (so --out-key ./x.pem cannot replace --out-cert x.pem)
    // and none may be an input (--out-cert ca-key.pem --force would destroy the CA key).
    let mut tx = Transaction::new(req.force);
    let mut outputs = vec![out_cert.as_path()];
    outputs.extend(out_key.map(PathBuf::as_path));
    outputs.extend(req.chain_out.as_deref());
    let mut inputs: Vec<&Path> = Vec::new();
    if let Some(ca) = &req.ca {
        inputs.extend([ca.cert.as_path(), ca.key.as_path()]);
    }
    match &req.key {
        KeySource::File { path, .. } | KeySource::Csr(path) => inputs.push(path),
        KeySource::Generate(_) => {}
    }
    io::check_not_input(&outputs, &inputs)?;
    tx.check_outputs(&outputs)?;

    // The issuer first: a wrong CA or password should fail before a key is generated.
    let (issuer, ca_chain) = match &req.ca {
        Some(ca) => {
            let certs = inputs::read_certs(&ca.cert)?;
            let ca_key = inputs::read_key(&ca.key, ca.passin.as_ref())?;
            let mut certs = certs.into_iter().map(Certificate::from_der);
            let Some(first) = certs.next() else {
                bail!("{}: no certificate found", ca.cert.display())
            };
            let issuer = Issuer::new(first.clone(), ca_key)
                .with_context(|| format!("{} / {}", ca.cert.display(), ca.key.display()))?;
            let mut chain = vec![first];
            chain.extend(certs);
            (Some(issuer), chain)
        }
        None => (None, Vec::new()),
    };

    let password = req.protection.password(NEW_KEY_PASSWORD)?;
    let (key, public_key_der, csr_req) = match &req.key {
        KeySource::Generate(kind) => {
            let key = PrivateKey::generate(*kind)?;
            let spki = key.public_key_der();
            (Some(key), spki, None)
        }
        KeySource::File { path, passin } => {
            let key = inputs::read_key(path, passin.as_ref())?;
            let spki = key.public_key_der();
            (Some(key), spki, None)
        }
        KeySource::Csr(path) => {
            let data = io::read(path)?;
            let parsed = csr::parse(&data).with_context(|| path.display().to_string())?;
            for i in &parsed.ignored {
                warnings.push(format!("{}: ignored {i}", path.display()));
            }
            let spki = parsed.public_key_der.clone();
            (None, spki, Some(parsed))
        }
    };

    let subject_der = match (&req.subject, &csr_req) {
        (Some(s), _) => s.to_der()?,
        (None, Some(c)) => c.subject_der.clone(),
        (None, None) => bail!("--subject is required (e.g. --subject /CN=db1.example.com)"),
    };
    if DistinguishedName::default().to_der()? == subject_der {
        bail!("the subject is empty; give --subject");
    }
    let given = if req.sans.is_empty() {
        csr_req.as_ref().map(|c| c.sans.clone()).unwrap_or_default()
    } else {
        req.sans.clone()
    };
    let completed = match &req.subject {
        Some(dn) => {
            req.profile
                .complete_sans(given, dn.last_common_name(), dn.values_of(OID_EMAIL))
        }
        None => {
            let (cn, emails) = cn_and_emails(&subject_der);
            req.profile
                .complete_sans(given, cn.as_deref(), emails.iter().map(String::as_str))
        }
    };
    let completed = completed.map_err(|e| match e {
        SanPolicyError::Email(e) => anyhow::Error::from(e),
        other => anyhow::anyhow!("{other}: give --san NAME (repeatable)"),
    })?;
    if let Some(san) = &completed.from_cn {
        warnings.push(format!(
            "no --san given: using the CN as the DNS name {san}"
        ));
    }
    let sans = completed.sans;

    let now = OffsetDateTime::now_utc();
    let spec = CertSpec {
        profile: req.profile,
        subject_der,
        public_key_der,
        sans: sans.clone(),
        validity: validity(req.lifetime, req.profile, now, &mut warnings)?,
        serial: cert::random_serial()?,
    };
    let issued = match (&issuer, &key) {
        (Some(issuer), _) => cert::issue(&spec, Signer::Ca(issuer))?,
        (None, Some(key)) => cert::issue(&spec, Signer::SelfSigned(key))?,
        (None, None) => bail!("a self-signed certificate needs its own key"),
    };
    warnings.extend(issued.warnings.iter().cloned());

    let cert_pem = issued.cert.to_pem();
    let mut written = Vec::new();
    tx.stage_public(out_cert, cert_pem.as_bytes())?;
    written.push((
        out_cert.clone(),
        format!("{} certificate", req.profile.name()),
    ));
    if let (Some(path), Some(key)) = (out_key, &key) {
        let bytes = req.protection.encode(key, password.as_ref())?;
        tx.stage_secret(path, &bytes)?;
        written.push((path.clone(), req.protection.label(password.is_some())));
    }
    if let Some(path) = &req.chain_out {
        // Leaf plus every intermediate from the CA file; the self-signed root is left out
        // because peers must already trust it (RFC 8446 §4.4.2 lets it be omitted).
        let mut chain = cert_pem.clone();
        for c in &ca_chain {
            let self_signed = X509Certificate::from_der(c.der())
                .map(|(_, p)| p.subject().as_raw() == p.issuer().as_raw())
                .unwrap_or(false);
            if !self_signed {
                chain.push_str(&c.to_pem());
            }
        }
        tx.stage_public(path, chain.as_bytes())?;
        written.push((
            path.clone(),
            "certificate chain (leaf first, without the root)".into(),
        ));
    }
    let committed = tx.commit_files()?;
    let files = crate::app::written::describe(&committed, &written);

    let (_, parsed) = X509Certificate::from_der(issued.cert.der())
        .map_err(|e| anyhow::anyhow!("re-reading the certificate: {e}"))?;
    let serial = parsed
        .raw_serial()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let not_before = OffsetDateTime::from_unix_timestamp(parsed.validity().not_before.timestamp())?;
    let not_after = OffsetDateTime::from_unix_timestamp(parsed.validity().not_after.timestamp())?;
    Ok(IssueOutcome {
        role: req.profile.name(),
        subject: name_text(parsed.subject().as_raw()),
        issuer: name_text(parsed.issuer().as_raw()),
        sans,
        not_before,
        not_after,
        serial,
        written,
        files,
        warnings,
    })
}
