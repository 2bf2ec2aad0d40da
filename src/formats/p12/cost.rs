//! The key-derivation work a PKCS#12 file asks for, charged to the run's KDF budget
//! ([`crate::pki::keyfile::MAX_KDF_TOTAL`]) before the reader does any of it.
//!
//! p12-keystore caps each derivation at 1,000,000 iterations, but not their number: a store
//! with a MAC and a hundred encrypted key bags at that count would take minutes. Every
//! derivation the reader will run is priced here, in the units of PEM keys
//! ([`crate::pki::keyfile::COST_PER_MS`]): the MAC (RFC 7292 App. B), each encrypted
//! contents (PBES2 or PKCS#12 PBE) and each shrouded key bag, also the bags inside encrypted
//! contents, which are only visible once decrypted: those contents are decrypted here first,
//! so they are charged twice (here and in the reader).
//!
//! Anything that does not parse is left to the reader, which reports it with its own reason.

use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use der::asn1::{ContextSpecific, ObjectIdentifier as Oid, OctetString};
use der::{Any, Decode, Encode};
use pkcs8::pkcs5::{EncryptionScheme, pbes2};
use pkcs12::pbe_params::{EncryptedPrivateKeyInfo, Pkcs12PbeParams};
use pkcs12::{MacData, Pfx, SafeBag};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use crate::formats::Error;
use crate::pki::keyfile::{COST_PER_MS, MAX_KDF_COST, MAX_KDF_TOTAL, charge, scheme_cost};

const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
const ENCRYPTED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.6");
const SHROUDED_KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.2");
const SECRET_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.5");
const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");
const PBE_SHA1_3DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.3");
const PBE_SHA1_RC2_40: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.6");

/// Charges the store's derivations to this thread's budget, or refuses before any is run.
pub(super) fn charge_store(data: &[u8], password: &str) -> Result<(), Error> {
    let Ok(pfx) = Pfx::from_der(data) else {
        return Ok(());
    };
    let mut scan = Scan::default();
    if let Some(mac) = &pfx.mac_data {
        scan.add("the MAC", mac_cost(mac))?;
    }
    let Some(safes) = octets(&pfx.auth_safe.content)
        .and_then(|d| Vec::<ContentInfo>::from_der(&d).ok())
        .filter(|_| pfx.auth_safe.content_type == DATA)
    else {
        return scan.charge();
    };
    // The visible derivations first, so that a store over budget is refused before any work.
    let mut hidden = Vec::new();
    for (n, safe) in safes.iter().enumerate() {
        if safe.content_type == DATA {
            let bags = octets(&safe.content).and_then(|d| Vec::<SafeBag>::from_der(&d).ok());
            scan.bags(&bags.unwrap_or_default())?;
        } else if safe.content_type == ENCRYPTED_DATA
            && let Some(enc) = safe
                .content
                .to_der()
                .ok()
                .and_then(|d| EncryptedData::from_der(&d).ok())
        {
            let info = enc.enc_content_info;
            let what = format!("encrypted contents {}", n + 1);
            // Twice: decrypted below to see its bags, and again by the reader.
            scan.add(
                &what,
                alg_cost(&info.content_enc_alg).map(|c| c.saturating_mul(2)),
            )?;
            if let Some(body) = info.encrypted_content {
                hidden.push((info.content_enc_alg, body));
            }
        }
    }
    scan.charge()?;
    for (alg, body) in hidden {
        // A wrong password or an unsupported cipher: the reader says which.
        let Some(plain) = decrypt(&alg, body.as_bytes(), password).map(Zeroizing::new) else {
            return Ok(());
        };
        let mut inner = Scan::default();
        inner.bags(&Vec::<SafeBag>::from_der(&plain).unwrap_or_default())?;
        inner.charge()?;
    }
    Ok(())
}

/// Derivations found so far, with what asked for them.
#[derive(Default)]
struct Scan {
    cost: u64,
    items: usize,
}

impl Scan {
    fn add(&mut self, what: &str, cost: Result<u64, String>) -> Result<(), Error> {
        let cost = cost.map_err(|why| Error::Malformed(format!("PKCS#12: {what}: {why}")))?;
        self.cost = self.cost.saturating_add(cost);
        self.items += 1;
        Ok(())
    }

