//! The one module that writes files (and reads the ones users name).
//!
//! Every write goes through a [`Transaction`]:
//! - each file is first written to a temporary file in its destination directory, created with
//!   `O_EXCL` (so never into an existing file), given its final mode with `fchmod` (so the umask
//!   does not matter), optionally `fchown`ed, and `fsync`ed;
//! - nothing replaces an existing file unless the transaction was opened with `force`;
//! - [`Transaction::commit`] renames the files into place; if any rename fails, the files already
//!   renamed are removed and any file they replaced is put back, so a failed run leaves the
//!   directory as it found it. Until commit, dropping the transaction deletes the temporaries.

use std::fs::{self, File, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// The largest input file read (certificates, keys, stores); anything bigger is not one of ours.
pub const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// A failed file operation, with the file it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct Error {
    /// The file or directory.
    pub path: PathBuf,
    /// Why, in a few lowercase words.
    pub reason: String,
}

impl Error {
    fn io(path: &Path, err: &io::Error) -> Error {
        let reason = match err.kind() {
            io::ErrorKind::NotFound => "no such file or directory".to_string(),
            io::ErrorKind::PermissionDenied => "permission denied".to_string(),
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
            reason,
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
    /// Group id (the user's primary group).
    pub gid: u32,
}

struct Staged {
    path: PathBuf,
    temp: NamedTempFile,
    replace: bool,
}

/// A set of files written all together or not at all.
pub struct Transaction {
    force: bool,
    owner: Option<Owner>,
    staged: Vec<Staged>,
    created_dirs: Vec<PathBuf>,
}

impl Transaction {
    /// Opens a transaction; with `force`, existing files may be replaced.
    pub fn new(force: bool) -> Transaction {
        Transaction {
            force,
            owner: None,
            staged: Vec::new(),
            created_dirs: Vec::new(),
        }
    }

    /// Every file written will be chowned to `owner`.
    pub fn set_owner(&mut self, owner: Option<Owner>) {
        self.owner = owner;
    }

    /// Creates `dir` (and parents) if missing; removed again if the transaction fails while empty.
    pub fn ensure_dir(&mut self, dir: &Path) -> Result<(), Error> {
        if dir.as_os_str().is_empty() || dir.is_dir() {
            return Ok(());
        }
        let mut missing = Vec::new();
        let mut cur = Some(dir);
        while let Some(d) = cur.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            missing.push(d.to_path_buf());
            cur = d.parent();
        }
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        missing.reverse();
        self.created_dirs.extend(missing);
        Ok(())
    }

    /// Whether `path` may be written by this transaction (absent, or `force`).
    pub fn check_writable(&self, path: &Path) -> Result<(), Error> {
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => Err(Error {
                path: path.to_path_buf(),
                reason: "is a directory".into(),
            }),
            Ok(_) if !self.force => Err(Error {
                path: path.to_path_buf(),
                reason: "already exists (use --force to replace it)".into(),
            }),
            _ => Ok(()),
        }
    }

    /// Writes `bytes` to a temporary file beside `path`, with `mode`, ready to be committed.
    pub fn stage(&mut self, path: &Path, bytes: &[u8], mode: Mode) -> Result<(), Error> {
        self.stage_replacing(path, bytes, mode, self.force)
    }

    /// Like [`Transaction::stage`], but may replace an existing file even without `force`
    /// (for files a command always regenerates, e.g. setup's stale ca-key.pem).
    pub fn stage_replacing(
        &mut self,
        path: &Path,
        bytes: &[u8],
        mode: Mode,
        replace: bool,
    ) -> Result<(), Error> {
        if !replace {
            self.check_writable(path)?;
        } else if path.is_dir() {
            return Err(Error {
                path: path.to_path_buf(),
                reason: "is a directory".into(),
            });
        }
        if self.staged.iter().any(|s| s.path == path) {
            return Err(Error {
                path: path.to_path_buf(),
                reason: "named twice as an output".into(),
            });
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        self.ensure_dir(&dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // tempfile opens with O_CREAT|O_EXCL and mode 0600: a key is never readable by others,
        // not even for a moment.
        let mut temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&dir, &e))?;
        let fail = |e: io::Error| Error::io(path, &e);
        // fchmod is not subject to the umask, so the final mode is exact.
        temp.as_file()
            .set_permissions(Permissions::from_mode(mode.bits()))
            .map_err(fail)?;
        if let Some(owner) = self.owner {
            std::os::unix::fs::fchown(temp.as_file(), Some(owner.uid), Some(owner.gid))
                .map_err(fail)?;
        }
        temp.write_all(bytes).map_err(fail)?;
        temp.as_file().sync_all().map_err(fail)?;
        self.staged.push(Staged {
            path: path.to_path_buf(),
            temp,
            replace: replace || self.force,
        });
        Ok(())
    }

