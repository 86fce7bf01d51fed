#!/bin/bash
# tap-trace.sh -- benchmark diagnostic (not a test): where the time of a
# TAP-to-TAP transit through vswitch goes, from kernel trace points.
#
# Two TAPs opened as QEMU opens a guest's (tests/bench/taplat.c, pinned to
# CPU 0) are ports of a vswitch bridge whose threads are pinned to CPU 1;
# taplat writes a frame into one every 2 ms and sleeps in poll() on the
# other until it arrives.  perf records, on both CPUs, the writer's
# write(), the forwarding thread's receive system call, the wake-up of the
# reader and its return to the CPU, and the reader's read(); for each
# frame the script prints, in microseconds (median, p90, p99, max):
#   write -> switch receives   tun write, kernel receive, the forwarding
#                              thread's next receive call on the port
#   write -> reader woken      the whole transit through the switch, up to
#                              the transmit into the second TAP (which
#                              wakes the reader)
#   woken -> reader on CPU     the cross-CPU wake-up of the reader
#   on CPU -> read returns     the reader's own path out of poll()
# and taplat's own one-way figures.  The Linux bridge has no wake-up in
# its path (it forwards inside the writer's system call), which is why a
# switch on a CPU of its own cannot match its TAP figures: compare the
# third line with forward.sh's "floor" line.
#
# Usage: tests/bench/tap-trace.sh [--frames N]   (default 1000)
# Needs root, perf, a C compiler; builddir as in forward.sh.
set -u
N=1000
while [ $# -gt 0 ]; do
    case $1 in
        --frames) N=${2:-}; shift ;;
        --frames=*) N=${1#--frames=} ;;
        -h|--help) sed -n '2,/^# Needs/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$0: unknown argument '$1' (try --help)" >&2; exit 1 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "$0: needs root" >&2; exit 1; }
command -v perf >/dev/null || { echo "$0: needs perf" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "$0: needs two CPUs" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
: "${builddir:=$here/../..}"
VSWITCHD=$builddir/vswitchd/vswitchd VSCTL=$builddir/utilities/vsctl

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vswitch-taptrace.XXXXXX")
P=vtt$$
export VSWITCH_RUNDIR=$TMP/run VSWITCH_DBDIR=$TMP/db
mkdir -p "$VSWITCH_RUNDIR" "$VSWITCH_DBDIR"
cleanup() {
    kill $(jobs -p) 2>/dev/null
    wait 2>/dev/null
    [ -s "$VSWITCH_RUNDIR/vswitchd.pid" ] \
        && kill "$(cat "$VSWITCH_RUNDIR/vswitchd.pid")" 2>/dev/null
    sleep 0.2
    for d in "${P}br" "${P}a" "${P}b"; do ip link del "$d" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$TMP/taplat" "$here/taplat.c" || exit 1
"$VSWITCHD" --detach --pidfile --log-file 2>/dev/null || exit 1
"$VSCTL" --timeout=20 add-br "${P}br" || exit 1
taskset -c 0 "$TMP/taplat" "${P}a" "${P}b" "$TMP/ready" "$N" 2000 \
    >"$TMP/taplat.out" 2>&1 &
tp=$!
for _ in $(seq 100); do [ -e "$TMP/ready" ] && break; sleep 0.05; done
"$VSCTL" --timeout=20 add-port "${P}br" "${P}a" -- add-port "${P}br" "${P}b" \
    || exit 1
ip link set "${P}a" up && ip link set "${P}b" up
taskset -a -p -c 1 "$(cat "$VSWITCH_RUNDIR/vswitchd.pid")" >/dev/null
sleep 0.5
secs=$(( N * 2 / 1000 + 2 ))
perf record -q -a -o "$TMP/perf.data" -e sched:sched_wakeup \
    -e sched:sched_switch -e syscalls:sys_enter_write \
    -e syscalls:sys_exit_read -e syscalls:sys_enter_recvmmsg \
    -e syscalls:sys_enter_recvfrom -e syscalls:sys_enter_epoll_wait \
    -- sleep "$secs" >/dev/null 2>&1 &
pp=$!
sleep 0.5
touch "$TMP/ready.go"
wait "$tp"
wait "$pp"
echo "taplat: $(grep '^{' "$TMP/taplat.out")"
perf script -i "$TMP/perf.data" -F comm,tid,cpu,time,event,trace \
    2>/dev/null >"$TMP/trace.txt"
python3 - "$TMP/trace.txt" <<'EOF'
import re, sys

events = []
for line in open(sys.argv[1]):
    m = re.match(r'\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)',
                 line)
    if m:
        comm, tid, cpu, t, ev, rest = m.groups()
        events.append((float(t) * 1e6, comm, int(tid), ev, rest))
readers = [e[2] for e in events if e[1] == "taplat"]
if not readers:
    sys.exit("no taplat events traced")
reader = readers[0]
rows, cur = [], None
for t, comm, tid, ev, rest in events:
    if tid == reader and ev == "syscalls:sys_enter_write":
        cur = {"write": t}
        continue
    if cur is None:
        continue
    if (comm.startswith("pmd") and "recv" not in cur
            and ev in ("syscalls:sys_enter_recvmmsg",
                       "syscalls:sys_enter_recvfrom")):
        cur["recv"] = t
    if (ev == "sched:sched_wakeup" and "pid=%d " % reader in rest
            and comm.startswith("pmd") and "woken" not in cur):
        cur["woken"] = t
    if (ev == "sched:sched_switch" and "next_pid=%d " % reader in rest
            and "woken" in cur and "oncpu" not in cur):
        cur["oncpu"] = t
    if tid == reader and ev == "syscalls:sys_exit_read":
        try:
            ok = int(rest.strip(), 16) < 1 << 32
        except ValueError:
            ok = False
        if ok:
            cur["read"] = t
            rows.append(cur)
            cur = None

def pct(v, p):
    v = sorted(v)
    return v[int(p * (len(v) - 1))]

print("%d frames traced" % len(rows))
for a, b, name in (("write", "recv", "write -> switch receives"),
                   ("write", "woken", "write -> reader woken"),
                   ("woken", "oncpu", "woken -> reader on CPU"),
                   ("oncpu", "read", "on CPU -> read returns"),
                   ("write", "read", "total")):
    v = [r[b] - r[a] for r in rows if a in r and b in r]
    if v:
        print("  %-26s n %5d  median %7.1f  p90 %7.1f  p99 %8.1f  max %8.1f"
              % (name, len(v), pct(v, .5), pct(v, .9), pct(v, .99), max(v)))
print("  frames whose reader was already running (no wake-up): %d"
      % sum(1 for r in rows if "woken" not in r))
EOF
