//! `dbtls renew` and `dbtls crl`, checked with openssl, x509-parser and a real MariaDB.

use std::process::Command;

use x509_parser::prelude::{FromDer, X509Certificate};

use crate::util::mariadb::MariaDb;
use crate::util::{Chain, Issuer, TestDir, mode, ok, run, stderr, stdout};

/// The DER of the first certificate of a PEM file.
fn der_of(t: &TestDir, name: &str) -> Vec<u8> {
    pem::parse_many(t.read_bytes(name))
        .unwrap()
        .into_iter()
        .find(|p| p.tag() == "CERTIFICATE")
        .unwrap_or_else(|| panic!("{name}: no certificate"))
        .into_contents()
}

/// What must survive a renewal: subject DER, SAN and EKU extension bytes, SPKI; and the serial.
fn facts(der: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>, Vec<u8>, Vec<u8>) {
    let (_, x) = X509Certificate::from_der(der).unwrap();
    let exts = x
        .extensions()
        .iter()
        .filter(|e| ["2.5.29.17", "2.5.29.37"].contains(&e.oid.to_id_string().as_str()))
        .map(|e| e.value.to_vec())
        .collect();
    (
        x.subject().as_raw().to_vec(),
        exts,
        x.public_key().raw.to_vec(),
        x.raw_serial().to_vec(),
    )
}

/// A dbtls CA `ca.pem`/`ca-key.pem` and an openssl-made client certificate `old.pem` under it,
/// with a PrintableString/UTF8String subject, an email SAN and EKU clientAuth.
fn openssl_client(t: &TestDir) {
    ok(t.issue(
        "ca",
        "/CN=Renew Test CA",
        None,
        &[
            "--out-cert",
            "ca.pem",
            "--out-key",
            "ca-key.pem",
            "--key-type",
            "ecdsa-p256",
        ],
    ));
    t.openssl_p256_req(
        "old-key.pem",
        "old.csr",
        "/C=US/O=Example Corp/CN=alice",
        &[],
    );
    t.write(
        "ext.cnf",
        "extendedKeyUsage=clientAuth\nsubjectAltName=email:alice@example.com,DNS:Alice.Example\nbasicConstraints=critical,CA:FALSE\n",
    );
    t.openssl_ok(&[
        "x509",
        "-req",
        "-in",
        "old.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-days",
        "10",
        "-extfile",
        "ext.cnf",
        "-out",
        "old.pem",
    ]);
}

const CA: Issuer = Issuer::new("ca.pem", "ca-key.pem");

