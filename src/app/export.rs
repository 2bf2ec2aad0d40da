//! `dbtls export`: certificates (and a key) as PEM, .p7b, .jks or .p12, and the CA bundle.
//!
//! Inputs are read here, ordered by [`crate::pki::chain`], encoded by [`crate::formats`] and
//! written through [`crate::io`], all files of one run in one transaction.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::app::inputs::{read_all_certs, read_key};
use crate::app::protection::NEW_KEY_PASSWORD;
use crate::formats::{self, CertEntry, KeyEntry, Store, p7b, p12};
use crate::io::password::{self, PassSpec, Password, Purpose};
use crate::io::{self, Secret, Transaction};
use crate::pki::chain;
use crate::pki::keyfile;

/// The container to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// PEM: the key (if any) first, then the chain.
    Pem,
    /// PKCS#7 certs-only; `pem` selects `-----BEGIN PKCS7-----` over DER.
    P7b {
        /// Write PEM rather than DER.
        pem: bool,
    },
    /// Java KeyStore.
    Jks,
    /// PKCS#12; `legacy` selects 3DES/SHA-1 at 2048 iterations.
    P12 {
        /// Write the legacy profile.
        legacy: bool,
    },
}

impl Container {
    /// The format's name as typed.
    pub fn name(self) -> &'static str {
        match self {
            Container::Pem => "pem",
            Container::P7b { .. } => "p7b",
            Container::Jks => "jks",
            Container::P12 { .. } => "p12",
        }
    }
}

/// A private key file and how to open it.
#[derive(Debug, Clone)]
pub struct KeyInput {
    /// The key file (PEM or DER, plain or encrypted).
    pub path: PathBuf,
    /// The password of an encrypted key (asked on the terminal when needed and absent).
    pub passin: Option<PassSpec>,
}

/// `dbtls export {pem|p7b|jks|p12}`.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// What to write.
    pub container: Container,
    /// Where.
    pub out: PathBuf,
    /// Certificate files (PEM with one or more certificates, DER, or .p7b).
    pub certs: Vec<PathBuf>,
    /// With a key: a key store; without: a trust store.
    pub key: Option<KeyInput>,
    /// The store password (jks, p12: required, asked on a terminal) or the PEM key's new password.
    pub passout: Option<PassSpec>,
    /// The alias of the key entry, or the base alias of trusted certificates.
    pub alias: Option<String>,
    /// Replace an existing output.
    pub force: bool,
}

/// What an export wrote.
#[derive(Debug, Default)]
pub struct ExportOutcome {
    /// Files written.
    pub written: Vec<PathBuf>,
    /// The files written, described for `--format json`.
    pub files: Vec<crate::app::written::WrittenFile>,
    /// One line per file or entry, for the user.
    pub summary: Vec<String>,
    /// Warnings (incomplete chain, ...).
    pub warnings: Vec<String>,
}

