//! Shared test helpers (ripgrep's `tests/util.rs` style): a temp dir per test, the binary run in
//! it, the peer programs (openssl, keytool) run in it, and the certificate fixtures the modules
//! build with dbtls.

#![allow(dead_code)]

pub mod mariadb;

use std::borrow::BorrowMut;
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

    /// The text of a file inside it.
    pub fn read(&self, name: &str) -> String {
        let path = self.join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The bytes of a file inside it.
    pub fn read_bytes(&self, name: &str) -> Vec<u8> {
        let path = self.join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Writes a file inside it.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) {
        let path = self.join(name);
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// `dbtls` with this directory as the working directory.
    pub fn dbtls(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dbtls"));
        cmd.current_dir(self.path()).stdin(Stdio::null());
        cmd
    }

    /// `dbtls ARGS` here, whatever its outcome.
    pub fn dbtls_run(&self, args: &[&str]) -> Output {
        run(self.dbtls().args(args))
    }

    /// `dbtls ARGS` here, which must succeed; returns stdout.
    pub fn dbtls_ok(&self, args: &[&str]) -> String {
        ok(self.dbtls().args(args))
    }

    /// `dbtls ARGS` here, which must exit 1; returns stderr.
    pub fn dbtls_fails(&self, args: &[&str]) -> String {
        fails(self.dbtls().args(args))
    }

    /// `sh -c SCRIPT` here, with stdin from /dev/null (a script may redirect it).
    pub fn sh(&self, script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.current_dir(self.path())
            .stdin(Stdio::null())
            .args(["-c", script]);
        cmd
    }

    /// `dbtls setup --datadir DIR` here, which must succeed; returns stdout.
    pub fn setup_datadir(&self, dir: &str) -> String {
        self.dbtls_ok(&["setup", "--datadir", dir])
    }

    /// `dbtls issue PROFILE --subject SUBJECT`, signed by `by` (none for a root CA), plus `extra`.
    pub fn issue(
        &self,
        profile: &str,
        subject: &str,
        by: Option<&Issuer>,
        extra: &[&str],
    ) -> Command {
        let mut cmd = self.dbtls();
        cmd.args(["issue", profile, "--subject", subject]);
        if let Some(by) = by {
            cmd.args(by.args());
        }
        cmd.args(extra);
        cmd
    }

    /// `openssl` with this directory as the working directory.
    pub fn openssl(&self) -> Command {
        let mut cmd = openssl();
        cmd.current_dir(self.path());
        cmd
    }

    /// `openssl ARGS` here, whatever its outcome.
    pub fn openssl_run(&self, args: &[&str]) -> Output {
        run(self.openssl().args(args))
    }

    /// `openssl ARGS` here, which must succeed; returns stdout.
    pub fn openssl_ok(&self, args: &[&str]) -> String {
        ok(self.openssl().args(args))
    }

    /// `openssl req -new` with a new unencrypted P-256 key written to `key`: the request (or with
    /// `-x509` in `extra`, a self-signed certificate) for `subj` goes to `out`.
    pub fn openssl_p256_req(
        &self,
        key: impl AsRef<Path>,
        out: impl AsRef<Path>,
        subj: &str,
        extra: &[&str],
    ) -> String {
        ok(self
            .openssl()
            .args([
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .args(["-nodes", "-subj", subj, "-keyout"])
            .arg(key.as_ref())
            .arg("-out")
            .arg(out.as_ref())
            .args(extra))
    }

    /// `openssl x509 -noout -text` of a certificate.
    pub fn x509_text(&self, cert: impl AsRef<Path>) -> String {
        ok(self
            .openssl()
            .args(["x509", "-noout", "-text", "-in"])
            .arg(cert.as_ref()))
    }

    /// `openssl x509 -noout -ARG` of a certificate (`subject`, `serial`, `dates`, `pubkey`...).
    pub fn x509_field(&self, cert: impl AsRef<Path>, arg: &str) -> String {
        ok(self
            .openssl()
            .args(["x509", "-noout", &format!("-{arg}"), "-in"])
            .arg(cert.as_ref()))
    }

    /// `openssl x509 -noout -subject -issuer -nameopt compat` (MySQL's `/CN=...` form).
    pub fn subject_issuer(&self, cert: impl AsRef<Path>) -> String {
        ok(self
            .openssl()
            .args([
                "x509", "-noout", "-subject", "-issuer", "-nameopt", "compat",
            ])
            .arg("-in")
            .arg(cert.as_ref()))
    }

    /// The PEM public key of a certificate, per openssl.
    pub fn cert_pubkey(&self, cert: impl AsRef<Path>) -> String {
        self.x509_field(cert, "pubkey")
    }

    /// The PEM public key of a (with `passin`, encrypted) private key, per `openssl pkey`.
    pub fn key_pubkey(&self, key: impl AsRef<Path>, passin: Option<&str>) -> String {
        let mut cmd = self.openssl();
        cmd.args(["pkey", "-pubout", "-in"]).arg(key.as_ref());
        if let Some(p) = passin {
            cmd.args(["-passin", p]);
        }
        ok(&mut cmd)
    }

    /// `openssl pkey -noout -text` of a private key.
    pub fn pkey_text(&self, key: impl AsRef<Path>) -> String {
        ok(self
            .openssl()
            .args(["pkey", "-noout", "-text", "-in"])
            .arg(key.as_ref()))
    }

    /// `openssl pkey -noout` of a key with `passin`, which must open it.
    pub fn assert_openssl_opens(&self, key: &str, passin: &str) {
        self.openssl_ok(&["pkey", "-in", key, "-passin", passin, "-noout"]);
    }

    /// `openssl verify -CAfile CA [-untrusted UNTRUSTED] [-purpose PURPOSE] CERTS...`, whatever
    /// its outcome.
    pub fn openssl_verify(&self, chain: &Chain, purpose: Option<&str>, certs: &[&str]) -> Output {
        let mut cmd = self.openssl();
        cmd.args(["verify", "-CAfile", chain.ca]);
        if let Some(u) = chain.untrusted {
            cmd.args(["-untrusted", u]);
        }
        if let Some(p) = purpose {
            cmd.args(["-purpose", p]);
        }
        run(cmd.args(certs))
    }

    /// Like [`TestDir::openssl_verify`], which must succeed; returns stdout.
    pub fn openssl_verify_ok(
        &self,
        chain: &Chain,
        purpose: Option<&str>,
        certs: &[&str],
    ) -> String {
        let out = self.openssl_verify(chain, purpose, certs);
        assert!(
            out.status.success(),
            "openssl verify {chain:?} {purpose:?} {certs:?} failed\nstdout:\n{}\nstderr:\n{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// `openssl pkcs12 -export` of `leaf.pem` with `leaf-key.pem` and the CA certificates
    /// `int.pem` and `d/ca.pem` (the chain both container fixtures make), password `pw`, into
    /// `out`. (openssl keeps only the last -certfile, so the CA certificates go in one file,
    /// `cas.pem`.)
    pub fn openssl_p12_of_leaf(&self, out: &str, extra: &[&str]) {
        self.write("cas.pem", self.read("int.pem") + &self.read("d/ca.pem"));
        ok(self
            .openssl()
            .args([
                "pkcs12",
                "-export",
                "-inkey",
                "leaf-key.pem",
                "-in",
                "leaf.pem",
            ])
            .args(["-certfile", "cas.pem", "-passout", "pass:pw", "-out", out])
            .args(extra));
    }

    /// `keytool` with this directory as the working directory.
    pub fn keytool(&self) -> Command {
        let mut cmd = keytool();
        cmd.current_dir(self.path());
        cmd
    }
}

/// A CA that signs with dbtls: its certificate, its key and (for an encrypted key) the
/// `--passin` spec, as paths relative to the test directory.
#[derive(Clone, Copy, Debug)]
pub struct Issuer<'a> {
    /// `--ca`.
    pub cert: &'a str,
    /// `--ca-key`.
    pub key: &'a str,
    /// `--passin`, for an encrypted CA key.
    pub passin: Option<&'a str>,
}

impl<'a> Issuer<'a> {
    /// A CA with an unencrypted key.
    pub const fn new(cert: &'a str, key: &'a str) -> Issuer<'a> {
        Issuer {
            cert,
            key,
            passin: None,
        }
    }

    /// A CA whose key opens with `passin`.
    pub const fn with_passin(self, passin: &'a str) -> Issuer<'a> {
        Issuer {
            passin: Some(passin),
            ..self
        }
    }

    /// `--ca CERT --ca-key KEY [--passin SPEC]`.
    pub fn args(&self) -> Vec<&'a str> {
        let mut args = vec!["--ca", self.cert, "--ca-key", self.key];
        if let Some(p) = self.passin {
            args.extend(["--passin", p]);
        }
        args
    }
}

/// What `openssl verify` trusts: the root (`-CAfile`) and the intermediates (`-untrusted`).
#[derive(Clone, Copy, Debug)]
pub struct Chain<'a> {
    /// `-CAfile`.
    pub ca: &'a str,
    /// `-untrusted`.
    pub untrusted: Option<&'a str>,
}

impl<'a> Chain<'a> {
    /// Only a root.
    pub const fn root(ca: &'a str) -> Chain<'a> {
        Chain {
            ca,
            untrusted: None,
        }
    }

    /// A root and the intermediates in `untrusted`.
    pub const fn via(ca: &'a str, untrusted: &'a str) -> Chain<'a> {
        Chain {
            ca,
            untrusted: Some(untrusted),
        }
    }
}

/// The arguments of `dbtls key new --key-type KEY_TYPE --out OUT` followed by `extra`.
pub fn key_new_args<'a>(key_type: &'a str, out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    [
        &["key", "new", "--key-type", key_type, "--out", out][..],
        extra,
    ]
    .concat()
}

/// Runs a command and returns its output, failing the test if it cannot start.
pub fn run(mut cmd: impl BorrowMut<Command>) -> Output {
    let cmd = cmd.borrow_mut();
    cmd.output().unwrap_or_else(|e| {
        panic!(
            "cannot run {cmd:?}: {e} (is the peer installed? the README's test command installs it)"
        )
    })
}

/// Runs a command that must succeed; returns stdout as text.
pub fn ok(mut cmd: impl BorrowMut<Command>) -> String {
    let cmd = cmd.borrow_mut();
    let out = run(&mut *cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// Runs a command that must fail with exit code 1; returns stderr as text.
pub fn fails(mut cmd: impl BorrowMut<Command>) -> String {
    let cmd = cmd.borrow_mut();
    let out = run(&mut *cmd);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{cmd:?} should exit 1\nstdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    stderr(&out)
}

/// A command's stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A command's stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The openssl CLI (a missing binary fails the test, see [`run`]).
pub fn openssl() -> Command {
    let mut cmd = Command::new("openssl");
    cmd.stdin(Stdio::null());
    cmd
}

/// The JDK's keytool (a missing binary fails the test, see [`run`]).
pub fn keytool() -> Command {
    let mut cmd = Command::new("keytool");
    cmd.stdin(Stdio::null());
    cmd
}

/// A TCP port on 127.0.0.1 that was free a moment ago. Another process may take it before the
/// server under test binds it: callers retry a server that fails to start on it.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("no free port on 127.0.0.1");
    listener.local_addr().expect("local address").port()
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

/// A vector, sorted.
pub fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}
