//! The command line: clap structures that hold exactly what was typed.
//!
//! Each subcommand's `run` converts its arguments once into a typed request for [`crate::app`]
//! ("parse, don't validate"); nothing here reads files or does cryptography.

pub mod config;
pub mod csr;
pub mod export;
pub mod inspect;
pub mod issue;
pub mod key;
pub mod setup;
pub mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// dbtls: certificates and keys for MySQL, MariaDB and TiDB TLS.
#[derive(Debug, Parser)]
#[command(name = "dbtls", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a datadir's TLS files, as mysql_ssl_rsa_setup did (CA, server, client, RSA pair).
    Setup(setup::SetupArgs),
    /// Print the server or client option-file snippet that uses the setup files.
    Config(config::ConfigArgs),
    /// Generate, encrypt, decrypt private keys, or extract their public key.
    Key(key::KeyArgs),
    /// Issue a CA, intermediate, server or client certificate.
    Issue(issue::IssueArgs),
    /// Create certificate signing requests.
    Csr(csr::CsrArgs),
    /// Show certificates, CSRs, keys and stores; print exact REQUIRE SUBJECT/ISSUER strings.
    Inspect(inspect::InspectArgs),
    /// Export certificates and keys as PEM, .p7b, .jks, .p12, or a CA bundle.
    Export(export::ExportArgs),
    /// Verify certificates as OpenSSL 3 does, plus the checks stricter database clients make.
    Verify(verify::VerifyArgs),
}

impl Command {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Command::Setup(a) => a.run(),
            Command::Config(a) => a.run(),
            Command::Key(a) => a.run(),
            Command::Issue(a) => a.run(),
            Command::Csr(a) => a.run(),
            Command::Inspect(a) => a.run(),
            Command::Export(a) => a.run(),
            Command::Verify(a) => a.run(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
