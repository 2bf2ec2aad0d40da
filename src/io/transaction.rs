//! [`Transaction`]: a set of files staged beside their destinations and renamed into place
//! all together, or not at all (see the module essay in [`crate::io`]).

use std::fs::{self, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;
use zeroize::Zeroizing;

use super::lock::{self, DirLock};
use super::path::{FileId, FileIndex, Resolver};
use super::recover::{self, TEMP_PREFIX};
use super::{Error, Mode, Owner, Reason, exists};

struct Staged {
    path: PathBuf,
    temp: NamedTempFile,
    replace: bool,
    mode: Mode,
    /// What was written, for the report of the committed files (zeroized: it may be a key).
    content: Zeroizing<Vec<u8>>,
}

/// One file a committed transaction wrote: where, with which mode, and what (for the
/// machine-readable summaries, which describe each file from its content).
pub struct Committed {
    /// Where it is now.
    pub path: PathBuf,
    /// Its mode.
    pub mode: Mode,
    /// Exactly the bytes written (zeroized on drop: it may be a private key).
    pub content: Zeroizing<Vec<u8>>,
}

/// A file to be moved to a backup name at commit.
struct Aside {
    path: PathBuf,
    backup: PathBuf,
}

/// A set of files written all together or not at all.
pub struct Transaction {
    force: bool,
    owner: Option<Owner>,
    staged: Vec<Staged>,
    aside: Vec<Aside>,
    removals: Vec<PathBuf>,
    created_dirs: Vec<PathBuf>,
    /// Directories this transaction created 0700, until a public file is staged in one.
    private_dirs: Vec<PathBuf>,
    batch: bool,
    /// The staged files' [`FileId`]s, and the directories resolved to make them.
    index: FileIndex,
    resolver: Resolver,
    /// The directories written into, each locked ([`crate::io::lock`]) and recovered
    /// ([`crate::io::recover`]) when first touched, by canonical path.
    locks: Vec<(PathBuf, Option<DirLock>)>,
    /// Directories already locked, as they were spelled (canonicalizing is a readlink per
    /// component: too dear to repeat for each of thousands of files).
    locked: Vec<PathBuf>,
}

impl Transaction {
    /// Opens a transaction; with `force`, existing files may be replaced.
    pub fn new(force: bool) -> Transaction {
        Transaction {
            force,
            owner: None,
            staged: Vec::new(),
            aside: Vec::new(),
            removals: Vec::new(),
            created_dirs: Vec::new(),
            private_dirs: Vec::new(),
            batch: false,
            index: FileIndex::default(),
            resolver: Resolver::default(),
            locks: Vec::new(),
            locked: Vec::new(),
        }
    }

    /// Batch mode, for commands that write thousands of files (`fixtures`): staged files are
    /// not fsynced one by one (about 2 ms each here); [`Transaction::commit`] instead syncs
    /// the file system once (syncfs(2)) before the first rename, so every file is durable
    /// before any name points at it, then fsyncs each directory as usual.
    pub fn set_batch(&mut self, batch: bool) {
        self.batch = batch;
    }

    /// Locks `dir` for this transaction (waiting for another run that holds it), then
    /// completes or removes what a killed run left there. Staging a file locks its directory
    /// already; setup calls this first so that its skip-rule check and its commit happen under
    /// one lock.
    pub fn lock(&mut self, dir: &Path) -> Result<(), Error> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if self.locked.iter().any(|d| d == dir) {
            return Ok(());
        }
        let key = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !self.locks.iter().any(|(d, _)| *d == key) {
            let held = lock::lock_dir(dir)?;
            if held.is_some() {
                recover::recover(dir);
            }
            self.locks.push((key, held));
        }
        self.locked.push(dir.to_path_buf());
        Ok(())
    }

    /// Every file written will be chowned to `owner`.
    pub fn set_owner(&mut self, owner: Option<Owner>) {
        self.owner = owner;
    }

    /// Creates `dir` (and parents) if missing, mode 0755; removed again if the transaction
    /// fails while empty.
    pub fn ensure_dir(&mut self, dir: &Path) -> Result<(), Error> {
        self.ensure_dir_for(dir, Mode::Public)
    }

    /// Creates `dir` (and parents) if missing for a file of `mode`: 0700 for a directory that
    /// holds only secrets, 0755 otherwise, whatever the umask (under umask 000 `mkdir -p` makes
    /// 0777 directories, in which anyone could swap a key). A directory this transaction made
    /// 0700 is widened to 0755 when a public file is staged in it.
    fn ensure_dir_for(&mut self, dir: &Path, mode: Mode) -> Result<(), Error> {
        let bits = match mode {
            Mode::Secret => 0o700,
            Mode::Public => 0o755,
        };
        if dir.as_os_str().is_empty() || dir.is_dir() {
            if bits == 0o755
                && let Some(i) = self.private_dirs.iter().position(|d| d == dir)
            {
                fs::set_permissions(dir, Permissions::from_mode(bits))
                    .map_err(|e| Error::io(dir, &e))?;
                self.private_dirs.swap_remove(i);
            }
            return Ok(());
        }
        let mut missing = Vec::new();
        let mut cur = Some(dir);
        while let Some(d) = cur.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            missing.push(d.to_path_buf());
            cur = d.parent();
        }
        missing.reverse();
        for d in missing {
            // Parents are plain directories (0755); only the file's own directory is private.
            let bits = if d == dir { bits } else { 0o755 };
            match fs::create_dir(&d) {
                Ok(()) => {}
                // Made meanwhile by someone else: theirs, leave its mode alone.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && d.is_dir() => continue,
                Err(e) => return Err(Error::io(&d, &e)),
            }
            self.created_dirs.push(d.clone());
            // chmod(2) is not subject to the umask, so the mode is exact.
            fs::set_permissions(&d, Permissions::from_mode(bits)).map_err(|e| Error::io(&d, &e))?;
            if bits == 0o700 {
                self.private_dirs.push(d.clone());
            }
        }
        Ok(())
    }

    /// Whether `path` may be written by this transaction (absent, or `force`).
    pub fn check_writable(&self, path: &Path) -> Result<(), Error> {
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => Err(Error {
                path: path.to_path_buf(),
                reason: Reason::IsDirectory,
            }),
            Ok(_) if !self.force => Err(Error {
                path: path.to_path_buf(),
                reason: Reason::Exists,
            }),
            _ => Ok(()),
        }
    }

    /// Checks, before any slow work, that `outputs` are all writable ([`Self::check_writable`])
    /// and name distinct files, also distinct from anything already staged.
    pub fn check_outputs(&self, outputs: &[&Path]) -> Result<(), Error> {
        let mut seen: Vec<(&Path, FileId)> = Vec::new();
        for path in outputs {
            let id = FileId::of(path);
            if let Some(n) = self.index.find(&id) {
                return Err(twice(path, &self.staged[n].path));
            }
            if let Some((other, _)) = seen.iter().find(|(_, o)| o.same(&id)) {
                return Err(twice(path, other));
            }
            self.check_writable(path)?;
            seen.push((path, id));
        }
        Ok(())
    }

    /// Plans to move the existing file `path` aside to `NAME.bak-TAG` (or `NAME.bak-TAG.N`, the
    /// first name not taken) when the transaction commits; returns that name. The backup is a
    /// hard link to the original, so it keeps its mode, owner and times, and it is made with
    /// link(2), which never replaces an existing file. `path` may then be staged (call this
    /// first): the new file replaces it without `force`. If the commit fails, the original is
    /// back under its name and the backup is gone.
    pub fn move_aside(&mut self, path: &Path, tag: &str) -> Result<PathBuf, Error> {
        existing_file(path)?;
        self.lock(path.parent().unwrap_or(Path::new(".")))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let taken = |p: &Path| exists(p) || self.aside.iter().any(|a| a.backup == p);
        let mut backup = path.with_file_name(format!("{name}.bak-{tag}"));
        let mut n = 1;
        while taken(&backup) {
            backup = path.with_file_name(format!("{name}.bak-{tag}.{n}"));
            n += 1;
        }
        self.aside.push(Aside {
            path: path.to_path_buf(),
            backup: backup.clone(),
        });
        Ok(backup)
    }

    /// Plans to delete the existing file `path` when the transaction commits, after every
    /// staged file is in place. Until the commit succeeds the file is kept as a hidden hard
    /// link, so a failed commit puts it back under its name. `path` may not also be staged or
    /// moved aside in this transaction.
    pub fn remove(&mut self, path: &Path) -> Result<(), Error> {
        existing_file(path)?;
        self.lock(path.parent().unwrap_or(Path::new(".")))?;
        let id = FileId::of(path);
        if let Some(n) = self.index.find(&id) {
            return Err(twice(path, &self.staged[n].path));
        }
        let planned = self
            .aside
            .iter()
            .map(|a| &a.path)
            .chain(&self.removals)
            .find(|p| FileId::of(p).same(&id));
        if let Some(other) = planned {
            return Err(twice(path, other));
        }
        self.removals.push(path.to_path_buf());
        Ok(())
    }

    /// Writes `bytes` to a temporary file beside `path`, with `mode`, ready to be committed.
    pub fn stage(&mut self, path: &Path, bytes: &[u8], mode: Mode) -> Result<(), Error> {
        self.stage_replacing(path, bytes, mode, self.force)
    }

    /// Like [`Transaction::stage`], but may replace an existing file even without `force`
    /// (for files a command always regenerates, e.g. setup's lone client-cert.pem).
    pub fn stage_replacing(
        &mut self,
        path: &Path,
        bytes: &[u8],
        mode: Mode,
        replace: bool,
    ) -> Result<(), Error> {
        let id = FileId::of_with(path, &mut self.resolver);
        if let Some(n) = self.index.find(&id) {
            return Err(twice(path, &self.staged[n].path));
        }
        if let Some(other) = self.removals.iter().find(|r| FileId::of(r).same(&id)) {
            return Err(twice(path, other));
        }
        let aside = self.aside.iter().any(|a| a.path == path);
        if !replace && !aside {
            self.check_writable(path)?;
        } else if path.is_dir() {
            return Err(Error {
                path: path.to_path_buf(),
                reason: Reason::IsDirectory,
            });
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        self.ensure_dir_for(&dir, mode)?;
        self.lock(&dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // tempfile opens with O_CREAT|O_EXCL and mode 0600: a key is never readable by others,
        // not even for a moment.
        // The prefix is how the next run recognises this file if we are killed before commit.
        let mut temp = tempfile::Builder::new()
            .prefix(&format!("{TEMP_PREFIX}{name}."))
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&dir, &e))?;
        let fail = |e: io::Error| Error::io(path, &e);
        // fchmod is not subject to the umask, so the final mode is exact.
        temp.as_file()
            .set_permissions(Permissions::from_mode(mode.bits()))
            .map_err(fail)?;
        if let Some(owner) = self.owner {
            std::os::unix::fs::fchown(temp.as_file(), Some(owner.uid), owner.gid).map_err(fail)?;
        }
        temp.write_all(bytes).map_err(fail)?;
        if !self.batch {
            temp.as_file().sync_all().map_err(fail)?;
        }
        self.index.insert(&id, self.staged.len());
        self.staged.push(Staged {
            path: path.to_path_buf(),
            temp,
            replace: replace || self.force || aside,
            mode,
            content: Zeroizing::new(bytes.to_vec()),
        });
        Ok(())
    }

    /// [`Transaction::commit_files`], returning only the paths.
    pub fn commit(self) -> Result<Vec<PathBuf>, Error> {
        Ok(self.commit_files()?.into_iter().map(|c| c.path).collect())
    }

    /// Moves the planned files aside, then renames every staged file into place; on failure,
    /// undoes what was done. Returns each written file with its mode and content, which the
    /// command describes with `app::written::describe` for its `--format json` summary.
    pub fn commit_files(mut self) -> Result<Vec<Committed>, Error> {
        let mut files: Vec<Committed> = self
            .staged
            .iter_mut()
            .map(|s| Committed {
                path: s.path.clone(),
                mode: s.mode,
                content: std::mem::take(&mut s.content),
            })
            .collect();
        let written: std::collections::HashSet<PathBuf> =
            self.commit_staged()?.into_iter().collect();
        files.retain(|f| written.contains(&f.path));
        Ok(files)
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

/// An error unless a file (not a directory) exists at `path`: what may be moved aside or removed.
fn existing_file(path: &Path) -> Result<(), Error> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Err(Error {
            path: path.to_path_buf(),
            reason: Reason::IsDirectory,
        }),
        Ok(_) => Ok(()),
        Err(e) => Err(Error::io(path, &e)),
    }
}

fn twice(path: &Path, other: &Path) -> Error {
    Error {
        path: path.to_path_buf(),
        reason: Reason::NamedTwice {
            other: other.to_path_buf(),
        },
    }
}

mod commit;
#[cfg(test)]
mod tests;
