//! `dbtls renew`, checked with openssl, x509-parser and a real MariaDB (`FLUSH SSL`).

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

/// `dbtls renew --force` of the server certificate of the data directory `d`, by its CA, followed
/// by `extra`.
fn renew_server_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let args = [
        "renew",
        "d/server-cert.pem",
        "--ca",
        "d/ca.pem",
        "--ca-key",
        "d/ca-key.pem",
        "--force",
    ];
    [&args[..], extra].concat()
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
    let out = t.dbtls_ok(&renew_server_args(&[]));
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
    ok(t.dbtls().args(renew_server_args(&["--days", "5"])));
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
