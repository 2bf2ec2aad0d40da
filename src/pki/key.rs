//! Private keys: generation, the PKCS#8 form we write, and what a public key is.
//!
//! A [`PrivateKey`] holds the rcgen key pair (which signs) and its PKCS#8 DER encoding (which is
//! written). Both are secret: the DER lives in a [`Zeroizing`] buffer, rcgen's `zeroize` feature
//! wipes the pair, and `Debug` prints nothing of either.

use std::fmt;
use std::str::FromStr;

use der::{Decode, Encode};
use pkcs8::PrivateKeyInfoRef;
use rcgen::{KeyPair, PublicKeyData, RsaKeySize, SignatureAlgorithm};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;
use zeroize::Zeroizing;

use super::{Error, KeyError};

/// The key algorithms dbtls generates.
///
/// RSA-2048 is the default because it is what mysql_ssl_rsa_setup wrote and what every MySQL,
/// MariaDB and TiDB client accepts; the others are opt-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyType {
    /// RSA with a 2048-bit modulus, e = 65537.
    #[default]
    Rsa2048,
    /// RSA with a 3072-bit modulus (BSI and security level 3 want ≥ 3000 bits).
    Rsa3072,
    /// RSA with a 4096-bit modulus.
    Rsa4096,
    /// ECDSA on NIST P-256, signing with SHA-256.
    EcdsaP256,
    /// ECDSA on NIST P-384, signing with SHA-384 (the hash RFC 5480 §4 pairs with this curve).
    EcdsaP384,
    /// Ed25519 (RFC 8410); the signature algorithm has no separate hash.
    Ed25519,
}

impl KeyType {
    /// Every key type, in the order `--help` lists them.
    pub const ALL: [KeyType; 6] = [
        KeyType::Rsa2048,
        KeyType::Rsa3072,
        KeyType::Rsa4096,
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::Ed25519,
    ];

    /// The name used on the command line (`rsa2048`, `ecdsa-p256`, ...).
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Rsa2048 => "rsa2048",
            KeyType::Rsa3072 => "rsa3072",
            KeyType::Rsa4096 => "rsa4096",
            KeyType::EcdsaP256 => "ecdsa-p256",
            KeyType::EcdsaP384 => "ecdsa-p384",
            KeyType::Ed25519 => "ed25519",
        }
    }

    /// Whether this is an RSA key type (RSA server keys also get keyEncipherment).
    pub fn is_rsa(self) -> bool {
        matches!(self, KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096)
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyType::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<_> = KeyType::ALL.iter().map(|t| t.name()).collect();
                format!(
                    "unknown key type '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// What kind of public key a key or certificate carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct KeyInfo {
    /// "RSA", "EC" or "Ed25519" (or "unknown").
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Modulus size for RSA, curve size for EC, 256 for Ed25519.
    pub bits: usize,
    /// The curve name for EC keys ("P-256", "P-384", "P-521").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<&'static str>,
}

impl fmt::Display for KeyInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.curve {
            Some(curve) => write!(f, "EC {curve}"),
            None => write!(f, "{} {}", self.kind, self.bits),
        }
    }
}

impl KeyInfo {
    /// Describes the key in a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(spki: &[u8]) -> Result<KeyInfo, Error> {
        let (_, info) =
            SubjectPublicKeyInfo::from_der(spki).map_err(|e| KeyError::MalformedPublicKey {
                detail: e.to_string(),
            })?;
        Ok(KeyInfo::from_spki(&info))
    }

    /// Whether a DER SubjectPublicKeyInfo holds an RSA key (rsaEncryption, RFC 8017 Appendix
    /// A.1): RSA server certificates also get keyEncipherment, which TLS 1.2's RSA key
    /// exchange needs (RFC 5246 §7.4.2).
    pub fn spki_is_rsa(spki: &[u8]) -> Result<bool, Error> {
        let (_, info) =
            SubjectPublicKeyInfo::from_der(spki).map_err(|e| KeyError::MalformedPublicKey {
                detail: e.to_string(),
            })?;
        Ok(matches!(info.parsed(), Ok(PublicKey::RSA(_))))
    }

    /// Describes a parsed SubjectPublicKeyInfo.
    pub fn from_spki(info: &SubjectPublicKeyInfo<'_>) -> KeyInfo {
        const P256: &str = "1.2.840.10045.3.1.7";
        const P384: &str = "1.3.132.0.34";
        const P521: &str = "1.3.132.0.35";
        match info.parsed() {
            Ok(PublicKey::RSA(rsa)) => KeyInfo {
                kind: "RSA",
                bits: rsa.key_size(),
                curve: None,
            },
            Ok(PublicKey::EC(_)) => {
                let curve = info
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|oid| oid.to_id_string());
                let (bits, name) = match curve.as_deref() {
                    Some(P256) => (256, Some("P-256")),
                    Some(P384) => (384, Some("P-384")),
                    Some(P521) => (521, Some("P-521")),
                    _ => (0, None),
                };
                KeyInfo {
                    kind: "EC",
                    bits,
                    curve: name,
                }
            }
            _ if info.algorithm.algorithm.to_id_string() == "1.3.101.112" => KeyInfo {
                kind: "Ed25519",
                bits: 256,
                curve: None,
            },
            _ if info.algorithm.algorithm.to_id_string() == "1.3.101.113" => KeyInfo {
                kind: "Ed448",
                bits: 456,
                curve: None,
            },
            _ => KeyInfo {
                kind: "unknown",
                bits: 0,
                curve: None,
            },
        }
    }
}

