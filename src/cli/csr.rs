//! `dbtls csr new`.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Subcommand;

use crate::app::csr::{CsrKey, CsrRequest};
use crate::cli::common::{ForceArgs, OutputArgs, PassoutArgs, check_specs, parse_sans};
use crate::io::password::PassSpec;
use crate::pki::key::KeyType;

/// Arguments of `dbtls csr`.
#[derive(Debug, clap::Args)]
pub struct CsrArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: CsrCommand,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The CSR subcommands.
#[derive(Debug, Subcommand)]
pub enum CsrCommand {
    /// Create a key (or use one) and a PKCS#10 certificate signing request for it.
    New(CsrNewArgs),
}

/// `dbtls csr new`.
#[derive(Debug, clap::Args)]
pub struct CsrNewArgs {
    /// Subject in the OpenSSL/MySQL slash form, in certificate order: /O=Example/CN=db1
    #[arg(long, value_name = "DN")]
    pub subject: String,
    /// Requested subject alternative name (DNS, IP, or dns:/ip:/email:/uri: prefixed); repeatable.
    #[arg(long = "san", value_name = "NAME")]
    pub sans: Vec<String>,
    /// Type of the new key.
    #[arg(long, default_value = "rsa2048", value_parser = clap::builder::ValueParser::new(str::parse::<KeyType>), conflicts_with = "key")]
    pub key_type: KeyType,
    /// Use this existing private key instead of generating one.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Password of --key, if it is encrypted.
    #[arg(long, value_name = "SPEC", requires = "key")]
    pub passin: Option<PassSpec>,
    /// CSR output file (mode 0644).
    #[arg(long, value_name = "FILE")]
    pub out_csr: PathBuf,
    /// Key output file (mode 0600), for a generated key.
    #[arg(long, value_name = "FILE")]
    pub out_key: Option<PathBuf>,
    #[command(flatten)]
    pub pass: PassoutArgs,
    #[command(flatten)]
    pub force: ForceArgs,
}

impl TryFrom<CsrArgs> for CsrRequest {
    type Error = anyhow::Error;

    fn try_from(args: CsrArgs) -> Result<CsrRequest> {
        let CsrCommand::New(a) = args.command;
        let subject = crate::pki::subject::parse(&a.subject)?;
        let sans = parse_sans(&a.sans)?;
        check_specs(&[a.passin.as_ref(), a.pass.passout.as_ref()])?;
        let key = match (a.key, a.out_key) {
            (Some(_), Some(_)) => {
                bail!(
                    "--out-key is only for a generated key (with --key the key stays where it is)"
                )
            }
            (Some(path), None) => CsrKey::File {
                path,
                passin: a.passin,
            },
            (None, Some(out)) => CsrKey::Generate {
                key_type: a.key_type,
                out,
            },
            (None, None) => bail!("--out-key FILE is needed for the new key (or give --key FILE)"),
        };
        Ok(CsrRequest {
            subject,
            sans,
            key,
            out_csr: a.out_csr,
            protection: a.pass.protection()?,
            force: a.force.force,
        })
    }
}
