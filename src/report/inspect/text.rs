//! The human-readable report of `inspect`. Every string that comes from an input is escaped.

use std::fmt::Write;

use time::OffsetDateTime;

use crate::app::inspect::{FileReport, ItemKind};
use crate::pki::describe::{CertInfo, CrlInfo, KeyItem, SanEntry};
use crate::pki::verify::{Cert, Reason, Verification};

/// The report of one input, one block per item.
pub fn report(report: &FileReport, now: OffsetDateTime) -> String {
    let e = crate::report::escape;
    let mut out = String::new();
    for item in &report.items {
        let origin = item
            .origin
            .as_ref()
            .map(|o| format!(" ({o})"))
            .unwrap_or_default();
        let head = item_name(&report.source, item.index);
        match &item.kind {
            ItemKind::Certificate(c) => {
                let _ = writeln!(out, "{head}: certificate{origin}");
                if let Some(alias) = &item.alias {
                    kv(&mut out, "alias:", &e(alias));
                }
                certificate(&mut out, c, now);
            }
            ItemKind::Csr(c) => {
                let _ = writeln!(out, "{head}: certificate request{origin}");
                kv(&mut out, "subject:", &e(&c.subject.text()));
                kv(&mut out, "subject (RFC 4514):", &e(&c.subject_rfc4514));
                kv(&mut out, "key:", &c.key.to_string());
                if !c.san.is_empty() {
                    kv(&mut out, "requested SAN:", &san_text(&c.san));
                }
            }
            ItemKind::PrivateKey { key, belongs_to } => {
                let line = private_key(key, belongs_to.as_ref());
                let _ = writeln!(out, "{head}: private key{origin}: {line}");
            }
            ItemKind::PublicKey(i) => {
                let _ = writeln!(out, "{head}: public key{origin}: {i}");
            }
            ItemKind::Crl(c) => {
                let _ = writeln!(out, "{head}: certificate revocation list{origin}");
                crl(&mut out, c, now);
            }
        }
    }
    for v in &report.chains {
        let _ = writeln!(out, "{}: chain: {}", report.source, e(&chain_summary(v)));
    }
    out
}

/// `complete (A → B → C, self-signed), verifies`, or what is missing or refused.
fn chain_summary(v: &Verification) -> String {
    let name = |c: &Cert| {
        crate::pki::oneline::entries(&c.subject_der)
            .map(|e| crate::pki::oneline::openssl3(&e))
            .unwrap_or_else(|_| "(unreadable subject)".into())
    };
    let path: Vec<String> = v.chain.iter().map(name).collect();
    let path = path.join(" \u{2192} ");
    let top = v.chain.last();
    match v.failure {
        Some((Reason::UnableToGetIssuerCertLocally | Reason::UnableToGetIssuerCert, _)) => {
            let issuer = top
                .and_then(|c| crate::pki::oneline::entries(&c.issuer_der).ok())
                .map(|e| crate::pki::oneline::openssl3(&e))
                .unwrap_or_default();
            format!("incomplete ({path}): issuer '{issuer}' not in the input")
        }
        None => format!("complete ({path}, self-signed), verifies"),
        Some((r, depth)) => match r.openssl_code() {
            Some(code) => format!(
                "complete ({path}, self-signed), refused: {} (OpenSSL error {code} at depth {depth})",
                r.text()
            ),
            None => format!("complete ({path}, self-signed), refused: {}", r.text()),
        },
    }
}

/// `expired 3 days ago`, `expires in 364 days`, `not valid yet, expires in ...`.
pub fn validity_note(info: &CertInfo, now: OffsetDateTime) -> String {
    if now > info.not_after {
        format!("expired {} days ago", (now - info.not_after).whole_days())
    } else if now < info.not_before {
        format!(
            "not valid yet, expires in {} days",
            (info.not_after - now).whole_days()
        )
    } else {
        format!("expires in {} days", (info.not_after - now).whole_days())
    }
}

