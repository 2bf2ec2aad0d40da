//! OpenSSL 3's `check_extensions`, with or without `X509_V_FLAG_X509_STRICT`: critical
//! extensions, CA status, the RFC 5280 strict-mode rules, purpose, path length.
//!
//! MySQL and MariaDB never set `X509_STRICT` (their `SSL_CTX`s keep OpenSSL's default flags),
//! so a server judges its clients, and `mysql`/`mariadb` judge the server, without it. Some
//! clients do set it (Python 3.13's `ssl.create_default_context`, `openssl verify -x509_strict`),
//! so in relaxed mode the strict-only findings are still returned, to be reported as warnings.

use super::cert::{Cert, ku, ns};
use super::{Purpose, Reason};

/// What `check_extensions` found: the errors OpenSSL reports in the mode asked for, in its
/// order (depth 0 upwards), and, in relaxed mode, what `X509_STRICT` would have added.
#[derive(Debug, Default)]
pub struct Findings {
    /// Refusals in the mode verified.
    pub errors: Vec<(Reason, usize)>,
    /// Refusals only `X509_STRICT` makes (empty in strict mode: they are errors there).
    pub strict_only: Vec<(Reason, usize)>,
}

/// `check_extensions` over `chain`; `strict` is `X509_V_FLAG_X509_STRICT`.
pub fn check(chain: &[Cert], purpose: Purpose, strict: bool) -> Findings {
    let num = chain.len();
    let mut found = Findings::default();
    let mut plen: u32 = 0;
    for (i, x) in chain.iter().enumerate() {
        // (reason, strict only), in OpenSSL's order.
        let mut here: Vec<(Reason, bool)> = Vec::new();
        if x.unhandled_critical {
            here.push((Reason::UnhandledCriticalExtension, false));
        }
        if x.proxy {
            here.push((Reason::ProxyCertificatesNotAllowed, false));
        }
        let ca = x.check_ca();
        // Without X509_STRICT the leaf may be anything and the top of the chain any kind of CA
        // (a v1 root, keyUsage only, nsCertType); an intermediate must have basicConstraints
        // CA:TRUE either way ("X509_V_FLAG_X509_STRICT is implicit for intermediate CAs").
        let lax_invalid = i > 0 && (ca == 0 || (i + 1 < num && ca != 1));
        let strict_invalid = (i == 0 && ca != 0 && ca != 1) || (i > 0 && ca != 1);
        if lax_invalid {
            here.push((Reason::InvalidCa, false));
        } else if strict_invalid {
            here.push((Reason::InvalidCa, true));
        }
        if num > 1 && x.explicit_curve {
            here.push((Reason::EcKeyExplicitParams, true));
        }
        if num > 1 {
            for r in strict_rules(x, i, num) {
                here.push((r, true));
            }
        }
        if !purpose_ok(x, purpose, i > 0) {
            here.push((Reason::InvalidPurpose, false));
        }
        if i > 1
            && let Some(max) = x.path_len()
            && plen > max
        {
            here.push((Reason::PathLengthExceeded, false));
        }
        if i > 0 && !x.self_issued() {
            plen += 1;
        }
        for (r, strict_only) in here {
            if strict_only && !strict {
                found.strict_only.push((r, i));
            } else {
                found.errors.push((r, i));
            }
        }
    }
    found
}

/// The RFC 5280 rules `-x509_strict` adds (OpenSSL 3.0 `check_extensions`).
fn strict_rules(x: &Cert, i: usize, num: usize) -> Vec<Reason> {
    let mut out = Vec::new();
    let is_ca = x.bc_ca();
    let ku = x.key_usage.unwrap_or(0);
    if let Some((_, ca, Some(_))) = x.bc {
        if !ca {
            out.push(Reason::PathlenInvalidForNonCa);
        }
        if ku & ku::KEY_CERT_SIGN == 0 {
            out.push(Reason::PathlenWithoutKuKeyCertSign);
        }
    }
    if let Some((critical, true, _)) = x.bc
        && !critical
    {
        out.push(Reason::CaBconsNotCritical);
    }
    if is_ca {
        if x.key_usage.is_none() {
            out.push(Reason::CaCertMissingKeyUsage);
        }
    } else if ku & ku::KEY_CERT_SIGN != 0 {
        out.push(Reason::KuKeyCertSignInvalidForNonCa);
    }
    if x.issuer_len == 0 {
        out.push(Reason::IssuerNameEmpty);
    }
    if (is_ca || ku & ku::CRL_SIGN != 0 || x.san.is_none()) && x.subject_len == 0 {
        out.push(Reason::SubjectNameEmpty);
    }
    if x.subject_len == 0 && x.san.as_ref().is_some_and(|s| !s.critical) {
        out.push(Reason::EmptySubjectSanNotCritical);
    }
    if x.san.as_ref().is_some_and(|s| s.count == 0) {
        out.push(Reason::EmptySubjectAltName);
    }
    if x.sig_alg_der.0 != x.sig_alg_der.1 {
        out.push(Reason::SignatureAlgorithmInconsistency);
    }
    if matches!(x.akid, Some((_, true))) {
        out.push(Reason::AuthorityKeyIdentifierCritical);
    }
    if matches!(x.skid, Some((_, true))) {
        out.push(Reason::SubjectKeyIdentifierCritical);
    }
    if x.version >= 3 {
        let has_keyid = x.akid.as_ref().is_some_and(|(a, _)| a.key_id.is_some());
        if i + 1 < num && !has_keyid {
            out.push(Reason::MissingAuthorityKeyIdentifier);
        }
        if is_ca && x.skid.is_none() {
            out.push(Reason::MissingSubjectKeyIdentifier);
        }
    } else if x.has_extensions {
        out.push(Reason::ExtensionsRequireVersion3);
    }
    out
}

/// `X509_check_purpose` for the SSL server/client purposes (`require_ca` for issuers).
pub fn purpose_ok(x: &Cert, purpose: Purpose, require_ca: bool) -> bool {
    let xku_rejects = |server: bool| match x.eku {
        Some((srv, cli, sgc)) => !(if server { srv || sgc } else { cli }),
        None => false,
    };
    let ns_rejects = |bit: u8| x.ns_cert_type.is_some_and(|n| n & bit == 0);
    let ssl_ca = || {
        let ca = x.check_ca();
        ca != 0 && (ca != 5 || x.ns_cert_type.is_some_and(|n| n & ns::SSL_CA != 0))
    };
    match purpose {
        Purpose::Any | Purpose::Ca => true,
        Purpose::Server => {
            if xku_rejects(true) {
                return false;
            }
            if require_ca {
                return ssl_ca();
            }
            !ns_rejects(ns::SSL_SERVER)
                && !x.ku_rejects(ku::DIGITAL_SIGNATURE | ku::KEY_ENCIPHERMENT | ku::KEY_AGREEMENT)
        }
        Purpose::Client => {
            if xku_rejects(false) {
                return false;
            }
            if require_ca {
                return ssl_ca();
            }
            !x.ku_rejects(ku::DIGITAL_SIGNATURE | ku::KEY_AGREEMENT) && !ns_rejects(ns::SSL_CLIENT)
        }
    }
}
