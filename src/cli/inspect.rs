//! `dbtls inspect` (in progress).

use std::process::ExitCode;

/// Arguments of `dbtls inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {}

impl InspectArgs {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        anyhow::bail!("dbtls inspect is not available in this build")
    }
}
