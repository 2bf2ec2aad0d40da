//! `dbtls issue` and `dbtls csr`: chains openssl and webpki accept, profiles, subjects, CSRs,
//! issuer checks, validity, and an RFC 5280 linter.

use std::process::{Command, Stdio};

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::util::{TestDir, fails, mode, ok, openssl, run};

/// Root (encrypted key) → intermediate → server and client, all ECDSA for speed.
fn pki(dir: &TestDir) {
    ok(dir
        .dbtls()
        .args([
            "issue",
            "ca",
            "--subject",
            "/O=Example/CN=Example Root CA",
            "--key-type",
            "ecdsa-p256",
        ])
        .args(["--passout", "pass:ca-pw"]));
    ok(dir
        .dbtls()
        .args([
            "issue",
            "intermediate",
            "--subject",
            "/O=Example/CN=Example Intermediate",
        ])
        .args([
            "--ca",
            "out/ca.pem",
            "--ca-key",
            "out/ca-key.pem",
            "--passin",
            "pass:ca-pw",
            "--key-type",
            "ecdsa-p384",
        ]));
    ok(dir
        .dbtls()
        .args([
            "issue",
            "server",
            "--subject",
            "/O=Example/CN=db1.example.com",
        ])
        .args([
            "--san",
            "db1.example.com",
            "--san",
            "db.example.com",
            "--san",
            "10.0.0.5",
            "--san",
            "fd00::5",
        ])
        .args([
            "--ca",
            "out/intermediate-cert.pem",
            "--ca-key",
            "out/intermediate-key.pem",
        ])
        .args([
            "--key-type",
            "ecdsa-p256",
            "--chain-out",
            "out/server-chain.pem",
        ]));
    ok(dir
        .dbtls()
        .args([
            "issue",
            "client",
            "--subject",
            "/O=Example/CN=alice/emailAddress=alice@example.com",
        ])
        .args([
            "--ca",
            "out/intermediate-cert.pem",
            "--ca-key",
            "out/intermediate-key.pem",
            "--key-type",
            "ed25519",
        ]));
}

fn x509_text(dir: &TestDir, file: &str) -> String {
    ok(openssl()
        .current_dir(dir.path())
        .args(["x509", "-in", file, "-noout", "-text"]))
}

#[test]
fn openssl_verifies_root_intermediate_server_and_client() {
    let dir = TestDir::new();
    pki(&dir);
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
        assert_eq!(mode(&dir.join(&format!("out/{file}"))), m, "{file}");
    }
    let out = ok(openssl()
        .current_dir(dir.path())
        .args([
            "verify",
            "-CAfile",
            "out/ca.pem",
            "-untrusted",
            "out/intermediate-cert.pem",
        ])
        .args(["-purpose", "sslserver", "out/server-cert.pem"]));
    assert!(out.contains("out/server-cert.pem: OK"), "{out}");
    let out = ok(openssl()
        .current_dir(dir.path())
        .args([
            "verify",
            "-CAfile",
            "out/ca.pem",
            "-untrusted",
            "out/intermediate-cert.pem",
        ])
        .args(["-purpose", "sslclient", "out/client-cert.pem"]));
    assert!(out.contains("out/client-cert.pem: OK"), "{out}");
    // The chain file is leaf + intermediate: enough, with the root, to verify.
    let chain = std::fs::read_to_string(dir.join("out/server-chain.pem")).unwrap();
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);
    ok(openssl().current_dir(dir.path()).args([
        "verify",
        "-CAfile",
        "out/ca.pem",
        "-untrusted",
        "out/server-chain.pem",
        "out/server-chain.pem",
    ]));
    // The wrong purpose is refused: a client certificate is no server certificate.
    let out = run(openssl()
        .current_dir(dir.path())
        .args([
            "verify",
            "-CAfile",
            "out/ca.pem",
            "-untrusted",
            "out/intermediate-cert.pem",
        ])
        .args(["-purpose", "sslserver", "out/client-cert.pem"]));
    assert!(!out.status.success());
    // The CA key is encrypted and openssl opens it.
    ok(openssl().current_dir(dir.path()).args([
        "pkey",
        "-in",
        "out/ca-key.pem",
        "-passin",
        "pass:ca-pw",
        "-noout",
    ]));
    // Nothing is overwritten without --force.
    let before = std::fs::read(dir.join("out/ca.pem")).unwrap();
    let err = fails(dir.dbtls().args(["issue", "ca", "--subject", "/CN=Other"]));
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(dir.join("out/ca.pem")).unwrap(), before);
}

