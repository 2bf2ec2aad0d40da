//! `dbtls verify`: the chain, purpose, host names, revocation and key of a certificate, with
//! OpenSSL 3's verdict plus the warnings about database clients that are stricter.

use std::path::PathBuf;

use anyhow::{Result, bail};
use time::OffsetDateTime;

use super::live::{Inputs, LiveArgs};
use crate::app::Request;
use crate::app::live::LiveRequest;
use crate::app::verify::{FailOn, ReportFormat, VerifyRequest};
use crate::io::password::PassSpec;
use crate::pki::verify::{Host, Purpose};

/// Arguments of `dbtls verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Certificates to verify (PEM, DER or .p7b); further certificates in a file help build its chain; or servers: mysql://HOST[:PORT], tls://HOST:PORT (the chain they send, for the host of the URL unless --host).
    #[arg(required = true, value_name = "CERT")]
    pub certs: Vec<PathBuf>,
    /// Trust anchors (CA certificates); repeatable.
    #[arg(long = "ca", value_name = "FILE")]
    pub cas: Vec<PathBuf>,
    /// Intermediate certificates that may complete the chain, not trusted; repeatable.
    #[arg(long = "untrusted", value_name = "FILE")]
    pub untrusted: Vec<PathBuf>,
    /// What the certificate is for (OpenSSL -purpose sslserver/sslclient; ca: must be a CA) [default: any; server for network targets].
    #[arg(long, value_enum)]
    pub purpose: Option<Purpose>,
    /// A host name or IP address clients connect with; each must match; repeatable.
    #[arg(long = "host", value_name = "NAME")]
    pub hosts: Vec<String>,
    /// The certificate's private key, which must belong to it (for a network target: the key of --cert).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Password of --key, if it is encrypted (pass:|env:|file:|fd:|stdin).
    #[arg(long, value_name = "SPEC", requires = "key")]
    pub passin: Option<PassSpec>,
    /// CRLs (PEM or DER); with any, the certificate is checked for revocation; repeatable.
    #[arg(long = "crl", value_name = "FILE")]
    pub crls: Vec<PathBuf>,
    /// Verify at this time instead of now: RFC 3339 or unix seconds (as openssl -attime).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub at: Option<OffsetDateTime>,
    /// Expiry within DAYS is an error (default: within 30 days is a warning).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(0..=36500))]
    pub expires_within: Option<u32>,
    /// Judge as MySQL and MariaDB do, without OpenSSL's X509_STRICT: what only strict mode
    /// refuses becomes a warning.
    #[arg(long)]
    pub no_strict: bool,
    /// Fail on warnings too.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Options of mysql:// and tls:// targets.
    #[command(flatten)]
    pub live: LiveArgs,
}

fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    if let Ok(secs) = text.parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp(secs).map_err(|e| e.to_string());
    }
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time like 2030-01-01T00:00:00Z or unix seconds: {e}"))
}

impl VerifyArgs {
    /// Every flag check, once: the typed request.
    pub fn into_request(self) -> Result<Request> {
        let inputs = super::live::split(&self.certs)?;
        if matches!(inputs, Inputs::Files) {
            self.live.check_files()?;
        }
        let network = matches!(inputs, Inputs::Targets(_));
        let purpose = self.purpose.unwrap_or(if network {
            Purpose::Server
        } else {
            Purpose::Any
        });
        if self.passin == Some(PassSpec::Stdin) && self.certs.iter().any(|f| f.as_os_str() == "-") {
            bail!("--passin stdin and the input '-' cannot both read standard input");
        }
        let mut hosts = Vec::new();
        for h in &self.hosts {
            if h.is_empty() {
                bail!("--host: an empty name");
            }
            hosts.push(Host::parse(h));
        }
        if !hosts.is_empty() && matches!(purpose, Purpose::Client | Purpose::Ca) {
            bail!("--host checks a server certificate; it does not go with --purpose client or ca");
        }
        let client = match &inputs {
            Inputs::Targets(_) => self.live.client(self.key.as_ref(), self.passin.as_ref())?,
            Inputs::Files => None,
        };
        let request = VerifyRequest {
            certs: self.certs,
            cas: self.cas,
            untrusted: self.untrusted,
            crls: self.crls,
            key: if network { None } else { self.key },
            passin: self.passin,
            purpose,
            hosts,
            at: self
                .at
                .unwrap_or_else(OffsetDateTime::now_utc)
                .unix_timestamp(),
            fail_days: self.expires_within.map(i64::from),
            strict: !self.no_strict,
            fail_on: self.fail_on,
            format: self.format,
        };
        Ok(match inputs {
            Inputs::Files => Request::Verify(request),
            Inputs::Targets(targets) => Request::Live(LiveRequest {
                targets,
                timeout: self.live.timeout(),
                tls_version: self.live.tls_version(),
                client,
                dialect: crate::pki::oneline::Dialect::Openssl3,
                format: request.format,
                verify: Some(request),
            }),
        })
    }
}
