//! Host name and IP address checks as OpenSSL 3's `X509_check_host` / `X509_check_ip` with
//! flags 0 (what `openssl verify -verify_hostname/-verify_ip` and the MySQL/MariaDB clients use):
//! DNS names match dNSName SANs, with one wildcard allowed in the first label; the subject CN is
//! used only when there is no dNSName SAN at all; IP addresses match iPAddress SANs only.

use std::net::IpAddr;

use super::cert::Cert;

/// Whether `host` (a DNS name) matches the certificate.
pub fn matches_host(cert: &Cert, host: &str) -> bool {
    let host = host.as_bytes();
    if let Some(san) = &cert.san
        && !san.dns.is_empty()
    {
        return san.dns.iter().any(|p| equal_wildcard(p, host));
    }
    cert.common_names
        .iter()
        .any(|cn| equal_wildcard(cn.as_bytes(), host))
}

/// Whether `ip` matches an iPAddress SAN (byte-equal, 4 or 16 bytes).
pub fn matches_ip(cert: &Cert, ip: IpAddr) -> bool {
    let bytes = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    cert.san.as_ref().is_some_and(|s| s.ip.contains(&bytes))
}

/// `equal_wildcard`: a pattern from the certificate against a name the client uses.
pub fn equal_wildcard(pattern: &[u8], subject: &[u8]) -> bool {
    // Subject names starting with '.' only match via suffix rules, never a wildcard.
    let star = if subject.len() > 1 && subject[0] == b'.' {
        None
    } else {
        valid_star(pattern)
    };
    match star {
        None => equal_nocase(pattern, subject),
        Some(i) => wildcard_match(&pattern[..i], &pattern[i + 1..], subject),
    }
}

fn equal_nocase(pattern: &[u8], subject: &[u8]) -> bool {
    pattern.len() == subject.len()
        && pattern
            .iter()
            .zip(subject)
            .all(|(&l, &r)| l != 0 && l.eq_ignore_ascii_case(&r))
}

/// The position of the only legal `*`: at the start or end of a non-IDNA first label that is
/// not the last label, with at least two dots in the pattern.
fn valid_star(p: &[u8]) -> Option<usize> {
    const START: u8 = 1;
    const IDNA: u8 = 2;
    const HYPHEN: u8 = 4;
    let mut star = None;
    let mut state = START;
    let mut dots = 0;
    for (i, &c) in p.iter().enumerate() {
        if c == b'*' {
            let at_start = state & START != 0;
            let at_end = i == p.len() - 1 || p[i + 1] == b'.';
            if star.is_some() || state & IDNA != 0 || dots > 0 {
                return None;
            }
            if !at_start && !at_end {
                return None;
            }
            star = Some(i);
            state &= !START;
        } else if c.is_ascii_alphanumeric() {
            if state & START != 0 && p.len() - i >= 4 && p[i..i + 4].eq_ignore_ascii_case(b"xn--") {
                state |= IDNA;
            }
            state &= !(HYPHEN | START);
        } else if c == b'.' {
            if state & (HYPHEN | START) != 0 {
                return None;
            }
            state = START;
            dots += 1;
        } else if c == b'-' {
            if state & START != 0 {
                return None;
            }
            state |= HYPHEN;
        } else {
            return None;
        }
    }
    if state & (START | HYPHEN) != 0 || dots < 2 {
        return None;
    }
    star
}

fn wildcard_match(prefix: &[u8], suffix: &[u8], subject: &[u8]) -> bool {
    if subject.len() < prefix.len() + suffix.len() {
        return false;
    }
    if !equal_nocase(prefix, &subject[..prefix.len()]) {
        return false;
    }
    let start = prefix.len();
    let end = subject.len() - suffix.len();
    if !equal_nocase(&subject[end..], suffix) {
        return false;
    }
    let mut allow_idna = false;
    if prefix.is_empty() && suffix.first() == Some(&b'.') {
        // A whole-label wildcard must match at least one character.
        if start == end {
            return false;
        }
        allow_idna = true;
    }
    if !allow_idna && subject.len() >= 4 && subject[..4].eq_ignore_ascii_case(b"xn--") {
        return false;
    }
    let middle = &subject[start..end];
    if middle == b"*" {
        return true;
    }
    middle
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::equal_wildcard as m;

    #[test]
    fn exact_names_match_case_insensitively() {
        assert!(m(b"db1.example.com", b"DB1.Example.com"));
        assert!(!m(b"db1.example.com", b"db2.example.com"));
        assert!(!m(b"db1.example.com", b"db1.example.com."));
    }

    #[test]
    fn wildcards_follow_openssl() {
        assert!(m(b"*.example.com", b"db1.example.com"));
        assert!(!m(b"*.example.com", b"a.b.example.com"));
        assert!(!m(b"*.example.com", b"example.com"));
        assert!(!m(b"*.example.com", b".example.com"));
        // Fewer than two dots: the star is literal.
        assert!(!m(b"*.com", b"example.com"));
        assert!(m(b"*.com", b"*.com"));
        // Partial-label wildcards at the start or end of the first label.
        assert!(m(b"db*.example.com", b"db1.example.com"));
        assert!(m(b"*1.example.com", b"db1.example.com"));
        assert!(!m(b"d*1.example.com", b"db1.example.com"));
        // Not after the first label.
        assert!(!m(b"db.*.example.com", b"db.x.example.com"));
        // IDNA: no wildcard in an A-label, partial wildcards never match one.
        assert!(!m(b"xn--*.example.com", b"xn--abc.example.com"));
        assert!(m(b"*.example.com", b"xn--abc.example.com"));
        assert!(!m(b"x*.example.com", b"xn--abc.example.com"));
    }
}
