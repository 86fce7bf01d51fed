#!/bin/bash
# dp-dummy.sh -- the userspace datapath through the real daemon and CLIs,
# on dummy ports only (no kernel devices, no root needed): frames are
# injected with "vsappctl netdev-dummy/receive PORT HEX" and read back with
# "vsappctl netdev-dummy/sent PORT", and every check is on what a user
# sees: the exact bytes leaving each port, fdb/show, fdb/stats-show, the
# named drop counters of dpif/show and the Interface columns.
#
# Bridges (each bridge's own port is a dummy too, so no TAP is created):
#   br0  p1 p2 p3 (no tag: trunks carrying every VLAN), LOCAL port br0 in
#        VLAN 4000 so that it stays out of the VLAN-0 floods.  Learning,
#        flooding, aging, moves, the table limit, reserved multicast,
#        malformed frames, MTU, flood_vlans, statistics, link state.
#   brV  one port per VLAN mode (a10 a20 tr tr2 t12 nt nu, see the VLAN
#        table below), LOCAL in VLAN 4001.
#   brQ  dot1q-tunnel ports and a trunk.
# The semantics are those of OVS's NORMAL action (DESIGN.md, "Forwarding
# semantics"); where a case encodes a subtle OVS behaviour, its comment
# says so.
. "${srcdir:-.}/tests/lib.sh"

# A hung daemon must fail the test, not hang it.
vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 20 "$VSCTL" --timeout=15 "$@"; }

# ---------------------------------------------------------------------------
# Frames.

# payload and frame (tests/lib.sh) build the frames.

