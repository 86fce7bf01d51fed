#!/bin/bash
# datapaths.sh -- datapaths per bridge, types from the registries, and
# what the switch refuses at commit time.
#
# Topology (dummy ports only; vswitchd --enable-dummy=override also
# registers datapath type "dummy", a second instance of the userspace
# datapath):
#   br0  datapath_type empty (= netdev): a1 a2
#   br1  datapath_type=dummy:            b1 b2
# Intent: bridges of two types run side by side, each in its own datapath
# (dpif/show groups them, frames stay within their bridge, MAC tables are
# separate); a bridge moves between types without losing its ports; the
# Open_vSwitch row lists the registered types; and values the switch
# cannot use -- an unknown datapath or interface type, options a type does
# not take, a port in two bridges, an interface in two ports, deleting the
# root row -- are refused with a message naming what is wrong and the
# valid choices, exit 1, and the database unchanged.
. "${srcdir:-.}/tests/lib.sh"

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 20 "$VSCTL" --timeout=15 "$@"; }

vs_start || exit 1

# frame DST SRC (tests/lib.sh): a 60-byte untagged frame.

MAC1=00:00:00:00:00:a1 MAC2=00:00:00:00:00:a2
MACB=00:00:00:00:00:b1

check "setup: bridges of two datapath types" \
    vsctl add-br br0 -- set Port br0 tag=4000 \
    -- add-port br0 a1 -- add-port br0 a2 \
    -- add-br br1 -- set Bridge br1 datapath_type=dummy \
    -- set Port br1 tag=4000 -- add-port br1 b1 -- add-port br1 b2

show=$(vsappctl dpif/show)
check_true "dpif/show: netdev datapath holds br0" \
    grep -q '^netdev@vswitch:' <<<"$show"
check_true "dpif/show: dummy datapath holds br1" \
    grep -q '^dummy@vswitch:' <<<"$show"
check_output "dpif/show: br1 listed under the dummy datapath" "  br1:" \
    bash -c "sed -n '/^dummy@vswitch:/,/^[a-z]/p' <<<'$show' | grep '^  br'"
check_output "types: datapath_types from the registry" '[dummy, netdev]' \
    vsctl get Open_vSwitch . datapath_types
# A DPDK build has three more interface types.
DPDK_TYPES=
if grep -q '^#define HAVE_DPDK 1' "${builddir:-.}/config/config.h"; then
    DPDK_TYPES="dpdk, dpdkvhostuser, dpdkvhostuserclient, "
fi
check_output "types: iface_types from the registry" \
    "[${DPDK_TYPES}dummy, internal, system, tap]" \
    vsctl get Open_vSwitch . iface_types

# Frames stay within their bridge, in their own datapath.
vsappctl netdev-dummy/sent b1 >/dev/null
vsappctl netdev-dummy/sent b2 >/dev/null
vsappctl netdev-dummy/sent a2 >/dev/null
check "forwarding: broadcast on a1" \
    vsappctl netdev-dummy/receive a1 "$(frame ff:ff:ff:ff:ff:ff "$MAC1")"
check_true "forwarding: a2 got the broadcast" \
    wait_for 5 bash -c "[ -n \"\$('$VSAPPCTL' netdev-dummy/sent a2)\" ]"
check_output "forwarding: nothing crossed to br1's b1" "" \
    vsappctl netdev-dummy/sent b1
check "forwarding: broadcast on b1" \
    vsappctl netdev-dummy/receive b1 "$(frame ff:ff:ff:ff:ff:ff "$MACB")"
check_true "forwarding: b2 got it" \
    wait_for 5 bash -c "[ -n \"\$('$VSAPPCTL' netdev-dummy/sent b2)\" ]"
check_output "fdb: br0 learned a1's MAC only" "$(vsctl get Interface a1 ofport) 0" \
    fdb br0 "$MAC1"
check_output "fdb: br0 has nothing of br1" "" fdb br0 "$MACB"
check_output "fdb: br1 learned b1's MAC" "$(vsctl get Interface b1 ofport) 0" \
    fdb br1 "$MACB"

# dp/trace finds a bridge in whichever datapath runs it.
check_true "trace: a frame on br1 (dummy datapath) floods to b2" \
    bash -c "'$VSAPPCTL' dp/trace br1 b1 $(frame ff:ff:ff:ff:ff:ff "$MACB") | grep -q 'b2'"
check_error "trace: a port of another bridge is refused" 2 "no port a1 on bridge br1" \
    "$VSAPPCTL" dp/trace br1 a1 "$(frame ff:ff:ff:ff:ff:ff "$MACB")"

# Interface options reach the provider: several receive queues, all
# polled; a bad value leaves the interface unconfigured with the reason.
check "options: a1 with 4 receive queues" \
    vsctl set Interface a1 type=dummy options:n_rxq=4
check_output "options: no error" "[]" vsctl get Interface a1 error
vsappctl netdev-dummy/sent a2 >/dev/null
for q in 0 1 2 3; do
    vsappctl netdev-dummy/receive --queue "$q" a1 \
        "$(frame ff:ff:ff:ff:ff:ff 00:00:00:00:01:0$q)" >/dev/null
