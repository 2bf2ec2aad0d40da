//! `dbtls setup` and the `mysql_ssl_rsa_setup` drop-in: a datadir's eight TLS files.
//!
//! The skip rules are mysql_ssl_rsa_setup's (client/mysql_ssl_rsa_setup.cc), applied
//! independently: the certificate part runs only when none of ca.pem, server-cert.pem and
//! server-key.pem exists; the RSA part only when neither private_key.pem nor public_key.pem does.
//! The certificate part also writes ca-key.pem, client-cert.pem and client-key.pem, which the
//! original deleted (client-*) or overwrote (ca-key.pem) without a word when they existed without
//! ca.pem. A private key is never destroyed here: `dbtls setup` refuses to replace one unless
//! `--force` ([`Stale::Refuse`]); the drop-in moves them aside to `NAME.bak-<UTC time>` inside the
//! same transaction ([`Stale::MoveAside`]), so scripts that relied on the original still work.

use std::path::{Path, PathBuf};
use std::thread;

use anyhow::{Context, Result, bail};
use time::OffsetDateTime;

use crate::app::protection::key_pem;
use crate::app::server_kind::{ServerHint, ServerKind};
use crate::io::password::{self, PassSpec, Purpose};
use crate::io::{self, Owner, Secret, Transaction};
use crate::pki::cert::{self, CertSpec, Issuer, Signer, Validity};
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::keyfile::Kdf;
use crate::pki::name::DistinguishedName;
use crate::pki::profile::Profile;
use crate::pki::san::San;

/// The suffix mysql_ssl_rsa_setup used by default was the server version; ours is dbtls's.
pub const DEFAULT_SUFFIX: &str = env!("CARGO_PKG_VERSION");

/// The longest suffix: 13 + 17 + 34 = 64, the ub-common-name limit (RFC 5280 Appendix A).
pub const MAX_SUFFIX: usize = 17;

/// Everything `setup` needs, already checked.
#[derive(Debug, Clone)]
pub struct SetupRequest {
    /// The directory to write into (created if missing).
    pub datadir: PathBuf,
    /// The suffix inside the CNs.
    pub suffix: String,
    /// chown every written file to this user (only as root).
    pub uid: Option<String>,
    /// Key type of the CA, server and client keys.
    pub key_type: KeyType,
    /// Validity of the three certificates.
    pub days: u32,
    /// Extra server SANs, beyond localhost, 127.0.0.1, ::1 and the host name.
    pub sans: Vec<San>,
    /// Regenerate all eight files even when some exist.
    pub force: bool,
    /// Encrypt ca-key.pem (and with `encrypt_client_key` client-key.pem) with the password
    /// this gives (read before any work).
    pub passout: Option<PassSpec>,
    /// Also encrypt client-key.pem.
    pub encrypt_client_key: bool,
    /// Which server the printed option-file lines are for.
    pub server: ServerHint,
}

/// What one written file is.
#[derive(Debug, Clone)]
pub struct Written {
    /// Where it was written.
    pub path: PathBuf,
    /// What it is for, in a few words.
    pub purpose: &'static str,
    /// Expiry of a certificate.
    pub expires: Option<OffsetDateTime>,
}

/// The result of a setup run.
#[derive(Debug, Clone, Default)]
pub struct SetupOutcome {
    /// The directory, absolute.
    pub datadir: PathBuf,
    /// The files written, in the order of [`FILES`].
    pub written: Vec<Written>,
    /// One line per part that was skipped, saying why.
    pub skipped: Vec<String>,
    /// Notes for verbose output.
    pub notes: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// The server found (or given) for the option-file lines; `None`: unknown.
    pub server: Option<ServerKind>,
    /// The files written, described for `--format json` (absolute paths).
    pub files: Vec<crate::app::written::WrittenFile>,
}

const CA: Profile = Profile::Ca { path_len: None };

/// The eight files and what each is for; the certificate and key names are the roles' own
/// ([`Profile::cert_file`], [`Profile::key_file`]).
pub const FILES: [(&str, &str); 8] = [
    (
        CA.cert_file(),
        "CA certificate: ssl_ca on servers and clients",
    ),
    (
        CA.key_file(),
        "CA private key: keep offline, signs new certificates",
    ),
    (Profile::Server.cert_file(), "server certificate: ssl_cert"),
    (Profile::Server.key_file(), "server private key: ssl_key"),
    (
        Profile::Client.cert_file(),
        "client certificate: ssl-cert for REQUIRE X509 users",
    ),
    (Profile::Client.key_file(), "client private key: ssl-key"),
    (
        "private_key.pem",
        "RSA private key: caching_sha2_password/sha256_password",
    ),
    (
        "public_key.pem",
        "RSA public key: given to clients for password exchange",
    ),
];

