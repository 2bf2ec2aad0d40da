//! The `dbtls verify` report: one line per check (`ok` / `warning` / `error`), each error with
//! a one-line fix naming the dbtls command that re-issues what failed; or the same as JSON.

use std::net::IpAddr;

use serde::Serialize;

use crate::app::verify::{Item, ReportFormat, VerifyOutcome};
use crate::pki::oneline;
use crate::pki::verify::{Cert, Check, CheckKind, Purpose, Reason, Status, Verification};
use crate::report;

/// Prints the report on stdout.
pub fn print(outcome: &VerifyOutcome) -> std::io::Result<()> {
    let text = match outcome.format {
        ReportFormat::Text => text(outcome),
        ReportFormat::Json => json(outcome),
    };
    report::print(&text)
}

/// The text report.
pub fn text(outcome: &VerifyOutcome) -> String {
    let mut out = String::new();
    for item in &outcome.items {
        let v = &item.verification;
        out.push_str(&format!("{}:\n", report::path(&item.path)));
        for c in &v.checks {
            let status = match c.status {
                Status::Ok => "ok",
                Status::Warning => "warning",
                Status::Error => "error",
            };
            let who = certificate(v, c)
                .map(|s| format!("{s}: "))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {status:<7} {:<16} {}{}\n",
                kind_name(c.check),
                report::escape(&who),
                report::escape(&c.detail)
            ));
            if let Some(fix) = fix(item, c, outcome.purpose) {
                out.push_str(&format!(
                    "  {:<7} {:<16} {}\n",
                    "",
                    "fix:",
                    report::escape(&fix)
                ));
            }
        }
        out.push_str(&format!("  verdict: {}\n", verdict_text(v)));
    }
    out
}

fn verdict_text(v: &Verification) -> String {
    match v.failure {
        None if v.has_warnings() => "accepted, with warnings".into(),
        None => "accepted".into(),
        Some((r, depth)) => match r.openssl_code() {
            Some(code) => format!(
                "refused: {} (OpenSSL error {code} at depth {depth})",
                r.text()
            ),
            None => format!("refused: {}", r.text()),
        },
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    verdict: &'static str,
    purpose: Purpose,
    at: i64,
    certificates: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    file: String,
    verdict: &'static str,
    reason: Option<JsonReason>,
    chain: Vec<String>,
    checks: Vec<JsonCheck<'a>>,
}

#[derive(Serialize)]
struct JsonReason {
    id: &'static str,
    text: &'static str,
    openssl_error: Option<u32>,
    depth: usize,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    check: CheckKind,
    status: Status,
    certificate: Option<String>,
    depth: Option<usize>,
    detail: &'a str,
    reason: Option<&'static str>,
    openssl_error: Option<u32>,
    fix: Option<String>,
}

fn verdict_word(v: &Verification) -> &'static str {
    if v.accepted() { "accepted" } else { "refused" }
}

/// The JSON report (escaped for a terminal as `inspect --format json` is).
pub fn json(outcome: &VerifyOutcome) -> String {
    let text = serde_json::to_string_pretty(&json_report(outcome)).unwrap_or_default();
    format!("{}\n", report::escape_json(&text))
}

/// The JSON report as a value, unescaped (for reports that embed it, e.g. a server's).
pub fn json_value(outcome: &VerifyOutcome) -> serde_json::Value {
    serde_json::to_value(json_report(outcome)).unwrap_or_default()
}

fn json_report(outcome: &VerifyOutcome) -> JsonReport<'_> {
    let certificates: Vec<JsonItem<'_>> = outcome
        .items
        .iter()
        .map(|item| {
            let v = &item.verification;
            JsonItem {
                file: item.path.display().to_string(),
                verdict: verdict_word(v),
                reason: v.failure.map(|(r, depth)| JsonReason {
                    id: r.id(),
                    text: r.text(),
                    openssl_error: r.openssl_code(),
                    depth,
                }),
                chain: v.chain.iter().map(subject).collect(),
                checks: v
                    .checks
                    .iter()
                    .map(|c| JsonCheck {
                        check: c.check,
                        status: c.status,
                        certificate: certificate(v, c),
                        depth: c.depth,
                        detail: &c.detail,
                        reason: c.reason.map(Reason::id),
                        openssl_error: c.reason.and_then(Reason::openssl_code),
                        fix: fix(item, c, outcome.purpose),
                    })
                    .collect(),
            }
        })
        .collect();
    let all_ok = outcome.items.iter().all(|i| i.verification.accepted());
    JsonReport {
        verdict: if all_ok { "accepted" } else { "refused" },
        purpose: outcome.purpose,
        at: outcome.at,
        certificates,
    }
}

