//! The summaries of `dbtls renew` and `dbtls crl`, with the statements that make running
//! servers load the new files.

use crate::app::crl::CrlOutcome;
use crate::app::renew::RenewOutcome;
use crate::pki::cert::display_time;
use crate::report::summary::written;
use crate::report::terminal::{escape, path};

/// What makes a running server re-read its TLS files (new connections only; open ones keep
/// their session).
pub const RELOAD: &str = "Reload without a restart (new connections use the new files):\n";

/// The statements, one line per server kind.
pub const RELOAD_LINES: &str =
    "  MySQL 8.0.16+, TiDB:  ALTER INSTANCE RELOAD TLS;\n  MariaDB 10.4+:        FLUSH SSL;\n";

fn file_name(p: &std::path::Path) -> String {
    escape(&p.file_name().unwrap_or_default().to_string_lossy())
}

/// `dbtls renew`.
pub fn renew(o: &RenewOutcome) -> String {
    let mut text = String::new();
    if let Some((dir, within)) = &o.datadir {
        if o.renewed.is_empty() {
            text += &format!(
                "Nothing to renew in {}: no certificate expires within {within} days",
                path(dir)
            );
            let kept: Vec<String> = o
                .kept
                .iter()
                .map(|(p, t)| format!("{} until {}", file_name(p), display_time(*t)))
                .collect();
            if !kept.is_empty() {
                text += &format!(" ({})", kept.join(", "));
            }
            text += ".\n";
            return text;
        }
        let verb = if o.dry_run { "Would renew" } else { "Renewed" };
        text += &format!("{verb} in {} (expiring within {within} days):\n", path(dir));
        for r in &o.renewed {
            let new = match &r.validity {
                Some(v) => format!(
                    ", now until {} (serial {})",
                    display_time(v.not_after),
                    r.serial
                ),
                None => String::new(),
            };
            text += &format!(
                "  {:<16} {} certificate, was until {}{new}\n",
                file_name(&r.source),
                r.role,
                display_time(r.old_not_after)
            );
        }
        for (p, t) in &o.kept {
            text += &format!(
                "  {:<16} kept, valid until {}\n",
                file_name(p),
                display_time(*t)
            );
        }
        if o.dry_run {
            text += "Dry run: nothing was written.\n";
            return text;
        }
    } else {
        for r in &o.renewed {
            text += &format!("Renewed {} certificate {}:\n", r.role, path(&r.source));
            text += &format!("  subject:  {}\n", escape(&r.subject));
            text += &format!("  serial:   {} (was {})\n", r.serial, r.old_serial);
            if let Some(v) = &r.validity {
                text += &format!(
                    "  valid:    {} to {} (was until {})\n",
                    display_time(v.not_before),
                    display_time(v.not_after),
                    display_time(r.old_not_after)
                );
            }
            let key = if r.new_key {
                "new"
            } else {
                "the same public key"
            };
            text += &format!("  key:      {key}\n");
        }
    }
    text += &written(&o.written);
    text += "\n";
    if o.renewed.iter().all(|r| r.role == "client") {
        text += "Clients read their certificate at each connection: nothing to reload.\n";
    } else {
        text += RELOAD;
        text += RELOAD_LINES;
    }
    text
}

/// `dbtls crl`.
pub fn crl(o: &CrlOutcome) -> String {
    let mut text = format!("Wrote {}  CRL number {}\n", path(&o.out), o.number);
    text += &format!(
        "  entries:      {} kept, {} added{}\n",
        o.kept,
        o.added.len(),
        if o.added.is_empty() {
            String::new()
        } else {
            format!(" ({})", o.added.join(", "))
        }
    );
    text += &format!("  this update:  {}\n", display_time(o.this_update));
    text += &format!("  next update:  {}\n", display_time(o.next_update));
    text += &format!(
        "\nRe-run dbtls crl --crl {0} --out {0} --force (same --ca/--ca-key) before {1}:\npast its next update, a CRL makes OpenSSL refuse every certificate of this CA (error 12).\n",
        path(&o.out),
        display_time(o.next_update)
    );
    text +=
        "Servers read ssl_crl (and ssl_crlpath) when TLS is loaded; reload it without a restart:\n";
    text += RELOAD_LINES;
    text
}
