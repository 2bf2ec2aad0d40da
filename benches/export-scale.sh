#!/bin/sh
# Export at scale (issue 15, finding "quadratic and cubic export"): 10,000 certificates with one
# subject and one key under one CA, and 10,000 that carry the CA's own name, through every
# export format. Before the fix, 500 certificates with one subject took 46 s for a .p7b and
# 5,000 took 108 s for the JKS aliases; now each export should take seconds.
#
#   benches/export-scale.sh [N] [path/to/dbtls]     (default N=10000, target/release/dbtls)
#
# A benchmark, not a test: it prints the times, it does not judge them.
set -eu
N=${1:-10000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DBTLS=$(realpath "${2:-$ROOT/target/release/dbtls}" 2>/dev/null || echo "$ROOT/target/release/dbtls")
[ -x "$DBTLS" ] || (cd "$ROOT" && cargo build --release --quiet)
W=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
cd "$W"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Bench CA" \
    -keyout ca-key.pem -out ca.pem -days 30 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=dup" \
    -keyout leaf-key.pem -out leaf.csr 2>/dev/null
# One `openssl ca` run signs the same request N times (new serial each): N certificates with one
# subject and one key, the review's worst case for chain ordering and alias making.
sign() { # DIR (with NAME and SUBJ set: the output name and a subject override, or empty)
    mkdir -p "$1/new"
    : > "$1/index.txt"
    printf 'unique_subject = no\n' > "$1/index.txt.attr"
    cat > "$1/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
dir = $W/$1
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
default_days = 30
policy = p
unique_subject = no
[p]
commonName = supplied
CNF
    openssl rand -hex 8 > "$1/serial"
    i=0; set --; while [ $i -lt "$N" ]; do set -- "$@" leaf.csr; i=$((i+1)); done
    if [ -n "$SUBJ" ]; then set -- -subj "$SUBJ" -infiles "$@"; else set -- -infiles "$@"; fi
    openssl ca -batch -notext -config "$W/$NAME/ca.cnf" -cert ca.pem -keyfile ca-key.pem \
        -out /dev/null "$@" 2>/dev/null
    # -out keeps only the last certificate; new_certs_dir has them all.
    cat "$W/$NAME"/new/*.pem > "$NAME.pem"
    echo "$NAME.pem: $(grep -c 'BEGIN CERTIFICATE' "$NAME.pem") certificates"
}
t0=$(date +%s.%N)
NAME=dup SUBJ= sign dup dup
NAME=caname SUBJ="/CN=Bench CA" sign caname caname
echo "generated 2 x $N certificates in $(echo "$(date +%s.%N) - $t0" | bc) s"

run() { # LABEL ARGS...
    label=$1; shift
    s=$(date +%s.%N)
    "$DBTLS" "$@" >/dev/null 2>"$W/err" || { echo "$label: FAILED: $(head -3 "$W/err")"; return; }
    printf '%-44s %6.2f s\n' "$label" "$(echo "$(date +%s.%N) - $s" | bc)"
}
for set in dup caname; do
    run "$set: p7b ($N + CA)"            export p7b --cert $set.pem ca.pem --out $set.p7b
    run "$set: jks truststore (aliases)" export jks --cert $set.pem ca.pem --passout pass:benchpw --out $set.jks
    run "$set: p12 truststore"           export p12 --cert $set.pem ca.pem --passout pass:benchpw --out $set.p12
    run "$set: p12 with the key"         export p12 --cert $set.pem ca.pem --key leaf-key.pem --passout pass:benchpw --out $set-key.p12
    run "$set: pem with the key"         export pem --cert $set.pem ca.pem --key leaf-key.pem --out $set-key.pem
done
