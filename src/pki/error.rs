//! The PKI core's errors: one enum per area, each variant carrying what went wrong (which
//! attribute, which OID, which limit, which parameter) and rendering a lowercase
//! "what failed: why" line.
//!
//! Messages never name a command-line flag: the core says what is wrong in its own terms and
//! the caller adds the advice (which flag to pass) where it knows it. They never carry key
//! material either. A dependency's error is kept as its text (`detail`) rather than as a
//! `#[source]`: the text is already part of the message, and a source would make anyhow's
//! `{:#}` print it twice.

use der::asn1::ObjectIdentifier;

use super::key::KeyType;

mod names;
pub use names::{NameError, SanProblem, SubjectProblem};

/// Errors of the PKI core, grouped by area.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate or CSR could not be built, parsed or signed.
    #[error(transparent)]
    Cert(#[from] CertError),
    /// A password was wrong, or missing for an encrypted key.
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    /// The issuer cannot sign the requested certificate.
    #[error(transparent)]
    Issuer(#[from] IssuerError),
    /// A key could not be generated, parsed or used.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A subject or SAN could not be parsed or encoded.
    #[error(transparent)]
    Name(#[from] NameError),
    /// A certificate cannot be re-issued.
    #[error(transparent)]
    Renew(#[from] super::renew::RenewError),
    /// A CRL cannot be read or built.
    #[error(transparent)]
    Crl(#[from] super::crl::CrlError),
}

/// A certificate or CSR could not be built, parsed or signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// A CSR field could not be DER-encoded.
    #[error("encoding the CSR {part}: {detail}")]
    CsrEncoding {
        /// The part being encoded ("SAN extension", "attribute", ...).
        part: &'static str,
        /// The encoder's message.
        detail: String,
    },
    /// The CSR's self-signature does not verify (PKCS#10 §3: proof of possession).
    #[error("the CSR's signature does not verify: {detail}")]
    CsrSignature {
        /// The verifier's message.
        detail: String,
    },
    /// A step of building a certificate failed to DER-encode.
    #[error("{step}: {detail}")]
    Encoding {
        /// What was being encoded ("encoding the signature", "public key", ...).
        step: &'static str,
        /// The encoder's message.
        detail: String,
    },
    /// A part of a certificate does not parse (described by `describe`).
    #[error("{what}: {detail}")]
    Unreadable {
        /// What failed ("malformed certificate", "malformed keyUsage", ...).
        what: &'static str,
        /// The parser's message.
        detail: String,
    },
    /// An extension could not be DER-encoded.
    #[error("encoding extension {oid}: {detail}")]
    ExtensionEncoding {
        /// The extension's OID.
        oid: ObjectIdentifier,
        /// The encoder's message.
        detail: String,
    },
    /// not-after is not after not-before (RFC 5280 §4.1.2.5 needs a non-empty window).
    #[error("not-after must be later than not-before")]
    InvertedValidity,
    /// One certificate of a given list (1-based) does not parse.
    #[error("certificate {index} is malformed: {detail}")]
    MalformedCertificate {
        /// Its position in the list, from 1.
        index: usize,
        /// The parser's message.
        detail: String,
    },
    /// A CSR does not parse.
    #[error("malformed CSR: {detail}")]
    MalformedCsr {
        /// The parser's message.
        detail: String,
    },
    /// A DER Name does not parse.
    #[error("malformed name: {why}")]
    MalformedName {
        /// What is wrong with it.
        why: &'static str,
    },
    /// No certificate was given where at least one is needed.
    #[error("no certificate was given")]
    NoCertificate,
    /// A PEM block with another label where a CSR was expected.
    #[error("a PEM '{label}' block is not a CSR")]
    NotACsr {
        /// The block's label.
        label: String,
    },
    /// The OS random source failed while drawing a serial number.
    #[error("no randomness for a serial: {detail}")]
    NoRandomness {
        /// The OS error.
        detail: String,
    },
    /// An OID constant does not parse (a programming error, reported rather than panicking).
    #[error("oid {oid}: {detail}")]
    Oid {
        /// The dotted OID.
        oid: &'static str,
        /// The parser's message.
        detail: String,
    },
    /// A self-signed certificate was asked for with a key other than its subject's.
    #[error("a self-signed certificate must be signed with its own key")]
    SelfSignedWithOtherKey,
    /// The signing operation failed.
    #[error("signing failed: {detail}")]
    Signing {
        /// The signer's message.
        detail: String,
    },
    /// A time cannot be written as UTCTime/GeneralizedTime (RFC 5280 §4.1.2.5).
    #[error("time {time} cannot be encoded: {detail}")]
    Time {
        /// The time, as displayed.
        time: String,
        /// The encoder's message.
        detail: String,
    },
    /// Bytes follow the CSR.
    #[error("malformed CSR: trailing data")]
    TrailingCsrData,
}

/// A password was wrong, or missing for an encrypted key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// The key is encrypted and no password was given (the caller says how to give one).
    #[error("the key is encrypted: a password is needed")]
    PasswordNeeded,
    /// Decryption failed: the padding or the decrypted key did not check out.
    #[error("wrong password, or the key is damaged")]
    WrongPassword,
}

/// The issuer cannot sign the requested certificate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssuerError {
    /// The CA's validity ends before the new certificate could start.
    #[error("the CA has expired: it cannot sign a valid certificate")]
    Expired,
    /// The CA only becomes valid after the requested not-after.
    #[error(
        "the CA is not valid before {not_before}, after the certificate would already have expired"
    )]
    NotYetValid {
        /// The CA's not-before, as displayed.
        not_before: String,
    },
    /// The CA key's public half is not the CA certificate's.
    #[error("the CA key does not belong to the CA certificate")]
    KeyMismatch,
    /// The CA certificate's basicConstraints does not parse.
    #[error("the CA certificate has a malformed basicConstraints: {detail}")]
    MalformedBasicConstraints {
        /// The parser's message.
        detail: String,
    },
    /// The CA certificate does not parse.
    #[error("the CA certificate is malformed: {detail}")]
    MalformedCertificate {
        /// The parser's message.
        detail: String,
    },
    /// The CA certificate's keyUsage does not parse.
    #[error("the CA certificate has a malformed keyUsage: {detail}")]
    MalformedKeyUsage {
        /// The parser's message.
        detail: String,
    },
    /// keyUsage is present without keyCertSign (RFC 5280 §4.2.1.3).
    #[error("the CA certificate's keyUsage does not allow keyCertSign")]
    NoKeyCertSign,
    /// basicConstraints CA:TRUE is missing (RFC 5280 §4.2.1.9).
    #[error("the CA certificate is not a CA (basicConstraints CA:TRUE is missing)")]
    NotCa,
    /// The CA's not-after cannot be represented.
    #[error("the CA certificate's not-after is out of range: {detail}")]
    NotAfterOutOfRange {
        /// The converter's message.
        detail: String,
    },
    /// pathLenConstraint 0 forbids any CA below (RFC 5280 §4.2.1.9).
    #[error("the CA's path length (0) does not allow another CA below it")]
    PathLenZero,
    /// The new intermediate's own pathLenConstraint is not below the CA's.
    #[error("the CA's path length ({limit}) allows at most {} below this intermediate", limit - 1)]
    PathLenTooLong {
        /// The CA's pathLenConstraint (at least 1).
        limit: u32,
    },
}

