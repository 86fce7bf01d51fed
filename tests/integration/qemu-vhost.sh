#!/bin/bash
# qemu-vhost.sh -- a real guest on vhost-user (root, a DPDK build, 2 MiB
# huge pages, qemu-system-x86_64): QEMU without KVM (TCG), its memory a
# shared memfd, boots Debian's kernel with a busybox initramfs whose /init
# loads virtio-net, pings a namespace behind a veth (a system port) through
# the switch and is pinged back.  Once with the switch as the vhost-user
# client (dpdkvhostuserclient, QEMU listens), once as the server
# (dpdkvhostuser, QEMU connects to RUNDIR/NAME).  Last, a multiqueue guest
# (2 vCPUs, 2 queue pairs): the switch must poll and send on both pairs,
# and each vCPU's pings arrive on its own queue.  The client port's second
# guest runs with jumbo frames (MTU 9000 on the veth, the namespace and the
# guest's NIC, host_mtu=9000): the port, without mtu_request, takes the
# MTU QEMU announces (Interface mtu and status guest_mtu), 9014-byte
# frames cross both ways unfragmented; at mtu_request=1500 the request
# wins, with a warning in the log, and such frames are dropped as "mtu";
# with the request cleared the port follows the guest again, and falls
# back to 1500 when the guest is gone.  Guests without host_mtu leave
# their ports at 1500.  A guest restarting with another host_mtu brings
# its own; one over 9198 leaves the port at 1500, with a warning.
#
# The guest's kernel, modules and busybox come from Debian packages that
# tools/guest-image downloads and unpacks once into a cache directory
# (VSWITCH_GUEST_CACHE, default /var/cache/vswitch-tests/guest); nothing is
# installed on the host.  The initramfs is built for each run.
#
# Topology (SUB is a random 10.x.y. prefix):
#   $BR  veth host end (system port), other end in namespace $NS, SUB.2
#        vq1 dpdkvhostuserclient -> QEMU guest 1 (server=on), SUB.11,
#            then again after QEMU restarts (guest 3, same MAC, SUB.13,
#            host_mtu=9000, which vq1 takes; the veth at mtu_request=9000
#            from then), then guests 5 and 6 with host_mtu 4000 and 9500
#            (the switch's side only)
#        vq2 dpdkvhostuser RUNDIR/vq2 <- QEMU guest 2 (client), SUB.12
#        vq4 dpdkvhostuserclient (8 pairs offered) -> QEMU guest 4 (server=on,
#            -smp 2, queues=2, mq=on), SUB.14
# Everything is removed at exit, even on failure.
. "${srcdir:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
    skip "qemu-vhost" "needs root (huge pages, namespaces, vhost-user sockets)"
    exit 0
fi
QEMU=$(command -v qemu-system-x86_64) || {
    skip "qemu-vhost" "qemu-system-x86_64 not installed (package qemu-system-x86)"
    exit 0
}
if ! GUEST=$("$TESTS_SRCDIR/../tools/guest-image" 2>"$VS_TMP/guest-image.err")
then
    skip "qemu-vhost" "no guest image: $(cat "$VS_TMP/guest-image.err")"
    exit 0
fi

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 30 "$VSCTL" --timeout=25 "$@"; }
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; vs_cleanup' EXIT

BR=vsq$$b NS=vsq$$ VETH=vsq$$v
SUB=10.$((RANDOM % 200 + 20)).$((RANDOM % 250)).
export VS_REAL_NETDEVS=1
vs_start || exit 1
dpdk_test_ready qemu-vhost dpdkvhostuser || exit 0
check "dpdk-init=true, stats-update-interval=1000" \
    vsctl set Open_vSwitch . other_config:dpdk-init=true \
    other_config:stats-update-interval=1000
check_output "dpdk_initialized is true" "true" \
    vsctl get Open_vSwitch . dpdk_initialized

