//! `dbtls doctor`: finds a server's TLS files and says what the server or its clients will
//! refuse, before they do.

use std::path::PathBuf;

use anyhow::{Result, bail};
use time::OffsetDateTime;

use crate::app::doctor::{DoctorRequest, Source};
use crate::app::verify::{FailOn, ReportFormat};
use crate::pki::verify::Host;

/// Arguments of `dbtls doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// A datadir with the setup file names (ca.pem, server-cert.pem, server-key.pem, ...).
    #[arg(long, short = 'd', value_name = "DIR", conflicts_with_all = ["defaults_file", "tidb_config"])]
    pub datadir: Option<PathBuf>,
    /// Read only this option file (with its !include/!includedir), not the standard ones.
    #[arg(long, value_name = "FILE", conflicts_with = "tidb_config")]
    pub defaults_file: Option<PathBuf>,
    /// A TiDB TOML configuration: its [security] ssl-ca, ssl-cert, ssl-key.
    #[arg(long, value_name = "FILE")]
    pub tidb_config: Option<PathBuf>,
    /// A name clients dial; each must match the server certificate; repeatable
    /// (default: this machine's host name, localhost, 127.0.0.1).
    #[arg(long = "host", value_name = "NAME")]
    pub hosts: Vec<String>,
    /// The OS user the server runs as (default: the user option, else the datadir's owner).
    #[arg(long, value_name = "USER")]
    pub server_user: Option<String>,
    /// Expiry within DAYS is an error (default: within 30 days is a warning).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(0..=36500))]
    pub expires_within: Option<u32>,
    /// Fail on warnings too.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

impl DoctorArgs {
    /// Every flag check, once: the typed request.
    pub fn into_request(self) -> Result<DoctorRequest> {
        let mut names = self.hosts;
        if names.is_empty() {
            names.extend(
                crate::io::access::host_name().filter(|h| !h.is_empty() && h != "localhost"),
            );
            names.push("localhost".into());
            names.push("127.0.0.1".into());
        }
        if names.iter().any(String::is_empty) {
            bail!("--host: an empty name");
        }
        let source = match (self.datadir, self.tidb_config) {
            (Some(d), _) => Source::Datadir(d),
            (None, Some(t)) => Source::Tidb(t),
            (None, None) => Source::OptionFiles(self.defaults_file),
        };
        Ok(DoctorRequest {
            source,
            hosts: names.iter().map(|h| Host::parse(h)).collect(),
            server_user: self.server_user,
            at: OffsetDateTime::now_utc().unix_timestamp(),
            fail_days: self.expires_within.map(i64::from),
            fail_on: self.fail_on,
            format: self.format,
        })
    }
}
