//! Unit tests of the verification engine: chain building and the main refusal reasons, on
//! certificates made with rcgen.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

use x509_parser::prelude::FromDer;

use super::*;

struct Made {
    der: Vec<u8>,
    params: CertificateParams,
    key: KeyPair,
}

fn params(cn: &str, ca: bool) -> CertificateParams {
    let mut p = CertificateParams::new(if ca {
        vec![]
    } else {
        vec![format!("{cn}.example.com")]
    })
    .unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.use_authority_key_identifier_extension = true;
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    }
    p
}

fn root(cn: &str) -> Made {
    let key = KeyPair::generate().unwrap();
    let params = params(cn, true);
    let der = params.self_signed(&key).unwrap().der().to_vec();
    Made { der, params, key }
}

fn child(cn: &str, ca: bool, issuer: &Made) -> Made {
    let key = KeyPair::generate().unwrap();
    let params = params(cn, ca);
    let signer = Issuer::from_params(&issuer.params, &issuer.key);
    let der = params.signed_by(&key, &signer).unwrap().der().to_vec();
    Made { der, params, key }
}

fn cert(m: &Made) -> Cert {
    Cert::parse(&m.der).unwrap()
}

fn options(purpose: Purpose, hosts: &[&str]) -> Options {
    Options {
        purpose,
        hosts: hosts.iter().map(|h| Host::parse(h)).collect(),
        at: time::OffsetDateTime::now_utc().unix_timestamp(),
        warn_days: 30,
        fail_days: None,
        strict: true,
    }
}

fn run(leaf: &Made, untrusted: &[&Made], anchors: &[&Made], o: &Options) -> Verification {
    verify(
        Input {
            leaf: cert(leaf),
            untrusted: untrusted.iter().map(|m| cert(m)).collect(),
            anchors: anchors.iter().map(|m| cert(m)).collect(),
            crls: vec![],
            key_spki: None,
        },
        o,
    )
}

#[test]
fn builds_through_untrusted_intermediates_to_an_anchor() {
    let r = root("Root");
    let i = child("Int", true, &r);
    let leaf = child("db1", false, &i);
    let v = run(
        &leaf,
        &[&i],
        &[&r],
        &options(Purpose::Server, &["db1.example.com"]),
    );
    assert_eq!(v.failure, None, "{:?}", v.checks);
    assert_eq!(v.chain.len(), 3);
    assert_eq!(v.num_untrusted, 2);
}

#[test]
fn chain_errors_are_openssls() {
    let r = root("Root");
    let other = root("Other");
    let i = child("Int", true, &r);
    let leaf = child("db1", false, &i);
    let any = options(Purpose::Any, &[]);
    // No intermediate: the leaf's issuer is nowhere.
    let v = run(&leaf, &[], &[&r], &any);
    assert_eq!(v.failure, Some((Reason::UnableToGetIssuerCertLocally, 0)));
    // The intermediate trusted but not its root.
    let v = run(&leaf, &[], &[&i], &any);
    assert_eq!(v.failure, Some((Reason::UnableToGetIssuerCert, 1)));
    // An untrusted root.
    let v = run(&leaf, &[&i, &r], &[&other], &any);
    assert_eq!(v.failure, Some((Reason::SelfSignedCertInChain, 2)));
    let v = run(&r, &[], &[&other], &any);
    assert_eq!(v.failure, Some((Reason::DepthZeroSelfSignedCert, 0)));
    // The trusted root itself verifies.
    let v = run(&r, &[], &[&r], &options(Purpose::Ca, &[]));
    assert_eq!(v.failure, None, "{:?}", v.checks);
}

#[test]
fn a_look_alike_issuer_is_not_taken() {
    let r = root("Root");
    let i = child("Int", true, &r);
    let fake = child("Int", true, &r);
    let leaf = child("db1", false, &i);
    // Same name, different key: the AKID does not match, so the real one is used.
    let v = run(&leaf, &[&fake, &i], &[&r], &options(Purpose::Any, &[]));
    assert_eq!(v.failure, None, "{:?}", v.checks);
    assert_eq!(v.chain[1].der, i.der);
}

#[test]
fn purpose_host_and_time_refusals() {
    let r = root("Root");
    let i = child("Int", true, &r);
    let leaf = child("db1", false, &i);
    let v = run(&leaf, &[&i], &[&r], &options(Purpose::Client, &[]));
    assert_eq!(v.failure, Some((Reason::InvalidPurpose, 0)));
    let v = run(
        &leaf,
        &[&i],
        &[&r],
        &options(Purpose::Server, &["db2.example.com"]),
    );
    assert_eq!(v.failure, Some((Reason::HostnameMismatch, 0)));
    let v = run(
        &leaf,
        &[&i],
        &[&r],
        &options(Purpose::Server, &["10.0.0.1"]),
    );
    assert_eq!(v.failure, Some((Reason::IpAddressMismatch, 0)));
    // rcgen's default validity is 1975 to 4096.
    let mut early = options(Purpose::Any, &[]);
    early.at = 0;
    let v = run(&leaf, &[&i], &[&r], &early);
    // internal_verify goes from the root down: the root is reported first.
    assert_eq!(v.failure, Some((Reason::CertNotYetValid, 2)));
}

#[test]
fn a_wrong_signature_is_refused() {
    let r = root("Root");
    let i = child("Int", true, &r);
    let leaf = child("db1", false, &i);
    let mut bad = leaf.der.clone();
    let n = bad.len();
    bad[n - 5] ^= 1;
    let tampered = Made {
        der: bad,
        params: params("db1", false),
        key: KeyPair::generate().unwrap(),
    };
    let v = run(&tampered, &[&i], &[&r], &options(Purpose::Any, &[]));
    assert_eq!(v.failure, Some((Reason::CertSignatureFailure, 0)));
}

#[test]
fn names_compare_in_canonical_form() {
    let (da, db) = (der_name("  Example   DB "), der_name("example db"));
    let a = x509_parser::x509::X509Name::from_der(&da).unwrap().1;
    let b = x509_parser::x509::X509Name::from_der(&db).unwrap().1;
    assert_eq!(cert::canon(&a), cert::canon(&b));
}

fn der_name(cn: &str) -> Vec<u8> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(vec![]).unwrap();
    p.distinguished_name = dn;
    let der = p.self_signed(&key).unwrap().der().to_vec();
    let (_, c) = x509_parser::parse_x509_certificate(&der).unwrap();
    c.subject().as_raw().to_vec()
}
