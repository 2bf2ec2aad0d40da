//! The TLS handshake with rustls (aws-lc-rs), recording instead of judging: the server's chain
//! is kept and accepted whatever it is (dbtls reports its problems itself, through
//! `pki::verify`), the request for a client certificate is recorded with the CAs the server
//! names, and after a TLS 1.3 handshake one more read catches the alert with which a server
//! refuses a client certificate: in TLS 1.3 the client's handshake is complete before the
//! server has seen the client's Certificate (RFC 8446 §4.4.2), so that refusal arrives later.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::Resumption;
use rustls::crypto::aws_lc_rs;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::sign::CertifiedKey;
use zeroize::Zeroizing;

mod record;
use record::{Recorder, RecordingResolver, RecordingVerifier, TicketWatcher};

use super::{Failure, Timed, is_timeout};

/// A TLS version to probe alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    /// TLS 1.2.
    V1_2,
    /// TLS 1.3.
    V1_3,
}

/// A client certificate chain and its key.
#[derive(Clone)]
pub struct ClientIdentity {
    /// The certificates, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
    /// The private key, PKCS#8 DER.
    pub key_pkcs8: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// What the handshake agreed.
#[derive(Debug, Clone, Default)]
pub struct Negotiated {
    /// `TLSv1.2` or `TLSv1.3` (the spelling of MySQL's `Ssl_version`).
    pub version: Option<String>,
    /// The cipher suite's IANA name.
    pub cipher: Option<String>,
    /// The same suite's OpenSSL name (what MySQL's `Ssl_cipher` shows).
    pub cipher_openssl: Option<String>,
    /// The key exchange group.
    pub group: Option<String>,
}

/// The client-certificate side of the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAuth {
    /// The server did not ask for a client certificate.
    NotRequested,
    /// The server asked (MySQL and MariaDB do when `ssl_ca` is set).
    Requested {
        /// The CA names (DER) the server said it accepts.
        acceptable_cas: Vec<Vec<u8>>,
        /// Whether a certificate was sent.
        sent: bool,
        /// What became of it.
        verdict: ClientVerdict,
    },
}

/// What the server did with the client's certificate (or its absence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientVerdict {
    /// The handshake completed and the server went on: how that was seen.
    Accepted(String),
    /// The server ended the handshake: its alert or error.
    Refused(String),
}

/// The result of a handshake that got as far as the server's certificates.
#[derive(Debug)]
pub struct Done {
    /// What was agreed.
    pub negotiated: Negotiated,
    /// The server's chain as sent.
    pub chain: Vec<Vec<u8>>,
    /// A handshake signature that did not verify.
    pub signature_error: Option<String>,
    /// The client-certificate exchange.
    pub client_auth: ClientAuth,
}

/// How long to wait after a TLS 1.3 handshake for the server's verdict on the client
/// certificate (an alert, or a session ticket).
const VERDICT_WAIT: Duration = Duration::from_secs(2);

