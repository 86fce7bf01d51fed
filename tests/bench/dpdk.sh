#!/bin/bash
# dpdk.sh -- benchmark (not a test): L2 forwarding rate of DPDK ports on
# one forwarding core, for dpdk-testpmd's io forwarding (no switching at
# all: the ceiling), Open vSwitch with DPDK (NORMAL) and vswitch, in one
# run, on the same virtual devices.
#
#   net_pcap0 (rx_pcap=p0.pcap, infinite_rx=1) \
#   net_pcap1 ...                               > SWITCH -> tx drop queues
#   [net_pcap2, net_pcap3]                     /
#
# Each port replays 64-byte frames (60 bytes + FCS) from 256 source MACs
# of its own, each addressed to a MAC behind one of the other ports, so a
# learning switch forwards every frame to exactly one port once it has
# learned (a few milliseconds).  Variants: "untagged" (trunk ports, no
# tags), "access" (every port an access port of VLAN 10, untagged frames)
# and "trunk" (trunk ports, frames tagged 802.1Q VLAN 10).  The ports have
# no tx_pcap and no tx_iface: net_pcap then gives each one "tx drop"
# queues that free the mbufs and count them as transmitted (DPDK's pcap
# guide, "Drop all packets on transmit") -- the cheapest sink there is, so
# the figures are the switch's cost.
#
# Variants "untagged-span" and "untagged-netflow" (vswitch only; OVS
# and testpmd lines of the "untagged" variant are the comparison): the
# untagged setup plus a SPAN mirror selecting all traffic with a third
# port, a net_null sink (no-rx=1), as its output; or plus NetFlow v9
# export of every flow (active timeout 1 s) to a UDP sink on 127.0.0.1
# that reads and discards.  Their "overhead" is the extra cost per packet
# against the plain untagged vswitch run of the same invocation (own
# cycles, else rates; so ask for "untagged" too), and %testpmd/xOVS
# compare with that variant's testpmd and OVS runs; issue 8 wants the
# overhead at most 15%.
#
# Variant "vhost" (OVS and vswitch only): two dpdkvhostuserclient ports
# whose servers are dpdk-testpmd's virtio_user ports in a second process,
# the "VM", forwarding io between them; "start tx_first 32" puts 2 x 1024
# 64-byte frames (port MAC to the other port's MAC) in flight, and they go
# round VM -> switch -> VM as fast as the slower side allows -- the switch,
# with one core against the VM's one.  Mpps is what the switch sends to
# the VM.
#
# Figures, per variant and port count:
#   Mpps      frames transmitted by all the ports per second, counted over
#             --seconds after 2 s of warm-up (testpmd: its Tx-pps; OVS:
#             dpctl/show -s; vswitch: dpif/show);
#   cyc/pkt   the forwarding core's cycles per frame: CPU GHz x 1 s / rate
#             (a poll-mode core is busy all the time, so its busy time is
#             the wall time);
#   own       the switch's own count of busy cycles per packet (OVS:
#             dpif-netdev/pmd-stats-show "avg processing cycles per
#             packet"; vswitch: dpif/pmd-stats-show "avg busy cycles per
#             packet");
#   %testpmd, xOVS  the rate against testpmd's and OVS's in the same run.
#
# CPUs: with two or more, every DPDK process has its main lcore on CPU 0
# and its one forwarding core on CPU 1 (testpmd -l 0,1 --nb-cores=1; OVS
# and vswitch dpdk-lcore-mask=0x1 pmd-cpu-mask=0x2).  Each DPDK process
# runs with --in-memory (no hugepage files left behind) and --no-pci.
#
# Usage: tests/bench/dpdk.sh [--seconds N] [--only=NAMES] [--ports=LIST]
#                            [--variants=LIST] [--isolate]
#   --seconds N      measurement per run (default 5)
#   --only=NAMES     testpmd, ovs, vswitch (default: all three)
#   --ports=LIST     2, 4 (default: 2,4)
#   --variants=LIST  untagged, access, trunk, vhost, untagged-span,
#                    untagged-netflow (default: the first four; vhost
#                    always has two ports)
#   --isolate        for the run, move every other task of the machine off
#                    the forwarding CPU (CPU 1) and put it back after: on a
#                    shared machine, repeated runs then differ less (other
#                    work still shares caches and memory; compare
#                    implementations within one run)
# Needs root, dpdk-testpmd (dpdk), OVS with DPDK (openvswitch-switch-dpdk)
# and 2 MiB hugepages: if fewer than 600 MiB are free, it raises
# vm.nr_hugepages to 1024 for the run and puts the old value back after.
# vswitch runs only if the built vswitchd has the "dpdk" interface type.
# Environment: builddir (default: the tree this script is in).
set -u

