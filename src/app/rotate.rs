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

mod phases;
pub mod state;

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::io::{self, password::PassSpec};
use crate::pki::key::KeyType;
use crate::pki::name::DistinguishedName;
use crate::pki::oneline;
use state::{CA, CLIENT, CROSS, CertRow, NEXT, PREV, Phase, SERVER, State};

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

/// What a phase wrote, removed and moved, and its warnings.
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
            phases::start(&before, o, &mut changes)?;
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
            phases::switch(&before, *days, passin.as_ref(), &mut changes)?;
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
            phases::finish(&before, &mut changes)?;
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
