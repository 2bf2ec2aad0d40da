//! Private key files: every encoding dbtls reads, and the encrypted PKCS#8 it writes.

use der::Decode;
use pkcs8::PrivateKeyInfoRef;
use zeroize::Zeroizing;

use super::Error;
use super::key::PrivateKey;

/// PBKDF2 iterations for new encrypted keys: OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// The key derivation function of a new `ENCRYPTED PRIVATE KEY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kdf {
    /// PBES2 with PBKDF2-HMAC-SHA256, 600,000 iterations, 16-byte salt, AES-256-CBC.
    #[default]
    Pbkdf2,
    /// PBES2 with scrypt (N=2^14, r=8, p=1), AES-256-CBC.
    Scrypt,
}

/// Encrypts `key` as a PKCS#8 `ENCRYPTED PRIVATE KEY` PEM (RFC 5958 §3, RFC 8018 PBES2).
pub fn encrypt_pem(
    key: &PrivateKey,
    password: &[u8],
    kdf: Kdf,
) -> Result<Zeroizing<String>, Error> {
    let info = PrivateKeyInfoRef::from_der(key.pkcs8_der())
        .map_err(|e| Error::Key(format!("re-reading the key: {e}")))?;
    let fail = |e: pkcs8::Error| Error::Key(format!("encrypting the key failed: {e}"));
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Key(format!("no randomness: {e}")))?;
    getrandom::fill(&mut iv).map_err(|e| Error::Key(format!("no randomness: {e}")))?;
    let params = match kdf {
        Kdf::Pbkdf2 => pkcs8::pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
            PBKDF2_ITERATIONS,
            &salt,
            iv,
        ),
        Kdf::Scrypt => pkcs8::pkcs5::pbes2::Parameters::generate_scrypt_aes256cbc(
            pkcs8::pkcs5::scrypt::Params::new(14, 8, 1)
                .map_err(|e| Error::Key(format!("scrypt parameters: {e}")))?,
            &salt,
            iv,
        ),
    }
    .map_err(|e| Error::Key(format!("encryption parameters: {e}")))?;
    let doc = info.encrypt_with_params(params, password).map_err(fail)?;
    doc.to_pem("ENCRYPTED PRIVATE KEY", der::pem::LineEnding::LF)
        .map_err(|e| Error::Key(format!("encoding the encrypted key: {e}")))
}

/// Whether `data` (PEM or DER) is an encrypted private key (PKCS#8 `ENCRYPTED PRIVATE KEY` or
/// legacy `Proc-Type: 4,ENCRYPTED` PEM).
pub fn is_encrypted(data: &[u8]) -> bool {
    match pem::parse(data) {
        Ok(p) => {
            p.tag() == "ENCRYPTED PRIVATE KEY"
                || p.headers()
                    .get("Proc-Type")
                    .is_some_and(|v| v.contains("ENCRYPTED"))
        }
        Err(_) => pkcs8::EncryptedPrivateKeyInfoRef::from_der(data).is_ok(),
    }
}

/// Decodes a private key from PEM or DER, decrypting it with `password` when it is encrypted.
///
/// An encrypted key without a password, a wrong password, or an unrecognised encoding is an
/// [`Error`] whose message names the reason (never the password).
pub fn decode_private_key(data: &[u8], password: Option<&[u8]>) -> Result<PrivateKey, Error> {
    let (label, der) = match pem::parse(data) {
        Ok(p) => (Some(p.tag().to_string()), Zeroizing::new(p.into_contents())),
        Err(_) => (None, Zeroizing::new(data.to_vec())),
    };
    match label.as_deref() {
        Some("PRIVATE KEY") | None if PrivateKeyInfoRef::from_der(&der).is_ok() => {
            PrivateKey::from_pkcs8_der(&der)
        }
        Some("ENCRYPTED PRIVATE KEY") | None => {
            let enc = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der).map_err(|_| {
                Error::Key(
                    "not a private key (PKCS#8, PKCS#1, SEC1 or encrypted PEM expected)".into(),
                )
            })?;
            let Some(password) = password else {
                return Err(Error::Decrypt(
                    "the key is encrypted: a password is needed (--passin)".into(),
                ));
            };
            let plain = enc
                .decrypt(password)
                .map_err(|_| Error::Decrypt("wrong password, or the key is damaged".into()))?;
            PrivateKey::from_pkcs8_der(plain.as_bytes())
        }
        Some(other) => Err(Error::Key(format!(
            "a PEM '{other}' block is not a supported private key"
        ))),
    }
}
