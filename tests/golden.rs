//! Golden tests: every human-readable output of `dbtls`, byte for byte, so a restructuring that
//! claims "no change of behaviour" is checked.
//!
//! Each case runs one command in a scratch directory and compares a transcript with
//! `tests/golden/NAME.txt`: the command line, the exit code, stdout, stderr, and the files the
//! command created, changed (content or mode) or removed, sorted, each with its mode
//! (`0600 new     out/ca-key.pem`), or `(nothing written)`.
//!
//! Inspected certificates, keys, the CSR and the p7b are committed fixtures in
//! `tests/golden/data/` (made once with dbtls; the keys are unencrypted test keys, and
//! `ec-key-encrypted.pem` has the password `secret`), copied into `$DIR/data/` with modes 0644
//! (certificates) and 0600 (keys). What a command cannot print the same twice is masked, narrowly:
//! the scratch path becomes `$DIR`, the day count of `expires in N days` becomes `<N>`, and only
//! for commands that make new certificates, `2024-01-01 00:00:00 UTC` / `2024-01-01T00:00:00Z`
//! become `<TIME>` and runs of 16+ hex digits (serials, fingerprints, key ids) become `<HEX>`.
//!
//! After a deliberate output change, re-bless and review the diff:
//!
//! ```text
//! DBTLS_BLESS=1 cargo test --test cli golden:: && git diff tests/golden
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::{TestDir, key_new_args, mode, run};

/// Where the expected transcripts and the fixtures are.
fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `actual` with `tests/golden/NAME.txt`, or writes it there when `DBTLS_BLESS=1`.
fn assert_golden(name: &str, actual: &str) {
    let path = golden_dir().join(format!("{name}.txt"));
    if std::env::var_os("DBTLS_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (DBTLS_BLESS=1 cargo test --test cli golden:: writes it)",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "golden {name} differs from {} (first at line {}; DBTLS_BLESS=1 re-blesses)\n\
             --- expected\n{expected}--- actual\n{actual}",
            path.display(),
            first + 1
        );
    }
}

/// Which values of a transcript are masked besides `$DIR` and `expires in <N> days`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mask {
    /// Output about the committed fixtures: nothing else.
    Fixed,
    /// Output about newly made certificates and keys: times and long hex runs too.
    Fresh,
}

