//! `dbtls doctor` against a real MariaDB: a healthy setup datadir is reported healthy and the
//! server serves TLS that `mariadb --ssl-verify-server-cert` accepts; for each broken variant,
//! doctor names the error and the real server or client indeed fails.

use std::path::Path;

use crate::util::mariadb::MariaDb;
use crate::util::{TestDir, ok, run, stderr, stdout};

/// `dbtls doctor -d DIR --host 127.0.0.1 --format json EXTRA`: the exit code and the JSON.
fn doctor(t: &TestDir, dir: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = run(t
        .dbtls()
        .args([
            "doctor",
            "-d",
            dir,
            "--host",
            "127.0.0.1",
            "--format",
            "json",
        ])
        .args(extra));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (out.status.code().unwrap_or(-1), json)
}

/// The error checks of a doctor report, as (role, check, reason).
fn errors(json: &serde_json::Value) -> Vec<(String, String, String)> {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "error")
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
            (s("role"), s("check"), s("reason"))
        })
        .collect()
}

/// An expected error: (role, check, reason id or "").
type Want<'a> = (&'a str, &'a str, &'a str);

/// Asserts that doctor exits 1 with exactly one kind of error, matched by `want`.
fn assert_error(t: &TestDir, dir: &str, extra: &[&str], want: Want<'_>) {
    let (code, json) = doctor(t, dir, extra);
    let errs = errors(&json);
    assert_eq!(code, 1, "{dir}: {json:#}");
    assert!(
        errs.iter()
            .any(|(r, c, why)| r == want.0 && c == want.1 && why == want.2),
        "{dir}: no {want:?} in {errs:?}\n{json:#}"
    );
}

/// A copy of the healthy datadir `dd` named `name`, with `replace` (file, source) applied.
fn variant(t: &TestDir, name: &str, replace: &[(&str, &str)]) {
    std::fs::create_dir(t.join(name)).unwrap();
    for f in ["ca.pem", "server-cert.pem", "server-key.pem"] {
        std::fs::copy(t.join(&format!("dd/{f}")), t.join(&format!("{name}/{f}"))).unwrap();
    }
    for (file, src) in replace {
        std::fs::copy(t.join(src), t.join(&format!("{name}/{file}"))).unwrap();
    }
}

fn start(t: &TestDir, dir: &str) -> MariaDb {
    MariaDb::start(
        &t.join(&format!("{dir}/ca.pem")),
        &t.join(&format!("{dir}/server-cert.pem")),
        &t.join(&format!("{dir}/server-key.pem")),
    )
}

fn have_ssl(server: &MariaDb) -> String {
    server.root_sql("SELECT @@have_ssl").trim().to_string()
}

/// `mariadb --ssl-ca=CA --ssl-verify-server-cert -h 127.0.0.1 -e 'SELECT 1'` as `plain`.
fn verified_login(t: &TestDir, server: &MariaDb, ca: &str) -> std::process::Output {
    run(server
        .client()
        .args(["-u", "plain"])
        .arg(format!("--ssl-ca={}", t.join(ca).display()))
        .args(["--ssl-verify-server-cert", "-e", "SELECT 1"]))
}

fn issue_server(t: &TestDir, out: &str, extra: &[&str]) {
    ok(t.dbtls()
        .args([
            "issue",
            "server",
            "--subject",
            "/CN=db",
            "--ca",
            "dd/ca.pem",
        ])
        .args(["--ca-key", "dd/ca-key.pem", "--key", "dd/server-key.pem"])
        .args(["--out-cert", out])
        .args(extra));
}

