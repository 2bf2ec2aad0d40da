//! `dbtls rotate {start|switch|finish|status}`: replace a setup datadir's CA in three phases,
//! each reloaded by the servers before the next, so no connection ever fails (the procedure
//! Percona's and TiDB's operators document, done in one step it breaks clusters):
//!
//! 1. `start`: a new CA (same subject by default, so `REQUIRE ISSUER` strings stay valid) is
//!    written as `ca-next.pem`/`ca-next-key.pem`, and `ca.pem` becomes the bundle old + new:
//!    whoever reloads it trusts both, and everything signed by the old CA keeps working.
//! 2. `switch`: `server-cert.pem` and `client-cert.pem` are re-issued under the new CA, with the
//!    same subject bytes, SANs, role and key.
//! 3. `finish`: `ca.pem` is the new CA alone, `ca-key.pem` its key; the old CA and key are kept
//!    as `ca-prev.pem`/`ca-prev-key.pem` for rollback.
//!
//! The phase is read from the files ([`state`]); every phase is one [`Transaction`] (all its
//! files or none), a no-op when already done, and refused out of order.

pub mod state;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::app::inputs;
use crate::app::protection::key_pem;
use crate::io::password::{self, PassSpec, Purpose};
use crate::io::{self, Secret, Transaction};
use crate::pki::cert::{self, CertSpec, Certificate, Issuer, Signer, Validity};
use crate::pki::key::{KeyInfo, KeyType, PrivateKey};
use crate::pki::keyfile::{self, Kdf};
use crate::pki::name::DistinguishedName;
use crate::pki::oneline;
use crate::pki::profile::Profile;
use crate::pki::reissue::Template;
use state::{
    CA, CA_KEY, CLIENT, CROSS, CertRow, NEXT, NEXT_KEY, PREV, PREV_KEY, Phase, SERVER, State,
};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Lines for a human.
    #[default]
    Text,
    /// One JSON object.
    Json,
}

/// What `start` makes.
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// Validity of the new CA, in days.
    pub days: u32,
    /// The new CA's key type; `None` = the old CA's.
    pub key_type: Option<KeyType>,
    /// A new CA name; `None` = the old CA's subject, byte for byte.
    pub subject: Option<DistinguishedName>,
    /// Also certify the new CA's key with the old CA's key (`ca-next-cross.pem`).
    pub cross_sign: bool,
    /// Password of `ca-key.pem` (read only with `cross_sign`).
    pub passin: Option<PassSpec>,
    /// Password for `ca-next-key.pem`.
    pub passout: Option<PassSpec>,
}

/// The phase asked for.
#[derive(Debug, Clone)]
pub enum Action {
    /// Begin: the new CA, and the old + new bundle.
    Start(StartOptions),
    /// Re-issue the server and client certificates under the new CA.
    Switch {
        /// Their validity in days; `None` = each certificate's old lifetime.
        days: Option<u32>,
        /// Password of `ca-next-key.pem`.
        passin: Option<PassSpec>,
    },
    /// Drop the old CA.
    Finish,
    /// Only say where the datadir is.
    Status,
}

impl Action {
    /// The subcommand's name.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Start(_) => "start",
            Action::Switch { .. } => "switch",
            Action::Finish => "finish",
            Action::Status => "status",
        }
    }
}

/// `dbtls rotate ...`, checked.
#[derive(Debug, Clone)]
pub struct RotateRequest {
    /// The setup datadir.
    pub datadir: PathBuf,
    /// What to do.
    pub action: Action,
    /// How to print the outcome.
    pub format: Format,
}

/// A CA name change: the `REQUIRE ISSUER` string that accounts must move to.
#[derive(Debug, Clone)]
pub struct IssuerChange {
    /// The old CA's subject (OpenSSL 3 `X509_NAME_oneline`).
    pub old: Vec<u8>,
    /// The new CA's subject.
    pub new: Vec<u8>,
    /// `client-cert.pem`'s subject.
    pub client_subject: Vec<u8>,
}

/// What a rotate command did and where the datadir is now.
#[derive(Debug, Clone)]
pub struct RotateOutcome {
    /// The subcommand.
    pub action: &'static str,
    /// The output format asked for.
    pub format: Format,
    /// The datadir, absolute.
    pub datadir: PathBuf,
    /// Set when the phase was already done: the line saying so (nothing was written).
    pub already: Option<String>,
    /// Files written, with what each is now.
    pub written: Vec<(PathBuf, String)>,
    /// Files removed.
    pub removed: Vec<PathBuf>,
    /// Older files moved aside (an earlier rotation's `ca-prev*`), with their backup names.
    pub moved: Vec<(PathBuf, PathBuf)>,
    /// The phase after the command.
    pub phase: Phase,
    /// Whether a cross certificate is in use.
    pub cross: bool,
    /// Every certificate of the datadir and its signer.
    pub rows: Vec<CertRow>,
    /// Set when the new CA's name differs from the old one's.
    pub issuer_change: Option<IssuerChange>,
    /// Warnings.
    pub warnings: Vec<String>,
}

#[derive(Default)]
struct Changes {
    written: Vec<(PathBuf, String)>,
    removed: Vec<PathBuf>,
    moved: Vec<(PathBuf, PathBuf)>,
    warnings: Vec<String>,
}

