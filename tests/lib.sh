# tests/lib.sh -- shared helpers for integration and system tests.
#
# A test script sources this file, calls vs_start to run a private
# vswitchd (its own run and database directories under a temporary
# directory, so several can run side by side), and records results with
# the check_* functions.  Everything the script created is removed on
# exit, even when it fails.  Each result is one line on stdout:
#
#     PASS: name
#     FAIL: name -- what was expected, what was seen
#     SKIP: name -- why
#
# tests/testsuite.sh counts these lines.

set -u

: "${builddir:=.}"
: "${srcdir:=.}"
VSWITCHD=$(cd "$builddir" && pwd)/vswitchd/vswitchd
VSCTL=$(cd "$builddir" && pwd)/utilities/vsctl
VSAPPCTL=$(cd "$builddir" && pwd)/utilities/vsappctl
TESTS_SRCDIR=$(cd "$srcdir" && pwd)/tests

VS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vswitch-test.XXXXXX")
export VSWITCH_RUNDIR=$VS_TMP/run
export VSWITCH_DBDIR=$VS_TMP/db
VS_CLEANUP=()

vs_cleanup() {
    local i
    for ((i = ${#VS_CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${VS_CLEANUP[i]}" >/dev/null 2>&1 || true
    done
    vs_stop >/dev/null 2>&1 || true
    rm -rf "$VS_TMP"
}
trap vs_cleanup EXIT
trap 'exit 130' INT TERM

# Registers a shell command to run at exit (in reverse order).
on_exit() {
    VS_CLEANUP+=("$1")
}

vsctl() { "$VSCTL" "$@"; }
vsappctl() { "$VSAPPCTL" "$@"; }

# Starts vswitchd in the background and waits until it serves.  Unless
# the script sets VS_REAL_NETDEVS=1 first, every interface is a dummy port
# (--enable-dummy=override): control-plane tests then need no kernel
# devices and cannot collide with interfaces of the host.
vs_start() {
    local dummy=--enable-dummy=override
    [ "${VS_REAL_NETDEVS:-0}" = 1 ] && dummy=
    mkdir -p "$VSWITCH_RUNDIR" "$VSWITCH_DBDIR"
    "$VSWITCHD" --detach --pidfile --log-file $dummy "$@" \
        || { echo "FAIL: vswitchd did not start"; return 1; }
}

vs_pid() {
    cat "$VSWITCH_RUNDIR/vswitchd.pid" 2>/dev/null
}

# Stops vswitchd with SIGTERM and waits for it to exit.
vs_stop() {
    local pid
    pid=$(vs_pid) || return 0
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null
    return 1
}

vs_log() {
    cat "$VSWITCH_RUNDIR/vswitchd.log" 2>/dev/null
}

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1 -- $2"; }
skip() { echo "SKIP: $1 -- $2"; }

# dpdk_hugepages: makes 2 MiB huge pages available for a DPDK test through
# tools/hugepages (the same as tools/run-tests and CI use); false if fewer
# than 128 are free afterwards (the caller skips).
dpdk_free_hugepages() {
    cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null \
        || echo 0
}
dpdk_hugepages() {
    HUGEPAGES=256 "${srcdir:-.}/tools/hugepages" >/dev/null 2>&1
    [ "$(dpdk_free_hugepages)" -ge 128 ]
}

# check NAME CMD...: CMD must exit 0.
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then
        pass "$name"
    else
        fail "$name" "exit $?: $out"
    fi
}

# check_output NAME EXPECTED CMD...: CMD must exit 0 and print EXPECTED.
check_output() {
    local name=$1 expected=$2 out rc
    shift 2
    out=$("$@" 2>"$VS_TMP/stderr")
    rc=$?
    if [ $rc -eq 0 ] && [ "$out" = "$expected" ]; then
        pass "$name"
    else
        fail "$name" "exit $rc; expected <<$expected>> got <<$out>> stderr <<$(cat "$VS_TMP/stderr")>>"
    fi
}

# check_error NAME RC SUBSTRING CMD...: CMD must exit RC with SUBSTRING
# in its standard error.
check_error() {
    local name=$1 want_rc=$2 substr=$3 rc
    shift 3
    "$@" >"$VS_TMP/stdout" 2>"$VS_TMP/stderr"
    rc=$?
    if [ $rc -eq "$want_rc" ] && grep -qF -- "$substr" "$VS_TMP/stderr"; then
        pass "$name"
    else
        fail "$name" "expected exit $want_rc with <<$substr>>; got exit $rc, stderr <<$(cat "$VS_TMP/stderr")>>"
    fi
}

# check_true NAME CONDITION-CMD...: like check, but for test expressions;
# returns the condition's status, so a test can stop a phase early.
check_true() {
    local name=$1
    shift
    if "$@"; then
        pass "$name"
    else
        fail "$name" "condition failed: $*"
        return 1
    fi
}

# A dump of the whole database, for "nothing changed" assertions.  It
# leaves out Interface statistics, the one column the daemon rewrites on
# its own timer (stats-update-interval): on a slow machine a refresh can
# fall between the two dumps of a comparison.
db_dump() {
    local t cols
    cols=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(",".join(["_uuid"] + sorted(c for c in s["tables"]["Interface"]["columns"]
                                  if c != "statistics")))' \
        "${srcdir:-.}/vswitchd/vswitch.ovsschema")
    if [ -z "$cols" ]; then
        echo "db_dump: cannot read the Interface columns from the schema" >&2
        return 1
    fi
    for t in Open_vSwitch Bridge Port Interface Mirror NetFlow sFlow IPFIX \
             QoS Queue; do
        echo "== $t"
        if [ "$t" = Interface ]; then
            "$VSCTL" --format=csv --columns="$cols" list "$t" | sort
        else
            "$VSCTL" --format=csv list "$t" | sort
        fi
    done
}

# Datapath introspection, shared by the datapath tests.

# drop_count REASON: the datapath-wide count for drop reason REASON.
drop_count() {
    vsappctl dpif/show 2>/dev/null | awk -v r="$1" '
        /^drops by reason:/ { f = 1; next }
        f && $1 == r { n = $2 }
        END { print n + 0 }'
}

# port_drop PORT REASON: PORT's count for REASON in dpif/show (0 if none).
port_drop() {
    vsappctl dpif/show | awk -v p="$1" -v r="$2" '
        $2 ~ /^[0-9]+:$/ { f = ($1 == p); next }
        /^drops by reason:/ { f = 0 }
        f && $1 == r { n = $2 }
        END { print n + 0 }'
}

# fdb BR MAC: "PORT VLAN" of every fdb/show entry for MAC.
fdb() {
    vsappctl fdb/show "$1" 2>/dev/null | awk -v m="$2" '$3 == m { print $1, $2 }'
}

# fdb_stat BR WORD: a number from fdb/stats-show: "current", "max",
# "learned", "expired", "evicted" or "moved".
fdb_stat() {
    vsappctl fdb/stats-show "$1" 2>/dev/null | awk -v w="$2" '
        /Current\/maximum/ { split($NF, a, "/");
                             if (w == "current") print a[1];
                             if (w == "max") print a[2] }
        $0 ~ "number of " w " MAC" || ($0 ~ "port moved" && w == "moved") \
            { print $NF }'
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_for() {
    local secs=$1 i
    shift
    for ((i = 0; i < secs * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    "$@"
}

# Frames, for the datapath tests that inject them into dummy ports.

# payload N: N bytes 00 01 02 ... ff 00 01 ..., in hex.
payload() {
    local i b s=
    for ((i = 0; i < $1; i++)); do
        printf -v b '%02x' $((i & 255))
        s+=$b
    done
    printf '%s' "$s"
}

# frame DST SRC [TAGS] [ETHERTYPE] [PAYLOAD_LEN]: prints an Ethernet frame
# (no FCS) in hex.
#   TAGS       "-" for none, or a comma-separated list, outermost first, of
#              [TPID:]VID[/PCP]: "10", "10/3" (PCP 3), "0/5" (a priority
#              tag), "88a8:100,10" (802.1ad outer tag over an 802.1Q tag).
#   ETHERTYPE  4 hex digits; default 88b5 (local experimental), so that no
#              layer-3 processing can get in the way.
#   PAYLOAD_LEN  default 46, the minimum untagged frame (60 bytes), so
#              that removing a tag never calls for padding.
frame() {
    local dst=${1//:/} src=${2//:/} tags=${3:--} type=${4:-88b5}
    local len=${5:-46} out t tpid vid pcp b
    local -a tl
    out=$dst$src
    if [ "$tags" != - ]; then
        IFS=, read -ra tl <<<"$tags"
        for t in "${tl[@]}"; do
            tpid=8100
            case $t in *:*) tpid=${t%%:*}; t=${t#*:} ;; esac
            vid=${t%%/*}
            pcp=0
            case $t in */*) pcp=${t#*/} ;; esac
            printf -v b '%s%04x' "$tpid" $(( (pcp << 13) | vid ))
            out+=$b
        done
    fi
    printf '%s%s%s\n' "$out" "$type" "$(payload "$len")"
}

# dpdk_test_ready NAME TYPE: after vs_start, whether this vswitchd offers
# interface type TYPE (a DPDK build) and 2 MiB huge pages can be had;
# if not, reports NAME skipped with the reason and returns 1 (the test
# then exits 0).
dpdk_test_ready() {
    if ! "$VSCTL" get Open_vSwitch . iface_types | grep -qw "$2"; then
        skip "$1" "vswitchd was built without DPDK (install libdpdk-dev)"
        return 1
    fi
    if ! dpdk_hugepages; then
        skip "$1" "cannot reserve 2 MiB huge pages ($(dpdk_free_hugepages) free)"
        return 1
    fi
}

# testpmd_stop: stops the dpdk-testpmd of $TP_PID (SIGINT, so that it
# prints its totals into $TP_LOG; SIGKILL after 5 s).
testpmd_stop() {
    kill -INT "$TP_PID" 2>/dev/null
    for _ in $(seq 50); do
        kill -0 "$TP_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$TP_PID" 2>/dev/null
    wait "$TP_PID" 2>/dev/null
}

# testpmd_rx: the frames a stopped testpmd received on all its ports, from
# its final statistics in $TP_LOG.
testpmd_rx() {
    awk '/Accumulated forward statistics for all ports/ { f = 1 }
         f && /RX-packets:/ { print $2; exit }' "$TP_LOG"
}

# veth_into_ns VETH NS ADDR/LEN: a veth pair whose end VETH stays here, up,
# and whose peer VETHp is in namespace NS, up, with address ADDR/LEN (and
# NS's loopback up).  The caller registers the deletion (on_exit).
veth_into_ns() {
    ip link add "$1" type veth peer name "${1}p" &&
        ip link set "${1}p" netns "$2" &&
        ip link set "$1" up &&
        ip -n "$2" addr add "$3" dev "${1}p" &&
        ip -n "$2" link set "${1}p" up &&
        ip -n "$2" link set lo up
}
