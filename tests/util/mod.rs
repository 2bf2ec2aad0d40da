//! Shared test helpers: a temp dir per test, the binary, and the peer programs.

#![allow(dead_code)]

pub mod mariadb;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A scratch directory for one test, removed at the end.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    /// A new empty directory.
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::Builder::new()
                .prefix("dbtls-test-")
                .tempdir()
                .unwrap(),
        }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside it.
    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `dbtls` with this directory as the working directory.
    pub fn dbtls(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dbtls"));
        cmd.current_dir(self.path()).stdin(Stdio::null());
        cmd
    }
}

/// Runs a command and returns its output, failing the test if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| {
        panic!(
            "cannot run {cmd:?}: {e} (is the peer installed? the README's test command installs it)"
        )
    })
}

/// Runs a command that must succeed; returns stdout as text.
pub fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a command that must fail with exit code 1; returns stderr as text.
pub fn fails(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{cmd:?} should exit 1\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The openssl CLI (a missing binary fails the test, see [`run`]).
pub fn openssl() -> Command {
    let mut cmd = Command::new("openssl");
    cmd.stdin(Stdio::null());
    cmd
}

/// File mode bits of a path.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The names in a directory, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
