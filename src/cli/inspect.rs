//! `dbtls inspect`: show certificates, CSRs, keys and stores, and print the exact
//! `REQUIRE SUBJECT` / `REQUIRE ISSUER` strings (and ready `ALTER USER` SQL).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::app::inspect::{self, InspectRequest, ItemKind};
use crate::io::password::{self, PassSpec, Purpose};
use crate::pki::oneline::{self, Dialect, SqlMode};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable.
    Text,
    /// A JSON array, one object per item.
    Json,
}

/// Which name `--field` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Field {
    /// The subject (REQUIRE SUBJECT).
    Subject,
    /// The issuer (REQUIRE ISSUER).
    Issuer,
}

/// Which server computes the REQUIRE strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DialectArg {
    /// MySQL/MariaDB linked against OpenSSL 3.x (X509_NAME_oneline escapes / and +).
    Openssl3,
    /// MySQL/MariaDB linked against OpenSSL 1.1.1 or older.
    Openssl1,
    /// TiDB (its own X509NameOnline).
    Tidb,
}

/// The sql_mode of the session that will run the `--sql` statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SqlModeArg {
    /// Without NO_BACKSLASH_ESCAPES: quotes written '', backslashes doubled.
    Default,
    /// With NO_BACKSLASH_ESCAPES: quotes written '', backslashes as they are.
    NoBackslashEscapes,
}

/// Arguments of `dbtls inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Files to inspect (PEM, DER, .p7b, .jks, .p12; detected from content); `-` is standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Print only this name of each certificate, one line per certificate.
    #[arg(long, value_enum, conflicts_with_all = ["sql", "format"])]
    pub field: Option<Field>,
    /// Which server computes the REQUIRE strings.
    #[arg(long, value_enum, default_value = "openssl3")]
    pub dialect: DialectArg,
    /// Print `ALTER USER ... REQUIRE SUBJECT ... AND ISSUER ...;` for each end-entity certificate.
    #[arg(long, requires = "user", conflicts_with = "format")]
    pub sql: bool,
    /// The account's user name (with --sql).
    #[arg(long, requires = "sql")]
    pub user: Option<String>,
    /// The account's host (with --sql).
    #[arg(long, requires = "sql", default_value = "%")]
    pub host: String,
    /// The sql_mode of the session that runs the --sql output (see `SELECT @@sql_mode`).
    #[arg(long, value_enum, requires = "sql", default_value = "default")]
    pub sql_mode: SqlModeArg,
    /// Password of encrypted keys, JKS and PKCS#12 stores (pass:|env:|file:|fd:|stdin).
    #[arg(long, value_name = "SPEC")]
    pub passin: Option<PassSpec>,
}

impl InspectArgs {
    /// Runs the command: exit 1 if any input failed, after inspecting all the others.
    pub fn run(self) -> Result<ExitCode> {
        if self.passin == Some(PassSpec::Stdin) && self.files.iter().any(|f| f.as_os_str() == "-") {
            anyhow::bail!("--passin stdin and the input '-' cannot both read standard input");
        }
        let password = match &self.passin {
            Some(spec) => Some(password::read(
                Some(spec),
                Purpose::Existing,
                "input password",
            )?),
            None => None,
        };
        let dialect = match self.dialect {
            DialectArg::Openssl3 => Dialect::Openssl3,
            DialectArg::Openssl1 => Dialect::Openssl1,
            DialectArg::Tidb => Dialect::Tidb,
        };
        let sql_mode = match self.sql_mode {
            SqlModeArg::Default => SqlMode::Default,
            SqlModeArg::NoBackslashEscapes => SqlMode::NoBackslashEscapes,
        };
        let user = self.user.as_deref().unwrap_or_default();
        if self.sql {
            // The same for every statement: refuse once, before reading any input.
            oneline::sql_literal(user.as_bytes(), sql_mode)
                .map_err(|e| anyhow::anyhow!("--user: the user name {e}"))?;
            oneline::sql_literal(self.host.as_bytes(), sql_mode)
                .map_err(|e| anyhow::anyhow!("--host: the host {e}"))?;
        }
        let req = InspectRequest {
            files: self.files,
            password,
            dialect,
        };
        let reports = inspect::run(&req);
        let mut failed = false;
        let mut out: Vec<u8> = Vec::new();
        let mut json = Vec::new();
        let mut end_entities = 0;
        let mut backslash = false;
        let now = time::OffsetDateTime::now_utc();
        let names_used = self.field.is_some() || self.sql;
        for report in &reports {
            let report = match report {
                Ok(r) => r,
                Err(e) => {
                    crate::term::error(&format!("{e:#}"));
                    failed = true;
                    continue;
                }
            };
            for w in &report.warnings {
                crate::term::warn(&format!("{}: {w}", report.source));
            }
            if self.format == Format::Json && !names_used {
                json.extend(inspect::json_items(report, dialect));
                continue;
            }
            for item in &report.items {
                let ItemKind::Certificate(c) = &item.kind else {
                    continue;
                };
                let name = format!("{} #{}", report.source, item.index);
                let line = if self.sql {
                    if c.is_ca {
                        continue;
                    }
                    end_entities += 1;
                    inspect::sql_line(c, user, &self.host, sql_mode)
                } else if let Some(field) = self.field {
                    inspect::field_line(c, field == Field::Issuer)
                } else {
                    Ok(Vec::new())
                };
                let warnings = match self.field {
                    Some(Field::Subject) => c
                        .subject
                        .warnings
                        .iter()
                        .map(|w| format!("subject: {w}"))
                        .collect(),
                    Some(Field::Issuer) => c
                        .issuer
                        .warnings
                        .iter()
                        .map(|w| format!("issuer: {w}"))
                        .collect(),
                    None => inspect::name_warnings(c),
                };
                for w in warnings {
                    crate::term::warn(&format!("{name}: {w}"));
                }
                match line {
                    Ok(l) => {
                        backslash |= self.sql && l.contains(&b'\\');
                        out.extend(l)
                    }
                    Err(e) => {
                        crate::term::error(&format!("{name}: {e:#}"));
                        failed = true;
                    }
                }
            }
            if !names_used {
                out.extend(inspect::text(report, now).into_bytes());
            }
        }
        if self.sql && end_entities == 0 && !failed {
            crate::term::warn(
                "no end-entity certificate in the input: no ALTER USER statement printed",
            );
        }
        // A backslash means something else in the other mode: the statement stores another
        // string there (see `oneline::sql_literal`), so say which mode it was written for.
        if backslash {
            crate::term::warn(match sql_mode {
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
            });
        }
        if self.format == Format::Json && !names_used {
            let text = serde_json::to_string_pretty(&json).context("encoding JSON")?;
            // serde_json writes C1 and bidi controls raw: escape them as \uXXXX.
            out = crate::term::escape_json(&text).into_bytes();
            out.push(b'\n');
        }
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&out)
            .and_then(|()| stdout.flush())
            .context("writing to standard output")?;
        Ok(if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    }
}
