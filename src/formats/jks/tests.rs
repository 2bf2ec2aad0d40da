//! Round trips, Java compatibility details and hostile inputs for the JKS reader and writer.

use super::*;
use crate::pki::chain::fixtures::three;

fn sample() -> (Store, Vec<Vec<u8>>) {
    let (chain, key) = three();
    let store = Store {
        keys: vec![KeyEntry {
            alias: "Client".into(),
            key,
            chain: chain.clone(),
        }],
        certs: vec![CertEntry {
            alias: "root".into(),
            der: chain[2].clone(),
        }],
        ..Store::default()
    };
    (store, chain)
}

#[test]
fn round_trip_with_and_without_password() {
    let (store, chain) = sample();
    let bytes = write(&store, b"changeit").unwrap();
    assert!(is_jks(&bytes));
    let back = read(&bytes, Some(b"changeit")).unwrap();
    assert!(back.integrity_checked);
    assert_eq!(back.keys.len(), 1);
    assert_eq!(
        back.keys[0].alias, "client",
        "aliases are written lowercase"
    );
    assert_eq!(back.keys[0].chain, chain);
    assert_eq!(back.keys[0].key.pkcs8_der(), store.keys[0].key.pkcs8_der());
    assert_eq!(back.certs[0].der, chain[2]);

    let listed = read(&bytes, None).unwrap();
    assert!(!listed.integrity_checked);
    assert!(listed.keys.is_empty());
    assert_eq!(listed.locked_keys[0].chain.len(), 3);
    assert_eq!(listed.certs.len(), 1);
}

#[test]
fn wrong_password_and_tampering_are_detected() {
    let (store, _) = sample();
    let mut bytes = write(&store, b"changeit").unwrap();
    assert!(matches!(
        read(&bytes, Some(b"wrong")),
        Err(Error::Password(_))
    ));
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    assert!(matches!(
        read(&bytes, Some(b"changeit")),
        Err(Error::Password(_))
    ));
}

#[test]
fn key_protector_round_trip_and_wrong_key_password() {
    let (store, _) = sample();
    let pkcs8 = store.keys[0].key.pkcs8_der();
    let epki = protect_key(pkcs8, "pässword".as_bytes()).unwrap();
    assert_eq!(
        unprotect_key(&epki, "pässword".as_bytes())
            .unwrap()
            .unwrap()
            .as_slice(),
        pkcs8
    );
    assert!(unprotect_key(&epki, b"other").unwrap().is_none());
    // Not PKCS#8 (e.g. a PKCS#1 RSA key): refused before writing.
    assert!(protect_key(&[0x30, 0x03, 0x02, 0x01, 0x00], b"pw").is_err());
}

#[test]
fn modified_utf8_matches_java() {
    assert_eq!(modified_utf8("a\0b"), b"a\xC0\x80b");
    assert_eq!(modified_utf8("é"), "é".as_bytes());
    // U+1F600 is a surrogate pair, each half 3 bytes (CESU-8), not 4-byte UTF-8.
    let smile = modified_utf8("\u{1F600}");
    assert_eq!(smile, [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]);
    for s in ["plain", "a\0b", "Müller", "\u{1F600}x"] {
        assert_eq!(from_modified_utf8(&modified_utf8(s)).unwrap(), s);
    }
}

#[test]
fn duplicate_aliases_differing_in_case_are_refused() {
    let (chain, _) = three();
    let store = Store {
        certs: vec![
            CertEntry {
                alias: "CA".into(),
                der: chain[2].clone(),
            },
            CertEntry {
                alias: "ca".into(),
                der: chain[1].clone(),
            },
        ],
        ..Store::default()
    };
    assert!(write(&store, b"pw").is_err());
}

#[test]
fn truncated_input_is_an_error_not_a_panic() {
    let (store, _) = sample();
    let bytes = write(&store, b"pw").unwrap();
    for n in [0, 4, 12, 40, bytes.len() - 21] {
        assert!(read(&bytes[..n], None).is_err());
    }
}
