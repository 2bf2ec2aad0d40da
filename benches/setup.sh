#!/usr/bin/env bash
# Benchmark: `dbtls setup` vs an openssl-CLI reproduction of mysql_ssl_rsa_setup (the commands it
# ran, from client/mysql_ssl_rsa_setup.cc: four RSA-2048 keys, three certificates, a verify),
# run alternately into fresh directories, N times each (key generation time is random, so
# medians over many runs). Prints both medians and the ratio.
#
# Usage: benches/setup.sh [N]   (N defaults to 21; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-21}
cargo build --release --quiet
BIN=$PWD/target/release/dbtls
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

openssl_setup() {
  # The original's commands (8.0, cwd = datadir), output silenced as without --verbose.
  local d=$1 s=bench
  mkdir -p "$d" && cd "$d"
  printf 'basicConstraints=CA:TRUE\n' > cav3.ext
  printf 'basicConstraints=CA:FALSE\n' > certv3.ext
  {
    openssl req -newkey rsa:2048 -days 3650 -nodes -keyout ca-key.pem -subj "/CN=MySQL_Server_${s}_Auto_Generated_CA_Certificate" -out ca-req.pem &&
    openssl rsa -in ca-key.pem -out ca-key.pem &&
    openssl x509 -sha256 -days 3650 -extfile cav3.ext -set_serial 1 -req -in ca-req.pem -signkey ca-key.pem -out ca.pem &&
    openssl req -newkey rsa:2048 -days 3650 -nodes -keyout server-key.pem -subj "/CN=MySQL_Server_${s}_Auto_Generated_Server_Certificate" -out server-req.pem &&
    openssl rsa -in server-key.pem -out server-key.pem &&
    openssl x509 -sha256 -days 3650 -extfile certv3.ext -set_serial 2 -req -in server-req.pem -CA ca.pem -CAkey ca-key.pem -out server-cert.pem &&
    openssl req -newkey rsa:2048 -days 3650 -nodes -keyout client-key.pem -subj "/CN=MySQL_Server_${s}_Auto_Generated_Client_Certificate" -out client-req.pem &&
    openssl rsa -in client-key.pem -out client-key.pem &&
    openssl x509 -sha256 -days 3650 -extfile certv3.ext -set_serial 3 -req -in client-req.pem -CA ca.pem -CAkey ca-key.pem -out client-cert.pem &&
    openssl verify -CAfile ca.pem server-cert.pem client-cert.pem &&
    chmod 600 ca-key.pem server-key.pem client-key.pem && chmod 644 ca.pem server-cert.pem client-cert.pem &&
    rm -f ca-req.pem server-req.pem client-req.pem cav3.ext certv3.ext &&
    openssl genrsa -out private_key.pem 2048 &&
    openssl rsa -in private_key.pem -pubout -out public_key.pem &&
    chmod 600 private_key.pem && chmod 644 public_key.pem
  } >/dev/null 2>&1
  cd - >/dev/null
}

now() { date +%s%N; }
ours=() theirs=()
for i in $(seq 1 "$N"); do
  t0=$(now); "$BIN" setup --datadir "$WORK/d$i" >/dev/null; t1=$(now)
  openssl_setup "$WORK/o$i"; t2=$(now)
  [ "$(ls "$WORK/d$i" | wc -l)" = 8 ] && [ "$(ls "$WORK/o$i" | wc -l)" = 8 ] || { echo "bench: a run did not write 8 files" >&2; exit 1; }
  ours+=($(( (t1 - t0) / 1000 ))) theirs+=($(( (t2 - t1) / 1000 )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
m_ours=$(median "${ours[@]}") m_theirs=$(median "${theirs[@]}")
echo "runs each:              $N (alternating, fresh directories, $(nproc) cores)"
echo "openssl $(openssl version | cut -d' ' -f2) reproduction:   median $(awk -v u="$m_theirs" 'BEGIN{printf "%.1f", u/1000}') ms"
echo "dbtls setup:            median $(awk -v u="$m_ours" 'BEGIN{printf "%.1f", u/1000}') ms"
echo "ratio dbtls/openssl:    $(awk -v a="$m_ours" -v b="$m_theirs" 'BEGIN{printf "%.2f", a/b}')"
