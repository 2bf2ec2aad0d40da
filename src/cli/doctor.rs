//! `dbtls doctor`: finds a server's TLS files and says what the server or its clients will
//! refuse, before they do.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};
use time::OffsetDateTime;

use crate::app::doctor::{DoctorRequest, Source};
use crate::app::live::{DEFAULT_TIMEOUT, Target};
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
    /// Also probe this running server (mysql://HOST[:PORT] or tls://HOST:PORT): its TLS, its chain
    /// for each --host (default: the URL's host), and whether it serves the ssl_cert on disk;
    /// repeatable. Alone (no -d, --defaults-file, --tidb-config): only these checks.
    #[arg(long = "server", value_name = "TARGET")]
    pub servers: Vec<String>,
    /// For --server: seconds to wait for the connect and for each read and write [default: 10].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,
}

impl DoctorArgs {
    /// Every flag check, once: the typed request.
    pub fn into_request(self) -> Result<DoctorRequest> {
        let mut servers = Vec::new();
        for s in &self.servers {
            match Target::parse(s)? {
                Some(t) => servers.push(t),
                None => bail!("--server {s}: give mysql://HOST[:PORT] or tls://HOST:PORT"),
            }
        }
        if servers.is_empty() && self.timeout.is_some() {
            bail!("--timeout applies to --server only");
        }
        let server_hosts = self.hosts.iter().map(|h| Host::parse(h)).collect();
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
            (Some(d), _) => Some(Source::Datadir(d)),
            (None, Some(t)) => Some(Source::Tidb(t)),
            (None, None) if self.defaults_file.is_none() && !servers.is_empty() => None,
            (None, None) => Some(Source::OptionFiles(self.defaults_file)),
        };
        Ok(DoctorRequest {
            source,
            hosts: names.iter().map(|h| Host::parse(h)).collect(),
            servers,
            server_hosts,
            timeout: self.timeout.map_or(DEFAULT_TIMEOUT, Duration::from_secs),
            server_user: self.server_user,
            at: OffsetDateTime::now_utc().unix_timestamp(),
            fail_days: self.expires_within.map(i64::from),
            fail_on: self.fail_on,
            format: self.format,
        })
    }
}
