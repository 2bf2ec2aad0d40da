//! PKCS#12 (.p12/.pfx) reader and writer (in progress).

use super::{Error, Store};

/// Reads a PKCS#12 file with its password, checking the MAC.
pub fn read(_data: &[u8], _password: &[u8]) -> Result<Store, Error> {
    Err(Error::Unsupported(
        "PKCS#12 reading is not available in this build".into(),
    ))
}