    /// The shrouded key bags (and encrypted keys in secret bags) of one SafeContents.
    fn bags(&mut self, bags: &[SafeBag]) -> Result<(), Error> {
        for (n, bag) in bags.iter().enumerate() {
            let what = format!("bag {}", n + 1);
            if let Some(key) = encrypted_key(bag) {
                self.add(&what, alg_cost(&key.encryption_algorithm))?;
            }
        }
        Ok(())
    }

    fn charge(&self) -> Result<(), Error> {
        charge(self.cost).map_err(|_| {
            Error::Malformed(format!(
                "PKCS#12: its {} key derivation{} (about {} ms) would bring this run's \
                 key-derivation work over {} ms",
                self.items,
                if self.items == 1 { "" } else { "s" },
                self.cost / COST_PER_MS,
                MAX_KDF_TOTAL / COST_PER_MS
            ))
        })
    }
}

/// The EncryptedPrivateKeyInfo of a pkcs8ShroudedKeyBag, or of a secret bag holding one
/// (p12-keystore decrypts both).
fn encrypted_key(bag: &SafeBag) -> Option<EncryptedPrivateKeyInfo> {
    if bag.bag_id == SHROUDED_KEY_BAG {
        return ContextSpecific::<EncryptedPrivateKeyInfo>::from_der(&bag.bag_value)
            .ok()
            .map(|cs| cs.value);
    }
    if bag.bag_id == SECRET_BAG {
        let any = Any::from_der(&bag.bag_value).ok()?;
        let secret = SecretBag::from_der(any.value()).ok()?;
        return EncryptedPrivateKeyInfo::from_der(secret.value.as_bytes()).ok();
    }
    None
}

/// A secret bag as p12-keystore reads it (RFC 7292 §4.2.5 `SecretBag ::= SEQUENCE {
/// secretTypeId OID, secretValue [0] EXPLICIT ... }`), its value an encrypted key's DER.
#[derive(der::Sequence)]
struct SecretBag {
    type_id: Oid,
    #[asn1(context_specific = "0")]
    value: OctetString,
    attributes: Option<Any>,
}

/// The content octets of a `[0] EXPLICIT OCTET STRING` ContentInfo body.
fn octets(content: &Any) -> Option<Vec<u8>> {
    OctetString::from_der(&content.to_der().ok()?)
        .ok()
        .map(|o| o.as_bytes().to_vec())
}

/// The relative cost per iteration of a digest, as for PBKDF2's PRFs in
/// [`crate::pki::keyfile`]: sha2 has SHA-NI for SHA-1 and SHA-256 only, so the 64-bit SHA-2
/// family costs about six times as much on the build machine.
fn digest(oid: &Oid) -> Option<(u64, usize)> {
    Some(match oid.to_string().as_str() {
        "1.3.14.3.2.26" => (1, 20),
        "2.16.840.1.101.3.4.2.4" => (1, 28),
        "2.16.840.1.101.3.4.2.1" => (1, 32),
        "2.16.840.1.101.3.4.2.2" => (6, 48),
        "2.16.840.1.101.3.4.2.3" => (6, 64),
        "2.16.840.1.101.3.4.2.5" => (6, 28),
        "2.16.840.1.101.3.4.2.6" => (6, 32),
        _ => return None,
    })
}

/// The PKCS#12 KDF (RFC 7292 App. B.2) runs its iteration count once per hash-sized block of
/// each output it derives.
fn pkcs12_kdf_cost(iterations: i32, (weight, hash_len): (u64, usize), outputs: &[usize]) -> u64 {
    let runs: usize = outputs.iter().map(|len| len.div_ceil(hash_len)).sum();
    u64::try_from(iterations.max(0))
        .unwrap_or(0)
        .saturating_mul(weight)
        .saturating_mul(runs as u64)
}

fn capped(cost: u64, iterations: i32) -> Result<u64, String> {
    if cost > MAX_KDF_COST {
        return Err(format!(
            "its iteration count ({iterations}) needs more key-derivation work than dbtls \
             accepts for one derivation (about {} ms)",
            MAX_KDF_COST / COST_PER_MS
        ));
    }
    Ok(cost)
}

