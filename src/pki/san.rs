//! Subject alternative names: what `--san` accepts and how each kind is encoded.

use std::fmt;
use std::net::IpAddr;

use super::{Error, NameError, SanProblem};

/// One subjectAltName entry (RFC 5280 §4.2.1.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum San {
    /// dNSName: a host name, possibly with a leading `*.` wildcard label.
    Dns(String),
    /// iPAddress: 4 or 16 octets.
    Ip(IpAddr),
    /// rfc822Name: an email address.
    Email(String),
    /// uniformResourceIdentifier.
    Uri(String),
}

impl fmt::Display for San {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            San::Dns(v) => write!(f, "DNS:{v}"),
            San::Ip(v) => write!(f, "IP:{v}"),
            San::Email(v) => write!(f, "email:{v}"),
            San::Uri(v) => write!(f, "URI:{v}"),
        }
    }
}

impl San {
    /// Parses a `--san` value: `dns:`, `ip:`, `email:` or `uri:` prefixed (case-insensitive),
    /// else an IPv4/IPv6 literal becomes an IP entry and anything else a DNS name.
    pub fn parse(text: &str) -> Result<San, Error> {
        let text = text.trim();
        if let Some((prefix, rest)) = text.split_once(':') {
            match prefix.to_ascii_lowercase().as_str() {
                "dns" => return San::dns(rest),
                "ip" => {
                    return rest
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<IpAddr>()
                        .map(San::Ip)
                        .map_err(|_| {
                            NameError::San {
                                text: text.to_string(),
                                problem: SanProblem::NotIp {
                                    value: rest.to_string(),
                                },
                            }
                            .into()
                        });
                }
                "email" => return San::email_as(rest, text),
                "uri" => {
                    return check_uri(rest)
                        .map(|()| San::Uri(rest.to_string()))
                        .map_err(|problem| {
                            NameError::San {
                                text: text.to_string(),
                                problem,
                            }
                            .into()
                        });
                }
                _ => {}
            }
        }
        if let Ok(ip) = text
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            return Ok(San::Ip(ip));
        }
        San::dns(text)
    }

    /// An rfc822Name for `addr`, checked as `--san email:ADDR` is.
    pub fn email(addr: &str) -> Result<San, Error> {
        San::email_as(addr, &format!("email:{addr}"))
    }

    /// An rfc822Name; `text` is how the user wrote the SAN, for the error.
    fn email_as(addr: &str, text: &str) -> Result<San, Error> {
        let bad = |problem| {
            Err(NameError::San {
                text: text.to_string(),
                problem,
            }
            .into())
        };
        if let Some(c) = super::name::unsafe_char(addr) {
            return bad(SanProblem::UnsafeCharacter { code: u32::from(c) });
        }
        if !addr.is_ascii() {
            return bad(SanProblem::NotEmail);
        }
        // rfc822Name is a Mailbox (RFC 5280 §4.2.1.6, RFC 5321 §4.1.2): LOCAL@DOMAIN, the
        // domain a host name (an address literal in brackets is allowed too).
        let Some((local, domain)) = addr.rsplit_once('@') else {
            return bad(SanProblem::NotEmail);
        };
        let domain_ok = if domain.starts_with('[') && domain.ends_with(']') {
            domain[1..domain.len() - 1].parse::<IpAddr>().is_ok()
        } else {
            !domain.starts_with("*.") && San::dns(domain).is_ok()
        };
        if local.is_empty() || local.contains(char::is_whitespace) || !domain_ok {
            return bad(SanProblem::BadEmail);
        }
        Ok(San::Email(addr.to_string()))
    }

    /// A DNS name, checked against the preferred name syntax (RFC 1034 §3.5, RFC 5280 §4.2.1.6),
    /// allowing one leading wildcard label and underscores (seen in service names).
    pub fn dns(name: &str) -> Result<San, Error> {
        let bad = |problem: SanProblem| {
            Err(NameError::San {
                text: name.to_string(),
                problem,
            }
            .into())
        };
        if name.is_empty() {
            return bad(SanProblem::Empty);
        }
        if name.len() > 253 {
            return bad(SanProblem::TooLong);
        }
        let wildcard = name.starts_with("*.");
        let body = name.strip_prefix("*.").unwrap_or(name);
        if wildcard && !body.contains('.') {
            return bad(SanProblem::WildcardTooBroad);
        }
        if looks_numeric(body) {
            return bad(SanProblem::NumericName);
        }
        for label in body.split('.') {
            if label.is_empty() || label.len() > 63 {
                return bad(SanProblem::LabelLength);
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return bad(SanProblem::BadCharacter);
            }
            if label.starts_with('-') || label.ends_with('-') {
                return bad(SanProblem::HyphenAtLabelEdge);
            }
        }
        Ok(San::Dns(name.to_ascii_lowercase()))
    }
}

