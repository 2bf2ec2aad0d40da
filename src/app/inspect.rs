//! `dbtls inspect`: what each input holds, and the exact strings MySQL, MariaDB and TiDB compare
//! `REQUIRE SUBJECT` / `REQUIRE ISSUER` against.
//!
//! Inputs are recognised from their content, never their name: PEM with any number of blocks,
//! DER certificates, CSRs and keys, PKCS#7 (.p7b), JKS and PKCS#12. Each file is inspected on
//! its own: a file that cannot be read is one error naming it, and the others still are.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::formats::{self, jks, p7b, p12};
use crate::io::password::Password;
use crate::pki::key::KeyInfo;
use crate::pki::keyfile;
use crate::pki::oneline::{self, Dialect, Rendered, SqlMode};

/// What to inspect and how to render names.
#[derive(Debug)]
pub struct InspectRequest {
    /// Input files; `-` is standard input.
    pub files: Vec<PathBuf>,
    /// Password for encrypted keys, JKS integrity and PKCS#12.
    pub password: Option<Password>,
    /// Which server's string to compute.
    pub dialect: Dialect,
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
    PrivateKey(KeyItem),
    /// A SubjectPublicKeyInfo.
    PublicKey(KeyInfo),
}

/// One subjectAltName entry, typed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SanEntry {
    /// `DNS`, `IP`, `email`, `URI`, `DirName`, `RID` or `other`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value as text.
    pub value: String,
}

/// What inspect reports about a certificate.
#[derive(Debug)]
pub struct CertInfo {
    /// Subject in the chosen dialect, with its warnings.
    pub subject: Rendered,
    /// Issuer in the chosen dialect, with its warnings.
    pub issuer: Rendered,
    /// Subject, RFC 4514.
    pub subject_rfc4514: String,
    /// Issuer, RFC 4514.
    pub issuer_rfc4514: String,
    /// Serial number, uppercase hex.
    pub serial: String,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// The public key.
    pub key: KeyInfo,
    /// The signature algorithm's name (dotted if unknown).
    pub signature_algorithm: String,
    /// subjectAltName entries.
    pub san: Vec<SanEntry>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// basicConstraints pathLenConstraint.
    pub path_len: Option<u32>,
    /// keyUsage bits, RFC 5280 names.
    pub key_usage: Vec<String>,
    /// extKeyUsage purposes.
    pub ext_key_usage: Vec<String>,
    /// subjectKeyIdentifier, colon hex.
    pub skid: Option<String>,
    /// authorityKeyIdentifier keyIdentifier, colon hex.
    pub akid: Option<String>,
    /// SHA-256 of the DER, colon hex.
    pub sha256_fingerprint: String,
    /// The DER SubjectPublicKeyInfo (to link keys to certificates).
    pub spki: Vec<u8>,
}

/// What inspect reports about a CSR.
#[derive(Debug)]
pub struct CsrInfo {
    /// Subject in the chosen dialect.
    pub subject: Rendered,
    /// Subject, RFC 4514.
    pub subject_rfc4514: String,
    /// The public key.
    pub key: KeyInfo,
    /// Requested subjectAltName entries.
    pub san: Vec<SanEntry>,
}

/// What inspect reports about a private key.
#[derive(Debug)]
pub struct KeyItem {
    /// Type and size, when known (an encrypted PKCS#8 key hides them without its password).
    pub info: Option<KeyInfo>,
    /// Whether the key is stored encrypted.
    pub encrypted: bool,
    /// The key's SubjectPublicKeyInfo, when it could be decoded.
    pub spki: Option<Vec<u8>>,
    /// The certificate it belongs to: (source, index).
    pub belongs_to: Option<(String, usize)>,
    /// Why a store's key entry was not decrypted (its chain is listed all the same).
    pub locked: Option<&'static str>,
}

