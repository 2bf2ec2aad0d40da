//! A certificate as the verifier sees it: the facts OpenSSL caches in `x509v3_cache_extensions`
//! (`ex_flags`, `ex_kusage`, `ex_xkusage`, `ex_nscert`, `ex_pathlen`, SKID/AKID), owned, so the
//! chain builder can move certificates around without borrowing the input buffers.

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use super::Error;

/// keyUsage bits, OpenSSL's `KU_*` values.
pub(crate) mod ku {
    pub const DIGITAL_SIGNATURE: u16 = 0x80;
    pub const KEY_ENCIPHERMENT: u16 = 0x20;
    pub const KEY_AGREEMENT: u16 = 0x08;
    pub const KEY_CERT_SIGN: u16 = 0x04;
    pub const CRL_SIGN: u16 = 0x02;
}

/// nsCertType bits, OpenSSL's `NS_*` values.
pub(crate) mod ns {
    pub const SSL_CLIENT: u8 = 0x80;
    pub const SSL_SERVER: u8 = 0x40;
    pub const SSL_CA: u8 = 0x04;
    pub const ANY_CA: u8 = 0x07;
}

/// Extensions OpenSSL 3 knows (`X509_supported_extension`): any other critical one is
/// `X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION`.
const SUPPORTED: &[&str] = &[
    "2.16.840.1.113730.1.1",
    "2.5.29.15",
    "2.5.29.17",
    "2.5.29.19",
    "2.5.29.32",
    "2.5.29.37",
    "1.3.6.1.5.5.7.1.7",
    "1.3.6.1.5.5.7.1.8",
    "2.5.29.36",
    "1.3.6.1.5.5.7.1.14",
    "2.5.29.30",
    "2.5.29.33",
    "2.5.29.54",
];

/// One canonical name attribute: OID bytes, and the value either canonicalised (string types:
/// UTF-8, trimmed, inner whitespace collapsed, ASCII lowercased) or raw (other types).
type CanonAttr = (Vec<u8>, bool, Vec<u8>);

/// A name in OpenSSL's canonical form (`x509_name_canon`): what `X509_NAME_cmp` compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonName(Vec<Vec<CanonAttr>>);

/// The authorityKeyIdentifier fields `X509_check_akid` compares.
#[derive(Debug, Clone, Default)]
pub struct Akid {
    /// keyIdentifier.
    pub key_id: Option<Vec<u8>>,
    /// The first directoryName of authorityCertIssuer.
    pub issuer: Option<CanonName>,
    /// authorityCertSerialNumber, big-endian without leading zeros.
    pub serial: Option<Vec<u8>>,
}

