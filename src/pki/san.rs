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
                    return if rest.contains(':')
                        && rest.is_ascii()
                        && !rest.contains(char::is_whitespace)
                    {
                        Ok(San::Uri(rest.to_string()))
                    } else {
                        Err(NameError::San {
                            text: text.to_string(),
                            problem: SanProblem::UriWithoutScheme,
                        }
                        .into())
                    };
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
        if addr.contains('@') && !addr.starts_with('@') && addr.is_ascii() {
            Ok(San::Email(addr.to_string()))
        } else {
            Err(NameError::San {
                text: text.to_string(),
                problem: SanProblem::NotEmail,
            }
            .into())
        }
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
        let body = name.strip_prefix("*.").unwrap_or(name);
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
}