# ---------------------------------------------------------------------------
# The initramfs: busybox, the modules in load order, and /init.  The kernel
# hands unknown "name=value" boot parameters to /init as environment
# variables: vst_ip (address/prefix for eth0), vst_peer (to ping).
INITRD=$VS_TMP/initrd.gz
mkinitrd() {
    local r=$VS_TMP/initrd
    mkdir -p "$r/bin" "$r/modules" "$r/proc" "$r/sys" "$r/dev" &&
        cp "$GUEST/busybox" "$r/bin/busybox" &&
        ln -s busybox "$r/bin/sh" &&
        cp "$GUEST"/modules/*.ko "$GUEST/modules.order" "$r/modules/" || return 1
    cat >"$r/init" <<'EOF'
#!/bin/sh
# The test guest: configure eth0, ping the peer, report on the console
# (ttyS0), stay up a while to be pinged, power off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { echo "vst-guest: $*"; }
for m in $(cat /modules/modules.order); do
    insmod "/modules/$m.ko" || say "insmod $m failed"
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
ip link set lo up
# vst_mtu: eth0's MTU.  The NIC offers it (host_mtu, VIRTIO_NET_F_MTU), so
# the driver should have set it already; without the offer, setting it
# works too (the driver's limit is then 65535).
if [ -n "$vst_mtu" ]; then
    say "mtu offered $(cat /sys/class/net/eth0/mtu)"
    ip link set eth0 mtu "$vst_mtu"
fi
ip link set eth0 up
ip addr add "$vst_ip" dev eth0
say "eth0 $(cat /sys/class/net/eth0/address) $vst_ip"
# With several vCPUs (vst_mq=N), every ping runs pinned to a vCPU: vCPU 0
# unless said otherwise.
pin=
[ -n "$vst_mq" ] && pin="taskset -c 0"
# The switch may take a moment to attach the queues: retry the first ping.
i=0
until $pin ping -c 1 -W 1 "$vst_peer" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -ge 40 ] && break
done
# "ping SIZE SENT/RECEIVED"
pings() {
    $pin ping -q -c "$2" -i 0.2 -W 2 -s "$1" "$vst_peer" 2>&1 |
        sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1\/\2/p'
}
say "ping 56 $(pings 56 5)"
say "ping 1472 $(pings 1472 3)"
if [ -n "$vst_mtu" ]; then
    say "mtu $(cat /sys/class/net/eth0/mtu)"
    say "ping $((vst_mtu - 28)) $(pings $((vst_mtu - 28)) 3)"
fi
# Multiqueue: the driver maps vCPU i to transmit queue i (XPS, shown in
# xps_cpus), so 10 pings pinned to each vCPU send on each queue.
if [ -n "$vst_mq" ]; then
    say "cpus $(nproc) queues $(cd /sys/class/net/eth0/queues && echo *)"
    for q in /sys/class/net/eth0/queues/tx-*; do
        say "xps ${q##*/} $(cat "$q/xps_cpus" 2>/dev/null)"
    done
    c=0
    while [ $c -lt "$vst_mq" ]; do
        (pin="taskset -c $c"; say "ping cpu$c $(pings 56 10)") &
        c=$((c + 1))
    done
    wait
fi
say "ready"
sleep "${vst_linger:-40}"
say "powering off"
poweroff -f
EOF
    chmod 755 "$r/init" &&
        (cd "$r" && find . | "$GUEST/busybox" cpio -o -H newc 2>/dev/null) |
        gzip -1 >"$INITRD"
}
check "initramfs from the guest image ($(cat "$GUEST/version"))" mkinitrd

