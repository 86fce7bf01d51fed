#!/bin/bash
# dpdk-intr.sh -- an idle forwarding thread whose queues are vhost-user
# ports sleeps on receive interrupts instead of waking every millisecond,
# and still forwards what the guest sends (root, a DPDK build, 2 MiB huge
# pages, dpdk-testpmd).
#
# Topology ($B1, one forwarding thread):
#   v1 dpdkvhostuser, n_rxq=1     testpmd port 0
#   v2 dpdkvhostuser, n_rxq=1     testpmd port 1
# dpdk-testpmd plays the guest (net_virtio_user ports), driven through
# its command line: it stays connected without sending, then sends one
# burst on each port ("start tx_first" in rxonly mode), so frames from
# port 0 must come out of port 1 and the other way round.
#
# Intent, as a user sees it in dpif/pmd-stats-show:
#   - With a guest connected and no traffic, the thread sleeps on its
#     queues' interrupts: a few sleeps in 2 s (each up to 100 ms), not
#     the ~2000 of one per millisecond.
#   - The guest's frames wake it ("woken early" grows) and reach the other
#     port; afterwards it is back to long sleeps (the interrupt was
#     consumed, not left to wake it over and over).
#   - The same after the guest restarts (a new connection, new rings).
#   - A port without receive interrupts (net_null) on the same thread
#     brings back the short sleeps of before, and forwarding still works.
# The thread's CPU time over the idle spans is printed in the check names
# (a figure, not an assertion).  Everything is removed at exit.
. "${srcdir:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
    skip "dpdk-intr" "needs root (huge pages, vhost-user sockets)"
    exit 0
fi

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 30 "$VSCTL" --timeout=25 "$@"; }
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; vs_cleanup' EXIT

B1=vsi$$b1
export VS_REAL_NETDEVS=1
vs_start || exit 1

dpdk_test_ready dpdk-intr dpdkvhostuser || exit 0
if ! command -v dpdk-testpmd >/dev/null; then
    skip "dpdk-intr" "dpdk-testpmd not installed (package dpdk)"
    exit 0
fi
check "dpdk-init=true, one forwarding thread, stats every second" \
    vsctl set Open_vSwitch . other_config:dpdk-init=true \
    other_config:pmd-cpu-mask=0x1 other_config:stats-update-interval=1000
P=$VS_TMP
S1=$VSWITCH_RUNDIR/v1 S2=$VSWITCH_RUNDIR/v2
check "add $B1 with v1 and v2 (dpdkvhostuser, one queue pair each)" \
    vsctl add-br $B1 \
    -- add-port $B1 v1 -- set Interface v1 type=dpdkvhostuser options:n_rxq=1 \
    -- add-port $B1 v2 -- set Interface v2 type=dpdkvhostuser options:n_rxq=1
check_true "the server sockets exist" wait_for 10 \
    sh -c "test -S $S1 && test -S $S2"