/// Whether a DNS-looking name is really an IPv4 address in another form: its last label is all
/// digits (no top-level domain is, RFC 3696 §2), or every label is a number as inet_aton(3)
/// reads them (decimal, 0-octal, 0x-hex), which `256.1.1.1`, `127.1` and `0x7f.1` all are.
fn looks_numeric(name: &str) -> bool {
    let number = |l: &str| {
        let hex = l.strip_prefix("0x").or_else(|| l.strip_prefix("0X"));
        match hex {
            Some(h) => !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()),
            None => !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()),
        }
    };
    let last = name.rsplit('.').next().unwrap_or(name);
    (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())) || name.split('.').all(number)
}

/// Checks a URI SAN: an RFC 3986 §3.1 scheme, printable ASCII, no control or bidi characters,
/// and a well-formed authority (a bracketed IP literal must close and parse, §3.2.2).
fn check_uri(uri: &str) -> Result<(), SanProblem> {
    if let Some(c) = super::name::unsafe_char(uri) {
        return Err(SanProblem::UnsafeCharacter { code: u32::from(c) });
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err(SanProblem::UriWithoutScheme);
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(SanProblem::UriWithoutScheme);
    }
    if !uri.is_ascii() || uri.contains(char::is_whitespace) {
        return Err(SanProblem::BadUri {
            detail: "only printable ASCII is allowed (percent-encode the rest)",
        });
    }
    if let Some(after) = rest.strip_prefix("//") {
        let authority = after.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if let Some(literal) = host.strip_prefix('[') {
            let Some((inside, _port)) = literal.split_once(']') else {
                return Err(SanProblem::BadUri {
                    detail: "an IPv6 literal '[' is not closed",
                });
            };
            if inside.parse::<std::net::Ipv6Addr>().is_err() && !inside.starts_with(['v', 'V']) {
                return Err(SanProblem::BadUri {
                    detail: "the bracketed host is not an IPv6 address",
                });
            }
        } else if host.contains(['[', ']']) {
            return Err(SanProblem::BadUri {
                detail: "'[' or ']' outside an IPv6 literal",
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_kinds() {
        assert_eq!(
            San::parse("db1.example.com").unwrap(),
            San::Dns("db1.example.com".into())
        );
        assert_eq!(
            San::parse("*.example.com").unwrap(),
            San::Dns("*.example.com".into())
        );
        assert_eq!(
            San::parse("10.0.0.5").unwrap(),
            San::Ip("10.0.0.5".parse().unwrap())
        );
        assert_eq!(San::parse("::1").unwrap(), San::Ip("::1".parse().unwrap()));
        assert_eq!(
            San::parse("ip:[fe80::1]").unwrap(),
            San::Ip("fe80::1".parse().unwrap())
        );
        assert_eq!(
            San::parse("email:a@b.c").unwrap(),
            San::Email("a@b.c".into())
        );
        assert_eq!(
            San::parse("uri:spiffe://x/y").unwrap(),
            San::Uri("spiffe://x/y".into())
        );
        assert_eq!(San::parse("DNS:Host").unwrap(), San::Dns("host".into()));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "a..b",
            "-a.b",
            "a b",
            "ip:300.1.1.1",
            "email:nope",
            "x.*.y",
            "uri:nocolon",
        ] {
            assert!(San::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    /// The hostile-input review's findings: each refused with its own reason.
    #[test]
    fn review_findings_are_refused_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            ("256.1.1.1", "looks like an IP address"),
            ("127.1", "looks like an IP address"),
            ("0x7f.1", "looks like an IP address"),
            ("dns:host.123", "looks like an IP address"),
            ("*.com", "at least two labels"),
            ("dns:*.localhost", "at least two labels"),
            ("email:a@", "LOCAL@DOMAIN"),
            ("email:@b.c", "LOCAL@DOMAIN"),
            ("email:a@b..c", "LOCAL@DOMAIN"),
            ("email:a\u{1b}[2J@b.c", "U+001B"),
            ("uri:http://[::1", "not closed"),
            ("uri:http://[zz]/", "not an IPv6 address"),
            ("uri:https://x/\u{202e}gpj.exe", "U+202E"),
            ("uri:https://x/\u{9b}31m", "U+009B"),
            ("uri:1http://x", "needs a scheme"),
        ];
        for (text, why) in cases {
            let err = San::parse(text).unwrap_err().to_string();
            assert!(err.contains(why), "{text:?}: {err}");
        }
        // Still accepted: numbers inside names, a two-label wildcard, bracketed URIs, mail to an
        // address literal.
        for ok in [
            "1.example.com",
            "0x7f.example",
            "*.example.com",
            "uri:http://[::1]:3306/db",
            "email:dba@[10.0.0.1]",
        ] {
            assert!(San::parse(ok).is_ok(), "{ok:?}: {:?}", San::parse(ok));
        }
    }
}
