//! PKCS#12 (.p12/.pfx) reader and writer, RFC 7292, through the `p12-keystore` crate.
//!
//! Two encryptions ([`P12Encryption`]):
//! - [`P12Encryption::Modern`] (default): key and certificate bags encrypted with PBES2
//!   (PBKDF2-HMAC-SHA256, [`MODERN_ITERATIONS`] = 600,000 iterations, AES-256-CBC; RFC 8018),
//!   integrity by HMAC-SHA256 with the PKCS#12 KDF at 600,000 iterations (RFC 7292 App. B).
//!   600,000 is OWASP's 2023 figure for PBKDF2-HMAC-SHA256; Java 17 (which caps at 5,000,000)
//!   and OpenSSL 3 read it, and p12-keystore caps imports at 1,000,000. Writing one takes a few
//!   hundred milliseconds, once.
//! - [`P12Encryption::Legacy`]: pbeWithSHAAnd3-KeyTripleDES-CBC for keys and certificates, HMAC-SHA1
//!   MAC, [`LEGACY_ITERATIONS`] = 2048 iterations (OpenSSL 1.x's defaults), for JREs before
//!   8u301/11.0.12 and old Windows. OpenSSL 3 reads it without `-legacy` (3DES is in its
//!   default provider; only RC2-40 needs `-legacy`).
//!
//! Trusted certificates carry Oracle's trusted-key-usage attribute (2.16.840.1.113894.746875.1.1,
//! added by p12-keystore), without which Java lists a PKCS#12 truststore as empty (OpenSSL 3.0's
//! `pkcs12 -export -nokeys` has that problem; `-jdktrust` arrived in 3.2).

use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, Pkcs12Archive,
    PrivateKeyChain,
};
use sha1::{Digest, Sha1};

use super::{CertEntry, Error, KeyEntry, Store};

mod cost;
use crate::pki::key::PrivateKey;

/// PBKDF2 and MAC iterations of the modern profile.
pub const MODERN_ITERATIONS: u32 = 600_000;
/// Iterations of the legacy profile (OpenSSL 1.x's `PKCS12_DEFAULT_ITER`).
pub const LEGACY_ITERATIONS: u32 = 2048;

/// How a PKCS#12 file is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum P12Encryption {
    /// PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC + HMAC-SHA256 MAC, 600,000 iterations.
    #[default]
    Modern,
    /// 3DES + HMAC-SHA1 MAC, 2048 iterations, for old JREs and Windows.
    Legacy,
}

fn password_str(password: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(password)
        .map_err(|_| Error::Unsupported("the PKCS#12 password is not valid UTF-8".into()))
}

fn cert(der: &[u8]) -> Result<Certificate, Error> {
    Certificate::from_der(der)
        .map_err(|e| Error::Unsupported(format!("PKCS#12: malformed certificate: {e}")))
}

