#!/bin/bash
# flow-export.sh -- NetFlow v5, v9 and IPFIX through the real daemon on
# dummy ports, checked field by field by a small Python collector
# (tests/flow-collector.py) on 127.0.0.1 and ::1.
#
# Topology: br0 with p1 (ofport 1) and p2 (ofport 2), both trunks, and
# its own port in VLAN 4000 so that it stays out of VLAN 0's floods.
# Frames from MAC ...:01 enter p1 towards the unknown MAC ...:02, so
# they are flooded to p2 alone (egress interface 2).  Time is stopped and
# warped ("vsappctl time/warp"), so the inactive timeout (5 s by default,
# other_config:inactive_timeout / cache_inactive_timeout) and the active
# timeout fire at once, deterministically.
#
# Intent: exact packet and byte counts per flow and per record, ICMP type
# and code where each format carries them, IPv6 in v9 and IPFIX, a flow
# outliving the active timeout reported in several records that add up,
# no count lost when an exporter, a forwarding thread or a bridge goes
# right after a burst, configurable inactive timeouts, commit-time
# validation (bad targets, versions, timeouts exit 1 and
# change nothing), and the show commands.
. "${srcdir:-.}/tests/lib.sh"

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 20 "$VSCTL" --timeout=15 "$@"; }

FRAME=$TESTS_SRCDIR/flow-frame.py
COLLECTOR=$TESTS_SRCDIR/flow-collector.py
M1=00:00:00:00:00:01
M2=00:00:00:00:00:02

if ! command -v python3 >/dev/null; then
    skip "flow-export" "python3 is not installed"
    exit 0
fi

vs_start || exit 1
vsctl add-br br0 -- set Interface br0 type=dummy -- set Port br0 tag=4000 \
    -- add-port br0 p1 -- set Interface p1 type=dummy ofport_request=1 \
    -- add-port br0 p2 -- set Interface p2 type=dummy ofport_request=2
vsappctl time/stop >/dev/null

# collector NAME ADDR: starts a collector; sets CPORT_NAME and prints
# nothing.  Its records go to $VS_TMP/NAME.json.
collector() {
    local name=$1 addr=$2
    python3 "$COLLECTOR" "$addr" "$VS_TMP/$name.port" "$VS_TMP/$name.json" &
    on_exit "kill $!"
    wait_for 10 test -s "$VS_TMP/$name.port"
    printf -v "CPORT_$name" '%s' "$(cat "$VS_TMP/$name.port")"
}

# send PORT N FRAME-ARGS...: injects the frame N times on PORT.
send() {
    local port=$1 n=$2 hex
    shift 2
    hex=$(python3 "$FRAME" "$@")
    for ((i = 0; i < n; i++)); do
        vsappctl netdev-dummy/receive "$port" "$hex" >/dev/null
    done
}

# records NAME FILTER: the collector's records matching a Python
# expression over 'r' (a dict), as "packets bytes" lines... or whatever
# FIELDS asks: records NAME FILTER FIELD...
records() {
    local name=$1 filter=$2
    shift 2
    python3 - "$VS_TMP/$name.json" "$filter" "$@" <<'PY'
import json, sys
path, flt, fields = sys.argv[1], sys.argv[2], sys.argv[3:]
for line in open(path):
    r = json.loads(line)
    if "message" in r or "fields" in r or "error" in r:
        continue
    if eval(flt):
        print(" ".join(str(r.get(f)) for f in fields))
PY
}

# total NAME FILTER FIELD: the sum of FIELD over matching records.
total() {
    records "$1" "$2" "$3" | awk '{ s += $1 } END { print s + 0 }'
}

errors() {
    grep -c '"error"' "$VS_TMP/$1.json" 2>/dev/null || true
}

# warp_export: lets every flow go idle and waits for the drain.
warp_export() {
    sleep 0.3                   # Two drains of the threads' tables.
    vsappctl time/warp 6000 >/dev/null
    sleep 0.3
    vsappctl time/warp 1000 >/dev/null
}

# ---------------------------------------------------------------------------
# NetFlow v5.
collector v5 127.0.0.1
vsctl -- set Bridge br0 netflow=@nf -- --id=@nf create NetFlow \
    targets=\"127.0.0.1:$CPORT_v5\" engine_type=3 engine_id=7 >/dev/null
