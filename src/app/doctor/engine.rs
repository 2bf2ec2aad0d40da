//! The verification engine run for doctor: relaxed (no X509_STRICT), as MySQL and MariaDB
//! verify, with its warnings and errors kept as doctor's findings.

use std::path::Path;

use super::checks::Doctor;
use super::{EngineRun, Finding, Status};
use crate::app::verify::WARN_DAYS;
use crate::pki::verify::{self, Cert, Crl, Input, Options, Purpose, Status as VStatus};

/// Runs the verification engine (relaxed: as the servers verify) and keeps its warnings and
/// errors as findings.
#[allow(clippy::too_many_arguments)]
pub(super) fn engine(
    d: &mut Doctor<'_>,
    role: &str,
    path: Option<&Path>,
    certs: &[Cert],
    anchors: &[Cert],
    crls: &[Crl],
    key: Option<Vec<u8>>,
    purpose: Purpose,
    hosts: Vec<verify::Host>,
) {
    if anchors.is_empty() {
        return;
    }
    let options = Options {
        purpose,
        hosts: hosts.clone(),
        at: d.req.at,
        warn_days: WARN_DAYS,
        fail_days: d.req.fail_days,
        strict: false,
    };
    let input = Input {
        leaf: certs[0].clone(),
        untrusted: certs[1..].to_vec(),
        anchors: anchors.to_vec(),
        crls: crls.to_vec(),
        key_spki: key,
    };
    let v = verify::verify(input, &options);
    let index = d.out.verifications.len();
    for (i, c) in v.checks.iter().enumerate() {
        // The host of a client certificate is never checked: its SANs do not matter.
        if purpose == Purpose::Client && c.check == verify::CheckKind::San {
            continue;
        }
        let status = match c.status {
            VStatus::Ok => continue,
            VStatus::Warning => Status::Warning,
            VStatus::Error => Status::Error,
        };
        d.out.findings.push(Finding {
            status,
            check: "verify",
            role: role.to_string(),
            path: path.map(Path::to_path_buf),
            detail: c.detail.clone(),
            fix: None,
            engine: Some((index, i)),
        });
    }
    let names: Vec<String> = hosts
        .iter()
        .map(|h| match h {
            verify::Host::Dns(n) => n.clone(),
            verify::Host::Ip(ip) => ip.to_string(),
        })
        .collect();
    let what = match purpose {
        Purpose::Server if names.is_empty() => "for the server purpose".to_string(),
        Purpose::Server => format!("for the server purpose and {}", names.join(", ")),
        _ => "for the client purpose".to_string(),
    };
    if v.accepted() {
        d.push(
            Status::Ok,
            "verify",
            role,
            path,
            format!("verifies to ssl_ca {what}"),
            None,
        );
    }
    d.out.verifications.push(EngineRun {
        purpose,
        verification: v,
    });
}