/// A parsed certificate with the facts verification needs.
#[derive(Debug, Clone)]
pub struct Cert {
    /// The whole certificate.
    pub der: Vec<u8>,
    /// The signed part (TBSCertificate).
    pub tbs: Vec<u8>,
    /// The outer signatureAlgorithm, raw DER, and the TBS one (strict mode compares them).
    pub sig_alg_der: (Vec<u8>, Vec<u8>),
    /// The signature algorithm OID (dotted) and its parameters (DER), from the TBS.
    pub sig_oid: String,
    /// Parameters of the signature algorithm (RSA-PSS), DER.
    pub sig_params: Option<Vec<u8>>,
    /// The signature value.
    pub signature: Vec<u8>,
    /// SubjectPublicKeyInfo, DER.
    pub spki: Vec<u8>,
    /// The public key algorithm OID (dotted).
    pub key_oid: String,
    /// The EC curve OID (dotted), if an EC key.
    pub curve_oid: Option<String>,
    /// Whether the EC parameters are explicit rather than a named curve.
    pub explicit_curve: bool,
    /// The subjectPublicKey bits.
    pub public_key: Vec<u8>,
    /// RSA modulus size in bits (0 for other keys).
    pub rsa_bits: usize,
    /// 1 for v1, 3 for v3.
    pub version: u32,
    /// Serial number, big-endian without leading zeros.
    pub serial: Vec<u8>,
    /// Subject and issuer, raw DER.
    pub subject_der: Vec<u8>,
    /// Issuer, raw DER.
    pub issuer_der: Vec<u8>,
    /// Subject and issuer, canonical.
    pub subject: CanonName,
    /// Issuer, canonical.
    pub issuer: CanonName,
    /// Number of attributes in the subject and in the issuer.
    pub subject_len: usize,
    /// Number of attributes in the issuer.
    pub issuer_len: usize,
    /// Subject commonName values as UTF-8 (host checks fall back on them).
    pub common_names: Vec<String>,
    /// Validity, unix seconds.
    pub not_before: i64,
    /// End of validity, unix seconds.
    pub not_after: i64,
    /// basicConstraints: present, critical, cA, pathLen.
    pub bc: Option<(bool, bool, Option<u32>)>,
    /// keyUsage in OpenSSL bit values, if present.
    pub key_usage: Option<u16>,
    /// extendedKeyUsage: (serverAuth, clientAuth, SGC), if present.
    pub eku: Option<(bool, bool, bool)>,
    /// nsCertType bits, if present.
    pub ns_cert_type: Option<u8>,
    /// subjectKeyIdentifier and whether it is critical.
    pub skid: Option<(Vec<u8>, bool)>,
    /// authorityKeyIdentifier and whether it is critical.
    pub akid: Option<(Akid, bool)>,
    /// subjectAltName: DNS names, IP addresses, number of names, critical.
    pub san: Option<San>,
    /// Whether a critical extension OpenSSL does not handle is present.
    pub unhandled_critical: bool,
    /// Whether there are any extensions (v1/v2 certificates must have none under strict).
    pub has_extensions: bool,
    /// Whether a proxyCertInfo extension is present.
    pub proxy: bool,
}

/// The subjectAltName facts host checks and strict checks use.
#[derive(Debug, Clone, Default)]
pub struct San {
    /// dNSName entries (raw bytes as IA5String).
    pub dns: Vec<Vec<u8>>,
    /// iPAddress entries (4 or 16 bytes).
    pub ip: Vec<Vec<u8>>,
    /// All entries.
    pub count: usize,
    /// Whether the extension is critical.
    pub critical: bool,
}