send p1 7 udp $M1 $M2 10.0.0.1 10.0.0.2 5001 6001 100
send p1 3 icmp $M1 $M2 10.0.0.1 10.0.0.2 8 0
send p1 2 udp6 $M1 $M2 2001:db8::1 2001:db8::2 5001 6001
warp_export
wait_for 10 test -n "$(records v5 'r.get("proto") == 1' packets)"
check_output "v5: UDP flow, exact counts and IP bytes" \
    "10.0.0.1 10.0.0.2 5001 6001 17 7 $((7 * 128)) 1 2" \
    records v5 'r.get("proto") == 17' src dst sport dport proto packets \
    bytes in out
check_output "v5: ICMP type/code in the destination port (8*256+0)" \
    "0 2048 3" records v5 'r.get("proto") == 1' sport dport packets
check_true "v5: header carries engine type and id" \
    grep -q '"engine_type": 3, "engine_id": 7' "$VS_TMP/v5.json"
check_output "v5: IPv6 flows are not exported by v5" "" \
    records v5 'r.get("src", "").count(":")' src
# show_has CMD BRIDGE PATTERN...: every PATTERN is in the output.
show_has() {
    local out p
    out=$(vsappctl "$1" "$2") || return 1
    shift 2
    for p in "$@"; do
        grep -qF -- "$p" <<<"$out" || { echo "no <<$p>> in <<$out>>"; return 1; }
    done
}
check "netflow/show counts records and the skipped IPv6 flow" \
    show_has netflow/show br0 "records exported: 2 " "IPv6): 1" \
    "NetFlow v5 to 127.0.0.1:$CPORT_v5" "engine type 3, engine id 7"

# add_id_to_interface: the top 7 bits of the interface are the engine id.
vsctl set NetFlow . add_id_to_interface=true
send p1 1 udp $M1 $M2 10.0.0.1 10.0.0.2 5002 6002
warp_export
wait_for 10 test -n "$(records v5 'r.get("sport") == 5002' in)"
check_output "v5: add_id_to_interface puts engine_id in the top bits" \
    "$((7 << 9 | 1)) $((7 << 9 | 2))" \
    records v5 'r.get("sport") == 5002' in out

# ---------------------------------------------------------------------------
# NetFlow v9 to IPv6 and IPv4 collectors at once.
collector v9 ::1
collector v9b 127.0.0.1
vsctl set NetFlow . add_id_to_interface=false other_config:version=9 \
    targets="\"[::1]:$CPORT_v9\",\"127.0.0.1:$CPORT_v9b\""
send p1 5 udp $M1 $M2 10.0.0.1 10.0.0.2 5003 6003 100
send p1 4 icmp6 $M1 $M2 2001:db8::1 2001:db8::2 128 0
send p1 6 udp6 $M1 $M2 2001:db8::1 2001:db8::2 7000 53 30
send p1 2 icmp $M1 $M2 10.0.0.1 10.0.0.2 3 13
warp_export
wait_for 10 test -n "$(records v9 'r.get("icmp") == 3 * 256 + 13' icmp)"
check_output "v9: IPv4 UDP record" "256 10.0.0.1 10.0.0.2 5003 6003 5 640 1 2" \
    records v9 'r.get("sport") == 5003' template src dst sport dport \
    packets bytes in out
check_output "v9: ICMPv6 echo as ICMP_IPv6_TYPE (139)" \
    "257 2001:db8::1 2001:db8::2 4 $((128 * 256))" \
    records v9 'r.get("proto") == 58' template src dst packets icmp
check_output "v9: IPv6 UDP record" "2001:db8::1 7000 53 6 $((6 * 78))" \
    records v9 'r.get("dport") == 53' src sport dport packets bytes
check_output "v9: ICMP type/code as ICMP_TYPE (32), ports 0" "0 0 2 781" \
    records v9 'r.get("proto") == 1' sport dport packets icmp
check_output "v9: the IPv4 collector got the same records" "4" \
    bash -c "python3 - <<PY
import json
print(sum(1 for l in open('$VS_TMP/v9b.json') if '\"packets\"' in l))
PY"
check_output "v9: no undecodable sets" "0" errors v9

# ---------------------------------------------------------------------------
# Active timeout: a flow that lasts 25 s with a 10 s active timeout.
vsctl set NetFlow . active_timeout=10
for s in 1 2 3 4 5; do
    send p1 3 udp $M1 $M2 10.0.0.1 10.0.0.2 5004 6004
    sleep 0.3
    vsappctl time/warp 4000 >/dev/null
    sleep 0.3
    vsappctl time/warp 1000 >/dev/null
done
warp_export
wait_for 10 test "$(total v9 'r.get("sport") == 5004' packets)" = 15
n=$(records v9 'r.get("sport") == 5004' packets | wc -l)
check_true "active timeout: several records ($n) for one long flow" \
    test "$n" -ge 2
