//! The command line: clap structures that hold exactly what was typed.
//!
//! Each subcommand's arguments convert once into a typed request for [`crate::app`] ("parse,
//! don't validate"), with every check of flag combinations done there; nothing here prints,
//! reads files or passwords, or does cryptography.

pub mod common;
pub mod config;
pub mod crl;
pub mod csr;
pub mod docs;
pub mod doctor;
pub mod export;
pub mod fixtures;
pub mod inspect;
pub mod issue;
pub mod key;
pub mod live;
pub mod renew;
pub mod rotate;
pub mod setup;
pub mod verify;

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::app::Request;
use crate::report::Options;

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
    /// Generate, encrypt, decrypt or convert private keys, or extract their public key.
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
    /// Renew a certificate (same subject, SANs, role and key) or a datadir's expiring ones.
    Renew(renew::RenewArgs),
    /// Make or extend a CA's certificate revocation list (X.509 v2 CRL).
    Crl(crl::CrlArgs),
    /// Rotate a setup datadir's CA in three phases without downtime (start, switch, finish).
    Rotate(rotate::RotateArgs),
    /// Check a server's TLS files as the server and its clients will (read-only).
    Doctor(doctor::DoctorArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(docs::CompletionsArgs),
    /// Print the dbtls(1) manual page, or write one page per command with --out DIR.
    Man(docs::ManArgs),
    /// Write a test PKI from a TOML manifest (CA tree, leaves, broken variants, stores, SQL).
    Fixtures(fixtures::FixturesArgs),
}

impl Command {
    /// Runs the subcommand: the one dispatch, arguments → typed request ([`crate::app::Request`])
    /// → [`crate::app::run`] → [`crate::report`].
    pub fn run(self) -> Result<ExitCode> {
        let plain = Options::default();
        let (request, options) = match self {
            Command::Inspect(a) => (a.into_request()?, plain),
            Command::Setup(a) => {
                let options = Options {
                    verbose: a.verbose,
                    ..a.output.options()
                };
                (Request::Setup(a.try_into()?), options)
            }
            Command::Config(a) => (Request::Config(a.into()), plain),
            Command::Key(a) => {
                let options = a.output.options();
                (Request::Key(a.try_into()?), options)
            }
            Command::Issue(a) => {
                let options = a.output.options();
                (Request::Issue(a.try_into()?), options)
            }
            Command::Csr(a) => {
                let options = a.output.options();
                (Request::Csr(a.try_into()?), options)
            }
            Command::Export(a) => {
                let options = a.output.options();
                (a.try_into()?, options)
            }
            Command::Verify(a) => (a.into_request()?, plain),
            Command::Renew(a) => {
                let options = a.output.options();
                (Request::Renew(a.try_into()?), options)
            }
            Command::Crl(a) => {
                let options = a.output.options();
                (Request::Crl(a.try_into()?), options)
            }
            Command::Rotate(a) => (Request::Rotate(a.into_request()?), plain),
            Command::Doctor(a) => (Request::Doctor(a.into_request()?), plain),
            Command::Completions(a) => (Request::Docs(a.into()), plain),
            Command::Man(a) => {
                let options = a.output.options();
                (Request::Docs(a.try_into()?), options)
            }
            Command::Fixtures(a) => (Request::Fixtures(a.into_request()?), plain),
        };
        let progress = crate::report::fixtures::Progress::default();
        crate::report::print_outcome(&crate::app::run(&request, &progress)?, options)
    }
}

/// The advice the core leaves to the command line: which option gets past an error that the
/// core reports in its own terms (a file that exists, a password with no terminal to ask on).
/// Appended to the printed error line; flags are the command line's vocabulary, so it lives here.
pub fn advice(error: &anyhow::Error) -> String {
    use crate::io::password::{NoTerminal, Purpose};
    let root = error.root_cause();
    if let Some(e) = root.downcast_ref::<crate::io::Error>()
        && e.reason == crate::io::Reason::Exists
    {
        return " (use --force to replace it)".into();
    }
    if let Some(e) = root.downcast_ref::<NoTerminal>() {
        let flag = match e.purpose {
            Purpose::New => "--passout",
            Purpose::Existing => "--passin",
        };
        return format!(" (give {flag} pass:|env:|file:|fd:|stdin)");
    }
    String::new()
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
