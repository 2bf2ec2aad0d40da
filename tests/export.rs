//! `dbtls export`: every container checked by its real consumer (openssl, keytool, a Java TLS
//! client), plus round trips through our own readers and reading stores made by those tools.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::util::{TestDir, fails, listing, mode, ok, openssl, run};

fn keytool() -> Command {
    let mut cmd = Command::new("keytool");
    cmd.stdin(Stdio::null());
    cmd
}

/// A setup datadir plus a 3-certificate chain made with openssl: leaf (EC P-256, clientAuth and
/// serverAuth, SAN localhost) ← "Test Intermediate" (pathlen 0) ← the setup CA.
struct Fixture {
    dir: TestDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = TestDir::new();
        ok(dir.dbtls().args(["setup", "--datadir", "d"]));
        std::fs::write(
            dir.join("int.ext"),
            "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("leaf.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth,serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nauthorityKeyIdentifier=keyid\n",
        )
        .unwrap();
        for (name, cn, ca, ca_key, ext, serial) in [
            (
                "int",
                "Test Intermediate",
                "d/ca.pem",
                "d/ca-key.pem",
                "int.ext",
                "0x1001",
            ),
            (
                "leaf",
                "Test Leaf",
                "int.pem",
                "int-key.pem",
                "leaf.ext",
                "0x1002",
            ),
        ] {
            ok(openssl().current_dir(dir.path()).args([
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &format!("{name}-key.pem"),
                "-subj",
                &format!("/CN={cn}"),
                "-out",
                &format!("{name}.csr"),
            ]));
            ok(openssl().current_dir(dir.path()).args([
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
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
                ext,
                "-out",
                &format!("{name}.pem"),
            ]));
        }
        Fixture { dir }
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn dbtls(&self) -> Command {
        self.dir.dbtls()
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

    fn subjects(text: &str) -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("subject="))
            .map(str::to_string)
            .collect()
    }
}

const CA_CN: &str = "MySQL_Server_0.1.0_Auto_Generated_CA_Certificate";

