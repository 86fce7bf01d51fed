#!/bin/bash
# dpdk-features.sh -- the datapath's features on DPDK ports (root, a DPDK
# build, 2 MiB huge pages), every check on what a user sees: the frames in
# net_pcap output files, Mirror and Interface statistics, drop reasons in
# "vsappctl dpif/show", flow records at a collector, dp/trace's text.
#
#   brM  SPAN and RSPAN mirrors: pa, pb (trunks 0,10,20) forward to each
#        other; mon (net_pcap) is the SPAN port; t999 (net_pcap, trunk of
#        VLAN 999) carries RSPAN copies.
#   brF  NetFlow v9 and IPFIX (sampling 1) of what fa's pcap file fed,
#        to tests/flow-collector.py.
#   brQ  QoS: a net_pcap port replaying a file forever (infinite_rx) into
#        a net_null sink, shaped by a linux-htb max-rate (the userspace
#        shaper), then an egress-policer, then policed on ingress.
#   brD  drop reasons (runt, truncated-vlan, vlan-not-trunked, mtu; a
#        frame over one mbuf in rx_errors) and dp/trace on DPDK ports; a
#        net_pcap port with two receive queues, and one asked for two that
#        has one.
#
# Frames are fed to a running port by pointing its options:dpdk-devargs
# at a new rx_pcap file (the port is re-attached and reads it once) with a
# new tx_pcap file, so each phase reads an output file of its own.
# Everything is removed at exit, even on failure.
. "${srcdir:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
    skip "dpdk-features" "needs root (huge pages)"
    exit 0
fi

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 30 "$VSCTL" --timeout=25 "$@"; }
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; vs_cleanup' EXIT

# Bridges' internal ports are kernel TAPs: names unique to this run.  Each
# bridge's own port sits in VLAN 4000, out of the floods.
BM=vsf$$m BF=vsf$$f BQ=vsf$$q BD=vsf$$d
export VS_REAL_NETDEVS=1
vs_start || exit 1

# Huge pages: DPDK needs some free (tools/run-tests and CI reserve them).
dpdk_test_ready dpdk-features dpdk || exit 0

check "setup: stats-update-interval=1000, dpdk-init=true" \
    vsctl set Open_vSwitch . other_config:stats-update-interval=1000 \
    other_config:dpdk-init=true
check_output "setup: dpdk_initialized" "true" \
    vsctl get Open_vSwitch . dpdk_initialized

# ---------------------------------------------------------------------------
# pcap files.
P=$VS_TMP
PCAP=$VS_TMP/pcap.py
cat >"$PCAP" <<'EOF'
"""pcap files for dpdk-features.sh.

write FILE HEX...   a pcap file of these frames
read FILE           one line per frame: "CAPLEN HEX" (nothing if no file)
"""
import struct, sys

