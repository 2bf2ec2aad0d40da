//! A real MariaDB server uses the files `dbtls setup` writes.

use std::process::Command;

use crate::util::mariadb::{MariaDb, assert_access_denied};
use crate::util::{Issuer, TestDir, ok, run, stderr, stdout};

/// A MariaDB server with the server certificate and key of the setup datadir `dir`, trusting
/// `ca` for client certificates.
fn server_of(t: &TestDir, dir: &str, ca: &str) -> MariaDb {
    MariaDb::start(
        &t.join(ca),
        &t.join(&format!("{dir}/server-cert.pem")),
        &t.join(&format!("{dir}/server-key.pem")),
    )
}

/// `--ssl-ca=CA --ssl-verify-server-cert` (the client checks the server's certificate and
/// name), for files inside `t`.
fn verified(t: &TestDir, ca: &str) -> [String; 2] {
    [
        format!("--ssl-ca={}", t.join(ca).display()),
        "--ssl-verify-server-cert".to_string(),
    ]
}

/// `user` logs in on `client` with `verify`, the client certificate `cert`/`key` (none: no
/// certificate) and runs `sql`.
fn login(
    t: &TestDir,
    mut client: Command,
    user: &str,
    verify: &[String],
    cert_key: Option<(&str, &str)>,
    sql: &str,
) -> std::process::Output {
    client.args(["-u", user]).args(verify);
    if let Some((cert, key)) = cert_key {
        client
            .arg(format!("--ssl-cert={}", t.join(cert).display()))
            .arg(format!("--ssl-key={}", t.join(key).display()));
    }
    run(client.args(["-e", sql]))
}

#[test]
fn mariadb_accepts_setup_files_and_enforces_require_x509() {
    let t = TestDir::new();
    t.setup_datadir("dd");
    let server = server_of(&t, "dd", "dd/ca.pem");
    server.root_sql("CREATE USER 'x509user'@'%' REQUIRE X509; CREATE USER 'plain'@'%';");
    let verify = verified(&t, "dd/ca.pem");

    // VERIFY_IDENTITY equivalent: the CA verifies the chain and the SAN matches 127.0.0.1 and localhost.
    for host in ["127.0.0.1", "localhost"] {
        let sql = "SHOW SESSION STATUS LIKE 'Ssl_version'";
        let out = login(&t, server.client_to(host), "plain", &verify, None, sql);
        let version = stdout(&out);
        assert!(
            out.status.success() && (version.contains("TLSv1.2") || version.contains("TLSv1.3")),
            "host {host}: {version}\n{}\n{}",
            stderr(&out),
            server.error_log()
        );
    }

    // REQUIRE X509: the client certificate logs in, no certificate is refused.
    let cert_key = Some(("dd/client-cert.pem", "dd/client-key.pem"));
    let sql = "SELECT CURRENT_USER()";
    let out = login(&t, server.client(), "x509user", &verify, cert_key, sql);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("x509user@%"), "{}", stdout(&out));
    let refused = login(&t, server.client(), "x509user", &verify, None, "SELECT 1");
    assert_access_denied(&refused, "x509user without a certificate");
}

#[test]
fn mariadb_client_refuses_a_server_from_another_ca() {
    let t = TestDir::new();
    t.setup_datadir("a");
    t.setup_datadir("b");
    let server = server_of(&t, "a", "a/ca.pem");
    server.root_sql("CREATE USER 'plain'@'%';");
    // The server's own CA verifies it: what is refused below is the other CA, nothing else.
    let own = login(
        &t,
        server.client(),
        "plain",
        &verified(&t, "a/ca.pem"),
        None,
        "SELECT 1",
    );
    assert!(own.status.success(), "{}", stderr(&own));
    let other_ca = verified(&t, "b/ca.pem");
    let out = login(&t, server.client(), "plain", &other_ca, None, "SELECT 1");
    assert!(
        !out.status.success(),
        "a certificate from another CA must not verify"
    );
}

#[test]
fn mariadb_accepts_a_client_certificate_issued_under_an_intermediate() {
    let t = TestDir::new();
    t.setup_datadir("srv");
    // Root → intermediate → client, with the CA key encrypted as a real CA would keep it.
    let root_outs = [
        "--out-cert",
        "root.pem",
        "--out-key",
        "root-key.pem",
        "--passout",
        "pass:rootpw",
    ];
    ok(t.issue("ca", "/O=Example/CN=Example Root", None, &root_outs));
    let root = Issuer::new("root.pem", "root-key.pem").with_passin("pass:rootpw");
    let int_outs = ["--out-cert", "int.pem", "--out-key", "int-key.pem"];
    let int_subject = "/O=Example/CN=Example DB Clients";
    ok(t.issue("intermediate", int_subject, Some(&root), &int_outs));
    let int = Issuer::new("int.pem", "int-key.pem");
    for (name, key_type) in [("alice", None), ("mallory", Some("ecdsa-p256"))] {
        let (cert, key, chain) = (
            format!("{name}.pem"),
            format!("{name}-key.pem"),
            format!("{name}-chain.pem"),
        );
        let mut extra = vec![
            "--out-cert",
            &cert,
            "--out-key",
            &key,
            "--chain-out",
            &chain,
        ];
        if let Some(kind) = key_type {
            extra.extend(["--key-type", kind]);
        }
        ok(t.issue(
            "client",
            &format!("/O=Example/CN={name}"),
            Some(&int),
            &extra,
        ));
    }
    // The server's ssl_ca (which verifies clients) is the root only; clients verify the server
    // with the setup CA.
    let server = server_of(&t, "srv", "root.pem");
    let subject = t.dbtls_ok(&[
        "inspect",
        "--sql",
        "--user",
        "alice",
        "--host",
        "%",
        "alice.pem",
    ]);
    server.root_sql("CREATE USER 'alice'@'%' REQUIRE X509; CREATE USER 'subj'@'%';");
    server.root_sql(&subject.replace("'alice'@'%'", "'subj'@'%'"));
    let verify = verified(&t, "srv/ca.pem");
    let login = |user: &str, chain: &str, key: &str| {
        let sql = "SELECT CURRENT_USER()";
        login(&t, server.client(), user, &verify, Some((chain, key)), sql)
    };
    let out = login("alice", "alice-chain.pem", "alice-key.pem");
    assert!(
        out.status.success(),
        "{}\n{}",
        stderr(&out),
        server.error_log()
    );
    assert!(stdout(&out).contains("alice@%"));
    // REQUIRE SUBJECT from `dbtls inspect --sql`: alice's certificate is accepted, mallory's (same CA) is not.
    assert!(
        login("subj", "alice-chain.pem", "alice-key.pem")
            .status
            .success()
    );
    let refused = login("subj", "mallory-chain.pem", "mallory-key.pem");
    assert_access_denied(&refused, "mallory as subj");
    // A certificate from another CA is refused in the handshake.
    let refused = login("alice", "srv/client-cert.pem", "srv/client-key.pem");
    assert!(
        !refused.status.success(),
        "a client certificate from an untrusted CA must be refused"
    );
}