/// The lines of a certificate after its heading (and alias).
fn certificate(out: &mut String, c: &CertInfo, now: OffsetDateTime) {
    let e = crate::report::escape;
    kv(out, "subject:", &e(&c.subject.text()));
    kv(out, "issuer:", &e(&c.issuer.text()));
    kv(out, "subject (RFC 4514):", &e(&c.subject_rfc4514));
    kv(out, "serial:", &c.serial);
    kv(
        out,
        "not before:",
        &crate::pki::cert::display_time(c.not_before),
    );
    let after = format!(
        "{} ({})",
        crate::pki::cert::display_time(c.not_after),
        validity_note(c, now)
    );
    kv(out, "not after:", &after);
    kv(out, "key:", &c.key.to_string());
    kv(out, "signature:", &c.signature_algorithm);
    if !c.san.is_empty() {
        kv(out, "SAN:", &san_text(&c.san));
    }
    let ca = match (c.is_ca, c.path_len) {
        (true, Some(n)) => format!("CA, path length {n}"),
        (true, None) => "CA".to_string(),
        (false, _) => "end entity".to_string(),
    };
    kv(out, "basic constraints:", &ca);
    if !c.key_usage.is_empty() {
        kv(out, "key usage:", &c.key_usage.join(", "));
    }
    if !c.ext_key_usage.is_empty() {
        kv(out, "ext key usage:", &c.ext_key_usage.join(", "));
    }
    if let Some(id) = &c.skid {
        kv(out, "subject key id:", id);
    }
    if let Some(id) = &c.akid {
        kv(out, "authority key id:", id);
    }
    kv(out, "SHA-256:", &c.sha256_fingerprint);
}

/// The lines of a CRL after its heading.
fn crl(out: &mut String, c: &CrlInfo, now: OffsetDateTime) {
    let e = crate::report::escape;
    let t = crate::pki::cert::display_time;
    kv(out, "issuer:", &e(&c.issuer.text()));
    kv(out, "issuer (RFC 4514):", &e(&c.issuer_rfc4514));
    kv(out, "CRL number:", c.number.as_deref().unwrap_or("(none)"));
    kv(out, "this update:", &t(c.this_update));
    let next = match c.next_update {
        Some(n) if c.stale(now) => format!(
            "{} (STALE: {} days ago; OpenSSL refuses every certificate of this CA)",
            t(n),
            (now - n).whole_days()
        ),
        Some(n) => format!("{} (in {} days)", t(n), (n - now).whole_days()),
        None => "(none)".to_string(),
    };
    kv(out, "next update:", &next);
    kv(out, "signature:", &c.signature_algorithm);
    if let Some(id) = &c.akid {
        kv(out, "authority key id:", id);
    }
    kv(out, "revoked:", &c.revoked.len().to_string());
    for r in &c.revoked {
        let reason = r
            .reason
            .as_deref()
            .map(|x| format!("  {x}"))
            .unwrap_or_default();
        let _ = writeln!(out, "    {}  {}{reason}", r.serial, t(r.date));
    }
}

/// What follows `private key (...): ` on a key's line.
fn private_key(k: &KeyItem, belongs_to: Option<&(String, usize)>) -> String {
    let certificate =
        |(src, i): &(String, usize)| format!("belongs to certificate {}", item_name(src, *i));
    if let Some(why) = k.locked {
        let belongs = match belongs_to {
            Some(b) => certificate(b),
            None => "the entry has no certificate".to_string(),
        };
        return format!("not decrypted ({why}), {belongs}");
    }
    let what = match &k.info {
        Some(i) if i.bits > 0 || i.curve.is_some() => i.to_string(),
        Some(i) => format!("{} (size hidden by encryption)", i.kind),
        None => "type hidden by encryption (give --passin to see it)".to_string(),
    };
    let enc = if k.encrypted {
        "encrypted"
    } else {
        "not encrypted"
    };
    let belongs = match belongs_to {
        Some(b) => certificate(b),
        None if k.spki.is_some() => "matches no certificate given".to_string(),
        None => "certificate unknown while encrypted".to_string(),
    };
    format!("{what}, {enc}, {belongs}")
}

fn item_name(source: &str, index: usize) -> String {
    format!("{} #{index}", crate::report::escape(source))
}

fn kv(out: &mut String, k: &str, v: &str) {
    let _ = writeln!(out, "  {k:<20} {v}");
}

fn san_text(san: &[SanEntry]) -> String {
    san.iter()
        .map(|s| format!("{}:{}", s.kind, crate::report::escape(&s.value)))
        .collect::<Vec<_>>()
        .join(", ")
}
