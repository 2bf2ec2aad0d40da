//! Issue 14: the setup snippet of the installed server (proved on a real MariaDB), `--format
//! json` and `--quiet`, completions and man pages, key formats read back by openssl, colour.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::util::mariadb::MariaDb;
use crate::util::{TestDir, key_new_args, mode, ok, run, stderr, stdout};

/// A directory holding fake server binaries, put first on PATH.
fn fake_bin(t: &TestDir, name: &str, script: &str) -> String {
    let dir = t.join("fakebin");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// `dbtls setup -d DIR` with PATH, returning the indented lines after "Next:".
fn setup_next_lines(t: &TestDir, dir: &str, path: &str) -> (String, Vec<String>) {
    let out = run(t
        .dbtls()
        .env("PATH", path)
        .env_remove("DBTLS_SERVER_KIND")
        .args(["setup", "-d", dir, "--key-type", "ecdsa-p256"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let (_, next) = text.split_once("\nNext: ").expect("no Next: lines");
    let header = next.lines().next().unwrap().to_string();
    let lines = next
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .map(str::to_string)
        .collect();
    (header, lines)
}

fn have_ssl(server: &MariaDb) -> String {
    server.root_sql("SELECT @@have_ssl").trim().to_string()
}

/// `dbtls issue client` of an ECDSA certificate `/CN=old` that expired in 2021, signed by the CA
/// of `dd`, to `old.pem` and `old-key.pem`, followed by `extra`.
fn issue_expired_client_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let args = [
        "issue",
        "client",
        "--subject",
        "/CN=old",
        "--ca",
        "dd/ca.pem",
        "--ca-key",
        "dd/ca-key.pem",
        "--not-before",
        "2020-01-01T00:00:00Z",
        "--not-after",
        "2021-01-01T00:00:00Z",
        "--out-cert",
        "old.pem",
        "--out-key",
        "old-key.pem",
        "--key-type",
        "ecdsa-p256",
    ];
    [&args[..], extra].concat()
}

#[test]
fn setup_prints_the_snippet_of_the_server_on_path() {
    let t = TestDir::new();
    let mysql = fake_bin(
        &t,
        "mysqld",
        "echo 'mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)'",
    );
    let (header, lines) = setup_next_lines(&t, "my", &mysql);
    assert!(
        header.contains("dbtls config mysql|mariadb|tidb"),
        "{header}"
    );
    assert_eq!(lines[0], "[mysqld]");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("caching_sha2_password_private_key_path="))
    );

    // MariaDB 10.3 had only mysqld, which names itself in --version.
    let t = TestDir::new();
    let old_mariadb = fake_bin(
        &t,
        "mysqld",
        "echo 'mysqld  Ver 10.3.39-MariaDB-0+deb10u1 for debian-linux-gnu on x86_64'",
    );
    let (header, lines) = setup_next_lines(&t, "ma", &old_mariadb);
    assert!(header.contains("MariaDB"), "{header}");
    assert_eq!(lines[0], "[mariadb]");
    assert!(
        !lines.iter().any(|l| l.contains("caching_sha2")),
        "{lines:?}"
    );

    let t = TestDir::new();
    let tidb = fake_bin(&t, "tidb-server", "exit 0");
    let (header, lines) = setup_next_lines(&t, "ti", &tidb);
    assert!(header.contains("tidb.toml"), "{header}");
    assert_eq!(lines[0], "[security]");
    assert!(lines.iter().any(|l| l.starts_with("ssl-ca = \"")));

    // Nothing known: the three lines every server accepts, and where the rest is.
    let t = TestDir::new();
    let out = run(t.dbtls().env("DBTLS_SERVER_KIND", "none").args([
        "setup",
        "-d",
        "no",
        "--key-type",
        "ecdsa-p256",
    ]));
    let text = stdout(&out);
    assert!(text.contains("dbtls config mysql|mariadb|tidb prints the full snippet"));
    let dir = std::fs::canonicalize(t.join("no")).unwrap();
    assert!(text.ends_with(&format!(
        "  [mysqld]\n  ssl_ca={d}/ca.pem\n  ssl_cert={d}/server-cert.pem\n  ssl_key={d}/server-key.pem\n",
        d = dir.display()
    )));
    let bad = run(t
        .dbtls()
        .env("DBTLS_SERVER_KIND", "oracle")
        .args(["setup", "-d", "x"]));
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        stderr(&bad),
        "dbtls: error: DBTLS_SERVER_KIND=oracle: expected mysql, mariadb, tidb or none\n"
    );
}

