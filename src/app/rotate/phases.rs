//! The three phases' writes: each reads what it needs, stages every file in one
//! [`Transaction`] and commits (all files or none).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::state::{
    self, CA, CA_KEY, CLIENT, CROSS, NEXT, NEXT_KEY, PREV, PREV_KEY, SERVER, State,
};
use super::{Changes, StartOptions};
use crate::app::inputs;
use crate::app::protection::key_pem;
use crate::io::password::{self, PassSpec, Purpose};
use crate::io::{self, Secret, Transaction};
use crate::pki::cert::{self, CertSpec, Certificate, Issuer, Signer, Validity};
use crate::pki::key::{KeyInfo, KeyType, PrivateKey};
use crate::pki::keyfile::{self, Kdf};
use crate::pki::profile::Profile;
use crate::pki::renew;

/// The key type of an existing CA key, so the new CA is of the same kind unless asked.
fn key_type_of(info: KeyInfo) -> Option<KeyType> {
    Some(match (info.kind, info.bits, info.curve) {
        ("RSA", 2048, _) => KeyType::Rsa2048,
        ("RSA", 3072, _) => KeyType::Rsa3072,
        ("RSA", 4096, _) => KeyType::Rsa4096,
        ("EC", _, Some("P-256")) => KeyType::EcdsaP256,
        ("EC", _, Some("P-384")) => KeyType::EcdsaP384,
        ("Ed25519", _, _) => KeyType::Ed25519,
        _ => return None,
    })
}

pub(super) fn start(s: &State, o: &StartOptions, changes: &mut Changes) -> Result<()> {
    let p = |n: &str| s.dir.join(n);
    let old = s.current();
    let (_, parsed) =
        X509Certificate::from_der(old).map_err(|e| anyhow::anyhow!("{}: {e}", p(CA).display()))?;
    let path_len = parsed
        .basic_constraints()
        .ok()
        .flatten()
        .and_then(|b| b.value.path_len_constraint)
        .map(|n| u8::try_from(n).unwrap_or(u8::MAX));
    let key_type = match o.key_type {
        Some(t) => t,
        None => {
            let info = KeyInfo::from_spki_der(parsed.public_key().raw)?;
            key_type_of(info).unwrap_or_else(|| {
                changes.warnings.push(format!(
                    "the old CA's key ({info}) is not a type dbtls makes: the new CA key is {}",
                    KeyType::default()
                ));
                KeyType::default()
            })
        }
    };
    // Passwords and the old key before any slow work.
    let old_key_path = p(CA_KEY);
    let old_encrypted =
        io::exists(&old_key_path) && keyfile::is_encrypted(&io::read(&old_key_path)?);
    let old_issuer = if o.cross_sign {
        let key = inputs::read_key(&old_key_path, o.passin.as_ref())?;
        Some(
            Issuer::new(Certificate::from_der(old.to_vec()), key)
                .with_context(|| format!("{} / {}", p(CA).display(), old_key_path.display()))?,
        )
    } else {
        None
    };
    // An encrypted CA key is not followed by a plain one: encrypt the new key too.
    let password = if o.passout.is_some() || old_encrypted {
        Some(password::read(
            o.passout.as_ref(),
            Purpose::New,
            &format!("Password for {NEXT_KEY}"),
        )?)
    } else {
        None
    };
    let mut tx = transaction(&s.dir)?;
    let mut outputs = vec![p(NEXT), p(NEXT_KEY)];
    if o.cross_sign {
        outputs.push(p(CROSS));
    }
    tx.check_outputs(&outputs.iter().map(PathBuf::as_path).collect::<Vec<_>>())?;

    let key = PrivateKey::generate(key_type)?;
    let subject_der = match &o.subject {
        Some(dn) => dn.to_der()?,
        None => parsed.subject().as_raw().to_vec(),
    };
    let now = OffsetDateTime::now_utc();
    let spec = CertSpec {
        profile: Profile::Ca { path_len },
        subject_der,
        public_key_der: key.public_key_der(),
        sans: Vec::new(),
        validity: Validity::days_from(now, o.days),
        serial: cert::random_serial()?,
    };
    let new = cert::issue(&spec, Signer::SelfSigned(&key))?;
    changes
        .warnings
        .extend(new.warnings.iter().map(|w| format!("{NEXT}: {w}")));
    let new_pem = new.cert.to_pem();
    let bundle = format!("{}{new_pem}", Certificate::from_der(old.to_vec()).to_pem());
    tx.stage_public(&p(NEXT), new_pem.as_bytes())?;
    tx.stage_secret(
        &p(NEXT_KEY),
        &key_pem(&key, password.as_ref(), Kdf::Pbkdf2)?,
    )?;
    tx.stage_public_replacing(&p(CA), bundle.as_bytes(), true)?;
    changes.written.extend([
        (p(NEXT), "the new CA certificate".to_string()),
        (
            p(NEXT_KEY),
            if password.is_some() {
                "the new CA key (encrypted)".to_string()
            } else {
                "the new CA key".to_string()
            },
        ),
        (p(CA), "bundle: the old CA, then the new CA".to_string()),
    ]);
    if let Some(issuer) = &old_issuer {
        // The same subject, key and extensions as the new CA, certified by the old key: a
        // client that trusts only the old CA builds leaf → cross → old CA (RFC 4158 §2.3).
        let cross_spec = CertSpec {
            serial: cert::random_serial()?,
            ..spec
        };
        let cross = cert::issue(&cross_spec, Signer::Ca(issuer))?;
        changes
            .warnings
            .extend(cross.warnings.iter().map(|w| format!("{CROSS}: {w}")));
        tx.stage_public(&p(CROSS), cross.cert.to_pem().as_bytes())?;
        changes.written.push((
            p(CROSS),
            "the new CA certified by the old CA (sent by the server after switch)".to_string(),
        ));
    }
    tx.commit()?;
    Ok(())
}

