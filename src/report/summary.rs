//! The summaries of the commands that write files (`setup`, `key`, `csr`, `issue`, `export`)
//! and the `config` snippet: each outcome rendered to exactly the text the command prints, its
//! warnings first, on stderr.

use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::app::Outcome;
use crate::app::config::ConfigOutcome;
use crate::app::docs::DocsOutcome;
use crate::app::export::ExportOutcome;
use crate::app::issue::IssueOutcome;
use crate::app::key::KeyOutcome;
use crate::app::server_kind::ServerKind;
use crate::app::setup::SetupOutcome;
use crate::pki::cert::display_time;
use crate::report::files::{Format, print_json};
use crate::report::snippet::{self, Snippet};
use crate::report::terminal::{eprint_line, escape, path, print, print_summary, warn};

/// How much to report, beyond the outcome.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `setup --verbose`: also the notes (what was done, step by step).
    pub verbose: bool,
    /// `--format`: the text summary or one JSON object (commands that write files).
    pub format: Format,
    /// `--quiet`: nothing but errors.
    pub quiet: bool,
}

/// Prints an outcome: warnings on stderr, then the summary on stdout.
pub fn print_outcome(outcome: &Outcome, options: Options) -> Result<ExitCode> {
    if options.quiet || options.format == Format::Json {
        let (files, warnings, skipped): (&[_], &[String], &[String]) = match outcome {
            Outcome::Setup(o) => (&o.files, &o.warnings, &o.skipped),
            Outcome::Key(o) => (&o.files, &[], &[]),
            Outcome::Issue(o) => (&o.files, &o.warnings, &[]),
            Outcome::Renew(o) => (&o.files, &o.warnings, &[]),
            Outcome::Crl(o) => (&o.files, &o.warnings, &[]),
            Outcome::Export(o) => (&o.files, &o.warnings, &[]),
            Outcome::Docs(DocsOutcome::Written(files)) => (files, &[], &[]),
            _ => return print_text(outcome, options),
        };
        if !options.quiet {
            print_json(files, warnings, skipped);
        }
        return Ok(ExitCode::SUCCESS);
    }
    print_text(outcome, options)
}

