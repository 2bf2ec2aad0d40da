//! `dbtls crl`: make or extend a CA's certificate revocation list.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::ValueEnum;

use crate::app::crl::{CrlRequest, DEFAULT_DAYS};
use crate::cli::common::{OutputArgs, check_specs};
use crate::io::password::PassSpec;
use crate::pki::crl::Reason;

/// The reasons `--reason` takes (RFC 5280 §5.3.1 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "verbatim")]
pub enum ReasonArg {
    /// No reasonCode extension (RFC 5280: unspecified is written as none).
    #[value(name = "unspecified")]
    Unspecified,
    /// The certificate's private key leaked.
    #[value(name = "keyCompromise")]
    KeyCompromise,
    /// The CA's key leaked.
    #[value(name = "caCompromise")]
    CaCompromise,
    /// The subject's name or affiliation changed.
    #[value(name = "affiliationChanged")]
    AffiliationChanged,
    /// Replaced by another certificate.
    #[value(name = "superseded")]
    Superseded,
    /// No longer needed.
    #[value(name = "cessationOfOperation")]
    CessationOfOperation,
    /// Suspended (may be removed from a later CRL).
    #[value(name = "certificateHold")]
    CertificateHold,
}

/// Arguments of `dbtls crl`.
#[derive(Debug, clap::Args)]
pub struct CrlArgs {
    /// The CA certificate (its first certificate signs).
    #[arg(long, value_name = "CA")]
    pub ca: PathBuf,
    /// The CA's private key.
    #[arg(long, value_name = "KEY")]
    pub ca_key: PathBuf,
    /// Password of the CA key (pass:TEXT | env:VAR | file:PATH | fd:N | stdin); prompted if needed.
    #[arg(long, value_name = "SPEC")]
    pub passin: Option<PassSpec>,
    /// The CRL to write (PEM, or DER with --der).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The CA's current CRL: its entries are kept and the number goes up by one (may be --out with --force).
    #[arg(long = "crl", value_name = "EXISTING")]
    pub existing: Option<PathBuf>,
    /// Revoke this certificate (it must be issued by the CA); repeatable.
    #[arg(long = "revoke", value_name = "CERT")]
    pub revoke: Vec<PathBuf>,
    /// Revoke this serial number (hex, colons allowed); repeatable.
    #[arg(long = "revoke-serial", value_name = "HEX")]
    pub revoke_serial: Vec<String>,
    /// Why the new entries are revoked.
    #[arg(long, value_enum, default_value = "unspecified")]
    pub reason: ReasonArg,
    /// nextUpdate in days from now: re-run before then, or OpenSSL refuses every certificate.
    #[arg(long, default_value_t = DEFAULT_DAYS, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    /// Write DER instead of PEM.
    #[arg(long)]
    pub der: bool,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_hex(text: &str) -> Result<Vec<u8>> {
    let digits: String = text
        .trim()
        .trim_start_matches("0x")
        .chars()
        .filter(|c| *c != ':')
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!("--revoke-serial {text}: not a hex serial number (e.g. 3F:A2:01 or 3fa201)");
    }
    let padded = if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits
    };
    (0..padded.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&padded[i..i + 2], 16)
                .map_err(|e| anyhow::anyhow!("--revoke-serial {text}: {e}"))
        })
        .collect()
}

impl TryFrom<CrlArgs> for CrlRequest {
    type Error = anyhow::Error;

    fn try_from(a: CrlArgs) -> Result<CrlRequest> {
        check_specs(&[a.passin.as_ref()])?;
        let revoke_serials = a
            .revoke_serial
            .iter()
            .map(|s| parse_hex(s))
            .collect::<Result<Vec<_>>>()?;
        let reason = match a.reason {
            ReasonArg::Unspecified => Reason::Unspecified,
            ReasonArg::KeyCompromise => Reason::KeyCompromise,
            ReasonArg::CaCompromise => Reason::CaCompromise,
            ReasonArg::AffiliationChanged => Reason::AffiliationChanged,
            ReasonArg::Superseded => Reason::Superseded,
            ReasonArg::CessationOfOperation => Reason::CessationOfOperation,
            ReasonArg::CertificateHold => Reason::CertificateHold,
        };
        Ok(CrlRequest {
            ca: a.ca,
            ca_key: a.ca_key,
            passin: a.passin,
            out: a.out,
            existing: a.existing,
            revoke: a.revoke,
            revoke_serials,
            reason,
            days: a.days,
            der: a.der,
            force: a.force,
        })
    }
}
