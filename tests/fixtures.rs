//! `dbtls fixtures`: every variant judged by openssl, the stores by keytool, the Secret by a
//! YAML parser, users.sql and the broken clients by a real MariaDB, and convergence by bytes and
//! mtimes.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::util::mariadb::MariaDb;
use crate::util::{TestDir, mode, run, stderr, stdout};

/// The manifest of the issue, exactly as written there.
const ISSUE_EXAMPLE: &str = r#"renew_within = 30                      # days: re-issue what expires sooner

[[ca]]
name = "root"
subject = "/O=Example/CN=Example Root CA"
key_type = "ecdsa-p256"
days = 3650

[[ca]]
name = "inter"
issuer = "root"
subject = "/O=Example/CN=Example DB CA"

[[server]]
name = "db1"
issuer = "inter"
subject = "/CN=db1.example.test"
san = ["db1.example.test", "127.0.0.1"]

[[client]]
name = "alice"
issuer = "inter"
subject = "/CN=alice/O=Example"
user = "alice"                         # host defaults to "%"
exports = ["p12", "jks"]
store_password = "pass:changeit"

[[client]]
name = "app{n}"
count = 50
issuer = "inter"
subject = "/CN=app{n}/O=Example"
key_type = "ecdsa-p256"

[[client]]
name = "expired"
issuer = "inter"
subject = "/CN=expired"
variant = "expired"

[[client]]
name = "revoked"
issuer = "inter"
subject = "/CN=revoked"
variant = "revoked"
"#;

/// A small tree with every variant (ECDSA keys: fast).
fn variants_manifest() -> String {
    let mut m = String::from(
        "[[ca]]\nname = \"root\"\nsubject = \"/O=Example/CN=Example Root CA\"\nkey_type = \"ecdsa-p256\"\n\n\
         [[ca]]\nname = \"inter\"\nissuer = \"root\"\nsubject = \"/O=Example/CN=Example DB CA\"\nkey_type = \"ecdsa-p256\"\n\n\
         [[server]]\nname = \"db1\"\nissuer = \"inter\"\nsubject = \"/CN=db1.example.test\"\n\
         san = [\"db1.example.test\", \"127.0.0.1\", \"localhost\"]\nkey_type = \"ecdsa-p256\"\n\
         exports = [\"pem-chain\", \"k8s-secret\", \"p7b\"]\n\n\
         [[server]]\nname = \"wrong-host\"\nissuer = \"inter\"\nsubject = \"/CN=db1.example.test\"\n\
         san = [\"db1.example.test\"]\nvariant = \"wrong-host\"\nkey_type = \"ecdsa-p256\"\n\n\
         [[client]]\nname = \"good\"\nissuer = \"inter\"\nsubject = \"/CN=good/O=Example\"\nuser = \"good\"\n\
         key_type = \"ecdsa-p256\"\nencrypt = \"pass:keypw\"\nexports = [\"p12\", \"jks\"]\nstore_password = \"env:FIXTURE_STORE_PW\"\n\n\
         [[client]]\nname = \"app{n}\"\ncount = 2\nissuer = \"inter\"\nsubject = \"/CN=app{n}/O=Example\"\nuser = \"app{n}\"\nkey_type = \"ecdsa-p256\"\n",
    );
    for (name, variant) in [
        ("expired", "expired"),
        ("not-yet-valid", "not-yet-valid"),
        ("wrong-ca", "wrong-ca"),
        ("wrong-eku", "wrong-eku"),
        ("self-signed", "self-signed"),
        ("key-mismatch", "key-mismatch"),
        ("revoked", "revoked"),
    ] {
        m += &format!(
            "\n[[client]]\nname = \"{name}\"\nissuer = \"inter\"\nsubject = \"/CN={name}/O=Example\"\n\
             user = \"{name}\"\nvariant = \"{variant}\"\nkey_type = \"ecdsa-p256\"\n"
        );
    }
    m
}

fn fixtures(t: &TestDir, manifest: &str, args: &[&str]) -> std::process::Output {
    run(t
        .dbtls()
        .env("FIXTURE_STORE_PW", "storepw")
        .args(["fixtures", manifest, "--out", "out"])
        .args(args))
}

fn fixtures_ok(t: &TestDir, manifest: &str, args: &[&str]) -> String {
    let out = fixtures(t, manifest, args);
    assert!(out.status.success(), "fixtures failed: {}", stderr(&out));
    stdout(&out)
}

