//! Where the server's TLS files are: from the MySQL/MariaDB option files (through the drop-in's
//! reader, [`crate::dropin::read_option_file`]: one implementation of my.cnf), from a datadir
//! with the setup file names, or from a TiDB TOML configuration.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::dropin::{self, DropinArgs, FileOptions};

/// The groups `mariadbd` 10.11 reads (`mariadbd --help --verbose`: "mysqld server mysqld-10.11
/// mariadb mariadb-10.11 mariadbd mariadbd-10.11 client-server galera"; MySQL reads `mysqld`
/// and `server`), without the version-suffixed ones. Within and across files the last value of
/// an option wins, whatever its group: mysys appends every group's options in file order.
pub const SERVER_GROUPS: [&str; 6] = [
    "mysqld",
    "server",
    "mariadb",
    "mariadbd",
    "client-server",
    "galera",
];

/// The datadir of the Debian, Ubuntu and upstream packages, when no option file sets one.
pub const DEFAULT_DATADIR: &str = "/var/lib/mysql";

/// What a file is for the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The CA certificates clients are checked against (`ssl_ca`).
    Ca,
    /// The server's certificate (`ssl_cert`), possibly with its chain.
    ServerCert,
    /// The server's private key (`ssl_key`).
    ServerKey,
    /// A CRL (`ssl_crl`).
    Crl,
    /// The datadir's client certificate (setup's `client-cert.pem`).
    ClientCert,
    /// Its key.
    ClientKey,
    /// The RSA private key of the password-exchange plugins.
    RsaPrivate,
    /// Its public key.
    RsaPublic,
}

/// One file the server loads (or that lies with them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFile {
    /// The variable it comes from (`ssl_cert`), or its setup file name.
    pub role: String,
    /// What it is.
    pub kind: Kind,
    /// The path, resolved as the server resolves it.
    pub path: PathBuf,
}

/// The server's TLS configuration, as found.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// Where it was read from, for the report's heading.
    pub source: String,
    /// The datadir (relative paths are resolved against it).
    pub datadir: Option<PathBuf>,
    /// The `user` option of the server group.
    pub user: Option<String>,
    /// The files, in the order they are reported.
    pub files: Vec<ServerFile>,
    /// `ssl_capath`: a directory of hashed CA certificates.
    pub capath: Option<PathBuf>,
    /// `ssl_crlpath`: a directory of hashed CRLs.
    pub crlpath: Option<PathBuf>,
    /// `require_secure_transport` (None when not set).
    pub require_secure_transport: Option<bool>,
    /// `skip-ssl` / `ssl=OFF`: the server disables TLS.
    pub tls_disabled: bool,
    /// Remarks about how the files were found.
    pub notes: Vec<String>,
}

/// The option-file variables of TLS files, normalized (`-`), with the role and kind they give.
const VARIABLES: [(&str, &str, Kind); 9] = [
    ("ssl-ca", "ssl_ca", Kind::Ca),
    ("ssl-cert", "ssl_cert", Kind::ServerCert),
    ("ssl-key", "ssl_key", Kind::ServerKey),
    ("ssl-crl", "ssl_crl", Kind::Crl),
    (
        "caching-sha2-password-private-key-path",
        "caching_sha2_password_private_key_path",
        Kind::RsaPrivate,
    ),
    (
        "caching-sha2-password-public-key-path",
        "caching_sha2_password_public_key_path",
        Kind::RsaPublic,
    ),
    (
        "sha256-password-private-key-path",
        "sha256_password_private_key_path",
        Kind::RsaPrivate,
    ),
    (
        "sha256-password-public-key-path",
        "sha256_password_public_key_path",
        Kind::RsaPublic,
    ),
    ("ssl-capath", "ssl_capath", Kind::Ca),
];

