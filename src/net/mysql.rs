//! The client side of the MySQL protocol up to TLS, from the MySQL source documentation
//! ("Connection Phase Packets": Protocol::HandshakeV10, Protocol::SSLRequest, ERR_Packet) and
//! MariaDB's "Connection" pages.
//!
//! Every packet is a 3-byte little-endian payload length, a 1-byte sequence id and the payload.
//! The server speaks first (HandshakeV10, or an ERR packet); a client that wants TLS answers
//! with an SSLRequest (sequence id 1) and starts the TLS handshake on the same socket.

use std::io::{Read, Write};

use super::{Failure, is_timeout};

/// CLIENT_LONG_PASSWORD (MariaDB calls it CLIENT_MYSQL: set, the client is not a MariaDB one
/// with extended capabilities in the reserved bytes).
const CLIENT_LONG_PASSWORD: u32 = 0x0000_0001;
/// CLIENT_PROTOCOL_41: the 4.1 protocol; servers require it with SSL.
pub const CLIENT_PROTOCOL_41: u32 = 0x0000_0200;
/// CLIENT_SSL: the server can switch to TLS.
pub const CLIENT_SSL: u32 = 0x0000_0800;
/// CLIENT_SECURE_CONNECTION: 4.1 authentication (what every client of this century sends).
const CLIENT_SECURE_CONNECTION: u32 = 0x0000_8000;
/// The largest greeting accepted: real ones are about 100 bytes.
pub const MAX_GREETING: usize = 64 * 1024;
/// Max packet size announced in the SSLRequest (16 MiB, what the mysql client sends).
const MAX_PACKET: u32 = 16 * 1024 * 1024;
/// utf8mb3_general_ci, known to every server since 4.1 (used when the greeting has none).
const DEFAULT_CHARSET: u8 = 33;

/// What the server's HandshakeV10 said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// The server version string (e.g. `10.11.6-MariaDB-0+deb12u1`), as sent.
    pub server_version: String,
    /// The connection id the server gave this connection.
    pub connection_id: u32,
    /// The capability flags (lower and, when sent, upper 2 bytes).
    pub capabilities: u32,
    /// The server's default character set number.
    pub charset: u8,
}

impl Greeting {
    /// Whether the server offers TLS.
    pub fn supports_tls(&self) -> bool {
        self.capabilities & CLIENT_SSL != 0
    }
}

/// Reads the greeting, refuses a server without TLS, and sends the SSLRequest: after this the
/// stream is ready for the TLS ClientHello.
pub fn upgrade<S: Read + Write>(stream: &mut S) -> Result<Greeting, Failure> {
    let (seq, payload) = read_greeting(stream)?;
    if seq != 0 {
        return Err(Failure::NotMysql(format!(
            "the first packet has sequence id {seq}, not 0"
        )));
    }
    let greeting = parse_greeting(&payload)?;
    if !greeting.supports_tls() {
        return Err(Failure::NoTls);
    }
    stream
        .write_all(&ssl_request(&greeting))
        .and_then(|()| stream.flush())
        .map_err(|e| io_failure(&e, "sending the SSLRequest"))?;
    Ok(greeting)
}

/// The SSLRequest packet (header included): sequence id 1, 32-byte payload of client flags,
/// max packet size, charset and 23 zero bytes.
pub fn ssl_request(greeting: &Greeting) -> Vec<u8> {
    let flags = CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION;
    let mut p = Vec::with_capacity(36);
    p.extend_from_slice(&[32, 0, 0, 1]);
    p.extend_from_slice(&flags.to_le_bytes());
    p.extend_from_slice(&MAX_PACKET.to_le_bytes());
    p.push(greeting.charset);
    p.extend_from_slice(&[0; 23]);
    p
}

fn io_failure(e: &std::io::Error, doing: &str) -> Failure {
    if is_timeout(e) {
        Failure::Timeout(format!("timed out {doing}"))
    } else {
        Failure::Io(format!("{doing}: {}", super::io_text(e)))
    }
}

