#!/bin/bash
# dpdk.sh -- DPDK ports (root, a DPDK build, 2 MiB huge pages): the EAL
# started from other_config, net_pcap vdevs whose output files show what
# the switch sent (learning, flooding, access and trunk VLANs), a net_tap
# in a namespace pinging a namespace behind a veth (a "system" port)
# through the switch, vhost-user ports driven by dpdk-testpmd's virtio_user
# in a second process (the switch as server and as client, each side
# restarted), and the errors a user sees: no EAL, a bad devargs, a device
# another port has -- while other ports keep forwarding.
#
# Topology:
#   $B0  d1 dummy (trunk: frames injected and read by appctl)
#        pa net_pcap trunk           rx a-in.pcap, tx a-out.pcap
#        pb net_pcap access VLAN 10  rx b-in.pcap, tx b-out.pcap
#        pc net_pcap trunks 10,20    rx (none),    tx c-out.pcap
#   $B1  tp  net_tap (kernel side moved into namespace ns-t, $SUB.1)
#        veth host end (system port), other end in namespace ns-v, $SUB.2
#   $B2  v1 dpdkvhostuser (socket RUNDIR/vhost/v1)       testpmd port 0
#        v2 dpdkvhostuserclient (testpmd listens, server=1) testpmd port 1
# testpmd forwards io between its two ports after sending one burst on
# each, so the frames circle through the switch: both sides count them.
# Everything is removed at exit, even on failure.
. "${srcdir:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
    skip "dpdk" "needs root (huge pages, namespaces, vhost-user sockets)"
    exit 0
fi

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 30 "$VSCTL" --timeout=25 "$@"; }
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; vs_cleanup' EXIT

# Bridges' internal ports are kernel TAPs: names unique to this run.
B0=vst$$b0 B1=vst$$b1 B2=vst$$b2 B3=vst$$b3
export VS_REAL_NETDEVS=1
vs_start || exit 1

# A build without DPDK refuses the types at commit time, clearly.
if ! vsctl get Open_vSwitch . iface_types | grep -qw dpdk; then
    vsctl add-br $B0
    check_error "no DPDK build: type=dpdk is refused" 1 \
        "vswitchd was built without DPDK support" \
        vsctl add-port $B0 p0 -- set Interface p0 type=dpdk
    skip "dpdk" "vswitchd was built without DPDK (install libdpdk-dev)"
    exit 0
fi

# Huge pages: DPDK needs some free (tools/run-tests and CI reserve them).
if ! dpdk_hugepages; then
    skip "dpdk" "cannot reserve 2 MiB huge pages ($(dpdk_free_hugepages) free)"
    exit 0
fi

check "stats-update-interval=1000" \
    vsctl set Open_vSwitch . other_config:stats-update-interval=1000

# ---------------------------------------------------------------------------
# Frames and pcap files.
PCAP=$VS_TMP/pcap.py
cat >"$PCAP" <<'EOF'
"""pcap files for dpdk.sh.

write FILE FRAME...   FRAME is DST,SRC,VLAN,MARKER (VLAN "-" for none):
                      an 88b5 frame whose payload is MARKER padded to 46
read FILE             one line per frame: "VLAN MARKER" (VLAN "-" if none)
"""
import struct, sys


def frame(spec):
    dst, src, vlan, marker = spec.split(",")
    f = bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", ""))
    if vlan != "-":
        f += struct.pack("!HH", 0x8100, int(vlan))
    body = marker.encode()
    return f + b"\x88\xb5" + body + bytes(46 - len(body))


def write(path, specs):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, s in enumerate(specs):
            f = frame(s)
            out.write(struct.pack("<IIII", i, 0, len(f), len(f)) + f)


def read(path):
    try:
        data = open(path, "rb").read()
    except OSError:
        return
    # Micro- or nanosecond timestamps (DPDK's net_pcap writes the latter).
    little = data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
    e = "<" if little else ">"
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack(e + "IIII", data[pos:pos + 16])[2]
        f = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if len(f) < 14:
            continue
        vlan, rest = "-", f[12:]
        if rest[:2] == b"\x81\x00":
            vlan = str(struct.unpack("!H", rest[2:4])[0] & 0xFFF)
            rest = rest[4:]
        if rest[:2] != b"\x88\xb5":
            continue
        print(vlan, rest[2:].split(b"\0")[0].decode(errors="replace"))


