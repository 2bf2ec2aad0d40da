//! The machine-readable summary of every command that writes files (`--format json`): one
//! object, the same shape for all of them, so a script reads what was written without parsing
//! English.
//!
//! ```json
//! {"files": [{"path": "...", "kind": "certificate", "description": "...", "mode": "0644",
//!   "subject": "/CN=...", "not_after": "2036-01-01T00:00:00Z",
//!   "sha256_fingerprint": "AB:CD:...", "sha256": "abcd..."}],
//!  "warnings": ["..."], "skipped": ["..."]}
//! ```

use serde::Serialize;

use crate::app::written::WrittenFile;
use crate::report::terminal::{escape_json, print_summary};

/// How a command that writes files reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// The text summary, for people.
    #[default]
    Text,
    /// One JSON object: the files written and the warnings.
    Json,
}

#[derive(Serialize)]
struct Report<'a> {
    files: Vec<File<'a>>,
    warnings: &'a [String],
    skipped: &'a [String],
}

#[derive(Serialize)]
struct File<'a> {
    path: String,
    kind: &'a str,
    description: &'a str,
    /// Octal, as `stat -c %a` and chmod write it (a JSON number would read as decimal).
    mode: String,
    subject: Option<&'a str>,
    not_after: Option<String>,
    sha256_fingerprint: Option<&'a str>,
    sha256: &'a str,
}

/// The JSON text of a summary: the files written, the warnings, and what was skipped (setup).
pub fn json(files: &[WrittenFile], warnings: &[String], skipped: &[String]) -> String {
    let report = Report {
        files: files
            .iter()
            .map(|f| File {
                path: f.path.display().to_string(),
                kind: f.kind,
                description: &f.description,
                mode: format!("{:04o}", f.mode),
                subject: f.subject.as_deref(),
                not_after: f.not_after.and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                }),
                sha256_fingerprint: f.sha256_fingerprint.as_deref(),
                sha256: &f.sha256,
            })
            .collect(),
        warnings,
        skipped,
    };
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    format!("{}\n", escape_json(&text))
}

/// Prints [`json`] as the summary of committed files (a write error is only a warning).
pub fn print_json(files: &[WrittenFile], warnings: &[String], skipped: &[String]) {
    print_summary(&json(files, warnings, skipped));
}
