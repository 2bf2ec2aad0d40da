//! `dbtls issue {ca|intermediate|server|client}`: one certificate, its key, optionally its chain.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

use crate::app::key::{Protection, check_specs, key_pem, load_key, private_label};
use crate::io::password::PassSpec;
use crate::io::{self, Mode, Transaction};
use crate::pki::cert::{self, CertSpec, Certificate, Issuer, Signer, Validity};
use crate::pki::csr;
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::name::DistinguishedName;
use crate::pki::profile::Profile;
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

/// Everything `issue` needs, already parsed.
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
    /// The certificate output; default `out/<role>...pem`.
    pub out_cert: Option<PathBuf>,
    /// The key output; default `out/<role>-key.pem` (only for generated keys).
    pub out_key: Option<PathBuf>,
    /// Also write leaf + intermediates here.
    pub chain_out: Option<PathBuf>,
    /// How a generated key is protected.
    pub protection: Protection,
    /// Replace existing files.
    pub force: bool,
}

/// The default certificate and key paths of a role (mysql_ssl_rsa_setup's names for ca/server/client).
pub fn default_paths(profile: Profile) -> (PathBuf, PathBuf) {
    let (cert, key) = match profile {
        Profile::Ca { .. } => ("ca.pem", "ca-key.pem"),
        Profile::Intermediate { .. } => ("intermediate-cert.pem", "intermediate-key.pem"),
        Profile::Server => ("server-cert.pem", "server-key.pem"),
        Profile::Client => ("client-cert.pem", "client-key.pem"),
    };
    (Path::new("out").join(cert), Path::new("out").join(key))
}

/// What was issued, for the summary.
#[derive(Debug, Clone)]
pub struct IssueOutcome {
    /// The subject, RFC 4514-like (escaped for the terminal).
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
    /// Warnings (clamped validity, expired on purpose, ignored CSR content).
    pub warnings: Vec<String>,
}

/// Reads every certificate in a PEM (or single DER) file.
pub fn read_certs(path: &Path) -> Result<Vec<Certificate>> {
    let data = io::read(path)?;
    let looks_pem = data.windows(11).any(|w| w == b"-----BEGIN ");
    let ders: Vec<Vec<u8>> = if looks_pem {
        pem::parse_many(&data)
            .with_context(|| format!("{}: malformed PEM", path.display()))?
            .into_iter()
            .filter(|p| p.tag() == "CERTIFICATE" || p.tag() == "X509 CERTIFICATE")
            .map(|p| p.into_contents())
            .collect()
    } else {
        vec![data]
    };
    if ders.is_empty() {
        bail!("{}: no certificate found", path.display());
    }
    for der in &ders {
        X509Certificate::from_der(der)
            .map_err(|e| anyhow::anyhow!("{}: malformed certificate: {e}", path.display()))?;
    }
    Ok(ders.into_iter().map(Certificate::from_der).collect())
}

/// A name as MySQL's `REQUIRE SUBJECT`/`ISSUER` see it (OpenSSL 3 `X509_NAME_oneline`), escaped
/// for the terminal.
fn name_text(der: &[u8]) -> String {
    match crate::pki::oneline::entries(der) {
        Ok(entries) => crate::term::escape(&crate::pki::oneline::openssl3(&entries)),
        Err(_) => "(malformed name)".into(),
    }
}

/// The subject's last commonName, if any.
fn common_name(subject_der: &[u8]) -> Option<String> {
    let (_, name) = X509Name::from_der(subject_der).ok()?;
    name.iter_common_name()
        .last()
        .and_then(|a| a.as_str().ok())
        .map(str::to_string)
}