#[test]
fn openssl_shows_each_profiles_extensions() {
    let dir = TestDir::new();
    pki(&dir);
    let ca = x509_text(&dir, "out/ca.pem");
    for want in [
        "Version: 3",
        "Basic Constraints: critical",
        "CA:TRUE",
        "Key Usage: critical",
        "Certificate Sign, CRL Sign",
        "Subject Key Identifier",
        "ecdsa-with-SHA256",
    ] {
        assert!(ca.contains(want), "ca lacks {want}:\n{ca}");
    }
    assert!(
        !ca.contains("pathlen") && !ca.contains("Extended Key Usage"),
        "{ca}"
    );
    let inter = x509_text(&dir, "out/intermediate-cert.pem");
    for want in [
        "CA:TRUE, pathlen:0",
        "Certificate Sign, CRL Sign",
        "Authority Key Identifier",
        "Subject Key Identifier",
    ] {
        assert!(inter.contains(want), "intermediate lacks {want}:\n{inter}");
    }
    let server = x509_text(&dir, "out/server-cert.pem");
    for want in [
        "CA:FALSE",
        "Digital Signature",
        "TLS Web Server Authentication",
        "DNS:db1.example.com, DNS:db.example.com, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:5",
        "Authority Key Identifier",
        // Signed by the P-384 intermediate: SHA-384 (RFC 5480 §4).
        "ecdsa-with-SHA384",
    ] {
        assert!(server.contains(want), "server lacks {want}:\n{server}");
    }
    assert!(
        !server.contains("Client Authentication") && !server.contains("Certificate Sign"),
        "{server}"
    );
    let client = x509_text(&dir, "out/client-cert.pem");
    for want in [
        "CA:FALSE",
        "TLS Web Client Authentication",
        "email:alice@example.com",
        "ED25519",
    ] {
        assert!(client.contains(want), "client lacks {want}:\n{client}");
    }
    assert!(!client.contains("Server Authentication"), "{client}");
    // Serials are random, positive, 16 bytes.
    let serial = ok(openssl().current_dir(dir.path()).args([
        "x509",
        "-in",
        "out/server-cert.pem",
        "-noout",
        "-serial",
    ]));
    assert_eq!(
        serial.trim().trim_start_matches("serial=").len(),
        32,
        "{serial}"
    );
    // An RSA leaf also gets keyEncipherment.
    ok(dir
        .dbtls()
        .args([
            "issue",
            "server",
            "--subject",
            "/CN=rsa.example.com",
            "--out-cert",
            "rsa.pem",
            "--out-key",
            "rsa-key.pem",
        ])
        .args([
            "--ca",
            "out/intermediate-cert.pem",
            "--ca-key",
            "out/intermediate-key.pem",
        ]));
    let rsa = x509_text(&dir, "rsa.pem");
    assert!(
        rsa.contains("Digital Signature, Key Encipherment") && rsa.contains("rsaEncryption"),
        "{rsa}"
    );
    assert!(
        rsa.contains("DNS:rsa.example.com"),
        "the CN becomes the SAN when none is given:\n{rsa}"
    );
}