/// Inspects every input. Each element is the report of one file, or the one-line error that
/// stopped it (naming the file).
pub fn run(req: &InspectRequest) -> Vec<Result<FileReport>> {
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
                req.password.as_ref(),
                req.dialect,
            )
        })
        .collect();
    link_keys(&mut reports);
    reports
}

/// Inspects one input's bytes; `source` names it in errors.
pub fn inspect_bytes(
    source: &str,
    data: &[u8],
    password: Option<&Password>,
    dialect: Dialect,
) -> Result<FileReport> {
    let mut report = FileReport {
        source: source.to_string(),
        items: Vec::new(),
        warnings: Vec::new(),
    };
    let pw = password.map(Password::as_bytes);
    let found = detect(data, pw, &mut report.warnings).map_err(|e| anyhow!("{source}: {e}"))?;
    for (
        i,
        Entry {
            origin,
            alias,
            found,
        },
    ) in found.into_iter().enumerate()
    {
        let kind = match found {
            Found::Cert(der) => ItemKind::Certificate(Box::new(
                cert_info(&der, dialect).map_err(|e| anyhow!("{source}: {}{e}", at(&origin)))?,
            )),
            Found::Csr(der) => ItemKind::Csr(Box::new(
                csr_info(&der, dialect).map_err(|e| anyhow!("{source}: {}{e}", at(&origin)))?,
            )),
            Found::Key(key) => ItemKind::PrivateKey(key),
            Found::LockedKey { reason, has_chain } => ItemKind::PrivateKey(KeyItem {
                info: None,
                encrypted: true,
                spki: None,
                // The entry's chain follows it, leaf first: the key is the leaf's.
                belongs_to: has_chain.then(|| (source.to_string(), i + 2)),
                locked: Some(reason),
            }),
            Found::Public(info) => ItemKind::PublicKey(info),
        };
        report.items.push(Item {
            index: i + 1,
            origin,
            alias,
            kind,
        });
    }
    if report.items.is_empty() {
        return Err(anyhow!("{source}: holds no certificate, request or key"));
    }
    Ok(report)
}

fn at(origin: &Option<String>) -> String {
    origin
        .as_ref()
        .map(|o| format!("{o}: "))
        .unwrap_or_default()
}

enum Found {
    Cert(Vec<u8>),
    Csr(Vec<u8>),
    Key(KeyItem),
    /// A store's key entry listed without its key; its chain follows it.
    LockedKey {
        reason: &'static str,
        has_chain: bool,
    },
    Public(KeyInfo),
}

/// One thing found in an input, with where it was found and its store alias.
struct Entry {
    origin: Option<String>,
    alias: Option<String>,
    found: Found,
}

impl Entry {
    fn new(origin: Option<String>, found: Found) -> Entry {
        Entry {
            origin,
            alias: None,
            found,
        }
    }

    fn aliased(origin: String, alias: &str, found: Found) -> Entry {
        Entry {
            origin: Some(origin),
            alias: Some(alias.to_string()),
            found,
        }
    }
}

type Detected = Vec<Entry>;

/// A container reader's error as one line, prefixed with the container's name once.
fn store_error(kind: &str, e: &formats::Error) -> String {
    let msg = e.to_string();
    if msg.starts_with(kind) {
        msg
    } else {
        format!("{kind}: {msg}")
    }
}

