//! Network targets as the user writes them: `mysql://HOST[:PORT]` and `tls://HOST:PORT`.

use std::fmt;
use std::net::Ipv6Addr;

/// How the server is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// The MySQL protocol, upgraded to TLS with an SSLRequest.
    Mysql,
    /// TLS from the first byte (a proxy, TiDB's status port).
    Tls,
}

/// A server to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The protocol.
    pub scheme: Scheme,
    /// The host as written (an IPv6 address without its brackets).
    pub host: String,
    /// The TCP port.
    pub port: u16,
}

/// A target that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}: {why}")]
pub struct TargetError {
    /// The argument.
    pub text: String,
    /// What is wrong with it.
    pub why: &'static str,
}

/// The MySQL and MariaDB default port.
pub const MYSQL_PORT: u16 = 3306;

impl Target {
    /// Parses `text` when it starts with `mysql://` or `tls://`; `Ok(None)` for anything else
    /// (a file name).
    pub fn parse(text: &str) -> Result<Option<Target>, TargetError> {
        let (scheme, rest) = if let Some(r) = text.strip_prefix("mysql://") {
            (Scheme::Mysql, r)
        } else if let Some(r) = text.strip_prefix("tls://") {
            (Scheme::Tls, r)
        } else {
            return Ok(None);
        };
        let bad = |why| TargetError {
            text: text.to_string(),
            why,
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('@') {
            return Err(bad(
                "no user name in the URL: dbtls only does the TLS handshake, it never logs in",
            ));
        }
        if rest.contains(['/', '?', '#']) {
            return Err(bad("only HOST[:PORT] after the scheme"));
        }
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let Some((ip, after)) = inner.split_once(']') else {
                return Err(bad("an IPv6 address needs its closing ']'"));
            };
            if ip.parse::<Ipv6Addr>().is_err() {
                return Err(bad("not an IPv6 address between '[' and ']'"));
            }
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| bad("':PORT' after ']'"))?,
                ),
            };
            (ip, port)
        } else {
            match rest.matches(':').count() {
                0 => (rest, None),
                1 => {
                    let (h, p) = rest.split_once(':').unwrap_or((rest, ""));
                    (h, Some(p))
                }
                _ => return Err(bad("an IPv6 address goes in brackets: mysql://[::1]:3306")),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
        {
            return Err(bad("the host is not a DNS name or an IP address"));
        }
        let port = match port {
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => return Err(bad("the port must be a number from 1 to 65535")),
            },
            None if scheme == Scheme::Mysql => MYSQL_PORT,
            None => return Err(bad("tls:// needs a port: tls://HOST:PORT")),
        };
        Ok(Some(Target {
            scheme,
            host: host.to_string(),
            port,
        }))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Mysql => "mysql",
            Scheme::Tls => "tls",
        };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Target {
        Target::parse(text).unwrap().unwrap()
    }

    #[test]
    fn parses_hosts_ports_and_ipv6() {
        let t = ok("mysql://db1.example.com");
        assert_eq!(
            (t.scheme, t.host.as_str(), t.port),
            (Scheme::Mysql, "db1.example.com", 3306)
        );
        assert_eq!(ok("mysql://127.0.0.1:3307").port, 3307);
        let t = ok("mysql://[::1]:3306");
        assert_eq!((t.host.as_str(), t.port), ("::1", 3306));
        assert_eq!(ok("mysql://[::1]").port, 3306);
        assert_eq!(ok("tls://proxy:10080").scheme, Scheme::Tls);
        assert_eq!(ok("mysql://[::1]").to_string(), "mysql://[::1]:3306");
        assert_eq!(ok("mysql://db1/").to_string(), "mysql://db1:3306");
        assert_eq!(Target::parse("ca.pem").unwrap(), None);
        assert_eq!(Target::parse("./mysql://x").unwrap(), None);
    }

    #[test]
    fn refuses_what_is_not_host_and_port() {
        for bad in [
            "mysql://",
            "mysql://:3306",
            "mysql://h:0",
            "mysql://h:65536",
            "mysql://h:x",
            "mysql://::1",
            "mysql://[::1",
            "mysql://[zz]:1",
            "mysql://[::1]3306",
            "mysql://root@h",
            "mysql://h/db",
            "mysql://h?x=1",
            "mysql://h h",
            "tls://h",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
