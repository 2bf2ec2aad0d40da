//! `dbtls fixtures` under races and write faults: two runs on one directory at once, and a
//! directory that turns read-only while a run is staging its files (issue 15 items 3 and 5);
//! runs killed at random moments in [`killed`] (item 4).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::{Tmpfs, leftovers, snapshot};
use crate::util::{TestDir, run, stderr, stdout};

mod killed;

const ROOT_A: &str = "Race Root CA";
const ROOT_B: &str = "Other Root CA";

/// A root, an intermediate, a server and `apps` clients; every key ECDSA P-256 except the
/// clients', of `app_key`.
fn manifest(root_cn: &str, app_key: &str, apps: usize) -> String {
    format!(
        "[[ca]]\nname = \"root\"\nsubject = \"/O=Race/CN={root_cn}\"\nkey_type = \"ecdsa-p256\"\n\n\
         [[ca]]\nname = \"inter\"\nissuer = \"root\"\nsubject = \"/O=Race/CN=Race DB CA\"\n\
         key_type = \"ecdsa-p256\"\npath_len = 0\n\n\
         [[server]]\nname = \"db1\"\nissuer = \"inter\"\nsubject = \"/CN=db1.example.test\"\n\
         san = [\"db1.example.test\", \"127.0.0.1\"]\nkey_type = \"ecdsa-p256\"\n\n\
         [[client]]\nname = \"app{{n}}\"\ncount = {apps}\nissuer = \"inter\"\n\
         subject = \"/CN=app{{n}}/O=Race\"\nuser = \"app{{n}}\"\nkey_type = \"{app_key}\"\n"
    )
}

fn fixtures_cmd(t: &TestDir, manifest: &str, out: &str) -> Command {
    let mut cmd = t.dbtls();
    cmd.args(["fixtures", manifest, "--out", out])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn fixtures_ok(t: &TestDir, manifest: &str, out: &str) -> String {
    let o = run(fixtures_cmd(t, manifest, out));
    assert!(o.status.success(), "fixtures {manifest} failed: {o:?}");
    stdout(&o)
}

/// Two runs on `out/`, started at the same moment.
fn together(t: &TestDir, first: &str, second: &str) -> (Output, Output) {
    let a = fixtures_cmd(t, first, "out").spawn().unwrap();
    let b = fixtures_cmd(t, second, "out").spawn().unwrap();
    (a.wait_with_output().unwrap(), b.wait_with_output().unwrap())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The directory `dir` holds exactly one run's set, judged by openssl and by index.json: every
/// certificate verifies against the root.pem and inter.pem on disk, each key is its
/// certificate's, every file has the SHA-256 index.json records (and each certificate the
/// recorded fingerprint), nothing else is there and no `.dbtls-` file is left. Large sets have
/// their keys and fingerprints checked on a sample (two openssl runs per entity). Returns the
/// index.
fn assert_one_set(t: &TestDir, dir: &str, context: &str) -> serde_json::Value {
    let d = t.join(dir);
    assert_eq!(leftovers(&d), Vec::<String>::new(), "{context}");
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("index.json")).unwrap()).unwrap();
    let files = index["files"].as_object().unwrap();
    let mut expected: Vec<String> = files.keys().cloned().collect();
    expected.extend(["index.json", "users.sql", "README.txt"].map(String::from));
    expected.sort();
    let on_disk: Vec<String> = snapshot(&d).into_keys().collect();
    assert_eq!(on_disk, expected, "{context}: files on disk vs index.json");
    let certs: Vec<&str> = files
        .iter()
        .filter(|(_, rec)| rec["kind"] == "certificate")
        .map(|(name, _)| name.as_str())
        .collect();
    // One openssl run for the whole chain check.
    let v = run(t
        .openssl()
        .current_dir(&d)
        .args(["verify", "-CAfile", "root.pem", "-untrusted", "inter.pem"])
        .args(&certs));
    assert!(
        v.status.success(),
        "{context}: a mixed set: {}{}",
        stdout(&v),
        stderr(&v)
    );
    assert_eq!(
        stdout(&v).matches(": OK\n").count(),
        certs.len(),
        "{context}"
    );
    for (name, rec) in files {
        let bytes = fs::read(d.join(name)).unwrap();
        assert_eq!(
            hex(&Sha256::digest(&bytes)),
            rec["sha256"].as_str().unwrap(),
            "{context}: {name} is not the file index.json records"
        );
    }
    let apps = certs.len() - 3;
    let sample: Vec<String> = if certs.len() <= 30 {
        certs.iter().map(|c| c.to_string()).collect()
    } else {
        let some = ["root", "inter", "db1", "app1"].map(String::from);
        let mut s: Vec<String> = some.iter().map(|n| format!("{n}.pem")).collect();
        s.extend([apps / 2, apps].map(|n| format!("app{n}.pem")));
        s
    };
    let mut fingerprints = BTreeMap::new();
    for cert in &sample {
        let key = cert.replace(".pem", "-key.pem");
        // One openssl run per certificate: its fingerprint, then its public key.
        let x509 = crate::util::ok(
            t.openssl()
                .args([
                    "x509",
                    "-noout",
                    "-fingerprint",
                    "-sha256",
                    "-pubkey",
                    "-in",
                ])
                .arg(d.join(cert)),
        );
        let (fp, pubkey) = x509.split_at(x509.find("-----BEGIN").unwrap());
        assert_eq!(
            pubkey,
            t.key_pubkey(d.join(&key), None),
            "{context}: {key} is not the key of {cert}"
        );
        fingerprints.insert(
            files[cert.as_str()]["entity"].as_str().unwrap(),
            fp.to_string(),
        );
    }
    for (name, rec) in files {
        if let Some(fp) = fingerprints.get(rec["entity"].as_str().unwrap()) {
            assert!(
                fp.trim_end()
                    .ends_with(&format!("={}", rec["fingerprint_sha256"].as_str().unwrap())),
                "{context}: {name}: index.json's fingerprint is not the certificate's: {fp}"
            );
        }
    }
    index
}