/// A key could not be generated, parsed or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key was given with certificates, but matches a certificate that is not the leaf.
    #[error("the key belongs to '{owner}', which issued another given certificate, not to the leaf '{}'", leaves.join("', '"))]
    BelongsToIssuer {
        /// The subject of the certificate the key belongs to.
        owner: String,
        /// The subjects of the leaf candidates.
        leaves: Vec<String>,
    },
    /// The key type has no signature algorithm dbtls uses.
    #[error("this key type cannot sign certificates")]
    CannotSign,
    /// An encrypted legacy PEM block without its DEK-Info header (RFC 1421 §4.6.1.3).
    #[error("an encrypted PEM block without a DEK-Info header")]
    DekInfoMissing,
    /// A DEK-Info header on input that is not PEM.
    #[error("DEK-Info without a PEM label")]
    DekInfoWithoutLabel,
    /// A step of encoding or encrypting a key failed.
    #[error("{step}: {detail}")]
    Encoding {
        /// What was being done ("encrypting the key failed", "encoding the curve", ...).
        step: &'static str,
        /// The encoder's message.
        detail: String,
    },
    /// The SEC1 key has no `[0]` parameters, so its curve is unknown (RFC 5915 §3).
    #[error("the EC PRIVATE KEY does not name its curve")]
    EcCurveMissing,
    /// Key generation failed.
    #[error("generating a {key_type} key failed: {detail}")]
    Generate {
        /// The requested type.
        key_type: KeyType,
        /// The generator's message.
        detail: String,
    },
    /// The legacy PEM cipher is not one OpenSSL's `PEM_write` offers that we implement.
    #[error(
        "legacy PEM encryption '{cipher}' is not supported (AES-128/192/256-CBC and DES-EDE3-CBC are)"
    )]
    LegacyCipher {
        /// The cipher named in DEK-Info.
        cipher: String,
    },
    /// DEK-Info is not `CIPHER,IV`.
    #[error("malformed DEK-Info header (expected CIPHER,IV)")]
    MalformedDekInfo,
    /// DEK-Info's IV is not hex.
    #[error("malformed DEK-Info header: the IV is not hex")]
    MalformedDekInfoIv,
    /// DEK-Info's IV has the wrong length for its cipher.
    #[error("malformed DEK-Info header: {cipher} needs a {block}-byte IV")]
    DekInfoIvLength {
        /// The cipher.
        cipher: String,
        /// Its block size, which the IV must equal.
        block: usize,
    },
    /// An `ENCRYPTED PRIVATE KEY` that does not parse.
    #[error("malformed encrypted private key: {detail}")]
    MalformedEncrypted {
        /// The parser's message.
        detail: String,
    },
    /// A SEC1 `EC PRIVATE KEY` that does not parse.
    #[error("malformed EC PRIVATE KEY: {detail}")]
    MalformedEcKey {
        /// The parser's message.
        detail: String,
    },
    /// PEM armour that does not parse.
    #[error("malformed PEM: {detail}")]
    MalformedPem {
        /// The parser's message.
        detail: String,
    },
    /// A SubjectPublicKeyInfo that does not parse.
    #[error("malformed public key: {detail}")]
    MalformedPublicKey {
        /// The parser's message.
        detail: String,
    },
    /// A PKCS#1 `RSA PRIVATE KEY` that does not parse.
    #[error("malformed RSA PRIVATE KEY: {detail}")]
    MalformedRsaKey {
        /// The parser's message.
        detail: String,
    },
    /// The key matches no leaf among the given certificates.
    #[error("the key does not match the leaf certificate '{}'", leaves.join("', '"))]
    NotForLeaf {
        /// The subjects of the leaf candidates.
        leaves: Vec<String>,
    },
    /// The input is no private key encoding dbtls reads.
    #[error("not a private key (PEM or DER PKCS#8, PKCS#1 or SEC1 expected)")]
    NotAPrivateKey,
    /// DER that is not a PKCS#8 `PrivateKeyInfo`.
    #[error("not a PKCS#8 private key: {detail}")]
    NotPkcs8 {
        /// The parser's message.
        detail: String,
    },
    /// PEM input without any `... PRIVATE KEY` block.
    #[error(
        "no PEM private key block (PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY) found"
    )]
    NoPemKey,
    /// The OS random source failed.
    #[error("no randomness: {detail}")]
    NoRandomness {
        /// The OS error.
        detail: String,
    },
    /// The key is encrypted with PKCS#12 PBE (OpenSSL 1.0's `pkcs8 -topk8` default), not PBES2.
    #[error(
        "the key uses PKCS#12 password-based encryption ({oid}), which dbtls does not read; convert it with: openssl pkcs8 -topk8 -v2 aes256 -in OLD -out NEW"
    )]
    Pkcs12Pbe {
        /// The encryption algorithm's OID.
        oid: String,
    },
    /// The file asks for more PBKDF2 iterations than accepted (a hostile file could hang us).
    #[error(
        "the key's PBKDF2 iteration count ({iterations}, {prf}) exceeds what dbtls accepts ({limit} for {prf}, about 1 s)"
    )]
    Pbkdf2Cost {
        /// The PRF, e.g. `HMAC-SHA512`.
        prf: &'static str,
        /// The iteration count in the file.
        iterations: u32,
        /// The most accepted for this PRF ([`crate::pki::keyfile::MAX_KDF_COST`] scaled).
        limit: u32,
    },
    /// The keys read so far together asked for more key-derivation work than one run allows.
    #[error(
        "the key's KDF parameters would bring this run's key-derivation work over {limit_ms} ms (too many expensive encrypted keys in one run)"
    )]
    KdfBudget {
        /// The budget, in milliseconds on the reference machine.
        limit_ms: u64,
    },
    /// The file's scrypt parameters need too much time or memory.
    #[error(
        "the key's scrypt parameters (N={n}, r={r}, p={p}) exceed what dbtls accepts (N ≤ 2^20, 128·r·N ≤ 256 MiB, N·r·p ≤ 1,400,000, about 1 s)"
    )]
    ScryptCost {
        /// Cost parameter N.
        n: u64,
        /// Block size r.
        r: u64,
        /// Parallelization p.
        p: u64,
    },
    /// A key format, encoding and encryption that do not go together (an Ed25519 key as
    /// PKCS#1, legacy encryption of a PKCS#8 key, an encrypted PKCS#1 key as DER).
    #[error("{what}")]
    UnwritableForm {
        /// Why, in words.
        what: &'static str,
    },
    /// A PEM block whose label ends in `PRIVATE KEY` but is none dbtls reads.
    #[error("a PEM '{label}' block is not a supported private key")]
    UnsupportedBlock {
        /// The block's label.
        label: String,
    },
    /// An encrypted key whose scheme pkcs5 does not implement.
    #[error("unsupported key encryption ({oid}): {detail}")]
    UnsupportedEncryption {
        /// The encryption algorithm's OID.
        oid: String,
        /// The parser's message.
        detail: String,
    },
    /// A PKCS#8 key that aws-lc does not load (unknown algorithm or bad values).
    #[error("unsupported or malformed private key: {detail}")]
    UnsupportedKey {
        /// The loader's message.
        detail: String,
    },
}
