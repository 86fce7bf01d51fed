#!/bin/bash
# tests/fuzz/asan-check.sh -- builds the whole tree with AddressSanitizer
# and UndefinedBehaviorSanitizer (clang) in a separate directory and runs
# the unit tests and a set of integration tests there (dummy ports, the
# forwarding threads, and one DPDK vhost-user test).
#
# Usage: tests/fuzz/asan-check.sh [BUILDDIR]     (default: build-asan)
#   ASAN_CHECK_TESTS="daemon ..." runs only those integration scripts.
#
# The build is an out-of-tree (VPATH) build of a clean copy of the
# sources: automake refuses to configure a second build of a source tree
# that is already configured in place, as a developer's tree usually is.
# The copy holds every file git knows or would add (so uncommitted work
# is checked too) and lives in BUILDDIR/src; the objects go to
# BUILDDIR/obj.  The normal build is not touched.
#
# Every process writes sanitizer reports to BUILDDIR/reports/ (vswitchd
# runs detached, its stderr goes nowhere); any report is a failure, shown
# with its stack.  Output: PASS:/FAIL: lines as in tests/lib.sh, then
# "N passed, M failed"; the exit status is non-zero on any failure.
# Leak detection is off: the daemon exits without freeing everything, by
# design; the fuzz targets check for leaks per input instead.
set -u
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$srcdir/build-asan}
mkdir -p "$build" || exit 1
build=$(cd "$build" && pwd)
tests=${ASAN_CHECK_TESTS:-dp-dummy datapaths vsctl-errors vsctl-compat daemon pmd mirror-dummy dpdk-vhost-mq}
CC=${FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="$SAN -fno-omit-frame-pointer -g -O1"

passed=0 failed=0
pass() { echo "PASS: asan: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: asan: $1"; failed=$((failed + 1)); }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

# A clean copy of the sources.
rm -rf "$build/src"
mkdir -p "$build/src"
if ! (cd "$srcdir" && git ls-files -z --cached --others --exclude-standard \
          | xargs -0 -r sh -c \
              'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
          | tar --null -T - -cf -) | tar -C "$build/src" -xf -; then
    fail "copying the sources"
    finish
fi

log=$build/build.log
if (cd "$build/src" && ./boot.sh) >"$log" 2>&1 \
   && mkdir -p "$build/obj" \
   && (cd "$build/obj" && ../src/configure -q CC="$CC" CFLAGS="$CFLAGS" \
                                           LDFLAGS="$SAN") >>"$log" 2>&1 \
   && make -C "$build/obj" -s -j"$(nproc)" all tests/unit/test-runner \
          >>"$log" 2>&1; then
    pass "VPATH build with $CC $SAN"
else
    fail "VPATH build with $CC $SAN -- see $log"
    tail -20 "$log"
    finish
fi

reports=$build/reports
rm -rf "$reports"
mkdir -p "$reports"
# A smaller quarantine of freed memory than the default 256 MiB: the
# daemon test checks that its RSS stays below 200 MiB after 8 MiB
# messages, and ASan's bookkeeping must not be what breaks that.
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:quarantine_size_mb=32"
export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$reports/asan"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$reports/ubsan"

# Lines from the suite, prefixed, and counted here.
run_suite() {
    local out=$build/suite.log line
    (cd "$build/obj" \
     && srcdir=../src builddir=. bash ../src/tests/testsuite.sh "$@") \
        >"$out" 2>&1
    while IFS= read -r line; do
        case $line in
        PASS:*|SKIP:*) ;;
        FAIL:*) fail "${line#FAIL: }" ;;
        esac
    done < <(grep '^FAIL: ' "$out")
    local p
    # The per-script "N passed in S s" lines sum up the passes.
    p=$(sed -n 's/^   \([0-9]*\) passed in .*/\1/p' "$out" \
        | awk '{ s += $1 } END { print s + 0 }')
    passed=$((passed + p))
    echo "   $* : $p passed (log $out.$1)"
    cp "$out" "$out.$1"
}

# Unit tests: testsuite.sh runs them only without a pattern, so call the
# runner the way it does.
unit=$build/unit.log
(cd "$build/obj" && srcdir=../src ./tests/unit/test-runner) >"$unit" 2>&1
rc=$?
n=$(grep -c '^\[ *OK *\]' "$unit")
passed=$((passed + n))
grep '^\[  FAILED  \] [^ ]*$' "$unit" | sed 's/^\[  FAILED  \] /unit /' \
    | while IFS= read -r t; do echo "FAIL: asan: $t"; done
nf=$(grep -c '^\[  FAILED  \] [^ ]*$' "$unit")
failed=$((failed + nf))
if [ $rc -ne 0 ] && [ "$nf" -eq 0 ]; then
    fail "unit test runner exited $rc (log $unit)"
    tail -20 "$unit"
fi
echo "   unit: $n passed"

for t in $tests; do
    run_suite "$t"
done

# Any sanitizer report, from any process, is a failure.
for r in "$reports"/*; do
    [ -e "$r" ] || continue
    first=$(grep -m1 -E 'ERROR|runtime error' "$r")
    fail "sanitizer report $(basename "$r"): $first"
    sed -n '1,40p' "$r"
done
finish