done
check_true "options: frames from all 4 queues are forwarded" \
    wait_for 5 bash -c "[ \$('$VSAPPCTL' fdb/show br0 | grep -c '00:00:00:00:01:0') -eq 4 ]"
check_output "options: each queue's sender learned" 4 \
    bash -c "'$VSAPPCTL' fdb/show br0 | grep -c '00:00:00:00:01:0'"
check_error "options: a bad value is stored, the device refuses it" 1 \
    'options:n_rxq "abc" is not an integer in 1..16' \
    "$VSCTL" --timeout=15 add-port br0 a3 -- set Interface a3 type=dummy \
    options:n_rxq=abc
check_true "options: the reason is in the error column" \
    bash -c "'$VSCTL' get Interface a3 error | grep -q 'not an integer in 1..16'"
check "options: fixing the value clears the error" \
    vsctl set Interface a3 options:n_rxq=2
check_output "options: error cleared" "[]" vsctl get Interface a3 error
check "options: cleanup" vsctl del-port br0 a3 -- set Interface a1 type='""' \
    -- clear Interface a1 options

# A bridge moves to another datapath type and keeps its ports.
a1_no=$(vsctl get Interface a1 ofport)
# br9 keeps the netdev datapath (created first) alive, so that on the way
# back the datapath that takes a1 over is handed its configuration before
# the one that gives it up.
check "move: br9 keeps the netdev datapath" \
    vsctl add-br br9 -- set Port br9 tag=4000
check "move: br0 to the dummy datapath" \
    vsctl set Bridge br0 datapath_type=dummy
check_output "move: a1 is in br0 of the dummy datapath" "dummy br0" \
    bash -c "'$VSAPPCTL' dpif/show | awk '/^[a-z]+@/ { sub(\"@.*\", \"\"); dp = \$0 }
        /^  [^ ]/ { br = \$1 } \$1 == \"a1\" { sub(\":\", \"\", br); print dp, br }'"
check_output "move: a1 kept its port number" "$a1_no" \
    vsctl get Interface a1 ofport
vsappctl netdev-dummy/sent a2 >/dev/null
vsappctl netdev-dummy/receive a1 "$(frame ff:ff:ff:ff:ff:ff "$MAC1")" \
    >/dev/null
check_true "move: br0 still forwards" \
    wait_for 5 bash -c "[ -n \"\$('$VSAPPCTL' netdev-dummy/sent a2)\" ]"
check "move: back to the default type" \
    vsctl set Bridge br0 datapath_type='""'
# The dummy datapath (created second) gives the ports up before the netdev
# datapath (created first) opens them: a queue has one reader at a time.
check_output "move: a1 has no error after the move back" "[]" \
    vsctl get Interface a1 error
check_output "move: a1 is in br0 of the netdev datapath" "netdev br0" \
    bash -c "'$VSAPPCTL' dpif/show | awk '/^[a-z]+@/ { sub(\"@.*\", \"\"); dp = \$0 }
        /^  [^ ]/ { br = \$1 } \$1 == \"a1\" { sub(\":\", \"\", br); print dp, br }'"
vsappctl netdev-dummy/sent a2 >/dev/null
vsappctl netdev-dummy/receive a1 "$(frame ff:ff:ff:ff:ff:ff "$MAC1")" \
    >/dev/null
check_true "move: br0 forwards after the move back" \
    wait_for 5 bash -c "[ -n \"\$('$VSAPPCTL' netdev-dummy/sent a2)\" ]"

# Refused at commit time: exit 1, a clear message, nothing changed.
before=$(db_dump)
refused() {                     # refused NAME SUBSTRING VSCTL-ARGS...
    local name=$1 substr=$2
    shift 2
    check_error "refused: $name" 1 "$substr" "$VSCTL" --timeout=15 "$@"
    check_output "refused: $name changed nothing" "$before" db_dump
}
refused "datapath_type=system names the valid types" \
    'datapath type "system" (the kernel datapath) is not available' \
    set Bridge br0 datapath_type=system
refused "unknown datapath_type" \
    'unknown datapath type "foo" (available: "dummy", "netdev"' \
    set Bridge br0 datapath_type=foo
refused "unknown interface type names the valid ones" \
    "interface a1: unsupported interface type \"vxlan\" (valid types: ${DPDK_TYPES}dummy, internal, system, tap" \
    set Interface a1 type=vxlan
refused "add-port with an unknown type" \
    'unsupported interface type "geneve"' \
    add-port br0 g1 -- set Interface g1 type=geneve
refused "an option the type does not take" \
    'interface type "system" has no option "remote_ip"' \
    set Interface a1 options:remote_ip=10.0.0.1
refused "add-port of a name with a colon" \
    "invalid interface name \"a:b\": must not contain '/' or ':'" \
    add-port br0 a:b
refused "an interface name longer than 15 bytes" \
    'must be 1 to 15 bytes long' add-port br0 abcdefghijklmnop
refused "an interface name with a space" \
    'must not contain whitespace' add-port br0 "a b"
