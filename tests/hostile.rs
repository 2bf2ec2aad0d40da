//! The hostile-input review's findings (issue 15 item 6), through the command line: each refusal
//! is one clear line that names what was refused.

use std::os::unix::fs::MetadataExt;

use crate::util::{TestDir, run, stderr};

fn ca(t: &TestDir) {
    t.dbtls_ok(&["setup", "--datadir", "d", "--key-type", "ecdsa-p256"]);
}

fn issue_server(t: &TestDir, subject: &str, sans: &[&str]) -> std::process::Output {
    let mut cmd = t.dbtls();
    cmd.args(["issue", "server", "--subject", subject])
        .args(["--ca", "d/ca.pem", "--ca-key", "d/ca-key.pem"])
        .args([
            "--key-type",
            "ecdsa-p256",
            "--out-cert",
            "s.pem",
            "--out-key",
            "s-key.pem",
        ]);
    for s in sans {
        cmd.args(["--san", s]);
    }
    run(cmd)
}

#[test]
fn names_that_openssl_or_a_client_would_misread_are_refused() {
    let t = TestDir::new();
    ca(&t);
    let cn65 = format!("/CN={}", "a".repeat(65));
    let cases: &[(&str, &[&str], &str)] = &[
        (&cn65, &["db.example.com"], "65"),
        ("/CN=db", &["256.1.1.1"], "looks like an IP address"),
        ("/CN=db", &["127.1"], "looks like an IP address"),
        ("/CN=db", &["0x7f.1"], "looks like an IP address"),
        ("/CN=db", &["*.com"], "at least two labels"),
        ("/CN=db", &["db.example.com", "email:a@"], "LOCAL@DOMAIN"),
        (
            "/CN=db",
            &["db.example.com", "uri:http://[::1"],
            "not closed",
        ),
        ("/CN=a\u{1b}[2Jb", &["db.example.com"], "U+001B"),
        ("/CN=\u{202e}lmth.exe", &["db.example.com"], "U+202E"),
    ];
    for (subject, sans, why) in cases {
        let out = issue_server(&t, subject, sans);
        assert_eq!(out.status.code(), Some(1), "{subject} {sans:?}: {out:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(why), "{subject} {sans:?}: {err}");
        assert!(!t.join("s.pem").exists());
    }
    // The 64-character CN, the IP written as an IP and a two-label wildcard are fine.
    let cn64 = format!("/CN={}", "a".repeat(64));
    let out = issue_server(&t, &cn64, &["127.0.0.1", "*.db.example.com"]);
    assert!(out.status.success(), "{out:?}");
    let text = t.x509_text("s.pem");
    assert!(text.contains("IP Address:127.0.0.1") && text.contains("DNS:*.db.example.com"));
}

#[test]
fn a_csr_subject_with_a_terminal_escape_is_not_signed() {
    let t = TestDir::new();
    ca(&t);
    // openssl writes the ESC into the request as it is given (-utf8, UTF8String).
    t.openssl_p256_req("r-key.pem", "r.csr", "/CN=evil\x1b]0;owned\x07", &["-utf8"]);
    let out = run(t.dbtls().args([
        "issue",
        "client",
        "--csr",
        "r.csr",
        "--ca",
        "d/ca.pem",
        "--ca-key",
        "d/ca-key.pem",
        "--out-cert",
        "c.pem",
    ]));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert!(err.contains("r.csr") && err.contains("U+001B"), "{err}");
    assert!(!t.join("c.pem").exists());
}

#[test]
fn a_pbkdf2_cost_over_the_cap_is_refused_naming_the_file_and_parameter() {
    let t = TestDir::new();
    // 65,536 rounds of HMAC-SHA512 is quick to write; the count is then patched to 8,388,607
    // (same encoded length), 7 s of work, which is refused before any of it is done.
    t.openssl_ok(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "plain.pem",
    ]);
    t.openssl_ok(&[
        "pkcs8",
        "-topk8",
        "-in",
        "plain.pem",
        "-v2",
        "aes-256-cbc",
        "-v2prf",
        "hmacWithSHA512",
        "-iter",
        "65536",
        "-passout",
        "pass:pw",
        "-outform",
        "DER",
        "-out",
        "k.der",
    ]);
    let mut der = t.read_bytes("k.der");
    let at = der
        .windows(5)
        .position(|w| w == [0x02, 0x03, 0x01, 0x00, 0x00])
        .expect("the iteration count");
    der[at + 2..at + 5].copy_from_slice(&[0x7F, 0xFF, 0xFF]);
    t.write("hostile.der", &der);
    let start = std::time::Instant::now();
    let out = t.dbtls_run(&["inspect", "hostile.der", "--passin", "pass:pw"]);
    assert!(start.elapsed().as_secs() < 3, "{:?}", start.elapsed());
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("hostile.der")
            && err.contains("PBKDF2 iteration count (8388607, HMAC-SHA512)")
            && err.contains("1166666 for HMAC-SHA512"),
        "{err}"
    );
    // The same key at the count it was written with opens.
    t.dbtls_ok(&["inspect", "k.der", "--passin", "pass:pw"]);
}

