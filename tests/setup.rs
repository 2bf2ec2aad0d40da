//! `dbtls setup`: the eight files, their modes and contents, checked with openssl.

use std::fs;
use std::process::Command;

use crate::util::{Chain, TestDir, fails, listing, mode, ok, openssl, run, stdout};

const EIGHT: [&str; 8] = [
    "ca-key.pem",
    "ca.pem",
    "client-cert.pem",
    "client-key.pem",
    "private_key.pem",
    "public_key.pem",
    "server-cert.pem",
    "server-key.pem",
];

/// What `openssl verify` trusts for the files of a setup datadir `d`.
const SETUP_CA: Chain = Chain::root("d/ca.pem");

#[test]
fn writes_exactly_eight_files_with_exact_modes_whatever_the_umask() {
    for umask in ["000", "077"] {
        let t = TestDir::new();
        let bin = env!("CARGO_BIN_EXE_dbtls");
        let out = ok(Command::new("sh").current_dir(t.path()).args([
            "-c",
            &format!("umask {umask}; exec \"$0\" setup"),
            bin,
        ]));
        // The default directory is ./out, created when missing.
        let dir = t.join("out");
        assert_eq!(listing(&dir), EIGHT, "umask {umask}");
        for name in EIGHT {
            let want = if name.contains("key") && name != "public_key.pem" {
                0o600
            } else {
                0o644
            };
            assert_eq!(mode(&dir.join(name)), want, "{name} under umask {umask}");
        }
        assert!(
            out.contains("expires"),
            "summary should say when certificates expire: {out}"
        );
        assert!(
            out.contains("ssl_ca="),
            "summary should give the next step: {out}"
        );
    }
}

#[test]
fn openssl_verifies_the_chain_and_sees_mysql_subjects() {
    let t = TestDir::new();
    ok(t.dbtls()
        .args(["setup", "--datadir", "d", "--suffix", "T_1"]));
    let d = t.join("d");
    let both = ["d/server-cert.pem", "d/client-cert.pem"];
    let verified = t.openssl_verify_ok(&SETUP_CA, None, &both);
    assert_eq!(verified.matches(": OK").count(), 2, "{verified}");
    let ca = "/CN=MySQL_Server_T_1_Auto_Generated_CA_Certificate";
    assert_eq!(
        t.subject_issuer(d.join("ca.pem")),
        format!("subject={ca}\nissuer={ca}\n")
    );
    assert_eq!(
        t.subject_issuer(d.join("server-cert.pem")),
        format!("subject=/CN=MySQL_Server_T_1_Auto_Generated_Server_Certificate\nissuer={ca}\n")
    );
    assert_eq!(
        t.subject_issuer(d.join("client-cert.pem")),
        format!("subject=/CN=MySQL_Server_T_1_Auto_Generated_Client_Certificate\nissuer={ca}\n")
    );
    // Purposes: the server certificate is a TLS server, the client certificate a TLS client.
    t.openssl_verify_ok(&SETUP_CA, Some("sslserver"), &["d/server-cert.pem"]);
    t.openssl_verify_ok(&SETUP_CA, Some("sslclient"), &["d/client-cert.pem"]);
    let bad = t.openssl_verify(&SETUP_CA, Some("sslserver"), &["d/client-cert.pem"]);
    assert!(
        !bad.status.success() && !stdout(&bad).contains(": OK"),
        "a client certificate must not pass as a server"
    );
}

#[test]
fn profile_extensions_and_sans() {
    let t = TestDir::new();
    ok(t.dbtls().args([
        "setup",
        "--datadir",
        "d",
        "--san",
        "db.example.com",
        "--san",
        "10.1.2.3",
        "--san",
        "fd00::5",
    ]));
    let text = |f: &str| {
        ok(openssl()
            .args(["x509", "-noout", "-text", "-in"])
            .arg(t.join("d").join(f)))
    };
    let ca = text("ca.pem");
    assert!(
        ca.contains("X509v3 Basic Constraints: critical\n                CA:TRUE"),
        "{ca}"
    );
    assert!(ca.contains("Certificate Sign, CRL Sign"), "{ca}");
    assert!(ca.contains("Subject Key Identifier"), "{ca}");
    assert!(ca.contains("Version: 3"), "{ca}");
    let server = text("server-cert.pem");
    assert!(server.contains("CA:FALSE"), "{server}");
    assert!(
        server.contains("Digital Signature, Key Encipherment"),
        "{server}"
    );
    assert!(server.contains("TLS Web Server Authentication"), "{server}");
    for san in [
        "DNS:localhost",
        "IP Address:127.0.0.1",
        "IP Address:0:0:0:0:0:0:0:1",
        "DNS:db.example.com",
        "IP Address:10.1.2.3",
        "IP Address:FD00:0:0:0:0:0:0:5",
    ] {
        assert!(server.contains(san), "missing {san}: {server}");
    }
    assert!(server.contains("Authority Key Identifier"), "{server}");
    assert!(server.contains("sha256WithRSAEncryption"), "{server}");
    let client = text("client-cert.pem");
    assert!(client.contains("TLS Web Client Authentication"), "{client}");
    assert!(!client.contains("Subject Alternative Name"), "{client}");
    assert!(
        !client.contains("TLS Web Server Authentication"),
        "{client}"
    );
}

