//! Reliability: concurrent and killed runs, full disks and read-only directories, directory
//! modes under any umask (issue 15 items 3-5 and the umask finding of item 6).

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{TestDir, run, stderr};

mod fixtures;

/// The eight files of a datadir.
const SET: [&str; 8] = [
    "ca.pem",
    "ca-key.pem",
    "server-cert.pem",
    "server-key.pem",
    "client-cert.pem",
    "client-key.pem",
    "private_key.pem",
    "public_key.pem",
];

/// Every file in `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            let bytes = if e.file_type().unwrap().is_file() {
                fs::read(e.path()).unwrap()
            } else {
                b"<dir>".to_vec()
            };
            (name, bytes)
        })
        .collect()
}

fn setup_cmd(t: &TestDir, dir: &str, extra: &[&str]) -> Command {
    let mut cmd = t.dbtls();
    cmd.args(["setup", "--datadir", dir, "--key-type", "ecdsa-p256"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// The set in `dir` is one run's: the chain verifies against the ca.pem on disk, and each key
/// belongs to its certificate (and the RSA pair to each other).
fn assert_consistent(t: &TestDir, dir: &str, context: &str) {
    let d = t.join(dir);
    let v = run(t.openssl().current_dir(&d).args([
        "verify",
        "-CAfile",
        "ca.pem",
        "server-cert.pem",
        "client-cert.pem",
    ]));
    assert!(v.status.success(), "{context}: mixed set: {v:?}");
    for (cert, key) in [
        ("ca.pem", "ca-key.pem"),
        ("server-cert.pem", "server-key.pem"),
        ("client-cert.pem", "client-key.pem"),
    ] {
        assert_eq!(
            t.cert_pubkey(d.join(cert)),
            t.key_pubkey(d.join(key), None),
            "{context}: {key} is not the key of {cert}"
        );
    }
    assert_eq!(
        t.key_pubkey(d.join("private_key.pem"), None),
        fs::read_to_string(d.join("public_key.pem")).unwrap(),
        "{context}: the RSA pair does not match"
    );
}

/// Names dbtls gives its temporaries, backups of replaced files and commit journals.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".dbtls-"))
        .collect()
}

#[test]
fn concurrent_setups_never_produce_a_mixed_set() {
    for round in 0..20 {
        let t = TestDir::new();
        let a = setup_cmd(&t, "d", &[]).spawn().unwrap();
        let b = setup_cmd(&t, "d", &[]).spawn().unwrap();
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        assert!(a.status.success() && b.status.success(), "{a:?} {b:?}");
        assert_consistent(&t, "d", &format!("round {round}"));
        // Exactly one of them generated; the other found its files (it waited, or came second).
        let skipped = [&a, &b]
            .iter()
            .filter(|o| crate::util::stdout(o).contains("Skipping generation"))
            .count();
        assert_eq!(skipped, 1, "round {round}: {a:?} {b:?}");
        assert!(leftovers(&t.join("d")).is_empty());
    }
}

/// Holds the directory lock the way a running dbtls does (flock on the directory).
fn hold_lock(dir: &Path) -> nix::fcntl::Flock<fs::File> {
    nix::fcntl::Flock::lock(
        fs::File::open(dir).unwrap(),
        nix::fcntl::FlockArg::LockExclusiveNonblock,
    )
    .map_err(|(_, e)| e)
    .unwrap()
}

#[test]
fn a_second_run_says_it_waits_and_refuses_after_the_timeout() {
    let t = TestDir::new();
    fs::create_dir(t.join("d")).unwrap();
    let lock = hold_lock(&t.join("d"));
    // Refused after DBTLS_LOCK_WAIT seconds, having said why it waits; nothing written.
    let start = Instant::now();
    let out = run(setup_cmd(&t, "d", &[]).env("DBTLS_LOCK_WAIT", "1"));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert!(err.contains("waiting for another dbtls run on"), "{err}");
    assert!(
        err.contains("another dbtls run is writing here (waited 1 s)"),
        "{err}"
    );
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert!(snapshot(&t.join("d")).is_empty());
    // Released while waiting: the run goes on and writes the set.
    let child = setup_cmd(&t, "d", &[]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        snapshot(&t.join("d")).is_empty(),
        "wrote while the lock was held"
    );
    drop(lock);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(stderr(&out).contains("waiting for another dbtls run on"));
    assert_consistent(&t, "d", "after waiting");
}

fn random_below(n: u64) -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    u64::from_le_bytes(b) % n.max(1)
}

#[test]
fn a_killed_setup_leaves_the_old_or_the_new_set_and_no_temporary() {
    let t = TestDir::new();
    let out = run(setup_cmd(&t, "d", &[]));
    assert!(out.status.success(), "{out:?}");
    // How long a --force run takes here, to spread the kills over all of it.
    let start = Instant::now();
    let out = run(setup_cmd(&t, "d", &["--force"]));
    assert!(out.status.success(), "{out:?}");
    let span = (start.elapsed().as_micros() as u64 * 6 / 5).max(1000);
    let (mut old_kept, mut new_made) = (0, 0);
    for round in 0..30 {
        let before = snapshot(&t.join("d"));
        let mut child = setup_cmd(&t, "d", &["--force"]).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(random_below(span)));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Right after the kill: every file of the set is whole, the old one or a new one.
        for name in SET {
            let bytes = fs::read(t.join("d").join(name)).unwrap_or_default();
            assert!(
                bytes.ends_with(b"-----\n"),
                "round {round}: {name} is torn or missing"
            );
        }
        // The next run on the directory completes or removes what the killed one left.
        let out = run(setup_cmd(&t, "d", &[]));
        assert!(out.status.success(), "round {round}: {out:?}");
        assert_eq!(
            leftovers(&t.join("d")),
            Vec::<String>::new(),
            "round {round}"
        );
        let after = snapshot(&t.join("d"));
        let same = SET.iter().filter(|n| before[**n] == after[**n]).count();
        match same {
            8 => old_kept += 1,
            0 => new_made += 1,
            n => panic!("round {round}: {n} of 8 files are the old ones: a mixed set"),
        }
        assert_consistent(&t, "d", &format!("round {round}"));
        assert_eq!(after.len(), 8, "round {round}: {:?}", after.keys());
    }
    eprintln!("killed setups: {old_kept} left the old set, {new_made} the new one");
}

