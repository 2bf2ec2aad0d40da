//! An advisory lock on a directory, so that two dbtls runs writing into it never interleave.
//!
//! Two `dbtls setup` started together on one datadir each saw no ca.pem, each generated a CA,
//! and their renames interleaved: a server-cert.pem signed by a CA that is not the ca.pem on
//! disk. Every [`super::Transaction`] now holds an exclusive `flock(2)` on each directory it
//! writes into, from the first file it stages (or, for setup, from before the skip-rule check)
//! until it commits or is dropped; a second run waits for it, saying so on stderr, and refuses
//! after [`wait`].
//!
//! The lock is taken on the directory's own file descriptor, not on a lock file: nothing is
//! left behind, and no lock file can be deleted (or replaced by a symlink) under a waiting
//! run. `flock` locks are released by the kernel when the holder dies, so a killed run never
//! leaves the directory locked.

use std::fs::File;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use super::{Error, Reason};

/// A held lock; released when dropped.
pub struct DirLock {
    _lock: Flock<File>,
}

/// How long a run waits for another one before refusing: 120 s (a setup with 4096-bit RSA keys
/// on a slow machine takes well under that), or `DBTLS_LOCK_WAIT` seconds.
pub fn wait() -> Duration {
    let secs = std::env::var("DBTLS_LOCK_WAIT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}

/// Told once per directory when a run starts waiting for another (the report layer prints
/// it; io never prints). Set once at start-up with [`on_wait`].
static ON_WAIT: OnceLock<fn(&Path)> = OnceLock::new();

/// Sets what is told when a run waits for another's lock; unset, waiting is silent.
pub fn on_wait(notice: fn(&Path)) {
    let _ = ON_WAIT.set(notice);
}

/// Locks `dir` exclusively, waiting up to [`wait`]; tells [`on_wait`]'s hook once that it waits.
///
/// `Ok(None)` when the directory cannot be opened for reading (a write-and-search-only
/// directory): the run goes on unlocked rather than failing on an unusual mode.
pub fn lock_dir(dir: &Path) -> Result<Option<DirLock>, Error> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(mut file) = File::open(dir) else {
        return Ok(None);
    };
    let limit = wait();
    let start = Instant::now();
    let mut told = false;
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => return Ok(Some(DirLock { _lock: lock })),
            Err((f, Errno::EWOULDBLOCK)) => file = f,
            Err((_, e)) => {
                return Err(Error {
                    path: dir.to_path_buf(),
                    reason: Reason::Other(format!("cannot lock: {}", e.desc().to_lowercase())),
                });
            }
        }
        if start.elapsed() >= limit {
            return Err(Error {
                path: dir.to_path_buf(),
                reason: Reason::Other(format!(
                    "another dbtls run is writing here (waited {} s); try again when it is done",
                    limit.as_secs()
                )),
            });
        }
        if !told {
            if let Some(notice) = ON_WAIT.get() {
                notice(dir);
            }
            told = true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_dir(dir.path()).unwrap().unwrap();
        let path = dir.path().to_path_buf();
        let start = Instant::now();
        let waiter =
            std::thread::spawn(move || lock_dir(&path).map(|l| (l.is_some(), start.elapsed())));
        std::thread::sleep(Duration::from_millis(300));
        drop(first);
        let (got, waited) = waiter.join().unwrap().unwrap();
        assert!(got);
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
        // Nothing is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
