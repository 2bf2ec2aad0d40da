//! `dbtls key`: our encrypted keys open in openssl, openssl's keys open in dbtls, password specs.

use std::process::{Command, Stdio};

use crate::util::{TestDir, fails, mode, ok, openssl, run};

const PW: &str = "s3cret-pass";

const KEY_TYPES: [&str; 6] = [
    "rsa2048",
    "rsa3072",
    "rsa4096",
    "ecdsa-p256",
    "ecdsa-p384",
    "ed25519",
];

/// The public key openssl derives from a (possibly encrypted) private key file.
fn openssl_pub(dir: &TestDir, file: &str) -> String {
    ok(openssl().current_dir(dir.path()).args([
        "pkey",
        "-in",
        file,
        "-passin",
        &format!("pass:{PW}"),
        "-pubout",
    ]))
}

#[test]
fn openssl_opens_our_encrypted_keys_for_every_type_and_kdf() {
    let dir = TestDir::new();
    for kind in KEY_TYPES {
        for kdf in ["pbkdf2", "scrypt"] {
            let key = format!("{kind}-{kdf}.pem");
            let public = format!("{kind}-{kdf}.pub");
            ok(dir
                .dbtls()
                .args([
                    "key",
                    "new",
                    "--key-type",
                    kind,
                    "--kdf",
                    kdf,
                    "--out",
                    &key,
                    "--public-out",
                    &public,
                ])
                .args(["--passout", &format!("pass:{PW}")]));
            let text = std::fs::read_to_string(dir.join(&key)).unwrap();
            assert!(
                text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
                "{text}"
            );
            assert_eq!(mode(&dir.join(&key)), 0o600);
            assert_eq!(mode(&dir.join(&public)), 0o644);
            assert_eq!(
                openssl_pub(&dir, &key),
                std::fs::read_to_string(dir.join(&public)).unwrap(),
                "{key}"
            );
            let params = ok(openssl()
                .current_dir(dir.path())
                .args(["asn1parse", "-in", &key]));
            let want = if kdf == "pbkdf2" {
                ":PBKDF2"
            } else {
                ":scrypt"
            };
            assert!(
                params.contains(want) && params.contains("aes-256-cbc"),
                "{params}"
            );
            if kdf == "pbkdf2" {
                // 600,000 = 0x0927C0 iterations, HMAC-SHA256.
                assert!(
                    params.contains("0927C0") && params.contains("hmacWithSHA256"),
                    "{params}"
                );
            }
        }
    }
}

#[test]
fn plain_new_key_is_pkcs8_and_openssl_reads_it() {
    let dir = TestDir::new();
    ok(dir
        .dbtls()
        .args(["key", "new", "--key-type", "ed25519", "--out", "k.pem"]));
    let text = std::fs::read_to_string(dir.join("k.pem")).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"));
    ok(openssl()
        .current_dir(dir.path())
        .args(["pkey", "-in", "k.pem", "-noout"]));
    // Never overwritten without --force.
    let err = fails(dir.dbtls().args(["key", "new", "--out", "k.pem"]));
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(dir.join("k.pem")).unwrap(), text);
    ok(dir.dbtls().args([
        "key",
        "new",
        "--key-type",
        "ecdsa-p256",
        "--out",
        "k.pem",
        "--force",
    ]));
    assert_ne!(std::fs::read_to_string(dir.join("k.pem")).unwrap(), text);
}

/// Makes `name` with openssl (via `sh -c`, run in the test directory).
fn make(dir: &TestDir, script: &str) {
    ok(Command::new("sh")
        .current_dir(dir.path())
        .args(["-c", &format!("set -e; {script}")]));
}

