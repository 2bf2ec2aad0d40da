//! `dbtls config {mysql|mariadb|tidb|client} [--datadir DIR]`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::render::Snippet;

/// Which snippet to print.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Target {
    /// MySQL server `[mysqld]` ssl_ca/ssl_cert/ssl_key and require_secure_transport.
    Mysql,
    /// MariaDB server `[mariadb]` plus client ssl-verify-server-cert.
    Mariadb,
    /// TiDB `[security]` TOML.
    Tidb,
    /// `[client]` ssl-ca/ssl-cert/ssl-key with ssl-mode=VERIFY_IDENTITY.
    Client,
}

/// Arguments of `dbtls config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// The snippet to print.
    #[arg(value_enum)]
    pub target: Target,
    /// The directory `dbtls setup` wrote into.
    #[arg(long, short = 'd', default_value = "out")]
    pub datadir: PathBuf,
}

impl ConfigArgs {
    /// Prints the snippet.
    pub fn run(self) -> Result<ExitCode> {
        let snippet = match self.target {
            Target::Mysql => Snippet::Mysql,
            Target::Mariadb => Snippet::Mariadb,
            Target::Tidb => Snippet::Tidb,
            Target::Client => Snippet::Client,
        };
        let text = crate::app::config::run(snippet, &self.datadir)?;
        crate::term::print(&text).context("writing to stdout")?;
        Ok(ExitCode::SUCCESS)
    }
}