/// What the certificate part does with ca-key.pem, client-cert.pem and client-key.pem when they
/// exist without ca.pem (stale files of an earlier run, or a CA key whose certificate was moved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stale {
    /// `dbtls setup`: refuse (one error naming the key) rather than replace a private key;
    /// a lone client-cert.pem (its key and CA certificate are gone) is replaced with a warning.
    #[default]
    Refuse,
    /// The `mysql_ssl_rsa_setup` drop-in: the original overwrote these files, so it must not
    /// fail where that succeeded; each one is moved aside to `NAME.bak-<UTC time>` instead.
    MoveAside,
}

/// The files the certificate part writes besides ca.pem and server-*, and whether each is a
/// private key.
const STALE: [(&str, bool); 3] = [
    ("ca-key.pem", true),
    ("client-cert.pem", false),
    ("client-key.pem", true),
];

/// Checks mysql_ssl_rsa_setup's suffix rules: at most 17 characters, and only `[A-Za-z0-9_]`
/// unless it equals the default. Called where the suffix is read (the CLI and the drop-in), with
/// the original's messages; [`run`] expects a checked suffix.
pub fn check_suffix(suffix: &str) -> Result<()> {
    if suffix.len() > MAX_SUFFIX {
        bail!("Maximum number of characters allowed as the value for --suffix are {MAX_SUFFIX}");
    }
    if suffix != DEFAULT_SUFFIX
        && !suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        bail!(
            "Invalid string for --suffix option. Either use default value for the option or provide a string with alphanumeric characters and/or _ only."
        );
    }
    Ok(())
}

/// The three subjects' CNs.
pub fn common_names(suffix: &str) -> [String; 3] {
    ["CA", "Server", "Client"]
        .map(|role| format!("MySQL_Server_{suffix}_Auto_Generated_{role}_Certificate"))
}

/// Resolves `--uid USER` to a uid and primary gid; `Ok(None)` with a warning when not root.
fn resolve_owner(user: Option<&str>, outcome: &mut SetupOutcome) -> Result<Option<Owner>> {
    let Some(user) = user else { return Ok(None) };
    if !nix::unistd::geteuid().is_root() {
        outcome.warnings.push(format!(
            "--uid {user} ignored: only root can change file owners"
        ));
        return Ok(None);
    }
    // A numeric id is taken as a uid (a container's mysql user often has no passwd entry);
    // with an entry, its primary group is used as for a name.
    if let Ok(uid) = user.parse::<u32>() {
        let entry = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten();
        return Ok(Some(Owner {
            uid,
            gid: entry.map(|u| u.gid.as_raw()),
        }));
    }
    match nix::unistd::User::from_name(user) {
        Ok(Some(u)) => Ok(Some(Owner {
            uid: u.uid.as_raw(),
            gid: Some(u.gid.as_raw()),
        })),
        Ok(None) => bail!("Error fetching user information: no user named '{user}'"),
        Err(e) => bail!("Error fetching user information for '{user}': {e}"),
    }
}

/// The machine's host name, when it is a valid DNS name.
fn host_name() -> Option<San> {
    let name = nix::unistd::gethostname().ok()?.into_string().ok()?;
    match San::parse(&format!("dns:{name}")) {
        Ok(san @ San::Dns(_)) if name != "localhost" => Some(san),
        _ => None,
    }
}

/// Generates keys concurrently, one thread each: RSA key generation dominates the run time and
/// the keys are independent, so on N cores this takes about 1/N of the serial time.
fn generate_keys(kinds: &[KeyType]) -> Result<Vec<PrivateKey>> {
    thread::scope(|s| {
        let handles: Vec<_> = kinds
            .iter()
            .map(|&k| s.spawn(move || PrivateKey::generate(k)))
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(r) => r.context("key generation"),
                Err(_) => Err(anyhow::anyhow!("key generation thread failed")),
            })
            .collect()
    })
}

/// Runs `dbtls setup`: decides what to generate, generates it, writes it all or nothing; refuses
/// to replace a private key without `--force` ([`Stale::Refuse`]).
pub fn run(req: &SetupRequest) -> Result<SetupOutcome> {
    run_with(req, Stale::Refuse)
}

