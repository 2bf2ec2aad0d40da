//! Property tests (issue 15 item 2): subjects round-trip through our OpenSSL renderer, the
//! key stores we write read back to what we wrote, and PEM detection finds every block among
//! garbage without panicking.

use proptest::prelude::*;

use crate::formats::detect::{self, Content};
use crate::formats::{CertEntry, KeyEntry, Store, jks, p12};
use crate::pki::cert::{self, Issuer, Signer};
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::profile::Profile;
use crate::pki::{oneline, subject};

/// Attribute types of the generated subjects: each string type and an OID OpenSSL has no name
/// for (rendered and re-parsed as dotted).
const TYPES: &[&str] = &[
    "CN",
    "O",
    "OU",
    "L",
    "ST",
    "C",
    "emailAddress",
    "DC",
    "serialNumber",
    "title",
    "1.2.3.4.5",
];

/// A value OpenSSL's oneline form can carry back: printable ASCII without `/`, `+` and `\`
/// (the oneline form escapes none of them, and renders non-ASCII as `\xHH`).
fn plain_value() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 .,=:@_()'-]{1,20}"
}

/// Any value, written with the slash grammar's escapes.
fn any_value() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 /+=\\\\,é漢\u{1F600}]{1,12}".prop_map(|v| {
        v.chars()
            .flat_map(|c| match c {
                '/' | '+' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// For every subject of single-valued RDNs whose values are printable ASCII other than `/`,
    /// `+` and `\` that the parser accepts: parse → DER → OpenSSL 3 oneline (our renderer) →
    /// parse gives the same DER. (Values outside that alphabet do not survive OpenSSL's own
    /// oneline form, which is why MySQL's REQUIRE SUBJECT strings cannot hold them either.)
    #[test]
    fn accepted_subjects_round_trip_through_the_oneline_form(
        attrs in prop::collection::vec((prop::sample::select(TYPES), plain_value()), 1..6)
    ) {
        let text: String = attrs.iter().map(|(t, v)| format!("/{t}={v}")).collect();
        let Ok(dn) = subject::parse(&text) else {
            return Ok(());
        };
        let der = dn.to_der().unwrap();
        let rendered = oneline::openssl3(&oneline::entries(&der).unwrap());
        let back = subject::parse(&rendered)
            .unwrap_or_else(|e| panic!("{text:?} rendered as {rendered:?}: {e}"));
        prop_assert_eq!(back.to_der().unwrap(), der, "{:?} -> {:?}", text, rendered);
    }

    /// Any subject text, with escapes and multi-valued RDNs: parsing never panics, and an
    /// accepted one encodes, decodes to one entry per attribute, and renders.
    #[test]
    fn any_subject_parses_or_is_refused_without_panicking(
        parts in prop::collection::vec(
            (prop::bool::ANY, prop::sample::select(TYPES), any_value()), 1..6)
    ) {
        let text: String = parts
            .iter()
            .enumerate()
            .map(|(i, (join, t, v))| format!("{}{t}={v}", if *join && i > 0 { '+' } else { '/' }))
            .collect();
        if let Ok(dn) = subject::parse(&text) {
            let der = dn.to_der().unwrap();
            let entries = oneline::entries(&der).unwrap();
            prop_assert_eq!(entries.len(), parts.len());
            let _ = oneline::openssl3(&entries);
            let _ = oneline::rfc4514(&entries);
        }
    }
}

/// A chain of `len` certificates, leaf first, with the leaf's key.
fn chain(len: usize) -> (Vec<Vec<u8>>, PrivateKey) {
    let mut key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
    let spec = cert::tests::spec(Profile::Ca { path_len: None }, &key, "Root");
    let mut certs = vec![cert::issue(&spec, Signer::SelfSigned(&key)).unwrap().cert];
    for i in 1..len {
        let issuer = Issuer::new(certs[i - 1].clone(), key).unwrap();
        key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let profile = if i + 1 == len {
            Profile::Client
        } else {
            Profile::Intermediate { path_len: None }
        };
        let spec = cert::tests::spec(profile, &key, &format!("Level {i}"));
        certs.push(cert::issue(&spec, Signer::Ca(&issuer)).unwrap().cert);
    }
    let mut der: Vec<Vec<u8>> = certs.iter().map(|c| c.der().to_vec()).collect();
    der.reverse();
    (der, key)
}

fn alias() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 ._éß漢-]{1,16}"
}

/// Passwords: printable, including non-ASCII (Latin, CJK, emoji outside the BMP).
fn password() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 !#%&*é€漢\u{1F511}]{1,12}"
}

/// A store with one key entry (a chain of `len`) and `extra` trusted certificates.
fn store(key_alias: &str, trusted: &[String], len: usize) -> Store {
    let (certs, key) = chain(len);
    let root = certs.last().unwrap().clone();
    Store {
        keys: vec![KeyEntry {
            alias: key_alias.to_string(),
            key,
            chain: certs,
        }],
        certs: trusted
            .iter()
            .map(|a| CertEntry {
                alias: a.clone(),
                der: root.clone(),
            })
            .collect(),
        ..Store::default()
    }
}

fn distinct(aliases: &[&String]) -> bool {
    let lower: std::collections::HashSet<String> =
        aliases.iter().map(|a| a.to_lowercase()).collect();
    lower.len() == aliases.len()
}

/// What a store holds, compared by value: aliases (as the format keeps them), each key's
/// public half and chain, each trusted certificate.
fn summary(s: &Store, alias: impl Fn(&str) -> String) -> Vec<(String, Vec<u8>, Vec<Vec<u8>>)> {
    let mut out: Vec<_> = s
        .keys
        .iter()
        .map(|k| (alias(&k.alias), k.key.public_key_der(), k.chain.clone()))
        .chain(
            s.certs
                .iter()
                .map(|c| (alias(&c.alias), Vec::new(), vec![c.der.clone()])),
        )
        .collect();
    out.sort();
    out
}