/// Writes `store` as PKCS#12 protected by `password` with the given encryption.
///
/// Each key's localKeyId is the SHA-1 of its leaf certificate, as OpenSSL sets it.
pub fn write(store: &Store, password: &[u8], encryption: P12Encryption) -> Result<Vec<u8>, Error> {
    if !store.locked_keys.is_empty() {
        return Err(Error::Unsupported(
            "PKCS#12: a key entry without its key cannot be written".into(),
        ));
    }
    let pw = password_str(password)?;
    // The PKCS#12 MAC key (and the legacy PBE keys) are derived from the password as a
    // BMPString (RFC 7292 Appendix B.1), which has no room for characters beyond U+FFFF; the
    // writer failed with "malformed ASN.1 DER value for BMPString" (found by a property test).
    // Aliases are BMPStrings too (friendlyName, PKCS#9).
    if let Some(c) = pw.chars().find(|c| u32::from(*c) > 0xFFFF) {
        return Err(Error::Unsupported(format!(
            "PKCS#12: the password contains U+{:X}, beyond the 16-bit characters PKCS#12 passwords are encoded in; choose another password",
            u32::from(c)
        )));
    }
    let non_bmp = store
        .keys
        .iter()
        .map(|k| &k.alias)
        .chain(store.certs.iter().map(|c| &c.alias))
        .find(|a| a.chars().any(|c| u32::from(c) > 0xFFFF));
    if let Some(alias) = non_bmp {
        return Err(Error::Unsupported(format!(
            "PKCS#12: the alias '{alias}' has a character beyond U+FFFF, which a friendlyName (BMPString) cannot hold"
        )));
    }
    let mut ks = KeyStore::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut unique = |alias: &str| -> Result<(), Error> {
        // Java's PKCS12KeyStore treats aliases case-insensitively too.
        let lower = alias.to_lowercase();
        if alias.is_empty() || !seen.insert(lower) {
            return Err(Error::Unsupported(format!(
                "PKCS#12: alias '{alias}' is empty or used twice"
            )));
        }
        Ok(())
    };
    for key in &store.keys {
        unique(&key.alias)?;
        let leaf = key.chain.first().ok_or_else(|| {
            Error::Unsupported(format!(
                "PKCS#12: key entry '{}' has no certificate",
                key.alias
            ))
        })?;
        let local_key_id = Sha1::digest(leaf).to_vec();
        let pk = p12_keystore::PrivateKey::from_der(key.key.pkcs8_der())
            .map_err(|e| Error::Unsupported(format!("PKCS#12: key '{}': {e}", key.alias)))?;
        let chain = key
            .chain
            .iter()
            .map(|c| cert(c))
            .collect::<Result<Vec<_>, _>>()?;
        ks.add_entry(
            &key.alias,
            KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, pk, chain)),
        );
    }
    for c in &store.certs {
        unique(&c.alias)?;
        ks.add_entry(&c.alias, KeyStoreEntry::Certificate(cert(&c.der)?));
    }
    let (enc, mac, iterations) = match encryption {
        P12Encryption::Modern => (
            EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
            MacAlgorithm::HmacSha256,
            MODERN_ITERATIONS,
        ),
        P12Encryption::Legacy => (
            EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
            MacAlgorithm::HmacSha1,
            LEGACY_ITERATIONS,
        ),
    };
    ks.writer(pw)
        .encryption_algorithm(enc)
        .encryption_iterations(iterations)
        .mac_algorithm(mac)
        .mac_iterations(iterations)
        .write()
        .map_err(|e| Error::Unsupported(format!("PKCS#12: writing failed: {e}")))
}

/// Whether `data` starts like a PKCS#12 PFX: a SEQUENCE whose first element is INTEGER 3
/// followed by the authSafe SEQUENCE (RFC 7292 §4: `PFX ::= SEQUENCE { version INTEGER {v3(3)},
/// authSafe ContentInfo, macData MacData OPTIONAL }`).
///
/// Only the header is looked at, not the whole encoding, so that a truncated or BER
/// (indefinite-length) store is still recognised and reported by the PKCS#12 reader with its
/// own reason rather than as unknown bytes.
pub fn is_p12(data: &[u8]) -> bool {
    let body = match (data.first(), data.get(1)) {
        (Some(0x30), Some(&len)) if len < 0x80 => data.get(2..),
        (Some(0x30), Some(&len)) => data.get(2 + usize::from(len & 0x7F)..),
        _ => None,
    };
    body.is_some_and(|b| b.starts_with(&[0x02, 0x01, 0x03, 0x30]))
}