SECS=5
ONLY=testpmd,ovs,vswitch
PORTS=2,4
VARIANTS=untagged,access,trunk,vhost
ISOLATE=0
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) SECS=${2:-}; shift ;;
        --seconds=*) SECS=${1#--seconds=} ;;
        --only=*) ONLY=${1#--only=} ;;
        --only) ONLY=${2:-}; shift ;;
        --ports=*) PORTS=${1#--ports=} ;;
        --ports) PORTS=${2:-}; shift ;;
        --variants=*) VARIANTS=${1#--variants=} ;;
        --variants) VARIANTS=${2:-}; shift ;;
        --isolate) ISOLATE=1 ;;
        -h|--help) sed -n '2,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$0: unknown argument '$1' (try --help)" >&2; exit 1 ;;
    esac
    shift
done
case $SECS in ''|*[!0-9]*|0) echo "$0: --seconds wants a positive integer" >&2; exit 1 ;; esac
for name in ${ONLY//,/ }; do
    case $name in testpmd|ovs|vswitch) ;;
        *) echo "$0: unknown implementation '$name' (testpmd, ovs, vswitch)" >&2
           exit 1 ;;
    esac
done
for n in ${PORTS//,/ }; do
    case $n in 2|4) ;; *) echo "$0: --ports takes 2 and/or 4" >&2; exit 1 ;; esac
done
for v in ${VARIANTS//,/ }; do
    case $v in untagged|access|trunk|vhost|untagged-span|untagged-netflow) ;;
        *) echo "$0: unknown variant '$v' (untagged, access, trunk, vhost, untagged-span, untagged-netflow)" >&2; exit 1 ;;
    esac
done

if [ "$(id -u)" != 0 ]; then
    echo "$0: needs root (hugepages, DPDK)" >&2
    exit 1
fi
if [ "$(nproc)" -lt 2 ]; then
    echo "$0: needs two CPUs (a main lcore and a forwarding core)" >&2
    exit 1
fi
. "$(dirname "$0")/bench-lib.sh"
VSWITCHD=$builddir/vswitchd/vswitchd
VSCTL=$builddir/utilities/vsctl
VSAPPCTL=$builddir/utilities/vsappctl
OVS_VSWITCHD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
OVS_SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
for p in python3 timeout; do
    command -v $p >/dev/null || { echo "$0: $p not found" >&2; exit 1; }
done
if want testpmd; then
    command -v dpdk-testpmd >/dev/null || {
        echo "$0: dpdk-testpmd not found; install dpdk or use --only" >&2
        exit 1; }
fi
if want ovs; then
    for p in ovsdb-tool ovsdb-server ovs-vsctl ovs-appctl "$OVS_VSWITCHD"; do
        command -v "$p" >/dev/null || {
            echo "$0: $p not found; install openvswitch-switch-dpdk or use --only" >&2
            exit 1; }
    done
    [ -r "$OVS_SCHEMA" ] || { echo "$0: $OVS_SCHEMA missing" >&2; exit 1; }
fi
if want vswitch; then
    for p in "$VSWITCHD" "$VSCTL" "$VSAPPCTL"; do
        [ -x "$p" ] || { echo "$0: $p not built" >&2; exit 1; }
    done
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vswitch-dpdk.XXXXXX")
OLD_HUGEPAGES=
BR=bd$$                         # The bridge (+ o or v), its own TAP.
OVS_NETDEV_EXISTED=0            # OVS's datapath TAP, left alone if so.
ip link show ovs-netdev >/dev/null 2>&1 && OVS_NETDEV_EXISTED=1
GHZ=$(awk -F: '/^cpu MHz/ { printf "%.3f", $2 / 1000; exit }' /proc/cpuinfo)
[ -n "$GHZ" ] || GHZ=0