#[test]
fn config_mysql_claims_no_mariadb_support_for_mysql_only_variables() {
    let t = TestDir::new();
    let text = t.dbtls_ok(&["config", "mysql", "-d", "/d"]);
    assert!(!text.contains("MariaDB 10.5.2+"), "{text}");
    assert!(text.contains("MySQL only"), "{text}");
}

/// The lines setup printed, pasted as they are, and `dbtls config mariadb`'s output: a real
/// MariaDB starts on both with TLS. The MySQL lines stop it (the bug of issue 14), which shows
/// that the harness notices a server that refuses its option file.
#[test]
fn mariadb_starts_with_the_printed_lines_and_the_config_output() {
    let t = TestDir::new();
    // The real mariadbd first on PATH (a symlink named mariadbd, as Debian installs it).
    let bin = t.join("realbin");
    std::fs::create_dir_all(&bin).unwrap();
    let real = ["/usr/sbin/mariadbd", "/usr/bin/mariadbd"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("mariadbd not found: install mariadb-server (test.sh does)");
    std::os::unix::fs::symlink(real, bin.join("mariadbd")).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let (header, lines) = setup_next_lines(&t, "dd", &path);
    assert!(header.contains("MariaDB"), "{header}");
    t.write("printed.cnf", lines.join("\n") + "\n");
    let server = MariaDb::start_with_option_file(&t.join("printed.cnf"));
    assert_eq!(have_ssl(&server), "YES", "{}", server.error_log());
    drop(server);

    let config = t.dbtls_ok(&["config", "mariadb", "-d", "dd"]);
    t.write("config.cnf", &config);
    let server = MariaDb::start_with_option_file(&t.join("config.cnf"));
    assert_eq!(have_ssl(&server), "YES", "{}", server.error_log());
    drop(server);

    let generic = run(t.dbtls().env("DBTLS_SERVER_KIND", "none").args([
        "setup",
        "-d",
        "g",
        "--key-type",
        "ecdsa-p256",
    ]));
    let lines: Vec<&str> = std::str::from_utf8(&generic.stdout)
        .unwrap()
        .lines()
        .skip_while(|l| !l.starts_with("Next:"))
        .filter_map(|l| l.strip_prefix("  "))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    t.write("generic.cnf", lines.join("\n") + "\n");
    let server = MariaDb::start_with_option_file(&t.join("generic.cnf"));
    assert_eq!(have_ssl(&server), "YES", "{}", server.error_log());
    drop(server);

    let mysql = t.dbtls_ok(&["config", "mysql", "-d", "dd"]);
    t.write("mysql.cnf", mysql.replace("[mysqld]", "[mariadb]"));
    let refused = MariaDb::try_start_with_option_file(&t.join("mysql.cnf"));
    let Err(e) = refused else {
        panic!("MariaDB started on MySQL's caching_sha2_password variables")
    };
    assert!(e.contains("unknown variable"), "{e}");
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

fn file_sha256(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn format_json_lists_the_files_written() {
    let t = TestDir::new();
    let out = run(t.dbtls().env("DBTLS_SERVER_KIND", "mysql").args([
        "setup",
        "-d",
        "dd",
        "--key-type",
        "ecdsa-p256",
        "--format",
        "json",
    ]));
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");
    let v = json(&out.stdout);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 8);
    for f in files {
        let path = Path::new(f["path"].as_str().unwrap());
        assert!(path.is_absolute());
        assert_eq!(f["mode"], format!("{:04o}", mode(path)));
        assert_eq!(f["sha256"], file_sha256(path));
    }
    let ca = &files[0];
    assert_eq!(ca["kind"], "certificate");
    let ca_path = ca["path"].as_str().unwrap();
    let fp = t.x509_field(ca_path, "-fingerprint");
    let openssl_fp = t.openssl_ok(&["x509", "-in", ca_path, "-noout", "-fingerprint", "-sha256"]);
    assert_eq!(
        openssl_fp.trim(),
        format!(
            "sha256 Fingerprint={}",
            ca["sha256_fingerprint"].as_str().unwrap()
        ),
        "{fp}"
    );
    let subject = t.openssl_ok(&[
        "x509", "-in", ca_path, "-noout", "-subject", "-nameopt", "compat",
    ]);
    assert_eq!(
        subject.trim(),
        format!("subject={}", ca["subject"].as_str().unwrap())
    );
    assert!(ca["not_after"].as_str().unwrap().ends_with('Z'));
    assert_eq!(files[1]["kind"], "private-key");
    assert_eq!(files[1]["mode"], "0600");
    assert_eq!(files[1]["subject"], Value::Null);
    assert_eq!(v["warnings"], serde_json::json!([]));

    // Skipped parts are listed; nothing is written.
    let again = json(
        &t.dbtls_run(&["setup", "-d", "dd", "--format", "json"])
            .stdout,
    );
    assert_eq!(again["files"], serde_json::json!([]));
    assert_eq!(again["skipped"].as_array().unwrap().len(), 2);

    // issue (warnings included), key, csr, export, man.
    let v = json(
        &t.dbtls_run(&issue_expired_client_args(&["--format", "json"]))
            .stdout,
    );
    assert_eq!(v["files"][0]["kind"], "certificate");
    assert_eq!(v["files"][0]["subject"], "/CN=old");
    assert_eq!(v["files"][0]["not_after"], "2021-01-01T00:00:00Z");
    assert!(!v["warnings"].as_array().unwrap().is_empty(), "{v}");
    let v = json(
        &t.dbtls_run(&key_new_args(
            "ed25519",
            "k.pem",
            &["--public-out", "k.pub", "--format", "json"],
        ))
        .stdout,
    );
    assert_eq!(v["files"][0]["kind"], "private-key");
    assert_eq!(v["files"][1]["kind"], "public-key");
    let v = json(
        &t.dbtls_run(&[
            "csr",
            "new",
            "--subject",
            "/CN=c",
            "--key",
            "k.pem",
            "--out-csr",
            "c.csr",
            "--format",
            "json",
        ])
        .stdout,
    );
    assert_eq!(v["files"][0]["kind"], "csr");
    let v = json(
        &t.dbtls_run(&[
            "export",
            "p12",
            "--out",
            "t.p12",
            "--cert",
            "dd/ca.pem",
            "--passout",
            "pass:changeit",
            "--format",
            "json",
        ])
        .stdout,
    );
    assert_eq!(v["files"][0]["kind"], "pkcs12");
    assert_eq!(v["files"][0]["sha256"], file_sha256(&t.join("t.p12")));
    let v = json(
        &t.dbtls_run(&["man", "--out", "man", "--format", "json"])
            .stdout,
    );
    assert!(
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["kind"] == "man-page")
    );
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let t = TestDir::new();
    let out = t.dbtls_run(&["setup", "-d", "dd", "--key-type", "ecdsa-p256", "-q"]);
    assert!(out.status.success());
    assert_eq!((stdout(&out), stderr(&out)), (String::new(), String::new()));
    assert!(t.join("dd/ca.pem").exists());
    // A warning (an expired certificate) is not printed either; an error is.
    let out = t.dbtls_run(&issue_expired_client_args(&["--quiet"]));
    assert!(out.status.success());
    assert_eq!((stdout(&out), stderr(&out)), (String::new(), String::new()));
    let out = t.dbtls_run(&[
        "key",
        "new",
        "--out",
        "old-key.pem",
        "--key-type",
        "ed25519",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "dbtls: error: old-key.pem: already exists (use --force to replace it)\n"
    );
    // --quiet and --format are one choice; the usage error stays clap's (exit 2).
    let out = t.dbtls_run(&["key", "new", "--out", "x.pem", "-q", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("error: the argument '--quiet' cannot be used"));
}

#[test]
fn completions_and_man_pages() {
    let t = TestDir::new();
    let bash = t.dbtls_ok(&["completions", "bash"]);
    t.write("dbtls.bash", &bash);
    // Sourced by a real bash, it registers the completion of dbtls and completes subcommands.
    let out = ok(Command::new("bash").current_dir(t.path()).args([
        "-c",
        "source ./dbtls.bash && complete -p dbtls && COMP_WORDS=(dbtls ke); COMP_CWORD=1; _dbtls dbtls ke dbtls; echo \"${COMPREPLY[*]}\"",
    ]));
    assert!(out.contains("-F _dbtls dbtls"), "{out}");
    assert!(
        out.lines().last().unwrap().split(' ').any(|w| w == "key"),
        "{out}"
    );
    for (shell, marker) in [
        ("zsh", "#compdef dbtls"),
        ("fish", "complete -c dbtls"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[dbtls]"),
    ] {
        let text = t.dbtls_ok(&["completions", shell]);
        assert!(text.contains(marker), "{shell}: {text:.200}");
        assert!(text.contains("convert"), "{shell} lacks key convert");
    }
    assert_eq!(t.dbtls_run(&["completions", "tcsh"]).status.code(), Some(2));

    let top = t.dbtls_ok(&["man"]);
    assert!(top.contains(".TH dbtls 1"), "{top:.200}");
    t.dbtls_ok(&["man", "--out", "man"]);
    let pages = crate::util::listing(&t.join("man"));
    for page in [
        "dbtls.1",
        "dbtls-setup.1",
        "dbtls-key-convert.1",
        "dbtls-export-p12.1",
    ] {
        assert!(pages.iter().any(|p| p == page), "{page} missing: {pages:?}");
    }
    assert!(pages.len() >= 20, "{pages:?}");
    // groff renders each page without a warning (man -l uses it).
    let out = run(Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(t.join("man/dbtls-key-convert.1")));
    assert!(
        out.status.success() && stderr(&out).is_empty(),
        "{}",
        stderr(&out)
    );
    let text = ok(Command::new("man")
        .env("MANWIDTH", "100")
        .arg("-l")
        .arg(t.join("man/dbtls-key-new.1")));
    assert!(text.contains("--key-format"), "{text}");
    // Existing pages are not replaced without --force; the error is one line.
    let out = t.dbtls_run(&["man", "--out", "man"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("dbtls: error: man/"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1);
    t.dbtls_ok(&["man", "--out", "man", "--force"]);
}

/// `script` gives dbtls a terminal: colour there, none with NO_COLOR, none in a pipe.
#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let bin = env!("CARGO_BIN_EXE_dbtls");
    let on_tty = |no_color: bool| {
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &format!("{bin} --bogus"), "/dev/null"]);
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        String::from_utf8_lossy(&run(cmd).stdout).into_owned()
    };
    let coloured = on_tty(false);
    assert!(
        coloured.contains("\x1b["),
        "no colour on a terminal: {coloured:?}"
    );
    let plain = on_tty(true);
    assert!(
        plain.contains("unexpected argument") && !plain.contains('\x1b'),
        "{plain:?}"
    );
    let t = TestDir::new();
    let piped = t.dbtls_run(&["--bogus"]);
    assert!(!stderr(&piped).contains('\x1b'));
    assert_eq!(piped.status.code(), Some(2));
}
