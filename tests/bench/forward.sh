#!/bin/bash
# forward.sh -- benchmark (not a test): forwarding rate and latency of a
# switch between two network namespaces on veths, for the Linux bridge,
# Open vSwitch's userspace ("netdev") datapath and vswitch, in one run.
#
#   sender ns  eth0 ==veth== host end -> SWITCH -> host end ==veth== eth0  receiver ns
#
# For each implementation, on a fresh topology:
#   - ping RTT: 'ping -c N -i 0.002' from sender to receiver (a ping every
#     2 ms), median, p99 and p99.9 in us (measured first, with no other
#     load), and the switch process's CPU use during those pings and
#     during 2 s with no traffic, in % of one CPU (the Linux bridge has no
#     process: "-");
#   - TAP one-way transit: two TAPs opened the way QEMU opens a guest's
#     (IFF_VNET_HDR) are added to the switch; tests/bench/taplat.c writes
#     a timestamped frame into one every 2 ms and reads it from the other:
#     median, p99, p99.9 of the transit in us, and frames lost;
#   - first, the floor under the TAP figure of a switch on a CPU of its
#     own: tests/bench/wakelat.c wakes a reader sleeping in poll() on CPU
#     0 from a thread on CPU 1 every 2 ms (one such wake-up is in every
#     TAP transit through a switch on CPU 1, none in the Linux bridge's,
#     which forwards inside the writer's own system call);
#   - rate: trafgen (netsniff-ng) sends 64-byte UDP frames (60 bytes + FCS)
#     as fast as it can for S seconds; offered = frames that left the
#     sender's eth0 (tx_packets + tx_dropped), delivered = frames that
#     reached the receiver's eth0 (rx_packets).  The frames go to an
#     address the receiver does not own, so its stack drops them cheaply.
# With two or more CPUs the switch's process (every thread) is pinned to
# CPU 1 and the pings, the TAP writer/reader and trafgen to CPU 0 (--no-pin
# turns that off); the kernel's veth work runs where it is raised, so the
# figures are relative: compare implementations within one run.
#
# Usage: tests/bench/forward.sh [--seconds N] [--only=NAME[,NAME]]
#                               [--pings N]
#   --seconds N   trafgen run per implementation (default 10)
#   --only=NAMES  linux, ovs, vswitch, linux-span, ovs-span, vswitch-span,
#                 vswitch-netflow, vswitch-both (default: the first three;
#                 X-span is X with a SPAN mirror of all traffic to a third
#                 veth, vswitch-netflow exports every flow with NetFlow v9
#                 to a local UDP sink, vswitch-both does both: what
#                 mirroring and flow export cost)
#   --pings N     pings and TAP frames for the latency figures (default
#                 2000, 4 s each at one every 2 ms)
#   --no-pin      do not pin the switch and the traffic to CPUs
#   --main-cpu=N  then move the switch's main thread to CPU N
#   --perf=DIR    record a profile of the switch's CPU (perf record -g)
#                 during each rate run, into DIR/NAME.data
# Needs root, iproute2, trafgen; OVS needs openvswitch-switch (3.1).
# Environment: builddir (default: the tree this script is in).
set -u

SECS=10
ONLY=linux,ovs,vswitch
PINGS=2000
PIN=1
MAIN_CPU=
PERF_DIR=
[ "$(nproc)" -ge 2 ] || PIN=0
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) SECS=${2:-}; shift ;;
        --seconds=*) SECS=${1#--seconds=} ;;
        --only=*) ONLY=${1#--only=} ;;
        --only) ONLY=${2:-}; shift ;;
        --pings=*) PINGS=${1#--pings=} ;;
        --pings) PINGS=${2:-}; shift ;;
        --no-pin) PIN=0 ;;
        --main-cpu=*) MAIN_CPU=${1#--main-cpu=} ;;
        --perf=*) PERF_DIR=${1#--perf=} ;;
        -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$0: unknown argument '$1' (try --help)" >&2; exit 1 ;;
    esac
    shift
done
case $SECS in ''|*[!0-9]*|0) echo "$0: --seconds wants a positive integer" >&2; exit 1 ;; esac
case $PINGS in ''|*[!0-9]*|0) echo "$0: --pings wants a positive integer" >&2; exit 1 ;; esac
for name in ${ONLY//,/ }; do
    case $name in linux|ovs|vswitch|linux-span|ovs-span|vswitch-span|vswitch-netflow|vswitch-both) ;;
        *) echo "$0: unknown implementation '$name' (linux, ovs, vswitch, linux-span, ovs-span, vswitch-span, vswitch-netflow, vswitch-both)" >&2
           exit 1 ;;
    esac
