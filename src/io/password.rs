//! Password sources, the same on every command (OpenSSL's `-passin`/`-passout` convention).
//!
//! `pass:TEXT`, `env:VAR`, `file:PATH` (first line, CR/LF trimmed), `fd:N` (first line) and
//! `stdin` (first line). Without a spec, a no-echo prompt on the controlling terminal, asked
//! twice when a new password is set; with no terminal, an error rather than a hang.
//! Passwords live in zeroizing buffers and are never printed.

use std::fmt;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

/// A password, wiped from memory when dropped; `Debug` shows nothing.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl Password {
    /// Wraps a password.
    pub fn new(text: String) -> Password {
        Password(Zeroizing::new(text))
    }

    /// The UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Whether the password is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Where a password comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum PassSpec {
    /// `pass:TEXT`: the password itself (visible in `ps`; for CI fixtures).
    Pass(Zeroizing<String>),
    /// `env:VAR`.
    Env(String),
    /// `file:PATH`: the first line.
    File(PathBuf),
    /// `fd:N`: the first line read from an inherited file descriptor.
    Fd(u32),
    /// `stdin`: the first line of standard input.
    Stdin,
}

impl fmt::Debug for PassSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PassSpec::Pass(_) => f.write_str("pass:[redacted]"),
            PassSpec::Env(v) => write!(f, "env:{v}"),
            PassSpec::File(p) => write!(f, "file:{}", p.display()),
            PassSpec::Fd(n) => write!(f, "fd:{n}"),
            PassSpec::Stdin => f.write_str("stdin"),
        }
    }
}

impl std::str::FromStr for PassSpec {
    type Err = String;

    /// Parses a spec. The error never repeats the input, which may be a mistyped password.
    fn from_str(s: &str) -> Result<PassSpec, String> {
        if s == "stdin" {
            return Ok(PassSpec::Stdin);
        }
        let Some((kind, rest)) = s.split_once(':') else {
            return Err("a password spec is pass:TEXT, env:VAR, file:PATH, fd:N or stdin".into());
        };
        match kind {
            "pass" => Ok(PassSpec::Pass(Zeroizing::new(rest.to_string()))),
            "env" if !rest.is_empty() => Ok(PassSpec::Env(rest.to_string())),
            "file" if !rest.is_empty() => Ok(PassSpec::File(PathBuf::from(rest))),
            "fd" => rest
                .parse()
                .map(PassSpec::Fd)
                .map_err(|_| "fd: needs a file descriptor number".to_string()),
            _ => Err("a password spec is pass:TEXT, env:VAR, file:PATH, fd:N or stdin".into()),
        }
    }
}

/// clap's parser for `--passin`/`--passout`: like `FromStr`, but its error never repeats the
/// typed value (clap's default "invalid value '...'" would print a mistyped `pass:` password).
#[derive(Debug, Clone, Copy)]
pub struct PassSpecParser;

impl clap::builder::TypedValueParser for PassSpecParser {
    type Value = PassSpec;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<PassSpec, clap::Error> {
        let name = arg
            .map(|a| a.get_id().as_str().replace('_', "-"))
            .unwrap_or_default();
        let text = value.to_str().ok_or_else(|| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidUtf8,
                format!("--{name}: the spec is not UTF-8\n"),
            )
            .with_cmd(cmd)
        })?;
        text.parse().map_err(|e: String| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("--{name}: {e}\n"),
            )
            .with_cmd(cmd)
        })
    }
}

impl clap::builder::ValueParserFactory for PassSpec {
    type Parser = PassSpecParser;

    fn value_parser() -> PassSpecParser {
        PassSpecParser
    }
}

/// No password source was given and there is no terminal to prompt on: an error rather than a
/// hang. The caller names the option that gives one (see [`crate::app::advice`]).
#[derive(Debug, thiserror::Error)]
#[error("{label}: a password is needed and there is no terminal to ask on")]
pub struct NoTerminal {
    /// What the password is for.
    pub label: String,
    /// Whether it opens an input or protects a new output.
    pub purpose: Purpose,
}

/// Whether a password opens something or protects something new (only new ones are
/// confirmed and must not be empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Opening an existing encrypted input.
    Existing,
    /// Protecting a new output.
    New,
}

