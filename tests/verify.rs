//! `dbtls verify` against `openssl verify -x509_strict`: for each chain of a corpus made by
//! openssl (and `dbtls issue`), the verdict and the first error number must be OpenSSL's.

use std::path::Path;
use std::process::Command;

use crate::util::{TestDir, fails, ok, openssl, run};

const EXT: &str = r#"[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[int]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[int0]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[mysqlca]
basicConstraints = CA:TRUE
[server]
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:db1.example.com,DNS:*.db.example.com,IP:10.0.0.5
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server_noakid]
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:db1.example.com
[nosan]
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:app1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[noca]
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ca]
default_ca = ca_int
[ca_int]
database = index.txt
crlnumber = crlnumber
default_md = sha256
default_crl_days = 30
certificate = int.pem
private_key = int.key
"#;

/// Builds the corpus in `dir` with the openssl CLI.
fn corpus(dir: &TestDir) {
    std::fs::write(dir.join("ext.cnf"), EXT).unwrap();
    let script = r#"
set -e
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
selfsigned() { # name key subject section
  openssl req -x509 -new -key "$2" -subj "$3" -days 3650 -config ext.cnf -extensions "$4" -out "$1.pem"; }
sign() { # name key subject section issuer days
  openssl req -new -key "$2" -subj "$3" -config ext.cnf -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA "$5.pem" -CAkey "$5.key" -CAcreateserial -days "$6" \
    -extfile ext.cnf -extensions "$4" -out "$1.pem" 2>/dev/null; }
for k in root int int0 int2 srv cli other noca evil mysqlca; do ec $k.key; done
selfsigned root root.key /CN=Root root
selfsigned other other.key /CN=Other root
sign int int.key /CN=Int int root 3650
sign srv srv.key /CN=db1 server int 825
sign cli cli.key /CN=app1 client int 825
sign nosan srv.key /CN=db1 nosan int 825
sign revoked srv.key /CN=db2 server int 825
sign noca noca.key /CN=NotCA noca int 825
sign undernoca srv.key /CN=db3 server noca 825
sign int0 int0.key /CN=Int0 int0 root 3650
sign int2 int2.key /CN=Int2 int int0 3650
sign deep srv.key /CN=db4 server int2 825
selfsigned evil evil.key /CN=Int root
selfsigned mysqlca mysqlca.key /CN=MySQL_CA mysqlca
sign mysqlsrv srv.key /CN=db5 server mysqlca 825
openssl req -new -key srv.key -subj /CN=Self -out self.csr
openssl x509 -req -in self.csr -signkey srv.key -days 30 -out self.pem 2>/dev/null
openssl genrsa -out v1.key 2048 2>/dev/null
openssl req -new -key v1.key -subj /CN=V1CA -out v1.csr
openssl x509 -req -in v1.csr -signkey v1.key -days 3650 -out v1.pem 2>/dev/null
sign underv1 srv.key /CN=db6 server_noakid v1 825
openssl genrsa -out weak.key 1024 2>/dev/null
selfsigned weak weak.key /CN=WeakRoot root
sign underweak srv.key /CN=db7 server weak 825
# CRLs of Int: one revoking revoked.pem, one valid for an hour, one from the look-alike Int.
touch index.txt; echo 01 > crlnumber
openssl ca -config ext.cnf -revoke revoked.pem 2>/dev/null
openssl ca -config ext.cnf -gencrl -out int.crl 2>/dev/null
openssl ca -config ext.cnf -gencrl -crlhours 1 -out short.crl 2>/dev/null
sed -e 's/^certificate = int.pem/certificate = evil.pem/' -e 's/^private_key = int.key/private_key = evil.key/' ext.cnf > evil.cnf
openssl ca -config evil.cnf -gencrl -out evil.crl 2>/dev/null
sed -e 's/^certificate = int.pem/certificate = root.pem/' -e 's/^private_key = int.key/private_key = root.key/' ext.cnf > root.cnf
openssl ca -config root.cnf -gencrl -out root.crl 2>/dev/null
"#;
    ok(Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir.path()));
}

