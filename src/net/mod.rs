//! The network: the only module besides [`crate::io`] that touches the operating system, and the
//! only one with sockets.
//!
//! A [`Target`] (`mysql://HOST[:PORT]`, `tls://HOST:PORT`) is probed by [`probe`]: connect (only
//! to the addresses the user's host name resolves to), for `mysql://` read the server's greeting
//! and upgrade with an SSLRequest ([`mysql`]), then a TLS handshake that records what the server
//! presented and accepts it ([`tls`]), so that dbtls itself reports every problem; then close,
//! without logging in. Every connect, read and write has a timeout, and the whole probe a
//! deadline, so a port that does not answer is an error, never a hang.

pub mod mysql;
mod target;
pub mod tls;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

pub use target::{Scheme, Target};
pub use tls::{ClientAuth, ClientIdentity, Negotiated, TlsVersion};

/// How to probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Timeout of the connect and of every read and write.
    pub timeout: Duration,
    /// Only this TLS version; `None` offers 1.2 and 1.3.
    pub tls_version: Option<TlsVersion>,
    /// A client certificate to present when the server asks for one.
    pub client: Option<ClientIdentity>,
}

/// What a server presented and negotiated.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The address that answered.
    pub address: SocketAddr,
    /// The MySQL greeting (`mysql://` only).
    pub greeting: Option<mysql::Greeting>,
    /// What the TLS handshake negotiated.
    pub tls: Negotiated,
    /// The server's certificates as sent, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
    /// Why the server's handshake signature could not be verified; `None` when it was.
    pub signature_error: Option<String>,
    /// Whether the server asked for a client certificate, and what it did with ours.
    pub client_auth: ClientAuth,
}

/// Why a probe failed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The host name did not resolve.
    #[error("cannot resolve the host name: {0}")]
    Resolve(String),
    /// No address accepted the connection.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// Nothing (or not enough) arrived within the timeout.
    #[error("{0}")]
    Timeout(String),
    /// The peer does not speak the MySQL protocol.
    #[error("not a MySQL server: {0}")]
    NotMysql(String),
    /// The server answered the connection with an ERR packet.
    #[error("the server refused the connection: error {code}: {message}")]
    ServerError {
        /// The MySQL error code.
        code: u16,
        /// Its message, as sent.
        message: String,
    },
    /// The greeting lacks CLIENT_SSL.
    #[error("server does not support TLS: have_ssl is DISABLED or ssl_cert is not set")]
    NoTls,
    /// The TLS handshake failed before the server's certificates arrived.
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    /// A read or write failed otherwise.
    #[error("{0}")]
    Io(String),
}

/// A failed probe: the target, the address concerned (when one was reached) and why.
#[derive(Debug, thiserror::Error)]
#[error("{target}{}: {failure}", .address.map(|a| format!(" ({a})")).unwrap_or_default())]
pub struct Error {
    /// The target as the user named it.
    pub target: String,
    /// The address connected to, if any.
    pub address: Option<SocketAddr>,
    /// What went wrong.
    pub failure: Failure,
}

/// Connects to `target` and records what its TLS handshake presents; closes without logging in.
pub fn probe(target: &Target, options: &ProbeOptions) -> Result<Probe, Error> {
    let (stream, address) = connect(target, options.timeout).map_err(|failure| Error {
        target: target.to_string(),
        address: None,
        failure,
    })?;
    let err = |failure| Error {
        target: target.to_string(),
        address: Some(address),
        failure,
    };
    // The whole exchange is bounded too: a server that trickles a byte per timeout would
    // otherwise keep a monitoring run for ever.
    let mut stream = Timed::new(stream, options.timeout, options.timeout * 3);
    let greeting = match target.scheme {
        Scheme::Mysql => Some(mysql::upgrade(&mut stream).map_err(err)?),
        Scheme::Tls => None,
    };
    let server_name = match target.host.parse::<std::net::IpAddr>() {
        Ok(ip) => rustls_pki_types::ServerName::IpAddress(ip.into()),
        Err(_) => rustls_pki_types::ServerName::try_from(target.host.clone())
            .unwrap_or_else(|_| rustls_pki_types::ServerName::IpAddress(address.ip().into())),
    };
    let done = tls::handshake(&mut stream, server_name, options).map_err(err)?;
    Ok(Probe {
        address,
        greeting,
        tls: done.negotiated,
        chain: done.chain,
        signature_error: done.signature_error,
        client_auth: done.client_auth,
    })
}