fn first_line(reader: impl Read, what: &str) -> Result<String> {
    let mut line = String::new();
    let n = BufReader::new(reader.take(64 * 1024))
        .read_line(&mut line)
        .with_context(|| format!("reading the password from {what}"))?;
    // Nothing at all (a closed or empty stdin, an empty file) is not an empty password: saying
    // "wrong password" for it sent users looking for a typo.
    if n == 0 {
        bail!("no password read from {what} (it is empty or closed)");
    }
    while line.ends_with(['\n', '\r']) {
        line.pop();
    }
    Ok(line)
}

/// Reads a password from `spec`, or prompts for it (`label` names what it is for).
pub fn read(spec: Option<&PassSpec>, purpose: Purpose, label: &str) -> Result<Password> {
    let text = match spec {
        Some(PassSpec::Pass(p)) => p.to_string(),
        Some(PassSpec::Env(var)) => match std::env::var(var) {
            Ok(v) => v,
            Err(_) => bail!("password environment variable {var} is not set"),
        },
        Some(PassSpec::File(path)) => {
            let file = std::fs::File::open(path).map_err(|e| crate::io::Error {
                path: path.clone(),
                reason: e.to_string().to_lowercase().into(),
            })?;
            first_line(file, &path.display().to_string())?
        }
        Some(PassSpec::Fd(n)) => {
            let path = PathBuf::from(format!("/dev/fd/{n}"));
            let file = std::fs::File::open(&path)
                .with_context(|| format!("password fd:{n} is not open"))?;
            first_line(file, &format!("fd:{n}"))?
        }
        Some(PassSpec::Stdin) => first_line(std::io::stdin().lock(), "standard input")?,
        None => return prompt(purpose, label),
    };
    let password = Password::new(text);
    if purpose == Purpose::New && password.is_empty() {
        bail!("{label}: an empty password is not allowed");
    }
    Ok(password)
}

/// A no-echo prompt on the terminal; an error, never a hang, when there is none.
fn prompt(purpose: Purpose, label: &str) -> Result<Password> {
    let has_tty = std::io::stdin().is_terminal() || std::io::stderr().is_terminal();
    if !has_tty || std::fs::File::open("/dev/tty").is_err() {
        return Err(NoTerminal {
            label: label.to_string(),
            purpose,
        }
        .into());
    }
    let first = Password::new(
        rpassword::prompt_password(format!("{label}: "))
            .context("reading the password from the terminal")?,
    );
    if purpose == Purpose::New {
        if first.is_empty() {
            bail!("{label}: an empty password is not allowed");
        }
        let again = Password::new(
            rpassword::prompt_password(format!("{label} (again): "))
                .context("reading the password from the terminal")?,
        );
        if again.as_bytes() != first.as_bytes() {
            bail!("{label}: the two passwords differ");
        }
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_never_echo_the_secret() {
        let spec: PassSpec = "pass:hunter2".parse().unwrap();
        assert!(!format!("{spec:?}").contains("hunter2"));
        assert_eq!(
            "env:X".parse::<PassSpec>().unwrap(),
            PassSpec::Env("X".into())
        );
        assert_eq!("fd:3".parse::<PassSpec>().unwrap(), PassSpec::Fd(3));
        assert_eq!("stdin".parse::<PassSpec>().unwrap(), PassSpec::Stdin);
        let err = "hunter2".parse::<PassSpec>().unwrap_err();
        assert!(!err.contains("hunter2"));
        assert!("fd:x".parse::<PassSpec>().is_err());
    }

    #[test]
    fn file_spec_reads_the_first_line_without_its_line_end() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pw");
        std::fs::write(&f, "s3cret\r\nsecond\n").unwrap();
        let pw = read(Some(&PassSpec::File(f)), Purpose::Existing, "key").unwrap();
        assert_eq!(pw.as_bytes(), b"s3cret");
        assert!(!format!("{pw:?}").contains("s3cret"));
    }

    #[test]
    fn empty_new_password_is_refused() {
        let spec = PassSpec::Pass(Zeroizing::new(String::new()));
        assert!(read(Some(&spec), Purpose::New, "key").is_err());
        assert!(read(Some(&spec), Purpose::Existing, "key").is_ok());
    }
}
