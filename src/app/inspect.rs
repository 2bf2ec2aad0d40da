//! `dbtls inspect`: what each input holds, and the exact strings MySQL, MariaDB and TiDB compare
//! `REQUIRE SUBJECT` / `REQUIRE ISSUER` against.
//!
//! Inputs are recognised from their content, never their name ([`crate::formats::detect`]),
//! and described by [`crate::pki::describe`]. Each file is inspected on its own: a file that
//! cannot be read is one error naming it, and the others still are. Private keys are then
//! linked to the certificate with the same public key. Nothing is printed here:
//! [`crate::report::inspect`] renders the [`InspectOutcome`].

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};

use crate::formats::detect::{self, Content, Detected};
use crate::io::password::{self, PassSpec, Password, Purpose};
use crate::pki::describe::{CertInfo, CrlInfo, CsrInfo, KeyItem};
use crate::pki::key::KeyInfo;
use crate::pki::oneline::{Dialect, SqlMode};
use crate::pki::verify::{self, Cert, Input, Options, Verification, cert};

/// What to inspect, how to render names, and what to print.
#[derive(Debug, Clone)]
pub struct InspectRequest {
    /// Input files; `-` is standard input.
    pub files: Vec<PathBuf>,
    /// Where the password of encrypted keys, JKS integrity and PKCS#12 comes from.
    pub passin: Option<PassSpec>,
    /// Which server's string to compute.
    pub dialect: Dialect,
    /// What to print about what was found.
    pub output: OutputFormat,
}

/// What `inspect` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputFormat {
    /// The human-readable report.
    Text,
    /// A JSON array, one object per item.
    Json,
    /// One name of each certificate, one line per certificate (`--field`).
    Field(NameField),
    /// `ALTER USER ... REQUIRE SUBJECT ... AND ISSUER ...;` per end-entity certificate.
    Sql(SqlAccount),
}

/// Which name `--field` prints. The variant docs are `--field`'s help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NameField {
    /// The subject (REQUIRE SUBJECT).
    Subject,
    /// The issuer (REQUIRE ISSUER).
    Issuer,
}

/// The account the `--sql` statements are for, already checked to be quotable in `mode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlAccount {
    /// The user name.
    pub user: String,
    /// The host.
    pub host: String,
    /// The sql_mode of the session that runs the statements.
    pub mode: SqlMode,
}

/// The result of `inspect`: one report per input, in order.
#[derive(Debug)]
pub struct InspectOutcome {
    /// Each input's report, or the one-line error that stopped it (naming the file).
    pub reports: Vec<Result<FileReport>>,
    /// The server whose strings the names were rendered for.
    pub dialect: Dialect,
    /// What to print about them (the request's).
    pub output: OutputFormat,
}

impl InspectOutcome {
    /// Whether some input could not be inspected (the command then exits 1).
    pub fn any_failed(&self) -> bool {
        self.reports.iter().any(Result::is_err)
    }
}

/// Everything found in one input.
#[derive(Debug)]
pub struct FileReport {
    /// The input as named on the command line (`-` for standard input).
    pub source: String,
    /// The items, in the order they appear.
    pub items: Vec<Item>,
    /// Non-fatal remarks about the file (e.g. a JKS read without its password).
    pub warnings: Vec<String>,
    /// The chains found among its certificates (leaf → its issuers in the same input), each
    /// verified as the servers verify (no X509_STRICT); empty for a lone certificate.
    pub chains: Vec<Verification>,
}

/// One certificate, CSR or key of an input.
#[derive(Debug)]
pub struct Item {
    /// 1-based position in its input.
    pub index: usize,
    /// Where inside the input it was found (a PEM block, a store entry), if that says more.
    pub origin: Option<String>,
    /// The alias (JKS) or friendlyName (PKCS#12) of the store entry it belongs to, unescaped.
    pub alias: Option<String>,
    /// What it is.
    pub kind: ItemKind,
}

/// The kinds of items.
#[derive(Debug)]
pub enum ItemKind {
    /// An X.509 certificate.
    Certificate(Box<CertInfo>),
    /// A PKCS#10 certificate signing request.
    Csr(Box<CsrInfo>),
    /// A private key.
    PrivateKey {
        /// What is known about the key.
        key: KeyItem,
        /// The certificate it belongs to, as (source, index).
        belongs_to: Option<(String, usize)>,
    },
    /// A SubjectPublicKeyInfo.
    PublicKey(KeyInfo),
    /// A certificate revocation list.
    Crl(Box<CrlInfo>),
}

/// Inspects every input (the password, if any, is read first), then links keys to certificates.
pub fn run(req: &InspectRequest) -> Result<InspectOutcome> {
    let password = match &req.passin {
        Some(spec) => Some(password::read(
            Some(spec),
            Purpose::Existing,
            "input password",
        )?),
        None => None,
    };
    let mut stdin_used = false;
    let mut reports: Vec<Result<FileReport>> = req
        .files
        .iter()
        .map(|path| {
            if path == Path::new("-") {
                if stdin_used {
                    return Err(anyhow!("-: standard input can be read only once"));
                }
                stdin_used = true;
            }
            let data = crate::io::read(path)?;
            inspect_bytes(
                &path.display().to_string(),
                &data,
                password.as_ref(),
                req.dialect,
            )
        })
        .collect();
    link_keys(&mut reports);
    Ok(InspectOutcome {
        reports,
        dialect: req.dialect,
        output: req.output.clone(),
    })
}

