//! Java KeyStore ("JKS", Sun's proprietary format) reader and writer.
//!
//! No crate writes JKS well (the `jks` crate duplicates 15 dependencies and writes PKCS#1 keys
//! that Java cannot decrypt), so this module does it by hand. Layout (all integers big-endian;
//! `sun.security.provider.JavaKeyStore` in OpenJDK is the reference):
//!
//! ```text
//! u32 magic 0xFEEDFEED | u32 version 2 | u32 entry count
//! per entry:
//!   u32 tag: 1 = PrivateKeyEntry, 2 = trustedCertEntry (3 = secret key, JCEKS only)
//!   UTF alias          u16 byte length + Java "modified UTF-8" (DataOutputStream.writeUTF):
//!                      U+0000 as C0 80, supplementary characters as two 3-byte surrogates.
//!                      Java lowercases aliases (Locale.ENGLISH), so we write them lowercase.
//!   u64 creation time  milliseconds since the epoch
//!   tag 1: u32 len + EncryptedPrivateKeyInfo DER; u32 chain length;
//!          chain length × (UTF "X.509", u32 len, certificate DER), leaf first
//!   tag 2: UTF "X.509", u32 len, certificate DER
//! trailer: 20 bytes SHA-1( UTF-16BE(store password) || "Mighty Aphrodite" || all bytes above )
//! ```
//!
//! Keys are protected with Sun's KeyProtector (OID 1.3.6.1.4.1.42.2.17.1.1), a SHA-1 keystream:
//!
//! ```text
//! pw = UTF-16BE(key password); salt = 20 random bytes; D1 = SHA1(pw || salt), Di = SHA1(pw || Di-1)
//! blob = salt || (PKCS#8 XOR D1 || D2 || ...) || SHA1(pw || PKCS#8)
//! EncryptedPrivateKeyInfo ::= SEQUENCE { SEQUENCE { OID 1.3.6.1.4.1.42.2.17.1.1, NULL }, OCTET STRING blob }
//! ```
//!
//! The key password is the store password, because `keytool -importkeystore` and most Java
//! clients (Connector/J's `clientCertificateKeyStorePassword`) use one password for both. The
//! plaintext must be a PKCS#8 PrivateKeyInfo: Java's KeyProtector hands it to
//! `PKCS8EncodedKeySpec`, so anything else (PKCS#1, SEC1) makes an unreadable store.
//! This is weak protection (SHA-1, one round): prefer PKCS#12; JKS is for old Java setups.

use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode};
use pkcs8::PrivateKeyInfoRef;
use sha1::{Digest, Sha1};
use spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

use super::{CertEntry, Error, KeyEntry, LockedKeyEntry, Store};
use crate::pki::key::PrivateKey;

/// The JKS magic number.
pub const MAGIC: u32 = 0xFEED_FEED;
/// The only JKS version written since JDK 1.2 (version 1 lacked the certificate type strings).
pub const VERSION: u32 = 2;
/// Sun's KeyProtector algorithm (`sun.security.provider.KeyProtector.KEY_PROTECTOR_OID`).
pub const KEY_PROTECTOR_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.42.2.17.1.1");
/// The string mixed into the integrity digest (`JavaKeyStore.getPreKeyedHash`).
const WHITENER: &[u8] = b"Mighty Aphrodite";
const TAG_KEY: u32 = 1;
const TAG_CERT: u32 = 2;
const TAG_SECRET: u32 = 3;
const CERT_TYPE: &str = "X.509";
/// Sanity limit on entries and chain lengths read from untrusted files.
const MAX_ITEMS: u32 = 100_000;

/// Whether `data` starts with the JKS magic 0xFEEDFEED.
pub fn is_jks(data: &[u8]) -> bool {
    data.starts_with(&MAGIC.to_be_bytes())
}

/// The Java `char[]` form of a password: UTF-16 big-endian.
fn utf16be(password: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let text = std::str::from_utf8(password)
        .map_err(|_| Error::Unsupported("the store password is not valid UTF-8".into()))?;
    Ok(Zeroizing::new(
        text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
    ))
}