done

if [ "$(id -u)" != 0 ]; then
    echo "$0: needs root (namespaces, veths, bridges)" >&2
    exit 1
fi
for p in ip trafgen ping python3 taskset cc; do
    command -v $p >/dev/null || { echo "$0: $p not found" >&2; exit 1; }
done

. "$(dirname "$0")/bench-lib.sh"
VSWITCHD=$builddir/vswitchd/vswitchd
VSCTL=$builddir/utilities/vsctl
if want vswitch; then
    for p in "$VSWITCHD" "$VSCTL"; do
        [ -x "$p" ] || { echo "$0: $p not built" >&2; exit 1; }
    done
fi
OVS_SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
if want ovs; then
    for p in ovsdb-tool ovsdb-server ovs-vsctl ovs-vswitchd; do
        command -v $p >/dev/null || {
            echo "$0: $p not found; install openvswitch-switch or use --only" >&2
            exit 1; }
    done
    [ -r "$OVS_SCHEMA" ] || { echo "$0: $OVS_SCHEMA missing" >&2; exit 1; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vswitch-fwd.XXXXXX")
cc -O2 -o "$TMP/taplat" "$here/taplat.c" || { echo "$0: cannot build taplat" >&2; exit 1; }
cc -O2 -pthread -o "$TMP/wakelat" "$here/wakelat.c" || { echo "$0: cannot build wakelat" >&2; exit 1; }
P=vfb$$                         # Prefix of every name this run creates.
NS_S=$P-s NS_R=$P-r
H_S=${P}s H_R=${P}r             # Host ends of the veths.
MAC_S=02:fb:00:00:00:01 MAC_R=02:fb:00:00:00:02
IP_S=192.168.251.1 IP_R=192.168.251.2 IP_NOWHERE=192.168.251.99


topology_down() {
    ip netns del "$NS_S" 2>/dev/null
    ip netns del "$NS_R" 2>/dev/null
    ip link del "$H_S" 2>/dev/null
    ip link del "$H_R" 2>/dev/null
}

cleanup() {
    local f
    for f in "$TMP/vs/run/vswitchd.pid" "$TMP/ovs/ovs-vswitchd.pid" \
             "$TMP/ovs/ovsdb-server.pid" "$TMP/sink.pid"; do
        stop_pidfile "$f"
    done
    ip link del "${P}br" 2>/dev/null
    ip link del "${P}o" 2>/dev/null
    ip link del "${P}v" 2>/dev/null
    ip link del "${P}ta" 2>/dev/null
    ip link del "${P}tb" 2>/dev/null
    # OVS's netdev datapath leaves its "ovs-netdev" TAP behind.
    [ "$HAD_OVS_NETDEV" = 1 ] || ip link del ovs-netdev 2>/dev/null
    topology_down
    rm -rf "$TMP"
}

HAD_OVS_NETDEV=0
ip link show ovs-netdev >/dev/null 2>&1 && HAD_OVS_NETDEV=1
trap cleanup EXIT
trap 'exit 130' INT TERM

# topology_up: two namespaces, each with eth0 (fixed MAC, IPv4, no IPv6)
# whose veth peer is a host interface, up and unattached.
topology_up() {
    local ns h mac ip
    topology_down
    for x in "$NS_S $H_S $MAC_S $IP_S" "$NS_R $H_R $MAC_R $IP_R"; do
        set -- $x
        ns=$1 h=$2 mac=$3 ip=$4
        ip netns add "$ns" || return 1
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1
        ip link add "$h" type veth peer name eth0 netns "$ns" || return 1
        sysctl -qw "net.ipv6.conf.$h.disable_ipv6=1"
        ip -n "$ns" link set eth0 address "$mac"
        ip -n "$ns" addr add "$ip/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
        ip link set "$h" up
    done
}

nsstat() { ip netns exec "$1" cat "/sys/class/net/eth0/statistics/$2"; }

# The three switches: attach_NAME connects $H_S and $H_R, detach_NAME
# undoes it.
attach_linux() {
    ip link add "${P}br" type bridge || return 1
    ip link set "$H_S" master "${P}br" && ip link set "$H_R" master "${P}br" \
        && ip link set "${P}br" up
}
detach_linux() { ip link del "${P}br" 2>/dev/null; }

OVSCTL=(ovs-vsctl --db=unix:"$TMP/ovs/db.sock" --timeout=20)
attach_ovs() {
    local d=$TMP/ovs
    rm -rf "$d"
    mkdir -p "$d"
    export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d OVS_SYSCONFDIR=$d
    ovsdb-tool create "$d/conf.db" "$OVS_SCHEMA" || return 1
    ovsdb-server --remote=punix:"$d/db.sock" --pidfile="$d/ovsdb-server.pid" \
        --unixctl="$d/ovsdb-server.ctl" --detach --no-chdir \
        --log-file="$d/ovsdb-server.log" "$d/conf.db" \
        2>>"$d/console.log" || return 1
    "${OVSCTL[@]}" --no-wait init || return 1
    ovs-vswitchd unix:"$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
        --unixctl="$d/ovs-vswitchd.ctl" --detach --no-chdir \
        --log-file="$d/ovs-vswitchd.log" 2>>"$d/console.log" || return 1
    "${OVSCTL[@]}" add-br "${P}o" -- set Bridge "${P}o" datapath_type=netdev \
        -- add-port "${P}o" "$H_S" -- add-port "${P}o" "$H_R"
}
detach_ovs() {
    stop_pidfile "$TMP/ovs/ovs-vswitchd.pid"
    stop_pidfile "$TMP/ovs/ovsdb-server.pid"
    ip link del "${P}o" 2>/dev/null
    unset OVS_RUNDIR OVS_DBDIR OVS_LOGDIR OVS_SYSCONFDIR
}
ovs_version() { ovs-vswitchd --version | sed -n '1s/.* //p'; }

attach_vswitch() {
    local d=$TMP/vs
    rm -rf "$d"
    mkdir -p "$d/run" "$d/db"
    export VSWITCH_RUNDIR=$d/run VSWITCH_DBDIR=$d/db
    "$VSWITCHD" --detach --pidfile --log-file 2>>"$d/console.log" || return 1
    "$VSCTL" --timeout=20 add-br "${P}v" -- add-port "${P}v" "$H_S" \
        -- add-port "${P}v" "$H_R"
}
# Each switch with a SPAN mirror of everything to a third veth, whose
# peer is up and drops what it gets (frames addressed to others): what a
# mirror costs each of them.  The Linux bridge mirrors with tc (u32
# match-all, mirred) on the ingress of both its ports.
span_dest_up() {
    ip link add "${P}m" type veth peer name "${P}mp" || return 1
    sysctl -qw "net.ipv6.conf.${P}m.disable_ipv6=1" \
        "net.ipv6.conf.${P}mp.disable_ipv6=1"
    ip link set "${P}mp" up && ip link set "${P}m" up
}
span_dest_down() { ip link del "${P}m" 2>/dev/null; }
attach_linux-span() {
    attach_linux && span_dest_up || return 1
    for h in "$H_S" "$H_R"; do
        tc qdisc add dev "$h" clsact && tc filter add dev "$h" ingress \
            protocol all u32 match u32 0 0 \
            action mirred egress mirror dev "${P}m" || return 1
    done
}
detach_linux-span() { detach_linux; span_dest_down; }
attach_ovs-span() {
    attach_ovs && span_dest_up || return 1
    "${OVSCTL[@]}" add-port "${P}o" "${P}m" \
        -- --id=@m get Port "${P}m" \
        -- --id=@x create Mirror name=all select_all=true output_port=@m \
        -- add Bridge "${P}o" mirrors @x >/dev/null
}
detach_ovs-span() { detach_ovs; span_dest_down; }
attach_vswitch-span() {
    attach_vswitch && span_dest_up || return 1
    "$VSCTL" --timeout=20 add-port "${P}v" "${P}m" \
        -- --id=@m get Port "${P}m" \
        -- --id=@x create Mirror name=all select_all=true output_port=@m \
        -- add Bridge "${P}v" mirrors @x >/dev/null
}
detach_vswitch-span() { detach_vswitch; span_dest_down; }
# vswitch exporting every flow with NetFlow v9 to a local collector (a
# UDP sink), and that plus the SPAN mirror: issue 8's overhead figures.
start_sink() {
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 29995))
while True:
    s.recv(65535)' &
    echo $! >"$TMP/sink.pid"
}
stop_sink() { stop_pidfile "$TMP/sink.pid"; }
attach_vswitch-netflow() {
    attach_vswitch || return 1
    start_sink
    "$VSCTL" --timeout=20 -- set Bridge "${P}v" netflow=@nf \
        -- --id=@nf create NetFlow targets='"127.0.0.1:29995"' \
        other_config:version=9 >/dev/null
}
detach_vswitch-netflow() { detach_vswitch; stop_sink; }
attach_vswitch-both() {
    attach_vswitch-span || return 1
    start_sink
    "$VSCTL" --timeout=20 -- set Bridge "${P}v" netflow=@nf \
        -- --id=@nf create NetFlow targets='"127.0.0.1:29995"' \
        other_config:version=9 >/dev/null
}
detach_vswitch-both() { detach_vswitch-span; stop_sink; }
detach_vswitch() {
    stop_pidfile "$TMP/vs/run/vswitchd.pid"
    ip link del "${P}v" 2>/dev/null
    unset VSWITCH_RUNDIR VSWITCH_DBDIR
}

