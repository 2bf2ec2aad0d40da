//! `dbtls setup`: the datadir set, with a human summary.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::app::setup::{self, SetupRequest};
use crate::io::password::{self, PassSpec, Purpose};
use crate::pki::key::KeyType;
use crate::pki::san::San;

/// Arguments of `dbtls setup`.
#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    /// Directory to write into (created if missing).
    #[arg(long, short = 'd', default_value = "out")]
    pub datadir: PathBuf,
    /// Suffix in the CNs: MySQL_Server_<SUFFIX>_Auto_Generated_CA_Certificate ...
    #[arg(long, short = 's', default_value = setup::DEFAULT_SUFFIX)]
    pub suffix: String,
    /// As root, give every written file to this user and its primary group.
    #[arg(long)]
    pub uid: Option<String>,
    /// Key type of the CA, server and client keys (the RSA pair is always RSA-2048).
    #[arg(long, default_value = "rsa2048", value_parser = clap::builder::ValueParser::new(str::parse::<KeyType>))]
    pub key_type: KeyType,
    /// Validity of the certificates, in days.
    #[arg(long, default_value_t = 3650, value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub days: u32,
    /// Another server name (DNS or IP, detected); repeatable.
    #[arg(long = "san", value_name = "NAME")]
    pub sans: Vec<String>,
    /// Regenerate all eight files even if some exist.
    #[arg(long)]
    pub force: bool,
    /// Encrypt ca-key.pem with this password (pass:|env:|file:|fd:|stdin).
    #[arg(long, value_name = "SPEC")]
    pub passout: Option<PassSpec>,
    /// Also encrypt client-key.pem with the --passout password.
    #[arg(long, requires = "passout")]
    pub encrypt_client_key: bool,
    /// Print what is done.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

impl SetupArgs {
    /// Converts the arguments, runs setup and prints the summary.
    pub fn run(self) -> Result<ExitCode> {
        let sans = self
            .sans
            .iter()
            .map(|s| San::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        let passout = match &self.passout {
            Some(spec) => Some(password::read(Some(spec), Purpose::New, "CA key password")?),
            None => None,
        };
        let req = SetupRequest {
            datadir: self.datadir,
            suffix: self.suffix,
            uid: self.uid,
            key_type: self.key_type,
            days: self.days,
            sans,
            force: self.force,
            passout,
            encrypt_client_key: self.encrypt_client_key,
        };
        let outcome = setup::run(&req)?;
        for w in &outcome.warnings {
            crate::term::warn(w);
        }
        if self.verbose {
            for n in &outcome.notes {
                crate::term::eprint_line(&format!("dbtls: {}", crate::term::escape(n)));
            }
        }
        let mut text = String::new();
        for s in &outcome.skipped {
            text += &format!("{}\n", crate::term::escape(s));
        }
        if outcome.written.is_empty() {
            crate::term::print_summary(&text);
            return Ok(ExitCode::SUCCESS);
        }
        text += &format!(
            "Wrote {} files in {}:\n",
            outcome.written.len(),
            crate::term::path(&outcome.datadir)
        );
        for w in &outcome.written {
            let name = w.path.file_name().unwrap_or_default().to_string_lossy();
            let expires = w
                .expires
                .map(|t| format!("  (expires {})", crate::pki::cert::display_time(t)))
                .unwrap_or_default();
            text += &format!("  {name:<16} {}{expires}\n", w.purpose);
        }
        text += "\n";
        // The snippet is a convenience: a datadir path that no option file can carry (see
        // render::render) must not turn a successful setup into a failure.
        match crate::render::render(crate::render::Snippet::Mysql, &outcome.datadir) {
            Ok(snippet) => {
                text += "Next: add these lines to the server's option file (dbtls config mysql|mariadb|tidb prints them):\n";
                for line in snippet
                    .lines()
                    .filter(|l| !l.starts_with('#') && !l.is_empty())
                {
                    text += &format!("  {line}\n");
                }
            }
            Err(e) => crate::term::warn(&format!("no option-file snippet: {e:#}")),
        }
        crate::term::print_summary(&text);
        Ok(ExitCode::SUCCESS)
    }
}
