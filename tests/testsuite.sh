#!/bin/bash
# tests/testsuite.sh -- runs every test and ends with "N passed, M failed".
#
# Usage: tests/testsuite.sh [PATTERN]
#   PATTERN restricts the integration/system scripts to those whose file
#   name contains it.  Unit tests always run unless PATTERN is given.
#
# Unit tests are one cmocka runner; integration tests are the scripts in
# tests/integration/, each printing PASS:/FAIL:/SKIP: lines (tests/lib.sh).
# System tests (namespaces, veths) need root; a script that cannot run says
# SKIP with the reason.
set -u
: "${srcdir:=.}"
: "${builddir:=.}"
export srcdir builddir
pattern=${1:-}
passed=0 failed=0 skipped=0
log=$(mktemp "${TMPDIR:-/tmp}/vswitch-testsuite.XXXXXX")
trap 'rm -f "$log"' EXIT

count() {
    local p f s
    p=$(grep -c '^PASS: ' "$log")
    f=$(grep -c '^FAIL: ' "$log")
    s=$(grep -c '^SKIP: ' "$log")
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

if [ -z "$pattern" ] && [ -x "$builddir/tests/unit/test-runner" ]; then
    echo "== unit tests"
    "$builddir/tests/unit/test-runner" >"$log" 2>&1
    rc=$?
    # cmocka prints "[       OK ] name" and "[  FAILED  ] name" per test.
    sed -n -e 's/^\[ *OK *\] \(.*\)/PASS: unit \1/p' \
           -e 's/^\[  FAILED  \] \([^ ]*\)$/FAIL: unit \1/p' "$log" \
        > "$log.r"
    if [ $rc -ne 0 ] && ! grep -q '^FAIL' "$log.r"; then
        echo "FAIL: unit test runner exited $rc" >> "$log.r"
        cat "$log"
    fi
    grep '^FAIL' "$log.r"
    mv "$log.r" "$log"
    echo "$(grep -c '^PASS' "$log") unit tests passed"
    count
fi

for t in "$srcdir"/tests/integration/*.sh; do
    name=$(basename "$t" .sh)
    case $name in *"$pattern"*) ;; *) continue ;; esac
    echo "== $name"
    start=$(date +%s)
    bash "$t" >"$log" 2>&1
    rc=$?
    grep -E '^(FAIL|SKIP): ' "$log"
    if [ $rc -ne 0 ] && ! grep -q '^FAIL: ' "$log"; then
        echo "FAIL: $name exited $rc" | tee -a "$log"
        tail -20 "$log"
    fi
    echo "   $(grep -c '^PASS: ' "$log") passed in $(( $(date +%s) - start ))s"
    count
done

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
