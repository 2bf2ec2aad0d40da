//! `dbtls export` (in progress).

use std::process::ExitCode;

/// Arguments of `dbtls export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {}

impl ExportArgs {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        anyhow::bail!("dbtls export is not available in this build")
    }
}
