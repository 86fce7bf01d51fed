#!/bin/bash
# dpdk-vhost-mq.sh -- vhost-user multiqueue as the guest negotiates it, and
# jumbo frames on DPDK ports (root, a DPDK build, 2 MiB huge pages,
# dpdk-testpmd for the vhost part).
#
# Multiqueue topology ($B1, two forwarding threads):
#   v1 dpdkvhostuser, default 8 queue pairs offered   testpmd port 0
#   v2 dpdkvhostuser, options:n_rxq=2                  testpmd port 1
# dpdk-testpmd plays the guest with net_virtio_user ports (queues=2, the
# control queue on so that it can choose how many pairs it enables) and
# forwards io between its two ports after one burst on each queue, so
# frames circle through the switch.  The guest is restarted three times:
# two queue pairs, then one of the two, then two again; each time the
# switch must poll exactly the receive queues the guest uses (pmd-rxq-show
# and Interface status), frames must arrive on each of them and leave
# towards the guest, and testpmd must receive them.  virtio_user announces
# no MTU (it has no host_mtu), so v1 stays at 1500; before the guest, v1
# at mtu_request=9000 goes back to 1500 once the request is cleared.
#
# Jumbo topology ($B2): three net_pcap ports with mtu_request=9000; a
# 9000 byte IP packet (9014 byte frame, to an unknown MAC) from pj must
# leave pk and pl byte for byte, flooded by mbuf reference, a 9001 byte
# one is dropped as "mtu".  Plus the refusal of an MTU
# beyond what the build supports.
#
# Everything is removed at exit, even on failure.
. "${srcdir:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
    skip "dpdk-vhost-mq" "needs root (huge pages, vhost-user sockets)"
    exit 0
fi

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 30 "$VSCTL" --timeout=25 "$@"; }
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; vs_cleanup' EXIT

B1=vsq$$b1 B2=vsq$$b2
export VS_REAL_NETDEVS=1
vs_start || exit 1

dpdk_test_ready dpdk-vhost-mq dpdkvhostuser || exit 0
check "dpdk-init=true, two forwarding threads, stats every second" \
    vsctl set Open_vSwitch . other_config:dpdk-init=true \
    other_config:pmd-cpu-mask=0x3 other_config:stats-update-interval=1000
check_output "dpdk_initialized is true" "true" \
    vsctl get Open_vSwitch . dpdk_initialized
P=$VS_TMP

# ---------------------------------------------------------------------------
# Jumbo frames between two net_pcap ports.
PCAP=$VS_TMP/pcap.py
cat >"$PCAP" <<'EOF'
"""pcap files for dpdk-vhost-mq.sh.

write FILE LEN...   one frame per LEN: to 00:00:00:00:0b:01 from
                    00:00:00:00:0a:01, type 88b5, LEN bytes in all, the
                    payload a counting pattern (byte i is i mod 251)
read FILE           one line per frame from 00:00:00:00:0a:01 of type
                    88b5 (not the bridge port's IPv6 chatter): its length
                    and whether its bytes are those write makes for that
                    length ("ok"/"bad")
"""
import struct, sys


def frame(n):
    head = bytes.fromhex("0000000b0001" "0000000a0001" "88b5")
    return head + bytes(i % 251 for i in range(n - len(head)))


