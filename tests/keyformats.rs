//! `--key-format pkcs8|pkcs1|sec1`, `--der`, `--kdf legacy` and `dbtls key convert`: every form
//! read back by the openssl CLI (`openssl pkey`, `openssl rsa`, `openssl ec`).

use crate::util::{TestDir, key_new_args};

fn first_line(t: &TestDir, name: &str) -> String {
    t.read(name).lines().next().unwrap_or_default().to_string()
}

/// `openssl TOOL -in FILE [-inform DER] [-passin] -noout -check` (pkey: `-noout` only).
fn opens(t: &TestDir, tool: &str, file: &str, der: bool, pass: Option<&str>) {
    let mut args = vec![tool, "-in", file, "-noout"];
    if der {
        args.extend(["-inform", "DER"]);
    }
    let passin;
    if let Some(p) = pass {
        passin = format!("pass:{p}");
        args.extend(["-passin", &passin]);
    }
    if tool != "pkey" {
        args.push("-check");
    }
    t.openssl_ok(&args);
}

#[test]
fn every_key_format_is_read_by_openssl() {
    let t = TestDir::new();
    // PKCS#1 plain, as mysql_ssl_rsa_setup wrote.
    t.dbtls_ok(&["key", "new", "--out", "r.pem", "--key-format", "pkcs1"]);
    assert_eq!(first_line(&t, "r.pem"), "-----BEGIN RSA PRIVATE KEY-----");
    opens(&t, "rsa", "r.pem", false, None);
    // PKCS#1 with legacy DEK-Info encryption (the default KDF of pkcs1).
    let out = t.dbtls_ok(&[
        "key",
        "new",
        "--out",
        "re.pem",
        "--key-format",
        "pkcs1",
        "--passout",
        "pass:pw",
    ]);
    assert!(
        out.contains("PKCS#1, encrypted: legacy DEK-Info AES-256-CBC"),
        "{out}"
    );
    let text = t.read("re.pem");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "-----BEGIN RSA PRIVATE KEY-----");
    assert_eq!(lines[1], "Proc-Type: 4,ENCRYPTED");
    assert!(
        lines[2].starts_with("DEK-Info: AES-256-CBC,") && lines[2].len() == 22 + 32,
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "");
    opens(&t, "rsa", "re.pem", false, Some("pw"));
    assert!(
        !t.openssl_run(&["rsa", "-in", "re.pem", "-passin", "pass:wrong", "-noout"])
            .status
            .success()
    );
    // SEC1, plain and encrypted, with the curve named (RFC 5915 §3).
    t.dbtls_ok(&key_new_args(
        "ecdsa-p256",
        "e.pem",
        &["--key-format", "sec1"],
    ));
    assert_eq!(first_line(&t, "e.pem"), "-----BEGIN EC PRIVATE KEY-----");
    opens(&t, "ec", "e.pem", false, None);
    assert!(
        t.openssl_ok(&["asn1parse", "-in", "e.pem"])
            .contains(":prime256v1")
    );
    t.dbtls_ok(&key_new_args(
        "ecdsa-p384",
        "ee.pem",
        &[
            "--key-format",
            "sec1",
            "--passout",
            "pass:pw",
            "--kdf",
            "legacy",
        ],
    ));
    opens(&t, "ec", "ee.pem", false, Some("pw"));
    // DER: PKCS#8 plain and PBES2-encrypted, PKCS#1, SEC1.
    t.dbtls_ok(&key_new_args("ed25519", "d8.der", &["--der"]));
    opens(&t, "pkey", "d8.der", true, None);
    t.dbtls_ok(&key_new_args(
        "ecdsa-p256",
        "d8e.der",
        &["--der", "--passout", "pass:pw", "--kdf", "scrypt"],
    ));
    opens(&t, "pkey", "d8e.der", true, Some("pw"));
    t.dbtls_ok(&[
        "key",
        "new",
        "--out",
        "d1.der",
        "--der",
        "--key-format",
        "pkcs1",
    ]);
    opens(&t, "rsa", "d1.der", true, None);
    t.dbtls_ok(&key_new_args(
        "ecdsa-p256",
        "de.der",
        &["--der", "--key-format", "sec1"],
    ));
    opens(&t, "ec", "de.der", true, None);
    // issue and csr new write the same forms.
    t.dbtls_ok(&[
        "issue",
        "ca",
        "--subject",
        "/CN=ca",
        "--key-type",
        "ecdsa-p256",
        "--key-format",
        "sec1",
    ]);
    assert_eq!(
        first_line(&t, "out/ca-key.pem"),
        "-----BEGIN EC PRIVATE KEY-----"
    );
    t.dbtls_ok(&[
        "issue",
        "client",
        "--subject",
        "/CN=c",
        "--ca",
        "out/ca.pem",
        "--ca-key",
        "out/ca-key.pem",
        "--key-format",
        "pkcs1",
        "--passout",
        "pass:pw",
    ]);
    opens(&t, "rsa", "out/client-key.pem", false, Some("pw"));
    assert_eq!(
        t.cert_pubkey("out/client-cert.pem"),
        t.key_pubkey("out/client-key.pem", Some("pass:pw"))
    );
    t.dbtls_ok(&[
        "csr",
        "new",
        "--subject",
        "/CN=r",
        "--out-csr",
        "r.csr",
        "--out-key",
        "csr-key.der",
        "--der",
        "--key-format",
        "pkcs1",
    ]);
    opens(&t, "rsa", "csr-key.der", true, None);
}

