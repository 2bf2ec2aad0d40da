//! `dbtls rotate`: a setup datadir's CA replaced in three phases under a real MariaDB that only
//! runs `FLUSH SSL`, with clients holding the old CA, the bundle and the new CA connecting
//! exactly where the plan says; and the phases' refusals, idempotence and files.

use std::collections::BTreeMap;
use std::process::Output;

use crate::util::mariadb::{MariaDb, assert_access_denied};
use crate::util::{Chain, TestDir, listing, mode, run, stderr, stdout};

/// Every file of a directory and its bytes (to prove a refusal or a no-op changed nothing).
fn snapshot(t: &TestDir, dir: &str) -> BTreeMap<String, Vec<u8>> {
    listing(&t.join(dir))
        .into_iter()
        .map(|name| {
            let bytes = t.read_bytes(&format!("{dir}/{name}"));
            (name, bytes)
        })
        .collect()
}

/// `mariadb -u USER --ssl-ca=CA --ssl-verify-server-cert [--ssl-cert --ssl-key] -e SQL`.
fn client(
    server: &MariaDb,
    t: &TestDir,
    user: &str,
    ca: &str,
    cert_key: Option<(&str, &str)>,
) -> Output {
    let mut cmd = server.client();
    cmd.args(["-u", user])
        .arg(format!("--ssl-ca={}", t.join(ca).display()))
        .arg("--ssl-verify-server-cert");
    if let Some((cert, key)) = cert_key {
        cmd.arg(format!("--ssl-cert={}", t.join(cert).display()))
            .arg(format!("--ssl-key={}", t.join(key).display()));
    }
    run(cmd.args(["-e", "SELECT CURRENT_USER()"]))
}

/// Whether a client trusting `ca` verifies the server (and logs in as `plain`).
fn verifies_server(server: &MariaDb, t: &TestDir, ca: &str) -> bool {
    client(server, t, "plain", ca, None).status.success()
}

/// `openssl verify -CAfile CA [-untrusted CERT] CERT` succeeds.
fn openssl_accepts(t: &TestDir, ca: &str, cert: &str, untrusted: bool) -> bool {
    let chain = if untrusted {
        Chain::via(ca, cert)
    } else {
        Chain::root(ca)
    };
    t.openssl_verify(&chain, None, &[cert]).status.success()
}

/// Runs `dbtls rotate PHASE -d dd EXTRA`, which must succeed; returns (stdout, stderr).
fn rotate(t: &TestDir, phase: &str, extra: &[&str]) -> (String, String) {
    let mut args = vec!["rotate", phase, "-d", "dd"];
    args.extend(extra);
    let out = t.dbtls_run(&args);
    assert!(
        out.status.success(),
        "rotate {phase} failed:\n{}",
        stderr(&out)
    );
    (stdout(&out), stderr(&out))
}

