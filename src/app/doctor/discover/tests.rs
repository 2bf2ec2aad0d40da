use super::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn role<'a>(cfg: &'a ServerConfig, role: &str) -> Option<&'a Path> {
    cfg.files
        .iter()
        .find(|f| f.role == role)
        .map(|f| f.path.as_path())
}

#[test]
fn server_groups_includes_and_last_value_wins() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("conf.d")).unwrap();
    // Read in name order: 10 then 20; the later file wins whatever its group.
    write(
        d,
        "conf.d/10-tls.cnf",
        "[mariadb]\nssl_cert = /etc/a.pem\nssl-key=/etc/a.key\n",
    );
    write(
        d,
        "conf.d/20-tls.cnf",
        "[server]\nssl-cert = /etc/b.pem\n[client]\nssl-ca=/wrong.pem\n",
    );
    write(
        d,
        "inc.cnf",
        "[mysqld]\nuser = mysql\nrequire_secure_transport=ON\n",
    );
    let main = write(
        d,
        "my.cnf",
        "[mysqld]\ndatadir=/srv/db\nssl-ca=ca.pem\n[mariadbd]\nloose-ssl_crl=/etc/c.crl\n!include inc.cnf\n!includedir conf.d\n[mysqldump]\nssl-cert=/never.pem\n",
    );
    let cfg = from_option_files(Some(&main), None).unwrap();
    assert_eq!(role(&cfg, "ssl_cert"), Some(Path::new("/etc/b.pem")));
    assert_eq!(role(&cfg, "ssl_key"), Some(Path::new("/etc/a.key")));
    assert_eq!(role(&cfg, "ssl_crl"), Some(Path::new("/etc/c.crl")));
    // Relative to the datadir, as the server resolves it.
    assert_eq!(role(&cfg, "ssl_ca"), Some(Path::new("/srv/db/ca.pem")));
    assert_eq!(cfg.user.as_deref(), Some("mysql"));
    assert_eq!(cfg.require_secure_transport, Some(true));
    assert_eq!(cfg.datadir.as_deref(), Some(Path::new("/srv/db")));
    assert!(cfg.source.contains("my.cnf"), "{}", cfg.source);
}

#[test]
fn defaults_file_alone_and_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.cnf");
    assert!(from_option_files(Some(&missing), None).is_err());
    // With --defaults-file, ~/.my.cnf is not read.
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    write(&home, ".my.cnf", "[mysqld]\nssl-cert=/from/home.pem\n");
    let f = write(dir.path(), "only.cnf", "[mysqld]\nssl-key=/k.pem\n");
    let cfg = from_option_files(Some(&f), Some(&home)).unwrap();
    assert_eq!(role(&cfg, "ssl_cert"), None);
    assert_eq!(role(&cfg, "ssl_key"), Some(Path::new("/k.pem")));
}

#[test]
fn mysql_datadir_defaults_and_rsa_variables() {
    let mut opts = FileOptions::new();
    opts.insert("datadir".into(), "/d".into());
    opts.insert(
        "caching-sha2-password-private-key-path".into(),
        "priv.pem".into(),
    );
    opts.insert("ssl".into(), "OFF".into());
    let present = ["/d/ca.pem", "/d/server-cert.pem", "/d/server-key.pem"];
    let cfg = from_options(&opts, "t".into(), |p| {
        present.iter().any(|x| Path::new(x) == p)
    });
    assert_eq!(
        role(&cfg, "server-cert.pem"),
        Some(Path::new("/d/server-cert.pem"))
    );
    assert_eq!(
        role(&cfg, "caching_sha2_password_private_key_path"),
        Some(Path::new("/d/priv.pem"))
    );
    assert!(cfg.tls_disabled);
    assert_eq!(cfg.require_secure_transport, None);
    // No datadir option: the packages' default, said in a note.
    let cfg = from_options(&FileOptions::new(), "t".into(), |_| false);
    assert_eq!(cfg.datadir.as_deref(), Some(Path::new(DEFAULT_DATADIR)));
    assert!(cfg.files.is_empty());
    assert_eq!(cfg.notes.len(), 1);
}

#[test]
fn tidb_security_section() {
    let doc: toml::Table = toml::from_str(
        "[security]\nssl-ca = \"/t/ca.pem\"\nssl-cert = \"cert.pem\"\nssl-key = \"/t/key.pem\"\nrequire-secure-transport = true\n",
    )
    .unwrap();
    let cfg = tidb_config(&doc, "t".into()).unwrap();
    assert_eq!(role(&cfg, "ssl-ca"), Some(Path::new("/t/ca.pem")));
    assert_eq!(role(&cfg, "ssl-cert"), Some(Path::new("cert.pem")));
    assert_eq!(cfg.require_secure_transport, Some(true));
    assert_eq!(cfg.notes.len(), 1, "relative path noted");
    let bad: toml::Table = toml::from_str("[security]\nssl-ca = 3\n").unwrap();
    assert!(tidb_config(&bad, "t".into()).is_err());
}