/// Inspects one input's bytes; `source` names it in errors.
pub fn inspect_bytes(
    source: &str,
    data: &[u8],
    password: Option<&Password>,
    dialect: Dialect,
) -> Result<FileReport> {
    let pw = password.map(Password::as_bytes);
    let detection = detect::detect(data, pw).map_err(|e| anyhow!("{source}: {e}"))?;
    let mut report = FileReport {
        source: source.to_string(),
        items: Vec::new(),
        warnings: detection.warnings,
        chains: Vec::new(),
    };
    let mut ders: Vec<Vec<u8>> = Vec::new();
    for (
        i,
        Detected {
            origin,
            alias,
            content,
        },
    ) in detection.items.into_iter().enumerate()
    {
        let at = || {
            origin
                .as_ref()
                .map(|o| format!("{o}: "))
                .unwrap_or_default()
        };
        let kind = match content {
            Content::Certificate(der) => {
                let info = CertInfo::from_der(&der, dialect)
                    .map_err(|e| anyhow!("{source}: {}{e}", at()))?;
                ders.push(der);
                ItemKind::Certificate(Box::new(info))
            }
            Content::Csr(der) => ItemKind::Csr(Box::new(
                CsrInfo::from_der(&der, dialect).map_err(|e| anyhow!("{source}: {}{e}", at()))?,
            )),
            Content::Crl(der) => ItemKind::Crl(Box::new(
                CrlInfo::from_der(&der, dialect).map_err(|e| anyhow!("{source}: {}{e}", at()))?,
            )),
            Content::PrivateKey(found) => ItemKind::PrivateKey {
                key: match &found.key {
                    Some(key) => KeyItem::decoded(key, found.encrypted),
                    None => KeyItem::hidden(found.kind_hint),
                },
                belongs_to: None,
            },
            Content::LockedKey { reason, has_chain } => ItemKind::PrivateKey {
                key: KeyItem::locked(reason),
                // The entry's chain follows it, leaf first: the key is the leaf's.
                belongs_to: has_chain.then(|| (source.to_string(), i + 2)),
            },
            Content::PublicKey(info) => ItemKind::PublicKey(info),
        };
        report.items.push(Item {
            index: i + 1,
            origin,
            alias,
            kind,
        });
    }
    if report.items.is_empty() {
        return Err(anyhow!(
            "{source}: holds no certificate, request, CRL or key"
        ));
    }
    report.chains = chains(&ders);
    Ok(report)
}

/// Each chain among `ders`: from every certificate that issued none of the others, through
/// its issuers in the same input, to a self-signed one (the anchor) when there is one.
fn chains(ders: &[Vec<u8>]) -> Vec<Verification> {
    let certs: Vec<Cert> = ders.iter().filter_map(|d| Cert::parse(d).ok()).collect();
    if certs.len() < 2 {
        return Vec::new();
    }
    let issued_another = |c: &Cert| {
        certs
            .iter()
            .any(|o| o.der != c.der && cert::likely_issued(c, o))
    };
    let anchors: Vec<Cert> = certs.iter().filter(|c| c.self_signed()).cloned().collect();
    let options = Options {
        purpose: verify::Purpose::Any,
        hosts: Vec::new(),
        at: time::OffsetDateTime::now_utc().unix_timestamp(),
        warn_days: crate::app::verify::WARN_DAYS,
        fail_days: None,
        strict: false,
    };
    certs
        .iter()
        .filter(|c| !issued_another(c) && !c.self_signed())
        .map(|leaf| {
            let input = Input {
                leaf: leaf.clone(),
                untrusted: certs
                    .iter()
                    .filter(|c| c.der != leaf.der)
                    .cloned()
                    .collect(),
                anchors: anchors.clone(),
                crls: Vec::new(),
                key_spki: None,
            };
            verify::verify(input, &options)
        })
        .collect()
}

/// Links each private key to the certificate with the same public key: one of its own input
/// first, then one of the other inputs.
fn link_keys(reports: &mut [Result<FileReport>]) {
    let mut certs: Vec<(String, usize, Vec<u8>)> = Vec::new();
    for r in reports.iter().flatten() {
        for item in &r.items {
            if let ItemKind::Certificate(c) = &item.kind {
                certs.push((r.source.clone(), item.index, c.spki.clone()));
            }
        }
    }
    for r in reports.iter_mut().flatten() {
        let source = r.source.clone();
        for item in &mut r.items {
            if let ItemKind::PrivateKey { key, belongs_to } = &mut item.kind
                && let Some(spki) = &key.spki
            {
                let mut matches = certs.iter().filter(|(_, _, s)| s == spki);
                let own = certs.iter().find(|(src, _, s)| *src == source && s == spki);
                *belongs_to = own
                    .or_else(|| matches.next())
                    .map(|(src, i, _)| (src.clone(), *i));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_empty_inputs_are_errors_naming_the_file() {
        for data in [
            &b""[..],
            b"hello",
            b"\x30\x03\x02\x01\x05",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n",
        ] {
            let e = inspect_bytes("f.pem", data, None, Dialect::Openssl3)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("f.pem: "), "{e}");
        }
    }
}
