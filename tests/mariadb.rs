//! A real MariaDB server uses the files `dbtls setup` writes.

use crate::util::mariadb::MariaDb;
use crate::util::{TestDir, ok, run};

#[test]
fn mariadb_accepts_setup_files_and_enforces_require_x509() {
    let t = TestDir::new();
    ok(t.dbtls().args(["setup", "--datadir", "dd"]));
    let d = t.join("dd");
    let server = MariaDb::start(
        &d.join("ca.pem"),
        &d.join("server-cert.pem"),
        &d.join("server-key.pem"),
    );
    server.root_sql("CREATE USER 'x509user'@'%' REQUIRE X509; CREATE USER 'plain'@'%';");
    let ca = format!("--ssl-ca={}", d.join("ca.pem").display());

    // VERIFY_IDENTITY equivalent: the CA verifies the chain and the SAN matches 127.0.0.1 and localhost.
    for host in ["127.0.0.1", "localhost"] {
        let version = ok(server.client_to(host).args([
            "-u",
            "plain",
            &ca,
            "--ssl-verify-server-cert",
            "-e",
            "SHOW SESSION STATUS LIKE 'Ssl_version'",
        ]));
        assert!(
            version.contains("TLSv1.2") || version.contains("TLSv1.3"),
            "host {host}: {version}\n{}",
            server.error_log()
        );
    }

    // REQUIRE X509: the client certificate logs in, no certificate is refused.
    let cert = format!("--ssl-cert={}", d.join("client-cert.pem").display());
    let key = format!("--ssl-key={}", d.join("client-key.pem").display());
    let who = ok(server.client().args([
        "-u",
        "x509user",
        &ca,
        "--ssl-verify-server-cert",
        &cert,
        &key,
        "-e",
        "SELECT CURRENT_USER()",
    ]));
    assert!(who.contains("x509user@%"), "{who}");
    let refused = run(server.client().args([
        "-u",
        "x509user",
        &ca,
        "--ssl-verify-server-cert",
        "-e",
        "SELECT 1",
    ]));
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("1045"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn mariadb_client_refuses_a_server_from_another_ca() {
    let t = TestDir::new();
    ok(t.dbtls().args(["setup", "--datadir", "a"]));
    ok(t.dbtls().args(["setup", "--datadir", "b"]));
    let a = t.join("a");
    let server = MariaDb::start(
        &a.join("ca.pem"),
        &a.join("server-cert.pem"),
        &a.join("server-key.pem"),
    );
    server.root_sql("CREATE USER 'plain'@'%';");
    let other_ca = format!("--ssl-ca={}", t.join("b/ca.pem").display());
    let out = run(server.client().args([
        "-u",
        "plain",
        &other_ca,
        "--ssl-verify-server-cert",
        "-e",
        "SELECT 1",
    ]));
    assert!(
        !out.status.success(),
        "a certificate from another CA must not verify"
    );
}

#[test]
fn mariadb_accepts_a_client_certificate_issued_under_an_intermediate() {
    let t = TestDir::new();
    ok(t.dbtls().args(["setup", "--datadir", "srv"]));
    let srv = t.join("srv");
    // Root → intermediate → client, with the CA key encrypted as a real CA would keep it.
    ok(t.dbtls().args([
        "issue",
        "ca",
        "--subject",
        "/O=Example/CN=Example Root",
        "--out-cert",
        "root.pem",
        "--out-key",
        "root-key.pem",
        "--passout",
        "pass:rootpw",
    ]));
    ok(t.dbtls().args([
        "issue",
        "intermediate",
        "--subject",
        "/O=Example/CN=Example DB Clients",
        "--ca",
        "root.pem",
        "--ca-key",
        "root-key.pem",
        "--passin",
        "pass:rootpw",
        "--out-cert",
        "int.pem",
        "--out-key",
        "int-key.pem",
    ]));
    ok(t.dbtls().args([
        "issue",
        "client",
        "--subject",
        "/O=Example/CN=alice",
        "--ca",
        "int.pem",
        "--ca-key",
        "int-key.pem",
        "--out-cert",
        "alice.pem",
        "--out-key",
        "alice-key.pem",
        "--chain-out",
        "alice-chain.pem",
    ]));
    ok(t.dbtls().args([
        "issue",
        "client",
        "--subject",
        "/O=Example/CN=mallory",
        "--key-type",
        "ecdsa-p256",
        "--ca",
        "int.pem",
        "--ca-key",
        "int-key.pem",
        "--out-cert",
        "mallory.pem",
        "--out-key",
        "mallory-key.pem",
        "--chain-out",
        "mallory-chain.pem",
    ]));
    // The server's ssl_ca (which verifies clients) is the root only; clients verify the server
    // with the setup CA.
    let server = MariaDb::start(
        &t.join("root.pem"),
        &srv.join("server-cert.pem"),
        &srv.join("server-key.pem"),
    );
    let subject = ok(t.dbtls().args([
        "inspect",
        "--sql",
        "--user",
        "alice",
        "--host",
        "%",
        "alice.pem",
    ]));
    server.root_sql("CREATE USER 'alice'@'%' REQUIRE X509; CREATE USER 'subj'@'%';");
    server.root_sql(&subject.replace("'alice'@'%'", "'subj'@'%'"));
    let ca = format!("--ssl-ca={}", srv.join("ca.pem").display());
    let login = |user: &str, chain: &str, key: &str| {
        run(server.client().args([
            "-u",
            user,
            &ca,
            "--ssl-verify-server-cert",
            &format!("--ssl-cert={}", t.join(chain).display()),
            &format!("--ssl-key={}", t.join(key).display()),
            "-e",
            "SELECT CURRENT_USER()",
        ]))
    };
    let out = login("alice", "alice-chain.pem", "alice-key.pem");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.error_log()
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("alice@%"));
    // REQUIRE SUBJECT from `dbtls inspect --sql`: alice's certificate is accepted, mallory's (same CA) is not.
    assert!(
        login("subj", "alice-chain.pem", "alice-key.pem")
            .status
            .success()
    );
    let refused = login("subj", "mallory-chain.pem", "mallory-key.pem");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("1045"));
    // A certificate from another CA is refused in the handshake.
    let refused = login("alice", "srv/client-cert.pem", "srv/client-key.pem");
    assert!(
        !refused.status.success(),
        "a client certificate from an untrusted CA must be refused"
    );
}
