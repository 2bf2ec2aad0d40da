#!/bin/sh
# Regenerates fuzz/seeds/TARGET/ from the golden fixtures (tests/golden/data/) with openssl and
# dbtls. The seeds are committed; run this only when the fixtures change.
# Usage: fuzz/seed.sh [path/to/dbtls]   (default: target/debug/dbtls)
set -eu
cd "$(dirname "$0")/.."
DBTLS=${1:-target/debug/dbtls}
D=tests/golden/data
S=fuzz/seeds
PW=password
rm -rf "$S"
mkdir -p "$S/inspect" "$S/key" "$S/subject" "$S/name" "$S/option_file" "$S/verify" \
    "$S/mysql_greeting" "$S/fixtures_manifest" "$S/crl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# inspect: every fixture as it is, DER forms, stores, encrypted keys with the fuzz password.
cp $D/* "$S/inspect/"
for c in ca client intermediate server; do
    openssl x509 -in $D/$c.pem -outform DER -out "$S/inspect/$c.der"
done
openssl req -in $D/req.csr -outform DER -out "$S/inspect/req.der"
openssl pkey -in $D/ec-key.pem -outform DER -out "$S/inspect/ec-key.der"
openssl pkey -in $D/ec-key.pem -pubout -out "$S/inspect/ec-pub.pem"
openssl pkcs8 -topk8 -in $D/ec-key.pem -v2 aes-256-cbc -iter 2048 -passout pass:$PW -out "$S/key/pbes2-pbkdf2.pem"
openssl pkcs8 -topk8 -in $D/ec-key.pem -v2 aes-128-cbc -v2prf hmacWithSHA1 -iter 1000 -passout pass:$PW -outform DER -out "$S/key/pbes2-sha1.der"
openssl pkcs8 -topk8 -in $D/ec-key.pem -scrypt -scrypt_N 1024 -scrypt_r 8 -scrypt_p 1 -passout pass:$PW -out "$S/key/pbes2-scrypt.pem"
openssl ec -in $D/ec-key.pem -aes256 -passout pass:$PW -out "$S/key/dek-info-ec.pem" 2>/dev/null
openssl pkey -in $D/rsa-key.pem -traditional -out "$S/key/pkcs1-rsa.pem"
openssl pkey -in $D/rsa-key.pem -traditional -des3 -passout pass:$PW -out "$S/key/dek-info-rsa.pem"
openssl ec -in $D/ec-key.pem -out "$S/key/sec1.pem" 2>/dev/null
cp $D/ec-key.pem $D/ec-key-encrypted.pem $D/rsa-key.pem "$S/key/"
cp "$S/key/"* "$S/inspect/"
cat $D/server.pem $D/intermediate.pem > "$tmp/chain.pem"
openssl pkcs12 -export -in $D/server.pem -inkey $D/server-key.pem -certfile $D/intermediate.pem \
    -passout pass:$PW -iter 2048 -maciter -out "$S/inspect/server.p12"
openssl pkcs12 -export -in $D/server.pem -inkey $D/server-key.pem -legacy -passout pass:$PW \
    -out "$S/inspect/server-legacy.p12" 2>/dev/null || true
"$DBTLS" export jks --cert $D/server.pem $D/intermediate.pem $D/ca.pem --key $D/server-key.pem \
    --passout pass:$PW --out "$S/inspect/server.jks" >/dev/null
"$DBTLS" export jks --cert $D/ca.pem --passout pass:$PW --out "$S/inspect/trust.jks" >/dev/null

# subject: --subject strings (and SAN lines).
printf '/CN=db1.example.com' > "$S/subject/cn"
printf '/C=US/ST=Oregon/O=My Dom\\, Inc./OU=DBA+CN=alice/emailAddress=a@b.c' > "$S/subject/multi"
printf '/DC=com/DC=example/1.2.3.4=x\\/y/serialNumber=123' > "$S/subject/dc-oid"
printf 'db1.example.com\n10.0.0.5\nip:[fe80::1]\nemail:a@b.c\nuri:spiffe://x/y\n*.example.com\n' > "$S/subject/sans"

# name: DER Names (the issuer and subject of each fixture), cut out of tbsCertificate.
for c in ca client intermediate server; do
    openssl x509 -in $D/$c.pem -outform DER -out "$tmp/$c.der"
    python3 - "$tmp/$c.der" "$S/name/$c" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
def tlv(b, i):
    n = b[i + 1]; h = 2
    if n & 0x80:
        k = n & 0x7F; n = int.from_bytes(b[i + 2:i + 2 + k], "big"); h = 2 + k
    return i + h, i + h + n          # content start, end
s, _ = tlv(d, 0)                     # Certificate
s, e = tlv(d, s)                     # tbsCertificate
items, i = [], s
while i < e:
    cs, ce = tlv(d, i); items.append(d[i:ce]); i = ce
if items[0][0] == 0xA0:
    items = items[1:]
open(sys.argv[2] + "-issuer.der", "wb").write(items[2])
open(sys.argv[2] + "-subject.der", "wb").write(items[4])
PY
done

# option_file: my.cnf shapes.
printf '[mysql_ssl_rsa_setup]\ndatadir = /var/lib/mysql\nsuffix="x"  # comment\nuid=mysql\n!include other.cnf\n[client]\nloose_ssl-ca=ca.pem\n' > "$S/option_file/my.cnf"
printf '!includedir /etc/mysql/conf.d\n[mysqld]\nssl_cert=/x\n' > "$S/option_file/includedir.cnf"

# verify: leaf, then \xff\xfe\xfd-separated certificates or CRLs.
sep() { printf '\377\376\375'; }
{ cat "$tmp/server.der"; sep; cat "$tmp/intermediate.der"; sep; cat "$tmp/ca.der"; } > "$S/verify/server-chain"
{ cat "$tmp/client.der"; sep; cat "$tmp/intermediate.der"; sep; cat "$tmp/ca.der"; } > "$S/verify/client-chain"
cp "$tmp/ca.der" "$S/verify/ca-alone"
cat > "$tmp/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $tmp/index.txt
crlnumber = $tmp/crlnumber
default_md = sha256
default_crl_days = 30
CNF
: > "$tmp/index.txt"; echo 01 > "$tmp/crlnumber"
openssl ca -config "$tmp/ca.cnf" -gencrl -cert $D/intermediate.pem -keyfile $D/intermediate-key.pem \
    -out "$tmp/crl.pem" 2>/dev/null
openssl crl -in "$tmp/crl.pem" -outform DER -out "$tmp/crl.der"
{ cat "$tmp/server.der"; sep; cat "$tmp/intermediate.der"; sep; cat "$tmp/ca.der"; sep; cat "$tmp/crl.der"; } > "$S/verify/with-crl"
cp "$tmp/crl.der" "$S/inspect/crl.der"
# crl: that CRL, and dbtls's own with entries of every shape (reasons, a second number).
cp "$tmp/crl.der" "$S/crl/openssl-empty.der"
"$DBTLS" crl --ca $D/intermediate.pem --ca-key $D/intermediate-key.pem --revoke $D/server.pem \
    --reason keyCompromise --der --out "$S/crl/one.der" >/dev/null
"$DBTLS" crl --ca $D/intermediate.pem --ca-key $D/intermediate-key.pem --crl "$S/crl/one.der" \
    --revoke-serial 0102030405 --reason superseded --der --out "$S/crl/two.der" >/dev/null
"$DBTLS" crl --ca $D/intermediate.pem --ca-key $D/intermediate-key.pem --revoke $D/server.pem \
    --out "$S/crl/one.pem" >/dev/null
du -sh "$S"; find "$S" -type f | wc -l

# mysql_greeting: a MariaDB-style HandshakeV10 with and without CLIENT_SSL, and an ERR packet
# (the layouts of the MySQL protocol documentation's Protocol::HandshakeV10 and ERR_Packet).
python3 - "$S/mysql_greeting" <<'PY'
import struct, sys
out = sys.argv[1]
def packet(seq, payload):
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload
def greeting(caps):
    p = b"\x0a" + b"5.5.5-10.11.19-MariaDB-0+deb12u1\0" + struct.pack("<I", 7) + b"abcdefgh" + b"\0"
    p += struct.pack("<H", caps & 0xFFFF) + b"\x2d" + struct.pack("<H", 2) + struct.pack("<H", caps >> 16)
    p += bytes([21]) + b"\0" * 10 + b"ijklmnopqrst\0" + b"mysql_native_password\0"
    return packet(0, p)
open(out + "/tls.bin", "wb").write(greeting(0xF7FE | 0x0800 | 0x81BF0000))
open(out + "/no-tls.bin", "wb").write(greeting(0xF7FE & ~0x0800))
err = b"\xff" + struct.pack("<H", 1129) + b"Host '10.0.0.1' is blocked because of many connection errors"
open(out + "/err.bin", "wb").write(packet(0, err))
PY

# fixtures_manifest: the example manifest.
cp examples/fixtures.toml "$S/fixtures_manifest/example.toml"
