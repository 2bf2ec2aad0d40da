//! Private key files: every encoding dbtls reads, and the encrypted PKCS#8 it writes.
//!
//! Read, PEM or DER:
//! - PKCS#8 `PRIVATE KEY` (RFC 5958) and `ENCRYPTED PRIVATE KEY` (PBES2, RFC 8018: PBKDF2 with an
//!   HMAC-SHA-256 or HMAC-SHA-1 PRF, or scrypt RFC 7914; AES-CBC or DES-EDE3-CBC);
//! - PKCS#1 `RSA PRIVATE KEY` (RFC 8017 Appendix A.1.2) and SEC1 `EC PRIVATE KEY` (RFC 5915),
//!   which are wrapped into PKCS#8 before loading;
//! - the legacy OpenSSL PEM encryption (`Proc-Type: 4,ENCRYPTED` + `DEK-Info`, RFC 1421 headers),
//!   which `openssl genrsa -aes256` wrote until 3.0 and `-traditional` still writes.
//!
//! Written ([`encode`]): PKCS#8 plain or PBES2-encrypted by default; PKCS#1 and SEC1 on
//! request, plain or in the legacy encrypted form (only when asked for: it uses a single MD5
//! round as its key derivation).
//!
//! Key derivation costs come from the file, so they are checked against fixed caps before any
//! work is done: a hostile file asking for 100 million PBKDF2 rounds (pkcs5 accepts that many)
//! or 64 GiB of scrypt memory is refused instead of hanging the tool.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockCipherDecrypt, BlockModeDecrypt, KeyIvInit};
use der::asn1::{BitStringRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode};
use md5::{Digest, Md5};
#[cfg(test)]
use pkcs8::pkcs5::EncryptionScheme;
use pkcs8::pkcs5::pbes2;
use pkcs8::{EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

mod cost;

#[cfg(test)]
use cost::KDF_BUDGET;
use cost::check_cost;
pub(crate) use cost::{COST_PER_MS, charge, scheme_cost};
pub use cost::{MAX_KDF_COST, MAX_KDF_TOTAL, MAX_SCRYPT_MEMORY, MAX_SCRYPT_N, fuzz_kdf_allowance};

use super::key::PrivateKey;
use super::name::tlv;
use super::{DecryptError, Error, KeyError};

/// PBKDF2 iterations for new encrypted keys: OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// rsaEncryption (RFC 8017 Appendix A.1).
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480 §2.1.1).
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// pkcs-12PbeIds: what OpenSSL 1.0's `pkcs8 -topk8` used by default (PKCS#12 PBE, not PBES2).
const OID_PKCS12_PBE: &str = "1.2.840.113549.1.12.1.";

/// The key derivation function of a new `ENCRYPTED PRIVATE KEY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Kdf {
    /// PBES2 with PBKDF2-HMAC-SHA256, 600,000 iterations, 16-byte salt, AES-256-CBC.
    #[default]
    #[value(
        help = "PBKDF2-HMAC-SHA256, 600,000 iterations (read by every OpenSSL 1.1+, Java, Python)"
    )]
    Pbkdf2,
    /// PBES2 with scrypt (N=2^14, r=8, p=1), AES-256-CBC.
    #[value(help = "scrypt N=2^14 r=8 p=1 (OpenSSL 1.1+; not Java)")]
    Scrypt,
    /// OpenSSL's traditional PEM encryption of a PKCS#1/SEC1 key: DEK-Info AES-256-CBC.
    #[value(
        help = "DEK-Info AES-256-CBC, one MD5 round (PKCS#1/SEC1 only; for Go's crypto/x509 and old clients)"
    )]
    Legacy,
}

mod encode;

pub use encode::{KeyEncoding, KeyFormat, check_encoding, encode};

/// Encrypts `key` as a PKCS#8 `ENCRYPTED PRIVATE KEY` PEM (RFC 5958 §3, RFC 8018 PBES2).
pub fn encrypt_pem(
    key: &PrivateKey,
    password: &[u8],
    kdf: Kdf,
) -> Result<Zeroizing<String>, Error> {
    let doc = encrypt_doc(key, password, kdf)?;
    doc.to_pem("ENCRYPTED PRIVATE KEY", der::pem::LineEnding::LF)
        .map_err(|e| {
            KeyError::Encoding {
                step: "encoding the encrypted key",
                detail: e.to_string(),
            }
            .into()
        })
}

/// [`encrypt_pem`] as DER.
pub fn encrypt_der(
    key: &PrivateKey,
    password: &[u8],
    kdf: Kdf,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    Ok(Zeroizing::new(
        encrypt_doc(key, password, kdf)?.as_bytes().to_vec(),
    ))
}