/// Reads a PKCS#12 file with its password, checking the MAC.
///
/// Its key derivations are priced and charged to the run's KDF budget first ([`cost`]).
/// Every bag is kept (p12-keystore's `Pkcs12Archive`, which caps hostile iteration counts at
/// 1,000,000): each key is paired with the certificate bag of the same localKeyId and its chain
/// is completed from the other certificates ([`crate::pki::chain::order_for_key`]); every
/// certificate not in a key's chain is listed as a certificate entry.
pub fn read(data: &[u8], password: &[u8]) -> Result<Store, Error> {
    let pw = password_str(password)?;
    cost::charge_store(data, pw)?;
    let archive = Pkcs12Archive::from_pkcs12(data, pw).map_err(|e| match e {
        p12_keystore::error::Error::MacError(_) | p12_keystore::error::Error::UnpadError => {
            Error::Password(
                "PKCS#12: MAC check failed: wrong password, or the file is damaged".into(),
            )
        }
        other => Error::Malformed(format!("PKCS#12: {other}")),
    })?;
    let mut store = Store {
        integrity_checked: true,
        ..Store::default()
    };
    let all: Vec<Vec<u8>> = archive
        .certs
        .iter()
        .map(|c| c.cert.as_der().to_vec())
        .collect();
    let mut in_chain = vec![false; all.len()];
    for (n, bag) in archive.keys.iter().enumerate() {
        let key = PrivateKey::from_pkcs8_der(bag.key.as_der())
            .map_err(|e| Error::Unsupported(format!("PKCS#12: key {}: {e}", n + 1)))?;
        let spki = key.public_key_der();
        // The leaf: the bag with the same localKeyId, else any certificate of this key.
        let leaf = archive
            .certs
            .iter()
            .position(|c| {
                c.local_key_id.is_some()
                    && c.local_key_id.as_deref() == bag.local_key_id.as_ref().map(|k| k.as_ref())
            })
            .or_else(|| {
                all.iter().position(|d| {
                    x509_parser::parse_x509_certificate(d)
                        .is_ok_and(|(_, c)| c.public_key().raw == spki.as_slice())
                })
            });
        let chain = match leaf {
            Some(i) => {
                let mut pool = vec![all[i].clone()];
                pool.extend(
                    all.iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i && !archive.certs[*j].trusted)
                        .map(|(_, d)| d.clone()),
                );
                crate::pki::chain::order_for_key(&pool, &spki)
                    .map(|o| o.certs)
                    .unwrap_or_else(|_| vec![all[i].clone()])
            }
            None => Vec::new(),
        };
        for (j, d) in all.iter().enumerate() {
            if chain.contains(d) {
                in_chain[j] = true;
            }
        }
        let alias = bag
            .friendly_name
            .clone()
            .unwrap_or_else(|| format!("key{}", n + 1));
        store.keys.push(KeyEntry { alias, key, chain });
    }
    for (j, bag) in archive.certs.iter().enumerate() {
        if bag.trusted || !in_chain[j] {
            let alias = bag
                .friendly_name
                .clone()
                .unwrap_or_else(|| format!("cert{}", j + 1));
            store.certs.push(CertEntry {
                alias,
                der: all[j].clone(),
            });
        }
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::chain::fixtures::three;

    #[test]
    fn keystore_and_truststore_round_trip_both_profiles() {
        let (chain, key) = three();
        let pkcs8 = key.pkcs8_der().to_vec();
        let store = Store {
            keys: vec![KeyEntry {
                alias: "client".into(),
                key,
                chain: chain.clone(),
            }],
            ..Store::default()
        };
        for encryption in [P12Encryption::Legacy, P12Encryption::Modern] {
            let bytes = write(&store, b"s3cret", encryption).unwrap();
            let back = read(&bytes, b"s3cret").unwrap();
            assert_eq!(back.keys.len(), 1);
            assert_eq!(back.keys[0].alias, "client");
            assert_eq!(back.keys[0].chain, chain);
            assert_eq!(back.keys[0].key.pkcs8_der(), pkcs8.as_slice());
            assert!(back.certs.is_empty(), "chain certs are not trusted entries");
            assert!(matches!(read(&bytes, b"wrong"), Err(Error::Password(_))));
        }
        let trust = Store {
            certs: chain
                .iter()
                .enumerate()
                .map(|(i, d)| CertEntry {
                    alias: format!("c{i}"),
                    der: d.clone(),
                })
                .collect(),
            ..Store::default()
        };
        let back = read(&write(&trust, b"pw", P12Encryption::Legacy).unwrap(), b"pw").unwrap();
        let mut got: Vec<_> = back.certs.iter().map(|c| c.der.clone()).collect();
        let mut want = chain.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }
}