if sys.argv[1] == "write":
    write(sys.argv[2], sys.argv[3:])
else:
    read(sys.argv[2])
EOF
pcap() { python3 "$PCAP" "$@"; }
nocolon() { echo "${1//:/}"; }
# pcap_has FILE "VLAN MARKER": the file holds such a frame.
pcap_has() { pcap read "$1" | grep -qxF -e "$2"; }
pcap_count() { pcap read "$1" | grep -cxF -e "$2" || true; }

MAC_A=00:00:00:0a:00:01 MAC_B=00:00:00:0b:00:01 MAC_D=00:00:00:0d:00:01
BCAST=ff:ff:ff:ff:ff:ff
P=$VS_TMP

# ---------------------------------------------------------------------------
# No EAL yet: a clear error, and the other ports keep working.
check "add-br $B0 with a dummy port" \
    vsctl add-br $B0 -- add-port $B0 d1 -- set Interface d1 type=dummy \
    -- add-port $B0 d2 -- set Interface d2 type=dummy
pcap write "$P/b-in.pcap" "$BCAST,$MAC_B,-,b-hello"
check_error "no EAL: add-port type=dpdk fails with the reason" 1 \
    "DPDK is not initialized: set Open_vSwitch other_config:dpdk-init=true" \
    vsctl add-port $B0 pb tag=10 -- set Interface pb type=dpdk \
    "options:dpdk-devargs=net_pcap1,rx_pcap=$P/b-in.pcap,tx_pcap=$P/b-out.pcap"
check_true "no EAL: Interface pb error says so" \
    sh -c "$VSCTL get Interface pb error | grep -q 'dpdk-init=true'"
check_output "no EAL: dpdk_initialized is false" "false" \
    vsctl get Open_vSwitch . dpdk_initialized
dummy_forwards() {      # dummy_forwards MARKER: d1 -> d2 still forwards
    local f
    f=$(frame 00:00:00:00:99:02 00:00:00:00:99:01 - 88b5 46)
    vsappctl netdev-dummy/receive d1 "$f" >/dev/null &&
        wait_for 3 sh -c "$VSAPPCTL netdev-dummy/sent d2 | grep -q ."
}
check_true "no EAL: the dummy ports still forward" dummy_forwards

# Start the EAL: pb comes up by itself.
check "dpdk-init=true" vsctl set Open_vSwitch . other_config:dpdk-init=true
check_output "dpdk_initialized is true" "true" \
    vsctl get Open_vSwitch . dpdk_initialized
check_true "dpdk_version is reported" \
    sh -c "$VSCTL get Open_vSwitch . dpdk_version | grep -q 'DPDK 2'"
check_output "pb: error cleared once DPDK runs" "[]" \
    vsctl get Interface pb error
check_true "the EAL was started --in-memory, pinning nothing" \
    sh -c "grep 'starting DPDK' $VSWITCH_RUNDIR/vswitchd.log | grep -q -- '--in-memory'"
check_true "the main thread is not pinned by the EAL" \
    sh -c "taskset -pc $(vs_pid) | grep -q '$(taskset -pc $$ | sed 's/.*: //')\$'"

# Bad devargs, a device in use: clear errors, the rest keeps working.
check_error "bad devargs: add-port fails with the reason" 1 \
    "could not attach DPDK device \"net_nosuchdriver0\"" \
    vsctl add-port $B0 bad -- set Interface bad type=dpdk \
    options:dpdk-devargs=net_nosuchdriver0
check_true "bad devargs: Interface error says so" \
    sh -c "$VSCTL get Interface bad error | grep -q 'check options:dpdk-devargs'"
check_error "missing devargs: add-port fails with the reason" 1 \
    "options:dpdk-devargs is required" \
    vsctl add-port $B0 bad2 -- set Interface bad2 type=dpdk
