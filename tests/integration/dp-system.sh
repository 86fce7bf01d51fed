#!/bin/bash
# dp-system.sh -- the datapath on real kernel interfaces (root): network
# namespaces play the VMs, each with a veth whose host end is a port of
# the bridge (a "system" interface, read through AF_PACKET), plus a TAP
# for hot-plug.  Checks what a user of the hosts sees: pings, TCP,
# captures on the wire (a python AF_PACKET sniffer that puts back the
# 802.1Q tag the kernel moves into packet metadata), fdb/show, drop
# counters and Interface columns.
#
# Topology (names carry this run's pid, so runs can share a host):
#   bridge $BR (its internal port: a TAP named $BR)
#   ns a  vs<pid>a  access VLAN 10   $SUB.1   MAC_A
#   ns b  vs<pid>b  access VLAN 10   $SUB.2   MAC_B
#   ns e  vs<pid>e  access VLAN 10   $SUB.5   MAC_E   (a bystander that
#                                                       captures)
#   ns c  vs<pid>c  access VLAN 20   $SUB.3   MAC_C
#   ns d  vs<pid>d  trunk 10,20      no IP    MAC_D   (a tagging host:
#         raw sockets send and read tagged frames; this kernel has no
#         802.1Q devices)
#   ns n  vs<pid>n  native-untagged VLAN 10, later native-tagged, $SUB.6
#   TAP   vs<pid>t  access VLAN 10, fed by a python "VM" on /dev/net/tun
# Everything is removed at exit, even on failure.
. "${srcdir:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
    skip "dp-system" "needs root (network namespaces, veths, TAPs)"
    exit 0
fi
for tool in ip python3 ping; do
    if ! command -v $tool >/dev/null; then
        skip "dp-system" "$tool not installed"
        exit 0
    fi
done
if ! ip netns add "vst$$-probe" 2>/dev/null; then
    skip "dp-system" "cannot create network namespaces"
    exit 0
fi
ip netns del "vst$$-probe"

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 20 "$VSCTL" --timeout=15 "$@"; }
# Background captures and servers end before the namespaces go.
trap 'kill $(jobs -p) 2>/dev/null; vs_cleanup' EXIT

# ---------------------------------------------------------------------------
# The packet tool.
PKT=$VS_TMP/pkt.py
cat >"$PKT" <<'EOF'
"""Raw-frame tool for dp-system.sh.  Frames are hex strings.

frame DST SRC [TAGS] [TYPE] [MARKER] [LEN]  print an Ethernet frame: TAGS
    "-" or [TPID:]VID[/PCP],... outermost first; TYPE hex (88b5); payload
    MARKER (ASCII) padded with zeros to LEN bytes (46)
icmp DST SRC SIP DIP [TAGS] [MARKER]  print an ICMP echo request frame
send IFACE HEX...                      send frames on IFACE
sniff IFACE SECS OUT                   write incoming frames to OUT, one hex
    line each, with the tag the kernel keeps in metadata put back; creates
    OUT.ready once listening
macflood IFACE N RATE DST SEED         N frames to DST from random MACs
tap NAME SECS OUT [HEX...]             attach to TAP NAME as its "VM": send
    the frames, then write what the TAP gets to OUT for SECS seconds
tcp-server PORT / tcp-client IP PORT BYTES   print "BYTES SHA256"
"""
import fcntl, hashlib, os, random, select, socket, struct, sys, time

ETH_P_ALL = 3
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def tags(spec):
    out = b""
    if spec in ("", "-"):
        return out
    for t in spec.split(","):
        tpid = 0x8100
        if ":" in t:
            tp, t = t.split(":", 1)
            tpid = int(tp, 16)
        pcp = 0
        if "/" in t:
            t, p = t.split("/", 1)
            pcp = int(p)
        out += struct.pack("!HH", tpid, (pcp << 13) | int(t))
    return out


def frame(dst, src, tagspec="-", etype="88b5", marker="", length=46):
    body = marker.encode()
    body += bytes(max(0, int(length) - len(body)))
    return (mac(dst) + mac(src) + tags(tagspec)
            + struct.pack("!H", int(etype, 16)) + body)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def icmp(dst, src, sip, dip, tagspec="-", marker="vswitch"):
    payload = marker.encode().ljust(32, b".")
    ic = struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1) + payload
    ic = ic[:2] + struct.pack("!H", csum(ic)) + ic[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(ic), 1, 0, 64, 1,
                     0, socket.inet_aton(sip), socket.inet_aton(dip))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return mac(dst) + mac(src) + tags(tagspec) + b"\x08\x00" + ip + ic


def raw_socket(iface, proto=0):
    # socket() takes the protocol in network order; bind() converts it.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    s.bind((iface, proto))
    return s


