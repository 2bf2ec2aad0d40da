//! The checks of `dbtls doctor`, file by file and then pair by pair. Chains are judged by the
//! verification engine in relaxed mode (no X509_STRICT), as MySQL and MariaDB judge them.

use std::path::Path;

use super::discover::{Kind, ServerConfig, ServerFile};
use super::engine::engine;
use super::related::{ca_key_nearby, check_crls, read_dir_certs, read_dir_crls, rsa_pair};
use super::{DoctorOutcome, DoctorRequest, FileEntry, Finding, Status};
use crate::app::verify::{read_crls, read_file_certs};
use crate::io::access::{self, Account};
use crate::pki::key::KeyInfo;
use crate::pki::keyfile;
use crate::pki::verify::{Cert, Crl, Purpose};

/// What a readable file held.
pub(super) enum Loaded {
    Certs(Vec<Cert>),
    /// A private key's SubjectPublicKeyInfo.
    Key(Vec<u8>),
    /// A public key's SubjectPublicKeyInfo.
    PublicKey(Vec<u8>),
    Crls(Vec<Crl>),
}

pub(super) struct Doctor<'a> {
    pub(super) req: &'a DoctorRequest,
    pub(super) out: DoctorOutcome,
    account: Option<Account>,
}

impl Doctor<'_> {
    pub(super) fn push(
        &mut self,
        status: Status,
        check: &'static str,
        role: &str,
        path: Option<&Path>,
        detail: String,
        fix: Option<String>,
    ) {
        self.out.findings.push(Finding {
            status,
            check,
            role: role.to_string(),
            path: path.map(Path::to_path_buf),
            detail,
            fix,
            engine: None,
        });
    }
}

/// Runs every check on `cfg` (when files were looked for), then on the `--server` targets.
pub fn run(cfg: Option<&ServerConfig>, req: &DoctorRequest) -> DoctorOutcome {
    let mut d = Doctor {
        req,
        out: DoctorOutcome {
            source: cfg.map_or_else(|| "no files (--server only)".into(), |c| c.source.clone()),
            datadir: cfg.and_then(|c| c.datadir.clone()),
            server_user: None,
            files: Vec::new(),
            findings: Vec::new(),
            verifications: Vec::new(),
            at: req.at,
            fail_on: req.fail_on,
            format: req.format,
        },
        account: None,
    };
    let served = match cfg {
        Some(cfg) => files(&mut d, cfg),
        None => Served::default(),
    };
    super::server::run(&mut d, &served);
    d.out
}

/// What the file checks found that the live checks compare the running server with.
#[derive(Default)]
pub(super) struct Served {
    /// The CA certificates (`ssl_ca`, `ssl_capath`).
    pub(super) anchors: Vec<Cert>,
    /// `ssl_cert`: its role, its path and its first certificate.
    pub(super) cert: Option<(String, std::path::PathBuf, Cert)>,
}

/// The checks of the files.
fn files(d: &mut Doctor<'_>, cfg: &ServerConfig) -> Served {
    let req = d.req;
    for n in &cfg.notes {
        d.push(Status::Note, "config", "server", None, n.clone(), None);
    }
    server_user(d, cfg);
    if cfg.tls_disabled {
        d.push(
            Status::Error,
            "tls-enabled",
            "server",
            None,
            "skip-ssl / ssl=OFF in the option files: the server disables TLS".into(),
            Some("remove skip-ssl (or ssl=0) from the server's option group".into()),
        );
    }
    let mut loaded: Vec<(ServerFile, Loaded)> = Vec::new();
    for f in &cfg.files {
        if let Some(l) = check_file(d, f) {
            loaded.push((f.clone(), l));
        }
    }
    let mut anchors: Vec<Cert> = Vec::new();
    let mut crls: Vec<Crl> = Vec::new();
    for (f, l) in &loaded {
        match (f.kind, l) {
            (Kind::Ca, Loaded::Certs(c)) => anchors.extend(c.iter().cloned()),
            (_, Loaded::Crls(c)) => crls.extend(c.iter().cloned()),
            _ => {}
        }
    }
    if let Some(dir) = &cfg.capath {
        anchors.extend(read_dir_certs(d, dir));
    }
    if let Some(dir) = &cfg.crlpath {
        crls.extend(read_dir_crls(dir));
    }
    let get = |kind: Kind| loaded.iter().find(|(f, _)| f.kind == kind);
    let has = |kind: Kind| cfg.files.iter().any(|f| f.kind == kind);
    if !has(Kind::ServerCert) || !has(Kind::ServerKey) {
        d.push(Status::Error, "configured", "server", None, "no ssl_cert and ssl_key: the server runs without TLS (have_ssl DISABLED) and every TLS client fails".into(), Some("dbtls setup -d DATADIR, then add the lines of dbtls config mariadb|mysql -d DATADIR".into()));
    }
    if !has(Kind::Ca) && cfg.capath.is_none() {
        d.push(Status::Warning, "configured", "ssl_ca", None, "no ssl_ca: the server cannot verify client certificates (REQUIRE X509 fails) and clients need the CA from elsewhere".into(), Some("set ssl_ca to the CA that issued ssl_cert".into()));
    }
    // The server certificate: key pair, chain to ssl_ca for the server purpose, every host.
    // Each certificate with its own key: the server pair for the server purpose and every host
    // (the server's CRL applies to the clients it verifies), the client pair for the client one.
    let pairs = [
        (
            Kind::ServerCert,
            Kind::ServerKey,
            &[][..],
            Purpose::Server,
            req.hosts.clone(),
        ),
        (
            Kind::ClientCert,
            Kind::ClientKey,
            &crls[..],
            Purpose::Client,
            Vec::new(),
        ),
    ];
    for (cert_kind, key_kind, pair_crls, purpose, hosts) in pairs {
        if let Some((f, Loaded::Certs(certs))) = get(cert_kind) {
            let key = match get(key_kind) {
                Some((_, Loaded::Key(spki))) => Some(spki.clone()),
                _ => None,
            };
            let role = f.role.clone();
            engine(
                d,
                &role,
                Some(&f.path),
                certs,
                &anchors,
                pair_crls,
                key,
                purpose,
                hosts,
            );
        }
    }
    rsa_pair(d, get(Kind::RsaPrivate), get(Kind::RsaPublic));
    for (f, l) in &loaded {
        if let Loaded::Crls(list) = l {
            check_crls(d, f, list, &anchors);
        }
    }
    ca_key_nearby(d, cfg);
    match cfg.require_secure_transport {
        Some(true) => d.push(
            Status::Ok,
            "require-secure-transport",
            "server",
            None,
            "require_secure_transport=ON: clients cannot log in without TLS".into(),
            None,
        ),
        _ => d.push(
            Status::Note,
            "require-secure-transport",
            "server",
            None,
            "TLS is not required: clients may still log in without it".into(),
            Some(
                "require_secure_transport=ON in the server group (or REQUIRE SSL per account)"
                    .into(),
            ),
        ),
    }
    let cert = match get(Kind::ServerCert) {
        Some((f, Loaded::Certs(c))) => c
            .first()
            .map(|leaf| (f.role.clone(), f.path.clone(), leaf.clone())),
        _ => None,
    };
    Served { anchors, cert }
}