#[test]
fn we_open_keys_openssl_writes() {
    let dir = TestDir::new();
    let p = format!("pass:{PW}");
    make(
        &dir,
        &format!(
            "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-256-cbc -pass {p} -out genpkey-rsa.pem
             openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc -pass {p} -out genpkey-ec.pem
             openssl genpkey -algorithm ed25519 -aes-256-cbc -pass {p} -out genpkey-ed25519.pem
             openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out plain-p384.pem
             openssl pkcs8 -topk8 -v2 aes256 -in plain-p384.pem -passout {p} -out pkcs8-v2-aes256.pem
             openssl pkcs8 -topk8 -scrypt -in plain-p384.pem -passout {p} -out pkcs8-scrypt.pem
             openssl pkcs8 -topk8 -v2 des3 -in plain-p384.pem -passout {p} -out pkcs8-des3.pem
             openssl pkcs8 -topk8 -v2 aes256 -v2prf hmacWithSHA1 -in plain-p384.pem -passout {p} -out pkcs8-sha1.pem
             openssl pkcs8 -topk8 -v2 aes128 -in plain-p384.pem -passout {p} -outform DER -out pkcs8-enc.der
             openssl genrsa -aes256 -traditional -passout {p} -out genrsa-aes256.pem 2048
             openssl genrsa -aes128 -traditional -passout {p} -out genrsa-aes128.pem 2048
             openssl rsa -in genrsa-aes128.pem -passin {p} -aes192 -traditional -passout {p} -out rsa-aes192.pem
             openssl rsa -in genrsa-aes128.pem -passin {p} -des3 -traditional -passout {p} -out rsa-des3.pem
             openssl rsa -in genrsa-aes128.pem -passin {p} -traditional -out pkcs1.pem
             openssl rsa -in genrsa-aes128.pem -passin {p} -traditional -outform DER -out pkcs1.der
             openssl ecparam -name prime256v1 -genkey -out sec1-with-params.pem
             openssl ec -in sec1-with-params.pem -aes256 -passout {p} -out ec-aes256.pem
             openssl ec -in sec1-with-params.pem -outform DER -out sec1.der
             openssl pkey -in genpkey-ed25519.pem -passin {p} -outform DER -out pkcs8.der"
        ),
    );
    let files = [
        "genpkey-rsa.pem",
        "genpkey-ec.pem",
        "genpkey-ed25519.pem",
        "plain-p384.pem",
        "pkcs8-v2-aes256.pem",
        "pkcs8-scrypt.pem",
        "pkcs8-des3.pem",
        "pkcs8-sha1.pem",
        "pkcs8-enc.der",
        "genrsa-aes256.pem",
        "genrsa-aes128.pem",
        "rsa-aes192.pem",
        "rsa-des3.pem",
        "pkcs1.pem",
        "pkcs1.der",
        "sec1-with-params.pem",
        "ec-aes256.pem",
        "sec1.der",
        "pkcs8.der",
    ];
    for f in files {
        let out = format!("{f}.plain.pem");
        ok(dir.dbtls().args([
            "key",
            "decrypt",
            f,
            "--out",
            &out,
            "--passin",
            &format!("pass:{PW}"),
        ]));
        let inform = if f.ends_with(".der") { "DER" } else { "PEM" };
        let theirs = ok(openssl().current_dir(dir.path()).args([
            "pkey",
            "-inform",
            inform,
            "-in",
            f,
            "-passin",
            &format!("pass:{PW}"),
            "-pubout",
        ]));
        let ours = ok(openssl()
            .current_dir(dir.path())
            .args(["pkey", "-in", &out, "-pubout"]));
        assert_eq!(ours, theirs, "{f}");
        let plain = std::fs::read_to_string(dir.join(&out)).unwrap();
        assert!(plain.starts_with("-----BEGIN PRIVATE KEY-----"), "{f}");
        assert_eq!(mode(&dir.join(&out)), 0o600);
    }
    // OpenSSL 1.0's default -topk8 scheme (PKCS#12 PBE) is refused with advice, not garbage.
    make(
        &dir,
        &format!(
            "openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in plain-p384.pem -passout {p} -out p12pbe.pem"
        ),
    );
    let err = fails(dir.dbtls().args([
        "key",
        "decrypt",
        "p12pbe.pem",
        "--out",
        "x.pem",
        "--passin",
        &p,
    ]));
    assert!(
        err.contains("p12pbe.pem") && err.contains("-v2 aes256"),
        "{err}"
    );
}

#[test]
fn a_wrong_password_is_one_error_line_naming_the_file() {
    let dir = TestDir::new();
    ok(dir.dbtls().args([
        "key",
        "new",
        "--key-type",
        "ecdsa-p256",
        "--out",
        "ours.pem",
        "--passout",
        "pass:right",
    ]));
    make(
        &dir,
        "openssl genrsa -aes256 -traditional -passout pass:right -out legacy.pem 2048 2>/dev/null
                openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:right -out theirs.pem",
    );
    for f in ["ours.pem", "legacy.pem", "theirs.pem"] {
        for cmd in ["decrypt", "public"] {
            let err = fails(dir.dbtls().args([
                "key",
                cmd,
                f,
                "--out",
                "x.pem",
                "--passin",
                "pass:wrong-one",
            ]));
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(
                err.starts_with("dbtls: error: ")
                    && err.contains(f)
                    && err.contains("wrong password"),
                "{err}"
            );
            assert!(!err.contains("wrong-one"), "the password leaked: {err}");
        }
    }
    assert!(!dir.join("x.pem").exists());
}

