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