# qemu_start N CHARDEV-OPTIONS MAC IP [QUEUES [MTU]]: guest N, console in
# $VS_TMP/console-N.  With QUEUES > 1 the guest has QUEUES vCPUs and a
# multiqueue NIC (mq=on) with QUEUES queue pairs.  With MTU the NIC offers
# that MTU (host_mtu, VIRTIO_NET_F_MTU), the guest sets it on eth0 and
# also pings with MTU - 28 bytes.
# vectors=0: the NIC interrupts through INTx, not MSI-X.  Without KVM,
# Debian's QEMU 7.2 crashes (SIGSEGV under msix_set_vector_notifiers, from
# vhost_net_start) when the guest's driver starts a vhost-user NIC that
# has MSI-X vectors; with INTx it runs, multiqueue too (all the queues
# share the one interrupt line; the multiqueue guest crashes QEMU the same
# way with vectors=2, one vector shared by the queues, and with 6, one
# each).  QEMU_MQ_VECTORS overrides it for the multiqueue guest.
QEMU_TIMEOUT=${QEMU_TIMEOUT:-150}
qemu_start() {
    local n=$1 chardev=$2 mac=$3 ip=$4 queues=${5:-1} mtu=${6:-}
    local smp=1 netdev=vhost-user,id=n0,chardev=c0
    local nic=virtio-net-pci,netdev=n0,mac=$mac,vectors=0
    local append="console=ttyS0 quiet panic=-1 vst_ip=$ip/24 vst_peer=${SUB}2"
    if [ "$queues" -gt 1 ]; then
        smp=$queues netdev=$netdev,queues=$queues
        nic=virtio-net-pci,netdev=n0,mac=$mac,mq=on
        nic=$nic,vectors=${QEMU_MQ_VECTORS:-0}
        append="$append vst_mq=$queues"
    fi
    if [ -n "$mtu" ]; then
        nic=$nic,host_mtu=$mtu
        append="$append vst_mtu=$mtu"
    fi
    timeout -k 5 "$QEMU_TIMEOUT" "$QEMU" -accel tcg -cpu max -smp "$smp" \
        -m 256 -nodefaults -no-user-config -display none -no-reboot \
        -object memory-backend-memfd,id=mem,size=256M,share=on \
        -numa node,memdev=mem \
        -chardev "socket,id=c0,$chardev" \
        -netdev "$netdev" -device "$nic" \
        -kernel "$GUEST/vmlinuz" -initrd "$INITRD" -append "$append" \
        -serial "file:$VS_TMP/console-$n" \
        </dev/null >"$VS_TMP/qemu-$n.log" 2>&1 &
    QEMU_PID=$!
    on_exit "kill $QEMU_PID; wait $QEMU_PID"
}
qemu_stop() {
    kill "$QEMU_PID" 2>/dev/null
    wait "$QEMU_PID" 2>/dev/null
}
qemu_alive() { kill -0 "$QEMU_PID" 2>/dev/null; }
console_has() { grep -q "$2" "$VS_TMP/console-$1" 2>/dev/null; }
# guest_says N SECONDS TEXT: waits for TEXT on guest N's console, as long
# as QEMU runs.
guest_says() {
    local n=$1 secs=$2 text=$3 i
    for ((i = 0; i < secs * 10; i++)); do
        console_has "$n" "$text" && return 0
        qemu_alive || break
        sleep 0.1
    done
    console_has "$n" "$text"
}
# link_up_or_dead PORT: true once PORT is up or QEMU is gone.
link_up_or_dead() { link_is "$1" up || ! qemu_alive; }
console_tail() {
    tr -d '\r' <"$VS_TMP/console-$1" 2>/dev/null | grep -v '^$' | tail -n 4 |
        tr '\n' '|'
}
console_show() {
    echo "--- guest $1 console"
    cat "$VS_TMP/console-$1" 2>/dev/null
    echo "--- QEMU $1 output"
    cat "$VS_TMP/qemu-$1.log" 2>/dev/null
}
link_is() { [ "$(vsctl get Interface "$1" link_state)" = "$2" ]; }
stat_gt0() { [ "$(vsctl get Interface "$1" "statistics:$2" 2>/dev/null || echo 0)" -gt 0 ]; }

# ---------------------------------------------------------------------------
# The namespace behind a veth, and the bridge.
if ! ip netns add "$NS"; then
    skip "qemu-vhost" "cannot create network namespaces"
    exit 0
fi
on_exit "ip netns del $NS"
on_exit "ip link del $VETH"
veth_into_ns "$VETH" "$NS" "${SUB}2/24"
check "add $BR with the veth" vsctl add-br $BR -- add-port $BR "$VETH"

