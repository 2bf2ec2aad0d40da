//! `dbtls export`: every container checked by its real consumer (openssl, keytool, a Java TLS
//! client), plus round trips through our own readers and reading stores made by those tools.

use std::io::{BufRead, BufReader};
use std::ops::Deref;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::util::{Chain, TestDir, free_port, listing, mode, ok, openssl, run, stderr, stdout};

/// A setup datadir plus a 3-certificate chain made with openssl: leaf (EC P-256, clientAuth and
/// serverAuth, SAN localhost) ← "Test Intermediate" (pathlen 0) ← the setup CA.
struct Fixture {
    dir: TestDir,
}

impl Deref for Fixture {
    type Target = TestDir;

    fn deref(&self) -> &TestDir {
        &self.dir
    }
}

impl Fixture {
    fn new() -> Fixture {
        let dir = TestDir::new();
        dir.setup_datadir("d");
        dir.write(
            "int.ext",
            "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        );
        dir.write(
            "leaf.ext",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth,serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nauthorityKeyIdentifier=keyid\n",
        );
        for (name, cn, ca, ca_key, serial) in [
            (
                "int",
                "Test Intermediate",
                "d/ca.pem",
                "d/ca-key.pem",
                "0x1001",
            ),
            ("leaf", "Test Leaf", "int.pem", "int-key.pem", "0x1002"),
        ] {
            let (key, csr) = (format!("{name}-key.pem"), format!("{name}.csr"));
            dir.openssl_p256_req(&key, &csr, &format!("/CN={cn}"), &[]);
            let ext = format!("{name}.ext");
            let out = format!("{name}.pem");
            dir.openssl_ok(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                ca,
                "-CAkey",
                ca_key,
                "-set_serial",
                serial,
                "-days",
                "30",
                "-sha256",
                "-extfile",
                &ext,
                "-out",
                &out,
            ]);
        }
        Fixture { dir }
    }

    /// `dbtls export FORMAT --out OUT` with the chain given in a scrambled order (root, leaf,
    /// intermediate) and, with `key`, the leaf's key.
    fn export(&self, format: &str, out: &str, key: bool, extra: &[&str]) -> String {
        let mut cmd = self.dbtls();
        cmd.args([
            "export", format, "--out", out, "--cert", "d/ca.pem", "leaf.pem", "--cert", "int.pem",
        ]);
        if key {
            cmd.args(["--key", "leaf-key.pem"]);
        }
        ok(cmd.args(extra))
    }

    /// For `jks` and `p12`: `trust.EXT` (the setup CA) and `client.EXT` (the leaf with its key
    /// and chain), both with the store password `pw`.
    fn trust_and_client_stores(&self, pw: &str) {
        let passout = format!("--passout=pass:{pw}");
        for ext in ["jks", "p12"] {
            let trust = format!("trust.{ext}");
            self.dbtls_ok(&[
                "export", ext, "--out", &trust, "--cert", "d/ca.pem", &passout,
            ]);
            self.export(ext, &format!("client.{ext}"), true, &[&passout]);
        }
    }

    /// Writes `source` as `CLASS.java` and compiles it into `classes/`.
    fn javac(&self, class: &str, source: &str) {
        let file = format!("{class}.java");
        self.write(&file, source);
        ok(Command::new("javac")
            .current_dir(self.path())
            .args(["-d", "classes", &file]));
    }

    fn subjects(text: &str) -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("subject="))
            .map(str::to_string)
            .collect()
    }

    /// The `subject=` lines of `openssl pkcs7 -print_certs` of a p7b (`inform` DER or PEM).
    fn p7b_subjects(&self, file: &str, inform: &str) -> Vec<String> {
        let printed = self.openssl_ok(&[
            "pkcs7",
            "-inform",
            inform,
            "-print_certs",
            "-noout",
            "-in",
            file,
        ]);
        Fixture::subjects(&printed)
    }
}

const CA_CN: &str = "MySQL_Server_0.1.0_Auto_Generated_CA_Certificate";

