//! `dbtls inspect` against openssl as the oracle: `--field subject|issuer` must equal
//! `openssl x509 -noout -subject|-issuer -nameopt compat` byte for byte, for tricky names; and a
//! real MariaDB server must accept the `--sql` output for the right certificate only.

use std::path::{Path, PathBuf};

use crate::util::mariadb::{MariaDb, assert_access_denied};
use crate::util::{Issuer, TestDir, fails, keytool, ok, openssl, run, sorted, stderr};

/// A self-signed CA with `ca_subj`, and a leaf with `leaf_subj` signed by it (both via `-subj`).
fn ca_and_leaf(t: &TestDir, tag: &str, ca_subj: &str, leaf_subj: &str) -> (PathBuf, PathBuf) {
    let (ca_key, ca) = (
        t.join(&format!("{tag}-ca-key.pem")),
        t.join(&format!("{tag}-ca.pem")),
    );
    t.openssl_p256_req(&ca_key, &ca, ca_subj, &["-x509", "-utf8", "-days", "2"]);
    let (leaf, _key) = openssl_leaf(t, tag, leaf_subj, &ca, &ca_key);
    (ca, leaf)
}

/// A P-256 key and a leaf certificate with `subj` (via `openssl req -subj -utf8`), signed by
/// `ca`/`ca_key` with `openssl x509 -req`; returns (certificate, key).
fn openssl_leaf(
    t: &TestDir,
    tag: &str,
    subj: &str,
    ca: &Path,
    ca_key: &Path,
) -> (PathBuf, PathBuf) {
    let (key, csr, cert) = (
        t.join(&format!("{tag}-key.pem")),
        t.join(&format!("{tag}.csr")),
        t.join(&format!("{tag}-cert.pem")),
    );
    t.openssl_p256_req(&key, &csr, subj, &["-utf8"]);
    ok(t.openssl()
        .args(["x509", "-req", "-days", "2", "-in"])
        .arg(&csr)
        .arg("-CA")
        .arg(ca)
        .arg("-CAkey")
        .arg(ca_key)
        .arg("-out")
        .arg(&cert));
    (cert, key)
}

/// `openssl x509 -noout -<what> -nameopt compat` without the `<what>=` prefix, as bytes.
fn openssl_name(cert: &Path, what: &str) -> Vec<u8> {
    let out = run(openssl()
        .args([
            "x509",
            "-noout",
            &format!("-{what}"),
            "-nameopt",
            "compat",
            "-in",
        ])
        .arg(cert));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let prefix = format!("{what}=");
    assert!(out.stdout.starts_with(prefix.as_bytes()));
    out.stdout[prefix.len()..].to_vec()
}

fn dbtls_field(t: &TestDir, cert: &Path, field: &str, dialect: &str) -> Vec<u8> {
    let out = run(t
        .dbtls()
        .args(["inspect", "--field", field, "--dialect", dialect])
        .arg(cert));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn assert_same_as_openssl(t: &TestDir, cert: &Path) {
    for what in ["subject", "issuer"] {
        let ours = dbtls_field(t, cert, what, "openssl3");
        let theirs = openssl_name(cert, what);
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs),
            "{what} of {}",
            cert.display()
        );
    }
}

const TRICKY: &[&str] = &[
    "/C=US/ST=Oregon/L=Portland/O=My Dom, Inc./CN=alice",
    r"/CN=a\/b/O=x\+y/OU=back\\slash\\x41",
    "/CN=O'Brien \"quoted\"; <x>, #1=2 % _/OU= lead and trail ",
    "/DC=com/DC=example/UID=jdoe+CN=John Doe",
    "/CN=Müller/O=日本語/emailAddress=a.b@example.com",
    "/CN=tab\there\u{7f}del/O=new\nline",
    "/serialNumber=12345/dnQualifier=q/title=Dr/GN=G/SN=S/initials=X/pseudonym=p/generationQualifier=III",
    "/name=n/description=d/businessCategory=b/jurisdictionC=DE/jurisdictionST=Bayern/jurisdictionL=München",
    "/organizationIdentifier=VATDE-1/street=Main St 1/postalCode=12345/CN=x+OU=y+O=z",
    "/2.5.4.3=dotted known/1.2.840.113549.1.9.1=mail@example.com",
];

#[test]
fn field_subject_and_issuer_equal_openssl_for_tricky_names() {
    let t = TestDir::new();
    for (i, subj) in TRICKY.iter().enumerate() {
        // The issuer of each leaf is the next tricky name, so issuers are tricky too.
        let ca_subj = TRICKY[(i + 1) % TRICKY.len()];
        let (ca, leaf) = ca_and_leaf(&t, &format!("t{i}"), ca_subj, subj);
        assert_same_as_openssl(&t, &leaf);
        assert_same_as_openssl(&t, &ca);
    }
}

#[test]
fn t61_bmp_strings_and_unnamed_oids_equal_openssl() {
    let t = TestDir::new();
    let long_oid = format!("1.3.6.1.4.1.99999.{}", ["1234567890"; 8].join("."));
    let conf = format!(
        // oid_section must be in the default section; MASK:0x906 = Printable|T61|Universal|BMP
        // (no UTF8String), so OpenSSL picks T61 for Latin-1 and BMP for CJK and Greek.
        "oid_section = oids\n[req]\ndistinguished_name = dn\nprompt = no\nstring_mask = MASK:0x906\nutf8 = yes\n\
         [oids]\nmyAttr = 1.3.6.1.4.1.99999.1\nlongAttr = {long_oid}\n\
         [dn]\nC = DE\nO = Müller & Söhne\nOU = 日本語\n1.OU = Ελλάδα\nCN = plain ascii\nmyAttr = private/value+x\nlongAttr = long\n"
    );
    std::fs::write(t.join("req.cnf"), conf).unwrap();
    ok(openssl().current_dir(t.path()).args([
        "req",
        "-x509",
        "-new",
        "-config",
        "req.cnf",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-days",
        "2",
    ]));
    // The oracle really holds T61String, BMPString, UniversalString and unnamed OIDs.
    let parsed = ok(openssl()
        .current_dir(t.path())
        .args(["asn1parse", "-in", "c.pem"]));
    for ty in [
        "T61STRING",
        "BMPSTRING",
        "PRINTABLESTRING",
        "1.3.6.1.4.1.99999.1",
    ] {
        assert!(parsed.contains(ty), "{ty} missing:\n{parsed}");
    }
    let subject = openssl_name(&t.join("c.pem"), "subject");
    assert!(String::from_utf8_lossy(&subject).contains("/1.3.6.1.4.1.99999.1=private\\/value\\+x"));
    assert_same_as_openssl(&t, &t.join("c.pem"));
    // TiDB keeps only its ten attributes, decoded.
    // TiDB keeps only its ten attributes: T61 as raw bytes, BMP decoded (Go crypto/x509).
    let tidb = dbtls_field(&t, &t.join("c.pem"), "subject", "tidb");
    assert!(tidb.starts_with(b"/C=DE/O=M\xFCller & S\xF6hne/OU=\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E/OU=\xCE\x95\xCE\xBB\xCE\xBB\xCE\xAC\xCE\xB4\xCE\xB1"), "{tidb:?}");
    assert!(tidb.ends_with(b"/CN=plain ascii\n"), "{tidb:?}");
}