check_error "device in use: add-port fails, naming the owner" 1 \
    "DPDK device net_pcap1 is already used by interface pb" \
    vsctl add-port $B0 dup -- set Interface dup type=dpdk \
    "options:dpdk-devargs=net_pcap1,rx_pcap=$P/b-in.pcap"
check_error "unknown option: refused at commit time" 1 \
    "has no option \"nosuch\"" \
    vsctl add-port $B0 bad3 -- set Interface bad3 type=dpdk options:nosuch=1
vsctl del-port bad -- del-port bad2 -- del-port dup >/dev/null 2>&1
check_output "after the errors: pb has none" "[]" vsctl get Interface pb error
vsappctl netdev-dummy/sent d2 >/dev/null
check_true "after the errors: the dummy ports still forward" dummy_forwards

# ---------------------------------------------------------------------------
# Learning, flooding and VLANs on net_pcap ports.  pb's broadcast (VLAN 10,
# access) came in when it started; then pc, then pa's frames: a broadcast
# and a unicast to b in VLAN 10, a broadcast in VLAN 20.
check_true "pcap: pb's hello was flooded to d1 (tagged 10)" \
    wait_for 5 sh -c "$VSAPPCTL netdev-dummy/sent d1 | grep -q \
        '^ffffffffffff$(nocolon $MAC_B)8100000a88b5'"
pcap write "$P/c-in.pcap"
check "pcap: add pc (trunks 10,20)" \
    vsctl add-port $B0 pc trunks=10,20 -- set Interface pc type=dpdk \
    "options:dpdk-devargs=net_pcap2,rx_pcap=$P/c-in.pcap,tx_pcap=$P/c-out.pcap"
pcap write "$P/a-in.pcap" "$BCAST,$MAC_A,10,a-flood" \
    "$MAC_B,$MAC_A,10,a-to-b" "$BCAST,$MAC_A,20,a-v20"
check "pcap: add pa (trunk)" \
    vsctl add-port $B0 pa -- set Interface pa type=dpdk \
    "options:dpdk-devargs=net_pcap0,rx_pcap=$P/a-in.pcap,tx_pcap=$P/a-out.pcap"
check_true "pcap: pb got a's broadcast, untagged (access 10)" \
    wait_for 5 pcap_has "$P/b-out.pcap" "- a-flood"
check_true "pcap: pb got a's unicast, untagged" \
    wait_for 5 pcap_has "$P/b-out.pcap" "- a-to-b"
check_true "pcap: pc got a's broadcast tagged 10" \
    wait_for 5 pcap_has "$P/c-out.pcap" "10 a-flood"
check_true "pcap: pc got a's VLAN 20 broadcast tagged 20" \
    wait_for 5 pcap_has "$P/c-out.pcap" "20 a-v20" ||
    { pcap read "$P/c-out.pcap"; vsappctl dpif/show; vsappctl fdb/show $B0; }
check_output "pcap: pc did not get the unicast to b (learned)" "0" \
    pcap_count "$P/c-out.pcap" "10 a-to-b"
check_output "pcap: pb did not get the VLAN 20 broadcast" "0" \
    pcap_count "$P/b-out.pcap" "- a-v20"
check_output "pcap: pa got nothing of its own" "" pcap read "$P/a-out.pcap"
coverage() {
    vsappctl coverage/show | awk -v c="$1" '$1 == c { print $3 }'
}
check_true "pcap: the flood left untagged by mbuf reference, not copied ($(coverage netdev_tx_shared) shared)" \
    test "$(coverage netdev_tx_shared)" -ge 1 2>/dev/null
check_true "pcap: the unicast a -> b left in its own mbuf ($(coverage netdev_tx_adopted) adopted)" \
    test "$(coverage netdev_tx_adopted)" -ge 1 2>/dev/null
check_output "fdb: a's MAC on pa in VLANs 10 and 20" \
    "$(vsctl get Interface pa ofport) 10 $(vsctl get Interface pa ofport) 20" \
    sh -c "$VSAPPCTL fdb/show $B0 | awk '\$3 == \"$MAC_A\" { print \$1, \$2 }' | sort -n -k2 | xargs"
