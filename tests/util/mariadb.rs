//! A real MariaDB server for one test: its own datadir, a free port on 127.0.0.1, the TLS files
//! under test, started and stopped by pid (never by name, so other servers are never touched).
//!
//! A missing `mariadbd`/`mariadb-install-db`/`mariadb` is a test failure: the README's test
//! command installs them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A running server.
pub struct MariaDb {
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// The server's scratch directory (datadir, socket, error log).
    pub dir: tempfile::TempDir,
    child: Child,
}

fn program(name: &str) -> String {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p.display().to_string();
        }
    }
    panic!(
        "{name} not found: install mariadb-server and mariadb-client (the README's test command does)"
    );
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

impl MariaDb {
    /// Initialises a datadir and starts `mariadbd` with `ssl_ca`/`ssl_cert`/`ssl_key`.
    pub fn start(ca: &Path, cert: &Path, key: &Path) -> MariaDb {
        Self::start_with(ca, cert, key, &[])
    }

    /// Like [`MariaDb::start`], with extra server options.
    pub fn start_with(ca: &Path, cert: &Path, key: &Path, extra: &[&str]) -> MariaDb {
        Self::try_start_with(ca, cert, key, extra).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts a server that must refuse to start (TLS files it cannot load: MariaDB 10.11
    /// aborts with "Failed to setup SSL"); returns why, with its error log. Panics if it starts.
    pub fn start_fails(ca: &Path, cert: &Path, key: &Path) -> String {
        match Self::try_start_with(ca, cert, key, &[]) {
            Ok(server) => panic!("mariadbd started:\n{}", server.error_log()),
            Err(log) => log,
        }
    }

    /// Like [`MariaDb::start_with`], returning why the server did not start.
    fn try_start_with(
        ca: &Path,
        cert: &Path,
        key: &Path,
        extra: &[&str],
    ) -> Result<MariaDb, String> {
        let abs =
            |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let tls = vec![
            format!("--ssl-ca={}", abs(ca).display()),
            format!("--ssl-cert={}", abs(cert).display()),
            format!("--ssl-key={}", abs(key).display()),
        ];
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        Self::launch(None, &[tls, extra].concat())
    }

    /// Starts `mariadbd --defaults-file=FILE`: the TLS settings come from the option file
    /// alone (what a DBA pastes into /etc/mysql/mariadb.conf.d/).
    pub fn start_with_option_file(file: &Path) -> MariaDb {
        Self::try_start_with_option_file(file).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`MariaDb::start_with_option_file`], returning why the server did not start.
    pub fn try_start_with_option_file(file: &Path) -> Result<MariaDb, String> {
        Self::launch(Some(file), &[])
    }

    fn launch(defaults: Option<&Path>, args: &[String]) -> Result<MariaDb, String> {
        let mut dir = tempfile::Builder::new()
            .prefix("dbtls-mariadb-")
            .tempdir()
            .expect("tempdir");
        let data = dir.path().join("data");
        let user = if is_root() {
            "--user=root".to_string()
        } else {
            format!("--user={}", whoami())
        };
        // Each server gets its own tmpdir: with the shared /tmp, parallel bootstraps were seen to
        // fail ("Could not remove temporary table '/tmp/#sql-temptable-...'", then "Unknown table
        // 'mysql.tmp_user_sys'"). One retry covers what remains transient.
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).expect("server tmpdir");
        let mut install_log = String::new();
        let mut installed = false;
        for _attempt in 0..2 {
            let _ = std::fs::remove_dir_all(&data);
            let out = Command::new(program("mariadb-install-db"))
                .args([
                    "--no-defaults",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ])
                .arg(format!("--datadir={}", data.display()))
                .arg(format!("--tmpdir={}", tmp.display()))
                .arg(&user)
                .stdin(Stdio::null())
                .output()
                .expect("cannot run mariadb-install-db");
            if out.status.success() {
                installed = true;
                break;
            }
            install_log = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(installed, "mariadb-install-db failed:\n{install_log}");
        let mut last_err = String::new();
        for _attempt in 0..3 {
            // A port taken between free_port and the bind makes mariadbd exit: the next
            // attempt picks another.
            let port = super::free_port();
            let mut cmd = Command::new(program("mariadbd"));
            // --defaults-file must be the first option.
            match defaults {
                Some(file) => cmd.arg(format!("--defaults-file={}", file.display())),
                None => cmd.arg("--no-defaults"),
            };
            cmd.arg(format!("--datadir={}", data.display()))
                .arg(format!("--socket={}", dir.path().join("sock").display()))
                .arg(format!("--pid-file={}", dir.path().join("pid").display()))
                .arg(format!(
                    "--log-error={}",
                    dir.path().join("error.log").display()
                ))
                .arg(format!("--tmpdir={}", tmp.display()))
                .arg(format!("--port={port}"))
                .arg("--bind-address=127.0.0.1")
                .arg(&user)
                .args([
                    "--skip-log-bin",
                    "--innodb-buffer-pool-size=16M",
                    "--log-warnings=2",
                ])
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                // Option errors are printed before the error log is opened.
                .stderr(
                    std::fs::File::create(dir.path().join("stderr.log"))
                        .map(Stdio::from)
                        .unwrap_or_else(|_| Stdio::null()),
                );
            let child = cmd.spawn().expect("cannot start mariadbd");
            let mut server = MariaDb { port, dir, child };
            match server.wait_ready() {
                Ok(()) => return Ok(server),
                Err(e) => {
                    last_err = e;
                    server.stop();
                    // A server refusing its options refuses them again: no retry.
                    if last_err.contains("unknown variable") {
                        break;
                    }
                    dir = std::mem::replace(&mut server.dir, tempfile::tempdir().expect("tempdir"));
                }
            }
        }
        Err(format!("mariadbd did not start: {last_err}"))
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "mariadbd exited with {status}:\n{}",
                    self.error_log()
                ));
            }
            let ok = self
                .socket_client()
                .args(["-e", "SELECT 1"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("not ready after 60 s:\n{}", self.error_log()));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The server's error log (for assertion messages).
    pub fn error_log(&self) -> String {
        let read = |n: &str| std::fs::read_to_string(self.dir.path().join(n)).unwrap_or_default();
        format!("{}{}", read("stderr.log"), read("error.log"))
    }

    fn socket_client(&self) -> Command {
        let mut cmd = Command::new(program("mariadb"));
        cmd.arg("--no-defaults")
            .arg(format!(
                "--socket={}",
                self.dir.path().join("sock").display()
            ))
            .args(["-u", "root", "--batch", "--skip-column-names"])
            .stdin(Stdio::null());
        cmd
    }

    /// Runs SQL as root over the unix socket; panics on failure; returns stdout.
    pub fn root_sql(&self, sql: &str) -> String {
        let mut cmd = self.socket_client();
        cmd.args(["-e", sql]);
        root_output(cmd, &format!("SQL failed: {sql}"))
    }

    /// Runs a file of SQL as root over the unix socket, exactly as a user pastes it into the
    /// client (`mariadb < file`); panics on failure.
    pub fn root_sql_file(&self, path: &Path) -> String {
        let file = std::fs::File::open(path).expect("open SQL file");
        let mut cmd = self.socket_client();
        cmd.stdin(file);
        root_output(cmd, "SQL file failed:")
    }

    /// The `mariadb` client over TCP to 127.0.0.1 on this server's port, with no option files.
    pub fn client(&self) -> Command {
        self.client_to("127.0.0.1")
    }

    /// The `mariadb` client over TCP to `host` (e.g. "localhost") on this server's port.
    pub fn client_to(&self, host: &str) -> Command {
        let mut cmd = Command::new(program("mariadb"));
        cmd.arg("--no-defaults")
            .args([
                "--protocol=TCP",
                "-h",
                host,
                "-P",
                &self.port.to_string(),
                "--batch",
                "--skip-column-names",
            ])
            .stdin(Stdio::null());
        cmd
    }

    /// The server's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The datadir path.
    pub fn datadir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn stop(&mut self) {
        use nix::sys::signal::{Signal, kill};
        use nix::unistd::Pid;
        // Stopped already (a failed start, then Drop): its pid may belong to another process by
        // now, so no signal is sent. (Child keeps the status once it has been waited for.)
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pid = Pid::from_raw(self.child.id() as i32);
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs a root client command that must succeed; returns stdout.
fn root_output(mut cmd: Command, failed: &str) -> String {
    let out = cmd.output().expect("cannot run mariadb");
    assert!(
        out.status.success(),
        "{failed}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts that a client was refused at login: not run, "Access denied" (error 1045).
pub fn assert_access_denied(out: &Output, context: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("1045"),
        "{context}: not refused with 1045: {stderr}"
    );
}

fn whoami() -> String {
    nix::unistd::User::from_uid(nix::unistd::geteuid())
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| "mysql".into())
}