#[test]
fn openssl1_dialect_does_not_escape_and_splits_multi_valued_rdns() {
    let t = TestDir::new();
    let (_, leaf) = ca_and_leaf(&t, "o1", "/CN=CA", r"/O=a\/b/UID=u+CN=c");
    assert_eq!(
        dbtls_field(&t, &leaf, "subject", "openssl3"),
        b"/O=a\\/b/CN=c+UID=u\n"
    );
    assert_eq!(
        dbtls_field(&t, &leaf, "subject", "openssl1"),
        b"/O=a/b/CN=c/UID=u\n"
    );
    let out = run(t.dbtls().args(["inspect", "--field", "subject"]).arg(&leaf));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("OpenSSL 1.1.1 or older compute a different string: /O=a/b/CN=c/UID=u"),
        "{stderr}"
    );
}

#[test]
fn subject_parser_round_trips_through_der_and_openssl() {
    let t = TestDir::new();
    for (i, (typed, canonical)) in [
        (
            "/C=US/ST=Oregon/L=Portland/O=My Dom, Inc./CN=alice",
            "/C=US/ST=Oregon/L=Portland/O=My Dom, Inc./CN=alice",
        ),
        (
            "/UID=jdoe+CN=John Doe/DC=example",
            "/CN=John Doe+UID=jdoe/DC=example",
        ),
        (
            r"/CN=a\/b\+c\\d/emailAddress=x@y.z",
            r"/CN=a\/b\+c\d/emailAddress=x@y.z",
        ),
        (
            "/serialNumber=42/dnQualifier=dq/CN=Müller",
            r"/serialNumber=42/dnQualifier=dq/CN=M\xC3\xBCller",
        ),
        (
            "/1.2.3.4=unnamed/jurisdictionC=DE",
            "/1.2.3.4=unnamed/jurisdictionC=DE",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let der = dbtls::pki::subject::parse(typed).unwrap().to_der().unwrap();
        let entries = dbtls::pki::oneline::entries(&der).unwrap();
        assert_eq!(
            dbtls::pki::oneline::openssl3(&entries),
            canonical,
            "{typed}"
        );
        // The canonical string parses back to the same DER.
        // (A backslash in a value is not escaped by OpenSSL, so such strings do not parse back.)
        if !canonical.contains("\\x") && !typed.contains(r"\\") {
            assert_eq!(
                dbtls::pki::subject::parse(canonical)
                    .unwrap()
                    .to_der()
                    .unwrap(),
                der,
                "{canonical}"
            );
        }
        // OpenSSL writes the same DER for the same -subj (except OIDs it has no name for, which
        // `-subj` skips), and renders it as we do.
        if typed.contains("1.2.3.4") {
            continue;
        }
        let cert = t.join(&format!("rt{i}.pem"));
        ok(openssl()
            .args([
                "req",
                "-x509",
                "-new",
                "-utf8",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .args(["-nodes", "-keyout"])
            .arg(t.join("k.pem"))
            .args(["-days", "1", "-subj", typed, "-out"])
            .arg(&cert));
        let pem = std::fs::read(&cert).unwrap();
        let (_, block) = x509_parser::pem::parse_x509_pem(&pem).unwrap();
        let parsed = block.parse_x509().unwrap();
        assert_eq!(parsed.subject().as_raw(), der.as_slice(), "DER of {typed}");
        assert_eq!(
            openssl_name(&cert, "subject"),
            format!("{canonical}\n").into_bytes()
        );
    }
}

/// The `dbtls: error: ` lines of a stderr.
fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("dbtls: error: "))
        .collect()
}

/// Runs `dbtls` and returns (exit code, stdout, stderr) as text.
fn outcome(cmd: &mut std::process::Command) -> (Option<i32>, String, String) {
    let out = run(cmd);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const DEFAULT_MODE_WARNING: &str = "dbtls: warning: the SQL holds backslashes and is for a session in the default sql_mode: if the session has NO_BACKSLASH_ESCAPES (see SELECT @@sql_mode), print it with --sql-mode no-backslash-escapes\n";
const NBE_MODE_WARNING: &str = "dbtls: warning: the SQL holds backslashes and is for a session with NO_BACKSLASH_ESCAPES: if the session does not have it (see SELECT @@sql_mode), print it with --sql-mode default\n";

#[test]
fn sql_quotes_every_literal_for_the_sql_mode_and_skips_cas() {
    let t = TestDir::new();
    let (ca, leaf) = ca_and_leaf(&t, "sql", "/CN=Root's CA", r"/CN=a\/b'c\\d");
    let bundle = t.join("bundle.pem");
    let both = [std::fs::read(&leaf).unwrap(), std::fs::read(&ca).unwrap()].concat();
    std::fs::write(&bundle, both).unwrap();
    let sql = |user: &str, mode: Option<&str>| {
        let mut cmd = t.dbtls();
        cmd.args(["inspect", "--sql", "--user", user, "--host", "10.0.%"]);
        if let Some(m) = mode {
            cmd.args(["--sql-mode", m]);
        }
        let (code, out, err) = outcome(cmd.arg(&bundle));
        // Leave out the warnings about the names themselves (OpenSSL 1 differs, backslash).
        let err: String = err
            .lines()
            .filter(|l| !l.contains(" #1: subject: ") && !l.contains(" #1: issuer: "))
            .map(|l| format!("{l}\n"))
            .collect();
        (code, out, err)
    };
    // Quotes are doubled in both modes (`\'` would end the literal with NO_BACKSLASH_ESCAPES).
    let default = (
        Some(0),
        r"ALTER USER 'o''neil\\'@'10.0.%' REQUIRE SUBJECT '/CN=a\\/b''c\\d' AND ISSUER '/CN=Root''s CA';"
            .to_string()
            + "\n",
        DEFAULT_MODE_WARNING.to_string(),
    );
    assert_eq!(sql("o'neil\\", None), default);
    assert_eq!(sql("o'neil\\", Some("default")), default);
    assert_eq!(
        sql("o'neil", Some("no-backslash-escapes")),
        (
            Some(0),
            r"ALTER USER 'o''neil'@'10.0.%' REQUIRE SUBJECT '/CN=a\/b''c\d' AND ISSUER '/CN=Root''s CA';"
                .to_string()
                + "\n",
            NBE_MODE_WARNING.to_string(),
        )
    );
    // No backslash anywhere: no warning.
    let (code, out, err) = outcome(
        t.dbtls()
            .args(["inspect", "--sql", "--user", "bob", "--sql-mode"])
            .arg("no-backslash-escapes")
            .arg(&ca_and_leaf(&t, "plain", "/CN=CA", "/CN=bob").1),
    );
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            Some(0),
            "ALTER USER 'bob'@'%' REQUIRE SUBJECT '/CN=bob' AND ISSUER '/CN=CA';\n",
            ""
        )
    );
    // A trailing backslash would escape the closing quote in a default-mode session.
    let (code, out, err) = sql("o'neil\\", Some("no-backslash-escapes"));
    assert_eq!((code, out.as_str()), (Some(1), ""), "{err}");
    assert!(
        err.starts_with(
            "dbtls: error: --user: the user name has a backslash before a quote or at its end: "
        ) && err.lines().count() == 1,
        "{err}"
    );
    let (code, _, err) = sql("o'neil", Some("ansi"));
    assert_eq!(code, Some(2), "{err}");
    let e = run(t.dbtls().args(["inspect", "--sql"]).arg(&bundle));
    assert_eq!(e.status.code(), Some(2), "--sql needs --user");
    let e = run(t
        .dbtls()
        .args(["inspect", "--sql-mode", "default"])
        .arg(&bundle));
    assert_eq!(e.status.code(), Some(2), "--sql-mode needs --sql");
}

