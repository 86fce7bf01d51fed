#!/bin/bash
# flow-system.sh -- flow export of real traffic between network
# namespaces, read by the real collectors: nfcapd + nfdump (NetFlow v5,
# v9 and IPFIX), nfacctd from pmacct (v9 and IPFIX), and tshark, which
# must decode every export packet without a "Malformed" note (and the
# interface names of the IPFIX options records).
#
# Topology: namespaces a (10.77.0.1, fd77::1) and b (10.77.0.2, fd77::2),
# each with a veth into bridge vsf<pid>.  Per format, the same traffic:
# "ping -c 7" a -> b (IPv4: 7 echo requests, type 8 code 0, and 7 replies,
# type 0), "ping -6 -c 5" (ICMPv6 128/129), and 20 UDP datagrams of 100
# bytes from a:4444 to b:5555.  Then time is warped past the inactive
# timeout, the collectors are stopped and their output is compared with
# exactly those counts.  Needs root; skips without the tools.
. "${srcdir:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
    skip "flow-system" "needs root (network namespaces, veths)"
    exit 0
fi
for tool in ip python3 ping nfcapd nfdump nfacctd tshark; do
    if ! command -v $tool >/dev/null; then
        skip "flow-system" "$tool not installed (tools/install-deps)"
        exit 0
    fi
done

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 20 "$VSCTL" --timeout=15 "$@"; }
trap 'kill $(jobs -p) 2>/dev/null; vs_cleanup' EXIT

NS=vsf$$
BR=vsf$$br
nsx() { local n=$1; shift; ip netns exec "$NS-$n" "$@"; }

make_ns() {
    local name=$1 n=$2 h=vsf$$$1
    ip netns add "$NS-$name" || return 1
    on_exit "ip netns del $NS-$name"
    nsx "$name" ip link set lo up
    ip link add "$h" type veth peer name eth0 netns "$NS-$name" || return 1
    on_exit "ip link del $h"
    sysctl -qw "net.ipv6.conf.$h.disable_ipv6=1"
    nsx "$name" ip link set eth0 address "00:00:00:77:00:0$n"
    nsx "$name" ip addr add "10.77.0.$n/24" dev eth0
    nsx "$name" ip addr add "fd77::$n/64" dev eth0 nodad
    nsx "$name" ip link set eth0 up
    ip link set "$h" up
}

export VS_REAL_NETDEVS=1
vs_start || exit 1
on_exit "ip link del $BR"
make_ns a 1 && make_ns b 2 || { fail "flow-system: setup" "namespaces"; exit 0; }
vsctl add-br "$BR" -- set Bridge "$BR" other_config:forward-bpdu=false \
    -- add-port "$BR" vsf$$a -- add-port "$BR" vsf$$b
PA=$(vsctl get Interface vsf$$a ofport)
PB=$(vsctl get Interface vsf$$b ofport)
check_true "traffic flows before export" \
    wait_for 5 nsx a ping -q -c 1 -W 1 10.77.0.2
nsx a ping -q -c 1 -W 1 fd77::2 >/dev/null 2>&1

free_port() {
    python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

traffic() {
    nsx a ping -q -c 7 -i 0.2 -W 1 10.77.0.2 >/dev/null
    nsx a ping -q -6 -c 5 -i 0.2 -W 1 fd77::2 >/dev/null
    nsx a python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 4444))
for i in range(20):
    s.sendto(bytes(100), ("10.77.0.2", 5555))
    time.sleep(0.01)'
    sleep 0.5
    vsappctl time/warp 7000 >/dev/null
    sleep 1.5
}

# run_format NAME: collectors for one format, the traffic, then stop.
start_collectors() {
    local name=$1
    NFPORT=$(free_port) PMPORT=$(free_port)
    mkdir -p "$VS_TMP/$name.nf"
    setsid nfcapd -w "$VS_TMP/$name.nf" -b 127.0.0.1 -p "$NFPORT" \
        >"$VS_TMP/$name.nfcapd.log" 2>&1 &
    NFPID=$!
    cat >"$VS_TMP/$name.pm.conf" <<CONF
daemonize: false
nfacctd_ip: 127.0.0.1
nfacctd_port: $PMPORT
plugins: print
print_output: csv
print_output_file: $VS_TMP/$name.pm.csv
print_refresh_time: 1
aggregate: src_host, dst_host, proto, src_port, dst_port
CONF
    setsid nfacctd -f "$VS_TMP/$name.pm.conf" >"$VS_TMP/$name.pm.log" 2>&1 &
    PMPID=$!
    setsid tshark -q -i lo -f "udp port $NFPORT" -w "$VS_TMP/$name.pcap" \
        >"$VS_TMP/$name.tshark.log" 2>&1 &
    TSPID=$!
    sleep 2
}

