#!/usr/bin/env bash
# Benchmark: exporting a 3-certificate chain (leaf <- intermediate <- root) to PEM, .p7b, .jks
# and .p12, with dbtls vs the openssl + keytool commands that produce the same files, run
# alternately into fresh directories, N times each. Prints medians and ratios for two cases:
#
#  1. truststores: `dbtls export bundle` (one process writes all four) vs
#     cat (pem) + openssl crl2pkcs7 (p7b) + 3 x keytool -importcert (jks) +
#     keytool -importkeystore JKS->PKCS12 (p12; OpenSSL 3.0's `pkcs12 -nokeys` output lacks
#     Java's trusted-certificate attribute, so Java would see an empty store).
#  2. keystores (leaf key + chain): 4 x `dbtls export {pem,p7b,jks,p12} --key` vs
#     cat key+chain (pem) + openssl crl2pkcs7 (p7b) + openssl pkcs12 -export -iter 600000 (p12,
#     the same iteration count as ours) + keytool -importkeystore PKCS12->JKS (jks; keytool
#     cannot import a PEM key itself).
#
# Usage: benches/export.sh [N]   (N defaults to 11; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-11}
cargo build --release --quiet
BIN=$PWD/target/release/dbtls
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PW=changeit

# The chain: dbtls setup's CA, an openssl-made intermediate and an EC leaf.
F=$WORK/fixture
"$BIN" setup --datadir "$F" >/dev/null
(
  cd "$F"
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > int.ext
  printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' > leaf.ext
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int-key.pem -subj "/CN=Bench Intermediate" -out int.csr
  openssl x509 -req -in int.csr -CA ca.pem -CAkey ca-key.pem -set_serial 7001 -days 30 -extfile int.ext -out int.pem
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf-key.pem -subj "/CN=Bench Leaf" -out leaf.csr
  openssl x509 -req -in leaf.csr -CA int.pem -CAkey int-key.pem -set_serial 7002 -days 30 -extfile leaf.ext -out leaf.pem
  cat leaf.pem int.pem ca.pem > chain.pem
) >/dev/null 2>&1

ours_trust() {
  "$BIN" export bundle --ca "$F/chain.pem" --out "$1" --passout pass:$PW >/dev/null
}

theirs_trust() {
  local d=$1 i=0
  mkdir -p "$d"
  cat "$F/chain.pem" > "$d/ca.pem"
  openssl crl2pkcs7 -nocrl -certfile "$F/chain.pem" -outform DER -out "$d/ca.p7b"
  for c in leaf int ca; do
    i=$((i + 1))
    keytool -importcert -noprompt -storetype JKS -alias "cert$i" -file "$F/$c.pem" -keystore "$d/ca.jks" -storepass $PW >/dev/null 2>&1
  done
  keytool -importkeystore -noprompt -srcstoretype JKS -srckeystore "$d/ca.jks" -srcstorepass $PW \
    -deststoretype PKCS12 -destkeystore "$d/ca.p12" -deststorepass $PW >/dev/null 2>&1
}

ours_keys() {
  local d=$1
  mkdir -p "$d"
  for fmt in pem p7b jks p12; do
    if [ $fmt = p7b ]; then
      "$BIN" export p7b --out "$d/client.p7b" --cert "$F/chain.pem" >/dev/null
    else
      "$BIN" export $fmt --out "$d/client.$fmt" --cert "$F/chain.pem" --key "$F/leaf-key.pem" --passout pass:$PW >/dev/null
    fi
  done
}

theirs_keys() {
  local d=$1
  mkdir -p "$d"
  openssl pkcs8 -topk8 -v2 aes256 -iter 600000 -passout pass:$PW -in "$F/leaf-key.pem" -out "$d/client.pem"
  cat "$F/chain.pem" >> "$d/client.pem"
  openssl crl2pkcs7 -nocrl -certfile "$F/chain.pem" -outform DER -out "$d/client.p7b"
  openssl pkcs12 -export -iter 600000 -inkey "$F/leaf-key.pem" -in "$F/chain.pem" -name client \
    -passout pass:$PW -out "$d/client.p12"
  keytool -importkeystore -noprompt -srcstoretype PKCS12 -srckeystore "$d/client.p12" -srcstorepass $PW \
    -deststoretype JKS -destkeystore "$d/client.jks" -deststorepass $PW >/dev/null 2>&1
}

now() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ms() { awk -v u="$1" 'BEGIN{printf "%.1f", u/1000}'; }

ot=() tt=() ok=() tk=()
for i in $(seq 1 "$N"); do
  t0=$(now); ours_trust "$WORK/ot$i"; t1=$(now); theirs_trust "$WORK/tt$i"; t2=$(now)
  ours_keys "$WORK/ok$i"; t3=$(now); theirs_keys "$WORK/tk$i"; t4=$(now)
  for d in ot tt ok tk; do
    [ "$(ls "$WORK/$d$i" | grep -cE '\.(pem|p7b|jks|p12)$')" = 4 ] || { echo "bench: $d$i lacks a file" >&2; exit 1; }
  done
  ot+=($(((t1 - t0) / 1000))) tt+=($(((t2 - t1) / 1000))) ok+=($(((t3 - t2) / 1000))) tk+=($(((t4 - t3) / 1000)))
done
# Same content: keytool lists 3 trusted certs in ours, a 3-long chain in our keystore.
keytool -list -storetype PKCS12 -keystore "$WORK/ot1/ca.p12" -storepass $PW 2>/dev/null | grep -q "contains 3 entries"
keytool -list -v -storetype JKS -keystore "$WORK/ok1/client.jks" -storepass $PW 2>/dev/null | grep -q "chain length: 3"

m_ot=$(median "${ot[@]}") m_tt=$(median "${tt[@]}") m_ok=$(median "${ok[@]}") m_tk=$(median "${tk[@]}")
echo "runs each: $N (alternating, fresh directories, $(nproc) cores; openssl $(openssl version | cut -d' ' -f2), $(java -version 2>&1 | head -1))"
echo "truststores  dbtls export bundle (1 process):        median $(ms "$m_ot") ms"
echo "truststores  cat + openssl + 4 keytool runs:          median $(ms "$m_tt") ms"
echo "truststores  ratio openssl+keytool / dbtls:           $(awk -v a="$m_tt" -v b="$m_ot" 'BEGIN{printf "%.1f", a/b}')x"
echo "keystores    4 dbtls export runs (600k iterations):   median $(ms "$m_ok") ms"
echo "keystores    openssl (600k) + keytool:                median $(ms "$m_tk") ms"
echo "keystores    ratio openssl+keytool / dbtls:           $(awk -v a="$m_tk" -v b="$m_ok" 'BEGIN{printf "%.1f", a/b}')x"