/// What may be on stderr of a run that had to wait for the other one.
fn assert_quiet_or_waited(out: &Output, context: &str) {
    let err = stderr(out);
    assert!(
        err.is_empty() || err == "dbtls: warning: waiting for another dbtls run on out\n",
        "{context}: {err}"
    );
}

#[test]
fn concurrent_fixtures_runs_never_produce_a_mixed_set() {
    // One manifest, two runs: one issues the set, the other waits for the directory lock, then
    // finds that set up to date and writes nothing.
    for round in 0..10 {
        let context = format!("same manifest, round {round}");
        let t = TestDir::new();
        t.write("m.toml", manifest(ROOT_A, "ecdsa-p256", 4));
        let (a, b) = together(&t, "m.toml", "m.toml");
        for o in [&a, &b] {
            assert!(o.status.success(), "{context}: {a:?} {b:?}");
            assert_quiet_or_waited(o, &context);
        }
        let outs = [stdout(&a), stdout(&b)];
        let issued = outs
            .iter()
            .filter(|o| o.starts_with("out: 7 entities, issued 7, kept 0\n"))
            .count();
        let kept = outs
            .iter()
            .filter(|o| *o == "out: up to date (7 entities, nothing to write)\n")
            .count();
        assert_eq!((issued, kept), (1, 1), "{context}: {outs:?}");
        assert_one_set(&t, "out", &context);
    }
    // Two different manifests, no --force: another root name (every entity re-issued) against
    // RSA clients (the clients re-issued under the intermediate on disk, and slow to make).
    // Whichever runs second re-issues the whole tree over the first one's files, which are
    // "of an earlier run"; the set on disk is the second one's, complete. Round 0 starts from
    // an empty directory, the others from the set of a third manifest.
    for round in 0..4 {
        let context = format!("different manifests, round {round}");
        let t = TestDir::new();
        t.write("m1.toml", manifest(ROOT_A, "ecdsa-p256", 6));
        t.write("m2.toml", manifest(ROOT_B, "ecdsa-p256", 6));
        t.write("m3.toml", manifest(ROOT_A, "rsa2048", 6));
        if round > 0 {
            fixtures_ok(&t, "m1.toml", "out");
        }
        let (a, b) = together(&t, "m2.toml", "m3.toml");
        for o in [&a, &b] {
            assert!(o.status.success(), "{context}: {a:?} {b:?}");
            assert_quiet_or_waited(o, &context);
        }
        let index = assert_one_set(&t, "out", &context);
        let root = index["files"]["root.pem"]["subject"].as_str().unwrap();
        let (last, app_key) = if root == format!("/O=Race/CN={ROOT_B}") {
            (&a, "id-ecPublicKey")
        } else {
            assert_eq!(root, format!("/O=Race/CN={ROOT_A}"), "{context}");
            (&b, "rsaEncryption")
        };
        assert!(
            stdout(last).starts_with("out: 9 entities, issued 9, kept 0\n"),
            "{context}: the last run did not re-issue the whole tree: {}",
            stdout(last)
        );
        for n in [1, 6] {
            let text = t.x509_text(t.join(&format!("out/app{n}.pem")));
            assert!(text.contains(app_key), "{context}: app{n}.pem: {text}");
        }
    }
}

/// A read-only bind mount of `dir` on itself, for the length of a test: from its mount on,
/// every path lookup under `dir` meets a read-only file system (`EROFS`), while the files the
/// running dbtls has already open stay writable. (A `remount,ro` of the tmpfs itself fails
/// with EBUSY as long as any file on it is open for writing, which a staging run always has.)
struct ReadOnly {
    dir: std::path::PathBuf,
}

