#!/bin/bash
# mirror-system.sh -- mirrors on real kernel interfaces (root), checked
# with the tools a user would use: tcpdump captures in namespaces, read
# back with tcpdump (and tshark when installed), and vs-tcpdump.
#
# Topology (names carry this run's pid):
#   bridge $BR (datapath netdev; its internal port is a TAP)
#   ns a  vs<pid>a  access VLAN 10   $SUB.1   pings b
#   ns b  vs<pid>b  access VLAN 10   $SUB.2
#   ns m  vs<pid>m  trunk 0,10       no IP    the SPAN destination
#   ns r  vs<pid>r  trunk 999        no IP    the RSPAN uplink
#   ns c  vs<pid>c  access VLAN 20   no IP    a bystander
# Every check pings a -> b three times after a warm-up (ARP resolved)
# and counts ICMP echo requests and replies in the captures.
. "${srcdir:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
    skip "mirror-system" "needs root (network namespaces, veths)"
    exit 0
fi
for tool in ip ping tcpdump; do
    if ! command -v $tool >/dev/null; then
        skip "mirror-system" "$tool not installed"
        exit 0
    fi
done
if ! ip netns add "vsm$$-probe" 2>/dev/null; then
    skip "mirror-system" "cannot create network namespaces"
    exit 0
fi
ip netns del "vsm$$-probe"

VS_TCPDUMP=$(cd "$builddir" && pwd)/utilities/vs-tcpdump
vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 20 "$VSCTL" --timeout=15 "$@"; }
trap 'kill $(jobs -p) 2>/dev/null; vs_cleanup' EXIT

NS=vsm$$
BR=vsb$$
for _ in $(seq 50); do
    SUB=10.$((RANDOM % 200 + 30)).$((RANDOM % 250 + 1))
    ip route show | grep -q "^$SUB\." || break
done
nsx() { local n=$1; shift; ip netns exec "$NS-$n" "$@"; }
hostif() { echo "vs$$$1"; }

# make_vm NAME MAC [IP]: namespace $NS-NAME whose eth0 is the peer of the
# host's veth vs<pid>NAME; IPv6 off so that it stays quiet.
make_vm() {
    local name=$1 mac=$2 ip=${3:-} h
    h=$(hostif "$name")
    ip netns add "$NS-$name" || return 1
    on_exit "ip netns del $NS-$name"
    nsx "$name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
    nsx "$name" ip link set lo up
    ip link add "$h" type veth peer name eth0 netns "$NS-$name" || return 1
    on_exit "ip link del $h"
    sysctl -qw "net.ipv6.conf.$h.disable_ipv6=1"
    nsx "$name" ip link set eth0 address "$mac" || return 1
    [ -z "$ip" ] || nsx "$name" ip addr add "$ip/24" dev eth0 || return 1
    nsx "$name" ip link set eth0 up || return 1
    ip link set "$h" up
}

