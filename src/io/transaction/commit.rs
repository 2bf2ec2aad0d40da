//! The commit of a [`Transaction`]: journal, one sync, move aside, rename, remove, sync the
//! directories; undone step by step when any of it fails.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::super::recover::{OLD_PREFIX, Plan};
use super::super::{Error, Reason};
use super::Transaction;

/// What commit did to one path, so that a failure can undo it.
struct Done {
    path: PathBuf,
    /// Where the file that was there before now is (a hard link to its inode).
    backup: Option<PathBuf>,
    /// A [`Transaction::move_aside`] backup, kept after a successful commit.
    keep: bool,
    /// A [`Transaction::remove`]d file (not one of the written files).
    removed: bool,
}

impl Transaction {
    pub(super) fn commit_staged(mut self) -> Result<Vec<PathBuf>, Error> {
        let staged = std::mem::take(&mut self.staged);
        let aside = std::mem::take(&mut self.aside);
        let removals = std::mem::take(&mut self.removals);
        let mut done: Vec<Done> = Vec::new();
        let mut dirs: Vec<PathBuf> = Vec::new();
        // More than one step: journal them first, so that a run killed halfway through is
        // completed by the next one instead of leaving a mix (see crate::io::recover).
        let mut journal = None;
        if staged.len() + aside.len() > 1 {
            let mut plan = Plan::default();
            for a in &aside {
                plan.aside(&a.path, &a.backup, !staged.iter().any(|s| s.path == a.path));
            }
            for s in &staged {
                plan.rename(s.temp.path(), &s.path);
            }
            let first = staged
                .first()
                .map(|s| s.path.as_path())
                .or_else(|| aside.first().map(|a| a.path.as_path()));
            let dir = first.and_then(Path::parent).unwrap_or(Path::new("."));
            journal = Some(plan.write(dir)?);
        }
        let mut fail = |done: &[Done], this: &mut Transaction, e: Error| {
            rollback(done);
            if let Some(j) = journal.take() {
                j.finish();
            }
            this.remove_created_dirs();
            Err(e)
        };
        if self.batch
            && let Some(first) = staged.first()
            && let Err(e) = nix::unistd::syncfs(first.temp.as_file())
        {
            let e = Error {
                path: first.path.clone(),
                reason: Reason::Other(format!("syncing the file system: {}", e.desc())),
            };
            return fail(&done, &mut self, e);
        }
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
                removed: false,
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
                        removed: false,
                    });
                }
                Err(e) => return fail(&done, &mut self, e),
            }
        }
        // Removals last: a hard link keeps the file until the whole commit has succeeded.
        for path in removals {
            let backup = backup_name(&path);
            if let Err(e) = fs::hard_link(&path, &backup) {
                return fail(&done, &mut self, Error::io(&path, &e));
            }
            if let Err(e) = fs::remove_file(&path) {
                let _ = fs::remove_file(&backup);
                return fail(&done, &mut self, Error::io(&path, &e));
            }
            if let Some(d) = path.parent() {
                dirs.push(d.to_path_buf());
            }
            done.push(Done {
                path,
                backup: Some(backup),
                keep: false,
                removed: true,
            });
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
        if let Some(j) = journal.take() {
            j.finish();
        }
        self.created_dirs.clear();
        // The written files; a moved-aside original is not one (its replacement, if any, is).
        Ok(done
            .into_iter()
            .filter(|d| !d.keep && !d.removed)
            .map(|d| d.path)
            .collect())
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
    path.with_file_name(format!("{OLD_PREFIX}{name}.{tag}"))
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