refused "a bad name through create (commit-time check)" \
    "invalid interface name \"x:1\": must not contain '/' or ':'" \
    -- --id=@i create Interface name=x:1 \
    -- --id=@p create Port name=xp interfaces=@i -- add Bridge br0 ports @p
refused "a port in two bridges" \
    'port a1 cannot be in two bridges (br0 and br1)' \
    add Bridge br1 ports "$(vsctl get Port a1 _uuid)"
refused "an interface in two ports" \
    'interface a1 cannot be in two ports' \
    -- --id=@p create Port name=dup interfaces="$(vsctl get Interface a1 _uuid)" \
    -- add Bridge br1 ports @p
refused "destroying the Open_vSwitch row" \
    'the Open_vSwitch row is required' \
    destroy Open_vSwitch .

# The daemon is alive and still applies changes after all that.
check "after refusals: a change still applies" \
    vsctl set Open_vSwitch . external_ids:poke=1
check_true "after refusals: vswitchd is running" kill -0 "$(vs_pid)"

# A datapath knob with a bad value is logged and the previous one kept.
check "knobs: n-forwarding-threads=2" \
    vsctl set Open_vSwitch . other_config:n-forwarding-threads=2
check "knobs: a bad value is stored" \
    vsctl set Open_vSwitch . other_config:n-forwarding-threads=abc
check_true "knobs: the bad value is logged with its range" \
    wait_for 5 bash -c "grep -q 'n-forwarding-threads \"abc\" is not an integer in 1..64' '$VSWITCH_RUNDIR/vswitchd.log'"
pmds() {                        # forwarding threads of the daemon
    local t
    for t in /proc/"$(vs_pid)"/task/*/comm; do cat "$t"; done | grep -c '^pmd'
}
check_output "knobs: still two threads in each of the two datapaths" 4 pmds
vsctl remove Open_vSwitch . other_config n-forwarding-threads >/dev/null

check "cleanup: del-br all" vsctl del-br br0 -- del-br br1 -- del-br br9
check_output "cleanup: no datapath left in dpif/show" "drops by reason:" \
    vsappctl dpif/show

# A database written before commit-time validation (or edited by hand) may
# hold a port in two bridges: the daemon must start on it, keep the port
# where it was first (bridges in name order), log the other, and never give
# one device to a datapath twice.  The journal record is appended by hand,
# as such a database would hold it.
check "old database: setup" \
    vsctl add-br br0 -- set Port br0 tag=4000 -- add-port br0 a1 \
    -- add-port br0 a2 -- add-br br1 -- set Port br1 tag=4000
a1_port=$(vsctl get Port a1 _uuid)
br1=$(vsctl get Bridge br1 _uuid)
br1_ports=$(vsctl get Bridge br1 ports)
vs_stop
python3 - "$VSWITCH_DBDIR/conf.db" "$br1" "$a1_port" "$br1_ports" <<'PY'
import json, re, sys, zlib
path, br1, a1, ports = sys.argv[1:5]
own = [["uuid", u] for u in re.findall(r"[0-9a-f-]{36}", ports)]
change = {"Bridge": {br1: {"ports": ["set", own + [["uuid", a1]]]}}}
body = json.dumps(change, separators=(",", ":")).encode()
with open(path, "ab") as f:
    f.write(b"REC %d %08x\n" % (len(body), zlib.crc32(body)) + body + b"\n")
PY
check "old database: the daemon starts on it" vs_start
check_true "old database: the second place is logged and ignored" \
    wait_for 5 bash -c "grep -q 'port a1 is in bridges br0 and br1: ignored in br1' '$VSWITCH_RUNDIR/vswitchd.log'"
# in_bridges PORT: the bridges dpif/show lists PORT under.
in_bridges() {
    vsappctl dpif/show | awk -v p="$1" '/^  [^ ]/ { br = $1 }
                                         $1 == p { sub(":", "", br); print br }'
}
check_output "old database: a1 stays in br0 only" "br0" in_bridges a1
vsappctl netdev-dummy/sent a2 >/dev/null
vsappctl netdev-dummy/receive a1 "$(frame ff:ff:ff:ff:ff:ff "$MAC1")" \
    >/dev/null
check_true "old database: a1 forwards in br0" \
    wait_for 5 bash -c "[ -n \"\$('$VSAPPCTL' netdev-dummy/sent a2)\" ]"
check "old database: further reconfigurations are fine" \
    vsctl set Open_vSwitch . external_ids:poke=2
check "old database: libvirt's add-port still works" \
    vsctl -- --may-exist add-port br0 vnet7 -- set Interface vnet7 \
    external-ids:iface-id=x
check "old database: and its del-port" vsctl -- --if-exists del-port br0 vnet7
check_error "old database: adding a1 to a third bridge is refused" 1 \
    "port a1 cannot be in two bridges" \
    "$VSCTL" --timeout=15 add-br br2 -- add Bridge br2 ports "$a1_port"
check "old database: removing a1 from br1 is allowed" \
    vsctl remove Bridge br1 ports "$a1_port"
check_true "old database: vswitchd is running" kill -0 "$(vs_pid)"
