//! `dbtls issue` and `dbtls csr`: chains openssl and webpki accept, profiles, subjects, CSRs,
//! issuer checks, validity, and an RFC 5280 linter.

use std::process::Command;

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::util::{Chain, Issuer, TestDir, fails, key_new_args, mode, ok, run, stderr, stdout};

/// The root of [`pki`], its key encrypted with `ca-pw`.
const ROOT: Issuer = Issuer::new("out/ca.pem", "out/ca-key.pem").with_passin("pass:ca-pw");
/// The intermediate of [`pki`].
const INTER: Issuer = Issuer::new("out/intermediate-cert.pem", "out/intermediate-key.pem");
/// What `openssl verify` needs for the leaves of [`pki`].
const CHAIN: Chain = Chain::via("out/ca.pem", "out/intermediate-cert.pem");

/// A root → intermediate → server and client chain issued into `out/` with dbtls.
struct ChainSpec<'a> {
    /// What the root and intermediate subjects start with (before `/O=Example`).
    ca_prefix: &'a str,
    /// The key types of the root, the intermediate, the server and the client.
    keys: [&'a str; 4],
    /// The root key's `--passout` (none: unencrypted).
    root_passout: Option<&'a str>,
    /// The server's SANs.
    sans: &'a [&'a str],
    /// More options for the server.
    server_extra: &'a [&'a str],
}

impl ChainSpec<'_> {
    fn issue(&self, t: &TestDir) {
        let [root_key, int_key, server_key, client_key] = self.keys;
        let mut root = vec!["--key-type", root_key];
        let mut root_ca = Issuer::new(ROOT.cert, ROOT.key);
        if let Some(p) = self.root_passout {
            root.extend(["--passout", p]);
            root_ca = ROOT;
        }
        let prefix = self.ca_prefix;
        let root_subject = format!("{prefix}/O=Example/CN=Example Root CA");
        ok(t.issue("ca", &root_subject, None, &root));
        let int = format!("{prefix}/O=Example/CN=Example Intermediate");
        ok(t.issue(
            "intermediate",
            &int,
            Some(&root_ca),
            &["--key-type", int_key],
        ));
        let server = [
            &san_args(self.sans)[..],
            &["--key-type", server_key],
            self.server_extra,
        ]
        .concat();
        ok(t.issue(
            "server",
            "/O=Example/CN=db1.example.com",
            Some(&INTER),
            &server,
        ));
        let alice = "/O=Example/CN=alice/emailAddress=alice@example.com";
        ok(t.issue("client", alice, Some(&INTER), &["--key-type", client_key]));
    }
}

/// Root (encrypted key) → intermediate → server and client, all ECDSA for speed.
fn pki(t: &TestDir) {
    ChainSpec {
        ca_prefix: "",
        keys: ["ecdsa-p256", "ecdsa-p384", "ecdsa-p256", "ed25519"],
        root_passout: Some("pass:ca-pw"),
        sans: &["db1.example.com", "db.example.com", "10.0.0.5", "fd00::5"],
        server_extra: &["--chain-out", "out/server-chain.pem"],
    }
    .issue(t);
}

/// `--san NAME` for each name.
fn san_args<'a>(names: &[&'a str]) -> Vec<&'a str> {
    names.iter().flat_map(|n| ["--san", *n]).collect()
}

/// `--out-cert CERT --out-key KEY`.
fn outs<'a>(cert: &'a str, key: &'a str) -> [&'a str; 4] {
    ["--out-cert", cert, "--out-key", key]
}

#[test]
fn openssl_verifies_root_intermediate_server_and_client() {
    let t = TestDir::new();
    pki(&t);
    for (file, m) in [
        ("ca.pem", 0o644),
        ("ca-key.pem", 0o600),
        ("intermediate-cert.pem", 0o644),
        ("intermediate-key.pem", 0o600),
        ("server-cert.pem", 0o644),
        ("server-key.pem", 0o600),
        ("client-cert.pem", 0o644),
        ("client-key.pem", 0o600),
    ] {
        assert_eq!(mode(&t.join(&format!("out/{file}"))), m, "{file}");
    }
    let server = ["out/server-cert.pem"];
    let out = t.openssl_verify_ok(&CHAIN, Some("sslserver"), &server);
    assert!(out.contains("out/server-cert.pem: OK"), "{out}");
    let client = ["out/client-cert.pem"];
    let out = t.openssl_verify_ok(&CHAIN, Some("sslclient"), &client);
    assert!(out.contains("out/client-cert.pem: OK"), "{out}");
    // The chain file is leaf + intermediate: enough, with the root, to verify.
    let chain = t.read("out/server-chain.pem");
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);
    let from_file = Chain::via("out/ca.pem", "out/server-chain.pem");
    t.openssl_verify_ok(&from_file, None, &["out/server-chain.pem"]);
    // The wrong purpose is refused: a client certificate is no server certificate.
    let out = t.openssl_verify(&CHAIN, Some("sslserver"), &client);
    assert!(!out.status.success());
    // The CA key is encrypted and openssl opens it.
    t.assert_openssl_opens("out/ca-key.pem", "pass:ca-pw");
    // Nothing is overwritten without --force.
    let before = t.read_bytes("out/ca.pem");
    let err = t.dbtls_fails(&["issue", "ca", "--subject", "/CN=Other"]);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(t.read_bytes("out/ca.pem"), before);
}