# describe: reads "PORT HEX" lines, prints "PORT: TAGS LEN" summaries, to
# make failure messages readable.
describe() {
    local port hex off t tci tags
    while read -r port hex; do
        [ -n "$port" ] || continue
        off=24 tags=
        while :; do
            t=${hex:off:4}
            case $t in
                8100|88a8|9100)
                    tci=$((16#${hex:off+4:4}))
                    tags+="$t:$((tci & 4095))/p$((tci >> 13)) "
                    off=$((off + 8)) ;;
                *) break ;;
            esac
        done
        printf '%s: %s%s %dB src %s;' "$port" "${tags:-untagged }" \
            "type ${hex:off:4}" $(( ${#hex} / 2 )) "${hex:12:12}"
    done
}

# ---------------------------------------------------------------------------
# Ports, counters, the MAC table.

# The dummy ports of the bridge under test; set by each section.
PORTS=()

inject() { vsappctl netdev-dummy/receive "$@" >/dev/null; }

# sent_round: one pass over $PORTS, printing "PORT HEX" for every frame
# each sent since the last pass (netdev-dummy/sent forgets what it shows).
sent_round() {
    local p
    for p in "${PORTS[@]}"; do
        vsappctl netdev-dummy/sent "$p" 2>/dev/null \
            | sed -n "s/^\([0-9a-f][0-9a-f]*\)\$/$p \1/p"
    done
}

# drain: waits a little and forgets whatever the ports have sent.
drain() {
    sleep 0.1
    sent_round >/dev/null
}

# port_rx PORT: rx packets of PORT in dpif/show.
port_rx() {
    vsappctl dpif/show 2>/dev/null | awk -v p="$1" '
        $1 == p && $2 ~ /^[0-9]+:$/ { getline; print $2; exit }'
}

ofport() { vsctl get Interface "$1" ofport; }

# Predicates for wait_for (which re-runs them until they hold).
iface_is() { [ "$(vsctl get Interface "$1" "$2" 2>/dev/null)" = "$3" ]; }
ifstat() { vsctl get Interface "$1" "statistics:$2" 2>/dev/null; }
ifstat_ge() { [ "$(ifstat "$1" "$2")" -ge "$3" ] 2>/dev/null; }
fdb_gone() { [ -z "$(fdb "$1" "$2")" ]; }
fdb_stat_is() { [ "$(fdb_stat "$1" "$2")" = "$3" ]; }

# expect_tx NAME IN-PORT FRAME EXPECTED [DROP-REASON]
#   Injects FRAME on IN-PORT and checks that exactly the frames in EXPECTED
#   (lines "PORT HEX", in any order; empty for none) leave the ports in
#   $PORTS.  With DROP-REASON, that drop counter must also go up.  Waits
#   for the expected frames or the counter (at most 5 s), then 0.15 s more
#   for frames that should not be there.
expect_tx() {
    local name=$1 in=$2 fr=$3 expected=$4 reason=${5:--}
    local want got='' n before=0 after i
    want=$(printf '%s\n' "$expected" | sed '/^$/d' | sort)
    n=$(printf '%s' "$want" | grep -c .)
    [ "$reason" = - ] || before=$(drop_count "$reason")
    if ! inject "$in" "$fr"; then
        fail "$name" "netdev-dummy/receive $in failed"
        return
    fi
    for ((i = 0; i < 100; i++)); do
        got+=$(sent_round)$'\n'
        if [ "$n" -gt 0 ]; then
            [ "$(printf '%s' "$got" | grep -c .)" -ge "$n" ] && break
        elif [ "$reason" != - ]; then
            [ "$(drop_count "$reason")" -gt "$before" ] && break
        elif [ $i -ge 4 ]; then
            break
        fi
        sleep 0.05
    done
    sleep 0.15
    got+=$(sent_round)
    got=$(printf '%s\n' "$got" | sed '/^$/d' | sort)
    if [ "$got" != "$want" ]; then
        fail "$name" "expected [$(describe <<<"$want")] got [$(describe <<<"$got")]"
        return
    fi
    if [ "$reason" != - ]; then
        after=$(drop_count "$reason")
        if [ "$after" -le "$before" ]; then
            fail "$name" "drop reason $reason did not go up ($before -> $after)"
            return
        fi
    fi
    pass "$name"
}

# ---------------------------------------------------------------------------
vs_start || exit 1

# A few MAC addresses.
A=02:00:00:00:00:0a
B=02:00:00:00:00:0b
C=02:00:00:00:00:0c
D=02:00:00:00:00:0d
BCAST=ff:ff:ff:ff:ff:ff

# ===========================================================================
# br0: three trunk ports p1 p2 p3 (every VLAN, untagged = VLAN 0) and the
# bridge's own port br0 (dummy) in VLAN 4000.
check "br0: create a bridge of dummy ports" \
    vsctl add-br br0 -- set Interface br0 type=dummy -- set Port br0 tag=4000 \
    -- add-port br0 p1 -- set Interface p1 type=dummy \
    -- add-port br0 p2 -- set Interface p2 type=dummy \
    -- add-port br0 p3 -- set Interface p3 type=dummy
PORTS=(br0 p1 p2 p3)
P1=$(ofport p1) P2=$(ofport p2) P3=$(ofport p3)
check_true "ports: ofport assigned, distinct, >= 1 ($P1 $P2 $P3)" \
    test "${P1:-0}" -ge 1 -a "${P2:-0}" -ge 1 -a "${P3:-0}" -ge 1 \
    -a "$P1" != "$P2" -a "$P2" != "$P3" -a "$P1" != "$P3"
for p in p1 p2 p3; do
    check_output "ports: $p has no error" "[]" vsctl get Interface $p error
done
check_true "ports: dpif/show lists br0 and its dummy ports" \
    sh -c "'$VSAPPCTL' dpif/show | grep -q '^  br0:' &&
           '$VSAPPCTL' dpif/show | grep -Eq '^    p1 $P1: \(dummy\)'"
check_output "fdb/show: empty table has only the header" \
    " port  VLAN  MAC                Age" vsappctl fdb/show br0
check_error "fdb/show: unknown bridge is an error" 2 "nosuchbr" \
    vsappctl fdb/show nosuchbr

# ---------------------------------------------------------------------------
# Learning: a broadcast from A on p1 floods to p2 and p3 (not back to p1,
# not to br0 in another VLAN) and teaches the switch that A is on p1, so
# B's reply from p2 goes to p1 only; once B is known, A's next unicast to B
# goes to p2 only.
drain
f=$(frame $BCAST $A)
expect_tx "learning: broadcast from A on p1 floods to p2 and p3" p1 "$f" \
    "p2 $f
p3 $f"
check_output "learning: fdb/show lists A on p1's port in VLAN 0" \
    "$P1 0" fdb br0 $A
age=$(vsappctl fdb/show br0 | awk -v m=$A '$3 == m { print $4 }')
check_true "learning: A's age is a small number of seconds (${age:-none})" \
    test -n "$age" -a "${age:-99}" -le 5
f=$(frame $A $B)
expect_tx "learning: reply from B on p2 to A goes to p1 only" p2 "$f" \
    "p1 $f"
check_output "learning: fdb/show lists B on p2's port" "$P2 0" fdb br0 $B
f=$(frame $B $A)
expect_tx "learning: unicast A->B is not flooded once B is learned" p1 "$f" \
    "p2 $f"
f=$(frame $C $A)
expect_tx "learning: unicast to unknown C floods to p2 and p3" p1 "$f" \
    "p2 $f
p3 $f"
out=$(vsappctl fdb/show br0 --names)
check_true "fdb/show --names prints port names" \
    sh -c "printf '%s\n' '$out' | grep -Eq '^ p1 +0  $A ' &&
           printf '%s\n' '$out' | grep -Eq '^ p2 +0  $B '"
check_true "fdb/stats-show: 2 entries of at most 8192 (default size)" \
    test "$(fdb_stat br0 current)/$(fdb_stat br0 max)" = "2/8192"
check_true "fdb/stats-show: learned total is 2" \
    test "$(fdb_stat br0 learned)" = 2

# A frame to a MAC learned on its own input port goes nowhere.
f=$(frame $A $D)
expect_tx "learning: unicast to a MAC on the input port is dropped (same-port)" \
    p1 "$f" "" same-port

# Multicast sources are never learned; multicast and broadcast flood.
f=$(frame 01:00:5e:00:00:fb $B)
expect_tx "flood: IPv4 multicast from p2 floods to p1 and p3" p2 "$f" \
    "p1 $f
p3 $f"
f=$(frame 33:33:00:00:00:01 $B)
expect_tx "flood: IPv6 multicast from p2 floods to p1 and p3" p2 "$f" \
    "p1 $f
p3 $f"
f=$(frame $BCAST 03:00:00:00:00:77)
expect_tx "flood: broadcast with a multicast source floods" p3 "$f" \
    "p1 $f
p2 $f"
check_output "learning: a multicast source MAC is not learned" "" \
    fdb br0 03:00:00:00:00:77

# The LOCAL port: a frame from the bridge's own port is learned as LOCAL.
L=02:00:00:00:00:1e
f=$(frame $BCAST $L 4000)
expect_tx "LOCAL: broadcast from br0 (VLAN 4000) reaches the trunks tagged 4000" \
    br0 "$(frame $BCAST $L)" "p1 $f
p2 $f
p3 $f"
check_output "fdb/show: a MAC learned on the bridge's own port shows LOCAL" \
    "LOCAL 4000" fdb br0 $L

# ---------------------------------------------------------------------------
# MAC move: A shows up on p3 (a VM migrated): the entry moves, the "moved"
# total goes up, and traffic for A follows it.
moved0=$(fdb_stat br0 moved)
f=$(frame $BCAST $A)
expect_tx "move: broadcast from A now on p3 floods to p1 and p2" p3 "$f" \
    "p1 $f
p2 $f"
check_output "move: fdb/show has A on p3's port" "$P3 0" fdb br0 $A
check_true "move: fdb/stats-show moved total went up by 1 (${moved0:-?} -> $(fdb_stat br0 moved))" \
    test "$(fdb_stat br0 moved)" = "$(( ${moved0:-0} + 1 ))"
f=$(frame $A $B)
expect_tx "move: B's unicast to A goes to p3 only" p2 "$f" "p3 $f"

# fdb/flush forgets everything: unicast to A floods again.
check_output "fdb/flush br0" "table successfully flushed" vsappctl fdb/flush br0
check_output "fdb/flush: table empty" " port  VLAN  MAC                Age" \
    vsappctl fdb/show br0
f=$(frame $A $B)
expect_tx "fdb/flush: unicast to A floods again" p2 "$f" "p1 $f
p3 $f"

# ---------------------------------------------------------------------------
# Reserved multicast (01:80:c2:00:00:0x: STP, LACP, LLDP...) is dropped and
# counted unless Bridge other_config:forward-bpdu=true.
f=$(frame 01:80:c2:00:00:00 $A - 0026 46)
expect_tx "reserved: STP BPDU to 01:80:c2:00:00:00 dropped (reserved-multicast)" \
    p1 "$f" "" reserved-multicast
f=$(frame 01:80:c2:00:00:0e $A - 88cc 46)
expect_tx "reserved: LLDP to 01:80:c2:00:00:0e dropped (reserved-multicast)" \
    p1 "$f" "" reserved-multicast
check_true "reserved: dpif/show names the reason for p1" \
    sh -c "'$VSAPPCTL' dpif/show | awk '/^    p1 /{f=1;next} /^    [^ ]/{f=0} f' |
           grep -q 'reserved-multicast'"
check "reserved: set forward-bpdu=true" \
    vsctl set Bridge br0 other_config:forward-bpdu=true
f=$(frame 01:80:c2:00:00:00 $A - 0026 46)
expect_tx "reserved: with forward-bpdu=true the BPDU floods" p1 "$f" \
    "p2 $f
p3 $f"
check "reserved: remove forward-bpdu" \
    vsctl remove Bridge br0 other_config forward-bpdu
expect_tx "reserved: without forward-bpdu the BPDU is dropped again" \
    p1 "$f" "" reserved-multicast

# ---------------------------------------------------------------------------
# Malformed frames are counted and dropped; forwarding goes on.
expect_tx "malformed: 10-byte frame dropped (runt)" p1 \
    "ffffffffffff02000000" "" runt
expect_tx "malformed: 13-byte frame dropped (runt)" p1 \
    "ffffffffffff020000000000ff" "" runt
expect_tx "malformed: 14-byte frame with type 8100 and no tag (truncated-vlan)" \
    p1 "ffffffffffff02000000000a8100" "" truncated-vlan
expect_tx "malformed: 16-byte frame with a 2-byte 802.1Q tag (truncated-vlan)" \
    p1 "ffffffffffff02000000000a8100000a" "" truncated-vlan
expect_tx "malformed: 17-byte frame, tag without inner type (truncated-vlan)" \
    p1 "ffffffffffff02000000000a8100000a08" "" truncated-vlan
rx_before=$(port_rx p1)
inject p1 ffffffffffff02000000 ffffffffffff02000000000a8100000a \
    ffffffffffff02000000 ffffffffffff02000000000a8100
f=$(frame $BCAST $A)
expect_tx "malformed: a good frame after a burst of bad ones still floods" \
    p1 "$f" "p2 $f
p3 $f"
check_true "malformed: dpif/show counted all 5 frames received on p1 ($rx_before -> $(port_rx p1))" \
    test "$(port_rx p1)" -ge "$(( ${rx_before:-0} + 5 ))"
# A 14-byte frame with a normal type and no payload is not malformed.
f=ffffffffffff02000000000a88b5
expect_tx "malformed: a 14-byte header-only frame is forwarded" p1 "$f" \
    "p2 $f
p3 $f"

# ---------------------------------------------------------------------------
# MTU: dummy ports have MTU 1500; a frame larger than 1500 + 14 bytes is
# dropped at output (mtu); Interface mtu_request raises one port's MTU.
check_output "mtu: Interface mtu is 1500" "1500" vsctl get Interface p2 mtu
f=$(frame $BCAST $A - 88b5 1500)
expect_tx "mtu: a 1514-byte frame is forwarded" p1 "$f" "p2 $f
p3 $f"
f=$(frame $BCAST $A - 88b5 1501)
expect_tx "mtu: a 1515-byte frame is dropped at output (mtu)" p1 "$f" "" mtu
check "mtu: mtu_request=2000 on p2" vsctl set Interface p2 mtu_request=2000
check_true "mtu: Interface mtu of p2 becomes 2000" \
    wait_for 5 iface_is p2 mtu 2000
check_output "mtu: p3's Interface mtu is still 1500" "1500" \
    vsctl get Interface p3 mtu
expect_tx "mtu: the 1515-byte frame now reaches p2 only" p1 "$f" "p2 $f" mtu

# ---------------------------------------------------------------------------
# flood_vlans: no learning in those VLANs.  VLAN 30 is a flood VLAN, VLAN 31
# is not; in each, A sends a broadcast from p1, then B replies from p2.
check "flood_vlans: set flood_vlans=30" vsctl set Bridge br0 flood_vlans=30
f=$(frame $BCAST $A 30)
expect_tx "flood_vlans: broadcast in VLAN 30 floods" p1 "$f" "p2 $f
p3 $f"
check_output "flood_vlans: A not learned in VLAN 30" "" \
    sh -c "'$VSAPPCTL' fdb/show br0 | awk '\$3 == \"$A\" && \$2 == 30'"
f=$(frame $A $B 30)
expect_tx "flood_vlans: reply to A in VLAN 30 still floods" p2 "$f" \
    "p1 $f
p3 $f"
f=$(frame $BCAST $A 31)
expect_tx "flood_vlans: broadcast in VLAN 31 floods" p1 "$f" "p2 $f
p3 $f"
f=$(frame $A $B 31)
expect_tx "flood_vlans: in VLAN 31 the reply to A goes to p1 only" p2 "$f" \
    "p1 $f"
check_true "flood_vlans: A learned in VLAN 31 on p1" \
    sh -c "'$VSAPPCTL' fdb/show br0 | awk '\$3 == \"$A\" && \$2 == 31 && \$1 == $P1' | grep -q ."
check "flood_vlans: clear" vsctl clear Bridge br0 flood_vlans

# ---------------------------------------------------------------------------
# Statistics: the Interface statistics column follows the traffic once the
# refresh interval (here 1 s) has passed.
check "statistics: stats-update-interval=1000" \
    vsctl set Open_vSwitch . other_config:stats-update-interval=1000
rx0=$(ifstat p1 rx_packets) rxb0=$(ifstat p1 rx_bytes)
tx0=$(ifstat p3 tx_packets)
f=$(frame $BCAST $A)
inject p1 "$f" "$f" "$f" "$f" "$f"
sleep 0.3
drain
wait_for 4 ifstat_ge p1 rx_packets $(( ${rx0:-0} + 5 ))
check_true "statistics: p1 rx_packets grows by 5 within 4 s (${rx0:-none} -> $(ifstat p1 rx_packets))" \
    ifstat_ge p1 rx_packets $(( ${rx0:-0} + 5 ))
check_true "statistics: p1 rx_bytes grows by 300 (${rxb0:-none} -> $(ifstat p1 rx_bytes))" \
    ifstat_ge p1 rx_bytes $(( ${rxb0:-0} + 300 ))
wait_for 4 ifstat_ge p3 tx_packets $(( ${tx0:-0} + 5 ))
check_true "statistics: p3 tx_packets grows by 5 (${tx0:-none} -> $(ifstat p3 tx_packets))" \
    ifstat_ge p3 tx_packets $(( ${tx0:-0} + 5 ))
keys=$(vsctl get Interface p1 statistics | tr -d '{} ' | tr ',' '\n' \
       | cut -d= -f1 | sort | tr '\n' ' ')
for k in collisions rx_bytes rx_dropped rx_errors rx_packets tx_bytes \
         tx_dropped tx_errors tx_packets; do
    check_true "statistics: key $k present" \
        sh -c "echo ' $keys' | grep -q ' $k '"
done

# ---------------------------------------------------------------------------
# Link state: a dummy port whose link goes down is reported down and gets
# no frames; back up, it gets them again.
check "link: netdev-dummy/set-state p3 down" \
    vsappctl netdev-dummy/set-state p3 down
check_true "link: Interface p3 link_state becomes down" \
    wait_for 6 iface_is p3 link_state down
f=$(frame $BCAST $A)
expect_tx "link: broadcast from p1 reaches p2 only while p3 is down" p1 "$f" \
    "p2 $f"
check "link: netdev-dummy/set-state p3 up" vsappctl netdev-dummy/set-state p3 up
check_true "link: Interface p3 link_state becomes up" \
    wait_for 6 iface_is p3 link_state up
drain
expect_tx "link: broadcast from p1 reaches p2 and p3 again" p1 "$f" \
    "p2 $f
p3 $f"
check_output "admin_state: up" "up" vsctl get Interface p1 admin_state

# ---------------------------------------------------------------------------
# ofport_request, and a port added while traffic runs.
check "ofport_request: add p4 with ofport_request=42" \
    vsctl add-port br0 p4 -- set Interface p4 type=dummy ofport_request=42
check_output "ofport_request: p4 gets ofport 42" "42" ofport p4
check_output "ofport: p1 keeps its number" "$P1" ofport p1
PORTS=(br0 p1 p2 p3 p4)
f=$(frame $BCAST 02:00:00:00:00:44)
expect_tx "ofport_request: broadcast from p4 reaches p1 p2 p3" p4 "$f" \
    "p1 $f
p2 $f
p3 $f"
check_output "ofport_request: fdb/show prints 42 for p4" "42 0" \
    fdb br0 02:00:00:00:00:44
check "del-port p4" vsctl del-port br0 p4
PORTS=(br0 p1 p2 p3)
check_output "del-port: entries of a deleted port are gone" "" \
    fdb br0 02:00:00:00:00:44

# ---------------------------------------------------------------------------
# Forwarding threads: two threads forward the same way.
check "threads: n-forwarding-threads=2" \
    vsctl set Open_vSwitch . other_config:n-forwarding-threads=2
vsappctl fdb/flush br0 >/dev/null
drain
f=$(frame $BCAST $A)
expect_tx "threads: broadcast floods with 2 threads" p1 "$f" "p2 $f
p3 $f"
f=$(frame $A $B)
expect_tx "threads: the reply is unicast with 2 threads" p2 "$f" "p1 $f"
check "threads: back to 1 thread" \
    vsctl remove Open_vSwitch . other_config n-forwarding-threads

# ---------------------------------------------------------------------------
# Table limit under a MAC flood: mac-table-size=100; B (p2) and C (p3) are
# learned, then p1 sends from 1000 random MACs.  The table never holds more
# than 100 entries, B and C survive (a full table must not let one port
# evict everybody else), and traffic to B is still not flooded.
check "limit: mac-table-size=100" \
    vsctl set Bridge br0 other_config:mac-table-size=100
vsappctl fdb/flush br0 >/dev/null
inject p2 "$(frame $BCAST $B)"
inject p3 "$(frame $BCAST $C)"
sleep 0.2
check_output "limit: B learned on p2" "$P2 0" fdb br0 $B
check_output "limit: C learned on p3" "$P3 0" fdb br0 $C
check_output "limit: fdb/stats-show maximum is 100" "100" fdb_stat br0 max
python3 - "$VS_TMP/flood" <<'EOF'
import random, sys
rng = random.Random(4242)
with open(sys.argv[1], "w") as f:
    for i in range(1000):
        src = bytes([0x02] + [rng.randrange(256) for _ in range(5)])
        f.write("ffffffffffff" + src.hex() + "88b5" + "00" * 46 + "\n")
EOF
max_seen=0
for chunk in $(seq 0 9); do
    mapfile -t frames < <(sed -n "$((chunk * 100 + 1)),$((chunk * 100 + 100))p" \
                              "$VS_TMP/flood")
    inject p1 "${frames[@]}"
    sleep 0.05
    n=$(fdb_stat br0 current)
    [ "${n:-0}" -gt "$max_seen" ] && max_seen=$n
    sent_round >/dev/null
done
sleep 0.3
drain
n=$(fdb_stat br0 current)
[ "${n:-0}" -gt "$max_seen" ] && max_seen=$n
check_true "limit: the table never held more than 100 entries (max seen $max_seen)" \
    test "$max_seen" -le 100
check_true "limit: p1's flood was learned up to the limit (now $n entries)" \
    test "${n:-0}" -ge 50
check_output "limit: B still on p2 after the flood" "$P2 0" fdb br0 $B
check_output "limit: C still on p3 after the flood" "$P3 0" fdb br0 $C
check_true "limit: entries were evicted or refused (learned $(fdb_stat br0 learned), evicted $(fdb_stat br0 evicted))" \
    test "$(fdb_stat br0 evicted)" -gt 0 -o "$(fdb_stat br0 learned)" -le 100
f=$(frame $B $A)
expect_tx "limit: unicast to B is still not flooded" p1 "$f" "p2 $f"
f=$(frame $C $B)
expect_tx "limit: unicast to C is still not flooded" p2 "$f" "p3 $f"
check "limit: back to the default size" \
    vsctl remove Bridge br0 other_config mac-table-size

# ---------------------------------------------------------------------------
# Aging by simulated time: mac-aging-time=10; with the clock stopped, an
# entry survives 5 s, is gone after 11 s, and the next frame to it floods.
check "aging: mac-aging-time=10" \
    vsctl set Bridge br0 other_config:mac-aging-time=10
check_output "aging: time/stop" "" vsappctl time/stop
vsappctl fdb/flush br0 >/dev/null
expired0=$(fdb_stat br0 expired)
inject p1 "$(frame $BCAST $A)"
sleep 0.2
drain
check_output "aging: A learned on p1" "$P1 0" fdb br0 $A
check_output "aging: time/warp 5000" "warped" vsappctl time/warp 5000
sleep 0.3
check_output "aging: after 5 s A is still there" "$P1 0" fdb br0 $A
age=$(vsappctl fdb/show br0 | awk -v m=$A '$3 == m { print $4 }')
check_true "aging: A's age shows 5 s (${age:-none})" test "${age:-0}" -ge 5 -a "${age:-0}" -le 6
f=$(frame $A $B)
expect_tx "aging: at 5 s unicast to A still goes to p1 only" p2 "$f" "p1 $f"
# B was learned at t=5 s; A at t=0.
check_output "aging: time/warp 6000 (t = 11 s)" "warped" vsappctl time/warp 6000
check_true "aging: A expired from fdb/show" \
    wait_for 3 fdb_gone br0 $A
check_output "aging: B (learned at 5 s) has not expired" "$P2 0" fdb br0 $B
check_true "aging: fdb/stats-show expired total went up (${expired0:-?} -> $(fdb_stat br0 expired))" \
    test "$(fdb_stat br0 expired)" -gt "${expired0:-0}"
expect_tx "aging: the next frame to A floods again" p2 "$f" "p1 $f
p3 $f"
check_output "aging: time/warp 20000" "warped" vsappctl time/warp 20000
check_true "aging: table empty after 31 s" \
    wait_for 3 fdb_stat_is br0 current 0
check_error "aging: time/warp rejects garbage" 2 "MSECS" vsappctl time/warp xyz

# ===========================================================================
# The VLAN table.  brV has one port per mode; its own port is in VLAN 4001.
#   a10  access tag=10           a20  access tag=20
#   tr   trunk (every VLAN)      tr2  trunk (every VLAN)
#   t12  trunk trunks=10,20
#   nt   native-tagged tag=10    nu   native-untagged tag=10
# Each row injects one broadcast frame on one port:
#   U    untagged                 P    priority-tagged (VID 0, PCP 5)
#   T10  VID 10, PCP 3            T20  VID 20, PCP 6     T30  VID 30, PCP 1
# and lists what every port emits: "x" the input port, "-" nothing, "u"
# the frame untagged, a number N the frame tagged 8100 VID N with the
# input PCP (0 = a priority tag), and the drop reason if it is dropped.
# OVS semantics worth knowing: an access port takes priority-tagged frames
# and keeps their PCP on trunks; a native-* port never carries VLAN 0
# (untagged frames of a trunk do not reach it); a trunk keeps a priority
# tag with a nonzero PCP (VLAN 0 out tagged 0/5), and sends VLAN 0 with
# PCP 0 untagged; "trunks" without 0 drops untagged frames.  Every row
# (and every dot1q-tunnel case below) was checked against Open vSwitch 3.1
# (ofproto/trace on the same ports, other_config:vlan-limit=0).
check "vlan: create brV with one port per VLAN mode" \
    vsctl add-br brV -- set Interface brV type=dummy -- set Port brV tag=4001 \
    -- add-port brV a10 tag=10 -- set Interface a10 type=dummy \
    -- add-port brV a20 tag=20 -- set Interface a20 type=dummy \
    -- add-port brV tr -- set Interface tr type=dummy \
    -- add-port brV tr2 vlan_mode=trunk -- set Interface tr2 type=dummy \
    -- add-port brV t12 trunks=10,20 -- set Interface t12 type=dummy \
    -- add-port brV nt vlan_mode=native-tagged tag=10 \
    -- set Interface nt type=dummy \
    -- add-port brV nu vlan_mode=native-untagged tag=10 \
    -- set Interface nu type=dummy
VPORTS=(a10 a20 tr tr2 t12 nt nu)
PORTS=(brV "${VPORTS[@]}")
drain

declare -A KIND_TAG=([U]=- [P]=0/5 [T10]=10/3 [T20]=20/6 [T30]=30/1)
declare -A KIND_PCP=([U]=0 [P]=5 [T10]=3 [T20]=6 [T30]=1)
vlan_case_no=0
vlan_row() {
    local in=$1 kind=$2 reason=${10} src expected='' i code out pcp
    local -a codes=("$3" "$4" "$5" "$6" "$7" "$8" "$9")
    vlan_case_no=$((vlan_case_no + 1))
    printf -v src '02:00:00:01:%02x:%02x' $((vlan_case_no / 256)) \
        $((vlan_case_no % 256))
    pcp=${KIND_PCP[$kind]}
    for i in "${!VPORTS[@]}"; do
        code=${codes[i]}
        case $code in
            x|-) continue ;;
            u) out=$(frame $BCAST "$src") ;;
            *) out=$(frame $BCAST "$src" "$code/$pcp") ;;
        esac
        expected+="${VPORTS[i]} $out"$'\n'
    done
    expect_tx "vlan: $in $kind -> a10=$3 a20=$4 tr=$5 tr2=$6 t12=$7 nt=$8 nu=$9 drop=$reason" \
        "$in" "$(frame $BCAST "$src" "${KIND_TAG[$kind]}")" "$expected" "$reason"
}

