//! Network targets on the command line: `mysql://HOST[:PORT]` and `tls://HOST:PORT` where a
//! certificate file is read (`inspect`, `verify`), and the options that only they take.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::app::live::{ClientFiles, DEFAULT_TIMEOUT, Target, TlsVersion};
use crate::io::password::PassSpec;

/// `--tls-version`. The variant docs are its help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TlsVersionArg {
    /// TLS 1.2 only.
    #[value(name = "1.2")]
    V1_2,
    /// TLS 1.3 only.
    #[value(name = "1.3")]
    V1_3,
}

/// The options of network targets, shared by `inspect` and `verify`.
#[derive(Debug, clap::Args)]
pub struct LiveArgs {
    /// For mysql:// and tls:// targets: seconds to wait for the connect and for each read and write [default: 10].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,
    /// For network targets: offer only this TLS version.
    #[arg(long, value_enum, value_name = "VERSION")]
    pub tls_version: Option<TlsVersionArg>,
    /// For network targets: present this client certificate (with --key) and report whether the server accepts it.
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
}

/// The inputs of a command: files, or servers (never both).
#[derive(Debug)]
pub enum Inputs {
    /// Certificate files.
    Files,
    /// Network targets.
    Targets(Vec<Target>),
}

/// Sorts the positional arguments into files or targets; a mix is refused.
pub fn split(args: &[PathBuf]) -> Result<Inputs> {
    let mut targets = Vec::new();
    for a in args {
        if let Some(t) = a.to_str().map(Target::parse).transpose()?.flatten() {
            targets.push(t);
        }
    }
    if targets.is_empty() {
        return Ok(Inputs::Files);
    }
    if targets.len() != args.len() {
        bail!(
            "give either files or mysql:// / tls:// targets, not both (a file whose name starts with mysql:// can be given as ./mysql://...)"
        );
    }
    Ok(Inputs::Targets(targets))
}

impl LiveArgs {
    /// Refuses these options for file inputs.
    pub fn check_files(&self) -> Result<()> {
        if self.timeout.is_some() || self.tls_version.is_some() || self.cert.is_some() {
            bail!("--timeout, --tls-version and --cert apply to mysql:// and tls:// targets only");
        }
        Ok(())
    }

    /// The timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout.map_or(DEFAULT_TIMEOUT, Duration::from_secs)
    }

    /// The TLS version.
    pub fn tls_version(&self) -> Option<TlsVersion> {
        self.tls_version.map(|v| match v {
            TlsVersionArg::V1_2 => TlsVersion::V1_2,
            TlsVersionArg::V1_3 => TlsVersion::V1_3,
        })
    }

    /// The client certificate files: `--cert` and `--key` together.
    pub fn client(
        &self,
        key: Option<&PathBuf>,
        passin: Option<&PassSpec>,
    ) -> Result<Option<ClientFiles>> {
        match (&self.cert, key) {
            (Some(cert), Some(key)) => Ok(Some(ClientFiles {
                cert: cert.clone(),
                key: key.clone(),
                passin: passin.cloned(),
            })),
            (None, None) => Ok(None),
            (Some(_), None) => bail!("--cert needs --key (the client certificate's private key)"),
            (None, Some(_)) => {
                bail!("with a mysql:// or tls:// target, --key is the client key and needs --cert")
            }
        }
    }
}