#[test]
fn webpki_accepts_each_san_and_rejects_other_names() {
    let dir = TestDir::new();
    pki(&dir);
    let der = |file: &str| {
        let text = std::fs::read(dir.join(file)).unwrap();
        pem::parse(text).unwrap().into_contents()
    };
    let (ca, inter, leaf) = (
        der("out/ca.pem"),
        der("out/intermediate-cert.pem"),
        der("out/server-cert.pem"),
    );
    let ca = CertificateDer::from(ca);
    let anchors = [webpki::anchor_from_trusted_cert(&ca).unwrap()];
    let inter = [CertificateDer::from(inter)];
    let leaf = CertificateDer::from(leaf);
    let ee = webpki::EndEntityCert::try_from(&leaf).unwrap();
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &inter,
        UnixTime::now(),
        webpki::KeyUsage::server_auth(),
        None,
        None,
    )
    .unwrap();
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
    let client = CertificateDer::from(der("out/client-cert.pem"));
    let client = webpki::EndEntityCert::try_from(&client).unwrap();
    assert!(
        client
            .verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &anchors,
                &inter,
                UnixTime::now(),
                webpki::KeyUsage::server_auth(),
                None,
                None
            )
            .is_err()
    );
    client
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &inter,
            UnixTime::now(),
            webpki::KeyUsage::client_auth(),
            None,
            None,
        )
        .unwrap();
}

#[test]
fn subjects_keep_their_order_and_openssl_req_string_types() {
    let dir = TestDir::new();
    let subject = "/C=US/ST=Oregon/L=Portland/O=My Dom, Inc./OU=DB\\/Ops/CN=alice+UID=alice/emailAddress=alice@example.com/serialNumber=42/DC=example/2.5.4.9=Main St";
    ok(dir.dbtls().args([
        "issue",
        "ca",
        "--subject",
        subject,
        "--key-type",
        "ecdsa-p256",
    ]));
    // The oneline (X509_NAME_oneline) form MySQL compares, in certificate order.
    let oneline = ok(openssl().current_dir(dir.path()).args([
        "x509",
        "-in",
        "out/ca.pem",
        "-noout",
        "-subject",
        "-nameopt",
        "compat",
    ]));
    assert_eq!(
        oneline.trim(),
        "subject=/C=US/ST=Oregon/L=Portland/O=My Dom, Inc./OU=DB\\/Ops/CN=alice+UID=alice/emailAddress=alice@example.com/serialNumber=42/DC=example/street=Main St"
    );
    let asn1 = ok(openssl()
        .current_dir(dir.path())
        .args(["asn1parse", "-in", "out/ca.pem"]));
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
    let text = x509_text(&dir, "out/ca.pem");
    assert!(text.contains("CN = alice + UID = alice"), "{text}");
    // Malformed subjects are clear errors pointing at the bad part.
    for (bad, part) in [
        ("CN=x", "starts with '/'"),
        ("/CN", "'CN'"),
        ("/XX=y", "XX"),
        ("/C=USA", "USA"),
        ("/CN=", "CN"),
    ] {
        let err = fails(dir.dbtls().args([
            "issue",
            "ca",
            "--subject",
            bad,
            "--out-cert",
            "x.pem",
            "--out-key",
            "x-key.pem",
        ]));
        assert!(err.contains(part), "{bad}: {err}");
    }
}

