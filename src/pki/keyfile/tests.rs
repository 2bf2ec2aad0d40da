//! Unit tests of the key-file reader and writer.
use super::*;
use crate::pki::key::KeyType;

#[test]
fn encrypted_round_trip_and_wrong_password() {
    let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
    let pem = encrypt_pem(&key, b"pw", Kdf::Scrypt).unwrap();
    assert!(is_encrypted(pem.as_bytes()));
    assert!(!is_encrypted(key.to_pem().as_bytes()));
    let back = decode_private_key(pem.as_bytes(), Some(b"pw")).unwrap();
    assert_eq!(back.public_key_der(), key.public_key_der());
    assert!(matches!(
        decode_private_key(pem.as_bytes(), Some(b"nope")),
        Err(Error::Decrypt(_))
    ));
    assert!(matches!(
        decode_private_key(pem.as_bytes(), None),
        Err(Error::Decrypt(_))
    ));
    // DER of the same.
    let der = pem::parse(pem.as_bytes()).unwrap().into_contents();
    assert!(is_encrypted(&der));
    assert!(decode_private_key(&der, Some(b"pw")).is_ok());
}

#[test]
fn hostile_pbkdf2_cost_is_refused_before_work() {
    let params =
        pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(50_000_000, &[1; 16], [2; 16]).unwrap();
    // Encrypting with 50M iterations would take seconds: build the file by hand instead.
    let enc = pkcs8::EncryptedPrivateKeyInfo {
        encryption_algorithm: EncryptionScheme::Pbes2(params),
        encrypted_data: OctetStringRef::new(&[0u8; 48]).unwrap(),
    };
    let der = enc.to_der().unwrap();
    let start = std::time::Instant::now();
    let err = decode_private_key(&der, Some(b"pw")).unwrap_err();
    assert!(err.to_string().contains("PBKDF2 iterations"), "{err}");
    assert!(start.elapsed().as_secs() < 1);
}

#[test]
fn evp_bytes_to_key_matches_openssl() {
    // The first block is MD5(pass || salt); the openssl interop tests cover the rest.
    let key = bytes_to_key(b"pw", &[1, 2, 3, 4, 5, 6, 7, 8], 32);
    assert_eq!(key.len(), 32);
    let d1 = Md5::new()
        .chain_update(b"pw")
        .chain_update([1, 2, 3, 4, 5, 6, 7, 8])
        .finalize();
    assert_eq!(&key[..16], d1.as_slice());
}

#[test]
fn plain_pkcs8_der_and_garbage() {
    let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    assert!(decode_private_key(key.pkcs8_der(), None).is_ok());
    assert!(decode_private_key(b"hello", None).is_err());
    assert!(
        decode_private_key(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            None
        )
        .is_err()
    );
}