impl Cert {
    /// Parses one DER certificate.
    pub fn parse(der: &[u8]) -> Result<Cert, Error> {
        let (_, x) = X509Certificate::from_der(der)
            .map_err(|e| Error::Malformed(format!("not a certificate: {e}")))?;
        let tbs = &x.tbs_certificate;
        let spki = &tbs.subject_pki;
        let key_oid = spki.algorithm.algorithm.to_id_string();
        let params = spki.algorithm.parameters.as_ref();
        let curve_oid = params
            .and_then(|p| p.as_oid().ok())
            .map(|o| o.to_id_string());
        let explicit_curve =
            key_oid == "1.2.840.10045.2.1" && params.is_some_and(|p| p.header.tag().0 == 16);
        let rsa_bits = match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => rsa.key_size(),
            _ => 0,
        };
        let mut cert = Cert {
            der: der.to_vec(),
            tbs: tbs.as_ref().to_vec(),
            sig_alg_der: (raw_alg(der, true), raw_alg(der, false)),
            sig_oid: tbs.signature.algorithm.to_id_string(),
            sig_params: x
                .signature_algorithm
                .parameters
                .as_ref()
                .map(|p| p.as_bytes().to_vec()),
            signature: x.signature_value.data.to_vec(),
            spki: spki.raw.to_vec(),
            key_oid,
            curve_oid,
            explicit_curve,
            public_key: spki.subject_public_key.data.to_vec(),
            rsa_bits,
            version: tbs.version.0 + 1,
            serial: strip_zeros(tbs.raw_serial()),
            subject_der: tbs.subject.as_raw().to_vec(),
            issuer_der: tbs.issuer.as_raw().to_vec(),
            subject: canon(&tbs.subject),
            issuer: canon(&tbs.issuer),
            subject_len: tbs.subject.iter_attributes().count(),
            issuer_len: tbs.issuer.iter_attributes().count(),
            common_names: tbs
                .subject
                .iter_common_name()
                .map(|a| String::from_utf8_lossy(&to_utf8(a.attr_value())).into_owned())
                .collect(),
            not_before: tbs.validity.not_before.timestamp(),
            not_after: tbs.validity.not_after.timestamp(),
            bc: None,
            key_usage: None,
            eku: None,
            ns_cert_type: None,
            skid: None,
            akid: None,
            san: None,
            unhandled_critical: false,
            has_extensions: !tbs.extensions().is_empty(),
            proxy: false,
        };
        for ext in tbs.extensions() {
            let oid = ext.oid.to_id_string();
            if ext.critical && !SUPPORTED.contains(&oid.as_str()) {
                cert.unhandled_critical = true;
            }
            cert.proxy |= oid == "1.3.6.1.5.5.7.1.14";
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => {
                    cert.bc = Some((ext.critical, bc.ca, bc.path_len_constraint));
                }
                ParsedExtension::KeyUsage(k) => cert.key_usage = Some(openssl_ku(k.flags)),
                ParsedExtension::ExtendedKeyUsage(e) => {
                    let sgc = e.other.iter().any(|o| {
                        let s = o.to_id_string();
                        s == "1.3.6.1.4.1.311.10.3.3" || s == "2.16.840.1.113730.4.1"
                    });
                    cert.eku = Some((e.server_auth, e.client_auth, sgc));
                }
                ParsedExtension::NSCertType(_) => {
                    cert.ns_cert_type = ns_bits(ext.value);
                }
                ParsedExtension::SubjectKeyIdentifier(k) => {
                    cert.skid = Some((k.0.to_vec(), ext.critical));
                }
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    let issuer = a.authority_cert_issuer.as_ref().and_then(|names| {
                        names.iter().find_map(|n| match n {
                            GeneralName::DirectoryName(dn) => Some(canon(dn)),
                            _ => None,
                        })
                    });
                    let akid = Akid {
                        key_id: a.key_identifier.as_ref().map(|k| k.0.to_vec()),
                        issuer,
                        serial: a.authority_cert_serial.map(strip_zeros),
                    };
                    cert.akid = Some((akid, ext.critical));
                }
                ParsedExtension::SubjectAlternativeName(s) => {
                    let mut san = San {
                        count: s.general_names.len(),
                        critical: ext.critical,
                        ..San::default()
                    };
                    for n in &s.general_names {
                        match n {
                            GeneralName::DNSName(d) => san.dns.push(d.as_bytes().to_vec()),
                            GeneralName::IPAddress(ip) => san.ip.push(ip.to_vec()),
                            _ => {}
                        }
                    }
                    cert.san = Some(san);
                }
                _ => {}
            }
        }
        Ok(cert)
    }

    /// OpenSSL's EXFLAG_SI: subject equals issuer.
    pub fn self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    /// OpenSSL's EXFLAG_SS: self-issued, its AKID matches itself and its key signs its own
    /// algorithm. The signature itself is not checked (neither does OpenSSL).
    pub fn self_signed(&self) -> bool {
        self.self_issued() && self.akid_matches(self) && sig_alg_matches(self, self)
    }

    /// basicConstraints cA=TRUE (OpenSSL's EXFLAG_CA).
    pub fn bc_ca(&self) -> bool {
        matches!(self.bc, Some((_, true, _)))
    }

    /// The pathLen OpenSSL caches (`ex_pathlen`): -1 when absent or not a CA.
    pub fn path_len(&self) -> Option<u32> {
        match self.bc {
            Some((_, true, len)) => len,
            _ => None,
        }
    }

    /// `ku_reject`: keyUsage present and none of `bits` set.
    pub fn ku_rejects(&self, bits: u16) -> bool {
        self.key_usage.is_some_and(|k| k & bits == 0)
    }

    /// `X509_check_ca`: 0 not a CA, 1 basicConstraints CA, 3 v1 root, 4 keyUsage only, 5 nsCertType.
    pub fn check_ca(&self) -> u8 {
        if self.ku_rejects(ku::KEY_CERT_SIGN) {
            return 0;
        }
        if self.bc.is_some() {
            return u8::from(self.bc_ca());
        }
        if self.version == 1 && self.self_signed() {
            3
        } else if self.key_usage.is_some() {
            4
        } else if self.ns_cert_type.is_some_and(|n| n & ns::ANY_CA != 0) {
            5
        } else {
            0
        }
    }

    /// `X509_check_akid(issuer, self.akid) == X509_V_OK`.
    pub fn akid_matches(&self, issuer: &Cert) -> bool {
        let Some((akid, _)) = &self.akid else {
            return true;
        };
        if let (Some(k), Some((s, _))) = (&akid.key_id, &issuer.skid)
            && k != s
        {
            return false;
        }
        if akid.serial.as_ref().is_some_and(|s| *s != issuer.serial) {
            return false;
        }
        !akid.issuer.as_ref().is_some_and(|n| *n != issuer.issuer)
    }
}

