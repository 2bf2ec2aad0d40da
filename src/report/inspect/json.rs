//! `inspect --format json`: one object per item, every key always present.

use anyhow::{Context, Result};
use serde::Serialize;
use time::OffsetDateTime;

use super::sql::{name_warnings, prefixed};
use crate::app::inspect::{FileReport, ItemKind};
use crate::pki::describe::SanEntry;
use crate::pki::key::KeyInfo;
use crate::pki::oneline::Dialect;

/// The object printed for each item.
#[derive(Debug, Default, Serialize)]
pub struct JsonItem {
    /// `certificate`, `csr`, `crl`, `private_key` or `public_key`.
    pub kind: &'static str,
    /// The input as named on the command line.
    pub source: String,
    /// 1-based position in the input.
    pub index: usize,
    /// Where in the input (PEM block, store entry).
    pub origin: Option<String>,
    /// The store entry's alias (JKS) or friendlyName (PKCS#12).
    pub alias: Option<String>,
    /// The dialect of `subject` and `issuer`.
    pub dialect: &'static str,
    /// Subject in the dialect.
    pub subject: Option<String>,
    /// Issuer in the dialect.
    pub issuer: Option<String>,
    /// Subject, RFC 4514.
    pub subject_rfc4514: Option<String>,
    /// Issuer, RFC 4514.
    pub issuer_rfc4514: Option<String>,
    /// Serial, uppercase hex.
    pub serial: Option<String>,
    /// RFC 3339, UTC.
    pub not_before: Option<String>,
    /// RFC 3339, UTC.
    pub not_after: Option<String>,
    /// Key type and bits.
    pub key: Option<JsonKey>,
    /// Whether a private key is stored encrypted.
    pub encrypted: Option<bool>,
    /// For a store's private key entry: whether it was left undecrypted (only its chain is known).
    pub locked: Option<bool>,
    /// For a private key: the certificate it belongs to.
    pub belongs_to: Option<JsonRef>,
    /// Signature algorithm.
    pub signature_algorithm: Option<String>,
    /// subjectAltName (requested ones for a CSR).
    pub san: Vec<SanEntry>,
    /// basicConstraints cA.
    pub is_ca: Option<bool>,
    /// pathLenConstraint.
    pub path_len: Option<u32>,
    /// keyUsage.
    pub key_usage: Vec<String>,
    /// extKeyUsage.
    pub ext_key_usage: Vec<String>,
    /// subjectKeyIdentifier.
    pub subject_key_id: Option<String>,
    /// authorityKeyIdentifier.
    pub authority_key_id: Option<String>,
    /// SHA-256 of the DER.
    pub sha256_fingerprint: Option<String>,
    /// Fragility and dialect warnings about subject and issuer.
    pub warnings: Vec<String>,
    /// For a CRL only (absent from the other kinds' objects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crl: Option<JsonCrl>,
}

/// What a CRL adds to its object.
#[derive(Debug, Serialize)]
pub struct JsonCrl {
    /// cRLNumber, decimal.
    pub number: Option<String>,
    /// RFC 3339, UTC.
    pub this_update: String,
    /// RFC 3339, UTC.
    pub next_update: Option<String>,
    /// Past nextUpdate now.
    pub stale: bool,
    /// The entries.
    pub revoked: Vec<JsonRevoked>,
}

/// One CRL entry.
#[derive(Debug, Serialize)]
pub struct JsonRevoked {
    /// Serial, uppercase hex.
    pub serial: String,
    /// RFC 3339, UTC.
    pub date: String,
    /// reasonCode name.
    pub reason: Option<String>,
}

/// Key type and size in JSON.
#[derive(Debug, Serialize)]
pub struct JsonKey {
    /// RSA, EC, Ed25519, ...
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Size in bits (null when encryption hides it).
    pub bits: Option<usize>,
}