#[test]
fn doctor_agrees_with_a_real_mariadb() {
    let t = TestDir::new();
    t.setup_datadir("dd");
    t.setup_datadir("other");

    // Healthy: no error, and the server serves TLS a verifying client accepts.
    let (code, json) = doctor(&t, "dd", &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["errors"], 0, "{json:#}");
    let server = start(&t, "dd");
    assert_eq!(have_ssl(&server), "YES", "{}", server.error_log());
    server.root_sql("CREATE USER 'plain'@'%';");
    let out = verified_login(&t, &server, "dd/ca.pem");
    assert!(out.status.success(), "{}", stderr(&out));

    // Client-side failures: the running server is given the variant's files (FLUSH SSL
    // re-reads them) and the verifying client must refuse it.
    issue_server(
        &t,
        "expired.pem",
        &[
            "--san",
            "127.0.0.1",
            "--not-before",
            "2020-01-01T00:00:00Z",
            "--not-after",
            "2021-01-01T00:00:00Z",
        ],
    );
    issue_server(&t, "nosan.pem", &["--san", "db.example.com"]);
    let client_side: [(&str, &str, &str, Want); 3] = [
        (
            "expired",
            "server-cert.pem",
            "expired.pem",
            ("server-cert.pem", "validity", "cert-has-expired"),
        ),
        (
            "otherca",
            "server-cert.pem",
            "other/server-cert.pem",
            (
                "server-cert.pem",
                "chain",
                "unable-to-get-issuer-cert-locally",
            ),
        ),
        (
            "nosan",
            "server-cert.pem",
            "nosan.pem",
            ("server-cert.pem", "host", "ip-address-mismatch"),
        ),
    ];
    let live = t.join("dd/server-cert.pem");
    let healthy = std::fs::read(&live).unwrap();
    let healthy_key = std::fs::read(t.join("dd/server-key.pem")).unwrap();
    for (name, file, src, want) in client_side {
        let mut replace = vec![(file, src)];
        if name == "otherca" {
            replace.push(("server-key.pem", "other/server-key.pem"));
        }
        variant(&t, name, &replace);
        assert_error(&t, name, &[], want);
        std::fs::copy(t.join(&format!("{name}/server-cert.pem")), &live).unwrap();
        std::fs::copy(
            t.join(&format!("{name}/server-key.pem")),
            t.join("dd/server-key.pem"),
        )
        .unwrap();
        server.root_sql("FLUSH SSL");
        let out = verified_login(&t, &server, "dd/ca.pem");
        assert!(
            !out.status.success(),
            "{name}: the client accepted the server: {}",
            stdout(&out)
        );
        assert!(
            stderr(&out).contains("2026") || stderr(&out).to_lowercase().contains("certificate"),
            "{name}: not a TLS verification error: {}",
            stderr(&out)
        );
        std::fs::write(&live, &healthy).unwrap();
        std::fs::write(t.join("dd/server-key.pem"), &healthy_key).unwrap();
        server.root_sql("FLUSH SSL");
        let back = verified_login(&t, &server, "dd/ca.pem");
        assert!(back.status.success(), "{name}: restore: {}", stderr(&back));
    }
    drop(server);

    // Server-side failures: the server cannot load the files and runs without TLS.
    ok(t.dbtls().args([
        "key",
        "encrypt",
        "dd/server-key.pem",
        "--out",
        "enc-key.pem",
        "--passout",
        "pass:secret",
    ]));
    let server_side: [(&str, &str, Want); 2] = [
        (
            "mismatch",
            "dd/client-key.pem",
            ("server-cert.pem", "key", "key-mismatch"),
        ),
        (
            "encrypted",
            "enc-key.pem",
            ("server-key.pem", "encrypted", ""),
        ),
    ];
    for (name, key, want) in server_side {
        variant(&t, name, &[("server-key.pem", key)]);
        assert_error(&t, name, &[], want);
        let log = MariaDb::start_fails(
            &t.join(&format!("{name}/ca.pem")),
            &t.join(&format!("{name}/server-cert.pem")),
            &t.join(&format!("{name}/server-key.pem")),
        );
        assert!(log.contains("Failed to setup SSL"), "{name}: {log}");
    }

    // Unreadable key: doctor judges for the server's user, and that user indeed cannot read it.
    variant(&t, "unreadable", &[]);
    let key = t.join("unreadable/server-key.pem");
    assert_error(
        &t,
        "unreadable",
        &["--server-user", "nobody"],
        ("server-key.pem", "readable", ""),
    );
    let cat = run(std::process::Command::new("runuser")
        .args(["-u", "nobody", "--", "cat"])
        .arg(&key));
    assert!(!cat.status.success(), "nobody read {}", key.display());
    assert!(Path::new(&key).exists());
}

