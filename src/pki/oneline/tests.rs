//! Unit tests of the REQUIRE strings and RFC 4514 text.

use super::*;
use crate::pki::subject;

fn ents(subject_text: &str) -> Vec<Entry> {
    entries(&subject::parse(subject_text).unwrap().to_der().unwrap()).unwrap()
}

#[test]
fn openssl3_escapes_separators_and_sorts_rdn_members() {
    let e = ents(r"/C=US/O=My Dom, Inc.\/x\+y/UID=jdoe+CN=John Doe");
    assert_eq!(
        openssl3(&e),
        r"/C=US/O=My Dom, Inc.\/x\+y/CN=John Doe+UID=jdoe"
    );
    assert_eq!(
        openssl1(&e),
        "/C=US/O=My Dom, Inc./x+y/CN=John Doe/UID=jdoe"
    );
}

#[test]
fn non_ascii_bytes_are_uppercase_hex_and_backslash_is_kept() {
    let e = ents(r"/CN=Müller\\x");
    assert_eq!(openssl3(&e), r"/CN=M\xC3\xBCller\x");
    let r = render(&e, Dialect::Openssl3);
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
}

#[test]
fn bmp_and_unknown_oids() {
    // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, BMPString "ab" } } }
    let der = [
        0x30, 0x0F, 0x31, 0x0D, 0x30, 0x0B, 0x06, 0x03, 0x55, 0x04, 0x03, 0x1E, 0x04, 0, b'a', 0,
        b'b',
    ];
    let e = entries(&der).unwrap();
    assert_eq!(openssl3(&e), r"/CN=\x00a\x00b");
    assert_eq!(tidb(&e).bytes, b"/CN=ab");
    assert_eq!(rfc4514(&e), "CN=ab");
    let e = ents("/1.2.3.4=v");
    assert_eq!(openssl3(&e), "/1.2.3.4=v");
    assert_eq!(rfc4514(&e), "1.2.3.4=#0c0176");
}

#[test]
fn long_oids_are_cut_to_79_characters() {
    let long = format!("1.2.{}", ["123456789"; 12].join("."));
    // 1.2 = 0x2A, 123456789 = 0xBA 0xEF 0x9A 0x15 in base 128.
    let mut oid = vec![0x2A];
    for _ in 0..12 {
        oid.extend([0xBA, 0xEF, 0x9A, 0x15]);
    }
    let atv = crate::pki::name::tlv(
        0x30,
        &[crate::pki::name::tlv(6, &oid), vec![0x0C, 1, b'v']].concat(),
    );
    let e = entries(&crate::pki::name::tlv(
        0x30,
        &crate::pki::name::tlv(0x31, &atv),
    ))
    .unwrap();
    assert_eq!(e[0].oid, long);
    assert_eq!(openssl3(&e), format!("/{}=v", &long[..79]));
    assert_eq!(oid_text(&[0x88, 0x37, 0x03]).as_deref(), Some("2.999.3"));
    assert_eq!(
        oid_text(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D]).as_deref(),
        Some("1.2.840.113549")
    );
    let big = oid_text(&[
        0x2A, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
    ])
    .unwrap();
    assert_eq!(big, "1.2.18446744073709551616"); // 2 * 128^9 = 2^64
}

#[test]
fn tidb_keeps_ten_attributes_and_warns() {
    let e = ents("/DC=org/O=a/CN=x+UID=u/emailAddress=e@x");
    let r = tidb(&e);
    assert_eq!(r.text(), "/O=a/CN=x/emailAddress=e@x");
    assert!(r.warnings.iter().any(|w| w.contains("DC")));
    assert!(r.warnings.iter().any(|w| w.contains("UID")));
    let r = tidb(&ents(r"/CN=a\/b"));
    assert_eq!(r.text(), "/CN=a/b");
    assert!(r.warnings.iter().any(|w| w.contains("'/' or '='")));
    assert!(tidb(&[]).bytes.is_empty());
}

#[test]
fn rfc4514_reverses_and_escapes() {
    let e = ents("/C=US/O=a,b+CN= x #/CN=y");
    // DER sorts the shorter encoding (O=a,b) first inside the RDN.
    assert_eq!(rfc4514(&e), r"CN=y,O=a\,b+CN=\ x #,C=US");
}

#[test]
fn empty_name_is_empty_and_garbage_is_an_error() {
    assert_eq!(openssl3(&entries(&[0x30, 0x00]).unwrap()), "");
    assert!(entries(&[0x30, 0x05, 0x31]).is_err());
    assert!(entries(&[0x31, 0x00]).is_err());
}
