//! `dbtls issue {ca|intermediate|server|client}`.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::ValueEnum;
use time::OffsetDateTime;

use crate::app::issue::{CaFiles, IssueRequest, KeySource, Lifetime, default_paths};
use crate::cli::common::{ForceArgs, OutputArgs, PassoutArgs, check_specs, parse_sans};
use crate::io::password::PassSpec;
use crate::pki::key::KeyType;
use crate::pki::profile::Profile;

/// The certificate roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// A self-signed root CA (default out/ca.pem, out/ca-key.pem; 3650 days).
    Ca,
    /// A CA signed by --ca (default out/intermediate-cert.pem + key; path length 0; 3650 days).
    Intermediate,
    /// A TLS server certificate, EKU serverAuth (default out/server-cert.pem + key; 825 days).
    Server,
    /// A TLS client certificate, EKU clientAuth (default out/client-cert.pem + key; 825 days).
    Client,
}

/// Arguments of `dbtls issue`.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {
    /// What to issue.
    #[arg(value_enum)]
    pub role: Role,
    /// Subject in the OpenSSL/MySQL slash form, in certificate order: /C=US/O=Example/CN=db1
    #[arg(long, value_name = "DN")]
    pub subject: Option<String>,
    /// The signing CA's certificate (its first certificate signs; needed except for `ca`).
    #[arg(long, value_name = "CERT", requires = "ca_key")]
    pub ca: Option<PathBuf>,
    /// The signing CA's private key.
    #[arg(long, value_name = "KEY", requires = "ca")]
    pub ca_key: Option<PathBuf>,
    /// Password of the CA key (pass:TEXT | env:VAR | file:PATH | fd:N | stdin); prompted if needed.
    #[arg(long, value_name = "SPEC")]
    pub passin: Option<PassSpec>,
    /// Subject alternative name: DNS name, IPv4/IPv6 literal, or dns:/ip:/email:/uri: prefixed; repeatable.
    #[arg(long = "san", value_name = "NAME")]
    pub sans: Vec<String>,
    /// Type of a new key.
    #[arg(long, value_parser = clap::builder::ValueParser::new(str::parse::<KeyType>), conflicts_with_all = ["key", "csr"])]
    pub key_type: Option<KeyType>,
    /// Reuse this private key instead of generating one (renewal keeps the key).
    #[arg(long, value_name = "FILE", conflicts_with = "csr")]
    pub key: Option<PathBuf>,
    /// Password of --key, if it is encrypted.
    #[arg(long, value_name = "SPEC", requires = "key")]
    pub key_passin: Option<PassSpec>,
    /// Sign this CSR (its signature is checked; its subject and SANs apply unless overridden).
    #[arg(long, value_name = "FILE")]
    pub csr: Option<PathBuf>,
    /// Validity in days from now [default: 3650 for CAs, 825 for server and client].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=36500), conflicts_with_all = ["not_before", "not_after"])]
    pub days: Option<u32>,
    /// Start of validity, RFC 3339 (e.g. 2020-01-01T00:00:00Z); for test certificates.
    #[arg(long, value_name = "TIME", value_parser = rfc3339)]
    pub not_before: Option<OffsetDateTime>,
    /// End of validity, RFC 3339; a past time makes an expired certificate (with a warning).
    #[arg(long, value_name = "TIME", value_parser = rfc3339)]
    pub not_after: Option<OffsetDateTime>,
    /// basicConstraints pathLenConstraint of a CA [default: none for ca, 0 for intermediate].
    #[arg(long, value_name = "N")]
    pub path_len: Option<u8>,
    /// Certificate output file (mode 0644).
    #[arg(long, value_name = "FILE")]
    pub out_cert: Option<PathBuf>,
    /// Private key output file (mode 0600), for a generated key.
    #[arg(long, value_name = "FILE")]
    pub out_key: Option<PathBuf>,
    /// Also write the chain (this certificate, then the intermediates of --ca) here.
    #[arg(long, value_name = "FILE")]
    pub chain_out: Option<PathBuf>,
    #[command(flatten)]
    pub pass: PassoutArgs,
    #[command(flatten)]
    pub force: ForceArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn rfc3339(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time like 2030-01-01T00:00:00Z: {e}"))
}

impl TryFrom<IssueArgs> for IssueRequest {
    type Error = anyhow::Error;

    /// Every check of the flag combinations, in the order the user meets them.
    fn try_from(a: IssueArgs) -> Result<IssueRequest> {
        let profile = match a.role {
            Role::Ca => Profile::Ca {
                path_len: a.path_len,
            },
            Role::Intermediate => Profile::Intermediate {
                path_len: Some(a.path_len.unwrap_or(0)),
            },
            Role::Server | Role::Client if a.path_len.is_some() => {
                bail!("--path-len is only for ca and intermediate")
            }
            Role::Server => Profile::Server,
            Role::Client => Profile::Client,
        };
        let subject = a
            .subject
            .as_deref()
            .map(crate::pki::subject::parse)
            .transpose()?;
        let sans = parse_sans(&a.sans)?;
        let generate = a.key.is_none() && a.csr.is_none();
        if !generate && a.out_key.is_some() {
            bail!(
                "--out-key is only for a generated key (with --key or --csr the key stays where it is)"
            );
        }
        if !generate && a.pass.is_given() {
            bail!(
                "--passout is only for a generated key (use dbtls key encrypt for an existing one)"
            );
        }
        match (a.ca.is_some(), profile) {
            (false, Profile::Ca { .. })
            | (true, Profile::Intermediate { .. } | Profile::Server | Profile::Client) => {}
            (false, p) => bail!(
                "issue {} needs the signing CA: --ca CERT --ca-key KEY",
                p.name()
            ),
            (true, Profile::Ca { .. }) => bail!(
                "issue ca makes a self-signed root; use issue intermediate to sign a CA with another CA"
            ),
        }
        if a.csr.is_some() && a.key.is_none() && matches!(profile, Profile::Ca { .. }) {
            bail!(
                "a root CA is self-signed, so it needs its own key (--key or --key-type), not a CSR"
            );
        }
        check_specs(&[
            a.passin.as_ref(),
            a.key_passin.as_ref().filter(|_| a.key.is_some()),
            a.pass.passout.as_ref(),
        ])?;

        let (default_cert, default_key) = default_paths(profile);
        let ca = match (a.ca, a.ca_key) {
            (Some(cert), Some(key)) => Some(CaFiles {
                cert,
                key,
                passin: a.passin,
            }),
            _ => None,
        };
        let key = match (a.key, a.csr) {
            (Some(path), _) => KeySource::File {
                path,
                passin: a.key_passin,
            },
            (None, Some(path)) => KeySource::Csr(path),
            (None, None) => KeySource::Generate(a.key_type.unwrap_or_default()),
        };
        let lifetime = if a.not_before.is_some() || a.not_after.is_some() {
            Lifetime::Between {
                not_before: a.not_before,
                not_after: a.not_after,
            }
        } else {
            Lifetime::Days(a.days)
        };
        Ok(IssueRequest {
            profile,
            subject,
            sans,
            ca,
            key,
            lifetime,
            out_cert: a.out_cert.unwrap_or(default_cert),
            out_key: generate.then(|| a.out_key.unwrap_or(default_key)),
            chain_out: a.chain_out,
            protection: a.pass.protection()?,
            force: a.force.force,
        })
    }
}