/// The setup file names in a datadir (what `dbtls setup` and mysql_ssl_rsa_setup write, and
/// what MySQL 8 loads from its datadir when no ssl_* variable is set).
const SETUP_FILES: [(&str, Kind); 7] = [
    ("ca.pem", Kind::Ca),
    ("server-cert.pem", Kind::ServerCert),
    ("server-key.pem", Kind::ServerKey),
    ("client-cert.pem", Kind::ClientCert),
    ("client-key.pem", Kind::ClientKey),
    ("private_key.pem", Kind::RsaPrivate),
    ("public_key.pem", Kind::RsaPublic),
];

/// Reads the option files the server reads: `defaults_file` alone, or the standard files
/// (`/etc/my.cnf`, `/etc/mysql/my.cnf`, `~/.my.cnf`, mariadbd 10.11's list), with their
/// `!include`s, then finds the TLS files in them.
pub fn from_option_files(
    defaults_file: Option<&Path>,
    home: Option<&Path>,
) -> Result<ServerConfig> {
    let args = DropinArgs {
        defaults_file: defaults_file.map(Path::to_path_buf),
        ..DropinArgs::default()
    };
    let files = dropin::option_files(&args, home);
    let mut opts = FileOptions::new();
    let mut read = Vec::new();
    for f in &files {
        if defaults_file.is_some() && !crate::io::exists(f) {
            bail!("{}: no such file or directory", f.display());
        }
        if crate::io::exists(f) {
            read.push(f.display().to_string());
        }
        dropin::read_option_file(f, &SERVER_GROUPS, &mut opts, 0)
            .with_context(|| format!("reading {}", f.display()))?;
    }
    let source = if read.is_empty() {
        "no option file found".to_string()
    } else {
        format!("option files {}", read.join(", "))
    };
    Ok(from_options(&opts, source, crate::io::exists))
}

/// Whether an option-file boolean is on (`ON`, `1`, `TRUE`, or given without a value).
fn on(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "" | "1" | "on" | "true" | "yes"
    )
}

/// The configuration the options describe. `exists` says whether a file is there (for MySQL's
/// datadir defaults).
pub fn from_options(
    opts: &FileOptions,
    source: String,
    exists: impl Fn(&Path) -> bool,
) -> ServerConfig {
    let mut cfg = ServerConfig {
        source,
        ..ServerConfig::default()
    };
    let datadir = match opts.get("datadir") {
        Some(d) => PathBuf::from(d),
        None => {
            cfg.notes.push(format!(
                "no datadir option: assuming the packages' default {DEFAULT_DATADIR}"
            ));
            PathBuf::from(DEFAULT_DATADIR)
        }
    };
    // Relative paths are resolved against the datadir: the server chdirs into its datadir at
    // start-up, before it loads the TLS files (verified on MariaDB 10.11: mariadbd started
    // from / with --ssl-cert=server-cert.pem loaded <datadir>/server-cert.pem; MySQL's mysqld
    // chdirs to mysql_real_data_home the same way).
    let resolve = |p: &str| {
        let p = PathBuf::from(p);
        if p.is_absolute() { p } else { datadir.join(p) }
    };
    cfg.user = opts.get("user").cloned();
    for (key, role, kind) in VARIABLES {
        let Some(value) = opts.get(key).filter(|v| !v.is_empty()) else {
            continue;
        };
        if key == "ssl-capath" {
            cfg.capath = Some(resolve(value));
            continue;
        }
        cfg.files.push(ServerFile {
            role: role.to_string(),
            kind,
            path: resolve(value),
        });
    }
    cfg.crlpath = opts
        .get("ssl-crlpath")
        .filter(|v| !v.is_empty())
        .map(|v| resolve(v));
    cfg.require_secure_transport = opts.get("require-secure-transport").map(|v| on(v));
    cfg.tls_disabled = opts.contains_key("skip-ssl") || opts.get("ssl").is_some_and(|v| !on(v));
    let has = |cfg: &ServerConfig, k: Kind| cfg.files.iter().any(|f| f.kind == k);
    if !has(&cfg, Kind::ServerCert) && !has(&cfg, Kind::ServerKey) {
        let auto = ["ca.pem", "server-cert.pem", "server-key.pem"];
        if auto.iter().all(|f| exists(&datadir.join(f))) {
            cfg.notes.push(
                "ssl_cert and ssl_key are not set: MySQL 8 loads ca.pem, server-cert.pem and \
                 server-key.pem from the datadir by itself (MariaDB does not, and runs without TLS)"
                    .into(),
            );
            for (name, kind) in &SETUP_FILES[..3] {
                cfg.files.push(setup_file(&datadir, name, *kind));
            }
        }
    }
    // MySQL's plugins default to private_key.pem/public_key.pem in the datadir.
    if !has(&cfg, Kind::RsaPrivate) && !has(&cfg, Kind::RsaPublic) {
        for (name, kind) in &SETUP_FILES[5..] {
            if exists(&datadir.join(name)) {
                cfg.files.push(setup_file(&datadir, name, *kind));
            }
        }
    }
    for (name, kind) in &SETUP_FILES[3..5] {
        if exists(&datadir.join(name)) {
            cfg.files.push(setup_file(&datadir, name, *kind));
        }
    }
    cfg.datadir = Some(datadir);
    cfg
}