/// Runs one rotate subcommand.
pub fn run(req: &RotateRequest) -> Result<RotateOutcome> {
    let dir = io::canonicalize(&req.datadir)?;
    let before = State::read(&dir)?;
    let mut changes = Changes::default();
    let phase = before.phase.name();
    let already = |what: &str| {
        Some(format!(
            "rotate {}: {what}; nothing changed",
            req.action.name()
        ))
    };
    let already = match (&req.action, before.phase) {
        (Action::Status, _) => None,
        (Action::Start(o), Phase::Started | Phase::Switched) => {
            if let (Some(dn), Some(next)) = (&o.subject, &before.next)
                && dn.to_der()? != state::subject_der(next)
            {
                changes.warnings.push(format!(
                    "--subject differs from the subject of the rotation in progress ({NEXT}); \
                     it was not used"
                ));
            }
            if o.cross_sign && before.cross.is_none() {
                changes.warnings.push(format!(
                    "the rotation in progress was started without a cross certificate; \
                     {CROSS} was not made"
                ));
            }
            already(&format!("already started (phase {phase})"))
        }
        (Action::Start(o), Phase::Idle | Phase::Finished) => {
            start(&before, o, &mut changes)?;
            None
        }
        (Action::Switch { .. }, Phase::Idle) => bail!(
            "rotate switch: no rotation in progress in {} (no {NEXT}): run `dbtls rotate start` \
             first",
            dir.display()
        ),
        (Action::Switch { .. }, Phase::Finished) => bail!(
            "rotate switch: no rotation in progress in {}: the last one is finished ({PREV} is \
             the CA before it); `dbtls rotate start` begins a new one",
            dir.display()
        ),
        (Action::Switch { days, passin }, Phase::Started) => {
            switch(&before, *days, passin.as_ref(), &mut changes)?;
            None
        }
        (Action::Switch { .. }, Phase::Switched) => already(&format!(
            "already switched ({SERVER} and {CLIENT} are signed by the new CA)"
        )),
        (Action::Finish, Phase::Idle) => bail!(
            "rotate finish: no rotation in progress in {} (no {NEXT}): run `dbtls rotate \
             start`, then `dbtls rotate switch`",
            dir.display()
        ),
        (Action::Finish, Phase::Started) => bail!(
            "rotate finish: {SERVER} and {CLIENT} are not both signed by the new CA yet: run \
             `dbtls rotate switch` first (finishing now would lock out every server and client \
             that holds them)"
        ),
        (Action::Finish, Phase::Switched) => {
            finish(&before, &mut changes)?;
            None
        }
        (Action::Finish, Phase::Finished) => already(&format!(
            "already finished ({CA} holds the new CA only, {PREV} the old one)"
        )),
    };
    let after = if already.is_none() && !matches!(req.action, Action::Status) {
        State::read(&dir)?
    } else {
        before
    };
    Ok(RotateOutcome {
        action: req.action.name(),
        format: req.format,
        datadir: dir,
        already,
        written: changes.written,
        removed: changes.removed,
        moved: changes.moved,
        phase: after.phase,
        cross: after.cross.is_some(),
        rows: after.rows(),
        issuer_change: issuer_change(&after),
        warnings: changes.warnings,
    })
}

/// The old and new CA names when they differ (during a rotation, and after it as a reminder).
fn issuer_change(s: &State) -> Option<IssuerChange> {
    let (old, new) = match (s.phase, &s.next, &s.prev) {
        (Phase::Started | Phase::Switched, Some(next), _) => (s.current(), next.as_slice()),
        (Phase::Finished, _, Some(prev)) => (prev.as_slice(), s.current()),
        _ => return None,
    };
    let (old, new) = (name_of_subject(old), name_of_subject(new));
    (old != new).then(|| IssuerChange {
        old,
        new,
        client_subject: name_of_subject(&s.client[0]),
    })
}

/// A certificate's subject as `REQUIRE SUBJECT`/`ISSUER` compare it (OpenSSL 3).
fn name_of_subject(cert: &[u8]) -> Vec<u8> {
    oneline::entries(&state::subject_der(cert))
        .map(|e| oneline::openssl3(&e).into_bytes())
        .unwrap_or_default()
}

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

fn start(s: &State, o: &StartOptions, changes: &mut Changes) -> Result<()> {
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

fn switch(
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
        let template = Template::of(leaf).with_context(|| p(file).display().to_string())?;
        // By default the old lifetime again, ending with the new CA at the latest (a chain is
        // only as valid as its CA); an explicit --days beyond it is clamped with a warning.
        let validity = match days {
            Some(days) => Validity::days_from(now, days),
            None => Validity::between(
                now - cert::BACKDATE,
                (now + template.lifetime).min(ca_not_after),
            )?,
        };
        let issued = template
            .issue(&issuer, validity)
            .with_context(|| p(file).display().to_string())?;
        changes
            .warnings
            .extend(issued.warnings.iter().map(|w| format!("{file}: {w}")));
        let mut pem = issued.cert.to_pem();
        let mut what = format!(
            "{} certificate, signed by the new CA",
            template.profile.name()
        );
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

fn finish(s: &State, changes: &mut Changes) -> Result<()> {
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