/// Runs the client handshake on `stream`, then closes the TLS session.
pub fn handshake(
    stream: &mut Timed,
    server_name: ServerName<'static>,
    options: &super::ProbeOptions,
) -> Result<Done, Failure> {
    let provider = Arc::new(aws_lc_rs::default_provider());
    let versions: &[&'static rustls::SupportedProtocolVersion] = match options.tls_version {
        Some(TlsVersion::V1_2) => &[&rustls::version::TLS12],
        Some(TlsVersion::V1_3) => &[&rustls::version::TLS13],
        None => &[&rustls::version::TLS13, &rustls::version::TLS12],
    };
    let seen = Recorder::default();
    let key = match &options.client {
        Some(id) => {
            let chain = id
                .chain
                .iter()
                .map(|c| CertificateDer::from(c.clone()))
                .collect();
            let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_pkcs8.to_vec()));
            Some(Arc::new(
                CertifiedKey::from_der(chain, der, &provider).map_err(|e| {
                    Failure::Tls(format!("the client certificate cannot be used: {e}"))
                })?,
            ))
        }
        None => None,
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| Failure::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(RecordingVerifier {
            seen: seen.clone(),
            provider: provider.clone(),
        }))
        .with_client_cert_resolver(Arc::new(RecordingResolver {
            seen: seen.clone(),
            key,
        }));
    config.resumption = Resumption::store(Arc::new(TicketWatcher(seen.clone())));
    let mut conn = rustls::ClientConnection::new(Arc::new(config), server_name)
        .map_err(|e| Failure::Tls(e.to_string()))?;

    let mut failure = None;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(stream) {
            // A server that refuses our certificate sends its alert and closes: our write of
            // the rest of the flight can then fail (broken pipe) before the alert is read.
            failure = Some(
                alert_after(conn_err(&e), &mut conn, stream)
                    .unwrap_or_else(|| tls_failure(&e, "during the TLS handshake")),
            );
            break;
        }
    }
    let negotiated = negotiated(&conn);
    let (chain, signature_error, requested, sent) = seen.with(|s| {
        (
            s.chain.clone(),
            s.signature_error.clone(),
            s.requested.clone(),
            s.sent,
        )
    });
    if chain.is_empty() {
        return Err(
            failure.unwrap_or_else(|| Failure::Tls("the server sent no certificate".into()))
        );
    }
    let Some(acceptable_cas) = requested else {
        if let Some(f) = failure {
            return Err(f);
        }
        close(&mut conn, stream);
        return Ok(Done {
            negotiated,
            chain,
            signature_error,
            client_auth: ClientAuth::NotRequested,
        });
    };
    let verdict = match failure {
        Some(f) => ClientVerdict::Refused(match f {
            Failure::Tls(t) => t,
            other => other.to_string(),
        }),
        None if negotiated.version.as_deref() == Some("TLSv1.3") => {
            let wait = stream.timeout().min(VERDICT_WAIT);
            stream.set_timeout(wait);
            await_verdict(&mut conn, stream, &seen, wait)
        }
        None => ClientVerdict::Accepted("the TLS 1.2 handshake completed".into()),
    };
    if matches!(verdict, ClientVerdict::Accepted(_)) {
        close(&mut conn, stream);
    }
    stream.shutdown();
    Ok(Done {
        negotiated,
        chain,
        signature_error,
        client_auth: ClientAuth::Requested {
            acceptable_cas,
            sent,
            verdict,
        },
    })
}

/// After a TLS 1.3 handshake: the server's alert refuses the client certificate; a session
/// ticket, or silence for `wait` (a MySQL server then waits for the login), accepts it.
fn await_verdict(
    conn: &mut rustls::ClientConnection,
    stream: &mut Timed,
    seen: &Recorder,
    wait: Duration,
) -> ClientVerdict {
    loop {
        if seen.with(|s| s.ticket) {
            return ClientVerdict::Accepted(
                "the server sent a session ticket after the handshake".into(),
            );
        }
        match conn.read_tls(stream) {
            Ok(0) => {
                return ClientVerdict::Refused(
                    "the server closed the connection after the handshake, without an alert".into(),
                );
            }
            Ok(_) => {
                if let Err(e) = conn.process_new_packets() {
                    return ClientVerdict::Refused(rustls_text(&e));
                }
                // Application data (none is expected before the login) is drained.
                let mut sink = [0u8; 512];
                while let Ok(n) = conn.reader().read(&mut sink) {
                    if n == 0 {
                        break;
                    }
                }
            }
            Err(e) if is_timeout(&e) => {
                return ClientVerdict::Accepted(format!(
                    "no alert within {} s of the handshake",
                    wait.as_secs_f64()
                ));
            }
            Err(e) => return ClientVerdict::Refused(super::io_text(&e)),
        }
    }
}