/// `openssl verify` in `out/` with root + inter trusted; returns (success, stdout + stderr).
fn verify(t: &TestDir, extra: &[&str], cert: &str) -> (bool, String) {
    let out = run(t
        .openssl()
        .current_dir(t.join("out"))
        .args(["verify", "-CAfile", "../bundle.pem"])
        .args(extra)
        .arg(cert));
    (out.status.success(), stdout(&out) + &stderr(&out))
}

fn assert_refused(t: &TestDir, extra: &[&str], cert: &str, code: &str) {
    let (ok, text) = verify(t, extra, cert);
    assert!(
        !ok && text.contains(&format!("error {code} at 0 depth")),
        "{cert}: expected error {code}: {text}"
    );
}

fn setup_variants(t: &TestDir) {
    t.write("m.toml", variants_manifest());
    fixtures_ok(t, "m.toml", &[]);
    t.write(
        "bundle.pem",
        t.read("out/root.pem") + &t.read("out/inter.pem"),
    );
}

#[test]
fn every_variant_is_refused_by_openssl_for_what_its_name_says() {
    let t = TestDir::new();
    setup_variants(&t);
    for good in [
        "db1.pem",
        "good.pem",
        "app1.pem",
        "app2.pem",
        "revoked.pem",
        "key-mismatch.pem",
    ] {
        assert!(
            verify(&t, &[], good).0,
            "{good} should verify without a CRL"
        );
    }
    assert!(
        verify(
            &t,
            &[
                "-purpose",
                "sslserver",
                "-verify_hostname",
                "db1.example.test"
            ],
            "db1.pem"
        )
        .0
    );
    assert_refused(&t, &[], "expired.pem", "10");
    assert_refused(&t, &[], "not-yet-valid.pem", "9");
    assert_refused(&t, &[], "wrong-ca.pem", "20");
    assert_refused(&t, &["-purpose", "sslclient"], "wrong-eku.pem", "26");
    assert_refused(
        &t,
        &["-verify_hostname", "db1.example.test"],
        "wrong-host.pem",
        "62",
    );
    assert_refused(&t, &[], "self-signed.pem", "18");
    assert_refused(
        &t,
        &["-crl_check", "-CRLfile", "inter.crl"],
        "revoked.pem",
        "23",
    );
    // With every CRL of the chain checked (what MariaDB's ssl_crl does), the others still pass.
    assert_refused(
        &t,
        &["-crl_check_all", "-CRLfile", "crls.pem"],
        "revoked.pem",
        "23",
    );
    assert!(verify(&t, &["-crl_check_all", "-CRLfile", "crls.pem"], "good.pem").0);

    // The wrong-CA certificate names the real issuer (REQUIRE ISSUER matches), another key signed it.
    assert_eq!(
        t.x509_field("out/wrong-ca.pem", "issuer")
            .replace("issuer=", ""),
        t.x509_field("out/inter.pem", "subject")
            .replace("subject=", "")
    );
    // key-mismatch: the key file's public key is not the certificate's; elsewhere they agree.
    assert_ne!(
        t.cert_pubkey("out/key-mismatch.pem"),
        t.key_pubkey("out/key-mismatch-key.pem", None)
    );
    assert_eq!(
        t.cert_pubkey("out/app1.pem"),
        t.key_pubkey("out/app1-key.pem", None)
    );
    assert_eq!(
        t.cert_pubkey("out/good.pem"),
        t.key_pubkey("out/good-key.pem", Some("pass:keypw"))
    );

    // Modes: keys and key stores 0600, certificates 0644.
    for (f, m) in [
        ("good-key.pem", 0o600),
        ("good.p12", 0o600),
        ("good.jks", 0o600),
        ("db1-secret.yaml", 0o600),
        ("good.pem", 0o644),
        ("inter.crl", 0o644),
    ] {
        assert_eq!(mode(&t.join(&format!("out/{f}"))), m, "{f}");
    }
    // The chain file is leaf + intermediate; the p7b leaf to root.
    assert_eq!(
        t.read("out/db1-chain.pem"),
        t.read("out/db1.pem") + &t.read("out/inter.pem")
    );
    let p7 = t.openssl_ok(&[
        "pkcs7",
        "-inform",
        "DER",
        "-in",
        "out/db1.p7b",
        "-print_certs",
        "-noout",
    ]);
    assert_eq!(p7.matches("subject=").count(), 3, "{p7}");

    // index.json: one record per file, with REQUIRE-form names and the password's source only.
    let index: serde_json::Value = serde_json::from_str(&t.read("out/index.json")).unwrap();
    let rec = &index["files"]["good.p12"];
    assert_eq!(rec["subject"], "/CN=good/O=Example");
    assert_eq!(rec["issuer"], "/O=Example/CN=Example DB CA");
    assert_eq!(rec["protection"], "password (env:FIXTURE_STORE_PW)");
    assert_eq!(index["files"]["expired.pem"]["variant"], "expired");
    assert!(
        !t.read("out/index.json").contains("storepw")
            && !t.read("out/index.json").contains("keypw")
    );
    let fp = t.openssl_ok(&[
        "x509",
        "-in",
        "out/good.pem",
        "-noout",
        "-fingerprint",
        "-sha256",
    ]);
    assert!(
        fp.trim()
            .ends_with(rec["fingerprint_sha256"].as_str().unwrap()),
        "{fp}"
    );
}