def send(iface, hexes):
    s = raw_socket(iface)
    rc = 0
    for h in hexes:
        try:
            s.send(bytes.fromhex(h))
        except OSError as e:
            print("send %d bytes: %s" % (len(h) // 2, e), file=sys.stderr)
            rc = 1
    return rc


def sniff(iface, secs, out):
    s = raw_socket(iface, ETH_P_ALL)
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    deadline = time.time() + float(secs)
    with open(out, "w") as f:
        open(out + ".ready", "w").close()
        while True:
            left = deadline - time.time()
            if left <= 0:
                break
            if not select.select([s], [], [], left)[0]:
                continue
            data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(64))
            if addr[2] == PACKET_OUTGOING:
                continue
            for level, kind, d in anc:
                if level == SOL_PACKET and kind == PACKET_AUXDATA:
                    st, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", d[:20])
                    if st & TP_STATUS_VLAN_VALID:
                        if not (st & TP_STATUS_VLAN_TPID_VALID) or not tpid:
                            tpid = 0x8100
                        data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
            f.write(data.hex() + "\n")
            f.flush()


def macflood(iface, n, rate, dst, seed):
    rng = random.Random(int(seed))
    s = raw_socket(iface)
    n, rate = int(n), float(rate)
    start = time.time()
    sent = 0
    for i in range(n):
        src = bytes([0x02] + [rng.randrange(256) for _ in range(5)])
        try:
            s.send(mac(dst) + src + b"\x88\xb5" + bytes(46))
            sent += 1
        except OSError:
            time.sleep(0.01)
        ahead = start + (i + 1) / rate - time.time()
        if ahead > 0:
            time.sleep(ahead)
    print(sent)


def tap(name, secs, out, hexes):
    TUNSETIFF = 0x400454CA
    IFF_TAP, IFF_NO_PI = 0x0002, 0x1000
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(),
                                           IFF_TAP | IFF_NO_PI))
    deadline = time.time() + float(secs)
    with open(out, "w") as f:
        open(out + ".ready", "w").close()
        time.sleep(0.3)             # Carrier is up now; let it settle.
        for h in hexes:
            os.write(fd, bytes.fromhex(h))
        while True:
            left = deadline - time.time()
            if left <= 0:
                break
            if select.select([fd], [], [], left)[0]:
                f.write(os.read(fd, 65536).hex() + "\n")
                f.flush()


