//! The one module that touches the file system: every read, every write, and passwords.
//!
//! Every write goes through a [`Transaction`]:
//! - each file is first written to a temporary file in its destination directory, created with
//!   `O_EXCL` (so never into an existing file), given its final mode with `fchmod` (so the umask
//!   does not matter), optionally `fchown`ed, and `fsync`ed;
//! - nothing replaces an existing file unless the transaction was opened with `force`;
//! - two outputs naming the same file (by resolved path, through symlinks, or by inode for hard
//!   links) are refused before anything is written, so one output never silently replaces
//!   another (`key new --out k.pem --public-out ./k.pem` used to lose the private key);
//! - a file may be moved aside to a backup name ([`Transaction::move_aside`]) as part of the
//!   same all-or-nothing commit;
//! - [`Transaction::commit`] renames the files into place; if any rename fails, the files already
//!   renamed are removed and any file they replaced is put back, so a failed run leaves the
//!   directory as it found it. Until commit, dropping the transaction deletes the temporaries.

use std::io;
use std::path::{Path, PathBuf};

pub mod access;
mod lock;
pub mod password;
mod path;
mod read;
mod recover;
mod transaction;

pub use self::path::{
    absolute, canonicalize, check_not_input, executable, exists, is_listable_dir, is_non_dir,
    owner_of, same_file,
};
pub use lock::on_wait;
pub use read::{list_dir, read, read_if_exists};
pub use transaction::{Committed, Transaction};
mod secret;

pub use secret::Secret;

/// The largest input file read (certificates, keys, stores); anything bigger is not one of ours.
pub const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// A failed file operation, with the file it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct Error {
    /// The file or directory.
    pub path: PathBuf,
    /// Why.
    pub reason: Reason,
}

/// Why a file operation failed, in a few lowercase words. No flag names: a caller that knows
/// how to get past a refusal (e.g. `--force` for [`Reason::Exists`]) adds that advice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Reason {
    /// An output exists and the transaction may not replace it.
    #[error("already exists")]
    Exists,
    /// A file was expected and a directory is there.
    #[error("is a directory")]
    IsDirectory,
    /// One output named twice (by path, symlink or hard link).
    #[error("same file as {} (named twice as an output)", other.display())]
    NamedTwice {
        /// The output it collides with.
        other: PathBuf,
    },
    /// The operating system's reason, or a caller's own.
    #[error("{0}")]
    Other(String),
    /// An output that is one of the command's inputs.
    #[error("same file as the input {}; refusing to overwrite an input", input.display())]
    SameAsInput {
        /// The input.
        input: PathBuf,
    },
    /// An input over [`MAX_INPUT`].
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
}

impl From<String> for Reason {
    fn from(text: String) -> Reason {
        Reason::Other(text)
    }
}

impl Error {
    /// The error for `err` on `path`, with the OS message reduced to its words.
    fn io(path: &Path, err: &io::Error) -> Error {
        let reason = match err.kind() {
            io::ErrorKind::NotFound => "no such file or directory".to_string(),
            io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            // A race: the file appeared after the check (persist_noclobber). Not Reason::Exists,
            // which is the transaction's own refusal.
            io::ErrorKind::AlreadyExists => "already exists".to_string(),
            _ => {
                // io::Error's Display ends with " (os error N)"; keep only the words.
                let text = err.to_string();
                text.split(" (os error")
                    .next()
                    .unwrap_or(&text)
                    .to_lowercase()
            }
        };
        Error {
            path: path.to_path_buf(),
            reason: Reason::Other(reason),
        }
    }
}

/// File modes: private keys are readable by the owner only, everything else by everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 0600: private keys, key stores.
    Secret,
    /// 0644: certificates, public keys, bundles.
    Public,
}

impl Mode {
    /// The permission bits.
    pub fn bits(self) -> u32 {
        match self {
            Mode::Secret => 0o600,
            Mode::Public => 0o644,
        }
    }
}

/// A numeric owner for written files (`--uid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    /// User id.
    pub uid: u32,
    /// Group id (the user's primary group); `None` leaves the group as it is (a numeric uid
    /// with no passwd entry, as in containers).
    pub gid: Option<u32>,
}