cleanup() {
    local f
    unisolate_cpu
    exec 3>&- 2>/dev/null
    exec 4>&- 2>/dev/null
    for f in "$TMP"/testpmd.pid "$TMP"/vm.pid "$TMP"/sink.pid \
             "$TMP"/vs/run/vswitchd.pid \
             "$TMP"/ovs/ovs-vswitchd.pid "$TMP"/ovs/ovsdb-server.pid; do
        [ -e "$f" ] && stop_pidfile "$f"
    done
    # The bridges' TAPs (OVS makes them persistent).
    ip link del ${BR}o 2>/dev/null
    ip link del ${BR}v 2>/dev/null
    [ $OVS_NETDEV_EXISTED = 1 ] || ip link del ovs-netdev 2>/dev/null
    if [ -n "$OLD_HUGEPAGES" ]; then
        echo "$OLD_HUGEPAGES" > /proc/sys/vm/nr_hugepages
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$ISOLATE" = 1 ] && isolate_cpu 1

# Hugepages: 600 MiB free for one DPDK process at a time (512 MiB of
# socket memory and the rest).
free_mb=$(awk '/^HugePages_Free/ { f = $2 } /^Hugepagesize/ { s = $2 }
               END { print int(f * s / 1024) }' /proc/meminfo)
if [ "${free_mb:-0}" -lt 600 ]; then
    OLD_HUGEPAGES=$(cat /proc/sys/vm/nr_hugepages)
    echo 1024 > /proc/sys/vm/nr_hugepages
    free_mb=$(awk '/^HugePages_Free/ { f = $2 } /^Hugepagesize/ { s = $2 }
                   END { print int(f * s / 1024) }' /proc/meminfo)
    [ "$free_mb" -ge 600 ] || { echo "$0: only $free_mb MiB of hugepages free" >&2; exit 1; }
fi
if ! mount | grep -q ' on /dev/hugepages type hugetlbfs'; then
    mkdir -p /dev/hugepages
    mount -t hugetlbfs nodev /dev/hugepages || {
        echo "$0: cannot mount hugetlbfs on /dev/hugepages" >&2; exit 1; }
fi

# ---------------------------------------------------------------------------
# Frames.

# make_pcaps DIR N VARIANT: DIR/p0.pcap .. p(N-1).pcap.
make_pcaps() {
    mkdir -p "$1"
    python3 - "$1" "$2" "$3" <<'EOF'
import struct, sys
out, n, variant = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def mac(port, host):
    return bytes([0x02, 0x00, 0x00, 0xbe, port, host])

def frame(src, dst):
    # IPv4/UDP 10.0.PORT.HOST -> 10.0.DPORT.HOST, padded to 60 bytes.
    tag = struct.pack('!HH', 0x8100, 10) if variant == 'trunk' else b''
    udp = struct.pack('!HHHH', 1024, 1024, 8 + 18, 0) + bytes(18)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17,
                     0, bytes([10, 0, src[4], src[5]]),
                     bytes([10, 0, dst[4], dst[5]]))
    f = dst + src + tag + struct.pack('!H', 0x0800) + ip + udp
    return f[:60].ljust(60, b'\0')

for port in range(n):
    with open('%s/p%d.pcap' % (out, port), 'wb') as o:
        o.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for host in range(256):
            other = (port + 1 + host % (n - 1)) % n
            f = frame(mac(port, host), mac(other, host))
            o.write(struct.pack('<IIII', 0, 0, len(f), len(f)) + f)
EOF
}

# devargs DIR I: the vdev of port I.
devargs() {
    echo "net_pcap$2,rx_pcap=$1/p$2.pcap,infinite_rx=1"
}

# port_args BRIDGE DIR N VARIANT: the ovs-vsctl/vsctl arguments adding the
# ports, one per line (the same for OVS and vswitch).
port_args() {
    local br=$1 dir=$2 n=$3 variant=$4 i
    for ((i = 0; i < n; i++)); do
        printf '%s\n' -- add-port "$br" p$i -- set Interface p$i
        if [ "$variant" = vhost ]; then
            printf '%s\n' type=dpdkvhostuserclient \
                "options:vhost-server-path=$TMP/vhost/s$i"
        else
            printf '%s\n' type=dpdk "options:dpdk-devargs=$(devargs "$dir" $i)"
        fi
        [ "$variant" = access ] && printf '%s\n' -- set Port p$i tag=10
    done
}

# ---------------------------------------------------------------------------
# vhost: the "VM" is dpdk-testpmd in a second process with two virtio_user
# ports, each the server of a socket the switch connects to as a client
# (dpdkvhostuserclient).  testpmd forwards io between its ports and starts
# with "start tx_first 32" (32 bursts of 64-byte frames on each port, from
# its port's MAC to the other port's): the frames then go round, port 0 ->
# switch -> port 1 -> testpmd -> port 0 ..., and the switch, whose one core
# is slower than testpmd's, sets the pace.  Its main lcore and its
# forwarding lcore share CPU 0, the switch's forwarding core is CPU 1.

VM_MAC0=02:00:00:00:0a:00 VM_MAC1=02:00:00:00:0a:01

vm_start() {
    local out=$TMP/vm.out
    mkdir -p "$TMP/vhost"
    rm -f "$TMP/vmcmd" "$out"
    mkfifo "$TMP/vmcmd"
    timeout $((SECS + 90)) dpdk-testpmd --no-pci --in-memory \
        --single-file-segments --file-prefix="vsb$$" --lcores='0@0,1@0' \
        --log-level=lib.eal:warning \
        --vdev="net_virtio_user0,path=$TMP/vhost/s0,server=1,mac=$VM_MAC0" \
        --vdev="net_virtio_user1,path=$TMP/vhost/s1,server=1,mac=$VM_MAC1" \
        -- -i --forward-mode=io --nb-cores=1 --total-num-mbufs=16384 \
        --eth-peer=0,$VM_MAC1 --eth-peer=1,$VM_MAC0 \
        < "$TMP/vmcmd" > "$out" 2>&1 &
    echo $! > "$TMP/vm.pid"
    exec 4> "$TMP/vmcmd"
    # Each server port waits for its client in turn while testpmd starts:
    # the switch's ports connect (and reconnect) by themselves.
    for _ in $(seq 300); do
        [ -S "$TMP/vhost/s0" ] && return 0
        sleep 0.1
    done
    echo "vhost: testpmd did not start; its output:" >&2
    tail -20 "$out" >&2
    vm_stop
    return 1
}

# vm_go: once the switch has connected, starts the frames going round.
vm_go() {
    for _ in $(seq 300); do
        grep -q 'testpmd>' "$TMP/vm.out" && break
        sleep 0.1
    done
    echo "start tx_first 32" >&4
    sleep 1
}

vm_stop() {
    echo stop >&4
    echo quit >&4
    exec 4>&-
    wait "$(cat "$TMP/vm.pid")" 2>/dev/null
    stop_pidfile "$TMP/vm.pid"
    rm -f "$TMP/vm.pid"
    rm -rf "$TMP/vhost"
}

# ---------------------------------------------------------------------------
# Results: one line per run, "VARIANT N IMPL MPPS OWN" ("-" if none), in
# $TMP/results.

record() {
    echo "$*" >> "$TMP/results"
}

# rate COUNT0 COUNT1 T0 T1: Mpps.
rate() {
    awk -v a="$1" -v b="$2" -v t0="$3" -v t1="$4" \
        'BEGIN { printf "%.3f", (b - a) / (t1 - t0) / 1e6 }'
}

now() { date +%s.%N; }

# ---------------------------------------------------------------------------
# dpdk-testpmd --forward-mode=io.

run_testpmd() {
    local dir=$1 n=$2 variant=$3 vdevs=() i out=$TMP/testpmd.out pps
    for ((i = 0; i < n; i++)); do
        vdevs+=(--vdev "$(devargs "$dir" $i)")
    done
    rm -f "$TMP/cmd" "$out"
    mkfifo "$TMP/cmd"
    timeout $((SECS + 60)) dpdk-testpmd -l 0,1 --in-memory --no-pci -m 512 \
        "${vdevs[@]}" -- -i --forward-mode=io --nb-cores=1 \
        --total-num-mbufs=16384 < "$TMP/cmd" > "$out" 2>&1 &
    echo $! > "$TMP/testpmd.pid"
    exec 3> "$TMP/cmd"
    for _ in $(seq 300); do
        grep -q 'testpmd>' "$out" && break
        sleep 0.1
    done
    echo start >&3
    sleep 2
    echo "show port stats all" >&3
    sleep "$SECS"
    echo "show port stats all" >&3
    sleep 0.5
    echo stop >&3
    echo quit >&3
    exec 3>&-
    wait "$(cat "$TMP/testpmd.pid")" 2>/dev/null
    rm -f "$TMP/testpmd.pid"
    # The second "show port stats all": Tx-pps since the first.
    pps=$(awk '/NIC statistics for port/ { blk++ }
               /Tx-pps:/ && blk > '"$n"' { s += $2 }
               END { printf "%.3f", s / 1e6 }' "$out")
    if [ "$pps" = 0.000 ]; then
        echo "testpmd: no traffic; its output:" >&2
        tail -20 "$out" >&2
    fi
    record "$variant $n testpmd $pps -"
}

# ---------------------------------------------------------------------------
# Open vSwitch with DPDK, private database and run directory.

ovs_start() {
    local d=$TMP/ovs
    mkdir -p "$d"
    export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d
    ovsdb-tool create "$d/conf.db" "$OVS_SCHEMA" || return 1
    ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
        --pidfile="$d/ovsdb-server.pid" --unixctl="$d/ovsdb-server.ctl" \
        --log-file="$d/ovsdb-server.log" -vconsole:off --detach \
        2>>"$d/stderr.log" || return 1
    OVSCTL=(ovs-vsctl --db="unix:$d/db.sock" --timeout=60)
    "${OVSCTL[@]}" --no-wait init
    "${OVSCTL[@]}" --no-wait set Open_vSwitch . \
        other_config:dpdk-init=true other_config:dpdk-lcore-mask=0x1 \
        other_config:pmd-cpu-mask=0x2 other_config:dpdk-socket-mem=512 \
        "other_config:dpdk-extra=--in-memory --no-pci"
    "$OVS_VSWITCHD" "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
        --unixctl="$d/ovs-vswitchd.ctl" --log-file="$d/ovs-vswitchd.log" \
        -vconsole:off --detach 2>>"$d/stderr.log" || return 1
    OVSAPPCTL=(ovs-appctl -t "$d/ovs-vswitchd.ctl")
}

ovs_stop() {
    "${OVSCTL[@]}" --if-exists del-br ${BR}o 2>/dev/null
    stop_pidfile "$TMP/ovs/ovs-vswitchd.pid"
    ip link del ${BR}o 2>/dev/null
    [ $OVS_NETDEV_EXISTED = 1 ] || ip link del ovs-netdev 2>/dev/null
    stop_pidfile "$TMP/ovs/ovsdb-server.pid"
    rm -rf "$TMP/ovs"
    unset OVS_RUNDIR OVS_DBDIR OVS_LOGDIR
}

# ovs_tx: frames sent by the dpdk ports (not the bridge's own port).
ovs_tx() {
    "${OVSAPPCTL[@]}" dpctl/show -s | awk '
        / port [0-9]+: / { dpdk = ($0 ~ /type=dpdk|\(dpdk/) }
        dpdk && /TX packets:/ { split($2, a, ":"); s += a[2] }
        END { print s + 0 }'
}

run_ovs() {
    local dir=$1 n=$2 variant=$3 i args=() c0 c1 t0 t1 own
    if ! ovs_start; then
        echo "ovs: could not start (see above)" >&2
        ovs_stop
        record "$variant $n ovs - -"
        return
    fi
    args=(add-br ${BR}o -- set Bridge ${BR}o datapath_type=netdev
          fail-mode=standalone)
    mapfile -t -O ${#args[@]} args < <(port_args ${BR}o "$dir" "$n" "$variant")
    if [ "$variant" = vhost ] && ! vm_start; then
        ovs_stop
        record "$variant $n ovs - -"
        return
    fi
    if ! "${OVSCTL[@]}" "${args[@]}"; then
        echo "ovs: could not add the ports; its log:" >&2
        tail -20 "$TMP/ovs/ovs-vswitchd.log" >&2
        [ "$variant" = vhost ] && vm_stop
        ovs_stop
        record "$variant $n ovs - -"
        return
    fi
    if [ "$variant" = vhost ]; then
        sleep 2
        vm_go
    fi
    sleep 2
    "${OVSAPPCTL[@]}" dpif-netdev/pmd-stats-clear >/dev/null
    c0=$(ovs_tx) t0=$(now)
    sleep "$SECS"
    c1=$(ovs_tx) t1=$(now)
    own=$("${OVSAPPCTL[@]}" dpif-netdev/pmd-stats-show | awk '
        /avg processing cycles per packet:/ { print int($6); exit }')
    record "$variant $n ovs $(rate "$c0" "$c1" "$t0" "$t1") ${own:--}"
    [ "$variant" = vhost ] && vm_stop
    ovs_stop
}

# ---------------------------------------------------------------------------
# The flow export collector of the -netflow variants: a UDP socket on
# 127.0.0.1 that reads and discards (on CPU 0, away from the forwarding
# core).  Sets SINK_PORT.

sink_start() {
    local pin=()
    command -v taskset >/dev/null && pin=(taskset -c 0)
    rm -f "$TMP/sink.port"
    "${pin[@]}" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % s.getsockname()[1])
while True:
    s.recv(65536)
' "$TMP/sink.port" &
    echo $! > "$TMP/sink.pid"
    for _ in $(seq 100); do
        SINK_PORT=$(cat "$TMP/sink.port" 2>/dev/null) && [ -n "$SINK_PORT" ] && return 0
        sleep 0.05
    done
    echo "netflow: the UDP sink did not start" >&2
    sink_stop
    return 1
}

sink_stop() {
    stop_pidfile "$TMP/sink.pid"
    rm -f "$TMP/sink.pid" "$TMP/sink.port"
}

# ---------------------------------------------------------------------------
# vswitch.

vs_tx() {
    "$VSAPPCTL" dpif/show | awk '
        $1 ~ /^p[0-9]+$/ { p = 1 }
        p && $1 == "tx:" { s += $2; p = 0 }
        END { print s + 0 }'
}

vs_stop() {
    "$VSCTL" --if-exists del-br ${BR}v 2>/dev/null
    stop_pidfile "$VSWITCH_RUNDIR/vswitchd.pid"
    ip link del ${BR}v 2>/dev/null
    rm -rf "$TMP/vs"
}

run_vswitch() {
    local dir=$1 n=$2 variant=$3 i args=() c0 c1 t0 t1 own
    export VSWITCH_RUNDIR=$TMP/vs/run VSWITCH_DBDIR=$TMP/vs/db
    mkdir -p "$VSWITCH_RUNDIR" "$VSWITCH_DBDIR"
    if ! "$VSWITCHD" --detach --pidfile --log-file; then
        echo "vswitch: vswitchd did not start" >&2
        record "$variant $n vswitch - -"
        return
    fi
    if ! "$VSCTL" get Open_vSwitch . iface_types | grep -qw dpdk; then
        echo "vswitch: skipped: this vswitchd was built without DPDK" \
             "(interface types: $("$VSCTL" get Open_vSwitch . iface_types))" >&2
        vs_stop
        record "$variant $n vswitch skipped -"
        return
    fi
    "$VSCTL" set Open_vSwitch . other_config:dpdk-init=true \
        other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
        other_config:dpdk-socket-mem=512 \
        "other_config:dpdk-extra=--in-memory --no-pci"
    args=(add-br ${BR}v -- set Bridge ${BR}v datapath_type=netdev)
    mapfile -t -O ${#args[@]} args < <(port_args ${BR}v "$dir" "$n" "$variant")
    case $variant in
    *-span)
        # Not named pN: vs_tx counts the forwarded frames, not the copies.
        args+=(-- add-port ${BR}v span0 -- set Interface span0 type=dpdk
               "options:dpdk-devargs=net_null$n,no-rx=1"
               -- --id=@p get Port span0
               -- --id=@m create Mirror name=all select_all=true
                  output_port=@p
               -- set Bridge ${BR}v mirrors=@m) ;;
    *-netflow)
        sink_start || { vs_stop; record "$variant $n vswitch - -"; return; }
        args+=(-- set Bridge ${BR}v netflow=@nf
               -- --id=@nf create NetFlow
                  "targets=\"127.0.0.1:$SINK_PORT\"" active_timeout=1
                  other_config:version=9) ;;
    esac
    if [ "$variant" = vhost ] && ! vm_start; then
        vs_stop
        record "$variant $n vswitch - -"
        return
    fi
    if ! "$VSCTL" --timeout=60 "${args[@]}" >/dev/null; then
        echo "vswitch: could not add the ports; its log:" >&2
        tail -20 "$VSWITCH_RUNDIR/vswitchd.log" >&2
        [ "$variant" = vhost ] && vm_stop
        vs_stop
        [ -e "$TMP/sink.pid" ] && sink_stop
        record "$variant $n vswitch - -"
        return
    fi
    if [ "$variant" = vhost ]; then
        sleep 2
        vm_go
    fi
    sleep 2
    "$VSAPPCTL" dpif/pmd-stats-clear >/dev/null
    c0=$(vs_tx) t0=$(now)
    sleep "$SECS"
    c1=$(vs_tx) t1=$(now)
    own=$("$VSAPPCTL" dpif/pmd-stats-show | awk '
        /avg busy cycles per packet:/ { print int($6); exit }')
    "$VSAPPCTL" dpif/pmd-stats-show | grep -E '^  (sends|passes):' >&2
    record "$variant $n vswitch $(rate "$c0" "$c1" "$t0" "$t1") ${own:--}"
    [ "$variant" = vhost ] && vm_stop
    vs_stop
    [ -e "$TMP/sink.pid" ] && sink_stop
}

# ---------------------------------------------------------------------------
# The runs, then the table.

for variant in ${VARIANTS//,/ }; do
    for n in ${PORTS//,/ }; do
        dir=$TMP/pcap-$variant-$n
        if [ "$variant" = vhost ]; then
            [ "$n" = 2 ] || continue        # Two vhost-user ports.
        else
            make_pcaps "$dir" "$n" "$variant"
        fi
        for impl in testpmd ovs vswitch; do
            want $impl || continue
            [ "$variant" = vhost ] && [ $impl = testpmd ] && continue
            case $variant in
            *-span|*-netflow) [ $impl = vswitch ] || continue ;;
            esac
            echo "== $variant, $n ports: $impl" >&2
            run_$impl "$dir" "$n" "$variant"
        done
    done
done

echo
echo "64-byte frames, one forwarding core at $GHZ GHz, $SECS s per run"
printf '%-16s %5s  %-8s %8s %8s %6s %9s %6s %9s\n' \
    variant ports switch Mpps cyc/pkt own %testpmd xOVS overhead
awk -v ghz="$GHZ" '
    { key = $1 " " $2; mpps[key, $3] = $4; own[key, $3] = $5
      if (!(key in seen)) { seen[key] = 1; order[n++] = key } ; impls[key] = impls[key] " " $3 }
    END {
        for (k = 0; k < n; k++) {
            key = order[k]; split(key, kv, " ")
            m = split(impls[key], list, " ")
            for (i = 1; i <= m; i++) {
                impl = list[i]; r = mpps[key, impl]
                cyc = (r + 0 > 0 && ghz > 0) ? sprintf("%.0f", ghz * 1e3 / r) : "-"
                # The -span/-netflow variants against plain "untagged"
                # of the same run: testpmd, OVS and vswitch figures.
                base = kv[1]; sub(/-(span|netflow)$/, "", base)
                bkey = base " " kv[2]
                tp = mpps[bkey, "testpmd"]; ov = mpps[bkey, "ovs"]
                pt = (r + 0 > 0 && tp + 0 > 0) ? sprintf("%.1f", 100 * r / tp) : "-"
                xo = (r + 0 > 0 && ov + 0 > 0) ? sprintf("%.2f", r / ov) : "-"
                # Extra cost per packet: own cycles if both runs have
                # them (the steadier figure), else the rates.
                oh = "-"; pr = mpps[bkey, impl]; po = own[bkey, impl]
                if (bkey != key && own[key, impl] + 0 > 0 && po + 0 > 0)
                    oh = sprintf("%+.1f%%", 100 * (own[key, impl] / po - 1))
                else if (bkey != key && r + 0 > 0 && pr + 0 > 0)
                    oh = sprintf("%+.1f%%", 100 * (pr / r - 1))
                printf "%-16s %5s  %-8s %8s %8s %6s %9s %6s %9s\n", kv[1],
                       kv[2], impl, r, cyc, own[key, impl], pt, xo, oh
            }
        }
    }' "$TMP/results"