cat >"$TMP/trafgen.cfg" <<EOF
{
  eth(da=$MAC_R, sa=$MAC_S, type=0x0800),
  ipv4(saddr=$IP_S, daddr=$IP_NOWHERE, ttl=64),
  udp(sp=9, dp=9),
  fill(0x00, 18),
}
EOF

# switch_pid NAME: the switch's process, if it has one.
switch_pid() {
    case $1 in
        ovs*) cat "$TMP/ovs/ovs-vswitchd.pid" 2>/dev/null ;;
        vswitch*) cat "$TMP/vs/run/vswitchd.pid" 2>/dev/null ;;
    esac
}

# on_cpu0 CMD...: runs CMD on CPU 0 when pinning.
on_cpu0() {
    if [ "$PIN" = 1 ]; then
        taskset -c 0 "$@"
    else
        "$@"
    fi
}

# pin_switch NAME: moves every thread of the switch's process to CPU 1
# (with --main-cpu=N, then its main thread to CPU N: to see what the main
# thread's work does to the forwarding thread's latency).
pin_switch() {
    local pid
    pid=$(switch_pid "$1")
    [ "$PIN" = 1 ] && [ -n "$pid" ] && taskset -a -p -c 1 "$pid" >/dev/null
    [ "$PIN" = 1 ] && [ -n "$pid" ] && [ -n "$MAIN_CPU" ] \
        && taskset -p -c "$MAIN_CPU" "$pid" >/dev/null
    return 0
}