/// Recognises the content: PEM, JKS, then DER (certificate, CSR, key, public key, p7b, PKCS#12).
fn detect(data: &[u8], pw: Option<&[u8]>, warnings: &mut Vec<String>) -> Result<Detected, String> {
    if data.is_empty() {
        return Err("empty file".into());
    }
    if jks::is_jks(data) {
        let store = jks::read(data, pw).map_err(|e| store_error("JKS", &e))?;
        if !store.integrity_checked {
            warnings.push(
                "JKS read without its password: the store's integrity was not checked".into(),
            );
        }
        return Ok(from_store(store, "JKS"));
    }
    if contains(data, b"-----BEGIN ") {
        return detect_pem(data, pw, warnings);
    }
    detect_der(data, pw)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// The entries of a key store: each key entry (decrypted or locked) followed by its chain, leaf
/// first, then the trusted certificate entries.
fn from_store(store: formats::Store, kind: &str) -> Detected {
    let mut out = Vec::new();
    let chain = |out: &mut Detected, alias: &str, certs: Vec<Vec<u8>>| {
        let shown = crate::term::escape(alias);
        for (i, der) in certs.into_iter().enumerate() {
            out.push(Entry::aliased(
                format!("{kind} key entry '{shown}' chain[{i}]"),
                alias,
                Found::Cert(der),
            ));
        }
    };
    for entry in store.keys {
        let origin = format!("{kind} key entry '{}'", crate::term::escape(&entry.alias));
        out.push(Entry::aliased(
            origin,
            &entry.alias,
            Found::Key(KeyItem {
                info: Some(entry.key.info()),
                encrypted: true,
                spki: Some(entry.key.public_key_der()),
                belongs_to: None,
                locked: None,
            }),
        ));
        chain(&mut out, &entry.alias, entry.chain);
    }
    let reason = if store.integrity_checked {
        "the key has a password of its own"
    } else {
        "read without the store password"
    };
    for entry in store.locked_keys {
        let origin = format!("{kind} key entry '{}'", crate::term::escape(&entry.alias));
        out.push(Entry::aliased(
            origin,
            &entry.alias,
            Found::LockedKey {
                reason,
                has_chain: !entry.chain.is_empty(),
            },
        ));
        chain(&mut out, &entry.alias, entry.chain);
    }
    for entry in store.certs {
        let origin = format!(
            "{kind} trusted entry '{}'",
            crate::term::escape(&entry.alias)
        );
        out.push(Entry::aliased(origin, &entry.alias, Found::Cert(entry.der)));
    }
    out
}

fn detect_pem(
    data: &[u8],
    pw: Option<&[u8]>,
    warnings: &mut Vec<String>,
) -> Result<Detected, String> {
    let blocks = pem::parse_many(data).map_err(|e| format!("malformed PEM: {e}"))?;
    if blocks.len() < count(data, b"-----BEGIN ") {
        return Err("truncated PEM: a BEGIN line has no matching END line".into());
    }
    let mut out = Vec::new();
    for (n, block) in blocks.iter().enumerate() {
        let label = format!("PEM block {} ({})", n + 1, crate::term::escape(block.tag()));
        let origin = (blocks.len() > 1).then(|| label.clone());
        let contents = block.contents();
        match block.tag() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                out.push(Entry::new(origin, Found::Cert(contents.to_vec())));
            }
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                out.push(Entry::new(origin, Found::Csr(contents.to_vec())))
            }
            "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                let text = pem::encode(block);
                let hint = match block.tag() {
                    "RSA PRIVATE KEY" => Some("RSA"),
                    "EC PRIVATE KEY" => Some("EC"),
                    _ => None,
                };
                let key =
                    key_item(text.as_bytes(), pw, hint).map_err(|e| format!("{label}: {e}"))?;
                out.push(Entry::new(origin, Found::Key(key)));
            }
            "PUBLIC KEY" => {
                let info = KeyInfo::from_spki_der(contents).map_err(|e| format!("{label}: {e}"))?;
                out.push(Entry::new(origin, Found::Public(info)));
            }
            "PKCS7" | "PKCS #7 SIGNED DATA" | "CMS" => {
                let certs = p7b::read(contents).map_err(|e| format!("{label}: PKCS#7: {e}"))?;
                for (i, der) in certs.into_iter().enumerate() {
                    out.push(Entry::new(
                        Some(format!("{label} certificate {}", i + 1)),
                        Found::Cert(der),
                    ));
                }
            }
            // `openssl ecparam -genkey` writes the curve before the key; the key names it too.
            "EC PARAMETERS" => {}
            other => warnings.push(format!(
                "skipped a PEM '{}' block",
                crate::term::escape(other)
            )),
        }
    }
    Ok(out)
}