check_output "fdb: b's MAC on pb in VLAN 10" \
    "$(vsctl get Interface pb ofport) 10" fdb $B0 $MAC_B

# From a dummy port (copied once into mbufs): unicast to a learned MAC
# goes to that port only, a VLAN 0 frame floods to the trunk pa only.
check "pcap: d1 sends to b in VLAN 10 and to a in VLAN 0" \
    vsappctl netdev-dummy/receive d1 \
    "$(nocolon $MAC_B)$(nocolon $MAC_D)8100000a88b5$(printf d-to-b | od -An -tx1 | tr -d ' \n')$(printf '%080d' 0)" \
    "$(nocolon $MAC_A)$(nocolon $MAC_D)88b5$(printf d-v0 | od -An -tx1 | tr -d ' \n')$(printf '%084d' 0)"
check_true "pcap: pb got d's unicast untagged" \
    wait_for 5 pcap_has "$P/b-out.pcap" "- d-to-b"
check_true "pcap: pa got d's VLAN 0 frame untagged" \
    wait_for 5 pcap_has "$P/a-out.pcap" "- d-v0"
check_output "pcap: pc got neither" "" \
    sh -c "python3 $PCAP read $P/c-out.pcap | grep d- || true"
check_true "tcpdump reads pb's output" \
    sh -c "tcpdump -nr $P/b-out.pcap 2>/dev/null | grep -q ."

# Statistics and link state in the database.
stat_of() { vsctl get Interface "$1" "statistics:$2" 2>/dev/null; }
check_true "stats: pa rx_packets is 3" wait_for 5 \
    sh -c "[ \"\$($VSCTL get Interface pa statistics:rx_packets)\" = 3 ]"
check_true "stats: pb tx_packets >= 3" wait_for 5 \
    sh -c "[ \"\$($VSCTL get Interface pb statistics:tx_packets)\" -ge 3 ]"
check_output "link_state: pa is up" "up" vsctl get Interface pa link_state
check_true "mac_in_use: pa has the device's MAC" \
    sh -c "$VSCTL get Interface pa mac_in_use | grep -Eq '([0-9a-f]{2}:){5}'"

# New options on a running port: the old netdev hands the device over.
pcap write "$P/a2-in.pcap" "$BCAST,$MAC_A,10,a2-again"
check "options change: pa reads a new file" \
    vsctl set Interface pa \
    "options:dpdk-devargs=net_pcap0,rx_pcap=$P/a2-in.pcap,tx_pcap=$P/a2-out.pcap" \
    options:n_rxq_desc=512
check_true "options change: pb got a's new broadcast" \
    wait_for 5 pcap_has "$P/b-out.pcap" "- a2-again"
check_output "options change: pa has no error" "[]" \
    vsctl get Interface pa error
vsctl set Interface pa options:n_rxq_desc=1000
check_true "options: n_rxq_desc must be a power of 2 (Interface error)" \
    sh -c "$VSCTL get Interface pa error | grep -q 'is not a power of 2'"
vsctl set Interface pa options:n_rxq_desc=512
check_output "options: pa recovers with a valid value" "[]" \
    vsctl get Interface pa error
check_output "mtu_request 1600 is applied" "1600" \
    sh -c "$VSCTL set Interface pa mtu_request=1600 && $VSCTL get Interface pa mtu"

# Many ports that replay a file forever (what the benchmarks use):
# forwarding at full speed into a null sink, then removal.
# (To a MAC nobody has: each frame is flooded to the sink, the only other
# port.)
pcap write "$P/loop.pcap" "00:00:00:00:ee:01,$MAC_A,-,loop1" \
    "00:00:00:00:ee:02,$MAC_B,-,loop2"
check "infinite_rx: a looping pcap port and a null sink in $B3" \
    vsctl add-br $B3 -- add-port $B3 loop -- set Interface loop type=dpdk \
    "options:dpdk-devargs=net_pcap9,rx_pcap=$P/loop.pcap,tx_pcap=$P/loop-out.pcap,infinite_rx=1" \
    -- add-port $B3 sink -- set Interface sink type=dpdk \
    options:dpdk-devargs=net_null9,no-rx=1
