//! Why a verification failed, in OpenSSL's terms (`X509_V_ERR_*`), plus the refusals dbtls adds.

use serde::Serialize;

macro_rules! reasons {
    ($(($variant:ident, $code:expr, $id:literal, $text:literal),)*) => {
        /// A refusal reason. The OpenSSL ones carry their `X509_V_ERR_*` number and text
        /// (`X509_verify_cert_error_string`, OpenSSL 3.0).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum Reason {
            $(#[doc = $text] $variant,)*
        }

        impl Reason {
            /// OpenSSL's `X509_V_ERR_*` number; `None` for the refusals only dbtls makes.
            pub fn openssl_code(self) -> Option<u32> {
                match self { $(Reason::$variant => $code,)* }
            }

            /// A stable kebab-case identifier (the JSON value).
            pub fn id(self) -> &'static str {
                match self { $(Reason::$variant => $id,)* }
            }

            /// OpenSSL's text for it (dbtls's own for the others).
            pub fn text(self) -> &'static str {
                match self { $(Reason::$variant => $text,)* }
            }
        }
    };
}

reasons! {
    (UnableToGetIssuerCert, Some(2), "unable-to-get-issuer-cert", "unable to get issuer certificate"),
    (UnableToGetCrl, Some(3), "unable-to-get-crl", "unable to get certificate CRL"),
    (UnableToDecodeIssuerPublicKey, Some(6), "unable-to-decode-issuer-public-key", "unable to decode issuer public key"),
    (CertSignatureFailure, Some(7), "cert-signature-failure", "certificate signature failure"),
    (CrlSignatureFailure, Some(8), "crl-signature-failure", "CRL signature failure"),
    (CertNotYetValid, Some(9), "cert-not-yet-valid", "certificate is not yet valid"),
    (CertHasExpired, Some(10), "cert-has-expired", "certificate has expired"),
    (CrlNotYetValid, Some(11), "crl-not-yet-valid", "CRL is not yet valid"),
    (CrlHasExpired, Some(12), "crl-has-expired", "CRL has expired"),
    (DepthZeroSelfSignedCert, Some(18), "depth-zero-self-signed-cert", "self-signed certificate"),
    (SelfSignedCertInChain, Some(19), "self-signed-cert-in-chain", "self-signed certificate in certificate chain"),
    (UnableToGetIssuerCertLocally, Some(20), "unable-to-get-issuer-cert-locally", "unable to get local issuer certificate"),
    (UnableToVerifyLeafSignature, Some(21), "unable-to-verify-leaf-signature", "unable to verify the first certificate"),
    (CertRevoked, Some(23), "cert-revoked", "certificate revoked"),
    (PathLengthExceeded, Some(25), "path-length-exceeded", "path length constraint exceeded"),
    (InvalidPurpose, Some(26), "invalid-purpose", "unsuitable certificate purpose"),
    (KeyUsageNoCertSign, Some(32), "keyusage-no-certsign", "key usage does not include certificate signing"),
    (UnableToGetCrlIssuer, Some(33), "unable-to-get-crl-issuer", "unable to get CRL issuer certificate"),
    (UnhandledCriticalExtension, Some(34), "unhandled-critical-extension", "unhandled critical extension"),
    (KeyUsageNoCrlSign, Some(35), "keyusage-no-crl-sign", "key usage does not include CRL signing"),
    (UnhandledCriticalCrlExtension, Some(36), "unhandled-critical-crl-extension", "unhandled critical CRL extension"),
    (ProxyCertificatesNotAllowed, Some(40), "proxy-certificates-not-allowed", "proxy certificates not allowed, please set the appropriate flag"),
    (HostnameMismatch, Some(62), "hostname-mismatch", "hostname mismatch"),
    (IpAddressMismatch, Some(64), "ip-address-mismatch", "IP address mismatch"),
    (UnsupportedSignatureAlgorithm, Some(76), "unsupported-signature-algorithm", "Cannot find certificate signature algorithm"),
    (SignatureAlgorithmInconsistency, Some(78), "signature-algorithm-inconsistency", "Signature algorithms of certificate and its TBS part do not match"),
    (InvalidCa, Some(79), "invalid-ca", "invalid CA certificate"),
    (PathlenInvalidForNonCa, Some(80), "pathlen-invalid-for-non-ca", "Path length invalid for non-CA cert"),
    (PathlenWithoutKuKeyCertSign, Some(81), "pathlen-without-ku-key-cert-sign", "Path length given without key usage keyCertSign"),
    (KuKeyCertSignInvalidForNonCa, Some(82), "ku-key-cert-sign-invalid-for-non-ca", "Key usage keyCertSign invalid for non-CA cert"),
    (IssuerNameEmpty, Some(83), "issuer-name-empty", "Issuer name empty"),
    (SubjectNameEmpty, Some(84), "subject-name-empty", "Subject name empty"),
    (MissingAuthorityKeyIdentifier, Some(85), "missing-authority-key-identifier", "Missing Authority Key Identifier"),
    (MissingSubjectKeyIdentifier, Some(86), "missing-subject-key-identifier", "Missing Subject Key Identifier"),
    (EmptySubjectAltName, Some(87), "empty-subject-alt-name", "Empty Subject Alternative Name extension"),
    (EmptySubjectSanNotCritical, Some(88), "empty-subject-san-not-critical", "Subject empty and Subject Alt Name extension not critical"),
    (CaBconsNotCritical, Some(89), "ca-bcons-not-critical", "Basic Constraints of CA cert not marked critical"),
    (AuthorityKeyIdentifierCritical, Some(90), "authority-key-identifier-critical", "Authority Key Identifier marked critical"),
    (SubjectKeyIdentifierCritical, Some(91), "subject-key-identifier-critical", "Subject Key Identifier marked critical"),
    (CaCertMissingKeyUsage, Some(92), "ca-cert-missing-key-usage", "CA cert does not include key usage extension"),
    (ExtensionsRequireVersion3, Some(93), "extensions-require-version-3", "Using cert extension requires at least X509v3"),
    (EcKeyExplicitParams, Some(94), "ec-key-explicit-params", "Certificate public key has explicit ECC parameters"),
    (KeyMismatch, None, "key-mismatch", "the private key does not belong to the certificate"),
    (ExpiresSoon, None, "expires-soon", "the certificate expires within the given number of days"),
    (NotACa, None, "not-a-ca", "the certificate is not a CA certificate"),
}

impl Reason {
    /// Whether `openssl verify`'s callback carries on after this error (apps/verify.c `cb`), so
    /// that later checks still run and report.
    pub fn openssl_continues(self) -> bool {
        use Reason::*;
        matches!(
            self,
            CertHasExpired
                | DepthZeroSelfSignedCert
                | InvalidCa
                | PathLengthExceeded
                | CrlHasExpired
                | CrlNotYetValid
                | UnhandledCriticalExtension
                | InvalidPurpose
                | PathlenInvalidForNonCa
                | PathlenWithoutKuKeyCertSign
                | CaBconsNotCritical
                | CaCertMissingKeyUsage
                | KuKeyCertSignInvalidForNonCa
                | IssuerNameEmpty
                | SubjectNameEmpty
                | EmptySubjectSanNotCritical
                | EmptySubjectAltName
                | SignatureAlgorithmInconsistency
                | AuthorityKeyIdentifierCritical
                | SubjectKeyIdentifierCritical
                | MissingAuthorityKeyIdentifier
                | MissingSubjectKeyIdentifier
                | ExtensionsRequireVersion3
        )
    }
}
