//! What an input holds, recognised from its content (never its name), and the unpacking of
//! the containers that carry several items.
//!
//! Order of the tests: JKS (its magic number), PEM (any number of blocks), then DER:
//! certificate, CSR, CRL, PKCS#12, private key, SubjectPublicKeyInfo, PKCS#7. A store is tested
//! before keys so that it is never described as something else. Items come out as bytes (or a
//! decoded key) with where they were found; [`crate::pki::describe`] says what they are.

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;

use super::{Error, Store, jks, p7b, p12};
use crate::pki::key::{KeyInfo, PrivateKey};
use crate::pki::keyfile;

/// Everything found in one input.
#[derive(Debug)]
pub struct Detection {
    /// The items, in the order they appear.
    pub items: Vec<Detected>,
    /// Non-fatal remarks (a JKS read without its password, a skipped PEM block).
    pub warnings: Vec<String>,
}

/// One thing found in an input, with where it was found and its store alias.
#[derive(Debug)]
pub struct Detected {
    /// Where inside the input (a PEM block, a store entry), when that says more than the file.
    /// Text from the input in it is already escaped for a terminal.
    pub origin: Option<String>,
    /// The alias (JKS) or friendlyName (PKCS#12) of the store entry, unescaped.
    pub alias: Option<String>,
    /// What it is.
    pub content: Content,
}

/// The kinds of things an input holds.
#[derive(Debug)]
pub enum Content {
    /// A DER X.509 certificate.
    Certificate(Vec<u8>),
    /// A DER PKCS#10 certificate signing request.
    Csr(Vec<u8>),
    /// A DER X.509 certificate revocation list.
    Crl(Vec<u8>),
    /// A store's key entry listed without its key; its chain follows it, leaf first.
    LockedKey {
        /// Why the key was not decrypted.
        reason: &'static str,
        /// Whether the entry has a certificate chain.
        has_chain: bool,
    },
    /// A private key, decoded when it could be.
    PrivateKey(DetectedKey),
    /// A SubjectPublicKeyInfo.
    PublicKey(KeyInfo),
}

/// A private key as found: decoded, or still encrypted (no password was given).
#[derive(Debug)]
pub struct DetectedKey {
    /// The key, when it is not encrypted or was decrypted.
    pub key: Option<PrivateKey>,
    /// Whether it is stored encrypted.
    pub encrypted: bool,
    /// The key type a legacy PEM label names (`RSA PRIVATE KEY`), for a key left encrypted.
    pub kind_hint: Option<&'static str>,
}

/// Recognises the content of one input and unpacks its containers. `password` opens
/// encrypted keys, checks a JKS and opens a PKCS#12 store.
///
/// The error is one line without the input's name (the caller adds it).
pub fn detect(data: &[u8], password: Option<&[u8]>) -> Result<Detection, Error> {
    let mut warnings = Vec::new();
    let items = detect_items(data, password, &mut warnings).map_err(Error::Malformed)?;
    Ok(Detection { items, warnings })
}