check_output "active timeout: the records add up to the 15 packets" 15 \
    total v9 'r.get("sport") == 5004' packets
vsctl clear Bridge br0 netflow

# ---------------------------------------------------------------------------
# IPFIX, sampling 1: every packet.  A third port makes the unknown
# destination a flood to two ports (egress interface 65535).
vsctl add-port br0 p3 -- set Interface p3 type=dummy ofport_request=3
collector ipfix 127.0.0.1
vsctl -- set Bridge br0 ipfix=@i -- --id=@i create IPFIX \
    targets=\"127.0.0.1:$CPORT_ipfix\" sampling=1 obs_domain_id=42 \
    obs_point_id=9 >/dev/null
send p1 9 udp $M1 $M2 10.0.0.1 10.0.0.2 5005 6005 100
send p1 7 icmp $M1 $M2 10.0.0.1 10.0.0.2 8 0
send p1 5 icmp6 $M1 $M2 2001:db8::1 2001:db8::2 128 0
send p1 2 arp $M1 ff:ff:ff:ff:ff:ff
warp_export
wait_for 10 test -n "$(records ipfix 'r.get("eth_type") == 0x806' packets)"
check_output "IPFIX: IPv4 UDP delta counts, MACs, interfaces, reason" \
    "9 $((9 * 128)) 00:00:00:00:00:01 00:00:00:00:00:02 1 65535 1 9" \
    records ipfix 'r.get("sport") == 5005' packets bytes src_mac dst_mac \
    in out end_reason obs_point
check_output "IPFIX: icmpTypeCodeIPv4 (32), exact packets" "7 2048 0 0" \
    records ipfix 'r.get("proto") == 1' packets icmp sport dport
check_output "IPFIX: icmpTypeCodeIPv6 (139), IPv6 addresses" \
    "5 32768 2001:db8::2" \
    records ipfix 'r.get("proto") == 58' packets icmp dst
check_output "IPFIX: a non-IP flow with its Ethernet type, flooded" \
    "2 2054 65535" \
    records ipfix 'r.get("eth_type") == 0x806' packets eth_type out
check_true "IPFIX: observation domain in the header" \
    grep -q '"domain": 42' "$VS_TMP/ipfix.json"
check_true "IPFIX: start and end times are epoch milliseconds" \
    test "$(records ipfix 'r.get("sport") == 5005' start_ms | cut -c1-2)" \
         -ge 16
check_output "IPFIX: no undecodable sets" "0" errors ipfix
check "ipfix/show counts records and templates" \
    show_has ipfix/show br0 "records exported: 4 " "templates sent: 4" \
    "sampling 1 in 1, observation domain 42, observation point 9" \
    "flows evicted (cache full): 0" "send errors: 0" \
    "interface names sent: 4" \
    "thread tables drained early (half full): 0" \
    "packets not counted (thread tables full): 0"

# Interface names: an options template scoped by ingressInterface (10)
# with interfaceName (82), and one options record per port.
check_output "IPFIX: options template 259, scope ingressInterface" \
    '{"options_template": 259, "scope": 1, "fields": [[10, 4], [82, 65535]]}' \
    bash -c "grep -m1 options_template '$VS_TMP/ipfix.json'"
want=$(for i in br0 p1 p2 p3; do echo "$(vsctl get Interface $i ofport) $i"; done \
       | sort -n)
got=$(records ipfix 'r.get("template") == 259' in if_name | sort -un)
check_output "IPFIX: interface names by number (ofport)" "$want" echo "$got"
# A port added: the names again at once, with the new one.
vsctl add-port br0 p9 -- set Interface p9 type=dummy ofport_request=9
send p1 1 udp $M1 $M2 10.0.0.1 10.0.0.2 5009 6009
warp_export
wait_for 10 test -n "$(records ipfix 'r.get("if_name") == "p9"' in)"
check_output "IPFIX: a new port's name is sent when it appears" "9" \
    records ipfix 'r.get("if_name") == "p9"' in
vsctl del-port br0 p9

# Sampling 1 in 4 over 4000 packets: counts are the sample, unscaled.
vsctl set IPFIX . sampling=4
hex=$(python3 "$FRAME" udp $M1 $M2 10.0.0.1 10.0.0.2 5006 6006)
if vsappctl netdev-dummy/receive p1 $hex $hex >/dev/null 2>&1; then
    for ((i = 0; i < 100; i++)); do
        vsappctl netdev-dummy/receive p1 $(for ((j = 0; j < 40; j++)); do
            printf '%s ' "$hex"; done) >/dev/null
    done
    warp_export
    wait_for 10 test -n "$(records ipfix 'r.get("sport") == 5006' packets)"
    got=$(total ipfix 'r.get("sport") == 5006' packets)
    check_true "IPFIX sampling 4: about 1000 of 4000 packets ($got)" \
        test "$got" -ge 850 -a "$got" -le 1150
