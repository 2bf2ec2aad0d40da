//! Which database server is installed here, so that `dbtls setup` prints option-file lines the
//! installed server accepts: a MariaDB server refuses to start on MySQL-only variables
//! (`mariadbd: unknown variable 'caching_sha2_password_private_key_path=...'`, then `Aborting`,
//! MariaDB 10.11), and TiDB reads TOML, not my.cnf.
//!
//! The search walks `PATH`, then the sbin directories a non-root `PATH` lacks on Debian (where
//! `mariadbd` and `mysqld` live), and the first directory holding a server decides:
//! - `mariadbd` is MariaDB (10.4+; Debian's `mysqld` beside it is a symlink to it);
//! - `mysqld` alone is a symlink to `mariadbd`, or says `MariaDB` in `mysqld --version`
//!   (MariaDB before 10.4 had no `mariadbd`), else it is MySQL;
//! - `tidb-server` is TiDB;
//! - a directory with both a TiDB and a MySQL/MariaDB server, or a `mysqld` that cannot say what
//!   it is, decides nothing: the lines every server accepts are printed instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::io;

/// A database server that reads dbtls's snippets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// MySQL (5.7, 8.x, 9.x).
    Mysql,
    /// MariaDB (10.x, 11.x).
    Mariadb,
    /// TiDB.
    Tidb,
}

impl ServerKind {
    /// The name `DBTLS_SERVER_KIND` and `dbtls config` use.
    pub fn parse(text: &str) -> Option<Option<ServerKind>> {
        match text {
            "mysql" => Some(Some(ServerKind::Mysql)),
            "mariadb" => Some(Some(ServerKind::Mariadb)),
            "tidb" => Some(Some(ServerKind::Tidb)),
            "none" => Some(None),
            _ => None,
        }
    }
}

/// How `setup` learns the server: found on this machine, or given (`DBTLS_SERVER_KIND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerHint {
    /// Search `PATH` (see the module documentation).
    #[default]
    Detect,
    /// This one (`None`: unknown, print the lines every server accepts).
    Given(Option<ServerKind>),
}

impl ServerHint {
    /// The server kind, searching the machine if it was not given.
    pub fn resolve(self) -> Option<ServerKind> {
        match self {
            ServerHint::Given(kind) => kind,
            ServerHint::Detect => detect(&search_dirs()),
        }
    }
}

/// `PATH`, then the sbin directories it lacks.
fn search_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for extra in ["/usr/local/sbin", "/usr/sbin", "/sbin"] {
        if !dirs.iter().any(|d| d == Path::new(extra)) {
            dirs.push(PathBuf::from(extra));
        }
    }
    dirs
}

fn detect(dirs: &[PathBuf]) -> Option<ServerKind> {
    for dir in dirs.iter().filter(|d| d.is_absolute()) {
        let mariadbd = io::executable(dir, "mariadbd");
        let mysqld = io::executable(dir, "mysqld");
        let tidb = io::executable(dir, "tidb-server").is_some();
        let mysql_family = mariadbd.is_some() || mysqld.is_some();
        match (mysql_family, tidb) {
            (false, false) => continue,
            (true, true) => return None,
            (false, true) => return Some(ServerKind::Tidb),
            (true, false) => {}
        }
        if mariadbd.is_some() {
            return Some(ServerKind::Mariadb);
        }
        let mysqld = mysqld?;
        let target = io::canonicalize(&mysqld).unwrap_or_else(|_| mysqld.clone());
        if target
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("mariadbd"))
        {
            return Some(ServerKind::Mariadb);
        }
        return version_kind(&mysqld);
    }
    None
}

/// `mysqld --version`: "mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)"
/// or "mysqld  Ver 10.3.39-MariaDB-0+deb10u1 for debian-linux-gnu ...". At most two seconds:
/// a server binary that hangs must not hang setup (the files are written by then).
fn version_kind(mysqld: &Path) -> Option<ServerKind> {
    let mut child = Command::new(mysqld)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut text = String::new();
    use std::io::Read;
    child.stdout.take()?.read_to_string(&mut text).ok()?;
    if text.contains("MariaDB") {
        Some(ServerKind::Mariadb)
    } else if text.contains("Ver ") {
        Some(ServerKind::Mysql)
    } else {
        None
    }
}
