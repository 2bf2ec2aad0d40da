//! `dbtls rotate ...`: what the phase did, where the datadir is now, who signed what, the next
//! step and the reload statements; with a new CA name, the `ALTER USER` statements to run.

use std::path::Path;

use serde::Serialize;

use crate::app::rotate::state::{CertRow, Phase};
use crate::app::rotate::{Format, IssuerChange, RotateOutcome};
use crate::pki::oneline::{SqlMode, sql_literal};
use crate::report::{self, escape, path};

/// MariaDB 10.4+ re-reads ssl_ca/ssl_cert/ssl_key with this.
pub const RELOAD_MARIADB: &str = "FLUSH SSL";
/// MySQL 8.0.16+ and TiDB re-read them with this.
pub const RELOAD_MYSQL: &str = "ALTER INSTANCE RELOAD TLS";

/// Prints the outcome: warnings on stderr, the report on stdout.
pub fn print(o: &RotateOutcome) {
    for w in &o.warnings {
        report::warn(w);
    }
    if let Some(change) = &o.issuer_change {
        report::warn(&format!(
            "the new CA's name differs from the old one's: accounts with REQUIRE ISSUER '{}' \
             fail with certificates of the new CA until the ALTER USER statements printed \
             below are run",
            escape(&String::from_utf8_lossy(&change.old))
        ));
    }
    let text = match o.format {
        Format::Text => text(o),
        Format::Json => json(o),
    };
    crate::report::terminal::print_summary(&text);
}

fn dir_arg(o: &RotateOutcome) -> String {
    let d = o.datadir.display().to_string();
    // Shown as a command to copy: quote it when the shell would split or expand it.
    if d.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@".contains(&b))
    {
        escape(&d)
    } else {
        format!("'{}'", escape(&d.replace('\'', r"'\''")))
    }
}

/// What to do next, in one paragraph.
pub fn next_step(o: &RotateOutcome) -> String {
    let d = dir_arg(o);
    match o.phase {
        Phase::Idle => format!(
            "No rotation in progress. `dbtls rotate start -d {d}` begins one (add --cross-sign \
             for clients you cannot update in time)."
        ),
        Phase::Started => format!(
            "Reload every server that uses these files and give every client the new ca.pem \
             (old + new CA): all of them then trust both CAs. When they all have it, run \
             `dbtls rotate switch -d {d}`."
        ),
        Phase::Switched => {
            let cross = if o.cross {
                " Clients that still hold only the old CA keep verifying the server through \
                 the cross certificate in server-cert.pem."
            } else {
                " A client that still holds only the old CA cannot verify the server any more."
            };
            format!(
                "Reload every server (they present the new server certificate) and give clients \
                 the new client-cert.pem.{cross} When every client has the new ca.pem and every \
                 client certificate is re-issued, run `dbtls rotate finish -d {d}`."
            )
        }
        Phase::Finished => format!(
            "The rotation is finished. Reload every server: they then trust only the new CA, \
             and client certificates of the old CA are refused. Clients may keep the bundle or \
             use the new ca.pem. Rollback: ca-prev.pem and ca-prev-key.pem are the old CA and \
             its key (see the README). `dbtls rotate start -d {d}` begins the next rotation."
        ),
    }
}

/// The `ALTER USER` lines for a CA name change: the query finding the accounts, a template for
/// each of them, and the statement for the datadir's own client certificate.
pub fn issuer_sql(change: &IssuerChange) -> Vec<String> {
    let lit = |bytes: &[u8]| match sql_literal(bytes, SqlMode::Default) {
        Ok(l) => String::from_utf8_lossy(&l).into_owned(),
        Err(e) => format!("<cannot be written as an SQL literal: {e}>"),
    };
    vec![
        format!(
            "SELECT user, host, x509_subject FROM mysql.user WHERE x509_issuer = {};",
            lit(&change.old)
        ),
        format!(
            "ALTER USER 'USER'@'HOST' REQUIRE SUBJECT '<its x509_subject>' AND ISSUER {};",
            lit(&change.new)
        ),
        format!(
            "ALTER USER 'USER'@'HOST' REQUIRE SUBJECT {} AND ISSUER {};",
            lit(&change.client_subject),
            lit(&change.new)
        ),
    ]
}

fn when_to_run(phase: Phase) -> &'static str {
    match phase {
        Phase::Started => {
            "Run them right after `rotate switch` and the reload (an account accepts one issuer: \
             until then the old client certificates keep logging in):"
        }
        _ => "Run them now: those users fail until they are run:",
    }
}