#[test]
fn key_types_and_sizes_as_openssl_sees_them() {
    let cases = [
        ("rsa2048", "Private-Key: (2048 bit"),
        ("rsa3072", "Private-Key: (3072 bit"),
        ("ecdsa-p256", "prime256v1"),
        ("ecdsa-p384", "secp384r1"),
        ("ed25519", "ED25519 Private-Key"),
    ];
    for (kind, expect) in cases {
        let t = TestDir::new();
        ok(t.dbtls()
            .args(["setup", "--datadir", "d", "--key-type", kind]));
        let d = t.join("d");
        for key in ["ca-key.pem", "server-key.pem", "client-key.pem"] {
            let pem = fs::read_to_string(d.join(key)).unwrap();
            assert!(
                pem.starts_with("-----BEGIN PRIVATE KEY-----"),
                "{kind} {key} is not PKCS#8"
            );
            let shown = t.pkey_text(d.join(key));
            assert!(shown.contains(expect), "{kind} {key}: {shown}");
        }
        // The auth-plugin pair is RSA whatever --key-type says.
        let rsa = t.pkey_text(d.join("private_key.pem"));
        assert!(rsa.contains("Private-Key: (2048 bit"), "{rsa}");
        let public = fs::read_to_string(d.join("public_key.pem")).unwrap();
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
        let from_private = t.key_pubkey(d.join("private_key.pem"), None);
        assert_eq!(
            from_private, public,
            "public_key.pem must match private_key.pem"
        );
        t.openssl_verify_ok(&SETUP_CA, None, &["d/server-cert.pem"]);
    }
    let t = TestDir::new();
    ok(t.dbtls().args(["setup", "--datadir", "d"]));
    let rsa = t.pkey_text("d/server-key.pem");
    assert!(
        rsa.contains("Private-Key: (2048 bit") && rsa.contains("publicExponent: 65537"),
        "{rsa}"
    );
}

/// `dbtls setup --datadir d` over a `d/` holding only `present` ("keep me"); returns stdout.
fn setup_over(t: &TestDir, present: &str) -> String {
    fs::create_dir(t.join("d")).unwrap();
    t.write(&format!("d/{present}"), "keep me");
    t.setup_datadir("d")
}

#[test]
fn each_cert_file_alone_skips_the_certificate_part() {
    for present in ["ca.pem", "server-cert.pem", "server-key.pem"] {
        let t = TestDir::new();
        let out = setup_over(&t, present);
        assert!(
            out.contains("Certificate files are present in given dir. Skipping generation."),
            "{out}"
        );
        assert!(
            out.contains(present),
            "the skip should name {present}: {out}"
        );
        assert_eq!(t.read(&format!("d/{present}")), "keep me");
        // The RSA part is independent and still runs.
        assert_eq!(listing(&t.join("d")), {
            let mut v = vec![
                present.to_string(),
                "private_key.pem".into(),
                "public_key.pem".into(),
            ];
            v.sort();
            v
        });
    }
}

#[test]
fn each_rsa_file_alone_skips_the_rsa_part() {
    for present in ["private_key.pem", "public_key.pem"] {
        let t = TestDir::new();
        let out = setup_over(&t, present);
        assert!(
            out.contains("RSA key files are present in given dir. Skipping generation."),
            "{out}"
        );
        assert_eq!(t.read(&format!("d/{present}")), "keep me");
        assert_eq!(
            listing(&t.join("d")).len(),
            7,
            "six certificate files plus {present}"
        );
    }
}

#[test]
fn second_run_skips_and_force_regenerates_all_eight() {
    let t = TestDir::new();
    ok(t.dbtls().args(["setup", "--datadir", "d"]));
    let d = t.join("d");
    let before: Vec<Vec<u8>> = EIGHT.iter().map(|f| fs::read(d.join(f)).unwrap()).collect();
    let out = ok(t.dbtls().args(["setup", "--datadir", "d"]));
    assert!(
        out.contains("Certificate files are present") && out.contains("RSA key files are present"),
        "{out}"
    );
    let same: Vec<Vec<u8>> = EIGHT.iter().map(|f| fs::read(d.join(f)).unwrap()).collect();
    assert_eq!(before, same, "a skipped run must not touch anything");
    let old_serial = t.x509_field(d.join("server-cert.pem"), "serial");
    ok(t.dbtls().args(["setup", "--datadir", "d", "--force"]));
    for (f, old) in EIGHT.iter().zip(&before) {
        assert_ne!(
            &fs::read(d.join(f)).unwrap(),
            old,
            "{f} should be regenerated by --force"
        );
    }
    assert_eq!(listing(&d), EIGHT, "no temporaries or backups left");
    assert_ne!(
        t.x509_field(d.join("server-cert.pem"), "serial"),
        old_serial
    );
}