#[test]
fn a_csr_from_openssl_is_signed_and_ours_passes_openssl_req_verify() {
    let dir = TestDir::new();
    pki(&dir);
    ok(openssl()
        .current_dir(dir.path())
        .args([
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args([
            "-keyout",
            "host.key",
            "-out",
            "host.csr",
            "-subj",
            "/O=Example/CN=host.example.com",
        ])
        .args([
            "-addext",
            "subjectAltName=DNS:host.example.com,IP:192.0.2.7",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
        ]));
    ok(dir
        .dbtls()
        .args([
            "issue",
            "server",
            "--csr",
            "host.csr",
            "--out-cert",
            "host.pem",
        ])
        .args([
            "--ca",
            "out/intermediate-cert.pem",
            "--ca-key",
            "out/intermediate-key.pem",
        ]));
    let text = x509_text(&dir, "host.pem");
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
    ok(openssl().current_dir(dir.path()).args([
        "verify",
        "-CAfile",
        "out/ca.pem",
        "-untrusted",
        "out/intermediate-cert.pem",
        "host.pem",
    ]));
    // The certificate is for the CSR's key.
    let a = ok(openssl()
        .current_dir(dir.path())
        .args(["x509", "-in", "host.pem", "-noout", "-pubkey"]));
    let b = ok(openssl()
        .current_dir(dir.path())
        .args(["pkey", "-in", "host.key", "-pubout"]));
    assert_eq!(a, b);
    // --subject and --san override the CSR.
    ok(dir
        .dbtls()
        .args([
            "issue",
            "client",
            "--csr",
            "host.csr",
            "--subject",
            "/CN=override",
            "--san",
            "other.example.com",
            "--out-cert",
            "o.pem",
        ])
        .args([
            "--ca",
            "out/intermediate-cert.pem",
            "--ca-key",
            "out/intermediate-key.pem",
        ]));
    let text = x509_text(&dir, "o.pem");
    assert!(
        text.contains("Subject: CN = override")
            && text.contains("DNS:other.example.com")
            && !text.contains("192.0.2.7"),
        "{text}"
    );
    // A CSR whose signature does not verify is refused.
    let mut der = ok(openssl()
        .current_dir(dir.path())
        .args(["req", "-in", "host.csr", "-outform", "DER"]))
    .into_bytes();
    der.clear();
    let out = run(openssl().current_dir(dir.path()).args([
        "req", "-in", "host.csr", "-outform", "DER", "-out", "host.der",
    ]));
    assert!(out.status.success());
    let mut bytes = std::fs::read(dir.join("host.der")).unwrap();
    let at = bytes.windows(4).position(|w| w == b"host").unwrap();
    bytes[at] = b'g';
    std::fs::write(dir.join("bad.der"), bytes).unwrap();
    let err = fails(
        dir.dbtls()
            .args([
                "issue",
                "server",
                "--csr",
                "bad.der",
                "--out-cert",
                "bad.pem",
            ])
            .args([
                "--ca",
                "out/intermediate-cert.pem",
                "--ca-key",
                "out/intermediate-key.pem",
            ]),
    );
    assert!(
        err.contains("bad.der") && err.contains("signature"),
        "{err}"
    );

    // Ours: openssl req -verify accepts it, for each key type, and shows subject and SANs.
    for kind in ["rsa2048", "ecdsa-p384", "ed25519"] {
        let csr = format!("{kind}.csr");
        let key = format!("{kind}.key");
        ok(dir
            .dbtls()
            .args([
                "csr",
                "new",
                "--subject",
                "/O=Example/CN=web.example.com",
                "--san",
                "web.example.com",
                "--san",
                "::1",
            ])
            .args([
                "--key-type",
                kind,
                "--out-csr",
                &csr,
                "--out-key",
                &key,
                "--passout",
                "pass:k-pw",
            ]));
        assert_eq!(mode(&dir.join(&key)), 0o600);
        let out = run(openssl()
            .current_dir(dir.path())
            .args(["req", "-in", &csr, "-verify", "-noout", "-text"]));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && all.contains("verify OK"),
            "{kind}: {all}"
        );
        assert!(
            all.contains("Subject: O = Example, CN = web.example.com"),
            "{all}"
        );
        assert!(
            all.contains("DNS:web.example.com, IP Address:0:0:0:0:0:0:0:1"),
            "{all}"
        );
        // The CSR's key is the written (encrypted) key.
        let a = ok(openssl()
            .current_dir(dir.path())
            .args(["req", "-in", &csr, "-noout", "-pubkey"]));
        let b = ok(openssl().current_dir(dir.path()).args([
            "pkey",
            "-in",
            &key,
            "-passin",
            "pass:k-pw",
            "-pubout",
        ]));
        assert_eq!(a, b, "{kind}");
    }
    // And dbtls signs its own CSR; a CSR for an existing (encrypted) key reuses it.
    ok(dir.dbtls().args([
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
    ]));
    ok(dir
        .dbtls()
        .args([
            "issue",
            "server",
            "--csr",
            "again.csr",
            "--out-cert",
            "again.pem",
        ])
        .args([
            "--ca",
            "out/intermediate-cert.pem",
            "--ca-key",
            "out/intermediate-key.pem",
        ]));
    let text = x509_text(&dir, "again.pem");
    assert!(text.contains("DNS:again.example.com"), "{text}");
}

#[test]
fn the_issuer_is_checked_before_signing() {
    let dir = TestDir::new();
    pki(&dir);
    let sign = |profile: &str, ca: &str, key: &str, extra: &[&str]| {
        let mut cmd = dir.dbtls();
        cmd.args([
            "issue",
            profile,
            "--subject",
            "/CN=x.example.com",
            "--out-cert",
            "x.pem",
            "--out-key",
            "x-key.pem",
            "--force",
        ])
        .args(["--ca", ca, "--ca-key", key, "--key-type", "ecdsa-p256"])
        .args(extra);
        cmd
    };
    // A leaf is not a CA.
    let err = fails(&mut sign(
        "client",
        "out/server-cert.pem",
        "out/server-key.pem",
        &[],
    ));
    assert!(err.contains("not a CA"), "{err}");
    // The key must belong to the certificate.
    let err = fails(&mut sign(
        "client",
        "out/intermediate-cert.pem",
        "out/server-key.pem",
        &[],
    ));
    assert!(err.contains("does not belong"), "{err}");
    // The intermediate's path length 0 allows no CA below it.
    let err = fails(&mut sign(
        "intermediate",
        "out/intermediate-cert.pem",
        "out/intermediate-key.pem",
        &[],
    ));
    assert!(err.contains("path length"), "{err}");
    // The CA key is encrypted: a wrong or missing password is a one-line error naming the file.
    let err = fails(&mut sign(
        "client",
        "out/ca.pem",
        "out/ca-key.pem",
        &["--passin", "pass:nope"],
    ));
    assert!(
        err.lines().count() == 1 && err.contains("ca-key.pem") && err.contains("wrong password"),
        "{err}"
    );
    let err = fails(&mut sign("client", "out/ca.pem", "out/ca-key.pem", &[]));
    assert!(
        err.contains("no terminal") && err.contains("--passin"),
        "{err}"
    );
    // intermediate/server/client need a CA.
    let err = fails(dir.dbtls().args([
        "issue",
        "server",
        "--subject",
        "/CN=a.example.com",
        "--out-cert",
        "y.pem",
        "--out-key",
        "y-key.pem",
    ]));
    assert!(err.contains("--ca"), "{err}");
    assert!(!dir.join("x.pem").exists() && !dir.join("y.pem").exists());
    // A leaf cannot outlive its CA: clamped with a warning.
    ok(dir
        .dbtls()
        .args([
            "issue",
            "intermediate",
            "--subject",
            "/CN=Short",
            "--days",
            "30",
            "--out-cert",
            "short.pem",
            "--out-key",
            "short-key.pem",
        ])
        .args([
            "--ca",
            "out/ca.pem",
            "--ca-key",
            "out/ca-key.pem",
            "--passin",
            "pass:ca-pw",
            "--key-type",
            "ecdsa-p256",
        ]));
    let out = run(sign("server", "short.pem", "short-key.pem", &[]).stdin(Stdio::null()));
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning: not-after clamped"),
        "{out:?}"
    );
    let end = |f: &str| {
        ok(openssl()
            .current_dir(dir.path())
            .args(["x509", "-in", f, "-noout", "-enddate"]))
    };
    assert_eq!(end("x.pem"), end("short.pem"));
}