# Captures: cap_start ID NS [EXTRA-TCPDUMP-ARGS] writes what eth0 of
# $NS-NS receives to $VS_TMP/ID.pcap; cap_stop ID ends it.
declare -A CAP_PID
cap_start() {
    local id=$1 ns=$2 f=$VS_TMP/$1.pcap
    shift 2
    rm -f "$f"
    nsx "$ns" timeout 60 tcpdump -Q in -i eth0 -U -s 0 -w "$f" "$@" \
        2>"$VS_TMP/$id.err" &
    CAP_PID[$id]=$!
    for _ in $(seq 50); do
        grep -q "listening on" "$VS_TMP/$id.err" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
cap_stop() {
    sleep 0.5
    kill -INT "${CAP_PID[$1]}" 2>/dev/null
    wait "${CAP_PID[$1]}" 2>/dev/null
}
# cap_count ID FILTER: frames of capture ID matching the pcap-filter.
cap_count() {
    tcpdump -r "$VS_TMP/$1.pcap" -nn "${@:2}" 2>/dev/null | wc -l
}
echo_req="icmp[icmptype] = icmp-echo"
echo_rep="icmp[icmptype] = icmp-echoreply"
ping3() { nsx a ping -q -c 3 -i 0.2 -W 1 "$SUB.2" >/dev/null 2>&1; }

VS_REAL_NETDEVS=1
vs_start || exit 1
vsctl set Open_vSwitch . other_config:stats-update-interval=1000

make_vm a 02:5b:00:00:00:01 "$SUB.1" &&
make_vm b 02:5b:00:00:00:02 "$SUB.2" &&
make_vm m 02:5b:00:00:00:03 &&
make_vm r 02:5b:00:00:00:04 &&
make_vm c 02:5b:00:00:00:05 ||
    { fail "setup: namespaces" "could not create them"; exit 1; }
A=$(hostif a) B=$(hostif b) M=$(hostif m) R=$(hostif r) C=$(hostif c)
check "setup: bridge with five veths" \
    vsctl add-br "$BR" -- set Bridge "$BR" flood_vlans=999 \
    -- add-port "$BR" "$A" tag=10 -- add-port "$BR" "$B" tag=10 \
    -- add-port "$BR" "$M" trunks=0,10 -- add-port "$BR" "$R" trunks=999 \
    -- add-port "$BR" "$C" tag=20
check_true "setup: a pings b" \
    wait_for 10 nsx a ping -q -c 1 -W 1 "$SUB.2"

# ---------------------------------------------------------------------------
# SPAN of a's port to m: m sees both directions of the ping exactly once,
# tagged with VLAN 10 (m is a trunk); the bystander c nothing.
check "span: mirror of $A (both directions) to $M" \
    vsctl -- --id=@a get Port "$A" -- --id=@m get Port "$M" \
    -- --id=@x create Mirror name=span select_src_port=@a \
       select_dst_port=@a output_port=@m \
    -- add Bridge "$BR" mirrors @x
sleep 0.5
cap_start span m && cap_start byst1 c
ping3
cap_stop span
cap_stop byst1
check_output "span: 3 echo requests, once each" 3 \
    cap_count span "vlan 10 and $echo_req"
check_output "span: 3 echo replies, once each" 3 \
    cap_count span "vlan 10 and $echo_rep"
check_output "span: no untagged frame (copies keep VLAN 10)" 0 \
    cap_count span "not vlan"
check_output "span: the bystander in VLAN 20 sees nothing" 0 \
    cap_count byst1 ""
if command -v tshark >/dev/null; then
    check_output "span: tshark reads the capture: 6 ICMP in VLAN 10" 6 \
        sh -c "tshark -r '$VS_TMP/span.pcap' -Y 'vlan.id == 10 && icmp' \
               2>/dev/null | wc -l"
fi
check_true "span: Mirror statistics count the copies (>= 6)" \
    wait_for 10 sh -c "[ \"\$('$VSCTL' get Mirror span statistics:tx_packets)\" -ge 6 ]"

# ---------------------------------------------------------------------------
# RSPAN to VLAN 999 on the trunk r: copies tagged 999 and nothing else
# (flood_vlans keeps 999 out of learning); m is an ordinary trunk of 0 and
# 10 again and gets no copies; c nothing.
check "rspan: replace with a mirror of $A to VLAN 999" \
    vsctl -- clear Bridge "$BR" mirrors \
    -- --id=@a get Port "$A" \
    -- --id=@x create Mirror name=rspan select_src_port=@a \
       select_dst_port=@a output_vlan=999 \
    -- add Bridge "$BR" mirrors @x
sleep 0.5
cap_start rspan r && cap_start byst2 c && cap_start m2 m
ping3
cap_stop rspan
cap_stop byst2
cap_stop m2
check_output "rspan: 3 echo requests tagged 999" 3 \
    cap_count rspan "vlan 999 and $echo_req"
check_output "rspan: 3 echo replies tagged 999" 3 \
    cap_count rspan "vlan 999 and $echo_rep"
check_output "rspan: nothing on r but VLAN 999" 0 \
    cap_count rspan "not vlan 999"
check_output "rspan: no ICMP copy on m" 0 cap_count m2 "icmp"
check_output "rspan: the bystander in VLAN 20 sees nothing" 0 \
    cap_count byst2 ""
check "rspan: removed" vsctl clear Bridge "$BR" mirrors

# ---------------------------------------------------------------------------
# vs-tcpdump: a capture of a's port, ended by SIGINT, leaves nothing.
nsx a ping -q -c 1 -W 1 "$SUB.2" >/dev/null 2>&1
"$VS_TCPDUMP" -i "$A" -w "$VS_TMP/vst.pcap" 2>"$VS_TMP/vst.err" &
vst=$!
check_true "vs-tcpdump: capturing" \
    wait_for 15 grep -q "capturing" "$VS_TMP/vst.err"
sleep 0.5
ping3
sleep 0.5
kill -INT $vst
wait $vst
check_output "vs-tcpdump: exits 0 after SIGINT" 0 echo $?
# An access port's frames are captured untagged, as on its wire.
check_output "vs-tcpdump: 3 echo requests, untagged" 3 \
    sh -c "tcpdump -r '$VS_TMP/vst.pcap' -nn '$echo_req' 2>/dev/null | wc -l"
check_output "vs-tcpdump: 3 echo replies, untagged" 3 \
    sh -c "tcpdump -r '$VS_TMP/vst.pcap' -nn '$echo_rep' 2>/dev/null | wc -l"
check_output "vs-tcpdump: no mirror left after SIGINT" "" \
    vsctl --bare --columns=_uuid list Mirror
check_true "vs-tcpdump: no port left after SIGINT" \
    sh -c "! '$VSCTL' list-ports '$BR' | grep -q '^vst'"

# A pcap-filter and a pipe: the stream is readable as it comes.
"$VS_TCPDUMP" -i "$A" -w - -c 2 "$echo_req" 2>/dev/null \
    >"$VS_TMP/vst2.pcap" &
vst=$!
sleep 2
ping3
wait_for 10 sh -c "! kill -0 $vst 2>/dev/null"
check_output "vs-tcpdump: -c 2 with a filter, to a pipe: 2 requests" 2 \
    sh -c "tcpdump -r '$VS_TMP/vst2.pcap' -nn '$echo_req' 2>/dev/null | wc -l"
check_output "vs-tcpdump: nothing left after -c" "" \
    vsctl --bare --columns=_uuid list Mirror

# kill -9: the daemon removes the leftovers (its sweep runs with the
# statistics, every second here).
"$VS_TCPDUMP" -i "$A" -w /dev/null 2>"$VS_TMP/vst3.err" &
vst=$!
wait_for 15 grep -q "capturing" "$VS_TMP/vst3.err"
check_true "vs-tcpdump: its mirror exists while it runs" \
    test -n "$(vsctl --bare --columns=_uuid list Mirror)"
kill -9 $vst
wait $vst 2>/dev/null
check_true "vs-tcpdump: after kill -9 the daemon removes mirror and port" \
    wait_for 15 sh -c "[ -z \"\$('$VSCTL' --bare --columns=_uuid list Mirror)\" ] &&
                       ! '$VSCTL' list-ports '$BR' | grep -q '^vst'"
check_true "vs-tcpdump: a pings b afterwards" \
    nsx a ping -q -c 1 -W 1 "$SUB.2"