fn setup_file(dir: &Path, name: &str, kind: Kind) -> ServerFile {
    ServerFile {
        role: name.to_string(),
        kind,
        path: dir.join(name),
    }
}

/// A datadir with the setup file names (`--datadir`): every file but the RSA pair must be there.
pub fn from_datadir(dir: &Path) -> ServerConfig {
    let mut cfg = ServerConfig {
        source: format!("datadir {}", dir.display()),
        datadir: Some(dir.to_path_buf()),
        ..ServerConfig::default()
    };
    for (name, kind) in SETUP_FILES {
        let optional = matches!(
            kind,
            Kind::ClientCert | Kind::ClientKey | Kind::RsaPrivate | Kind::RsaPublic
        );
        if optional && !crate::io::exists(&dir.join(name)) {
            continue;
        }
        cfg.files.push(setup_file(dir, name, kind));
    }
    cfg
}

/// A TiDB configuration: the `[security]` section's `ssl-ca`, `ssl-cert`, `ssl-key` and
/// `require-secure-transport`. tidb-server opens relative paths from its working directory,
/// which doctor cannot know: they are taken from the current directory, with a note.
pub fn from_tidb(path: &Path) -> Result<ServerConfig> {
    let data = crate::io::read(path)?;
    let text = String::from_utf8_lossy(&data);
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("{}: not TOML", path.display()))?;
    tidb_config(&doc, format!("TiDB configuration {}", path.display()))
}

fn tidb_config(doc: &toml::Table, source: String) -> Result<ServerConfig> {
    let mut cfg = ServerConfig {
        source,
        ..ServerConfig::default()
    };
    let Some(security) = doc.get("security").and_then(toml::Value::as_table) else {
        cfg.notes
            .push("no [security] section: TiDB runs without TLS".into());
        return Ok(cfg);
    };
    for (key, kind) in [
        ("ssl-ca", Kind::Ca),
        ("ssl-cert", Kind::ServerCert),
        ("ssl-key", Kind::ServerKey),
    ] {
        match security.get(key) {
            Some(toml::Value::String(s)) if !s.is_empty() => {
                let p = PathBuf::from(s);
                if p.is_relative() {
                    cfg.notes.push(format!(
                        "{key} = \"{s}\" is relative: tidb-server opens it from its working directory; checked from the current one"
                    ));
                }
                cfg.files.push(ServerFile {
                    role: key.to_string(),
                    kind,
                    path: p,
                });
            }
            Some(toml::Value::String(_)) | None => {}
            Some(_) => bail!("[security] {key}: not a string"),
        }
    }
    cfg.require_secure_transport = security
        .get("require-secure-transport")
        .and_then(toml::Value::as_bool);
    Ok(cfg)
}

#[cfg(test)]
mod tests;
