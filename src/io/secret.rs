//! Secret bytes (private keys, key stores) and the only way to write them: 0600 by construction.
//!
//! [`Transaction::stage_secret`] takes a [`Secret`] and [`Transaction::stage_public`] takes plain
//! bytes, so a private key cannot be staged with a certificate's 0644 mode by picking the wrong
//! [`Mode`]: the type decides.

use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use super::{Error, Mode, Transaction};

/// Bytes that must not leak: zeroed when dropped, never shown by `Debug`, written 0600.
#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps bytes (a key store, a DER key) as a secret.
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(Zeroizing::new(bytes))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<Zeroizing<String>> for Secret {
    fn from(text: Zeroizing<String>) -> Secret {
        Secret::new(text.as_bytes().to_vec())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([{} bytes elided])", self.0.len())
    }
}

impl Transaction {
    /// Stages a secret (private key, key store): always mode 0600.
    pub fn stage_secret(&mut self, path: &Path, secret: &Secret) -> Result<(), Error> {
        self.stage(path, secret.as_bytes(), Mode::Secret)
    }

    /// Like [`Transaction::stage_secret`], but may replace an existing file without `force`
    /// (see [`Transaction::stage_replacing`]).
    pub fn stage_secret_replacing(
        &mut self,
        path: &Path,
        secret: &Secret,
        replace: bool,
    ) -> Result<(), Error> {
        self.stage_replacing(path, secret.as_bytes(), Mode::Secret, replace)
    }

    /// Stages public bytes (certificate, public key, README): always mode 0644.
    pub fn stage_public(&mut self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        self.stage(path, bytes, Mode::Public)
    }

    /// Like [`Transaction::stage_public`], but may replace an existing file without `force`.
    pub fn stage_public_replacing(
        &mut self,
        path: &Path,
        bytes: &[u8],
        replace: bool,
    ) -> Result<(), Error> {
        self.stage_replacing(path, bytes, Mode::Public, replace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_bytes() {
        let s = Secret::new(b"-----BEGIN PRIVATE KEY-----".to_vec());
        assert_eq!(format!("{s:?}"), "Secret([27 bytes elided])");
    }
}
