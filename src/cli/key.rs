//! `dbtls key` (in progress).

use std::process::ExitCode;

/// Arguments of `dbtls key`.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {}

impl KeyArgs {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        anyhow::bail!("dbtls key is not available in this build")
    }
}