#        in   frame a10 a20 tr  tr2 t12 nt  nu  drop
vlan_row a10  U     x   -   10  10  10  10  u   -
vlan_row a10  P     x   -   10  10  10  10  u   -
vlan_row a10  T10   x   -   -   -   -   -   -   vlan-tagged-on-access
vlan_row a10  T20   x   -   -   -   -   -   -   vlan-tagged-on-access
vlan_row a10  T30   x   -   -   -   -   -   -   vlan-tagged-on-access
vlan_row a20  U     -   x   20  20  20  20  20  -
vlan_row a20  P     -   x   20  20  20  20  20  -
vlan_row a20  T10   -   x   -   -   -   -   -   vlan-tagged-on-access
vlan_row a20  T20   -   x   -   -   -   -   -   vlan-tagged-on-access
vlan_row a20  T30   -   x   -   -   -   -   -   vlan-tagged-on-access
vlan_row tr   U     -   -   x   u   -   -   -   -
vlan_row tr   P     -   -   x   0   -   -   -   -
vlan_row tr   T10   u   -   x   10  10  10  u   -
vlan_row tr   T20   -   u   x   20  20  20  20  -
vlan_row tr   T30   -   -   x   30  -   30  30  -
vlan_row tr2  U     -   -   u   x   -   -   -   -
vlan_row tr2  P     -   -   0   x   -   -   -   -
vlan_row tr2  T10   u   -   10  x   10  10  u   -
vlan_row tr2  T20   -   u   20  x   20  20  20  -
vlan_row tr2  T30   -   -   30  x   -   30  30  -
vlan_row t12  U     -   -   -   -   x   -   -   vlan-not-trunked
vlan_row t12  P     -   -   -   -   x   -   -   vlan-not-trunked
vlan_row t12  T10   u   -   10  10  x   10  u   -
vlan_row t12  T20   -   u   20  20  x   20  20  -
vlan_row t12  T30   -   -   -   -   x   -   -   vlan-not-trunked
vlan_row nt   U     u   -   10  10  10  x   u   -
vlan_row nt   P     u   -   10  10  10  x   u   -
vlan_row nt   T10   u   -   10  10  10  x   u   -
vlan_row nt   T20   -   u   20  20  20  x   20  -
vlan_row nt   T30   -   -   30  30  -   x   30  -
vlan_row nu   U     u   -   10  10  10  10  x   -
vlan_row nu   P     u   -   10  10  10  10  x   -
vlan_row nu   T10   u   -   10  10  10  10  x   -
vlan_row nu   T20   -   u   20  20  20  20  x   -
vlan_row nu   T30   -   -   30  30  -   30  x   -

