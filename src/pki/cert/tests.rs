use super::*;
use crate::pki::key::KeyType;
use crate::pki::name::DistinguishedName;

/// A 30-day certificate spec with a UTF8String CN and a localhost SAN (shared by tests).
pub(crate) fn spec(profile: Profile, key: &PrivateKey, cn: &str) -> CertSpec {
    CertSpec {
        profile,
        subject_der: DistinguishedName::common_name(cn)
            .unwrap()
            .to_der()
            .unwrap(),
        public_key_der: key.public_key_der(),
        sans: vec![San::Dns("localhost".into())],
        validity: Validity::days_from(OffsetDateTime::now_utc(), 30),
        serial: random_serial().unwrap(),
    }
}

#[test]
fn a_ca_not_yet_valid_clamps_not_before_or_refuses() {
    let now = OffsetDateTime::now_utc();
    let ca_key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
    let mut ca_spec = spec(Profile::Ca { path_len: None }, &ca_key, "Future CA");
    ca_spec.validity =
        Validity::between(now + Duration::days(10), now + Duration::days(100)).unwrap();
    let ca = issue(&ca_spec, Signer::SelfSigned(&ca_key)).unwrap();
    let issuer = Issuer::new(ca.cert.clone(), ca_key).unwrap();
    let leaf_key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
    let mut leaf = spec(Profile::Client, &leaf_key, "leaf");
    leaf.validity = Validity::days_from(now, 30);
    let issued = issue(&leaf, Signer::Ca(&issuer)).unwrap();
    assert!(
        issued
            .warnings
            .iter()
            .any(|w| w.contains("not-before clamped")),
        "{:?}",
        issued.warnings
    );
    let (_, parsed) = X509Certificate::from_der(issued.cert.der()).unwrap();
    assert_eq!(
        parsed.validity().not_before.timestamp(),
        ca_spec.validity.not_before.unix_timestamp()
    );
    // Ends before the CA starts: nothing to clamp to.
    leaf.validity = Validity::days_from(now, 5);
    let err = issue(&leaf, Signer::Ca(&issuer)).unwrap_err();
    assert!(err.to_string().contains("not valid before"), "{err}");
}

#[test]
fn chain_verifies_and_issuer_is_the_ca_subject() {
    let ca_key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
    let ca = issue(
        &spec(Profile::Ca { path_len: None }, &ca_key, "Root"),
        Signer::SelfSigned(&ca_key),
    )
    .unwrap();
    let issuer = Issuer::new(ca.cert.clone(), ca_key).unwrap();
    let leaf_key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let leaf = issue(&spec(Profile::Server, &leaf_key, "db"), Signer::Ca(&issuer)).unwrap();
    let (_, ca_parsed) = X509Certificate::from_der(ca.cert.der()).unwrap();
    let (_, leaf_parsed) = X509Certificate::from_der(leaf.cert.der()).unwrap();
    assert_eq!(leaf_parsed.issuer().as_raw(), ca_parsed.subject().as_raw());
    leaf_parsed
        .verify_signature(Some(ca_parsed.public_key()))
        .unwrap();
    ca_parsed.verify_signature(None).unwrap();
    assert_eq!(leaf_parsed.raw_serial().len(), 16);
}

#[test]
fn a_leaf_cannot_sign() {
    let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
    let leaf = issue(&spec(Profile::Client, &key, "x"), Signer::SelfSigned(&key)).unwrap();
    let err = Issuer::new(leaf.cert, key).unwrap_err();
    assert!(err.to_string().contains("not a CA"), "{err}");
}

#[test]
fn path_len_zero_refuses_an_intermediate() {
    let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
    let ca = issue(
        &spec(Profile::Ca { path_len: Some(0) }, &key, "R"),
        Signer::SelfSigned(&key),
    )
    .unwrap();
    let issuer = Issuer::new(ca.cert, key).unwrap();
    let sub = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
    let err = issue(
        &spec(Profile::Intermediate { path_len: Some(0) }, &sub, "I"),
        Signer::Ca(&issuer),
    )
    .unwrap_err();
    assert!(err.to_string().contains("path length"), "{err}");
}

#[test]
fn serials_are_positive_and_distinct() {
    let a = random_serial().unwrap();
    let b = random_serial().unwrap();
    assert_ne!(a, b);
    assert!(a[0] & 0x80 == 0 && a[0] & 0x40 != 0);
}
