//! `dbtls key new|encrypt|decrypt|public`, and the key loading every command shares.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

use crate::io::password::{self, PassSpec, Password, Purpose};
use crate::io::{self, Mode, Transaction};
use crate::pki::key::{KeyInfo, KeyType, PrivateKey};
use crate::pki::keyfile::{self, Kdf};

/// How a written private key is protected.
#[derive(Debug, Clone, Default)]
pub struct Protection {
    /// Encrypt the key (with `passout`, or a prompted password when that is `None`).
    pub encrypt: bool,
    /// Where the new password comes from.
    pub passout: Option<PassSpec>,
    /// The key derivation function.
    pub kdf: Kdf,
}

impl Protection {
    /// Reads the new password now (before any slow work), if the key is to be encrypted.
    pub fn password(&self, label: &str) -> Result<Option<Password>> {
        if !self.encrypt && self.passout.is_none() {
            return Ok(None);
        }
        password::read(self.passout.as_ref(), Purpose::New, label).map(Some)
    }
}

/// A key as PEM: `ENCRYPTED PRIVATE KEY` with a password, else plain PKCS#8 `PRIVATE KEY`.
pub fn key_pem(
    key: &PrivateKey,
    password: Option<&Password>,
    kdf: Kdf,
) -> Result<Zeroizing<String>> {
    match password {
        None => Ok(key.to_pem()),
        Some(pw) => Ok(keyfile::encrypt_pem(key, pw.as_bytes(), kdf)?),
    }
}

/// Reads a private key file in any supported encoding, asking for its password (from `passin`,
/// else a prompt) only when it is encrypted. Errors name the file.
pub fn load_key(path: &Path, passin: Option<&PassSpec>) -> Result<PrivateKey> {
    let data = Zeroizing::new(io::read(path)?);
    let password = if keyfile::is_encrypted(&data) {
        Some(password::read(
            passin,
            Purpose::Existing,
            &format!("Password for {}", path.display()),
        )?)
    } else {
        None
    };
    keyfile::decode_private_key(&data, password.as_ref().map(|p| p.as_bytes()))
        .with_context(|| path.display().to_string())
}

/// Refuses two password specs that both read standard input (the first would consume it).
pub fn check_specs(specs: &[Option<&PassSpec>]) -> Result<()> {
    if specs
        .iter()
        .filter(|s| matches!(s, Some(PassSpec::Stdin)))
        .count()
        > 1
    {
        bail!("only one password can be read from stdin; use env:, file: or fd: for the others");
    }
    Ok(())
}

/// `dbtls key ...`, typed.
#[derive(Debug, Clone)]
pub enum KeyRequest {
    /// Generate a key.
    New {
        /// Its type.
        key_type: KeyType,
        /// Where the private key goes.
        out: PathBuf,
        /// Where the public key goes, if anywhere.
        public_out: Option<PathBuf>,
        /// How the private key is protected.
        protection: Protection,
        /// Replace existing files.
        force: bool,
    },
    /// Encrypt (or re-encrypt with a new password) a key.
    Encrypt {
        /// The key to read.
        input: PathBuf,
        /// Its password, when it is encrypted.
        passin: Option<PassSpec>,
        /// Where the encrypted key goes.
        out: PathBuf,
        /// The new password and KDF (`encrypt` is always true).
        protection: Protection,
        /// Replace existing files.
        force: bool,
    },
    /// Write a key without encryption.
    Decrypt {
        /// The key to read.
        input: PathBuf,
        /// Its password.
        passin: Option<PassSpec>,
        /// Where the plain key goes.
        out: PathBuf,
        /// Replace existing files.
        force: bool,
    },
    /// Write the public key of a private key.
    Public {
        /// The key to read.
        input: PathBuf,
        /// Its password, when it is encrypted.
        passin: Option<PassSpec>,
        /// Where the `PUBLIC KEY` PEM goes.
        out: PathBuf,
        /// Replace existing files.
        force: bool,
    },
}