#[test]
fn keys_are_described_and_linked_and_errors_name_the_file() {
    let t = TestDir::new();
    let (ca, leaf) = ca_and_leaf(&t, "k", "/CN=CA", "/CN=client");
    ok(openssl().current_dir(t.path()).args([
        "pkcs8",
        "-topk8",
        "-v2",
        "aes-256-cbc",
        "-in",
        "k-key.pem",
        "-out",
        "enc.pem",
        "-passout",
        "pass:pw",
    ]));
    ok(openssl().current_dir(t.path()).args([
        "x509",
        "-in",
        "k-cert.pem",
        "-outform",
        "der",
        "-out",
        "cert.der",
    ]));
    ok(openssl().current_dir(t.path()).args([
        "pkey",
        "-in",
        "k-key.pem",
        "-pubout",
        "-out",
        "pub.pem",
    ]));
    std::fs::write(t.join("garbage.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap();

    let text = ok(t
        .dbtls()
        .args(["inspect", "k-key.pem", "cert.der", "pub.pem"]));
    assert!(
        text.contains(
            "k-key.pem #1: private key: EC P-256, not encrypted, belongs to certificate cert.der #1"
        ),
        "{text}"
    );
    assert!(text.contains("cert.der #1: certificate"), "{text}");
    assert!(text.contains("pub.pem #1: public key: EC P-256"), "{text}");
    assert!(
        text.contains("expires in 1 days") || text.contains("expires in 2 days"),
        "{text}"
    );

    let text = ok(t.dbtls().args(["inspect", "enc.pem", "k-cert.pem"]));
    assert!(text.contains("type hidden by encryption"), "{text}");
    let text = ok(t
        .dbtls()
        .args(["inspect", "--passin", "pass:pw", "enc.pem", "k-cert.pem"]));
    assert!(
        text.contains("EC P-256, encrypted, belongs to certificate k-cert.pem #1"),
        "{text}"
    );

    // A wrong password and a garbled file fail with one line each; the good file is still shown.
    let out = run(t
        .dbtls()
        .args([
            "inspect",
            "--passin",
            "pass:nope",
            "enc.pem",
            "garbage.pem",
            "missing.pem",
        ])
        .arg(&ca));
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr(&out);
    let errors = error_lines(&stderr);
    assert_eq!(errors.len(), 3, "{stderr}");
    assert!(
        errors[0].starts_with("dbtls: error: enc.pem: ") && errors[0].contains("password"),
        "{stderr}"
    );
    assert!(
        errors[1].starts_with("dbtls: error: garbage.pem: "),
        "{stderr}"
    );
    assert!(
        errors[2].starts_with("dbtls: error: missing.pem: "),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("certificate"));
    let _ = leaf;
}

#[test]
fn json_has_the_stable_keys() {
    let t = TestDir::new();
    let (_, leaf) = ca_and_leaf(&t, "j", "/CN=CA", "/O=x+CN=y/CN=z");
    let out = ok(t
        .dbtls()
        .args(["inspect", "--format", "json"])
        .arg(&leaf)
        .arg(t.join("j-key.pem")));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    let c = &items[0];
    for k in [
        "kind",
        "source",
        "index",
        "subject",
        "issuer",
        "subject_rfc4514",
        "serial",
        "not_before",
        "not_after",
        "key",
        "signature_algorithm",
        "san",
        "is_ca",
        "path_len",
        "key_usage",
        "ext_key_usage",
        "sha256_fingerprint",
    ] {
        assert!(c.get(k).is_some(), "missing {k}: {c}");
    }
    assert_eq!(c["kind"], "certificate");
    assert_eq!(c["subject"], "/CN=y+O=x/CN=z");
    assert_eq!(c["subject_rfc4514"], "CN=z,CN=y+O=x");
    assert_eq!(c["key"]["type"], "EC");
    assert_eq!(items[1]["kind"], "private_key");
    assert_eq!(items[1]["belongs_to"]["index"], 1);
}

#[test]
fn stdin_and_multi_block_pem() {
    let t = TestDir::new();
    let (ca, leaf) = ca_and_leaf(&t, "s", "/CN=The CA", "/CN=leaf");
    let chain = [
        std::fs::read(&leaf).unwrap(),
        b"some text between\n".to_vec(),
        std::fs::read(&ca).unwrap(),
    ]
    .concat();
    let mut child = t
        .dbtls()
        .args(["inspect", "--field", "subject", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&chain).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "/CN=leaf\n/CN=The CA\n"
    );
    let err = fails(
        t.dbtls()
            .args(["inspect", "--field", "subject"])
            .arg(t.join("s.csr"))
            .arg(t.path()),
    );
    assert!(err.contains("is a directory"), "{err}");
}

#[test]
fn a_control_character_cannot_reach_the_terminal() {
    let t = TestDir::new();
    let (_, leaf) = ca_and_leaf(&t, "esc", "/CN=CA", "/CN=evil\u{1b}[2J/OU=x");
    let text = ok(t.dbtls().args(["inspect"]).arg(&leaf));
    assert!(!text.contains('\u{1b}'), "{text}");
    let err = fails(
        t.dbtls()
            .args(["inspect", "--field", "subject", "--dialect", "tidb"])
            .arg(&leaf),
    );
    assert!(err.contains("control characters"), "{err}");
}

/// C1 controls (NEL U+0085, CSI U+009B), DEL and bidi overrides/isolates are valid UTF-8 that
/// serde_json and a raw `--field` would pass to the terminal: every output path escapes or
/// refuses them, and JSON still decodes to the true value.
#[test]
fn c1_and_bidi_controls_cannot_reach_the_terminal() {
    let t = TestDir::new();
    let cn = "evil\u{85}\u{9b}2J\u{202e}gnp.exe\u{2066}\u{7f}";
    let (_, leaf) = ca_and_leaf(&t, "c1", "/CN=CA", &format!("/CN={cn}/OU=x"));
    let raw = |s: &str| {
        s.chars()
            .any(|c| matches!(c, '\u{7f}' | '\u{85}' | '\u{9b}' | '\u{202e}' | '\u{2066}'))
    };
    let text = ok(t.dbtls().args(["inspect"]).arg(&leaf));
    assert!(!raw(&text), "{text}");
    for dialect in ["openssl3", "tidb"] {
        let out = ok(t
            .dbtls()
            .args(["inspect", "--format", "json", "--dialect", dialect])
            .arg(&leaf));
        assert!(!raw(&out), "{out}");
        assert!(
            out.contains(r"\u0085\u009b2J\u202egnp.exe\u2066\u007f"),
            "{out}"
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["subject_rfc4514"], format!("OU=x,CN={cn}"));
        if dialect == "tidb" {
            assert_eq!(v[0]["subject"], format!("/CN={cn}/OU=x"));
        } else {
            assert_eq!(
                v[0]["subject"],
                r"/CN=evil\xC2\x85\xC2\x9B2J\xE2\x80\xAEgnp.exe\xE2\x81\xA6\x7F/OU=x"
            );
        }
    }
    // TiDB strings are decoded text: --field and --sql refuse them and show them escaped.
    for args in [
        &["--field", "subject"][..],
        &["--sql", "--user", "u"],
        &["--sql", "--user", "u", "--sql-mode", "no-backslash-escapes"],
    ] {
        let (code, out, err) = outcome(
            t.dbtls()
                .args(["inspect", "--dialect", "tidb"])
                .args(args)
                .arg(&leaf),
        );
        assert_eq!((code, out.as_str()), (Some(1), ""), "{args:?}: {err}");
        assert!(!raw(&err), "{err}");
        assert!(err.contains("U+0085"), "{args:?}: {err}");
        assert!(
            err.lines().last().is_some_and(
                |l| l.starts_with("dbtls: error: ") && l.contains("c1-cert.pem #1: the ")
            ),
            "{err}"
        );
    }
    let err = fails(
        t.dbtls()
            .args(["inspect", "--dialect", "tidb", "--field", "subject"])
            .arg(&leaf),
    );
    assert!(
        err.contains(r"/CN=evil\u{85}\u{9b}2J\u{202e}gnp.exe\u{2066}\u{7f}/OU=x"),
        "{err}"
    );
    // A bidi control alone (no C0/C1) is refused too.
    let (_, bidi) = ca_and_leaf(&t, "bidi", "/CN=CA", "/CN=abc\u{202e}fed");
    let err = fails(
        t.dbtls()
            .args(["inspect", "--dialect", "tidb", "--sql", "--user", "u"])
            .arg(&bidi),
    );
    assert!(err.contains("U+202E"), "{err}");
    // The OpenSSL dialects print such bytes as \xHH: exact and safe.
    let out = ok(t.dbtls().args(["inspect", "--field", "subject"]).arg(&bidi));
    assert_eq!(out, "/CN=abc\\xE2\\x80\\xAEfed\n");
}

/// The CA name of the MariaDB tests: a two-member RDN, an escaped `/` and quotes.
const SERVER_CA_SUBJECT: &str = r"/O=Test\/CA+OU=x/CN=Root 'CA'";

/// A CA named [`SERVER_CA_SUBJECT`], a server certificate for localhost and a MariaDB server
/// using them; returns (server, CA certificate, CA key).
fn tls_server(t: &TestDir) -> (MariaDb, PathBuf, PathBuf) {
    let (ca, server) = ca_and_leaf(t, "srv", SERVER_CA_SUBJECT, "/CN=localhost");
    let db = MariaDb::start(&ca, &server, &t.join("srv-key.pem"));
    (db, ca, t.join("srv-ca-key.pem"))
}

/// A string literal for the tests' own SQL (default sql_mode).
fn literal(text: &str) -> String {
    let l =
        dbtls::pki::oneline::sql_literal(text.as_bytes(), dbtls::pki::oneline::SqlMode::Default);
    String::from_utf8(l.unwrap()).unwrap()
}

/// `user` connects over TLS with a client certificate and key and runs `SELECT CURRENT_USER()`.
fn login(
    db: &MariaDb,
    user: &str,
    ca: &Path,
    (cert, key): &(PathBuf, PathBuf),
) -> std::process::Output {
    run(db
        .client()
        .arg("-u")
        .arg(user)
        .arg(format!("--ssl-ca={}", ca.display()))
        .arg(format!("--ssl-cert={}", cert.display()))
        .arg(format!("--ssl-key={}", key.display()))
        .args(["-e", "SELECT CURRENT_USER()"]))
}

/// `user` logs in with `good` and is denied (1045) with `other`, a certificate of the same CA:
/// the stored REQUIRE SUBJECT/ISSUER is the server's string for `good`.
fn assert_only_this_certificate_logs_in(
    db: &MariaDb,
    user: &str,
    ca: &Path,
    good: &(PathBuf, PathBuf),
    other: &(PathBuf, PathBuf),
    context: &str,
) {
    let out = login(db, user, ca, good);
    assert!(
        out.status.success(),
        "{context}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        db.error_log()
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        // Batch output escapes backslashes.
        format!("{}@%\n", user.replace('\\', "\\\\")),
        "{context}"
    );
    let bad = login(db, user, ca, other);
    let context = format!("{context}: another certificate of the same CA");
    assert_access_denied(&bad, &context);
}

/// On a real server: for each tricky subject, the `--sql` output run through the client creates
/// an account that the certificate logs in to and another certificate of the same CA does not.
#[test]
fn mariadb_accepts_the_sql_for_the_right_certificate_only() {
    let t = TestDir::new();
    let (db, ca, ca_key) = tls_server(&t);
    let other = openssl_leaf(&t, "other", "/CN=someone else", &ca, &ca_key);
    let subjects = [
        r"/CN=a\/b+UID=u/O=O'Brien \x41",
        "/DC=org/DC=example/CN=Müller",
        "/CN=x, y; \"z\" #1 % _",
    ];
    for (i, subj) in subjects.iter().enumerate() {
        let user = format!("u{i}'\\x");
        let cert = openssl_leaf(&t, &format!("c{i}"), subj, &ca, &ca_key);
        let sql = ok(t
            .dbtls()
            .args(["inspect", "--sql", "--user", &user, "--host", "%"])
            .arg(&cert.0));
        assert_eq!(sql.lines().count(), 1, "{sql}");
        let file = t.join(&format!("c{i}.sql"));
        let create = format!("CREATE USER {}@'%';\n", literal(&user));
        std::fs::write(&file, format!("{create}{sql}")).unwrap();
        db.root_sql_file(&file);
        let context = format!("{subj}\n{sql}");
        assert_only_this_certificate_logs_in(&db, &user, &ca, &cert, &other, &context);
    }
}

/// Hostile subjects (openssl `-subj` syntax, `\\` is one backslash) and whether
/// `--sql-mode no-backslash-escapes` prints them: it refuses an odd run of backslashes before a
/// quote or at the end, which would end the literal early in a default-mode session.
const HOSTILE_SUBJECTS: &[(&str, bool)] = &[
    ("/CN=x'; DROP USER victim@localhost; -- ", true),
    (
        "/CN=O'Brien \\\\\\\\'' OR 1=1; DROP USER victim@localhost; #",
        true,
    ),
    (
        "/CN=back\\\\slash\\\\/O=x'; DROP USER victim@localhost; -- ",
        true,
    ),
    ("/CN=a\\\\'; DROP USER victim@localhost; -- ", false),
    (
        "/O=x'; DROP USER victim@localhost; -- /CN=ends in a backslash\\\\",
        false,
    ),
];

/// On a real server, in a session with each sql_mode: `inspect --sql --sql-mode MODE` of a
/// certificate with a hostile subject is exactly one statement (victim@localhost survives, the
/// session counts the statements it ran) and stores the server's string (the certificate logs
/// in, another does not). Each statement pasted into a session of the other mode stores another
/// string but is still one statement. Fails on the old `\'` quoting: with NO_BACKSLASH_ESCAPES
/// the quote ended the literal and the DROP USER ran.
#[test]
fn mariadb_runs_hostile_subjects_as_one_statement_in_both_sql_modes() {
    let t = TestDir::new();
    let (db, ca, ca_key) = tls_server(&t);
    db.root_sql("CREATE USER victim@localhost");
    let other = openssl_leaf(&t, "other", "/CN=someone else", &ca, &ca_key);
    let victim_exists = || {
        db.root_sql("SELECT COUNT(*) FROM mysql.user WHERE User = 'victim' AND Host = 'localhost'")
            == "1\n"
    };
    let modes = [
        (
            "default",
            "SET SESSION sql_mode = DEFAULT;\n",
            DEFAULT_MODE_WARNING,
        ),
        (
            "no-backslash-escapes",
            "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES';\n",
            NBE_MODE_WARNING,
        ),
    ];
    // Runs `set_mode` then `statement` in one client session, as a user pastes them; returns
    // the number of statements the session ran besides `set_mode` and the count (Questions
    // counts the SHOW itself).
    let paste = |name: &str, set_mode: &str, statement: &str| {
        let file = t.join(&format!("{name}.sql"));
        std::fs::write(
            &file,
            format!("{set_mode}{statement}SHOW SESSION STATUS LIKE 'Questions';\n"),
        )
        .unwrap();
        let out = db.root_sql_file(&file);
        let count: usize = out
            .strip_prefix("Questions\t")
            .and_then(|n| n.trim_end().parse().ok())
            .unwrap_or_else(|| panic!("{name}: {out}"));
        count - 2
    };
    for (m, (mode, _, warning)) in modes.iter().enumerate() {
        for (i, (subj, printed)) in HOSTILE_SUBJECTS.iter().enumerate() {
            let name = format!("m{m}s{i}");
            let user = format!("u{m}{i}'\\x");
            let cert = openssl_leaf(&t, &name, subj, &ca, &ca_key);
            let (code, sql, err) = outcome(
                t.dbtls()
                    .args(["inspect", "--sql", "--user", &user, "--sql-mode", mode])
                    .arg(&cert.0),
            );
            if *mode == "no-backslash-escapes" && !printed {
                assert_eq!((code, sql.as_str()), (Some(1), ""), "{subj}: {err}");
                assert!(
                    err.lines().last().is_some_and(|l| l.starts_with("dbtls: error: ")
                        && l.contains(&format!(
                        "{name}-cert.pem #1: the subject has a backslash before a quote or at its end: "
                    ))) && !err.contains("the SQL holds"),
                    "{err}"
                );
                continue;
            }
            assert_eq!(code, Some(0), "{subj}: {err}");
            assert!(
                err.ends_with(warning) && err.matches("the SQL holds").count() == 1,
                "{err}"
            );
            assert_eq!(sql.lines().count(), 1, "{sql}");
            // The other mode reads the user name differently too (`\\x` or `x` for `\x`).
            let misread = if m == 0 {
                user.replace('\\', "\\\\")
            } else {
                user.replace('\\', "")
            };
            db.root_sql(&format!(
                "CREATE USER {}@'%', {}@'%'",
                literal(&user),
                literal(&misread)
            ));
            // The other mode first: a different string, but no statement of its own.
            let (_, wrong_set, _) = modes[1 - m];
            assert_eq!(
                paste(&format!("{name}-wrong"), wrong_set, &sql),
                1,
                "{subj}: {sql}"
            );
            assert!(victim_exists(), "{subj}: {sql}");
            let (_, set_mode, _) = modes[m];
            assert_eq!(paste(&name, set_mode, &sql), 1, "{subj}: {sql}");
            assert!(victim_exists(), "{subj}: {sql}");
            let context = format!("{mode} {subj}\n{sql}");
            assert_only_this_certificate_logs_in(&db, &user, &ca, &cert, &other, &context);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Containers: made by openssl, keytool and `dbtls export`, listed by `dbtls inspect` exactly as
// the peer lists them.

/// A chain made with the binary: `d/ca.pem` ← `int.pem` ← `leaf.pem` (+ `leaf-key.pem`), with a
/// leaf subject that needs escaping, and `chain.pem` = leaf, intermediate, root.
fn chain_fixture() -> TestDir {
    let t = TestDir::new();
    t.setup_datadir("d");
    let setup_ca = Issuer::new("d/ca.pem", "d/ca-key.pem");
    let int_outs = ["--out-cert", "int.pem", "--out-key", "int-key.pem"];
    ok(t.issue(
        "intermediate",
        "/O=Example/CN=Example DB CA",
        Some(&setup_ca),
        &int_outs,
    ));
    let leaf = r"/O=My Dom, Inc./CN=alice+UID=a\/b";
    let leaf_extra = [
        "--key-type",
        "ecdsa-p256",
        "--out-cert",
        "leaf.pem",
        "--out-key",
        "leaf-key.pem",
    ];
    let int = Issuer::new("int.pem", "int-key.pem");
    ok(t.issue("client", leaf, Some(&int), &leaf_extra));
    let chain: String = ["leaf.pem", "int.pem", "d/ca.pem"]
        .iter()
        .map(|f| std::fs::read_to_string(t.join(f)).unwrap())
        .collect();
    std::fs::write(t.join("chain.pem"), chain).unwrap();
    t
}

/// (subject in `-nameopt compat`, SHA-256 fingerprint) of every certificate in a PEM text, per
/// `openssl x509`, in order.
fn openssl_certs(t: &TestDir, pem_text: &str) -> Vec<(String, String)> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = pem_text;
    while let Some(start) = rest.find(BEGIN) {
        let stop = rest[start..].find(END).expect("END line") + start + END.len();
        let file = t.join("oracle-one.pem");
        std::fs::write(&file, format!("{}\n", &rest[start..stop])).unwrap();
        let text = ok(openssl()
            .args([
                "x509",
                "-noout",
                "-subject",
                "-nameopt",
                "compat",
                "-fingerprint",
                "-sha256",
                "-in",
            ])
            .arg(&file));
        let get = |prefix: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("no {prefix} in {text}"))
                .to_string()
        };
        out.push((get("subject="), get("sha256 Fingerprint=")));
        rest = &rest[stop..];
    }
    out
}

/// The JSON items of `dbtls inspect --format json ARGS`.
fn inspect_json(t: &TestDir, args: &[&str]) -> Vec<serde_json::Value> {
    let out = ok(t.dbtls().args(["inspect", "--format", "json"]).args(args));
    match serde_json::from_str(&out).unwrap() {
        serde_json::Value::Array(items) => items,
        other => panic!("not an array: {other}"),
    }
}

/// (subject, fingerprint) of the certificates `dbtls inspect` lists, in order; the `--field
/// subject` output must list the same subjects.
fn dbtls_certs(t: &TestDir, args: &[&str]) -> Vec<(String, String)> {
    let certs: Vec<(String, String)> = inspect_json(t, args)
        .iter()
        .filter(|i| i["kind"] == "certificate")
        .map(|i| {
            (
                i["subject"].as_str().unwrap().to_string(),
                i["sha256_fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let field = ok(t.dbtls().args(["inspect", "--field", "subject"]).args(args));
    let subjects: Vec<String> = certs.iter().map(|(s, _)| format!("{s}\n")).collect();
    assert_eq!(field, subjects.concat(), "--field subject of {args:?}");
    certs
}

#[test]
fn p7b_made_by_openssl_der_pem_and_inside_a_pem_bundle_lists_what_openssl_lists() {
    let t = chain_fixture();
    ok(openssl().current_dir(t.path()).args([
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        "chain.pem",
        "-outform",
        "DER",
        "-out",
        "chain.p7b",
    ]));
    ok(openssl().current_dir(t.path()).args([
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        "chain.pem",
        "-out",
        "chain-pem.p7b",
    ]));
    let printed = ok(openssl().current_dir(t.path()).args([
        "pkcs7",
        "-print_certs",
        "-inform",
        "DER",
        "-in",
        "chain.p7b",
    ]));
    let oracle = openssl_certs(&t, &printed);
    assert_eq!(oracle.len(), 3);
    assert_eq!(oracle[0].0, r"/O=My Dom, Inc./CN=alice+UID=a\/b");
    let printed_pem =
        ok(openssl()
            .current_dir(t.path())
            .args(["pkcs7", "-print_certs", "-in", "chain-pem.p7b"]));
    assert_eq!(openssl_certs(&t, &printed_pem), oracle);
    assert_eq!(dbtls_certs(&t, &["chain.p7b"]), oracle, "DER p7b");
    assert_eq!(dbtls_certs(&t, &["chain-pem.p7b"]), oracle, "PEM p7b");

    // A PKCS7 block among other PEM blocks: a certificate, the p7b, then a key.
    let mixed = [
        std::fs::read_to_string(t.join("d/server-cert.pem")).unwrap(),
        std::fs::read_to_string(t.join("chain-pem.p7b")).unwrap(),
        std::fs::read_to_string(t.join("leaf-key.pem")).unwrap(),
    ]
    .concat();
    std::fs::write(t.join("mixed.pem"), mixed).unwrap();
    let server = openssl_certs(
        &t,
        &std::fs::read_to_string(t.join("d/server-cert.pem")).unwrap(),
    );
    let want: Vec<_> = server.into_iter().chain(oracle).collect();
    assert_eq!(dbtls_certs(&t, &["mixed.pem"]), want);
    let text = ok(t.dbtls().args(["inspect", "mixed.pem"]));
    assert!(
        text.contains("mixed.pem #2: certificate (PEM block 2 (PKCS7) certificate 1)"),
        "{text}"
    );
    assert!(
        text.contains("mixed.pem #5: private key (PEM block 3 (PRIVATE KEY)): EC P-256, not encrypted, belongs to certificate mixed.pem #2"),
        "{text}"
    );
}

#[test]
fn p12_made_by_openssl_default_and_legacy_lists_what_openssl_lists() {
    let t = chain_fixture();
    for (name, extra) in [("modern.p12", &[][..]), ("legacy.p12", &["-legacy"][..])] {
        t.openssl_p12_of_leaf(name, &[&["-name", "My Client"][..], extra].concat());
        let printed = ok(openssl()
            .current_dir(t.path())
            .args(["pkcs12", "-nokeys", "-passin", "pass:pw", "-in", name])
            .args(extra));
        let oracle = openssl_certs(&t, &printed);
        assert_eq!(oracle.len(), 3, "{name}");
        let ours = dbtls_certs(&t, &["--passin", "pass:pw", name]);
        assert_eq!(sorted(ours.clone()), sorted(oracle.clone()), "{name}");
        assert_eq!(ours[0], oracle[0], "{name}: the key's certificate first");

        let items = inspect_json(&t, &["--passin", "pass:pw", name]);
        assert_eq!(items[0]["kind"], "private_key", "{name}");
        assert_eq!(items[0]["alias"], "My Client", "{name}");
        assert_eq!(items[0]["key"]["type"], "EC", "{name}");
        assert_eq!(items[0]["belongs_to"]["index"], 2, "{name}");
        assert_eq!(items[1]["alias"], "My Client", "{name}");
        let text = ok(t.dbtls().args(["inspect", "--passin", "pass:pw", name]));
        assert!(
            text.contains(&format!(
                "{name} #1: private key (PKCS#12 key entry 'My Client'): EC P-256, encrypted, belongs to certificate {name} #2"
            )),
            "{text}"
        );
        assert!(
            text.contains("  alias:               My Client\n"),
            "{text}"
        );

        // Without --passin: one error line naming the file.
        let err = fails(t.dbtls().args(["inspect", name]));
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{err}");
        assert!(
            lines[0].starts_with(&format!("dbtls: error: {name}: "))
                && lines[0].contains("--passin"),
            "{err}"
        );
    }
}

/// keytool's view of a store: aliases, and (subject per openssl, SHA-256) of every certificate
/// of every entry (`-list -rfc` through openssl; the fingerprints also from `-list -v`).
fn keytool_view(t: &TestDir, store: &str, kind: &str) -> (Vec<String>, Vec<(String, String)>) {
    let list = |extra: &str| {
        ok(keytool()
            .current_dir(t.path())
            .args(["-list", extra, "-storetype", kind, "-storepass", "storepw"])
            .args(["-keystore", store]))
    };
    let verbose = list("-v");
    let mut aliases: Vec<String> = verbose
        .lines()
        .filter_map(|l| l.strip_prefix("Alias name: "))
        .map(str::to_string)
        .collect();
    aliases.sort();
    let mut fingerprints: Vec<String> = verbose
        .lines()
        .filter_map(|l| l.trim().strip_prefix("SHA256: "))
        .map(str::to_string)
        .collect();
    let certs = openssl_certs(t, &list("-rfc"));
    let mut from_rfc: Vec<String> = certs.iter().map(|(_, f)| f.clone()).collect();
    fingerprints.sort();
    from_rfc.sort();
    assert_eq!(fingerprints, from_rfc, "keytool -v and -rfc agree");
    (aliases, sorted(certs))
}

fn dbtls_aliases(t: &TestDir, args: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = inspect_json(t, args)
        .iter()
        .filter_map(|i| i["alias"].as_str().map(str::to_string))
        .collect();
    a.sort();
    a.dedup();
    a
}

#[test]
fn jks_and_p12_made_by_keytool_list_what_keytool_lists_with_and_without_password() {
    let t = chain_fixture();
    for (store, kind) in [("kt.jks", "JKS"), ("kt.p12", "PKCS12")] {
        ok(keytool()
            .current_dir(t.path())
            .args(["-genkeypair", "-storetype", kind, "-keyalg", "EC"])
            .args(["-groupname", "secp256r1", "-alias", "Mine"])
            .args(["-dname", "CN=keytool key, O=Example"])
            .args(["-storepass", "storepw", "-keypass", "storepw"])
            .args(["-keystore", store]));
        ok(keytool()
            .current_dir(t.path())
            .args(["-importcert", "-noprompt", "-storetype", kind])
            .args(["-alias", "TheCA", "-storepass", "storepw"])
            .args(["-file", "d/ca.pem", "-keystore", store]));
        ok(keytool()
            .current_dir(t.path())
            .args(["-importcert", "-noprompt", "-storetype", kind])
            .args(["-alias", "inter", "-storepass", "storepw"])
            .args(["-file", "int.pem", "-keystore", store]));
        let (aliases, oracle) = keytool_view(&t, store, kind);
        assert_eq!(oracle.len(), 3, "{store}");
        assert_eq!(aliases, ["inter", "mine", "theca"], "{store}");

        let with = ["--passin", "pass:storepw", store];
        assert_eq!(sorted(dbtls_certs(&t, &with)), oracle, "{store}");
        // keytool shows PKCS#12 aliases lowercased (Java's alias map); the file keeps the
        // friendlyName as typed ("TheCA", as `openssl pkcs12` shows too), and so do we.
        let ours: Vec<String> = dbtls_aliases(&t, &with)
            .iter()
            .map(|a| a.to_lowercase())
            .collect();
        assert_eq!(sorted(ours), aliases, "{store}");
        let text = ok(t.dbtls().arg("inspect").args(with));
        let kind_name = if kind == "JKS" { "JKS" } else { "PKCS#12" };
        assert!(
            text.contains(&format!(
                "{store} #1: private key ({kind_name} key entry 'mine'): EC P-256, encrypted, belongs to certificate {store} #2"
            )),
            "{text}"
        );
        let out = run(t
            .dbtls()
            .args(["inspect", "--passin", "pass:storepw", store]));
        assert!(out.status.success());
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("integrity"),
            "checked: no warning"
        );
    }

    // A JKS without its password: every certificate, the key entry's chain included, and a
    // warning that integrity was not checked (as keytool does).
    assert_eq!(
        sorted(dbtls_certs(&t, &["kt.jks"])),
        keytool_view(&t, "kt.jks", "JKS").1
    );
    assert_eq!(dbtls_aliases(&t, &["kt.jks"]), ["inter", "mine", "theca"]);
    let out = run(t.dbtls().args(["inspect", "kt.jks"]));
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "dbtls: warning: kt.jks: JKS read without its password: the store's integrity was not checked\n"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("kt.jks #1: private key (JKS key entry 'mine'): not decrypted (read without the store password), belongs to certificate kt.jks #2"),
        "{text}"
    );
    let items = inspect_json(&t, &["kt.jks"]);
    assert_eq!(items[0]["locked"], true);
    assert_eq!(items[0]["belongs_to"]["index"], 2);

    // A wrong store password: one error line naming the file, exit 1, the good file still shown.
    for store in ["kt.jks", "kt.p12"] {
        let out = run(t
            .dbtls()
            .args(["inspect", "--passin", "pass:wrong", store, "leaf.pem"]));
        assert_eq!(out.status.code(), Some(1), "{store}");
        let stderr = crate::util::stderr(&out);
        let lines = error_lines(&stderr);
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(
            lines[0].starts_with(&format!("dbtls: error: {store}: "))
                && lines[0].contains("password"),
            "{stderr}"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("leaf.pem #1: certificate\n"), "{stdout}");
        assert!(!stdout.contains(store), "{stdout}");
    }
}

#[test]
fn our_own_exports_are_inspected_leaf_first_with_their_key() {
    let t = chain_fixture();
    let oracle = openssl_certs(&t, &std::fs::read_to_string(t.join("chain.pem")).unwrap());
    let cert_args = ["--cert", "d/ca.pem", "leaf.pem", "int.pem"];
    let export = |args: &[&str]| ok(t.dbtls().arg("export").args(args).args(cert_args));
    export(&["p7b", "--out", "o.p7b"]);
    export(&["p7b", "--pem", "--out", "o-pem.p7b"]);
    assert_eq!(dbtls_certs(&t, &["o.p7b"]), oracle);
    assert_eq!(dbtls_certs(&t, &["o-pem.p7b"]), oracle);
    for (name, extra) in [
        ("o.jks", &["jks"][..]),
        ("o.p12", &["p12"][..]),
        ("o-legacy.p12", &["p12", "--legacy"][..]),
    ] {
        export(
            &[
                extra,
                &[
                    "--out",
                    name,
                    "--key",
                    "leaf-key.pem",
                    "--alias",
                    "client",
                    "--passout",
                    "pass:pw",
                ],
            ]
            .concat(),
        );
        let args = ["--passin", "pass:pw", name];
        assert_eq!(dbtls_certs(&t, &args), oracle, "{name}");
        assert_eq!(dbtls_aliases(&t, &args), ["client"], "{name}");
        let text = ok(t.dbtls().arg("inspect").args(args));
        assert!(
            text.contains("key entry 'client'): EC P-256, encrypted, belongs to certificate")
                && text.contains(&format!("belongs to certificate {name} #2\n")),
            "{text}"
        );
    }
    // Our JKS without a password: the chain, and the warning.
    assert_eq!(dbtls_certs(&t, &["o.jks"]), oracle);
    let out = run(t.dbtls().args(["inspect", "o.jks"]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("integrity was not checked"));
}

#[test]
fn pkcs1_sec1_and_legacy_encrypted_keys_show_type_size_and_their_certificate() {
    let t = TestDir::new();
    ok(openssl()
        .current_dir(t.path())
        .args(["genrsa", "-traditional", "-out", "rsa.pem", "3072"]));
    ok(openssl().current_dir(t.path()).args([
        "genrsa",
        "-traditional",
        "-aes128",
        "-passout",
        "pass:pw",
        "-out",
        "rsa-enc.pem",
        "2048",
    ]));
    ok(openssl().current_dir(t.path()).args([
        "ecparam",
        "-genkey",
        "-name",
        "secp384r1",
        "-out",
        "ec.pem",
    ]));
    for (key, cert, pass) in [
        ("rsa.pem", "rsa-cert.pem", None),
        ("rsa-enc.pem", "rsa-enc-cert.pem", Some("pass:pw")),
        ("ec.pem", "ec-cert.pem", None),
    ] {
        let mut cmd = openssl();
        cmd.current_dir(t.path())
            .args(["req", "-x509", "-new", "-days", "2", "-subj"])
            .arg(format!("/CN={key}"))
            .args(["-key", key, "-out", cert]);
        if let Some(p) = pass {
            cmd.args(["-passin", p]);
        }
        ok(&mut cmd);
    }
    assert!(
        std::fs::read_to_string(t.join("rsa.pem"))
            .unwrap()
            .starts_with("-----BEGIN RSA PRIVATE KEY-----\n")
    );
    let ec = std::fs::read_to_string(t.join("ec.pem")).unwrap();
    assert!(ec.contains("-----BEGIN EC PRIVATE KEY-----\n"), "{ec}");

    let out = run(t.dbtls().args([
        "inspect",
        "rsa.pem",
        "ec.pem",
        "rsa-enc.pem",
        "ec-cert.pem",
        "rsa-cert.pem",
        "rsa-enc-cert.pem",
    ]));
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "no warning");
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "rsa.pem #1: private key: RSA 3072, not encrypted, belongs to certificate rsa-cert.pem #1",
        "ec.pem #1: private key (PEM block 2 (EC PRIVATE KEY)): EC P-384, not encrypted, belongs to certificate ec-cert.pem #1",
        "rsa-enc.pem #1: private key: RSA (size hidden by encryption), encrypted, certificate unknown while encrypted",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
    let text = ok(t.dbtls().args([
        "inspect",
        "--passin",
        "pass:pw",
        "rsa-enc.pem",
        "rsa-enc-cert.pem",
    ]));
    assert!(
        text.contains(
            "rsa-enc.pem #1: private key: RSA 2048, encrypted, belongs to certificate rsa-enc-cert.pem #1"
        ),
        "{text}"
    );
    let items = inspect_json(&t, &["rsa.pem", "rsa-cert.pem"]);
    assert_eq!(items[0]["key"]["type"], "RSA");
    assert_eq!(items[0]["key"]["bits"], 3072);
    assert_eq!(items[0]["belongs_to"]["source"], "rsa-cert.pem");
}