pub(super) fn switch(
    s: &State,
    days: Option<u32>,
    passin: Option<&PassSpec>,
    changes: &mut Changes,
) -> Result<()> {
    let p = |n: &str| s.dir.join(n);
    let Some(next) = &s.next else {
        bail!("{}: missing", p(NEXT).display())
    };
    let key = inputs::read_key(&p(NEXT_KEY), passin)?;
    let issuer = Issuer::new(Certificate::from_der(next.clone()), key)
        .with_context(|| format!("{} / {}", p(NEXT).display(), p(NEXT_KEY).display()))?;
    let now = OffsetDateTime::now_utc();
    let (_, parsed) = X509Certificate::from_der(next)
        .map_err(|e| anyhow::anyhow!("{}: {e}", p(NEXT).display()))?;
    let ca_not_after =
        OffsetDateTime::from_unix_timestamp(parsed.validity().not_after.timestamp())?;
    let mut tx = transaction(&s.dir)?;
    for (file, certs) in [(SERVER, &s.server), (CLIENT, &s.client)] {
        let leaf = &certs[0];
        if state::signed_by(leaf, next) {
            continue;
        }
        if certs.len() > 1 {
            changes.warnings.push(format!(
                "{file}: the {} certificate(s) after the leaf belong to the old CA's chain and \
                 were left out",
                certs.len() - 1
            ));
        }
        let old = renew::read(leaf).with_context(|| p(file).display().to_string())?;
        // By default the old lifetime again, ending with the new CA at the latest (a chain is
        // only as valid as its CA); an explicit --days beyond it is clamped with a warning.
        let validity = match days {
            Some(days) => Validity::days_from(now, days),
            None => Validity::between(
                now - cert::BACKDATE,
                (now + (old.not_after - old.not_before)).min(ca_not_after),
            )?,
        };
        // Rotation reports only the signing warnings (a validity clamped to the new CA's).
        let issued = renew::reissue_under_next_ca(&old, &issuer, validity, cert::random_serial()?)
            .with_context(|| p(file).display().to_string())?
            .issued;
        changes
            .warnings
            .extend(issued.warnings.iter().map(|w| format!("{file}: {w}")));
        let mut pem = issued.cert.to_pem();
        let mut what = format!("{} certificate, signed by the new CA", old.profile.name());
        if file == SERVER
            && let Some(cross) = &s.cross
        {
            pem.push_str(&Certificate::from_der(cross.clone()).to_pem());
            what.push_str(", then the cross certificate");
        }
        tx.stage_public_replacing(&p(file), pem.as_bytes(), true)?;
        changes.written.push((p(file), what));
    }
    tx.commit()?;
    Ok(())
}