stop_collectors() {
    sleep 1.5
    # (A collector's shutdown may signal the whole session; this script
    # is not meant.)
    trap '' INT TERM
    kill -TERM $NFPID $TSPID 2>/dev/null
    # (nfacctd ignores SIGTERM while its plugin runs; its CSV is already
    # written, every second.)
    kill -KILL -- -$PMPID 2>/dev/null
    wait $NFPID $PMPID $TSPID 2>/dev/null
    trap 'exit 130' INT TERM
}

# nf NAME FILTER: "proto src dst sport dport packets" per nfdump flow.
nf() {
    nfdump -q -R "$VS_TMP/$1.nf" -N -o "fmt:%pr %sa %da %sp %dp %pkt %byt" \
        "$2" 2>/dev/null | awk '{ $1 = $1; print }'
}
nf_sum() {
    nfdump -q -R "$VS_TMP/$1.nf" -N -o "fmt:%pkt" "$2" 2>/dev/null \
        | awk '{ s += $1 } END { print s + 0 }'
}

check_tshark() {
    local name=$1 n bad
    n=$(tshark -r "$VS_TMP/$name.pcap" -d "udp.port==$NFPORT,cflow" \
        -Y cflow 2>/dev/null | wc -l)
    bad=$(tshark -r "$VS_TMP/$name.pcap" -d "udp.port==$NFPORT,cflow" -V \
          2>/dev/null | grep -ciE 'malformed|expert info \(error')
    check_true "$name: tshark decodes $n export packets, $bad malformed" \
        test "$n" -ge 1 -a "$bad" -eq 0
}

# ---------------------------------------------------------------------------
for fmt in v5 v9 ipfix; do
    start_collectors $fmt
    case $fmt in
    v5|v9)
        vsctl -- set Bridge "$BR" netflow=@nf -- --id=@nf create NetFlow \
            targets="\"127.0.0.1:$NFPORT\",\"127.0.0.1:$PMPORT\"" \
            other_config:version=${fmt#v} >/dev/null ;;
    ipfix)
        vsctl -- set Bridge "$BR" ipfix=@i -- --id=@i create IPFIX \
            targets="\"127.0.0.1:$NFPORT\",\"127.0.0.1:$PMPORT\"" \
            sampling=1 >/dev/null ;;
    esac
    traffic
    stop_collectors
    vsctl clear Bridge "$BR" netflow ipfix

    check_output "$fmt: nfdump sees ping's 7 echo requests (ICMP 8.0)" \
        "1 10.77.0.1 10.77.0.2 0 8.0 7" \
        bash -c "nfdump -q -R '$VS_TMP/$fmt.nf' -N \
            -o 'fmt:%pr %sa %da %sp %dp %pkt' 'proto icmp and src ip 10.77.0.1' \
            | awk '{ \$1 = \$1; print }'"
    check_output "$fmt: nfdump sees the 7 echo replies (ICMP 0.0)" "7" \
        nf_sum $fmt 'proto icmp and src ip 10.77.0.2 and icmp-type 0'
    check_output "$fmt: nfdump sees 20 UDP datagrams, 128 IP bytes each" \
        "17 10.77.0.1 10.77.0.2 4444 5555 20 2560" \
        nf $fmt 'proto udp and dst port 5555'
    if [ $fmt = v5 ]; then
        check_output "v5: no IPv6 records" "0" nf_sum $fmt 'ipv6'
    else
        check_output "$fmt: nfdump sees ping -6's 5 echo requests" \
            "5" nf_sum $fmt 'src ip fd77::1 and dst ip fd77::2 and proto icmp6'
        check_output "$fmt: nfacctd decodes the UDP flow (20 packets)" "20" \
            bash -c "awk -F, '\$1 == \"10.77.0.1\" && \$4 == \"5555\" \
                { p = \$6 } END { print p + 0 }' '$VS_TMP/$fmt.pm.csv'"
    fi
    check_tshark $fmt
    if [ $fmt = ipfix ]; then
        # The options template's records: each port's name.
        got=$(tshark -r "$VS_TMP/$fmt.pcap" -d "udp.port==$NFPORT,cflow" \
              -T fields -e cflow.if_name 2>/dev/null | tr ',' '\n' \
              | grep . | LC_ALL=C sort -u | tr '\n' ' ')
        want=$(printf '%s\n' "$BR" vsf$$a vsf$$b | LC_ALL=C sort \
               | tr '\n' ' ')
        check_output "ipfix: tshark decodes the interface names" \
            "$want" echo "$got"
    fi
done