    /// Renames every staged file into place; on failure, undoes what was done.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, Error> {
        let staged = std::mem::take(&mut self.staged);
        let mut done: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
        let mut dirs: Vec<PathBuf> = Vec::new();
        for s in staged {
            let result = (|| -> Result<Option<PathBuf>, Error> {
                let backup = if s.replace && fs::symlink_metadata(&s.path).is_ok() {
                    let backup = backup_name(&s.path);
                    fs::hard_link(&s.path, &backup).map_err(|e| Error::io(&s.path, &e))?;
                    Some(backup)
                } else {
                    None
                };
                let persisted = if s.replace {
                    s.temp.persist(&s.path).map(|_| ())
                } else {
                    s.temp.persist_noclobber(&s.path).map(|_| ())
                };
                if let Err(e) = persisted {
                    if let Some(b) = &backup {
                        let _ = fs::remove_file(b);
                    }
                    return Err(Error::io(&s.path, &e.error));
                }
                Ok(backup)
            })();
            match result {
                Ok(backup) => {
                    if let Some(d) = s.path.parent() {
                        dirs.push(d.to_path_buf());
                    }
                    done.push((s.path, backup));
                }
                Err(e) => {
                    rollback(&done);
                    self.remove_created_dirs();
                    return Err(e);
                }
            }
        }
        for (_, backup) in &done {
            if let Some(b) = backup {
                let _ = fs::remove_file(b);
            }
        }
        // Make the renames durable (rename(2) is only persistent once the directory is synced).
        dirs.sort();
        dirs.dedup();
        for d in dirs {
            let d = if d.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                d
            };
            if let Ok(f) = File::open(&d) {
                let _ = f.sync_all();
            }
        }
        self.created_dirs.clear();
        Ok(done.into_iter().map(|(p, _)| p).collect())
    }

    fn remove_created_dirs(&mut self) {
        for d in self.created_dirs.drain(..).rev() {
            let _ = fs::remove_dir(d);
        }
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        // Staged temporaries delete themselves; directories we made for them go too.
        self.staged.clear();
        self.remove_created_dirs();
    }
}

fn backup_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut rnd = [0u8; 6];
    let _ = getrandom::fill(&mut rnd);
    let tag: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
    path.with_file_name(format!(".{name}.{tag}.old"))
}

fn rollback(done: &[(PathBuf, Option<PathBuf>)]) {
    for (path, backup) in done.iter().rev() {
        match backup {
            Some(b) => {
                let _ = fs::rename(b, path);
            }
            None => {
                let _ = fs::remove_file(path);
            }
        }
    }
}

/// Reads a whole input file (`-` = standard input), refusing anything over [`MAX_INPUT`].
pub fn read(path: &Path) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    let result = if path == Path::new("-") {
        io::stdin().lock().take(MAX_INPUT + 1).read_to_end(&mut buf)
    } else {
        let meta = fs::metadata(path).map_err(|e| Error::io(path, &e))?;
        if meta.is_dir() {
            return Err(Error {
                path: path.to_path_buf(),
                reason: "is a directory".into(),
            });
        }
        File::open(path).and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut buf))
    };
    result.map_err(|e| Error::io(path, &e))?;
    if buf.len() as u64 > MAX_INPUT {
        return Err(Error {
            path: path.to_path_buf(),
            reason: format!("larger than {MAX_INPUT} bytes"),
        });
    }
    Ok(buf)
}

/// Whether anything (file, directory, dangling link) exists at `path`.
pub fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn modes_are_exact_and_nothing_is_overwritten_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k.pem");
        let cert = dir.path().join("c.pem");
        let mut tx = Transaction::new(false);
        tx.stage(&key, b"secret", Mode::Secret).unwrap();
        tx.stage(&cert, b"public", Mode::Public).unwrap();
        tx.commit().unwrap();
        assert_eq!(fs::metadata(&key).unwrap().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(&cert).unwrap().mode() & 0o777, 0o644);

        let mut tx = Transaction::new(false);
        let err = tx.stage(&key, b"other", Mode::Secret).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        assert_eq!(fs::read(&key).unwrap(), b"secret");
    }

    #[test]
    fn a_failed_commit_restores_what_was_there() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        fs::write(&a, "old").unwrap();
        let mut tx = Transaction::new(true);
        tx.stage(&a, b"new", Mode::Public).unwrap();
        tx.stage(&b, b"new", Mode::Public).unwrap();
        // b becomes a directory after staging: its rename must fail and a must be restored.
        fs::create_dir(&b).unwrap();
        fs::write(b.join("x"), "").unwrap();
        assert!(tx.commit().is_err());
        assert_eq!(fs::read_to_string(&a).unwrap(), "old");
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left.len(),
            2,
            "temporaries or backups left behind: {left:?}"
        );
    }

    #[test]
    fn dropping_an_uncommitted_transaction_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("new/dir");
        let mut tx = Transaction::new(false);
        tx.stage(&sub.join("f"), b"x", Mode::Secret).unwrap();
        drop(tx);
        assert!(!dir.path().join("new").exists());
    }
}