/// Resolves the target's host and connects to the first address that accepts, each with the
/// timeout.
fn connect(target: &Target, timeout: Duration) -> Result<(TcpStream, SocketAddr), Failure> {
    let (host, port) = (target.host.clone(), target.port);
    let addrs = resolve(timeout, move || {
        (host.as_str(), port)
            .to_socket_addrs()
            .map(|a| a.collect::<Vec<SocketAddr>>())
    })?;
    if addrs.is_empty() {
        return Err(Failure::Resolve("no address".into()));
    }
    let mut errors = Vec::new();
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok((s, addr));
            }
            Err(e) if is_timeout(&e) => errors.push(format!(
                "{addr}: no answer within {} s",
                timeout.as_secs_f64()
            )),
            Err(e) => errors.push(format!("{addr}: {}", io_text(&e))),
        }
    }
    Err(Failure::Connect(errors.join("; ")))
}

/// Runs `lookup` (getaddrinfo(3), which has no timeout of its own: an unreachable name server
/// holds it for the resolver's timeout times its attempts, per search domain) on a thread, and
/// waits for it at most `timeout`. A lookup still running then is left to finish on its own;
/// the run goes on with the error.
fn resolve<F>(timeout: Duration, lookup: F) -> Result<Vec<SocketAddr>, Failure>
where
    F: FnOnce() -> std::io::Result<Vec<SocketAddr>> + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("resolve".into())
        .spawn(move || {
            let _ = tx.send(lookup());
        })
        .map_err(|e| Failure::Resolve(io_text(&e)))?;
    match rx.recv_timeout(timeout) {
        Ok(result) => result.map_err(|e| Failure::Resolve(e.to_string())),
        Err(_) => Err(Failure::Resolve(format!(
            "no answer from the name resolver within {} s",
            timeout.as_secs_f64()
        ))),
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// An I/O error without the `(os error N)` suffix.
fn io_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

/// A TCP stream whose every read and write waits at most `timeout`, and all of them together at
/// most until the deadline.
pub struct Timed {
    stream: TcpStream,
    timeout: Duration,
    deadline: Instant,
}

impl Timed {
    fn new(stream: TcpStream, timeout: Duration, total: Duration) -> Timed {
        Timed {
            stream,
            timeout,
            deadline: Instant::now() + total,
        }
    }

    /// The per-operation timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sets a shorter wait for the reads that follow (the post-handshake alert check).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    fn arm(&self, write: bool) -> std::io::Result<()> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        let wait = Some(self.timeout.min(left));
        if write {
            self.stream.set_write_timeout(wait)
        } else {
            self.stream.set_read_timeout(wait)
        }
    }

    /// Ends the connection (both directions).
    pub fn shutdown(&self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.arm(false)?;
        self.stream.read(buf)
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.arm(true)?;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

#[cfg(test)]
mod resolve_tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_resolver_that_hangs_is_given_up_after_the_timeout() {
        let start = Instant::now();
        let got = resolve(Duration::from_millis(200), || {
            std::thread::sleep(Duration::from_secs(5));
            Ok(Vec::new())
        });
        let took = start.elapsed();
        assert!(took < Duration::from_secs(2), "{took:?}");
        match got {
            Err(Failure::Resolve(m)) => assert!(m.contains("within 0.2 s"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_quick_answer_and_a_resolver_error_come_through() {
        let addr: SocketAddr = "127.0.0.1:3306".parse().unwrap();
        let got = resolve(Duration::from_secs(5), move || Ok(vec![addr]));
        assert_eq!(got.unwrap(), vec![addr]);
        let got = resolve(Duration::from_secs(5), || {
            Err(std::io::Error::other(
                "failed to lookup address information",
            ))
        });
        assert!(matches!(got, Err(Failure::Resolve(m)) if m.contains("failed to lookup")));
    }
}