#[test]
fn openssl_shows_each_profiles_extensions() {
    let t = TestDir::new();
    pki(&t);
    // (certificate, what openssl shows, what it must not show)
    let profiles: [(&str, &[&str], &[&str]); 4] = [
        (
            "out/ca.pem",
            &[
                "Version: 3",
                "Basic Constraints: critical",
                "CA:TRUE",
                "Key Usage: critical",
                "Certificate Sign, CRL Sign",
                "Subject Key Identifier",
                "ecdsa-with-SHA256",
            ],
            &["pathlen", "Extended Key Usage"],
        ),
        (
            "out/intermediate-cert.pem",
            &[
                "CA:TRUE, pathlen:0",
                "Certificate Sign, CRL Sign",
                "Authority Key Identifier",
                "Subject Key Identifier",
            ],
            &[],
        ),
        (
            "out/server-cert.pem",
            &[
                "CA:FALSE",
                "Digital Signature",
                "TLS Web Server Authentication",
                "DNS:db1.example.com, DNS:db.example.com, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:5",
                "Authority Key Identifier",
                // Signed by the P-384 intermediate: SHA-384 (RFC 5480 §4).
                "ecdsa-with-SHA384",
            ],
            &["Client Authentication", "Certificate Sign"],
        ),
        (
            "out/client-cert.pem",
            &[
                "CA:FALSE",
                "TLS Web Client Authentication",
                "email:alice@example.com",
                "ED25519",
            ],
            &["Server Authentication"],
        ),
    ];
    for (cert, wanted, unwanted) in profiles {
        let text = t.x509_text(cert);
        for want in wanted {
            assert!(text.contains(want), "{cert} lacks {want}:\n{text}");
        }
        for not in unwanted {
            assert!(!text.contains(not), "{cert} has {not}:\n{text}");
        }
    }
    // Serials are random, positive, 16 bytes.
    let serial = t.x509_field("out/server-cert.pem", "serial");
    assert_eq!(
        serial.trim().trim_start_matches("serial=").len(),
        32,
        "{serial}"
    );
    // An RSA leaf also gets keyEncipherment.
    let rsa_outs = outs("rsa.pem", "rsa-key.pem");
    ok(t.issue("server", "/CN=rsa.example.com", Some(&INTER), &rsa_outs));
    let rsa = t.x509_text("rsa.pem");
    assert!(
        rsa.contains("Digital Signature, Key Encipherment") && rsa.contains("rsaEncryption"),
        "{rsa}"
    );
    assert!(
        rsa.contains("DNS:rsa.example.com"),
        "the CN becomes the SAN when none is given:\n{rsa}"
    );
}

/// `EndEntityCert::verify_for_usage` of `cert` against the root and intermediate, now.
fn webpki_verify(
    cert: &webpki::EndEntityCert,
    anchors: &[rustls_pki_types::TrustAnchor],
    inter: &[CertificateDer],
    usage: webpki::KeyUsage,
) -> Result<(), webpki::Error> {
    cert.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        anchors,
        inter,
        UnixTime::now(),
        usage,
        None,
        None,
    )
    .map(|_| ())
}

