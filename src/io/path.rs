//! Paths: what makes two paths the same file, and the queries that never write.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{Error, Reason};

/// What makes two paths the same file.
#[derive(Debug, Clone)]
pub(super) struct FileId {
    /// The path resolved (see [`resolve`]), then every path a chain of symlinks at it leads to.
    paths: Vec<PathBuf>,
    /// (device, inode) of what it names, when that exists: catches hard links.
    inode: Option<(u64, u64)>,
}

/// How many symlinks are followed before giving up (Linux's own limit, MAXSYMLINKS).
const MAX_SYMLINKS: usize = 40;

impl FileId {
    pub(super) fn of(path: &Path) -> FileId {
        FileId::of_with(path, &mut Resolver::default())
    }

    /// [`FileId::of`], resolving `path`'s directory through `dirs`.
    pub(super) fn of_with(path: &Path, dirs: &mut Resolver) -> FileId {
        let mut paths = vec![dirs.resolve(path)];
        // Follow links by hand: a dangling link has no inode yet still leads to a file that
        // another output may name.
        let mut cur = path.to_path_buf();
        for _ in 0..MAX_SYMLINKS {
            let Ok(target) = fs::read_link(&cur) else {
                break;
            };
            // A relative target is relative to the link's directory; join keeps an absolute one.
            cur = match cur.parent() {
                Some(dir) => dir.join(target),
                None => target,
            };
            let resolved = resolve(&cur);
            if paths.contains(&resolved) {
                break; // a loop
            }
            paths.push(resolved);
        }
        let inode = fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
        FileId { paths, inode }
    }

    pub(super) fn same(&self, other: &FileId) -> bool {
        self.paths.iter().any(|p| other.paths.contains(p))
            || (self.inode.is_some() && self.inode == other.inode)
    }
}

/// `path` made absolute with its parent directory canonicalized and its file name kept: the file
/// itself may not exist yet, and when it is a symlink the link (which a commit replaces) is what
/// is named. Directories that do not exist yet are taken as written (`..` pops one).
fn resolve(path: &Path) -> PathBuf {
    Resolver::default().resolve(path)
}

/// Resolved directories by the spelling they were asked for: a transaction staging thousands
/// of files into one directory resolves it once (each resolution is a readlink(2) per path
/// component and a getcwd(2): 22 system calls per file for `fixtures` before this).
///
/// Only for the life of one transaction, which holds the directory's lock.
#[derive(Default)]
pub(super) struct Resolver {
    dirs: HashMap<PathBuf, PathBuf>,
}

impl Resolver {
    /// [`resolve`], with the directory part remembered.
    fn resolve(&mut self, path: &Path) -> PathBuf {
        let (parent, name) = match (path.parent(), path.file_name()) {
            (Some(p), Some(n)) => (p, Some(n)),
            _ => (path, None),
        };
        let mut out = match self.dirs.get(parent) {
            Some(d) => d.clone(),
            None => {
                let d = resolve_dir(parent);
                self.dirs.insert(parent.to_path_buf(), d.clone());
                d
            }
        };
        if let Some(n) = name {
            out.push(n);
        }
        out
    }
}

/// `dir` made absolute, canonicalizing every component that exists.
fn resolve_dir(parent: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = if parent.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir()
            .and_then(fs::canonicalize)
            .unwrap_or_else(|_| PathBuf::from("."))
    };
    // Canonicalize one component at a time: while `out` exists it is canonical, so a `..` after
    // it pops to its real parent even when the component before was a symlink.
    for comp in parent.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => {
                out.push(other);
                if let Ok(c) = fs::canonicalize(&out) {
                    out = c;
                }
            }
        }
    }
    out
}

/// Files named so far (a transaction's staged files), by every resolved path and inode of their
/// [`FileId`]s: checking one more against thousands is a lookup, not a scan (the scan made
/// staging `fixtures`' 2,000 files quadratic).
#[derive(Default)]
pub(super) struct FileIndex {
    paths: HashMap<PathBuf, usize>,
    inodes: HashMap<(u64, u64), usize>,
}

impl FileIndex {
    /// The number of the first file inserted that is [`FileId::same`] as `id`.
    pub(super) fn find(&self, id: &FileId) -> Option<usize> {
        id.paths
            .iter()
            .find_map(|p| self.paths.get(p).copied())
            .or_else(|| id.inode.and_then(|i| self.inodes.get(&i).copied()))
    }

    /// Remembers `id` as file number `n`.
    pub(super) fn insert(&mut self, id: &FileId, n: usize) {
        for p in &id.paths {
            self.paths.entry(p.clone()).or_insert(n);
        }
        if let Some(i) = id.inode {
            self.inodes.entry(i).or_insert(n);
        }
    }
}

/// Whether `a` and `b` name the same file: the same resolved path, a symlink from one to the
/// other, or (when they exist) the same inode, as with hard links.
pub fn same_file(a: &Path, b: &Path) -> bool {
    FileId::of(a).same(&FileId::of(b))
}

/// Refuses an output that is one of the command's inputs (`-`, standard input, is never a file):
/// a command that reads one file and writes another must not replace what it reads.
pub fn check_not_input(outputs: &[&Path], inputs: &[&Path]) -> Result<(), Error> {
    for out in outputs {
        for input in inputs.iter().filter(|i| **i != Path::new("-")) {
            if same_file(out, input) {
                return Err(Error {
                    path: out.to_path_buf(),
                    reason: Reason::SameAsInput {
                        input: input.to_path_buf(),
                    },
                });
            }
        }
    }
    Ok(())
}

/// Whether `dir` is a directory this process can list.
pub fn is_listable_dir(dir: &Path) -> bool {
    dir.is_dir() && fs::read_dir(dir).is_ok()
}

/// `path` made absolute with symlinks resolved; an error naming it when it does not exist.
pub fn canonicalize(path: &Path) -> Result<PathBuf, Error> {
    fs::canonicalize(path).map_err(|e| Error::io(path, &e))
}

/// `dir` made absolute, resolving symlinks when it exists (servers resolve relative paths
/// against their own datadir, so snippets must carry absolute ones).
pub fn absolute(dir: &Path) -> PathBuf {
    fs::canonicalize(dir)
        .unwrap_or_else(|_| std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()))
}

/// Whether something other than a directory (a file or any symlink) is at `path`.
pub fn is_non_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| !m.is_dir())
}

/// Whether anything (file, directory, dangling link) exists at `path`.
pub fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// The owner of an existing file, so that a file replaced as root keeps it (a server running as
/// `mysql` must still read its replaced `server-key.pem`).
pub fn owner_of(path: &Path) -> Result<super::Owner, super::Error> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(path).map_err(|e| super::Error::io(path, &e))?;
    Ok(super::Owner {
        uid: m.uid(),
        gid: Some(m.gid()),
    })
}

/// `dir/name` when it is an executable regular file (following symlinks), else `None`.
pub fn executable(dir: &Path, name: &str) -> Option<PathBuf> {
    let path = dir.join(name);
    let meta = fs::metadata(&path).ok()?;
    (meta.is_file() && meta.mode() & 0o111 != 0).then_some(path)
}