else
    skip "IPFIX sampling 4" "netdev-dummy/receive takes one frame"
fi
vsctl clear Bridge br0 ipfix

# ---------------------------------------------------------------------------
# Nothing counted is lost when what counted it goes (issue 8, gap 1): an
# exporter removed or changed, a forwarding thread ended, a bridge
# removed -- each right after a burst, before the next 100 ms drain of the
# threads' tables.  Exact totals, flowEndReason "forced end" (4).

# burst PORT N FRAME-ARGS...: N copies of a frame in one injection.
burst() {
    local port=$1 n=$2 hex
    shift 2
    hex=$(python3 "$FRAME" "$@")
    vsappctl netdev-dummy/receive "$port" \
        $(for ((i = 0; i < n; i++)); do printf '%s ' "$hex"; done) >/dev/null
}

# An IPFIX exporter removed: three times create, send 20, remove at once.
collector gone 127.0.0.1
for r in 1 2 3; do
    vsctl -- set Bridge br0 ipfix=@i -- --id=@i create IPFIX \
        targets=\"127.0.0.1:$CPORT_gone\" sampling=1 >/dev/null
    burst p1 20 udp $M1 $M2 10.0.0.1 10.0.0.2 5101 6101
    vsctl clear Bridge br0 ipfix
done
wait_for 10 test "$(total gone 'r.get("sport") == 5101' packets)" -ge 60
check_output "exporter removed: all 60 packets exported" 60 \
    total gone 'r.get("sport") == 5101' packets
reasons() { records "$1" "$2" end_reason | sort -u; }
check_output "exporter removed: its flows end with reason forced end (4)" \
    "4" reasons gone 'r.get("sport") == 5101'

# An exporter whose targets change: the old collector gets what was sent
# before the change, the new one what was sent after.
collector old 127.0.0.1
collector new 127.0.0.1
vsctl -- set Bridge br0 netflow=@nf -- --id=@nf create NetFlow \
    targets=\"127.0.0.1:$CPORT_old\" other_config:version=9 >/dev/null
for r in 1 2 3; do
    burst p1 20 udp $M1 $M2 10.0.0.1 10.0.0.2 5102 6102
    vsctl set NetFlow . targets=\"127.0.0.1:$CPORT_new\"
    burst p1 10 udp $M1 $M2 10.0.0.1 10.0.0.2 5102 6102
    vsctl set NetFlow . targets=\"127.0.0.1:$CPORT_old\"
done
warp_export
wait_for 10 test "$(total new 'r.get("sport") == 5102' packets)" -ge 30
check_output "targets changed: the old collector got the 60 sent before" \
    60 total old 'r.get("sport") == 5102' packets
check_output "targets changed: the new collector got the 30 sent after" \
    30 total new 'r.get("sport") == 5102' packets

# A forwarding thread ends: the thread count goes 1 -> 2 -> 1 right after
# bursts.
for n in 2 1 2 1; do
    burst p1 20 udp $M1 $M2 10.0.0.1 10.0.0.2 5103 6103
    vsctl set Open_vSwitch . other_config:n-forwarding-threads=$n
done
vsctl remove Open_vSwitch . other_config n-forwarding-threads
warp_export
wait_for 10 test "$(total old 'r.get("sport") == 5103' packets)" -ge 80
check_output "threads ended: all 80 packets exported" 80 \
    total old 'r.get("sport") == 5103' packets

# A bridge removed with its NetFlow.
vsctl clear Bridge br0 netflow
for r in 1 2 3; do
    vsctl add-br br1 -- set Interface br1 type=dummy \
        -- add-port br1 p4 -- set Interface p4 type=dummy \
        -- add-port br1 p5 -- set Interface p5 type=dummy \
        -- set Bridge br1 netflow=@nf -- --id=@nf create NetFlow \
        targets=\"127.0.0.1:$CPORT_old\" other_config:version=9 >/dev/null
    burst p4 20 udp $M1 $M2 10.0.0.1 10.0.0.2 5104 6104
    vsctl del-br br1
done
wait_for 10 test "$(total old 'r.get("sport") == 5104' packets)" -ge 60
check_output "bridge removed: all 60 packets exported" 60 \
    total old 'r.get("sport") == 5104' packets