/// Java's modified UTF-8 (`DataOutput.writeUTF`): like CESU-8, with NUL as C0 80.
fn modified_utf8(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for unit in s.encode_utf16() {
        match unit {
            0x0001..=0x007F => out.push(unit as u8),
            0x0000 | 0x0080..=0x07FF => {
                out.push(0xC0 | (unit >> 6) as u8);
                out.push(0x80 | (unit & 0x3F) as u8);
            }
            _ => {
                out.push(0xE0 | (unit >> 12) as u8);
                out.push(0x80 | ((unit >> 6) & 0x3F) as u8);
                out.push(0x80 | (unit & 0x3F) as u8);
            }
        }
    }
    out
}

/// Decodes Java's modified UTF-8 (`DataInput.readUTF`).
fn from_modified_utf8(bytes: &[u8]) -> Result<String, Error> {
    let bad = || Error::Malformed("JKS: malformed modified UTF-8 string".into());
    let mut units = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let cont = |k: usize| {
            bytes
                .get(i + k)
                .copied()
                .filter(|c| c & 0xC0 == 0x80)
                .ok_or_else(bad)
        };
        if b & 0x80 == 0 {
            units.push(u16::from(b));
            i += 1;
        } else if b & 0xE0 == 0xC0 {
            units.push((u16::from(b & 0x1F) << 6) | u16::from(cont(1)? & 0x3F));
            i += 2;
        } else if b & 0xF0 == 0xE0 {
            units.push(
                (u16::from(b & 0x0F) << 12)
                    | (u16::from(cont(1)? & 0x3F) << 6)
                    | u16::from(cont(2)? & 0x3F),
            );
            i += 3;
        } else {
            return Err(bad());
        }
    }
    String::from_utf16(&units).map_err(|_| bad())
}

/// The name Java gives an alias: lowercased (`alias.toLowerCase(Locale.ENGLISH)`).
pub fn java_alias(alias: &str) -> String {
    alias.to_lowercase()
}

struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    fn utf(&mut self, s: &str) -> Result<(), Error> {
        let bytes = modified_utf8(s);
        let len = u16::try_from(bytes.len()).map_err(|_| {
            Error::Unsupported(format!(
                "JKS: the string '{}…' is too long",
                s.chars().take(20).collect::<String>()
            ))
        })?;
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(&bytes);
        Ok(())
    }
    fn bytes(&mut self, b: &[u8]) -> Result<(), Error> {
        let len = u32::try_from(b.len())
            .map_err(|_| Error::Unsupported("JKS: an item is too large".into()))?;
        self.u32(len);
        self.buf.extend_from_slice(b);
        Ok(())
    }
}

/// SHA-1 keystream of the KeyProtector: D1 = SHA1(pw || salt), Di = SHA1(pw || Di-1).
fn keystream_xor(pw: &[u8], salt: &[u8], data: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(data.len()));
    let mut digest = salt.to_vec();
    for chunk in data.chunks(20) {
        digest = Sha1::new()
            .chain_update(pw)
            .chain_update(&digest)
            .finalize()
            .to_vec();
        out.extend(chunk.iter().zip(&digest).map(|(a, b)| a ^ b));
    }
    out
}

/// `EncryptedPrivateKeyInfo` as Sun's KeyProtector writes it.
#[derive(der::Sequence)]
struct ProtectedKey<'a> {
    algorithm: AlgorithmIdentifierRef<'a>,
    data: &'a OctetStringRef,
}

/// Protects a PKCS#8 PrivateKeyInfo with Sun's KeyProtector (see the module notes).
pub fn protect_key(pkcs8: &[u8], password: &[u8]) -> Result<Vec<u8>, Error> {
    PrivateKeyInfoRef::from_der(pkcs8)
        .map_err(|e| Error::Unsupported(format!("JKS keys must be PKCS#8 PrivateKeyInfo: {e}")))?;
    let pw = utf16be(password)?;
    let mut salt = [0u8; 20];
    getrandom::fill(&mut salt).map_err(|e| Error::Unsupported(format!("no randomness: {e}")))?;
    let mut blob = salt.to_vec();
    blob.extend_from_slice(&keystream_xor(&pw, &salt, pkcs8));
    blob.extend_from_slice(
        &Sha1::new()
            .chain_update(&*pw)
            .chain_update(pkcs8)
            .finalize(),
    );
    let null = der::asn1::Null
        .to_der()
        .map_err(|e| Error::Malformed(e.to_string()))?;
    let params = der::AnyRef::from_der(&null).map_err(|e| Error::Malformed(e.to_string()))?;
    let data = OctetStringRef::new(&blob).map_err(|e| Error::Malformed(e.to_string()))?;
    ProtectedKey {
        algorithm: AlgorithmIdentifierRef {
            oid: KEY_PROTECTOR_OID,
            parameters: Some(params),
        },
        data,
    }
    .to_der()
    .map_err(|e| Error::Malformed(format!("JKS: encoding the protected key: {e}")))
}

