//! Argument groups several commands share, and the checks on them.

use anyhow::{Result, bail};

use crate::app::protection::Protection;
use crate::io::password::PassSpec;
use crate::pki::keyfile::{Kdf, KeyEncoding, KeyFormat, check_encoding};
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
    /// Key derivation function of the encrypted key [default: pbkdf2; legacy for pkcs1/sec1].
    #[arg(long, value_enum)]
    pub kdf: Option<Kdf>,
    #[command(flatten)]
    pub format: KeyFormatArgs,
}

impl PassoutArgs {
    /// The typed protection.
    pub fn protection(&self) -> Result<Protection> {
        protection(
            self.encrypt || self.passout.is_some(),
            self.passout.clone(),
            self.kdf,
            &self.format,
        )
    }

    /// Whether anything was asked for the key's encryption (`--passout` or `--encrypt`).
    pub fn is_given(&self) -> bool {
        self.passout.is_some() || self.encrypt
    }
}

/// `--key-format` and `--der` of every command that writes a private key.
#[derive(Debug, clap::Args)]
pub struct KeyFormatArgs {
    /// Structure of the written private key: pkcs8, pkcs1 (RSA PRIVATE KEY) or sec1 (EC PRIVATE KEY).
    #[arg(long, value_enum, default_value = "pkcs8", hide_possible_values = true)]
    pub key_format: KeyFormat,
    /// Write the private key as DER instead of PEM.
    #[arg(long)]
    pub der: bool,
}

/// The protection of a written key, checked: `--kdf` defaults to the one the format has
/// (PBES2 with PBKDF2 for PKCS#8, the legacy DEK-Info form for PKCS#1 and SEC1).
pub fn protection(
    encrypt: bool,
    passout: Option<PassSpec>,
    kdf: Option<Kdf>,
    format: &KeyFormatArgs,
) -> Result<Protection> {
    let encoding = KeyEncoding {
        format: format.key_format,
        der: format.der,
    };
    if kdf == Some(Kdf::Legacy) && !encrypt {
        bail!("--kdf legacy encrypts a key: give --passout");
    }
    let kdf = kdf.unwrap_or(match format.key_format {
        KeyFormat::Pkcs8 => Kdf::Pbkdf2,
        KeyFormat::Pkcs1 | KeyFormat::Sec1 => Kdf::Legacy,
    });
    if let Err(e) = check_encoding(encoding, encrypt.then_some(kdf)) {
        bail!(
            "--key-format {}{}{}: {e}",
            format.key_format.name().to_lowercase().replace('#', ""),
            if format.der { " --der" } else { "" },
            if encrypt {
                format!(" with --kdf {kdf:?}").to_lowercase()
            } else {
                String::new()
            }
        );
    }
    Ok(Protection {
        encrypt,
        passout,
        kdf,
        encoding,
    })
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
    /// Summary: text (for people) or json (the files written and the warnings).
    #[arg(
        long,
        value_enum,
        default_value = "text",
        global = true,
        hide_possible_values = true
    )]
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