#[test]
fn webpki_accepts_each_san_and_rejects_other_names() {
    let t = TestDir::new();
    pki(&t);
    let der =
        |file: &str| CertificateDer::from(pem::parse(t.read_bytes(file)).unwrap().into_contents());
    let ca = der("out/ca.pem");
    let anchors = [webpki::anchor_from_trusted_cert(&ca).unwrap()];
    let inter = [der("out/intermediate-cert.pem")];
    let leaf = der("out/server-cert.pem");
    let ee = webpki::EndEntityCert::try_from(&leaf).unwrap();
    webpki_verify(&ee, &anchors, &inter, webpki::KeyUsage::server_auth()).unwrap();
    for name in ["db1.example.com", "db.example.com", "10.0.0.5", "fd00::5"] {
        let sn = ServerName::try_from(name).unwrap();
        ee.verify_is_valid_for_subject_name(&sn)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
    for name in ["db2.example.com", "example.com", "10.0.0.6", "localhost"] {
        let sn = ServerName::try_from(name).unwrap();
        assert!(
            ee.verify_is_valid_for_subject_name(&sn).is_err(),
            "{name} should be refused"
        );
    }
    // The client certificate is not valid for server auth.
    let client = der("out/client-cert.pem");
    let client = webpki::EndEntityCert::try_from(&client).unwrap();
    assert!(webpki_verify(&client, &anchors, &inter, webpki::KeyUsage::server_auth()).is_err());
    webpki_verify(&client, &anchors, &inter, webpki::KeyUsage::client_auth()).unwrap();
}

#[test]
fn subjects_keep_their_order_and_openssl_req_string_types() {
    let t = TestDir::new();
    let subject = "/C=US/ST=Oregon/L=Portland/O=My Dom, Inc./OU=DB\\/Ops/CN=alice+UID=alice/emailAddress=alice@example.com/serialNumber=42/DC=example/2.5.4.9=Main St";
    ok(t.issue("ca", subject, None, &["--key-type", "ecdsa-p256"]));
    // The oneline (X509_NAME_oneline) form MySQL compares, in certificate order.
    let oneline = t.openssl_ok(&[
        "x509",
        "-in",
        "out/ca.pem",
        "-noout",
        "-subject",
        "-nameopt",
        "compat",
    ]);
    assert_eq!(
        oneline.trim(),
        "subject=/C=US/ST=Oregon/L=Portland/O=My Dom, Inc./OU=DB\\/Ops/CN=alice+UID=alice/emailAddress=alice@example.com/serialNumber=42/DC=example/street=Main St"
    );
    let asn1 = t.openssl_ok(&["asn1parse", "-in", "out/ca.pem"]);
    let expected = [
        ("countryName", "PRINTABLESTRING   :US"),
        ("stateOrProvinceName", "UTF8STRING        :Oregon"),
        ("localityName", "UTF8STRING        :Portland"),
        ("organizationName", "UTF8STRING        :My Dom, Inc."),
        ("organizationalUnitName", "UTF8STRING        :DB/Ops"),
        ("commonName", "UTF8STRING        :alice"),
        ("userId", "UTF8STRING        :alice"),
        ("emailAddress", "IA5STRING         :alice@example.com"),
        ("serialNumber", "PRINTABLESTRING   :42"),
        ("domainComponent", "IA5STRING         :example"),
        ("streetAddress", "UTF8STRING        :Main St"),
    ];
    let mut pos = 0;
    for (attr, value) in expected {
        let at = asn1[pos..]
            .find(&format!(":{attr}"))
            .unwrap_or_else(|| panic!("{attr} missing or out of order:\n{asn1}"));
        pos += at;
        let line_end = pos + asn1[pos..].find('\n').unwrap();
        let next = &asn1[line_end + 1..];
        let next_line = next.lines().next().unwrap();
        assert!(next_line.ends_with(value), "{attr}: {next_line}");
        pos = line_end;
    }
    // CN and UID share one RDN (a SET with two members).
    let text = t.x509_text("out/ca.pem");
    assert!(text.contains("CN = alice + UID = alice"), "{text}");
    // Malformed subjects are clear errors pointing at the bad part.
    for (bad, part) in [
        ("CN=x", "starts with '/'"),
        ("/CN", "'CN'"),
        ("/XX=y", "XX"),
        ("/C=USA", "USA"),
        ("/CN=", "CN"),
    ] {
        let err = fails(t.issue("ca", bad, None, &outs("x.pem", "x-key.pem")));
        assert!(err.contains(part), "{bad}: {err}");
    }
}

/// `openssl req -verify -noout -text` of a CSR: it must verify; returns stdout and stderr.
fn assert_csr_verifies(t: &TestDir, csr: &str, context: &str) -> String {
    let out = t.openssl_run(&["req", "-in", csr, "-verify", "-noout", "-text"]);
    let all = stdout(&out) + &stderr(&out);
    assert!(
        out.status.success() && all.contains("verify OK"),
        "{context}: {all}"
    );
    all
}

#[test]
fn a_csr_from_openssl_is_signed_and_ours_passes_openssl_req_verify() {
    let t = TestDir::new();
    pki(&t);
    let sans = "subjectAltName=DNS:host.example.com,IP:192.0.2.7";
    let extensions = [
        "-addext",
        sans,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
    ];
    let subj = "/O=Example/CN=host.example.com";
    t.openssl_p256_req("host.key", "host.csr", subj, &extensions);
    let sign_csr = |profile: &str, csr: &str, extra: &[&str]| {
        let mut cmd = t.dbtls();
        cmd.args(["issue", profile, "--csr", csr])
            .args(extra)
            .args(INTER.args());
        cmd
    };
    ok(sign_csr("server", "host.csr", &["--out-cert", "host.pem"]));
    let text = t.x509_text("host.pem");
    assert!(
        text.contains("Subject: O = Example, CN = host.example.com"),
        "{text}"
    );
    assert!(
        text.contains("DNS:host.example.com, IP Address:192.0.2.7"),
        "{text}"
    );
    // The CSR's CA:TRUE request is ignored: the profile decides.
    assert!(
        text.contains("CA:FALSE") && !text.contains("CA:TRUE"),
        "{text}"
    );
    t.openssl_verify_ok(&CHAIN, None, &["host.pem"]);
    // The certificate is for the CSR's key.
    assert_eq!(t.cert_pubkey("host.pem"), t.key_pubkey("host.key", None));
    // --subject and --san override the CSR.
    let overrides = [
        "--subject",
        "/CN=override",
        "--san",
        "other.example.com",
        "--out-cert",
        "o.pem",
    ];
    ok(sign_csr("client", "host.csr", &overrides));
    let text = t.x509_text("o.pem");
    assert!(
        text.contains("Subject: CN = override")
            && text.contains("DNS:other.example.com")
            && !text.contains("192.0.2.7"),
        "{text}"
    );
    // A CSR whose signature does not verify is refused.
    t.openssl_ok(&[
        "req", "-in", "host.csr", "-outform", "DER", "-out", "host.der",
    ]);
    let mut bytes = t.read_bytes("host.der");
    let at = bytes.windows(4).position(|w| w == b"host").unwrap();
    bytes[at] = b'g';
    t.write("bad.der", bytes);
    let err = fails(sign_csr("server", "bad.der", &["--out-cert", "bad.pem"]));
    assert!(
        err.contains("bad.der") && err.contains("signature"),
        "{err}"
    );

    // Ours: openssl req -verify accepts it, for each key type, and shows subject and SANs.
    for kind in ["rsa2048", "ecdsa-p384", "ed25519"] {
        let csr = format!("{kind}.csr");
        let key = format!("{kind}.key");
        ok(t.dbtls()
            .args(["csr", "new", "--subject", "/O=Example/CN=web.example.com"])
            .args(san_args(&["web.example.com", "::1"]))
            .args(["--key-type", kind, "--out-csr", &csr, "--out-key", &key])
            .args(["--passout", "pass:k-pw"]));
        assert_eq!(mode(&t.join(&key)), 0o600);
        let all = assert_csr_verifies(&t, &csr, kind);
        assert!(
            all.contains("Subject: O = Example, CN = web.example.com"),
            "{all}"
        );
        assert!(
            all.contains("DNS:web.example.com, IP Address:0:0:0:0:0:0:0:1"),
            "{all}"
        );
        // The CSR's key is the written (encrypted) key.
        let a = t.openssl_ok(&["req", "-in", &csr, "-noout", "-pubkey"]);
        assert_eq!(a, t.key_pubkey(&key, Some("pass:k-pw")), "{kind}");
    }
    // And dbtls signs its own CSR; a CSR for an existing (encrypted) key reuses it.
    t.dbtls_ok(&[
        "csr",
        "new",
        "--subject",
        "/CN=again.example.com",
        "--key",
        "ed25519.key",
        "--passin",
        "pass:k-pw",
        "--out-csr",
        "again.csr",
    ]);
    ok(sign_csr(
        "server",
        "again.csr",
        &["--out-cert", "again.pem"],
    ));
    let text = t.x509_text("again.pem");
    assert!(text.contains("DNS:again.example.com"), "{text}");
}

#[test]
fn the_issuer_is_checked_before_signing() {
    let t = TestDir::new();
    pki(&t);
    let sign = |profile: &str, by: Issuer, extra: &[&str]| {
        let mut cmd = t.issue(
            profile,
            "/CN=x.example.com",
            Some(&by),
            &outs("x.pem", "x-key.pem"),
        );
        cmd.args(["--force", "--key-type", "ecdsa-p256"])
            .args(extra);
        cmd
    };
    // A leaf is not a CA.
    let leaf = Issuer::new("out/server-cert.pem", "out/server-key.pem");
    let err = fails(sign("client", leaf, &[]));
    assert!(err.contains("not a CA"), "{err}");
    // The key must belong to the certificate.
    let wrong_key = Issuer::new(INTER.cert, "out/server-key.pem");
    let err = fails(sign("client", wrong_key, &[]));
    assert!(err.contains("does not belong"), "{err}");
    // The intermediate's path length 0 allows no CA below it.
    let err = fails(sign("intermediate", INTER, &[]));
    assert!(err.contains("path length"), "{err}");
    // The CA key is encrypted: a wrong or missing password is a one-line error naming the file.
    let root_without_password = Issuer::new(ROOT.cert, ROOT.key);
    let err = fails(sign(
        "client",
        root_without_password,
        &["--passin", "pass:nope"],
    ));
    assert!(
        err.lines().count() == 1 && err.contains("ca-key.pem") && err.contains("wrong password"),
        "{err}"
    );
    let err = fails(sign("client", root_without_password, &[]));
    assert!(
        err.contains("no terminal") && err.contains("--passin"),
        "{err}"
    );
    // intermediate/server/client need a CA.
    let err = fails(t.issue(
        "server",
        "/CN=a.example.com",
        None,
        &outs("y.pem", "y-key.pem"),
    ));
    assert!(err.contains("--ca"), "{err}");
    assert!(!t.join("x.pem").exists() && !t.join("y.pem").exists());
    // A leaf cannot outlive its CA: clamped with a warning.
    let short = [
        &["--days", "30"][..],
        &outs("short.pem", "short-key.pem"),
        &["--key-type", "ecdsa-p256"],
    ]
    .concat();
    ok(t.issue("intermediate", "/CN=Short", Some(&ROOT), &short));
    let out = run(sign(
        "server",
        Issuer::new("short.pem", "short-key.pem"),
        &[],
    ));
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("warning: not-after clamped"),
        "{out:?}"
    );
    assert_eq!(
        t.x509_field("x.pem", "enddate"),
        t.x509_field("short.pem", "enddate")
    );
}

