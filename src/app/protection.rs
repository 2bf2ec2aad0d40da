//! How a written private key is protected, shared by every command that writes one
//! (`key`, `issue`, `csr`, `setup`, `export pem`).

use anyhow::Result;

use crate::io::Secret;
use crate::io::password::{self, PassSpec, Password, Purpose};
use crate::pki::key::PrivateKey;
use crate::pki::keyfile::{self, Kdf, KeyEncoding, KeyFormat};

/// The prompt label of a new key password.
pub const NEW_KEY_PASSWORD: &str = "New key password";

/// How a written private key is protected.
#[derive(Debug, Clone, Default)]
pub struct Protection {
    /// Encrypt the key (with `passout`, or a prompted password when that is `None`).
    pub encrypt: bool,
    /// Where the new password comes from.
    pub passout: Option<PassSpec>,
    /// The key derivation function.
    pub kdf: Kdf,
    /// The structure and encoding of the key file.
    pub encoding: KeyEncoding,
}

impl Protection {
    /// Whether the key is to be encrypted.
    pub fn is_wanted(&self) -> bool {
        self.encrypt || self.passout.is_some()
    }

    /// Reads the new password now (before any slow work), if the key is to be encrypted.
    pub fn password(&self, label: &str) -> Result<Option<Password>> {
        if !self.is_wanted() {
            return Ok(None);
        }
        password::read(self.passout.as_ref(), Purpose::New, label).map(Some)
    }

    /// The key file's bytes, encrypted with `password` when there is one.
    pub fn encode(&self, key: &PrivateKey, password: Option<&Password>) -> Result<Secret> {
        let bytes = keyfile::encode(key, self.encoding, password.map(|p| p.as_bytes()), self.kdf)?;
        Ok(Secret::new(bytes.to_vec()))
    }

    /// Describes the written key file (`encrypted`: whether a password was used).
    pub fn label(&self, encrypted: bool) -> String {
        let KeyEncoding { format, der } = self.encoding;
        if format == KeyFormat::Pkcs8 && !der {
            return private_label(encrypted, self.kdf);
        }
        let form = format!("{}{}", format.name(), if der { " DER" } else { "" });
        match (encrypted, self.kdf) {
            (false, _) => format!("private key ({form}, not encrypted)"),
            (true, Kdf::Legacy) => {
                format!("private key ({form}, encrypted: legacy DEK-Info AES-256-CBC)")
            }
            (true, Kdf::Pbkdf2) => {
                format!("private key ({form}, encrypted: PBKDF2-HMAC-SHA256, AES-256-CBC)")
            }
            (true, Kdf::Scrypt) => format!("private key ({form}, encrypted: scrypt, AES-256-CBC)"),
        }
    }
}

/// A key as PEM: `ENCRYPTED PRIVATE KEY` with a password, else plain PKCS#8 `PRIVATE KEY`.
pub fn key_pem(key: &PrivateKey, password: Option<&Password>, kdf: Kdf) -> Result<Secret> {
    match password {
        None => Ok(key.to_pem().into()),
        Some(pw) => Ok(keyfile::encrypt_pem(key, pw.as_bytes(), kdf)?.into()),
    }
}

/// Describes a written private key file.
pub fn private_label(encrypted: bool, kdf: Kdf) -> String {
    match (encrypted, kdf) {
        (false, _) => "private key (PKCS#8, not encrypted)".into(),
        (true, Kdf::Pbkdf2) => {
            "private key (PKCS#8, encrypted: PBKDF2-HMAC-SHA256, AES-256-CBC)".into()
        }
        (true, Kdf::Scrypt) => "private key (PKCS#8, encrypted: scrypt, AES-256-CBC)".into(),
        (true, Kdf::Legacy) => "private key (encrypted: legacy DEK-Info AES-256-CBC)".into(),
    }
}
