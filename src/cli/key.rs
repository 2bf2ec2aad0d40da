//! `dbtls key new|encrypt|decrypt|public`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use crate::app::key::KeyRequest;
use crate::cli::common::{
    ForceArgs, KeyFormatArgs, OutputArgs, PassoutArgs, check_specs, protection,
};
use crate::io::password::PassSpec;
use crate::pki::key::KeyType;
use crate::pki::keyfile::Kdf;

/// Arguments of `dbtls key`.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: KeyCommand,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The key subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a private key (PKCS#8 PEM), optionally encrypted, and its public key.
    New(KeyNewArgs),
    /// Encrypt a private key (or change its password); reads PKCS#8, PKCS#1, SEC1, legacy PEM, DER.
    Encrypt(EncryptArgs),
    /// Write a private key without encryption (PKCS#8 PEM unless --key-format/--der).
    Decrypt(DecryptArgs),
    /// Rewrite a private key in another format (PKCS#8, PKCS#1, SEC1; PEM or DER), encrypted
    /// with --passout or not.
    Convert(ConvertArgs),
    /// Write the public key (SubjectPublicKeyInfo PEM) of a private key.
    Public(PublicArgs),
}

/// `dbtls key new`.
#[derive(Debug, clap::Args)]
pub struct KeyNewArgs {
    /// Key type.
    #[arg(long, default_value = "rsa2048", value_parser = clap::builder::ValueParser::new(str::parse::<KeyType>))]
    pub key_type: KeyType,
    /// Private key file to write (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Also write the public key here (mode 0644).
    #[arg(long, value_name = "FILE")]
    pub public_out: Option<PathBuf>,
    #[command(flatten)]
    pub pass: PassoutArgs,
    #[command(flatten)]
    pub force: ForceArgs,
}

/// `dbtls key encrypt`.
#[derive(Debug, clap::Args)]
pub struct EncryptArgs {
    /// The private key to encrypt.
    pub input: PathBuf,
    /// Encrypted key file to write (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Password of the input, if it is encrypted.
    #[arg(long, value_name = "SPEC")]
    pub passin: Option<PassSpec>,
    /// The new password (pass:TEXT | env:VAR | file:PATH | fd:N | stdin); prompted if absent.
    #[arg(long, value_name = "SPEC")]
    pub passout: Option<PassSpec>,
    /// Key derivation function [default: pbkdf2; legacy for pkcs1/sec1].
    #[arg(long, value_enum)]
    pub kdf: Option<Kdf>,
    #[command(flatten)]
    pub format: KeyFormatArgs,
    /// Replace an existing output.
    #[arg(long)]
    pub force: bool,
}

/// `dbtls key decrypt`.
#[derive(Debug, clap::Args)]
pub struct DecryptArgs {
    /// The encrypted private key.
    pub input: PathBuf,
    /// Plain key file to write (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Password of the input (pass:TEXT | env:VAR | file:PATH | fd:N | stdin); prompted if absent.
    #[arg(long, value_name = "SPEC")]
    pub passin: Option<PassSpec>,
    #[command(flatten)]
    pub format: KeyFormatArgs,
    /// Replace an existing output.
    #[arg(long)]
    pub force: bool,
}

/// `dbtls key convert`.
#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The private key (PKCS#8, PKCS#1, SEC1, legacy encrypted PEM; PEM or DER).
    pub input: PathBuf,
    /// Key file to write (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Password of the input, if it is encrypted.
    #[arg(long, value_name = "SPEC")]
    pub passin: Option<PassSpec>,
    /// Encrypt the output with this password; without it the output is not encrypted.
    #[arg(long, value_name = "SPEC")]
    pub passout: Option<PassSpec>,
    /// Key derivation function of an encrypted output [default: pbkdf2; legacy for pkcs1/sec1].
    #[arg(long, value_enum)]
    pub kdf: Option<Kdf>,
    #[command(flatten)]
    pub format: KeyFormatArgs,
    /// Replace an existing output (the input itself, to convert in place).
    #[arg(long)]
    pub force: bool,
}

/// `dbtls key public`.
#[derive(Debug, clap::Args)]
pub struct PublicArgs {
    /// The private key.
    pub input: PathBuf,
    /// Public key file to write (mode 0644).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Password of the input, if it is encrypted.
    #[arg(long, value_name = "SPEC")]
    pub passin: Option<PassSpec>,
    /// Replace an existing output.
    #[arg(long)]
    pub force: bool,
}

impl TryFrom<KeyArgs> for KeyRequest {
    type Error = anyhow::Error;

    fn try_from(args: KeyArgs) -> Result<KeyRequest> {
        Ok(match args.command {
            KeyCommand::New(a) => KeyRequest::New {
                key_type: a.key_type,
                protection: a.pass.protection()?,
                out: a.out,
                public_out: a.public_out,
                force: a.force.force,
            },
            KeyCommand::Encrypt(a) => {
                check_specs(&[a.passin.as_ref(), a.passout.as_ref()])?;
                KeyRequest::Convert {
                    protection: protection(true, a.passout, a.kdf, &a.format)?,
                    input: a.input,
                    passin: a.passin,
                    out: a.out,
                    force: a.force,
                }
            }
            KeyCommand::Decrypt(a) => KeyRequest::Convert {
                protection: protection(false, None, None, &a.format)?,
                input: a.input,
                passin: a.passin,
                out: a.out,
                force: a.force,
            },
            KeyCommand::Convert(a) => {
                check_specs(&[a.passin.as_ref(), a.passout.as_ref()])?;
                KeyRequest::Convert {
                    protection: protection(a.passout.is_some(), a.passout, a.kdf, &a.format)?,
                    input: a.input,
                    passin: a.passin,
                    out: a.out,
                    force: a.force,
                }
            }
            KeyCommand::Public(a) => KeyRequest::Public {
                input: a.input,
                passin: a.passin,
                out: a.out,
                force: a.force,
            },
        })
    }
}