# A VLAN with no other member: counted as no-ports.
f=$(frame $BCAST 02:00:00:01:ff:01 40)
expect_tx "vlan: VLAN 40 from tr reaches tr2 nt nu only" tr "$f" \
    "tr2 $f
nt $f
nu $f"
# Learning is per VLAN: the same MAC in VLAN 10 and VLAN 20 is two entries,
# and a unicast in VLAN 20 to a MAC known only in VLAN 10 floods VLAN 20.
drain
inject a10 "$(frame $BCAST $A)"
sleep 0.2
drain
check_output "vlan: A learned on a10 in VLAN 10" "$(ofport a10) 10" fdb brV $A
f=$(frame $A $B 10/3)
expect_tx "vlan: unicast to A in VLAN 10 from tr goes to a10 untagged only" \
    tr "$f" "a10 $(frame $A $B)"
f=$(frame $A $B 20)
expect_tx "vlan: unicast to A in VLAN 20 floods VLAN 20 (learning is per VLAN)" \
    tr "$f" "a20 $(frame $A $B)
tr2 $f
t12 $f
nt $f
nu $f"
check_output "vlan: B learned on tr in VLANs 10 and 20" \
    "$(ofport tr) 10
$(ofport tr) 20" fdb brV $B

# Changing a port's mode takes effect on the next frame.
check "vlan: tr2 becomes access VLAN 20" \
    vsctl set Port tr2 vlan_mode=access tag=20
