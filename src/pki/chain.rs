//! Certificate chain ordering: leaf first, then each certificate's issuer, up to the root.
//!
//! The order comes from the certificates themselves, never from the order they were given in:
//! a certificate's issuer is another given certificate whose subject equals its issuer name
//! (byte for byte, as RFC 5280 §7.1 permits, which is what OpenSSL and MySQL compare after
//! canonicalisation) *and* whose public key verifies its signature (so two CAs with the same
//! name, e.g. an old and a renewed one, are told apart). A chain that stops at a certificate
//! that is not self-issued is incomplete: that is a warning, not an error, because a client
//! may already trust the missing issuer.

use x509_parser::prelude::{FromDer, X509Certificate};

use super::{CertError, Error, KeyError};

/// The result of ordering: certificates (DER) and what the caller should warn about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ordered {
    /// DER certificates in order (for a key chain: leaf, intermediates, root).
    pub certs: Vec<Vec<u8>>,
    /// Human-readable warnings (incomplete chain, certificates left out).
    pub warnings: Vec<String>,
}

struct Parsed<'a> {
    der: &'a [u8],
    cert: X509Certificate<'a>,
}

fn parse_all(certs: &[Vec<u8>]) -> Result<Vec<Parsed<'_>>, Error> {
    let mut out: Vec<Parsed<'_>> = Vec::with_capacity(certs.len());
    for (i, der) in certs.iter().enumerate() {
        // Identical certificates given twice (e.g. the CA in two bundles) are kept once.
        if out.iter().any(|p| p.der == der.as_slice()) {
            continue;
        }
        let (_, cert) =
            X509Certificate::from_der(der).map_err(|e| CertError::MalformedCertificate {
                index: i + 1,
                detail: e.to_string(),
            })?;
        out.push(Parsed { der, cert });
    }
    Ok(out)
}

/// The subject of a certificate as one line (RFC 4514 style, from x509-parser), for messages.
pub fn describe(der: &[u8]) -> String {
    match X509Certificate::from_der(der) {
        Ok((_, c)) => c.subject().to_string(),
        Err(_) => "(malformed certificate)".to_string(),
    }
}

/// Whether `issuer` issued `child`: names match and `issuer`'s key verifies `child`'s signature.
fn issued(issuer: &X509Certificate<'_>, child: &X509Certificate<'_>) -> bool {
    issuer.subject().as_raw() == child.issuer().as_raw()
        && child.verify_signature(Some(issuer.public_key())).is_ok()
}

/// Whether `cert` is self-issued (a root, or a self-signed leaf): its own issuer.
fn self_issued(cert: &X509Certificate<'_>) -> bool {
    issued(cert, cert)
}