/// A reference to another item.
#[derive(Debug, Serialize)]
pub struct JsonRef {
    /// Its input.
    pub source: String,
    /// Its index.
    pub index: usize,
}

/// The JSON objects of one input.
pub fn items(report: &FileReport, dialect: Dialect) -> Vec<JsonItem> {
    let key = |i: &KeyInfo| JsonKey {
        kind: i.kind,
        bits: (i.bits > 0).then_some(i.bits),
    };
    let mut out = Vec::new();
    for item in &report.items {
        let mut j = JsonItem {
            source: report.source.clone(),
            index: item.index,
            origin: item.origin.clone(),
            alias: item.alias.clone(),
            dialect: dialect.name(),
            ..JsonItem::default()
        };
        match &item.kind {
            ItemKind::Certificate(c) => {
                j.kind = "certificate";
                j.subject = Some(c.subject.text());
                j.issuer = Some(c.issuer.text());
                j.subject_rfc4514 = Some(c.subject_rfc4514.clone());
                j.issuer_rfc4514 = Some(c.issuer_rfc4514.clone());
                j.serial = Some(c.serial.clone());
                j.not_before = Some(rfc3339(c.not_before));
                j.not_after = Some(rfc3339(c.not_after));
                j.key = Some(key(&c.key));
                j.signature_algorithm = Some(c.signature_algorithm.clone());
                j.san = c.san.clone();
                j.is_ca = Some(c.is_ca);
                j.path_len = c.path_len;
                j.key_usage = c.key_usage.clone();
                j.ext_key_usage = c.ext_key_usage.clone();
                j.subject_key_id = c.skid.clone();
                j.authority_key_id = c.akid.clone();
                j.sha256_fingerprint = Some(c.sha256_fingerprint.clone());
                j.warnings = name_warnings(c);
            }
            ItemKind::Csr(c) => {
                j.kind = "csr";
                j.subject = Some(c.subject.text());
                j.subject_rfc4514 = Some(c.subject_rfc4514.clone());
                j.key = Some(key(&c.key));
                j.san = c.san.clone();
                j.warnings = prefixed("subject", &c.subject.warnings);
            }
            ItemKind::PrivateKey { key: k, belongs_to } => {
                j.kind = "private_key";
                j.key = k.info.as_ref().map(key);
                j.encrypted = Some(k.encrypted);
                j.locked = Some(k.locked.is_some());
                j.belongs_to = belongs_to.as_ref().map(|(s, i)| JsonRef {
                    source: s.clone(),
                    index: *i,
                });
            }
            ItemKind::PublicKey(i) => {
                j.kind = "public_key";
                j.key = Some(key(i));
            }
            ItemKind::Crl(c) => {
                j.kind = "crl";
                j.issuer = Some(c.issuer.text());
                j.issuer_rfc4514 = Some(c.issuer_rfc4514.clone());
                j.signature_algorithm = Some(c.signature_algorithm.clone());
                j.authority_key_id = c.akid.clone();
                j.warnings = prefixed("issuer", &c.issuer.warnings);
                j.crl = Some(JsonCrl {
                    number: c.number.clone(),
                    this_update: rfc3339(c.this_update),
                    next_update: c.next_update.map(rfc3339),
                    stale: c.stale(OffsetDateTime::now_utc()),
                    revoked: c
                        .revoked
                        .iter()
                        .map(|r| JsonRevoked {
                            serial: r.serial.clone(),
                            date: rfc3339(r.date),
                            reason: r.reason.clone(),
                        })
                        .collect(),
                });
            }
        }
        out.push(j);
    }
    out
}

/// The pretty-printed array, newline-terminated, with C1 and bidi controls escaped (serde_json
/// writes them raw) so that it is safe on a terminal and still decodes to the same values.
pub fn encode(items: &[JsonItem]) -> Result<String> {
    let text = serde_json::to_string_pretty(items).context("encoding JSON")?;
    let mut out = crate::report::escape_json(&text);
    out.push('\n');
    Ok(out)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