f=$(frame $BCAST 02:00:00:01:ff:03 20)
expect_tx "vlan: after the change, tr2 gets VLAN 20 untagged" tr "$f" \
    "a20 $(frame $BCAST 02:00:00:01:ff:03)
tr2 $(frame $BCAST 02:00:00:01:ff:03)
t12 $f
nt $f
nu $f"
check "vlan: tr2 back to trunk" \
    vsctl clear Port tr2 tag -- set Port tr2 vlan_mode=trunk

# Frames never cross bridges: nothing of brV's traffic reached br0.
PORTS=(br0 p1 p2 p3)
check_output "bridges: br0's ports saw none of brV's frames" "" sent_round

# ===========================================================================
# dot1q-tunnel (QinQ).  brQ:
#   q1   dot1q-tunnel tag=100                 (every customer VLAN)
#   q2   dot1q-tunnel tag=100 cvlans=10,20
#   q3   dot1q-tunnel tag=200 other_config:qinq-ethtype=802.1q
#   up   trunk (every VLAN)
# Customer frames get an outer tag (802.1ad 88a8 by default, 8100 with
# qinq-ethtype=802.1q, PCP 0) toward the trunk; the outer tag is removed
# toward the tunnel port; cvlans filters the inner VLAN both ways (an
# untagged customer frame has inner VLAN 0, so cvlans=10,20 refuses it).
check "qinq: create brQ" \
    vsctl add-br brQ -- set Interface brQ type=dummy -- set Port brQ tag=4002 \
    -- add-port brQ q1 vlan_mode=dot1q-tunnel tag=100 \
    -- set Interface q1 type=dummy \
    -- add-port brQ q2 vlan_mode=dot1q-tunnel tag=100 cvlans=10,20 \
    -- set Interface q2 type=dummy \
    -- add-port brQ q3 vlan_mode=dot1q-tunnel tag=200 \
       other_config:qinq-ethtype=802.1q -- set Interface q3 type=dummy \
    -- add-port brQ up -- set Interface up type=dummy