#[test]
fn stores_open_in_keytool_and_the_secret_holds_the_files() {
    let t = TestDir::new();
    setup_variants(&t);
    for (file, kind) in [("out/good.p12", "PKCS12"), ("out/good.jks", "JKS")] {
        let out = run(t.keytool().args([
            "-list",
            "-v",
            "-keystore",
            file,
            "-storetype",
            kind,
            "-storepass",
            "storepw",
        ]));
        let text = stdout(&out);
        assert!(out.status.success(), "{file}: {text}{}", stderr(&out));
        assert!(
            text.contains("Alias name: good") && text.contains("PrivateKeyEntry"),
            "{text}"
        );
        assert!(text.contains("Certificate chain length: 3"), "{text}");
    }
    let script = r#"
import base64, sys, yaml
doc = yaml.safe_load(open("out/db1-secret.yaml"))
assert doc["kind"] == "Secret" and doc["type"] == "kubernetes.io/tls", doc
for k in ("tls.crt", "tls.key", "ca.crt"):
    sys.stdout.write(k + "=" + base64.b64decode(doc["data"][k]).decode() + "\x00")
"#;
    let out = run(std::process::Command::new("python3")
        .current_dir(t.path())
        .args(["-c", script]));
    assert!(out.status.success(), "{}", stderr(&out));
    let fields: BTreeMap<String, String> = stdout(&out)
        .split('\0')
        .filter_map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    assert_eq!(fields["tls.crt"], t.read("out/db1-chain.pem"));
    assert_eq!(fields["tls.key"], t.read("out/db1-key.pem"));
    assert_eq!(fields["ca.crt"], t.read("out/root.pem"));
}

#[test]
fn mariadb_loads_users_sql_and_refuses_the_broken_clients() {
    let t = TestDir::new();
    setup_variants(&t);
    let sql = t.read("out/users.sql");
    assert!(sql.contains(
        "CREATE USER IF NOT EXISTS 'good'@'%' REQUIRE SUBJECT '/CN=good/O=Example' AND ISSUER '/O=Example/CN=Example DB CA';"
    ), "{sql}");
    let server = MariaDb::start_with(
        &t.join("bundle.pem"),
        &t.join("out/db1.pem"),
        &t.join("out/db1-key.pem"),
        &[&format!("--ssl-crl={}", t.join("out/crls.pem").display())],
    );
    server.root_sql_file(&t.join("out/users.sql"));
    let login = |user: &str, key_passin: bool| {
        let mut client = server.client();
        let key = if key_passin {
            // The client cannot ask for a key password: decrypt a copy.
            t.openssl_ok(&[
                "pkey",
                "-in",
                "out/good-key.pem",
                "-passin",
                "pass:keypw",
                "-out",
                "good-plain.pem",
            ]);
            t.join("good-plain.pem")
        } else {
            t.join(&format!("out/{user}-key.pem"))
        };
        client
            .args(["-u", user])
            .arg(format!("--ssl-ca={}", t.join("bundle.pem").display()))
            .arg("--ssl-verify-server-cert")
            .arg(format!(
                "--ssl-cert={}",
                t.join(&format!("out/{user}.pem")).display()
            ))
            .arg(format!("--ssl-key={}", key.display()))
            .args(["-e", "SELECT CURRENT_USER()"]);
        run(client)
    };
    for user in ["good", "app1", "app2"] {
        let out = login(user, user == "good");
        assert!(
            out.status.success(),
            "{user} refused: {}\n{}",
            stderr(&out),
            server.error_log()
        );
        assert!(
            stdout(&out).contains(&format!("{user}@%")),
            "{}",
            stdout(&out)
        );
    }
    for user in ["expired", "wrong-ca", "revoked"] {
        let out = login(user, false);
        assert!(!out.status.success(), "{user} was let in: {}", stdout(&out));
        let err = stderr(&out);
        // MariaDB 10.11 aborts the handshake: the client sees the connection drop (2013).
        assert!(
            err.contains("ERROR 2013") || err.contains("ERROR 2026"),
            "{user}: {err}"
        );
    }
    // The account exists and matches by name: the refusal is the certificate's, not the SQL's.
    let out = login("key-mismatch", false);
    assert!(!out.status.success(), "key-mismatch was let in");
}

fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, i64, i64)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (
                name,
                (std::fs::read(e.path()).unwrap(), m.mtime(), m.mtime_nsec()),
            )
        })
        .collect()
}

fn changed(
    a: &BTreeMap<String, (Vec<u8>, i64, i64)>,
    b: &BTreeMap<String, (Vec<u8>, i64, i64)>,
) -> Vec<String> {
    let mut out: Vec<String> = b
        .iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    out.extend(a.keys().filter(|k| !b.contains_key(*k)).cloned());
    out.sort();
    out
}

/// `ISSUE_EXAMPLE` with alice and the intermediate CA renamed.
fn example_with_new_leaf_and_intermediate_names() -> String {
    ISSUE_EXAMPLE
        .replace("/CN=alice/O=Example", "/CN=alice2/O=Example")
        .replace(
            "/O=Example/CN=Example DB CA",
            "/O=Example/CN=Example DB CA 2",
        )
}

/// On a terminal (`script` gives one) the progress bar is drawn and then cleared; on a pipe
/// (the test above) nothing.
#[test]
fn a_progress_bar_only_on_a_terminal() {
    let t = TestDir::new();
    t.write("m.toml", ISSUE_EXAMPLE);
    let bin = env!("CARGO_BIN_EXE_dbtls");
    let out = run(std::process::Command::new("script")
        .current_dir(t.path())
        .args([
            "-qec",
            &format!("{bin} fixtures m.toml --out out"),
            "/dev/null",
        ]));
    assert!(out.status.success(), "{out:?}");
    let tty = String::from_utf8_lossy(&out.stdout);
    // 56 entities, three steps each (key, certificate, files): "N/168" after the bar.
    assert!(tty.contains("/168"), "no bar: {tty:?}");
    assert!(
        tty.contains('\u{2591}') || tty.contains('\u{2588}'),
        "{tty:?}"
    );
    // Cleared (erase line) before the summary.
    assert!(tty.contains("\x1b[2K"), "{tty:?}");
    assert!(tty.contains("56 entities, issued 56"), "{tty:?}");
}