fn encrypt_doc(key: &PrivateKey, password: &[u8], kdf: Kdf) -> Result<der::SecretDocument, Error> {
    let info = PrivateKeyInfoRef::from_der(key.pkcs8_der()).map_err(|e| KeyError::Encoding {
        step: "re-reading the key",
        detail: e.to_string(),
    })?;
    let fail = |e: pkcs8::Error| KeyError::Encoding {
        step: "encrypting the key failed",
        detail: e.to_string(),
    };
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    let no_randomness = |e: getrandom::Error| KeyError::NoRandomness {
        detail: e.to_string(),
    };
    getrandom::fill(&mut salt).map_err(no_randomness)?;
    getrandom::fill(&mut iv).map_err(no_randomness)?;
    let params = match kdf {
        Kdf::Pbkdf2 => {
            pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, iv)
        }
        Kdf::Scrypt => pbes2::Parameters::generate_scrypt_aes256cbc(
            pkcs8::pkcs5::scrypt::Params::new(14, 8, 1).map_err(|e| KeyError::Encoding {
                step: "scrypt parameters",
                detail: e.to_string(),
            })?,
            &salt,
            iv,
        ),
        Kdf::Legacy => {
            return Err(KeyError::UnwritableForm {
                what: "legacy (DEK-Info) encryption is for PKCS#1 and SEC1 keys",
            }
            .into());
        }
    }
    .map_err(|e| KeyError::Encoding {
        step: "encryption parameters",
        detail: e.to_string(),
    })?;
    info.encrypt_with_params(params, password)
        .map_err(|e| fail(e).into())
}

/// One private key as found in a file: its PEM label (None for DER), headers and bytes.
struct KeyBlock {
    label: Option<String>,
    dek_info: Option<String>,
    der: Zeroizing<Vec<u8>>,
}

/// Picks the private key out of `data`: the first PEM block whose label ends in
/// `PRIVATE KEY` (skipping e.g. the `EC PARAMETERS` block `openssl ecparam -genkey` writes
/// first), or the whole input as DER when it is not PEM.
fn find(data: &[u8]) -> Result<KeyBlock, Error> {
    let looks_pem = data.windows(11).any(|w| w == b"-----BEGIN ");
    if !looks_pem {
        return Ok(KeyBlock {
            label: None,
            dek_info: None,
            der: Zeroizing::new(data.to_vec()),
        });
    }
    let blocks = pem::parse_many(data).map_err(|e| KeyError::MalformedPem {
        detail: e.to_string(),
    })?;
    let Some(block) = blocks
        .into_iter()
        .find(|b| b.tag().ends_with("PRIVATE KEY"))
    else {
        return Err(KeyError::NoPemKey.into());
    };
    from_block(&block)
}

/// The key of one parsed PEM block, with its label and legacy encryption header.
fn from_block(block: &pem::Pem) -> Result<KeyBlock, Error> {
    let encrypted = block
        .headers()
        .get("Proc-Type")
        .is_some_and(|v| v.contains("ENCRYPTED"));
    let dek_info = if encrypted {
        Some(
            block
                .headers()
                .get("DEK-Info")
                .ok_or(KeyError::DekInfoMissing)?
                .to_string(),
        )
    } else {
        None
    };
    let label = Some(block.tag().to_string());
    Ok(KeyBlock {
        label,
        dek_info,
        der: Zeroizing::new(block.contents().to_vec()),
    })
}

/// Whether `data` (PEM or DER) is an encrypted private key (PKCS#8 `ENCRYPTED PRIVATE KEY` or
/// legacy `Proc-Type: 4,ENCRYPTED` PEM).
pub fn is_encrypted(data: &[u8]) -> bool {
    find(data).is_ok_and(|f| found_encrypted(&f))
}

/// [`is_encrypted`] for one already parsed PEM block (a file with several keys).
pub fn is_encrypted_block(block: &pem::Pem) -> bool {
    from_block(block).is_ok_and(|f| found_encrypted(&f))
}

fn found_encrypted(f: &KeyBlock) -> bool {
    match f.label.as_deref() {
        Some("ENCRYPTED PRIVATE KEY") => true,
        Some(_) => f.dek_info.is_some(),
        None => PrivateKeyInfoRef::from_der(&f.der).is_err() && EpkiShape::from_der(&f.der).is_ok(),
    }
}

/// Decodes a private key from PEM or DER, decrypting it with `password` when it is encrypted.
///
/// An encrypted key without a password, a wrong password, or an unrecognised encoding is an
/// [`Error`] whose message names the reason (never the password). A password given for a key
/// that is not encrypted is ignored, as OpenSSL does.
pub fn decode_private_key(data: &[u8], password: Option<&[u8]>) -> Result<PrivateKey, Error> {
    decode_found(&find(data)?, password)
}

/// [`decode_private_key`] for one already parsed PEM block, so that a file holding several
/// keys is not parsed again per key.
pub fn decode_block(block: &pem::Pem, password: Option<&[u8]>) -> Result<PrivateKey, Error> {
    decode_found(&from_block(block)?, password)
}

