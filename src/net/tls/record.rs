//! The rustls callbacks that record the handshake instead of judging it.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ClientSessionStore, ResolvesClientCert};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, NamedGroup, SignatureScheme};

/// What the callbacks saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub chain: Vec<Vec<u8>>,
    pub signature_error: Option<String>,
    pub requested: Option<Vec<Vec<u8>>>,
    pub sent: bool,
    pub ticket: bool,
}

/// The shared record of what happened, written by the rustls callbacks.
#[derive(Debug, Default, Clone)]
pub struct Recorder(Arc<Mutex<Seen>>);

impl Recorder {
    pub fn with<T>(&self, f: impl FnOnce(&mut Seen) -> T) -> T {
        let mut guard = match self.0.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

/// Records the chain and accepts it; verifies the handshake signature with the provider's
/// algorithms, recording (not failing on) a signature it cannot verify.
#[derive(Debug)]
pub struct RecordingVerifier {
    pub seen: Recorder,
    pub provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.to_vec()];
        chain.extend(intermediates.iter().map(|c| c.to_vec()));
        self.seen.with(|s| s.chain = chain);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.provider.signature_verification_algorithms;
        self.record(rustls::crypto::verify_tls12_signature(
            message, cert, dss, algs,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.provider.signature_verification_algorithms;
        self.record(rustls::crypto::verify_tls13_signature(
            message, cert, dss, algs,
        ))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl RecordingVerifier {
    fn record(
        &self,
        r: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if let Err(e) = r {
            self.seen.with(|s| s.signature_error = Some(e.to_string()));
        }
        Ok(HandshakeSignatureValid::assertion())
    }
}

/// Records the server's CertificateRequest and answers with the client certificate, if any.
#[derive(Debug)]
pub struct RecordingResolver {
    pub seen: Recorder,
    pub key: Option<Arc<CertifiedKey>>,
}

impl ResolvesClientCert for RecordingResolver {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.seen.with(|s| {
            s.requested = Some(root_hint_subjects.iter().map(|d| d.to_vec()).collect());
            s.sent = self.key.is_some();
        });
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}

/// Stores nothing; notes that the server sent a TLS 1.3 session ticket, which OpenSSL servers
/// do only after they have accepted the client's Finished (and its certificate).
#[derive(Debug)]
pub struct TicketWatcher(pub Recorder);

impl ClientSessionStore for TicketWatcher {
    fn set_kx_hint(&self, _: ServerName<'static>, _: NamedGroup) {}
    fn kx_hint(&self, _: &ServerName<'_>) -> Option<NamedGroup> {
        None
    }
    fn set_tls12_session(
        &self,
        _: ServerName<'static>,
        _: rustls::client::Tls12ClientSessionValue,
    ) {
    }
    fn tls12_session(&self, _: &ServerName<'_>) -> Option<rustls::client::Tls12ClientSessionValue> {
        None
    }
    fn remove_tls12_session(&self, _: &ServerName<'static>) {}
    fn insert_tls13_ticket(
        &self,
        _: ServerName<'static>,
        _: rustls::client::Tls13ClientSessionValue,
    ) {
        self.0.with(|s| s.ticket = true);
    }
    fn take_tls13_ticket(
        &self,
        _: &ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        None
    }
}