/// A tmpfs of `size` mounted on `dir` for the length of a test.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: &Path, options: &str) -> Tmpfs {
        fs::create_dir_all(dir).unwrap();
        let out = run(Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir));
        assert!(
            out.status.success(),
            "this test needs to mount a tmpfs (run it as root, with mount permitted): {out:?}"
        );
        Tmpfs {
            dir: dir.to_path_buf(),
        }
    }

    /// Fills the file system so that `free` bytes are left (in whole pages).
    fn fill(&self, free: usize) {
        let filler = self.dir.join("filler");
        let _ = fs::remove_file(&filler);
        let total: usize = 64 * 1024;
        let used: usize = fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| (e.unwrap().metadata().unwrap().len() as usize).div_ceil(4096) * 4096)
            .sum();
        let size = total.saturating_sub(used + free);
        // Best effort: a full disk is what we want anyway.
        let _ = fs::write(&filler, vec![b'x'; size]);
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
    }
}

/// The one-line error of a write that hit the full disk.
fn assert_disk_full(out: &Output, context: &str) {
    assert_eq!(out.status.code(), Some(1), "{context}: {out:?}");
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "{context}: {err}");
    assert!(
        err.starts_with("dbtls: error: ") && err.contains("no space left on device"),
        "{context}: {err}"
    );
}