/// The server's OS user: `--server-user`, else the `user` option, else the datadir's owner.
fn server_user(d: &mut Doctor<'_>, cfg: &ServerConfig) {
    let (name, how) = if let Some(u) = &d.req.server_user {
        (Some(u.clone()), "--server-user")
    } else if let Some(u) = &cfg.user {
        (Some(u.clone()), "the user option")
    } else if let Some(m) = cfg
        .datadir
        .as_deref()
        .and_then(|p| access::metadata(p).ok())
    {
        (Some(m.uid.to_string()), "the datadir's owner")
    } else {
        (None, "")
    };
    let Some(name) = name else {
        d.push(
            Status::Note,
            "server-user",
            "server",
            None,
            "the server's OS user is unknown: readability not checked (give --server-user)".into(),
            None,
        );
        return;
    };
    match access::account(&name) {
        Some(a) => {
            d.out.server_user = Some(format!("{} (uid {}, from {how})", a.name, a.uid));
            d.account = Some(a);
        }
        None => d.push(
            Status::Error,
            "server-user",
            "server",
            None,
            format!("no such user '{name}' (from {how})"),
            None,
        ),
    }
}

/// Presence, readability, permissions and content of one file.
fn check_file(d: &mut Doctor<'_>, f: &ServerFile) -> Option<Loaded> {
    let p = f.path.as_path();
    let secret = matches!(f.kind, Kind::ServerKey | Kind::ClientKey | Kind::RsaPrivate);
    let meta = match access::metadata(p) {
        Ok(m) => m,
        Err(e) => {
            entry(d, f, format!("unreadable: {}", e.reason), None);
            d.push(
                Status::Error,
                "present",
                &f.role,
                Some(p),
                format!("{}: the server cannot load it", e.reason),
                Some(format!(
                    "create it (dbtls setup, dbtls issue) or correct {}",
                    f.role
                )),
            );
            return None;
        }
    };
    let mut readable = String::new();
    if let Some(a) = d.account.clone() {
        match access::read_refusal(p, &a) {
            Some(why) => d.push(
                Status::Error,
                "readable",
                &f.role,
                Some(p),
                format!("{why}: the server cannot load it"),
                Some(format!(
                    "chown {} {} (and chmod {})",
                    a.name,
                    p.display(),
                    if secret { "600" } else { "644" }
                )),
            ),
            None => readable = format!(", readable by {}", a.name),
        }
    }
    if secret && meta.mode & 0o077 != 0 {
        d.push(
            Status::Warning,
            "permissions",
            &f.role,
            Some(p),
            format!(
                "private key with mode {:04o}: readable by other users",
                meta.mode
            ),
            Some(format!("chmod 600 {}", p.display())),
        );
    }
    let data = match crate::io::read(p) {
        Ok(b) => b,
        Err(e) => {
            entry(d, f, format!("unreadable: {}", e.reason), None);
            return None;
        }
    };
    let loaded = match f.kind {
        Kind::Ca | Kind::ServerCert | Kind::ClientCert => match read_file_certs(p) {
            Ok(c) if !c.is_empty() => {
                describe_certs(d, f, &c);
                Loaded::Certs(c)
            }
            Ok(_) => return parse_error(d, f, "no certificate".into()),
            Err(e) => return parse_error(d, f, format!("{e:#}")),
        },
        Kind::ServerKey | Kind::ClientKey | Kind::RsaPrivate => {
            if keyfile::is_encrypted(&data) {
                entry(d, f, "encrypted private key".into(), None);
                let who = if f.kind == Kind::ClientKey {
                    "clients must be given its password"
                } else {
                    "MySQL and TiDB cannot load it, and MariaDB asks for its password on a terminal it does not have"
                };
                d.push(
                    if f.kind == Kind::ClientKey {
                        Status::Note
                    } else {
                        Status::Error
                    },
                    "encrypted",
                    &f.role,
                    Some(p),
                    format!("the private key is encrypted: {who}"),
                    Some(format!(
                        "dbtls key decrypt {0} --out {0} --force (keep it mode 600)",
                        p.display()
                    )),
                );
                return None;
            }
            match keyfile::decode_private_key(&data, None) {
                Ok(k) => {
                    entry(d, f, format!("private key, {}", k.info()), None);
                    Loaded::Key(k.public_key_der())
                }
                Err(e) => return parse_error(d, f, e.to_string()),
            }
        }
        Kind::RsaPublic => match public_key(&data) {
            Some(spki) => {
                let what = KeyInfo::from_spki_der(&spki)
                    .map_or_else(|_| "public key".to_string(), |i| format!("public key, {i}"));
                entry(d, f, what, None);
                Loaded::PublicKey(spki)
            }
            None => return parse_error(d, f, "not a PEM public key".into()),
        },
        Kind::Crl => match read_crls(p) {
            Ok(c) => {
                let next = c.iter().filter_map(Crl::next_update).min();
                entry(d, f, format!("{} CRL(s)", c.len()), next);
                Loaded::Crls(c)
            }
            Err(e) => return parse_error(d, f, format!("{e:#}")),
        },
    };
    d.push(
        Status::Ok,
        "parse",
        &f.role,
        Some(p),
        format!("present, parseable{readable}"),
        None,
    );
    if let (Kind::Ca, Loaded::Certs(certs)) = (f.kind, &loaded) {
        ca_v3(d, f, certs);
    }
    Some(loaded)
}

