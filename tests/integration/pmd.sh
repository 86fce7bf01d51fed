#!/bin/bash
# pmd.sh -- poll-mode (forwarding) threads as OVS users configure and
# inspect them, on dummy ports (no root, no kernel devices):
#
#   br0  LOCAL br0, p1 (two receive queues), p2, p3 -- four ports, five
#        queues.
#
# Intent, as a user sees it:
#   - Open_vSwitch other_config:pmd-cpu-mask starts one thread per CPU of
#     the mask, each pinned to its CPU: dpif/pmd-rxq-show names the cores,
#     and the kernel agrees (taskset -p on the thread ids, and the
#     "processor" field of /proc/PID/task/TID/stat).
#   - Interface other_config:pmd-rxq-affinity puts a queue on the thread of
#     its core, that thread polls nothing else (isolated), the other queues
#     stay spread over the other threads.
#   - dpif/pmd-stats-show counts the frames injected through dummy ports,
#     with busy cycles, and dpif/pmd-stats-clear zeroes it.
#   - A bad mask or affinity is refused by vsctl with a message naming the
#     key and the value, and nothing changes (database, threads, queues).
#   - A thread with no queue sleeps: it neither wakes up nor uses CPU.
#   - pmd-stats-show counts sends and the frames in them; with
#     tx-flush-interval and devices' own buffers every frame still leaves,
#     and a bad interval is logged.
#   - Without the mask, n-forwarding-threads threads run unpinned.
. "${srcdir:-.}/tests/lib.sh"

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 20 "$VSCTL" --timeout=15 "$@"; }

NCPU=$(nproc)
# The CPUs this test may pin threads to: 0, and 1 if there is one.
if [ "$NCPU" -ge 2 ]; then
    MASK=0x3 CORES="0 1" LAST=1
else
    MASK=0x1 CORES="0" LAST=0
fi

# rxq_show_threads: "pmdN CORE" per thread ("unpinned" for CORE).
rxq_show_threads() {
    vsappctl dpif/pmd-rxq-show | awk '
        /^pmd thread/ { print $3, ($4 == "core" ? $5 : $4) }'
}

# rxq_of PORT QUEUE: "pmdN pinned|not" for that queue in pmd-rxq-show.
rxq_of() {
    vsappctl dpif/pmd-rxq-show | awk -v p="$1" -v q="$2" '
        /^pmd thread/ { t = $3 }
        $1 == "port:" && $2 == p && $4 == q {
            print t, ($5 == "pinned" ? "pinned" : "not") }'
}

# isolated PMD: "true" or "false".
isolated() {
    vsappctl dpif/pmd-rxq-show | awk -v t="$1" '
        /^pmd thread/ { cur = $3 }
        cur == t && $1 == "isolated:" { print $2 }'
}

# tid PMD: the Linux thread id of forwarding thread PMD, from its name.
tid() {
    local t
    for t in /proc/"$(vs_pid)"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = "$1" ] && basename "$t"
    done
}

# stat PMD WORD: a figure of pmd-stats-show for thread PMD: "packets",
# "busy", "idle", "sleeps", "wakeups".
stat() {
    vsappctl dpif/pmd-stats-show | awk -v t="$1" -v w="$2" '
        /^pmd thread/ { cur = $3; next }
        cur != t { next }
        w == "packets" && /packets received:/ { print $3 }
        w == "busy" && /^  busy cycles:/ { print $3 }
        w == "idle" && /^  idle cycles:/ { print $3 }
        w == "sleeps" && /sleeps:/ { print $2 }
        w == "wakeups" && /sleeps:/ { sub(/\)/, "", $5); print $5 }'
}

# total_packets: packets received, summed over every thread.
total_packets() {
    vsappctl dpif/pmd-stats-show | awk '
        /packets received:/ { n += $3 } END { print n + 0 }'
}

inject_n() {                    # inject_n PORT N: N frames, 16 source MACs
    local port=$1 n=$2 i frames=()
    for ((i = 0; i < n; i++)); do
        frames+=("$(frame ff:ff:ff:ff:ff:ff "02:00:00:00:01:$(printf %02x $((i % 16)))")")
    done
    vsappctl netdev-dummy/receive "$port" "${frames[@]}" >/dev/null
}

vs_start || exit 1
check "setup: br0 with p1 (2 queues), p2, p3" \
    vsctl add-br br0 -- set Interface br0 type=dummy \
    -- add-port br0 p1 -- set Interface p1 type=dummy options:n_rxq=2 \
    -- add-port br0 p2 -- set Interface p2 type=dummy \
    -- add-port br0 p3 -- set Interface p3 type=dummy

