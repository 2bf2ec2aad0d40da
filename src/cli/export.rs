//! `dbtls export`: one subcommand per container, plus `bundle`.
//!
//! Each format takes only the options that mean something for it (`--legacy` only for p12,
//! `--pem/--der` only for p7b, ...), so a misplaced option is a usage error, not ignored.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::app::Request;
use crate::app::bundle::BundleRequest;
use crate::app::export::{Container, ExportRequest, KeyInput};
use crate::cli::common::{ForceArgs, OutputArgs};
use crate::io::password::PassSpec;

/// Arguments of `dbtls export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The container to write.
    #[command(subcommand)]
    pub command: ExportCommand,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The export formats.
#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// PEM: the chain, leaf first (with --key, the key first, encrypted with --passout).
    Pem(PemArgs),
    /// PKCS#7 certs-only (.p7b) for Windows, .NET and keytool; DER unless --pem.
    P7b(P7bArgs),
    /// Java KeyStore (.jks): a truststore, or with --key a keystore (key password = store password).
    Jks(JksArgs),
    /// PKCS#12 (.p12): a truststore, or with --key a keystore; AES-256 + SHA-256 unless --legacy.
    P12(P12Args),
    /// A CA bundle: NAME.pem, NAME.p7b, NAME.jks, NAME.p12 and README.txt, in a directory or zip.
    Bundle(BundleArgs),
}

/// Options every format has.
#[derive(Debug, clap::Args)]
pub struct CommonArgs {
    /// The file to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,
    /// Certificate file (PEM with one or more certificates, DER, or .p7b); repeatable, any order.
    #[arg(long = "cert", short = 'c', value_name = "FILE", required = true, num_args = 1..)]
    pub certs: Vec<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// The private key of a key store (or of a PEM export).
#[derive(Debug, clap::Args)]
pub struct StoreKeyArgs {
    /// Private key (PEM or DER, plain or encrypted, as the key decoder reads it): makes a key store.
    #[arg(long, short = 'k', value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Password of an encrypted --key (pass:|env:|file:|fd:|stdin; asked on a terminal).
    #[arg(long, value_name = "SPEC", requires = "key")]
    pub passin: Option<PassSpec>,
}

impl StoreKeyArgs {
    fn input(self) -> Option<KeyInput> {
        self.key.map(|path| KeyInput {
            path,
            passin: self.passin,
        })
    }
}

/// `dbtls export pem`.
#[derive(Debug, clap::Args)]
pub struct PemArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    key: StoreKeyArgs,
    /// Encrypt the key with this password (PKCS#8, PBKDF2-HMAC-SHA256 + AES-256-CBC).
    #[arg(long, value_name = "SPEC", requires = "key")]
    passout: Option<PassSpec>,
}

/// `dbtls export p7b`.
#[derive(Debug, clap::Args)]
pub struct P7bArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Write PEM (-----BEGIN PKCS7-----).
    #[arg(long, conflicts_with = "der")]
    pem: bool,
    /// Write DER (the default).
    #[arg(long)]
    der: bool,
}

/// `dbtls export jks`.
#[derive(Debug, clap::Args)]
pub struct JksArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    key: StoreKeyArgs,
    /// Store password (pass:|env:|file:|fd:|stdin; asked on a terminal).
    #[arg(long, value_name = "SPEC")]
    passout: Option<PassSpec>,
    /// Alias of the key entry, or of the trusted certificates (NAME, NAME-2, ...); default: from the CN.
    #[arg(long, value_name = "NAME")]
    alias: Option<String>,
}

/// `dbtls export p12`.
#[derive(Debug, clap::Args)]
pub struct P12Args {
    #[command(flatten)]
    store: JksArgs,
    /// 3DES + SHA-1 MAC at 2048 iterations, for JREs before 8u301 and old Windows.
    #[arg(long)]
    legacy: bool,
}

/// `dbtls export bundle`.
#[derive(Debug, clap::Args)]
pub struct BundleArgs {
    /// CA certificate file (PEM, DER or .p7b); repeatable.
    #[arg(long = "ca", value_name = "FILE", required = true, num_args = 1..)]
    cas: Vec<PathBuf>,
    /// A directory (created if missing), or a FILE.zip.
    #[arg(long, short = 'o', value_name = "DIR|FILE.zip")]
    out: PathBuf,
    /// Password of the .jks and .p12 truststores (pass:|env:|file:|fd:|stdin; asked on a terminal).
    #[arg(long, value_name = "SPEC")]
    passout: Option<PassSpec>,
    /// Base name of the files.
    #[arg(long, default_value = "ca")]
    name: String,
    #[command(flatten)]
    force: ForceArgs,
}

fn request(
    container: Container,
    common: CommonArgs,
    key: StoreKeyArgs,
    passout: Option<PassSpec>,
    alias: Option<String>,
) -> Result<ExportRequest> {
    // Both from stdin would read both lines into the first password (found in review).
    super::common::check_specs(&[key.passin.as_ref(), passout.as_ref()])?;
    Ok(ExportRequest {
        container,
        out: common.out,
        certs: common.certs,
        key: key.input(),
        passout,
        alias,
        force: common.force,
    })
}

impl TryFrom<ExportArgs> for Request {
    type Error = anyhow::Error;

    fn try_from(args: ExportArgs) -> Result<Request> {
        Ok(match args.command {
            ExportCommand::Pem(a) => {
                if a.passout.is_some() && a.key.key.is_none() {
                    bail!("--passout encrypts the key of a PEM export: give --key too");
                }
                Request::Export(request(Container::Pem, a.common, a.key, a.passout, None)?)
            }
            ExportCommand::P7b(a) => {
                let no_key = StoreKeyArgs {
                    key: None,
                    passin: None,
                };
                Request::Export(request(
                    Container::P7b { pem: a.pem },
                    a.common,
                    no_key,
                    None,
                    None,
                )?)
            }
            ExportCommand::Jks(a) => Request::Export(request(
                Container::Jks,
                a.common,
                a.key,
                a.passout,
                a.alias,
            )?),
            ExportCommand::P12(a) => {
                let s = a.store;
                Request::Export(request(
                    Container::P12 { legacy: a.legacy },
                    s.common,
                    s.key,
                    s.passout,
                    s.alias,
                )?)
            }
            ExportCommand::Bundle(a) => {
                let name = &a.name;
                if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\', '\0']) {
                    bail!("--name must be a plain file name, not '{name}'");
                }
                Request::Bundle(BundleRequest {
                    cas: a.cas,
                    out: a.out,
                    passout: a.passout,
                    name: a.name,
                    force: a.force.force,
                })
            }
        })
    }
}
