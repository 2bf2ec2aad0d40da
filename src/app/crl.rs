//! `dbtls crl`: a new CRL of a CA, with the entries of the CRL it replaces and new revocations
//! ([`crate::pki::crl`] builds and signs it).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use time::{Duration, OffsetDateTime};

use crate::app::inputs;
use crate::io::password::PassSpec;
use crate::io::{self, Transaction};
use crate::pki::cert::{Certificate, Issuer};
use crate::pki::crl::{self, CrlSpec, Reason, Revocation};

/// Default of `--days`: the CRL's nextUpdate is a month ahead.
pub const DEFAULT_DAYS: u32 = 30;

/// `dbtls crl`, checked.
#[derive(Debug, Clone)]
pub struct CrlRequest {
    /// The CA certificate.
    pub ca: PathBuf,
    /// The CA key.
    pub ca_key: PathBuf,
    /// Its password.
    pub passin: Option<PassSpec>,
    /// The CRL written.
    pub out: PathBuf,
    /// The CRL it replaces.
    pub existing: Option<PathBuf>,
    /// Certificates to revoke.
    pub revoke: Vec<PathBuf>,
    /// Serials to revoke, big-endian.
    pub revoke_serials: Vec<Vec<u8>>,
    /// The reason of the new entries.
    pub reason: Reason,
    /// nextUpdate = now + days.
    pub days: u32,
    /// DER instead of PEM.
    pub der: bool,
    /// Replace `out`.
    pub force: bool,
}

/// What `crl` wrote.
#[derive(Debug, Clone)]
pub struct CrlOutcome {
    /// The file written.
    pub out: PathBuf,
    /// It, described for `--format json`.
    pub files: Vec<crate::app::written::WrittenFile>,
    /// cRLNumber, hex.
    pub number: String,
    /// Entries kept from the CRL replaced.
    pub kept: usize,
    /// Serials added (hex).
    pub added: Vec<String>,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate.
    pub next_update: OffsetDateTime,
    /// Warnings (serials listed already).
    pub warnings: Vec<String>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn number_text(n: &[u8]) -> String {
    let mut v: u128 = 0;
    if n.len() <= 16 {
        for b in n {
            v = (v << 8) | u128::from(*b);
        }
        return v.to_string();
    }
    format!("0x{}", hex(n))
}

/// Runs `crl`.
pub fn run(req: &CrlRequest) -> Result<CrlOutcome> {
    // `--crl F --out F --force` rewrites the CRL in place, the usual way to update it (without
    // --force the existing output is refused as any other).
    let mut inputs_list = vec![req.ca.as_path(), req.ca_key.as_path()];
    inputs_list.extend(req.revoke.iter().map(PathBuf::as_path));
    if let Some(e) = &req.existing
        && !io::same_file(e, &req.out)
    {
        inputs_list.push(e);
    }
    io::check_not_input(&[req.out.as_path()], &inputs_list)?;
    let tx_check = Transaction::new(req.force);
    tx_check.check_outputs(&[req.out.as_path()])?;

    let ca_certs = inputs::read_certs(&req.ca)?;
    let Some(ca_der) = ca_certs.into_iter().next() else {
        bail!("{}: no certificate found", req.ca.display());
    };
    let key = inputs::read_key(&req.ca_key, req.passin.as_ref())?;
    let issuer = Issuer::new(Certificate::from_der(ca_der), key)
        .with_context(|| format!("{} / {}", req.ca.display(), req.ca_key.display()))?;

    let previous = match &req.existing {
        Some(path) => {
            let der = read_crl(path)?;
            Some(crl::read_previous(&der, &issuer).with_context(|| path.display().to_string())?)
        }
        None => None,
    };
    let mut serials: Vec<Vec<u8>> = Vec::new();
    for path in &req.revoke {
        let certs = inputs::read_certs(path)?;
        let Some(first) = certs.first() else {
            bail!("{}: no certificate found", path.display());
        };
        serials.push(
            crl::serial_issued_by(first, &issuer).with_context(|| path.display().to_string())?,
        );
    }
    for s in &req.revoke_serials {
        serials.push(crl::check_serial(s)?);
    }
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    let mut warnings = Vec::new();
    let mut revoked: Vec<Revocation> = Vec::new();
    for s in serials {
        if previous.as_ref().is_some_and(|p| p.lists(&s)) || revoked.iter().any(|r| r.serial == s) {
            warnings.push(format!("serial {} is listed already", hex(&s)));
            continue;
        }
        revoked.push(Revocation {
            serial: s,
            date: now,
            reason: req.reason,
        });
    }
    let number = crl::next_number(previous.as_ref().and_then(|p| p.number.as_deref()));
    if previous.as_ref().is_some_and(|p| p.number.is_none()) {
        warnings.push("the CRL replaced has no cRLNumber: this one is number 1".into());
    }
    let spec = CrlSpec {
        kept: previous.map(|p| p.entries).unwrap_or_default(),
        revoked,
        number,
        this_update: now,
        next_update: now + Duration::days(i64::from(req.days)),
    };
    let der = crl::build(&spec, &issuer)?;
    let bytes = if req.der {
        der
    } else {
        pem::encode_config(
            &pem::Pem::new("X509 CRL", der),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
        .into_bytes()
    };
    let mut tx = Transaction::new(req.force);
    tx.stage_public(&req.out, &bytes)?;
    let label = [(req.out.clone(), "certificate revocation list".to_string())];
    let files = crate::app::written::describe(&tx.commit_files()?, &label);
    Ok(CrlOutcome {
        out: req.out.clone(),
        files,
        number: number_text(&spec.number),
        kept: spec.kept.len(),
        added: spec.revoked.iter().map(|r| hex(&r.serial)).collect(),
        this_update: spec.this_update,
        next_update: spec.next_update,
        warnings,
    })
}

/// A CRL file's DER: the first `X509 CRL` PEM block, or the file as DER.
fn read_crl(path: &std::path::Path) -> Result<Vec<u8>> {
    let data = io::read(path)?;
    match pem::parse_many(&data) {
        Ok(blocks) if !blocks.is_empty() => blocks
            .into_iter()
            .find(|b| b.tag() == "X509 CRL")
            .map(pem::Pem::into_contents)
            .with_context(|| format!("{}: no X509 CRL block in this PEM file", path.display())),
        _ => Ok(data),
    }
}