#[test]
fn not_before_and_not_after_make_expired_and_future_certificates() {
    let t = TestDir::new();
    pki(&t);
    let client = |cn: &str, cert: &str, key: &str, from: &str, until: &str| {
        let mut cmd = t.issue("client", cn, Some(&INTER), &outs(cert, key));
        cmd.args(["--not-before", from, "--not-after", until])
            .args(["--key-type", "ecdsa-p256"]);
        run(cmd)
    };
    let out = client(
        "/CN=expired",
        "old.pem",
        "old-key.pem",
        "2020-01-01T00:00:00Z",
        "2021-01-01T00:00:00Z",
    );
    assert!(
        out.status.success() && stderr(&out).contains("already expired"),
        "{out:?}"
    );
    let v = t.openssl_verify(&CHAIN, None, &["old.pem"]);
    assert!(
        !v.status.success() && (stdout(&v) + &stderr(&v)).contains("expired"),
        "{v:?}"
    );
    let dates = t.x509_field("old.pem", "dates");
    assert!(
        dates.contains("notBefore=Jan  1 00:00:00 2020 GMT")
            && dates.contains("notAfter=Jan  1 00:00:00 2021 GMT"),
        "{dates}"
    );
    let out = client(
        "/CN=future",
        "new.pem",
        "new-key.pem",
        "2030-01-01T00:00:00Z",
        "2031-01-01T00:00:00+02:00",
    );
    assert!(
        out.status.success() && stderr(&out).contains("not yet valid"),
        "{out:?}"
    );
    let dates = t.x509_field("new.pem", "enddate");
    assert!(dates.contains("Dec 31 22:00:00 2030 GMT"), "{dates}");
    let backwards = [
        &["--not-before", "2030-01-01T00:00:00Z"][..],
        &["--not-after", "2029-01-01T00:00:00Z"],
        &outs("z.pem", "z-key.pem"),
    ]
    .concat();
    let err = fails(t.issue("ca", "/CN=x", None, &backwards));
    assert!(err.contains("later than"), "{err}");
    // Defaults: 825 days for leaves.
    let checkend = |days: u32| {
        let seconds = (days * 86400).to_string();
        t.openssl_run(&[
            "x509",
            "-in",
            "out/server-cert.pem",
            "-noout",
            "-checkend",
            &seconds,
        ])
    };
    let still = checkend(824);
    assert!(
        still.status.success() && stdout(&still).contains("will not expire"),
        "{still:?}"
    );
    assert!(!checkend(826).status.success());
}

