#!/bin/bash
# tests/fuzz/run.sh -- runs the libFuzzer targets for a bounded time each.
#
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]
#   SECONDS  how long each target fuzzes (default 60)
#   TARGET   jsonrpc, transact, vsctl, journal, pipeline (default: all)
#
# Run from the build directory (the top of the tree for an in-tree build),
# or set builddir.  Builds the targets first ("make fuzz").  Each target
# starts from its seeds in tests/fuzz/corpus/TARGET/ plus what earlier
# runs found (kept in tests/fuzz/build/corpus/TARGET/, never in the source
# tree) and prints one line in the style of tests/lib.sh:
#
#     PASS: fuzz: NAME N s clean, E runs (R/s)
#     FAIL: fuzz: NAME -- crash input PATH, then the sanitizer's report
#
# and exits non-zero if any target found something.  To reproduce a
# finding: tests/fuzz/build/fuzz-NAME PATH (add FUZZ_VERBOSE=1 for the
# logs).  Once fixed, copy PATH into tests/fuzz/corpus/NAME/ as a
# regression seed.
set -u
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
: "${builddir:=.}"
cd "$builddir" || exit 1

secs=60
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
    secs=$1
    shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(jsonrpc transact vsctl journal pipeline flow-key config)

out=tests/fuzz/build
if ! make -s fuzz >"$out.make.log" 2>&1; then
    echo "FAIL: fuzz: make fuzz"
    tail -20 "$out.make.log"
    rm -f "$out.make.log"
    exit 1
fi
rm -f "$out.make.log"

# Leaks count as findings; a sanitizer report ends the run with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
for t in "${targets[@]}"; do
    bin=$out/fuzz-$t
    seeds=$srcdir/tests/fuzz/corpus/$t
    work=$out/corpus/$t
    artifacts=$out/artifacts/$t/
    log=$out/logs/$t.log
    if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
        echo "FAIL: fuzz: $t -- no such target"
        status=1
        continue
    fi
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    # The first directory receives new inputs; the seeds are read only.
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=4096 -print_final_stats=1 -artifact_prefix="$artifacts" \
        "$work" "$seeds" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [ $rc -eq 0 ] && [ -z "$crash" ]; then
        echo "PASS: fuzz: $t ${secs} s clean, ${runs:-?} runs (${rate:-?}/s)"
    else
        echo "FAIL: fuzz: $t -- exit $rc, crash input ${crash:-(none saved)}"
        # The report: from the sanitizer's first line to its summary.
        start='^==[0-9]*==ERROR\|runtime error\|^fuzz: \|ERROR: libFuzzer'
        sed -n "/$start/,/^SUMMARY/p" "$log" | head -60
        echo "   reproduce: $bin ${crash:-<input>}; full log: $log"
        status=1
    fi
done
exit $status