fn parse_error(d: &mut Doctor<'_>, f: &ServerFile, why: String) -> Option<Loaded> {
    entry(d, f, "unparseable".into(), None);
    d.push(
        Status::Error,
        "parse",
        &f.role,
        Some(&f.path),
        format!("cannot be parsed: {why}"),
        Some(format!(
            "replace {} with a PEM file of the right kind",
            f.role
        )),
    );
    None
}

fn entry(d: &mut Doctor<'_>, f: &ServerFile, what: String, expires: Option<i64>) {
    d.out.files.push(FileEntry {
        role: f.role.clone(),
        path: f.path.clone(),
        what,
        expires,
    });
}

/// The file-list line of a certificate file, and that a CA file holds v3 CAs.
fn describe_certs(d: &mut Doctor<'_>, f: &ServerFile, certs: &[Cert]) {
    let first = &certs[0];
    let what = match f.kind {
        Kind::Ca => "CA certificate",
        Kind::ServerCert => "server certificate",
        _ => "client certificate",
    };
    let extra = if certs.len() > 1 {
        format!(" (+{} more)", certs.len() - 1)
    } else {
        String::new()
    };
    let expires = certs.iter().map(|c| c.not_after).min();
    entry(d, f, format!("{what} {}{extra}", subject(first)), expires);
}

/// Every CA of ssl_ca is an X.509 v3 CA.
fn ca_v3(d: &mut Doctor<'_>, f: &ServerFile, certs: &[Cert]) {
    {
        for c in certs {
            if c.version != 3 || !c.bc_ca() {
                d.push(Status::Warning, "ca-v3", &f.role, Some(&f.path), format!("{}: not an X.509 v3 CA (basicConstraints CA:TRUE): rustls, WolfSSL builds of MariaDB and OpenSSL >= 3.2 refuse it", subject(c)), Some("dbtls issue ca --subject '/CN=...' and re-issue the server and client certificates from it".into()));
            } else {
                d.push(
                    Status::Ok,
                    "ca-v3",
                    &f.role,
                    Some(&f.path),
                    format!("{}: X.509 v3 CA", subject(c)),
                    None,
                );
            }
        }
    }
}

fn subject(c: &Cert) -> String {
    crate::pki::oneline::entries(&c.subject_der)
        .map(|e| crate::pki::oneline::openssl3(&e))
        .unwrap_or_else(|_| "(unreadable subject)".into())
}

/// A `PUBLIC KEY` PEM block's SubjectPublicKeyInfo.
fn public_key(data: &[u8]) -> Option<Vec<u8>> {
    let block = pem::parse(data).ok()?;
    (block.tag() == "PUBLIC KEY").then(|| block.into_contents())
}
