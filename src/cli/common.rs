//! Argument groups several commands share, and the checks on them.

use anyhow::{Result, bail};

use crate::app::protection::Protection;
use crate::io::password::PassSpec;
use crate::pki::keyfile::Kdf;
use crate::pki::san::San;
use crate::report::Options;
use crate::report::files::Format;

/// How a written private key is protected (`key new`, `issue`, `csr new`).
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
    pub kdf: Kdf,
}

impl PassoutArgs {
    /// The typed protection.
    pub fn protection(&self) -> Protection {
        Protection {
            encrypt: self.encrypt,
            passout: self.passout.clone(),
            kdf: self.kdf,
        }
    }

    /// Whether anything was asked for the key's encryption (`--passout` or `--encrypt`).
    pub fn is_given(&self) -> bool {
        self.passout.is_some() || self.encrypt
    }
}

/// `--force` of the commands that write several files.
#[derive(Debug, clap::Args)]
pub struct ForceArgs {
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
}

/// Refuses two password specs that both read standard input (the first would consume it).
pub fn check_specs(specs: &[Option<&PassSpec>]) -> Result<()> {
    if specs
        .iter()
        .filter(|s| matches!(s, Some(PassSpec::Stdin)))
        .count()
        > 1
    {
        bail!("only one password can be read from stdin; use env:, file: or fd: for the others");
    }
    Ok(())
}

/// Parses every `--san` value.
pub fn parse_sans(sans: &[String]) -> Result<Vec<San>> {
    Ok(sans
        .iter()
        .map(|s| San::parse(s))
        .collect::<Result<Vec<_>, _>>()?)
}

/// `--format` and `--quiet` of every command that writes files (`global`, so that they may
/// follow the subcommand of `key`, `csr` and `export`).
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// Summary: text for people, or one JSON object (the files written and the warnings).
    #[arg(long, value_enum, default_value = "text", global = true)]
    pub format: Format,
    /// Print nothing but errors.
    #[arg(long, short = 'q', global = true, conflicts_with = "format")]
    pub quiet: bool,
}

impl OutputArgs {
    /// The report options these flags ask for.
    pub fn options(&self) -> Options {
        Options {
            format: self.format,
            quiet: self.quiet,
            ..Options::default()
        }
    }
}
