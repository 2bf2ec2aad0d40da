//! The summaries of the commands that write files (`setup`, `key`, `csr`, `issue`, `export`)
//! and the `config` snippet: each outcome rendered to exactly the text the command prints, its
//! warnings first, on stderr.

use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::app::Outcome;
use crate::app::config::ConfigOutcome;
use crate::app::export::ExportOutcome;
use crate::app::issue::IssueOutcome;
use crate::app::key::KeyOutcome;
use crate::app::setup::SetupOutcome;
use crate::pki::cert::display_time;
use crate::report::snippet::{self, Snippet};
use crate::report::terminal::{eprint_line, escape, path, print, print_summary, warn};

/// How much to report, beyond the outcome.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `setup --verbose`: also the notes (what was done, step by step).
    pub verbose: bool,
}

/// Prints an outcome: warnings on stderr, then the summary on stdout.
pub fn print_outcome(outcome: &Outcome, options: Options) -> Result<ExitCode> {
    match outcome {
        Outcome::Setup(o) => setup(o, options),
        Outcome::Config(o) => config(o)?,
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

fn written(files: &[(std::path::PathBuf, String)]) -> String {
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
    match snippet::render(Snippet::Mysql, &o.datadir) {
        Ok(snippet) => {
            text += "Next: add these lines to the server's option file (dbtls config mysql|mariadb|tidb prints them):\n";
            for line in snippet
                .lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
            {
                text += &format!("  {line}\n");
            }
        }
        Err(e) => warn(&format!("no option-file snippet: {e:#}")),
    }
    print_summary(&text);
}
