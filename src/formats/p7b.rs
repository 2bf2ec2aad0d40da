//! PKCS#7 certs-only SignedData (.p7b), RFC 2315 §9 / RFC 5652 §5.
//!
//! A "degenerate" SignedData carries certificates and no signature: version 1, empty
//! digestAlgorithms, encapContentInfo of type id-data without content, `certificates [0]`,
//! an empty `crls [1]` (as OpenSSL's `crl2pkcs7` writes) and empty signerInfos. Windows
//! (certmgr), keytool (`-printcert -file`, `-importcert`) and `openssl pkcs7` read it.
//!
//! The `[0]` SET is encoded by hand so that the certificates stay in chain order (leaf first):
//! `cms`'s `SetOfVec` sorts SET OF members by their DER bytes (X.690 §11.6), which puts the CA
//! first for most chains. OpenSSL keeps input order too, and all readers accept either.
//! Reading uses `cms` for the outer ContentInfo and SignedData structure, then walks the `[0]`
//! SET itself, for the same reason: decoding a `SetOfVec` re-sorts it.

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Reader, SliceReader, Tag, TagNumber};

use super::Error;
use crate::pki::name::tlv;

/// id-signedData (RFC 5652 §5.1).
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-data (RFC 5652 §4).
pub const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");

/// The PEM label OpenSSL writes and reads (RFC 7468 §8).
pub const PEM_LABEL: &str = "PKCS7";

fn malformed(what: impl std::fmt::Display) -> Error {
    Error::Malformed(format!("not a PKCS#7 certificate bundle: {what}"))
}

/// Writes a degenerate (certs-only) SignedData holding `certs` (DER), as DER, in the order given.
pub fn write(certs: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    let mut set = Vec::new();
    for (i, der) in certs.iter().enumerate() {
        x509_cert::Certificate::from_der(der)
            .map_err(|e| Error::Unsupported(format!("certificate {} is malformed: {e}", i + 1)))?;
        set.extend_from_slice(der);
    }
    let oid = |o: ObjectIdentifier| {
        o.to_der()
            .map_err(|e| Error::Malformed(format!("encoding an OID: {e}")))
    };
    let mut signed = Vec::new();
    signed.extend_from_slice(&[0x02, 0x01, 0x01]); // version CMSVersion ::= 1
    signed.extend_from_slice(&[0x31, 0x00]); // digestAlgorithms: empty SET
    signed.extend_from_slice(&tlv(0x30, &oid(ID_DATA)?)); // encapContentInfo { id-data }
    signed.extend_from_slice(&tlv(0xA0, &set)); // certificates [0] IMPLICIT SET OF
    signed.extend_from_slice(&[0xA1, 0x00]); // crls [1]: empty, as OpenSSL writes
    signed.extend_from_slice(&[0x31, 0x00]); // signerInfos: empty SET
    let mut ci = oid(ID_SIGNED_DATA)?;
    ci.extend_from_slice(&tlv(0xA0, &tlv(0x30, &signed))); // content [0] EXPLICIT SignedData
    Ok(tlv(0x30, &ci))
}

/// `-----BEGIN PKCS7-----` PEM of [`write`]'s output.
pub fn write_pem(certs: &[Vec<u8>]) -> Result<String, Error> {
    let der = write(certs)?;
    Ok(pem::encode_config(
        &pem::Pem::new(PEM_LABEL, der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    ))
}

/// Whether `data` looks like a .p7b (PEM label, or DER ContentInfo of type signedData).
pub fn is_p7b(data: &[u8]) -> bool {
    match pem::parse(data) {
        Ok(p) => matches!(p.tag(), "PKCS7" | "PKCS #7 SIGNED DATA" | "CMS"),
        Err(_) => ContentInfo::from_der(data).is_ok_and(|ci| ci.content_type == ID_SIGNED_DATA),
    }
}

/// Reads the certificates (DER) of a .p7b, DER or PEM (`-----BEGIN PKCS7-----`), in file order.
pub fn read(data: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let der = match pem::parse(data) {
        Ok(p) if matches!(p.tag(), "PKCS7" | "PKCS #7 SIGNED DATA" | "CMS") => p.into_contents(),
        Ok(p) => return Err(malformed(format!("a PEM '{}' block, not PKCS7", p.tag()))),
        Err(_) => data.to_vec(),
    };
    let ci = ContentInfo::from_der(&der).map_err(malformed)?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(malformed(format!(
            "content type {} is not signedData",
            ci.content_type
        )));
    }
    // Full structural check with cms (its certificate order is sorted, so it is not used).
    ci.content.decode_as::<SignedData>().map_err(malformed)?;
    let signed = ci.content.value();
    let mut reader = SliceReader::new(signed).map_err(malformed)?;
    let mut out = Vec::new();
    // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, [0] certificates OPTIONAL, ... }
    for _ in 0..3 {
        reader.tlv_bytes().map_err(malformed)?;
    }
    let certs_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(0),
    };
    if !reader.is_finished() && Tag::peek(&reader).map_err(malformed)? == certs_tag {
        let header = der::Header::decode(&mut reader).map_err(malformed)?;
        let body = reader.read_slice(header.length()).map_err(malformed)?;
        let mut set = SliceReader::new(body).map_err(malformed)?;
        while !set.is_finished() {
            let item = set.tlv_bytes().map_err(malformed)?;
            // CertificateChoices: only the plain `certificate` (a SEQUENCE) is an X.509 certificate;
            // the obsolete extended/attribute certificate alternatives ([0]..[3]) are skipped.
            if item.first() == Some(&0x30) {
                x509_cert::Certificate::from_der(item).map_err(malformed)?;
                out.push(item.to_vec());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::chain::fixtures::three;

    #[test]
    fn round_trip_keeps_leaf_first_order_der_and_pem() {
        let (chain, _) = three();
        let der = write(&chain).unwrap();
        assert_eq!(read(&der).unwrap(), chain);
        let pem = write_pem(&chain).unwrap();
        assert!(pem.starts_with("-----BEGIN PKCS7-----\n"));
        assert_eq!(read(pem.as_bytes()).unwrap(), chain);
        assert!(is_p7b(&der) && is_p7b(pem.as_bytes()));
        // cms agrees that it is a well-formed SignedData with three certificates.
        let ci = ContentInfo::from_der(&der).unwrap();
        let sd = ci.content.decode_as::<SignedData>().unwrap();
        assert_eq!(sd.certificates.unwrap().0.len(), 3);
    }

    #[test]
    fn garbage_is_refused() {
        assert!(read(b"not a p7b").is_err());
        assert!(write(&[b"junk".to_vec()]).is_err());
        let cert_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(
            read(cert_pem.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("CERTIFICATE")
        );
    }
}