#[test]
fn not_before_and_not_after_make_expired_and_future_certificates() {
    let dir = TestDir::new();
    pki(&dir);
    let out = run(dir
        .dbtls()
        .args([
            "issue",
            "client",
            "--subject",
            "/CN=expired",
            "--out-cert",
            "old.pem",
            "--out-key",
            "old-key.pem",
        ])
        .args([
            "--not-before",
            "2020-01-01T00:00:00Z",
            "--not-after",
            "2021-01-01T00:00:00Z",
            "--key-type",
            "ecdsa-p256",
        ])
        .args([
            "--ca",
            "out/intermediate-cert.pem",
            "--ca-key",
            "out/intermediate-key.pem",
        ]));
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stderr).contains("already expired"),
        "{out:?}"
    );
    let v = run(openssl().current_dir(dir.path()).args([
        "verify",
        "-CAfile",
        "out/ca.pem",
        "-untrusted",
        "out/intermediate-cert.pem",
        "old.pem",
    ]));
    assert!(
        !v.status.success() && String::from_utf8_lossy(&v.stdout).contains("expired")
            || String::from_utf8_lossy(&v.stderr).contains("expired"),
        "{v:?}"
    );
    let dates = ok(openssl()
        .current_dir(dir.path())
        .args(["x509", "-in", "old.pem", "-noout", "-dates"]));
    assert!(
        dates.contains("notBefore=Jan  1 00:00:00 2020 GMT")
            && dates.contains("notAfter=Jan  1 00:00:00 2021 GMT"),
        "{dates}"
    );
    let out = run(dir
        .dbtls()
        .args([
            "issue",
            "client",
            "--subject",
            "/CN=future",
            "--out-cert",
            "new.pem",
            "--out-key",
            "new-key.pem",
        ])
        .args([
            "--not-before",
            "2030-01-01T00:00:00Z",
            "--not-after",
            "2031-01-01T00:00:00+02:00",
            "--key-type",
            "ecdsa-p256",
        ])
        .args([
            "--ca",
            "out/intermediate-cert.pem",
            "--ca-key",
            "out/intermediate-key.pem",
        ]));
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stderr).contains("not yet valid"),
        "{out:?}"
    );
    let dates = ok(openssl()
        .current_dir(dir.path())
        .args(["x509", "-in", "new.pem", "-noout", "-enddate"]));
    assert!(dates.contains("Dec 31 22:00:00 2030 GMT"), "{dates}");
    let err = fails(dir.dbtls().args([
        "issue",
        "ca",
        "--subject",
        "/CN=x",
        "--not-before",
        "2030-01-01T00:00:00Z",
        "--not-after",
        "2029-01-01T00:00:00Z",
        "--out-cert",
        "z.pem",
        "--out-key",
        "z-key.pem",
    ]));
    assert!(err.contains("later than"), "{err}");
    // Defaults: 825 days for leaves.
    let dates = ok(openssl().current_dir(dir.path()).args([
        "x509",
        "-in",
        "out/server-cert.pem",
        "-noout",
        "-checkend",
        &(824 * 86400).to_string(),
    ]));
    assert!(dates.contains("will not expire"), "{dates}");
    let out = run(openssl().current_dir(dir.path()).args([
        "x509",
        "-in",
        "out/server-cert.pem",
        "-noout",
        "-checkend",
        &(826 * 86400).to_string(),
    ]));
    assert!(!out.status.success());
}

