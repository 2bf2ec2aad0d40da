//! Signature checks with aws-lc: RSA PKCS#1 v1.5 (SHA-1/256/384/512), RSA-PSS (SHA-256/384/512,
//! salt length equal to the hash length), ECDSA P-256/P-384, Ed25519.

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};

/// Why a signature could not be checked or did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigError {
    /// The algorithm (or key/algorithm combination) is not supported.
    Unsupported,
    /// The signature does not verify.
    Invalid,
}

/// Verifies `sig` over `msg` with the issuer's key.
///
/// `sig_oid` / `sig_params` are the signature AlgorithmIdentifier; `key_oid`, `curve_oid`,
/// `public_key` (the subjectPublicKey bits) and `rsa_bits` describe the issuer's key.
pub fn verify(
    sig_oid: &str,
    sig_params: Option<&[u8]>,
    key: &KeyRef<'_>,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), SigError> {
    let alg = algorithm(sig_oid, sig_params, key).ok_or(SigError::Unsupported)?;
    UnparsedPublicKey::new(alg, key.public_key)
        .verify(msg, sig)
        .map_err(|_| SigError::Invalid)
}

/// The issuer key a signature is checked with.
#[derive(Debug, Clone, Copy)]
pub struct KeyRef<'a> {
    /// Public key algorithm OID.
    pub key_oid: &'a str,
    /// Named curve OID for EC keys.
    pub curve_oid: Option<&'a str>,
    /// subjectPublicKey bits.
    pub public_key: &'a [u8],
    /// RSA modulus size.
    pub rsa_bits: usize,
}

impl<'a> KeyRef<'a> {
    /// The key of a parsed certificate.
    pub fn of(cert: &'a super::Cert) -> KeyRef<'a> {
        KeyRef {
            key_oid: &cert.key_oid,
            curve_oid: cert.curve_oid.as_deref(),
            public_key: &cert.public_key,
            rsa_bits: cert.rsa_bits,
        }
    }
}

const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.2.840.10045.3.1.34";

fn algorithm(
    sig_oid: &str,
    params: Option<&[u8]>,
    key: &KeyRef<'_>,
) -> Option<&'static dyn VerificationAlgorithm> {
    let legacy = key.rsa_bits < 2048;
    let rsa = key.key_oid == "1.2.840.113549.1.1.1" || key.key_oid == "1.2.840.113549.1.1.10";
    Some(match sig_oid {
        "1.2.840.113549.1.1.5" if rsa && legacy => {
            &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
        }
        "1.2.840.113549.1.1.5" if rsa => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        "1.2.840.113549.1.1.11" if rsa && legacy => {
            &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        }
        "1.2.840.113549.1.1.11" if rsa => &signature::RSA_PKCS1_2048_8192_SHA256,
        "1.2.840.113549.1.1.12" if rsa && !legacy => &signature::RSA_PKCS1_2048_8192_SHA384,
        "1.2.840.113549.1.1.13" if rsa && legacy => {
            &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
        }
        "1.2.840.113549.1.1.13" if rsa => &signature::RSA_PKCS1_2048_8192_SHA512,
        "1.2.840.113549.1.1.10" if rsa && !legacy => match pss_hash(params?)? {
            256 => &signature::RSA_PSS_2048_8192_SHA256,
            384 => &signature::RSA_PSS_2048_8192_SHA384,
            512 => &signature::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        },
        "1.2.840.10045.4.3.2" => match key.curve_oid? {
            P256 => &signature::ECDSA_P256_SHA256_ASN1,
            P384 => &signature::ECDSA_P384_SHA256_ASN1,
            _ => return None,
        },
        "1.2.840.10045.4.3.3" => match key.curve_oid? {
            P256 => &signature::ECDSA_P256_SHA384_ASN1,
            P384 => &signature::ECDSA_P384_SHA384_ASN1,
            _ => return None,
        },
        "1.2.840.10045.4.3.4" => match key.curve_oid? {
            P256 => &signature::ECDSA_P256_SHA512_ASN1,
            P384 => &signature::ECDSA_P384_SHA512_ASN1,
            _ => return None,
        },
        "1.2.840.10045.4.1" => match key.curve_oid? {
            P256 => &signature::ECDSA_P256_SHA1_ASN1,
            _ => return None,
        },
        "1.3.101.112" if key.key_oid == "1.3.101.112" => &signature::ED25519,
        _ => return None,
    })
}

/// The hash size of RSASSA-PSS-params, from its hashAlgorithm OID; SHA-1 (the default when
/// absent) is not supported.
fn pss_hash(params: &[u8]) -> Option<u32> {
    // The OIDs' DER content: 2.16.840.1.101.3.4.2.{1,2,3}.
    const PREFIX: &[u8] = &[0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
    let at = params.windows(PREFIX.len()).position(|w| w == PREFIX)?;
    match params.get(at + PREFIX.len())? {
        1 => Some(256),
        2 => Some(384),
        3 => Some(512),
        _ => None,
    }
}
