#!/bin/bash
# qos.sh -- benchmark (not a test): what QoS costs and how exactly it
# holds its rates, on veths between namespaces, in one run.
#
#   ns a  eth0 ==veth== vsb<pid>a -> vswitch -> vsb<pid>b ==veth== eth0  ns b
#                                            -> $BR (internal port, a TAP
#                                               the switch writes: shaped
#                                               in userspace) host 10.88.x.254
#
# Figures (iperf3, TCP unless said, -t $SECS):
#   1. forwarding a -> b: without QoS, with a kernel HTB that does not
#      limit (max-rate 40 Gbit/s), with the userspace shaper not limiting
#      (a -> host through the internal port, max-rate 40 Gbit/s, against
#      the same path without QoS);
#   2. achieved vs configured at 10, 100 and 1000 Mbit/s, kernel HTB
#      (a -> b) and userspace shaper (a -> host);
#   3. CPU cost of the userspace shaper: vswitchd's CPU time (utime +
#      stime) per forwarded packet with and without the shaper at the same
#      offered UDP load (1000-byte datagrams), as us per packet and
#      CPU-seconds per Mpps (too noisy at these rates to mean much), and
#      the same cost measured in isolation by tests/bench/shaper-bench.
# Needs root, iproute2, iperf3.  Usage: tests/bench/qos.sh [SECS]
set -u
SECS=${1:-3}
builddir=${builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
srcdir=${srcdir:-$builddir}
. "$srcdir/tests/lib.sh"
vsctl() { timeout 20 "$VSCTL" --timeout=15 "$@"; }
vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
trap 'kill $(jobs -p) 2>/dev/null; vs_cleanup' EXIT

NS=vsb$$ BR=vsb$$br SUB=10.88.$(( $$ % 200 + 20 ))
nsx() { local n=$1; shift; ip netns exec "$NS-$n" "$@"; }
mkvm() {
    ip netns add "$NS-$1" && on_exit "ip netns del $NS-$1"
    ip link add "vsb$$$1" type veth peer name eth0 netns "$NS-$1"
    on_exit "ip link del vsb$$$1"
    nsx "$1" ip addr add "$2/24" dev eth0
    nsx "$1" ip link set eth0 up
    nsx "$1" ip link set lo up
    ip link set "vsb$$$1" up
}
# run FROM DEST-IP [iperf3 client args...]: goodput in bit/s.
run() {
    local from=$1 dst=$2 out=$VS_TMP/ip.json
    shift 2
    if [ "$dst" = "$SUB.254" ]; then
        timeout 30 iperf3 -s -1 -B "$dst" -p 5301 >/dev/null 2>&1 &
    else
        nsx b timeout 30 iperf3 -s -1 -p 5301 >/dev/null 2>&1 &
    fi
    sleep 0.3
    nsx "$from" timeout 30 iperf3 -c "$dst" -p 5301 -t "$SECS" -J "$@" >"$out" 2>&1
    wait $! 2>/dev/null
    python3 -c 'import json,sys
e = json.load(open(sys.argv[1]))["end"]
s = e.get("sum_received") or e.get("sum")
print(int(s["bits_per_second"]))' "$out" 2>/dev/null || echo 0
}
mbit() { echo "$(( $1 / 1000000 )).$(( $1 / 100000 % 10 ))"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$(vs_pid)/stat"; }
txp() { vsctl get interface "$1" statistics:tx_packets 2>/dev/null; }
qos_set() { # qos_set PORT RATE (0: clear)
    vsctl -- --if-exists clear port "$1" qos >/dev/null
    [ "$2" = 0 ] || vsctl set port "$1" qos=@q -- --id=@q create qos \
        type=linux-htb other_config:max-rate="$2" >/dev/null
    sleep 0.5
}

export VS_REAL_NETDEVS=1
vs_start || exit 1
vsctl set Open_vSwitch . other_config:stats-update-interval=1000
on_exit "ip link del $BR"
vsctl add-br "$BR"
mkvm a "$SUB.1"; mkvm b "$SUB.2"
vsctl add-port "$BR" "vsb$$a" -- add-port "$BR" "vsb$$b"
sleep 1
ip addr add "$SUB.254/24" dev "$BR"; ip link set "$BR" up
nsx a ping -q -c 2 -W 1 "$SUB.2" >/dev/null; nsx a ping -q -c 2 -W 1 "$SUB.254" >/dev/null

echo "== 1. forwarding with QoS configured but not limiting (TCP, ${SECS}s)"
r0=$(run a "$SUB.2"); qos_set "vsb$$b" 40000000000
r1=$(run a "$SUB.2"); qos_set "vsb$$b" 0
r2=$(run a "$SUB.2")
echo "a -> b  no QoS: $(mbit $r0) Mbit/s, kernel HTB 40G: $(mbit $r1) Mbit/s, no QoS again: $(mbit $r2) Mbit/s"
u0=$(run a "$SUB.254"); qos_set "$BR" 40000000000
u1=$(run a "$SUB.254"); qos_set "$BR" 0
u2=$(run a "$SUB.254")
echo "a -> host (internal port)  no QoS: $(mbit $u0), userspace shaper 40G: $(mbit $u1), no QoS again: $(mbit $u2) Mbit/s"

echo "== 2. achieved vs configured (TCP goodput, ${SECS}s)"
for rate in 10000000 100000000 1000000000; do
    qos_set "vsb$$b" $rate; k=$(run a "$SUB.2")
    qos_set "vsb$$b" 0
    qos_set "$BR" $rate; u=$(run a "$SUB.254")
    qos_set "$BR" 0
    echo "configured $(mbit $rate) Mbit/s: kernel HTB $(mbit $k) ($((k * 100 / rate))%), userspace shaper $(mbit $u) ($((u * 100 / rate))%)"
done

echo "== 3. CPU cost of the userspace shaper (UDP 1000 B at 200 Mbit/s offered, ${SECS}s)"
hz=$(getconf CLK_TCK)
for mode in off on; do
    [ $mode = on ] && qos_set "$BR" 40000000000 || qos_set "$BR" 0
    sleep 1.2
    p0=$(txp "$BR"); c0=$(cpu_ticks)
    run a "$SUB.254" -u -b 200M -l 1000 >/dev/null
    sleep 1.2
    p1=$(txp "$BR"); c1=$(cpu_ticks)
    pk=$((p1 - p0)); ct=$((c1 - c0))
    eval "pk_$mode=$pk ct_$mode=$ct"
    echo "shaper $mode: $pk packets, $ct ticks of vswitchd CPU (idle spinning included)"
done
extra=$(( (ct_on * 1000000000 / hz / (pk_on > 0 ? pk_on : 1)) - (ct_off * 1000000000 / hz / (pk_off > 0 ? pk_off : 1)) ))
echo "shaper extra cost: $extra ns per packet (= $extra / 1000 CPU-seconds per Mpps; negative or small: within the noise of the threads' polling)"
echo "== 3b. the same cost measured in isolation (tests/bench/shaper-bench:"
echo "   64-byte frames through enqueue/dequeue in batches of 32, thread CPU time)"
"$builddir/tests/bench/shaper-bench" 10000000