#[test]
fn p7b_der_and_pem_are_read_by_openssl_and_keytool_leaf_first() {
    let f = Fixture::new();
    f.export("p7b", "chain.p7b", false, &[]);
    f.export("p7b", "chain-pem.p7b", false, &["--pem"]);
    assert!(
        std::fs::read_to_string(f.p("chain-pem.p7b"))
            .unwrap()
            .starts_with("-----BEGIN PKCS7-----")
    );
    let want = vec![
        "subject=CN = Test Leaf".to_string(),
        "subject=CN = Test Intermediate".to_string(),
        format!("subject=CN = {CA_CN}"),
    ];
    let der = ok(openssl()
        .args(["pkcs7", "-inform", "DER", "-print_certs", "-noout", "-in"])
        .arg(f.p("chain.p7b")));
    assert_eq!(Fixture::subjects(&der), want, "{der}");
    let pem = ok(openssl()
        .args(["pkcs7", "-print_certs", "-noout", "-in"])
        .arg(f.p("chain-pem.p7b")));
    assert_eq!(Fixture::subjects(&pem), want, "{pem}");
    for file in ["chain.p7b", "chain-pem.p7b"] {
        let out = ok(keytool().args(["-printcert", "-file"]).arg(f.p(file)));
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
        let certs = dbtls::formats::p7b::read(&std::fs::read(f.p(file)).unwrap()).unwrap();
        assert_eq!(certs.len(), 3);
    }
    assert_eq!(mode(&f.p("chain.p7b")), 0o644);
    // A p7b made by OpenSSL is read by ours.
    ok(openssl().current_dir(f.dir.path()).args([
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
    ]));
    assert_eq!(
        dbtls::formats::p7b::read(&std::fs::read(f.p("ossl.p7b")).unwrap())
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn pem_keystore_puts_the_encrypted_key_first_and_orders_the_chain() {
    let f = Fixture::new();
    f.export("pem", "bundle.pem", true, &["--passout", "pass:s3cret"]);
    let text = std::fs::read_to_string(f.p("bundle.pem")).unwrap();
    assert!(
        text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "{text}"
    );
    assert_eq!(text.matches("-----BEGIN CERTIFICATE-----").count(), 3);
    assert_eq!(mode(&f.p("bundle.pem")), 0o600);
    // openssl decrypts the key, and it is the leaf's.
    let key_pub = ok(openssl()
        .args(["pkey", "-pubout", "-passin", "pass:s3cret", "-in"])
        .arg(f.p("bundle.pem")));
    let cert_pub = ok(openssl()
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(f.p("leaf.pem")));
    assert_eq!(key_pub, cert_pub);
    // The first certificate is the leaf, then the intermediate, then the root.
    let first = ok(openssl()
        .args(["x509", "-noout", "-subject", "-in"])
        .arg(f.p("bundle.pem")));
    assert_eq!(first.trim(), "subject=CN = Test Leaf");
    // Trust chain without key: no key, public mode, still leaf first.
    f.export("pem", "certs.pem", false, &[]);
    assert_eq!(mode(&f.p("certs.pem")), 0o644);
    let verify = ok(openssl().current_dir(f.dir.path()).args([
        "verify",
        "-CAfile",
        "d/ca.pem",
        "-untrusted",
        "certs.pem",
        "leaf.pem",
    ]));
    assert!(verify.contains("OK"));
}

#[test]
fn mismatched_key_is_an_error_and_incomplete_chain_a_warning() {
    let f = Fixture::new();
    let err = fails(f.dbtls().args([
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
    ]));
    assert!(
        err.contains("dbtls: error:") && err.contains("key"),
        "{err}"
    );
    assert!(!f.p("x.jks").exists());
    let out = run(f.dbtls().args([
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
    ]));
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("dbtls: warning: incomplete chain"),
        "{stderr}"
    );
    // A store password is needed and there is no terminal: an error, not a hang.
    let err = fails(
        f.dbtls()
            .args(["export", "jks", "--out", "z.jks", "--cert", "leaf.pem"]),
    );
    assert!(err.contains("no terminal"), "{err}");
    // Existing output is not replaced without --force.
    let err = fails(
        f.dbtls()
            .args(["export", "p7b", "--out", "y.p12", "--cert", "leaf.pem"]),
    );
    assert!(err.contains("already exists"), "{err}");
    // Options of other formats are usage errors.
    let out = run(f.dbtls().args([
        "export", "jks", "--out", "q", "--cert", "leaf.pem", "--legacy",
    ]));
    assert_eq!(out.status.code(), Some(2));
}

fn keytool_list(store: &Path, kind: &str, password: &str) -> String {
    ok(keytool()
        .args([
            "-list",
            "-v",
            "-storetype",
            kind,
            "-storepass",
            password,
            "-keystore",
        ])
        .arg(store))
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
        assert_eq!(mode(&f.p(&trust)), 0o600);

        let t = keytool_list(&f.p(&trust), kind, "changeit");
        assert!(t.contains("Your keystore contains 3 entries"), "{t}");
        assert_eq!(t.matches("Entry type: trustedCertEntry").count(), 3, "{t}");
        let k = keytool_list(&f.p(&keys), kind, "changeit");
        assert!(k.contains("Your keystore contains 1 entry"), "{k}");
        assert!(k.contains("Alias name: client"), "{k}");
        assert!(k.contains("Entry type: PrivateKeyEntry"), "{k}");
        assert!(k.contains("Certificate chain length: 3"), "{k}");

        let bad = run(keytool()
            .args([
                "-list",
                "-storetype",
                kind,
                "-storepass",
                "wrong-pass",
                "-keystore",
            ])
            .arg(f.p(&keys)));
        assert!(
            !bad.status.success(),
            "keytool accepted a wrong password for {keys}"
        );
        let said = String::from_utf8_lossy(&bad.stdout).to_string()
            + &String::from_utf8_lossy(&bad.stderr);
        assert!(
            said.contains("password was incorrect") || said.contains("wrong password"),
            "{said}"
        );

        // Round trip through our own readers.
        let bytes = std::fs::read(f.p(&keys)).unwrap();
        let store = if format == "jks" {
            dbtls::formats::jks::read(&bytes, Some(b"changeit")).unwrap()
        } else {
            dbtls::formats::p12::read(&bytes, b"changeit").unwrap()
        };
        assert!(store.integrity_checked);
        assert_eq!(store.keys.len(), 1);
        assert_eq!(store.keys[0].chain.len(), 3);
        let leaf_pub = ok(openssl()
            .args(["x509", "-pubkey", "-noout", "-in"])
            .arg(f.p("leaf.pem")));
        let ours = pem::encode_config(
            &pem::Pem::new("PUBLIC KEY", store.keys[0].key.public_key_der()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        assert_eq!(ours, leaf_pub);
    }
}

#[test]
fn keytool_imports_our_jks_keystore_so_java_decrypts_the_key() {
    let f = Fixture::new();
    f.export("jks", "k.jks", true, &["--passout", "pass:changeit"]);
    let out = ok(keytool()
        .args([
            "-importkeystore",
            "-noprompt",
            "-srcstoretype",
            "JKS",
            "-srcstorepass",
            "changeit",
            "-deststoretype",
            "PKCS12",
            "-deststorepass",
            "other-pass",
            "-srckeystore",
        ])
        .arg(f.p("k.jks"))
        .arg("-destkeystore")
        .arg(f.p("converted.p12")));
    let _ = out;
    let key = ok(openssl()
        .args([
            "pkcs12",
            "-nocerts",
            "-nodes",
            "-passin",
            "pass:other-pass",
            "-in",
        ])
        .arg(f.p("converted.p12")));
    std::fs::write(f.p("converted-key.pem"), key).unwrap();
    let key_pub = ok(openssl()
        .args(["pkey", "-pubout", "-in"])
        .arg(f.p("converted-key.pem")));
    let cert_pub = ok(openssl()
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(f.p("leaf.pem")));
    assert_eq!(key_pub, cert_pub);
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
        let out = run(openssl()
            .args(["pkcs12", "-info", "-nodes", "-passin", "pass:pw", "-in"])
            .arg(f.p(file)));
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
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
    let bad = run(openssl()
        .args(["pkcs12", "-info", "-nodes", "-passin", "pass:nope", "-in"])
        .arg(f.p("modern.p12")));
    assert!(!bad.status.success());
}

#[test]
fn our_readers_read_stores_made_by_keytool_and_openssl() {
    let f = Fixture::new();
    // keytool: a JKS with a generated EC key (key password differs from the store's) and a trusted CA.
    ok(keytool()
        .args([
            "-genkeypair",
            "-storetype",
            "JKS",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-alias",
            "Mine",
            "-dname",
            "CN=keytool key",
            "-storepass",
            "storepw",
            "-keypass",
            "keypw22",
            "-keystore",
        ])
        .arg(f.p("kt.jks")));
    ok(keytool()
        .args([
            "-importcert",
            "-noprompt",
            "-storetype",
            "JKS",
            "-alias",
            "theca",
            "-storepass",
            "storepw",
            "-file",
        ])
        .arg(f.p("d/ca.pem"))
        .arg("-keystore")
        .arg(f.p("kt.jks")));
    let bytes = std::fs::read(f.p("kt.jks")).unwrap();
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
    ok(keytool()
        .args([
            "-genkeypair",
            "-storetype",
            "JKS",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-alias",
            "rsa",
            "-dname",
            "CN=rsa",
            "-storepass",
            "storepw",
            "-keypass",
            "storepw",
            "-keystore",
        ])
        .arg(f.p("kt2.jks")));
    let store =
        dbtls::formats::jks::read(&std::fs::read(f.p("kt2.jks")).unwrap(), Some(b"storepw"))
            .unwrap();
    assert_eq!(store.keys.len(), 1);
    assert_eq!(store.keys[0].key.info().kind, "RSA");

    // keytool PKCS12 from the JKS (Java 17 defaults: AES-256, HmacSHA256).
    ok(keytool()
        .args([
            "-importkeystore",
            "-noprompt",
            "-srcstoretype",
            "JKS",
            "-srcstorepass",
            "storepw",
            "-deststoretype",
            "PKCS12",
            "-deststorepass",
            "storepw",
            "-srckeystore",
        ])
        .arg(f.p("kt2.jks"))
        .arg("-destkeystore")
        .arg(f.p("kt2.p12")));
    let store =
        dbtls::formats::p12::read(&std::fs::read(f.p("kt2.p12")).unwrap(), b"storepw").unwrap();
    assert_eq!(store.keys.len(), 1);

    // openssl pkcs12 -export, default (modern) and -legacy (RC2 certificates). (openssl keeps
    // only the last -certfile, so the CA certificates go in one file.)
    let cas = std::fs::read_to_string(f.p("int.pem")).unwrap()
        + &std::fs::read_to_string(f.p("d/ca.pem")).unwrap();
    std::fs::write(f.p("cas.pem"), cas).unwrap();
    for extra in [&[][..], &["-legacy"][..]] {
        let out = f.p("ossl.p12");
        let _ = std::fs::remove_file(&out);
        ok(openssl()
            .current_dir(f.dir.path())
            .args([
                "pkcs12",
                "-export",
                "-inkey",
                "leaf-key.pem",
                "-in",
                "leaf.pem",
                "-certfile",
                "cas.pem",
                "-passout",
                "pass:pw",
                "-out",
                "ossl.p12",
            ])
            .args(extra));
        let store = dbtls::formats::p12::read(&std::fs::read(&out).unwrap(), b"pw").unwrap();
        assert_eq!(store.keys.len(), 1, "{extra:?}");
        assert_eq!(store.keys[0].chain.len(), 3, "{extra:?}");
        assert!(matches!(
            dbtls::formats::p12::read(&std::fs::read(&out).unwrap(), b"no"),
            Err(dbtls::formats::Error::Password(_))
        ));
    }
}

#[test]
fn bundle_writes_four_truststores_and_a_readme_in_a_directory_or_zip() {
    let f = Fixture::new();
    ok(f.dbtls().args([
        "export",
        "bundle",
        "--ca",
        "d/ca.pem",
        "int.pem",
        "--out",
        "b",
        "--passout",
        "pass:changeit",
    ]));
    assert_eq!(
        listing(&f.p("b")),
        ["README.txt", "ca.jks", "ca.p12", "ca.p7b", "ca.pem"]
    );
    assert_eq!(mode(&f.p("b/ca.pem")), 0o644);
    assert_eq!(mode(&f.p("b/ca.jks")), 0o600);
    let readme = std::fs::read_to_string(f.p("b/README.txt")).unwrap();
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
        let t = keytool_list(&f.p(file), kind, "changeit");
        assert_eq!(t.matches("Entry type: trustedCertEntry").count(), 2, "{t}");
    }
    let p7 = ok(openssl()
        .args(["pkcs7", "-inform", "DER", "-print_certs", "-noout", "-in"])
        .arg(f.p("b/ca.p7b")));
    assert_eq!(Fixture::subjects(&p7).len(), 2);

    ok(f.dbtls().args([
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
    ]));
    assert_eq!(mode(&f.p("tencent.zip")), 0o600);
    let z = ok(Command::new("unzip").arg("-Z").arg(f.p("tencent.zip")));
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

/// `openssl s_server` requiring a client certificate (`-Verify 1 -verify_return_error`), with
/// dbtls's server certificate, trusting the dbtls CA; `-rev` echoes lines reversed. Killed by
/// pid on drop.
struct TlsServer {
    child: Child,
    port: u16,
    output: mpsc::Receiver<String>,
}

impl TlsServer {
    fn start(dir: &Path, connections: u32) -> TlsServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = openssl()
            .current_dir(dir)
            .args([
                "s_server",
                "-accept",
                &format!("127.0.0.1:{port}"),
                "-cert",
                "d/server-cert.pem",
                "-key",
            ])
            .args([
                "d/server-key.pem",
                "-CAfile",
                "d/ca.pem",
                "-Verify",
                "3",
                "-verify_return_error",
                "-rev",
            ])
            .args(["-naccept", &connections.to_string()])
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
        let server = TlsServer {
            child,
            port,
            output,
        };
        server.wait_for("ACCEPT");
        server
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

    fn wait_for(&self, what: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            match self.output.recv_timeout(Duration::from_secs(15)) {
                Ok(line) => {
                    let done = line.contains(what);
                    seen.push(line);
                    if done {
                        return seen;
                    }
                }
                Err(_) => panic!("s_server did not print {what:?}; got {seen:?}"),
            }
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn java_client_completes_mutual_tls_with_our_jks_and_p12_stores() {
    let f = Fixture::new();
    let pw = "changeit";
    for (format, ext) in [("jks", "jks"), ("p12", "p12")] {
        ok(f.dbtls().args([
            "export",
            format,
            "--out",
            &format!("trust.{ext}"),
            "--cert",
            "d/ca.pem",
            "--passout",
            &format!("pass:{pw}"),
        ]));
        f.export(
            format,
            &format!("client.{ext}"),
            true,
            &["--passout", &format!("pass:{pw}")],
        );
    }
    std::fs::write(f.p("TlsClient.java"), JAVA_CLIENT).unwrap();
    ok(Command::new("javac")
        .current_dir(f.dir.path())
        .args(["-d", "classes", "TlsClient.java"]));

    let server = TlsServer::start(f.dir.path(), 3);
    let java = |kind: &str, ext: &str, keystore: &str| {
        let mut cmd = Command::new("java");
        cmd.current_dir(f.dir.path())
            .args([
                "-cp",
                "classes",
                "TlsClient",
                &server.port.to_string(),
                kind,
                &format!("trust.{ext}"),
                keystore,
                pw,
            ])
            .stdin(Stdio::null());
        run(&mut cmd)
    };
    for (kind, ext) in [("JKS", "jks"), ("PKCS12", "p12")] {
        let out = java(kind, ext, &format!("client.{ext}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{kind}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("reply=olleh") && stdout.contains("client=CN=Test Leaf"),
            "{stdout}"
        );
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
    for ext in ["jks", "p12"] {
        ok(f.dbtls()
            .args([
                "export",
                ext,
                "--out",
                &format!("trust.{ext}"),
                "--cert",
                "d/ca.pem",
            ])
            .arg(format!("--passout=pass:{pw}")));
        f.export(
            ext,
            &format!("client.{ext}"),
            true,
            &["--passout", &format!("pass:{pw}")],
        );
    }
    std::fs::write(f.p("JdbcClient.java"), JDBC_CLIENT).unwrap();
    ok(Command::new("javac")
        .current_dir(f.dir.path())
        .args(["-d", "classes", "JdbcClient.java"]));
    let server = crate::util::mariadb::MariaDb::start(
        &f.p("d/ca.pem"),
        &f.p("d/server-cert.pem"),
        &f.p("d/server-key.pem"),
    );
    server.root_sql(
        "CREATE USER 'leaf'@'%' REQUIRE SUBJECT '/CN=Test Leaf' AND ISSUER '/CN=Test Intermediate'; GRANT USAGE ON *.* TO 'leaf'@'%';",
    );
    let jdbc = |kind: &str, ext: &str, keystore: &str| {
        let cp = format!("classes:{}", "/usr/share/java/mariadb-java-client.jar");
        run(Command::new("java")
            .current_dir(f.dir.path())
            .args([
                "-cp",
                &cp,
                "JdbcClient",
                &server.port.to_string(),
                "leaf",
                kind,
            ])
            .args([
                format!("{}", f.p(&format!("trust.{ext}")).display()),
                keystore.to_string(),
                pw.to_string(),
            ])
            .stdin(Stdio::null()))
    };
    for (kind, ext) in [("JKS", "jks"), ("PKCS12", "p12")] {
        let keystore = f.p(&format!("client.{ext}")).display().to_string();
        let out = jdbc(kind, ext, &keystore);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("user=leaf@%") && stdout.contains("tls=TLSv1."),
            "{kind}: {stdout}\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            server.error_log()
        );
    }
    // Without the keystore the REQUIRE SUBJECT user is refused.
    let out = jdbc("PKCS12", "p12", "-");
    assert!(
        !out.status.success(),
        "logged in without a client certificate"
    );
}