fn detect_items(
    data: &[u8],
    pw: Option<&[u8]>,
    warnings: &mut Vec<String>,
) -> Result<Vec<Detected>, String> {
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

impl Detected {
    fn new(origin: Option<String>, content: Content) -> Detected {
        Detected {
            origin,
            alias: None,
            content,
        }
    }

    fn aliased(origin: String, alias: &str, content: Content) -> Detected {
        Detected {
            origin: Some(origin),
            alias: Some(alias.to_string()),
            content,
        }
    }
}

/// A container reader's error as one line, prefixed with the container's name once.
fn store_error(kind: &str, e: &Error) -> String {
    let msg = e.to_string();
    if msg.starts_with(kind) {
        msg
    } else {
        format!("{kind}: {msg}")
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// The entries of a key store: each key entry (decrypted or locked) followed by its chain, leaf
/// first, then the trusted certificate entries.
fn from_store(store: Store, kind: &str) -> Vec<Detected> {
    let mut out = Vec::new();
    let chain = |out: &mut Vec<Detected>, alias: &str, certs: Vec<Vec<u8>>| {
        let shown = crate::untrusted::escape(alias);
        for (i, der) in certs.into_iter().enumerate() {
            out.push(Detected::aliased(
                format!("{kind} key entry '{shown}' chain[{i}]"),
                alias,
                Content::Certificate(der),
            ));
        }
    };
    for entry in store.keys {
        let origin = format!(
            "{kind} key entry '{}'",
            crate::untrusted::escape(&entry.alias)
        );
        let key = DetectedKey {
            key: Some(entry.key),
            encrypted: true,
            kind_hint: None,
        };
        out.push(Detected::aliased(
            origin,
            &entry.alias,
            Content::PrivateKey(key),
        ));
        chain(&mut out, &entry.alias, entry.chain);
    }
    let reason = if store.integrity_checked {
        "the key has a password of its own"
    } else {
        "read without the store password"
    };
    for entry in store.locked_keys {
        let origin = format!(
            "{kind} key entry '{}'",
            crate::untrusted::escape(&entry.alias)
        );
        out.push(Detected::aliased(
            origin,
            &entry.alias,
            Content::LockedKey {
                reason,
                has_chain: !entry.chain.is_empty(),
            },
        ));
        chain(&mut out, &entry.alias, entry.chain);
    }
    for entry in store.certs {
        let origin = format!(
            "{kind} trusted entry '{}'",
            crate::untrusted::escape(&entry.alias)
        );
        out.push(Detected::aliased(
            origin,
            &entry.alias,
            Content::Certificate(entry.der),
        ));
    }
    out
}

fn detect_pem(
    data: &[u8],
    pw: Option<&[u8]>,
    warnings: &mut Vec<String>,
) -> Result<Vec<Detected>, String> {
    let blocks = pem::parse_many(data).map_err(|e| format!("malformed PEM: {e}"))?;
    if blocks.len() < count(data, b"-----BEGIN ") {
        return Err("truncated PEM: a BEGIN line has no matching END line".into());
    }
    let mut out = Vec::new();
    for (n, block) in blocks.iter().enumerate() {
        let label = format!(
            "PEM block {} ({})",
            n + 1,
            crate::untrusted::escape(block.tag())
        );
        let origin = (blocks.len() > 1).then(|| label.clone());
        let contents = block.contents();
        match block.tag() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                out.push(Detected::new(
                    origin,
                    Content::Certificate(contents.to_vec()),
                ));
            }
            "X509 CRL" => out.push(Detected::new(origin, Content::Crl(contents.to_vec()))),
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                out.push(Detected::new(origin, Content::Csr(contents.to_vec())))
            }
            "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                let hint = match block.tag() {
                    "RSA PRIVATE KEY" => Some("RSA"),
                    "EC PRIVATE KEY" => Some("EC"),
                    _ => None,
                };
                let key = pem_key(block, pw, hint).map_err(|e| format!("{label}: {e}"))?;
                out.push(Detected::new(origin, Content::PrivateKey(key)));
            }
            "PUBLIC KEY" => {
                let info = KeyInfo::from_spki_der(contents).map_err(|e| format!("{label}: {e}"))?;
                out.push(Detected::new(origin, Content::PublicKey(info)));
            }
            "PKCS7" | "PKCS #7 SIGNED DATA" | "CMS" => {
                let certs = p7b::read(contents).map_err(|e| format!("{label}: PKCS#7: {e}"))?;
                for (i, der) in certs.into_iter().enumerate() {
                    out.push(Detected::new(
                        Some(format!("{label} certificate {}", i + 1)),
                        Content::Certificate(der),
                    ));
                }
            }
            // `openssl ecparam -genkey` writes the curve before the key; the key names it too.
            "EC PARAMETERS" => {}
            other => warnings.push(format!(
                "skipped a PEM '{}' block",
                crate::untrusted::escape(other)
            )),
        }
    }
    Ok(out)
}

