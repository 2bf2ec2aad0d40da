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
    assert!(err.to_string().contains("PBKDF2 iteration count"), "{err}");
    assert!(start.elapsed().as_secs() < 1);
}

fn hand_made(kdf: pbes2::Kdf) -> Vec<u8> {
    let params = pbes2::Parameters {
        kdf,
        encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: [2; 16] },
    };
    pkcs8::EncryptedPrivateKeyInfo {
        encryption_algorithm: EncryptionScheme::Pbes2(params),
        encrypted_data: OctetStringRef::new(&[0u8; 48]).unwrap(),
    }
    .to_der()
    .unwrap()
}

fn pbkdf2(iterations: u32, prf: pbes2::Pbkdf2Prf) -> Vec<u8> {
    hand_made(
        pbes2::Pbkdf2Params {
            salt: pbes2::Salt::new([1u8; 16]).unwrap(),
            iteration_count: iterations,
            key_length: None,
            prf,
        }
        .into(),
    )
}

fn scrypt(n: u64, r: u16, p: u16) -> Vec<u8> {
    hand_made(
        pbes2::ScryptParams {
            salt: pbes2::Salt::new([1u8; 16]).unwrap(),
            cost_parameter: n,
            block_size: r,
            parallelization: p,
            key_length: Some(32),
        }
        .into(),
    )
}

#[test]
fn pbkdf2_cap_is_scaled_to_the_prf() {
    // 2,000,000 rounds of HMAC-SHA512 is ~1.6 s: refused before any work, naming the PRF and
    // its limit (the same count of HMAC-SHA256, ~0.3 s, is under its limit of 7,000,000).
    let start = std::time::Instant::now();
    let err = decode_private_key(
        &pbkdf2(2_000_000, pbes2::Pbkdf2Prf::HmacWithSha512),
        Some(b"pw"),
    )
    .unwrap_err()
    .to_string();
    assert!(start.elapsed().as_millis() < 200, "{:?}", start.elapsed());
    assert!(err.contains("(2000000, HMAC-SHA512)"), "{err}");
    assert!(err.contains("1166666 for HMAC-SHA512"), "{err}");
    // SHA-1 needs two output blocks for an AES-256 key: the limit halves.
    let err = decode_private_key(
        &pbkdf2(4_000_000, pbes2::Pbkdf2Prf::HmacWithSha1),
        Some(b"pw"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("3500000 for HMAC-SHA1"), "{err}");
}

#[test]
fn scrypt_is_capped_by_memory_and_by_n_r_p() {
    for (n, r, p) in [
        (1 << 20, 8, 16),
        (1 << 20, 1, 128),
        (1 << 14, 8, 2048),
        (1 << 21, 1, 1),
    ] {
        let start = std::time::Instant::now();
        let err = decode_private_key(&scrypt(n, r, p), Some(b"pw"))
            .unwrap_err()
            .to_string();
        assert!(
            start.elapsed().as_millis() < 200,
            "{n} {r} {p}: {:?}",
            start.elapsed()
        );
        assert!(
            err.contains(&format!("scrypt parameters (N={n}, r={r}, p={p})")),
            "{err}"
        );
    }
}

#[test]
fn the_kdf_budget_is_shared_by_every_key_of_a_run() {
    let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
    let pem = encrypt_pem(&key, b"pw", Kdf::Scrypt).unwrap();
    // As if this run had already decrypted keys worth all but a little of the budget.
    KDF_BUDGET.with(|spent| spent.set(MAX_KDF_TOTAL - 1_000));
    let err = decode_private_key(pem.as_bytes(), Some(b"pw"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("key-derivation work over 2000 ms"), "{err}");
    KDF_BUDGET.with(|spent| spent.set(0));
    assert!(decode_private_key(pem.as_bytes(), Some(b"pw")).is_ok());
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
