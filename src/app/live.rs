//! `inspect` and `verify` of a running server (`mysql://HOST[:PORT]`, `tls://HOST:PORT`): probe
//! it ([`crate::net`]), describe the chain it sent as `inspect` does, say whether that chain is
//! complete, and with `verify` run the same engine and checks as `dbtls verify` for the host
//! name of the URL (or `--host`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::app::inspect::{FileReport, Item as InspectItem, ItemKind};
use crate::app::verify::{self as verify_cmd, FailOn, ReportFormat, VerifyRequest};
use crate::io::password::PassSpec;
use crate::net::tls::ClientVerdict;
pub use crate::net::{ClientAuth, ClientIdentity, Probe, ProbeOptions, Target, TlsVersion};
use crate::pki::describe::CertInfo;
use crate::pki::oneline::Dialect;
use crate::pki::verify::{self, Cert, Host, Input, Options, Purpose, Verification};

/// The default `--timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client certificate to present, as files.
#[derive(Debug, Clone)]
pub struct ClientFiles {
    /// The certificate (and its chain).
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
    /// The key's password.
    pub passin: Option<PassSpec>,
}

/// What to probe and what to check.
#[derive(Debug, Clone)]
pub struct LiveRequest {
    /// The servers, in order.
    pub targets: Vec<Target>,
    /// Connect, read and write timeout.
    pub timeout: Duration,
    /// Only this TLS version.
    pub tls_version: Option<TlsVersion>,
    /// A client certificate to present.
    pub client: Option<ClientFiles>,
    /// `dbtls verify`'s request (its `certs` unused): present for `verify`, absent for `inspect`.
    pub verify: Option<VerifyRequest>,
    /// How the certificates' names are rendered.
    pub dialect: Dialect,
    /// Text or JSON.
    pub format: ReportFormat,
}

/// Whether the chain the server sent is all a client needs.
#[derive(Debug, Clone)]
pub struct Completeness {
    /// `Some(true)` complete, `Some(false)` not, `None` unknown without `--ca`.
    pub complete: Option<bool>,
    /// Why, for a human.
    pub detail: String,
}

/// What was found on one server.
#[derive(Debug)]
pub struct Checked {
    /// What the server presented.
    pub probe: Probe,
    /// Its certificates, described as `inspect` does (source = the target).
    pub certs: FileReport,
    /// Whether the chain is complete.
    pub completeness: Completeness,
    /// `verify`'s verdict.
    pub verification: Option<Verification>,
}

/// One target's result.
#[derive(Debug)]
pub struct ServerReport {
    /// The target.
    pub target: Target,
    /// What was found, or the one-line reason nothing was.
    pub result: Result<Checked>,
}

/// The outcome of a live `inspect`/`verify`.
#[derive(Debug)]
pub struct LiveOutcome {
    /// One per target.
    pub servers: Vec<ServerReport>,
    /// The purpose checked.
    pub purpose: Purpose,
    /// Verification time.
    pub at: i64,
    /// Whether warnings fail.
    pub fail_on: FailOn,
    /// Text or JSON.
    pub format: ReportFormat,
    /// The dialect of the names.
    pub dialect: Dialect,
    /// Whether a client certificate was given.
    pub client_given: bool,
}

impl LiveOutcome {
    /// Whether the command exits 1: a server not reached, a chain refused (or with warnings
    /// under `--fail-on warning`), a handshake signature that did not verify, or a client
    /// certificate the server refused.
    pub fn failed(&self) -> bool {
        self.servers.iter().any(|s| match &s.result {
            Err(_) => true,
            Ok(c) => {
                let refused_client = self.client_given
                    && matches!(
                        &c.probe.client_auth,
                        ClientAuth::Requested {
                            verdict: ClientVerdict::Refused(_),
                            ..
                        }
                    );
                refused_client
                    || c.probe.signature_error.is_some()
                    || c.verification.as_ref().is_some_and(|v| {
                        !v.accepted() || (self.fail_on == FailOn::Warning && v.has_warnings())
                    })
            }
        })
    }
}

/// Probes one server: the hook `doctor --server` calls.
pub fn probe(target: &Target, options: &ProbeOptions) -> Result<Probe> {
    Ok(crate::net::probe(target, options)?)
}

/// Reads the client certificate and key, probes every target and checks what each sent.
pub fn run(req: &LiveRequest) -> Result<LiveOutcome> {
    let client = match &req.client {
        Some(files) => Some(load_identity(files)?),
        None => None,
    };
    let trust = match &req.verify {
        Some(v) => {
            let mut crls = Vec::new();
            for p in &v.crls {
                crls.extend(verify_cmd::read_crls(p)?);
            }
            Some((
                verify_cmd::read_all(&v.cas)?,
                verify_cmd::read_all(&v.untrusted)?,
                crls,
            ))
        }
        None => None,
    };
    let options = ProbeOptions {
        timeout: req.timeout,
        tls_version: req.tls_version,
        client,
    };
    let servers = req
        .targets
        .iter()
        .map(|target| ServerReport {
            target: target.clone(),
            result: probe(target, &options).and_then(|p| {
                let verification = match (&req.verify, &trust) {
                    (Some(v), Some(t)) => Some(verify_chain(target, &p, v, t)?),
                    _ => None,
                };
                check(target, p, verification, req.dialect)
            }),
        })
        .collect();
    let v = req.verify.as_ref();
    Ok(LiveOutcome {
        servers,
        purpose: v.map_or(Purpose::Server, |v| v.purpose),
        at: v.map_or_else(
            || time::OffsetDateTime::now_utc().unix_timestamp(),
            |v| v.at,
        ),
        fail_on: v.map_or(FailOn::Error, |v| v.fail_on),
        format: req.format,
        dialect: req.dialect,
        client_given: req.client.is_some(),
    })
}

