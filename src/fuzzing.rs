//! Entry points for the fuzz targets in `fuzz/` (libFuzzer through cargo-fuzz). Not an API:
//! hidden from the docs, each a thin forward to the crate-private code that reads untrusted
//! bytes, so that the fuzzers exercise exactly what the commands run. Every function must
//! return (never panic, hang or exhaust memory) whatever the input.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::io::password::Password;
use crate::pki::oneline::{self, Dialect, SqlMode};
use crate::pki::verify::{self, Cert, Crl, Host, Input, Options, Purpose};
use crate::pki::{csr, keyfile, name, san, subject};

/// KDF work allowed per fuzz input: about 100 ms (scrypt N=2^14, r=8 fits; the 1 s cap of a
/// real run would trip libFuzzer's 1 s timeout under the sanitizer without finding anything).
const KDF_PER_INPUT: u64 = 700_000;

/// The password the fuzz targets try (the seed corpora's encrypted files use it).
pub const PASSWORD: &str = "password";

/// `dbtls inspect` of one input, as text and JSON in every dialect, without and with a password;
/// then the CSR reader of `issue --csr`.
pub fn inspect(data: &[u8]) {
    let pw = Password::new(PASSWORD.to_string());
    for (password, dialect) in [
        (None, Dialect::Openssl3),
        (Some(&pw), Dialect::Openssl1),
        (None, Dialect::Tidb),
    ] {
        keyfile::fuzz_kdf_allowance(KDF_PER_INPUT);
        if let Ok(report) = crate::app::inspect::inspect_bytes("fuzz", data, password, dialect) {
            let _ = crate::report::inspect::text::report(&report, OffsetDateTime::UNIX_EPOCH);
            let items = crate::report::inspect::json::items(&report, dialect);
            let _ = crate::report::inspect::json::encode(&items);
        }
    }
    let _ = csr::parse(data);
}

/// The key-file reader (PKCS#8, PBES2, PKCS#1, SEC1, legacy DEK-Info), without and with a
/// password.
pub fn key(data: &[u8]) {
    let _ = keyfile::is_encrypted(data);
    keyfile::fuzz_kdf_allowance(KDF_PER_INPUT);
    let _ = keyfile::decode_private_key(data, None);
    let _ = keyfile::decode_private_key(data, Some(PASSWORD.as_bytes()));
}

/// `--subject` and `--san` strings: parsed, encoded, rendered and parsed again.
pub fn subject(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(dn) = subject::parse(&text)
        && let Ok(der) = dn.to_der()
        && let Ok(entries) = oneline::entries(&der)
    {
        let _ = subject::parse(&oneline::openssl3(&entries));
    }
    for line in text.lines() {
        let _ = san::San::parse(line);
    }
}

/// Any DER `Name` through every renderer (OpenSSL 3 and 1 oneline, TiDB, RFC 4514, SQL
/// literals) and the CSR subject check.
pub fn name(data: &[u8]) {
    let _ = name::check_der(data);
    let Ok(entries) = oneline::entries(data) else {
        return;
    };
    for dialect in [Dialect::Openssl3, Dialect::Openssl1, Dialect::Tidb] {
        let r = oneline::render(&entries, dialect);
        for mode in [SqlMode::Default, SqlMode::NoBackslashEscapes] {
            let _ = oneline::sql_literal(&r.bytes, mode);
        }
    }
    let _ = oneline::rfc4514(&entries);
    for e in &entries {
        let _ = oneline::decode_value(e);
    }
}

/// The drop-in's option-file reader on one file's text (includes are not followed).
pub fn option_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut opts = BTreeMap::new();
    let _ = crate::dropin::parse_option_text(
        &text,
        &["mysql_ssl_rsa_setup", "client"],
        &mut opts,
        &mut |_, _| Ok(()),
    );
}