#[test]
fn key_convert_rewrites_between_formats() {
    let t = TestDir::new();
    t.openssl_ok(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "o.pem",
    ]);
    let pubkey = t.key_pubkey("o.pem", None);
    t.dbtls_ok(&[
        "key",
        "convert",
        "o.pem",
        "--out",
        "o1.pem",
        "--key-format",
        "pkcs1",
        "--passout",
        "pass:go",
    ]);
    assert!(t.read("o1.pem").contains("DEK-Info: AES-256-CBC,"));
    opens(&t, "rsa", "o1.pem", false, Some("go"));
    t.dbtls_ok(&[
        "key", "convert", "o1.pem", "--passin", "pass:go", "--out", "o8.der", "--der",
    ]);
    opens(&t, "pkey", "o8.der", true, None);
    t.dbtls_ok(&[
        "key",
        "convert",
        "o8.der",
        "--out",
        "o8e.pem",
        "--passout",
        "pass:x",
    ]);
    assert_eq!(
        first_line(&t, "o8e.pem"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----"
    );
    assert_eq!(t.key_pubkey("o8e.pem", Some("pass:x")), pubkey);
    // In place with --force; refused without.
    let e = t.dbtls_fails(&[
        "key", "convert", "o8e.pem", "--passin", "pass:x", "--out", "o8e.pem",
    ]);
    assert!(
        e.contains("already exists (use --force to replace it)"),
        "{e}"
    );
    t.dbtls_ok(&[
        "key",
        "convert",
        "o8e.pem",
        "--passin",
        "pass:x",
        "--out",
        "o8e.pem",
        "--key-format",
        "pkcs1",
        "--force",
    ]);
    opens(&t, "rsa", "o8e.pem", false, None);
    assert_eq!(mode_of(&t, "o8e.pem"), 0o600);
    // key decrypt takes the format too.
    t.dbtls_ok(&[
        "key",
        "decrypt",
        "o1.pem",
        "--passin",
        "pass:go",
        "--out",
        "plain.pem",
        "--key-format",
        "pkcs1",
    ]);
    assert_eq!(
        first_line(&t, "plain.pem"),
        "-----BEGIN RSA PRIVATE KEY-----"
    );
}

fn mode_of(t: &TestDir, name: &str) -> u32 {
    crate::util::mode(&t.join(name))
}

#[test]
fn impossible_forms_are_refused_before_writing() {
    let t = TestDir::new();
    for (args, message) in [
        (
            &["--key-type", "ed25519", "--key-format", "pkcs1"][..],
            "dbtls: error: PKCS#1 holds RSA keys only",
        ),
        (
            &["--key-format", "sec1"][..],
            "dbtls: error: SEC1 holds ECDSA keys only",
        ),
        (
            &["--kdf", "legacy", "--passout", "pass:x"][..],
            "dbtls: error: --key-format pkcs8 with --kdf legacy: legacy (DEK-Info) encryption is for PKCS#1 and SEC1 keys; an encrypted PKCS#8 key uses PBES2 (pbkdf2 or scrypt)",
        ),
        (
            &["--key-format", "pkcs1", "--der", "--passout", "pass:x"][..],
            "dbtls: error: --key-format pkcs1 --der with --kdf legacy: an encrypted PKCS#1 or SEC1 key has no DER form (its encryption lives in PEM headers)",
        ),
        (
            &[
                "--key-format",
                "pkcs1",
                "--kdf",
                "scrypt",
                "--passout",
                "pass:x",
            ][..],
            "dbtls: error: --key-format pkcs1 with --kdf scrypt: an encrypted PKCS#1 or SEC1 key exists only in the legacy (DEK-Info) PEM form; use the legacy KDF or PKCS#8",
        ),
        (
            &["--kdf", "legacy", "--key-format", "pkcs1"][..],
            "dbtls: error: --kdf legacy encrypts a key: give --passout",
        ),
    ] {
        let mut all = vec!["key", "new", "--out", "k.pem"];
        all.extend(args);
        let e = t.dbtls_fails(&all);
        assert_eq!(e, format!("{message}\n"), "{args:?}");
        assert!(!t.join("k.pem").exists());
    }
}
