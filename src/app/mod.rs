//! One module per command: read inputs, call the core, write through [`crate::io`], and return
//! what was done as an outcome for [`crate::report`]. Nothing here prints.

pub mod bundle;
pub mod config;
pub mod crl;
pub mod csr;
pub mod docs;
pub mod doctor;
pub mod export;
pub mod fixtures;
pub mod inputs;
pub mod inspect;
pub mod issue;
pub mod key;
pub mod live;
pub mod protection;
pub mod renew;
pub mod rotate;
pub mod server_kind;
pub mod setup;
pub mod verify;
pub mod written;

use anyhow::Result;

/// A command, typed and checked (made by [`crate::cli`]).
#[derive(Debug, Clone)]
pub enum Request {
    /// `dbtls setup`.
    Setup(setup::SetupRequest),
    /// `dbtls config`.
    Config(config::ConfigRequest),
    /// `dbtls key ...`.
    Key(key::KeyRequest),
    /// `dbtls issue ...`.
    Issue(issue::IssueRequest),
    /// `dbtls csr new`.
    Csr(csr::CsrRequest),
    /// `dbtls export {pem|p7b|jks|p12}`.
    Export(export::ExportRequest),
    /// `dbtls export bundle`.
    Bundle(bundle::BundleRequest),
    /// `dbtls inspect`.
    Inspect(inspect::InspectRequest),
    /// `dbtls verify`.
    Verify(verify::VerifyRequest),
    /// `dbtls renew`.
    Renew(renew::RenewRequest),
    /// `dbtls crl`.
    Crl(crl::CrlRequest),
    /// `dbtls rotate ...`.
    Rotate(rotate::RotateRequest),
    /// `dbtls inspect|verify mysql://... tls://...`.
    Live(live::LiveRequest),
    /// `dbtls doctor`.
    Doctor(doctor::DoctorRequest),
    /// `dbtls completions`, `dbtls man`.
    Docs(docs::DocsRequest),
    /// `dbtls fixtures`.
    Fixtures(fixtures::FixturesRequest),
}

/// What a command did, for [`crate::report`].
#[derive(Debug)]
pub enum Outcome {
    /// `dbtls setup`.
    Setup(setup::SetupOutcome),
    /// `dbtls config`.
    Config(config::ConfigOutcome),
    /// `dbtls key ...` and `dbtls csr new`: the key and the files written.
    Key(key::KeyOutcome),
    /// `dbtls issue ...`.
    Issue(issue::IssueOutcome),
    /// `dbtls export ...`, bundle included.
    Export(export::ExportOutcome),
    /// `dbtls inspect`: a report per input.
    Inspect(inspect::InspectOutcome),
    /// `dbtls verify`: a verification per certificate.
    Verify(verify::VerifyOutcome),
    /// `dbtls renew`.
    Renew(renew::RenewOutcome),
    /// `dbtls crl`.
    Crl(crl::CrlOutcome),
    /// `dbtls rotate ...`: what was done and where the datadir is now.
    Rotate(rotate::RotateOutcome),
    /// `inspect`/`verify` of servers.
    Live(live::LiveOutcome),
    /// `dbtls doctor`: the checklist of a server's TLS files.
    Doctor(doctor::DoctorOutcome),
    /// `dbtls completions`, `dbtls man`.
    Docs(docs::DocsOutcome),
    /// `dbtls fixtures`: what was issued and written.
    Fixtures(fixtures::FixturesOutcome),
}

/// What a long-running command tells while it works, before its [`Outcome`]: the report layer
/// draws it (a progress bar on a terminal); app itself never prints.
pub trait Observer: Sync {
    /// `total` steps of work begin.
    fn begin(&self, total: u64);
    /// One step is done (from any thread).
    fn step(&self);
    /// The steps are over.
    fn end(&self);
}

/// Runs a command, telling `observer` how the work goes.
pub fn run(request: &Request, observer: &dyn Observer) -> Result<Outcome> {
    Ok(match request {
        Request::Setup(r) => Outcome::Setup(setup::run(r)?),
        Request::Config(r) => Outcome::Config(config::run(r)),
        Request::Key(r) => Outcome::Key(key::run(r)?),
        Request::Issue(r) => Outcome::Issue(issue::run(r)?),
        Request::Csr(r) => Outcome::Key(csr::run(r)?),
        Request::Export(r) => Outcome::Export(export::run(r)?),
        Request::Bundle(r) => Outcome::Export(bundle::run(r)?),
        Request::Inspect(r) => Outcome::Inspect(inspect::run(r)?),
        Request::Verify(r) => Outcome::Verify(verify::run(r)?),
        Request::Renew(r) => Outcome::Renew(renew::run(r)?),
        Request::Crl(r) => Outcome::Crl(crl::run(r)?),
        Request::Rotate(r) => Outcome::Rotate(rotate::run(r)?),
        Request::Live(r) => Outcome::Live(live::run(r)?),
        Request::Doctor(r) => Outcome::Doctor(doctor::run(r)?),
        Request::Docs(r) => Outcome::Docs(docs::run(r)?),
        Request::Fixtures(r) => Outcome::Fixtures(fixtures::run(r, observer)?),
    })
}