# st PORT KEY: a key of PORT's status column.
st() { vsctl get Interface "$1" "status:$2" 2>/dev/null | tr -d '"'; }
status_is() { [ "$(st "$1" "$2")" = "$3" ]; }
# rxqs PORT: the queue ids of PORT that pmd-rxq-show lists, sorted.
rxqs() {
    vsappctl dpif/pmd-rxq-show | awk -v p="$1" '
        $1 == "port:" && $2 == p { print $4 }' | sort -n | xargs
}
rxqs_are() { [ "$(rxqs "$1")" = "$2" ]; }
# rxq_packets PORT QUEUE: that queue's packet count in pmd-rxq-show.
rxq_packets() {
    vsappctl dpif/pmd-rxq-show | awk -v p="$1" -v q="$2" '
        $1 == "port:" && $2 == p && $4 == q {
            for (i = 1; i < NF; i++) if ($i == "packets:") print $(i + 1) }'
}
# queue_got PORT QUEUE N: at least N packets arrived on that queue.
queue_got() { [ "$(rxq_packets "$1" "$2")" -ge "$3" ] 2>/dev/null; }

# capture_start N: tcpdump of the ICMP frames on the namespace's veth end
# into $VS_TMP/cap-N (-v shows fragments: "offset N", "flags [+]").
capture_start() {
    ip netns exec "$NS" tcpdump -i "${VETH}p" -n -e -v -l -U icmp \
        >"$VS_TMP/cap-$1" 2>"$VS_TMP/cap-$1.err" &
    CAP_PID=$!
    on_exit "kill $CAP_PID"
    wait_for 5 grep -q "listening on" "$VS_TMP/cap-$1.err"
}
capture_stop() {
    sleep 0.5
    kill "$CAP_PID" 2>/dev/null
    wait "$CAP_PID" 2>/dev/null
}
# captured N LEN SRC DST TYPE: how many LEN-byte frames of ICMP echo TYPE
# (request, reply) from SRC to DST capture N holds.
captured() {
    awk -v len="$2" -v src="$3" -v dst="$4" -v type="$5" '
        / ethertype IPv4 / {
            l = $0; sub(/.* ethertype IPv4 [^ ]*, length /, "", l)
            sub(/:.*/, "", l); next }
        $1 == src && $3 == dst ":" && $5 == "echo" && $6 == type "," &&
            l == len { c++ }
        END { print c + 0 }' "$VS_TMP/cap-$1"
}
# fragments N: the IP fragments in capture N.
fragments() {
    awk '/ offset [1-9]|flags \[\+\]/ { c++ } END { print c + 0 }' "$VS_TMP/cap-$1"
}
iface_mtu_is() { [ "$(vsctl get Interface "$1" mtu)" = "$2" ]; }
port_drop_ge() { [ "$(port_drop "$1" "$2")" -ge "$3" ]; }