/// A private key that can sign, with its PKCS#8 encoding.
pub struct PrivateKey {
    pair: KeyPair,
    pkcs8: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("key", &"[secret key elided]")
            .finish()
    }
}

impl PrivateKey {
    /// Generates a fresh key of the given type from the operating system's RNG (aws-lc).
    pub fn generate(kind: KeyType) -> Result<PrivateKey, Error> {
        let pair = match kind {
            KeyType::Rsa2048 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048)
            }
            KeyType::Rsa3072 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_3072)
            }
            KeyType::Rsa4096 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_4096)
            }
            KeyType::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            KeyType::EcdsaP384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
            KeyType::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519),
        }
        .map_err(|e| KeyError::Generate {
            key_type: kind,
            detail: e.to_string(),
        })?;
        let der = Zeroizing::new(pair.serialize_der());
        let pkcs8 = pkcs8_v1(&der)?;
        Ok(PrivateKey { pair, pkcs8 })
    }

    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` (v1 or v2).
    ///
    /// Other encodings (PKCS#1, SEC1, encrypted forms) are converted to PKCS#8 by
    /// [`crate::pki::keyfile`] before they reach this function.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, Error> {
        let pkcs8 = pkcs8_v1(der)?;
        let pair = KeyPair::try_from(pkcs8.as_slice()).map_err(|e| KeyError::UnsupportedKey {
            detail: e.to_string(),
        })?;
        Ok(PrivateKey { pair, pkcs8 })
    }

    /// The PKCS#8 v1 `PrivateKeyInfo` DER (the form OpenSSL 3.0 reads for every key type).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// `-----BEGIN PRIVATE KEY-----` PEM, in a zeroizing buffer.
    pub fn to_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(pem::encode_config(
            &pem::Pem::new("PRIVATE KEY", self.pkcs8.to_vec()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        ))
    }

    /// The DER SubjectPublicKeyInfo of this key.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.pair.subject_public_key_info()
    }

    /// `-----BEGIN PUBLIC KEY-----` PEM (SPKI), what MySQL's caching_sha2_password reads.
    pub fn public_key_pem(&self) -> String {
        pem::encode_config(
            &pem::Pem::new("PUBLIC KEY", self.public_key_der()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }

    /// Type and size of this key.
    pub fn info(&self) -> KeyInfo {
        KeyInfo::from_spki_der(&self.public_key_der()).unwrap_or(KeyInfo {
            kind: "unknown",
            bits: 0,
            curve: None,
        })
    }

    /// The rcgen signature algorithm this key signs with.
    pub fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.pair.algorithm()
    }

    /// The signing key pair, for the certificate and CSR builders.
    pub(crate) fn pair(&self) -> &KeyPair {
        &self.pair
    }
}

/// Re-encodes PKCS#8 as v1 (no `[1] publicKey`).
///
/// aws-lc writes Ed25519 keys as PKCS#8 v2 (RFC 5958 OneAsymmetricKey with the public key), and
/// OpenSSL 3.0 refuses those ("DECODER routines::unsupported", openssl#9134). Dropping the optional
/// public key gives v1, which every peer reads; rcgen recomputes the public key on load.
fn pkcs8_v1(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut info = PrivateKeyInfoRef::from_der(der).map_err(|e| KeyError::NotPkcs8 {
        detail: e.to_string(),
    })?;
    if info.public_key.is_none() {
        return Ok(Zeroizing::new(der.to_vec()));
    }
    info.public_key = None;
    info.to_der().map(Zeroizing::new).map_err(|e| {
        KeyError::Encoding {
            step: "re-encoding the private key failed",
            detail: e.to_string(),
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ed25519_is_written_as_pkcs8_v1() {
        let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let info = PrivateKeyInfoRef::from_der(key.pkcs8_der()).unwrap();
        assert!(info.public_key.is_none());
        // Reloading gives the same public key.
        let again = PrivateKey::from_pkcs8_der(key.pkcs8_der()).unwrap();
        assert_eq!(again.public_key_der(), key.public_key_der());
    }

    #[test]
    fn key_info_reports_type_and_size() {
        let rsa = PrivateKey::generate(KeyType::Rsa2048).unwrap();
        assert_eq!(
            rsa.info(),
            KeyInfo {
                kind: "RSA",
                bits: 2048,
                curve: None
            }
        );
        assert!(KeyInfo::spki_is_rsa(&rsa.public_key_der()).unwrap());
        let ec = PrivateKey::generate(KeyType::EcdsaP384).unwrap();
        assert_eq!(ec.info().curve, Some("P-384"));
        assert!(!KeyInfo::spki_is_rsa(&ec.public_key_der()).unwrap());
    }

    #[test]
    fn debug_never_shows_key_material() {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("elided"));
        assert!(!shown.contains(&format!("{:?}", &key.pkcs8_der()[..8])));
    }

    #[test]
    fn key_type_names_round_trip() {
        for t in KeyType::ALL {
            assert_eq!(t.name().parse::<KeyType>().unwrap(), t);
        }
        assert!("rsa1024".parse::<KeyType>().is_err());
    }
}
