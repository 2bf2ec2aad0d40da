//! Who may read a file: owners, modes and accounts, as the kernel decides for another user.
//! Read-only queries (`doctor` never changes a file).

use std::ffi::CString;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::Error;

/// The owner and permission bits of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    /// Owner uid.
    pub uid: u32,
    /// Group gid.
    pub gid: u32,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// Whether it is a directory.
    pub is_dir: bool,
}

/// A local account: what the kernel checks access with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The user name (or the uid as text when it has no name).
    pub name: String,
    /// The uid.
    pub uid: u32,
    /// The primary and supplementary groups.
    pub groups: Vec<u32>,
}

/// The owner and mode of `path` (following symlinks, as `open` does).
pub fn metadata(path: &Path) -> Result<FileMeta, Error> {
    let m = fs::metadata(path).map_err(|e| Error::io(path, &e))?;
    Ok(FileMeta {
        uid: m.uid(),
        gid: m.gid(),
        mode: m.mode() & 0o7777,
        is_dir: m.is_dir(),
    })
}

/// The account named `name` (a user name, or a numeric uid), with its groups.
pub fn account(name: &str) -> Option<Account> {
    let user = match name.parse::<u32>() {
        Ok(uid) => nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)).ok()?,
        Err(_) => nix::unistd::User::from_name(name).ok()?,
    }?;
    let groups = CString::new(user.name.clone())
        .ok()
        .and_then(|c| nix::unistd::getgrouplist(&c, user.gid).ok())
        .map(|g| g.into_iter().map(|g| g.as_raw()).collect())
        .unwrap_or_else(|| vec![user.gid.as_raw()]);
    Some(Account {
        name: user.name,
        uid: user.uid.as_raw(),
        groups,
    })
}

/// Whether `who` may use `perm` (4 read, 1 search) on a file of `meta`: the owner class when the
/// uid owns it, else the group class when one of its groups does, else "other" (the kernel
/// picks one class and never falls through). Root (uid 0) passes (CAP_DAC_OVERRIDE; for search
/// rights on a directory and for reading a file that needs no execute bit).
pub fn allows(meta: &FileMeta, who: &Account, perm: u32) -> bool {
    if who.uid == 0 {
        return true;
    }
    let shift = if meta.uid == who.uid {
        6
    } else if who.groups.contains(&meta.gid) {
        3
    } else {
        0
    };
    (meta.mode >> shift) & perm == perm
}

/// Why `who` cannot read `path`, if it cannot: the first directory on the way it may not
/// search, or the file itself. `None` when it can.
pub fn read_refusal(path: &Path, who: &Account) -> Option<String> {
    let abs = super::absolute(path);
    let mut dirs: Vec<PathBuf> = abs.ancestors().skip(1).map(Path::to_path_buf).collect();
    dirs.reverse();
    for d in dirs {
        if let Ok(m) = metadata(&d)
            && !allows(&m, who, 1)
        {
            return Some(format!(
                "{} cannot enter {} (mode {:04o}, owner uid {}, gid {})",
                who.name,
                d.display(),
                m.mode,
                m.uid,
                m.gid
            ));
        }
    }
    match metadata(&abs) {
        Ok(m) if !allows(&m, who, 4) => Some(format!(
            "{} cannot read it (mode {:04o}, owner uid {}, gid {})",
            who.name, m.mode, m.uid, m.gid
        )),
        Ok(_) => None,
        Err(e) => Some(e.reason.to_string()),
    }
}

/// The machine's host name, if it has one.
pub fn host_name() -> Option<String> {
    nix::unistd::gethostname().ok()?.into_string().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(uid: u32, groups: &[u32]) -> Account {
        Account {
            name: "u".into(),
            uid,
            groups: groups.to_vec(),
        }
    }

    #[test]
    fn the_kernel_picks_one_class() {
        let m = |uid, gid, mode| FileMeta {
            uid,
            gid,
            mode,
            is_dir: false,
        };
        // Owner class only, even when "other" would allow it.
        assert!(!allows(&m(5, 5, 0o044), &who(5, &[5]), 4));
        assert!(allows(&m(5, 5, 0o400), &who(5, &[]), 4));
        assert!(allows(&m(1, 7, 0o040), &who(5, &[9, 7]), 4));
        assert!(!allows(&m(1, 7, 0o004), &who(5, &[7]), 4));
        assert!(allows(&m(1, 7, 0o004), &who(5, &[8]), 4));
        assert!(allows(&m(1, 7, 0o000), &who(0, &[0]), 4));
    }
}
