//! What reaches stdout: a closed or full stdout after the work is done, escaped file names, and
//! option-file snippets for datadir paths that would otherwise inject lines.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::util::{TestDir, ok, run};

/// Runs `cmd` with stdout a pipe whose reading end is already closed, as in `dbtls ... | true`
/// once `true` has exited: every write gets EPIPE.
fn with_closed_stdout(cmd: &mut Command) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdout(writer).stderr(Stdio::piped());
    cmd.output().unwrap()
}

/// `/dev/full` as stdout: every write fails with ENOSPC.
fn dev_full() -> File {
    File::options().write(true).open("/dev/full").unwrap()
}

#[test]
fn a_closed_pipe_ends_quietly_with_exit_0() {
    let t = TestDir::new();
    ok(t.dbtls().args(["setup", "-d", "d"]));
    for args in [
        &["config", "mysql", "-d", "d"][..],
        &["config", "tidb", "-d", "d"],
        &["key", "new", "--out", "k.pem"],
        &["setup", "-d", "e"],
    ] {
        let out = with_closed_stdout(t.dbtls().args(args));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
    // The writing commands did their work before the pipe was found closed.
    assert!(t.join("k.pem").exists());
    assert!(t.join("e/ca.pem").exists());
}

#[test]
fn a_full_stdout_after_commit_is_a_warning_not_a_failure() {
    let t = TestDir::new();
    let out = run(t.dbtls().args(["setup", "-d", "d"]).stdout(dev_full()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("dbtls: warning: the files were written, but the summary could not be printed: No space left on device"),
        "{stderr}"
    );
    assert_eq!(crate::util::listing(&t.join("d")).len(), 8);

    // A command that writes nothing but its output has failed when that output is lost.
    let out = run(t
        .dbtls()
        .args(["config", "mysql", "-d", "d"])
        .stdout(dev_full()));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "dbtls: error: writing to stdout: No space left on device (os error 28)\n"
    );
}

#[test]
fn written_file_names_are_escaped() {
    let t = TestDir::new();
    let stdout = ok(t
        .dbtls()
        .args(["key", "new", "--out", "a\x1b]0;owned\x07\u{202e}.pem"]));
    assert!(
        !stdout.contains('\x1b') && !stdout.contains('\u{202e}'),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("a\\u{1b}]0;owned\\u{7}\\u{202e}.pem"),
        "{stdout}"
    );
}

#[test]
fn a_datadir_with_a_newline_cannot_inject_option_lines() {
    let t = TestDir::new();
    let dir = "d\nplugin_load_add=evil.so\n";
    ok(t.dbtls().args(["setup", "-d", dir]));
    for target in ["mysql", "mariadb", "tidb", "client"] {
        let out = run(t.dbtls().args(["config", target, "-d", dir]));
        assert_eq!(out.status.code(), Some(1), "{target}");
        assert!(out.stdout.is_empty(), "{target}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(
                "d\\u{a}plugin_load_add=evil.so\\u{a}: the path holds the control character U+000A"
            ),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // setup itself succeeds (its files are fine) but prints no snippet it cannot make safe.
    let out = run(t.dbtls().args(["setup", "-d", "d2\nx=1", "--force"]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(!stdout.contains("\nx=1"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("dbtls: warning: no option-file snippet")
    );
}

/// The option values `my_print_defaults` (MariaDB's own option-file reader) reads from `text`.
fn parsed_options(t: &TestDir, text: &str, group: &str) -> Vec<String> {
    let cnf = t.join("snippet.cnf");
    std::fs::write(&cnf, text).unwrap();
    let out = ok(Command::new("my_print_defaults")
        .arg(format!("--defaults-file={}", cnf.display()))
        .arg(group));
    out.lines().map(str::to_string).collect()
}

#[test]
fn datadir_paths_with_quotes_hashes_and_backslashes_reach_the_server_intact() {
    let t = TestDir::new();
    let name = r#" we'ird #dir\s "q" "#;
    let dir = t.join(name);
    ok(t.dbtls().args(["setup", "-d"]).arg(&dir));
    let dir = std::fs::canonicalize(&dir).unwrap();
    let path = |f: &str| dir.join(f).display().to_string();

    let mariadb = ok(t.dbtls().args(["config", "mariadb", "-d"]).arg(&dir));
    assert_eq!(
        parsed_options(&t, &mariadb, "mariadb"),
        [
            format!("--ssl_ca={}", path("ca.pem")),
            format!("--ssl_cert={}", path("server-cert.pem")),
            format!("--ssl_key={}", path("server-key.pem")),
            "--require_secure_transport=ON".to_string(),
        ]
    );
    let client = ok(t.dbtls().args(["config", "client", "-d"]).arg(&dir));
    assert_eq!(
        parsed_options(&t, &client, "client")[..3],
        [
            format!("--ssl-ca={}", path("ca.pem")),
            format!("--ssl-cert={}", path("client-cert.pem")),
            format!("--ssl-key={}", path("client-key.pem")),
        ]
    );

    // TiDB's TOML, read by Python's tomllib (an independent TOML 1.0 parser).
    let tidb = ok(t.dbtls().args(["config", "tidb", "-d"]).arg(&dir));
    let toml = t.join("tidb.toml");
    std::fs::write(&toml, &tidb).unwrap();
    let read = ok(Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, tomllib; s = tomllib.load(open(sys.argv[1], 'rb'))['security']; \
         print(s['ssl-ca']); print(s['ssl-cert']); print(s['ssl-key'])",
        )
        .arg(&toml));
    assert_eq!(
        read,
        format!(
            "{}\n{}\n{}\n",
            path("ca.pem"),
            path("server-cert.pem"),
            path("server-key.pem")
        )
    );
    assert!(Path::new(&path("server-key.pem")).exists());
}

#[test]
fn ordinary_paths_stay_unquoted() {
    let t = TestDir::new();
    ok(t.dbtls().args(["setup", "-d", "plain"]));
    let text = ok(t.dbtls().args(["config", "mysql", "-d", "plain"]));
    let dir = std::fs::canonicalize(t.join("plain")).unwrap();
    assert!(
        text.contains(&format!("\nssl_ca={}/ca.pem\n", dir.display())),
        "{text}"
    );
}
