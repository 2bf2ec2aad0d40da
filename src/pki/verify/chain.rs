//! Chain building as OpenSSL 3's `build_chain` with its defaults (trusted-first, no partial
//! chains): from the leaf, each step takes an issuer from the trust anchors if one fits, else
//! (until a trusted certificate was added) from the untrusted pool; the chain is trusted when it
//! ends in a self-signed anchor.

use super::Reason;
use super::cert::{Cert, likely_issued};

/// A chain found from the leaf upwards.
#[derive(Debug, Clone)]
pub struct Built {
    /// Leaf first.
    pub certs: Vec<Cert>,
    /// How many certificates (from the leaf) came from outside the trust anchors
    /// (OpenSSL's `num_untrusted`).
    pub num_untrusted: usize,
    /// Why the chain does not reach a trust anchor, with the depth OpenSSL reports.
    pub error: Option<(Reason, usize)>,
}

/// Builds the chain of `leaf` at time `at` (unix seconds; it picks between issuers with the
/// same name, as OpenSSL prefers one that is currently valid).
pub fn build(leaf: Cert, untrusted: &[Cert], anchors: &[Cert], at: i64) -> Built {
    let mut pool: Vec<&Cert> = untrusted.iter().collect();
    let mut chain = vec![leaf];
    let mut num_untrusted = 1;
    let mut trusted_only = false;
    loop {
        let top = &chain[chain.len() - 1];
        if top.self_signed() {
            // A self-signed certificate outside the store is trusted only when the store holds
            // the very same certificate (X509_cmp), never a look-alike.
            if num_untrusted == chain.len() && anchors.iter().any(|a| a.der == top.der) {
                num_untrusted -= 1;
            }
            break;
        }
        if let Some(issuer) = pick(top, anchors.iter(), &chain, at) {
            let issuer = issuer.clone();
            chain.push(issuer);
            trusted_only = true;
            continue;
        }
        if trusted_only {
            break;
        }
        match pick(top, pool.iter().copied(), &chain, at) {
            Some(issuer) => {
                pool.retain(|c| !std::ptr::eq(*c, issuer));
                chain.push(issuer.clone());
                num_untrusted += 1;
            }
            None => break,
        }
    }
    let num = chain.len();
    let top = &chain[num - 1];
    let trusted = num_untrusted < num && chain[num_untrusted..].iter().any(Cert::self_signed);
    let error = if trusted {
        None
    } else if top.self_signed() {
        Some((
            if num == 1 {
                Reason::DepthZeroSelfSignedCert
            } else {
                Reason::SelfSignedCertInChain
            },
            num - 1,
        ))
    } else if num_untrusted < num {
        Some((Reason::UnableToGetIssuerCert, num - 1))
    } else {
        Some((Reason::UnableToGetIssuerCertLocally, num - 1))
    };
    Built {
        certs: chain,
        num_untrusted,
        error,
    }
}

/// The issuer OpenSSL would take among `candidates`: the first that likely issued `subject`
/// and is valid at `at`, else the matching one that expires last.
fn pick<'a>(
    subject: &Cert,
    candidates: impl Iterator<Item = &'a Cert>,
    chain: &[Cert],
    at: i64,
) -> Option<&'a Cert> {
    let mut fallback: Option<&Cert> = None;
    for c in candidates {
        if !likely_issued(c, subject) || chain.iter().any(|x| x.der == c.der) {
            continue;
        }
        if c.not_before <= at && at < c.not_after {
            return Some(c);
        }
        if fallback.is_none_or(|f| c.not_after > f.not_after) {
            fallback = Some(c);
        }
    }
    fallback
}