/// One verification: the files and flags, in dbtls's spelling.
#[derive(Default, Clone)]
struct Case<'a> {
    cert: &'a str,
    ca: &'a [&'a str],
    untrusted: &'a [&'a str],
    purpose: Option<&'a str>,
    host: Option<&'a str>,
    crl: Option<&'a str>,
    at: Option<i64>,
    /// Without `-x509_strict` (dbtls `--no-strict`): as MySQL and MariaDB verify.
    relaxed: bool,
}

/// `openssl verify`'s verdict: None for OK, else the first (error number, depth).
fn openssl_verdict(dir: &Path, c: &Case<'_>) -> Option<(u32, u32)> {
    let mut cmd = openssl();
    cmd.current_dir(dir).arg("verify");
    if !c.relaxed {
        cmd.arg("-x509_strict");
    }
    if let Some(p) = c.purpose {
        cmd.args([
            "-purpose",
            if p == "server" {
                "sslserver"
            } else {
                "sslclient"
            },
        ]);
    }
    if let Some(h) = c.host {
        let flag = if h.parse::<std::net::IpAddr>().is_ok() {
            "-verify_ip"
        } else {
            "-verify_hostname"
        };
        cmd.args([flag, h]);
    }
    if let Some(crl) = c.crl {
        cmd.args(["-crl_check", "-CRLfile", crl]);
    }
    if let Some(at) = c.at {
        cmd.args(["-attime", &at.to_string()]);
    }
    // One bundle, as -CAfile takes one file.
    let bundle: String =
        c.ca.iter()
            .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
            .collect();
    std::fs::write(dir.join("anchors.pem"), bundle).unwrap();
    cmd.args(["-CAfile", "anchors.pem"]);
    if !c.untrusted.is_empty() {
        let pool: String = c
            .untrusted
            .iter()
            .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
            .collect();
        std::fs::write(dir.join("pool.pem"), pool).unwrap();
        cmd.args(["-untrusted", "pool.pem"]);
    }
    cmd.arg(c.cert);
    let out = run(&mut cmd);
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    if out.status.success() {
        assert!(text.contains(": OK"), "{text}");
        return None;
    }
    let line = text
        .lines()
        .find(|l| l.contains("error ") && l.contains(" depth lookup:"))
        .unwrap_or_else(|| panic!("no error line in openssl's output:\n{text}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "error").unwrap();
    Some((
        words[at + 1].parse().unwrap(),
        words[at + 3].parse().unwrap(),
    ))
}

fn dbtls_cmd(dir: &TestDir, c: &Case<'_>) -> Command {
    let mut cmd = dir.dbtls();
    cmd.args(["verify", c.cert, "--format", "json"]);
    if c.relaxed {
        cmd.arg("--no-strict");
    }
    for f in c.ca {
        cmd.args(["--ca", f]);
    }
    for f in c.untrusted {
        cmd.args(["--untrusted", f]);
    }
    if let Some(p) = c.purpose {
        cmd.args(["--purpose", p]);
    }
    if let Some(h) = c.host {
        cmd.args(["--host", h]);
    }
    if let Some(crl) = c.crl {
        cmd.args(["--crl", crl]);
    }
    if let Some(at) = c.at {
        cmd.args(["--at", &at.to_string()]);
    }
    cmd
}

/// dbtls's verdict as (first OpenSSL error, depth), and the parsed JSON.
fn dbtls_verdict(dir: &TestDir, c: &Case<'_>) -> (Option<(u32, u32)>, serde_json::Value) {
    let out = run(&mut dbtls_cmd(dir, c));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let item = &json["certificates"][0];
    let verdict = item["reason"].as_object().map(|r| {
        (
            r["openssl_error"].as_u64().unwrap() as u32,
            r["depth"].as_u64().unwrap() as u32,
        )
    });
    assert_eq!(
        out.status.code(),
        Some(if verdict.is_some() { 1 } else { 0 }),
        "{json}"
    );
    (verdict, json)
}

/// `dbtls verify CERT --ca root.pem --untrusted int.pem` followed by `extra`.
fn verify_via_int(dir: &TestDir, cert: &str, extra: &[&str]) -> Command {
    let mut cmd = dir.dbtls();
    cmd.args(["verify", cert, "--ca", "root.pem", "--untrusted", "int.pem"])
        .args(extra);
    cmd
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn verdicts_and_reasons_equal_openssl() {
    let dir = TestDir::new();
    corpus(&dir);
    let base = Case {
        ca: &["root.pem"],
        untrusted: &["int.pem"],
        ..Case::default()
    };
    let in_an_hour_and_a_bit = now() + 2 * 3600;
    let cases: Vec<(&str, Case<'_>, Option<u32>)> = vec![
        (
            "good server chain",
            Case {
                cert: "srv.pem",
                purpose: Some("server"),
                host: Some("db1.example.com"),
                ..base.clone()
            },
            None,
        ),
        (
            "good client chain",
            Case {
                cert: "cli.pem",
                purpose: Some("client"),
                ..base.clone()
            },
            None,
        ),
        (
            "wildcard host",
            Case {
                cert: "srv.pem",
                purpose: Some("server"),
                host: Some("x.db.example.com"),
                ..base.clone()
            },
            None,
        ),
        (
            "wildcard one label only",
            Case {
                cert: "srv.pem",
                host: Some("a.x.db.example.com"),
                ..base.clone()
            },
            Some(62),
        ),
        (
            "host mismatch",
            Case {
                cert: "srv.pem",
                host: Some("db2.example.com"),
                ..base.clone()
            },
            Some(62),
        ),
        (
            "CN ignored when SANs exist",
            Case {
                cert: "srv.pem",
                host: Some("db1"),
                ..base.clone()
            },
            Some(62),
        ),
        (
            "CN used without SAN",
            Case {
                cert: "nosan.pem",
                host: Some("db1"),
                ..base.clone()
            },
            None,
        ),
        (
            "IP match",
            Case {
                cert: "srv.pem",
                host: Some("10.0.0.5"),
                ..base.clone()
            },
            None,
        ),
        (
            "IP mismatch",
            Case {
                cert: "srv.pem",
                host: Some("10.0.0.6"),
                ..base.clone()
            },
            Some(64),
        ),
        (
            "expired",
            Case {
                cert: "srv.pem",
                at: Some(now() + 900 * 86400),
                ..base.clone()
            },
            Some(10),
        ),
        (
            "not yet valid",
            Case {
                cert: "future.pem",
                ..base.clone()
            },
            Some(9),
        ),
        (
            "unknown CA",
            Case {
                cert: "srv.pem",
                ca: &["other.pem"],
                ..base.clone()
            },
            Some(20),
        ),
        (
            "intermediate missing",
            Case {
                cert: "srv.pem",
                untrusted: &[],
                ..base.clone()
            },
            Some(20),
        ),
        (
            "intermediate trusted, root missing",
            Case {
                cert: "srv.pem",
                ca: &["int.pem"],
                untrusted: &[],
                ..base.clone()
            },
            Some(2),
        ),
        (
            "self-signed leaf",
            Case {
                cert: "self.pem",
                ..base.clone()
            },
            Some(18),
        ),
        (
            "untrusted root in chain",
            Case {
                cert: "srv.pem",
                ca: &["other.pem"],
                untrusted: &["int.pem", "root.pem"],
                ..base.clone()
            },
            Some(19),
        ),
        (
            "leaf signed by a non-CA",
            Case {
                cert: "undernoca.pem",
                untrusted: &["int.pem", "noca.pem"],
                ..base.clone()
            },
            Some(79),
        ),
        (
            "path length exceeded",
            Case {
                cert: "deep.pem",
                untrusted: &["int0.pem", "int2.pem"],
                ..base.clone()
            },
            Some(25),
        ),
        (
            "client certificate as server",
            Case {
                cert: "cli.pem",
                purpose: Some("server"),
                ..base.clone()
            },
            Some(26),
        ),
        (
            "server certificate as client",
            Case {
                cert: "srv.pem",
                purpose: Some("client"),
                ..base.clone()
            },
            Some(26),
        ),
        (
            "not revoked",
            Case {
                cert: "srv.pem",
                crl: Some("int.crl"),
                ..base.clone()
            },
            None,
        ),
        (
            "revoked",
            Case {
                cert: "revoked.pem",
                crl: Some("int.crl"),
                ..base.clone()
            },
            Some(23),
        ),
        (
            "CRL expired",
            Case {
                cert: "srv.pem",
                crl: Some("short.crl"),
                at: Some(in_an_hour_and_a_bit),
                ..base.clone()
            },
            Some(12),
        ),
        (
            "CRL of another CA",
            Case {
                cert: "srv.pem",
                crl: Some("root.crl"),
                ..base.clone()
            },
            Some(3),
        ),
        (
            "CRL signed by a look-alike",
            Case {
                cert: "srv.pem",
                crl: Some("evil.crl"),
                ..base.clone()
            },
            Some(8),
        ),
        // A v1 CA has no SKID, so its leaf has no AKID: strict mode reports that first (85).
        (
            "v1 CA",
            Case {
                cert: "underv1.pem",
                ca: &["v1.pem"],
                untrusted: &[],
                ..base.clone()
            },
            Some(85),
        ),
        (
            "RSA-1024 root",
            Case {
                cert: "underweak.pem",
                ca: &["weak.pem"],
                untrusted: &[],
                ..base.clone()
            },
            None,
        ),
        (
            "mysql_ssl_rsa_setup-style CA",
            Case {
                cert: "mysqlsrv.pem",
                ca: &["mysqlca.pem"],
                untrusted: &[],
                ..base.clone()
            },
            Some(89),
        ),
        (
            "look-alike issuer",
            Case {
                cert: "srv.pem",
                untrusted: &["evil.pem"],
                ..base.clone()
            },
            Some(20),
        ),
    ];
    // A not-yet-valid leaf from dbtls issue (openssl x509 cannot set notBefore).
    let rfc = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let (nb, na) = (rfc(now() + 30 * 86400), rfc(now() + 60 * 86400));
    ok(dir.dbtls().args([
        "issue",
        "server",
        "--subject",
        "/CN=db8",
        "--ca",
        "int.pem",
        "--ca-key",
        "int.key",
        "--key",
        "srv.key",
        "--san",
        "db1.example.com",
        "--not-before",
        &nb,
        "--not-after",
        &na,
        "--out-cert",
        "future.pem",
    ]));
    let mut failures = Vec::new();
    for (name, case, expected) in &cases {
        let theirs = openssl_verdict(dir.path(), case);
        let (ours, json) = dbtls_verdict(&dir, case);
        if theirs.map(|t| t.0) != *expected {
            failures.push(format!(
                "{name}: corpus: openssl says {theirs:?}, the test expects {expected:?}"
            ));
        }
        if ours != theirs {
            failures.push(format!(
                "{name}: dbtls {ours:?} != openssl {theirs:?}\n{json}"
            ));
        }
        // The same chain as the servers judge it: openssl verify without -x509_strict.
        let relaxed = Case {
            relaxed: true,
            ..case.clone()
        };
        let theirs = openssl_verdict(dir.path(), &relaxed);
        let (ours, json) = dbtls_verdict(&dir, &relaxed);
        if ours != theirs {
            failures.push(format!(
                "{name} (no strict): dbtls {ours:?} != openssl {theirs:?}\n{json}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The servers accept a CA with non-critical basicConstraints and no keyUsage (as
    // mysql_ssl_rsa_setup made): relaxed mode accepts it, and warns with strict mode's error.
    let (verdict, json) = dbtls_verdict(
        &dir,
        &Case {
            cert: "mysqlsrv.pem",
            ca: &["mysqlca.pem"],
            relaxed: true,
            ..Case::default()
        },
    );
    assert_eq!(verdict, None, "{json}");
    let warned = json["certificates"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["status"] == "warning" && c["openssl_error"] == 89);
    assert!(warned, "{json}");
}

#[test]
fn warnings_fail_on_and_expiry() {
    let dir = TestDir::new();
    corpus(&dir);
    // RSA-1024 and the v1-free weak root: accepted with a security-level warning.
    let out = ok(dir
        .dbtls()
        .args(["verify", "underweak.pem", "--ca", "weak.pem"]));
    assert!(out.contains("warning security-level"), "{out}");
    assert!(out.contains("verdict: accepted, with warnings"), "{out}");
    fails(dir.dbtls().args([
        "verify",
        "underweak.pem",
        "--ca",
        "weak.pem",
        "--fail-on",
        "warning",
    ]));
    // No SAN: a warning naming the clients.
    let out = ok(verify_via_int(&dir, "nosan.pem", &[]));
    assert!(
        out.contains("warning san") && out.contains("rustls"),
        "{out}"
    );
    // v1 CA: OpenSSL's error plus the rustls warning.
    let out = run(dir
        .dbtls()
        .args(["verify", "underv1.pem", "--ca", "v1.pem"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains("warning version") && text.contains("rustls"),
        "{text}"
    );
    // Expiry: 825-day certificate; within 1000 days is an error, within 30 a warning later on.
    fails(verify_via_int(
        &dir,
        "srv.pem",
        &["--expires-within", "1000"],
    ));
    ok(verify_via_int(&dir, "srv.pem", &["--expires-within", "10"]));
    let soon = (now() + 810 * 86400).to_string();
    let out = ok(verify_via_int(&dir, "srv.pem", &["--at", &soon]));
    assert!(out.contains("warning expiry"), "{out}");
    // Extra certificates in CERT's own file complete the chain.
    let bundle = std::fs::read_to_string(dir.join("srv.pem")).unwrap()
        + &std::fs::read_to_string(dir.join("int.pem")).unwrap();
    std::fs::write(dir.join("fullchain.pem"), bundle).unwrap();
    ok(dir.dbtls().args([
        "verify",
        "fullchain.pem",
        "--ca",
        "root.pem",
        "--purpose",
        "server",
    ]));
}

#[test]
fn key_json_and_bad_input() {
    let dir = TestDir::new();
    corpus(&dir);
    ok(verify_via_int(&dir, "srv.pem", &["--key", "srv.key"]));
    let out = run(verify_via_int(
        &dir,
        "srv.pem",
        &["--key", "cli.key", "--format", "json"],
    ));
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["verdict"], "refused");
    assert_eq!(json["certificates"][0]["reason"]["id"], "key-mismatch");
    for check in json["certificates"][0]["checks"].as_array().unwrap() {
        for key in ["check", "status", "certificate", "detail", "fix"] {
            assert!(check.get(key).is_some(), "{key} missing in {check}");
        }
    }
    let key_check = json["certificates"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "key")
        .unwrap();
    assert_eq!(key_check["status"], "error");
    assert!(
        key_check["fix"]
            .as_str()
            .unwrap()
            .starts_with("use the key"),
        "{key_check}"
    );
    // Text: each error has a fix line.
    let out = run(verify_via_int(&dir, "srv.pem", &["--host", "db9"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("error   host") && text.contains("fix:") && text.contains("--san db9"),
        "{text}"
    );
    // Bad input: one line, exit 1.
    let err = fails(
        dir.dbtls()
            .args(["verify", "missing.pem", "--ca", "root.pem"]),
    );
    assert!(
        err.starts_with("dbtls: error: missing.pem") && err.lines().count() == 1,
        "{err}"
    );
    let err = fails(dir.dbtls().args(["verify", "ext.cnf", "--ca", "root.pem"]));
    assert!(err.starts_with("dbtls: error: ext.cnf"), "{err}");
    let err = fails(
        dir.dbtls()
            .args(["verify", "srv.pem", "--ca", "root.pem", "--crl", "srv.pem"]),
    );
    assert!(err.starts_with("dbtls: error: srv.pem"), "{err}");
}