fn decode_found(found: &KeyBlock, password: Option<&[u8]>) -> Result<PrivateKey, Error> {
    let need_password = || DecryptError::PasswordNeeded;
    if let Some(dek) = &found.dek_info {
        let password = password.ok_or_else(need_password)?;
        let plain = legacy_decrypt(dek, password, &found.der)?;
        let key = match found.label.as_deref() {
            Some("RSA PRIVATE KEY") => from_pkcs1(&plain),
            Some("EC PRIVATE KEY") => from_sec1(&plain),
            Some("PRIVATE KEY") => PrivateKey::from_pkcs8_der(&plain),
            Some(other) => {
                return Err(KeyError::UnsupportedBlock {
                    label: other.to_string(),
                }
                .into());
            }
            None => return Err(KeyError::DekInfoWithoutLabel.into()),
        };
        // About 1 in 256 wrong passwords get past the padding check and fail here instead.
        return key.map_err(|_| wrong_password());
    }
    match found.label.as_deref() {
        Some("PRIVATE KEY") => PrivateKey::from_pkcs8_der(&found.der),
        Some("ENCRYPTED PRIVATE KEY") => {
            decrypt_pkcs8(&found.der, password.ok_or_else(need_password)?)
        }
        Some("RSA PRIVATE KEY") => from_pkcs1(&found.der),
        Some("EC PRIVATE KEY") => from_sec1(&found.der),
        Some(other) => Err(KeyError::UnsupportedBlock {
            label: other.to_string(),
        }
        .into()),
        None => {
            let der = &found.der;
            if PrivateKeyInfoRef::from_der(der).is_ok() {
                PrivateKey::from_pkcs8_der(der)
            } else if EpkiShape::from_der(der).is_ok() {
                decrypt_pkcs8(der, password.ok_or_else(need_password)?)
            } else if RsaShape::from_der(der).is_ok() {
                from_pkcs1(der)
            } else if Sec1::from_der(der).is_ok() {
                from_sec1(der)
            } else {
                Err(KeyError::NotAPrivateKey.into())
            }
        }
    }
}

fn wrong_password() -> Error {
    DecryptError::WrongPassword.into()
}

/// `EncryptedPrivateKeyInfo` with any algorithm (to recognise the shape and name the algorithm
/// before pkcs5 refuses one it does not know).
#[derive(der::Sequence)]
#[allow(dead_code)]
struct EpkiShape<'a> {
    algorithm: AlgorithmIdentifierRef<'a>,
    data: &'a OctetStringRef,
}

/// PKCS#1 `RSAPrivateKey` (RFC 8017 Appendix A.1.2), two-prime form, only to recognise one:
/// aws-lc checks the values when the key is loaded.
#[derive(der::Sequence)]
#[allow(dead_code)]
struct RsaShape<'a> {
    version: u8,
    modulus: der::asn1::UintRef<'a>,
    public_exponent: der::asn1::UintRef<'a>,
    private_exponent: der::asn1::UintRef<'a>,
    prime1: der::asn1::UintRef<'a>,
    prime2: der::asn1::UintRef<'a>,
    exponent1: der::asn1::UintRef<'a>,
    exponent2: der::asn1::UintRef<'a>,
    coefficient: der::asn1::UintRef<'a>,
}

/// SEC1 `ECPrivateKey` (RFC 5915 §3).
#[derive(der::Sequence)]
#[allow(dead_code)]
struct Sec1<'a> {
    version: u8,
    private_key: &'a OctetStringRef,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    parameters: Option<ObjectIdentifier>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    public_key: Option<BitStringRef<'a>>,
}

/// Checks the KDF cost of an encrypted PKCS#8 key, then decrypts it.
fn decrypt_pkcs8(der: &[u8], password: &[u8]) -> Result<PrivateKey, Error> {
    let shape = EpkiShape::from_der(der).map_err(|e| KeyError::MalformedEncrypted {
        detail: e.to_string(),
    })?;
    let alg = shape.algorithm.oid.to_string();
    if alg.starts_with(OID_PKCS12_PBE) {
        return Err(KeyError::Pkcs12Pbe { oid: alg }.into());
    }
    let enc =
        EncryptedPrivateKeyInfoRef::from_der(der).map_err(|e| KeyError::UnsupportedEncryption {
            oid: alg,
            detail: e.to_string(),
        })?;
    check_cost(&enc.encryption_algorithm)?;
    let plain = enc.decrypt(password).map_err(|_| wrong_password())?;
    PrivateKey::from_pkcs8_der(plain.as_bytes()).map_err(|_| wrong_password())
}