/// `ossl_x509_likely_issued(issuer, subject)`: names, AKID, and key type against signature type.
pub fn likely_issued(issuer: &Cert, subject: &Cert) -> bool {
    issuer.subject == subject.issuer
        && subject.akid_matches(issuer)
        && sig_alg_matches(issuer, subject)
}

/// `check_sig_alg_match`: the issuer's key type is the one the subject's signature uses.
pub fn sig_alg_matches(issuer: &Cert, subject: &Cert) -> bool {
    key_type_of_signature(&subject.sig_oid)
        .is_some_and(|k| k == issuer.key_oid || (k == RSA_PSS_OID && issuer.key_oid == RSA_OID))
}

const RSA_OID: &str = "1.2.840.113549.1.1.1";
const RSA_PSS_OID: &str = "1.2.840.113549.1.1.10";

/// The public key algorithm a signature algorithm needs.
pub fn key_type_of_signature(sig_oid: &str) -> Option<&'static str> {
    match sig_oid {
        "1.2.840.113549.1.1.5"
        | "1.2.840.113549.1.1.11"
        | "1.2.840.113549.1.1.12"
        | "1.2.840.113549.1.1.13"
        | "1.2.840.113549.1.1.14"
        | "1.2.840.113549.1.1.4" => Some(RSA_OID),
        RSA_PSS_OID => Some(RSA_PSS_OID),
        "1.2.840.10045.4.1"
        | "1.2.840.10045.4.3.1"
        | "1.2.840.10045.4.3.2"
        | "1.2.840.10045.4.3.3"
        | "1.2.840.10045.4.3.4" => Some("1.2.840.10045.2.1"),
        "1.3.101.112" => Some("1.3.101.112"),
        "1.3.101.113" => Some("1.3.101.113"),
        _ => None,
    }
}

/// The canonical form of a name (`x509_name_canon` + `asn1_string_canon`).
pub fn canon(name: &X509Name<'_>) -> CanonName {
    let mut rdns = Vec::new();
    for rdn in name.iter_rdn() {
        let mut set: Vec<CanonAttr> = rdn
            .iter()
            .map(|a| {
                let oid = a.attr_type().as_bytes().to_vec();
                let value = a.attr_value();
                if is_string_tag(value.header.tag().0) {
                    (oid, true, canon_string(&to_utf8(value)))
                } else {
                    (oid, false, value.data.to_vec())
                }
            })
            .collect();
        // DER sorts SET OF; the comparison is of the re-encoded sets.
        set.sort();
        rdns.push(set);
    }
    CanonName(rdns)
}

