//! PKCS#7 certs-only SignedData (.p7b), RFC 2315 / RFC 5652 §5 (in progress).

use super::Error;

/// Writes a degenerate (certs-only) SignedData holding `certs` (DER), as DER.
pub fn write(_certs: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    Err(Error::Unsupported(
        "p7b writing is not available in this build".into(),
    ))
}

/// Reads the certificates (DER) of a .p7b, DER or PEM (`-----BEGIN PKCS7-----`).
pub fn read(_data: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    Err(Error::Unsupported(
        "p7b reading is not available in this build".into(),
    ))
}