/// Like [`run`], with `stale` deciding what happens to ca-key.pem, client-cert.pem and
/// client-key.pem when they exist and the certificate part runs without `--force`.
pub fn run_with(req: &SetupRequest, stale: Stale) -> Result<SetupOutcome> {
    let passout = match &req.passout {
        Some(spec) => Some(password::read(Some(spec), Purpose::New, "CA key password")?),
        None => None,
    };
    // Looking for the server may run `mysqld --version`: in parallel with the key generation.
    let hint = req.server;
    let detection = std::thread::spawn(move || hint.resolve());
    let mut outcome = SetupOutcome::default();
    let dir = &req.datadir;
    let mut tx = Transaction::new(req.force);
    tx.ensure_dir(dir)?;
    // Held from the skip-rule check to the commit: a second setup on this directory waits,
    // then finds the first one's files (never a server certificate of another run's CA).
    tx.lock(dir)?;
    outcome.datadir = io::canonicalize(dir)?;
    outcome.notes.push(format!(
        "Destination directory: {}",
        outcome.datadir.display()
    ));
    tx.set_owner(resolve_owner(req.uid.as_deref(), &mut outcome)?);

    let p = |name: &str| dir.join(name);
    let present = |names: &[&'static str]| {
        names
            .iter()
            .copied()
            .filter(|n| io::exists(&p(n)))
            .collect::<Vec<_>>()
    };
    let certs_present = present(&["ca.pem", "server-cert.pem", "server-key.pem"]);
    let rsa_present = present(&["private_key.pem", "public_key.pem"]);
    let do_certs = req.force || certs_present.is_empty();
    let do_rsa = req.force || rsa_present.is_empty();
    if !do_certs {
        outcome.skipped.push(format!(
            "Certificate files are present in given dir. Skipping generation. ({} exists; --force regenerates)",
            certs_present.join(", ")
        ));
    }
    if !do_rsa {
        outcome.skipped.push(format!(
            "RSA key files are present in given dir. Skipping generation. ({} exists; --force regenerates)",
            rsa_present.join(", ")
        ));
    }
    if !do_certs && !do_rsa {
        return Ok(outcome);
    }
    if do_certs && !req.force {
        handle_stale(&mut tx, &mut outcome, dir, stale)?;
    }

    let mut kinds = Vec::new();
    if do_certs {
        kinds.extend([req.key_type; 3]);
    }
    if do_rsa {
        // caching_sha2_password and sha256_password only do RSA.
        kinds.push(KeyType::Rsa2048);
    }
    let mut keys = generate_keys(&kinds)?.into_iter();
    let now = OffsetDateTime::now_utc();
    let validity = Validity::days_from(now, req.days);

    if do_certs {
        let (Some(ca_key), Some(server_key), Some(client_key)) =
            (keys.next(), keys.next(), keys.next())
        else {
            bail!("key generation returned too few keys");
        };
        let [ca_cn, server_cn, client_cn] = common_names(&req.suffix);
        let spec = |profile, cn: &str, key: &PrivateKey, sans: Vec<San>| -> Result<CertSpec> {
            Ok(CertSpec {
                profile,
                subject_der: DistinguishedName::common_name(cn)?.to_der()?,
                public_key_der: key.public_key_der(),
                sans,
                validity,
                serial: cert::random_serial()?,
            })
        };
        let ca = cert::issue(
            &spec(CA, &ca_cn, &ca_key, vec![])?,
            Signer::SelfSigned(&ca_key),
        )?;
        let ca_key_pem = key_pem(&ca_key, passout.as_ref(), Kdf::Pbkdf2)?;
        let issuer = Issuer::new(ca.cert.clone(), ca_key)?;
        let mut sans = vec![
            San::Dns("localhost".into()),
            San::Ip([127, 0, 0, 1].into()),
            San::Ip(std::net::Ipv6Addr::LOCALHOST.into()),
        ];
        sans.extend(host_name());
        for san in &req.sans {
            if !sans.contains(san) {
                sans.push(san.clone());
            }
        }
        let server = cert::issue(
            &spec(Profile::Server, &server_cn, &server_key, sans)?,
            Signer::Ca(&issuer),
        )?;
        let client = cert::issue(
            &spec(Profile::Client, &client_cn, &client_key, vec![])?,
            Signer::Ca(&issuer),
        )?;
        let client_key_pem = key_pem(
            &client_key,
            passout.as_ref().filter(|_| req.encrypt_client_key),
            Kdf::Pbkdf2,
        )?;
        let expires = Some(validity.not_after);
        let (ca_pem, server_pem, client_pem) =
            (ca.cert.to_pem(), server.cert.to_pem(), client.cert.to_pem());
        let server_key_pem = Secret::from(server_key.to_pem());
        let files: [(&str, Payload<'_>, Option<OffsetDateTime>); 6] = [
            ("ca.pem", Payload::Public(ca_pem.as_bytes()), expires),
            ("ca-key.pem", Payload::Secret(&ca_key_pem), None),
            (
                "server-cert.pem",
                Payload::Public(server_pem.as_bytes()),
                expires,
            ),
            ("server-key.pem", Payload::Secret(&server_key_pem), None),
            (
                "client-cert.pem",
                Payload::Public(client_pem.as_bytes()),
                expires,
            ),
            ("client-key.pem", Payload::Secret(&client_key_pem), None),
        ];
        for (name, file, expires) in files {
            // Only a lone client-cert.pem may be replaced without --force (handle_stale warned);
            // a key that appeared since handle_stale still fails here, or at the no-clobber
            // rename in commit. Moved-aside files are replaceable through the transaction.
            let replace = req.force || (stale == Stale::Refuse && name == "client-cert.pem");
            match file {
                Payload::Secret(secret) => tx.stage_secret_replacing(&p(name), secret, replace)?,
                Payload::Public(bytes) => tx.stage_public_replacing(&p(name), bytes, replace)?,
            }
            outcome.written.push(Written {
                path: p(name),
                purpose: purpose(name),
                expires,
            });
        }
    }
    if do_rsa {
        let Some(rsa) = keys.next() else {
            bail!("key generation returned too few keys")
        };
        tx.stage_secret(&p("private_key.pem"), &rsa.to_pem().into())?;
        tx.stage_public(&p("public_key.pem"), rsa.public_key_pem().as_bytes())?;
        for name in ["private_key.pem", "public_key.pem"] {
            outcome.written.push(Written {
                path: p(name),
                purpose: purpose(name),
                expires: None,
            });
        }
    }
    let committed = tx.commit_files()?;
    let labels: Vec<(PathBuf, String)> = outcome
        .written
        .iter()
        .map(|w| (w.path.clone(), w.purpose.to_string()))
        .collect();
    outcome.files = crate::app::written::describe(&committed, &labels);
    let absolute = |p: &Path| outcome.datadir.join(p.file_name().unwrap_or_default());
    for f in &mut outcome.files {
        f.path = absolute(&f.path);
    }
    for w in &mut outcome.written {
        w.path = absolute(&w.path);
    }
    outcome.server = detection.join().unwrap_or(None);
    Ok(outcome)
}

/// Applies `stale` to the files of [`STALE`] present in `dir`, before any key is generated.
fn handle_stale(
    tx: &mut Transaction,
    outcome: &mut SetupOutcome,
    dir: &Path,
    stale: Stale,
) -> Result<()> {
    let present: Vec<(&str, bool)> = STALE
        .into_iter()
        // A directory under one of these names is left to stage_replacing's "is a directory".
        .filter(|(n, _)| io::is_non_dir(&dir.join(n)))
        .collect();
    match stale {
        Stale::Refuse => {
            let keys: Vec<&str> = present
                .iter()
                .filter(|(_, k)| *k)
                .map(|(n, _)| *n)
                .collect();
            if let Some((first, rest)) = keys.split_first() {
                let hint = match rest {
                    [] => "move it away or pass --force".to_string(),
                    _ => format!("{} too; move them away or pass --force", rest.join(", ")),
                };
                return Err(io::Error {
                    path: outcome.datadir.join(first),
                    reason: format!(
                        "exists without ca.pem; refusing to replace a private key ({hint})"
                    )
                    .into(),
                }
                .into());
            }
            if present.iter().any(|(n, _)| *n == "client-cert.pem") {
                outcome.warnings.push(
                    "replacing client-cert.pem: without ca.pem and client-key.pem it is unusable (mysql_ssl_rsa_setup deleted it too)"
                        .into(),
                );
            }
        }
        Stale::MoveAside => {
            // ISO 8601 basic format in UTC, so backups sort by time and never contain ':'.
            let tag = OffsetDateTime::now_utc()
                .format(time::macros::format_description!(
                    "[year][month][day]T[hour][minute][second]Z"
                ))
                .context("formatting the backup time")?;
            for (name, _) in present {
                let backup = tx.move_aside(&dir.join(name), &tag)?;
                let backup = backup.file_name().unwrap_or_default().to_string_lossy();
                outcome.warnings.push(format!(
                    "{name} exists without ca.pem: moved it aside to {backup} (mysql_ssl_rsa_setup overwrote it)"
                ));
            }
        }
    }
    Ok(())
}

fn purpose(name: &str) -> &'static str {
    FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, p)| *p)
        .unwrap_or("")
}

/// One of the six files of the certificate part.
enum Payload<'a> {
    Secret(&'a Secret),
    Public(&'a [u8]),
}

#[cfg(test)]
mod tests;
