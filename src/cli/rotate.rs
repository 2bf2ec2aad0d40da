//! `dbtls rotate {start|switch|finish|status}`: CA rotation of a setup datadir in three phases.

use std::path::PathBuf;

use anyhow::Result;

use crate::app::rotate::{Action, Format, RotateRequest, StartOptions};
use crate::cli::common::check_specs;
use crate::io::password::PassSpec;
use crate::pki::key::KeyType;
use crate::pki::profile::CA_DAYS;

/// Arguments of `dbtls rotate`.
#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    /// The phase.
    #[command(subcommand)]
    pub phase: PhaseArgs,
}

/// The phases of a rotation, in order, and `status`.
#[derive(Debug, clap::Subcommand)]
pub enum PhaseArgs {
    /// Phase 1: make the new CA (ca-next.pem) and make ca.pem the bundle old + new.
    Start(StartArgs),
    /// Phase 2: re-issue server-cert.pem and client-cert.pem under the new CA (same keys).
    Switch(SwitchArgs),
    /// Phase 3: ca.pem and ca-key.pem become the new CA; the old one is kept as ca-prev*.pem.
    Finish(Common),
    /// Which phase the datadir is in, who signed what, and what to do next.
    Status(Common),
}

/// What every phase takes.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The setup datadir (ca.pem, ca-key.pem, server-cert.pem, client-cert.pem, ...).
    #[arg(long, short = 'd')]
    pub datadir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Arguments of `rotate start`.
#[derive(Debug, clap::Args)]
pub struct StartArgs {
    #[command(flatten)]
    common: Common,
    /// Validity of the new CA, in days.
    #[arg(long, default_value_t = CA_DAYS, value_parser = clap::value_parser!(u32).range(1..=36500))]
    days: u32,
    /// Key type of the new CA (default: the old CA's).
    #[arg(long, value_parser = clap::builder::ValueParser::new(str::parse::<KeyType>))]
    key_type: Option<KeyType>,
    /// A new CA name (default: the old CA's, byte for byte, so REQUIRE ISSUER stays valid).
    #[arg(long, value_name = "DN")]
    subject: Option<String>,
    /// Also certify the new CA with the old CA's key (ca-next-cross.pem), sent by the server
    /// after switch so clients holding only the old ca.pem keep verifying it.
    #[arg(long)]
    cross_sign: bool,
    /// Password of ca-key.pem (read only with --cross-sign).
    #[arg(long, value_name = "SPEC", requires = "cross_sign")]
    passin: Option<PassSpec>,
    /// Encrypt ca-next-key.pem with this password (asked for when ca-key.pem is encrypted).
    #[arg(long, value_name = "SPEC")]
    passout: Option<PassSpec>,
}

/// Arguments of `rotate switch`.
#[derive(Debug, clap::Args)]
pub struct SwitchArgs {
    #[command(flatten)]
    common: Common,
    /// Validity of the re-issued certificates, in days (default: each one's old lifetime).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=36500))]
    days: Option<u32>,
    /// Password of ca-next-key.pem.
    #[arg(long, value_name = "SPEC")]
    passin: Option<PassSpec>,
}

impl RotateArgs {
    /// Every flag check, once: the typed request.
    pub fn into_request(self) -> Result<RotateRequest> {
        let (common, action) = match self.phase {
            PhaseArgs::Start(a) => {
                check_specs(&[a.passin.as_ref(), a.passout.as_ref()])?;
                let subject = a
                    .subject
                    .as_deref()
                    .map(crate::pki::subject::parse)
                    .transpose()?;
                let options = StartOptions {
                    days: a.days,
                    key_type: a.key_type,
                    subject,
                    cross_sign: a.cross_sign,
                    passin: a.passin,
                    passout: a.passout,
                };
                (a.common, Action::Start(options))
            }
            PhaseArgs::Switch(a) => (
                a.common,
                Action::Switch {
                    days: a.days,
                    passin: a.passin,
                },
            ),
            PhaseArgs::Finish(c) => (c, Action::Finish),
            PhaseArgs::Status(c) => (c, Action::Status),
        };
        Ok(RotateRequest {
            datadir: common.datadir,
            action,
            format: common.format,
        })
    }
}