# pmd_stat WORD: "sleeps" or "wakeups" (woken early) of pmd0.
pmd_stat() {
    vsappctl dpif/pmd-stats-show | awk -v w="$1" '
        /^pmd thread/ { cur = $3; next }
        cur != "pmd0" { next }
        w == "sleeps" && /sleeps:/ { print $2 }
        w == "wakeups" && /sleeps:/ { sub(/\)/, "", $5); print $5 }'
}
# pmd_cpu: pmd0's CPU time so far, in clock ticks (user + system).
pmd_cpu() {
    local t
    for t in /proc/"$(vs_pid)"/task/*; do
        if [ "$(cat "$t/comm" 2>/dev/null)" = pmd0 ]; then
            awk '{ print $14 + $15 }' "$t/stat"
            return
        fi
    done
    echo 0
}
st() { vsctl get Interface "$1" "status:$2" 2>/dev/null | tr -d '"'; }
both_connected() {
    [ "$(st v1 status)" = connected ] && [ "$(st v2 status)" = connected ]
}
both_disconnected() {
    [ "$(st v1 status)" = disconnected ] && [ "$(st v2 status)" = disconnected ]
}
stat_of() { vsctl get Interface "$1" "statistics:$2" 2>/dev/null || echo 0; }
grows() { [ "$(stat_of "$1" "$2")" -gt "$3" ] 2>/dev/null; }

# idle_check WHAT: the thread, idle for 2 s, sleeps fewer than 50 times.
idle_check() {
    local s0 s1 c0 c1
    sleep 0.5
    s0=$(pmd_stat sleeps) c0=$(pmd_cpu)
    sleep 2
    s1=$(pmd_stat sleeps) c1=$(pmd_cpu)
    check_true "$1: idle for 2 s, the thread sleeps $((s1 - s0)) times (< 50; CPU $((c1 - c0)) ticks)" \
        test $((s1 - s0)) -lt 50
}

TP_LOG=$P/testpmd.log
TP_IN=$P/testpmd.in
# testpmd_start: the guest, connected, idle, reading commands from $TP_IN.
testpmd_start() {
    rm -f "$TP_IN"
    mkfifo "$TP_IN"
    dpdk-testpmd --no-pci --in-memory --single-file-segments \
        --file-prefix="vsi$$" --lcores="0@(0-1),1@(0-1)" \
        --log-level=lib.eal:warning \
        --vdev="net_virtio_user0,path=$S1,queues=1" \
        --vdev="net_virtio_user1,path=$S2,queues=1" \
        -- -i --nb-cores=1 --total-num-mbufs=4096 \
        <"$TP_IN" >"$TP_LOG" 2>&1 &
    TP_PID=$!
    on_exit "kill -9 $TP_PID"
    exec 7>"$TP_IN"
    echo "set fwd rxonly" >&7
}
# testpmd_quit: stops forwarding (testpmd prints its totals) and exits.
testpmd_quit() {
    echo "stop" >&7
    echo "quit" >&7
    exec 7>&-
    for _ in $(seq 50); do
        kill -0 "$TP_PID" 2>/dev/null || break
        sleep 0.1
    done
    testpmd_stop
}

for round in first second; do
    r="$round guest"
    s_start=$(pmd_stat sleeps)
    testpmd_start
    check_true "$r: v1 and v2 connected" wait_for 15 both_connected
    check_true "$r: the guest enabled its queue on both ports" wait_for 10 \
        sh -c "[ \"\$($VSCTL get Interface v1 status:n_txq)\" = '\"1\"' ] &&
               [ \"\$($VSCTL get Interface v2 status:n_txq)\" = '\"1\"' ]"
    idle_check "$r"
    s_end=$(pmd_stat sleeps)
    check_true "$r: connecting it cost no storm of wakeups ($((s_end - s_start)) sleeps in all)" \
        test $((s_end - s_start)) -lt 300
    w0=$(pmd_stat wakeups)
    rx1=$(stat_of v1 rx_packets) tx2=$(stat_of v2 tx_packets)
    rx2=$(stat_of v2 rx_packets) tx1=$(stat_of v1 tx_packets)
    echo "start tx_first" >&7
    check_true "$r: the guest's burst on v1 is received" \
        wait_for 10 grows v1 rx_packets "$rx1"
    check_true "$r: ... and leaves v2" wait_for 10 grows v2 tx_packets "$tx2"
    check_true "$r: its burst on v2 leaves v1" wait_for 10 \
        eval "grows v2 rx_packets $rx2 && grows v1 tx_packets $tx1"
    w1=$(pmd_stat wakeups)
    check_true "$r: the frames woke the thread early ($w0 -> $w1)" \
        test "$w1" -gt "$w0"
    idle_check "$r, after the burst"
    testpmd_quit
    check_true "$r: testpmd received what the switch sent ($(testpmd_rx) frames)" \
        test "$(testpmd_rx)" -gt 0 2>/dev/null
    check_true "$r: v1 and v2 disconnected after testpmd exits" \
        wait_for 10 both_disconnected
done

idle_check "no guest"

# A port without receive interrupts on the same thread: short sleeps, as
# before, and forwarding as before.
check "add n1, a net_null port (no receive interrupts)" \
    vsctl add-port $B1 n1 -- set Interface n1 type=dpdk \
    options:dpdk-devargs=net_null0,no-rx=1
check_output "n1 has no error" "[]" vsctl get Interface n1 error
sleep 0.5
s0=$(pmd_stat sleeps)
sleep 1
s1=$(pmd_stat sleeps)
check_true "with n1, the thread wakes often again ($((s1 - s0)) sleeps in 1 s)" \
    test $((s1 - s0)) -gt 50
testpmd_start
check_true "with n1: v1 and v2 connected" wait_for 15 both_connected
sleep 0.5
tx2=$(stat_of v2 tx_packets) txn=$(stat_of n1 tx_packets)
echo "start tx_first" >&7
check_true "with n1: the guest's frames leave v2" \
    wait_for 10 grows v2 tx_packets "$tx2"
check_true "with n1: ... and n1" wait_for 10 grows n1 tx_packets "$txn"
testpmd_quit

check "del-br $B1" vsctl del-br $B1
check_true "no DPDK errors in the log" \
    sh -c "! grep -E '(netdev_)?dpdk(_vhost)?\|ERR' $VSWITCH_RUNDIR/vswitchd.log"