fn mac_cost(mac: &MacData) -> Result<u64, String> {
    // An unknown digest is refused by the reader before any derivation.
    let Some(d) = digest(&mac.mac.algorithm.oid) else {
        return Ok(0);
    };
    capped(pkcs12_kdf_cost(mac.iterations, d, &[d.1]), mac.iterations)
}

/// The cost of one decryption with `alg`: PBES2 as for PEM keys, PKCS#12 PBE (SHA-1) for a
/// key and an IV; algorithms the reader does not support cost nothing (it refuses them).
fn alg_cost(alg: &AlgorithmIdentifierOwned) -> Result<u64, String> {
    let params = alg.parameters.as_ref().and_then(|p| p.to_der().ok());
    let Some(params) = params else {
        return Ok(0);
    };
    if alg.oid == PBES2 {
        let Ok(p) = pbes2::Parameters::from_der(&params) else {
            return Ok(0);
        };
        return scheme_cost(&EncryptionScheme::Pbes2(p)).map_err(|e| e.to_string());
    }
    let key_len = match alg.oid {
        PBE_SHA1_3DES => 24,
        PBE_SHA1_RC2_40 => 5,
        _ => return Ok(0),
    };
    let Ok(p) = Pkcs12PbeParams::from_der(&params) else {
        return Ok(0);
    };
    capped(
        pkcs12_kdf_cost(p.iterations, (1, 20), &[key_len, 8]),
        p.iterations,
    )
}