#[test]
fn p7b_der_and_pem_are_read_by_openssl_and_keytool_leaf_first() {
    let f = Fixture::new();
    f.export("p7b", "chain.p7b", false, &[]);
    f.export("p7b", "chain-pem.p7b", false, &["--pem"]);
    assert!(f.read("chain-pem.p7b").starts_with("-----BEGIN PKCS7-----"));
    let want = vec![
        "subject=CN = Test Leaf".to_string(),
        "subject=CN = Test Intermediate".to_string(),
        format!("subject=CN = {CA_CN}"),
    ];
    assert_eq!(f.p7b_subjects("chain.p7b", "DER"), want);
    assert_eq!(f.p7b_subjects("chain-pem.p7b", "PEM"), want);
    for file in ["chain.p7b", "chain-pem.p7b"] {
        let out = ok(f.keytool().args(["-printcert", "-file", file]));
        assert!(out.contains("Certificate[3]:"), "{out}");
        let owners: Vec<&str> = out.lines().filter(|l| l.starts_with("Owner:")).collect();
        assert_eq!(
            owners,
            [
                "Owner: CN=Test Leaf",
                "Owner: CN=Test Intermediate",
                &format!("Owner: CN={CA_CN}")
            ]
        );
        // Our reader gives the same three, in file order.
        let certs = dbtls::formats::p7b::read(&f.read_bytes(file)).unwrap();
        assert_eq!(certs.len(), 3);
    }
    assert_eq!(mode(&f.join("chain.p7b")), 0o644);
    // A p7b made by OpenSSL is read by ours.
    f.openssl_ok(&[
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        "leaf.pem",
        "-certfile",
        "int.pem",
        "-outform",
        "DER",
        "-out",
        "ossl.p7b",
    ]);
    let theirs = dbtls::formats::p7b::read(&f.read_bytes("ossl.p7b")).unwrap();
    assert_eq!(theirs.len(), 2);
}

#[test]
fn pem_keystore_puts_the_encrypted_key_first_and_orders_the_chain() {
    let f = Fixture::new();
    f.export("pem", "bundle.pem", true, &["--passout", "pass:s3cret"]);
    let text = f.read("bundle.pem");
    assert!(
        text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "{text}"
    );
    assert_eq!(text.matches("-----BEGIN CERTIFICATE-----").count(), 3);
    assert_eq!(mode(&f.join("bundle.pem")), 0o600);
    // openssl decrypts the key, and it is the leaf's.
    assert_eq!(
        f.key_pubkey("bundle.pem", Some("pass:s3cret")),
        f.cert_pubkey("leaf.pem")
    );
    // The first certificate is the leaf, then the intermediate, then the root.
    let first = f.x509_field("bundle.pem", "subject");
    assert_eq!(first.trim(), "subject=CN = Test Leaf");
    // Trust chain without key: no key, public mode, still leaf first.
    f.export("pem", "certs.pem", false, &[]);
    assert_eq!(mode(&f.join("certs.pem")), 0o644);
    let verify = f.openssl_verify_ok(&Chain::via("d/ca.pem", "certs.pem"), None, &["leaf.pem"]);
    assert!(verify.contains("OK"));
}