def tcp_server(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", int(port)))
    ls.listen(1)
    ls.settimeout(30)
    c, _ = ls.accept()
    c.settimeout(30)
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(n, h.hexdigest())


def tcp_client(ip, port, nbytes):
    rng = random.Random(7)
    data = bytes(rng.getrandbits(8) for _ in range(1 << 16))
    c = socket.create_connection((ip, int(port)), timeout=30)
    h, n, left = hashlib.sha256(), 0, int(nbytes)
    while left > 0:
        b = data[: min(left, len(data))]
        c.sendall(b)
        h.update(b)
        n += len(b)
        left -= len(b)
        data = data[1:] + data[:1]
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    print(n, h.hexdigest())


cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "frame":
    print(frame(*args).hex())
elif cmd == "icmp":
    print(icmp(*args).hex())
elif cmd == "send":
    sys.exit(send(args[0], args[1:]))
elif cmd == "sniff":
    sniff(*args)
elif cmd == "macflood":
    macflood(*args)
elif cmd == "tap":
    tap(args[0], args[1], args[2], args[3:])
elif cmd == "tcp-server":
    tcp_server(*args)
elif cmd == "tcp-client":
    tcp_client(*args)
else:
    sys.exit("unknown command " + cmd)
EOF
pkt() { python3 "$PKT" "$@"; }

# ---------------------------------------------------------------------------
# Namespaces.
NS=vst$$
BR=vsb$$
TAP=vs$$t
# A /24 that no route on this host uses yet (the internal-port test puts
# an address of it on the host).
for _ in $(seq 50); do
    SUB=10.$((RANDOM % 200 + 30)).$((RANDOM % 250 + 1))
    ip route show | grep -q "^$SUB\." || break
done
MAC_A=02:5a:00:00:00:01 MAC_B=02:5a:00:00:00:02 MAC_C=02:5a:00:00:00:03
MAC_D=02:5a:00:00:00:04 MAC_E=02:5a:00:00:00:05 MAC_N=02:5a:00:00:00:06
MAC_T=02:5a:00:00:00:07
BCAST=ff:ff:ff:ff:ff:ff
nsx() { local n=$1; shift; ip netns exec "$NS-$n" "$@"; }
hostif() { echo "vs$$$1"; }

# make_vm NAME MAC [IP]: namespace $NS-NAME with eth0 (MAC, IP/24), the
# other end of a veth named vs<pid>NAME in the host; IPv6 off so the
# namespace stays quiet.
make_vm() {
    local name=$1 mac=$2 ip=${3:-} h
    h=$(hostif "$name")
    if ! ip netns list | grep -q "^$NS-$name\b"; then
        ip netns add "$NS-$name" || return 1
        on_exit "ip netns del $NS-$name"
        nsx "$name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1
        nsx "$name" ip link set lo up
    fi
    ip link add "$h" type veth peer name eth0 netns "$NS-$name" || return 1
    on_exit "ip link del $h"
    sysctl -qw "net.ipv6.conf.$h.disable_ipv6=1"
    nsx "$name" ip link set eth0 address "$mac" || return 1
    [ -z "$ip" ] || nsx "$name" ip addr add "$ip/24" dev eth0 || return 1
    nsx "$name" ip link set eth0 up || return 1
    ip link set "$h" up
}

ping_ok() { nsx "$1" ping -q -c "${3:-3}" -i 0.2 -W 1 "$2" >/dev/null 2>&1; }
# ping_loss NS IP COUNT [INTERVAL]: prints the loss percentage of COUNT
# pings INTERVAL (default 0.05) seconds apart.
ping_loss() {
    nsx "$1" ping -q -c "$3" -i "${4:-0.05}" -W 1 "$2" 2>/dev/null \
        | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p'
}

# Sniffers: sniff_start ID NS SECS runs a capture on eth0 of $NS-NS into
# $VS_TMP/sniff.ID; sniff_wait ID waits for it to finish.
declare -A SNIFF_PID
sniff_start() {
    local out=$VS_TMP/sniff.$1
    rm -f "$out" "$out.ready"
    nsx "$2" timeout $(($3 + 10)) python3 "$PKT" sniff eth0 "$3" "$out" &
    SNIFF_PID[$1]=$!
    for _ in $(seq 50); do
        [ -e "$out.ready" ] && return 0
        sleep 0.1
    done
    return 1
}
sniff_wait() { wait "${SNIFF_PID[$1]}" 2>/dev/null; }
sniffed() { cat "$VS_TMP/sniff.$1" 2>/dev/null; }
# count_re ID REGEX: frames of capture ID matching REGEX (anchored at the
# frame start).
count_re() {
    local n
    n=$(sniffed "$1" | grep -cE "^$2")
    echo "${n:-0}"
}
hexof() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
nocolon() { echo "${1//:/}"; }

drops_total() {
    vsappctl dpif/show 2>/dev/null | awk '
        /^drops by reason:/ { f = 1; next }
        f { n += $2 }
        END { print n + 0 }'
}
iface_get() { vsctl get Interface "$1" "$2" 2>/dev/null | tr -d '"'; }
iface_is() { [ "$(iface_get "$1" "$2")" = "$3" ]; }
iface_has_error() { [ "$(iface_get "$1" error)" != "[]" ]; }
ofport() { vsctl get Interface "$1" ofport; }

# ---------------------------------------------------------------------------
export VS_REAL_NETDEVS=1        # Real kernel interfaces, not dummies.
vs_start || exit 1
check "stats-update-interval=1000" \
    vsctl set Open_vSwitch . other_config:stats-update-interval=1000

# The bridge and its internal port.
on_exit "ip link del $BR"
check "add-br $BR" vsctl add-br "$BR"
link_exists() { ip link show "$1" >/dev/null 2>&1; }
check_true "internal port: a kernel interface named $BR exists" \
    wait_for 3 link_exists "$BR"
check_output "internal port: Interface $BR type is internal" "internal" \
    vsctl get Interface "$BR" type
check_true "internal port: ifindex matches the kernel's" \
    iface_is "$BR" ifindex "$(cat /sys/class/net/$BR/ifindex 2>/dev/null)"

# The VMs.
ok=1
make_vm a $MAC_A "$SUB.1" || ok=0
make_vm b $MAC_B "$SUB.2" || ok=0
make_vm c $MAC_C "$SUB.3" || ok=0
make_vm d $MAC_D || ok=0
make_vm e $MAC_E "$SUB.5" || ok=0
make_vm n $MAC_N "$SUB.6" || ok=0
if [ $ok = 0 ]; then
    fail "setup: namespaces and veths" "could not create them"
    exit 1
fi
HA=$(hostif a) HB=$(hostif b) HC=$(hostif c) HD=$(hostif d)
HE=$(hostif e) HN=$(hostif n)
check "add the veth host ends as ports" \
    vsctl add-port "$BR" "$HA" tag=10 -- add-port "$BR" "$HB" tag=10 \
    -- add-port "$BR" "$HE" tag=10 -- add-port "$BR" "$HC" tag=20 \
    -- add-port "$BR" "$HD" trunks=10,20 \
    -- add-port "$BR" "$HN" vlan_mode=native-untagged tag=10

# ---------------------------------------------------------------------------
# Interface columns written by the daemon.
for h in $HA $HD; do
    check_output "columns: $h error is empty" "[]" vsctl get Interface "$h" error
    check_true "columns: $h ofport >= 1 ($(ofport $h))" \
        test "$(ofport $h)" -ge 1
    check_true "columns: $h ifindex is the kernel's" \
        iface_is "$h" ifindex "$(cat /sys/class/net/$h/ifindex)"
    check_true "columns: $h mac_in_use is the kernel's" \
        iface_is "$h" mac_in_use "$(cat /sys/class/net/$h/address)"
    check_true "columns: $h mtu is 1500" iface_is "$h" mtu 1500
    check_true "columns: $h link_state is up" wait_for 5 iface_is "$h" link_state up
    check_true "columns: $h admin_state is up" iface_is "$h" admin_state up
done
check_output "columns: $HA type is empty (system)" '""' \
    vsctl get Interface "$HA" type

# ---------------------------------------------------------------------------
# Ping across the bridge, VLAN isolation.
check_true "ping: a -> b (VLAN 10 access ports)" ping_ok a "$SUB.2" 3
check_output "ping: a -> b again, no loss" "0" ping_loss a "$SUB.2" 20
check_output "fdb: a's MAC on a's port in VLAN 10" "$(ofport $HA) 10" \
    fdb "$BR" $MAC_A
check_output "fdb: b's MAC on b's port in VLAN 10" "$(ofport $HB) 10" \
    fdb "$BR" $MAC_B
sniff_start c-iso c 3
check_true "isolation: a -> c (VLAN 10 to VLAN 20) fails" \
    sh -c "! ip netns exec $NS-a ping -q -c 3 -i 0.2 -W 1 $SUB.3 >/dev/null"
sniff_wait c-iso
check_output "isolation: c saw no frame from a" "0" \
    count_re c-iso "[0-9a-f]{12}$(nocolon $MAC_A)"
check_true "isolation: c -> b fails too" \
    sh -c "! ip netns exec $NS-c ping -q -c 2 -i 0.2 -W 1 $SUB.2 >/dev/null"

# ---------------------------------------------------------------------------
# Unicast is not flooded once learned: e (VLAN 10, same as a and b) sees
# none of a<->b's ICMP, but does see a's broadcast (the control).
ping_ok a "$SUB.2" 2
sniff_start e-uni e 4
MARK=$(hexof "vs-bcast-from-a")
nsx a python3 "$PKT" send eth0 "$(pkt frame $BCAST $MAC_A - 88b5 vs-bcast-from-a)"
check_output "unicast: a -> b 20 pings, no loss" "0" ping_loss a "$SUB.2" 20
sniff_wait e-uni
check_output "unicast: e saw a's broadcast (the capture works)" "1" \
    count_re e-uni ".*$MARK"
icmp_ab="($(nocolon $MAC_A)|$(nocolon $MAC_B))[0-9a-f]{12}0800[0-9a-f]{18}01"
check_output "unicast: e saw no ICMP between a and b" "0" \
    count_re e-uni "$icmp_ab"

# ---------------------------------------------------------------------------
# Idle spin (Open_vSwitch other_config:pmd-idle-spin): while traffic is
# dense (bursts less than that many microseconds apart) the forwarding
# thread keeps polling that long after a frame before it sleeps.  With 10 s
# it does not sleep between pings 0.2 s apart (the second of two warm-up
# pings makes the traffic dense); with 0 it sleeps after every frame, and
# forwarding works either way.  The thread's sleeps are counted by
# coverage/show (dpif_pmd_sleep).
pmd_sleeps() {
    vsappctl coverage/show | awk '$1 == "dpif_pmd_sleep" { n = $3 } END { print n + 0 }'
}
check "idle spin: set pmd-idle-spin=10000000" \
    vsctl set Open_vSwitch . other_config:pmd-idle-spin=10000000
ping_ok a "$SUB.2" 2
s0=$(pmd_sleeps)
check_output "idle spin 10 s: 5 pings a -> b, no loss" "0" ping_loss a "$SUB.2" 5 0.2
s1=$(pmd_sleeps)
check_true "idle spin 10 s: the thread did not sleep between pings ($s0 -> $s1)" \
    test "$s1" -eq "$s0"
check "idle spin: set pmd-idle-spin=0" \
    vsctl set Open_vSwitch . other_config:pmd-idle-spin=0
s0=$(pmd_sleeps)
check_output "idle spin 0: 5 pings a -> b, no loss" "0" ping_loss a "$SUB.2" 5 0.2
s1=$(pmd_sleeps)
check_true "idle spin 0: the thread slept between pings ($s0 -> $s1)" \
    test "$s1" -ge $((s0 + 5))
check "idle spin: back to the default" \
    vsctl remove Open_vSwitch . other_config pmd-idle-spin

# ---------------------------------------------------------------------------
# A trunk to a tagging host.  d sends tagged ICMP echo requests to a
# (VLAN 10) and c (VLAN 20) from its raw socket; a and c get them
# untagged and reply; the replies reach d tagged with their VLAN.
nsx a ip neigh replace "$SUB.4" lladdr $MAC_D dev eth0 nud permanent
nsx c ip neigh replace "$SUB.4" lladdr $MAC_D dev eth0 nud permanent
req10=$(pkt icmp $MAC_A $MAC_D "$SUB.4" "$SUB.1" 10 vs-trunk-10)
req10u=$(pkt icmp $MAC_A $MAC_D "$SUB.4" "$SUB.1" - vs-trunk-10)
req20=$(pkt icmp $MAC_C $MAC_D "$SUB.4" "$SUB.3" 20 vs-trunk-20)
req30=$(pkt icmp $MAC_A $MAC_D "$SUB.4" "$SUB.1" 30 vs-trunk-30)
nt0=$(drop_count vlan-not-trunked)
sniff_start d-trunk d 4
sniff_start a-trunk a 4
sniff_start c-trunk c 4
check "trunk: d sends echo requests tagged 10, 20 and 30" \
    nsx d python3 "$PKT" send eth0 "$req10" "$req20" "$req30"
sleep 0.5
nsx a python3 "$PKT" send eth0 "$(pkt frame $BCAST $MAC_A - 88b5 vs-a-to-trunk)"
sniff_wait d-trunk
sniff_wait a-trunk
sniff_wait c-trunk
check_output "trunk: a got the VLAN 10 request untagged, byte for byte" "1" \
    count_re a-trunk "$req10u\$"
check_output "trunk: c got the VLAN 20 request untagged" "1" \
    count_re c-trunk "$(nocolon $MAC_C)$(nocolon $MAC_D)0800.*$(hexof vs-trunk-20)"
reply="[0-9a-f]{18}01[0-9a-f]{20}00"
check_output "trunk: a's echo reply reached d tagged VID 10" "1" \
    count_re d-trunk "$(nocolon $MAC_D)$(nocolon $MAC_A)8100000a0800$reply"
check_output "trunk: c's echo reply reached d tagged VID 20" "1" \
    count_re d-trunk "$(nocolon $MAC_D)$(nocolon $MAC_C)810000140800$reply"
check_output "trunk: a's broadcast reached d tagged VID 10" "1" \
    count_re d-trunk "ffffffffffff$(nocolon $MAC_A)8100000a88b5$(hexof vs-a-to-trunk)"
check_output "trunk: VLAN 30 (not in trunks) never reached a" "0" \
    count_re a-trunk ".*$(hexof vs-trunk-30)"
check_true "trunk: VLAN 30 counted as vlan-not-trunked ($nt0 -> $(drop_count vlan-not-trunked))" \
    test "$(drop_count vlan-not-trunked)" -gt "$nt0"
check_output "trunk: fdb has d's MAC on the trunk in VLANs 10 and 20" \
    "$(ofport $HD) 10
$(ofport $HD) 20" fdb "$BR" $MAC_D

# ---------------------------------------------------------------------------
# Native VLAN on the wire.  n's port is native-untagged VLAN 10: n pings a;
# a's broadcast reaches n untagged, c's (VLAN 20) tagged 20.  As
# native-tagged, a's broadcast reaches n tagged 10 and n's ping fails (n
# has no VLAN device to take the tagged replies).
check_true "native-untagged: n -> a ping works" ping_ok n "$SUB.1" 3
sniff_start n-nu n 3
nsx a python3 "$PKT" send eth0 "$(pkt frame $BCAST $MAC_A - 88b5 vs-nu-a)"
nsx c python3 "$PKT" send eth0 "$(pkt frame $BCAST $MAC_C - 88b5 vs-nu-c)"
sniff_wait n-nu
check_output "native-untagged: a's broadcast reached n untagged" "1" \
    count_re n-nu "ffffffffffff$(nocolon $MAC_A)88b5$(hexof vs-nu-a)"
check_output "native-untagged: c's broadcast reached n tagged VID 20" "1" \
    count_re n-nu "ffffffffffff$(nocolon $MAC_C)8100001488b5$(hexof vs-nu-c)"
check "native-tagged: set vlan_mode=native-tagged" \
    vsctl set Port "$HN" vlan_mode=native-tagged
sniff_start n-nt n 3
nsx a python3 "$PKT" send eth0 "$(pkt frame $BCAST $MAC_A - 88b5 vs-nt-a)"
sniff_wait n-nt
check_output "native-tagged: a's broadcast reached n tagged VID 10" "1" \
    count_re n-nt "ffffffffffff$(nocolon $MAC_A)8100000a88b5$(hexof vs-nt-a)"
check_true "native-tagged: n -> a ping fails (replies come tagged)" \
    sh -c "! ip netns exec $NS-n ping -q -c 2 -i 0.2 -W 1 $SUB.1 >/dev/null"
check "native-untagged again" vsctl set Port "$HN" vlan_mode=native-untagged
check_true "native-untagged again: n -> a ping works" ping_ok n "$SUB.1" 3

# ---------------------------------------------------------------------------
# Malformed frames while a ping runs: truncated 802.1Q headers (the Linux
# stack itself drops those before any AF_PACKET reader: runts can not even
# be sent, as AF_PACKET pads them to 14 bytes; the dummy-port tests cover
# the switch's own runt/truncated-vlan counters), tagged and double-tagged
# frames on an access port (vlan-tagged-on-access), frames over the output
# ports' MTU (mtu).  The ping loses nothing; e sees none of them.
check "oversize: a's veth (both ends) to MTU 9000" \
    sh -c "ip link set $HA mtu 9000 && ip netns exec $NS-a ip link set eth0 mtu 9000"
check_true "oversize: Interface mtu of $HA follows (9000)" \
    wait_for 5 iface_is "$HA" mtu 9000
bad=(
    "$(pkt frame $BCAST $MAC_A 10 88b5 vs-bad-tagged)"
    "$(pkt frame $BCAST $MAC_A 10,20 88b5 vs-bad-stacked)"
    "$(pkt frame $BCAST $MAC_A 88a8:10,20 88b5 vs-bad-qinq)"
    "$(pkt frame $BCAST $MAC_A - 88b5 vs-bad-oversized 3000)"
    "ffffffffffff$(nocolon $MAC_A)8100000a"
    "ffffffffffff$(nocolon $MAC_A)8100"
)
tagged0=$(drop_count vlan-tagged-on-access) mtu0=$(drop_count mtu)
total0=$(drops_total)
sniff_start e-bad e 5
nsx a ping -q -c 60 -i 0.05 -W 1 "$SUB.2" >"$VS_TMP/ping-bad" 2>&1 &
ping_pid=$!
for i in $(seq 20); do
    nsx a python3 "$PKT" send eth0 "${bad[@]}" 2>/dev/null
    sleep 0.1
done
wait $ping_pid
sniff_wait e-bad
loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$VS_TMP/ping-bad")
check_true "malformed: the concurrent ping lost nothing (${loss:-?}% loss)" \
    test "${loss:-100}" = 0
check_output "malformed: e saw none of the bad frames" "0" \
    count_re e-bad ".*$(hexof vs-bad-)"
check_true "malformed: tagged/stacked frames counted as vlan-tagged-on-access ($tagged0 -> $(drop_count vlan-tagged-on-access))" \
    test "$(drop_count vlan-tagged-on-access)" -ge $((tagged0 + 60))
check_true "malformed: oversized frames counted as mtu ($mtu0 -> $(drop_count mtu))" \
    test "$(drop_count mtu)" -ge $((mtu0 + 20))
check_true "malformed: every bad frame seen by the switch is counted (total $total0 -> $(drops_total))" \
    test "$(drops_total)" -ge $((total0 + 80))
ip link set "$HA" mtu 1500
nsx a ip link set eth0 mtu 1500
check_true "malformed: ping a -> b still fine afterwards" ping_ok a "$SUB.2" 3

# ---------------------------------------------------------------------------
# TCP with default offloads (a veth hands the switch GSO frames with
# unfinished checksums): an integrity-checked transfer and iperf3.
nsx b timeout 40 python3 "$PKT" tcp-server 5201 >"$VS_TMP/tcp-server" 2>&1 &
srv=$!
sleep 0.5
nsx a timeout 40 python3 "$PKT" tcp-client "$SUB.2" 5201 $((32 << 20)) \
    >"$VS_TMP/tcp-client" 2>&1
wait $srv
check_true "tcp: 32 MiB a -> b arrive intact (sent: $(cat "$VS_TMP/tcp-client"), got: $(cat "$VS_TMP/tcp-server"))" \
    test -s "$VS_TMP/tcp-client" -a "$(cat "$VS_TMP/tcp-client")" = "$(cat "$VS_TMP/tcp-server")"
if command -v iperf3 >/dev/null; then
    nsx b timeout 30 iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
    srv=$!
    sleep 0.5
    nsx a timeout 30 iperf3 -c "$SUB.2" -p 5202 -t 3 -J >"$VS_TMP/iperf.json" 2>&1
    wait $srv
    bps=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$VS_TMP/iperf.json" 2>/dev/null)
    check_true "tcp: iperf3 a -> b for 3 s ($(( ${bps:-0} / 1000000 )) Mbit/s)" \
        test "${bps:-0}" -gt 0
else
    skip "tcp: iperf3" "iperf3 not installed"
fi

# ---------------------------------------------------------------------------
# Reconfiguration while traffic flows: a ping a -> b runs while another
# port is added, re-tagged and removed 8 times; the ping loses nothing and
# the MAC entries of ports that stay survive (e spoke once, before).
HX=vs$$x
ip link add "$HX" type veth peer name "vs$$y" && on_exit "ip link del $HX"
ip link set "$HX" up
ip link set "vs$$y" up
nsx e python3 "$PKT" send eth0 "$(pkt frame $BCAST $MAC_E - 88b5 vs-e-before)"
sleep 0.2
nsx a ping -q -c 80 -i 0.05 -W 1 "$SUB.2" >"$VS_TMP/ping-reconf" 2>&1 &
ping_pid=$!
reconf_ok=1
for i in $(seq 8); do
    vsctl add-port "$BR" "$HX" tag=20 >/dev/null 2>&1 || reconf_ok=0
    vsctl set Port "$HX" tag=30 >/dev/null 2>&1 || reconf_ok=0
    vsctl del-port "$BR" "$HX" >/dev/null 2>&1 || reconf_ok=0
done
wait $ping_pid
loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$VS_TMP/ping-reconf")
check_true "reconfigure: 24 port changes all applied" test $reconf_ok = 1
check_true "reconfigure: the ping a -> b meanwhile lost nothing (${loss:-?}% loss)" \
    test "${loss:-100}" = 0
check_output "reconfigure: e's MAC entry survived" "$(ofport $HE) 10" \
    fdb "$BR" $MAC_E

# ---------------------------------------------------------------------------
# 10,000 random source MACs from a do not evict the other ports' entries.
for v in b c e n; do
    m=MAC_${v^^}
    nsx $v python3 "$PKT" send eth0 "$(pkt frame $BCAST ${!m} - 88b5 vs-refresh)"
done
nsx d python3 "$PKT" send eth0 "$(pkt frame $BCAST $MAC_D 20 88b5 vs-refresh)"
sleep 0.3
sent=$(nsx a python3 "$PKT" macflood eth0 10000 4000 $MAC_B 99)
sleep 1
cur=$(fdb_stat "$BR" current) max=$(fdb_stat "$BR" max)
check_true "flood: a sent 10000 frames from random MACs (${sent:-0})" \
    test "${sent:-0}" -ge 9900
check_true "flood: the table holds at most its maximum ($cur/$max)" \
    test -n "$cur" -a "${cur:-1}" -le "${max:-0}"
check_true "flood: the flood was learned ($cur entries, $(fdb_stat "$BR" learned) learned)" \
    test "${cur:-0}" -ge 1000
check_output "flood: b still on its port" "$(ofport $HB) 10" fdb "$BR" $MAC_B
check_output "flood: c still on its port" "$(ofport $HC) 20" fdb "$BR" $MAC_C
check_output "flood: e still on its port" "$(ofport $HE) 10" fdb "$BR" $MAC_E
check_output "flood: n still on its port" "$(ofport $HN) 10" fdb "$BR" $MAC_N
check_output "flood: d still on the trunk in VLAN 20" "$(ofport $HD) 20" \
    sh -c "'$VSAPPCTL' fdb/show $BR | awk '\$3 == \"$MAC_D\" && \$2 == 20 { print \$1, \$2 }'"
sniff_start e-flood e 3
check_output "flood: a -> b ping, no loss" "0" ping_loss a "$SUB.2" 20
sniff_wait e-flood
check_output "flood: b is still reached without flooding (e saw no ICMP)" "0" \
    count_re e-flood "$icmp_ab"

# ---------------------------------------------------------------------------
# Statistics of a system interface.
check_true "statistics: $HA rx_packets > 0" \
    wait_for 4 sh -c "test \"\$('$VSCTL' get Interface $HA statistics:rx_packets)\" -gt 0"
check_true "statistics: $HB tx_bytes > 0" \
    wait_for 4 sh -c "test \"\$('$VSCTL' get Interface $HB statistics:tx_bytes)\" -gt 0"

# Link state follows rtnetlink events, not the statistics timer: with the
# timer at an hour, taking c's host end down and up shows in the column.
check "link events: statistics timer set to an hour" \
    vsctl set Open_vSwitch . other_config:stats-update-interval=3600000
ip link set "$HC" down
check_true "link events: $HC admin_state becomes down" \
    wait_for 5 iface_is "$HC" admin_state down
check_true "link events: $HC link_state becomes down" \
    wait_for 5 iface_is "$HC" link_state down
ip link set "$HC" up
check_true "link events: $HC link_state back up" \
    wait_for 5 iface_is "$HC" link_state up
check "link events: statistics timer back to 1 s" \
    vsctl set Open_vSwitch . other_config:stats-update-interval=1000

# ---------------------------------------------------------------------------
# Hot-plug of a veth: b's veth is deleted (the VM is gone) and created
# again with the same name: the port is re-attached without any vsctl
# command and the ping works again.
old_ifindex=$(iface_get "$HB" ifindex)
ip link del "$HB"
check_true "hot-plug veth: error set while $HB is gone" \
    wait_for 5 iface_has_error "$HB"
make_vm b $MAC_B "$SUB.2" >/dev/null 2>&1
check_true "hot-plug veth: a -> b ping works again within 10 s" \
    wait_for 10 ping_ok a "$SUB.2" 1
check_true "hot-plug veth: error cleared" wait_for 5 iface_is "$HB" error "[]"
check_true "hot-plug veth: ifindex updated ($old_ifindex -> $(iface_get "$HB" ifindex))" \
    iface_is "$HB" ifindex "$(cat /sys/class/net/$HB/ifindex)"
check_output "hot-plug veth: no loss after re-attach" "0" ping_loss a "$SUB.2" 20

# ---------------------------------------------------------------------------
# Hot-plug of a TAP (what QEMU creates): the TAP goes away and comes back
# with the same name; frames flow both ways again.  A python process on
# /dev/net/tun plays the guest.
mk_tap() {
    ip tuntap add dev "$TAP" mode tap || return 1
    sysctl -qw "net.ipv6.conf.$TAP.disable_ipv6=1"
    ip link set "$TAP" up
}
on_exit "ip link del $TAP"
# tap_round ROUND: the guest sends a broadcast (a must see it), and a
# sends one (the guest must see it).
tap_round() {
    local r=$1
    rm -f "$VS_TMP/tap.$r" "$VS_TMP/tap.$r.ready"
    sniff_start "a-tap$r" a 3
    timeout 15 python3 "$PKT" tap "$TAP" 3 "$VS_TMP/tap.$r" \
        "$(pkt frame $BCAST $MAC_T - 88b5 vs-from-guest-$r)" &
    local vm=$!
    for _ in $(seq 30); do [ -e "$VS_TMP/tap.$r.ready" ] && break; sleep 0.1; done
    sleep 0.8
    nsx a python3 "$PKT" send eth0 "$(pkt frame $BCAST $MAC_A - 88b5 vs-to-guest-$r)"
    wait $vm
    sniff_wait "a-tap$r"
    check_output "hot-plug tap ($r): a got the guest's broadcast" "1" \
        count_re "a-tap$r" ".*$(hexof vs-from-guest-$r)"
    cp "$VS_TMP/tap.$r" "$VS_TMP/sniff.guest$r" 2>/dev/null
    check_output "hot-plug tap ($r): the guest got a's broadcast" "1" \
        count_re "guest$r" ".*$(hexof vs-to-guest-$r)"
}
check "hot-plug tap: create $TAP" mk_tap
check "hot-plug tap: add-port $TAP tag=10" vsctl add-port "$BR" "$TAP" tag=10
check_output "hot-plug tap: no error" "[]" vsctl get Interface "$TAP" error
tap_round 1
check "hot-plug tap: ip tuntap del" ip tuntap del dev "$TAP" mode tap
check_true "hot-plug tap: error set while the TAP is gone" \
    wait_for 5 iface_has_error "$TAP"
check "hot-plug tap: ip tuntap add (same name)" mk_tap
check_true "hot-plug tap: error cleared" wait_for 10 iface_is "$TAP" error "[]"
tap_round 2

# ---------------------------------------------------------------------------
# A port for a device that does not exist.
check_error "nodev: add-port of a missing device fails clearly" 1 \
    "Error detected while setting up 'vsnx$$'" vsctl add-port "$BR" "vsnx$$"
check_true "nodev: error column says the device is missing ($(iface_get "vsnx$$" error))" \
    sh -c "'$VSCTL' get Interface vsnx$$ error | grep -Eqi 'no such device|could not open'"
check_true "nodev: the error says the configuration was stored" \
    grep -q "The configuration was stored" "$VS_TMP/stderr"
check_true "nodev: the other ports still forward" ping_ok a "$SUB.2" 2
# Only interfaces an invocation adds make it fail: later edits of the
# broken one succeed, as with ovs-vsctl -- libvirt's ClearQos at guest
# shutdown runs after the TAP is gone, with exactly this command line.
check "nodev: an unrelated edit of the broken interface exits 0" \
    vsctl set Interface "vsnx$$" external_ids:owner=me
check "nodev: libvirt's ClearQos on it exits 0" \
    "$VSCTL" --timeout=5 set Interface "vsnx$$" ingress_policing_rate=0 \
    ingress_policing_burst=0
check "nodev: del-port" vsctl del-port "$BR" "vsnx$$"

# ---------------------------------------------------------------------------
# The internal port carries the host's address: put it in VLAN 10 with an
# address of the subnet; the host pings a through it.
check "internal port: tag=10" vsctl set Port "$BR" tag=10
check "internal port: host address $SUB.254" \
    sh -c "ip addr add $SUB.254/24 dev $BR && ip link set $BR up"
check_true "internal port: host -> a ping works" \
    sh -c "ping -q -c 3 -i 0.2 -W 1 $SUB.1 >/dev/null"
check_output "internal port: fdb shows the host's MAC as LOCAL" "LOCAL 10" \
    fdb "$BR" "$(cat /sys/class/net/$BR/address)"
check "del-br $BR" vsctl del-br "$BR"
check_true "internal port: $BR is gone from the kernel after del-br" \
    wait_for 3 sh -c "! ip link show $BR >/dev/null 2>&1"
check_true "del-br: the veths are left to their owners" link_exists "$HA"

vs_stop
exit 0