/// One written file.
#[derive(Debug, Clone)]
pub struct KeyOutcome {
    /// The key.
    pub info: KeyInfo,
    /// Files written and what each is.
    pub written: Vec<(PathBuf, String)>,
}

/// Runs a `key` subcommand.
pub fn run(req: &KeyRequest) -> Result<KeyOutcome> {
    match req {
        KeyRequest::New {
            key_type,
            out,
            public_out,
            protection,
            force,
        } => {
            let mut tx = Transaction::new(*force);
            // `--out k.pem --public-out ./k.pem --force` used to write the public key over the
            // private one; two outputs naming one file are refused before anything is written.
            let mut outputs = vec![out.as_path()];
            outputs.extend(public_out.as_deref());
            tx.check_outputs(&outputs)?;
            let password = protection.password("New key password")?;
            let key = PrivateKey::generate(*key_type)?;
            let pem = key_pem(&key, password.as_ref(), protection.kdf)?;
            tx.stage(out, pem.as_bytes(), Mode::Secret)?;
            let mut written = vec![(
                out.clone(),
                private_label(password.is_some(), protection.kdf),
            )];
            if let Some(p) = public_out {
                tx.stage(p, key.public_key_pem().as_bytes(), Mode::Public)?;
                written.push((p.clone(), "public key".into()));
            }
            tx.commit()?;
            Ok(KeyOutcome {
                info: key.info(),
                written,
            })
        }
        KeyRequest::Encrypt {
            input,
            passin,
            out,
            protection,
            force,
        } => {
            check_specs(&[passin.as_ref(), protection.passout.as_ref()])?;
            // `--out` may be the input itself: with --force that re-encrypts the key in place
            // (the same key, only its protection changes), without it check_writable refuses.
            let tx = Transaction::new(*force);
            tx.check_writable(out)?;
            let key = load_key(input, passin.as_ref())?;
            let password = protection.password("New key password")?;
            let pem = key_pem(&key, password.as_ref(), protection.kdf)?;
            write_one(
                tx,
                out,
                pem.as_bytes(),
                Mode::Secret,
                &key,
                private_label(true, protection.kdf),
            )
        }
        KeyRequest::Decrypt {
            input,
            passin,
            out,
            force,
        } => {
            let tx = Transaction::new(*force);
            tx.check_writable(out)?;
            let key = load_key(input, passin.as_ref())?;
            write_one(
                tx,
                out,
                key.to_pem().as_bytes(),
                Mode::Secret,
                &key,
                private_label(false, Kdf::Pbkdf2),
            )
        }
        KeyRequest::Public {
            input,
            passin,
            out,
            force,
        } => {
            // Unlike encrypt/decrypt, writing in place would replace the private key with its
            // public half: refused even with --force, and before the "use --force" advice.
            io::check_not_input(&[out], &[input])?;
            let tx = Transaction::new(*force);
            tx.check_writable(out)?;
            let key = load_key(input, passin.as_ref())?;
            write_one(
                tx,
                out,
                key.public_key_pem().as_bytes(),
                Mode::Public,
                &key,
                "public key".into(),
            )
        }
    }
}

fn write_one(
    mut tx: Transaction,
    out: &Path,
    bytes: &[u8],
    mode: Mode,
    key: &PrivateKey,
    what: String,
) -> Result<KeyOutcome> {
    tx.stage(out, bytes, mode)?;
    tx.commit()?;
    Ok(KeyOutcome {
        info: key.info(),
        written: vec![(out.to_path_buf(), what)],
    })
}

/// Describes a written private key file.
pub fn private_label(encrypted: bool, kdf: Kdf) -> String {
    match (encrypted, kdf) {
        (false, _) => "private key (PKCS#8, not encrypted)".into(),
        (true, Kdf::Pbkdf2) => {
            "private key (PKCS#8, encrypted: PBKDF2-HMAC-SHA256, AES-256-CBC)".into()
        }
        (true, Kdf::Scrypt) => "private key (PKCS#8, encrypted: scrypt, AES-256-CBC)".into(),
    }
}
