//! Certificate chain ordering: leaf first, then each certificate's issuer, up to the root.
//!
//! The order comes from the certificates themselves, never from the order they were given in:
//! a certificate's issuer is another given certificate whose subject equals its issuer name
//! (byte for byte, as RFC 5280 §7.1 permits, which is what OpenSSL and MySQL compare after
//! canonicalisation) *and* whose public key verifies its signature (so two CAs with the same
//! name, e.g. an old and a renewed one, are told apart). A chain that stops at a certificate
//! that is not self-issued is incomplete: that is a warning, not an error, because a client
//! may already trust the missing issuer.

use std::collections::{HashMap, HashSet};

use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};

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

/// The given certificates with their issuer relation computed once.
///
/// Candidates for a certificate's issuer are looked up by name (the issuer's subject DER), then
/// narrowed by key identifier (RFC 5280 §4.2.1.1: the child's authorityKeyIdentifier equals the
/// issuer's subjectKeyIdentifier, when both are present), and only then is a signature checked.
/// Checking every pair made `export` quadratic in signature checks (500 certificates with one
/// subject took 46 s for a .p7b).
struct Graph<'a> {
    certs: Vec<Parsed<'a>>,
    /// `issuers[i]`: the indices (ascending, never `i`) whose key verifies certificate `i`.
    issuers: Vec<Vec<usize>>,
    /// Whether certificate `i` issued another given certificate.
    issues_other: Vec<bool>,
    /// Whether certificate `i` is self-issued (a root, or a self-signed leaf).
    self_issued: Vec<bool>,
}

fn parse_all(certs: &[Vec<u8>]) -> Result<Vec<Parsed<'_>>, Error> {
    let mut out: Vec<Parsed<'_>> = Vec::with_capacity(certs.len());
    let mut seen: HashSet<&[u8]> = HashSet::with_capacity(certs.len());
    for (i, der) in certs.iter().enumerate() {
        // Identical certificates given twice (e.g. the CA in two bundles) are kept once.
        if !seen.insert(der.as_slice()) {
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

fn subject_key_id<'a>(cert: &X509Certificate<'a>) -> Option<&'a [u8]> {
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0),
            _ => None,
        })
}

fn authority_key_id<'a>(cert: &X509Certificate<'a>) -> Option<&'a [u8]> {
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => a.key_identifier.as_ref().map(|k| k.0),
            _ => None,
        })
}

impl<'a> Graph<'a> {
    fn new(der: &'a [Vec<u8>]) -> Result<Graph<'a>, Error> {
        let certs = parse_all(der)?;
        let n = certs.len();
        // Subject DER → the certificates with that name, grouped by public key: one signature
        // check per (child, distinct key), however many certificates share the name and key
        // (10,000 re-issued certificates with one subject and key were 10^8 checks).
        let mut by_subject: HashMap<&[u8], Vec<Vec<usize>>> = HashMap::new();
        let mut group_of: HashMap<(&[u8], &[u8]), usize> = HashMap::new();
        for (i, p) in certs.iter().enumerate() {
            let subject = p.cert.subject().as_raw();
            let groups = by_subject.entry(subject).or_default();
            let g = *group_of
                .entry((subject, p.cert.public_key().raw))
                .or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                });
            groups[g].push(i);
        }
        let skid: Vec<Option<&[u8]>> = certs.iter().map(|p| subject_key_id(&p.cert)).collect();
        let mut issuers = vec![Vec::new(); n];
        let mut issues_other = vec![false; n];
        let mut self_issued = vec![false; n];
        for (i, p) in certs.iter().enumerate() {
            let child = &p.cert;
            self_issued[i] = issued(child, child);
            if self_issued[i] {
                // A root's issuer is itself; another certificate with its name and key (a
                // re-issued root) is not its issuer for ordering purposes.
                continue;
            }
            let akid = authority_key_id(child);
            let Some(groups) = by_subject.get(child.issuer().as_raw()) else {
                continue;
            };
            for members in groups {
                // Narrowed by key identifier when both sides have one (RFC 5280 §4.2.1.1).
                let fits = |j: usize| {
                    j != i
                        && match (akid, skid[j]) {
                            (Some(a), Some(s)) => a == s,
                            _ => true,
                        }
                };
                let Some(&first) = members.iter().find(|&&j| fits(j)) else {
                    continue;
                };
                if child
                    .verify_signature(Some(certs[first].cert.public_key()))
                    .is_ok()
                {
                    for &j in members.iter().filter(|&&j| fits(j)) {
                        issuers[i].push(j);
                        issues_other[j] = true;
                    }
                }
            }
            issuers[i].sort_unstable();
        }
        Ok(Graph {
            certs,
            issuers,
            issues_other,
            self_issued,
        })
    }

    fn len(&self) -> usize {
        self.certs.len()
    }

    /// Walks up from `start`, appending certificates not yet used, stopping at a root, a
    /// missing issuer or a loop. Returns the last certificate reached.
    fn walk(&self, start: usize, used: &mut [bool], out: &mut Vec<Vec<u8>>) -> usize {
        let mut cur = start;
        used[cur] = true;
        out.push(self.certs[cur].der.to_vec());
        while !self.self_issued[cur] {
            match self.issuers[cur].first() {
                Some(&next) if !used[next] => {
                    used[next] = true;
                    out.push(self.certs[next].der.to_vec());
                    cur = next;
                }
                _ => break,
            }
        }
        cur
    }
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