/// The key of one PEM block, from the block already parsed.
fn pem_key(
    block: &pem::Pem,
    pw: Option<&[u8]>,
    hint: Option<&'static str>,
) -> Result<DetectedKey, String> {
    let encrypted = keyfile::is_encrypted_block(block);
    if encrypted && pw.is_none() {
        return Ok(hidden_key(hint));
    }
    let key = keyfile::decode_block(block, pw).map_err(|e| e.to_string())?;
    Ok(decoded_key(key, encrypted))
}

/// A DER key (no label, so no type hint while it is encrypted).
fn der_key(data: &[u8], pw: Option<&[u8]>) -> Result<DetectedKey, String> {
    let encrypted = keyfile::is_encrypted(data);
    if encrypted && pw.is_none() {
        return Ok(hidden_key(None));
    }
    let key = keyfile::decode_private_key(data, pw).map_err(|e| e.to_string())?;
    Ok(decoded_key(key, encrypted))
}

fn hidden_key(kind_hint: Option<&'static str>) -> DetectedKey {
    DetectedKey {
        key: None,
        encrypted: true,
        kind_hint,
    }
}

fn decoded_key(key: PrivateKey, encrypted: bool) -> DetectedKey {
    DetectedKey {
        key: Some(key),
        encrypted,
        kind_hint: None,
    }
}

fn detect_der(data: &[u8], pw: Option<&[u8]>) -> Result<Vec<Detected>, String> {
    if data[0] != 0x30 {
        return Err(
            "not a certificate, request, key or store (neither PEM, DER, JKS nor PKCS#12)".into(),
        );
    }
    let one = |content: Content| Ok(vec![Detected::new(None, content)]);
    if let Ok((rest, _)) = X509Certificate::from_der(data)
        && rest.is_empty()
    {
        return one(Content::Certificate(data.to_vec()));
    }
    if let Ok((rest, _)) = X509CertificationRequest::from_der(data)
        && rest.is_empty()
    {
        return one(Content::Csr(data.to_vec()));
    }
    if let Ok((rest, _)) = CertificateRevocationList::from_der(data)
        && rest.is_empty()
    {
        return one(Content::Crl(data.to_vec()));
    }
    // A PFX starts with INTEGER 3, which no key, SPKI or ContentInfo does: test it first, so
    // that a store is never described as something else.
    if p12::is_p12(data) {
        let Some(pw) = pw else {
            return Err("a PKCS#12 store: give its password with --passin".into());
        };
        let store = p12::read(data, pw).map_err(|e| store_error("PKCS#12", &e))?;
        return Ok(from_store(store, "PKCS#12"));
    }
    if keyfile::is_encrypted(data) {
        return one(Content::PrivateKey(der_key(data, pw)?));
    }
    if let Ok(key) = der_key(data, None) {
        return one(Content::PrivateKey(key));
    }
    if let Ok(info) = KeyInfo::from_spki_der(data)
        && info.kind != "unknown"
    {
        return one(Content::PublicKey(info));
    }
    if let Ok(certs) = p7b::read(data) {
        return Ok(certs
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                Detected::new(
                    Some(format!("PKCS#7 certificate {}", i + 1)),
                    Content::Certificate(d),
                )
            })
            .collect());
    }
    Err("unrecognised, truncated or garbled DER (not a certificate, request, key, PKCS#7 or PKCS#12)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_empty_inputs_are_errors() {
        for data in [
            &b""[..],
            b"hello",
            b"\x30\x03\x02\x01\x05",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n",
        ] {
            assert!(detect(data, None).is_err(), "{data:?}");
        }
    }

    #[test]
    fn a_store_needs_its_password() {
        // PFX { version 3, ... }: recognised by `p12::is_p12`, refused without a password.
        let pfx = [0x30, 0x05, 0x02, 0x01, 0x03, 0x30, 0x00];
        let e = detect(&pfx, None).unwrap_err().to_string();
        assert!(e.contains("PKCS#12"), "{e}");
    }
}