impl ReadOnly {
    fn bind(dir: &Path) -> ReadOnly {
        let out = run(Command::new("mount")
            .args(["--bind", "-o", "ro"])
            .arg(dir)
            .arg(dir));
        assert!(out.status.success(), "cannot bind-mount read-only: {out:?}");
        ReadOnly {
            dir: dir.to_path_buf(),
        }
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
    }
}

/// Every file of `dir` but dbtls's own temporaries, backups and journals.
fn without_leftovers(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut s = snapshot(dir);
    s.retain(|name, _| !name.starts_with(".dbtls-"));
    s
}

/// Two snapshots are equal; the names that differ otherwise (not megabytes of bytes).
fn assert_same(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, context: &str) {
    let differ: Vec<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|n| a.get(*n) != b.get(*n))
        .collect();
    assert!(differ.is_empty(), "{context}: {differ:?}");
}

#[test]
fn a_directory_that_turns_read_only_while_fixtures_stages_keeps_the_previous_set() {
    const APPS: usize = 1000;
    let t = TestDir::new();
    let _fs = Tmpfs::mount(&t.join("fs"), "size=256m");
    // Two big manifests that differ in the root: each run over the other's set re-issues all
    // 1003 entities (2,000 files staged, about a second here).
    let manifests = ["a.toml", "b.toml"];
    t.write("a.toml", manifest(ROOT_A, "ecdsa-p256", APPS));
    t.write("b.toml", manifest(ROOT_B, "ecdsa-p256", APPS));
    let out = t.join("fs/out");
    fixtures_ok(&t, "a.toml", "fs/out");
    let mut on_disk = 0;
    let (mut finished_first, mut during_commit) = (0, 0);
    for attempt in 0..6 {
        let (old, new) = (manifests[on_disk], manifests[1 - on_disk]);
        let before = snapshot(&out);
        let mut child = fixtures_cmd(&t, new, "fs/out").spawn().unwrap();
        // Flip as soon as the first temporary is staged.
        let start = Instant::now();
        while !leftovers(&out).iter().any(|n| n.starts_with(".dbtls-tmp.")) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "never staged");
        }
        let ro = ReadOnly::bind(&out);
        let result = child.wait_with_output().unwrap();
        if result.status.success() {
            // It had staged everything and renamed it before the flip took effect (a journal
            // or backup it could not remove then is the next run's to clean up).
            drop(ro);
            finished_first += 1;
            on_disk = 1 - on_disk;
            fixtures_ok(&t, new, "fs/out");
            assert_one_set(&t, "fs/out", &format!("attempt {attempt}: finished first"));
            continue;
        }
        let context = format!("attempt {attempt}");
        assert_eq!(result.status.code(), Some(1), "{context}: {result:?}");
        let err = stderr(&result);
        assert_eq!(err.lines().count(), 1, "{context}: {err}");
        assert!(
            err.starts_with("dbtls: error: fs/out") && err.ends_with(": read-only file system\n"),
            "{context}: {err}"
        );
        let after = without_leftovers(&out);
        // What the failed run had staged and, on a read-only directory, could not remove.
        let staged = leftovers(&out)
            .iter()
            .filter(|n| n.starts_with(".dbtls-tmp."))
            .count();
        assert!(staged > 0, "{context}: the flip was not mid-way");
        drop(ro);
        if after != before {
            // Met mid-rename: the journal stays, and the next run rolls the commit forward.
            during_commit += 1;
            assert!(
                leftovers(&out)
                    .iter()
                    .any(|n| n.starts_with(".dbtls-journal.")),
                "{context}: a partly renamed set without a journal: {err}"
            );
            let next = run(fixtures_cmd(&t, new, "fs/out"));
            assert!(next.status.success(), "{context}: {next:?}");
            on_disk = 1 - on_disk;
            assert_one_set(&t, "fs/out", &format!("{context}: rolled forward"));
            continue;
        }
        // Read-only while staging: the previous set is untouched. Writable again, the next run
        // removes the temporaries the failed one could not, finds the previous set up to date
        // and writes nothing; and the new manifest then goes through.
        let next = run(fixtures_cmd(&t, old, "fs/out"));
        assert!(next.status.success(), "{context}: {next:?}");
        assert_eq!(
            stdout(&next),
            format!(
                "fs/out: up to date ({} entities, nothing to write)\n",
                APPS + 3
            ),
            "{context}"
        );
        assert_same(
            &snapshot(&out),
            &before,
            &format!("{context}: the previous set changed"),
        );
        fixtures_ok(&t, new, "fs/out");
        assert_one_set(&t, "fs/out", &format!("{context}: the next run"));
        eprintln!(
            "read-only mid-run: attempt {attempt} ({finished_first} finished before the flip, \
             {during_commit} met it mid-commit), {staged} of about {} files staged: {err}",
            2 * (APPS + 3) + 3
        );
        return;
    }
    panic!(
        "the directory never turned read-only during staging in 6 attempts \
         ({finished_first} finished first, {during_commit} met it mid-commit)"
    );
}