PORTS=(brQ q1 q2 q3 up)
drain
S=02:00:00:02:00:01
expect_tx "qinq: untagged from q1 -> up with outer 88a8:100 (q2 refuses cvlan 0)" \
    q1 "$(frame $BCAST $S)" "up $(frame $BCAST $S 88a8:100)"
S=02:00:00:02:00:02
expect_tx "qinq: cvlan 10 from q1 -> up double-tagged, q2 gets the inner tag" \
    q1 "$(frame $BCAST $S 10/2)" "up $(frame $BCAST $S 88a8:100,10/2)
q2 $(frame $BCAST $S 10/2)"
S=02:00:00:02:00:03
expect_tx "qinq: cvlan 30 from q1 -> up only (not in q2's cvlans)" \
    q1 "$(frame $BCAST $S 30)" "up $(frame $BCAST $S 88a8:100,30)"
S=02:00:00:02:00:04
expect_tx "qinq: cvlan 30 from q2 is dropped (cvlan-not-allowed)" \
    q2 "$(frame $BCAST $S 30)" "" cvlan-not-allowed
S=02:00:00:02:00:05
expect_tx "qinq: cvlan 20 from q2 -> up and q1" \
    q2 "$(frame $BCAST $S 20)" "up $(frame $BCAST $S 88a8:100,20)