fn detect_der(data: &[u8], pw: Option<&[u8]>) -> Result<Detected, String> {
    if data[0] != 0x30 {
        return Err(
            "not a certificate, request, key or store (neither PEM, DER, JKS nor PKCS#12)".into(),
        );
    }
    let one = |found: Found| Ok(vec![Entry::new(None, found)]);
    if let Ok((rest, _)) = X509Certificate::from_der(data)
        && rest.is_empty()
    {
        return one(Found::Cert(data.to_vec()));
    }
    if let Ok((rest, _)) = X509CertificationRequest::from_der(data)
        && rest.is_empty()
    {
        return one(Found::Csr(data.to_vec()));
    }
    // A PFX starts with INTEGER 3, which no key, SPKI or ContentInfo does: test it first, so
    // that a store is never described as something else.
    if looks_like_pfx(data) {
        let Some(pw) = pw else {
            return Err("a PKCS#12 store: give its password with --passin".into());
        };
        let store = p12::read(data, pw).map_err(|e| store_error("PKCS#12", &e))?;
        return Ok(from_store(store, "PKCS#12"));
    }
    if keyfile::is_encrypted(data) {
        return one(Found::Key(key_item(data, pw, None)?));
    }
    if let Ok(key) = key_item(data, None, None) {
        return one(Found::Key(key));
    }
    if let Ok(info) = KeyInfo::from_spki_der(data)
        && info.kind != "unknown"
    {
        return one(Found::Public(info));
    }
    if let Ok(certs) = p7b::read(data) {
        return Ok(certs
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                Entry::new(
                    Some(format!("PKCS#7 certificate {}", i + 1)),
                    Found::Cert(d),
                )
            })
            .collect());
    }
    Err("unrecognised, truncated or garbled DER (not a certificate, request, key, PKCS#7 or PKCS#12)".into())
}

/// PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, ... } (RFC 7292 §4).
fn looks_like_pfx(data: &[u8]) -> bool {
    let body = match data.get(1) {
        Some(&l) if l < 0x80 => data.get(2..),
        Some(&l) => data.get(2 + usize::from(l & 0x7F)..),
        None => None,
    };
    body.is_some_and(|b| b.starts_with(&[0x02, 0x01, 0x03, 0x30]))
}

fn key_item(data: &[u8], pw: Option<&[u8]>, hint: Option<&'static str>) -> Result<KeyItem, String> {
    let encrypted = keyfile::is_encrypted(data);
    if encrypted && pw.is_none() {
        let info = hint.map(|kind| KeyInfo {
            kind,
            bits: 0,
            curve: None,
        });
        return Ok(KeyItem {
            info,
            encrypted,
            spki: None,
            belongs_to: None,
            locked: None,
        });
    }
    let key = keyfile::decode_private_key(data, pw).map_err(|e| e.to_string())?;
    Ok(KeyItem {
        info: Some(key.info()),
        encrypted,
        spki: Some(key.public_key_der()),
        belongs_to: None,
        locked: None,
    })
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
            if let ItemKind::PrivateKey(k) = &mut item.kind
                && let Some(spki) = &k.spki
            {
                let mut matches = certs.iter().filter(|(_, _, s)| s == spki);
                let own = certs.iter().find(|(src, _, s)| *src == source && s == spki);
                k.belongs_to = own
                    .or_else(|| matches.next())
                    .map(|(src, i, _)| (src.clone(), *i));
            }
        }
    }
}

fn hex(bytes: &[u8], sep: &str) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(sep)
}

fn names(der: &[u8], dialect: Dialect) -> Result<(Rendered, String), String> {
    let entries = oneline::entries(der).map_err(|e| e.to_string())?;
    Ok((
        oneline::render(&entries, dialect),
        oneline::rfc4514(&entries),
    ))
}