#[test]
fn mismatched_key_is_an_error_and_incomplete_chain_a_warning() {
    let f = Fixture::new();
    let err = f.dbtls_fails(&[
        "export",
        "jks",
        "--out",
        "x.jks",
        "--cert",
        "leaf.pem",
        "int.pem",
        "--key",
        "int-key.pem",
        "--passout",
        "pass:pw",
    ]);
    assert!(
        err.contains("dbtls: error:") && err.contains("key"),
        "{err}"
    );
    assert!(!f.join("x.jks").exists());
    let out = f.dbtls_run(&[
        "export",
        "p12",
        "--out",
        "y.p12",
        "--cert",
        "leaf.pem",
        "--key",
        "leaf-key.pem",
        "--passout",
        "pass:pw",
    ]);
    assert!(out.status.success());
    let stderr = stderr(&out);
    assert!(
        stderr.contains("dbtls: warning: incomplete chain"),
        "{stderr}"
    );
    // A store password is needed and there is no terminal: an error, not a hang.
    let err = f.dbtls_fails(&["export", "jks", "--out", "z.jks", "--cert", "leaf.pem"]);
    assert!(err.contains("no terminal"), "{err}");
    // Existing output is not replaced without --force.
    let err = f.dbtls_fails(&["export", "p7b", "--out", "y.p12", "--cert", "leaf.pem"]);
    assert!(err.contains("already exists"), "{err}");
    // Options of other formats are usage errors.
    let out = f.dbtls_run(&[
        "export", "jks", "--out", "q", "--cert", "leaf.pem", "--legacy",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// `keytool -list [-v] -storetype KIND -storepass PASSWORD -keystore STORE` in `t`.
fn keytool_list(t: &TestDir, verbose: bool, store: &str, kind: &str, password: &str) -> Output {
    let mut cmd = t.keytool();
    cmd.arg("-list");
    if verbose {
        cmd.arg("-v");
    }
    run(cmd.args([
        "-storetype",
        kind,
        "-storepass",
        password,
        "-keystore",
        store,
    ]))
}

/// [`keytool_list`] `-v`, which must succeed; returns stdout.
fn keytool_list_ok(t: &TestDir, store: &str, kind: &str, password: &str) -> String {
    let out = keytool_list(t, true, store, kind, password);
    assert!(
        out.status.success(),
        "keytool -list {store}: {}",
        stderr(&out)
    );
    stdout(&out)
}

#[test]
fn jks_and_p12_stores_are_listed_by_keytool_and_refuse_a_wrong_password() {
    let f = Fixture::new();
    for (format, kind, extra) in [
        ("jks", "JKS", &[][..]),
        ("p12", "PKCS12", &[][..]),
        ("p12", "PKCS12", &["--legacy"][..]),
    ] {
        let trust = format!("trust-{format}{}.{format}", extra.len());
        let keys = format!("keys-{format}{}.{format}", extra.len());
        let mut args = vec!["--passout", "pass:changeit"];
        args.extend_from_slice(extra);
        f.export(format, &trust, false, &args);
        f.export(
            format,
            &keys,
            true,
            &[&args[..], &["--alias", "Client"]].concat(),
        );
        assert_eq!(mode(&f.join(&trust)), 0o600);

        let t = keytool_list_ok(&f, &trust, kind, "changeit");
        assert!(t.contains("Your keystore contains 3 entries"), "{t}");
        assert_eq!(t.matches("Entry type: trustedCertEntry").count(), 3, "{t}");
        let k = keytool_list_ok(&f, &keys, kind, "changeit");
        assert!(k.contains("Your keystore contains 1 entry"), "{k}");
        assert!(k.contains("Alias name: client"), "{k}");
        assert!(k.contains("Entry type: PrivateKeyEntry"), "{k}");
        assert!(k.contains("Certificate chain length: 3"), "{k}");

        let bad = keytool_list(&f, false, &keys, kind, "wrong-pass");
        assert!(
            !bad.status.success(),
            "keytool accepted a wrong password for {keys}"
        );
        let said = stdout(&bad) + &stderr(&bad);
        assert!(
            said.contains("password was incorrect") || said.contains("wrong password"),
            "{said}"
        );

        // Round trip through our own readers.
        let bytes = f.read_bytes(&keys);
        let store = if format == "jks" {
            dbtls::formats::jks::read(&bytes, Some(b"changeit")).unwrap()
        } else {
            dbtls::formats::p12::read(&bytes, b"changeit").unwrap()
        };
        assert!(store.integrity_checked);
        assert_eq!(store.keys.len(), 1);
        assert_eq!(store.keys[0].chain.len(), 3);
        let ours = pem::encode_config(
            &pem::Pem::new("PUBLIC KEY", store.keys[0].key.public_key_der()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        assert_eq!(ours, f.cert_pubkey("leaf.pem"));
    }
}

/// `keytool -importkeystore` of a JKS store into a PKCS12 store (`-deststorepass dest_pw`).
fn keytool_jks_to_p12(t: &TestDir, from: &str, from_pw: &str, to: &str, to_pw: &str) {
    ok(t.keytool()
        .args(["-importkeystore", "-noprompt", "-srcstoretype", "JKS"])
        .args(["-srcstorepass", from_pw, "-deststoretype", "PKCS12"])
        .args(["-deststorepass", to_pw, "-srckeystore", from])
        .args(["-destkeystore", to]));
}

#[test]
fn keytool_imports_our_jks_keystore_so_java_decrypts_the_key() {
    let f = Fixture::new();
    f.export("jks", "k.jks", true, &["--passout", "pass:changeit"]);
    keytool_jks_to_p12(&f, "k.jks", "changeit", "converted.p12", "other-pass");
    let key = f.openssl_ok(&[
        "pkcs12",
        "-nocerts",
        "-nodes",
        "-passin",
        "pass:other-pass",
        "-in",
        "converted.p12",
    ]);
    f.write("converted-key.pem", key);
    assert_eq!(
        f.key_pubkey("converted-key.pem", None),
        f.cert_pubkey("leaf.pem")
    );
}

#[test]
fn openssl_reads_modern_and_legacy_p12_without_the_legacy_provider() {
    let f = Fixture::new();
    f.export("p12", "modern.p12", true, &["--passout", "pass:pw"]);
    f.export(
        "p12",
        "legacy.p12",
        true,
        &["--passout", "pass:pw", "--legacy"],
    );
    let info = |file: &str| {
        let out = f.openssl_run(&[
            "pkcs12", "-info", "-nodes", "-passin", "pass:pw", "-in", file,
        ]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        stdout(&out) + &stderr(&out)
    };
    let modern = info("modern.p12");
    assert!(modern.contains("MAC: sha256, Iteration 600000"), "{modern}");
    assert!(
        modern.contains("PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256"),
        "{modern}"
    );
    assert_eq!(modern.matches("-----BEGIN PRIVATE KEY-----").count(), 1);
    assert_eq!(modern.matches("-----BEGIN CERTIFICATE-----").count(), 3);
    let legacy = info("legacy.p12");
    assert!(legacy.contains("MAC: sha1, Iteration 2048"), "{legacy}");
    assert!(
        legacy.contains("pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"),
        "{legacy}"
    );
    assert_eq!(legacy.matches("-----BEGIN PRIVATE KEY-----").count(), 1);
    let bad = f.openssl_run(&[
        "pkcs12",
        "-info",
        "-nodes",
        "-passin",
        "pass:nope",
        "-in",
        "modern.p12",
    ]);
    assert!(!bad.status.success());
}

/// `keytool -genkeypair -storetype KIND -alias ALIAS -dname DNAME -storepass storepw EXTRA
/// -keystore STORE` (EXTRA: the key algorithm and `-keypass`).
fn keytool_genkeypair(
    t: &TestDir,
    store: &str,
    kind: &str,
    alias: &str,
    dname: &str,
    extra: &[&str],
) {
    ok(t.keytool()
        .args([
            "-genkeypair",
            "-storetype",
            kind,
            "-alias",
            alias,
            "-dname",
            dname,
        ])
        .args(["-storepass", "storepw"])
        .args(extra)
        .args(["-keystore", store]));
}

#[test]
fn our_readers_read_stores_made_by_keytool_and_openssl() {
    let f = Fixture::new();
    // keytool: a JKS with a generated EC key (key password differs from the store's) and a trusted CA.
    let ec = [
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-keypass",
        "keypw22",
    ];
    keytool_genkeypair(&f, "kt.jks", "JKS", "Mine", "CN=keytool key", &ec);
    ok(f.keytool()
        .args([
            "-importcert",
            "-noprompt",
            "-storetype",
            "JKS",
            "-alias",
            "theca",
        ])
        .args([
            "-storepass",
            "storepw",
            "-file",
            "d/ca.pem",
            "-keystore",
            "kt.jks",
        ]));
    let bytes = f.read_bytes("kt.jks");
    let listed = dbtls::formats::jks::read(&bytes, None).unwrap();
    assert!(!listed.integrity_checked);
    assert_eq!(listed.certs.len(), 1);
    assert_eq!(listed.locked_keys.len(), 1);
    assert_eq!(listed.locked_keys[0].alias, "mine");
    let checked = dbtls::formats::jks::read(&bytes, Some(b"storepw")).unwrap();
    assert!(checked.integrity_checked);
    assert_eq!(
        checked.locked_keys.len(),
        1,
        "a key with its own password stays locked"
    );
    assert!(matches!(
        dbtls::formats::jks::read(&bytes, Some(b"bad")),
        Err(dbtls::formats::Error::Password(_))
    ));
    // Same key password as the store: decrypted.
    let rsa = ["-keyalg", "RSA", "-keysize", "2048", "-keypass", "storepw"];
    keytool_genkeypair(&f, "kt2.jks", "JKS", "rsa", "CN=rsa", &rsa);
    let store = dbtls::formats::jks::read(&f.read_bytes("kt2.jks"), Some(b"storepw")).unwrap();
    assert_eq!(store.keys.len(), 1);
    assert_eq!(store.keys[0].key.info().kind, "RSA");

    // keytool PKCS12 from the JKS (Java 17 defaults: AES-256, HmacSHA256).
    keytool_jks_to_p12(&f, "kt2.jks", "storepw", "kt2.p12", "storepw");
    let store = dbtls::formats::p12::read(&f.read_bytes("kt2.p12"), b"storepw").unwrap();
    assert_eq!(store.keys.len(), 1);

    // openssl pkcs12 -export, default (modern) and -legacy (RC2 certificates).
    for extra in [&[][..], &["-legacy"][..]] {
        let _ = std::fs::remove_file(f.join("ossl.p12"));
        f.openssl_p12_of_leaf("ossl.p12", extra);
        let bytes = f.read_bytes("ossl.p12");
        let store = dbtls::formats::p12::read(&bytes, b"pw").unwrap();
        assert_eq!(store.keys.len(), 1, "{extra:?}");
        assert_eq!(store.keys[0].chain.len(), 3, "{extra:?}");
        assert!(matches!(
            dbtls::formats::p12::read(&bytes, b"no"),
            Err(dbtls::formats::Error::Password(_))
        ));
    }
}

#[test]
fn bundle_writes_four_truststores_and_a_readme_in_a_directory_or_zip() {
    let f = Fixture::new();
    f.dbtls_ok(&[
        "export",
        "bundle",
        "--ca",
        "d/ca.pem",
        "int.pem",
        "--out",
        "b",
        "--passout",
        "pass:changeit",
    ]);
    assert_eq!(
        listing(&f.join("b")),
        ["README.txt", "ca.jks", "ca.p12", "ca.p7b", "ca.pem"]
    );
    assert_eq!(mode(&f.join("b/ca.pem")), 0o644);
    assert_eq!(mode(&f.join("b/ca.jks")), 0o600);
    let readme = f.read("b/README.txt");
    for needle in [
        "ca.pem",
        "ca.p7b",
        "ca.jks",
        "ca.p12",
        "Windows",
        "Connector/J",
        "SHA-256",
    ] {
        assert!(readme.contains(needle), "README lacks {needle}:\n{readme}");
    }
    for (file, kind) in [("b/ca.jks", "JKS"), ("b/ca.p12", "PKCS12")] {
        let t = keytool_list_ok(&f, file, kind, "changeit");
        assert_eq!(t.matches("Entry type: trustedCertEntry").count(), 2, "{t}");
    }
    assert_eq!(f.p7b_subjects("b/ca.p7b", "DER").len(), 2);

    f.dbtls_ok(&[
        "export",
        "bundle",
        "--ca",
        "d/ca.pem",
        "--out",
        "tencent.zip",
        "--name",
        "CA-Chain",
        "--passout",
        "pass:x",
    ]);
    assert_eq!(mode(&f.join("tencent.zip")), 0o600);
    let z = ok(Command::new("unzip").arg("-Z").arg(f.join("tencent.zip")));
    for (name, perms) in [
        ("CA-Chain.pem", "-rw-r--r--"),
        ("CA-Chain.jks", "-rw-------"),
        ("CA-Chain.p12", "-rw-------"),
        ("README.txt", "-rw-r--r--"),
    ] {
        assert!(
            z.lines().any(|l| l.starts_with(perms) && l.ends_with(name)),
            "{name} {perms}:\n{z}"
        );
    }
}

/// The Java client: loads a truststore and optionally a keystore of the given type, connects to
/// localhost:PORT with hostname verification, sends "hello" and expects the server's "olleh".
const JAVA_CLIENT: &str = r#"
import java.io.*;
import java.security.KeyStore;
import javax.net.ssl.*;

public class TlsClient {
    static KeyStore load(String type, String file, char[] pw) throws Exception {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(file)) { ks.load(in, pw); }
        return ks;
    }
    public static void main(String[] a) throws Exception {
        int port = Integer.parseInt(a[0]);
        String type = a[1];
        char[] pw = a[4].toCharArray();
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(type, a[2], pw));
        KeyManager[] kms = null;
        if (!a[3].equals("-")) {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(load(type, a[3], pw), pw);
            kms = kmf.getKeyManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kms, tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", port)) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.setSoTimeout(10000);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write("hello\n".getBytes("US-ASCII"));
            out.flush();
            String reply = new BufferedReader(new InputStreamReader(s.getInputStream(), "US-ASCII")).readLine();
            System.out.println("protocol=" + s.getSession().getProtocol() + " reply=" + reply
                + " client=" + s.getSession().getLocalPrincipal());
            if (!"olleh".equals(reply)) System.exit(3);
        }
    }
}
"#;

/// `openssl s_server` requiring a client certificate (`-Verify 3 -verify_return_error`), with
/// dbtls's server certificate, trusting the dbtls CA; `-rev` echoes lines reversed. Killed by
/// pid on drop.
struct TlsServer {
    child: Child,
    port: u16,
    output: mpsc::Receiver<String>,
}

impl TlsServer {
    /// Starts the server on a free port, for `connections` connections. The port was free when
    /// picked but another process may take it first: then s_server exits, and it is started
    /// again on another port.
    fn start(dir: &Path, connections: u32) -> TlsServer {
        let mut failures = Vec::new();
        for _attempt in 0..3 {
            match TlsServer::try_start(dir, connections, free_port()) {
                Ok(server) => return server,
                Err(seen) => failures.push(seen),
            }
        }
        panic!("s_server did not start: {failures:?}");
    }

    fn try_start(dir: &Path, connections: u32, port: u16) -> Result<TlsServer, Vec<String>> {
        let mut child = openssl()
            .current_dir(dir)
            .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
            .args(["-cert", "d/server-cert.pem", "-key", "d/server-key.pem"])
            .args([
                "-CAfile",
                "d/ca.pem",
                "-Verify",
                "3",
                "-verify_return_error",
            ])
            .args(["-rev", "-naccept", &connections.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start openssl s_server");
        let (tx, output) = mpsc::channel();
        // "ACCEPT" goes to stdout, the per-connection lines ("Peer certificate: ...") to stderr.
        let streams: [Box<dyn std::io::Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in streams {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        // Only the readers hold senders now: the channel closes when s_server exits.
        drop(tx);
        let server = TlsServer {
            child,
            port,
            output,
        };
        server.wait_for("ACCEPT").map(|_| server)
    }

    /// Waits for the server to exit (after its `-naccept` connections) and returns its output.
    fn finish(mut self) -> Vec<String> {
        for _ in 0..150 {
            if self.child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut lines = Vec::new();
        while let Ok(line) = self.output.recv_timeout(Duration::from_secs(2)) {
            lines.push(line);
        }
        lines
    }

    /// The lines up to the first holding `what`, or all lines seen when the server exits or
    /// says nothing for 15 s first.
    fn wait_for(&self, what: &str) -> Result<Vec<String>, Vec<String>> {
        let mut seen = Vec::new();
        while let Ok(line) = self.output.recv_timeout(Duration::from_secs(15)) {
            let done = line.contains(what);
            seen.push(line);
            if done {
                return Ok(seen);
            }
        }
        Err(seen)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asserts that a Java client run succeeded and printed every one of `wanted`.
fn assert_java_ok(out: &Output, context: &str, wanted: &[&str], log: &str) {
    let stdout = stdout(out);
    assert!(
        out.status.success() && wanted.iter().all(|w| stdout.contains(w)),
        "{context}: {stdout}\n{}\n{log}",
        stderr(out)
    );
}

#[test]
fn java_client_completes_mutual_tls_with_our_jks_and_p12_stores() {
    let f = Fixture::new();
    let pw = "changeit";
    f.trust_and_client_stores(pw);
    f.javac("TlsClient", JAVA_CLIENT);

    let server = TlsServer::start(f.path(), 3);
    let port = server.port.to_string();
    let java = |kind: &str, ext: &str, keystore: &str| {
        let trust = format!("trust.{ext}");
        run(Command::new("java")
            .current_dir(f.path())
            .args([
                "-cp",
                "classes",
                "TlsClient",
                &port,
                kind,
                &trust,
                keystore,
                pw,
            ])
            .stdin(Stdio::null()))
    };
    for (kind, ext) in [("JKS", "jks"), ("PKCS12", "p12")] {
        let out = java(kind, ext, &format!("client.{ext}"));
        assert_java_ok(&out, kind, &["reply=olleh", "client=CN=Test Leaf"], "");
    }
    // Without the keystore the server refuses the handshake: it really requires a client certificate.
    let out = java("PKCS12", "p12", "-");
    assert!(
        !out.status.success(),
        "handshake without a client certificate succeeded"
    );
    // The server saw and verified our client certificate (leaf → intermediate → dbtls CA) twice.
    let seen = server.finish();
    assert_eq!(
        seen.iter()
            .filter(|l| l.contains("Peer certificate: CN = Test Leaf"))
            .count(),
        2,
        "{seen:?}"
    );
}

/// A JDBC client through MariaDB Connector/J (Debian's libmariadb-java): connects with a
/// truststore and optionally a keystore of the given type and prints who it is.
const JDBC_CLIENT: &str = r#"
import java.sql.*;

public class JdbcClient {
    public static void main(String[] a) throws Exception {
        String url = "jdbc:mariadb://localhost:" + a[0] + "/?user=" + a[1] + "&useSsl=true"
            + "&trustStore=file:" + a[3] + "&trustStoreType=" + a[2] + "&trustStorePassword=" + a[5];
        if (!a[4].equals("-")) {
            url += "&keyStore=file:" + a[4] + "&keyStoreType=" + a[2] + "&keyStorePassword=" + a[5];
        }
        try (Connection c = DriverManager.getConnection(url);
             ResultSet r = c.createStatement().executeQuery(
                 "SELECT CURRENT_USER(), VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_VERSION'")) {
            r.next();
            System.out.println("user=" + r.getString(1) + " tls=" + r.getString(2));
        }
    }
}
"#;

#[test]
fn mariadb_connector_j_logs_in_with_our_stores_as_a_require_subject_user() {
    let f = Fixture::new();
    let pw = "changeit";
    f.trust_and_client_stores(pw);
    f.javac("JdbcClient", JDBC_CLIENT);
    let server = crate::util::mariadb::MariaDb::start(
        &f.join("d/ca.pem"),
        &f.join("d/server-cert.pem"),
        &f.join("d/server-key.pem"),
    );
    server.root_sql(
        "CREATE USER 'leaf'@'%' REQUIRE SUBJECT '/CN=Test Leaf' AND ISSUER '/CN=Test Intermediate'; GRANT USAGE ON *.* TO 'leaf'@'%';",
    );
    let port = server.port.to_string();
    let jdbc = |kind: &str, ext: &str, keystore: &str| {
        let cp = format!("classes:{}", "/usr/share/java/mariadb-java-client.jar");
        let trust = f.join(&format!("trust.{ext}")).display().to_string();
        run(Command::new("java")
            .current_dir(f.path())
            .args(["-cp", &cp, "JdbcClient", &port, "leaf", kind])
            .args([&trust, keystore, pw])
            .stdin(Stdio::null()))
    };
    for (kind, ext) in [("JKS", "jks"), ("PKCS12", "p12")] {
        let keystore = f.join(&format!("client.{ext}")).display().to_string();
        let out = jdbc(kind, ext, &keystore);
        let wanted = ["user=leaf@%", "tls=TLSv1."];
        assert_java_ok(&out, kind, &wanted, &server.error_log());
    }
    // Without the keystore the REQUIRE SUBJECT user is refused.
    let out = jdbc("PKCS12", "p12", "-");
    assert!(
        !out.status.success(),
        "logged in without a client certificate"
    );
}