if sys.argv[1] == "write":
    with open(sys.argv[2], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, n in enumerate(sys.argv[3:]):
            f = frame(int(n))
            out.write(struct.pack("<IIII", i, 0, len(f), len(f)) + f)
else:
    try:
        data = open(sys.argv[2], "rb").read()
    except OSError:
        sys.exit(0)
    e = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    pos = 24
    while pos + 16 <= len(data):
        incl, orig = struct.unpack(e + "IIII", data[pos:pos + 16])[2:]
        f = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if f[6:14] == frame(14)[6:14]:     # Ours: not the bridge's own.
            print(orig, "ok" if f == frame(orig) else "bad")
EOF
pcap() { python3 "$PCAP" "$@"; }

pcap write "$P/j-in.pcap" 9014 1514 9015
pcap write "$P/k-in.pcap"
pcap write "$P/l-in.pcap"
check "jumbo: add $B2 with three net_pcap ports, mtu_request=9000" \
    vsctl add-br $B2 \
    -- add-port $B2 pk -- set Interface pk type=dpdk mtu_request=9000 \
    "options:dpdk-devargs=net_pcap21,rx_pcap=$P/k-in.pcap,tx_pcap=$P/k-out.pcap" \
    -- add-port $B2 pl -- set Interface pl type=dpdk mtu_request=9000 \
    "options:dpdk-devargs=net_pcap22,rx_pcap=$P/l-in.pcap,tx_pcap=$P/l-out.pcap" \
    -- add-port $B2 pj -- set Interface pj type=dpdk mtu_request=9000 \
    "options:dpdk-devargs=net_pcap20,rx_pcap=$P/j-in.pcap,tx_pcap=$P/j-out.pcap"
check_output "jumbo: pj's mtu is 9000" "9000" vsctl get Interface pj mtu
check_output "jumbo: pk's mtu is 9000" "9000" vsctl get Interface pk mtu
check_true "jumbo: the 9014-byte frame (MTU 9000) left pk intact" \
    wait_for 10 sh -c "python3 $PCAP read $P/k-out.pcap | grep -qx '9014 ok'"
check_true "jumbo: the flood left pl with the same 9014 bytes" \
    wait_for 10 sh -c "python3 $PCAP read $P/l-out.pcap | grep -qx '9014 ok'"
coverage() {
    vsappctl coverage/show | awk -v c="$1" '$1 == c { print $3 }'
}
check_true "jumbo: the floods to pk and pl went out by mbuf reference ($(coverage netdev_tx_shared) shared)" \
    test "$(coverage netdev_tx_shared)" -ge 2 2>/dev/null
check_true "jumbo: so did the 1514-byte one" \
    sh -c "python3 $PCAP read $P/k-out.pcap | grep -qx '1514 ok'"
check_output "jumbo: nothing else left pk (the 9015-byte frame is over the MTU)" \
    "$(printf '9014 ok\n1514 ok')" sh -c "python3 $PCAP read $P/k-out.pcap | sort -rn"
check_true "jumbo: the 9015-byte frame counts as an mtu drop" \
    wait_for 5 sh -c "$VSAPPCTL dpif/show | awk '/^drops by reason:/ { f = 1; next } f && \$1 == \"mtu\" && \$2 >= 1 { ok = 1 } END { exit !ok }'"
check_true "jumbo: pj received 3 frames, no receive errors" wait_for 5 \
    sh -c "[ \"\$($VSCTL get Interface pj statistics:rx_packets)\" = 3 ] &&
           [ \"\$($VSCTL get Interface pj statistics:rx_errors)\" = 0 ]"
vsctl set Interface pk mtu_request=20000 >/dev/null 2>&1
check_output "jumbo: an MTU beyond the build's largest is not applied" "9000" \
    vsctl get Interface pk mtu
check_true "jumbo: ... and the log says why" \
    sh -c "grep -q 'pk: MTU 20000 is not in 68\.\.[0-9]*' $VSWITCH_RUNDIR/vswitchd.log"
check "jumbo: del-br $B2" vsctl del-br $B2

# ---------------------------------------------------------------------------
# vhost-user multiqueue.
if ! command -v dpdk-testpmd >/dev/null; then
    skip "dpdk-vhost-mq: vhost-user" "dpdk-testpmd not installed (package dpdk)"
    exit 0
fi
S1=$VSWITCH_RUNDIR/v1 S2=$VSWITCH_RUNDIR/v2
check "vhost: add $B1 with v1 (default queue pairs) and v2 (n_rxq=2)" \
    vsctl add-br $B1 -- add-port $B1 v1 -- set Interface v1 \
    type=dpdkvhostuser -- add-port $B1 v2 -- set Interface v2 \
    type=dpdkvhostuser options:n_rxq=2
vsctl set Interface v2 options:n_rxq=17 >/dev/null 2>&1
check_true "vhost: n_rxq=17 is refused (Interface error)" \
    sh -c "$VSCTL get Interface v2 error | grep -q 'options:n_rxq.*17.* is not an integer in 1..16'"
vsctl set Interface v2 options:n_rxq=2 >/dev/null 2>&1
check_output "vhost: v2 recovers with n_rxq=2" "[]" vsctl get Interface v2 error
check_true "vhost: the server sockets exist" wait_for 5 \
    sh -c "test -S $S1 && test -S $S2"
st() { vsctl get Interface "$1" "status:$2" 2>/dev/null | tr -d '"'; }
check_output "vhost: v1 offers 8 queue pairs" "8" st v1 max_queue_pairs
check_output "vhost: v2 offers 2 queue pairs" "2" st v2 max_queue_pairs
check_output "vhost: v1 disconnected before a guest comes" "disconnected" \
    st v1 status
check_output "vhost: v1 is polled on one queue while no guest is there" "1" \
    st v1 n_rxq

# rxqs PORT: the queue ids of PORT that pmd-rxq-show lists, sorted.
rxqs() {
    vsappctl dpif/pmd-rxq-show | awk -v p="$1" '
        $1 == "port:" && $2 == p { print $4 }' | sort -n | xargs
}
# rxq_packets PORT QUEUE: that queue's packet count in pmd-rxq-show.
rxq_packets() {
    vsappctl dpif/pmd-rxq-show | awk -v p="$1" -v q="$2" '
        $1 == "port:" && $2 == p && $4 == q {
            for (i = 1; i < NF; i++) if ($i == "packets:") print $(i + 1) }'
}
# Threads that poll some queue of v1 or v2.
rxq_threads() {
    vsappctl dpif/pmd-rxq-show | awk '
        /^pmd thread/ { t = $3 }
        $1 == "port:" && ($2 == "v1" || $2 == "v2") { print t }' | sort -u | wc -l
}
check_output "vhost: pmd-rxq-show lists queue 0 of v1" "0" rxqs v1
# A vhost-user port without mtu_request has its guest's MTU, or 1500 while
# none is there (or the guest announces none: virtio_user cannot, the
# qemu-vhost test covers one that does).
check "vhost: v1 mtu_request=9000" vsctl set Interface v1 mtu_request=9000
check_output "vhost: v1's mtu is 9000" "9000" vsctl get Interface v1 mtu
check "vhost: v1 mtu_request cleared" vsctl clear Interface v1 mtu_request
check_output "vhost: v1's mtu is back to 1500 without a guest" "1500" \
    vsctl get Interface v1 mtu

TP_LOG=$P/testpmd.log
# testpmd_start QUEUES: the guest enables QUEUES of its 2 queue pairs.
testpmd_start() {
    dpdk-testpmd --no-pci --in-memory --single-file-segments \
        --file-prefix="vsq$$" \
        --lcores="0@(0-1),1@(0-1)" --log-level=lib.eal:warning \
        --vdev="net_virtio_user0,path=$S1,queues=2,cq=1" \
        --vdev="net_virtio_user1,path=$S2,queues=2,cq=1" \
        -- --forward-mode=io --tx-first --nb-cores=1 --stats-period=1 \
        --rxq="$1" --txq="$1" --total-num-mbufs=4096 \
        </dev/null >"$TP_LOG" 2>&1 &
    TP_PID=$!
    on_exit "kill -9 $TP_PID"
}
stat_of() { vsctl get Interface "$1" "statistics:$2" 2>/dev/null || echo 0; }

rxqs_are() { [ "$(rxqs "$1")" = "$2" ]; }
queue_got() { [ "$(rxq_packets "$1" "$2")" -gt 0 ] 2>/dev/null; }
status_is() { [ "$(st "$1" "$2")" = "$3" ]; }
both_status() { status_is v1 "$1" "$2" && status_is v2 "$1" "$2"; }
grows() { [ "$(stat_of "$1" "$2")" -gt "$3" ] 2>/dev/null; }

for round in 2 1 2; do
    r="vhost(${round}q)"
    want=$(seq 0 $((round - 1)) | xargs)
    testpmd_start "$round"
    check_true "$r: v1 and v2 connected" wait_for 15 both_status status connected
    check_output "$r: v1's mtu stays 1500 (virtio_user announces none)" \
        "1500" vsctl get Interface v1 mtu
    check_output "$r: v1's status has no guest_mtu" "" st v1 guest_mtu
    check_true "$r: status n_rxq is $round on both ports" \
        wait_for 10 both_status n_rxq "$round"
    check_true "$r: status n_txq is $round on both ports" \
        wait_for 10 both_status n_txq "$round"
    check_true "$r: pmd-rxq-show lists queues $want of v1" \
        wait_for 10 rxqs_are v1 "$want"
    check_true "$r: pmd-rxq-show lists queues $want of v2" \
        wait_for 10 rxqs_are v2 "$want"
    if [ "$round" = 2 ]; then
        check_output "$r: their queues are spread over both threads" "2" \
            rxq_threads
    fi
    for q in $want; do
        check_true "$r: frames arrive on queue $q of v1" \
            wait_for 10 queue_got v1 "$q"
        check_true "$r: frames arrive on queue $q of v2" \
            wait_for 10 queue_got v2 "$q"
    done
    rx1=$(stat_of v1 rx_packets) rx2=$(stat_of v2 rx_packets)
    tx1=$(stat_of v1 tx_packets) tx2=$(stat_of v2 tx_packets)
    check_true "$r: the switch keeps receiving on v1 and v2" wait_for 10 \
        eval "grows v1 rx_packets $rx1 && grows v2 rx_packets $rx2"
    check_true "$r: the switch keeps transmitting on v1 and v2" wait_for 10 \
        eval "grows v1 tx_packets $tx1 && grows v2 tx_packets $tx2"
    testpmd_stop
    check_true "$r: testpmd received what the switch sent ($(testpmd_rx) frames)" \
        test "$(testpmd_rx)" -gt 0 2>/dev/null
    check_true "$r: v1 and v2 disconnected after testpmd exits" \
        wait_for 10 both_status status disconnected
done
check_true "vhost: no errors on v1 and v2" \
    sh -c "[ \"\$($VSCTL get Interface v1 error)\" = '[]' ] &&
           [ \"\$($VSCTL get Interface v2 error)\" = '[]' ]"
check "vhost: del-br $B1" vsctl del-br $B1
check_true "no DPDK errors in the log" \
    sh -c "! grep -E '(netdev_)?dpdk\|ERR' $VSWITCH_RUNDIR/vswitchd.log"
