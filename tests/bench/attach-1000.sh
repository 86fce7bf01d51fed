#!/bin/bash
# attach-1000.sh -- benchmark (not a test): attach N TAP ports to one bridge
# the way libvirt does, one vsctl invocation per port, sequentially, then
# detach them; the same against Open vSwitch (ovsdb-server + ovs-vswitchd
# from Debian's openvswitch-switch, datapath_type=netdev) in a private run
# directory.  Prints per-command wall time (median, p99), totals and RSS.
#
# Usage: tests/bench/attach-1000.sh [N] [OPTIONS]
#   N                 number of ports (default 1000)
#   --real-taps       create real TAP devices first (default when root)
#   --no-real-taps    do not
#   --prefix=NAME     TAP/port name prefix (default "vstap": vstap0...)
#   --ours-only       skip Open vSwitch
#   --ovs-only        skip vswitch
#
# Environment: builddir (default: the tree this script is in).
set -u

N=1000
REAL_TAPS=
PREFIX=vstap
RUN_OURS=1
RUN_OVS=1
for arg; do
    case $arg in
        --real-taps) REAL_TAPS=1 ;;
        --no-real-taps) REAL_TAPS=0 ;;
        --prefix=*) PREFIX=${arg#--prefix=} ;;
        --ours-only) RUN_OVS=0 ;;
        --ovs-only) RUN_OURS=0 ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *[!0-9]*|'') echo "$0: unknown argument '$arg'" >&2; exit 1 ;;
        *) N=$arg ;;
    esac
done
if [ -z "$REAL_TAPS" ]; then
    if [ "$(id -u)" = 0 ]; then REAL_TAPS=1; else REAL_TAPS=0; fi