#[test]
fn inspect_summarises_the_chains_of_its_input() {
    let t = TestDir::new();
    ok(t.issue(
        "ca",
        "/CN=Root",
        None,
        &["--out-cert", "r.pem", "--out-key", "r.key"],
    ));
    let root = crate::util::Issuer::new("r.pem", "r.key");
    let int_out = ["--out-cert", "i.pem", "--out-key", "i.key"];
    ok(t.issue("intermediate", "/CN=Int", Some(&root), &int_out));
    let int = crate::util::Issuer::new("i.pem", "i.key");
    let srv_out = ["--san", "db", "--out-cert", "s.pem", "--out-key", "s.key"];
    ok(t.issue("server", "/CN=db", Some(&int), &srv_out));
    let cat = |files: &[&str]| -> String { files.iter().map(|f| t.read(f)).collect() };
    t.write("full.pem", cat(&["s.pem", "i.pem", "r.pem"]));
    t.write("part.pem", cat(&["s.pem", "i.pem"]));
    let full = t.dbtls_ok(&["inspect", "full.pem"]);
    assert!(
        full.contains(
            "full.pem: chain: complete (/CN=db → /CN=Int → /CN=Root, self-signed), verifies\n"
        ),
        "{full}"
    );
    // openssl agrees: the chain in the file verifies with its own root as the anchor.
    let v = run(t
        .openssl()
        .args(["verify", "-CAfile", "r.pem", "-untrusted", "i.pem", "s.pem"]));
    assert!(v.status.success(), "{}", stderr(&v));
    let part = t.dbtls_ok(&["inspect", "part.pem"]);
    assert!(
        part.contains(
            "part.pem: chain: incomplete (/CN=db → /CN=Int): issuer '/CN=Root' not in the input\n"
        ),
        "{part}"
    );
    // A lone certificate has no chain line; JSON is unchanged.
    assert!(!t.dbtls_ok(&["inspect", "s.pem"]).contains("chain:"));
    assert!(
        !t.dbtls_ok(&["inspect", "full.pem", "--format", "json"])
            .contains("chain:")
    );
}

/// The checks of a doctor report about `role`, as (check, status, detail, fix).
fn checks_of(json: &serde_json::Value, role: &str) -> Vec<(String, String, String, String)> {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["role"] == role)
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
            (s("check"), s("status"), s("detail"), s("fix"))
        })
        .collect()
}