#[test]
fn pkcs12_key_derivations_count_against_the_runs_budget() {
    let t = TestDir::new();
    t.openssl_ok(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-subj",
        "/CN=t",
        "-days",
        "10",
    ]);
    // OpenSSL's own store at p12-keystore's cap: MAC 1,000,000 × HMAC-SHA512, the key and the
    // certificate contents 1,000,000 × PBKDF2-HMAC-SHA256 each: about 1.3 s of the 2 s budget.
    t.openssl_ok(&[
        "pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem", "-out", "big.p12", "-passout",
        "pass:pw", "-iter", "1000000", "-macalg", "sha512",
    ]);
    t.dbtls_ok(&["inspect", "big.p12", "--passin", "pass:pw"]);
    // A second one in the same run is refused before its derivations, naming the file.
    let start = std::time::Instant::now();
    let out = t.dbtls_run(&["inspect", "big.p12", "big.p12", "--passin", "pass:pw"]);
    assert!(start.elapsed().as_secs() < 3, "{:?}", start.elapsed());
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("big.p12: PKCS#12: its 3 key derivations (about 1285 ms)")
            && err.contains("over 2000 ms"),
        "{err}"
    );
}

/// `dbtls export p12` of the client certificate and key of `d` to `c.p12`, with the password
/// options `passwords`, which must fail; returns stderr.
fn export_client_p12_fails(t: &TestDir, passwords: &[&str]) -> String {
    let args = [
        &[
            "export",
            "p12",
            "--cert",
            "d/client-cert.pem",
            "--key",
            "d/client-key.pem",
        ][..],
        passwords,
        &["--out", "c.p12"],
    ]
    .concat();
    t.dbtls_fails(&args)
}

#[test]
fn stdin_passwords_are_refused_twice_and_an_empty_stdin_reads_no_password() {
    let t = TestDir::new();
    ca(&t);
    let err = export_client_p12_fails(&t, &["--passin", "stdin", "--passout", "stdin"]);
    assert!(
        err.contains("only one password can be read from stdin"),
        "{err}"
    );
    // stdin is /dev/null: nothing to read is not a wrong password.
    let err = export_client_p12_fails(&t, &["--passout", "stdin"]);
    assert!(
        err.contains("no password read from standard input"),
        "{err}"
    );
    assert!(!t.join("c.p12").exists());
}

#[test]
fn a_numeric_uid_is_accepted() {
    let t = TestDir::new();
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test changes file owners: run it as root"
    );
    // 54321: no passwd entry (a container's uid); the group stays as it is.
    let out = t.dbtls_run(&[
        "setup",
        "--datadir",
        "d",
        "--key-type",
        "ecdsa-p256",
        "--uid",
        "54321",
    ]);
    assert!(out.status.success(), "{out:?}");
    for f in ["ca.pem", "server-key.pem", "private_key.pem"] {
        let meta = std::fs::metadata(t.join("d").join(f)).unwrap();
        assert_eq!(meta.uid(), 54321, "{f}");
        assert_eq!(meta.gid(), nix::unistd::getegid().as_raw(), "{f}");
    }
}