/// The text name of a check kind.
pub fn kind_name(k: CheckKind) -> &'static str {
    match k {
        CheckKind::Chain => "chain",
        CheckKind::Extensions => "extensions",
        CheckKind::Purpose => "purpose",
        CheckKind::PathLength => "path-length",
        CheckKind::Host => "host",
        CheckKind::Revocation => "revocation",
        CheckKind::Signature => "signature",
        CheckKind::Validity => "validity",
        CheckKind::Key => "key",
        CheckKind::Version => "version",
        CheckKind::BasicConstraints => "basic-constraints",
        CheckKind::San => "san",
        CheckKind::SecurityLevel => "security-level",
        CheckKind::Expiry => "expiry",
    }
}

fn subject(c: &Cert) -> String {
    oneline::entries(&c.subject_der)
        .map(|e| oneline::openssl3(&e))
        .unwrap_or_else(|_| "(unreadable subject)".into())
}

/// The subject of the certificate a check concerns.
pub fn certificate(v: &Verification, c: &Check) -> Option<String> {
    c.depth.and_then(|d| v.chain.get(d)).map(subject)
}

/// The role a certificate at `depth` is re-issued as.
fn role(v: &Verification, depth: usize, purpose: Purpose) -> &'static str {
    let Some(c) = v.chain.get(depth) else {
        return "server";
    };
    if depth > 0 || c.bc_ca() {
        return if c.self_signed() {
            "ca"
        } else {
            "intermediate"
        };
    }
    match purpose {
        Purpose::Server => "server",
        Purpose::Client => "client",
        Purpose::Ca => "ca",
        Purpose::Any => match c.eku {
            Some((false, true, _)) => "client",
            _ => "server",
        },
    }
}

/// `dbtls issue ...` for the certificate at `depth`, keeping its names (plus `extra_san`).
fn reissue(v: &Verification, depth: usize, purpose: Purpose, extra_san: Option<&str>) -> String {
    let role = role(v, depth, purpose);
    let mut cmd = format!("dbtls issue {role}");
    if role != "ca" {
        cmd.push_str(" --ca ISSUER-CERT --ca-key ISSUER-KEY");
    }
    if let Some(c) = v.chain.get(depth) {
        cmd.push_str(&format!(" --subject '{}'", subject(c)));
        let mut sans: Vec<String> = Vec::new();
        if let Some(san) = &c.san {
            sans.extend(
                san.dns
                    .iter()
                    .map(|d| String::from_utf8_lossy(d).into_owned()),
            );
            sans.extend(san.ip.iter().filter_map(|ip| ip_text(ip)));
        }
        if let Some(extra) = extra_san
            && !sans.iter().any(|s| s == extra)
        {
            sans.push(extra.to_string());
        }
        for s in sans {
            cmd.push_str(&format!(" --san {s}"));
        }
    }
    cmd
}

fn ip_text(b: &[u8]) -> Option<String> {
    let ip: IpAddr = match b.len() {
        4 => <[u8; 4]>::try_from(b).ok()?.into(),
        16 => <[u8; 16]>::try_from(b).ok()?.into(),
        _ => return None,
    };
    Some(ip.to_string())
}

/// A one-line fix for an error.
fn fix(item: &Item, c: &Check, purpose: Purpose) -> Option<String> {
    check_fix(&item.verification, c, purpose)
}

/// The one-line fix of an error check of `v` (also used by `doctor`).
pub fn check_fix(v: &Verification, c: &Check, purpose: Purpose) -> Option<String> {
    if c.status != Status::Error {
        return None;
    }
    let depth = c.depth.unwrap_or(0);
    let again = || reissue(v, depth, purpose, None);
    Some(match c.reason? {
        Reason::UnableToGetIssuerCertLocally | Reason::UnableToGetIssuerCert => {
            "give the issuing CA with --ca (and intermediates with --untrusted)".into()
        }
        Reason::DepthZeroSelfSignedCert | Reason::SelfSignedCertInChain => format!(
            "trust this root with --ca, or issue from your CA: {}",
            reissue(v, 0, purpose, None)
        ),
        Reason::HostnameMismatch | Reason::IpAddressMismatch => {
            let host = c
                .detail
                .rsplit(": ")
                .next()
                .and_then(|d| d.split(' ').next());
            reissue(v, 0, purpose, host)
        }
        Reason::UnableToGetCrl => "give the CRL of the leaf's issuer with --crl".into(),
        Reason::CrlHasExpired | Reason::CrlNotYetValid => {
            "publish a fresh CRL from the issuing CA (openssl ca -gencrl)".into()
        }
        Reason::CrlSignatureFailure | Reason::UnableToGetCrlIssuer | Reason::KeyUsageNoCrlSign => {
            "give the CRL signed by the leaf's issuing CA".into()
        }
        Reason::KeyMismatch => format!(
            "use the key it was issued for, or re-issue for this key: {} --key KEY",
            again()
        ),
        Reason::PathLengthExceeded => format!(
            "issue from a CA whose path length allows it, or re-issue the CA at depth {depth}: {} --path-len N",
            again()
        ),
        _ => again(),
    })
}
