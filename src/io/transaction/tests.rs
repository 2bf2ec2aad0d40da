//! Tests of [`super::Transaction`]: modes, no-clobber, rollback, move-aside and removal.

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

#[test]
fn removed_files_go_only_when_the_whole_commit_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone.pem");
    let kept = dir.path().join("kept.pem");
    fs::write(&gone, "old").unwrap();
    fs::write(&kept, "old kept").unwrap();

    let mut tx = Transaction::new(false);
    assert!(tx.remove(&dir.path().join("missing")).is_err());
    tx.remove(&gone).unwrap();
    let err = tx.stage(&gone, b"x", Mode::Public).unwrap_err();
    assert!(err.to_string().contains("named twice"), "{err}");
    assert!(tx.remove(&gone).is_err(), "removed twice");
    tx.stage_replacing(&kept, b"new", Mode::Public, true)
        .unwrap();
    let blocker = dir.path().join("z");
    tx.stage(&blocker, b"x", Mode::Public).unwrap();
    fs::create_dir(&blocker).unwrap();
    fs::write(blocker.join("x"), "").unwrap();
    assert!(tx.commit().is_err());
    assert_eq!(fs::read_to_string(&gone).unwrap(), "old");
    assert_eq!(fs::read_to_string(&kept).unwrap(), "old kept");
    fs::remove_dir_all(&blocker).unwrap();

    let mut tx = Transaction::new(false);
    tx.remove(&gone).unwrap();
    tx.stage_replacing(&kept, b"new", Mode::Public, true)
        .unwrap();
    assert_eq!(tx.commit().unwrap(), vec![kept.clone()]);
    assert!(!gone.exists());
    assert_eq!(fs::read_to_string(&kept).unwrap(), "new");
    let left: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "backups left behind: {left:?}");
}

#[test]
fn a_batch_commits_like_a_plain_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("sub/b"));
    fs::write(&a, "old").unwrap();
    let mut tx = Transaction::new(false);
    tx.set_batch(true);
    tx.stage_replacing(&a, b"new", Mode::Public, true).unwrap();
    tx.stage(&b, b"key", Mode::Secret).unwrap();
    assert_eq!(fs::read_to_string(&a).unwrap(), "old");
    assert_eq!(tx.commit().unwrap(), vec![a.clone(), b.clone()]);
    assert_eq!(fs::read_to_string(&a).unwrap(), "new");
    assert_eq!(fs::metadata(&b).unwrap().mode() & 0o777, 0o600);
    // Nothing but the two files: no temporaries or backups left.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
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