#[test]
fn renew_keeps_subject_sans_eku_and_key() {
    let t = TestDir::new();
    openssl_client(&t);
    let mut args = vec!["renew", "old.pem"];
    args.extend(CA.args());
    args.extend(["--out-cert", "new.pem"]);
    let out = t.dbtls_ok(&args);
    assert!(out.contains("Renewed client certificate old.pem"), "{out}");
    assert!(out.contains("key:      the same public key"), "{out}");
    let (subj, exts, spki, serial) = facts(&der_of(&t, "old.pem"));
    let (subj2, exts2, spki2, serial2) = facts(&der_of(&t, "new.pem"));
    assert_eq!(subj, subj2, "subject bytes");
    assert_eq!(exts.len(), 2);
    assert_eq!(exts, exts2, "SAN and EKU bytes");
    assert_eq!(spki, spki2, "public key");
    assert_ne!(serial, serial2, "serial");
    t.openssl_verify_ok(&Chain::root("ca.pem"), Some("sslclient"), &["new.pem"]);
    assert_eq!(mode(&t.join("new.pem")), 0o644);
    // Fresh validity of the old lifetime (10 days), from now, backdated 5 minutes.
    let new_der = der_of(&t, "new.pem");
    let (_, x) = X509Certificate::from_der(&new_der).unwrap();
    let v = x.validity();
    assert_eq!(
        v.not_after.timestamp() - v.not_before.timestamp(),
        10 * 86400 + 300
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((v.not_before.timestamp() - (now - 300)).abs() < 60, "{v:?}");

    // An existing --out-cert is refused; --force without --out-cert replaces CERT.
    let e = t.dbtls_fails(&args);
    assert!(e.contains("new.pem") && e.contains("--force"), "{e}");
    let mut args = vec!["renew", "new.pem"];
    args.extend(CA.args());
    let e = t.dbtls_fails(&args);
    assert!(e.contains("--out-cert") && e.contains("--force"), "{e}");
    args.push("--force");
    t.dbtls_ok(&args);
    let (subj3, _, spki3, serial3) = facts(&der_of(&t, "new.pem"));
    assert_eq!((subj3, spki3), (subj, spki));
    assert_ne!(serial3, serial2);
}

#[test]
fn renew_with_a_new_key_and_another_ca_refused() {
    let t = TestDir::new();
    openssl_client(&t);
    let mut args = vec!["renew", "old.pem"];
    args.extend(CA.args());
    args.extend([
        "--new-key",
        "--key-type",
        "ed25519",
        "--out-cert",
        "n.pem",
        "--out-key",
        "n-key.pem",
    ]);
    let out = t.dbtls_ok(&args);
    assert!(out.contains("key:      new"), "{out}");
    assert_eq!(t.cert_pubkey("n.pem"), t.key_pubkey("n-key.pem", None));
    assert_ne!(t.cert_pubkey("n.pem"), t.cert_pubkey("old.pem"));
    assert_eq!(mode(&t.join("n-key.pem")), 0o600);
    assert_eq!(
        facts(&der_of(&t, "n.pem")).0,
        facts(&der_of(&t, "old.pem")).0
    );
    t.openssl_verify_ok(&Chain::root("ca.pem"), Some("sslclient"), &["n.pem"]);

    // Another CA (another name) is refused, nothing written.
    ok(t.issue(
        "ca",
        "/CN=Other CA",
        None,
        &["--out-cert", "o.pem", "--out-key", "o-key.pem"],
    ));
    let e = t.dbtls_fails(&[
        "renew",
        "old.pem",
        "--ca",
        "o.pem",
        "--ca-key",
        "o-key.pem",
        "--out-cert",
        "x.pem",
    ]);
    assert!(e.contains("not by this CA"), "{e}");
    assert!(!t.join("x.pem").exists());
}

/// The serial of the certificate a MariaDB server presents, seen by `openssl s_client`.
fn served_serial(t: &TestDir, server: &MariaDb) -> String {
    let out = run(t.openssl().args([
        "s_client",
        "-starttls",
        "mysql",
        "-connect",
        &format!("127.0.0.1:{}", server.port),
    ]));
    let text = stdout(&out);
    let pem_start = text
        .find("-----BEGIN CERTIFICATE-----")
        .unwrap_or_else(|| panic!("no certificate from s_client:\n{text}\n{}", stderr(&out)));
    let end = text.find("-----END CERTIFICATE-----").unwrap() + 25;
    t.write("served.pem", &text[pem_start..end]);
    t.x509_field("served.pem", "serial")
}

#[test]
fn mariadb_serves_the_renewed_certificate_after_flush_ssl() {
    let t = TestDir::new();
    t.setup_datadir("d");
    let server = MariaDb::start(
        &t.join("d/ca.pem"),
        &t.join("d/server-cert.pem"),
        &t.join("d/server-key.pem"),
    );
    let before = served_serial(&t, &server);
    assert_eq!(before, t.x509_field("d/server-cert.pem", "serial"));
    let out = t.dbtls_ok(&[
        "renew",
        "d/server-cert.pem",
        "--ca",
        "d/ca.pem",
        "--ca-key",
        "d/ca-key.pem",
        "--force",
    ]);
    assert!(
        out.contains("ALTER INSTANCE RELOAD TLS;") && out.contains("FLUSH SSL;"),
        "{out}"
    );
    let renewed = t.x509_field("d/server-cert.pem", "serial");
    assert_ne!(renewed, before);
    // Not before the reload: the server keeps its loaded certificate...
    assert_eq!(served_serial(&t, &server), before);
    let pid = server.pid();
    server.root_sql("FLUSH SSL");
    // ...and serves the new one after it, same process.
    assert_eq!(served_serial(&t, &server), renewed);
    assert_eq!(server.pid(), pid);
}

#[test]
fn datadir_renews_only_what_expires_and_dry_run_writes_nothing() {
    let t = TestDir::new();
    t.setup_datadir("d");
    ok(t.dbtls().args([
        "renew",
        "d/server-cert.pem",
        "--ca",
        "d/ca.pem",
        "--ca-key",
        "d/ca-key.pem",
        "--force",
        "--days",
        "5",
    ]));
    let server = t.read_bytes("d/server-cert.pem");
    let client = t.read_bytes("d/client-cert.pem");

    let out = t.dbtls_ok(&["renew", "--datadir", "d", "--dry-run"]);
    assert!(
        out.contains("Would renew") && out.contains("server-cert.pem"),
        "{out}"
    );
    assert!(out.contains("client-cert.pem  kept"), "{out}");
    assert_eq!(t.read_bytes("d/server-cert.pem"), server);
    assert!(
        crate::util::listing(&t.join("d"))
            .iter()
            .all(|n| !n.contains(".tmp"))
    );

    let out = t.dbtls_ok(&["renew", "--datadir", "d", "--expires-within", "30"]);
    assert!(
        out.contains("Renewed in d") && out.contains("wrote d/server-cert.pem"),
        "{out}"
    );
    assert!(out.contains("FLUSH SSL;"), "{out}");
    assert_ne!(t.read_bytes("d/server-cert.pem"), server);
    assert_eq!(t.read_bytes("d/client-cert.pem"), client);
    assert_eq!(
        facts(&der_of(&t, "d/server-cert.pem")).0,
        facts(&pem::parse(&server).unwrap().into_contents()).0
    );
    t.openssl_verify_ok(
        &Chain::root("d/ca.pem"),
        Some("sslserver"),
        &["d/server-cert.pem"],
    );
    assert_eq!(mode(&t.join("d/server-cert.pem")), 0o644);

    let out = t.dbtls_ok(&["renew", "--datadir", "d", "--expires-within", "1"]);
    assert!(out.starts_with("Nothing to renew in d"), "{out}");
}

/// A CA `ca.pem` with two client certificates `a.pem`, `b.pem` (keys `a-key.pem`, `b-key.pem`).
fn ca_with_two_clients(t: &TestDir) {
    ok(t.issue(
        "ca",
        "/CN=CRL Test CA",
        None,
        &["--out-cert", "ca.pem", "--out-key", "ca-key.pem"],
    ));
    for n in ["a", "b"] {
        ok(t.issue(
            "client",
            &format!("/CN={n}"),
            Some(&CA),
            &[
                "--out-cert",
                &format!("{n}.pem"),
                "--out-key",
                &format!("{n}-key.pem"),
            ],
        ));
    }
}

fn crl_verify(t: &TestDir, crl: &str, cert: &str) -> std::process::Output {
    run(t.openssl().args([
        "verify",
        "-crl_check",
        "-CRLfile",
        crl,
        "-CAfile",
        "ca.pem",
        cert,
    ]))
}

#[test]
fn crl_is_read_by_openssl_and_extended_in_place() {
    let t = TestDir::new();
    ca_with_two_clients(&t);
    let mut args = vec!["crl"];
    args.extend(CA.args());
    args.extend([
        "--out",
        "ca.crl",
        "--revoke",
        "a.pem",
        "--reason",
        "keyCompromise",
        "--days",
        "7",
    ]);
    let out = t.dbtls_ok(&args);
    assert!(
        out.contains("CRL number 1") && out.contains("Re-run dbtls crl"),
        "{out}"
    );
    let text = t.openssl_ok(&["crl", "-in", "ca.crl", "-text", "-noout"]);
    let a_serial = t
        .x509_field("a.pem", "serial")
        .trim()
        .replace("serial=", "");
    assert!(text.contains("Version 2"), "{text}");
    assert!(
        text.contains(&format!("Serial Number: {a_serial}")),
        "{text}"
    );
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(
        text.contains("X509v3 CRL Number: \n                1"),
        "{text}"
    );
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
    let next = t.openssl_ok(&["crl", "-in", "ca.crl", "-noout", "-nextupdate"]);
    assert!(next.starts_with("nextUpdate="), "{next}");

    // openssl verify: the revoked one is refused with error 23, the other accepted.
    let refused = crl_verify(&t, "ca.crl", "a.pem");
    assert!(!refused.status.success());
    assert!(stdout(&refused).contains("error 23") || stderr(&refused).contains("error 23"));
    assert!(crl_verify(&t, "ca.crl", "b.pem").status.success());
    // dbtls verify agrees.
    let e = run(t
        .dbtls()
        .args(["verify", "--ca", "ca.pem", "--crl", "ca.crl", "a.pem"]));
    assert_eq!(e.status.code(), Some(1));
    assert!(stdout(&e).contains("revoked"), "{}", stdout(&e));
    t.dbtls_ok(&["verify", "--ca", "ca.pem", "--crl", "ca.crl", "b.pem"]);

    // Extending it in place keeps the entry and counts up.
    let mut args = vec!["crl"];
    args.extend(CA.args());
    args.extend([
        "--crl",
        "ca.crl",
        "--out",
        "ca.crl",
        "--revoke-serial",
        "0A:BC",
        "--reason",
        "superseded",
    ]);
    let e = t.dbtls_fails(&args);
    assert!(e.contains("--force"), "{e}");
    args.push("--force");
    let out = t.dbtls_ok(&args);
    assert!(
        out.contains("CRL number 2") && out.contains("1 kept, 1 added"),
        "{out}"
    );
    let text = t.openssl_ok(&["crl", "-in", "ca.crl", "-text", "-noout"]);
    assert!(
        text.contains(&format!("Serial Number: {a_serial}"))
            && text.contains("Serial Number: 0ABC"),
        "{text}"
    );
    assert!(
        text.contains("Key Compromise") && text.contains("Superseded"),
        "{text}"
    );
    assert!(
        text.contains("X509v3 CRL Number: \n                2"),
        "{text}"
    );
    assert!(!crl_verify(&t, "ca.crl", "a.pem").status.success());

    // inspect reads it.
    let shown = t.dbtls_ok(&["inspect", "ca.crl"]);
    assert!(
        shown.contains("certificate revocation list") && shown.contains("CRL number:          2"),
        "{shown}"
    );
    assert!(
        shown.contains(&a_serial) && shown.contains("keyCompromise"),
        "{shown}"
    );
    let json = t.dbtls_ok(&["inspect", "--format", "json", "ca.crl"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["kind"], "crl");
    assert_eq!(v[0]["crl"]["number"], "2");
    assert_eq!(v[0]["crl"]["stale"], false);
    assert_eq!(v[0]["crl"]["revoked"][1]["reason"], "superseded");
}

#[test]
fn crl_refuses_another_cas_certificate_and_crl() {
    let t = TestDir::new();
    ca_with_two_clients(&t);
    ok(t.issue(
        "ca",
        "/CN=Other",
        None,
        &["--out-cert", "o.pem", "--out-key", "o-key.pem"],
    ));
    let other = Issuer::new("o.pem", "o-key.pem");
    ok(t.issue(
        "client",
        "/CN=x",
        Some(&other),
        &["--out-cert", "x.pem", "--out-key", "x-key.pem"],
    ));
    let mut args = vec!["crl"];
    args.extend(CA.args());
    args.extend(["--out", "ca.crl", "--revoke", "x.pem"]);
    let e = t.dbtls_fails(&args);
    assert!(
        e.contains("x.pem") && e.contains("not issued by this CA"),
        "{e}"
    );
    assert!(!t.join("ca.crl").exists());
    // A CRL of the other CA is not extended by this one.
    let mut args = vec!["crl"];
    args.extend(other.args());
    args.extend(["--out", "o.crl"]);
    t.dbtls_ok(&args);
    let mut args = vec!["crl"];
    args.extend(CA.args());
    args.extend(["--crl", "o.crl", "--out", "ca.crl"]);
    let e = t.dbtls_fails(&args);
    assert!(e.contains("not signed by this CA"), "{e}");
}

/// `mariadb -u crluser` with the client certificate `name`, verifying the server.
fn login_with(t: &TestDir, server: &MariaDb, name: &str, extra: &[&str]) -> std::process::Output {
    let mut cmd: Command = server.client();
    cmd.args(["-u", "crluser"])
        .args(extra)
        .arg(format!("--ssl-ca={}", t.join("d/ca.pem").display()))
        .arg(format!(
            "--ssl-cert={}",
            t.join(&format!("{name}.pem")).display()
        ))
        .arg(format!(
            "--ssl-key={}",
            t.join(&format!("{name}-key.pem")).display()
        ))
        .args(["-e", "SELECT CURRENT_USER()"]);
    run(cmd)
}

#[test]
fn mariadb_with_ssl_crl_refuses_the_revoked_client_certificate() {
    let t = TestDir::new();
    t.setup_datadir("d");
    let ca = Issuer::new("d/ca.pem", "d/ca-key.pem");
    for n in ["good", "bad"] {
        ok(t.issue(
            "client",
            &format!("/CN={n}"),
            Some(&ca),
            &[
                "--out-cert",
                &format!("{n}.pem"),
                "--out-key",
                &format!("{n}-key.pem"),
            ],
        ));
    }
    // First a CRL that revokes nothing: both log in.
    let mut args = vec!["crl"];
    args.extend(ca.args());
    args.extend(["--out", "d/ca.crl"]);
    t.dbtls_ok(&args);
    let crl = format!("--ssl-crl={}", t.join("d/ca.crl").display());
    let server = MariaDb::start_with(
        &t.join("d/ca.pem"),
        &t.join("d/server-cert.pem"),
        &t.join("d/server-key.pem"),
        &[&crl],
    );
    server.root_sql("CREATE USER 'crluser'@'%' REQUIRE X509;");
    let before = login_with(&t, &server, "bad", &[]);
    assert!(before.status.success(), "{}", stderr(&before));
    // Then "bad" is revoked in place and the server reloads TLS, without a restart.
    let mut args = vec!["crl"];
    args.extend(ca.args());
    args.extend(["--crl", "d/ca.crl", "--out", "d/ca.crl", "--force"]);
    args.extend(["--revoke", "bad.pem", "--reason", "keyCompromise"]);
    let out = t.dbtls_ok(&args);
    assert!(out.contains("FLUSH SSL;"), "{out}");
    server.root_sql("FLUSH SSL");
    let good = login_with(&t, &server, "good", &[]);
    assert!(
        good.status.success(),
        "{}\n{}",
        stderr(&good),
        server.error_log()
    );
    assert!(stdout(&good).contains("crluser@%"), "{}", stdout(&good));
    // MariaDB 10.11 checks the client certificate against ssl_crl during the handshake and
    // aborts it with the TLS alert certificate_revoked (44): the client reports error 2026, not
    // a login error (1045). Under TLS 1.3 the client has already sent its login when the alert
    // comes and may see a reset instead (2013), so the client is held to TLS 1.2 here, where the
    // alert ends the handshake itself.
    for _ in 0..3 {
        let bad = login_with(&t, &server, "bad", &["--tls-version=TLSv1.2"]);
        let e = stderr(&bad);
        assert!(!bad.status.success(), "the revoked certificate logged in");
        assert!(
            e.contains("ERROR 2026") && e.contains("alert certificate revoked"),
            "{e}"
        );
    }
    // Any TLS version: refused all the same.
    let bad = login_with(&t, &server, "bad", &[]);
    assert!(
        !bad.status.success() && !stderr(&bad).contains("1045"),
        "{}",
        stderr(&bad)
    );
}