if sys.argv[1] == "write":
    with open(sys.argv[2], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, h in enumerate(sys.argv[3:]):
            f = bytes.fromhex(h)
            out.write(struct.pack("<IIII", i, 0, len(f), len(f)) + f)
else:
    try:
        data = open(sys.argv[2], "rb").read()
    except OSError:
        sys.exit(0)
    # Micro- or nanosecond timestamps (DPDK's net_pcap writes the latter).
    e = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack(e + "IIII", data[pos:pos + 16])[2]
        print(incl, data[pos + 16:pos + 16 + incl].hex())
        pos += 16 + incl
EOF
pcap_write() { python3 "$PCAP" write "$@"; }
pcap_hex() { python3 "$PCAP" read "$1" | cut -d' ' -f2 | sort; }
pcap_n() { python3 "$PCAP" read "$1" | grep -c . || true; }
pcap_n_is() { [ "$(pcap_n "$1")" = "$2" ]; }
sorted() { printf '%s\n' "$@" | sed '/^$/d' | sort; }

# expect_tx NAME PORT HEX...: what PORT sent since the last expect_tx on
# it (or since its output file was new) is exactly these frames, in any
# order, once they have all arrived and nothing more came in half a
# second.
expect_tx() {
    local name=$1 port=$2 want got n file
    shift 2
    file=${TXF[$port]}
    want=$(sorted "$@")
    for ((i = 0; i < 100; i++)); do
        n=$(pcap_n "$file")
        [ "$n" -ge $((MARK[$port] + $#)) ] && break
        sleep 0.1
    done
    sleep 0.5
    n=$(pcap_n "$file")
    got=$(python3 "$PCAP" read "$file" | tail -n +$((MARK[$port] + 1)) \
          | cut -d' ' -f2 | sort)
    MARK[$port]=$n
    if [ "$got" = "$want" ]; then
        pass "$name"
    else
        fail "$name" "expected $# frames <<$(tr '\n' ' ' <<<"$want")>> got <<$(tr '\n' ' ' <<<"$got")>>"
    fi
}

# DPDK ports.  dev PORT: its devargs' device name; RX/TX: the files it
# reads and writes now.
declare -A DEV RXF TXF NFEED MARK
# add_pcap BR PORT DEVNAME [PORT-ARGS...]: a net_pcap port with an empty
# input file and an output file (a check named after it).
add_pcap() {
    local br=$1 port=$2 dev=$3
    shift 3
    DEV[$port]=$dev NFEED[$port]=0 MARK[$port]=0
    RXF[$port]=$P/$port-in0.pcap TXF[$port]=$P/$port-out0.pcap
    pcap_write "${RXF[$port]}"
    check "$br: add $port ($dev${*:+ $*})" vsctl add-port "$br" "$port" "$@" -- set Interface "$port" type=dpdk \
        "options:dpdk-devargs=$dev,rx_pcap=${RXF[$port]},tx_pcap=${TXF[$port]}"
}
# feed PORT HEX...: PORT reads these frames from a new file and writes a
# new output file (TXF[PORT]).
feed() {
    local port=$1 n
    shift
    n=$((NFEED[$port] + 1))
    NFEED[$port]=$n MARK[$port]=0
    RXF[$port]=$P/$port-in$n.pcap TXF[$port]=$P/$port-out$n.pcap
    pcap_write "${RXF[$port]}" "$@"
    vsctl set Interface "$port" \
        "options:dpdk-devargs=${DEV[$port]},rx_pcap=${RXF[$port]},tx_pcap=${TXF[$port]}"
}

port_stat() {   # port_stat PORT rx|tx: packets from vsappctl dpif/show
    vsappctl dpif/show | awk -v p="$1" -v d="$2:" '
        $1 == p && $2 ~ /^[0-9]+:$/ { f = 1; next }
        f && $1 == d { print $2; exit }'
}
drop_is() { [ "$(port_drop "$1" "$2")" = "$3" ]; }
istat_is() { [ "$(vsctl get Interface "$1" "statistics:$2")" = "$3" ]; }
mstat() { vsctl get Mirror "$1" "statistics:$2" 2>/dev/null; }
mstat_is() { [ "$(mstat "$1" "$2")" = "$3" ]; }

A=02:00:00:00:00:0a B=02:00:00:00:00:0b C=02:00:00:00:00:0c
BCAST=ff:ff:ff:ff:ff:ff

# tagged HEX VID: HEX with an 802.1Q tag VID inserted after the MACs.
tagged() { printf '%s8100%04x%s\n' "${1:0:24}" "$2" "${1:24}"; }

# ===========================================================================
# 1. Mirrors.
check "mirror: $BM with pa, pb (trunks 0,10,20) and mon" \
    vsctl add-br $BM -- set Interface $BM type=dummy -- set Port $BM tag=4000 \
    -- set Bridge $BM flood_vlans=999
add_pcap $BM pa net_pcap10 trunks=0,10,20
add_pcap $BM pb net_pcap11 trunks=0,10,20
add_pcap $BM mon net_pcap12 trunks=0,10,20
check "mirror: m1 select_all -> mon" \
    vsctl -- --id=@p get Port mon \
    -- --id=@m create Mirror name=m1 select_all=true output_port=@p \
    -- add Bridge $BM mirrors @m
sleep 0.5

# Both directions: a's broadcast and unicast to B (unknown: flooded to pb),
# then b's unicast to A (learned: to pa alone) and broadcast.
f1=$(frame $BCAST $A) f2=$(frame $B $A - 88b5 100)
f3=$(frame $A $B - 88b5 200) f4=$(frame $BCAST $B - 88b5 47)
feed pa "$f1" "$f2"
expect_tx "span: pb got a's broadcast and unicast" pb "$f1" "$f2"
feed pb "$f3" "$f4"
expect_tx "span: pa got b's unicast and broadcast" pa "$f3" "$f4"
expect_tx "span: mon holds exactly one copy of each, both directions" mon "$f1" "$f2" "$f3" "$f4"
check_output "span: mon's tx_pcap as tcpdump reads it: 4 frames" 4 \
    sh -c "tcpdump -nr '${TXF[mon]}' 2>/dev/null | grep -c ' ethertype '"
check_true "span: Mirror m1 statistics tx_packets = 4" \
    wait_for 5 mstat_is m1 tx_packets 4
check_output "span: Mirror m1 statistics tx_bytes" \
    $(( ${#f1} / 2 + ${#f2} / 2 + ${#f3} / 2 + ${#f4} / 2 )) \
    mstat m1 tx_bytes
check_true "span: mirror/show names the SPAN port" \
    sh -c "'$VSAPPCTL' mirror/show $BM | grep -q 'destination: SPAN port mon'"

# What the SPAN port receives goes nowhere and is counted.
before=$(port_drop mon mirror-output)
feed mon "$(frame $BCAST $C)" "$(frame $A $C)"
check_true "span: what mon receives is counted as mirror-output (2)" \
    wait_for 5 drop_is mon mirror-output $((before + 2))
check_true "span: ... in the datapath-wide drops too" \
    test "$(drop_count mirror-output)" -ge 2
expect_tx "span: ... and pa sent none of it" pa
expect_tx "span: ... nor pb" pb

# select_src_port: only what enters pa.
check "src: m1 selects what enters pa only" \
    vsctl -- --id=@p get Port pa -- set Mirror m1 select_all=false \
    select_src_port=@p
f5=$(frame $BCAST $A - 88b5 60) f6=$(frame $A $B - 88b5 61)
feed pb "$f6"
expect_tx "src: pa got b's" pa "$f6"
feed pa "$f5"
expect_tx "src: pb got a's" pb "$f5"
expect_tx "src: mon got the copy of what entered pa only" mon "$f5"

# select_dst_port: only what leaves pb (B was learned there).
check "dst: m1 selects what leaves pb only" \
    vsctl -- --id=@p get Port pb -- clear Mirror m1 select_src_port \
    -- set Mirror m1 select_dst_port=@p
f7=$(frame $B $A - 88b5 67) f8=$(frame $A $B - 88b5 68)
feed pa "$f7"
expect_tx "dst: pb got a's unicast" pb "$f7"
feed pb "$f8"
expect_tx "dst: pa got b's unicast" pa "$f8"
expect_tx "dst: mon got the copy of what left pb only" mon "$f7"

# select_vlan 10 on every port.
check "vlan: m1 selects VLAN 10" \
    vsctl clear Mirror m1 select_dst_port -- set Mirror m1 select_all=true \
    select_vlan=10
f10=$(frame $BCAST $A 10) f20=$(frame $BCAST $A 20) f0=$(frame $BCAST $A - 88b5 62)
feed pa "$f10" "$f20" "$f0"
expect_tx "vlan: pb got all three" pb "$f10" "$f20" "$f0"
expect_tx "vlan: mon got the VLAN 10 frame alone, tagged (trunk)" mon "$f10"

# snaplen 64.
check "snaplen: m1 every VLAN, snaplen=64" \
    vsctl clear Mirror m1 select_vlan -- set Mirror m1 snaplen=64
big=$(frame $BCAST $A - 88b5 500)
feed pa "$big"
expect_tx "snaplen: pb got the 514-byte frame whole" pb "$big"
expect_tx "snaplen: mon got its first 64 bytes" mon "${big:0:128}"
check_output "snaplen: tcpdump sees a 64-byte frame on mon" 1 \
    sh -c "tcpdump -nr '${TXF[mon]}' 2>/dev/null | grep ' ethertype ' | tail -1 | grep -c 'length 64:'"
check "snaplen: cleared" vsctl clear Mirror m1 snaplen

# A pcap filter.
check "filter: m1 filter 'ether src $A'" \
    vsctl set Mirror m1 "filter=\"ether src $A\""
fa=$(frame $BCAST $A - 88b5 63) fc=$(frame $BCAST $C - 88b5 64)
feed pa "$fa" "$fc"
expect_tx "filter: pb got both" pb "$fa" "$fc"
expect_tx "filter: mon got the frame from $A alone" mon "$fa"
check "filter: cleared" vsctl clear Mirror m1 filter

# RSPAN to VLAN 999 on the trunk t999, with the SPAN to mon as well.
add_pcap $BM t999 net_pcap13 trunks=999
check "rspan: r1 select_all -> VLAN 999" \
    vsctl -- --id=@m create Mirror name=r1 select_all=true output_vlan=999 \
    -- add Bridge $BM mirrors @m
sleep 0.3
g0=$(frame $BCAST $A - 88b5 65) g10=$(frame $BCAST $A 10 88b5 66)
feed pa "$g0" "$g10"
expect_tx "rspan: pb got both" pb "$g0" "$g10"
expect_tx "rspan: t999 got the copies tagged 999 (VLAN 10's re-tagged)" t999 "$(tagged "$g0" 999)" \
    "$(tagged "$(frame $BCAST $A - 88b5 66)" 999)"
expect_tx "rspan: mon (SPAN) still gets one copy of each" mon \
    "$g0" "$g10"
check_true "rspan: Mirror r1 statistics tx_packets = 2" \
    wait_for 5 mstat_is r1 tx_packets 2
check "mirror: del-br $BM" vsctl del-br $BM

# ===========================================================================
# 2. Flow export: NetFlow v9 and IPFIX (sampling 1) of what fa's file fed.
FRAME=$TESTS_SRCDIR/flow-frame.py
COLLECTOR=$TESTS_SRCDIR/flow-collector.py
M1=00:00:00:00:00:01 M2=00:00:00:00:00:02
collector() {   # collector NAME: records in $VS_TMP/NAME.json
    python3 "$COLLECTOR" 127.0.0.1 "$VS_TMP/$1.port" "$VS_TMP/$1.json" &
    on_exit "kill $!"
    wait_for 10 test -s "$VS_TMP/$1.port"
}
# records NAME FILTER FIELD...: matching records' fields, one per line.
records() {
    local name=$1 filter=$2
    shift 2
    python3 - "$VS_TMP/$name.json" "$filter" "$@" <<'PY'
import json, sys
path, flt, fields = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    lines = open(path).readlines()
except OSError:
    lines = []
for line in lines:
    r = json.loads(line)
    if "message" in r or "fields" in r or "error" in r:
        continue
    if eval(flt):
        print(" ".join(str(r.get(f)) for f in fields))
PY
}
total() { records "$1" "$2" "$3" | awk '{ s += $1 } END { print s + 0 }'; }
total_is() { [ "$(total "$1" "$2" "$3")" = "$4" ]; }
icmp_counts() { records "$1" 'r.get("proto") == 1' packets icmp | sort -r; }
ff() { python3 "$FRAME" "$@"; }
rep() { local n=$1 i; shift; for ((i = 0; i < n; i++)); do echo "$1"; done; }

check "flow: $BF with fa, fb" \
    vsctl add-br $BF -- set Interface $BF type=dummy -- set Port $BF tag=4000
add_pcap $BF fa net_pcap20
add_pcap $BF fb net_pcap21
collector v9
collector ipfix
check "flow: NetFlow v9 and IPFIX sampling=1, 1 s inactive timeouts" \
    vsctl -- set Bridge $BF netflow=@nf ipfix=@i \
    -- --id=@nf create NetFlow targets=\"127.0.0.1:$(cat $VS_TMP/v9.port)\" \
       other_config:version=9 other_config:inactive_timeout=1 \
    -- --id=@i create IPFIX targets=\"127.0.0.1:$(cat $VS_TMP/ipfix.port)\" \
       sampling=1 other_config:cache_inactive_timeout=1
sleep 0.3
FA=$(vsctl get Interface fa ofport) FB=$(vsctl get Interface fb ofport)
udp4=$(ff udp $M1 $M2 10.0.0.1 10.0.0.2 5001 6001 100)
udp6=$(ff udp6 $M1 $M2 2001:db8::1 2001:db8::2 7000 53 30)
echo4=$(ff icmp $M1 $M2 10.0.0.1 10.0.0.2 8 0)
unr4=$(ff icmp $M1 $M2 10.0.0.1 10.0.0.2 3 13)
# shellcheck disable=SC2046
feed fa $(rep 7 "$udp4") $(rep 5 "$udp6") $(rep 3 "$echo4") $(rep 2 "$unr4")
check_true "flow: fb forwarded all 17 frames" \
    wait_for 10 pcap_n_is "${TXF[fb]}" 17
wait_for 15 total_is ipfix 'r.get("proto") == 1' packets 5 &&
    wait_for 10 total_is v9 'r.get("proto") == 1' packets 5
check_output "v9: IPv4 UDP, exact packets and IP bytes, interfaces" \
    "10.0.0.1 10.0.0.2 5001 6001 7 $((7 * 128)) $FA $FB" \
    records v9 'r.get("sport") == 5001' src dst sport dport packets bytes in out
check_output "v9: IPv6 UDP, exact packets and bytes" \
    "2001:db8::1 2001:db8::2 7000 53 5 $((5 * 78))" \
    records v9 'r.get("sport") == 7000' src dst sport dport packets bytes
check_output "v9: ICMP echo and unreachable/13 (ICMP_TYPE 8*256+0, 3*256+13)" \
    "3 2048
2 781" \
    icmp_counts v9
check_output "IPFIX: IPv4 UDP, exact packets and bytes, MACs, interfaces" \
    "7 $((7 * 128)) $M1 $M2 $FA $FB" \
    records ipfix 'r.get("sport") == 5001' packets bytes src_mac dst_mac in out
check_output "IPFIX: IPv6 UDP, exact packets" "5 2001:db8::2" \
    records ipfix 'r.get("sport") == 7000' packets dst
check_output "IPFIX: icmpTypeCodeIPv4, exact packets" "3 2048
2 781" icmp_counts ipfix
check_true "flow: no undecodable sets" \
    sh -c "! grep -q '\"error\"' $VS_TMP/v9.json $VS_TMP/ipfix.json"
check "flow: del-br $BF" vsctl del-br $BF

# ===========================================================================
# 3. QoS on a DPDK egress port: a net_pcap port replays 1000-byte frames
# forever (to a MAC nobody has: flooded to the sink, the only other port
# of the VLAN).
q=$(frame 02:00:00:00:00:ff $A - 88b5 986)
pcap_write "$P/loop.pcap" "$q"
check "qos: $BQ with an infinite_rx net_pcap port and a net_null sink" \
    vsctl add-br $BQ -- set Interface $BQ type=dummy -- set Port $BQ tag=4000 \
    -- add-port $BQ loop -- set Interface loop type=dpdk \
    "options:dpdk-devargs=net_pcap30,rx_pcap=$P/loop.pcap,infinite_rx=1" \
    -- add-port $BQ sink -- set Interface sink type=dpdk \
    options:dpdk-devargs=net_null30,no-rx=1
# rate PORT rx|tx SECONDS: frames per second over SECONDS.
rate() {
    local n1 n2
    n1=$(port_stat "$1" "$2")
    sleep "$3"
    n2=$(port_stat "$1" "$2")
    echo $(( (${n2:-0} - ${n1:-0}) / $3 ))
}
sleep 1
free_rate=$(rate sink tx 1)
echo "info: unshaped: $free_rate frames/s to the sink"
check_true "qos: unshaped, the sink takes over 10000 frames/s ($free_rate)" \
    test "$free_rate" -gt 10000
# 8 Mbit/s of 1000-byte frames: 1000 frames/s.
check "qos: linux-htb max-rate=8000000 on sink (userspace shaper)" \
    vsctl set Port sink qos=@q -- --id=@q create QoS type=linux-htb \
    other_config:max-rate=8000000
check_true "qos: qos/show sink shows the userspace shaper" \
    wait_for 5 sh -c "'$VSAPPCTL' qos/show sink | grep -q 'userspace shaper'"
sleep 1
full0=$(port_drop sink qos-queue-full)
shaped=$(rate sink tx 3)
full1=$(port_drop sink qos-queue-full)
check_true "qos: shaped to about 1000 frames/s ($shaped; 500-1500)" \
    test "$shaped" -ge 500 -a "$shaped" -le 1500
check_true "qos: the excess counted as qos-queue-full on sink (+$((full1 - full0)))" \
    test $((full1 - full0)) -gt $((shaped * 3))
check "qos: removed" vsctl -- --if-exists clear Port sink qos
# The egress policer: cir 1000000 bytes/s of 986 IP bytes per frame.
check "egress-policer: on sink, cir=1000000 cbs=2000" \
    vsctl set Port sink qos=@q -- --id=@q create QoS type=egress-policer \
    other_config:cir=1000000 other_config:cbs=2000
sleep 1
ep0=$(port_drop sink egress-policed)
epol=$(rate sink tx 3)
ep1=$(port_drop sink egress-policed)
check_true "egress-policer: about 1000 frames/s pass ($epol; 500-1500)" \
    test "$epol" -ge 500 -a "$epol" -le 1500
check_true "egress-policer: the rest counted as egress-policed on sink (+$((ep1 - ep0)))" \
    test $((ep1 - ep0)) -gt $((epol * 3))
check "egress-policer: removed" vsctl -- --if-exists clear Port sink qos
sleep 1
# Ingress policing on the looping port: 8000 kbit/s of 986 IP bytes per
# frame: about 1014 frames/s.
check "police: loop ingress_policing_rate=8000 burst=800" \
    vsctl set Interface loop ingress_policing_rate=8000 \
    ingress_policing_burst=800
sleep 1
pol0=$(port_drop loop ingress-policed)
policed=$(rate sink tx 3)
pol1=$(port_drop loop ingress-policed)
check_true "police: about 1000 frames/s pass ($policed; 500-1500)" \
    test "$policed" -ge 500 -a "$policed" -le 1500
check_true "police: the rest counted as ingress-policed on loop (+$((pol1 - pol0)))" \
    test $((pol1 - pol0)) -gt $((policed * 3))
check_true "police: ... and in the datapath-wide drops" \
    test "$(drop_count ingress-policed)" -ge $((pol1 - pol0))
check "qos: del-br $BQ" vsctl del-br $BQ

# ===========================================================================
# 4. Drop reasons on DPDK ports, 5. dp/trace, 6. several receive queues.
check "drops: $BD" \
    vsctl add-br $BD -- set Interface $BD type=dummy -- set Port $BD tag=4000
add_pcap $BD da net_pcap40 trunks=10,20
add_pcap $BD db net_pcap41 trunks=10,20
ok10=$(frame $BCAST $A 10)
feed da ffffffffffff02000000 ffffffffffff02000000000a8100000a \
    "$(frame $BCAST $A 30)" "$ok10"
expect_tx "drops: db got the good frame alone" db "$ok10"
check_output "drops: da counts a runt" 1 port_drop da runt
check_output "drops: da counts a truncated-vlan" 1 port_drop da truncated-vlan
check_output "drops: da counts VLAN 30 as vlan-not-trunked" 1 \
    port_drop da vlan-not-trunked
check_true "drops: da's rx line counts 4 packets, 3 dropped" \
    sh -c "'$VSAPPCTL' dpif/show | grep -A1 '^    da [0-9]*:' | grep -q 'rx: 4 packets, [0-9]* bytes, 3 dropped'"
# Frames too big: over db's MTU (1500) is an output drop; over what one
# mbuf holds (DPDK_MBUF_DATA_ROOM, 2048 bytes) a receive error.
feed da "$(frame $BCAST $A 10 88b5 1600)" "$(frame $BCAST $A 10 88b5 2100)"
check_true "drops: db counts the 1618-byte frame as mtu" \
    wait_for 5 drop_is db mtu 1
check_true "drops: da counts the 2118-byte frame in rx_errors" \
    wait_for 5 istat_is da rx_errors 1
expect_tx "drops: db sent neither" db

DA=$(vsctl get Interface da ofport) DB=$(vsctl get Interface db ofport)
t=$(vsappctl dp/trace $BD da "$(frame $BCAST $C 20/3)")
check_true "trace: names the bridge and the DPDK input port" \
    grep -q "^bridge $BD, in_port da ($DA)\$" <<<"$t"
check_output "trace: stage headings in pipeline order" \
    "ingress police vlan bpdu learn forward flows qos output" \
    sh -c "printf '%s\n' \"\$1\" | sed -n 's/^\([a-z]*\):\$/\1/p' | xargs" _ "$t"
check_true "trace: output to db tagged 20, PCP 3" \
    grep -q "^    db ($DB): tagged 8100 VID 20 PCP 3\$" <<<"$t"
check_true "trace: result output to 1 port" \
    grep -q "^result: output to 1 port\$" <<<"$t"
t=$(vsappctl dp/trace $BD da "$(frame $BCAST $C 30)")
check_true "trace: VLAN 30 on da is dropped by vlan: vlan-not-trunked" \
    grep -q "^result: dropped by vlan: vlan-not-trunked\$" <<<"$t"
sleep 0.3
expect_tx "trace: db sent nothing for the traces" db

# Two receive queues: net_pcap has one per rx_pcap.
pcap_write "$P/mq0.pcap" "$(frame $BCAST $A 10 88b5 70)"
pcap_write "$P/mq1.pcap" "$(frame $BCAST $A 20 88b5 71)"
check "multiqueue: mq with two rx_pcap files and options:n_rxq=2" \
    vsctl add-port $BD mq trunks=10,20 -- set Interface mq type=dpdk \
    "options:dpdk-devargs=net_pcap42,rx_pcap=$P/mq0.pcap,rx_pcap=$P/mq1.pcap,tx_pcap=$P/mq-out.pcap" \
    options:n_rxq=2
check_output "multiqueue: mq has no error" "[]" vsctl get Interface mq error
check_output "multiqueue: pmd-rxq-show lists queues 0 and 1 of mq" "0 1" \
    sh -c "'$VSAPPCTL' dpif/pmd-rxq-show | awk '\$1 == \"port:\" && \$2 == \"mq\" { print \$4 }' | sort -n | xargs"
expect_tx "multiqueue: db got the frames of both queues" db \
    "$(frame $BCAST $A 10 88b5 70)" "$(frame $BCAST $A 20 88b5 71)"
# More queues asked for than the device has: it gets what it has, and
# pmd-rxq-show lists no queue that is not there.
pcap_write "$P/mq2.pcap" "$(frame $BCAST $A 10 88b5 72)"
check "multiqueue: mq1 with one rx_pcap file and options:n_rxq=2" \
    vsctl add-port $BD mq1 trunks=10,20 -- set Interface mq1 type=dpdk \
    "options:dpdk-devargs=net_pcap43,rx_pcap=$P/mq2.pcap,tx_pcap=$P/mq1-out.pcap" \
    options:n_rxq=2
check_output "multiqueue: pmd-rxq-show lists mq1's one queue (0)" "0" \
    sh -c "'$VSAPPCTL' dpif/pmd-rxq-show | awk '\$1 == \"port:\" && \$2 == \"mq1\" { print \$4 }' | sort -n | xargs"
check_true "multiqueue: the log says mq1's device has 1 queue at most" \
    grep -q "mq1: net_pcap43 has 1 receive queues at most, not 2" \
    "$VSWITCH_RUNDIR/vswitchd.log"
expect_tx "multiqueue: db got mq1's frame" db "$(frame $BCAST $A 10 88b5 72)"
# New devargs with fewer queues on a running port: the datapath polls
# what the new device has, without another change to make it look.
pcap_write "$P/mq3.pcap" "$(frame $BCAST $A 20 88b5 73)"
check "multiqueue: mq moves to a device with one queue" \
    vsctl set Interface mq \
    "options:dpdk-devargs=net_pcap44,rx_pcap=$P/mq3.pcap,tx_pcap=$P/mq-out2.pcap"
check_true "multiqueue: pmd-rxq-show lists mq's one queue (0)" \
    wait_for 5 sh -c "[ \"\$('$VSAPPCTL' dpif/pmd-rxq-show | awk '\$1 == \"port:\" && \$2 == \"mq\" { print \$4 }' | sort -n | xargs)\" = 0 ]"
check_output "multiqueue: mq's status shows 1 receive queue" '"1"' \
    vsctl get Interface mq status:n_rxq
expect_tx "multiqueue: db got the frame of mq's new device" db \
    "$(frame $BCAST $A 20 88b5 73)"
check "drops: del-br $BD" vsctl del-br $BD
check_true "no DPDK errors in the log" \
    sh -c "! grep -E 'netdev_dpdk\|ERR' $VSWITCH_RUNDIR/vswitchd.log"