proptest! {
    // Java KeyStore hashing is cheap: many cases.
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn jks_written_by_us_reads_back_the_same(
        key_alias in alias(),
        trusted in prop::collection::vec(alias(), 0..3),
        pw in password(),
        len in 1usize..5,
    ) {
        let all: Vec<&String> = std::iter::once(&key_alias).chain(&trusted).collect();
        prop_assume!(distinct(&all) && all.iter().all(|a| !a.trim().is_empty()));
        let written = store(&key_alias, &trusted, len);
        let bytes = jks::write(&written, pw.as_bytes()).unwrap();
        let back = jks::read(&bytes, Some(pw.as_bytes())).unwrap();
        prop_assert!(back.integrity_checked);
        prop_assert_eq!(summary(&back, str::to_string), summary(&written, jks::java_alias));
        let wrong = format!("{pw}x");
        prop_assert!(jks::read(&bytes, Some(wrong.as_bytes())).is_err());
    }
}

proptest! {
    // PKCS#12: the legacy profile (2048 iterations) for most cases, the modern one (600,000
    // PBKDF2 iterations, ~0.3 s a store) for a few, to keep the suite fast.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn pkcs12_written_by_us_reads_back_the_same(
        key_alias in alias(),
        trusted in prop::collection::vec(alias(), 0..3),
        pw in password(),
        len in 1usize..5,
        modern in prop::sample::select(&[false, false, true][..]),
    ) {
        // PKCS#12 passwords are BMPStrings: beyond U+FFFF is refused with its own message.
        let written = store(&key_alias, &trusted, len);
        if pw.chars().any(|c| u32::from(c) > 0xFFFF) {
            let err = p12::write(&written, pw.as_bytes(), p12::P12Encryption::Legacy).unwrap_err();
            prop_assert!(err.to_string().contains("beyond the 16-bit characters"), "{}", err);
            return Ok(());
        }
        let all: Vec<&String> = std::iter::once(&key_alias).chain(&trusted).collect();
        prop_assume!(distinct(&all));
        let enc = if modern { p12::P12Encryption::Modern } else { p12::P12Encryption::Legacy };
        let bytes = p12::write(&written, pw.as_bytes(), enc).unwrap();
        let back = p12::read(&bytes, pw.as_bytes()).unwrap();
        prop_assert_eq!(summary(&back, str::to_string), summary(&written, str::to_string));
    }
}

/// One piece of a PEM file: a valid block (index into the pool) or garbage.
#[derive(Debug, Clone)]
enum Piece {
    Block(usize),
    Garbage(Vec<u8>),
}

fn pool() -> &'static [(Vec<u8>, String)] {
    static POOL: std::sync::OnceLock<Vec<(Vec<u8>, String)>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let (certs, _) = chain(3);
        certs
            .into_iter()
            .map(|der| {
                let pem = pem::encode(&pem::Pem::new("CERTIFICATE", der.clone()));
                (der, pem)
            })
            .collect()
    })
}

fn piece(dashes: bool) -> impl Strategy<Value = Piece> {
    let garbage = prop::collection::vec(any::<u8>(), 0..80).prop_map(move |mut g| {
        if !dashes {
            g.retain(|b| *b != b'-');
        }
        Piece::Garbage(g)
    });
    prop_oneof![(0usize..3).prop_map(Piece::Block), garbage]
}

fn file(pieces: &[Piece]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces {
        match p {
            Piece::Block(i) => out.extend_from_slice(pool()[*i].1.as_bytes()),
            Piece::Garbage(g) => out.extend_from_slice(g),
        }
        // Each block starts on its own line, as OpenSSL's PEM reader requires.
        out.push(b'\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Valid certificate blocks among garbage without dashes: every block is found, in order.
    #[test]
    fn pem_detection_finds_every_block_among_garbage(
        pieces in prop::collection::vec(piece(false), 1..8)
    ) {
        let want: Vec<&Vec<u8>> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Block(i) => Some(&pool()[*i].0),
                Piece::Garbage(_) => None,
            })
            .collect();
        let data = file(&pieces);
        match detect::detect(&data, None) {
            Ok(found) => {
                let got: Vec<&Vec<u8>> = found
                    .items
                    .iter()
                    .filter_map(|d| match &d.content {
                        Content::Certificate(der) => Some(der),
                        _ => None,
                    })
                    .collect();
                prop_assert_eq!(got, want);
            }
            // Garbage alone is not a file of ours; with a block in it, it must be found.
            Err(e) => prop_assert!(want.is_empty(), "{}", e),
        }
    }

    /// Any bytes, dashes and half blocks included: detection returns, never panics.
    #[test]
    fn pem_detection_never_panics(pieces in prop::collection::vec(piece(true), 1..8)) {
        let mut data = file(&pieces);
        // Cut somewhere, to make torn blocks too.
        let cut = data.len() * 3 / 4;
        let _ = detect::detect(&data, None);
        data.truncate(cut);
        let _ = detect::detect(&data, None);
    }
}

/// The property test's first finding, kept as a plain regression test: a PKCS#12 password
/// beyond the BMP used to fail deep in the writer with an ASN.1 message.
#[test]
fn pkcs12_password_beyond_the_bmp_is_refused_clearly() {
    let written = store("a", &[], 1);
    for enc in [p12::P12Encryption::Legacy, p12::P12Encryption::Modern] {
        let err = p12::write(&written, "🔑".as_bytes(), enc)
            .unwrap_err()
            .to_string();
        assert!(err.contains("U+1F511"), "{err}");
    }
}
