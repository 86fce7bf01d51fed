#!/bin/bash
# vsctl-compat.sh -- the command lines that hypervisor tools send to
# ovs-vsctl (see COMPAT.md), verbatim with concrete values, through the
# real daemon and client, checking what those tools expect back; then the
# grammar they rely on: name matching, record ids, @name references,
# output formats, --oneline, --dry-run, show, wait-until, --no-wait.
. "${srcdir:-.}/tests/lib.sh"

vs_start || exit 1

MAC=52:54:00:aa:bb:cc
VMUUID=c7a5fdbd-cdaf-9455-926a-d65c16db1809
IFUUID=e2b6a0c4-1c4f-4e63-9b38-7d4f1a2b3c4d

# check_rc NAME RC CMD...: CMD must exit with status RC.
check_rc() {
    local name=$1 want=$2 out rc
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want" ]; then
        pass "$name"
    else
        fail "$name" "expected exit $want, got $rc: $out"
    fi
}

# check_raw NAME EXPECTED CMD...: like check_output, but trailing newlines
# count (EXPECTED is the exact standard output).
check_raw() {
    local name=$1 expected=$2 out rc
    shift 2
    out=$("$@" 2>"$VS_TMP/stderr"; rc=$?; echo END; exit $rc)
    rc=$?
    out=${out%END}
    if [ $rc -eq 0 ] && [ "$out" = "$expected" ]; then
        pass "$name"
    else
        fail "$name" "exit $rc; expected <<$expected>> got <<$out>> stderr <<$(cat "$VS_TMP/stderr")>>"
    fi
}