sink_tx() {
    vsappctl dpif/show | awk '/ sink [0-9]+:/ { f = 1 } f && /tx:/ { print $2; exit }'
}
# sink_grows: true if the sink transmits more in the second of two
# seconds (n1 and n2 are its counts after each).
sink_grows() {
    sleep 1
    n1=$(sink_tx)
    sleep 1
    n2=$(sink_tx)
    test "${n2:-0}" -gt "${n1:-0}"
}
check_true "infinite_rx: frames keep going to the sink" sink_grows
echo "info: pcap infinite_rx -> null sink (and the bridge's internal TAP, which floods reach) through one thread: $(( ${n2:-0} - ${n1:-0} )) frames/s; not a benchmark"
# New options with the same devargs: the successor takes the running
# device over, and must go on receiving from it.  (net_null's receive
# makes zeroed frames forever; net_pcap's infinite_rx cannot set up its
# receive queue twice.)
check "handover: loop stops, gen (net_null, receiving) joins $B3" \
    vsctl del-port $B3 loop -- add-port $B3 gen \
    -- set Interface gen type=dpdk options:dpdk-devargs=net_null10
sleep 1
check "handover: gen gets n_rxq_desc=1024, devargs unchanged" \
    vsctl set Interface gen options:n_rxq_desc=1024
check_true "handover: the log says gen carries on with the new options" \
    wait_for 5 grep -q "gen: DPDK port [0-9]* carries on with the new options" \
    "$VSWITCH_RUNDIR/vswitchd.log"
check_true "handover: frames keep going to the sink after the options change" \
    sink_grows
check "infinite_rx: del-br $B3" vsctl del-br $B3
check_output "infinite_rx: $B0 ports kept their state" "[]" \
    vsctl get Interface pb error

# ---------------------------------------------------------------------------
# net_tap in a namespace, pinging a namespace behind a veth (system port).
NS=vst$$
SUB=10.$((RANDOM % 200 + 20)).$((RANDOM % 250)).
TAPIF=vst$$t VETH=vst$$v
if ip netns add "$NS-t" 2>/dev/null && ip netns add "$NS-v"; then
    on_exit "ip netns del $NS-t"
    on_exit "ip netns del $NS-v"
    on_exit "ip link del $VETH"
    veth_into_ns "$VETH" "$NS-v" "${SUB}2/24"
    check "tap: add $B1 with a net_tap port and the veth" \
        vsctl add-br $B1 -- add-port $B1 tp -- set Interface tp type=dpdk \
        "options:dpdk-devargs=net_tap0,iface=$TAPIF" \
        -- add-port $B1 "$VETH"
    check_true "tap: the kernel side $TAPIF exists" \
        wait_for 5 sh -c "ip link show $TAPIF >/dev/null 2>&1"
    ip link set "$TAPIF" netns "$NS-t" &&
        ip -n "$NS-t" addr add "${SUB}1/24" dev "$TAPIF" &&
        ip -n "$NS-t" link set "$TAPIF" up &&
        ip -n "$NS-t" link set lo up
    check_true "tap: ping from the tap's namespace to the veth's" \
        wait_for 10 sh -c "ip netns exec $NS-t ping -q -c 1 -W 1 ${SUB}2 >/dev/null"
    check_true "tap: 10 pings, no loss" \
        sh -c "ip netns exec $NS-t ping -q -c 10 -i 0.05 -W 1 ${SUB}2 >/dev/null"
    check_true "tap: and back" \
        sh -c "ip netns exec $NS-v ping -q -c 3 -i 0.1 -W 1 ${SUB}1 >/dev/null"
    check "tap: del-br $B1" vsctl del-br $B1
else
    skip "dpdk: tap" "cannot create network namespaces"
fi

# ---------------------------------------------------------------------------
# vhost-user with dpdk-testpmd's virtio_user in a second process.
if ! command -v dpdk-testpmd >/dev/null; then
    skip "dpdk: vhost-user" "dpdk-testpmd not installed (package dpdk)"
    exit 0