#[test]
fn every_writing_command_on_a_full_disk_fails_and_leaves_what_was_there() {
    let t = TestDir::new();
    // A CA and a certificate outside the small file system, for issue and export.
    assert!(run(setup_cmd(&t, "ca", &[])).status.success());
    let fsys = Tmpfs::mount(&t.join("small"), "size=64k");

    // setup, fresh and --force over an existing set, at every amount of free space until it
    // fits: each failure leaves the directory exactly as it was.
    fs::create_dir(t.join("small/d")).unwrap();
    let mut free = 0;
    loop {
        fsys.fill(free);
        let before = snapshot(&t.join("small/d"));
        let out = run(setup_cmd(&t, "small/d", &[]));
        if out.status.success() {
            break;
        }
        assert_disk_full(&out, &format!("setup with {free} bytes free"));
        assert_eq!(snapshot(&t.join("small/d")), before, "setup, {free} free");
        free += 4096;
        assert!(free <= 64 * 1024, "setup never fitted");
    }
    let set = snapshot(&t.join("small/d"));
    for free in [0, 4096, 8192] {
        fsys.fill(free);
        let out = run(setup_cmd(&t, "small/d", &["--force"]));
        assert_disk_full(&out, &format!("setup --force with {free} bytes free"));
        assert_eq!(
            snapshot(&t.join("small/d")),
            set,
            "setup --force, {free} free"
        );
    }

    fsys.fill(0);
    let before = snapshot(&t.join("small"));
    let commands: [&[&str]; 5] = [
        &[
            "key",
            "new",
            "--key-type",
            "ecdsa-p256",
            "--out",
            "small/k.pem",
        ],
        &[
            "issue",
            "server",
            "--subject",
            "/CN=db1.example.com",
            "--ca",
            "ca/ca.pem",
            "--ca-key",
            "ca/ca-key.pem",
            "--key-type",
            "ecdsa-p256",
            "--out-cert",
            "small/db1.pem",
            "--out-key",
            "small/db1-key.pem",
        ],
        &[
            "export",
            "p12",
            "--cert",
            "ca/server-cert.pem",
            "ca/ca.pem",
            "--key",
            "ca/server-key.pem",
            "--passout",
            "pass:store-pw",
            "--out",
            "small/s.p12",
        ],
        &[
            "export",
            "jks",
            "--cert",
            "ca/ca.pem",
            "--passout",
            "pass:store-pw",
            "--out",
            "small/t.jks",
        ],
        &[
            "export",
            "p7b",
            "--cert",
            "ca/ca.pem",
            "ca/server-cert.pem",
            "--out",
            "small/c.p7b",
        ],
    ];
    for args in commands {
        let out = t.dbtls_run(args);
        assert_disk_full(&out, &args.join(" "));
        assert_eq!(snapshot(&t.join("small")), before, "{}", args.join(" "));
        assert!(leftovers(&t.join("small")).is_empty());
    }
    // The other writing commands, each into new files or over the set in small/d.
    t.write(
        "m.toml",
        "[[ca]]\nname = \"root\"\nsubject = \"/CN=R\"\nkey_type = \"ecdsa-p256\"\n\n\
         [[client]]\nname = \"c\"\nissuer = \"root\"\nsubject = \"/CN=c\"\n",
    );
    let more: [&[&str]; 10] = [
        &[
            "csr",
            "new",
            "--subject",
            "/CN=x",
            "--key-type",
            "ecdsa-p256",
        ],
        &[
            "key",
            "convert",
            "ca/server-key.pem",
            "--out",
            "small/k2.pem",
        ],
        &[
            "export",
            "pem",
            "--cert",
            "ca/ca.pem",
            "--out",
            "small/c.pem",
        ],
        &[
            "export",
            "bundle",
            "--ca",
            "ca/ca.pem",
            "--passout",
            "pass:store-pw",
        ],
        &[
            "crl",
            "--ca",
            "ca/ca.pem",
            "--ca-key",
            "ca/ca-key.pem",
            "--out",
            "small/ca.crl",
        ],
        &["renew", "--datadir", "small/d", "--expires-within", "36500"],
        &[
            "rotate",
            "start",
            "--datadir",
            "small/d",
            "--key-type",
            "ecdsa-p256",
        ],
        &["fixtures", "m.toml", "--out", "small/fx"],
        &["man", "--out", "small/man"],
        &[
            "export",
            "bundle",
            "--ca",
            "ca/ca.pem",
            "--passout",
            "pass:pw",
            "--out",
            "small/b.zip",
        ],
    ];
    for args in more {
        let mut args = args.to_vec();
        match args[0] {
            "csr" => args.extend(["--out-csr", "small/x.csr", "--out-key", "small/x-key.pem"]),
            "export" if args[1] == "bundle" && !args.contains(&"--out") => {
                args.extend(["--out", "small/bundle"])
            }
            _ => {}
        }
        let out = t.dbtls_run(&args);
        assert_disk_full(&out, &args.join(" "));
        assert_eq!(snapshot(&t.join("small")), before, "{}", args.join(" "));
        assert!(leftovers(&t.join("small")).is_empty(), "{}", args.join(" "));
        assert!(
            leftovers(&t.join("small/d")).is_empty(),
            "{}",
            args.join(" ")
        );
    }
}

#[test]
fn a_read_only_directory_met_mid_way_leaves_nothing_written() {
    let t = TestDir::new();
    fs::create_dir(t.join("rw")).unwrap();
    let ro = Tmpfs::mount(&t.join("ro"), "size=64k");
    let _ = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&ro.dir)
        .status();
    // The private key is staged in rw first, then the public key fails in ro: the key must go.
    let out = t.dbtls_run(&[
        "key",
        "new",
        "--key-type",
        "ecdsa-p256",
        "--out",
        "rw/k.pem",
        "--public-out",
        "ro/k.pub",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("read-only file system"), "{err}");
    assert!(
        snapshot(&t.join("rw")).is_empty(),
        "{:?}",
        snapshot(&t.join("rw"))
    );
}

#[test]
fn directories_are_0755_or_0700_whatever_the_umask() {
    let t = TestDir::new();
    let dbtls = env!("CARGO_BIN_EXE_dbtls");
    let script = format!(
        "umask 000 && {dbtls} key new --key-type ecdsa-p256 --out keys/only/k.pem \
         && {dbtls} setup --key-type ecdsa-p256 --datadir data/dir"
    );
    let out = run(t.sh(&script));
    assert!(out.status.success(), "{out:?}");
    let mode = |p: &str| fs::metadata(t.join(p)).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode("keys"), 0o755);
    assert_eq!(mode("keys/only"), 0o700);
    assert_eq!(mode("keys/only/k.pem"), 0o600);
    assert_eq!(mode("data"), 0o755);
    assert_eq!(mode("data/dir"), 0o755);
    assert_eq!(mode("data/dir/server-key.pem"), 0o600);
    assert_eq!(mode("data/dir/ca.pem"), 0o644);
}