fn load_identity(files: &ClientFiles) -> Result<ClientIdentity> {
    let chain = crate::app::inputs::read_certs(&files.cert)?;
    let key = crate::app::inputs::read_key(&files.key, files.passin.as_ref())?;
    Ok(ClientIdentity {
        chain,
        key_pkcs8: zeroize::Zeroizing::new(key.pkcs8_der().to_vec()),
    })
}

type Trust = (Vec<Cert>, Vec<Cert>, Vec<verify::Crl>);

/// `dbtls verify` of the chain as sent: the leaf, helped by the other certificates the server
/// sent and `--untrusted`, for the URL's host unless `--host` names others.
fn verify_chain(
    target: &Target,
    probe: &Probe,
    req: &VerifyRequest,
    (anchors, untrusted, crls): &Trust,
) -> Result<Verification> {
    let mut certs = probe
        .chain
        .iter()
        .map(|d| Cert::parse(d).with_context(|| format!("{target}: a certificate the server sent")))
        .collect::<Result<Vec<_>>>()?
        .into_iter();
    let leaf = certs.next().context("the server sent no certificate")?;
    let mut pool: Vec<Cert> = certs.collect();
    pool.extend(untrusted.iter().cloned());
    let hosts = if req.hosts.is_empty() {
        vec![Host::parse(&target.host)]
    } else {
        req.hosts.clone()
    };
    let options = Options {
        purpose: req.purpose,
        hosts,
        at: req.at,
        warn_days: verify_cmd::WARN_DAYS,
        fail_days: req.fail_days,
        strict: req.strict,
    };
    Ok(verify::verify(
        Input {
            leaf,
            untrusted: pool,
            anchors: anchors.clone(),
            crls: crls.clone(),
            key_spki: None,
        },
        &options,
    ))
}

fn check(
    target: &Target,
    probe: Probe,
    verification: Option<Verification>,
    dialect: Dialect,
) -> Result<Checked> {
    let source = target.to_string();
    let mut items = Vec::new();
    for (i, der) in probe.chain.iter().enumerate() {
        let info = CertInfo::from_der(der, dialect)
            .map_err(|e| anyhow::anyhow!("{source}: certificate {} it sent: {e}", i + 1))?;
        items.push(InspectItem {
            index: i + 1,
            origin: None,
            alias: None,
            kind: ItemKind::Certificate(Box::new(info)),
        });
    }
    let completeness = completeness(&probe.chain, verification.as_ref());
    Ok(Checked {
        probe,
        certs: FileReport {
            source,
            items,
            warnings: Vec::new(),
            // The chain as served is judged by `completeness` and the verification below.
            chains: Vec::new(),
        },
        completeness,
        verification,
    })
}

/// Whether the chain as sent is ordered and reaches a root (or, with `--ca`, the trusted one)
/// without help. A server may leave out its root (clients have it), never an intermediate.
fn completeness(chain: &[Vec<u8>], verification: Option<&Verification>) -> Completeness {
    let certs: Vec<Cert> = chain.iter().filter_map(|d| Cert::parse(d).ok()).collect();
    let name = |c: &Cert| {
        crate::pki::oneline::entries(&c.subject_der)
            .map(|e| crate::pki::oneline::openssl3(&e))
            .unwrap_or_else(|_| "(unreadable name)".into())
    };
    for (i, pair) in certs.windows(2).enumerate() {
        if !verify::cert::likely_issued(&pair[1], &pair[0]) {
            return Completeness {
                complete: Some(false),
                detail: format!(
                    "certificate {} was not issued by certificate {} after it: the chain is out of order or holds an unrelated certificate",
                    i + 1,
                    i + 2
                ),
            };
        }
    }
    let Some(last) = certs.last() else {
        return Completeness {
            complete: Some(false),
            detail: "no certificate".into(),
        };
    };
    if let Some(v) = verification.filter(|v| v.accepted()) {
        let sent: Vec<&Vec<u8>> = chain.iter().collect();
        let missing: Vec<String> = v
            .chain
            .iter()
            .take(v.num_untrusted)
            .filter(|c| !sent.contains(&&c.der))
            .map(name)
            .collect();
        return if missing.is_empty() {
            Completeness {
                complete: Some(true),
                detail: "complete: it reaches the trusted CA with the certificates the server sent"
                    .into(),
            }
        } else {
            Completeness {
                complete: Some(false),
                detail: format!(
                    "incomplete: the server does not send {} (found in --untrusted; add it to the file of ssl_cert after the server certificate)",
                    missing.join(", ")
                ),
            }
        };
    }
    if last.self_signed() {
        Completeness {
            complete: Some(true),
            detail: format!("complete: it ends with the self-signed root {}", name(last)),
        }
    } else {
        let issuer = crate::pki::oneline::entries(&last.issuer_der)
            .map(|e| crate::pki::oneline::openssl3(&e))
            .unwrap_or_else(|_| "(unreadable name)".into());
        Completeness {
            complete: None,
            detail: format!(
                "ends below {issuer}, which the server does not send: complete if that is a root the clients trust (give it with --ca to check)"
            ),
        }
    }
}
