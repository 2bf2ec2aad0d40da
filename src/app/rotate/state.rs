//! Where a datadir is in a CA rotation, read from the files alone (no state file): which CA
//! files exist, what `ca.pem` holds, and which CA signed the server and client certificates.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::Serialize;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::app::inputs;
use crate::io;
use crate::pki::describe::CertInfo;
use crate::pki::oneline::Dialect;

/// The CA bundle servers and clients read (`ssl_ca`).
pub const CA: &str = "ca.pem";
/// The CA key.
pub const CA_KEY: &str = "ca-key.pem";
/// The new CA during a rotation.
pub const NEXT: &str = "ca-next.pem";
/// The new CA's key during a rotation.
pub const NEXT_KEY: &str = "ca-next-key.pem";
/// The new CA certified by the old CA's key (`--cross-sign`).
pub const CROSS: &str = "ca-next-cross.pem";
/// The old CA after `finish`, for rollback.
pub const PREV: &str = "ca-prev.pem";
/// The old CA's key after `finish`, for rollback.
pub const PREV_KEY: &str = "ca-prev-key.pem";
/// The server certificate (with the cross certificate after a cross-signed `switch`).
pub const SERVER: &str = "server-cert.pem";
/// The client certificate.
pub const CLIENT: &str = "client-cert.pem";

/// The phases of a rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// No rotation in progress and none finished here: one CA in `ca.pem`.
    Idle,
    /// `start` done: `ca.pem` is old + new, the certificates are still the old CA's.
    Started,
    /// `switch` done: the server and client certificates are the new CA's.
    Switched,
    /// `finish` done: `ca.pem` is the new CA, the old one is `ca-prev.pem`.
    Finished,
}

impl Phase {
    /// The name printed and used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Started => "started",
            Phase::Switched => "switched",
            Phase::Finished => "finished",
        }
    }
}

/// The datadir's certificates, as read.
#[derive(Debug, Clone)]
pub struct State {
    /// The datadir.
    pub dir: PathBuf,
    /// The certificates of `ca.pem`, DER, in file order.
    pub ca: Vec<Vec<u8>>,
    /// `ca-next.pem`'s certificate.
    pub next: Option<Vec<u8>>,
    /// `ca-next-cross.pem`'s certificate.
    pub cross: Option<Vec<u8>>,
    /// `ca-prev.pem`'s certificate.
    pub prev: Option<Vec<u8>>,
    /// `server-cert.pem`, leaf first.
    pub server: Vec<Vec<u8>>,
    /// `client-cert.pem`, leaf first.
    pub client: Vec<Vec<u8>>,
    /// The phase the files say.
    pub phase: Phase,
}

/// Whether `ca` issued `cert`: the issuer name is `ca`'s subject byte for byte, the
/// authorityKeyIdentifier (when both are there) is `ca`'s subjectKeyIdentifier (this is what
/// tells apart two CAs of the same name, as OpenSSL's `X509_check_issued` does), and `ca`'s key
/// verifies the signature.
pub fn signed_by(cert: &[u8], ca: &[u8]) -> bool {
    let (Ok((_, c)), Ok((_, a))) = (
        X509Certificate::from_der(cert),
        X509Certificate::from_der(ca),
    ) else {
        return false;
    };
    if c.issuer().as_raw() != a.subject().as_raw() {
        return false;
    }
    let akid = c
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(k) => {
                k.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        });
    let skid = a
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        });
    if let (Some(akid), Some(skid)) = (akid, skid)
        && akid != skid
    {
        return false;
    }
    c.verify_signature(Some(a.public_key())).is_ok()
}

/// The subject of a DER certificate, raw DER.
pub fn subject_der(cert: &[u8]) -> Vec<u8> {
    X509Certificate::from_der(cert)
        .map(|(_, c)| c.subject().as_raw().to_vec())
        .unwrap_or_default()
}

fn read_opt(path: &Path) -> Result<Option<Vec<u8>>> {
    if !io::exists(path) {
        return Ok(None);
    }
    let certs = inputs::read_certs(path)?;
    if certs.len() != 1 {
        bail!(
            "{}: holds {} certificates; dbtls rotate writes exactly one",
            path.display(),
            certs.len()
        );
    }
    Ok(certs.into_iter().next())
}

