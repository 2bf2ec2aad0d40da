//! What a killed run leaves behind, and how the next run on the directory cleans it up.
//!
//! A [`super::Transaction`] stages every file as a temporary named `.dbtls-tmp.NAME.XXXXXX`
//! beside its destination and keeps a replaced file as `.dbtls-old.NAME.TAG` until the commit
//! is done. A run killed (SIGKILL, power loss) before its commit leaves those temporaries and
//! nothing else: the destination files are untouched. To make the commit itself
//! all-or-nothing, a commit of more than one file first writes a journal,
//! `.dbtls-journal.XXXXXX`, listing every link and rename it is about to do, after every
//! temporary is fsynced; it is removed once all are done. A run killed during the renames
//! leaves the journal, and the next run that locks the directory completes them (roll
//! forward: every new file was already complete on disk), so the directory ends in the new
//! state, never in a mix of old and new files.
//!
//! [`recover`] runs with the directory lock held ([`super::lock`]), so every temporary and
//! journal it finds belongs to a run that is gone: journals are rolled forward, then the
//! remaining `.dbtls-tmp.*` and `.dbtls-old.*` files are removed.

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::Error;

/// The prefix of staged temporaries.
pub const TEMP_PREFIX: &str = ".dbtls-tmp.";
/// The prefix of the hard links that keep a replaced file until the commit is done.
pub const OLD_PREFIX: &str = ".dbtls-old.";
/// The prefix of commit journals.
pub const JOURNAL_PREFIX: &str = ".dbtls-journal.";

/// One step of a commit, with absolute paths (as bytes: paths need not be UTF-8).
#[derive(serde::Serialize, serde::Deserialize)]
enum Step {
    /// Hard-link `from` to `to` (a move-aside backup), then remove `from` if `remove`.
    Aside {
        from: Vec<u8>,
        to: Vec<u8>,
        remove: bool,
    },
    /// Rename the temporary `from` over `to`.
    Rename { from: Vec<u8>, to: Vec<u8> },
}

fn bytes(path: &Path) -> Vec<u8> {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .as_os_str()
        .as_bytes()
        .to_vec()
}

fn path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

/// A commit journal on disk; [`Journal::finish`] removes it.
pub struct Journal {
    path: PathBuf,
}

/// The steps of one commit, built up before [`Plan::write`].
#[derive(Default)]
pub struct Plan {
    steps: Vec<Step>,
}

impl Plan {
    /// Records a move-aside: `from` hard-linked to `to`, `from` then removed if `remove`.
    pub fn aside(&mut self, from: &Path, to: &Path, remove: bool) {
        self.steps.push(Step::Aside {
            from: bytes(from),
            to: bytes(to),
            remove,
        });
    }

    /// Records the rename of a staged temporary over its destination.
    pub fn rename(&mut self, from: &Path, to: &Path) {
        self.steps.push(Step::Rename {
            from: bytes(from),
            to: bytes(to),
        });
    }

    /// Writes the journal into `dir` and makes it durable (file and directory fsynced), so that
    /// it exists on disk before the first step is taken.
    pub fn write(self, dir: &Path) -> Result<Journal, Error> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let text = serde_json::to_vec(&self.steps).map_err(|e| Error {
            path: dir.to_path_buf(),
            reason: e.to_string().into(),
        })?;
        let mut file = tempfile::Builder::new()
            .prefix(JOURNAL_PREFIX)
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, &e))?;
        let fail = |e: std::io::Error| Error::io(dir, &e);
        file.write_all(&text).map_err(fail)?;
        file.as_file().sync_all().map_err(fail)?;
        let (_, path) = file.keep().map_err(|e| Error::io(dir, &e.error))?;
        sync_dir(dir);
        Ok(Journal { path })
    }
}

impl Journal {
    /// The commit is done (or undone): the journal goes.
    pub fn finish(self) {
        let _ = fs::remove_file(&self.path);
        if let Some(d) = self.path.parent() {
            sync_dir(d);
        }
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Completes the commits of killed runs in `dir` and removes their leftovers. Call it with the
/// directory locked. Returns the number of files removed or completed.
pub fn recover(dir: &Path) -> usize {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut journals = Vec::new();
    let mut stale = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.as_bytes();
        if name.starts_with(JOURNAL_PREFIX.as_bytes()) {
            journals.push(entry.path());
        } else if name.starts_with(TEMP_PREFIX.as_bytes())
            || name.starts_with(OLD_PREFIX.as_bytes())
        {
            stale.push(entry.path());
        }
    }
    journals.sort();
    let mut count = 0;
    for j in &journals {
        count += roll_forward(j);
        let _ = fs::remove_file(j);
    }
    for p in &stale {
        if fs::remove_file(p).is_ok() {
            count += 1;
        }
    }
    if count > 0 || !journals.is_empty() {
        sync_dir(dir);
    }
    count
}

/// Redoes the steps of one journal that are not done yet. A journal that does not parse was
/// being written when its run died, before any step: nothing to redo.
fn roll_forward(journal: &Path) -> usize {
    let Ok(text) = fs::read(journal) else {
        return 0;
    };
    let Ok(steps) = serde_json::from_slice::<Vec<Step>>(&text) else {
        return 0;
    };
    let mut done = 0;
    for step in steps {
        match step {
            Step::Aside { from, to, remove } => {
                let (from, to) = (path(&from), path(&to));
                if !to.exists() && from.exists() && fs::hard_link(&from, &to).is_ok() {
                    done += 1;
                }
                if remove && to.exists() && fs::remove_file(&from).is_ok() {
                    done += 1;
                }
            }
            Step::Rename { from, to } => {
                // Gone: renamed before the run died.
                if fs::rename(path(&from), path(&to)).is_ok() {
                    done += 1;
                }
            }
        }
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_is_rolled_forward_and_leftovers_removed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("a"), "old a").unwrap();
        fs::write(d.join("b"), "old b").unwrap();
        fs::write(d.join(".dbtls-tmp.a.111111"), "new a").unwrap();
        fs::write(d.join(".dbtls-tmp.b.222222"), "new b").unwrap();
        fs::write(d.join(".dbtls-tmp.c.333333"), "of an uncommitted run").unwrap();
        fs::write(d.join(".dbtls-old.b.abcdef"), "old b").unwrap();
        let mut plan = Plan::default();
        plan.aside(&d.join("k"), &d.join("k.bak-T"), true);
        plan.rename(&d.join(".dbtls-tmp.a.111111"), &d.join("a"));
        plan.rename(&d.join(".dbtls-tmp.b.222222"), &d.join("b"));
        fs::write(d.join("k"), "key").unwrap();
        plan.write(d).unwrap();
        // As if the run died after its first rename.
        fs::rename(d.join(".dbtls-tmp.a.111111"), d.join("a")).unwrap();
        assert!(recover(d) > 0);
        assert_eq!(fs::read_to_string(d.join("a")).unwrap(), "new a");
        assert_eq!(fs::read_to_string(d.join("b")).unwrap(), "new b");
        assert_eq!(fs::read_to_string(d.join("k.bak-T")).unwrap(), "key");
        let mut left: Vec<_> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["a", "b", "k.bak-T"]);
    }

    #[test]
    fn a_torn_journal_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("a"), "old").unwrap();
        fs::write(d.join(".dbtls-journal.x"), "[{\"Rename\":{\"from\":[4").unwrap();
        recover(d);
        assert_eq!(fs::read_to_string(d.join("a")).unwrap(), "old");
        assert_eq!(fs::read_dir(d).unwrap().count(), 1);
    }
}