fn print_text(outcome: &Outcome, options: Options) -> Result<ExitCode> {
    match outcome {
        Outcome::Setup(o) => setup(o, options),
        Outcome::Config(o) => config(o)?,
        // Printing is the whole command: a write error is an error.
        Outcome::Docs(DocsOutcome::Print(text)) => {
            std::io::Write::write_all(&mut std::io::stdout().lock(), text)
                .and_then(|()| std::io::Write::flush(&mut std::io::stdout()))
                .context("writing to stdout")?;
        }
        Outcome::Docs(DocsOutcome::Written(files)) => {
            let mut text = String::new();
            for f in files {
                text += &format!("Wrote {}\n", path(&f.path));
            }
            print_summary(&text);
        }
        Outcome::Key(o) => print_summary(&key(o)),
        Outcome::Issue(o) => {
            warn_all(&o.warnings);
            print_summary(&issue(o));
        }
        Outcome::Export(o) => {
            warn_all(&o.warnings);
            print_summary(&export(o));
        }
        // Exit 1 when an input failed, after reporting all the others.
        Outcome::Verify(o) => {
            super::verify::print(o)?;
            if o.failed() {
                return Ok(ExitCode::from(1));
            }
        }
        Outcome::Renew(o) => {
            warn_all(&o.warnings);
            print_summary(&super::renew::renew(o));
        }
        Outcome::Crl(o) => {
            warn_all(&o.warnings);
            print_summary(&super::renew::crl(o));
        }
        Outcome::Rotate(o) => super::rotate::print(o),
        Outcome::Live(o) => {
            super::live::print(o)?;
            if o.failed() {
                return Ok(ExitCode::from(1));
            }
        }
        Outcome::Doctor(o) => {
            super::doctor::print(o)?;
            if o.failed() {
                return Ok(ExitCode::from(1));
            }
        }
        Outcome::Fixtures(o) => return Ok(super::fixtures::print(o)),
        Outcome::Inspect(o) => {
            let failed = super::inspect::print(o)?;
            if failed || o.any_failed() {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn warn_all(warnings: &[String]) {
    for w in warnings {
        warn(w);
    }
}

/// `dbtls config`: the warnings, then the snippet; a write error is an error, since printing
/// is the whole command.
fn config(o: &ConfigOutcome) -> Result<()> {
    warn_all(&o.warnings);
    let text = snippet::render(o.snippet, &o.datadir)?;
    print(&text).context("writing to stdout")?;
    Ok(())
}

/// `dbtls key ...` and `dbtls csr new`.
pub fn key(o: &KeyOutcome) -> String {
    let mut text = format!("{} key:\n", o.info);
    text += &written(&o.written);
    text
}

pub fn written(files: &[(std::path::PathBuf, String)]) -> String {
    files
        .iter()
        .map(|(p, what)| format!("  wrote {}  {what}\n", path(p)))
        .collect()
}

/// `dbtls issue ...`.
pub fn issue(o: &IssueOutcome) -> String {
    let mut text = format!("Issued {} certificate:\n", o.role);
    text += &format!("  subject:  {}\n", escape(&o.subject));
    text += &format!("  issuer:   {}\n", escape(&o.issuer));
    if !o.sans.is_empty() {
        let sans: Vec<String> = o.sans.iter().map(|s| escape(&s.to_string())).collect();
        text += &format!("  SANs:     {}\n", sans.join(", "));
    }
    text += &format!(
        "  valid:    {} to {}\n",
        display_time(o.not_before),
        display_time(o.not_after)
    );
    text += &format!("  serial:   {}\n", o.serial);
    text += &written(&o.written);
    text
}

/// `dbtls export ...`.
pub fn export(o: &ExportOutcome) -> String {
    let mut text = String::new();
    for p in &o.written {
        text += &format!("Wrote {}\n", path(p));
    }
    for line in &o.summary {
        text += &format!("  {}\n", escape(line));
    }
    text
}

/// `dbtls setup`: warnings, notes with `--verbose`, then the summary and the option-file lines.
fn setup(o: &SetupOutcome, options: Options) {
    warn_all(&o.warnings);
    if options.verbose {
        for n in &o.notes {
            eprint_line(&format!("dbtls: {}", escape(n)));
        }
    }
    let mut text = String::new();
    for s in &o.skipped {
        text += &format!("{}\n", escape(s));
    }
    if o.written.is_empty() {
        print_summary(&text);
        return;
    }
    text += &format!("Wrote {} files in {}:\n", o.written.len(), path(&o.datadir));
    for w in &o.written {
        let name = w.path.file_name().unwrap_or_default().to_string_lossy();
        let expires = w
            .expires
            .map(|t| format!("  (expires {})", display_time(t)))
            .unwrap_or_default();
        text += &format!("  {name:<16} {}{expires}\n", w.purpose);
    }
    text += "\n";
    // The snippet is a convenience: a datadir path that no option file can carry (see
    // snippet::render) must not turn a successful setup into a failure.
    match next_lines(o.server, &o.datadir) {
        Ok(lines) => text += &lines,
        Err(e) => warn(&format!("no option-file snippet: {e:#}")),
    }
    print_summary(&text);
}

/// The "Next:" lines of setup, for the server installed here: each server's full snippet
/// (without comments) when it is known, else only what every MySQL and MariaDB version accepts
/// in `[mysqld]` (a MariaDB server aborts on MySQL's caching_sha2_password variables, and an
/// unknown variable in a server's option file stops it from starting).
fn next_lines(server: Option<ServerKind>, datadir: &std::path::Path) -> Result<String> {
    let (snippet, header, keep): (Snippet, &str, fn(&str) -> bool) = match server {
        Some(ServerKind::Mysql) => (
            Snippet::Mysql,
            "Next: add these lines to the server's option file (dbtls config mysql|mariadb|tidb prints them):",
            |_| true,
        ),
        Some(ServerKind::Mariadb) => (
            Snippet::Mariadb,
            "Next: add these lines to the MariaDB server's option file (dbtls config mariadb prints them):",
            |_| true,
        ),
        Some(ServerKind::Tidb) => (
            Snippet::Tidb,
            "Next: add these lines to tidb.toml (dbtls config tidb prints them):",
            |_| true,
        ),
        None => (
            Snippet::Mysql,
            "Next: add these lines to the server's option file (every MySQL and MariaDB server accepts them;\n\
             dbtls config mysql|mariadb|tidb prints the full snippet for each server):",
            |l| l.starts_with("[mysqld]") || l.starts_with("ssl_"),
        ),
    };
    let rendered = snippet::render(snippet, datadir)?;
    let mut text = format!("{header}\n");
    for line in rendered
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty() && keep(l))
    {
        text += &format!("  {line}\n");
    }
    Ok(text)
}