/// ASN1_MASK_CANON: UTF8String, PrintableString, T61String, IA5String, VisibleString,
/// UniversalString, BMPString.
fn is_string_tag(tag: u32) -> bool {
    matches!(tag, 12 | 19 | 20 | 22 | 26 | 28 | 30)
}

/// A string value as UTF-8 (BMPString is UTF-16BE, UniversalString UTF-32BE, T61String as
/// OpenSSL reads it: Latin-1).
fn to_utf8(value: &x509_parser::der_parser::asn1_rs::Any<'_>) -> Vec<u8> {
    let data = value.data;
    match value.header.tag().0 {
        30 => {
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units).into_bytes()
        }
        28 => data
            .chunks(4)
            .filter_map(|c| {
                let b: [u8; 4] = c.try_into().ok()?;
                char::from_u32(u32::from_be_bytes(b))
            })
            .collect::<String>()
            .into_bytes(),
        20 => data
            .iter()
            .map(|&b| b as char)
            .collect::<String>()
            .into_bytes(),
        _ => data.to_vec(),
    }
}

/// Trims, collapses inner whitespace runs to one space, lowercases ASCII.
fn canon_string(s: &[u8]) -> Vec<u8> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let start = s.iter().position(|b| !is_space(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |e| e + 1);
    let mut out = Vec::with_capacity(end - start);
    let mut in_space = false;
    for b in &s[start..end] {
        if is_space(b) {
            if !in_space {
                out.push(b' ');
            }
            in_space = true;
        } else {
            in_space = false;
            out.push(b.to_ascii_lowercase());
        }
    }
    out
}

fn strip_zeros(b: &[u8]) -> Vec<u8> {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b[start..].to_vec()
}

/// x509-parser numbers keyUsage bits from 0 = digitalSignature; OpenSSL reads the first byte
/// of the bit string (0x80 = digitalSignature) and the second (0x8000 = decipherOnly).
fn openssl_ku(flags: u16) -> u16 {
    let mut out = 0u16;
    for bit in 0..9 {
        if flags >> bit & 1 == 1 {
            out |= if bit < 8 { 0x80 >> bit } else { 0x8000 };
        }
    }
    out
}

/// nsCertType: a BIT STRING whose first content byte is OpenSSL's `ex_nscert`.
fn ns_bits(value: &[u8]) -> Option<u8> {
    // 03 len unused bits...
    match value {
        [0x03, len, _unused, first, ..] if *len >= 2 => Some(*first),
        [0x03, 1, _] => Some(0),
        _ => None,
    }
}

/// The raw DER of the outer (`outer`) or TBS signature AlgorithmIdentifier.
fn raw_alg(der: &[u8], outer: bool) -> Vec<u8> {
    fn element(b: &[u8]) -> Option<(usize, usize)> {
        // (header length, total length)
        let len0 = *b.get(1)? as usize;
        if len0 < 0x80 {
            return Some((2, 2 + len0));
        }
        let n = len0 & 0x7f;
        let mut len = 0usize;
        for i in 0..n {
            len = len << 8 | *b.get(2 + i)? as usize;
        }
        Some((2 + n, 2 + n + len))
    }
    let inner = || -> Option<Vec<u8>> {
        let (h, _) = element(der)?;
        let body = &der[h..];
        let (tbs_h, tbs_len) = element(body)?;
        if outer {
            let rest = body.get(tbs_len..)?;
            let (_, l) = element(rest)?;
            return Some(rest.get(..l)?.to_vec());
        }
        let mut t = body.get(tbs_h..tbs_len)?;
        // [0] version, then serial, then the AlgorithmIdentifier.
        if t.first() == Some(&0xa0) {
            let (_, l) = element(t)?;
            t = t.get(l..)?;
        }
        let (_, l) = element(t)?;
        t = t.get(l..)?;
        let (_, l) = element(t)?;
        Some(t.get(..l)?.to_vec())
    };
    inner().unwrap_or_default()
}