/// The index of the issuer of `certs[i]` among `certs`, other than itself.
fn issuer_of(certs: &[Parsed<'_>], i: usize) -> Option<usize> {
    (0..certs.len()).find(|&j| j != i && issued(&certs[j].cert, &certs[i].cert))
}

/// Walks up from `start`, appending certificates not yet used, stopping at a root, a missing
/// issuer or a loop. Returns the last certificate reached.
fn walk(certs: &[Parsed<'_>], start: usize, used: &mut [bool], out: &mut Vec<Vec<u8>>) -> usize {
    let mut cur = start;
    used[cur] = true;
    out.push(certs[cur].der.to_vec());
    while !self_issued(&certs[cur].cert) {
        match issuer_of(certs, cur) {
            Some(next) if !used[next] => {
                used[next] = true;
                out.push(certs[next].der.to_vec());
                cur = next;
            }
            _ => break,
        }
    }
    cur
}

/// Orders the chain of the certificate whose public key is `key_spki` (DER SubjectPublicKeyInfo).
///
/// The leaf must be a certificate that issued none of the others and carry the key; a key that
/// matches no such certificate is an error (a key store whose key does not match its leaf is
/// useless: TLS servers and Java refuse it at handshake time). Given certificates that are not
/// in the chain are left out with a warning.
pub fn order_for_key(certs: &[Vec<u8>], key_spki: &[u8]) -> Result<Ordered, Error> {
    let parsed = parse_all(certs)?;
    if parsed.is_empty() {
        return Err(CertError::NoCertificate.into());
    }
    let matching: Vec<usize> = (0..parsed.len())
        .filter(|&i| parsed[i].cert.public_key().raw == key_spki)
        .collect();
    let issues_other =
        |i: usize| (0..parsed.len()).any(|j| j != i && issued(&parsed[i].cert, &parsed[j].cert));
    let leaf = match matching.iter().copied().find(|&i| !issues_other(i)) {
        Some(i) => i,
        None => {
            let leaves: Vec<String> = (0..parsed.len())
                .filter(|&i| !issues_other(i))
                .map(|i| parsed[i].cert.subject().to_string())
                .collect();
            return Err(match matching.first() {
                Some(&i) => KeyError::BelongsToIssuer {
                    owner: parsed[i].cert.subject().to_string(),
                    leaves,
                },
                None => KeyError::NotForLeaf { leaves },
            }
            .into());
        }
    };
    let mut used = vec![false; parsed.len()];
    let mut out = Ordered::default();
    let last = walk(&parsed, leaf, &mut used, &mut out.certs);
    if !self_issued(&parsed[last].cert) {
        out.warnings.push(format!(
            "incomplete chain: the issuer '{}' of '{}' was not given",
            parsed[last].cert.issuer(),
            parsed[last].cert.subject()
        ));
    }
    for (i, p) in parsed.iter().enumerate() {
        if !used[i] {
            out.warnings.push(format!(
                "'{}' is not in the chain of the key's certificate; left out",
                p.cert.subject()
            ));
        }
    }
    Ok(out)
}

/// Orders a set of certificates without a key: each chain leaf first, chains in the order their
/// leaves were given; certificates that issued nothing else in the set (for example several
/// roots) keep their given order. Duplicates are dropped. Never warns about missing issuers,
/// since a trust store of intermediates alone is legitimate.
pub fn order_all(certs: &[Vec<u8>]) -> Result<Ordered, Error> {
    let parsed = parse_all(certs)?;
    let n = parsed.len();
    let issues_other =
        |i: usize| (0..n).any(|j| j != i && issued(&parsed[i].cert, &parsed[j].cert));
    let mut used = vec![false; n];
    let mut out = Ordered::default();
    for i in 0..n {
        if !used[i] && !issues_other(i) {
            walk(&parsed, i, &mut used, &mut out.certs);
        }
    }
    // Whatever is left is in a cycle (cross-signed pairs): keep the given order.
    for i in 0..n {
        if !used[i] {
            walk(&parsed, i, &mut used, &mut out.certs);
        }
    }
    Ok(out)
}

/// The subject commonName of a certificate, if it has one that is a string.
pub fn common_name(der: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let cn = cert
        .subject()
        .iter_common_name()
        .next()?
        .as_str()
        .ok()?
        .to_string();
    Some(cn)
}

/// Test fixtures shared by the container modules' unit tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::pki::cert::{self, Issuer, Signer};
    use crate::pki::key::{KeyType, PrivateKey};
    use crate::pki::profile::Profile;

    fn make(cn: &str, profile: Profile, key: &PrivateKey, signer: Signer<'_>) -> Vec<u8> {
        let spec = cert::tests::spec(profile, key, cn);
        cert::issue(&spec, signer).unwrap().cert.der().to_vec()
    }

    /// A leaf (client), intermediate and root, leaf first, with the leaf's key.
    pub(crate) fn three() -> (Vec<Vec<u8>>, PrivateKey) {
        let root_key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let root = make(
            "Root",
            Profile::Ca { path_len: None },
            &root_key,
            Signer::SelfSigned(&root_key),
        );
        let root_issuer = Issuer::new(cert::Certificate::from_der(root.clone()), root_key).unwrap();
        let int_key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let int = make(
            "Int",
            Profile::Intermediate { path_len: Some(0) },
            &int_key,
            Signer::Ca(&root_issuer),
        );
        let int_issuer = Issuer::new(cert::Certificate::from_der(int.clone()), int_key).unwrap();
        let leaf_key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let leaf = make("Leaf", Profile::Client, &leaf_key, Signer::Ca(&int_issuer));
        (vec![leaf, int, root], leaf_key)
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::three;
    use super::*;
    use crate::pki::key::{KeyType, PrivateKey};

    #[test]
    fn orders_by_signature_not_argument_order() {
        let (chain, key) = three();
        let shuffled = vec![
            chain[2].clone(),
            chain[0].clone(),
            chain[1].clone(),
            chain[2].clone(),
        ];
        let o = order_for_key(&shuffled, &key.public_key_der()).unwrap();
        assert_eq!(o.certs, chain);
        assert!(o.warnings.is_empty(), "{:?}", o.warnings);
        assert_eq!(order_all(&shuffled).unwrap().certs, chain);
    }

    #[test]
    fn incomplete_chain_warns_and_wrong_key_fails() {
        let (chain, key) = three();
        let o = order_for_key(&chain[..2], &key.public_key_der()).unwrap();
        assert_eq!(o.certs.len(), 2);
        assert!(
            o.warnings[0].contains("incomplete chain"),
            "{:?}",
            o.warnings
        );
        let other = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let err = order_for_key(&chain, &other.public_key_der()).unwrap_err();
        assert!(err.to_string().contains("does not match the leaf"), "{err}");
    }
}
