#!/usr/bin/env bash
# Benchmark: per-process cost of dbtls against the tools people use instead, side by side in one
# run (alternating, fresh directories, medians of N runs each, and the ratios):
#   1. one ECDSA P-256 client certificate under an existing CA:
#      `dbtls issue client` vs `openssl req -newkey ec` + `openssl x509 -req -CA` (two processes);
#   2. printing a certificate's subject: `dbtls inspect --field subject` vs `openssl x509 -noout -subject`;
#   3. a CA, a server and a client certificate with their keys: `dbtls setup` (which also makes the
#      RSA pair) vs the openssl reproduction of mysql_ssl_rsa_setup, mkcert, minica and cfssl.
# Start-up matters because scripts and timers call dbtls dozens of times in a row; see
# .cargo/config.toml for the aws-lc jitter-entropy setting that removes ~60 ms per process.
#
# (Debian's minica is github.com/jsha/minica's namesake with `-type client`; one name per certificate.)
#
# Usage: benches/startup.sh [N]   (N defaults to 21; builds the release binary first; installs
# nothing: mkcert, minica and golang-cfssl are Debian packages, skipped with a note when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
N=${1:-21}
build_release
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$BIN" issue ca --subject "/CN=Bench CA" --key-type ecdsa-p256 \
  --out-cert "$WORK/ca.pem" --out-key "$WORK/ca-key.pem" >/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > "$WORK/client.ext"

# --- peers for case 3 --------------------------------------------------------------------------
mkcert_job() {
  local d=$1
  mkdir -p "$d" && cd "$d"
  {
    CAROOT="$d" mkcert -cert-file server-cert.pem -key-file server-key.pem localhost 127.0.0.1 ::1 &&
    CAROOT="$d" mkcert -client -cert-file client-cert.pem -key-file client-key.pem client
  } >/dev/null 2>&1
  cd - >/dev/null
}
minica_job() {
  local d=$1
  mkdir -p "$d" && cd "$d"
  {
    minica localhost &&
    minica -type client client
  } >/dev/null 2>&1
  cd - >/dev/null
}
cfssl_job() {
  local d=$1
  mkdir -p "$d" && cd "$d"
  printf '{"CN":"Bench CA","key":{"algo":"rsa","size":2048}}' > ca-csr.json
  printf '{"CN":"localhost","key":{"algo":"rsa","size":2048}}' > server-csr.json
  printf '{"CN":"client","key":{"algo":"rsa","size":2048}}' > client-csr.json
  printf '{"signing":{"profiles":{"server":{"usages":["digital signature","key encipherment","server auth"],"expiry":"87600h"},"client":{"usages":["digital signature","key encipherment","client auth"],"expiry":"87600h"}}}}' > config.json
  {
    cfssl gencert -initca ca-csr.json | cfssljson -bare ca &&
    cfssl gencert -ca ca.pem -ca-key ca-key.pem -config config.json -profile server -hostname localhost,127.0.0.1,::1 server-csr.json | cfssljson -bare server &&
    cfssl gencert -ca ca.pem -ca-key ca-key.pem -config config.json -profile client client-csr.json | cfssljson -bare client
  } >/dev/null 2>&1
  cd - >/dev/null
}

peers=(openssl)
for p in mkcert minica cfssl; do
  if command -v "$p" >/dev/null 2>&1; then peers+=("$p"); else echo "note: $p not installed, skipped (apt-get install ${p/cfssl/golang-cfssl})"; fi
done

# --- runs ---------------------------------------------------------------------------------------
issue_d=() issue_o=() field_d=() field_o=() setup_d=()
declare -A setup_p
for i in $(seq 1 "$N"); do
  t0=$(now)
  "$BIN" issue client --key-type ecdsa-p256 --subject "/CN=bench$i" --ca "$WORK/ca.pem" --ca-key "$WORK/ca-key.pem" \
    --out-cert "$WORK/d$i.pem" --out-key "$WORK/d$i-key.pem" >/dev/null
  t1=$(now)
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/o$i-key.pem" \
    -subj "/CN=bench$i" -out "$WORK/o$i.csr" 2>/dev/null
  openssl x509 -req -in "$WORK/o$i.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca-key.pem" -days 825 \
    -extfile "$WORK/client.ext" -out "$WORK/o$i.pem" 2>/dev/null
  t2=$(now)
  "$BIN" inspect --field subject "$WORK/d$i.pem" >/dev/null
  t3=$(now)
  openssl x509 -noout -subject -in "$WORK/d$i.pem" >/dev/null
  t4=$(now)
  issue_d+=($(( (t1 - t0) / 1000 ))) issue_o+=($(( (t2 - t1) / 1000 )))
  field_d+=($(( (t3 - t2) / 1000 ))) field_o+=($(( (t4 - t3) / 1000 )))

  t0=$(now); "$BIN" setup --datadir "$WORK/s$i" >/dev/null; t1=$(now)
  setup_d+=($(( (t1 - t0) / 1000 )))
  for p in "${peers[@]}"; do
    t0=$(now)
    case $p in
      openssl) openssl_setup "$WORK/$p$i" ;;
      mkcert) mkcert_job "$WORK/$p$i" ;;
      minica) minica_job "$WORK/$p$i" ;;
      cfssl) cfssl_job "$WORK/$p$i" ;;
    esac
    t1=$(now)
    setup_p[$p]+="$(( (t1 - t0) / 1000 )) "
  done
done

# Every peer really did its job (a failed run would be fast and flatter it).
openssl verify -CAfile "$WORK/ca.pem" "$WORK/o1.pem" "$WORK/d1.pem" >/dev/null
[ -s "$WORK/mkcert1/client-cert.pem" ] || [[ " ${peers[*]} " != *" mkcert "* ]] || { echo "bench: mkcert failed" >&2; exit 1; }
[ -s "$WORK/minica1/client.crt" ] || [[ " ${peers[*]} " != *" minica "* ]] || { echo "bench: minica failed" >&2; exit 1; }
[ -s "$WORK/cfssl1/client.pem" ] || [[ " ${peers[*]} " != *" cfssl "* ]] || { echo "bench: cfssl failed" >&2; exit 1; }

m() { median "$@"; }
echo "runs each: $N (alternating, fresh directories, $(nproc) cores, openssl $(openssl version | cut -d' ' -f2))"
printf '%-58s %9s %9s %7s\n' "job" "dbtls ms" "peer ms" "ratio"
row() { printf '%-58s %9s %9s %7s\n' "$1" "$(ms "$2")" "$(ms "$3")" "$(ratio "$2" "$3")"; }
row "ECDSA client cert: dbtls issue vs openssl req + x509" "$(m "${issue_d[@]}")" "$(m "${issue_o[@]}")"
row "subject: dbtls inspect --field vs openssl x509 -subject" "$(m "${field_d[@]}")" "$(m "${field_o[@]}")"
for p in "${peers[@]}"; do
  # shellcheck disable=SC2086
  row "CA + server + client: dbtls setup vs $p" "$(m "${setup_d[@]}")" "$(m ${setup_p[$p]})"
done