/// Decrypts encrypted contents as the reader will, to see the bags inside.
fn decrypt(alg: &AlgorithmIdentifierOwned, body: &[u8], password: &str) -> Option<Vec<u8>> {
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
    use pkcs12::kdf::{Pkcs12KeyType, derive_key_utf8};

    let params = alg.parameters.as_ref()?.to_der().ok()?;
    if alg.oid == PBES2 {
        let p = pbes2::Parameters::from_der(&params).ok()?;
        return p.decrypt(password.as_bytes(), body).ok();
    }
    let p = Pkcs12PbeParams::from_der(&params).ok()?;
    let salt = p.salt.as_bytes();
    let derive =
        |kind, len| derive_key_utf8::<sha1::Sha1>(password, salt, kind, p.iterations, len).ok();
    match alg.oid {
        PBE_SHA1_3DES => {
            let (key, iv) = (
                derive(Pkcs12KeyType::EncryptionKey, 24)?,
                derive(Pkcs12KeyType::Iv, 8)?,
            );
            cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                .ok()?
                .decrypt_padded_vec::<Pkcs7>(body)
                .ok()
        }
        PBE_SHA1_RC2_40 => {
            let (key, iv) = (
                derive(Pkcs12KeyType::EncryptionKey, 5)?,
                derive(Pkcs12KeyType::Iv, 8)?,
            );
            cbc::Decryptor::<rc2::Rc2>::new_from_slices(&key, &iv)
                .ok()?
                .decrypt_padded_vec::<Pkcs7>(body)
                .ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::p12::{P12Encryption, read, write};
    use crate::formats::{KeyEntry, Store};
    use crate::pki::chain::fixtures::three;
    use crate::pki::keyfile::fuzz_kdf_allowance;
    use cms::content_info::CmsVersion;
    use cms::enveloped_data::EncryptedContentInfo;

    /// A keystore of one key and its chain, as `export p12` writes it.
    fn store(encryption: P12Encryption) -> Vec<u8> {
        let (chain, key) = three();
        let store = Store {
            keys: vec![KeyEntry {
                alias: "k".into(),
                key,
                chain,
            }],
            ..Store::default()
        };
        write(&store, b"pw", encryption).unwrap()
    }

    fn refused(r: Result<Store, Error>) -> String {
        match r {
            Err(Error::Malformed(m)) if m.contains("key-derivation work over 2000 ms") => m,
            other => panic!("not refused for its cost: {other:?}"),
        }
    }

    #[test]
    fn a_modern_store_costs_its_mac_key_and_twice_its_encrypted_certificates() {
        // 600,000 iterations each: MAC + key bag + 2 × certificate contents = 2,400,000 units.
        let bytes = store(P12Encryption::Modern);
        fuzz_kdf_allowance(2_399_999);
        let m = refused(read(&bytes, b"pw"));
        assert!(m.contains("its 3 key derivations (about 342 ms)"), "{m}");
        fuzz_kdf_allowance(2_400_000);
        assert_eq!(read(&bytes, b"pw").unwrap().keys.len(), 1);
        // The whole budget is spent now: the next derivation of any store is refused.
        refused(read(&store(P12Encryption::Legacy), b"pw"));
    }

    #[test]
    fn a_legacy_store_is_priced_by_the_pkcs12_kdf() {
        // 2048 iterations of SHA-1: MAC 1 run, 3DES key bag 3 runs (24-byte key: 2, IV: 1),
        // certificates 2 × 3 runs: 10 runs in all.
        let bytes = store(P12Encryption::Legacy);
        fuzz_kdf_allowance(10 * 2048 - 1);
        refused(read(&bytes, b"pw"));
        fuzz_kdf_allowance(10 * 2048);
        assert_eq!(read(&bytes, b"pw").unwrap().keys.len(), 1);
    }

    /// The modern store with its key bags moved inside PBES2-encrypted contents (2048
    /// iterations) and no MAC: the 600,000-iteration key bag is only visible once decrypted.
    fn nested() -> Vec<u8> {
        let pfx = Pfx::from_der(&store(P12Encryption::Modern)).unwrap();
        let safes = Vec::<ContentInfo>::from_der(&octets(&pfx.auth_safe.content).unwrap()).unwrap();
        let keys = safes.iter().find(|s| s.content_type == DATA).unwrap();
        let plain = octets(&keys.content).unwrap();
        let params =
            pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(2048, &[7; 16], [9; 16]).unwrap();
        let body = params.encrypt(b"pw", &plain).unwrap();
        let enc = EncryptedData {
            version: CmsVersion::V0,
            enc_content_info: EncryptedContentInfo {
                content_type: DATA,
                content_enc_alg: AlgorithmIdentifierOwned {
                    oid: PBES2,
                    parameters: Some(Any::encode_from(&params).unwrap()),
                },
                encrypted_content: Some(OctetString::new(body).unwrap()),
            },
            unprotected_attrs: None,
        };
        let mut outer: Vec<ContentInfo> = safes
            .into_iter()
            .filter(|s| s.content_type != DATA)
            .collect();
        outer.push(ContentInfo {
            content_type: ENCRYPTED_DATA,
            content: Any::encode_from(&enc).unwrap(),
        });
        let auth = OctetString::new(outer.to_der().unwrap()).unwrap();
        Pfx {
            version: pkcs12::pfx::Version::V3,
            auth_safe: ContentInfo {
                content_type: DATA,
                content: Any::encode_from(&auth).unwrap(),
            },
            mac_data: None,
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn key_bags_inside_encrypted_contents_are_priced_before_the_reader_runs() {
        let bytes = nested();
        // Certificates 2 × 600,000, key contents 2 × 2048, the hidden key bag 600,000.
        let visible = 2 * 600_000 + 2 * 2048;
        fuzz_kdf_allowance(visible + 599_999);
        let m = refused(read(&bytes, b"pw"));
        assert!(
            m.contains("its 1 key derivation (about 85 ms)"),
            "the hidden bag: {m}"
        );
        fuzz_kdf_allowance(visible + 600_000);
        let back = read(&bytes, b"pw").unwrap();
        assert_eq!(back.keys.len(), 1, "the reader finds the nested key too");
    }

    #[test]
    fn a_wrong_password_or_garbage_is_left_to_the_reader() {
        let bytes = nested();
        fuzz_kdf_allowance(MAX_KDF_TOTAL);
        assert!(matches!(
            read(&bytes, b"wrong"),
            Err(Error::Password(_)) | Err(Error::Malformed(_))
        ));
        assert!(charge_store(b"\x30\x03\x02\x01\x03", "pw").is_ok());
        assert!(charge_store(&bytes[..bytes.len() / 2], "pw").is_ok());
    }
}