fn status_json(t: &TestDir) -> serde_json::Value {
    let out = t.dbtls_ok(&["rotate", "status", "-d", "dd", "--format", "json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Who signed `file` #1, per `rotate status --format json`.
fn signer(status: &serde_json::Value, file: &str) -> String {
    status["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["file"] == file && c["index"] == 1)
        .unwrap_or_else(|| panic!("{file} not in {status}"))["signed_by"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The server's SANs as openssl prints them.
fn sans(t: &TestDir, cert: &str) -> String {
    let text = t.x509_text(t.join(cert));
    let mut lines = text.lines();
    lines
        .find(|l| l.contains("Subject Alternative Name"))
        .and_then(|_| lines.next())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The plan, one row per phase: which clients verify the server after the phase and `FLUSH
/// SSL`, and whether the server still accepts a client certificate of the old CA.
struct Row {
    phase: &'static str,
    old_ca: bool,
    bundle: bool,
    new_ca: bool,
    old_client_cert: bool,
}

const fn row(phase: &'static str, old_ca: bool, new_ca: bool, old_client_cert: bool) -> Row {
    // A client holding the bundle (old + new) verifies the server at every phase.
    Row {
        phase,
        old_ca,
        bundle: true,
        new_ca,
        old_client_cert,
    }
}

/// Without a cross certificate, a client that holds only the old CA stops verifying the server
/// at `switch` (the server presents the new CA's certificate); the old CA's client certificates
/// are refused only at `finish` (ca.pem, the server's ssl_ca, drops the old CA).
const PLAN: [Row; 3] = [
    row("start", true, false, true),
    row("switch", false, true, true),
    row("finish", false, true, false),
];

/// With `--cross-sign`, the server sends the cross certificate after `switch`, so an old-CA
/// client keeps verifying it until `finish` removes the cross certificate.
const CROSS_PLAN: [Row; 3] = [
    row("start", true, false, true),
    row("switch", true, true, true),
    row("finish", false, true, false),
];

/// Checks one row of a plan against the running server.
fn check_row(server: &MariaDb, t: &TestDir, r: &Row) {
    let seen = (
        verifies_server(server, t, "old-ca.pem"),
        verifies_server(server, t, "bundle.pem"),
        verifies_server(server, t, "bundle-new-first.pem"),
        verifies_server(server, t, "new-ca.pem"),
    );
    assert_eq!(
        seen,
        (r.old_ca, r.bundle, r.bundle, r.new_ca),
        "after {}: (old CA, bundle, bundle new first, new CA)\n{}",
        r.phase,
        server.error_log()
    );
    let old_cert = client(
        server,
        t,
        "x509",
        "bundle.pem",
        Some(("old-client-cert.pem", "dd/client-key.pem")),
    );
    assert_eq!(
        old_cert.status.success(),
        r.old_client_cert,
        "after {}: old client certificate: {}",
        r.phase,
        stderr(&old_cert)
    );
}

/// Starts the server on the datadir's files and creates `plain`, `x509` (REQUIRE X509) and
/// `subj` (REQUIRE SUBJECT ... AND ISSUER ... from `dbtls inspect --sql`).
fn server_with_users(t: &TestDir) -> MariaDb {
    let server = MariaDb::start(
        &t.join("dd/ca.pem"),
        &t.join("dd/server-cert.pem"),
        &t.join("dd/server-key.pem"),
    );
    let sql = t.dbtls_ok(&[
        "inspect",
        "--sql",
        "--user",
        "subj",
        "--host",
        "%",
        "dd/client-cert.pem",
    ]);
    assert!(sql.contains("AND ISSUER"), "{sql}");
    server.root_sql(
        "CREATE USER 'plain'@'%'; CREATE USER 'x509'@'%' REQUIRE X509; CREATE USER 'subj'@'%';",
    );
    server.root_sql(&sql);
    server
}

/// Copies what the clients of the test hold: the old CA, the bundle in both orders, the new CA.
fn keep_client_files(t: &TestDir) {
    let bundle = t.read("dd/ca.pem");
    let old = t.read("old-ca.pem");
    let new = t.read("dd/ca-next.pem");
    assert_eq!(bundle, format!("{old}{new}"), "ca.pem is old, then new");
    t.write("bundle.pem", &bundle);
    t.write("bundle-new-first.pem", format!("{new}{old}"));
    t.write("new-ca.pem", &new);
}

fn subj_logs_in(server: &MariaDb, t: &TestDir) -> Output {
    client(
        server,
        t,
        "subj",
        "bundle.pem",
        Some(("dd/client-cert.pem", "dd/client-key.pem")),
    )
}

#[test]
fn a_real_mariadb_goes_through_start_switch_finish_with_flush_ssl_only() {
    let t = TestDir::new();
    t.setup_datadir("dd");
    t.write("old-ca.pem", t.read("dd/ca.pem"));
    t.write("old-client-cert.pem", t.read("dd/client-cert.pem"));
    let server_before = t.read_bytes("dd/server-cert.pem");
    let san_before = sans(&t, "dd/server-cert.pem");
    let server = server_with_users(&t);
    let pid = server.pid();
    assert!(verifies_server(&server, &t, "old-ca.pem"));

    for (i, r) in PLAN.iter().enumerate() {
        let (out, err) = rotate(&t, r.phase, &[]);
        assert!(
            out.contains(&format!("rotate {}: done in", r.phase)),
            "{out}"
        );
        assert!(out.contains("FLUSH SSL") && out.contains("ALTER INSTANCE RELOAD TLS"));
        assert!(
            !out.contains("CA name change") && !err.contains("differs"),
            "{out}{err}"
        );
        if i == 0 {
            keep_client_files(&t);
        }
        server.root_sql("FLUSH SSL");
        check_row(&server, &t, r);
        let out = subj_logs_in(&server, &t);
        assert!(
            out.status.success() && stdout(&out).contains("subj@%"),
            "after {}: REQUIRE SUBJECT AND ISSUER user: {}",
            r.phase,
            stderr(&out)
        );
        // Re-running the phase is a no-op that says so.
        let before = snapshot(&t, "dd");
        let (again, _) = rotate(&t, r.phase, &[]);
        assert!(again.contains("nothing changed"), "{again}");
        assert_eq!(
            snapshot(&t, "dd"),
            before,
            "re-running {} changed files",
            r.phase
        );
    }
    assert_eq!(server.pid(), pid, "the server was never restarted");

    // The certificates kept their subjects, SANs and keys; the serial changed.
    assert_ne!(t.read_bytes("dd/server-cert.pem"), server_before);
    assert_eq!(sans(&t, "dd/server-cert.pem"), san_before);
    for (cert, old) in [
        ("dd/client-cert.pem", "old-client-cert.pem"),
        ("dd/server-cert.pem", "old-client-cert.pem"),
    ] {
        assert_eq!(
            t.x509_field(t.join(cert), "issuer"),
            t.x509_field(t.join(old), "issuer"),
            "same issuer name (the same CA subject)"
        );
    }
    assert_eq!(
        t.x509_field(t.join("dd/client-cert.pem"), "subject"),
        t.x509_field(t.join("old-client-cert.pem"), "subject")
    );
    assert_eq!(
        t.cert_pubkey(t.join("dd/client-cert.pem")),
        t.key_pubkey(t.join("dd/client-key.pem"), None)
    );
    assert_eq!(
        t.cert_pubkey(t.join("dd/server-cert.pem")),
        t.key_pubkey(t.join("dd/server-key.pem"), None)
    );
    // finish: ca.pem is the new CA, ca-key.pem its key; the old pair is kept for rollback.
    assert_eq!(t.read("dd/ca.pem"), t.read("new-ca.pem"));
    assert_eq!(t.read("dd/ca-prev.pem"), t.read("old-ca.pem"));
    assert_eq!(
        t.key_pubkey(t.join("dd/ca-key.pem"), None),
        t.cert_pubkey(t.join("new-ca.pem"))
    );
    assert_eq!(
        t.key_pubkey(t.join("dd/ca-prev-key.pem"), None),
        t.cert_pubkey(t.join("old-ca.pem"))
    );
    for key in ["dd/ca-key.pem", "dd/ca-prev-key.pem"] {
        assert_eq!(mode(&t.join(key)), 0o600, "{key}");
    }
    assert_eq!(mode(&t.join("dd/ca-prev.pem")), 0o644);
    for gone in [
        "dd/ca-next.pem",
        "dd/ca-next-key.pem",
        "dd/ca-next-cross.pem",
    ] {
        assert!(!t.join(gone).exists(), "{gone} left behind");
    }
}

#[test]
fn cross_signed_rotation_to_a_new_ca_name_keeps_old_clients_and_prints_the_sql() {
    let t = TestDir::new();
    t.dbtls_ok(&["setup", "-d", "dd", "--passout", "pass:old-pw"]);
    t.write("old-ca.pem", t.read("dd/ca.pem"));
    t.write("old-client-cert.pem", t.read("dd/client-cert.pem"));
    let server = server_with_users(&t);
    let old_issuer = t.dbtls_ok(&["inspect", "--field", "issuer", "dd/client-cert.pem"]);
    let old_issuer = old_issuer.trim_end();
    let new_issuer = "/O=Example, Inc./CN=Example DB CA 2";

    let start = [
        "--cross-sign",
        "--subject",
        new_issuer,
        "--passin",
        "pass:old-pw",
        "--passout",
        "pass:new-pw",
    ];
    let switch = ["--passin", "pass:new-pw"];
    for (i, r) in CROSS_PLAN.iter().enumerate() {
        let extra: &[&str] = match i {
            0 => &start,
            1 => &switch,
            _ => &[],
        };
        let (out, err) = rotate(&t, r.phase, extra);
        // Every step names the issuer change, with the statements and the warning.
        assert!(
            err.contains(&format!("accounts with REQUIRE ISSUER '{old_issuer}' fail")),
            "{err}"
        );
        let find = format!(
            "SELECT user, host, x509_subject FROM mysql.user WHERE x509_issuer = '{old_issuer}';"
        );
        assert!(out.contains(&find), "{out}");
        let alter = out
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("ALTER USER 'USER'@'HOST' REQUIRE SUBJECT '/"))
            .unwrap_or_else(|| panic!("no ALTER USER for client-cert.pem:\n{out}"))
            .to_string();
        assert!(
            alter.ends_with(&format!("AND ISSUER '{new_issuer}';")),
            "{alter}"
        );
        if i == 0 {
            keep_client_files(&t);
            assert!(t.join("dd/ca-next-cross.pem").exists());
            // The new key is encrypted with the new password.
            t.assert_openssl_opens("dd/ca-next-key.pem", "pass:new-pw");
            assert_eq!(mode(&t.join("dd/ca-next-key.pem")), 0o600);
        }
        server.root_sql("FLUSH SSL");
        check_row(&server, &t, r);
        let login = subj_logs_in(&server, &t);
        if i == 1 {
            // The new client certificate names the new issuer: refused until the printed
            // statement is run, which the printed query finds the account for.
            assert_access_denied(&login, "subj with the new issuer before ALTER USER");
            let found = server.root_sql(&find);
            assert!(found.contains("subj"), "{found}");
            server.root_sql(&alter.replace("'USER'@'HOST'", "'subj'@'%'"));
        }
        let login = subj_logs_in(&server, &t);
        assert!(
            login.status.success(),
            "after {}: subj: {}",
            r.phase,
            stderr(&login)
        );
        if i == 1 {
            // openssl agrees: the old CA alone verifies the server through the cross certificate.
            assert!(openssl_accepts(
                &t,
                "old-ca.pem",
                "dd/server-cert.pem",
                true
            ));
            assert!(!openssl_accepts(
                &t,
                "old-ca.pem",
                "dd/server-cert.pem",
                false
            ));
        }
    }
    assert_eq!(
        listing(&t.join("dd"))
            .iter()
            .filter(|n| n.contains("cross"))
            .count(),
        0
    );
    let leaf_only = t.read("dd/server-cert.pem");
    assert_eq!(leaf_only.matches("BEGIN CERTIFICATE").count(), 1);
    // Keys are moved byte for byte: the new CA key keeps its password, the old its own.
    t.assert_openssl_opens("dd/ca-key.pem", "pass:new-pw");
    t.assert_openssl_opens("dd/ca-prev-key.pem", "pass:old-pw");
}

#[test]
fn phases_are_refused_out_of_order_and_status_says_who_signed_what() {
    let t = TestDir::new();
    t.setup_datadir("dd");
    t.write("old-ca.pem", t.read("dd/ca.pem"));
    let status = status_json(&t);
    assert_eq!(status["phase"], "idle");
    assert_eq!(signer(&status, "server-cert.pem"), "current CA (ca.pem)");
    let text = t.dbtls_ok(&["rotate", "status", "-d", "dd"]);
    assert!(
        text.contains("Phase: idle") && text.contains("rotate start -d"),
        "{text}"
    );

    let idle = snapshot(&t, "dd");
    let err = t.dbtls_fails(&["rotate", "switch", "-d", "dd"]);
    assert!(
        err.contains("no rotation in progress") && err.contains("rotate start` first"),
        "{err}"
    );
    let err = t.dbtls_fails(&["rotate", "finish", "-d", "dd"]);
    assert!(err.contains("no rotation in progress"), "{err}");
    assert_eq!(snapshot(&t, "dd"), idle, "a refusal wrote something");

    // As root, the files written get ca.pem's owner (a datadir owned by mysql stays so).
    let root = nix::unistd::geteuid().is_root();
    let owner = if root {
        65534
    } else {
        nix::unistd::geteuid().as_raw()
    };
    if root {
        for name in listing(&t.join("dd")) {
            std::os::unix::fs::chown(t.join(&format!("dd/{name}")), Some(owner), Some(owner))
                .unwrap();
        }
    }
    rotate(&t, "start", &["--key-type", "ecdsa-p256", "--days", "400"]);
    assert_eq!(mode(&t.join("dd/ca-next-key.pem")), 0o600);
    for name in ["dd/ca-next-key.pem", "dd/ca-next.pem", "dd/ca.pem"] {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(t.join(name)).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (owner, owner), "{name}");
    }
    assert!(t.pkey_text(t.join("dd/ca-next-key.pem")).contains("P-256"));
    let status = status_json(&t);
    assert_eq!(status["phase"], "started");
    assert_eq!(signer(&status, "server-cert.pem"), "old CA (ca.pem #1)");
    assert_eq!(signer(&status, "ca-next.pem"), "itself (self-signed)");
    // Both chains verify against the bundle: same name, told apart by the key identifiers.
    for cert in ["dd/server-cert.pem", "dd/client-cert.pem"] {
        assert!(openssl_accepts(&t, "dd/ca.pem", cert, false));
        assert!(!openssl_accepts(&t, "dd/ca-next.pem", cert, false));
    }
    let started = snapshot(&t, "dd");
    let err = t.dbtls_fails(&["rotate", "finish", "-d", "dd"]);
    assert!(err.contains("run `dbtls rotate switch` first"), "{err}");
    assert_eq!(snapshot(&t, "dd"), started);

    rotate(&t, "switch", &["--days", "30"]);
    let status = status_json(&t);
    assert_eq!(status["phase"], "switched");
    for file in ["server-cert.pem", "client-cert.pem"] {
        assert_eq!(signer(&status, file), "new CA (ca-next.pem)");
        assert!(openssl_accepts(
            &t,
            "dd/ca.pem",
            &format!("dd/{file}"),
            false
        ));
        assert!(openssl_accepts(
            &t,
            "dd/ca-next.pem",
            &format!("dd/{file}"),
            false
        ));
        assert!(!openssl_accepts(
            &t,
            "old-ca.pem",
            &format!("dd/{file}"),
            false
        ));
    }
    // The new leaves' AKI is the new CA's SKI.
    let certs = status["certificates"].as_array().unwrap();
    let field =
        |file: &str, key: &str| certs.iter().find(|c| c["file"] == file).unwrap()[key].clone();
    assert_eq!(
        field("server-cert.pem", "akid"),
        field("ca-next.pem", "skid")
    );
    assert_ne!(field("ca-next.pem", "skid"), field("ca.pem", "skid"));
    let dates = t.x509_field(t.join("dd/server-cert.pem"), "enddate");
    assert!(!dates.contains("2036"), "--days 30: {dates}");

    rotate(&t, "finish", &[]);
    let status = status_json(&t);
    assert_eq!(status["phase"], "finished");
    assert_eq!(signer(&status, "client-cert.pem"), "current CA (ca.pem)");
    assert_eq!(signer(&status, "ca-prev.pem"), "itself (self-signed)");
    assert!(openssl_accepts(
        &t,
        "dd/ca.pem",
        "dd/server-cert.pem",
        false
    ));
    let finished = snapshot(&t, "dd");
    let err = t.dbtls_fails(&["rotate", "switch", "-d", "dd"]);
    assert!(err.contains("the last one is finished"), "{err}");
    assert_eq!(snapshot(&t, "dd"), finished);

    // A second rotation keeps the first one's ca-prev pair under backup names.
    rotate(&t, "start", &[]);
    rotate(&t, "switch", &[]);
    let (out, _) = rotate(&t, "finish", &[]);
    assert!(out.contains("ca-prev.pem as ca-prev.pem.bak-"), "{out}");
    let backups: Vec<String> = listing(&t.join("dd"))
        .into_iter()
        .filter(|n| n.contains(".bak-"))
        .collect();
    assert_eq!(backups.len(), 2, "{backups:?}");
    let key_backup = backups
        .iter()
        .find(|n| n.starts_with("ca-prev-key"))
        .unwrap();
    assert_eq!(mode(&t.join(&format!("dd/{key_backup}"))), 0o600);
}

#[test]
fn inconsistent_files_and_wrong_passwords_change_nothing() {
    let t = TestDir::new();
    t.dbtls_ok(&["setup", "-d", "dd", "--passout", "pass:pw"]);
    // An encrypted CA key is not followed by a plain one: start needs --passout (no terminal).
    let err = t.dbtls_fails(&["rotate", "start", "-d", "dd"]);
    assert!(err.contains("--passout"), "{err}");
    let err = t.dbtls_fails(&[
        "rotate",
        "start",
        "-d",
        "dd",
        "--cross-sign",
        "--passin",
        "pass:wrong",
        "--passout",
        "pass:x",
    ]);
    assert!(err.contains("ca-key.pem"), "{err}");
    rotate(&t, "start", &["--passout", "pass:new"]);
    let started = snapshot(&t, "dd");
    let err = t.dbtls_fails(&["rotate", "switch", "-d", "dd", "--passin", "pass:wrong"]);
    assert!(err.contains("ca-next-key.pem"), "{err}");
    assert_eq!(snapshot(&t, "dd"), started);
    // ca.pem edited by hand during a rotation: refused, with the file named.
    t.write("dd/ca.pem", t.read("dd/ca-next.pem"));
    let err = t.dbtls_fails(&["rotate", "status", "-d", "dd"]);
    assert!(
        err.contains("ca.pem: should hold the old CA and then ca-next.pem"),
        "{err}"
    );
    std::fs::remove_file(t.join("dd/ca-next.pem")).unwrap();
    let err = t.dbtls_fails(&["rotate", "switch", "-d", "dd", "--passin", "pass:new"]);
    assert!(
        err.contains("ca-next-key.pem: exists without ca-next.pem"),
        "{err}"
    );
}