fi
if [ "${#PREFIX}" -gt $((15 - ${#N})) ]; then
    echo "$0: prefix '$PREFIX' too long for $N interface names" >&2
    exit 1
fi

here=$(cd "$(dirname "$0")" && pwd)
: "${builddir:=$here/../..}"
builddir=$(cd "$builddir" && pwd)
VSWITCHD=$builddir/vswitchd/vswitchd
VSCTL=$builddir/utilities/vsctl
for p in "$VSWITCHD" "$VSCTL"; do
    [ -x "$p" ] || { echo "$0: $p not built" >&2; exit 1; }
done
if [ "$RUN_OVS" = 1 ]; then
    for p in ovsdb-tool ovsdb-server ovs-vsctl ovs-vswitchd; do
        command -v "$p" >/dev/null || {
            echo "$0: $p not found; install openvswitch-switch or use --ours-only" >&2
            exit 1; }
    done
    OVS_SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
    [ -r "$OVS_SCHEMA" ] || { echo "$0: $OVS_SCHEMA missing" >&2; exit 1; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vswitch-bench.XXXXXX")
TAPS_CREATED=()
# A bridge name of our own, so that neither switch collides with a host
# interface; OVS's netdev datapath also leaves "ovs-netdev" behind.
BR=vsb$$
export BENCH_BRIDGE=$BR
HAD_OVS_NETDEV=0
ip link show ovs-netdev >/dev/null 2>&1 && HAD_OVS_NETDEV=1

cleanup() {
    local f pid
    for f in "$TMP/ours/run/vswitchd.pid" "$TMP/ovs/ovs-vswitchd.pid" \
             "$TMP/ovs/ovsdb-server.pid"; do
        pid=$(cat "$f" 2>/dev/null) || continue
        [ -n "$pid" ] || continue
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -KILL "$pid" 2>/dev/null
    done
    for t in "${TAPS_CREATED[@]}"; do
        ip link del "$t" 2>/dev/null
    done
    ip link del "$BR" 2>/dev/null
    [ "$HAD_OVS_NETDEV" = 1 ] || ip link del ovs-netdev 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# The timing driver.  argv: LABEL N PREFIX PIDFILES(comma-separated) OUTFILE
# VSCTL-PREFIX...  Runs the attach loop, measures RSS, runs the detach loop,
# writes a JSON summary to OUTFILE.
cat >"$TMP/drive.py" <<'EOF'
import json, os, subprocess, sys, time, uuid

label, n, prefix, pidfiles, outfile = sys.argv[1:6]
n = int(n)
base = sys.argv[6:]
bridge = os.environ["BENCH_BRIDGE"]

def rss_kib():
    total = 0
    for pf in pidfiles.split(","):
        pid = open(pf).read().strip()
        for line in open("/proc/%s/status" % pid):
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total

def run(args):
    t0 = time.perf_counter_ns()
    p = subprocess.run(base + args, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    t1 = time.perf_counter_ns()
    return (t1 - t0) / 1e6, p.returncode, p.stderr.decode(errors="replace")

def loop(what, make_args):
    times, failures, first_err = [], 0, None
    start = time.perf_counter()
    for i in range(n):
        ms, rc, err = run(make_args(i))
        times.append(ms)
        if rc != 0:
            failures += 1
            if first_err is None:
                first_err = "%s port %d: exit %d: %s" % (what, i, rc,
                                                         err.strip()[:300])
        if (i + 1) % max(1, n // 10) == 0:
            print("[progress] %s %s: %d/%d" % (label, what, i + 1, n),
                  file=sys.stderr, flush=True)
    return times, time.perf_counter() - start, failures, first_err

def attach_args(i):
    name = "%s%d" % (prefix, i)
    mac = "52:54:00:%02x:%02x:%02x" % ((i >> 16) & 0xff, (i >> 8) & 0xff,
                                        i & 0xff)
    return ["--timeout=5", "--", "--may-exist", "add-port", bridge, name,
            "--", "set", "Port", name, "other_config:transient=true",
            "--", "set", "Interface", name,
            'external-ids:attached-mac="%s"' % mac,
            "--", "set", "Interface", name,
            "external-ids:iface-id=%s" % uuid.uuid4(),
            "--", "set", "Interface", name,
            "external-ids:vm-id=%s" % uuid.uuid4(),
            "--", "set", "Interface", name,
            "external-ids:iface-status=active"]

def detach_args(i):
    return ["--timeout=5", "--", "--if-exists", "del-port",
            "%s%d" % (prefix, i)]

def pct(v, p):
    s = sorted(v)
    if not s:
        return 0.0
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]

rss0 = rss_kib()
at, at_total, at_fail, at_err = loop("attach", attach_args)
# Count the ports the database really holds.
p = subprocess.run(base + ["list-ports", bridge], capture_output=True,
                   text=True)
ports = len([l for l in p.stdout.splitlines() if l.startswith(prefix)])
time.sleep(0.5)
rss_n = rss_kib()
dt, dt_total, dt_fail, dt_err = loop("detach", detach_args)
p = subprocess.run(base + ["list-ports", bridge], capture_output=True,
                   text=True)
left = len([l for l in p.stdout.splitlines() if l.startswith(prefix)])
json.dump({
    "label": label, "n": n, "ports_after_attach": ports,
    "ports_after_detach": left,
    "attach": {"median": pct(at, 50), "p99": pct(at, 99), "max": max(at),
               "total": at_total, "failures": at_fail, "first_error": at_err},
    "detach": {"median": pct(dt, 50), "p99": pct(dt, 99), "max": max(dt),
               "total": dt_total, "failures": dt_fail, "first_error": dt_err},
    "rss_start_kib": rss0, "rss_n_kib": rss_n,
}, open(outfile, "w"))
EOF

cat >"$TMP/report.py" <<'EOF'
import json, sys
rs = [json.load(open(f)) for f in sys.argv[1:]]
n = rs[0]["n"]
print()
print("Attaching %d TAP ports libvirt-style to one bridge, then detaching "
      "them (one CLI call per port)" % n)
print()
hdr = ("%-22s %-7s %10s %10s %10s %10s %8s %10s"
       % ("implementation", "op", "median ms", "p99 ms", "max ms",
          "total s", "failed", "RSS MiB"))
print(hdr)
print("-" * len(hdr))
for r in rs:
    for op in ("attach", "detach"):
        o = r[op]
        rss = "%.1f" % (r["rss_n_kib"] / 1024.0) if op == "attach" else ""
        print("%-22s %-7s %10.2f %10.2f %10.2f %10.2f %8d %10s"
              % (r["label"], op, o["median"], o["p99"], o["max"], o["total"],
                 o["failures"], rss))
print()
for r in rs:
    print("%s: %d ports present after attach, %d after detach; RSS %.1f MiB "
          "before, %.1f MiB at %d ports"
          % (r["label"], r["ports_after_attach"], r["ports_after_detach"],
             r["rss_start_kib"] / 1024.0, r["rss_n_kib"] / 1024.0, n))
    for op in ("attach", "detach"):
        if r[op]["first_error"]:
            print("  first %s error: %s" % (op, r[op]["first_error"]))
if len(rs) == 2:
    a, b = rs
    print()
    print("ratio (%s / %s):" % (b["label"], a["label"]))
    for op in ("attach", "detach"):
        print("  %s: median %.1fx, p99 %.1fx, total %.1fx"
              % (op, b[op]["median"] / max(a[op]["median"], 1e-9),
                 b[op]["p99"] / max(a[op]["p99"], 1e-9),
                 b[op]["total"] / max(a[op]["total"], 1e-9)))
    print("  RSS at %d ports: %.2fx (%s uses %.0f%% of %s's)"
          % (n, b["rss_n_kib"] / max(a["rss_n_kib"], 1),
             a["label"], 100.0 * a["rss_n_kib"] / max(b["rss_n_kib"], 1),
             b["label"]))
    ok = (a["attach"]["median"] < 5 and a["attach"]["p99"] < 20
          and a["detach"]["median"] < 5 and a["detach"]["p99"] < 20
          and 2 * a["rss_n_kib"] <= b["rss_n_kib"])
    print()
    print("target (median < 5 ms, p99 < 20 ms, RSS <= half of OVS): %s"
          % ("met" if ok else "NOT met"))
EOF

echo "attach-1000: N=$N, real TAP devices: $([ "$REAL_TAPS" = 1 ] && echo yes || echo no), prefix $PREFIX, $(nproc) CPUs"

# ---------------------------------------------------------------------------
# TAP devices, shared by both runs.
if [ "$REAL_TAPS" = 1 ]; then
    for ((i = 0; i < N; i++)); do
        if ip link show "$PREFIX$i" >/dev/null 2>&1; then
            echo "$0: $PREFIX$i already exists; use --prefix=OTHER" >&2
            exit 1
        fi
    done
    echo "creating $N TAP devices..."
    for ((i = 0; i < N; i++)); do
        ip tuntap add dev "$PREFIX$i" mode tap \
            || { echo "$0: cannot create $PREFIX$i" >&2; exit 1; }
        TAPS_CREATED+=("$PREFIX$i")
        ip link set "$PREFIX$i" up
    done
    sleep 2                     # let the kernel settle after 'up'
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

RESULTS=()

# ---------------------------------------------------------------------------
# vswitch.
if [ "$RUN_OURS" = 1 ]; then
    D=$TMP/ours
    mkdir -p "$D/run" "$D/db"
    export VSWITCH_RUNDIR=$D/run VSWITCH_DBDIR=$D/db
    "$VSWITCHD" --detach --pidfile --log-file \
        || { echo "$0: vswitchd did not start" >&2; exit 1; }
    "$VSCTL" --timeout=10 add-br "$BR" \
        || { echo "$0: vsctl add-br $BR failed" >&2; exit 1; }
    echo "running vswitch..."
    python3 "$TMP/drive.py" vswitch "$N" "$PREFIX" "$D/run/vswitchd.pid" \
        "$TMP/ours.json" "$VSCTL" \
        || { echo "$0: vswitch run failed" >&2; exit 1; }
    RESULTS+=("$TMP/ours.json")
    pid=$(cat "$D/run/vswitchd.pid")
    kill -TERM "$pid"
    unset VSWITCH_RUNDIR VSWITCH_DBDIR
fi

# ---------------------------------------------------------------------------
# Open vSwitch.
if [ "$RUN_OVS" = 1 ]; then
    D=$TMP/ovs
    mkdir -p "$D"
    export OVS_RUNDIR=$D OVS_DBDIR=$D OVS_LOGDIR=$D OVS_SYSCONFDIR=$D
    ovsdb-tool create "$D/conf.db" "$OVS_SCHEMA" \
        || { echo "$0: ovsdb-tool create failed" >&2; exit 1; }
    ovsdb-server --remote=punix:"$D/db.sock" --pidfile="$D/ovsdb-server.pid" \
        --unixctl="$D/ovsdb-server.ctl" --detach --no-chdir \
        --log-file="$D/ovsdb-server.log" "$D/conf.db" 2>"$D/ovsdb-server.err" \
        || { cat "$D/ovsdb-server.err" >&2; echo "$0: ovsdb-server did not start" >&2; exit 1; }
    OVSCTL=(ovs-vsctl --db=unix:"$D/db.sock")
    "${OVSCTL[@]}" --no-wait init
    ovs-vswitchd unix:"$D/db.sock" --pidfile="$D/ovs-vswitchd.pid" \
        --unixctl="$D/ovs-vswitchd.ctl" --detach --no-chdir \
        --log-file="$D/ovs-vswitchd.log" 2>"$D/ovs-vswitchd.err" \
        || { cat "$D/ovs-vswitchd.err" >&2; echo "$0: ovs-vswitchd did not start" >&2; exit 1; }
    "${OVSCTL[@]}" --timeout=20 add-br "$BR" -- set Bridge "$BR" \
        datapath_type=netdev \
        || { echo "$0: ovs-vsctl add-br $BR failed" >&2; exit 1; }
    echo "running Open vSwitch $(ovs-vswitchd --version | sed -n '1s/.* //p')..."
    python3 "$TMP/drive.py" "OVS $(ovs-vswitchd --version | sed -n '1s/.* //p')" \
        "$N" "$PREFIX" "$D/ovs-vswitchd.pid,$D/ovsdb-server.pid" \
        "$TMP/ovs.json" "${OVSCTL[@]}" \
        || { echo "$0: OVS run failed" >&2; exit 1; }
    RESULTS+=("$TMP/ovs.json")
    echo "ovs-vswitchd log: $(grep -ciE 'could not open network device|no such device' \
        "$D/ovs-vswitchd.log") port open errors, $(grep -c '|WARN|\||ERR|' \
        "$D/ovs-vswitchd.log") warnings/errors"
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$TMP/report.py" "${RESULTS[@]}"