#[test]
fn serials_are_random_and_at_least_64_bits() {
    let t = TestDir::new();
    ok(t.dbtls().args(["setup", "--datadir", "d"]));
    let mut seen = std::collections::HashSet::new();
    for f in ["ca.pem", "server-cert.pem", "client-cert.pem"] {
        let s = t.x509_field(t.join("d").join(f), "serial");
        let hex = s.trim().trim_start_matches("serial=");
        assert!(hex.len() >= 16, "serial {hex} has fewer than 64 bits");
        assert!(seen.insert(hex.to_string()), "serial reused");
    }
}

#[test]
fn validity_follows_days_and_is_backdated() {
    let t = TestDir::new();
    ok(t.dbtls().args(["setup", "--datadir", "d", "--days", "30"]));
    let ca = t.join("d/ca.pem");
    // Valid now (backdated start), still valid in 29 days, expired in 31.
    ok(openssl()
        .args([
            "x509",
            "-noout",
            "-checkend",
            &(29 * 86400).to_string(),
            "-in",
        ])
        .arg(&ca));
    let out = run(openssl()
        .args([
            "x509",
            "-noout",
            "-checkend",
            &(31 * 86400).to_string(),
            "-in",
        ])
        .arg(&ca));
    assert!(!out.status.success(), "should expire within 31 days");
}

#[test]
fn a_directory_it_cannot_write_is_left_as_it_was() {
    let t = TestDir::new();
    let d = t.join("ro");
    fs::create_dir(&d).unwrap();
    fs::write(d.join("unrelated.txt"), "x").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&d, fs::Permissions::from_mode(0o555)).unwrap();
    fs::set_permissions(t.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = if nix::unistd::geteuid().is_root() {
        // root ignores directory permissions: run as nobody, as a DBA without rights would.
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            env!("CARGO_BIN_EXE_dbtls"),
        ]);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_dbtls"))
    };
    cmd.args(["setup", "--datadir"]).arg(&d);
    let err = fails(&mut cmd);
    assert_eq!(err.lines().count(), 1, "one error line: {err}");
    assert!(
        err.starts_with("dbtls: error: ")
            && err.contains("permission denied")
            && err.contains(&d.display().to_string()),
        "{err}"
    );
    assert_eq!(listing(&d), ["unrelated.txt"]);
}

#[test]
fn a_name_clash_fails_before_anything_is_written() {
    let t = TestDir::new();
    let d = t.join("d");
    fs::create_dir_all(d.join("client-key.pem")).unwrap();
    let err = fails(t.dbtls().args(["setup", "--datadir", "d"]));
    assert!(
        err.contains("client-key.pem") && err.contains("is a directory"),
        "{err}"
    );
    assert_eq!(listing(&d), ["client-key.pem"]);
}

#[test]
fn uid_gives_the_files_to_that_user_as_root() {
    let t = TestDir::new();
    let out = run(t
        .dbtls()
        .args(["setup", "--datadir", "d", "--uid", "nobody"]));
    assert!(out.status.success());
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(t.join("d/server-key.pem")).unwrap();
    if nix::unistd::geteuid().is_root() {
        let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
        assert_eq!(meta.uid(), nobody.uid.as_raw());
        assert_eq!(meta.gid(), nobody.gid.as_raw());
        let err = fails(
            t.dbtls()
                .args(["setup", "--datadir", "e", "--uid", "no_such_user_here"]),
        );
        assert!(err.contains("Error fetching user information"), "{err}");
        assert!(!t.join("e/ca.pem").exists());
    } else {
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("only root"),
            "non-root --uid should warn"
        );
    }
}