# round N PORT MAC [QUEUES [MTU]]: guest N on PORT, already configured;
# checks its traffic, with QUEUES > 1 that the guest uses QUEUES queue
# pairs, with MTU (capture N running; PORT without mtu_request) that PORT
# takes the MTU the guest announces, that frames of that MTU cross both
# ways unfragmented, that PORT drops them as "mtu" at mtu_request=1500 (and
# warns), and that it follows the guest again once the request is cleared
# and goes back to 1500 when the guest is gone.  Without MTU, PORT stays
# at 1500.
round() {
    local n=$1 port=$2 mac=$3 ip=${SUB}1$1 queues=${4:-1} mtu=${5:-} what q want
    local big frame d0
    what="guest $n on $port ($(vsctl get Interface "$port" type)"
    [ "$queues" -gt 1 ] && what="$what, $queues queues"
    [ -n "$mtu" ] && what="$what, MTU $mtu"
    what="$what)"
    wait_for 60 link_up_or_dead "$port"
    check_true "$what: link up once the guest's driver starts" link_is "$port" up
    if [ -n "$mtu" ]; then
        check_output "$what: $port has no mtu_request" "[]" \
            vsctl get Interface "$port" mtu_request
        check_true "$what: $port takes the guest's MTU, $mtu" \
            wait_for 5 iface_mtu_is "$port" "$mtu"
        check_output "$what: status guest_mtu is $mtu" "$mtu" \
            st "$port" guest_mtu
        check_true "$what: the log says $port follows the guest" \
            grep -q "$port: MTU $mtu (was 1500), as the guest announced" \
            "$VSWITCH_RUNDIR/vswitchd.log"
    else
        check_output "$what: $port's mtu is 1500" "1500" \
            vsctl get Interface "$port" mtu
        check_output "$what: status has no guest_mtu (no host_mtu)" "" \
            st "$port" guest_mtu
    fi
    if guest_says "$n" 90 "vst-guest: ready"; then
        pass "$what: the guest reports its pings"
    else
        # The suite shows only FAIL lines: the reason goes into this one.
        fail "$what: the guest reports its pings" \
            "$(qemu_alive && echo "QEMU still runs" || echo "QEMU is gone"); console: $(console_tail "$n"); QEMU: $(tail -n 3 "$VS_TMP/qemu-$n.log" 2>/dev/null | tr '\n' ' ')"
        console_show "$n"
        qemu_stop
        return
    fi
    check_true "$what: 5 of 5 pings of 56 bytes to the namespace" \
        console_has "$n" "vst-guest: ping 56 5/5"
    check_true "$what: 3 of 3 pings of 1472 bytes (1514-byte frames)" \
        console_has "$n" "vst-guest: ping 1472 3/3" || console_show "$n"
    if [ "$queues" -gt 1 ]; then
        want=$(seq 0 $((queues - 1)) | xargs)
        check_true "$what: the guest's driver enabled $queues queue pairs" \
            console_has "$n" "vst-guest: cpus $queues queues $(
                for q in $want; do echo -n "rx-$q "; done
                for q in $want; do echo -n "tx-$q "; done | sed 's/ $//')" ||
            console_show "$n"
        for q in $want; do
            check_true "$what: 10 of 10 pings from vCPU $q" \
                console_has "$n" "vst-guest: ping cpu$q 10/10"
        done
        check_output "$what: status max_queue_pairs is 8 (offered)" "8" \
            st "$port" max_queue_pairs
        check_true "$what: status n_rxq is $queues" \
            wait_for 10 status_is "$port" n_rxq "$queues"
        check_true "$what: status n_txq is $queues" \
            wait_for 10 status_is "$port" n_txq "$queues"
        check_output "$what: pmd-rxq-show lists queues $want" "$want" \
            rxqs "$port"
        # The guest's pings, each vCPU's on its queue, all on queue 0 but
        # those pinned to vCPU 1 and up.
        for q in $want; do
            check_true "$what: its pings arrived on queue $q" \
                queue_got "$port" "$q" 10
        done
        echo "info: $what: $(vsappctl dpif/pmd-rxq-show | grep "port: $port ")"
    fi
    check "$what: the namespace pings the guest, 5 of 5" \
        ip netns exec "$NS" ping -q -c 5 -i 0.2 -W 2 "$ip"
    if [ -n "$mtu" ]; then
        big=$((mtu - 28)) frame=$((mtu + 14))
        check_true "$what: the guest's eth0 starts at MTU $mtu (host_mtu)" \
            console_has "$n" "vst-guest: mtu offered $mtu" || console_show "$n"
        check_true "$what: the guest's eth0 has MTU $mtu" \
            console_has "$n" "vst-guest: mtu $mtu" || console_show "$n"
        check_true "$what: 3 of 3 pings of $big bytes ($frame-byte frames)" \
            console_has "$n" "vst-guest: ping $big 3/3" || console_show "$n"
        check "$what: the namespace pings the guest with $big bytes (don't fragment), 3 of 3" \
            ip netns exec "$NS" ping -q -M do -c 3 -i 0.2 -W 2 -s $big "$ip"
        capture_stop
        check_output "$what: captured: the guest's $frame-byte echo requests" \
            3 captured "$n" $frame "$ip" "${SUB}2" request
        check_output "$what: captured: $frame-byte echo replies to the guest" \
            3 captured "$n" $frame "${SUB}2" "$ip" reply
        check_output "$what: captured: the namespace's $frame-byte echo requests" \
            3 captured "$n" $frame "${SUB}2" "$ip" request
        check_output "$what: captured: the guest's $frame-byte echo replies" \
            3 captured "$n" $frame "$ip" "${SUB}2" reply
        check_output "$what: captured: no IP fragments" 0 fragments "$n"
        # Over the port's MTU: the switch drops them as "mtu" at output.
        check "$what: mtu_request=1500 on $port" \
            vsctl set Interface "$port" mtu_request=1500
        check_true "$what: $port's mtu becomes 1500" \
            wait_for 5 iface_mtu_is "$port" 1500
        check_output "$what: status guest_mtu still says $mtu" "$mtu" \
            st "$port" guest_mtu
        check_true "$what: the log warns that mtu_request overrides the guest" \
            grep -q "netdev_dpdk_vhost|WARN|$port: the guest announced MTU $mtu, but mtu_request keeps the port at MTU 1500" \
            "$VSWITCH_RUNDIR/vswitchd.log"
        d0=$(port_drop "$port" mtu)
        check_true "$what: at MTU 1500, the namespace's 3 pings of $big bytes are lost" \
            sh -c "! ip netns exec $NS ping -q -M do -c 3 -i 0.2 -W 1 -s $big $ip >/dev/null"
        wait_for 5 port_drop_ge "$port" mtu $((d0 + 3))
        check_true "$what: $port counts them as mtu drops ($d0 -> $(port_drop "$port" mtu))" \
            port_drop_ge "$port" mtu $((d0 + 3))
        check "$what: pings of 1472 bytes still pass, 3 of 3" \
            ip netns exec "$NS" ping -q -M do -c 3 -i 0.2 -W 2 -s 1472 "$ip"
        check "$what: mtu_request cleared on $port" \
            vsctl clear Interface "$port" mtu_request
        check_true "$what: $port follows the guest again, MTU $mtu" \
            wait_for 5 iface_mtu_is "$port" $mtu
        check "$what: pings of $big bytes pass again, 3 of 3" \
            ip netns exec "$NS" ping -q -M do -c 3 -i 0.2 -W 2 -s $big "$ip"
    fi
    check_output "$what: fdb has the guest's MAC on $port" \
        "$(vsctl get Interface "$port" ofport) 0" fdb $BR "$mac"
    check_true "$what: rx_packets and tx_packets > 0" wait_for 5 \
        sh -c "[ \"\$($VSCTL get Interface $port statistics:rx_packets)\" -gt 0 ] &&
               [ \"\$($VSCTL get Interface $port statistics:tx_packets)\" -gt 0 ]"
    check_output "$what: no error" "[]" vsctl get Interface "$port" error
    qemu_stop
    check_true "$what: link down once QEMU is gone" \
        wait_for 10 link_is "$port" down
    if [ -n "$mtu" ]; then
        check_true "$what: $port's mtu goes back to 1500 without the guest" \
            wait_for 5 iface_mtu_is "$port" 1500
        check_output "$what: status guest_mtu is gone" "" st "$port" guest_mtu
    fi
    echo "info: $what: QEMU ran $(( SECONDS - START )) s"
}

