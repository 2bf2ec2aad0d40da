//! `dbtls inspect|verify mysql://... tls://...` against real servers: MariaDB (over the MySQL
//! protocol's SSLRequest), `openssl s_server` (direct TLS), and listeners that are not MySQL.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::mariadb::MariaDb;
use crate::util::{Issuer, TestDir, free_port, ok, run, stderr, stdout};

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
}

/// The certificates `openssl s_client -starttls mysql -showcerts` saw, written to files.
fn s_client_chain(t: &TestDir, port: u16, name: &str) -> (Vec<String>, String) {
    let out = run(Command::new("openssl")
        .args(["s_client", "-starttls", "mysql", "-showcerts", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .stdin(Stdio::null()));
    let text = stdout(&out);
    let mut files = Vec::new();
    for (i, block) in text
        .split("-----BEGIN CERTIFICATE-----")
        .skip(1)
        .enumerate()
    {
        let body = block.split("-----END CERTIFICATE-----").next().unwrap();
        let file = format!("{name}-{i}.pem");
        t.write(
            &file,
            format!("-----BEGIN CERTIFICATE-----{body}-----END CERTIFICATE-----\n"),
        );
        files.push(file);
    }
    assert!(!files.is_empty(), "s_client saw no certificate:\n{text}");
    (files, text)
}

/// `openssl x509 -fingerprint -sha256` of a certificate file.
fn fingerprint(t: &TestDir, file: &str) -> String {
    let out = ok(t
        .openssl()
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in", file]));
    out.trim().rsplit('=').next().unwrap().to_string()
}

/// openssl's SAN text (`DNS:a, IP Address:0:0:0:0:0:0:0:1`) of dbtls's JSON SAN entries.
fn openssl_sans(san: &Value) -> String {
    san.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let v = e["value"].as_str().unwrap();
            match e["type"].as_str().unwrap() {
                "IP" => match v.parse::<std::net::IpAddr>().unwrap() {
                    std::net::IpAddr::V6(a) => format!(
                        "IP Address:{}",
                        a.segments()
                            .iter()
                            .map(|s| format!("{s:X}"))
                            .collect::<Vec<_>>()
                            .join(":")
                    ),
                    a => format!("IP Address:{a}"),
                },
                k => format!("{k}:{v}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The chain dbtls reports equals, certificate by certificate, what s_client saw.
fn assert_chain_matches_s_client(t: &TestDir, report: &Value, port: u16) {
    let (files, _) = s_client_chain(t, port, &format!("s_client-{port}"));
    let chain = report["chain"].as_array().unwrap();
    assert_eq!(chain.len(), files.len(), "{report:#}");
    for (c, f) in chain.iter().zip(&files) {
        let names = t.subject_issuer(f);
        assert!(
            names.contains(&format!("subject={}\n", c["subject"].as_str().unwrap())),
            "{names} vs {c:#}"
        );
        assert!(
            names.contains(&format!("issuer={}\n", c["issuer"].as_str().unwrap())),
            "{names} vs {c:#}"
        );
        assert_eq!(fingerprint(t, f), c["sha256_fingerprint"].as_str().unwrap());
        let san = ok(t
            .openssl()
            .args(["x509", "-noout", "-ext", "subjectAltName", "-in", f]));
        let want = san.lines().nth(1).map(str::trim).unwrap_or("");
        assert_eq!(openssl_sans(&c["san"]), want, "{f}");
    }
}

fn mariadb_ssl_status(server: &MariaDb, extra: &[&str]) -> (String, String) {
    let out = ok(server
        .client()
        .args(["-u", "root", "--ssl"])
        .args(extra)
        .args([
            "-e",
            "SHOW STATUS LIKE 'Ssl_version'; SHOW STATUS LIKE 'Ssl_cipher'",
        ]));
    let v: Vec<&str> = out.lines().map(|l| l.split('\t').nth(1).unwrap()).collect();
    (v[0].to_string(), v[1].to_string())
}

/// One MariaDB (setup files, `ssl_ca` set) for every check that needs a real MySQL server.
#[test]
fn mariadb_chain_tls_verification_client_certificates_and_expiry() {
    let t = TestDir::new();
    t.setup_datadir("dd");
    t.issue(
        "ca",
        "/CN=Other CA",
        None,
        &["--out-cert", "other.pem", "--out-key", "other-key.pem"],
    )
    .status()
    .unwrap();
    let other = Issuer::new("other.pem", "other-key.pem");
    let ours = Issuer::new("dd/ca.pem", "dd/ca-key.pem");
    for (who, by) in [("stranger", &other), ("friend", &ours)] {
        ok(t.issue(
            "client",
            &format!("/CN={who}"),
            Some(by),
            &[
                "--out-cert",
                &format!("{who}.pem"),
                "--out-key",
                &format!("{who}-key.pem"),
            ],
        ));
    }
    // The server reads copies, so a certificate can be swapped in and reloaded (FLUSH SSL).
    std::fs::copy(t.join("dd/server-cert.pem"), t.join("live-cert.pem")).unwrap();
    std::fs::copy(t.join("dd/server-key.pem"), t.join("live-key.pem")).unwrap();
    let ipv6 = TcpListener::bind("[::1]:0").is_ok();
    let bind: &[&str] = if ipv6 {
        &["--bind-address=127.0.0.1,::1"]
    } else {
        eprintln!("note: ::1 cannot be bound on this machine: the IPv6 part is skipped");
        &[]
    };
    let server = MariaDb::start_with(
        &t.join("dd/ca.pem"),
        &t.join("live-cert.pem"),
        &t.join("live-key.pem"),
        bind,
    );
    let url = format!("mysql://127.0.0.1:{}", server.port);

    // The chain as sent, and TLS as agreed, equal what openssl and the mariadb client see.
    let report = json(&t.dbtls_ok(&["inspect", &url, "--format", "json"]));
    let s = &report["servers"][0];
    assert_eq!(report["verdict"], "ok");
    assert!(
        s["server_version"].as_str().unwrap().contains("MariaDB"),
        "{s:#}"
    );
    assert_chain_matches_s_client(&t, s, server.port);
    assert_eq!(s["chain_complete"], true, "{s:#}");
    assert_eq!(s["handshake_signature_verified"], true);
    let (version13, cipher13) = mariadb_ssl_status(&server, &[]);
    assert_eq!(s["tls_version"].as_str().unwrap(), version13);
    assert_eq!(s["cipher_openssl"].as_str().unwrap(), cipher13);
    let r12 = json(&t.dbtls_ok(&["inspect", &url, "--tls-version", "1.2", "--format", "json"]));
    let (version, cipher) = mariadb_ssl_status(&server, &["--tls-version=TLSv1.2"]);
    assert_eq!(
        (
            version.as_str(),
            r12["servers"][0]["tls_version"].as_str().unwrap()
        ),
        ("TLSv1.2", "TLSv1.2")
    );
    assert_eq!(
        r12["servers"][0]["cipher_openssl"].as_str().unwrap(),
        cipher
    );
    // Without --cert: the server asks (ssl_ca is set), nothing is sent, the probe is fine.
    let c = &s["client_certificate"];
    assert_eq!(
        (c["requested"].as_bool(), c["sent"].as_bool()),
        (Some(true), Some(false))
    );
    let text = t.dbtls_ok(&["inspect", &url]);
    assert!(
        text.contains(&format!("{url} (127.0.0.1:{})\n", server.port)),
        "{text}"
    );
    assert!(
        text.contains(&format!("  TLS:                 {version13}, {cipher13}")),
        "{text}"
    );
    assert!(text.contains(&format!("{url} #1: certificate\n")), "{text}");

    // Verification for the URL's host: the right CA passes, another fails; a wrong --host fails.
    let ok_text = t.dbtls_ok(&["verify", &url, "--ca", "dd/ca.pem"]);
    assert!(
        ok_text.contains("127.0.0.1 matches") && ok_text.contains("verdict: accepted"),
        "{ok_text}"
    );
    let out = t.dbtls_run(&["verify", &url, "--ca", "other.pem"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("verdict: refused: self-signed certificate in certificate chain (OpenSSL error 19 at depth 1)"),
        "{}",
        stdout(&out)
    );
    let out = t.dbtls_run(&[
        "verify",
        &url,
        "--ca",
        "dd/ca.pem",
        "--host",
        "db9.example.com",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("db9.example.com"), "{}", stdout(&out));
    let v = json(&t.dbtls_ok(&["verify", &url, "--ca", "dd/ca.pem", "--format", "json"]));
    assert_eq!(v["servers"][0]["verification"]["verdict"], "accepted");
    assert_eq!(v["servers"][0]["verification"]["purpose"], "server");

    // Client certificates: MariaDB 10.11 (OpenSSL) verifies them in the handshake (ssl_ca,
    // SSL_VERIFY_PEER): one from its CA is accepted, one from another CA is refused with the
    // alert unknown_ca. In TLS 1.3 that alert arrives after the client's handshake is done.
    for version in ["1.3", "1.2"] {
        let out = t.dbtls_ok(&[
            "inspect",
            &url,
            "--tls-version",
            version,
            "--cert",
            "friend.pem",
            "--key",
            "friend-key.pem",
        ]);
        assert!(
            out.contains("client certificate:  accepted at the TLS level"),
            "{out}"
        );
        let out = t.dbtls_run(&[
            "inspect",
            &url,
            "--tls-version",
            version,
            "--cert",
            "stranger.pem",
            "--key",
            "stranger-key.pem",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert!(
            stdout(&out).contains("refused at the TLS level: the server does not trust this client certificate (the server sent the alert unknown_ca)"),
            "{version}: {}",
            stdout(&out)
        );
    }
    // The same verdicts from the mariadb client itself: the stranger fails in the handshake.
    let stranger = run(server
        .client()
        .args(["-u", "root", "--ssl", "-e", "SELECT 1"])
        .arg(format!("--ssl-cert={}", t.join("stranger.pem").display()))
        .arg(format!(
            "--ssl-key={}",
            t.join("stranger-key.pem").display()
        )));
    assert!(
        !stranger.status.success(),
        "the mariadb client got in with the stranger's certificate"
    );
    assert!(
        !stderr(&stranger).contains("1045"),
        "refused at login, not in the handshake: {}",
        stderr(&stranger)
    );

    if ipv6 {
        let url6 = format!("mysql://[::1]:{}", server.port);
        let out = t.dbtls_ok(&["verify", &url6, "--ca", "dd/ca.pem"]);
        assert!(
            out.contains(&format!("{url6} ([::1]:{})", server.port)) && out.contains("::1 matches"),
            "{out}"
        );
    }

    // A certificate issued for 5 days, loaded with FLUSH SSL: --expires-within 30 fails, 1 passes.
    ok(t.issue(
        "server",
        "/CN=short-lived",
        Some(&ours),
        &[
            "--san",
            "127.0.0.1",
            "--days",
            "5",
            "--out-cert",
            "short.pem",
            "--out-key",
            "short-key.pem",
        ],
    ));
    std::fs::copy(t.join("short.pem"), t.join("live-cert.pem")).unwrap();
    std::fs::copy(t.join("short-key.pem"), t.join("live-key.pem")).unwrap();
    server.root_sql("FLUSH SSL");
    let out = t.dbtls_run(&[
        "verify",
        &url,
        "--ca",
        "dd/ca.pem",
        "--expires-within",
        "30",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("/CN=short-lived"), "{}", stdout(&out));
    let out = t.dbtls_ok(&["verify", &url, "--ca", "dd/ca.pem", "--expires-within", "1"]);
    assert!(out.contains("verdict: accepted"), "{out}");
}

/// MariaDB started with --skip-ssl: the greeting has no CLIENT_SSL.
#[test]
fn mariadb_without_tls_is_a_clear_error() {
    let t = TestDir::new();
    t.setup_datadir("dd");
    let server = MariaDb::start_with(
        &t.join("dd/ca.pem"),
        &t.join("dd/server-cert.pem"),
        &t.join("dd/server-key.pem"),
        &["--skip-ssl"],
    );
    let url = format!("mysql://127.0.0.1:{}", server.port);
    let err = t.dbtls_fails(&["verify", &url, "--ca", "dd/ca.pem"]);
    assert_eq!(
        err,
        format!(
            "dbtls: error: {url} (127.0.0.1:{}): server does not support TLS: have_ssl is DISABLED or ssl_cert is not set\n",
            server.port
        )
    );
}

/// A listener on 127.0.0.1 that accepts one connection, writes `greeting` and holds it open.
fn listener(greeting: &'static [u8]) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let _ = s.write_all(greeting);
            std::thread::sleep(Duration::from_secs(8));
        }
    });
    port
}

#[test]
fn ports_that_are_not_mysql_are_one_line_errors() {
    let t = TestDir::new();
    // Silent: the timeout, not a hang.
    let port = listener(b"");
    let start = Instant::now();
    let err = t.dbtls_fails(&[
        "inspect",
        &format!("mysql://127.0.0.1:{port}"),
        "--timeout",
        "2",
    ]);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("dbtls: error: mysql://127.0.0.1:{port} (127.0.0.1:{port}): no MySQL greeting within the timeout")), "{err}");
    // HTTP.
    let port = listener(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    let err = t.dbtls_fails(&["inspect", &format!("mysql://127.0.0.1:{port}")]);
    assert_eq!(
        err,
        format!(
            "dbtls: error: mysql://127.0.0.1:{port} (127.0.0.1:{port}): not a MySQL server: it answered with HTTP (HTTP/1.1 400 Bad Request)\n"
        )
    );
    // Garbage, and a greeting announced as over 64 KiB.
    let port = listener(b"\x05\x00\x00\x00hello");
    let err = t.dbtls_fails(&["inspect", &format!("mysql://127.0.0.1:{port}")]);
    assert!(
        err.contains("not a MySQL server: its greeting is not protocol 10"),
        "{err}"
    );
    let port = listener(b"\x00\x00\x10\x00\x0a");
    let err = t.dbtls_fails(&["inspect", &format!("mysql://127.0.0.1:{port}")]);
    assert!(err.contains("over the 64 KiB"), "{err}");
    // An ERR packet instead of a greeting (what a blocked host gets): its text.
    let port = listener(
        b"\x3f\x00\x00\x00\xff\x69\x04Host '10.0.0.9' is blocked because of many connection errors",
    );
    let err = t.dbtls_fails(&["inspect", &format!("mysql://127.0.0.1:{port}")]);
    assert!(err.ends_with("the server refused the connection: error 1129: Host '10.0.0.9' is blocked because of many connection errors\n"), "{err}");
    // Arguments.
    let err = t.dbtls_fails(&["inspect", "mysql://::1"]);
    assert!(err.contains("an IPv6 address goes in brackets"), "{err}");
    let err = t.dbtls_fails(&["verify", "mysql://127.0.0.1", "dd/ca.pem"]);
    assert!(err.contains("not both"), "{err}");
    let err = t.dbtls_fails(&["verify", "x.pem", "--timeout", "3"]);
    assert!(
        err.contains("apply to mysql:// and tls:// targets only"),
        "{err}"
    );
}

/// `openssl s_server` with dbtls certificates on `addr` (`127.0.0.1` or `[::1]`).
fn s_server(t: &TestDir, host: &str, cert: &str, key: &str) -> (Child, u16) {
    for _ in 0..3 {
        let port = free_port();
        let mut child = t
            .openssl()
            .args(["s_server", "-quiet", "-cert", cert, "-key", key, "-accept"])
            .arg(format!("{host}:{port}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(format!("{host}:{port}")).is_ok() {
                return (child, port);
            }
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("openssl s_server did not start");
}

#[test]
fn tls_targets_against_openssl_s_server() {
    let t = TestDir::new();
    t.setup_datadir("dd");
    let (mut server, port) = s_server(&t, "127.0.0.1", "dd/server-cert.pem", "dd/server-key.pem");
    let url = format!("tls://127.0.0.1:{port}");
    let out = t.dbtls_ok(&["verify", &url, "--ca", "dd/ca.pem", "--format", "json"]);
    let v = json(&out);
    let s = &v["servers"][0];
    assert_eq!(s["server_version"], Value::Null);
    assert_eq!(s["verification"]["verdict"], "accepted", "{s:#}");
    assert_eq!(s["client_certificate"]["requested"], false);
    assert_eq!(
        s["chain"][0]["sha256_fingerprint"].as_str().unwrap(),
        fingerprint(&t, "dd/server-cert.pem")
    );
    let names = t.subject_issuer("dd/server-cert.pem");
    assert!(
        names.starts_with(&format!(
            "subject={}\n",
            s["chain"][0]["subject"].as_str().unwrap()
        )),
        "{names}"
    );
    let _ = server.kill();
    let _ = server.wait();
    if TcpListener::bind("[::1]:0").is_err() {
        eprintln!("note: ::1 cannot be bound on this machine: the IPv6 part is skipped");
        return;
    }
    let (mut server, port) = s_server(&t, "[::1]", "dd/server-cert.pem", "dd/server-key.pem");
    let url = format!("tls://[::1]:{port}");
    let out = t.dbtls_ok(&["verify", &url, "--ca", "dd/ca.pem"]);
    assert!(
        out.contains("::1 matches") && out.contains("verdict: accepted"),
        "{out}"
    );
    let _ = server.kill();
    let _ = server.wait();
}
