//! `dbtls key new|encrypt|decrypt|public`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Subcommand, ValueEnum};

use crate::app::key::{self, KeyRequest, Protection};
use crate::io::password::PassSpec;
use crate::pki::key::KeyType;
use crate::pki::keyfile::Kdf;

/// Arguments of `dbtls key`.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: KeyCommand,
}

/// The key subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a private key (PKCS#8 PEM), optionally encrypted, and its public key.
    New(NewArgs),
    /// Encrypt a private key (or change its password); reads PKCS#8, PKCS#1, SEC1, legacy PEM, DER.
    Encrypt(EncryptArgs),
    /// Write a private key without encryption (PKCS#8 PEM).
    Decrypt(DecryptArgs),
    /// Write the public key (SubjectPublicKeyInfo PEM) of a private key.
    Public(PublicArgs),
}

/// The KDF of a new encrypted key, as typed.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KdfArg {
    /// PBKDF2-HMAC-SHA256, 600,000 iterations (read by every OpenSSL 1.1+, Java, Python).
    Pbkdf2,
    /// scrypt N=2^14 r=8 p=1 (OpenSSL 1.1+; not Java).
    Scrypt,
}

impl From<KdfArg> for Kdf {
    fn from(k: KdfArg) -> Kdf {
        match k {
            KdfArg::Pbkdf2 => Kdf::Pbkdf2,
            KdfArg::Scrypt => Kdf::Scrypt,
        }
    }
}

/// Options shared by commands that write a private key.
#[derive(Debug, clap::Args)]
pub struct PassoutArgs {
    /// Encrypt the key with this password (pass:TEXT | env:VAR | file:PATH | fd:N | stdin).
    #[arg(long, value_name = "SPEC")]
    pub passout: Option<PassSpec>,
    /// Encrypt the key, prompting for the password when --passout is not given.
    #[arg(long)]
    pub encrypt: bool,
    /// Key derivation function of the encrypted key.
    #[arg(long, value_enum, default_value = "pbkdf2")]
    pub kdf: KdfArg,
}

impl PassoutArgs {
    /// The typed protection.
    pub fn protection(&self) -> Protection {
        Protection {
            encrypt: self.encrypt,
            passout: self.passout.clone(),
            kdf: self.kdf.into(),
        }
    }
}

/// `dbtls key new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
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
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
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
    /// Key derivation function.
    #[arg(long, value_enum, default_value = "pbkdf2")]
    pub kdf: KdfArg,
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
    /// Replace an existing output.
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

impl KeyArgs {
    /// Runs the command and prints what was written.
    pub fn run(self) -> Result<ExitCode> {
        let req = match self.command {
            KeyCommand::New(a) => KeyRequest::New {
                key_type: a.key_type,
                protection: a.pass.protection(),
                out: a.out,
                public_out: a.public_out,
                force: a.force,
            },
            KeyCommand::Encrypt(a) => KeyRequest::Encrypt {
                input: a.input,
                passin: a.passin,
                out: a.out,
                protection: Protection {
                    encrypt: true,
                    passout: a.passout,
                    kdf: a.kdf.into(),
                },
                force: a.force,
            },
            KeyCommand::Decrypt(a) => KeyRequest::Decrypt {
                input: a.input,
                passin: a.passin,
                out: a.out,
                force: a.force,
            },
            KeyCommand::Public(a) => KeyRequest::Public {
                input: a.input,
                passin: a.passin,
                out: a.out,
                force: a.force,
            },
        };
        let outcome = key::run(&req)?;
        let mut text = format!("{} key:\n", outcome.info);
        for (path, what) in &outcome.written {
            text += &format!("  wrote {}  {what}\n", crate::term::path(path));
        }
        crate::term::print_summary(&text);
        Ok(ExitCode::SUCCESS)
    }
}
