//! `dbtls issue` (in progress).

use std::process::ExitCode;

/// Arguments of `dbtls issue`.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {}

impl IssueArgs {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        anyhow::bail!("dbtls issue is not available in this build")
    }
}