fn cert_info(der: &[u8], dialect: Dialect) -> Result<CertInfo, String> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("malformed certificate: {e}"))?;
    let (subject, subject_rfc4514) = names(cert.subject().as_raw(), dialect)?;
    let (issuer, issuer_rfc4514) = names(cert.issuer().as_raw(), dialect)?;
    let time = |t: &x509_parser::time::ASN1Time| {
        OffsetDateTime::from_unix_timestamp(t.timestamp())
            .map_err(|e| format!("time out of range: {e}"))
    };
    let bc = cert
        .basic_constraints()
        .map_err(|e| format!("malformed basicConstraints: {e}"))?;
    let key_usage = match cert
        .key_usage()
        .map_err(|e| format!("malformed keyUsage: {e}"))?
    {
        Some(ku) => {
            let k = ku.value;
            [
                (k.digital_signature(), "digitalSignature"),
                (k.non_repudiation(), "nonRepudiation"),
                (k.key_encipherment(), "keyEncipherment"),
                (k.data_encipherment(), "dataEncipherment"),
                (k.key_agreement(), "keyAgreement"),
                (k.key_cert_sign(), "keyCertSign"),
                (k.crl_sign(), "cRLSign"),
                (k.encipher_only(), "encipherOnly"),
                (k.decipher_only(), "decipherOnly"),
            ]
            .into_iter()
            .filter(|(set, _)| *set)
            .map(|(_, n)| n.to_string())
            .collect()
        }
        None => Vec::new(),
    };
    let ext_key_usage = match cert
        .extended_key_usage()
        .map_err(|e| format!("malformed extKeyUsage: {e}"))?
    {
        Some(eku) => {
            let e = eku.value;
            let mut v: Vec<String> = [
                (e.server_auth, "serverAuth"),
                (e.client_auth, "clientAuth"),
                (e.code_signing, "codeSigning"),
                (e.email_protection, "emailProtection"),
                (e.time_stamping, "timeStamping"),
                (e.ocsp_signing, "OCSPSigning"),
                (e.any, "anyExtendedKeyUsage"),
            ]
            .into_iter()
            .filter(|(set, _)| *set)
            .map(|(_, n)| n.to_string())
            .collect();
            v.extend(e.other.iter().map(|o| o.to_id_string()));
            v
        }
        None => Vec::new(),
    };
    let san = match cert
        .subject_alternative_name()
        .map_err(|e| format!("malformed subjectAltName: {e}"))?
    {
        Some(s) => s.value.general_names.iter().map(san_entry).collect(),
        None => Vec::new(),
    };
    let mut skid = None;
    let mut akid = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => skid = Some(hex(id.0, ":")),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                akid = a.key_identifier.as_ref().map(|id| hex(id.0, ":"))
            }
            _ => {}
        }
    }
    let sig_oid = &cert.signature_algorithm.algorithm;
    let signature_algorithm =
        x509_parser::objects::oid2sn(sig_oid, x509_parser::objects::oid_registry())
            .map(str::to_string)
            .unwrap_or_else(|_| sig_oid.to_id_string());
    Ok(CertInfo {
        subject,
        issuer,
        subject_rfc4514,
        issuer_rfc4514,
        serial: hex(cert.raw_serial(), ""),
        not_before: time(&cert.validity().not_before)?,
        not_after: time(&cert.validity().not_after)?,
        key: KeyInfo::from_spki(cert.public_key()),
        signature_algorithm,
        san,
        is_ca: bc.as_ref().is_some_and(|b| b.value.ca),
        path_len: bc.and_then(|b| b.value.path_len_constraint),
        key_usage,
        ext_key_usage,
        skid,
        akid,
        sha256_fingerprint: hex(&Sha256::digest(der), ":"),
        spki: cert.public_key().raw.to_vec(),
    })
}

