//! What `dbtls inspect` prints: the text report ([`text`]), the JSON array ([`json`]), the
//! `--field` lines and `--sql` statements ([`sql`]), and the warnings and errors on stderr.
//!
//! Everything that comes from an input is escaped for the terminal, except the `--field` and
//! `--sql` bytes, which must be exact: a name that cannot be printed as it is is refused there.

pub mod json;
pub mod sql;
pub mod text;

use std::io::Write;

use anyhow::{Context, Result};

use crate::app::inspect::{InspectOutcome, ItemKind, NameField, OutputFormat};
use crate::pki::oneline::SqlMode;

/// Prints the outcome as `outcome.output` asks: reports on stdout, warnings and each input's error
/// on stderr. Returns whether anything failed (an input, or a name that cannot be printed), in
/// which case the command exits 1; the error is a failed write to stdout.
pub fn print(outcome: &InspectOutcome) -> Result<bool> {
    let mut failed = false;
    let mut out: Vec<u8> = Vec::new();
    let mut json = Vec::new();
    let mut end_entities = 0;
    let mut backslash = false;
    let now = time::OffsetDateTime::now_utc();
    let field = match &outcome.output {
        OutputFormat::Field(f) => Some(*f),
        _ => None,
    };
    let sql = match &outcome.output {
        OutputFormat::Sql(account) => Some(account),
        _ => None,
    };
    for report in &outcome.reports {
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                crate::report::error(&format!("{e:#}"));
                failed = true;
                continue;
            }
        };
        for w in &report.warnings {
            crate::report::warn(&format!("{}: {w}", report.source));
        }
        if outcome.output == OutputFormat::Json {
            json.extend(json::items(report, outcome.dialect));
            continue;
        }
        for item in &report.items {
            let ItemKind::Certificate(c) = &item.kind else {
                continue;
            };
            let name = format!("{} #{}", report.source, item.index);
            let line = if let Some(account) = sql {
                if c.is_ca {
                    continue;
                }
                end_entities += 1;
                sql::alter_user_line(c, account)
            } else if let Some(field) = field {
                sql::field_line(c, field)
            } else {
                Ok(Vec::new())
            };
            let warnings = match field {
                Some(NameField::Subject) => sql::prefixed("subject", &c.subject.warnings),
                Some(NameField::Issuer) => sql::prefixed("issuer", &c.issuer.warnings),
                None => sql::name_warnings(c),
            };
            for w in warnings {
                crate::report::warn(&format!("{name}: {w}"));
            }
            match line {
                Ok(l) => {
                    backslash |= sql.is_some() && l.contains(&b'\\');
                    out.extend(l)
                }
                Err(e) => {
                    crate::report::error(&format!("{name}: {e:#}"));
                    failed = true;
                }
            }
        }
        if outcome.output == OutputFormat::Text {
            out.extend(text::report(report, now).into_bytes());
        }
    }
    if let Some(account) = sql {
        if end_entities == 0 && !failed {
            crate::report::warn(
                "no end-entity certificate in the input: no ALTER USER statement printed",
            );
        }
        if backslash {
            crate::report::warn(backslash_warning(account.mode));
        }
    }
    if outcome.output == OutputFormat::Json {
        out = json::encode(&json)?.into_bytes();
    }
    // The `--field` and `--sql` bytes need not be UTF-8 (TiDB strings of T61 names), so they
    // are written as bytes rather than through `report::print`.
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|()| stdout.flush())
        .context("writing to standard output")?;
    Ok(failed)
}

/// A backslash means something else in the other mode: the statement stores another string
/// there (see `oneline::sql_literal`), so say which mode it was written for.
fn backslash_warning(mode: SqlMode) -> &'static str {
    match mode {
        SqlMode::Default => {
            "the SQL holds backslashes and is for a session in the default sql_mode: if \
             the session has NO_BACKSLASH_ESCAPES (see SELECT @@sql_mode), print it with \
             --sql-mode no-backslash-escapes"
        }
        SqlMode::NoBackslashEscapes => {
            "the SQL holds backslashes and is for a session with NO_BACKSLASH_ESCAPES: \
             if the session does not have it (see SELECT @@sql_mode), print it with \
             --sql-mode default"
        }
    }
}