fn text(o: &RotateOutcome) -> String {
    let mut t = String::new();
    match &o.already {
        Some(line) => t += &format!("{}\n", escape(line)),
        None if o.action == "status" => {}
        None => t += &format!("rotate {}: done in {}\n", o.action, path(&o.datadir)),
    }
    for (p, what) in &o.written {
        t += &format!("  wrote   {}  {}\n", name(p), escape(what));
    }
    for (p, backup) in &o.moved {
        t += &format!(
            "  kept    {} as {}  (from an earlier rotation)\n",
            name(p),
            name(backup)
        );
    }
    for p in &o.removed {
        t += &format!("  removed {}\n", name(p));
    }
    t += &format!("Phase: {} ({})\n", o.phase.name(), phase_words(o.phase));
    t += "Certificates:\n";
    for r in &o.rows {
        t += &row(r);
    }
    t += &format!(
        "Reload: {RELOAD_MARIADB}; (MariaDB 10.4+) or {RELOAD_MYSQL}; (MySQL 8.0.16+, TiDB) on \
         every server after each phase; open connections keep their session.\n"
    );
    t += &format!("Next: {}\n", next_step(o));
    if let Some(change) = &o.issuer_change {
        t += &format!(
            "CA name change: {} -> {}\n",
            escape(&String::from_utf8_lossy(&change.old)),
            escape(&String::from_utf8_lossy(&change.new))
        );
        t += &format!(
            "  ALTER USER replaces all of an account's REQUIRE options, so keep its SUBJECT. \
             {}\n",
            when_to_run(o.phase)
        );
        for line in issuer_sql(change) {
            t += &format!("  {line}\n");
        }
        t += "  (the last one is for client-cert.pem; literals are for the default sql_mode)\n";
    }
    t
}

fn phase_words(p: Phase) -> &'static str {
    match p {
        Phase::Idle => "no rotation in progress",
        Phase::Started => "1 of 3: ca.pem trusts the old and the new CA",
        Phase::Switched => "2 of 3: the certificates are the new CA's",
        Phase::Finished => "3 of 3: ca.pem is the new CA only",
    }
}

fn name(p: &Path) -> String {
    escape(&p.file_name().unwrap_or_default().to_string_lossy())
}

/// A key identifier's first 8 bytes: enough to tell the CAs apart (`--format json` has them all).
fn short(id: &str) -> String {
    let parts: Vec<&str> = id.split(':').collect();
    if parts.len() <= 8 {
        return id.to_string();
    }
    format!("{}...", parts[..8].join(":"))
}

fn row(r: &CertRow) -> String {
    let skid = r.skid.as_deref().map(short);
    let akid = r.akid.as_deref().map(short);
    let ids = match (&skid, &akid) {
        (Some(s), Some(a)) => format!("SKI {s}, AKI {a}"),
        (Some(s), None) => format!("SKI {s}"),
        (None, Some(a)) => format!("AKI {a}"),
        (None, None) => "no key identifiers".into(),
    };
    format!(
        "  {:<20} {}\n  {:<20}   {ids}; signed by {}; expires {}\n",
        format!("{} #{}", r.file, r.index),
        escape(&r.subject),
        "",
        r.signed_by,
        r.not_after
    )
}

#[derive(Serialize)]
struct Json<'a> {
    action: &'a str,
    datadir: String,
    changed: bool,
    message: Option<&'a str>,
    written: Vec<Written>,
    removed: Vec<String>,
    moved: Vec<Moved>,
    phase: Phase,
    cross_signed: bool,
    certificates: &'a [CertRow],
    reload: Reload,
    next: String,
    issuer_change: Option<Change>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct Written {
    path: String,
    what: String,
}

#[derive(Serialize)]
struct Moved {
    path: String,
    backup: String,
}

#[derive(Serialize)]
struct Reload {
    mariadb: &'static str,
    mysql: &'static str,
    tidb: &'static str,
}

#[derive(Serialize)]
struct Change {
    old_issuer: String,
    new_issuer: String,
    sql: Vec<String>,
}

fn json(o: &RotateOutcome) -> String {
    let s = |p: &Path| p.display().to_string();
    let report = Json {
        action: o.action,
        datadir: s(&o.datadir),
        changed: o.already.is_none() && o.action != "status",
        message: o.already.as_deref(),
        written: o
            .written
            .iter()
            .map(|(p, w)| Written {
                path: s(p),
                what: w.clone(),
            })
            .collect(),
        removed: o.removed.iter().map(|p| s(p)).collect(),
        moved: o
            .moved
            .iter()
            .map(|(p, b)| Moved {
                path: s(p),
                backup: s(b),
            })
            .collect(),
        phase: o.phase,
        cross_signed: o.cross,
        certificates: &o.rows,
        reload: Reload {
            mariadb: RELOAD_MARIADB,
            mysql: RELOAD_MYSQL,
            tidb: RELOAD_MYSQL,
        },
        next: next_step(o),
        issuer_change: o.issuer_change.as_ref().map(|c| Change {
            old_issuer: String::from_utf8_lossy(&c.old).into_owned(),
            new_issuer: String::from_utf8_lossy(&c.new).into_owned(),
            sql: issuer_sql(c),
        }),
        warnings: &o.warnings,
    };
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    format!("{}\n", report::escape_json(&text))
}
