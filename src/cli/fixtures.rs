//! `dbtls fixtures MANIFEST`: the arguments.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::app::fixtures::{FixturesRequest, ReportFormat};

/// Arguments of `dbtls fixtures`.
#[derive(Debug, clap::Args)]
pub struct FixturesArgs {
    /// The TOML manifest (see examples/fixtures.toml).
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
    /// The output directory (created if missing).
    #[arg(long, value_name = "DIR", default_value = "fixtures")]
    pub out: PathBuf,
    /// Replace files in DIR that an earlier run did not write.
    #[arg(long)]
    pub force: bool,
    /// Write nothing; exit 1 when a run would change anything (for CI, before fixtures expire).
    #[arg(long, conflicts_with = "force")]
    pub check: bool,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

impl FixturesArgs {
    /// Every flag check, once: the typed request.
    pub fn into_request(self) -> Result<FixturesRequest> {
        if self.out.as_os_str().is_empty() {
            bail!("--out: an empty directory name");
        }
        Ok(FixturesRequest {
            manifest: self.manifest,
            out: self.out,
            force: self.force,
            check: self.check,
            format: self.format,
        })
    }
}
