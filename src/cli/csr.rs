//! `dbtls csr` (in progress).

use std::process::ExitCode;

/// Arguments of `dbtls csr`.
#[derive(Debug, clap::Args)]
pub struct CsrArgs {}

impl CsrArgs {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        anyhow::bail!("dbtls csr is not available in this build")
    }
}
