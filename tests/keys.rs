//! `dbtls key`: our encrypted keys open in openssl, openssl's keys open in dbtls, password specs.

use std::process::Output;

use crate::util::{Chain, Issuer, TestDir, listing, mode, ok, run, stderr};

/// The password of the encrypted keys, as a password spec.
const PASS_PW: &str = "pass:s3cret-pass";

const KEY_TYPES: [&str; 6] = [
    "rsa2048",
    "rsa3072",
    "rsa4096",
    "ecdsa-p256",
    "ecdsa-p384",
    "ed25519",
];

/// `dbtls key new --key-type KIND --out OUT EXTRA`, which must succeed.
fn key_new(t: &TestDir, kind: &str, out: &str, extra: &[&str]) {
    t.dbtls_ok(&[&["key", "new", "--key-type", kind, "--out", out][..], extra].concat());
}

/// `dbtls key CMD INPUT --out OUT EXTRA`.
fn key_cmd<'a>(cmd: &'a str, input: &'a str, out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    [&["key", cmd, input, "--out", out][..], extra].concat()
}

/// [`key_cmd`] run in `t`, which must exit 1; returns stderr.
fn key_fails(t: &TestDir, cmd: &str, input: &str, out: &str, extra: &[&str]) -> String {
    t.dbtls_fails(&key_cmd(cmd, input, out, extra))
}

/// [`key_cmd`] run in `t`, which must succeed.
fn key_ok(t: &TestDir, cmd: &str, input: &str, out: &str, extra: &[&str]) {
    t.dbtls_ok(&key_cmd(cmd, input, out, extra));
}

/// The first line of a file: its PEM label.
fn head(t: &TestDir, file: &str) -> String {
    t.read(file).lines().next().unwrap_or_default().to_string()
}

