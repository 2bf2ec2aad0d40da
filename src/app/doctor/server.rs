//! `doctor --server`: after the file checks, probe each running server ([`crate::app::live`])
//! and check what it serves: that it answers with TLS, that the chain verifies to the ssl_ca
//! doctor found (relaxed, as the file checks) for every host, its expiry, and — what only a
//! live check can tell — whether it still serves the ssl_cert on disk. MySQL and MariaDB read
//! their certificate at startup (or on FLUSH SSL / ALTER INSTANCE RELOAD TLS), so a renewed file
//! is not what clients get until the server reloads it.

use sha2::{Digest, Sha256};

use super::Status;
use super::checks::{Doctor, Served};
use super::engine::engine;
use crate::app::live::{self, ProbeOptions, Target};
use crate::app::verify::WARN_DAYS;
use crate::net::{self, Failure};
use crate::pki::verify::{Cert, Host, Purpose};

/// Probes every `--server` target and adds its checks.
pub(super) fn run(d: &mut Doctor<'_>, served: &Served) {
    let options = ProbeOptions {
        timeout: d.req.timeout,
        tls_version: None,
        client: None,
    };
    for target in &d.req.servers {
        one(d, served, target, &options);
    }
}

fn one(d: &mut Doctor<'_>, served: &Served, target: &Target, options: &ProbeOptions) {
    let role = target.to_string();
    let probe = match live::probe(target, options) {
        Ok(p) => p,
        Err(e) => {
            let fix = match e.downcast_ref::<net::Error>().map(|e| &e.failure) {
                Some(Failure::NoTls) => Some(
                    "set ssl_cert and ssl_key in the server's option group (dbtls config mariadb|mysql) and restart it".into(),
                ),
                _ => None,
            };
            d.push(
                Status::Error,
                "server-tls",
                &role,
                None,
                format!("{e:#}"),
                fix,
            );
            return;
        }
    };
    let version = probe
        .greeting
        .as_ref()
        .map(|g| format!(" (server {})", g.server_version))
        .unwrap_or_default();
    d.push(
        Status::Ok,
        "server-tls",
        &role,
        None,
        format!(
            "answers with {} {} at {}{version}",
            probe.tls.version.as_deref().unwrap_or("TLS"),
            probe.tls.cipher.as_deref().unwrap_or("(unknown cipher)"),
            probe.address
        ),
        None,
    );
    let chain: Vec<Cert> = match probe.chain.iter().map(|c| Cert::parse(c)).collect() {
        Ok(c) => c,
        Err(e) => {
            d.push(
                Status::Error,
                "server-chain",
                &role,
                None,
                format!("a certificate the server sent does not parse: {e}"),
                None,
            );
            return;
        }
    };
    let Some(leaf) = chain.first() else {
        d.push(
            Status::Error,
            "server-chain",
            &role,
            None,
            "the server sent no certificate".into(),
            None,
        );
        return;
    };
    if let Some(why) = &probe.signature_error {
        d.push(
            Status::Error,
            "server-signature",
            &role,
            None,
            format!("its handshake signature does not verify with the certificate it sends: {why}"),
            Some("ssl_key must be the key of ssl_cert; reload both".into()),
        );
    }
    if served.anchors.is_empty() {
        let names: Vec<String> = chain.iter().map(subject).collect();
        d.push(
            Status::Note,
            "server-chain",
            &role,
            None,
            format!("sends {} (not verified: no ssl_ca)", names.join(" → ")),
            None,
        );
        expiry(d, &role, &chain);
    } else {
        let hosts = if d.req.server_hosts.is_empty() {
            vec![Host::parse(&target.host)]
        } else {
            d.req.server_hosts.clone()
        };
        engine(
            d,
            &role,
            None,
            &chain,
            &served.anchors,
            &[],
            None,
            Purpose::Server,
            hosts,
        );
    }
    if let Some((file_role, path, on_disk)) = &served.cert {
        let (live, disk) = (fingerprint(&leaf.der), fingerprint(&on_disk.der));
        let file = path.display();
        if live == disk {
            d.push(
                Status::Ok,
                "served-cert",
                &role,
                Some(path),
                format!("serves the same certificate as {file_role} {file} (SHA-256 {live})"),
                None,
            );
        } else {
            d.push(
                Status::Warning,
                "served-cert",
                &role,
                Some(path),
                format!(
                    "the server presents a different certificate than {file} (served SHA-256 {live}, {file_role} on disk {disk})"
                ),
                Some(
                    "reload it with FLUSH SSL (MariaDB 10.4+) / ALTER INSTANCE RELOAD TLS (MySQL 8.0.16+), or restart the server"
                        .into(),
                ),
            );
        }
    }
}

/// Expiry of the chain as sent, when no CA lets the engine judge it (the engine's own window
/// and `--expires-within`).
fn expiry(d: &mut Doctor<'_>, role: &str, chain: &[Cert]) {
    let Some(first) = chain.iter().min_by_key(|c| c.not_after) else {
        return;
    };
    let days = (first.not_after - d.req.at).div_euclid(86_400);
    let who = subject(first);
    let (status, detail) = if first.not_after <= d.req.at {
        (Status::Error, format!("{who}: expired {} days ago", -days))
    } else if d.req.fail_days.is_some_and(|f| days < f) {
        (
            Status::Error,
            format!("{who}: expires in {days} days (--expires-within)"),
        )
    } else if days < WARN_DAYS {
        (Status::Warning, format!("{who}: expires in {days} days"))
    } else {
        (Status::Ok, format!("{who}: expires in {days} days"))
    };
    let fix = (status != Status::Ok).then(|| {
        "renew it (dbtls renew FILE --ca CA --ca-key CA_KEY), then FLUSH SSL / ALTER INSTANCE RELOAD TLS".to_string()
    });
    d.push(status, "server-expiry", role, None, detail, fix);
}

fn subject(c: &Cert) -> String {
    crate::pki::oneline::entries(&c.subject_der)
        .map(|e| crate::pki::oneline::openssl3(&e))
        .unwrap_or_else(|_| "(unreadable subject)".into())
}

/// SHA-256 of a certificate's DER, hex, as `openssl x509 -fingerprint -sha256` groups it.
fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}
