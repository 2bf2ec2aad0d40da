//! The report of `inspect`/`verify` on servers: what the server is and negotiated, its chain as
//! `inspect` describes certificates, whether the chain is complete, the client certificate, and
//! with `verify` the same checks as `dbtls verify`; or all of it as one JSON object.

use serde::Serialize;

use crate::app::live::{Checked, LiveOutcome, ServerReport};
use crate::app::verify::{Item, ReportFormat, VerifyOutcome};
use crate::net::Scheme;
use crate::net::tls::{ClientAuth, ClientVerdict};
use crate::report::{self, escape};

/// Prints the report: servers on stdout, each unreachable one as an error line on stderr.
pub fn print(o: &LiveOutcome) -> anyhow::Result<()> {
    let text = match o.format {
        ReportFormat::Text => {
            let mut out = String::new();
            for s in &o.servers {
                match &s.result {
                    Ok(c) => out.push_str(&text(o, s, c)),
                    Err(e) => report::error(&format!("{e:#}")),
                }
            }
            out
        }
        ReportFormat::Json => json(o),
    };
    report::print(&text)?;
    Ok(())
}

fn kv(out: &mut String, k: &str, v: &str) {
    out.push_str(&format!("  {k:<20} {v}\n"));
}

fn text(o: &LiveOutcome, s: &ServerReport, c: &Checked) -> String {
    let p = &c.probe;
    let mut out = format!("{} ({})\n", s.target, p.address);
    if let Some(g) = &p.greeting {
        kv(
            &mut out,
            "server:",
            &format!(
                "{} (connection id {})",
                escape(&g.server_version),
                g.connection_id
            ),
        );
    }
    kv(&mut out, "TLS:", &tls_line(c));
    kv(
        &mut out,
        "handshake signature:",
        &match &p.signature_error {
            None => "verified (the server holds the certificate's key)".into(),
            Some(e) => format!("NOT verified: {}", escape(e)),
        },
    );
    let n = p.chain.len();
    let chain = format!(
        "{n} certificate{} sent; {}",
        if n == 1 { "" } else { "s" },
        escape(&c.completeness.detail)
    );
    kv(&mut out, "chain:", &chain);
    kv(&mut out, "client certificate:", &client_text(o, s, c));
    out.push_str(&super::inspect::text::report(
        &c.certs,
        time::OffsetDateTime::now_utc(),
    ));
    if let Some(v) = &c.verification {
        out.push_str(&super::verify::text(&verify_outcome(o, s, v)));
    }
    out
}

fn tls_line(c: &Checked) -> String {
    let t = &c.probe.tls;
    let mut line = t.version.clone().unwrap_or_else(|| "?".into());
    if let Some(cipher) = &t.cipher {
        line.push_str(&format!(", {cipher}"));
        if let Some(name) = t.cipher_openssl.as_ref().filter(|n| *n != cipher) {
            line.push_str(&format!(" (OpenSSL: {name})"));
        }
    }
    if let Some(g) = &t.group {
        line.push_str(&format!(", key exchange {g}"));
    }
    line
}

fn ca_names(cas: &[Vec<u8>]) -> Vec<String> {
    cas.iter()
        .map(|d| {
            crate::pki::oneline::entries(d)
                .map(|e| crate::pki::oneline::openssl3(&e))
                .unwrap_or_else(|_| "(unreadable name)".into())
        })
        .collect()
}

/// What the client-certificate line says, and whether it was accepted (`None`: not tried).
fn client_status(o: &LiveOutcome, s: &ServerReport, c: &Checked) -> (String, Option<bool>) {
    let mysql = s.target.scheme == Scheme::Mysql;
    match &c.probe.client_auth {
        ClientAuth::NotRequested if o.client_given => (
            format!(
                "not requested by the server, so not sent{}",
                if mysql {
                    " (the server has no ssl_ca)"
                } else {
                    ""
                }
            ),
            None,
        ),
        ClientAuth::NotRequested => ("not requested by the server".into(), None),
        ClientAuth::Requested {
            acceptable_cas,
            sent,
            verdict,
        } => {
            let from = if acceptable_cas.is_empty() {
                String::new()
            } else {
                format!(" (acceptable CAs: {})", ca_names(acceptable_cas).join("; "))
            };
            match (sent, verdict) {
                (false, ClientVerdict::Accepted(_)) => (
                    format!("requested{from}, none sent (give --cert and --key to test one)"),
                    None,
                ),
                (false, ClientVerdict::Refused(why)) => (
                    format!(
                        "requested{from} and required: without one the server ended the handshake: {why}"
                    ),
                    Some(false),
                ),
                (true, ClientVerdict::Accepted(how)) => (
                    format!(
                        "accepted at the TLS level ({how}){from}{}",
                        if mysql {
                            "; REQUIRE X509/SUBJECT/ISSUER of the account is checked at login"
                        } else {
                            ""
                        }
                    ),
                    Some(true),
                ),
                (true, ClientVerdict::Refused(why)) => (
                    format!(
                        "refused at the TLS level: the server does not trust this client certificate ({why}){from}"
                    ),
                    Some(false),
                ),
            }
        }
    }
}