#[test]
fn doctor_server_compares_the_running_server_with_the_files() {
    let t = TestDir::new();
    t.setup_datadir("dd");
    let server = start(&t, "dd");
    assert_eq!(have_ssl(&server), "YES", "{}", server.error_log());
    let url = format!("mysql://127.0.0.1:{}", server.port);
    let served = |json: &serde_json::Value| {
        let c = checks_of(json, &url);
        let s: Vec<_> = c.iter().filter(|c| c.0 == "served-cert").cloned().collect();
        assert_eq!(s.len(), 1, "{json:#}");
        s[0].clone()
    };

    // The server serves the files doctor finds: TLS, a chain verifying to ca.pem for the URL's
    // host, and the same certificate as server-cert.pem.
    let (code, json) = doctor(&t, "dd", &["--server", &url]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["errors"], 0, "{json:#}");
    let live = checks_of(&json, &url);
    assert!(
        live.iter()
            .any(|c| c.0 == "server-tls" && c.1 == "ok" && c.2.contains("TLSv1.")),
        "{live:?}"
    );
    assert!(
        live.iter().any(|c| c.0 == "verify"
            && c.1 == "ok"
            && c.2 == "verifies to ssl_ca for the server purpose and 127.0.0.1"),
        "{live:?}"
    );
    let same = served(&json);
    assert_eq!(same.1, "ok", "{same:?}");
    assert!(same.2.contains("same certificate"), "{same:?}");
    // The fingerprint is the one openssl computes of the file.
    let fp = run(t
        .openssl()
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(t.join("dd/server-cert.pem")));
    let fp = stdout(&fp);
    let fp = fp.trim().rsplit('=').next().unwrap();
    assert!(same.2.contains(fp), "{fp} not in {same:?}");

    // Renewed on disk but not reloaded: the server still serves the old certificate.
    ok(t.dbtls().args([
        "renew",
        "dd/server-cert.pem",
        "--ca",
        "dd/ca.pem",
        "--ca-key",
        "dd/ca-key.pem",
        "--force",
    ]));
    let (code, json) = doctor(&t, "dd", &["--server", &url]);
    assert_eq!(code, 0, "a warning does not fail: {json:#}");
    let differs = served(&json);
    assert_eq!(differs.1, "warning", "{differs:?}");
    assert!(
        differs
            .2
            .starts_with("the server presents a different certificate than dd/server-cert.pem"),
        "{differs:?}"
    );
    assert!(differs.3.contains("FLUSH SSL"), "{differs:?}");
    let (code, _) = doctor(&t, "dd", &["--server", &url, "--fail-on", "warning"]);
    assert_eq!(code, 1);
    // The text report says it too.
    let text = stdout(&run(t.dbtls().args([
        "doctor",
        "-d",
        "dd",
        "--host",
        "127.0.0.1",
        "--server",
        &url,
    ])));
    assert!(
        text.contains("the server presents a different certificate than")
            && text.contains("fix: reload it with FLUSH SSL (MariaDB 10.4+)"),
        "{text}"
    );

    // Reloaded: the warning is gone.
    server.root_sql("FLUSH SSL");
    let (code, json) = doctor(&t, "dd", &["--server", &url]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(served(&json).1, "ok", "{json:#}");

    // --server alone: only the live checks, the chain and its expiry (no CA to verify with).
    let out = run(t
        .dbtls()
        .args(["doctor", "--server", &url, "--format", "json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<_> = checks_of(&json, &url)
        .iter()
        .map(|c| (c.0.clone(), c.1.clone()))
        .collect();
    assert_eq!(json["files"].as_array().unwrap().len(), 0, "{json:#}");
    assert_eq!(
        kinds,
        [
            ("server-tls".to_string(), "ok".to_string()),
            ("server-chain".into(), "note".into()),
            ("server-expiry".into(), "ok".into()),
        ],
        "{json:#}"
    );
    drop(server);

    // Nothing listening, and a listener that never answers: one error check each, no hang.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("mysql://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let dead_url = format!("mysql://127.0.0.1:{}", crate::util::free_port());
    let started = std::time::Instant::now();
    let (code, json) = doctor(
        &t,
        "dd",
        &[
            "--server",
            &dead_url,
            "--server",
            &silent_url,
            "--timeout",
            "2",
        ],
    );
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert_eq!(code, 1, "{json:#}");
    for (url, why) in [
        (&dead_url, "cannot connect"),
        (&silent_url, "no MySQL greeting within the timeout"),
    ] {
        let c = checks_of(&json, url);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!((c[0].0.as_str(), c[0].1.as_str()), ("server-tls", "error"));
        assert!(c[0].2.contains(why) && !c[0].2.contains('\n'), "{c:?}");
    }
    assert_eq!(errors(&json).len(), 2, "{json:#}");
}
