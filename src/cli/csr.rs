//! `dbtls csr new`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use crate::app::csr::{self, CsrRequest};
use crate::cli::key::PassoutArgs;
use crate::io::password::PassSpec;
use crate::pki::key::KeyType;
use crate::pki::san::San;

/// Arguments of `dbtls csr`.
#[derive(Debug, clap::Args)]
pub struct CsrArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: CsrCommand,
}

/// The CSR subcommands.
#[derive(Debug, Subcommand)]
pub enum CsrCommand {
    /// Create a key (or use one) and a PKCS#10 certificate signing request for it.
    New(NewArgs),
}

/// `dbtls csr new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
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
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
}

impl CsrArgs {
    /// Converts the arguments, creates the CSR and prints what was written.
    pub fn run(self) -> Result<ExitCode> {
        let CsrCommand::New(a) = self.command;
        let req = CsrRequest {
            subject: crate::pki::subject::parse(&a.subject)?,
            sans: a
                .sans
                .iter()
                .map(|s| San::parse(s))
                .collect::<Result<Vec<_>, _>>()?,
            key_type: a.key_type,
            key: a.key.map(|k| (k, a.passin)),
            out_csr: a.out_csr,
            out_key: a.out_key,
            protection: a.pass.protection(),
            force: a.force,
        };
        let outcome = csr::run(&req)?;
        let mut text = format!("{} key:\n", outcome.info);
        for (path, what) in &outcome.written {
            text += &format!("  wrote {}  {what}\n", crate::term::path(path));
        }
        crate::term::print_summary(&text);
        Ok(ExitCode::SUCCESS)
    }
}
