//! Writing private keys: PKCS#8 (RFC 5958), PKCS#1 `RSA PRIVATE KEY` (RFC 8017 Appendix
//! A.1.2) and SEC1 `EC PRIVATE KEY` (RFC 5915), PEM or DER, plain or encrypted.
//!
//! Encryption: PKCS#8 as PBES2 (`ENCRYPTED PRIVATE KEY`, [`super::encrypt_pem`]); PKCS#1 and
//! SEC1 only in OpenSSL's traditional PEM form (`Proc-Type: 4,ENCRYPTED`, `DEK-Info:
//! AES-256-CBC,IV`, key = EVP_BytesToKey(MD5, salt = IV[0..8], 1 round)), which is what
//! `openssl genrsa -aes256` wrote before 3.0 and the only encrypted form Go's crypto/x509
//! (`x509.DecryptPEMBlock`) and some older clients read. Its key derivation is one MD5 round,
//! so a weak password falls quickly: it is written only on request ([`Kdf::Legacy`]).

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use pkcs8::PrivateKeyInfoRef;
use zeroize::Zeroizing;

use super::{Kdf, OID_EC, OID_RSA, Sec1, bytes_to_key};
use crate::pki::key::PrivateKey;
use crate::pki::{Error, KeyError};

/// The structure a private key is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum KeyFormat {
    /// PKCS#8 `PRIVATE KEY` / `ENCRYPTED PRIVATE KEY`: every key type; what OpenSSL 3 writes.
    #[default]
    Pkcs8,
    /// PKCS#1 `RSA PRIVATE KEY` (RSA only): what mysql_ssl_rsa_setup and OpenSSL 1.x wrote.
    Pkcs1,
    /// SEC1 `EC PRIVATE KEY` (ECDSA only): what `openssl ecparam -genkey` writes.
    Sec1,
}

impl KeyFormat {
    /// Its name in summaries.
    pub fn name(self) -> &'static str {
        match self {
            KeyFormat::Pkcs8 => "PKCS#8",
            KeyFormat::Pkcs1 => "PKCS#1",
            KeyFormat::Sec1 => "SEC1",
        }
    }
}

/// How a private key file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyEncoding {
    /// The structure.
    pub format: KeyFormat,
    /// DER instead of PEM.
    pub der: bool,
}

fn unwritable(what: &'static str) -> Error {
    KeyError::UnwritableForm { what }.into()
}

fn encoding_error(step: &'static str) -> impl Fn(der::Error) -> Error {
    move |e| {
        KeyError::Encoding {
            step,
            detail: e.to_string(),
        }
        .into()
    }
}

/// Checks that `encoding` (with encryption by `kdf`, if any) can be written, before any key is
/// generated or password asked for. The key type is checked by [`encode`].
pub fn check_encoding(encoding: KeyEncoding, kdf: Option<Kdf>) -> Result<(), Error> {
    match (encoding.format, kdf) {
        (KeyFormat::Pkcs8, Some(Kdf::Legacy)) => Err(unwritable(
            "legacy (DEK-Info) encryption is for PKCS#1 and SEC1 keys; an encrypted PKCS#8 key uses PBES2 (pbkdf2 or scrypt)",
        )),
        (KeyFormat::Pkcs1 | KeyFormat::Sec1, Some(Kdf::Pbkdf2 | Kdf::Scrypt)) => Err(unwritable(
            "an encrypted PKCS#1 or SEC1 key exists only in the legacy (DEK-Info) PEM form; use the legacy KDF or PKCS#8",
        )),
        (KeyFormat::Pkcs1 | KeyFormat::Sec1, Some(_)) if encoding.der => Err(unwritable(
            "an encrypted PKCS#1 or SEC1 key has no DER form (its encryption lives in PEM headers)",
        )),
        _ => Ok(()),
    }
}