/// Recovers the PKCS#8 PrivateKeyInfo from a KeyProtector blob; `None` if the password is wrong.
pub fn unprotect_key(epki: &[u8], password: &[u8]) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
    let pk = ProtectedKey::from_der(epki)
        .map_err(|e| Error::Malformed(format!("JKS: malformed protected key: {e}")))?;
    if pk.algorithm.oid != KEY_PROTECTOR_OID {
        return Err(Error::Unsupported(format!(
            "JKS: key protection {} is not Sun's KeyProtector (a JCEKS store?)",
            pk.algorithm.oid
        )));
    }
    let blob = pk.data.as_bytes();
    if blob.len() < 40 {
        return Err(Error::Malformed("JKS: protected key too short".into()));
    }
    let (salt, rest) = blob.split_at(20);
    let (enc, check) = rest.split_at(rest.len() - 20);
    let pw = utf16be(password)?;
    let plain = keystream_xor(&pw, salt, enc);
    let digest = Sha1::new()
        .chain_update(&*pw)
        .chain_update(&*plain)
        .finalize();
    Ok((digest.as_slice() == check).then_some(plain))
}

fn digest(password: &[u8], body: &[u8]) -> Result<[u8; 20], Error> {
    let pw = utf16be(password)?;
    Ok(Sha1::new()
        .chain_update(&*pw)
        .chain_update(WHITENER)
        .chain_update(body)
        .finalize()
        .into())
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Writes `store` as JKS protected by `password` (also each key's password).
///
/// Aliases are lowercased, as Java does on load; two entries whose aliases differ only in case
/// are an error, since Java would keep only one. Locked entries cannot be written.
pub fn write(store: &Store, password: &[u8]) -> Result<Vec<u8>, Error> {
    if !store.locked_keys.is_empty() {
        return Err(Error::Unsupported(
            "JKS: a key entry without its key cannot be written".into(),
        ));
    }
    let mut aliases: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut check_alias = |alias: &str| -> Result<String, Error> {
        let lower = java_alias(alias);
        if lower.is_empty() {
            return Err(Error::Unsupported("JKS: an alias may not be empty".into()));
        }
        if !aliases.insert(lower.clone()) {
            return Err(Error::Unsupported(format!(
                "JKS: alias '{lower}' is used twice (aliases are case-insensitive)"
            )));
        }
        Ok(lower)
    };
    let count = u32::try_from(store.keys.len() + store.certs.len())
        .map_err(|_| Error::Unsupported("JKS: too many entries".into()))?;
    let created = now_ms();
    let mut w = Writer { buf: Vec::new() };
    w.u32(MAGIC);
    w.u32(VERSION);
    w.u32(count);
    for key in &store.keys {
        let alias = check_alias(&key.alias)?;
        if key.chain.is_empty() {
            return Err(Error::Unsupported(format!(
                "JKS: key entry '{alias}' needs at least its certificate"
            )));
        }
        w.u32(TAG_KEY);
        w.utf(&alias)?;
        w.buf.extend_from_slice(&created.to_be_bytes());
        w.bytes(&protect_key(key.key.pkcs8_der(), password)?)?;
        w.u32(
            u32::try_from(key.chain.len())
                .map_err(|_| Error::Unsupported("JKS: chain too long".into()))?,
        );
        for cert in &key.chain {
            w.utf(CERT_TYPE)?;
            w.bytes(cert)?;
        }
    }
    for cert in &store.certs {
        let alias = check_alias(&cert.alias)?;
        w.u32(TAG_CERT);
        w.utf(&alias)?;
        w.buf.extend_from_slice(&created.to_be_bytes());
        w.utf(CERT_TYPE)?;
        w.bytes(&cert.der)?;
    }
    let d = digest(password, &w.buf)?;
    w.buf.extend_from_slice(&d);
    Ok(w.buf)
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| Error::Malformed("JKS: truncated file".into()))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, Error> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn utf(&mut self) -> Result<String, Error> {
        let b = self.take(2)?;
        let len = usize::from(u16::from_be_bytes([b[0], b[1]]));
        from_modified_utf8(self.take(len)?)
    }
    fn bytes(&mut self) -> Result<&'a [u8], Error> {
        let len = self.u32()? as usize;
        self.take(len)
    }
    fn cert(&mut self) -> Result<Vec<u8>, Error> {
        let kind = self.utf()?;
        if kind != CERT_TYPE {
            return Err(Error::Unsupported(format!(
                "JKS: certificate type '{}' is not X.509",
                crate::untrusted::escape(&kind)
            )));
        }
        Ok(self.bytes()?.to_vec())
    }
}