# Round 1: the switch is the client, QEMU listens (OVS's preferred mode).
SOCK1=$VS_TMP/vq1.sock MAC1=52:54:00:5e:00:01
check "vq1: add dpdkvhostuserclient" \
    vsctl add-port $BR vq1 -- set Interface vq1 type=dpdkvhostuserclient \
    "options:vhost-server-path=$SOCK1"
START=$SECONDS
qemu_start 1 "path=$SOCK1,server=on,wait=off" $MAC1 ${SUB}11
round 1 vq1 $MAC1

# The guest restarts (a VM reboot or migration): QEMU listens again, the
# switch reconnects on its own.  This time with jumbo frames: the veth
# (both ends) and the guest's NIC at MTU 9000, the port following the
# MTU QEMU announces (host_mtu).
check "$VETH: mtu_request=9000" vsctl set Interface "$VETH" mtu_request=9000
check_true "$VETH: the kernel's MTU follows (9000)" \
    wait_for 5 sh -c "[ \"\$(cat /sys/class/net/$VETH/mtu)\" = 9000 ]"
check "the namespace's veth end to MTU 9000" \
    ip -n "$NS" link set "${VETH}p" mtu 9000
check_true "capture on the namespace's veth end" capture_start 3
START=$SECONDS
qemu_start 3 "path=$SOCK1,server=on,wait=off" $MAC1 ${SUB}13 1 9000
round 3 vq1 $MAC1 1 9000

