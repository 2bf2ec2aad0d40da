//! `dbtls export`: one subcommand per container, plus `bundle`.
//!
//! Each format takes only the options that mean something for it (`--legacy` only for p12,
//! `--pem/--der` only for p7b, ...), so a misplaced option is a usage error, not ignored.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::app::export::{self, BundleRequest, ExportRequest, Format, KeyInput, Outcome};
use crate::io::password::PassSpec;

/// Arguments of `dbtls export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The container to write.
    #[command(subcommand)]
    pub command: ExportCommand,
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

/// The private key of a key store.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// Private key (PEM or DER, plain or encrypted, as the key decoder reads it): makes a key store.
    #[arg(long, short = 'k', value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Password of an encrypted --key (pass:|env:|file:|fd:|stdin; asked on a terminal).
    #[arg(long, value_name = "SPEC", requires = "key")]
    pub passin: Option<PassSpec>,
}

impl KeyArgs {
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
    key: KeyArgs,
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
    key: KeyArgs,
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
    /// Replace existing files.
    #[arg(long)]
    force: bool,
}

fn request(
    format: Format,
    common: CommonArgs,
    key: KeyArgs,
    passout: Option<PassSpec>,
    alias: Option<String>,
) -> ExportRequest {
    ExportRequest {
        format,
        out: common.out,
        certs: common.certs,
        key: key.input(),
        passout,
        alias,
        force: common.force,
    }
}

fn report(outcome: &Outcome) {
    for w in &outcome.warnings {
        crate::term::warn(w);
    }
    let mut text = String::new();
    for path in &outcome.written {
        text += &format!("Wrote {}\n", crate::term::path(path));
    }
    for line in &outcome.summary {
        text += &format!("  {}\n", crate::term::escape(line));
    }
    crate::term::print_summary(&text);
}

impl ExportArgs {
    /// Converts the arguments and runs the export.
    pub fn run(self) -> Result<ExitCode> {
        let outcome = match self.command {
            ExportCommand::Pem(a) => {
                export::export(&request(Format::Pem, a.common, a.key, a.passout, None))?
            }
            ExportCommand::P7b(a) => {
                let no_key = KeyArgs {
                    key: None,
                    passin: None,
                };
                export::export(&request(
                    Format::P7b { pem: a.pem },
                    a.common,
                    no_key,
                    None,
                    None,
                ))?
            }
            ExportCommand::Jks(a) => {
                export::export(&request(Format::Jks, a.common, a.key, a.passout, a.alias))?
            }
            ExportCommand::P12(a) => {
                let s = a.store;
                export::export(&request(
                    Format::P12 { legacy: a.legacy },
                    s.common,
                    s.key,
                    s.passout,
                    s.alias,
                ))?
            }
            ExportCommand::Bundle(a) => export::bundle(&BundleRequest {
                cas: a.cas,
                out: a.out,
                passout: a.passout,
                name: a.name,
                force: a.force,
            })?,
        };
        report(&outcome);
        Ok(ExitCode::SUCCESS)
    }
}
