//! The `dbtls doctor` report: the server's files (role, path, what, expiry), then the checklist
//! (`ok` / `note` / `warning` / `error`, each warning and error with its fix), then the verdict;
//! or the same as JSON for monitoring. Fixes of the verification engine's findings are the ones
//! `dbtls verify` prints.

use serde::Serialize;

use crate::app::doctor::{DoctorOutcome, Finding, Status};
use crate::app::verify::ReportFormat;
use crate::pki::cert::display_time;
use crate::report;

/// Prints the report on stdout.
pub fn print(outcome: &DoctorOutcome) -> std::io::Result<()> {
    let text = match outcome.format {
        ReportFormat::Text => text(outcome),
        ReportFormat::Json => json(outcome),
    };
    report::print(&text)
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Note => "note",
        Status::Warning => "warning",
        Status::Error => "error",
    }
}

/// When a time is, relative to `at`.
fn expiry(t: i64, at: i64) -> String {
    let when = time::OffsetDateTime::from_unix_timestamp(t)
        .map(display_time)
        .unwrap_or_else(|_| t.to_string());
    let days = (t - at).div_euclid(86_400);
    if t <= at {
        format!("expired {when} ({} days ago)", -days)
    } else {
        format!("expires {when} (in {days} days)")
    }
}

/// The detail of a finding, with the certificate an engine finding concerns.
fn detail(outcome: &DoctorOutcome, f: &Finding) -> String {
    let Some((run, check)) = f.engine else {
        return f.detail.clone();
    };
    let Some(r) = outcome.verifications.get(run) else {
        return f.detail.clone();
    };
    let v = &r.verification;
    let Some(c) = v.checks.get(check) else {
        return f.detail.clone();
    };
    let who = super::verify::certificate(v, c)
        .map(|s| format!("{s}: "))
        .unwrap_or_default();
    format!("{} {who}{}", super::verify::kind_name(c.check), f.detail)
}

fn fix(outcome: &DoctorOutcome, f: &Finding) -> Option<String> {
    if let Some((run, check)) = f.engine {
        let r = outcome.verifications.get(run)?;
        let c = r.verification.checks.get(check)?;
        return super::verify::check_fix(&r.verification, c, r.purpose);
    }
    if f.status == Status::Ok {
        return None;
    }
    f.fix.clone()
}

fn verdict(outcome: &DoctorOutcome) -> String {
    let (e, w) = (outcome.count(Status::Error), outcome.count(Status::Warning));
    if e > 0 {
        format!(
            "{e} error(s), {w} warning(s): the server or its clients will refuse this TLS setup"
        )
    } else if w > 0 {
        format!("no error, {w} warning(s)")
    } else {
        "no error, no warning".into()
    }
}

/// The text report.
pub fn text(outcome: &DoctorOutcome) -> String {
    let e = report::escape;
    let mut out = format!("server TLS files, from {}\n", e(&outcome.source));
    if let Some(d) = &outcome.datadir {
        out.push_str(&format!("  datadir:     {}\n", report::path(d)));
    }
    if let Some(u) = &outcome.server_user {
        out.push_str(&format!("  server user: {}\n", e(u)));
    }
    for f in &outcome.files {
        let when = f
            .expires
            .map(|t| format!(", {}", expiry(t, outcome.at)))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {:<16} {}: {}{when}\n",
            e(&f.role),
            report::path(&f.path),
            e(&f.what)
        ));
    }
    out.push_str("checks:\n");
    for f in &outcome.findings {
        out.push_str(&format!(
            "  {:<7} {:<16} {}\n",
            status_word(f.status),
            e(&f.role),
            e(&detail(outcome, f))
        ));
        if let Some(fix) = fix(outcome, f) {
            out.push_str(&format!("  {:<7} {:<16} fix: {}\n", "", "", e(&fix)));
        }
    }
    out.push_str(&format!("verdict: {}\n", verdict(outcome)));
    out
}

#[derive(Serialize)]
struct JsonReport {
    verdict: &'static str,
    errors: usize,
    warnings: usize,
    source: String,
    datadir: Option<String>,
    server_user: Option<String>,
    at: i64,
    files: Vec<JsonFile>,
    checks: Vec<JsonCheck>,
}

#[derive(Serialize)]
struct JsonFile {
    role: String,
    file: String,
    what: String,
    expires: Option<i64>,
}

#[derive(Serialize)]
struct JsonCheck {
    check: &'static str,
    status: Status,
    role: String,
    file: Option<String>,
    detail: String,
    reason: Option<&'static str>,
    openssl_error: Option<u32>,
    fix: Option<String>,
}

/// The JSON report (escaped for a terminal, as verify's is).
pub fn json(outcome: &DoctorOutcome) -> String {
    let reason = |f: &Finding| {
        let (run, check) = f.engine?;
        outcome
            .verifications
            .get(run)?
            .verification
            .checks
            .get(check)?
            .reason
    };
    let report = JsonReport {
        verdict: if outcome.count(Status::Error) > 0 {
            "refused"
        } else {
            "accepted"
        },
        errors: outcome.count(Status::Error),
        warnings: outcome.count(Status::Warning),
        source: outcome.source.clone(),
        datadir: outcome.datadir.as_ref().map(|d| d.display().to_string()),
        server_user: outcome.server_user.clone(),
        at: outcome.at,
        files: outcome
            .files
            .iter()
            .map(|f| JsonFile {
                role: f.role.clone(),
                file: f.path.display().to_string(),
                what: f.what.clone(),
                expires: f.expires,
            })
            .collect(),
        checks: outcome
            .findings
            .iter()
            .map(|f| JsonCheck {
                check: if f.engine.is_some() {
                    engine_kind(outcome, f)
                } else {
                    f.check
                },
                status: f.status,
                role: f.role.clone(),
                file: f.path.as_ref().map(|p| p.display().to_string()),
                detail: detail(outcome, f),
                reason: reason(f).map(|r| r.id()),
                openssl_error: reason(f).and_then(|r| r.openssl_code()),
                fix: fix(outcome, f),
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    format!("{}\n", report::escape_json(&text))
}

/// The engine's check name of an engine finding (`host`, `validity`, `key`, ...).
fn engine_kind(outcome: &DoctorOutcome, f: &Finding) -> &'static str {
    f.engine
        .and_then(|(run, check)| {
            outcome
                .verifications
                .get(run)?
                .verification
                .checks
                .get(check)
        })
        .map_or(f.check, |c| super::verify::kind_name(c.check))
}
