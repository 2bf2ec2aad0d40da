//! Java KeyStore (JKS) reader and writer (in progress).

use super::{Error, Store};

/// Whether `data` starts with the JKS magic 0xFEEDFEED.
pub fn is_jks(data: &[u8]) -> bool {
    data.starts_with(&[0xFE, 0xED, 0xFE, 0xED])
}

/// Reads a JKS. Without a password, only trusted certificates and the certificate chains of key
/// entries are listed (as keytool does) and `integrity_checked` is false.
pub fn read(_data: &[u8], _password: Option<&[u8]>) -> Result<Store, Error> {
    Err(Error::Unsupported(
        "JKS reading is not available in this build".into(),
    ))
}
