//! `dbtls fixtures`: the summary (text or JSON) and the progress bar, which is drawn only on a
//! terminal (nothing reaches a pipe or a CI log).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::OnceLock;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::app::Observer;
use crate::app::fixtures::{FixturesOutcome, ReportFormat, Why};
use crate::report::terminal::{path, print_summary, warn};

/// The [`Observer`] of a command's work: a progress bar on stderr when it is a terminal;
/// otherwise nothing at all.
#[derive(Default)]
pub struct Progress(OnceLock<ProgressBar>);

impl Observer for Progress {
    fn begin(&self, total: u64) {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        let _ = self.0.set(bar);
    }

    fn step(&self) {
        if let Some(bar) = self.0.get() {
            bar.inc(1);
        }
    }

    fn end(&self) {
        if let Some(bar) = self.0.get() {
            bar.finish_and_clear();
        }
    }
}

fn why(w: &Why) -> &'static str {
    match w {
        Why::New => "new",
        Why::Changed => "manifest entry changed",
        Why::IssuerReissued => "its issuer is re-issued",
        Why::FilesChanged => "a file is missing or was modified",
        Why::Expiring => "expires within renew_within days",
    }
}

/// The text summary.
pub fn text(o: &FixturesOutcome) -> String {
    let dir = path(&o.dir);
    let mut text = String::new();
    if !o.changed() {
        text += &format!(
            "{dir}: up to date ({} entities, nothing to write)\n",
            o.entities
        );
        return text;
    }
    let verb = if o.check { "would issue" } else { "issued" };
    text += &format!(
        "{dir}: {} entities, {verb} {}, kept {}\n",
        o.entities,
        o.issued.len(),
        o.entities - o.issued.len()
    );
    // A long list (count = 1000) is summarised: the first entries and how many more.
    const SHOWN: usize = 20;
    for (name, w) in o.issued.iter().take(SHOWN) {
        text += &format!("  {verb} {}  ({})\n", crate::report::escape(name), why(w));
    }
    if o.issued.len() > SHOWN {
        text += &format!("  ... and {} more\n", o.issued.len() - SHOWN);
    }
    let verb = if o.check { "would write" } else { "wrote" };
    text += &format!("  {verb} {} files\n", o.written.len());
    text
}

/// The JSON summary.
pub fn json(o: &FixturesOutcome) -> String {
    let issued: Vec<serde_json::Value> = o
        .issued
        .iter()
        .map(|(n, w)| serde_json::json!({ "name": n, "reason": w }))
        .collect();
    let written: Vec<String> = o.written.iter().map(|p| p.display().to_string()).collect();
    let value = serde_json::json!({
        "dir": o.dir.display().to_string(),
        "check": o.check,
        "changed": o.changed(),
        "entities": o.entities,
        "issued": issued,
        "written": written,
        "warnings": o.warnings,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    crate::report::escape_json(&text)
}

/// Prints the outcome; with `--check`, exit 1 when something would change.
pub fn print(o: &FixturesOutcome) -> ExitCode {
    for w in &o.warnings {
        warn(w);
    }
    match o.format {
        ReportFormat::Text => print_summary(&text(o)),
        ReportFormat::Json => print_summary(&json(o)),
    }
    if o.check && o.changed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