#[test]
fn openssl_opens_our_encrypted_keys_for_every_type_and_kdf() {
    let t = TestDir::new();
    for kind in KEY_TYPES {
        for kdf in ["pbkdf2", "scrypt"] {
            let key = format!("{kind}-{kdf}.pem");
            let public = format!("{kind}-{kdf}.pub");
            let extra = ["--kdf", kdf, "--public-out", &public, "--passout", PASS_PW];
            key_new(&t, kind, &key, &extra);
            let text = t.read(&key);
            assert!(
                text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
                "{text}"
            );
            assert_eq!(mode(&t.join(&key)), 0o600);
            assert_eq!(mode(&t.join(&public)), 0o644);
            assert_eq!(t.key_pubkey(&key, Some(PASS_PW)), t.read(&public), "{key}");
            let params = t.openssl_ok(&["asn1parse", "-in", &key]);
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
    let t = TestDir::new();
    key_new(&t, "ed25519", "k.pem", &[]);
    let text = t.read("k.pem");
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"));
    t.openssl_ok(&["pkey", "-in", "k.pem", "-noout"]);
    // Never overwritten without --force.
    let err = t.dbtls_fails(&["key", "new", "--out", "k.pem"]);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(t.read("k.pem"), text);
    key_new(&t, "ecdsa-p256", "k.pem", &["--force"]);
    assert_ne!(t.read("k.pem"), text);
}

/// Runs `script` with `sh -e` in the test directory (openssl commands making the inputs).
fn make(t: &TestDir, script: &str) {
    ok(t.sh(&format!("set -e; {script}")));
}

#[test]
fn we_open_keys_openssl_writes() {
    let t = TestDir::new();
    let p = PASS_PW;
    make(
        &t,
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
        key_ok(&t, "decrypt", f, &out, &["--passin", p]);
        let inform = if f.ends_with(".der") { "DER" } else { "PEM" };
        let theirs = t.openssl_ok(&["pkey", "-inform", inform, "-in", f, "-passin", p, "-pubout"]);
        assert_eq!(t.key_pubkey(&out, None), theirs, "{f}");
        assert!(
            t.read(&out).starts_with("-----BEGIN PRIVATE KEY-----"),
            "{f}"
        );
        assert_eq!(mode(&t.join(&out)), 0o600);
    }
    // OpenSSL 1.0's default -topk8 scheme (PKCS#12 PBE) is refused with advice, not garbage.
    make(
        &t,
        &format!(
            "openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in plain-p384.pem -passout {p} -out p12pbe.pem"
        ),
    );
    let err = key_fails(&t, "decrypt", "p12pbe.pem", "x.pem", &["--passin", p]);
    assert!(
        err.contains("p12pbe.pem") && err.contains("-v2 aes256"),
        "{err}"
    );
}

#[test]
fn a_wrong_password_is_one_error_line_naming_the_file() {
    let t = TestDir::new();
    key_new(&t, "ecdsa-p256", "ours.pem", &["--passout", "pass:right"]);
    make(
        &t,
        "openssl genrsa -aes256 -traditional -passout pass:right -out legacy.pem 2048 2>/dev/null
                openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:right -out theirs.pem",
    );
    for f in ["ours.pem", "legacy.pem", "theirs.pem"] {
        for cmd in ["decrypt", "public"] {
            let err = key_fails(&t, cmd, f, "x.pem", &["--passin", "pass:wrong-one"]);
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
    assert!(!t.join("x.pem").exists());
}

#[test]
fn without_a_spec_and_without_a_terminal_it_errors_instead_of_hanging() {
    let t = TestDir::new();
    key_new(&t, "ecdsa-p256", "k.pem", &["--passout", "pass:pw"]);
    let started = std::time::Instant::now();
    let err = key_fails(&t, "decrypt", "k.pem", "x.pem", &[]);
    assert!(
        err.contains("no terminal") && err.contains("--passin"),
        "{err}"
    );
    let err = t.dbtls_fails(&["key", "new", "--out", "y.pem", "--encrypt"]);
    assert!(
        err.contains("no terminal") && err.contains("--passout"),
        "{err}"
    );
    // A prompt would wait forever; 20 s is far above two runs on a loaded machine.
    assert!(started.elapsed().as_secs() < 20);
    assert!(!t.join("y.pem").exists());
}

#[test]
fn an_empty_new_password_is_refused() {
    let t = TestDir::new();
    let err = t.dbtls_fails(&["key", "new", "--out", "k.pem", "--passout", "pass:"]);
    assert!(err.contains("empty password"), "{err}");
    assert!(!t.join("k.pem").exists());
}

/// Runs `dbtls ARGS` through `sh`, so that a spec can read fd 3, stdin or the environment.
fn dbtls_sh(t: &TestDir, args: &str, setup: &str) -> Output {
    let bin = env!("CARGO_BIN_EXE_dbtls");
    run(t
        .sh(&format!("{setup} '{bin}' {args}"))
        .env("DBTLS_TEST_PW", "from-env-pw"))
}

/// [`dbtls_sh`], which must succeed.
fn dbtls_sh_ok(t: &TestDir, args: &str, setup: &str, context: &str) {
    let out = dbtls_sh(t, args, setup);
    assert!(out.status.success(), "{context}: {}", stderr(&out));
}

#[test]
fn every_password_spec_form_works_for_passout_and_passin() {
    let t = TestDir::new();
    t.write("pwfile", "from-file-pw\r\nignored second line\n");
    key_new(&t, "ecdsa-p256", "plain.pem", &[]);
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
        let encrypt = format!("key encrypt plain.pem --out {enc} --passout {spec}");
        dbtls_sh_ok(&t, &encrypt, prefix, spec);
        // openssl agrees on the password.
        t.assert_openssl_opens(&enc, &format!("pass:{password}"));
        let dec = format!("dec{i}.pem");
        let decrypt = format!("key decrypt {enc} --out {dec} --passin {spec}");
        dbtls_sh_ok(&t, &decrypt, prefix, spec);
        assert_eq!(t.read_bytes(&dec), t.read_bytes("plain.pem"), "{spec}");
    }
    // Spec errors are clear and never echo a password.
    let unset = ["--passin", "env:DBTLS_NO_SUCH_VAR"];
    let err = key_fails(&t, "decrypt", "enc0.pem", "x.pem", &unset);
    assert!(
        err.contains("DBTLS_NO_SUCH_VAR") && err.contains("not set"),
        "{err}"
    );
    let err = key_fails(
        &t,
        "decrypt",
        "enc0.pem",
        "x.pem",
        &["--passin", "file:nope"],
    );
    assert!(err.contains("nope"), "{err}");
    let args = key_cmd("decrypt", "enc0.pem", "x.pem", &["--passin", "hunter2"]);
    let out = t.dbtls_run(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("hunter2"));
}

#[test]
fn encrypt_changes_a_password_and_public_extracts_the_key() {
    let t = TestDir::new();
    let extra = ["--passout", "pass:old", "--public-out", "k.pub"];
    key_new(&t, "rsa2048", "k.pem", &extra);
    let old_to_new = ["--passin", "pass:old", "--passout", "pass:new"];
    key_ok(
        &t,
        "encrypt",
        "k.pem",
        "k2.pem",
        &[&old_to_new[..], &["--kdf", "scrypt"]].concat(),
    );
    t.assert_openssl_opens("k2.pem", "pass:new");
    key_ok(&t, "public", "k2.pem", "k2.pub", &["--passin", "pass:new"]);
    assert_eq!(t.read_bytes("k.pub"), t.read_bytes("k2.pub"));
    assert_eq!(mode(&t.join("k2.pub")), 0o644);
    let old_to_x = ["--passin", "pass:old", "--passout", "pass:x"];
    let err = key_fails(&t, "encrypt", "k.pem", "k2.pem", &old_to_x);
    assert!(err.contains("already exists"), "{err}");
    let both_stdin = ["--passin", "stdin", "--passout", "stdin"];
    let err = key_fails(&t, "encrypt", "k.pem", "k3.pem", &both_stdin);
    assert!(err.contains("stdin"), "{err}");
}

#[test]
fn setup_passout_encrypts_the_ca_key_and_optionally_the_client_key() {
    let t = TestDir::new();
    let p256 = ["--key-type", "ecdsa-p256"];
    t.dbtls_ok(
        &[
            &["setup", "--datadir", "a"][..],
            &p256,
            &["--passout", "pass:setup-pw"],
        ]
        .concat(),
    );
    let b = [
        &["setup", "--datadir", "b"][..],
        &p256,
        &["--passout", "env:DBTLS_SETUP_PW", "--encrypt-client-key"],
    ]
    .concat();
    ok(t.dbtls().args(b).env("DBTLS_SETUP_PW", "setup-pw"));
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
        assert_eq!(head(&t, file), want, "{file}");
        t.assert_openssl_opens(file, "pass:setup-pw");
    }
    // The encrypted CA key signs with --passin.
    let ca = Issuer::new("b/ca.pem", "b/ca-key.pem").with_passin("pass:setup-pw");
    let extra = [
        &p256[..],
        &["--out-cert", "bob.pem", "--out-key", "bob-key.pem"],
    ]
    .concat();
    ok(t.issue("client", "/CN=bob", Some(&ca), &extra));
    t.openssl_verify_ok(&Chain::root("b/ca.pem"), None, &["bob.pem"]);
}

/// `key new --out pk.pem --public-out ./pk.pem --force` used to write the public key over the
/// private one. The same file named through `./`, a symlink or a hard link is refused, whole.
#[test]
fn one_file_named_as_two_outputs_is_refused_and_left_alone() {
    let t = TestDir::new();
    key_new(&t, "ed25519", "pk.pem", &[]);
    std::os::unix::fs::symlink("pk.pem", t.join("link.pem")).unwrap();
    std::fs::hard_link(t.join("pk.pem"), t.join("hard.pem")).unwrap();
    let key = t.read_bytes("pk.pem");
    let files = listing(t.path());
    for other in ["./pk.pem", "link.pem", "hard.pem", "sub/../pk.pem"] {
        for (out, public) in [("pk.pem", other), (other, "pk.pem")] {
            let err = t.dbtls_fails(&[
                "key",
                "new",
                "--key-type",
                "ed25519",
                "--out",
                out,
                "--public-out",
                public,
                "--force",
            ]);
            assert_eq!(err.lines().count(), 1, "{out} {public}: {err}");
            assert!(
                err.starts_with(&format!("dbtls: error: {public}: same file as {out}")),
                "{out} {public}: {err}"
            );
            assert_eq!(t.read_bytes("pk.pem"), key, "{out} {public}");
            assert_eq!(listing(t.path()), files, "nothing written");
        }
    }
    // Also before the file exists.
    let err = t.dbtls_fails(&[
        "key",
        "new",
        "--out",
        "new.pem",
        "--public-out",
        "./new.pem",
    ]);
    assert!(err.contains("named twice as an output"), "{err}");
    assert!(!t.join("new.pem").exists());
}

/// A command that reads a key must not replace it with something else; rewriting a key in place
/// with the same key (encrypt/decrypt with --force) stays possible.
#[test]
fn an_input_key_is_never_replaced_by_another_kind_of_file() {
    let t = TestDir::new();
    key_new(&t, "ecdsa-p256", "k.pem", &[]);
    let key = t.read_bytes("k.pem");
    let err = key_fails(&t, "public", "k.pem", "./k.pem", &["--force"]);
    assert!(
        err.starts_with("dbtls: error: ./k.pem: same file as the input k.pem"),
        "{err}"
    );
    assert_eq!(t.read_bytes("k.pem"), key);

    // issue: --out-cert onto the CA key, or onto its own --key.
    ok(t.issue(
        "ca",
        "/CN=T",
        None,
        &["--key", "k.pem", "--out-cert", "ca.pem"],
    ));
    let ca = Issuer::new("ca.pem", "k.pem");
    let client = |cert: &str, key: &str, extra: &[&str]| {
        let outs = [
            "--key-type",
            "ecdsa-p256",
            "--out-cert",
            cert,
            "--out-key",
            key,
        ];
        crate::util::fails(t.issue("client", "/CN=c", Some(&ca), &[&outs[..], extra].concat()))
    };
    let err = client("./k.pem", "c-key.pem", &["--force"]);
    assert!(err.contains("same file as the input k.pem"), "{err}");
    let err = client("c.pem", "./c.pem", &[]);
    assert!(err.contains("named twice as an output"), "{err}");
    assert!(!t.join("c.pem").exists());
    // export: a store written over the key it contains.
    let err = t.dbtls_fails(&[
        "export", "pem", "--cert", "ca.pem", "--key", "k.pem", "--out", "k.pem", "--force",
    ]);
    assert!(err.contains("same file as the input k.pem"), "{err}");
    assert_eq!(t.read_bytes("k.pem"), key);

    // In place with --force: the same key, now encrypted; without --force refused.
    let err = key_fails(
        &t,
        "encrypt",
        "k.pem",
        "k.pem",
        &["--passout", "pass:pw1234"],
    );
    assert!(err.contains("already exists"), "{err}");
    key_ok(
        &t,
        "encrypt",
        "k.pem",
        "k.pem",
        &["--passout", "pass:pw1234", "--force"],
    );
    let text = t.read("k.pem");
    assert!(text.contains("ENCRYPTED PRIVATE KEY"), "{text}");
    key_ok(
        &t,
        "decrypt",
        "k.pem",
        "k.pem",
        &["--passin", "pass:pw1234", "--force"],
    );
    assert_eq!(t.read_bytes("k.pem"), key, "the same key again");
}