# check_py NAME PYTHON-CODE CMD...: CMD must exit 0; its output, as the
# string 'out', must make PYTHON-CODE (assertions) succeed.
check_py() {
    local name=$1 code=$2 out rc perr
    shift 2
    out=$("$@" 2>"$VS_TMP/stderr")
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "$name" "exit $rc: $(cat "$VS_TMP/stderr")"
        return
    fi
    if perr=$(printf '%s' "$out" | python3 -c "
import json, re, sys
out = sys.stdin.read()
$code" 2>&1); then
        pass "$name"
    else
        fail "$name" "output <<$out>>: $perr"
    fi
}

# check_grep NAME REGEX CMD...: CMD must exit 0 and print a line that
# matches the extended REGEX.
check_grep() {
    local name=$1 re=$2 out rc
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -qE -- "$re"; then
        pass "$name"
    else
        fail "$name" "exit $rc; no line matching <<$re>> in <<$out>>"
    fi
}

# check_sorted NAME EXPECTED CMD...: like check_output, but the order of
# the lines does not matter (e.g. "list" prints columns in some order).
check_sorted() {
    local name=$1 expected=$2 out rc
    shift 2
    out=$("$@" 2>"$VS_TMP/stderr")
    rc=$?
    if [ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | LC_ALL=C sort)" = \
            "$(printf '%s\n' "$expected" | LC_ALL=C sort)" ]; then
        pass "$name"
    else
        fail "$name" "exit $rc; expected (in any order) <<$expected>> got <<$out>> stderr <<$(cat "$VS_TMP/stderr")>>"
    fi
}

# libvirt's attach command for interface $1 on bridge $2, VLAN-ARGS after.
libvirt_attach() {
    local ifname=$1 br=$2
    shift 2
    vsctl --timeout=5 -- --may-exist add-port "$br" "$ifname" \
        -- set Port "$ifname" other_config:transient=true "$@" \
        -- set Interface "$ifname" "external-ids:attached-mac=\"$MAC\"" \
        -- set Interface "$ifname" "external-ids:iface-id=\"$IFUUID\"" \
        -- set Interface "$ifname" "external-ids:vm-id=\"$VMUUID\"" \
        -- set Interface "$ifname" external-ids:iface-status=active
}

libvirt_detach() {
    vsctl --timeout=5 -- --if-exists del-port "$1"
}

check "add-br br0" vsctl add-br br0
check_output "list-br" "br0" vsctl list-br

## libvirt attach, one VLAN-ARGS variant at a time.

check "libvirt attach tag=10" libvirt_attach vnet0 br0 tag=10
check_output "attach tag: list-ports" "vnet0" vsctl list-ports br0
check_output "attach tag: tag" "10" vsctl get Port vnet0 tag
check_output "attach tag: trunks" "[]" vsctl get Port vnet0 trunks
check_output "attach tag: vlan_mode" "[]" vsctl get Port vnet0 vlan_mode
check_output "attach tag: other_config" '{transient="true"}' \
    vsctl get Port vnet0 other_config
check_output "attach: attached-mac quoted" '"52:54:00:aa:bb:cc"' \
    vsctl get Interface vnet0 external_ids:attached-mac
check_output "attach: iface-id (UUID-like string quoted)" "\"$IFUUID\"" \
    vsctl get Interface vnet0 external_ids:iface-id
check_output "attach: iface-status" "active" \
    vsctl get Interface vnet0 external_ids:iface-status
check_output "attach: external_ids map" \
    "{attached-mac=\"$MAC\", iface-id=\"$IFUUID\", iface-status=active, vm-id=\"$VMUUID\"}" \
    vsctl get Interface vnet0 external_ids
check_output "attach: interface of the port" "vnet0" \
    vsctl list-ifaces br0

check "libvirt detach" libvirt_detach vnet0
check_output "detach: port gone" "" vsctl list-ports br0
check_output "detach: interface gone" "" \
    vsctl --if-exists --bare --columns=name list Interface vnet0
check "libvirt detach again (absent): exit 0" libvirt_detach vnet0

check "libvirt attach trunk=20,30" libvirt_attach vnet0 br0 trunk=20,30
check_output "attach trunk: trunks" "[20, 30]" vsctl get Port vnet0 trunks
check_output "attach trunk: tag" "[]" vsctl get Port vnet0 tag
check_output "attach trunk: vlan_mode" "[]" vsctl get Port vnet0 vlan_mode
check "libvirt detach (trunk)" libvirt_detach vnet0

check "libvirt attach native-untagged" \
    libvirt_attach vnet0 br0 vlan_mode=native-untagged tag=10
check_output "native-untagged: vlan_mode" "native-untagged" \
    vsctl get Port vnet0 vlan_mode
check_output "native-untagged: tag" "10" vsctl get Port vnet0 tag
check "libvirt detach (native-untagged)" libvirt_detach vnet0

check "libvirt attach native-tagged" \
    libvirt_attach vnet0 br0 vlan_mode=native-tagged tag=10
check_output "native-tagged: vlan_mode" "native-tagged" \
    vsctl get Port vnet0 vlan_mode
check_output "native-tagged: tag" "10" vsctl get Port vnet0 tag
check_output "native-tagged: other_config" '{transient="true"}' \
    vsctl get Port vnet0 other_config

# Attaching again (libvirt restarts) is a no-op for the port itself.
check "libvirt attach again with --may-exist" \
    libvirt_attach vnet0 br0 vlan_mode=native-tagged tag=10
check_output "attach again: still one port" "vnet0" vsctl list-ports br0

## Older libvirt: del-port and add-port in one transaction.

older_attach() {
    vsctl --timeout=5 -- --if-exists del-port vnet1 -- add-port br0 vnet1 \
        tag=11 \
        -- set Interface vnet1 "external-ids:attached-mac=\"$MAC\"" \
        -- set Interface vnet1 "external-ids:iface-id=\"$IFUUID\"" \
        -- set Interface vnet1 "external-ids:vm-id=\"$VMUUID\"" \
        -- set Interface vnet1 external-ids:iface-status=active
}
check "older libvirt attach (absent)" older_attach
check_output "older attach: tag" "11" vsctl get Port vnet1 tag
check "older libvirt attach (present: del+add in one txn)" older_attach
check_output "older attach again: tag" "11" vsctl get Port vnet1 tag
check_output "older attach again: ports" "vnet0
vnet1" vsctl list-ports br0
check_output "older attach again: attached-mac" "\"$MAC\"" \
    vsctl get Interface vnet1 external_ids:attached-mac
check_output "older attach again: one Port row named vnet1" "vnet1" \
    vsctl --bare --columns=name find Port name=vnet1

## Statistics.

check_py "stats: list --data=json shape" '
assert "\n" not in out.strip(), "one line expected"
assert out.startswith("[\"map\",["), "starts with [\"map\",["
v = json.loads(out)
assert v[0] == "map" and isinstance(v[1], list)
for kv in v[1]:
    assert isinstance(kv[0], str) and isinstance(kv[1], int), kv
if not v[1]:
    assert out.strip() == "[\"map\",[]]", "exact empty map"
' vsctl --timeout=5 --if-exists --format=list --data=json --no-headings \
    --columns=statistics list Interface vnet0
check_output "stats: absent interface: empty output" "" \
    vsctl --timeout=5 --if-exists --format=list --data=json --no-headings \
    --columns=statistics list Interface nosuch0
check_output "older stats: get name" "vnet0" vsctl get Interface vnet0 name
stats=$(vsctl get Interface vnet0 statistics)
if [ "$stats" = "{}" ]; then
    check_error "older stats: missing keys are an error" 1 "rx_bytes" \
        vsctl get Interface vnet0 statistics:rx_bytes statistics:rx_packets \
        statistics:tx_bytes statistics:tx_packets
    check_output "older stats: --if-exists missing key prints nothing" "" \
        vsctl --if-exists get Interface vnet0 statistics:rx_bytes
else
    check_py "older stats: four numbers" '
lines = out.split("\n")
assert len(lines) == 4, lines
assert all(re.fullmatch(r"[0-9]+", l) for l in lines), lines
' vsctl get Interface vnet0 statistics:rx_bytes statistics:rx_packets \
        statistics:tx_bytes statistics:tx_packets
fi

## Bridge of an interface.

check_output "iface-to-br" "br0" vsctl iface-to-br vnet0
check_error "iface-to-br of a missing interface" 1 "nosuch0" \
    vsctl iface-to-br nosuch0
check_output "port-to-br" "br0" vsctl port-to-br vnet1

## Migration data.

check_output "migration: unset PortData prints nothing" "" \
    vsctl --if-exists get Interface vnet0 external_ids:PortData
check "migration: set PortData" \
    vsctl set Interface vnet0 external_ids:PortData=portdata
check_output "migration: get PortData" "portdata" \
    vsctl --if-exists get Interface vnet0 external_ids:PortData
check "migration: set quoted PortData" \
    vsctl set Interface vnet0 'external_ids:PortData="a b,c"'
check_output "migration: get quoted PortData" '"a b,c"' \
    vsctl --if-exists get Interface vnet0 external_ids:PortData
check_output "migration: --if-exists get of a missing record" "" \
    vsctl --if-exists get Interface nosuch0 external_ids:PortData

## Live VLAN change (vnet0 is native-tagged, tag 10).

live_vlan() {
    local ifname=$1
    shift
    vsctl --timeout=5 -- --if-exists clear Port "$ifname" tag \
        -- --if-exists clear Port "$ifname" trunk \
        -- --if-exists clear Port "$ifname" vlan_mode \
        -- --if-exists set Port "$ifname" "$@"
}
check "live VLAN change to trunk=100,200" live_vlan vnet0 trunk=100,200
check_output "live VLAN: tag cleared" "[]" vsctl get Port vnet0 tag
check_output "live VLAN: vlan_mode cleared" "[]" vsctl get Port vnet0 vlan_mode
check_output "live VLAN: trunks" "[100, 200]" vsctl get Port vnet0 trunks
check "live VLAN change to tag=42" live_vlan vnet0 tag=42
check_output "live VLAN 2: tag" "42" vsctl get Port vnet0 tag
check_output "live VLAN 2: trunks cleared" "[]" vsctl get Port vnet0 trunks
check "live VLAN change to native-untagged" \
    live_vlan vnet0 vlan_mode=native-untagged tag=43
check_output "live VLAN 3: vlan_mode" "native-untagged" \
    vsctl get Port vnet0 vlan_mode
check_output "live VLAN 3: tag" "43" vsctl get Port vnet0 tag
check "live VLAN change of an absent port: exit 0" live_vlan nosuch0 tag=5
check_output "live VLAN of absent port created nothing" "" \
    vsctl --if-exists get Port nosuch0 name

## QoS (libvirt <bandwidth>).

qos_ext=("external-ids:vm-id=\"$VMUUID\"" 'external-ids:ifname="vnet0"')
check_output "qos: find queue before: nothing" "" \
    vsctl --no-heading --columns=_uuid find queue "${qos_ext[@]}"
out=$(vsctl --timeout=5 set port vnet0 qos=@qos1 "${qos_ext[@]}" \
    -- --id=@qos1 create qos type=linux-htb other_config:min-rate=8192000 \
       queues:0=@queue0 "${qos_ext[@]}" \
    -- --id=@queue0 create queue other_config:min-rate=8192000 \
       "${qos_ext[@]}" 2>&1)
rc=$?
uuid_re='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
if [ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -cxE "$uuid_re")" = 2 ] \
   && [ "$(printf '%s\n' "$out" | wc -l)" = 2 ]; then
    pass "qos: set port qos=@qos1 + create qos + create queue"
else
    fail "qos: set port qos=@qos1 + create qos + create queue" \
         "exit $rc, want two UUID lines: <<$out>>"
fi
QOS=$(printf '%s\n' "$out" | sed -n 1p)
QUEUE=$(printf '%s\n' "$out" | sed -n 2p)
check_output "qos: port points to the new QoS" "$QOS" vsctl get Port vnet0 qos
check_output "qos: find queue by external-ids" "$QUEUE" \
    vsctl --no-heading --columns=_uuid find queue "${qos_ext[@]}"
check_output "qos: find qos by external-ids" "$QOS" \
    vsctl --no-heading --columns=_uuid find qos "${qos_ext[@]}"
check_output "qos: QoS queues map" "{0=$QUEUE}" vsctl get qos "$QOS" queues
check_sorted "qos: list qos" "_uuid               : $QOS
external_ids        : {ifname=vnet0, vm-id=\"$VMUUID\"}
other_config        : {min-rate=\"8192000\"}
queues              : {0=$QUEUE}
type                : linux-htb" vsctl list qos
check_sorted "qos: list queue" "_uuid               : $QUEUE
dscp                : []
external_ids        : {ifname=vnet0, vm-id=\"$VMUUID\"}
other_config        : {min-rate=\"8192000\"}" vsctl list queue
check_output "qos: QoS by its port's name" "linux-htb" \
    vsctl get QoS vnet0 type
check_output "qos: list QoS by port name" "_uuid               : $QOS" \
    vsctl --columns=_uuid list QoS vnet0
check "qos: ingress policing" vsctl --timeout=5 set Interface vnet0 \
    ingress_policing_rate=1000 ingress_policing_burst=100
check_output "qos: ingress_policing_rate" "1000" \
    vsctl get Interface vnet0 ingress_policing_rate
check_output "qos: ingress_policing_burst" "100" \
    vsctl get Interface vnet0 ingress_policing_burst
check "qos: remove port qos" vsctl --timeout=5 remove port vnet0 qos "$QOS"
check_output "qos: port has no QoS" "[]" vsctl get Port vnet0 qos
check_output "qos: QoS (root table) kept until destroyed" "$QOS" \
    vsctl --bare --columns=_uuid list qos
check "qos: destroy qos" vsctl --timeout=5 destroy qos "$QOS"
check "qos: destroy queue" vsctl --timeout=5 destroy queue "$QUEUE"
check_output "qos: no QoS rows left" "" vsctl list qos
check_output "qos: no Queue rows left" "" vsctl list queue

# Several queues with the map syntax "queues=0=@q0,1=@q1".
check "qos: create with queues=0=@q0,1=@q1" vsctl \
    -- --id=@q0 create queue dscp=1 -- --id=@q1 create queue dscp=2 \
    -- set port vnet1 qos=@q -- --id=@q create qos type=linux-htb \
       queues=0=@q0,1=@q1
check_output "qos: two queues" "2" \
    eval "vsctl get QoS vnet1 queues | grep -o = | wc -l | tr -d ' '"
check_output "qos: queue 1 is dscp 2" "2" \
    eval 'vsctl get Queue $(vsctl get QoS vnet1 queues:1) dscp'
vsctl -- clear Port vnet1 qos >/dev/null 2>&1
for u in $(vsctl --bare --columns=_uuid list qos) \
         $(vsctl --bare --columns=_uuid list queue); do
    vsctl -- --if-exists destroy qos "$u" -- --if-exists destroy queue "$u" \
        >/dev/null 2>&1
done
check_output "qos: cleaned up" "" vsctl list queue

## Xen vif-openvswitch.

xen_attach() {
    vsctl --timeout=30 -- --if-exists del-port vif1.0 \
        -- add-port "br0" vif1.0 tag=5 trunk=5,6 \
        -- set interface vif1.0 'external-ids:"xen-vm-name"="guest1"' \
        -- set interface vif1.0 'external-ids:"attached-mac"="00:16:3e:01:02:03"'
}
check "xen: vif-openvswitch add" xen_attach
check "xen: vif-openvswitch add again" xen_attach
check_output "xen: tag" "5" vsctl get Port vif1.0 tag
check_output "xen: trunks" "[5, 6]" vsctl get Port vif1.0 trunks
check_output "xen: xen-vm-name" "guest1" \
    vsctl get Interface vif1.0 external_ids:xen-vm-name
check_output "xen: attached-mac" '"00:16:3e:01:02:03"' \
    vsctl get Interface vif1.0 external_ids:attached-mac
check "xen: remove" vsctl --timeout=30 -- --if-exists del-port vif1.0
check_output "xen: removed" "vnet0
vnet1" vsctl list-ports br0

## QEMU ifup/ifdown.

check "qemu ifup: add-port br0 tap0" vsctl add-port br0 tap0
check_output "qemu ifup: port listed" "tap0
vnet0
vnet1" vsctl list-ports br0
check "qemu ifdown: del-port br0 tap0" vsctl del-port br0 tap0
check_output "qemu ifdown: port gone" "vnet0
vnet1" vsctl list-ports br0

## OpenStack os-vif / neutron / ovn-kubernetes.

osvif_plug() {
    vsctl --timeout=120 --oneline --format=json -- --may-exist add-port br0 \
        "$1" -- set Interface "$1" external_ids:iface-id="$2" \
        external_ids:iface-status=active \
        external_ids:attached-mac=fa:16:3e:00:00:01 \
        external_ids:vm-uuid="$VMUUID"
}
check_raw "os-vif plug: one empty line per command" $'\n\n' \
    osvif_plug tap1 port-1
check_raw "os-vif plug again (may-exist)" $'\n\n' osvif_plug tap1 port-1
check_output "os-vif: iface-id" "port-1" \
    vsctl get Interface tap1 external_ids:iface-id
check_output "os-vif: attached-mac" '"fa:16:3e:00:00:01"' \
    vsctl get Interface tap1 external_ids:attached-mac
check_output "os-vif: vm-uuid" "\"$VMUUID\"" \
    vsctl get Interface tap1 external_ids:vm-uuid
check_py "os-vif: --format=json list Interface" '
v = json.loads(out)
assert set(v) == {"data", "headings"}, v.keys()
assert v["headings"] == ["name", "external_ids", "ofport"], v["headings"]
rows = {r[0]: r for r in v["data"]}
assert set(rows) == {"br0", "tap1", "vnet0", "vnet1"}, sorted(rows)
for r in v["data"]:
    assert len(r) == 3
    assert r[1][0] == "map" and isinstance(r[1][1], list), r[1]
    assert isinstance(r[2], int) or r[2] == ["set", []], r[2]
ext = dict(rows["tap1"][1][1])
assert ext == {"iface-id": "port-1", "iface-status": "active",
               "attached-mac": "fa:16:3e:00:00:01",
               "vm-uuid": "'"$VMUUID"'"}, ext
' vsctl --format=json -- --columns=name,external_ids,ofport list Interface
check_output "os-vif: list-ports" "tap1
vnet0
vnet1" vsctl list-ports br0
check "os-vif: park port with tag=4095" vsctl set Port tap1 tag=4095
check_output "os-vif: parked tag" "4095" vsctl get Port tap1 tag
check_output "find --format=csv --data=bare --columns=name" "tap1" \
    vsctl --timeout=30 --no-heading --format=csv --data=bare --columns=name \
    find Interface external_ids:iface-id=port-1
check_output "find csv: two columns" "tap1,4095" \
    vsctl --timeout=30 --no-heading --format=csv --data=bare \
    --columns=name,tag find Port tag=4095
check_output "find csv: nothing matches" "" \
    vsctl --timeout=30 --no-heading --format=csv --data=bare --columns=name \
    find Interface external_ids:iface-id=port-404
TAP1_UUID=$(vsctl --bare --columns=_uuid list Port tap1)
check_output "find csv: _uuid" "$TAP1_UUID" \
    vsctl --timeout=30 --no-heading --format=csv --data=bare --columns=_uuid \
    find Port name=tap1

## add-port/del-port/br-exists semantics.

check "set tag of vnet1 to 11" vsctl set Port vnet1 tag=11
check "--may-exist add-port of an existing port" \
    vsctl --may-exist add-port br0 vnet1 tag=99 other_config:x=y
check_output "--may-exist: tag unchanged" "11" vsctl get Port vnet1 tag
check_output "--may-exist: other_config unchanged" "{}" \
    vsctl get Port vnet1 other_config
check_error "del-port of a missing port" 1 "nosuch0" vsctl del-port nosuch0
check_rc "--if-exists del-port of a missing port" 0 \
    vsctl --if-exists del-port nosuch0
check_rc "br-exists br0" 0 vsctl br-exists br0
check_rc "br-exists of a missing bridge exits 2" 2 vsctl br-exists br9
check_output "add-port with a 15-character name" "abcdefghijklmno" \
    eval 'vsctl add-port br0 abcdefghijklmno && vsctl port-to-br abcdefghijklmno >/dev/null && vsctl get Port abcdefghijklmno name'
check "del-port BRIDGE PORT" vsctl del-port br0 abcdefghijklmno

## Record ids: @name forward references, UUIDs, ".", NetFlow by bridge.

check "netflow with a forward @reference" vsctl -- set Bridge br0 netflow=@nf \
    -- --id=@nf create NetFlow targets=\"127.0.0.1:2055\" active_timeout=60
NF=$(vsctl get Bridge br0 netflow)
check_py "netflow: bridge points to a NetFlow row" '
assert re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", out), out
' vsctl get Bridge br0 netflow
check_sorted "netflow: list NetFlow br0" "_uuid               : $NF
active_timeout      : 60
add_id_to_interface : false
engine_id           : []
engine_type         : []
external_ids        : {}
other_config        : {}
targets             : [\"127.0.0.1:2055\"]" vsctl list NetFlow br0
check_output "netflow: get by bridge name" '["127.0.0.1:2055"]' \
    vsctl get NetFlow br0 targets
check_output "netflow: by UUID" "60" vsctl get NetFlow "$NF" active_timeout

P_UUID=$(vsctl --bare --columns=_uuid list Port vnet1)
check_output "get _uuid" "$P_UUID" vsctl get Port vnet1 _uuid
check_output "record by UUID" "vnet1" vsctl get Port "$P_UUID" name
# The shortest prefix of at least 4 digits that no other Port shares.
all_ports=$(vsctl --bare --columns=_uuid list Port)
n=4
while [ "$(printf '%s\n' "$all_ports" | grep -c "^${P_UUID:0:n}")" != 1 ]; do
    n=$((n + 1))
done
check_output "record by ${n}-digit UUID prefix" "vnet1" \
    vsctl get Port "${P_UUID:0:n}" name
check_error "record by a 3-digit UUID prefix is not accepted" 1 "${P_UUID:0:3}" \
    vsctl get Port "${P_UUID:0:3}" name
check "'.' names the Open_vSwitch row" \
    vsctl set Open_vSwitch . external_ids:system-id=host-1
check_output "get Open_vSwitch . external_ids:system-id" "host-1" \
    vsctl get Open_vSwitch . external_ids:system-id
check_output "Open_vSwitch . bridges has br0" \
    "[$(vsctl get Bridge br0 _uuid)]" vsctl get Open_vSwitch . bridges

## Table and column names.

check_output "list interface (lower case)" "vnet1" \
    vsctl --bare --columns=name list interface vnet1
check_output "list INTERFACE (upper case)" "vnet1" \
    vsctl --bare --columns=name list INTERFACE vnet1
check_output "table prefix: list net" "60" \
    vsctl --bare --columns=active_timeout list net br0
check_output "column with '-' for '_': get port vnet0 vlan-mode" \
    "native-untagged" vsctl get port vnet0 vlan-mode
check_output "column prefix: get Interface vnet0 ext:attached-mac" \
    '"52:54:00:aa:bb:cc"' vsctl get Interface vnet0 ext:attached-mac
check_output "column in capitals: get Port vnet0 TAG" "43" \
    vsctl get Port vnet0 TAG
check_py "exact name wins over prefix: ofport (ofport_request)" '
assert out == "[]" or re.fullmatch(r"-?[0-9]+", out), out
' vsctl get Interface vnet0 ofport
check_error "ambiguous column prefix names the candidates (statistics)" 1 \
    "statistics" vsctl get Interface vnet0 stat
check_error "ambiguous column prefix names the candidates (status)" 1 \
    "status" vsctl get Interface vnet0 stat
check_error "ambiguous table prefix names the candidates (QoS)" 1 "QoS" \
    vsctl list Q
check_error "ambiguous table prefix names the candidates (Queue)" 1 "Queue" \
    vsctl list Q

## Value syntax.

check "set trunks=[10,20]" vsctl set Port vnet1 trunks=[10,20]
check_output "trunks [10,20]" "[10, 20]" vsctl get Port vnet1 trunks
# The shell's trunks="10 20 30": one argument with spaces between values.
check "set trunks=10 20 30 (space-separated)" vsctl set Port vnet1 trunks="10 20 30"
check_output "trunks 10 20 30" "[10, 20, 30]" vsctl get Port vnet1 trunks
check "set trunks=1-4" vsctl set Port vnet1 trunks=1-4
check_output "trunks 1-4" "[1, 2, 3, 4]" vsctl get Port vnet1 trunks
check "set external_ids={}" vsctl set Port vnet1 'external_ids={a=b}' \
    -- set Port vnet1 'external_ids={}'
check_output "external_ids {}" "{}" vsctl get Port vnet1 external_ids
check "add/remove set values" vsctl add Port vnet1 trunks 7 -- \
    remove Port vnet1 trunks 1
check_output "add/remove result" "[2, 3, 4, 7]" vsctl get Port vnet1 trunks

## Output formats (Port vnet1: tag 11, trunks 10 20, external_ids a=b).

check "prepare formats" vsctl set Port vnet1 tag=11 trunks=10,20 \
    external_ids:a=b
cols=--columns=name,tag,trunks,external_ids
check_output "format list, data string" "name                : vnet1
tag                 : 11
trunks              : [10, 20]
external_ids        : {a=b}" vsctl "$cols" list Port vnet1
check_output "format list, data bare" "name                : vnet1
tag                 : 11
trunks              : 10 20
external_ids        : a=b" vsctl --data=bare "$cols" list Port vnet1
check_output "format list, data json" 'name                : "vnet1"
tag                 : 11
trunks              : ["set",[10,20]]
external_ids        : ["map",[["a","b"]]]' vsctl --data=json "$cols" \
    list Port vnet1
check_output "format table" "name  tag trunks   external_ids
----- --- -------- ------------
vnet1 11  [10, 20] {a=b}" \
    eval "vsctl --format=table '$cols' list Port vnet1 | sed 's/ *\$//'"
check_output "format table --no-headings" "vnet1 11 [10, 20] {a=b}" \
    eval "vsctl --format=table --no-headings '$cols' list Port vnet1 | sed 's/ *\$//'"
check_output "format csv, data string" 'name,tag,trunks,external_ids
vnet1,11,"[10, 20]",{a=b}' vsctl --format=csv "$cols" list Port vnet1
check_output "format csv, data bare" 'name,tag,trunks,external_ids
vnet1,11,10 20,a=b' vsctl --format=csv --data=bare "$cols" list Port vnet1
check_py "format json" '
v = json.loads(out)
assert v == {"data": [["vnet1", 11, ["set", [10, 20]], ["map", [["a", "b"]]]]],
             "headings": ["name", "tag", "trunks", "external_ids"]}, v
' vsctl --format=json "$cols" list Port vnet1
check_output "--bare" "vnet1
11" vsctl --bare --columns=name,tag list Port vnet1
check_output "--no-headings (list format)" "vnet1
11" vsctl --no-headings --data=bare --columns=name,tag list Port vnet1
check_output "list of two records: blank line between" "
vnet0
vnet1" eval "vsctl --bare --columns=name find Port name!=tap1 name!=br0 | sort"
check_output "get of a string column (data string)" '"a b,c"' \
    vsctl get Interface vnet0 external_ids:PortData
check_raw "--oneline: each command on one line" $'tap1\\nvnet0\\nvnet1\n\nvnet1\n' \
    vsctl --oneline list-ports br0 -- br-exists br0 -- get Port vnet1 name
check_output "list of an empty set column: []" "[]" vsctl get Bridge br0 mirrors

## --dry-run, --no-wait, show, wait-until.

check "--dry-run add-br" vsctl --dry-run add-br br7
check_rc "--dry-run: bridge not created" 2 vsctl br-exists br7
check "--dry-run set" vsctl --dry-run set Port vnet1 tag=12
check_output "--dry-run: tag unchanged" "11" vsctl get Port vnet1 tag
check "--no-wait add-br" vsctl --no-wait add-br br3
check_rc "--no-wait: bridge exists" 0 vsctl br-exists br3
check "del-br" vsctl del-br br3
check_rc "del-br: bridge gone" 2 vsctl br-exists br3

check_grep "show: UUID first" "^$uuid_re\$" vsctl show
check_grep "show: Bridge br0" '^    Bridge "?br0"?$' vsctl show
check_grep "show: Port vnet1" '^        Port "?vnet1"?$' vsctl show
check_grep "show: tag of vnet1" '^            tag: 11$' vsctl show
check_grep "show: Interface vnet1" '^            Interface "?vnet1"?$' vsctl show

check_rc "wait-until already true" 0 timeout 10 "$VSCTL" wait-until Port vnet1 tag=11
rm -f "$VS_TMP/wait.rc"
( timeout 10 "$VSCTL" wait-until Bridge br5 >/dev/null 2>&1
  echo $? > "$VS_TMP/wait.rc" ) &
wait_pid=$!
sleep 1
if [ -e "$VS_TMP/wait.rc" ]; then
    fail "wait-until: waits while false" "returned $(cat "$VS_TMP/wait.rc") before br5 existed"
else
    pass "wait-until: waits while false"
fi
check "wait-until: add-br br5" vsctl add-br br5
wait "$wait_pid"
check_output "wait-until: returns 0 once true" "0" cat "$VS_TMP/wait.rc"
check "set Bridge br5 external_ids:k=v" vsctl set Bridge br5 external_ids:k=v
check_rc "wait-until on a map key" 0 \
    timeout 10 "$VSCTL" wait-until Bridge br5 external_ids:k=v

## Command options before the first command (no "--").

check_rc "--may-exist add-br br0 without --" 0 vsctl --may-exist add-br br0
check_rc "--if-exists del-br br9 without --" 0 vsctl --if-exists del-br br9
check_output "--columns before the command" "br0" \
    vsctl --columns=name --bare find Bridge name=br0

exit 0