/// Resolves the lifetime to a validity, warning about certificates made invalid on purpose.
fn validity(
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
    let (default_cert, default_key) = default_paths(req.profile);
    let out_cert = req.out_cert.clone().unwrap_or(default_cert);
    let generate = matches!(req.key, KeySource::Generate(_));
    if !generate && req.out_key.is_some() {
        bail!(
            "--out-key is only for a generated key (with --key or --csr the key stays where it is)"
        );
    }
    if !generate && (req.protection.passout.is_some() || req.protection.encrypt) {
        bail!("--passout is only for a generated key (use dbtls key encrypt for an existing one)");
    }
    let out_key = generate.then(|| req.out_key.clone().unwrap_or(default_key));
    match (&req.ca, req.profile) {
        (None, Profile::Ca { .. }) => {}
        (None, p) => bail!(
            "issue {} needs the signing CA: --ca CERT --ca-key KEY",
            p.name()
        ),
        (Some(_), Profile::Ca { .. }) => {
            bail!(
                "issue ca makes a self-signed root; use issue intermediate to sign a CA with another CA"
            )
        }
        _ => {}
    }
    if matches!(req.key, KeySource::Csr(_)) && matches!(req.profile, Profile::Ca { .. }) {
        bail!("a root CA is self-signed, so it needs its own key (--key or --key-type), not a CSR");
    }
    let key_passin = match &req.key {
        KeySource::File { passin, .. } => passin.as_ref(),
        _ => None,
    };
    check_specs(&[
        req.ca.as_ref().and_then(|c| c.passin.as_ref()),
        key_passin,
        req.protection.passout.as_ref(),
    ])?;

    // Refuse existing outputs before any slow work or prompt.
    // Outputs must name distinct files (so --out-key ./x.pem cannot replace --out-cert x.pem)
    // and none may be an input (--out-cert ca-key.pem --force would destroy the CA key).
    let mut tx = Transaction::new(req.force);
    let mut outputs = vec![out_cert.as_path()];
    outputs.extend(out_key.as_deref());
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
            let certs = read_certs(&ca.cert)?;
            let ca_key = load_key(&ca.key, ca.passin.as_ref())?;
            let mut certs = certs.into_iter();
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

    let password = req.protection.password("New key password")?;
    let (key, public_key_der, csr_req) = match &req.key {
        KeySource::Generate(kind) => {
            let key = PrivateKey::generate(*kind)?;
            let spki = key.public_key_der();
            (Some(key), spki, None)
        }
        KeySource::File { path, passin } => {
            let key = load_key(path, passin.as_ref())?;
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
    let mut sans = if req.sans.is_empty() {
        csr_req.as_ref().map(|c| c.sans.clone()).unwrap_or_default()
    } else {
        req.sans.clone()
    };
    if req.profile == Profile::Server && sans.is_empty() {
        // Clients with --ssl-mode=VERIFY_IDENTITY check the host against the SAN (RFC 6125 §6.4.4
        // has them ignore the CN when a SAN is present), so a server certificate always has one.
        let cn = common_name(&subject_der);
        match cn
            .as_deref()
            .map(|cn| (cn, San::parse(&format!("dns:{cn}"))))
        {
            Some((_, Ok(san))) => {
                warnings.push(format!(
                    "no --san given: using the CN as the DNS name {san}"
                ));
                sans.push(san);
            }
            Some((cn, Err(_))) => bail!(
                "a server certificate needs a SAN and the CN '{}' is not a host name: give --san NAME (repeatable)",
                crate::term::escape(cn)
            ),
            None => bail!("a server certificate needs a SAN: give --san NAME (repeatable)"),
        }
    }
    // RFC 5280 §4.1.2.6: a certificate with an email address in the subject MUST also carry it
    // as an rfc822Name SAN.
    if let Ok((_, name)) = X509Name::from_der(&subject_der) {
        for email in name.iter_email().filter_map(|a| a.as_str().ok()) {
            let san = San::parse(&format!("email:{email}"))?;
            if !sans.contains(&san) {
                sans.push(san);
            }
        }
    }
    let mut seen = Vec::new();
    sans.retain(|s| {
        let new = !seen.contains(s);
        seen.push(s.clone());
        new
    });

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
    tx.stage(&out_cert, cert_pem.as_bytes(), Mode::Public)?;
    written.push((
        out_cert.clone(),
        format!("{} certificate", req.profile.name()),
    ));
    if let (Some(path), Some(key)) = (&out_key, &key) {
        let pem = key_pem(key, password.as_ref(), req.protection.kdf)?;
        tx.stage(path, pem.as_bytes(), Mode::Secret)?;
        written.push((
            path.clone(),
            private_label(password.is_some(), req.protection.kdf),
        ));
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
        tx.stage(path, chain.as_bytes(), Mode::Public)?;
        written.push((
            path.clone(),
            "certificate chain (leaf first, without the root)".into(),
        ));
    }
    tx.commit()?;

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
        subject: name_text(parsed.subject().as_raw()),
        issuer: name_text(parsed.issuer().as_raw()),
        sans,
        not_before,
        not_after,
        serial,
        written,
        warnings,
    })
}