# tap_port NAME ADD|DEL TAP: attaches or detaches a TAP to the switch.
tap_port() {
    case $1:$2 in
        linux*:add) ip link set "$3" master "${P}br" && ip link set "$3" up ;;
        linux*:del) ip link set "$3" nomaster ;;
        ovs*:add) "${OVSCTL[@]}" add-port "${P}o" "$3" && ip link set "$3" up ;;
        ovs*:del) "${OVSCTL[@]}" del-port "${P}o" "$3" ;;
        vswitch*:add) "$VSCTL" --timeout=20 add-port "${P}v" "$3" \
                         && ip link set "$3" up ;;
        vswitch*:del) "$VSCTL" --timeout=20 del-port "${P}v" "$3" ;;
    esac
}

# measure_tap NAME: one-way transit between two QEMU-like TAPs through the
# switch; prints taplat's JSON line (or an error object).
measure_tap() {
    local name=$1 ready=$TMP/taplat.ready pid out=
    rm -f "$ready" "$ready.go"
    on_cpu0 "$TMP/taplat" "${P}ta" "${P}tb" "$ready" "$PINGS" 2000 \
        >"$TMP/taplat.out" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        [ -e "$ready" ] && break
        sleep 0.05
    done
    if tap_port "$name" add "${P}ta" >/dev/null 2>&1 \
            && tap_port "$name" add "${P}tb" >/dev/null 2>&1; then
        pin_switch "$name"
        sleep 0.5
        touch "$ready.go"
        wait "$pid"
        out=$(grep '^{' "$TMP/taplat.out")
    else
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    tap_port "$name" del "${P}ta" >/dev/null 2>&1
    tap_port "$name" del "${P}tb" >/dev/null 2>&1
    if [ -n "$out" ]; then
        echo "$out"
    else
        echo '{"error": "TAPs not attached"}'
    fi
}

