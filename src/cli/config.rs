//! `dbtls config {mysql|mariadb|tidb|client} [--datadir DIR]`.

use std::path::PathBuf;

use crate::app::config::ConfigRequest;
use crate::report::snippet::Snippet;

/// Arguments of `dbtls config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// The snippet to print.
    #[arg(value_enum)]
    pub target: Snippet,
    /// The directory `dbtls setup` wrote into.
    #[arg(long, short = 'd', default_value = "out")]
    pub datadir: PathBuf,
}

impl From<ConfigArgs> for ConfigRequest {
    fn from(a: ConfigArgs) -> ConfigRequest {
        ConfigRequest {
            snippet: a.target,
            datadir: a.datadir,
        }
    }
}