fn conn_err(e: &std::io::Error) -> bool {
    e.get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .is_none()
}

/// After a socket error, the alert the server may have sent before it closed.
fn alert_after(
    socket_error: bool,
    conn: &mut rustls::ClientConnection,
    stream: &mut Timed,
) -> Option<Failure> {
    if !socket_error {
        return None;
    }
    for _ in 0..4 {
        match conn.read_tls(stream) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {
                if let Err(e) = conn.process_new_packets() {
                    return Some(Failure::Tls(rustls_text(&e)));
                }
            }
        }
    }
    None
}

/// Sends close_notify and shuts the socket: the probe never logs in.
fn close(conn: &mut rustls::ClientConnection, stream: &mut Timed) {
    conn.send_close_notify();
    while conn.wants_write() {
        if conn.write_tls(stream).is_err() {
            break;
        }
    }
    stream.shutdown();
}

fn negotiated(conn: &rustls::ClientConnection) -> Negotiated {
    let version = conn.protocol_version().map(|v| match v {
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
        other => format!("{other:?}"),
    });
    let suite = conn.negotiated_cipher_suite().map(|s| s.suite());
    Negotiated {
        version,
        cipher: suite.map(iana_name),
        cipher_openssl: suite.and_then(openssl_name).map(str::to_string),
        group: conn
            .negotiated_key_exchange_group()
            .map(|g| format!("{:?}", g.name())),
    }
}

/// rustls names TLS 1.3 suites `TLS13_...`; IANA's names are `TLS_...`.
fn iana_name(s: rustls::CipherSuite) -> String {
    let name = format!("{s:?}");
    match name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => name,
    }
}

/// OpenSSL's names of the suites rustls offers (`openssl ciphers -stdname`).
fn openssl_name(s: rustls::CipherSuite) -> Option<&'static str> {
    use rustls::CipherSuite as C;
    Some(match s {
        C::TLS13_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        C::TLS13_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        C::TLS13_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ECDHE-ECDSA-AES256-GCM-SHA384",
        C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ECDHE-ECDSA-AES128-GCM-SHA256",
        C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-ECDSA-CHACHA20-POLY1305",
        C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "ECDHE-RSA-AES256-GCM-SHA384",
        C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "ECDHE-RSA-AES128-GCM-SHA256",
        C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-RSA-CHACHA20-POLY1305",
        _ => return None,
    })
}

fn rustls_text(e: &rustls::Error) -> String {
    match e {
        rustls::Error::AlertReceived(alert) => {
            format!("the server sent the alert {}", alert_name(*alert))
        }
        other => other.to_string(),
    }
}

/// An alert as OpenSSL and RFC 8446 §6 spell it (`unknown_ca`, `certificate_required`).
fn alert_name(a: rustls::AlertDescription) -> String {
    let camel = format!("{a:?}");
    let mut out = String::new();
    let mut lower_before = false;
    for ch in camel.chars() {
        if ch.is_ascii_uppercase() && lower_before {
            out.push('_');
        }
        lower_before = ch.is_ascii_lowercase();
        out.push(ch.to_ascii_lowercase());
    }
    out
}

fn tls_failure(e: &std::io::Error, doing: &str) -> Failure {
    if let Some(r) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return Failure::Tls(rustls_text(r));
    }
    if is_timeout(e) {
        return Failure::Timeout(format!("no answer {doing} within the timeout"));
    }
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return Failure::Tls(format!("the server closed the connection {doing}"));
    }
    Failure::Tls(format!("{doing}: {}", super::io_text(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            alert_name(rustls::AlertDescription::UnknownCA),
            "unknown_ca"
        );
        assert_eq!(
            alert_name(rustls::AlertDescription::CertificateRequired),
            "certificate_required"
        );
        assert_eq!(
            iana_name(rustls::CipherSuite::TLS13_AES_256_GCM_SHA384),
            "TLS_AES_256_GCM_SHA384"
        );
    }
}