#[test]
fn server_certificates_always_have_a_san() {
    let dir = TestDir::new();
    pki(&dir);
    let err = fails(
        dir.dbtls()
            .args([
                "issue",
                "server",
                "--subject",
                "/CN=My Database",
                "--out-cert",
                "s.pem",
                "--out-key",
                "s-key.pem",
            ])
            .args([
                "--ca",
                "out/intermediate-cert.pem",
                "--ca-key",
                "out/intermediate-key.pem",
                "--key-type",
                "ecdsa-p256",
            ]),
    );
    assert!(
        err.contains("--san") && err.contains("My Database"),
        "{err}"
    );
    assert!(!dir.join("s.pem").exists() && !dir.join("s-key.pem").exists());
}

#[test]
fn a_reused_key_keeps_the_public_key_and_every_passin_spec_form_works() {
    let dir = TestDir::new();
    pki(&dir);
    ok(dir.dbtls().args([
        "key",
        "new",
        "--key-type",
        "ecdsa-p256",
        "--out",
        "mine.pem",
        "--passout",
        "pass:mine-pw",
    ]));
    std::fs::write(dir.join("ca-pw"), "ca-pw\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_dbtls");
    let forms = [
        ("pass:ca-pw", ""),
        ("env:DBTLS_CA_PW", ""),
        ("file:ca-pw", ""),
        ("fd:3", "exec 3<ca-pw;"),
        ("stdin", "printf 'ca-pw\\n' |"),
    ];
    for (i, (spec, prefix)) in forms.into_iter().enumerate() {
        let script = format!(
            "{prefix} '{bin}' issue client --subject /CN=renewed{i} --key mine.pem --key-passin pass:mine-pw --out-cert r{i}.pem \
             --ca out/ca.pem --ca-key out/ca-key.pem --passin {spec}"
        );
        ok(Command::new("sh")
            .current_dir(dir.path())
            .env("DBTLS_CA_PW", "ca-pw")
            .stdin(Stdio::null())
            .args(["-c", &script]));
        let a = ok(openssl().current_dir(dir.path()).args([
            "x509",
            "-in",
            &format!("r{i}.pem"),
            "-noout",
            "-pubkey",
        ]));
        let b = ok(openssl().current_dir(dir.path()).args([
            "pkey",
            "-in",
            "mine.pem",
            "-passin",
            "pass:mine-pw",
            "-pubout",
        ]));
        assert_eq!(a, b, "{spec}");
    }
    // No key file is written for a reused key.
    assert!(
        !dir.join("out/client-key.pem").exists() || mode(&dir.join("out/client-key.pem")) == 0o600
    );
    let err = fails(
        dir.dbtls()
            .args([
                "issue",
                "client",
                "--subject",
                "/CN=z",
                "--key",
                "mine.pem",
                "--key-passin",
                "pass:mine-pw",
                "--out-key",
                "z.pem",
            ])
            .args([
                "--ca",
                "out/ca.pem",
                "--ca-key",
                "out/ca-key.pem",
                "--passin",
                "pass:ca-pw",
            ]),
    );
    assert!(err.contains("--out-key"), "{err}");
}