#[test]
fn server_certificates_always_have_a_san() {
    let t = TestDir::new();
    pki(&t);
    let extra = [
        &outs("s.pem", "s-key.pem")[..],
        &["--key-type", "ecdsa-p256"],
    ]
    .concat();
    let err = fails(t.issue("server", "/CN=My Database", Some(&INTER), &extra));
    assert!(
        err.contains("--san") && err.contains("My Database"),
        "{err}"
    );
    assert!(!t.join("s.pem").exists() && !t.join("s-key.pem").exists());
}

#[test]
fn a_reused_key_keeps_the_public_key_and_every_passin_spec_form_works() {
    let t = TestDir::new();
    pki(&t);
    t.dbtls_ok(&key_new_args(
        "ecdsa-p256",
        "mine.pem",
        &["--passout", "pass:mine-pw"],
    ));
    let client_key = t.read_bytes("out/client-key.pem");
    t.write("ca-pw", "ca-pw\n");
    let bin = env!("CARGO_BIN_EXE_dbtls");
    let forms = [
        ("pass:ca-pw", ""),
        ("env:DBTLS_CA_PW", ""),
        ("file:ca-pw", ""),
        ("fd:3", "exec 3<ca-pw;"),
        ("stdin", "printf 'ca-pw\\n' |"),
    ];
    let mine = t.key_pubkey("mine.pem", Some("pass:mine-pw"));
    for (i, (spec, prefix)) in forms.into_iter().enumerate() {
        let script = format!(
            "{prefix} '{bin}' issue client --subject /CN=renewed{i} --key mine.pem --key-passin pass:mine-pw --out-cert r{i}.pem \
             --ca out/ca.pem --ca-key out/ca-key.pem --passin {spec}"
        );
        ok(t.sh(&script).env("DBTLS_CA_PW", "ca-pw"));
        assert_eq!(t.cert_pubkey(format!("r{i}.pem")), mine, "{spec}");
    }
    // No key file is written for a reused key: the default one is the client key of `pki`.
    assert_eq!(t.read_bytes("out/client-key.pem"), client_key);
    assert_eq!(mode(&t.join("out/client-key.pem")), 0o600);
    let reuse = [
        "--key",
        "mine.pem",
        "--key-passin",
        "pass:mine-pw",
        "--out-key",
        "z.pem",
    ];
    let err = fails(t.issue("client", "/CN=z", Some(&ROOT), &reuse));
    assert!(err.contains("--out-key"), "{err}");
}

