//! dbtls: a certificate authority and key toolkit for database TLS.
//!
//! Layers, from the outside in:
//! - [`cli`]: clap structures that hold only what was typed, each converted once into a typed
//!   request; [`dropin`] does the same for mysql_ssl_rsa_setup's own options;
//! - [`app`]: one function per command that reads inputs, calls the core, writes through
//!   [`io`] and returns an outcome;
//! - [`report`]: everything printed: summaries, warnings, snippets, terminal escaping;
//! - [`pki`] and [`formats`]: the core (keys, names, profiles, issuance, containers), with no
//!   clap, no printing and no file I/O;
//! - [`io`]: the only module that writes files (atomic, exact modes, no silent overwrite);
//!   [`net`]: the only one with sockets (the MySQL protocol up to TLS, the TLS handshake).
//!
//! Untrusted text (anything read from a certificate) goes through [`report::escape`] before it
//! reaches a terminal.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod app;
mod cli;
mod dropin;
pub mod formats;
#[doc(hidden)]
pub mod fuzzing;
mod io;
mod net;
pub mod pki;
mod report;
mod untrusted;

#[cfg(test)]
mod proptests;

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

/// The program: dispatches on the name it was invoked as, then on the subcommand.
///
/// Invoked as `mysql_ssl_rsa_setup` (a symlink or copy) it behaves as that program; otherwise as
/// `dbtls`. Errors print as one line, `dbtls: error: ...`, with exit code 1; usage errors exit 2.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let invoked_as = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // io never prints: what it has to say while it waits goes through the report layer.
    io::on_wait(report::waiting);
    if invoked_as == dropin::PROGRAM {
        return dropin::main(args);
    }
    // Colour (clap's help and usage errors; dbtls's own output has none) only on a terminal,
    // and never with NO_COLOR set to anything non-empty (no-color.org).
    let color = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        clap::ColorChoice::Never
    } else {
        clap::ColorChoice::Auto
    };
    let parsed = cli::Cli::command()
        .color(color)
        .try_get_matches_from(args)
        .and_then(|m| cli::Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    match cli.command.run() {
        Ok(code) => code,
        Err(e) if report::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report::error(&format!("{e:#}{}", cli::advice(&e)));
            ExitCode::from(1)
        }
    }
}
