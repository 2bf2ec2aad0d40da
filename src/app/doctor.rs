//! `dbtls doctor`: finds a server's TLS files ([`discover`]) and checks each file and each pair
//! as the server and its clients will ([`checks`]): present, parseable, readable by the
//! server's OS user, keys matching and unencrypted, the chain verifying (OpenSSL without
//! X509_STRICT, as MySQL and MariaDB verify) for the server purpose and every host, the CRLs
//! current. It only reads: no file is ever changed.

pub mod checks;
pub mod discover;
mod engine;
mod related;
mod server;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use crate::app::live::Target;
use crate::app::verify::{FailOn, ReportFormat};
use crate::pki::verify::{Host, Purpose, Verification};

/// Where the server's configuration comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The standard option files, or only `--defaults-file`.
    OptionFiles(Option<PathBuf>),
    /// A datadir with the setup file names.
    Datadir(PathBuf),
    /// A TiDB TOML configuration.
    Tidb(PathBuf),
}

/// What to check.
#[derive(Debug, Clone)]
pub struct DoctorRequest {
    /// Where the configuration comes from; `None` with `--server` alone (only the live checks).
    pub source: Option<Source>,
    /// Names clients dial; each must match the server certificate.
    pub hosts: Vec<Host>,
    /// Running servers to probe after the file checks (`--server`).
    pub servers: Vec<Target>,
    /// The names a served chain must match (`--host` as given); empty: each URL's host.
    pub server_hosts: Vec<Host>,
    /// Connect, read and write timeout of the probes.
    pub timeout: Duration,
    /// The OS user the server runs as, overriding the option files and the datadir's owner.
    pub server_user: Option<String>,
    /// Verification time, unix seconds.
    pub at: i64,
    /// Expiry within this many days is an error.
    pub fail_days: Option<i64>,
    /// Whether warnings fail the run.
    pub fail_on: FailOn,
    /// How the report is printed.
    pub format: ReportFormat,
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Ok,
    /// Worth knowing; never fails the run.
    Note,
    /// Works, but some client refuses it, or it soon fails.
    Warning,
    /// The server or its clients will refuse it.
    Error,
}

/// One line of the checklist.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The outcome.
    pub status: Status,
    /// A stable identifier of the check (`present`, `readable`, `chain`, ...).
    pub check: &'static str,
    /// The variable or file role concerned (`ssl_cert`), or `server`.
    pub role: String,
    /// The file concerned, if one.
    pub path: Option<PathBuf>,
    /// What was found.
    pub detail: String,
    /// The one-line fix of a warning or error, when doctor knows it without the engine.
    pub fix: Option<String>,
    /// For a finding of the verification engine: (index in `verifications`, index of its check).
    pub engine: Option<(usize, usize)>,
}

/// One file of the server, for the checklist's file list.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// The variable or setup name.
    pub role: String,
    /// The path.
    pub path: PathBuf,
    /// What it holds (`server certificate, CN=...`), or why it could not be read.
    pub what: String,
    /// The earliest notAfter of its certificates or the CRL's nextUpdate, unix seconds.
    pub expires: Option<i64>,
}

/// A verification run by doctor, kept for the fixes the verify report knows.
#[derive(Debug, Clone)]
pub struct EngineRun {
    /// The purpose checked.
    pub purpose: Purpose,
    /// The result.
    pub verification: Verification,
}

/// What doctor found.
#[derive(Debug, Clone)]
pub struct DoctorOutcome {
    /// Where the configuration came from.
    pub source: String,
    /// The datadir, if known.
    pub datadir: Option<PathBuf>,
    /// The server's OS user and how it was chosen, if known.
    pub server_user: Option<String>,
    /// The files, in order.
    pub files: Vec<FileEntry>,
    /// The checklist.
    pub findings: Vec<Finding>,
    /// The verifications behind some findings.
    pub verifications: Vec<EngineRun>,
    /// Verification time.
    pub at: i64,
    /// Whether warnings fail the run.
    pub fail_on: FailOn,
    /// How the report is printed.
    pub format: ReportFormat,
}

impl DoctorOutcome {
    /// The number of findings with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.findings.iter().filter(|f| f.status == status).count()
    }

    /// Whether the run fails (exit 1): an error, or a warning under `--fail-on warning`.
    pub fn failed(&self) -> bool {
        self.count(Status::Error) > 0
            || (self.fail_on == FailOn::Warning && self.count(Status::Warning) > 0)
    }
}

/// Finds the files and checks them, then probes the `--server` targets.
pub fn run(req: &DoctorRequest) -> Result<DoctorOutcome> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let cfg = match &req.source {
        None => None,
        Some(Source::OptionFiles(f)) => {
            Some(discover::from_option_files(f.as_deref(), home.as_deref())?)
        }
        Some(Source::Datadir(d)) => Some(discover::from_datadir(d)),
        Some(Source::Tidb(f)) => Some(discover::from_tidb(f)?),
    };
    Ok(checks::run(cfg.as_ref(), req))
}