#[test]
fn bad_input_is_one_clear_line_and_nothing_written() {
    let t = TestDir::new();
    let err = fails(
        t.dbtls()
            .args(["setup", "--datadir", "d", "--suffix", "bad.suffix"]),
    );
    assert!(err.contains("Invalid string for --suffix"), "{err}");
    let err = fails(
        t.dbtls()
            .args(["setup", "--datadir", "d", "--san", "not a name"]),
    );
    assert!(err.contains("not a name"), "{err}");
    assert!(!t.join("d").exists(), "nothing may be created on bad input");
    let usage = run(t.dbtls().args(["setup", "--key-type", "rsa1024"]));
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn config_prints_absolute_paths_for_each_server() {
    let t = TestDir::new();
    ok(t.dbtls().args(["setup", "--datadir", "d"]));
    let abs = fs::canonicalize(t.join("d")).unwrap();
    let mysql = ok(t.dbtls().args(["config", "mysql", "--datadir", "d"]));
    assert!(
        mysql.contains("[mysqld]") && mysql.contains(&format!("ssl_ca={}/ca.pem", abs.display())),
        "{mysql}"
    );
    assert!(mysql.contains("require_secure_transport=ON"));
    let mariadb = ok(t.dbtls().args(["config", "mariadb", "--datadir", "d"]));
    assert!(
        mariadb.contains("[mariadb]") && mariadb.contains("ssl-verify-server-cert"),
        "{mariadb}"
    );
    let tidb = ok(t.dbtls().args(["config", "tidb", "--datadir", "d"]));
    assert!(
        tidb.contains("[security]")
            && tidb.contains(&format!("ssl-key = \"{}/server-key.pem\"", abs.display())),
        "{tidb}"
    );
    let client = ok(t.dbtls().args(["config", "client", "--datadir", "d"]));
    assert!(
        client.contains("[client]")
            && client.contains("ssl-mode=VERIFY_IDENTITY")
            && client.contains("client-key.pem"),
        "{client}"
    );
}

/// A key left without ca.pem (a CA whose certificate was moved, or a half-cleaned datadir) used
/// to be replaced with only a warning: the CA key was lost.
#[test]
fn a_private_key_without_ca_pem_is_refused_and_force_replaces_it() {
    let t = TestDir::new();
    let d = t.join("d");
    fs::create_dir(&d).unwrap();
    let abs = fs::canonicalize(&d).unwrap();
    let keep = [
        ("ca-key.pem", "OLD CA KEY"),
        ("client-cert.pem", "OLD CLIENT CERT"),
        ("client-key.pem", "OLD CLIENT KEY"),
    ];
    for (name, bytes) in keep {
        fs::write(d.join(name), bytes).unwrap();
    }
    let err = fails(t.dbtls().args(["setup", "--datadir", "d"]));
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with(&format!(
            "dbtls: error: {}: exists without ca.pem; refusing to replace a private key",
            abs.join("ca-key.pem").display()
        )) && err.contains("client-key.pem too")
            && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        listing(&d),
        ["ca-key.pem", "client-cert.pem", "client-key.pem"],
        "nothing written"
    );
    for (name, bytes) in keep {
        assert_eq!(fs::read_to_string(d.join(name)).unwrap(), bytes, "{name}");
    }

    // client-key.pem alone is a private key too.
    fs::remove_file(d.join("ca-key.pem")).unwrap();
    let err = fails(t.dbtls().args(["setup", "--datadir", "d"]));
    assert!(
        err.starts_with(&format!(
            "dbtls: error: {}: exists without ca.pem",
            abs.join("client-key.pem").display()
        )),
        "{err}"
    );
    assert_eq!(listing(&d), ["client-cert.pem", "client-key.pem"]);

    // --force regenerates: a new CA key that matches the new ca.pem, and no backups left.
    fs::write(d.join("ca-key.pem"), "OLD CA KEY").unwrap();
    ok(t.dbtls().args(["setup", "--datadir", "d", "--force"]));
    assert_eq!(listing(&d), EIGHT);
    for (name, bytes) in keep {
        assert_ne!(fs::read_to_string(d.join(name)).unwrap(), bytes, "{name}");
    }
    assert_eq!(mode(&d.join("ca-key.pem")), 0o600);
    let key_pub = t.key_pubkey("d/ca-key.pem", None);
    let cert_pub = t.cert_pubkey("d/ca.pem");
    assert_eq!(key_pub, cert_pub, "ca-key.pem belongs to the new ca.pem");
}

/// A lone client-cert.pem (no key, no CA certificate) is unusable: it is replaced, and the
/// replacement is said.
#[test]
fn a_lone_client_cert_is_replaced_with_a_warning() {
    let t = TestDir::new();
    let d = t.join("d");
    fs::create_dir(&d).unwrap();
    fs::write(d.join("client-cert.pem"), "OLD CLIENT CERT").unwrap();
    let out = run(t.dbtls().args(["setup", "--datadir", "d"]));
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: replacing client-cert.pem"),
        "the replacement is said: {err}"
    );
    assert_eq!(listing(&d), EIGHT);
    t.openssl_verify_ok(&SETUP_CA, None, &["d/client-cert.pem"]);
}