/// The bytes of a private key file: `key` in `encoding`, encrypted with `password` by `kdf`
/// when a password is given.
pub fn encode(
    key: &PrivateKey,
    encoding: KeyEncoding,
    password: Option<&[u8]>,
    kdf: Kdf,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    check_encoding(encoding, password.map(|_| kdf))?;
    if encoding.format == KeyFormat::Pkcs8 {
        return match (password, encoding.der) {
            (None, false) => Ok(Zeroizing::new(key.to_pem().as_bytes().to_vec())),
            (None, true) => Ok(Zeroizing::new(key.pkcs8_der().to_vec())),
            (Some(pw), false) => Ok(Zeroizing::new(
                super::encrypt_pem(key, pw, kdf)?.as_bytes().to_vec(),
            )),
            (Some(pw), true) => super::encrypt_der(key, pw, kdf),
        };
    }
    let (label, inner) = traditional(key, encoding.format)?;
    match password {
        None if encoding.der => Ok(inner),
        None => Ok(pem_bytes(label, &inner, None)),
        Some(pw) => {
            let mut iv = [0u8; 16];
            getrandom::fill(&mut iv).map_err(|e| KeyError::NoRandomness {
                detail: e.to_string(),
            })?;
            let dek_key = bytes_to_key(pw, &iv[..8], 32);
            let body = cbc::Encryptor::<aes::Aes256>::new_from_slices(&dek_key, &iv)
                .map_err(|e| KeyError::Encoding {
                    step: "legacy encryption",
                    detail: e.to_string(),
                })?
                .encrypt_padded_vec::<Pkcs7>(&inner);
            let iv_hex: String = iv.iter().map(|b| format!("{b:02X}")).collect();
            Ok(pem_bytes(label, &body, Some(&iv_hex)))
        }
    }
}

/// The PKCS#1 or SEC1 DER of `key` (the privateKey of its PKCS#8 form, with the curve added
/// to a SEC1 key: RFC 5915 §3 requires the `[0]` parameters when the key travels alone).
fn traditional(
    key: &PrivateKey,
    format: KeyFormat,
) -> Result<(&'static str, Zeroizing<Vec<u8>>), Error> {
    let info = PrivateKeyInfoRef::from_der(key.pkcs8_der())
        .map_err(encoding_error("re-reading the key"))?;
    let oid = info.algorithm.oid;
    let inner = info.private_key.as_bytes();
    match format {
        KeyFormat::Pkcs1 if oid == OID_RSA => {
            Ok(("RSA PRIVATE KEY", Zeroizing::new(inner.to_vec())))
        }
        KeyFormat::Pkcs1 => Err(unwritable("PKCS#1 holds RSA keys only")),
        KeyFormat::Sec1 if oid == OID_EC => {
            let curve = info
                .algorithm
                .parameters
                .ok_or(KeyError::EcCurveMissing)?
                .decode_as::<ObjectIdentifier>()
                .map_err(encoding_error("reading the curve"))?;
            let sec1 = Sec1::from_der(inner).map_err(encoding_error("reading the EC key"))?;
            let full = Sec1 {
                version: sec1.version,
                private_key: sec1.private_key,
                parameters: Some(curve),
                public_key: sec1.public_key,
            };
            Ok((
                "EC PRIVATE KEY",
                Zeroizing::new(
                    full.to_der()
                        .map_err(encoding_error("encoding the EC key"))?,
                ),
            ))
        }
        KeyFormat::Sec1 => Err(unwritable("SEC1 holds ECDSA keys only")),
        KeyFormat::Pkcs8 => Err(unwritable("not a traditional format")),
    }
}

fn pem_bytes(label: &str, der: &[u8], legacy_iv: Option<&str>) -> Zeroizing<Vec<u8>> {
    let mut block = pem::Pem::new(label, der.to_vec());
    if let Some(iv) = legacy_iv {
        // Header values hold no ':' or newline, so add cannot fail; RFC 1421 order.
        let _ = block.headers_mut().add("Proc-Type", "4,ENCRYPTED");
        let _ = block
            .headers_mut()
            .add("DEK-Info", &format!("AES-256-CBC,{iv}"));
    }
    let text = Zeroizing::new(pem::encode_config(
        &block,
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    ));
    Zeroizing::new(text.as_bytes().to_vec())
}