/// Wraps a PKCS#1 RSAPrivateKey as PKCS#8 (AlgorithmIdentifier rsaEncryption with NULL
/// parameters, RFC 8017 Appendix A.1) and loads it.
fn from_pkcs1(der: &[u8]) -> Result<PrivateKey, Error> {
    RsaShape::from_der(der).map_err(|e| KeyError::MalformedRsaKey {
        detail: e.to_string(),
    })?;
    let alg = AlgorithmIdentifierRef {
        oid: OID_RSA,
        parameters: Some(der::AnyRef::NULL),
    };
    wrap(alg, der)
}

/// Wraps a SEC1 ECPrivateKey as PKCS#8 with id-ecPublicKey and the namedCurve from its `[0]`
/// parameters (RFC 5915 §3 says they are present when the key travels alone, as here).
fn from_sec1(der: &[u8]) -> Result<PrivateKey, Error> {
    let sec1 = Sec1::from_der(der).map_err(|e| KeyError::MalformedEcKey {
        detail: e.to_string(),
    })?;
    let Some(curve) = sec1.parameters else {
        return Err(KeyError::EcCurveMissing.into());
    };
    let curve_err = |e: der::Error| KeyError::Encoding {
        step: "encoding the curve",
        detail: e.to_string(),
    };
    let curve_der = curve.to_der().map_err(curve_err)?;
    let params = der::AnyRef::from_der(&curve_der).map_err(curve_err)?;
    let alg = AlgorithmIdentifierRef {
        oid: OID_EC,
        parameters: Some(params),
    };
    wrap(alg, der)
}

fn wrap(alg: AlgorithmIdentifierRef<'_>, key: &[u8]) -> Result<PrivateKey, Error> {
    let alg = alg.to_der().map_err(|e| KeyError::Encoding {
        step: "encoding the key algorithm",
        detail: e.to_string(),
    })?;
    // PrivateKeyInfo ::= SEQUENCE { version 0, privateKeyAlgorithm, privateKey OCTET STRING }
    let body = Zeroizing::new([&[0x02, 0x01, 0x00][..], &alg, &tlv(0x04, key)].concat());
    let pkcs8 = Zeroizing::new(tlv(0x30, &body));
    PrivateKey::from_pkcs8_der(&pkcs8)
}

/// Decrypts the body of a legacy encrypted PEM block.
///
/// OpenSSL's `PEM_do_header`: the key is `EVP_BytesToKey(cipher, MD5, salt = iv[0..8], count 1)`,
/// that is D_1 = MD5(pass || salt), D_i = MD5(D_{i-1} || pass || salt), concatenated and cut to
/// the key length; the IV is the hex value after the comma in `DEK-Info`.
fn legacy_decrypt(
    dek_info: &str,
    password: &[u8],
    body: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let (cipher, iv_hex) = dek_info.split_once(',').ok_or(KeyError::MalformedDekInfo)?;
    let cipher = cipher.trim().to_ascii_uppercase();
    let iv = hex(iv_hex.trim()).ok_or(KeyError::MalformedDekInfoIv)?;
    let (key_len, block) = match cipher.as_str() {
        "AES-128-CBC" => (16, 16),
        "AES-192-CBC" => (24, 16),
        "AES-256-CBC" => (32, 16),
        "DES-EDE3-CBC" => (24, 8),
        other => {
            return Err(KeyError::LegacyCipher {
                cipher: other.to_string(),
            }
            .into());
        }
    };
    if iv.len() != block {
        return Err(KeyError::DekInfoIvLength { cipher, block }.into());
    }
    let key = bytes_to_key(password, &iv[..8], key_len);
    let plain = match cipher.as_str() {
        "AES-128-CBC" => cbc_decrypt::<aes::Aes128>(&key, &iv, body),
        "AES-192-CBC" => cbc_decrypt::<aes::Aes192>(&key, &iv, body),
        "AES-256-CBC" => cbc_decrypt::<aes::Aes256>(&key, &iv, body),
        _ => cbc_decrypt::<des::TdesEde3>(&key, &iv, body),
    };
    plain.ok_or_else(wrong_password)
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], body: &[u8]) -> Option<Zeroizing<Vec<u8>>>
where
    C: BlockCipherDecrypt + cbc::cipher::KeyInit,
{
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    dec.decrypt_padded_vec::<Pkcs7>(body)
        .ok()
        .map(Zeroizing::new)
}

/// OpenSSL's `EVP_BytesToKey` with MD5 and one round.
fn bytes_to_key(password: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut prev: Option<Zeroizing<Vec<u8>>> = None;
    while out.len() < len {
        let mut h = Md5::new();
        if let Some(p) = &prev {
            h.update(p.as_slice());
        }
        h.update(password);
        h.update(salt);
        let d = Zeroizing::new(h.finalize().to_vec());
        out.extend_from_slice(&d);
        prev = Some(d);
    }
    out.truncate(len);
    out
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests;