/// Reads the first packet; what arrives instead of one (nothing, HTTP, garbage) is named.
fn read_greeting<S: Read>(stream: &mut S) -> Result<(u8, Vec<u8>), Failure> {
    let mut header = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match stream.read(&mut header[got..]) {
            Ok(0) if got == 0 => {
                return Err(Failure::NotMysql(
                    "the connection was closed without a greeting".into(),
                ));
            }
            Ok(0) => return Err(Failure::NotMysql("the greeting was cut short".into())),
            Ok(n) => got += n,
            Err(e) if is_timeout(&e) && got == 0 => {
                return Err(Failure::Timeout(
                    "no MySQL greeting within the timeout: not a MySQL server (a TLS or HTTP port waits for the client to speak first; for a TLS port use tls://)".into(),
                ));
            }
            Err(e) => return Err(io_failure(&e, "reading the greeting")),
        }
    }
    if &header == b"HTTP" {
        let mut line = header.to_vec();
        let mut byte = [0u8; 1];
        while line.len() < 200 && stream.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            line.push(byte[0]);
        }
        let line = String::from_utf8_lossy(&line).trim_end().to_string();
        return Err(Failure::NotMysql(format!("it answered with HTTP ({line})")));
    }
    if &header == b"SSH-" {
        return Err(Failure::NotMysql("it is an SSH server".into()));
    }
    let len = usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
    if len > MAX_GREETING {
        return Err(Failure::NotMysql(format!(
            "its first packet would be {len} bytes (over the {} KiB a greeting may have; first bytes {})",
            MAX_GREETING / 1024,
            hex(&header)
        )));
    }
    if len == 0 {
        return Err(Failure::NotMysql("an empty first packet".into()));
    }
    let mut payload = vec![0u8; len];
    stream
        .read_exact(&mut payload)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                Failure::NotMysql("the greeting was cut short".into())
            }
            _ => io_failure(&e, "reading the greeting"),
        })?;
    Ok((header[3], payload))
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses a HandshakeV10 payload, or the ERR packet a server sends instead ("Too many
/// connections", "Host ... is blocked").
pub fn parse_greeting(p: &[u8]) -> Result<Greeting, Failure> {
    match p.first() {
        Some(0xff) => return Err(parse_err(p)),
        Some(0x0a) => {}
        Some(9) => {
            return Err(Failure::NotMysql(
                "protocol version 9 (a server older than MySQL 3.22)".into(),
            ));
        }
        _ => {
            return Err(Failure::NotMysql(format!(
                "its greeting is not protocol 10 (first bytes {})",
                hex(&p[..p.len().min(8)])
            )));
        }
    }
    let short = || Failure::NotMysql("the greeting is truncated".into());
    let rest = &p[1..];
    let nul = rest.iter().position(|&b| b == 0).ok_or_else(short)?;
    let server_version = String::from_utf8_lossy(&rest[..nul]).into_owned();
    let rest = &rest[nul + 1..];
    // connection id (4), auth-plugin-data part 1 (8), filler (1), capability flags low (2)
    if rest.len() < 15 {
        return Err(short());
    }
    let connection_id = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
    let mut capabilities = u32::from(u16::from_le_bytes([rest[13], rest[14]]));
    let mut charset = DEFAULT_CHARSET;
    // Then, optionally: charset (1), status flags (2), capability flags high (2).
    if rest.len() >= 20 {
        charset = rest[15];
        capabilities |= u32::from(u16::from_le_bytes([rest[18], rest[19]])) << 16;
    }
    Ok(Greeting {
        server_version,
        connection_id,
        capabilities,
        charset,
    })
}

/// An ERR packet: 0xff, 2-byte code, then (with protocol 4.1) '#' and a 5-byte SQLSTATE, then
/// the message. A greeting-time ERR usually has no SQLSTATE.
fn parse_err(p: &[u8]) -> Failure {
    if p.len() < 3 {
        return Failure::NotMysql("a truncated ERR packet".into());
    }
    let code = u16::from_le_bytes([p[1], p[2]]);
    let mut msg = &p[3..];
    if msg.first() == Some(&b'#') && msg.len() >= 6 {
        msg = &msg[6..];
    }
    Failure::ServerError {
        code,
        message: String::from_utf8_lossy(msg).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A MariaDB 10.11 greeting, as captured (auth data replaced).
    fn greeting_bytes(caps_low: u16) -> Vec<u8> {
        let mut p = vec![0x0a];
        p.extend_from_slice(b"10.11.6-MariaDB\0");
        p.extend_from_slice(&7u32.to_le_bytes());
        p.extend_from_slice(b"abcdefgh\0");
        p.extend_from_slice(&caps_low.to_le_bytes());
        p.push(45);
        p.extend_from_slice(&2u16.to_le_bytes());
        p.extend_from_slice(&0x81bfu16.to_le_bytes());
        p.push(21);
        p.extend_from_slice(&[0; 10]);
        p.extend_from_slice(b"ijklmnopqrst\0mysql_native_password\0");
        p
    }

    fn packet(seq: u8, payload: &[u8]) -> Vec<u8> {
        let n = payload.len();
        let mut v = vec![n as u8, (n >> 8) as u8, (n >> 16) as u8, seq];
        v.extend_from_slice(payload);
        v
    }

    struct Duplex {
        input: std::io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }
    impl Read for Duplex {
        fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
            self.input.read(b)
        }
    }
    impl Write for Duplex {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.output.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn run(input: Vec<u8>) -> (Result<Greeting, Failure>, Vec<u8>) {
        let mut d = Duplex {
            input: std::io::Cursor::new(input),
            output: Vec::new(),
        };
        let r = upgrade(&mut d);
        (r, d.output)
    }

    #[test]
    fn parses_a_greeting_and_sends_the_ssl_request() {
        let (g, out) = run(packet(0, &greeting_bytes(0xfffe)));
        let g = g.unwrap();
        assert_eq!(g.server_version, "10.11.6-MariaDB");
        assert_eq!(g.connection_id, 7);
        assert_eq!(g.capabilities, 0x81bf_fffe);
        assert_eq!(g.charset, 45);
        assert_eq!(out.len(), 36);
        assert_eq!(&out[..4], &[32, 0, 0, 1]);
        let flags = u32::from_le_bytes([out[4], out[5], out[6], out[7]]);
        assert_eq!(
            flags & (CLIENT_SSL | CLIENT_PROTOCOL_41),
            CLIENT_SSL | CLIENT_PROTOCOL_41
        );
        assert_eq!(&out[8..12], &MAX_PACKET.to_le_bytes());
        assert_eq!(out[12], 45);
        assert!(out[13..].iter().all(|&b| b == 0));
    }

    #[test]
    fn refusals_are_named() {
        let (r, out) = run(packet(0, &greeting_bytes(0xf7fe)));
        assert!(matches!(r, Err(Failure::NoTls)), "{r:?}");
        assert!(out.is_empty(), "nothing is sent to a server without TLS");
        let mut err = vec![0xff, 0x69, 0x04];
        err.extend_from_slice(b"Host '10.0.0.9' is blocked because of many connection errors");
        match run(packet(0, &err)).0 {
            Err(Failure::ServerError { code, message }) => {
                assert_eq!(code, 1129);
                assert!(message.starts_with("Host '10.0.0.9' is blocked"));
            }
            r => panic!("{r:?}"),
        }
        let cases: [(&[u8], &str); 6] = [
            (
                b"HTTP/1.1 400 Bad Request\r\n\r\n",
                "HTTP/1.1 400 Bad Request",
            ),
            (b"SSH-2.0-OpenSSH_9.2\r\n", "SSH"),
            (b"", "closed"),
            (b"\xff\xff\xff\x00", "over the 64 KiB"),
            (b"\x05\x00\x00\x00\x01abcd", "not protocol 10"),
            (b"\x10\x00\x00\x00\x0a5.7", "cut short"),
        ];
        for (input, want) in cases {
            let e = run(input.to_vec()).0.unwrap_err().to_string();
            assert!(e.contains(want), "{e} lacks {want}");
        }
        let e = run(packet(0, &[0x0a, b'5', 0, 1, 2]))
            .0
            .unwrap_err()
            .to_string();
        assert!(e.contains("truncated"), "{e}");
    }
}