#[test]
fn without_a_spec_and_without_a_terminal_it_errors_instead_of_hanging() {
    let dir = TestDir::new();
    ok(dir.dbtls().args([
        "key",
        "new",
        "--key-type",
        "ecdsa-p256",
        "--out",
        "k.pem",
        "--passout",
        "pass:pw",
    ]));
    let started = std::time::Instant::now();
    let err = fails(
        dir.dbtls()
            .args(["key", "decrypt", "k.pem", "--out", "x.pem"]),
    );
    assert!(
        err.contains("no terminal") && err.contains("--passin"),
        "{err}"
    );
    let err = fails(
        dir.dbtls()
            .args(["key", "new", "--out", "y.pem", "--encrypt"]),
    );
    assert!(
        err.contains("no terminal") && err.contains("--passout"),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 20);
    assert!(!dir.join("y.pem").exists());
}

#[test]
fn an_empty_new_password_is_refused() {
    let dir = TestDir::new();
    let err = fails(
        dir.dbtls()
            .args(["key", "new", "--out", "k.pem", "--passout", "pass:"]),
    );
    assert!(err.contains("empty password"), "{err}");
    assert!(!dir.join("k.pem").exists());
}

/// Runs `dbtls ARGS` through `sh`, so that a spec can read fd 3, stdin or the environment.
fn dbtls_sh(dir: &TestDir, args: &str, setup: &str) -> std::process::Output {
    let bin = env!("CARGO_BIN_EXE_dbtls");
    run(Command::new("sh")
        .current_dir(dir.path())
        .env("DBTLS_TEST_PW", "from-env-pw")
        .stdin(Stdio::null())
        .args(["-c", &format!("{setup} '{bin}' {args}")]))
}