fn csr_info(der: &[u8], dialect: Dialect) -> Result<CsrInfo, String> {
    let (_, csr) =
        X509CertificationRequest::from_der(der).map_err(|e| format!("malformed CSR: {e}"))?;
    let info = &csr.certification_request_info;
    let (subject, subject_rfc4514) = names(info.subject.as_raw(), dialect)?;
    let mut san = Vec::new();
    if let Some(exts) = csr.requested_extensions() {
        for ext in exts {
            if let ParsedExtension::SubjectAlternativeName(s) = ext {
                san.extend(s.general_names.iter().map(san_entry));
            }
        }
    }
    Ok(CsrInfo {
        subject,
        subject_rfc4514,
        key: KeyInfo::from_spki(&info.subject_pki),
        san,
    })
}

fn san_entry(name: &GeneralName<'_>) -> SanEntry {
    let (kind, value) = match name {
        GeneralName::DNSName(v) => ("DNS", v.to_string()),
        GeneralName::RFC822Name(v) => ("email", v.to_string()),
        GeneralName::URI(v) => ("URI", v.to_string()),
        GeneralName::IPAddress(b) => (
            "IP",
            match b.len() {
                4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
                16 => {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(b);
                    std::net::Ipv6Addr::from(a).to_string()
                }
                _ => hex(b, ":"),
            },
        ),
        GeneralName::DirectoryName(n) => (
            "DirName",
            oneline::entries(n.as_raw())
                .map(|e| oneline::rfc4514(&e))
                .unwrap_or_else(|e| e.to_string()),
        ),
        GeneralName::RegisteredID(oid) => ("RID", oid.to_id_string()),
        GeneralName::OtherName(oid, _) => ("other", oid.to_id_string()),
        _ => ("other", "(unsupported name form)".to_string()),
    };
    SanEntry {
        kind: kind.to_string(),
        value,
    }
}

/// `expired 3 days ago`, `expires in 364 days`, `not valid before ...`.
pub fn validity_note(info: &CertInfo, now: OffsetDateTime) -> String {
    if now > info.not_after {
        format!("expired {} days ago", (now - info.not_after).whole_days())
    } else if now < info.not_before {
        format!(
            "not valid yet, expires in {} days",
            (info.not_after - now).whole_days()
        )
    } else {
        format!("expires in {} days", (info.not_after - now).whole_days())
    }
}

fn item_name(source: &str, index: usize) -> String {
    format!("{} #{index}", crate::term::escape(source))
}

fn kv(out: &mut String, k: &str, v: &str) {
    use std::fmt::Write;
    let _ = writeln!(out, "  {k:<20} {v}");
}