# The guest restarts with another host_mtu: the port follows the new one,
# 4000; then with one over what a DPDK port takes, 9500: the port keeps
# 1500 and the log says why.  Only the switch's side is checked (link up,
# Interface mtu and status), not the guest's traffic.
for m in 4000 9500; do
    n=5 want=$m
    [ $m = 9500 ] && n=6 want=1500
    what="guest $n on vq1 (host_mtu=$m)"
    qemu_start $n "path=$SOCK1,server=on,wait=off" $MAC1 ${SUB}1$n 1 $m
    wait_for 60 link_up_or_dead vq1
    check_true "$what: link up" link_is vq1 up
    check_true "$what: vq1's mtu is $want" wait_for 5 iface_mtu_is vq1 $want
    check_output "$what: status guest_mtu is $m" "$m" st vq1 guest_mtu
    if [ $m = 9500 ]; then
        check_true "$what: the log says 9500 is over the limit" \
            grep -q "netdev_dpdk_vhost|WARN|vq1: the guest announced MTU 9500, outside the 68\.\.9198 a DPDK port takes: keeping MTU 1500" \
            "$VSWITCH_RUNDIR/vswitchd.log"
    fi
    qemu_stop
    check_true "$what: link down, mtu 1500 once QEMU is gone" \
        wait_for 10 sh -c "[ \"\$($VSCTL get Interface vq1 link_state)\" = down ] &&
                           [ \"\$($VSCTL get Interface vq1 mtu)\" = 1500 ]"
done

# Round 2: the switch is the server, QEMU connects.
SOCK2=$VSWITCH_RUNDIR/vq2 MAC2=52:54:00:5e:00:02
check "vq2: add dpdkvhostuser" \
    vsctl add-port $BR vq2 -- set Interface vq2 type=dpdkvhostuser
check_true "vq2: the switch listens on RUNDIR/vq2" wait_for 5 test -S "$SOCK2"
START=$SECONDS
qemu_start 2 "path=$SOCK2" $MAC2 ${SUB}12
round 2 vq2 $MAC2

# Round 4: a guest with 2 vCPUs and 2 queue pairs, on a port that offers
# the default 8; the switch as the client again.
SOCK4=$VS_TMP/vq4.sock MAC4=52:54:00:5e:00:04
check "vq4: add dpdkvhostuserclient (8 queue pairs offered)" \
    vsctl add-port $BR vq4 -- set Interface vq4 type=dpdkvhostuserclient \
    "options:vhost-server-path=$SOCK4"
START=$SECONDS
qemu_start 4 "path=$SOCK4,server=on,wait=off" $MAC4 ${SUB}14 2
round 4 vq4 $MAC4 2

check "del-br $BR" vsctl del-br $BR
check_true "the server socket is gone" wait_for 5 sh -c "! test -e $SOCK2"
check_true "no DPDK errors in the log" \
    sh -c "! grep -E 'netdev_dpdk\|ERR' $VSWITCH_RUNDIR/vswitchd.log"
# DPDK's own errors are expected when QEMU goes away (connection reset),
# never one about asking a vhost port for events before it is set up.
check_true "no 'Unused port' from DPDK's vhost PMD" \
    sh -c "! grep -q 'dpdk|ERR|Unused port' $VSWITCH_RUNDIR/vswitchd.log"
