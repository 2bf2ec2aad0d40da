//! [`Transaction`]: a set of files staged beside their destinations and renamed into place
//! all together, or not at all (see the module essay in [`crate::io`]).

use std::fs::{self, File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::path::FileId;
use super::{Error, Mode, Owner, Reason, exists};

struct Staged {
    path: PathBuf,
    id: FileId,
    temp: NamedTempFile,
    replace: bool,
}

/// A file to be moved to a backup name at commit.
struct Aside {
    path: PathBuf,
    backup: PathBuf,
}

/// What commit did to one path, so that a failure can undo it.
struct Done {
    path: PathBuf,
    /// Where the file that was there before now is (a hard link to its inode).
    backup: Option<PathBuf>,
    /// A [`Transaction::move_aside`] backup, kept after a successful commit.
    keep: bool,
}

/// A set of files written all together or not at all.
pub struct Transaction {
    force: bool,
    owner: Option<Owner>,
    staged: Vec<Staged>,
    aside: Vec<Aside>,
    created_dirs: Vec<PathBuf>,
}

impl Transaction {
    /// Opens a transaction; with `force`, existing files may be replaced.
    pub fn new(force: bool) -> Transaction {
        Transaction {
            force,
            owner: None,
            staged: Vec::new(),
            aside: Vec::new(),
            created_dirs: Vec::new(),
        }
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
            if bits == 0o755 && self.created_dirs.iter().any(|d| d == dir) {
                fs::set_permissions(dir, Permissions::from_mode(bits))
                    .map_err(|e| Error::io(dir, &e))?;
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
        let mut seen: Vec<(&Path, FileId)> = self
            .staged
            .iter()
            .map(|s| (s.path.as_path(), s.id.clone()))
            .collect();
        for path in outputs {
            let id = FileId::of(path);
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
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(Error {
                    path: path.to_path_buf(),
                    reason: Reason::IsDirectory,
                });
            }
            Ok(_) => {}
            Err(e) => return Err(Error::io(path, &e)),
        }
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
        let id = FileId::of(path);
        if let Some(other) = self.staged.iter().find(|s| s.id.same(&id)) {
            return Err(twice(path, &other.path));
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
            std::os::unix::fs::fchown(temp.as_file(), Some(owner.uid), owner.gid).map_err(fail)?;
        }
        temp.write_all(bytes).map_err(fail)?;
        temp.as_file().sync_all().map_err(fail)?;
        self.staged.push(Staged {
            path: path.to_path_buf(),
            id,
            temp,
            replace: replace || self.force || aside,
        });
        Ok(())
    }

    /// Moves the planned files aside, then renames every staged file into place; on failure,
    /// undoes what was done.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, Error> {
        let staged = std::mem::take(&mut self.staged);
        let aside = std::mem::take(&mut self.aside);
        let mut done: Vec<Done> = Vec::new();
        let mut dirs: Vec<PathBuf> = Vec::new();
        let fail = |done: &[Done], this: &mut Transaction, e: Error| {
            rollback(done);
            this.remove_created_dirs();
            Err(e)
        };
        for a in &aside {
            if let Err(e) = fs::hard_link(&a.path, &a.backup) {
                return fail(&done, &mut self, Error::io(&a.backup, &e));
            }
            // A staged replacement renames over the original below, so the name is never
            // missing; anything else is removed here (the backup link keeps its content).
            if !staged.iter().any(|s| s.path == a.path)
                && let Err(e) = fs::remove_file(&a.path)
            {
                let _ = fs::remove_file(&a.backup);
                return fail(&done, &mut self, Error::io(&a.path, &e));
            }
            if let Some(d) = a.path.parent() {
                dirs.push(d.to_path_buf());
            }
            done.push(Done {
                path: a.path.clone(),
                backup: Some(a.backup.clone()),
                keep: true,
            });
        }
        for s in staged {
            // A moved-aside original already has its backup; rolling back restores it from there.
            let moved = aside.iter().any(|a| a.path == s.path);
            let result = (|| -> Result<Option<PathBuf>, Error> {
                let backup = if s.replace && !moved && fs::symlink_metadata(&s.path).is_ok() {
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
                    done.push(Done {
                        path: s.path,
                        backup,
                        keep: false,
                    });
                }
                Err(e) => return fail(&done, &mut self, e),
            }
        }
        for d in &done {
            if let (Some(b), false) = (&d.backup, d.keep) {
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
        // The written files; a moved-aside original is not one (its replacement, if any, is).
        Ok(done
            .into_iter()
            .filter(|d| !d.keep)
            .map(|d| d.path)
            .collect())
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

fn rollback(done: &[Done]) {
    for d in done.iter().rev() {
        match &d.backup {
            Some(b) => {
                let _ = fs::rename(b, &d.path);
            }
            None => {
                let _ = fs::remove_file(&d.path);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::path::same_file;
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
    fn directories_have_exact_modes_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        // The umask is process-wide: test only through modes that a umask of 000 or 077 would
        // change, i.e. make the directories and check the bits, not the umask's effect itself.
        let keys = dir.path().join("a/keys");
        let mut tx = Transaction::new(false);
        tx.stage(&keys.join("k.pem"), b"k", Mode::Secret).unwrap();
        tx.commit().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o7777;
        assert_eq!(mode(&dir.path().join("a")), 0o755);
        assert_eq!(mode(&keys), 0o700);
        let mixed = dir.path().join("b");
        let mut tx = Transaction::new(false);
        tx.stage(&mixed.join("k.pem"), b"k", Mode::Secret).unwrap();
        tx.stage(&mixed.join("c.pem"), b"c", Mode::Public).unwrap();
        tx.commit().unwrap();
        assert_eq!(mode(&mixed), 0o755);
        // A directory that was there keeps its mode.
        fs::set_permissions(&keys, Permissions::from_mode(0o750)).unwrap();
        let mut tx = Transaction::new(false);
        tx.stage(&keys.join("c.pem"), b"c", Mode::Public).unwrap();
        tx.commit().unwrap();
        assert_eq!(mode(&keys), 0o750);
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

    #[test]
    fn the_same_file_is_found_through_dot_symlinks_and_hard_links() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let a = d.join("a.pem");
        assert!(same_file(&a, &d.join("./a.pem")));
        assert!(same_file(&a, &d.join("new/../a.pem")));
        assert!(!same_file(&a, &d.join("b.pem")));
        // A dangling link names the file it points to, before that exists.
        std::os::unix::fs::symlink("a.pem", d.join("link")).unwrap();
        assert!(same_file(&a, &d.join("link")));
        fs::write(&a, "x").unwrap();
        fs::hard_link(&a, d.join("hard")).unwrap();
        assert!(same_file(&d.join("hard"), &d.join("link")));

        let mut tx = Transaction::new(true);
        tx.stage(&a, b"1", Mode::Secret).unwrap();
        for other in ["./a.pem", "link", "hard"] {
            let err = tx.stage(&d.join(other), b"2", Mode::Public).unwrap_err();
            assert!(err.to_string().contains("named twice"), "{other}: {err}");
            let err = tx.check_outputs(&[&d.join(other)]).unwrap_err();
            assert!(err.to_string().contains("named twice"), "{other}: {err}");
        }
    }

    #[test]
    fn moved_aside_files_keep_their_inode_and_come_back_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k.pem");
        let other = dir.path().join("o.pem");
        fs::write(&key, "old key").unwrap();
        fs::set_permissions(&key, Permissions::from_mode(0o640)).unwrap();
        fs::write(&other, "old other").unwrap();
        let ino = fs::metadata(&key).unwrap().ino();
        fs::write(dir.path().join("k.pem.bak-T"), "an older backup").unwrap();

        // Failure: a later rename fails, so both originals must be back under their names.
        let mut tx = Transaction::new(false);
        let b1 = tx.move_aside(&key, "T").unwrap();
        assert_eq!(b1, dir.path().join("k.pem.bak-T.1"));
        tx.move_aside(&other, "T").unwrap();
        tx.stage(&key, b"new key", Mode::Secret).unwrap();
        let blocker = dir.path().join("z");
        tx.stage(&blocker, b"x", Mode::Public).unwrap();
        fs::create_dir(&blocker).unwrap();
        fs::write(blocker.join("x"), "").unwrap();
        assert!(tx.commit().is_err());
        assert_eq!(fs::read_to_string(&key).unwrap(), "old key");
        assert_eq!(fs::metadata(&key).unwrap().ino(), ino);
        assert_eq!(fs::read_to_string(&other).unwrap(), "old other");
        assert!(!b1.exists());
        fs::remove_dir_all(&blocker).unwrap();

        // Success: the staged file replaces one original, the other is only moved.
        let mut tx = Transaction::new(false);
        let b1 = tx.move_aside(&key, "T").unwrap();
        let b2 = tx.move_aside(&other, "T").unwrap();
        tx.stage(&key, b"new key", Mode::Secret).unwrap();
        assert_eq!(tx.commit().unwrap(), vec![key.clone()]);
        assert_eq!(fs::read_to_string(&key).unwrap(), "new key");
        assert_eq!(fs::read_to_string(&b1).unwrap(), "old key");
        assert_eq!(fs::metadata(&b1).unwrap().ino(), ino);
        assert_eq!(fs::metadata(&b1).unwrap().mode() & 0o777, 0o640);
        assert!(!other.exists());
        assert_eq!(fs::read_to_string(&b2).unwrap(), "old other");
        assert_eq!(
            fs::read_to_string(dir.path().join("k.pem.bak-T")).unwrap(),
            "an older backup"
        );
    }
}