/// Replaces each maximal run of hex digits and colons holding 16+ hex digits with `<HEX>`.
fn mask_hex(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !chars[i - 1].is_alphanumeric();
        let mut j = i;
        while starts_word && j < chars.len() && (chars[j].is_ascii_hexdigit() || chars[j] == ':') {
            j += 1;
        }
        let digits = chars[i..j].iter().filter(|c| **c != ':').count();
        let ends_word = j == chars.len() || !chars[j].is_alphanumeric();
        if digits >= 16 && ends_word {
            out.push_str("<HEX>");
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Replaces text matching `template` (`9` = any digit, other characters literal) with `with`.
fn mask_template(text: &str, template: &str, with: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let tpl: Vec<char> = template.chars().collect();
    let matches_at = |i: usize| {
        i + tpl.len() <= chars.len()
            && tpl.iter().zip(&chars[i..]).all(|(t, c)| match t {
                '9' => c.is_ascii_digit(),
                t => t == c,
            })
    };
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if matches_at(i) {
            out.push_str(with);
            i += tpl.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Replaces the number right after each `prefix` with `<N>`.
fn mask_count_after(text: &str, prefix: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let (head, tail) = rest.split_at(at + prefix.len());
        out.push_str(head);
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str("<N>");
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

/// Masks what changes from run to run (see the top of this file).
fn mask(text: &str, how: Mask) -> String {
    let mut text = mask_count_after(text, "expires in ");
    text = mask_count_after(&text, "expired ");
    if how == Mask::Fresh {
        text = mask_template(&text, "9999-99-99 99:99:99 UTC", "<TIME>");
        text = mask_template(&text, "9999-99-99T99:99:99Z", "<TIME>");
        text = mask_hex(&text);
    }
    text
}

/// One stream of a transcript; a missing final newline is shown, since it is part of the bytes.
fn section(title: &str, body: &str) -> String {
    let mut s = format!("--- {title}\n{body}");
    if !body.is_empty() && !body.ends_with('\n') {
        s.push_str("\n[no newline at end]\n");
    }
    s
}

/// An argument as a POSIX shell would need it typed, for the transcript's command line.
fn shell_quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._:=,@%+-".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// A scratch directory, with or without the fixtures in `data/`.
struct Scratch {
    dir: TestDir,
}

impl Scratch {
    /// An empty scratch directory.
    fn empty() -> Scratch {
        Scratch {
            dir: TestDir::new(),
        }
    }

    /// A scratch directory with the fixtures in `data/`: keys 0600, everything else 0644.
    fn with_fixtures() -> Scratch {
        use std::os::unix::fs::PermissionsExt;
        let s = Scratch::empty();
        let data = s.dir.join("data");
        std::fs::create_dir(&data).unwrap();
        for entry in std::fs::read_dir(golden_dir().join("data")).unwrap() {
            let from = entry.unwrap().path();
            let name = from.file_name().unwrap().to_string_lossy().into_owned();
            let to = data.join(&name);
            std::fs::copy(&from, &to).unwrap();
            let mode = if name.contains("key") { 0o600 } else { 0o644 };
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        s
    }

    /// Replaces the scratch path (as given and canonical) with `$DIR`.
    fn unpath(&self, text: &str) -> String {
        let mut text = text.to_owned();
        let real = self.dir.path().canonicalize().unwrap();
        for p in [real.as_path(), self.dir.path()] {
            text = text.replace(&*p.to_string_lossy(), "$DIR");
        }
        text
    }

    /// Runs `dbtls ARGS` here: (exit code, stdout, stderr), with the scratch path as `$DIR`.
    fn dbtls(&self, args: &[&str]) -> (i32, String, String) {
        // The setup summary's option-file lines depend on the server installed; the transcripts
        // lock the MySQL ones.
        let out = run(self
            .dir
            .dbtls()
            .env("DBTLS_SERVER_KIND", "mysql")
            .args(args));
        let code = out.status.code().expect("dbtls was killed by a signal");
        let text = |b: &[u8]| self.unpath(&String::from_utf8_lossy(b));
        (code, text(&out.stdout), text(&out.stderr))
    }

    /// Every file below the scratch directory: relative path → (mode, content).
    fn files(&self) -> BTreeMap<String, (u32, Vec<u8>)> {
        fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<String, (u32, Vec<u8>)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(root, &path, into);
                } else {
                    let rel = path
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    into.insert(rel, (mode(&path), std::fs::read(&path).unwrap()));
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(self.dir.path(), self.dir.path(), &mut files);
        files
    }

    /// Runs `dbtls ARGS` and returns its transcript (see the top of this file).
    fn transcript(&self, args: &[&str], how: Mask) -> String {
        let before = self.files();
        let (code, stdout, stderr) = self.dbtls(args);
        let after = self.files();
        let mut listing = String::new();
        for (name, (mode, content)) in &after {
            let state = match before.get(name) {
                None => "new",
                Some((m, c)) if m == mode && c == content => continue,
                Some(_) => "changed",
            };
            listing.push_str(&format!("{mode:04o} {state:<7} {name}\n"));
        }
        for name in before.keys().filter(|n| !after.contains_key(*n)) {
            listing.push_str(&format!("---- removed {name}\n"));
        }
        if listing.is_empty() {
            listing.push_str("(nothing written)\n");
        }
        let line: String = args
            .iter()
            .map(|a| format!(" {}", shell_quote(a)))
            .collect();
        let mut t = format!("$ dbtls{line}\n--- exit {code}\n");
        t.push_str(&mask(&section("stdout", &stdout), how));
        t.push_str(&mask(&section("stderr", &stderr), how));
        t.push_str(&section("files", &listing));
        t
    }

    /// Runs `dbtls ARGS` and compares its transcript with the golden file NAME.
    fn case(&self, name: &str, args: &[&str], how: Mask) {
        assert_golden(name, &self.transcript(args, how));
    }

    /// Appends a file's content to a golden case of its own (for written human-readable files).
    fn file_case(&self, name: &str, path: &str) {
        let text = std::fs::read_to_string(self.dir.join(path)).unwrap();
        assert_golden(name, &format!("=== {path}\n{}", self.unpath(&text)));
    }
}

use Mask::{Fixed, Fresh};

#[test]
fn setup() {
    let s = Scratch::empty();
    s.case("setup", &["setup", "-d", "dd"], Fresh);
    s.case("setup-again", &["setup", "-d", "dd"], Fresh);
    s.case(
        "setup-again-verbose",
        &["setup", "-d", "dd", "--verbose"],
        Fresh,
    );
}

#[test]
fn setup_verbose_options() {
    let s = Scratch::empty();
    let args = [
        "setup",
        "--datadir",
        "dd",
        "-v",
        "--key-type",
        "ecdsa-p256",
        "--suffix",
        "9_0_1",
        "--days",
        "30",
        "--san",
        "db.example.com",
        "--san",
        "10.1.2.3",
        "--passout",
        "pass:ca-pw",
        "--encrypt-client-key",
    ];
    s.case("setup-verbose-options", &args, Fresh);
}

#[test]
fn issue() {
    let s = Scratch::with_fixtures();
    let ca = [
        "--ca",
        "data/intermediate.pem",
        "--ca-key",
        "data/intermediate-key.pem",
    ];
    let ecdsa = ["--key-type", "ecdsa-p256"];
    let ca_args = [
        &["issue", "ca", "--subject", "/O=Golden/CN=Golden CA"][..],
        &ecdsa,
    ]
    .concat();
    s.case("issue-ca", &ca_args, Fresh);
    let intermediate = [
        &[
            "issue",
            "intermediate",
            "--subject",
            "/O=Golden/CN=Golden Int",
        ][..],
        &["--ca", "out/ca.pem", "--ca-key", "out/ca-key.pem"],
        &["--passout", "pass:int-pw"],
        &ecdsa,
    ]
    .concat();
    // Within the CA's lifetime even when the second changes between the two commands.
    let days = ["--days", "365"];
    s.case(
        "issue-intermediate",
        &[&intermediate[..], &days].concat(),
        Fresh,
    );
    let clamped = [
        &intermediate[..],
        &[
            "--days",
            "36500",
            "--out-cert",
            "long.pem",
            "--out-key",
            "long-key.pem",
        ],
    ]
    .concat();
    s.case("issue-intermediate-clamped", &clamped, Fresh);
    let server = [
        &[
            "issue",
            "server",
            "--subject",
            "/O=Golden/CN=db1.example.com",
        ][..],
        &[
            "--san",
            "db1.example.com",
            "--san",
            "10.0.0.5",
            "--san",
            "fd00::5",
        ],
        &ca,
        &ecdsa,
        &["--chain-out", "out/server-chain.pem"],
    ]
    .concat();
    s.case("issue-server", &server, Fresh);
    let client = [
        &["issue", "client", "--subject", "/O=Golden/OU=A+OU=B/CN=bob"][..],
        &[
            "--not-before",
            "2024-01-01T00:00:00Z",
            "--not-after",
            "2025-01-01T00:00:00Z",
        ],
        &ca,
        &ecdsa,
        &["--out-cert", "bob.pem", "--out-key", "bob-key.pem"],
    ]
    .concat();
    s.case("issue-client-expired", &client, Fresh);
    let from_csr = [
        &[
            "issue",
            "server",
            "--csr",
            "data/req.csr",
            "--out-cert",
            "csr-cert.pem",
        ][..],
        &ca,
    ]
    .concat();
    s.case("issue-server-from-csr", &from_csr, Fresh);
    let exists = [&["issue", "ca", "--subject", "/CN=Again"][..], &ecdsa].concat();
    s.case("error-issue-exists", &exists, Fresh);
}

#[test]
fn key_and_csr() {
    let s = Scratch::with_fixtures();
    let new = key_new_args(
        "ed25519",
        "k.pem",
        &["--public-out", "k.pub", "--passout", "pass:pw"],
    );
    s.case("key-new", &new, Fresh);
    let encrypt = ["key", "encrypt", "data/rsa-key.pem", "--out", "enc.pem"];
    let scrypt = ["--passout", "pass:pw", "--kdf", "scrypt"];
    s.case("key-encrypt", &[&encrypt[..], &scrypt].concat(), Fresh);
    let decrypt = [
        "key",
        "decrypt",
        "data/ec-key-encrypted.pem",
        "--out",
        "dec.pem",
    ];
    s.case(
        "key-decrypt",
        &[&decrypt[..], &["--passin", "pass:secret"]].concat(),
        Fresh,
    );
    let wrong = [&decrypt[..], &["--passin", "pass:wrong", "--force"]].concat();
    s.case("error-key-wrong-password", &wrong, Fresh);
    s.case(
        "key-public",
        &["key", "public", "data/ec-key.pem", "--out", "ec.pub"],
        Fresh,
    );
    let csr = [
        &["csr", "new", "--subject", "/O=Golden/CN=db3.example.com"][..],
        &["--san", "db3.example.com", "--san", "192.0.2.7"],
        &[
            "--key-type",
            "ecdsa-p384",
            "--out-csr",
            "r.csr",
            "--out-key",
            "r-key.pem",
        ],
    ]
    .concat();
    s.case("csr-new", &csr, Fresh);
    let csr_key = [
        &[
            "csr",
            "new",
            "--subject",
            "/CN=reuse",
            "--key",
            "data/ec-key-encrypted.pem",
        ][..],
        &["--passin", "pass:secret", "--out-csr", "reuse.csr"],
    ]
    .concat();
    s.case("csr-new-existing-key", &csr_key, Fresh);
}

#[test]
fn export() {
    let s = Scratch::with_fixtures();
    let chain_key = ["-c", "data/server-chain.pem", "-k", "data/server-key.pem"];
    let store_pw = ["--passout", "pass:changeit"];
    s.case(
        "export-pem",
        &[&["export", "pem", "-o", "s.pem"][..], &chain_key].concat(),
        Fixed,
    );
    let p7b = [
        "export",
        "p7b",
        "-c",
        "data/server-chain.pem",
        "-c",
        "data/ca.pem",
    ];
    s.case("export-p7b", &[&p7b[..], &["-o", "c.p7b"]].concat(), Fixed);
    s.case(
        "export-p7b-pem",
        &[&p7b[..], &["--pem", "-o", "p.p7b"]].concat(),
        Fixed,
    );
    let jks = [
        &["export", "jks", "-o", "s.jks"][..],
        &chain_key,
        &["-c", "data/ca.pem"],
        &store_pw,
    ];
    s.case("export-jks", &jks.concat(), Fixed);
    let p12_trust = [
        &["export", "p12", "-o", "t.p12", "-c", "data/ca.pem"][..],
        &store_pw,
    ];
    s.case("export-p12-truststore", &p12_trust.concat(), Fixed);
    let p12 = [
        &["export", "p12", "--legacy", "-o", "l.p12", "--alias", "db1"][..],
        &["-c", "data/server.pem", "-k", "data/server-key.pem"],
        &store_pw,
    ];
    s.case("export-p12-legacy-incomplete", &p12.concat(), Fixed);
    let bundle = [
        "export",
        "bundle",
        "--ca",
        "data/ca.pem",
        "--ca",
        "data/intermediate.pem",
    ];
    s.case(
        "export-bundle",
        &[&bundle[..], &["-o", "b"], &store_pw].concat(),
        Fixed,
    );
    s.file_case("export-bundle-readme", "b/README.txt");
    let zip = [&bundle[..], &["--name", "root", "-o", "b.zip"], &store_pw].concat();
    s.case("export-bundle-zip", &zip, Fixed);
    let exists = [&["export", "pem", "-o", "s.pem"][..], &chain_key].concat();
    s.case("error-export-exists", &exists, Fixed);
}

#[test]
fn inspect() {
    let s = Scratch::with_fixtures();
    let certs = [
        "data/ca.pem",
        "data/intermediate.pem",
        "data/server.pem",
        "data/client.pem",
    ];
    let others = [
        "data/req.csr",
        "data/rsa-key.pem",
        "data/ec-key.pem",
        "data/chain.p7b",
    ];
    let all = [&certs[..], &others].concat();
    s.case("inspect-text", &[&["inspect"][..], &all].concat(), Fixed);
    let json = [&["inspect", "--format", "json"][..], &all].concat();
    s.case("inspect-json", &json, Fixed);
    let matched = ["inspect", "data/server.pem", "data/server-key.pem"];
    s.case("inspect-key-match", &matched, Fixed);
    let locked = ["inspect", "data/ec-key-encrypted.pem"];
    s.case("inspect-encrypted-key", &locked, Fixed);
    let unlocked = [&locked[..], &["--passin", "pass:secret"]].concat();
    s.case("inspect-encrypted-key-passin", &unlocked, Fixed);
    s.case(
        "error-inspect-wrong-password",
        &[&locked[..], &["--passin", "pass:wrong"]].concat(),
        Fixed,
    );
    for (field, dialect) in [
        ("subject", "openssl3"),
        ("issuer", "openssl3"),
        ("subject", "openssl1"),
        ("subject", "tidb"),
    ] {
        let args = [
            &["inspect", "--field", field, "--dialect", dialect][..],
            &certs,
            &["data/chain.p7b"],
        ];
        s.case(
            &format!("inspect-field-{field}-{dialect}"),
            &args.concat(),
            Fixed,
        );
    }
    let sql = [
        "inspect",
        "--sql",
        "--user",
        "alice",
        "data/client.pem",
        "data/chain.p7b",
    ];
    s.case("inspect-sql", &sql, Fixed);
    let sql_host = [
        "inspect",
        "--sql",
        "--user",
        "o'neil",
        "--host",
        "10.%",
        "data/server.pem",
    ];
    s.case("inspect-sql-host", &sql_host, Fixed);
    s.case(
        "inspect-sql-ca-only",
        &["inspect", "--sql", "--user", "x", "data/ca.pem"],
        Fixed,
    );
    let missing = ["inspect", "data/ca.pem", "data/missing.pem"];
    s.case("error-inspect-missing-file", &missing, Fixed);
}

#[test]
fn config() {
    let s = Scratch::with_fixtures();
    for target in ["mysql", "mariadb", "tidb", "client"] {
        let fixed = ["config", target, "--datadir", "/srv/dbtls-golden/datadir"];
        s.case(&format!("config-{target}"), &fixed, Fixed);
    }
    s.case(
        "config-mysql-relative",
        &["config", "mysql", "-d", "data"],
        Fixed,
    );
    s.case("config-client-default", &["config", "client"], Fixed);
}

#[test]
fn errors() {
    let s = Scratch::with_fixtures();
    let cases: &[(&str, &[&str])] = &[
        (
            "error-bad-subject",
            &["issue", "ca", "--subject", "CN=no-slash"],
        ),
        (
            "error-bad-subject-attribute",
            &["issue", "ca", "--subject", "/XX=1/CN=a"],
        ),
        (
            "error-bad-san",
            &[
                "csr",
                "new",
                "--subject",
                "/CN=a",
                "--san",
                "not a name",
                "--out-csr",
                "x.csr",
            ],
        ),
        (
            "error-missing-ca-file",
            &[
                "issue",
                "server",
                "--subject",
                "/CN=a",
                "--ca",
                "nope.pem",
                "--ca-key",
                "nope-key.pem",
            ],
        ),
        (
            "error-path-len-server",
            &[
                "issue",
                "server",
                "--path-len",
                "1",
                "--ca",
                "data/ca.pem",
                "--ca-key",
                "data/ca-key.pem",
            ],
        ),
        ("error-setup-bad-suffix", &["setup", "--suffix", "9.0.1"]),
        ("error-usage-days", &["setup", "--days", "0"]),
        (
            "error-usage-conflict",
            &[
                "inspect",
                "--field",
                "subject",
                "--sql",
                "--user",
                "a",
                "data/ca.pem",
            ],
        ),
        ("error-usage-unknown-command", &["bogus"]),
        ("error-usage-no-command", &[]),
        (
            "error-usage-missing-required",
            &["export", "p7b", "-o", "x.p7b"],
        ),
    ];
    for (name, args) in cases {
        s.case(name, args, Fixed);
    }
}

#[test]
fn help() {
    let s = Scratch::empty();
    s.case("version", &["--version"], Fixed);
    let commands: &[&[&str]] = &[
        &[],
        &["setup"],
        &["config"],
        &["key"],
        &["key", "new"],
        &["key", "encrypt"],
        &["key", "decrypt"],
        &["key", "public"],
        &["issue"],
        &["csr"],
        &["csr", "new"],
        &["inspect"],
        &["export"],
        &["export", "pem"],
        &["export", "p7b"],
        &["export", "jks"],
        &["export", "p12"],
        &["export", "bundle"],
    ];
    for cmd in commands {
        let name = ["help"]
            .iter()
            .chain(cmd.iter())
            .copied()
            .collect::<Vec<_>>()
            .join("-");
        s.case(&name, &[*cmd, &["--help"][..]].concat(), Fixed);
    }
    s.case("help-short", &["-h"], Fixed);
    s.case("help-subcommand", &["help", "issue"], Fixed);
}

#[test]
fn masking_is_narrow() {
    let fresh = "serial:   4a34737670d5456b73ae55ffeab093d6\nvalid: 2024-01-01 00:00:00 UTC to 2044-01-01T00:00:00Z\nid A0:53:68:1C:62:E0:90:B9:7E:44\n";
    assert_eq!(
        mask(fresh, Fresh),
        "serial:   <HEX>\nvalid: <TIME> to <TIME>\nid <HEX>\n"
    );
    let kept = "deadbeef fd00::5 10.0.0.5 ca-key.pem 0600 expires in 12 days, expired 3 days ago";
    assert_eq!(
        mask(kept, Fresh),
        "deadbeef fd00::5 10.0.0.5 ca-key.pem 0600 expires in <N> days, expired <N> days ago"
    );
    assert_eq!(mask(fresh, Fixed), fresh);
}
