//! dbtls's own checks (key pairing, expiry horizon, CA purpose) and the warnings about what
//! OpenSSL accepts but a database client refuses (shared/docs/day-two.md §1).

use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::{Cert, Check, CheckKind, Options, Purpose, Reason, Status};

const DAY: i64 = 86_400;

/// Key pairing, `--expires-within`, and that a `ca` purpose certificate is a CA.
pub(super) fn own_checks(
    chain: &[Cert],
    key_spki: &Option<Vec<u8>>,
    options: &Options,
    out: &mut Vec<Check>,
) {
    let leaf = &chain[0];
    if options.purpose == Purpose::Ca && leaf.check_ca() != 1 {
        out.push(error(
            CheckKind::Purpose,
            0,
            Reason::NotACa,
            "not a CA certificate (basicConstraints CA:TRUE missing or keyCertSign not allowed)"
                .into(),
        ));
    }
    if let Some(spki) = key_spki {
        if same_key(spki, &leaf.spki) {
            out.push(line(
                CheckKind::Key,
                Status::Ok,
                Some(0),
                "the private key belongs to the certificate".into(),
            ));
        } else {
            out.push(error(
                CheckKind::Key,
                0,
                Reason::KeyMismatch,
                Reason::KeyMismatch.text().into(),
            ));
        }
    }
    if let Some(days) = options.fail_days {
        for (depth, c) in chain.iter().enumerate() {
            let left = c.not_after - options.at;
            if left > 0 && left <= days * DAY {
                out.push(error(
                    CheckKind::Expiry,
                    depth,
                    Reason::ExpiresSoon,
                    format!("expires in {} days (limit {days})", left / DAY),
                ));
            }
        }
    }
}

/// Warnings: each names the clients that refuse what OpenSSL accepts.
pub(super) fn warnings(chain: &[Cert], options: &Options, out: &mut Vec<Check>) {
    let leaf = &chain[0];
    for (depth, c) in chain.iter().enumerate() {
        if c.version == 1 {
            out.push(warn(
                CheckKind::Version,
                depth,
                "X.509 v1 certificate: rustls (sqlx, Rust clients) and WolfSSL builds of MariaDB refuse it",
            ));
        } else if depth > 0 && c.bc.is_none() {
            out.push(warn(
                CheckKind::BasicConstraints,
                depth,
                "CA without basicConstraints CA:TRUE: rustls, WolfSSL and OpenSSL >= 3.2 refuse it",
            ));
        }
        if c.rsa_bits > 0 && c.rsa_bits < 2048 {
            out.push(warn(
                CheckKind::SecurityLevel,
                depth,
                &format!(
                    "RSA {}-bit key: refused at OpenSSL security level 2 (the Debian and Ubuntu default)",
                    c.rsa_bits
                ),
            ));
        }
        let sha1 = matches!(
            c.sig_oid.as_str(),
            "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1"
        );
        if sha1 && !c.self_signed() {
            out.push(warn(
                CheckKind::SecurityLevel,
                depth,
                "SHA-1 signature: refused at OpenSSL security level 2 (the Debian and Ubuntu default)",
            ));
        }
        let left = c.not_after - options.at;
        let fails = options.fail_days.is_some_and(|d| left <= d * DAY);
        if left > 0 && left <= options.warn_days * DAY && !fails {
            out.push(warn(
                CheckKind::Expiry,
                depth,
                &format!("expires in {} days", left / DAY),
            ));
        }
    }
    let is_ca = leaf.bc_ca();
    if !is_ca
        && leaf
            .san
            .as_ref()
            .is_none_or(|s| s.dns.is_empty() && s.ip.is_empty())
    {
        out.push(warn(
            CheckKind::San,
            0,
            "no DNS or IP subjectAltName: Go, rustls and MariaDB Connector/J ignore the CN when checking the host",
        ));
    }
    if !is_ca
        && options.purpose == Purpose::Any
        && leaf
            .eku
            .is_some_and(|(server, client, _)| !server && !client)
    {
        out.push(warn(
            CheckKind::Purpose,
            0,
            "EKU has neither serverAuth nor clientAuth: OpenSSL-based servers and clients refuse it for TLS",
        ));
    }
}

/// The warning for what only `X509_V_FLAG_X509_STRICT` refuses, naming who sets it.
pub(super) fn strict_warning(reason: Reason) -> String {
    let code = reason.openssl_code().unwrap_or(0);
    let who = if reason == Reason::InvalidCa {
        "rustls, WolfSSL builds of MariaDB, OpenSSL >= 3.2 and clients that set X509_STRICT \
         (Python >= 3.13's ssl.create_default_context: PyMySQL, mysql-connector-python)"
    } else {
        "clients that set X509_STRICT: Python >= 3.13's ssl.create_default_context (PyMySQL, \
         mysql-connector-python), openssl verify -x509_strict"
    };
    format!(
        "{} (OpenSSL error {code} in strict mode; MySQL and MariaDB accept it): refused by {who}",
        reason.text()
    )
}

/// Whether two SubjectPublicKeyInfo encodings carry the same key.
fn same_key(a: &[u8], b: &[u8]) -> bool {
    match (
        SubjectPublicKeyInfo::from_der(a),
        SubjectPublicKeyInfo::from_der(b),
    ) {
        (Ok((_, x)), Ok((_, y))) => {
            x.algorithm.algorithm == y.algorithm.algorithm
                && x.subject_public_key.data == y.subject_public_key.data
        }
        _ => a == b,
    }
}

fn line(check: CheckKind, status: Status, depth: Option<usize>, detail: String) -> Check {
    Check {
        check,
        status,
        depth,
        detail,
        reason: None,
    }
}

fn warn(check: CheckKind, depth: usize, detail: &str) -> Check {
    line(check, Status::Warning, Some(depth), detail.to_string())
}

fn error(check: CheckKind, depth: usize, reason: Reason, detail: String) -> Check {
    Check {
        reason: Some(reason),
        ..line(check, Status::Error, Some(depth), detail)
    }
}
