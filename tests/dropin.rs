//! Invoked as `mysql_ssl_rsa_setup`, dbtls behaves as that program.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{TestDir, listing, run};

/// A `mysql_ssl_rsa_setup` symlink to the binary, run with HOME pointing into the test dir so
/// that the developer's own ~/.my.cnf is never read.
fn dropin(t: &TestDir) -> Command {
    let link: PathBuf = t.join("bin/mysql_ssl_rsa_setup");
    if !link.exists() {
        fs::create_dir_all(t.join("bin")).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_dbtls"), &link).unwrap();
        fs::create_dir_all(t.join("home")).unwrap();
    }
    let mut cmd = Command::new(link);
    cmd.current_dir(t.path())
        .env("HOME", t.join("home"))
        .stdin(Stdio::null());
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `YYYY-MM-DD HH:MM:SS [CLASS]` + padding + message, as client/logger.cc writes.
fn assert_log_line(line: &str, class: &str) {
    let b = line.as_bytes();
    assert!(line.len() > 29, "short log line: {line:?}");
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    assert!(
        digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10),
        "{line:?}"
    );
    assert!(
        b[10] == b' '
            && digits(11..13)
            && b[13] == b':'
            && digits(14..16)
            && b[16] == b':'
            && digits(17..19),
        "{line:?}"
    );
    let tag = format!(" [{class}]{}", " ".repeat(8 - class.len()));
    assert_eq!(&line[19..19 + tag.len()], tag, "{line:?}");
}

fn subject(path: &Path) -> String {
    let out = run(Command::new("openssl")
        .args(["x509", "-noout", "-subject", "-nameopt", "compat", "-in"])
        .arg(path));
    text(&out.stdout)
}

#[test]
fn dropin_writes_the_eight_files_quietly() {
    let t = TestDir::new();
    fs::create_dir(t.join("data")).unwrap();
    let out = run(dropin(&t).arg("--datadir=data"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "quiet without --verbose: {}",
        text(&out.stdout)
    );
    assert_eq!(listing(&t.join("data")).len(), 8);
    assert!(subject(&t.join("data/ca.pem")).contains(&format!(
        "MySQL_Server_{}_Auto_Generated_CA_Certificate",
        env!("CARGO_PKG_VERSION")
    )));
}

#[test]
fn dropin_verbose_logs_notes_in_the_original_format() {
    let t = TestDir::new();
    fs::create_dir(t.join("data")).unwrap();
    let out = run(dropin(&t).args(["-v", "-d", "data", "-s", "abc_1"]));
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    for line in stdout.lines() {
        assert_log_line(line, "NOTE");
    }
    assert!(
        stdout.lines().last().unwrap().ends_with("Success!"),
        "{stdout}"
    );
    assert!(
        subject(&t.join("data/server-cert.pem"))
            .contains("/CN=MySQL_Server_abc_1_Auto_Generated_Server_Certificate")
    );
    // A second run skips both parts, says why, and exits 0.
    let again = run(dropin(&t).args(["--verbose", "--datadir", "data"]));
    assert_eq!(again.status.code(), Some(0));
    let s = text(&again.stdout);
    assert!(
        s.contains("Certificate files are present in given dir. Skipping generation."),
        "{s}"
    );
    assert!(
        s.contains("RSA key files are present in given dir. Skipping generation."),
        "{s}"
    );
}

#[test]
fn dropin_suffix_rules_and_errors() {
    let t = TestDir::new();
    fs::create_dir(t.join("data")).unwrap();
    let long = run(dropin(&t).args(["--datadir=data", "--suffix=abcdefghijklmnopqr"]));
    assert_eq!(long.status.code(), Some(1));
    let err = text(&long.stderr);
    assert_log_line(err.lines().next().unwrap(), "ERROR");
    assert!(
        err.contains("Maximum number of characters allowed as the value for --suffix are 17"),
        "{err}"
    );
    let bad = run(dropin(&t).args(["--datadir=data", "--suffix=8.0.36"]));
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("Invalid string for --suffix option"));
    // The default suffix contains dots and is allowed because it is the default.
    let ok17 = run(dropin(&t).args(["--datadir=data", &format!("--suffix={}", "x".repeat(17))]));
    assert_eq!(ok17.status.code(), Some(0), "{}", text(&ok17.stderr));
    assert_eq!(listing(&t.join("data")).len(), 8);

    let missing = run(dropin(&t).args(["--datadir=nowhere"]));
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("Failed to access directory pointed by --datadir"));
}

#[test]
fn dropin_unknown_options_are_ignored_with_a_warning() {
    let t = TestDir::new();
    fs::create_dir(t.join("data")).unwrap();
    let out = run(dropin(&t).args([
        "--datadir",
        "data",
        "--port=3306",
        "--innodb-buffer-pool-size=1G",
    ]));
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(
        err.contains("--port=3306") && err.contains("[WARNING]"),
        "{err}"
    );
    assert_eq!(listing(&t.join("data")).len(), 8);
}