/// pkilint's RFC 5280 linter (`pip install pkilint`) finds no error in any profile.
///
/// The names are fully qualified: pkilint also reports `localhost` and wildcard labels as
/// "invalid domain name syntax", which is its opinion rather than RFC 5280's (setup still uses
/// `localhost`, which MySQL clients connect to).
#[test]
fn pkilint_finds_no_error_in_any_profile() {
    let dir = TestDir::new();
    ok(dir.dbtls().args([
        "issue",
        "ca",
        "--subject",
        "/C=US/O=Example/CN=Example Root CA",
        "--key-type",
        "rsa2048",
    ]));
    ok(dir
        .dbtls()
        .args([
            "issue",
            "intermediate",
            "--subject",
            "/C=US/O=Example/CN=Example Intermediate",
            "--key-type",
            "ecdsa-p384",
        ])
        .args(["--ca", "out/ca.pem", "--ca-key", "out/ca-key.pem"]));
    ok(dir
        .dbtls()
        .args([
            "issue",
            "server",
            "--subject",
            "/O=Example/CN=db1.example.com",
            "--san",
            "db1.example.com",
            "--san",
            "10.0.0.5",
        ])
        .args([
            "--ca",
            "out/intermediate-cert.pem",
            "--ca-key",
            "out/intermediate-key.pem",
            "--key-type",
            "rsa2048",
        ]));
    ok(dir
        .dbtls()
        .args([
            "issue",
            "client",
            "--subject",
            "/O=Example/CN=alice/emailAddress=alice@example.com",
            "--key-type",
            "ed25519",
        ])
        .args([
            "--ca",
            "out/intermediate-cert.pem",
            "--ca-key",
            "out/intermediate-key.pem",
        ]));
    for cert in [
        "ca.pem",
        "intermediate-cert.pem",
        "server-cert.pem",
        "client-cert.pem",
    ] {
        let out = run(Command::new("lint_pkix_cert")
            .current_dir(dir.path())
            .args(["lint", &format!("out/{cert}")]));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains("(ERROR)") && !text.contains("(FATAL)") && !text.contains("(WARNING)"),
            "{cert}:\n{text}"
        );
        // It did run: it always reports how the SKID was computed.
        assert!(
            text.contains("subject_key_identifier_method_1_identified"),
            "{cert}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