/// Reads a JKS. Without a password, only trusted certificates and the certificate chains of key
/// entries are listed (as keytool does) and `integrity_checked` is false.
///
/// With a password, the integrity digest must match (else [`Error::Password`], keytool's
/// "Keystore was tampered with, or password was incorrect"), and each key is decrypted with the
/// same password; a key with a password of its own is listed in `locked_keys`.
pub fn read(data: &[u8], password: Option<&[u8]>) -> Result<Store, Error> {
    if !is_jks(data) {
        if data.starts_with(&[0xCE, 0xCE, 0xCE, 0xCE]) {
            return Err(Error::Unsupported("JCEKS key stores are not supported (convert with keytool -importkeystore -deststoretype PKCS12)".into()));
        }
        return Err(Error::Malformed(
            "not a JKS key store (no 0xFEEDFEED magic)".into(),
        ));
    }
    if data.len() < 32 {
        return Err(Error::Malformed("JKS: truncated file".into()));
    }
    let (body, trailer) = data.split_at(data.len() - 20);
    let mut store = Store::default();
    if let Some(pw) = password {
        if digest(pw, body)?.as_slice() != trailer {
            return Err(Error::Password(
                "JKS: keystore was tampered with, or password was incorrect".into(),
            ));
        }
        store.integrity_checked = true;
    }
    let mut c = Cursor { data: body, pos: 4 };
    let version = c.u32()?;
    if version != VERSION {
        return Err(Error::Unsupported(format!(
            "JKS version {version} is not supported (only 2)"
        )));
    }
    let count = c.u32()?;
    if count > MAX_ITEMS {
        return Err(Error::Malformed(format!(
            "JKS: implausible entry count {count}"
        )));
    }
    for _ in 0..count {
        let tag = c.u32()?;
        match tag {
            TAG_KEY => {
                let alias = c.utf()?;
                c.take(8)?;
                let epki = c.bytes()?;
                let n = c.u32()?;
                if n > MAX_ITEMS {
                    return Err(Error::Malformed(format!(
                        "JKS: implausible chain length {n}"
                    )));
                }
                let chain = (0..n).map(|_| c.cert()).collect::<Result<Vec<_>, _>>()?;
                let plain = match password {
                    Some(pw) => unprotect_key(epki, pw)?,
                    None => None,
                };
                match plain {
                    Some(pkcs8) => {
                        let key = PrivateKey::from_pkcs8_der(&pkcs8).map_err(|e| {
                            Error::Unsupported(format!(
                                "JKS: key entry '{}': {e}",
                                crate::untrusted::escape(&alias)
                            ))
                        })?;
                        store.keys.push(KeyEntry { alias, key, chain });
                    }
                    None => store.locked_keys.push(LockedKeyEntry { alias, chain }),
                }
            }
            TAG_CERT => {
                let alias = c.utf()?;
                c.take(8)?;
                let der = c.cert()?;
                store.certs.push(CertEntry { alias, der });
            }
            TAG_SECRET => {
                return Err(Error::Unsupported(
                    "JKS: secret-key entries (JCEKS) are not supported".into(),
                ));
            }
            other => return Err(Error::Malformed(format!("JKS: unknown entry tag {other}"))),
        }
    }
    if c.pos != body.len() {
        return Err(Error::Malformed(
            "JKS: trailing bytes after the entries".into(),
        ));
    }
    Ok(store)
}

#[cfg(test)]
mod tests;