# ---------------------------------------------------------------------------
# Inactive timeout (gap 2): other_config:inactive_timeout (NetFlow) and
# other_config:cache_inactive_timeout (IPFIX), 5 s by default.
vsctl -- set Bridge br0 netflow=@nf -- --id=@nf create NetFlow \
    targets=\"127.0.0.1:$CPORT_old\" other_config:version=9 \
    other_config:inactive_timeout=30 >/dev/null
check "netflow/show: inactive timeout 30 s" \
    show_has netflow/show br0 "inactive timeout 30 s"
send p1 4 udp $M1 $M2 10.0.0.1 10.0.0.2 5105 6105
warp_export                     # 7 s idle: not yet.
sleep 1.2
check_output "inactive_timeout=30: no record after 7 s idle" 0 \
    total old 'r.get("sport") == 5105' packets
for i in 1 2 3; do vsappctl time/warp 9000 >/dev/null; sleep 0.2; done
vsappctl time/warp 1000 >/dev/null
wait_for 10 test "$(total old 'r.get("sport") == 5105' packets)" -ge 4
check_output "inactive_timeout=30: the record after 30 s idle" 4 \
    total old 'r.get("sport") == 5105' packets
vsctl clear Bridge br0 netflow
vsctl -- set Bridge br0 ipfix=@i -- --id=@i create IPFIX \
    targets=\"127.0.0.1:$CPORT_gone\" sampling=1 \
    other_config:cache_inactive_timeout=2 >/dev/null
check "ipfix/show: inactive timeout 2 s" \
    show_has ipfix/show br0 "inactive timeout 2 s"
send p1 3 udp $M1 $M2 10.0.0.1 10.0.0.2 5106 6106
sleep 0.3
vsappctl time/warp 3000 >/dev/null
sleep 0.3
vsappctl time/warp 1000 >/dev/null
wait_for 10 test "$(total gone 'r.get("sport") == 5106' packets)" -ge 3
check_output "cache_inactive_timeout=2: ends after 3 s idle, reason 1" \
    "3 1" records gone 'r.get("sport") == 5106' packets end_reason
vsctl clear Bridge br0 ipfix

# ---------------------------------------------------------------------------
# Validation: refused at commit, exit 1, nothing changed.
before=$(db_dump)
check_error "bad target refused" 1 "targets" \
    vsctl -- set Bridge br0 netflow=@nf -- --id=@nf create NetFlow \
    targets=\"nowhere\"
check_error "IPv6 target without brackets refused" 1 "brackets" \
    vsctl -- set Bridge br0 netflow=@nf -- --id=@nf create NetFlow \
    targets=\"::1:9995\"
check_error "port out of range refused" 1 "port" \
    vsctl -- set Bridge br0 netflow=@nf -- --id=@nf create NetFlow \
    targets=\"127.0.0.1:70000\"
check_error "NetFlow version 7 refused" 1 "version" \
    vsctl -- set Bridge br0 netflow=@nf -- --id=@nf create NetFlow \
    targets=\"127.0.0.1:9\" other_config:version=7
check_error "active_timeout -2 refused" 1 "active_timeout" \
    vsctl -- set Bridge br0 netflow=@nf -- --id=@nf create NetFlow \
    targets=\"127.0.0.1:9\" active_timeout=-2
check_error "negative IPFIX cache_active_timeout refused" 1 \
    "cache_active_timeout" \
    vsctl -- set Bridge br0 ipfix=@i -- --id=@i create IPFIX \
    targets=\"127.0.0.1:9\" cache_active_timeout=-1
check_error "IPFIX sampling 0 refused" 1 "sampling" \
    vsctl -- set Bridge br0 ipfix=@i -- --id=@i create IPFIX \
    targets=\"127.0.0.1:9\" sampling=0
for v in abc 0 3601 -5; do
    check_error "NetFlow inactive_timeout=$v refused" 1 \
        "other_config:inactive_timeout: \"$v\" is not an integer from 1 to 3600" \
        vsctl -- set Bridge br0 netflow=@nf -- --id=@nf create NetFlow \
        targets=\"127.0.0.1:9\" other_config:inactive_timeout=$v
done
check_error "IPFIX cache_inactive_timeout=5s refused" 1 \
    "IPFIX other_config:cache_inactive_timeout: \"5s\" is not an integer" \
    vsctl -- set Bridge br0 ipfix=@i -- --id=@i create IPFIX \
    targets=\"127.0.0.1:9\" other_config:cache_inactive_timeout=5s
check_output "refused changes left the database alone" "$before" db_dump
check_error "netflow/show without NetFlow" 2 "no NetFlow on bridge br0" \
    vsappctl netflow/show br0