# ---------------------------------------------------------------------------
# Default: one unpinned thread polls all five queues.
check_output "default: one unpinned thread" "pmd0 unpinned" rxq_show_threads
check_output "default: pmd-rxq-show lists the five queues" 5 \
    sh -c "'$VSAPPCTL' dpif/pmd-rxq-show | grep -c '^  port: '"
check_output "default: p1 queue 1 is on pmd0, not pinned" "pmd0 not" \
    rxq_of p1 1

# ---------------------------------------------------------------------------
# pmd-cpu-mask: one pinned thread per CPU.
check "mask: pmd-cpu-mask=$MASK" \
    vsctl set Open_vSwitch . other_config:pmd-cpu-mask=$MASK
want=$(i=0; for c in $CORES; do echo "pmd$i $c"; i=$((i + 1)); done)
check_output "mask: pmd-rxq-show names a thread per core ($CORES)" \
    "$want" rxq_show_threads
i=0
for c in $CORES; do
    t=$(tid pmd$i)
    check_true "mask: pmd$i has a thread id (${t:-none})" test -n "$t"
    check_output "mask: taskset -p shows pmd$i pinned to CPU $c" \
        "$(printf %x $((1 << c)))" \
        sh -c "taskset -p $t | sed 's/.*: //'"
    check_output "mask: /proc/.../stat says pmd$i runs on CPU $c" "$c" \
        sh -c "awk '{ print \$39 }' /proc/$(vs_pid)/task/$t/stat"
    tid_shown=$(vsappctl dpif/pmd-rxq-show | awk -v t=pmd$i '$3 == t { print $NF }')
    check_output "mask: pmd-rxq-show gives pmd$i's thread id" "$t:" \
        echo "$tid_shown"
    i=$((i + 1))
done
check_output "mask: the main thread is not pinned by it" \
    "$(printf %x $(( (1 << NCPU) - 1 )))" \
    sh -c "taskset -p $(vs_pid) | sed 's/.*: //'"
check_output "mask: still five queues, none lost" 5 \
    sh -c "'$VSAPPCTL' dpif/pmd-rxq-show | grep -c '^  port: '"

# Forwarding still works on pinned threads.
PORTS=(p2 p3)
vsappctl netdev-dummy/sent p2 >/dev/null
f=$(frame ff:ff:ff:ff:ff:ff 02:00:00:00:00:0a)
inject_frame() { vsappctl netdev-dummy/receive p1 "$f" >/dev/null; }
inject_frame
sent_p2() { vsappctl netdev-dummy/sent p2 | grep -q "$f"; }
check_true "mask: a broadcast on p1 reaches p2" wait_for 5 sent_p2

# ---------------------------------------------------------------------------
# pmd-rxq-affinity: p1's queue 1 to the last core.
check "affinity: p1 pmd-rxq-affinity=1:$LAST" \
    vsctl set Interface p1 other_config:pmd-rxq-affinity=1:$LAST
PIN_PMD=pmd$(( $(echo $CORES | wc -w) - 1 ))
check_output "affinity: p1 queue 1 is pinned on $PIN_PMD (core $LAST)" \
    "$PIN_PMD pinned" rxq_of p1 1
check_output "affinity: $PIN_PMD is isolated" true isolated $PIN_PMD
if [ "$NCPU" -ge 2 ]; then
    check_output "affinity: $PIN_PMD polls nothing else" 1 \
        sh -c "'$VSAPPCTL' dpif/pmd-rxq-show | awk '
            /^pmd thread/ { t = \$3 } t == \"$PIN_PMD\" && /^  port:/ { n++ }
            END { print n + 0 }'"
    for q in "br0 0" "p1 0" "p2 0" "p3 0"; do
        check_output "affinity: $q stays unpinned on pmd0" "pmd0 not" \
            rxq_of $q
    done
    check_output "affinity: pmd0 is not isolated" false isolated pmd0
else
    skip "affinity: isolation" "needs two CPUs"
fi
check_true "affinity: the move is logged" \
    wait_for 5 sh -c "grep -q 'p1: receive queue 1 moves to' '$VSWITCH_RUNDIR/vswitchd.log'"

# ---------------------------------------------------------------------------
# pmd-stats-show counts frames, per thread and per queue.
check_output "stats: pmd-stats-clear answers" "" vsappctl dpif/pmd-stats-clear
check_output "stats: no packets after clear" 0 total_packets
inject_n p2 50
vsappctl netdev-dummy/receive --queue 1 p1 \
    "$(frame ff:ff:ff:ff:ff:ff 02:00:00:00:00:0b)" \
    "$(frame ff:ff:ff:ff:ff:ff 02:00:00:00:00:0c)" \
    "$(frame ff:ff:ff:ff:ff:ff 02:00:00:00:00:0d)" >/dev/null