# cpu_ticks NAME: CPU time (clock ticks, user + system) the switch's
# process has used so far; empty for the Linux bridge (it runs in the
# kernel, on the sender's CPU).
cpu_ticks() {
    local pidfile pid
    case $1 in
        ovs*) pidfile=$TMP/ovs/ovs-vswitchd.pid ;;
        vswitch*) pidfile=$TMP/vs/run/vswitchd.pid ;;
        *) return 0 ;;
    esac
    pid=$(cat "$pidfile" 2>/dev/null) || return 0
    awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null
}

# cpu_percent NAME TICKS0 T0: the switch process's CPU use since TICKS0
# (cpu_ticks) and time T0 (date +%s.%N), in % of one CPU; "null" if none.
cpu_percent() {
    local ticks1 t1
    ticks1=$(cpu_ticks "$1") t1=$(date +%s.%N)
    if [ -z "$2" ] || [ -z "$ticks1" ]; then
        echo null
        return
    fi
    awk -v a="$2" -v b="$ticks1" -v t0="$3" -v t1="$t1" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.1f\n", 100 * (b - a) / hz / (t1 - t0) }'
}

# measure LABEL NAME: ping warm-up (learning), RTT, then the trafgen run;
# appends a JSON line to $TMP/results.  Also the switch's CPU use while
# the pings run (100 a second) and while nothing is sent (2 s).
measure() {
    local label=$1 name=$2 ok=0 t0 t1 tx0 txd0 rx0 tx1 txd1 rx1
    local c0 ct0 cpu_ping cpu_idle tap
    pin_switch "$name"
    for _ in $(seq 20); do
        if ip netns exec "$NS_S" ping -q -c 1 -W 1 "$IP_R" >/dev/null 2>&1; then
            ok=1
            break
        fi
        sleep 0.5
    done
    if [ $ok = 0 ]; then
        echo "  $label: no ping through the switch; skipped" >&2
        printf '{"label": "%s", "error": "no connectivity"}\n' "$label" \
            >>"$TMP/results"
        return 1
    fi
    ip netns exec "$NS_S" ping -c 20 -i 0.01 -W 1 "$IP_R" >/dev/null 2>&1
    c0=$(cpu_ticks "$name") ct0=$(date +%s.%N)
    on_cpu0 ip netns exec "$NS_S" ping -c "$PINGS" -i 0.002 -W 1 "$IP_R" \
        >"$TMP/ping.$name" 2>&1
    cpu_ping=$(cpu_percent "$name" "$c0" "$ct0")
    sleep 0.1                   # Past the forwarding threads' idle spin.
    c0=$(cpu_ticks "$name") ct0=$(date +%s.%N)
    sleep 2
    cpu_idle=$(cpu_percent "$name" "$c0" "$ct0")
    tap=$(measure_tap "$name")
    tx0=$(nsstat "$NS_S" tx_packets) txd0=$(nsstat "$NS_S" tx_dropped)
    rx0=$(nsstat "$NS_R" rx_packets)
    local perf_pid=
    if [ -n "$PERF_DIR" ]; then
        mkdir -p "$PERF_DIR"
        perf record -q -g $([ "$PIN" = 1 ] && echo -C 1 || echo -a) \
            -o "$PERF_DIR/$name.data" -- sleep "$SECS" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    t0=$(date +%s.%N)
    on_cpu0 ip netns exec "$NS_S" timeout -s INT "$SECS" trafgen -o eth0 \
        -i "$TMP/trafgen.cfg" -P 1 --no-sock-mem -Q -C \
        >"$TMP/trafgen.$name" 2>&1
    t1=$(date +%s.%N)
    [ -n "$perf_pid" ] && wait "$perf_pid"
    sleep 1                     # Let queued frames drain.
    tx1=$(nsstat "$NS_S" tx_packets) txd1=$(nsstat "$NS_S" tx_dropped)
    rx1=$(nsstat "$NS_R" rx_packets)
    python3 - "$label" "$TMP/ping.$name" "$t0" "$t1" \
        $((tx1 + txd1 - tx0 - txd0)) $((rx1 - rx0)) "$cpu_ping" "$cpu_idle" \
        "$tap" >>"$TMP/results" <<'EOF'
import json, re, sys
label, pingf, t0, t1, offered, delivered, cpu_ping, cpu_idle, tap = \
    sys.argv[1:10]
rtts = sorted(float(m) * 1000 for m in
              re.findall(r"time=([0-9.]+) ms", open(pingf).read()))
def pct(p):
    return rtts[min(len(rtts) - 1, int(p * (len(rtts) - 1) + 0.5))] \
        if rtts else None
secs = float(t1) - float(t0)
print(json.dumps({
    "label": label, "secs": secs,
    "offered": int(offered), "delivered": int(delivered),
    "rtt_median_us": pct(0.5), "rtt_p99_us": pct(0.99),
    "rtt_p999_us": pct(0.999), "pings": len(rtts),
    "tap": json.loads(tap),
    "cpu_ping_pct": json.loads(cpu_ping), "cpu_idle_pct": json.loads(cpu_idle)}))
EOF
}