q1 $(frame $BCAST $S 20)"
S=02:00:00:02:00:06
expect_tx "qinq: 88a8:100 + cvlan 10 from the trunk -> q1 and q2 with the inner tag" \
    up "$(frame $BCAST $S 88a8:100,10)" "q1 $(frame $BCAST $S 10)
q2 $(frame $BCAST $S 10)"
S=02:00:00:02:00:07
expect_tx "qinq: 88a8:100 without inner tag from the trunk -> q1 untagged" \
    up "$(frame $BCAST $S 88a8:100)" "q1 $(frame $BCAST $S)"
S=02:00:00:02:00:08
expect_tx "qinq: qinq-ethtype=802.1q pushes an 8100 outer tag" \
    q3 "$(frame $BCAST $S 5)" "up $(frame $BCAST $S 200,5)"
S=02:00:00:02:00:09
expect_tx "qinq: 8100:200 + cvlan 5 from the trunk -> q3 with the inner tag" \
    up "$(frame $BCAST $S 200,5)" "q3 $(frame $BCAST $S 5)"
check_output "qinq: learning in the service VLAN: q1's MAC in VLAN 100" \
    "$(ofport q1) 100" fdb brQ 02:00:00:02:00:02
f=$(frame 02:00:00:02:00:02 $S 88a8:100,10)
expect_tx "qinq: unicast from the trunk to a learned customer MAC -> q1 only" \
    up "$f" "q1 $(frame 02:00:00:02:00:02 $S 10)"

