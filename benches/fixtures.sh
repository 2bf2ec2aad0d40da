#!/usr/bin/env bash
# Benchmark: 1,000 ECDSA P-256 client certificates (and their keys) under one CA.
#
#  - dbtls: one manifest, `[[client]] count = 1000`, one `dbtls fixtures` run into a fresh
#    directory (keys, certificates, index.json, users.sql, README.txt; one syncfs).
#  - openssl: a shell loop of `openssl req -new -newkey ec` + `openssl x509 -req` per client,
#    with the same extensions (CA:FALSE, digitalSignature, clientAuth, SKID/AKID).
#
# Both run alternately in the same invocation, N times each (fresh directories). Prints the
# medians of wall time and of user+sys CPU time, and the ratio.
#
# Nothing is deleted until the end: on ext4 without a journal (this machine's root file
# system), each inode allocation skips inodes freed in the last 5-65 s, reading their inode
# table block to check (ext4's `recently_deleted`); with thousands freed just before, creating
# 2,000 files took 0.5-1.4 s of kernel CPU instead of 0.1 s, whichever side came next.
#
# Usage: [BENCH_DIR=/dev/shm] benches/fixtures.sh [N] [COUNT]
#   (N defaults to 3, COUNT to 1000; BENCH_DIR picks the file system; builds --release)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-3}
COUNT=${2:-1000}
cargo build --release --quiet
BIN=$PWD/target/release/dbtls
WORK=$(mktemp -d -p "${BENCH_DIR:-${TMPDIR:-/tmp}}")
trap 'rm -rf "$WORK"' EXIT

cat > "$WORK/m.toml" <<TOML
[[ca]]
name = "root"
subject = "/O=Bench/CN=Bench CA"
key_type = "ecdsa-p256"

[[client]]
name = "app{n}"
count = $COUNT
issuer = "root"
subject = "/CN=app{n}/O=Bench"
key_type = "ecdsa-p256"
TOML

# The openssl side's CA, made once outside the timing.
(
  cd "$WORK"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca-key.pem \
    -subj "/O=Bench/CN=Bench CA" -days 3650 -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > leaf.ext
) >/dev/null 2>&1

ours() { "$BIN" fixtures "$WORK/m.toml" --out "$1" >/dev/null; }

theirs() {
  local d=$1 i
  mkdir -p "$d"
  for i in $(seq 1 "$COUNT"); do
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/app$i-key.pem" \
      -subj "/CN=app$i/O=Bench" -out "$d/app$i.csr" 2>/dev/null
    openssl x509 -req -in "$d/app$i.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca-key.pem" -set_serial "$i" \
      -days 825 -extfile "$WORK/leaf.ext" -out "$d/app$i.pem" 2>/dev/null
  done
}

# Wall, user and sys seconds of one call ("%R %U %S"; user and sys include the children).
timed() {
  local TIMEFORMAT='%R %U %S'
  { time "$@" >/dev/null 2>&1; } 2>&1
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

ow=() oc=() tw=() tc=()
for i in $(seq 1 "$N"); do
  read -r w u s < <(timed ours "$WORK/ours$i")
  ow+=("$w") oc+=("$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')")
  read -r w u s < <(timed theirs "$WORK/theirs$i")
  tw+=("$w") tc+=("$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')")
  [ "$(ls "$WORK/ours$i" | grep -c '^app.*-key\.pem$')" = "$COUNT" ] || { echo "bench: ours$i lacks keys" >&2; exit 1; }
  [ "$(ls "$WORK/theirs$i" | grep -c '^app.*\.pem$')" = "$((2 * COUNT))" ] || { echo "bench: theirs$i lacks files" >&2; exit 1; }
done
# The same kind of certificate on both sides, and ours verify.
openssl verify -CAfile "$WORK/ours1/root.pem" -purpose sslclient "$WORK/ours1/app$COUNT.pem" >/dev/null

m_ow=$(median "${ow[@]}") m_oc=$(median "${oc[@]}") m_tw=$(median "${tw[@]}") m_tc=$(median "${tc[@]}")
echo "in $(df -T "$WORK" | awk 'NR==2{print $2}'), runs each: $N, $COUNT ECDSA P-256 client certificates + keys ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); openssl $(openssl version | cut -d' ' -f2))"
echo "dbtls fixtures (count = $COUNT):         median wall ${m_ow} s, user+sys ${m_oc} s"
echo "openssl req + x509 loop ($((2 * COUNT)) runs):  median wall ${m_tw} s, user+sys ${m_tc} s"
echo "ratio openssl / dbtls:                  wall $(awk -v a="$m_tw" -v b="$m_ow" 'BEGIN{printf "%.1f", a/b}')x, CPU $(awk -v a="$m_tc" -v b="$m_oc" 'BEGIN{printf "%.1f", a/b}')x"