#[test]
fn dropin_reads_datadir_from_option_files() {
    let t = TestDir::new();
    let data = t.join("from-file");
    fs::create_dir(&data).unwrap();
    fs::create_dir(t.join("conf.d")).unwrap();
    fs::write(
        t.join("conf.d/50-server.cnf"),
        format!("[mysqld]\nport = 3306\ndatadir = {}\n", data.display()),
    )
    .unwrap();
    fs::write(t.join("my.cnf"), "[client]\nuser=x\n!includedir conf.d\n").unwrap();
    let out = run(dropin(&t).arg(format!("--defaults-file={}", t.join("my.cnf").display())));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(listing(&data).len(), 8);

    // [mysql_ssl_rsa_setup] group and !include, via --defaults-extra-file; the command line wins.
    let other = t.join("other");
    fs::create_dir(&other).unwrap();
    fs::write(
        t.join("inc.cnf"),
        format!(
            "[mysql_ssl_rsa_setup]\ndatadir={}\nsuffix=FromFile\n",
            other.display()
        ),
    )
    .unwrap();
    fs::write(t.join("extra.cnf"), "!include inc.cnf\n").unwrap();
    let out = run(dropin(&t)
        .args(["--no-defaults"])
        .arg(format!("--defaults-file={}", t.join("extra.cnf").display())));
    // --no-defaults wins over --defaults-file: nothing is read, so there is no datadir.
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("datadir"),
        "{}",
        text(&out.stderr)
    );
    let out = run(dropin(&t).arg(format!("--defaults-file={}", t.join("extra.cnf").display())));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(subject(&other.join("ca.pem")).contains("MySQL_Server_FromFile_Auto"));
}

#[test]
fn dropin_help_and_version_exit_zero() {
    let t = TestDir::new();
    for flag in ["-?", "--help"] {
        let out = run(dropin(&t).arg(flag));
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).contains("Usage : mysql_ssl_rsa_setup [OPTIONS]"));
    }
    for flag in ["-V", "--version"] {
        let out = run(dropin(&t).arg(flag));
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).starts_with(&format!(
            "mysql_ssl_rsa_setup  Ver {}",
            env!("CARGO_PKG_VERSION")
        )));
    }
}

#[test]
fn dropin_without_any_datadir_fails_clearly() {
    let t = TestDir::new();
    let out = run(dropin(&t).arg("--no-defaults"));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("[ERROR]") && err.contains("--datadir"),
        "{err}"
    );
}

/// `YYYYMMDDTHHMMSSZ` for a UTC time `offset` seconds from now.
fn utc_stamp(offset: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(offset);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The original overwrote a ca-key.pem left without ca.pem (and deleted the client pair); the
/// drop-in must succeed there too, but moves them aside instead of destroying a key.
#[test]
fn dropin_moves_stale_keys_aside_and_writes_a_new_set() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let t = TestDir::new();
    let d = t.join("data");
    fs::create_dir(&d).unwrap();
    let stale = [
        ("ca-key.pem", "OLD CA KEY", 0o640),
        ("client-cert.pem", "OLD CLIENT CERT", 0o644),
        ("client-key.pem", "OLD CLIENT KEY", 0o600),
    ];
    let mut inodes = Vec::new();
    for (name, bytes, mode) in stale {
        fs::write(d.join(name), bytes).unwrap();
        fs::set_permissions(d.join(name), fs::Permissions::from_mode(mode)).unwrap();
        inodes.push(fs::metadata(d.join(name)).unwrap().ino());
    }
    // Backups from an earlier run in the same seconds must survive: a unique name is picked.
    let older: Vec<String> = (-2..=20)
        .map(|s| format!("ca-key.pem.bak-{}", utc_stamp(s)))
        .collect();
    for name in &older {
        fs::write(d.join(name), "OLDER BACKUP").unwrap();
    }

    let out = run(dropin(&t).arg("--datadir=data"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "quiet: {}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.lines().count(),
        3,
        "one WARNING per moved file: {stderr}"
    );
    for line in stderr.lines() {
        assert_log_line(line, "WARNING");
    }

    for ((name, bytes, mode), ino) in stale.iter().zip(inodes) {
        let backups: Vec<String> = listing(&d)
            .into_iter()
            .filter(|f| f.starts_with(&format!("{name}.bak-")) && !older.contains(f))
            .collect();
        assert_eq!(backups.len(), 1, "{name}: {backups:?}");
        let backup = d.join(&backups[0]);
        assert_eq!(fs::read_to_string(&backup).unwrap(), *bytes, "{name}");
        let meta = fs::metadata(&backup).unwrap();
        assert_eq!(meta.mode() & 0o777, *mode, "{name} keeps its mode");
        assert_eq!(meta.ino(), ino, "{name} is moved, not copied (same owner)");
        assert!(
            stderr.contains(&format!(
                "{name} exists without ca.pem: moved it aside to {}",
                backups[0]
            )),
            "{name}: {stderr}"
        );
        assert_ne!(fs::read_to_string(d.join(name)).unwrap(), *bytes, "{name}");
    }
    for name in &older {
        assert_eq!(fs::read_to_string(d.join(name)).unwrap(), "OLDER BACKUP");
    }
    assert_eq!(crate::util::mode(&d.join("ca-key.pem")), 0o600);

    let verified = run(Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(d.join("ca.pem"))
        .arg(d.join("server-cert.pem"))
        .arg(d.join("client-cert.pem")));
    assert_eq!(
        text(&verified.stdout).matches(": OK").count(),
        2,
        "{}",
        text(&verified.stderr)
    );
    let key_pub = run(Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(d.join("ca-key.pem")));
    let cert_pub = run(Command::new("openssl")
        .args(["x509", "-noout", "-pubkey", "-in"])
        .arg(d.join("ca.pem")));
    assert_eq!(text(&key_pub.stdout), text(&cert_pub.stdout));
    assert!(!key_pub.stdout.is_empty());
}
