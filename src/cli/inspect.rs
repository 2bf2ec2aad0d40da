//! `dbtls inspect`: show certificates, CSRs, keys and stores, and print the exact
//! `REQUIRE SUBJECT` / `REQUIRE ISSUER` strings (and ready `ALTER USER` SQL).

use std::path::PathBuf;

use super::live::{Inputs, LiveArgs};
use crate::app::Request;
use crate::app::live::LiveRequest;
use crate::app::verify::ReportFormat;

use anyhow::{Result, anyhow, bail};

use crate::app::inspect::{InspectRequest, NameField, OutputFormat, SqlAccount};
use crate::io::password::PassSpec;
use crate::pki::oneline::{self, Dialect, SqlMode};

/// `--format`. The variant docs are its help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Human-readable.
    Text,
    /// A JSON array, one object per item.
    Json,
}

/// Arguments of `dbtls inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Files to inspect (PEM, DER, .p7b, .jks, .p12; detected from content); `-` is standard input; or servers: mysql://HOST[:PORT], tls://HOST:PORT.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Print only this name of each certificate, one line per certificate.
    #[arg(long, value_enum, conflicts_with_all = ["sql", "format"])]
    pub field: Option<NameField>,
    /// Which server computes the REQUIRE strings.
    #[arg(long, value_enum, default_value = "openssl3")]
    pub dialect: Dialect,
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
    pub sql_mode: SqlMode,
    /// Password of encrypted keys, JKS and PKCS#12 stores (pass:|env:|file:|fd:|stdin).
    #[arg(long, value_name = "SPEC")]
    pub passin: Option<PassSpec>,
    /// For network targets: the private key of --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Options of mysql:// and tls:// targets.
    #[command(flatten)]
    pub live: LiveArgs,
}

impl InspectArgs {
    /// Checks the flag combinations clap cannot express and builds the request. The `--user`
    /// and `--host` literals are the same in every statement, so they are refused here, once,
    /// before any input is read.
    pub fn into_request(self) -> Result<Request> {
        if let Inputs::Targets(targets) = super::live::split(&self.files)? {
            if self.sql || self.field.is_some() {
                bail!("--sql and --field read certificate files; for a server use --format json");
            }
            return Ok(Request::Live(LiveRequest {
                targets,
                timeout: self.live.timeout(),
                tls_version: self.live.tls_version(),
                client: self.live.client(self.key.as_ref(), self.passin.as_ref())?,
                verify: None,
                dialect: self.dialect,
                format: match self.format {
                    FormatArg::Text => ReportFormat::Text,
                    FormatArg::Json => ReportFormat::Json,
                },
            }));
        }
        self.live.check_files()?;
        if self.key.is_some() {
            bail!("--key (with --cert) applies to mysql:// and tls:// targets only");
        }
        if self.passin == Some(PassSpec::Stdin) && self.files.iter().any(|f| f.as_os_str() == "-") {
            bail!("--passin stdin and the input '-' cannot both read standard input");
        }
        let output = if self.sql {
            let user = self.user.unwrap_or_default();
            oneline::sql_literal(user.as_bytes(), self.sql_mode)
                .map_err(|e| anyhow!("--user: the user name {e}"))?;
            oneline::sql_literal(self.host.as_bytes(), self.sql_mode)
                .map_err(|e| anyhow!("--host: the host {e}"))?;
            OutputFormat::Sql(SqlAccount {
                user,
                host: self.host,
                mode: self.sql_mode,
            })
        } else if let Some(field) = self.field {
            OutputFormat::Field(field)
        } else {
            match self.format {
                FormatArg::Text => OutputFormat::Text,
                FormatArg::Json => OutputFormat::Json,
            }
        };
        Ok(Request::Inspect(InspectRequest {
            files: self.files,
            passin: self.passin,
            dialect: self.dialect,
            output,
        }))
    }
}
