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
#        shaper), then policed on ingress.
#   brD  drop reasons (runt, truncated-vlan, vlan-not-trunked) and
#        dp/trace on DPDK ports; a net_pcap port with two receive queues.
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

if ! vsctl get Open_vSwitch . iface_types | grep -qw dpdk; then
    skip "dpdk-features" "vswitchd was built without DPDK (install libdpdk-dev)"
    exit 0
fi
free_huge() {
    cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null \
        || echo 0
}
if [ "$(free_huge)" -lt 256 ]; then
    total=$(cat /proc/sys/vm/nr_hugepages)
    echo $((total + 512)) > /proc/sys/vm/nr_hugepages 2>/dev/null
fi
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs none /dev/hugepages \
    2>/dev/null
if [ "$(free_huge)" -lt 128 ]; then
    skip "dpdk-features" "cannot reserve 2 MiB huge pages ($(free_huge) free)"
    exit 0
fi

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
# port_drop PORT REASON: PORT's count for REASON in dpif/show (0 if none).
port_drop() {
    vsappctl dpif/show | awk -v p="$1" -v r="$2" '
        $2 ~ /^[0-9]+:$/ { f = ($1 == p); next }
        /^drops by reason:/ { f = 0 }
        f && $1 == r { n = $2 }
        END { print n + 0 }'
}
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
    wait_for 5 test "$(port_drop mon mirror-output)" -eq $((before + 2))
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

# select_vlan 10 on every port.
check "vlan: m1 selects VLAN 10" \
    vsctl clear Mirror m1 select_src_port -- set Mirror m1 select_all=true \
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