pub(super) fn finish(s: &State, changes: &mut Changes) -> Result<()> {
    let p = |n: &str| s.dir.join(n);
    let Some(next) = &s.next else {
        bail!("{}: missing", p(NEXT).display())
    };
    let mut tx = transaction(&s.dir)?;
    // The CA before an earlier rotation: kept under a backup name, never replaced.
    let tag = utc_tag(OffsetDateTime::now_utc());
    for name in [PREV, PREV_KEY] {
        if io::is_non_dir(&p(name)) {
            let backup = tx.move_aside(&p(name), &tag)?;
            changes.moved.push((p(name), backup));
        }
    }
    let old_pem = Certificate::from_der(s.current().to_vec()).to_pem();
    let next_pem = Certificate::from_der(next.clone()).to_pem();
    tx.stage_public_replacing(&p(CA), next_pem.as_bytes(), true)?;
    tx.stage_public_replacing(&p(PREV), old_pem.as_bytes(), true)?;
    changes.written.extend([
        (p(CA), "the new CA only".to_string()),
        (p(PREV), "the old CA, for rollback".to_string()),
    ]);
    // Key files are copied byte for byte: an encrypted key stays encrypted, with its password.
    let next_key = Secret::new(io::read(&p(NEXT_KEY))?);
    if io::exists(&p(CA_KEY)) {
        let old_key = Secret::new(io::read(&p(CA_KEY))?);
        tx.stage_secret_replacing(&p(PREV_KEY), &old_key, true)?;
        changes
            .written
            .push((p(PREV_KEY), "the old CA key, for rollback".to_string()));
    } else {
        changes.warnings.push(format!(
            "no {CA_KEY}: the old CA key is wherever you keep it; {PREV_KEY} not written"
        ));
    }
    tx.stage_secret_replacing(&p(CA_KEY), &next_key, true)?;
    changes.written.push((
        p(CA_KEY),
        "the new CA key (was ca-next-key.pem)".to_string(),
    ));
    // The cross certificate only served clients that trust the old CA, which is dropped now.
    if s.server.len() > 1
        && let Some(cross) = &s.cross
        && s.server[1..].contains(cross)
    {
        let leaf = Certificate::from_der(s.server[0].clone()).to_pem();
        tx.stage_public_replacing(&p(SERVER), leaf.as_bytes(), true)?;
        changes.written.push((
            p(SERVER),
            "server certificate without the cross certificate".to_string(),
        ));
    }
    for name in [NEXT, NEXT_KEY, CROSS] {
        if io::exists(&p(name)) {
            tx.remove(&p(name))?;
            changes.removed.push(p(name));
        }
    }
    tx.commit()?;
    Ok(())
}

/// The phase's transaction. Run as root (the usual case for /var/lib/mysql), every file written
/// gets ca.pem's owner and group, so the server's user still owns (and can read) its files.
fn transaction(dir: &std::path::Path) -> Result<Transaction> {
    let mut tx = Transaction::new(false);
    if nix::unistd::geteuid().is_root() {
        tx.set_owner(Some(io::owner_of(&dir.join(CA))?));
    }
    Ok(tx)
}

/// `20261201T231500Z`, the backup tag `setup`'s drop-in uses too.
fn utc_tag(now: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}