#[test]
fn every_password_spec_form_works_for_passout_and_passin() {
    let dir = TestDir::new();
    std::fs::write(dir.join("pwfile"), "from-file-pw\r\nignored second line\n").unwrap();
    ok(dir.dbtls().args([
        "key",
        "new",
        "--key-type",
        "ecdsa-p256",
        "--out",
        "plain.pem",
    ]));
    // (spec, shell prefix feeding it, the password it yields)
    let forms = [
        ("pass:from-pass-pw", "", "from-pass-pw"),
        ("env:DBTLS_TEST_PW", "", "from-env-pw"),
        ("file:pwfile", "", "from-file-pw"),
        ("fd:3", "exec 3<pwfile;", "from-file-pw"),
        ("stdin", "printf 'from-stdin-pw\\n' |", "from-stdin-pw"),
    ];
    for (i, (spec, prefix, password)) in forms.into_iter().enumerate() {
        let enc = format!("enc{i}.pem");
        let out = dbtls_sh(
            &dir,
            &format!("key encrypt plain.pem --out {enc} --passout {spec}"),
            prefix,
        );
        assert!(
            out.status.success(),
            "{spec}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // openssl agrees on the password.
        ok(openssl().current_dir(dir.path()).args([
            "pkey",
            "-in",
            &enc,
            "-passin",
            &format!("pass:{password}"),
            "-noout",
        ]));
        let dec = format!("dec{i}.pem");
        let out = dbtls_sh(
            &dir,
            &format!("key decrypt {enc} --out {dec} --passin {spec}"),
            prefix,
        );
        assert!(
            out.status.success(),
            "{spec}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read(dir.join(&dec)).unwrap(),
            std::fs::read(dir.join("plain.pem")).unwrap(),
            "{spec}"
        );
    }
    // Spec errors are clear and never echo a password.
    let err = fails(dir.dbtls().args([
        "key",
        "decrypt",
        "enc0.pem",
        "--out",
        "x.pem",
        "--passin",
        "env:DBTLS_NO_SUCH_VAR",
    ]));
    assert!(
        err.contains("DBTLS_NO_SUCH_VAR") && err.contains("not set"),
        "{err}"
    );
    let err = fails(dir.dbtls().args([
        "key",
        "decrypt",
        "enc0.pem",
        "--out",
        "x.pem",
        "--passin",
        "file:nope",
    ]));
    assert!(err.contains("nope"), "{err}");
    let out = run(dir.dbtls().args([
        "key", "decrypt", "enc0.pem", "--out", "x.pem", "--passin", "hunter2",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
}

#[test]
fn encrypt_changes_a_password_and_public_extracts_the_key() {
    let dir = TestDir::new();
    ok(dir.dbtls().args([
        "key",
        "new",
        "--key-type",
        "rsa2048",
        "--out",
        "k.pem",
        "--passout",
        "pass:old",
        "--public-out",
        "k.pub",
    ]));
    ok(dir.dbtls().args([
        "key",
        "encrypt",
        "k.pem",
        "--out",
        "k2.pem",
        "--passin",
        "pass:old",
        "--passout",
        "pass:new",
        "--kdf",
        "scrypt",
    ]));
    ok(openssl()
        .current_dir(dir.path())
        .args(["pkey", "-in", "k2.pem", "-passin", "pass:new", "-noout"]));
    ok(dir.dbtls().args([
        "key", "public", "k2.pem", "--out", "k2.pub", "--passin", "pass:new",
    ]));
    assert_eq!(
        std::fs::read(dir.join("k.pub")).unwrap(),
        std::fs::read(dir.join("k2.pub")).unwrap()
    );
    assert_eq!(mode(&dir.join("k2.pub")), 0o644);
    let err = fails(dir.dbtls().args([
        "key",
        "encrypt",
        "k.pem",
        "--out",
        "k2.pem",
        "--passin",
        "pass:old",
        "--passout",
        "pass:x",
    ]));
    assert!(err.contains("already exists"), "{err}");
    let err = fails(dir.dbtls().args([
        "key",
        "encrypt",
        "k.pem",
        "--out",
        "k3.pem",
        "--passin",
        "stdin",
        "--passout",
        "stdin",
    ]));
    assert!(err.contains("stdin"), "{err}");
}

#[test]
fn setup_passout_encrypts_the_ca_key_and_optionally_the_client_key() {
    let dir = TestDir::new();
    ok(dir.dbtls().args([
        "setup",
        "--datadir",
        "a",
        "--key-type",
        "ecdsa-p256",
        "--passout",
        "pass:setup-pw",
    ]));
    ok(dir
        .dbtls()
        .args([
            "setup",
            "--datadir",
            "b",
            "--key-type",
            "ecdsa-p256",
            "--passout",
            "env:DBTLS_SETUP_PW",
            "--encrypt-client-key",
        ])
        .env("DBTLS_SETUP_PW", "setup-pw"));
    let head = |f: &str| {
        std::fs::read_to_string(dir.join(f))
            .unwrap()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    for (file, encrypted) in [
        ("a/ca-key.pem", true),
        ("a/client-key.pem", false),
        ("a/server-key.pem", false),
        ("b/ca-key.pem", true),
        ("b/client-key.pem", true),
        // MySQL and TiDB cannot load an encrypted server key.
        ("b/server-key.pem", false),
    ] {
        let want = if encrypted {
            "-----BEGIN ENCRYPTED PRIVATE KEY-----"
        } else {
            "-----BEGIN PRIVATE KEY-----"
        };
        assert_eq!(head(file), want, "{file}");
        ok(openssl().current_dir(dir.path()).args([
            "pkey",
            "-in",
            file,
            "-passin",
            "pass:setup-pw",
            "-noout",
        ]));
    }
    // The encrypted CA key signs with --passin.
    ok(dir
        .dbtls()
        .args([
            "issue",
            "client",
            "--subject",
            "/CN=bob",
            "--ca",
            "b/ca.pem",
            "--ca-key",
            "b/ca-key.pem",
        ])
        .args([
            "--passin",
            "pass:setup-pw",
            "--key-type",
            "ecdsa-p256",
            "--out-cert",
            "bob.pem",
            "--out-key",
            "bob-key.pem",
        ]));
    ok(openssl()
        .current_dir(dir.path())
        .args(["verify", "-CAfile", "b/ca.pem", "bob.pem"]));
}

/// `key new --out pk.pem --public-out ./pk.pem --force` used to write the public key over the
/// private one. The same file named through `./`, a symlink or a hard link is refused, whole.
#[test]
fn one_file_named_as_two_outputs_is_refused_and_left_alone() {
    let dir = TestDir::new();
    ok(dir
        .dbtls()
        .args(["key", "new", "--key-type", "ed25519", "--out", "pk.pem"]));
    std::os::unix::fs::symlink("pk.pem", dir.join("link.pem")).unwrap();
    std::fs::hard_link(dir.join("pk.pem"), dir.join("hard.pem")).unwrap();
    let key = std::fs::read(dir.join("pk.pem")).unwrap();
    let files = crate::util::listing(dir.path());
    for other in ["./pk.pem", "link.pem", "hard.pem", "sub/../pk.pem"] {
        for (out, public) in [("pk.pem", other), (other, "pk.pem")] {
            let err = fails(dir.dbtls().args([
                "key",
                "new",
                "--key-type",
                "ed25519",
                "--out",
                out,
                "--public-out",
                public,
                "--force",
            ]));
            assert_eq!(err.lines().count(), 1, "{out} {public}: {err}");
            assert!(
                err.starts_with(&format!("dbtls: error: {public}: same file as {out}")),
                "{out} {public}: {err}"
            );
            assert_eq!(
                std::fs::read(dir.join("pk.pem")).unwrap(),
                key,
                "{out} {public}"
            );
            assert_eq!(crate::util::listing(dir.path()), files, "nothing written");
        }
    }
    // Also before the file exists.
    let err = fails(dir.dbtls().args([
        "key",
        "new",
        "--out",
        "new.pem",
        "--public-out",
        "./new.pem",
    ]));
    assert!(err.contains("named twice as an output"), "{err}");
    assert!(!dir.join("new.pem").exists());
}

/// A command that reads a key must not replace it with something else; rewriting a key in place
/// with the same key (encrypt/decrypt with --force) stays possible.
#[test]
fn an_input_key_is_never_replaced_by_another_kind_of_file() {
    let dir = TestDir::new();
    ok(dir
        .dbtls()
        .args(["key", "new", "--key-type", "ecdsa-p256", "--out", "k.pem"]));
    let key = std::fs::read(dir.join("k.pem")).unwrap();
    let err = fails(
        dir.dbtls()
            .args(["key", "public", "k.pem", "--out", "./k.pem", "--force"]),
    );
    assert!(
        err.starts_with("dbtls: error: ./k.pem: same file as the input k.pem"),
        "{err}"
    );
    assert_eq!(std::fs::read(dir.join("k.pem")).unwrap(), key);

    // issue: --out-cert onto the CA key, or onto its own --key.
    ok(dir.dbtls().args([
        "issue",
        "ca",
        "--subject",
        "/CN=T",
        "--key",
        "k.pem",
        "--out-cert",
        "ca.pem",
    ]));
    let err = fails(dir.dbtls().args([
        "issue",
        "client",
        "--subject",
        "/CN=c",
        "--ca",
        "ca.pem",
        "--ca-key",
        "k.pem",
        "--key-type",
        "ecdsa-p256",
        "--out-cert",
        "./k.pem",
        "--out-key",
        "c-key.pem",
        "--force",
    ]));
    assert!(err.contains("same file as the input k.pem"), "{err}");
    let err = fails(dir.dbtls().args([
        "issue",
        "client",
        "--subject",
        "/CN=c",
        "--ca",
        "ca.pem",
        "--ca-key",
        "k.pem",
        "--key-type",
        "ecdsa-p256",
        "--out-cert",
        "c.pem",
        "--out-key",
        "./c.pem",
    ]));
    assert!(err.contains("named twice as an output"), "{err}");
    assert!(!dir.join("c.pem").exists());
    // export: a store written over the key it contains.
    let err = fails(dir.dbtls().args([
        "export", "pem", "--cert", "ca.pem", "--key", "k.pem", "--out", "k.pem", "--force",
    ]));
    assert!(err.contains("same file as the input k.pem"), "{err}");
    assert_eq!(std::fs::read(dir.join("k.pem")).unwrap(), key);

    // In place with --force: the same key, now encrypted; without --force refused.
    let err = fails(dir.dbtls().args([
        "key",
        "encrypt",
        "k.pem",
        "--out",
        "k.pem",
        "--passout",
        "pass:pw1234",
    ]));
    assert!(err.contains("already exists"), "{err}");
    ok(dir.dbtls().args([
        "key",
        "encrypt",
        "k.pem",
        "--out",
        "k.pem",
        "--passout",
        "pass:pw1234",
        "--force",
    ]));
    let text = std::fs::read_to_string(dir.join("k.pem")).unwrap();
    assert!(text.contains("ENCRYPTED PRIVATE KEY"), "{text}");
    ok(dir.dbtls().args([
        "key",
        "decrypt",
        "k.pem",
        "--out",
        "k.pem",
        "--passin",
        "pass:pw1234",
        "--force",
    ]));
    assert_eq!(
        std::fs::read(dir.join("k.pem")).unwrap(),
        key,
        "the same key again"
    );
}