/// The verify engine: the input is split at `\xff\xfe\xfd` into a leaf and then certificates
/// or CRLs (each tried as both); the leaf is verified against them as anchors.
pub fn verify(data: &[u8]) {
    let parts: Vec<&[u8]> = split(data, b"\xff\xfe\xfd");
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    let Ok(leaf) = Cert::parse(first) else {
        let _ = Crl::parse(first);
        return;
    };
    let anchors: Vec<Cert> = rest.iter().filter_map(|p| Cert::parse(p).ok()).collect();
    let crls: Vec<Crl> = rest.iter().filter_map(|p| Crl::parse(p).ok()).collect();
    let input = Input {
        leaf: leaf.clone(),
        untrusted: anchors.clone(),
        anchors: if anchors.is_empty() {
            vec![leaf]
        } else {
            anchors
        },
        crls,
        key_spki: None,
    };
    for (purpose, strict) in [(Purpose::Server, true), (Purpose::Client, false)] {
        let options = Options {
            purpose,
            hosts: vec![Host::parse("localhost"), Host::parse("127.0.0.1")],
            at: 1_767_225_600, // 2026-01-01
            warn_days: 30,
            fail_days: None,
            strict,
        };
        let _ = verify::verify(input.clone(), &options);
    }
}

/// What a `mysql://` target reads from the network before TLS: the server's first packet
/// (framing, HandshakeV10 or an ERR packet), through the same function a live probe runs, with
/// the SSLRequest written to a sink; then the payload parser alone.
pub fn mysql_greeting(data: &[u8]) {
    /// The server's bytes in, the client's bytes discarded.
    struct Wire<'a>(std::io::Cursor<&'a [u8]>);
    impl std::io::Read for Wire<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0.read(buf)
        }
    }
    impl std::io::Write for Wire<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let _ = crate::net::mysql::upgrade(&mut Wire(std::io::Cursor::new(data)));
    let _ = crate::net::mysql::parse_greeting(data);
}

/// The CRL readers: the verification engine's, `inspect`'s description in every dialect, and
/// what `dbtls crl --crl EXISTING` keeps of the CRL it replaces (entries, next cRLNumber).
pub fn crl(data: &[u8]) {
    if let Ok(c) = Crl::parse(data) {
        let _ = (c.this_update(), c.next_update());
    }
    for dialect in [Dialect::Openssl3, Dialect::Openssl1, Dialect::Tidb] {
        let _ = crate::pki::describe::CrlInfo::from_der(data, dialect);
    }
    if let Ok(previous) = crate::pki::crl::previous_entries(data) {
        let _ = crate::pki::crl::next_number(previous.number.as_deref());
        let _ = previous.lists(&[1]);
    }
}

/// A `dbtls fixtures` manifest: TOML, schema, names, issuer references, variants, `{n}`
/// expansion (the planner's input), as text.
pub fn fixtures_manifest(data: &[u8]) {
    let _ = crate::app::fixtures::manifest::parse(&String::from_utf8_lossy(data));
}

fn split<'a>(data: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(sep.len()).position(|w| w == sep) {
        out.push(&rest[..i]);
        rest = &rest[i + sep.len()..];
    }
    out.push(rest);
    out
}

#[cfg(test)]
mod tests {
    /// A target's name and entry point.
    type Target = (&'static str, fn(&[u8]));

    /// Every committed seed and every saved fuzzer finding (`fuzz/regressions/TARGET/`, where a
    /// crash input goes once fixed) runs through its target in the normal suite, so CI keeps
    /// them fixed without a fuzzer.
    #[test]
    fn seeds_and_regressions_run_clean() {
        let targets: [Target; 9] = [
            ("inspect", super::inspect),
            ("key", super::key),
            ("subject", super::subject),
            ("name", super::name),
            ("option_file", super::option_file),
            ("verify", super::verify),
            ("mysql_greeting", super::mysql_greeting),
            ("fixtures_manifest", super::fixtures_manifest),
            ("crl", super::crl),
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut ran = 0;
        for (target, run) in targets {
            for dir in ["seeds", "regressions"] {
                let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
                    continue;
                };
                for entry in entries {
                    let path = entry.unwrap().path();
                    run(&std::fs::read(&path).unwrap());
                    ran += 1;
                }
            }
        }
        assert!(ran >= 50, "only {ran} inputs: are fuzz/seeds/ there?");
    }

    /// The greeting seeds are what they claim to be, so the fuzzer starts from real packets.
    #[test]
    fn greeting_seeds_parse() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/mysql_greeting");
        let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
        let tls = crate::net::mysql::parse_greeting(&read("tls.bin")[4..]).unwrap();
        assert!(tls.supports_tls());
        assert_eq!(tls.server_version, "5.5.5-10.11.19-MariaDB-0+deb12u1");
        let plain = crate::net::mysql::parse_greeting(&read("no-tls.bin")[4..]).unwrap();
        assert!(!plain.supports_tls());
        assert!(crate::net::mysql::parse_greeting(&read("err.bin")[4..]).is_err());
    }
}
