//! The mysql_ssl_rsa_setup drop-in (in progress).
use std::ffi::OsString;
use std::process::ExitCode;
/// The name that selects drop-in mode.
pub const PROGRAM: &str = "mysql_ssl_rsa_setup";
/// Runs as mysql_ssl_rsa_setup.
pub fn main(_args: Vec<OsString>) -> ExitCode { ExitCode::from(1) }
