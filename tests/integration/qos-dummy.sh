#!/bin/bash
# qos-dummy.sh -- QoS, steering and policing on dummy ports: the userspace
# shaper, the egress policer and the ingress policer, with simulated time
# ("vsappctl time/stop" then "time/warp"), so every count is exact or
# within one frame, whatever the machine's load.  Also the commit-time
# refusals (nothing changes) and libvirt's <bandwidth> command lines.
#
# Topology: bridge br0 (LOCAL port br0 in VLAN 4000, out of the floods),
# trunk ports p1 p2 p3, all dummy.  Frames enter p1 (or p3) with unknown
# destinations, so they flood to the other trunk ports; QoS sits on p2.
# Frames are 1000 bytes (1000-byte frame = 986 IP bytes for the policer),
# ethertype 88b5 unless a case needs another.
. "${srcdir:-.}/tests/lib.sh"

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 20 "$VSCTL" --timeout=15 "$@"; }

# frame SRC-LAST-BYTE [ETHERTYPE] [VLAN-TAG-HEX] [PAYLOAD-HEX]: a 1000-byte
# frame (without the optional tag) from 02:00:00:00:00:SS to an unknown
# unicast address.
frame() {
    local src=$1 type=${2:-88b5} tag=${3:-} body=${4:-} pad
    pad=$(( (1000 - 14) * 2 - ${#body} ))
    printf '0200000000ff02000000%04x%s%s%s%s\n' "0x$src" "$tag" "$type" \
        "$body" "$(head -c $((pad / 2)) /dev/zero | od -An -tx1 -v | tr -d ' \n')"
}

# frames N ARGS...: N copies of frame ARGS.
frames() {
    local n=$1 f i
    shift
    f=$(frame "$@")
    for ((i = 0; i < n; i++)); do
        printf '%s ' "$f"
    done
}

inject() { vsappctl netdev-dummy/receive "$@" >/dev/null; }

# sent PORT: frames PORT sent since the last call.
sent() {
    vsappctl netdev-dummy/sent "$1" 2>/dev/null | grep -c '^[0-9a-f]'
}

# qos_field PORT QUEUE FIELD: packets, drops or backlog of a queue.
qos_field() {
    vsappctl qos/show "$1" | awk -v q="queue $2:" -v f="$3" '
        index($0, q) { for (i = 1; i <= NF; i++) if ($i == f) {
                         v = $(i + 1); sub(",", "", v); print v; exit } }'
}

# warp_steps N MS: N warps of MS milliseconds, with a short pause each so
# that a forwarding thread passes (it drains shapers at least every ms).
warp_steps() {
    local i
    for ((i = 0; i < $1; i++)); do
        vsappctl time/warp "$2" >/dev/null
        sleep 0.01
    done
    sleep 0.2
}

within() { # within VALUE LOW HIGH
    [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

vs_start || exit 1

check "setup: br0 with dummy trunk ports p1 p2 p3" \
    vsctl add-br br0 -- set Interface br0 type=dummy -- set Port br0 tag=4000 \
    -- add-port br0 p1 -- set Interface p1 type=dummy \
    -- add-port br0 p2 -- set Interface p2 type=dummy \
    -- add-port br0 p3 -- set Interface p3 type=dummy
check "setup: stop time" vsappctl time/stop

# ---------------------------------------------------------------------------
# Commit-time refusals: exit 1, a clear message, nothing changed.
before=$(db_dump)
check_error "refuse: unknown QoS type" 1 'QoS type "linux-foo" is not supported' \
    vsctl set port p2 qos=@q -- --id=@q create qos type=linux-foo
check_error "refuse: negative max-rate" 1 'other_config:max-rate "-5"' \
    vsctl set port p2 qos=@q -- --id=@q create qos type=linux-htb \
    other_config:max-rate=-5
check_error "refuse: min-rate above max-rate" 1 'min-rate 2000 is more than max-rate 1000' \
    vsctl set port p2 qos=@q -- --id=@q create qos type=linux-htb \
    queues:1=@q1 -- --id=@q1 create queue other_config:min-rate=2000 \
    other_config:max-rate=1000
check_error "refuse: bad pcap filter (libpcap's message)" 1 'invalid other_config:filter "tcp dst portt 80"' \
    vsctl set port p2 qos=@q -- --id=@q create qos type=linux-htb \
    queues:1=@q1 -- --id=@q1 create queue 'other_config:filter="tcp dst portt 80"'
check_error "refuse: pcp out of range" 1 'other_config:pcp "9"' \
    vsctl set port p2 qos=@q -- --id=@q create qos type=linux-htb \
    queues:1=@q1 -- --id=@q1 create queue other_config:pcp=9
check_error "refuse: qos-queue naming a queue no QoS has" 1 'qos-queue 7 refers to a queue that no QoS has' \
    vsctl set port p3 other_config:qos-queue=7
check_output "refuse: the database did not change" "$before" db_dump

# ---------------------------------------------------------------------------
# Port max-rate: 800 kbit/s = 100 bytes/ms.  The bucket holds 3036 bytes
# (two full frames; 10 ms of the rate is less), so 4 frames leave at once
# (tokens 3036 -> -964), then one per 10 ms of simulated time.
check "shaper: QoS max-rate=800000 on p2" \
    vsctl set port p2 qos=@q -- --id=@q create qos type=linux-htb \
    other_config:max-rate=800000
sleep 0.3
sent p2 >/dev/null; sent p3 >/dev/null
inject p1 $(frames 20 0a)
sleep 0.3
check_output "shaper: a burst of 20 leaves 4 at once (bucket)" 4 sent p2
check_output "shaper: the unshaped port p3 got all 20" 20 sent p3
check_output "shaper: 16 wait in queue 0 (delayed, not dropped)" 16 \
    qos_field p2 0 backlog
warp_steps 10 10
check_output "shaper: 100 ms of simulated time lets 10 more go" 10 sent p2
warp_steps 10 10
check_output "shaper: and the next 100 ms 6 more (queue empty)" 6 sent p2
check_output "shaper: nothing dropped" 0 qos_field p2 0 drops
check_output "shaper: queue 0 counted all 20" 20 qos_field p2 0 packets

# A queue's bounded depth: 64 KiB at this rate, then drops counted as
# qos-queue-full.
before=$(drop_count qos-queue-full)
inject p1 $(frames 100 0a)
sleep 0.5
after=$(drop_count qos-queue-full)
n=$(sent p2)
bl=$(qos_field p2 0 backlog)
check_true "shaper: a flood of 100 overflows the queue (dropped $((after - before)), sent $n, waiting $bl)" \
    test $((after - before)) -ge 20 -a $((after - before + n + bl)) -eq 100
check_true "shaper: qos/show counts the drops" \
    test "$(qos_field p2 0 drops)" -eq $((after - before))
warp_steps 5 1000
sent p2 >/dev/null

# ---------------------------------------------------------------------------
# Two saturated queues split by min-rate, steered by pcap filters.  Port
# 1.6 Mbit/s (200 B/ms): queue 1 (ether proto 0x88b5) min 1.2 Mbit/s,
# queue 2 (0x88b6) min 0.4 Mbit/s: 3:1.  Queue 3 (0x88b7) has max-rate
# 400 kbit/s and is tested alone.
check "split: QoS with filtered queues 1, 2, 3" \
    vsctl -- --if-exists clear port p2 qos \
    -- set port p2 qos=@q -- --id=@q create qos type=linux-htb \
    other_config:max-rate=1600000 queues:1=@q1 queues:2=@q2 queues:3=@q3 \
    -- --id=@q1 create queue other_config:min-rate=1200000 \
       'other_config:filter="ether proto 0x88b5"' \
    -- --id=@q2 create queue other_config:min-rate=400000 \
       'other_config:filter="ether proto 0x88b6"' \
    -- --id=@q3 create queue other_config:max-rate=400000 \
       'other_config:filter="ether proto 0x88b7"'
sleep 0.3
inject p1 $(frames 60 0a 88b5) $(frames 60 0b 88b6)
sleep 0.3
warp_steps 30 10
q1=$(qos_field p2 1 packets) q2=$(qos_field p2 2 packets)
check_true "split: queue 1 : queue 2 = 3 : 1 +-15% ($q1 : $q2)" \
    test $((q1 * 100)) -ge $((q2 * 255)) -a $((q1 * 100)) -le $((q2 * 345))
check_true "split: the port total is 1.6 Mbit/s (60 frames in 300 ms, got $((q1 + q2)))" \
    within $((q1 + q2)) 58 68
warp_steps 20 100
sent p2 >/dev/null
check_output "split: both queues drained" 0 qos_field p2 1 backlog
before=$(qos_field p2 3 packets)
inject p1 $(frames 40 0c 88b7)
sleep 0.3
warp_steps 20 10
q3=$(( $(qos_field p2 3 packets) - before ))
check_true "cap: queue 3 (max 400 kbit/s) on an idle link: 50 B/ms, 200 ms -> 10 + burst ($q3)" \
    within "$q3" 11 15

# ---------------------------------------------------------------------------
# Steering by PCP, DSCP and ingress port (no filters): queue 4 takes PCP 5,
# queue 5 DSCP 46 (EF), queue 6 everything p3 sends.
warp_steps 5 1000
check "steer: queues by pcp, match-dscp and qos-queue" \
    vsctl -- --if-exists clear port p2 qos \
    -- set port p2 qos=@q -- --id=@q create qos type=linux-htb \
    queues:0=@q0 queues:4=@q4 queues:5=@q5 queues:6=@q6 \
    -- --id=@q0 create queue other_config:max-rate=100000000 \
    -- --id=@q4 create queue other_config:pcp=5 \
    -- --id=@q5 create queue other_config:match-dscp=46 \
    -- --id=@q6 create queue other_config:max-rate=100000000 \
    -- set port p3 other_config:qos-queue=6
sleep 0.3
# VLAN 10 PCP 5 (tci a00a), VLAN 10 PCP 0 (000a); IPv4 TOS 0xb8 (DSCP 46)
# and TOS 0.
ip_ef=4500001400000000401100007f0000017f000002
ip_ef=${ip_ef:0:2}b8${ip_ef:4}
ip_be=4500001400000000401100007f0000017f000002
inject p1 $(frames 3 0a 0800 8100a00a) $(frames 2 0a 0800 8100000a) \
    $(frames 4 0a 0800 "" "$ip_ef") $(frames 5 0a 0800 "" "$ip_be")
inject p3 $(frames 6 0d)
sleep 0.5
check_output "steer: PCP 5 -> queue 4" 3 qos_field p2 4 packets
check_output "steer: DSCP 46 -> queue 5" 4 qos_field p2 5 packets
check_output "steer: everything from p3 -> queue 6" 6 qos_field p2 6 packets
check_output "steer: the rest -> queue 0" 7 qos_field p2 0 packets
check "steer: clear" vsctl -- remove port p3 other_config qos-queue \
    -- --if-exists clear port p2 qos

# ---------------------------------------------------------------------------
# Egress policer (OVS-DPDK's command line): cir 1000 bytes/s, cbs 2000
# bytes of IP (986 per frame): 2 of a burst pass.
check "egress-policer: create" \
    vsctl set port p2 qos=@q -- --id=@q create qos type=egress-policer \
    other_config:cir=1000 other_config:cbs=2000
sleep 0.3
sent p2 >/dev/null
before=$(drop_count egress-policed)
inject p1 $(frames 10 0a)
sleep 0.3
check_output "egress-policer: 2 of 10 pass" 2 sent p2
check_output "egress-policer: 8 counted as egress-policed" $((before + 8)) \
    drop_count egress-policed
check "egress-policer: clear" vsctl --if-exists clear port p2 qos
sleep 0.3
inject p1 $(frames 10 0a)
sleep 0.3
check_output "cleared: all 10 pass again" 10 sent p2

# ---------------------------------------------------------------------------
# Ingress policing: 800 kbit/s with an 8 kbit burst = one 1000-byte frame
# of tokens; then 8000 bits per 10 ms.
check "police: p1 ingress_policing_rate=800 burst=8" \
    vsctl set interface p1 ingress_policing_rate=800 ingress_policing_burst=8
sleep 0.3
sent p2 >/dev/null
before=$(drop_count ingress-policed)
inject p1 $(frames 10 0a)
sleep 0.3
check_output "police: 1 of 10 passes" 1 sent p2
check_output "police: 9 counted as ingress-policed" $((before + 9)) \
    drop_count ingress-policed
vsappctl time/warp 10 >/dev/null
inject p1 $(frames 10 0a)
sleep 0.3
check_output "police: after 10 ms one more" 1 sent p2
check "police: kpkts variant, 1 kpkt/s with burst 1 kpkt" \
    vsctl set interface p1 ingress_policing_rate=0 ingress_policing_burst=0 \
    ingress_policing_kpkts_rate=1 ingress_policing_kpkts_burst=1
sleep 0.3
sent p2 >/dev/null
for ((k = 0; k < 36; k++)); do
    inject p1 $(frames 30 0a)
done
sleep 0.5
check_output "police: 1000 of 1080 packets pass the packet bucket" 1000 sent p2
check "police: off" vsctl set interface p1 ingress_policing_kpkts_rate=0 \
    ingress_policing_kpkts_burst=0

# ---------------------------------------------------------------------------
# libvirt <bandwidth> (COMPAT.md): create, update, clear.
vmid=1b2c3d4e-0000-0000-0000-000000000001
check "libvirt: create QoS and queue for p2" \
    vsctl --no-heading --columns=_uuid find queue \
    "external-ids:vm-id=\"$vmid\"" 'external-ids:ifname="p2"'
check "libvirt: set port qos (inbound)" \
    vsctl set port p2 qos=@qos1 "external-ids:vm-id=\"$vmid\"" \
    'external-ids:ifname="p2"' -- --id=@qos1 create qos type=linux-htb \
    other_config:min-rate=8192000 queues:0=@queue0 \
    "external-ids:vm-id=\"$vmid\"" 'external-ids:ifname="p2"' \
    -- --id=@queue0 create queue other_config:min-rate=8192000 \
    other_config:max-rate=16384000 other_config:burst=8192000 \
    "external-ids:vm-id=\"$vmid\"" 'external-ids:ifname="p2"'
check "libvirt: set interface policing (outbound)" \
    vsctl set Interface p2 ingress_policing_rate=8000 ingress_policing_burst=800
sleep 0.3
check_true "libvirt: qos/show p2 shows the userspace shaper" \
    sh -c "'$VSAPPCTL' qos/show p2 | grep -q 'userspace shaper, 1 queue'"
qos=$(vsctl --bare --columns=_uuid find qos "external-ids:vm-id=\"$vmid\"")
queue=$(vsctl --bare --columns=_uuid find queue "external-ids:vm-id=\"$vmid\"")
check "libvirt: update (new values on the same rows)" \
    vsctl set queue "$queue" other_config:max-rate=32768000
check "libvirt: clear" \
    vsctl remove port p2 qos "$qos" -- destroy qos "$qos" -- destroy queue "$queue"
check "libvirt: clear policing" \
    vsctl set Interface p2 ingress_policing_rate=0 ingress_policing_burst=0
sleep 0.3
check_true "libvirt: no queues left on p2" \
    sh -c "'$VSAPPCTL' qos/show p2 | grep -q 'no egress queues'"
check_output "libvirt: no QoS or Queue rows of the VM left" "" \
    vsctl --bare --columns=_uuid find qos "external-ids:vm-id=\"$vmid\""
check_output "libvirt: no Queue rows of the VM left" "" \
    vsctl --bare --columns=_uuid find queue "external-ids:vm-id=\"$vmid\""

check_true "daemon: still running" kill -0 "$(vs_pid)"
