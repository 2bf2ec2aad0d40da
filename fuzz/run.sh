#!/bin/sh
# Runs the fuzz targets, each for SECONDS, and fails on any crash, timeout (an input taking over
# 1 s) or out-of-memory (over 512 MB).
#
#   fuzz/run.sh SECONDS [TARGET...]      (default: every target, one after the other)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly compiler; a stable one works with
# RUSTC_BOOTSTRAP=1, which this script sets (see README "Reliability"). The corpus of each target
# grows in fuzz/corpus/TARGET (not committed), starting from the committed fuzz/seeds/TARGET;
# a failing input is saved in fuzz/artifacts/TARGET/ and the log in fuzz/logs/TARGET.log. Once
# fixed, copy it to fuzz/regressions/TARGET/: the unit tests run every file there.
set -u
cd "$(dirname "$0")"
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
export RUSTC_BOOTSTRAP=1
targets=${*:-$(cargo fuzz list)}
cargo fuzz build -O >/dev/null 2>&1 || cargo fuzz build -O || exit 1
mkdir -p logs
status=0
for t in $targets; do
    mkdir -p "corpus/$t"
    extra=
    [ -d "regressions/$t" ] && extra="regressions/$t"
    start=$(date +%s)
    # shellcheck disable=SC2086 # $extra is one directory or nothing
    if cargo fuzz run -O "$t" "corpus/$t" "seeds/$t" $extra -- \
        -max_total_time="$secs" -timeout=1 -rss_limit_mb=512 -print_final_stats=1 \
        >"logs/$t.log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
    fi
    took=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$t.log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "logs/$t.log" | tail -1)
    last=$(grep -E '^#[0-9]+' "logs/$t.log" | tail -1 | sed 's/ *exec\/s.*//')
    files=$(find "corpus/$t" -type f | wc -l)
    echo "$t: $result after ${took}s: ${execs:-?} executions, corpus $files files, peak RSS ${rss:-?} MB; last: $last"
    if [ $result = FAILED ]; then
        grep -E 'ERROR|SUMMARY|Test unit written' "logs/$t.log" | head -5 | sed 's/^/    /'
    fi
done
exit $status
