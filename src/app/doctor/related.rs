//! The checks of `dbtls doctor` that relate files to each other: the RSA pair, the CRLs against
//! the CAs, a CA key lying next to the server's files, and the hashed directories.

use std::path::{Path, PathBuf};

use super::Status;
use super::checks::{Doctor, Loaded};
use super::discover::{ServerConfig, ServerFile};
use crate::app::verify::{WARN_DAYS, read_crls, read_file_certs};
use crate::pki::key::KeyInfo;
use crate::pki::verify::{Cert, Crl};

const DAY: i64 = 86_400;

/// The RSA pair of the password-exchange plugins: RSA, and the two halves of one key.
pub(super) fn rsa_pair(
    d: &mut Doctor<'_>,
    private: Option<&(ServerFile, Loaded)>,
    public: Option<&(ServerFile, Loaded)>,
) {
    let rsa = |d: &mut Doctor<'_>, f: &ServerFile, spki: &[u8]| {
        if !KeyInfo::spki_is_rsa(spki).unwrap_or(false) {
            d.push(
                Status::Error,
                "rsa-pair",
                &f.role,
                Some(&f.path),
                "not an RSA key: caching_sha2_password and sha256_password need RSA".into(),
                Some("dbtls setup writes an RSA-2048 private_key.pem/public_key.pem pair".into()),
            );
        }
    };
    if let Some((f, Loaded::Key(k))) = private {
        rsa(d, f, k);
    }
    if let Some((f, Loaded::PublicKey(k))) = public {
        rsa(d, f, k);
    }
    if let (Some((f, Loaded::Key(a))), Some((_, Loaded::PublicKey(b)))) = (private, public) {
        if a == b {
            d.push(
                Status::Ok,
                "rsa-pair",
                &f.role,
                Some(&f.path),
                "the RSA private and public keys are one pair".into(),
                None,
            );
        } else {
            d.push(Status::Error, "rsa-pair", &f.role, Some(&f.path), "the RSA public key is not the private key's: password exchange over plain connections fails".into(), Some("dbtls key public PRIVATE_KEY --out PUBLIC_KEY --force".into()));
        }
    }
}

/// A CRL is signed by a CA of ssl_ca and current.
pub(super) fn check_crls(d: &mut Doctor<'_>, f: &ServerFile, list: &[Crl], anchors: &[Cert]) {
    let at = d.req.at;
    for c in list {
        if !anchors.iter().any(|a| c.signed_by(a)) {
            d.push(
                Status::Warning,
                "crl",
                &f.role,
                Some(&f.path),
                "not signed by a CA of ssl_ca: the server never applies it".into(),
                Some("publish the CRL from the CA in ssl_ca".into()),
            );
        }
        let fix = Some(
            "publish a fresh CRL from the issuing CA and FLUSH SSL / ALTER INSTANCE RELOAD TLS"
                .to_string(),
        );
        if c.this_update() > at {
            d.push(Status::Error, "crl", &f.role, Some(&f.path), "not yet valid (thisUpdate in the future): every client certificate of its CA is refused".into(), fix);
        } else if let Some(n) = c.next_update().filter(|n| *n <= at) {
            d.push(Status::Error, "crl", &f.role, Some(&f.path), format!("expired {} days ago (nextUpdate passed): every client certificate of its CA is refused", (at - n) / DAY), fix);
        } else if let Some(n) = c.next_update().filter(|n| *n - at <= WARN_DAYS * DAY) {
            d.push(
                Status::Warning,
                "crl",
                &f.role,
                Some(&f.path),
                format!("nextUpdate in {} days", (n - at) / DAY),
                fix,
            );
        } else {
            d.push(
                Status::Ok,
                "crl",
                &f.role,
                Some(&f.path),
                "current".into(),
                None,
            );
        }
    }
}

/// `ca-key.pem` next to the files the server loads: the CA key should be kept offline.
pub(super) fn ca_key_nearby(d: &mut Doctor<'_>, cfg: &ServerConfig) {
    let mut dirs: Vec<PathBuf> = cfg
        .files
        .iter()
        .filter_map(|f| f.path.parent().map(Path::to_path_buf))
        .collect();
    dirs.extend(cfg.datadir.clone());
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        let p = dir.join("ca-key.pem");
        if crate::io::exists(&p) {
            d.push(Status::Warning, "ca-key", "ca-key.pem", Some(&p), "the CA's private key lies next to the server's files: whoever reads it can issue certificates every client trusts".into(), Some(format!("move {} offline; dbtls issue --ca-key takes it from there", p.display())));
        }
    }
}

pub(super) fn read_dir_certs(d: &mut Doctor<'_>, dir: &Path) -> Vec<Cert> {
    let Ok(files) = crate::io::list_dir(dir) else {
        d.push(
            Status::Error,
            "present",
            "ssl_capath",
            Some(dir),
            "cannot list the directory".into(),
            None,
        );
        return Vec::new();
    };
    files
        .iter()
        .filter_map(|f| read_file_certs(f).ok())
        .flatten()
        .collect()
}

pub(super) fn read_dir_crls(dir: &Path) -> Vec<Crl> {
    let files = crate::io::list_dir(dir).unwrap_or_default();
    files
        .iter()
        .filter_map(|f| read_crls(f).ok())
        .flatten()
        .collect()
}