impl State {
    /// Reads the datadir and decides its phase; files that contradict each other are an error
    /// naming them (a rotation dbtls did not start, or files changed by hand).
    pub fn read(dir: &Path) -> Result<State> {
        let p = |n: &str| dir.join(n);
        let ca = inputs::read_certs(&p(CA))?;
        let next = read_opt(&p(NEXT))?;
        let cross = read_opt(&p(CROSS))?;
        let prev = read_opt(&p(PREV))?;
        let server = inputs::read_certs(&p(SERVER))?;
        let client = inputs::read_certs(&p(CLIENT))?;
        let next_key = io::exists(&p(NEXT_KEY));
        if next.is_some() != next_key {
            let (there, missing) = if next_key {
                (NEXT_KEY, NEXT)
            } else {
                (NEXT, NEXT_KEY)
            };
            bail!(
                "{}: exists without {missing}: the rotation's files are incomplete",
                p(there).display()
            );
        }
        let phase = match &next {
            Some(next) => {
                if ca.len() != 2 || &ca[1] != next {
                    bail!(
                        "{}: should hold the old CA and then {NEXT} (the bundle `rotate start` \
                         writes), but holds {} certificate(s){}",
                        p(CA).display(),
                        ca.len(),
                        if ca.contains(next) {
                            " in another order"
                        } else {
                            " without it"
                        }
                    );
                }
                if signed_by(&server[0], next) && signed_by(&client[0], next) {
                    Phase::Switched
                } else {
                    Phase::Started
                }
            }
            None => {
                if cross.is_some() {
                    bail!(
                        "{}: exists without {NEXT}: a cross certificate of no rotation in \
                         progress (move it away)",
                        p(CROSS).display()
                    );
                }
                if ca.len() != 1 {
                    bail!(
                        "{}: holds {} certificates and there is no {NEXT}: not a rotation \
                         `dbtls rotate start` began",
                        p(CA).display(),
                        ca.len()
                    );
                }
                if prev.is_some() {
                    Phase::Finished
                } else {
                    Phase::Idle
                }
            }
        };
        Ok(State {
            dir: dir.to_path_buf(),
            ca,
            next,
            cross,
            prev,
            server,
            client,
            phase,
        })
    }

    /// The old (outgoing) CA during a rotation, or the current CA otherwise: `ca.pem`'s first.
    pub fn current(&self) -> &[u8] {
        &self.ca[0]
    }

    /// The CAs a certificate here may be signed by, with the name the report gives each.
    pub fn authorities(&self) -> Vec<(&'static str, &[u8])> {
        let mut cas: Vec<(&'static str, &[u8])> = Vec::new();
        match &self.next {
            Some(next) => {
                cas.push(("old CA (ca.pem #1)", &self.ca[0]));
                cas.push(("new CA (ca-next.pem)", next));
            }
            None => cas.push(("current CA (ca.pem)", &self.ca[0])),
        }
        if let Some(prev) = &self.prev {
            cas.push(("previous CA (ca-prev.pem)", prev));
        }
        cas
    }

    /// One row per certificate in the datadir's CA, server and client files.
    pub fn rows(&self) -> Vec<CertRow> {
        let cas = self.authorities();
        let mut rows = Vec::new();
        let mut add = |file: &'static str, certs: &[Vec<u8>]| {
            for (i, der) in certs.iter().enumerate() {
                rows.push(CertRow::of(file, i + 1, der, &cas));
            }
        };
        add(CA, &self.ca);
        for (file, cert) in [(NEXT, &self.next), (CROSS, &self.cross), (PREV, &self.prev)] {
            if let Some(c) = cert {
                add(file, std::slice::from_ref(c));
            }
        }
        add(SERVER, &self.server);
        add(CLIENT, &self.client);
        rows
    }
}

/// One certificate of the datadir and who signed it.
#[derive(Debug, Clone, Serialize)]
pub struct CertRow {
    /// The file name in the datadir.
    pub file: &'static str,
    /// Its position in the file, from 1.
    pub index: usize,
    /// The subject, as `REQUIRE SUBJECT` sees it.
    pub subject: String,
    /// subjectKeyIdentifier, colon hex.
    pub skid: Option<String>,
    /// authorityKeyIdentifier, colon hex.
    pub akid: Option<String>,
    /// notAfter, RFC 3339 UTC.
    pub not_after: String,
    /// Which CA of the datadir signed it (`itself` for a self-signed CA), or `none of this
    /// datadir's CAs`.
    pub signed_by: String,
}

impl CertRow {
    fn of(file: &'static str, index: usize, der: &[u8], cas: &[(&'static str, &[u8])]) -> CertRow {
        let signer = if signed_by(der, der) {
            "itself (self-signed)".to_string()
        } else {
            cas.iter().find(|(_, ca)| signed_by(der, ca)).map_or_else(
                || "none of this datadir's CAs".to_string(),
                |(n, _)| n.to_string(),
            )
        };
        match CertInfo::from_der(der, Dialect::Openssl3) {
            Ok(info) => CertRow {
                file,
                index,
                subject: info.subject.text(),
                skid: info.skid,
                akid: info.akid,
                not_after: info
                    .not_after
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                signed_by: signer,
            },
            Err(e) => CertRow {
                file,
                index,
                subject: format!("(unreadable: {e})"),
                skid: None,
                akid: None,
                not_after: String::new(),
                signed_by: signer,
            },
        }
    }
}