fn san_text(san: &[SanEntry]) -> String {
    san.iter()
        .map(|s| format!("{}:{}", s.kind, crate::term::escape(&s.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The human-readable report of one input. Every string that comes from the input is escaped.
pub fn text(report: &FileReport, now: OffsetDateTime) -> String {
    use std::fmt::Write;
    let e = crate::term::escape;
    let mut out = String::new();
    for item in &report.items {
        let origin = item
            .origin
            .as_ref()
            .map(|o| format!(" ({o})"))
            .unwrap_or_default();
        let head = item_name(&report.source, item.index);
        match &item.kind {
            ItemKind::Certificate(c) => {
                let _ = writeln!(out, "{head}: certificate{origin}");
                if let Some(alias) = &item.alias {
                    kv(&mut out, "alias:", &e(alias));
                }
                kv(&mut out, "subject:", &e(&c.subject.text()));
                kv(&mut out, "issuer:", &e(&c.issuer.text()));
                kv(&mut out, "subject (RFC 4514):", &e(&c.subject_rfc4514));
                kv(&mut out, "serial:", &c.serial);
                kv(
                    &mut out,
                    "not before:",
                    &crate::pki::cert::display_time(c.not_before),
                );
                let after = format!(
                    "{} ({})",
                    crate::pki::cert::display_time(c.not_after),
                    validity_note(c, now)
                );
                kv(&mut out, "not after:", &after);
                kv(&mut out, "key:", &c.key.to_string());
                kv(&mut out, "signature:", &c.signature_algorithm);
                if !c.san.is_empty() {
                    kv(&mut out, "SAN:", &san_text(&c.san));
                }
                let ca = match (c.is_ca, c.path_len) {
                    (true, Some(n)) => format!("CA, path length {n}"),
                    (true, None) => "CA".to_string(),
                    (false, _) => "end entity".to_string(),
                };
                kv(&mut out, "basic constraints:", &ca);
                if !c.key_usage.is_empty() {
                    kv(&mut out, "key usage:", &c.key_usage.join(", "));
                }
                if !c.ext_key_usage.is_empty() {
                    kv(&mut out, "ext key usage:", &c.ext_key_usage.join(", "));
                }
                if let Some(id) = &c.skid {
                    kv(&mut out, "subject key id:", id);
                }
                if let Some(id) = &c.akid {
                    kv(&mut out, "authority key id:", id);
                }
                kv(&mut out, "SHA-256:", &c.sha256_fingerprint);
            }
            ItemKind::Csr(c) => {
                let _ = writeln!(out, "{head}: certificate request{origin}");
                kv(&mut out, "subject:", &e(&c.subject.text()));
                kv(&mut out, "subject (RFC 4514):", &e(&c.subject_rfc4514));
                kv(&mut out, "key:", &c.key.to_string());
                if !c.san.is_empty() {
                    kv(&mut out, "requested SAN:", &san_text(&c.san));
                }
            }
            ItemKind::PrivateKey(KeyItem {
                locked: Some(why),
                belongs_to,
                ..
            }) => {
                let belongs = match belongs_to {
                    Some((src, i)) => format!("belongs to certificate {}", item_name(src, *i)),
                    None => "the entry has no certificate".to_string(),
                };
                let _ = writeln!(
                    out,
                    "{head}: private key{origin}: not decrypted ({why}), {belongs}"
                );
            }
            ItemKind::PrivateKey(k) => {
                let what = match &k.info {
                    Some(i) if i.bits > 0 || i.curve.is_some() => i.to_string(),
                    Some(i) => format!("{} (size hidden by encryption)", i.kind),
                    None => "type hidden by encryption (give --passin to see it)".to_string(),
                };
                let enc = if k.encrypted {
                    "encrypted"
                } else {
                    "not encrypted"
                };
                let belongs = match &k.belongs_to {
                    Some((src, i)) => format!("belongs to certificate {}", item_name(src, *i)),
                    None if k.spki.is_some() => "matches no certificate given".to_string(),
                    None => "certificate unknown while encrypted".to_string(),
                };
                let _ = writeln!(out, "{head}: private key{origin}: {what}, {enc}, {belongs}");
            }
            ItemKind::PublicKey(i) => {
                let _ = writeln!(out, "{head}: public key{origin}: {i}");
            }
        }
    }
    out
}

/// The object `--format json` prints for each item; every key is always present.
#[derive(Debug, Serialize)]
pub struct JsonItem {
    /// `certificate`, `csr`, `private_key` or `public_key`.
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

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// The JSON objects of one input.
pub fn json_items(report: &FileReport, dialect: Dialect) -> Vec<JsonItem> {
    let mut out = Vec::new();
    for item in &report.items {
        let mut j = JsonItem {
            kind: "",
            source: report.source.clone(),
            index: item.index,
            origin: item.origin.clone(),
            alias: item.alias.clone(),
            dialect: dialect.name(),
            subject: None,
            issuer: None,
            subject_rfc4514: None,
            issuer_rfc4514: None,
            serial: None,
            not_before: None,
            not_after: None,
            key: None,
            encrypted: None,
            locked: None,
            belongs_to: None,
            signature_algorithm: None,
            san: Vec::new(),
            is_ca: None,
            path_len: None,
            key_usage: Vec::new(),
            ext_key_usage: Vec::new(),
            subject_key_id: None,
            authority_key_id: None,
            sha256_fingerprint: None,
            warnings: Vec::new(),
        };
        let key = |i: &KeyInfo| JsonKey {
            kind: i.kind,
            bits: (i.bits > 0).then_some(i.bits),
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
                j.warnings = c
                    .subject
                    .warnings
                    .iter()
                    .map(|w| format!("subject: {w}"))
                    .collect();
            }
            ItemKind::PrivateKey(k) => {
                j.kind = "private_key";
                j.key = k.info.as_ref().map(key);
                j.encrypted = Some(k.encrypted);
                j.locked = Some(k.locked.is_some());
                j.belongs_to = k.belongs_to.as_ref().map(|(s, i)| JsonRef {
                    source: s.clone(),
                    index: *i,
                });
            }
            ItemKind::PublicKey(i) => {
                j.kind = "public_key";
                j.key = Some(key(i));
            }
        }
        out.push(j);
    }
    out
}

/// The warnings of a certificate's subject and issuer strings, each saying which one.
pub fn name_warnings(c: &CertInfo) -> Vec<String> {
    let mut w: Vec<String> = c
        .subject
        .warnings
        .iter()
        .map(|w| format!("subject: {w}"))
        .collect();
    w.extend(c.issuer.warnings.iter().map(|w| format!("issuer: {w}")));
    w
}

/// The `--field` line of a certificate (exact bytes, newline-terminated).
pub fn field_line(c: &CertInfo, issuer: bool) -> Result<Vec<u8>> {
    let r = if issuer { &c.issuer } else { &c.subject };
    check_one_line(&r.bytes)?;
    let mut line = r.bytes.clone();
    line.push(b'\n');
    Ok(line)
}

/// `--field` promises the exact bytes the server compares, so a name holding a character that
/// must not reach the terminal raw ([`crate::term::first_unsafe`]: C0/C1 controls, bidi
/// controls; only TiDB strings carry decoded text) is refused rather than altered: an escaped
/// form would not match. The message shows the name escaped.
fn check_one_line(bytes: &[u8]) -> Result<()> {
    if let Some(what) = crate::term::first_unsafe(bytes) {
        return Err(anyhow!(
            "the name contains control characters or bidi controls ({what}), which cannot be \
             printed as they are: {}",
            crate::term::escape(&String::from_utf8_lossy(bytes))
        ));
    }
    Ok(())
}

/// `ALTER USER 'U'@'H' REQUIRE SUBJECT '...' AND ISSUER '...';` (one line, exact bytes), with
/// every literal quoted for a session in `mode` ([`oneline::sql_literal`]).
pub fn sql_line(c: &CertInfo, user: &str, host: &str, mode: SqlMode) -> Result<Vec<u8>> {
    let lit = |what: &str, bytes: &[u8]| {
        oneline::sql_literal(bytes, mode).map_err(|e| anyhow!("the {what} {e}"))
    };
    let mut out = b"ALTER USER ".to_vec();
    out.extend(lit("user name", user.as_bytes())?);
    out.push(b'@');
    out.extend(lit("host", host.as_bytes())?);
    out.extend_from_slice(b" REQUIRE SUBJECT ");
    out.extend(lit("subject", &c.subject.bytes)?);
    out.extend_from_slice(b" AND ISSUER ");
    out.extend(lit("issuer", &c.issuer.bytes)?);
    out.extend_from_slice(b";\n");
    Ok(out)
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

    #[test]
    fn pfx_heuristic() {
        assert!(looks_like_pfx(&[
            0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03, 0x30
        ]));
        assert!(!looks_like_pfx(&[
            0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30
        ]));
        assert!(!looks_like_pfx(&[0x30]));
    }
}