# ===========================================================================
# brN: two access ports in different VLANs and nothing else in them: a
# broadcast has nowhere to go (no-ports); a trunk added later receives it.
check "no-ports: create brN (n1 VLAN 1, n2 VLAN 2, LOCAL VLAN 3)" \
    vsctl add-br brN -- set Interface brN type=dummy -- set Port brN tag=3 \
    -- add-port brN n1 tag=1 -- set Interface n1 type=dummy \
    -- add-port brN n2 tag=2 -- set Interface n2 type=dummy
PORTS=(brN n1 n2)
drain
f=$(frame $BCAST $A)
expect_tx "no-ports: a broadcast in a VLAN nobody else carries is dropped (no-ports)" \
    n1 "$f" "" no-ports
check "no-ports: add trunk n3" \
    vsctl add-port brN n3 -- set Interface n3 type=dummy
PORTS=(brN n1 n2 n3)
expect_tx "no-ports: the trunk gets VLAN 1 tagged" n1 "$f" \
    "n3 $(frame $BCAST $A 1)"

check "coverage/show answers" vsappctl coverage/show

# ===========================================================================
# The netdev layer's own commands: the registered types with their options
# (what vsctl users read when a type or an option is refused), the dummy
# ports' counters, and a named receive queue that does not exist.
# tap and internal take no options (every DPDK type takes some: the
# vhost-user ones their queue pairs).
n_optionless=2
check_true "netdev/types: every type with its options" \
    bash -c "$VSAPPCTL netdev/types | grep -qx 'tap: .*' &&
             $VSAPPCTL netdev/types | grep -q '^    options:n_rxq: receive queues, 1..16' &&
             $VSAPPCTL netdev/types | grep -q '^    options:tx-capacity: ' &&
             $VSAPPCTL netdev/types | grep -q '^    options:pool: ' &&
             [ \$($VSAPPCTL netdev/types | grep -c '^    (no options)') = $n_optionless ]"
check_true "netdev-dummy/show: ports with their counters, pool unused" \
    bash -c "$VSAPPCTL netdev-dummy/show | grep -q '^n3: n_rxq=1 tx-capacity=32 pool=false link=up' &&
             $VSAPPCTL netdev-dummy/show | grep -qx 'pool: buffers=0 in-use=0'"
check_error "netdev-dummy/receive --queue: a queue the port lacks" 2 \
    "n1: no receive queue 3 (the port has 1" \
    vsappctl netdev-dummy/receive --queue 3 n1 "$f"
vs_stop
exit 0