total_is() { [ "$(total_packets)" = "$1" ]; }
check_true "stats: 53 packets received over the threads ($(total_packets))" \
    wait_for 5 total_is 53
check_output "stats: $PIN_PMD received p1 queue 1's 3 frames" 3 \
    stat $PIN_PMD packets
# Each of the 53 broadcasts leaves through the three other ports: 159
# frames in sends of up to 32 (50 frames from one queue are two batches,
# so at least 2 sends per port).
sent_frames() {
    vsappctl dpif/pmd-stats-show | awk '
        /^  sends:/ { sub(/\(/, "", $3); n += $3 } END { print n + 0 }'
}
sends() {
    vsappctl dpif/pmd-stats-show | awk '
        /^  sends:/ { n += $2 } END { print n + 0 }'
}
sent_is() { [ "$(sent_frames)" = "$1" ]; }
check_true "stats: 159 frames sent over the threads ($(sent_frames))" \
    wait_for 5 sent_is 159
n_sends=$(sends)
check_true "stats: in 9 to 159 sends ($n_sends)" \
    test "$n_sends" -ge 9 -a "$n_sends" -le 159
check_true "stats: packets per send printed" \
    sh -c "'$VSAPPCTL' dpif/pmd-stats-show | grep -Eq 'sends: [0-9]+ \([0-9]+ packets, [0-9.]+ packets/send\)'"
q_packets=$(vsappctl dpif/pmd-rxq-show | awk '$2 == "p1" && $4 == 1 { print $NF }')
check_output "stats: pmd-rxq-show counts 3 packets on p1 queue 1" 3 \
    echo "$q_packets"
busy=$(stat $PIN_PMD busy)
check_true "stats: $PIN_PMD has busy cycles (${busy:-none})" \
    test "${busy:-0}" -gt 0
share=$(vsappctl dpif/pmd-rxq-show | awk '$2 == "p1" && $4 == 1 { print $(NF-3) }')
check_output "stats: p1 queue 1 has all of $PIN_PMD's busy share" 100 \
    echo "$share"
# On p2's thread, which polls other queues too, only p2 received frames:
# it has the whole share, the others none.
p2_thread_shares() {
    vsappctl dpif/pmd-rxq-show | awk '
        /^pmd thread/ { t = $3 }
        $1 == "port:" { share[t] = share[t] " " $2 "=" $(NF-3) }
        $1 == "port:" && $2 == "p2" { p2t = t }
        END { print share[p2t] }'
}
shares=$(p2_thread_shares)
check_true "stats: on p2's thread, p2 has 100 % and the rest 0 ($shares)" \
    sh -c "echo '$shares' | tr ' ' '\n' | awk -F= '
        \$1 == \"p2\" { p2 = \$2 } \$1 != \"\" && \$1 != \"p2\" { o += \$2; n++ }
        END { exit !(p2 == 100 && o == 0 && n > 0) }'"
check_true "stats: cycles per packet printed" \
    sh -c "'$VSAPPCTL' dpif/pmd-stats-show | grep -Eq 'avg busy cycles per packet: [1-9]'"
check "stats: pmd-stats-clear" vsappctl dpif/pmd-stats-clear
check_output "stats: cleared to 0 packets" 0 total_packets
check_output "stats: queue counters cleared too" 0 \
    sh -c "'$VSAPPCTL' dpif/pmd-rxq-show | awk '\$2 == \"p1\" && \$4 == 1 { print \$NF }'"

# ---------------------------------------------------------------------------
# Refusals: vsctl fails with a clear message and nothing changes.
before_db=$(db_dump)
before_rxq=$(rxq_show_threads)
refused() {                     # refused NAME SUBSTRING VSCTL-ARGS...
    local name=$1 substr=$2
    shift 2
    check_error "refused: $name" 1 "$substr" "$VSCTL" --timeout=15 "$@"
}
refused "a mask that is not hex" \
    'pmd-cpu-mask "0xZ3" is not a hexadecimal CPU mask' \
    set Open_vSwitch . other_config:pmd-cpu-mask=0xZ3
refused "a mask naming a CPU that does not exist" \
    "names CPU $NCPU, which this system does not have" \
    set Open_vSwitch . other_config:pmd-cpu-mask=$(printf 0x%x $((1 << NCPU)))
refused "a mask naming no CPU" 'pmd-cpu-mask "0" names no CPU' \
    set Open_vSwitch . other_config:pmd-cpu-mask=0
refused "an affinity that is not QUEUE:CORE" \
    'pmd-rxq-affinity "0-1" is not a list of QUEUE:CORE pairs' \
    set Interface p2 other_config:pmd-rxq-affinity=0-1
refused "an affinity naming a queue twice" \
    'pmd-rxq-affinity "0:0,0:0" names queue 0 twice' \
    set Interface p2 other_config:pmd-rxq-affinity=0:0,0:0
refused "an affinity naming a core that does not exist" \
    "names core $NCPU, which this system does not have" \
    set Interface p2 other_config:pmd-rxq-affinity=0:$NCPU
refused "the error names the interface" "interface p3: other_config:" \
    set Interface p3 other_config:pmd-rxq-affinity=x
check_output "refused: the database did not change" "$before_db" db_dump
check_output "refused: the threads did not change" "$before_rxq" \
    rxq_show_threads

# ---------------------------------------------------------------------------
# Back to unpinned threads, then a thread with no queue.
check "unpinned: remove pmd-cpu-mask and the affinity" \
    vsctl remove Open_vSwitch . other_config pmd-cpu-mask \
    -- remove Interface p1 other_config pmd-rxq-affinity
check_output "unpinned: one unpinned thread again" "pmd0 unpinned" \
    rxq_show_threads
check "idle: n-forwarding-threads=8 (five queues, so three idle threads)" \
    vsctl set Open_vSwitch . other_config:n-forwarding-threads=8
check_output "idle: pmd5-7 have no queue" "3" \
    sh -c "'$VSAPPCTL' dpif/pmd-rxq-show | grep -c 'no queues (sleeping)'"
sleep 0.5
s0=$(stat pmd7 sleeps)
cpu0=$(awk '{ print $14 + $15 }' /proc/"$(vs_pid)"/task/"$(tid pmd7)"/stat)
sleep 1.5
s1=$(stat pmd7 sleeps)
cpu1=$(awk '{ print $14 + $15 }' /proc/"$(vs_pid)"/task/"$(tid pmd7)"/stat)
check_output "idle: a thread with no queue does not wake up ($s0 -> $s1 sleeps)" \
    "$s0" echo "$s1"
check_output "idle: and uses no CPU ($cpu0 -> $cpu1 ticks)" "$cpu0" \
    echo "$cpu1"
check "idle: back to one thread" \
    vsctl remove Open_vSwitch . other_config n-forwarding-threads

# ---------------------------------------------------------------------------
# Held sends (Open_vSwitch other_config:tx-flush-interval): frames in
# buffers of a device's own (pool=true) may wait for others to the same
# port up to the interval while traffic flows, but never once it stops;
# a value out of range is logged and the previous one kept.
check "held: p2 and p3 with pool buffers, tx-flush-interval=1000" \
    vsctl set Interface p2 options:pool=true \
    -- set Interface p3 options:pool=true \
    -- set Open_vSwitch . other_config:tx-flush-interval=1000
vsappctl netdev-dummy/sent p3 >/dev/null
check "held: pmd-stats-clear" vsappctl dpif/pmd-stats-clear
inject_n p2 40
check_true "held: all 120 frames sent ($(sent_frames))" \
    wait_for 5 sent_is 120
check_output "held: p3 got 40 frames" 40 \
    sh -c "'$VSAPPCTL' netdev-dummy/sent p3 | grep -c ."
check "held: tx-flush-interval=2000000 (over a second)" \
    vsctl set Open_vSwitch . other_config:tx-flush-interval=2000000
check_true "held: the log names the key and the range" \
    wait_for 5 sh -c "grep -q 'tx-flush-interval \"2000000\" is not an integer in 0..1000000' '$VSWITCH_RUNDIR/vswitchd.log'"
check "held: pmd-stats-clear again" vsappctl dpif/pmd-stats-clear
inject_n p2 10
check_true "held: frames still flow with the previous value ($(sent_frames))" \
    wait_for 5 sent_is 30
check "held: remove tx-flush-interval and pool buffers" \
    vsctl remove Open_vSwitch . other_config tx-flush-interval \
    -- remove Interface p2 options pool -- remove Interface p3 options pool

# ---------------------------------------------------------------------------
# The main thread never forwards: no frame is counted outside the threads.
check "main: pmd-stats-clear" vsappctl dpif/pmd-stats-clear
inject_n p3 20
check_true "main: the forwarding thread received all 20 frames" \
    wait_for 5 total_is 20