/// pkilint's RFC 5280 linter (`pip install pkilint`) finds no error in any profile.
///
/// The names are fully qualified: pkilint also reports `localhost` and wildcard labels as
/// "invalid domain name syntax", which is its opinion rather than RFC 5280's (setup still uses
/// `localhost`, which MySQL clients connect to).
#[test]
fn pkilint_finds_no_error_in_any_profile() {
    let t = TestDir::new();
    ChainSpec {
        ca_prefix: "/C=US",
        keys: ["rsa2048", "ecdsa-p384", "rsa2048", "ed25519"],
        root_passout: None,
        sans: &["db1.example.com", "10.0.0.5"],
        server_extra: &[],
    }
    .issue(&t);
    for cert in [
        "ca.pem",
        "intermediate-cert.pem",
        "server-cert.pem",
        "client-cert.pem",
    ] {
        let out = run(Command::new("lint_pkix_cert")
            .current_dir(t.path())
            .args(["lint", &format!("out/{cert}")]));
        let text = stdout(&out);
        assert!(
            !text.contains("(ERROR)") && !text.contains("(FATAL)") && !text.contains("(WARNING)"),
            "{cert}:\n{text}"
        );
        // It did run: it always reports how the SKID was computed.
        assert!(
            text.contains("subject_key_identifier_method_1_identified"),
            "{cert}: {text}{}",
            stderr(&out)
        );
    }
}