# run NAME LABEL: one implementation on a fresh topology.
run() {
    local name=$1 label=$2
    echo "== $label"
    if ! topology_up; then
        echo "  could not build the namespaces" >&2
        return 1
    fi
    if "attach_$name"; then
        measure "$label" "$name"
        tail -n1 "$TMP/results" | sed 's/^/  /'
    else
        echo "  $label: could not attach the ports" >&2
        printf '{"label": "%s", "error": "attach failed"}\n' "$label" \
            >>"$TMP/results"
    fi
    "detach_$name"
    topology_down
}

echo "forward: 64-byte UDP frames, namespace to namespace over veths," \
     "$SECS s per switch; latency from $PINGS pings and TAP frames 2 ms" \
     "apart; $(nproc) CPUs, switch pinned: $([ $PIN = 1 ] && echo CPU 1 || echo no);" \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$TMP/results"
if [ "$PIN" = 1 ]; then
    echo "== floor: cross-CPU wake-up of a sleeping reader (wakelat)"
    "$TMP/wakelat" "$PINGS" 2000 0 1 | tee "$TMP/wakelat.out" | sed 's/^/  /'
fi
want linux && run linux "Linux bridge"
want ovs && run ovs "OVS $(ovs_version) netdev"
want vswitch && run vswitch "vswitch"
want linux-span && run linux-span "Linux bridge, SPAN (tc mirred)"
want ovs-span && run ovs-span "OVS $(ovs_version) netdev, SPAN"
want vswitch-span && run vswitch-span "vswitch, SPAN of all traffic"
want vswitch-netflow && run vswitch-netflow "vswitch, NetFlow v9"
want vswitch-both && run vswitch-both "vswitch, NetFlow v9 + SPAN"