fn client_text(o: &LiveOutcome, s: &ServerReport, c: &Checked) -> String {
    escape(&client_status(o, s, c).0)
}

fn verify_outcome(
    o: &LiveOutcome,
    s: &ServerReport,
    v: &crate::pki::verify::Verification,
) -> VerifyOutcome {
    VerifyOutcome {
        items: vec![Item {
            path: s.target.to_string().into(),
            verification: v.clone(),
        }],
        purpose: o.purpose,
        at: o.at,
        fail_on: o.fail_on,
        format: o.format,
    }
}

#[derive(Serialize)]
struct JsonLive {
    /// `ok`, or `failed` when the command exits 1.
    verdict: &'static str,
    servers: Vec<JsonServer>,
}

#[derive(Serialize, Default)]
struct JsonServer {
    target: String,
    address: Option<String>,
    error: Option<String>,
    server_version: Option<String>,
    connection_id: Option<u32>,
    tls_version: Option<String>,
    cipher: Option<String>,
    cipher_openssl: Option<String>,
    key_exchange: Option<String>,
    handshake_signature_verified: Option<bool>,
    handshake_signature_error: Option<String>,
    chain: Vec<super::inspect::json::JsonItem>,
    chain_complete: Option<bool>,
    chain_detail: Option<String>,
    client_certificate: Option<JsonClient>,
    verification: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct JsonClient {
    requested: bool,
    sent: bool,
    accepted: Option<bool>,
    acceptable_cas: Vec<String>,
    detail: String,
}

fn json(o: &LiveOutcome) -> String {
    let servers = o
        .servers
        .iter()
        .map(|s| {
            let mut j = JsonServer {
                target: s.target.to_string(),
                ..JsonServer::default()
            };
            let c = match &s.result {
                Ok(c) => c,
                Err(e) => {
                    j.error = Some(format!("{e:#}"));
                    return j;
                }
            };
            let p = &c.probe;
            let (detail, accepted) = client_status(o, s, c);
            let (requested, sent, cas) = match &p.client_auth {
                ClientAuth::NotRequested => (false, false, Vec::new()),
                ClientAuth::Requested {
                    acceptable_cas,
                    sent,
                    ..
                } => (true, *sent, ca_names(acceptable_cas)),
            };
            JsonServer {
                address: Some(p.address.to_string()),
                server_version: p.greeting.as_ref().map(|g| g.server_version.clone()),
                connection_id: p.greeting.as_ref().map(|g| g.connection_id),
                tls_version: p.tls.version.clone(),
                cipher: p.tls.cipher.clone(),
                cipher_openssl: p.tls.cipher_openssl.clone(),
                key_exchange: p.tls.group.clone(),
                handshake_signature_verified: Some(p.signature_error.is_none()),
                handshake_signature_error: p.signature_error.clone(),
                chain: super::inspect::json::items(&c.certs, o.dialect),
                chain_complete: c.completeness.complete,
                chain_detail: Some(c.completeness.detail.clone()),
                client_certificate: Some(JsonClient {
                    requested,
                    sent,
                    accepted,
                    acceptable_cas: cas,
                    detail,
                }),
                verification: c
                    .verification
                    .as_ref()
                    .map(|v| super::verify::json_value(&verify_outcome(o, s, v))),
                ..j
            }
        })
        .collect();
    let report = JsonLive {
        verdict: if o.failed() { "failed" } else { "ok" },
        servers,
    };
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    format!("{}\n", report::escape_json(&text))
}