/// An alias made from a certificate's CN: lowercase (Java lowercases JKS aliases), letters,
/// digits, `.`, `_` and `-` kept, other runs turned into one `-`; `fallback` when nothing is left.
pub fn alias_from_cert(der: &[u8], fallback: &str) -> String {
    let cn = chain::common_name(der).unwrap_or_default().to_lowercase();
    let mut out = String::new();
    for c in cn.chars() {
        if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(64).collect();
    if out.is_empty() {
        fallback.to_string()
    } else {
        out
    }
}

/// The aliases given out so far (lowercased), and for each base the next suffix to try, so that
/// making 10,000 aliases unique is linear, not cubic (a scan of a list per candidate suffix).
#[derive(Default)]
struct Taken {
    set: HashSet<String>,
    next: HashMap<String, usize>,
}

/// Makes `alias` unique among `taken` (case-insensitively): `name`, `name-2`, `name-3`, ...
fn unique(alias: String, taken: &mut Taken) -> String {
    let base = alias.to_lowercase();
    let mut candidate = alias.clone();
    let mut n = taken.next.get(&base).copied().unwrap_or(2);
    while taken.set.contains(&candidate.to_lowercase()) {
        candidate = format!("{alias}-{n}");
        n += 1;
    }
    taken.next.insert(base, n);
    taken.set.insert(candidate.to_lowercase());
    candidate
}

/// A trust store of `certs` (aliases from `base` or each CN).
pub(crate) fn trust_store(certs: &[Vec<u8>], base: Option<&str>) -> Store {
    let mut taken = Taken::default();
    let certs = certs
        .iter()
        .map(|der| {
            let alias = match base {
                Some(b) => b.to_lowercase(),
                None => alias_from_cert(der, "ca"),
            };
            CertEntry {
                alias: unique(alias, &mut taken),
                der: der.clone(),
            }
        })
        .collect();
    Store {
        certs,
        ..Store::default()
    }
}

pub(crate) fn pem_certs(certs: &[Vec<u8>]) -> String {
    certs
        .iter()
        .map(|c| crate::pki::cert::Certificate::from_der(c.clone()).to_pem())
        .collect::<Vec<_>>()
        .concat()
}

pub(crate) fn store_password(spec: Option<&PassSpec>, what: &str) -> Result<Password> {
    password::read(spec, Purpose::New, &format!("{what} store password"))
}

/// The bytes of an export: a key or key store is secret (0600), certificates are public (0644).
enum Output {
    Secret(Secret),
    Public(Vec<u8>),
}

/// Runs `dbtls export {pem|p7b|jks|p12}`.
pub fn run(req: &ExportRequest) -> Result<ExportOutcome> {
    let mut outcome = ExportOutcome::default();
    let given = read_all_certs(&req.certs)?;
    let key = req
        .key
        .as_ref()
        .map(|k| read_key(&k.path, k.passin.as_ref()))
        .transpose()?;
    let ordered = match &key {
        Some(k) => chain::order_for_key(&given, &k.public_key_der())?,
        None => chain::order_all(&given)?,
    };
    outcome.warnings.extend(ordered.warnings);
    let certs = ordered.certs;
    let what = match (req.container, key.is_some()) {
        (Container::Jks | Container::P12 { .. }, true) => "key store",
        (Container::Jks | Container::P12 { .. }, false) => "trust store",
        (_, true) => "key and chain",
        (_, false) => "certificates",
    };
    let output = match req.container {
        Container::Pem => {
            let mut text = zeroize::Zeroizing::new(String::new());
            if let Some(k) = &key {
                match &req.passout {
                    Some(spec) => {
                        let pw = password::read(Some(spec), Purpose::New, NEW_KEY_PASSWORD)?;
                        text.push_str(&keyfile::encrypt_pem(
                            k,
                            pw.as_bytes(),
                            keyfile::Kdf::Pbkdf2,
                        )?);
                        outcome.summary.push(
                            "private key (encrypted PKCS#8, PBKDF2-HMAC-SHA256 + AES-256-CBC)"
                                .into(),
                        );
                    }
                    None => {
                        text.push_str(&k.to_pem());
                        outcome
                            .summary
                            .push("private key (unencrypted PKCS#8)".into());
                    }
                }
            }
            text.push_str(&pem_certs(&certs));
            if key.is_some() {
                Output::Secret(text.into())
            } else {
                Output::Public(text.as_bytes().to_vec())
            }
        }
        Container::P7b { pem } => {
            let bytes = if pem {
                p7b::write_pem(&certs)?.into_bytes()
            } else {
                p7b::write(&certs)?
            };
            Output::Public(bytes)
        }
        Container::Jks | Container::P12 { .. } => {
            let store = match key {
                Some(key) => {
                    let alias = req
                        .alias
                        .as_ref()
                        .map(|a| a.to_lowercase())
                        .unwrap_or_else(|| alias_from_cert(&certs[0], "key"));
                    Store {
                        keys: vec![KeyEntry {
                            alias,
                            key,
                            chain: certs.clone(),
                        }],
                        ..Store::default()
                    }
                }
                None => trust_store(&certs, req.alias.as_deref()),
            };
            let pw = store_password(req.passout.as_ref(), req.container.name())?;
            let bytes = match req.container {
                Container::P12 { legacy: true } => {
                    p12::write(&store, pw.as_bytes(), p12::P12Encryption::Legacy)?
                }
                Container::P12 { legacy: false } => {
                    p12::write(&store, pw.as_bytes(), p12::P12Encryption::Modern)?
                }
                _ => formats::jks::write(&store, pw.as_bytes())?,
            };
            for k in &store.keys {
                outcome.summary.push(format!(
                    "PrivateKeyEntry '{}' with a chain of {}",
                    k.alias,
                    k.chain.len()
                ));
            }
            for c in &store.certs {
                outcome
                    .summary
                    .push(format!("trustedCertEntry '{}'", c.alias));
            }
            Output::Secret(Secret::new(bytes))
        }
    };
    if !matches!(req.container, Container::Jks | Container::P12 { .. }) {
        for c in &certs {
            outcome
                .summary
                .push(format!("certificate {}", chain::describe(c)));
        }
    }
    // Converting a file onto itself would destroy the input (a key in a store's place).
    let mut inputs: Vec<&Path> = req.certs.iter().map(PathBuf::as_path).collect();
    inputs.extend(req.key.as_ref().map(|k| k.path.as_path()));
    io::check_not_input(&[&req.out], &inputs)?;
    let mut tx = Transaction::new(req.force);
    match &output {
        Output::Secret(secret) => tx.stage_secret(&req.out, secret)?,
        Output::Public(bytes) => tx.stage_public(&req.out, bytes)?,
    }
    let committed = tx.commit_files()?;
    outcome.files = crate::app::written::describe(&committed, &[]);
    outcome.written = committed.into_iter().map(|c| c.path).collect();
    outcome
        .summary
        .insert(0, format!("{} {what}:", req.container.name()));
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_lowercase_and_unique() {
        let mut taken = Taken::default();
        assert_eq!(unique("ca".into(), &mut taken), "ca");
        assert_eq!(unique("CA".into(), &mut taken), "CA-2");
        assert_eq!(unique("ca".into(), &mut taken), "ca-3");
        // A literal "x-2" taken first is skipped over by the suffixes of "x".
        assert_eq!(unique("x-2".into(), &mut taken), "x-2");
        assert_eq!(unique("x".into(), &mut taken), "x");
        assert_eq!(unique("x".into(), &mut taken), "x-3");
        let (chain, _) = crate::pki::chain::fixtures::three();
        assert_eq!(alias_from_cert(&chain[0], "x"), "leaf");
        assert_eq!(alias_from_cert(b"junk", "x"), "x");
    }
}