/// Orders the chain of the certificate whose public key is `key_spki` (DER SubjectPublicKeyInfo).
///
/// The leaf must be a certificate that issued none of the others and carry the key; a key that
/// matches no such certificate is an error (a key store whose key does not match its leaf is
/// useless: TLS servers and Java refuse it at handshake time). Given certificates that are not
/// in the chain are left out with a warning.
pub fn order_for_key(certs: &[Vec<u8>], key_spki: &[u8]) -> Result<Ordered, Error> {
    let graph = Graph::new(certs)?;
    let parsed = &graph.certs;
    if parsed.is_empty() {
        return Err(CertError::NoCertificate.into());
    }
    let matching: Vec<usize> = (0..parsed.len())
        .filter(|&i| parsed[i].cert.public_key().raw == key_spki)
        .collect();
    let issues_other = |i: usize| graph.issues_other[i];
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
    let last = graph.walk(leaf, &mut used, &mut out.certs);
    if !graph.self_issued[last] {
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
    let graph = Graph::new(certs)?;
    let n = graph.len();
    let mut used = vec![false; n];
    let mut out = Ordered::default();
    for i in 0..n {
        if !used[i] && !graph.issues_other[i] {
            graph.walk(i, &mut used, &mut out.certs);
        }
    }
    // Whatever is left is in a cycle (cross-signed pairs): keep the given order.
    for i in 0..n {
        if !used[i] {
            graph.walk(i, &mut used, &mut out.certs);
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
    fn a_leaf_named_like_its_ca_and_many_copies_of_one_key_are_ordered() {
        use crate::pki::cert::{self, Issuer, Signer};
        use crate::pki::profile::Profile;
        let ca_key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let ca = cert::issue(
            &cert::tests::spec(Profile::Ca { path_len: None }, &ca_key, "Same"),
            Signer::SelfSigned(&ca_key),
        )
        .unwrap()
        .cert;
        let issuer = Issuer::new(ca.clone(), ca_key).unwrap();
        let leaf_key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        // Twenty leaves with the CA's own name and one key: each is issued by the CA only.
        let leaves: Vec<Vec<u8>> = (0..20)
            .map(|_| {
                let spec = cert::tests::spec(Profile::Client, &leaf_key, "Same");
                cert::issue(&spec, Signer::Ca(&issuer))
                    .unwrap()
                    .cert
                    .der()
                    .to_vec()
            })
            .collect();
        let mut all = vec![ca.der().to_vec()];
        all.extend(leaves.iter().cloned());
        let o = order_for_key(&all, &leaf_key.public_key_der()).unwrap();
        assert_eq!(o.certs, vec![leaves[0].clone(), ca.der().to_vec()]);
        assert_eq!(o.warnings.len(), 19, "{:?}", o.warnings);
        let o = order_all(&all).unwrap();
        assert_eq!(o.certs.len(), 21);
        assert_eq!(o.certs[..2], [leaves[0].clone(), ca.der().to_vec()]);
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
