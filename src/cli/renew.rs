//! `dbtls renew CERT --ca CA --ca-key KEY ...` and `dbtls renew --datadir DIR ...`.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::app::renew::{DEFAULT_EXPIRES_WITHIN, NewKey, RenewRequest, Target};
use crate::cli::common::{OutputArgs, PassoutArgs, check_specs};
use crate::io::password::PassSpec;
use crate::pki::key::KeyType;

/// Arguments of `dbtls renew`.
#[derive(Debug, clap::Args)]
pub struct RenewArgs {
    /// The certificate to renew (same subject, SANs, role; new serial and validity).
    #[arg(
        value_name = "CERT",
        required_unless_present = "datadir",
        conflicts_with = "datadir"
    )]
    pub cert: Option<PathBuf>,
    /// The CA that issued CERT (its first certificate).
    #[arg(long, value_name = "CA", requires = "ca_key")]
    pub ca: Option<PathBuf>,
    /// The CA's private key.
    #[arg(long, value_name = "KEY", requires = "ca")]
    pub ca_key: Option<PathBuf>,
    /// Password of the CA key (pass:TEXT | env:VAR | file:PATH | fd:N | stdin); prompted if needed.
    #[arg(long, value_name = "SPEC")]
    pub passin: Option<PassSpec>,
    /// Validity in days from now [default: the old certificate's lifetime]; clamped to the CA's.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub days: Option<u32>,
    /// Certify a new key instead of the old certificate's public key.
    #[arg(long, conflicts_with = "datadir")]
    pub new_key: bool,
    /// Type of the new key [default: the old key's type].
    #[arg(long, requires = "new_key", value_parser = clap::builder::ValueParser::new(str::parse::<KeyType>))]
    pub key_type: Option<KeyType>,
    /// Where the new key goes [default: the new certificate's name with -cert.pem → -key.pem].
    #[arg(long, value_name = "FILE", requires = "new_key")]
    pub out_key: Option<PathBuf>,
    #[command(flatten)]
    pub pass: PassoutArgs,
    /// Write the new certificate here (required unless --force).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["force", "datadir"])]
    pub out_cert: Option<PathBuf>,
    /// Replace CERT (and with --new-key the key file) atomically.
    #[arg(long, conflicts_with = "datadir")]
    pub force: bool,
    /// Renew the server and client certificates of this setup datadir that expire soon.
    #[arg(long, short = 'd', value_name = "DIR", conflicts_with_all = ["ca", "ca_key"])]
    pub datadir: Option<PathBuf>,
    /// With --datadir: renew what expires within DAYS.
    #[arg(long, value_name = "DAYS", requires = "datadir", default_value_t = DEFAULT_EXPIRES_WITHIN,
          value_parser = clap::value_parser!(u32).range(0..=36500))]
    pub expires_within: u32,
    /// With --datadir: say what would be renewed, write nothing.
    #[arg(long, requires = "datadir")]
    pub dry_run: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `server-cert.pem` → `server-key.pem`; `None` when the name does not end in `-cert.pem`.
fn key_beside(cert: &std::path::Path) -> Option<PathBuf> {
    let name = cert.file_name()?.to_str()?;
    let stem = name.strip_suffix("-cert.pem")?;
    Some(cert.with_file_name(format!("{stem}-key.pem")))
}

impl TryFrom<RenewArgs> for RenewRequest {
    type Error = anyhow::Error;

    fn try_from(a: RenewArgs) -> Result<RenewRequest> {
        check_specs(&[a.passin.as_ref(), a.pass.passout.as_ref()])?;
        if a.pass.is_given() && !a.new_key {
            bail!("--passout is only for a new key (--new-key)");
        }
        let target = match (a.datadir, a.cert) {
            (Some(dir), _) => Target::Datadir {
                dir,
                expires_within: a.expires_within,
                dry_run: a.dry_run,
            },
            (None, Some(cert)) => {
                let (Some(ca), Some(ca_key)) = (a.ca, a.ca_key) else {
                    bail!("renew CERT needs the CA that issued it: --ca CA --ca-key KEY");
                };
                if a.out_cert.is_none() && !a.force {
                    bail!(
                        "give --out-cert FILE for the new certificate, or --force to replace CERT"
                    );
                }
                let new_key = if a.new_key {
                    let beside = key_beside(a.out_cert.as_deref().unwrap_or(&cert));
                    let out_key = match a.out_key.or(beside) {
                        Some(k) => k,
                        None => bail!(
                            "--new-key: give --out-key FILE (CERT's name does not end in -cert.pem)"
                        ),
                    };
                    Some(NewKey {
                        key_type: a.key_type,
                        out_key,
                        protection: a.pass.protection()?,
                    })
                } else {
                    None
                };
                Target::File {
                    cert,
                    ca,
                    ca_key,
                    new_key,
                    out_cert: a.out_cert,
                }
            }
            (None, None) => bail!("give CERT --ca CA --ca-key KEY, or --datadir DIR"),
        };
        Ok(RenewRequest {
            target,
            passin: a.passin,
            days: a.days,
        })
    }
}
