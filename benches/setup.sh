#!/usr/bin/env bash
# Benchmark: `dbtls setup` vs an openssl-CLI reproduction of mysql_ssl_rsa_setup (the commands it
# ran: four RSA-2048 keys, three certificates, a verify; see lib.sh), run alternately into fresh
# directories, N times each (key generation time is random, so medians over many runs). Prints
# both medians and the ratio.
#
# Usage: benches/setup.sh [N]   (N defaults to 21; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
N=${1:-21}
build_release
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

ours=() theirs=()
for i in $(seq 1 "$N"); do
  t0=$(now); "$BIN" setup --datadir "$WORK/d$i" >/dev/null; t1=$(now)
  openssl_setup "$WORK/o$i"; t2=$(now)
  [ "$(ls "$WORK/d$i" | wc -l)" = 8 ] && [ "$(ls "$WORK/o$i" | wc -l)" = 8 ] || { echo "bench: a run did not write 8 files" >&2; exit 1; }
  ours+=($(( (t1 - t0) / 1000 ))) theirs+=($(( (t2 - t1) / 1000 )))
done
m_ours=$(median "${ours[@]}") m_theirs=$(median "${theirs[@]}")
echo "runs each:              $N (alternating, fresh directories, $(nproc) cores)"
echo "openssl $(openssl version | cut -d' ' -f2) reproduction:   median $(ms "$m_theirs") ms"
echo "dbtls setup:            median $(ms "$m_ours") ms"
echo "ratio dbtls/openssl:    $(ratio "$m_ours" "$m_theirs")"