python3 - "$TMP/results" <<'EOF'
import json, os, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
f0 = lambda v: "-" if v is None else "%.0f" % v
pct = lambda v: "-" if v is None else "%.1f" % v
print()
hdr = "%-20s %10s %9s %6s %26s %26s %6s %6s" % (
    "implementation", "offer Mpps", "dlvr Mpps", "loss%",
    "ping RTT us med/p99/p99.9", "TAP 1-way us med/p99/p99.9", "CPU%p",
    "CPU%i")
print(hdr)
print("-" * len(hdr))
by = {}
for r in rs:
    if "error" in r:
        print("%-20s %s" % (r["label"], r["error"]))
        continue
    off = r["offered"] / r["secs"] / 1e6
    dlv = r["delivered"] / r["secs"] / 1e6
    loss = 100.0 * (1 - r["delivered"] / r["offered"]) if r["offered"] else 0
    t = r.get("tap") or {}
    tap = ("%s/%s/%s" % (f0(t.get("median_us")), f0(t.get("p99_us")),
                         f0(t.get("p999_us")))
           if "median_us" in t else t.get("error", "-"))
    if t.get("sent") and t.get("received", 0) < t["sent"]:
        tap += " (%d lost)" % (t["sent"] - t["received"])
    print("%-20s %10.3f %9.3f %6.1f %26s %26s %6s %6s" % (
        r["label"], off, dlv, max(loss, 0.0),
        "%s/%s/%s" % (f0(r["rtt_median_us"]), f0(r.get("rtt_p99_us")),
                      f0(r.get("rtt_p999_us"))),
        tap, pct(r.get("cpu_ping_pct")), pct(r.get("cpu_idle_pct"))))
    by[r["label"]] = (dlv, r["rtt_median_us"], r.get("rtt_p99_us"),
                      t.get("p99_us"))
# The plain switches by their first word; variants ("X, SPAN...") against
# the plain run of the same switch.
base = {l.split()[0]: v for l, v in by.items() if "," not in l}
if "vswitch" in base:
    v = base["vswitch"]
    print()
    for peer in ("OVS", "Linux"):
        if peer not in base:
            continue
        p = base[peer]
        name = "OVS" if peer == "OVS" else "Linux bridge"
        if p[0]:
            print("vswitch / %s delivered: %.2fx" % (name, v[0] / p[0]))
        for i, what in ((1, "ping RTT median"), (2, "ping RTT p99"),
                        (3, "TAP one-way p99")):
            if v[i] and p[i]:
                print("vswitch / %s %s: %.2fx" % (name, what, v[i] / p[i]))
try:
    for l in open(os.path.join(os.path.dirname(sys.argv[1]), "wakelat.out")):
        w = json.loads(l)
        print("floor, %s, CPU 1 to CPU 0: median %.0f us, p99 %.0f, "
              "p99.9 %.0f" % (w["mode"], w["median_us"], w["p99_us"],
                              w["p999_us"]))
except OSError:
    pass
for l, v in by.items():
    b = base.get(l.split(",")[0].split()[0])
    if "," in l and b and b[0]:
        print("%s: delivered %.3f Mpps vs %.3f without, overhead %.1f%%"
              % (l, v[0], b[0], 100.0 * (1 - v[0] / b[0])))
EOF
