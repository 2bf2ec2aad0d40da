//! The exact bytes of `--field` and `--sql`, and the warnings about the names they carry.

use anyhow::{Result, anyhow};

use crate::app::inspect::{NameField, SqlAccount};
use crate::pki::describe::CertInfo;
use crate::pki::oneline;

/// Each warning prefixed with the name it is about (`subject: ...`).
pub fn prefixed(which: &str, warnings: &[String]) -> Vec<String> {
    warnings.iter().map(|w| format!("{which}: {w}")).collect()
}

/// The warnings of a certificate's subject and issuer strings, each saying which one.
pub fn name_warnings(c: &CertInfo) -> Vec<String> {
    let mut w = prefixed("subject", &c.subject.warnings);
    w.extend(prefixed("issuer", &c.issuer.warnings));
    w
}

/// The `--field` line of a certificate (exact bytes, newline-terminated).
pub fn field_line(c: &CertInfo, field: NameField) -> Result<Vec<u8>> {
    let r = match field {
        NameField::Subject => &c.subject,
        NameField::Issuer => &c.issuer,
    };
    check_one_line(&r.bytes)?;
    let mut line = r.bytes.clone();
    line.push(b'\n');
    Ok(line)
}

/// `--field` promises the exact bytes the server compares, so a name holding a character that
/// must not reach the terminal raw ([`crate::report::first_unsafe`]: C0/C1 controls, bidi
/// controls; only TiDB strings carry decoded text) is refused rather than altered: an escaped
/// form would not match. The message shows the name escaped.
fn check_one_line(bytes: &[u8]) -> Result<()> {
    if let Some(what) = crate::report::first_unsafe(bytes) {
        return Err(anyhow!(
            "the name contains control characters or bidi controls ({what}), which cannot be \
             printed as they are: {}",
            crate::report::escape(&String::from_utf8_lossy(bytes))
        ));
    }
    Ok(())
}

/// `ALTER USER 'U'@'H' REQUIRE SUBJECT '...' AND ISSUER '...';` (one line, exact bytes), with
/// every literal quoted for a session in the account's mode ([`oneline::sql_literal`]).
pub fn alter_user_line(c: &CertInfo, account: &SqlAccount) -> Result<Vec<u8>> {
    let lit = |what: &str, bytes: &[u8]| {
        oneline::sql_literal(bytes, account.mode).map_err(|e| anyhow!("the {what} {e}"))
    };
    let mut out = b"ALTER USER ".to_vec();
    out.extend(lit("user name", account.user.as_bytes())?);
    out.push(b'@');
    out.extend(lit("host", account.host.as_bytes())?);
    out.extend_from_slice(b" REQUIRE SUBJECT ");
    out.extend(lit("subject", &c.subject.bytes)?);
    out.extend_from_slice(b" AND ISSUER ");
    out.extend(lit("issuer", &c.issuer.bytes)?);
    out.extend_from_slice(b";\n");
    Ok(out)
}