fi
VHOST_DIR=$VSWITCH_RUNDIR/vhost
S1=$VHOST_DIR/v1 S2=$P/v2.sock
check "vhost: vhost-sock-dir=vhost" \
    vsctl set Open_vSwitch . other_config:vhost-sock-dir=vhost
check "vhost: add $B2 with a server and a client port" \
    vsctl add-br $B2 -- add-port $B2 v1 -- set Interface v1 \
    type=dpdkvhostuser -- add-port $B2 v2 -- set Interface v2 \
    type=dpdkvhostuserclient "options:vhost-server-path=$S2"
check_true "vhost: the server socket is RUNDIR/vhost/v1" wait_for 5 test -S "$S1"
check_output "vhost: the socket is mode 0660" "660" stat -c %a "$S1"
check_output "vhost: the socket has the run directory's group" \
    "$(stat -c %g "$VSWITCH_RUNDIR")" stat -c %g "$S1"
check_output "vhost: link down while no guest is there" "down" \
    vsctl get Interface v1 link_state
check_error "vhost: the client type needs vhost-server-path" 1 \
    "options:vhost-server-path is required" \
    vsctl add-port $B2 v3 -- set Interface v3 type=dpdkvhostuserclient
vsctl del-port v3 >/dev/null 2>&1

TP_LOG=$P/testpmd.log
testpmd_start() {
    # --single-file-segments: vhost-user shares at most 8 memory regions.
    dpdk-testpmd --no-pci --in-memory --single-file-segments \
        --file-prefix="vst$$" \
        --lcores="0@(0-1),1@(0-1)" --log-level=lib.eal:warning \
        --vdev="net_virtio_user0,path=$S1" \
        --vdev="net_virtio_user1,path=$S2,server=1" \
        -- --forward-mode=io --tx-first --nb-cores=1 --stats-period=1 \
        --total-num-mbufs=4096 </dev/null >"$TP_LOG" 2>&1 &
    TP_PID=$!
    on_exit "kill -9 $TP_PID"
}
link_is() { [ "$(vsctl get Interface "$1" link_state)" = "$2" ]; }
iface_stat() { vsctl get Interface "$1" "statistics:$2" 2>/dev/null || echo 0; }

for round in 1 2; do
    testpmd_start
    check_true "vhost($round): v1 link up once testpmd connects" \
        wait_for 10 link_is v1 up
    check_true "vhost($round): v2 reconnects to testpmd, link up" \
        wait_for 10 link_is v2 up
    rx1=$(iface_stat v1 rx_packets) rx2=$(iface_stat v2 rx_packets)
    check_true "vhost($round): the switch receives on v1 and v2" wait_for 10 \
        sh -c "[ \"\$($VSCTL get Interface v1 statistics:rx_packets)\" -gt $rx1 ] &&
               [ \"\$($VSCTL get Interface v2 statistics:rx_packets)\" -gt $rx2 ]"
    check_true "vhost($round): the switch transmits on v1 and v2" \
        sh -c "[ \"\$($VSCTL get Interface v1 statistics:tx_packets)\" -gt 0 ] &&
               [ \"\$($VSCTL get Interface v2 statistics:tx_packets)\" -gt 0 ]"
    testpmd_stop
    check_true "vhost($round): testpmd received what the switch sent ($(testpmd_rx) frames)" \
        test "$(testpmd_rx)" -gt 0 2>/dev/null
    check_true "vhost($round): v1 link down after testpmd exits" \
        wait_for 10 link_is v1 down
    vsappctl netdev-dummy/sent d2 >/dev/null
    check_true "vhost($round): with the guest gone, $B0 still forwards" \
        dummy_forwards
done
check_true "vhost: no errors on v1 and v2" \
    sh -c "[ \"\$($VSCTL get Interface v1 error)\" = '[]' ] &&
           [ \"\$($VSCTL get Interface v2 error)\" = '[]' ]"
check "vhost: del-br $B2" vsctl del-br $B2
check_true "vhost: the server socket is gone" \
    wait_for 5 sh -c "! test -e $S1"
check_true "no leftover DPDK errors in the log" \
    sh -c "! grep -E 'netdev_dpdk\|ERR' $VSWITCH_RUNDIR/vswitchd.log"
