//! `dbtls key new|encrypt|decrypt|public`.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::app::inputs::read_key;
use crate::app::protection::{NEW_KEY_PASSWORD, Protection};
use crate::app::written::{WrittenFile, describe};
use crate::io::password::PassSpec;
use crate::io::{self, Secret, Transaction};
use crate::pki::key::{KeyInfo, KeyType, PrivateKey};

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
    /// Rewrite a key: encrypt it, change its password, decrypt it, or change its format
    /// (`key encrypt`, `key decrypt`, `key convert`).
    Convert {
        /// The key to read.
        input: PathBuf,
        /// Its password, when it is encrypted.
        passin: Option<PassSpec>,
        /// Where the key goes.
        out: PathBuf,
        /// The format and encryption of the output.
        protection: Protection,
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

/// The key a command wrote or used, and the files written (`key` and `csr new`).
#[derive(Debug, Clone)]
pub struct KeyOutcome {
    /// The key.
    pub info: KeyInfo,
    /// Files written and what each is.
    pub written: Vec<(PathBuf, String)>,
    /// The files written, described for `--format json`.
    pub files: Vec<WrittenFile>,
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
            let password = protection.password(NEW_KEY_PASSWORD)?;
            let key = PrivateKey::generate(*key_type)?;
            let bytes = protection.encode(&key, password.as_ref())?;
            tx.stage_secret(out, &bytes)?;
            let mut written = vec![(out.clone(), protection.label(password.is_some()))];
            if let Some(p) = public_out {
                tx.stage_public(p, key.public_key_pem().as_bytes())?;
                written.push((p.clone(), "public key".into()));
            }
            let committed = tx.commit_files()?;
            Ok(KeyOutcome {
                info: key.info(),
                files: describe(&committed, &written),
                written,
            })
        }
        KeyRequest::Convert {
            input,
            passin,
            out,
            protection,
            force,
        } => {
            // `--out` may be the input itself: with --force that rewrites the key in place
            // (the same key, only its protection or format changes), without it
            // check_writable refuses.
            let tx = Transaction::new(*force);
            tx.check_writable(out)?;
            let key = read_key(input, passin.as_ref())?;
            let password = protection.password(NEW_KEY_PASSWORD)?;
            let bytes = protection.encode(&key, password.as_ref())?;
            let what = protection.label(password.is_some());
            write_one(tx, out, Output::Secret(&bytes), &key, what)
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
            let key = read_key(input, passin.as_ref())?;
            write_one(
                tx,
                out,
                Output::Public(key.public_key_pem().as_bytes()),
                &key,
                "public key".into(),
            )
        }
    }
}

/// The one file a key subcommand writes: a private key (0600) or a public key (0644).
enum Output<'a> {
    Secret(&'a Secret),
    Public(&'a [u8]),
}

fn write_one(
    mut tx: Transaction,
    out: &Path,
    output: Output<'_>,
    key: &PrivateKey,
    what: String,
) -> Result<KeyOutcome> {
    match output {
        Output::Secret(secret) => tx.stage_secret(out, secret)?,
        Output::Public(bytes) => tx.stage_public(out, bytes)?,
    }
    let committed = tx.commit_files()?;
    let written = vec![(out.to_path_buf(), what)];
    Ok(KeyOutcome {
        info: key.info(),
        files: describe(&committed, &written),
        written,
    })
}