#[test]
fn the_issue_example_converges_and_reissues_only_what_changed() {
    let t = TestDir::new();
    t.write("m.toml", ISSUE_EXAMPLE);
    let run1 = fixtures(&t, "m.toml", &[]);
    // On a pipe: no progress bar, no warnings.
    assert!(
        run1.status.success() && stderr(&run1).is_empty(),
        "{}",
        stderr(&run1)
    );
    let first = stdout(&run1);
    assert!(first.contains("56 entities, issued 56"), "{first}");
    let out = t.join("out");
    let files = snapshot(&out);
    // Certificate and key of each, alice's p12 and jks, 2 CRLs, crls.pem, index, users.sql, README.
    assert_eq!(files.len(), 56 * 2 + 2 + 2 + 1 + 3, "{:?}", files.keys());
    assert!(files.contains_key("app50-key.pem") && files.contains_key("inter.crl"));

    // Unchanged: nothing written, same bytes and mtimes; --check agrees (exit 0).
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = fixtures_ok(&t, "m.toml", &[]);
    assert!(again.contains("up to date"), "{again}");
    assert_eq!(changed(&files, &snapshot(&out)), Vec::<String>::new());
    assert_eq!(fixtures(&t, "m.toml", &["--check"]).status.code(), Some(0));

    // One leaf changed: --check exits 1 and writes nothing; the run rewrites that leaf only
    // (and the files that list it).
    t.write(
        "m.toml",
        ISSUE_EXAMPLE.replace("/CN=alice/O=Example", "/CN=alice2/O=Example"),
    );
    let check = fixtures(&t, "m.toml", &["--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(
        stdout(&check).contains("would issue alice  (manifest entry changed)"),
        "{}",
        stdout(&check)
    );
    assert_eq!(changed(&files, &snapshot(&out)), Vec::<String>::new());
    fixtures_ok(&t, "m.toml", &[]);
    let after_leaf = snapshot(&out);
    assert_eq!(
        changed(&files, &after_leaf),
        [
            "README.txt",
            "alice-key.pem",
            "alice.jks",
            "alice.p12",
            "alice.pem",
            "index.json",
            "users.sql"
        ]
    );

    // The intermediate changed: it and everything it signed, and its CRL; the root is kept.
    t.write("m.toml", example_with_new_leaf_and_intermediate_names());
    fixtures_ok(&t, "m.toml", &[]);
    let after_inter = snapshot(&out);
    let rewritten = changed(&after_leaf, &after_inter);
    assert!(
        !rewritten.iter().any(|f| f.starts_with("root")),
        "{rewritten:?}"
    );
    assert_eq!(rewritten.len(), files.len() - 3, "{rewritten:?}"); // all but root.pem, root-key.pem, root.crl
    assert_eq!(fixtures(&t, "m.toml", &["--check"]).status.code(), Some(0));

    // Something expiring within renew_within is re-issued: the 825-day leaves, not the CAs.
    t.write(
        "m.toml",
        example_with_new_leaf_and_intermediate_names()
            .replace("renew_within = 30", "renew_within = 1000"),
    );
    let renew = fixtures_ok(&t, "m.toml", &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&renew).unwrap();
    let issued: Vec<&str> = v["issued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(issued.len(), 53, "{issued:?}"); // db1, alice, 50 apps, revoked; not the CAs or the expired one
    assert!(
        !issued.contains(&"inter") && !issued.contains(&"expired"),
        "{issued:?}"
    );
    assert!(v["issued"][0]["reason"] == "expiring", "{renew}");
    // A damaged file is re-issued.
    t.write("out/app7.pem", "garbage");
    let check = fixtures(&t, "m.toml", &["--check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(1));
}

#[test]
fn bad_manifests_are_one_line_errors_naming_the_line_and_write_nothing() {
    let t = TestDir::new();
    let base = "[[ca]]\nname = \"root\"\nsubject = \"/CN=root\"\nkey_type = \"ecdsa-p256\"\n\n\
                [[client]]\nname = \"a\"\nissuer = \"root\"\nsubject = \"/CN=a\"\nkey_type = \"ecdsa-p256\"\n";
    let cases = [
        (
            "unknown key",
            base.replace(
                "subject = \"/CN=a\"",
                "subject = \"/CN=a\"\ncolour = \"red\"",
            ),
            "line 10: unknown field `colour`",
        ),
        (
            "missing issuer",
            base.replace("issuer = \"root\"", "issuer = \"nope\""),
            "line 8: issuer 'nope' is not defined",
        ),
        (
            "cycle",
            base.replace("name = \"root\"\n", "name = \"root\"\nissuer = \"inter\"\n")
                + "\n[[ca]]\nname = \"inter\"\nissuer = \"root\"\nsubject = \"/CN=i\"\n",
            "line 3: issuer cycle: root -> inter -> root",
        ),
        (
            "duplicate",
            format!("{base}\n[[client]]\nname = \"a\"\nissuer = \"root\"\nsubject = \"/CN=b\"\n"),
            "line 12: duplicate name 'a' (also on line 6)",
        ),
        (
            "bad variant",
            base.replace(
                "subject = \"/CN=a\"",
                "subject = \"/CN=a\"\nvariant = \"broken\"",
            ),
            "line 10: unknown variant 'broken'",
        ),
    ];
    for (what, manifest, expected) in cases {
        t.write("bad.toml", &manifest);
        let out = fixtures(&t, "bad.toml", &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.starts_with(&format!("dbtls: error: bad.toml: {expected}")),
            "{what}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{what}: {err}");
        assert!(!t.join("out").exists(), "{what}: something was written");
    }
    // A directory with files of someone else: refused without --force, nothing written.
    t.write("m.toml", base);
    std::fs::create_dir(t.join("out")).unwrap();
    t.write("out/a.pem", "not ours");
    let err = stderr(&fixtures(&t, "m.toml", &[]));
    assert!(err.contains("a.pem: already exists (use --force"), "{err}");
    assert_eq!(std::fs::read_dir(t.join("out")).unwrap().count(), 1);
    fixtures_ok(&t, "m.toml", &["--force"]);
    assert!(
        t.read("out/a.pem")
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
}
