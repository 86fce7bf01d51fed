#!/bin/bash
# vsctl-errors.sh -- every wrong vsctl command exits non-zero with a
# message naming the problem and leaves the database exactly as it was
# (compared with db_dump before and after); multi-command invocations are
# atomic; and vsctl without a daemon fails promptly.
. "${srcdir:-.}/tests/lib.sh"

vs_start || exit 1

# check_fails NAME SUBSTRING CMD...: CMD must exit 1 with SUBSTRING in its
# standard error, and the database must be unchanged.
check_fails() {
    local name=$1 substr=$2 before after
    shift 2
    before=$(db_dump 2>&1)
    check_error "$name" 1 "$substr" "$@"
    after=$(db_dump 2>&1)
    if [ "$before" = "$after" ]; then
        pass "$name: database unchanged"
    else
        fail "$name: database unchanged" \
             "$(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after"))"
    fi
}

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

# The configuration the errors must not disturb.
check "setup" vsctl add-br br0 -- add-port br0 p1 tag=5 -- add-br br1 \
    -- add-port br1 q1 -- set port p1 qos=@q -- --id=@q create qos \
    type=linux-htb
QOS=$(vsctl get Port p1 qos)
dump=$(db_dump)
# The comparisons below are only worth something if db_dump sees the rows.
for word in br0 br1 p1 q1 linux-htb; do
    case $dump in
        *"$word"*) pass "db_dump shows $word" ;;
        *) fail "db_dump shows $word" "<<$dump>>" ;;
    esac
done

## Names of tables and columns.

check_fails "unknown table (list)" "Nosuch" vsctl list Nosuch
check_fails "unknown table (set)" "Nosuch" vsctl set Nosuch p1 a=b
check_fails "unknown column" "nosuch" vsctl set Port p1 nosuch=1
check_fails "unknown map column key syntax on unknown column" "nosuch" \
    vsctl set Port p1 nosuch:k=v
check_fails "ambiguous column prefix: statistics" "statistics" \
    vsctl set Port p1 stat:x=1
check_fails "ambiguous column prefix: status" "status" \
    vsctl set Port p1 stat:x=1
check_fails "ambiguous table prefix: QoS" "QoS" vsctl set Q "$QOS" type=x
check_fails "ambiguous table prefix: Queue" "Queue" vsctl set Q "$QOS" type=x
check_fails "ambiguous table prefix: Interface/IPFIX" "IPFIX" vsctl list I
check_fails "unknown record" "nosuch" vsctl set Port nosuch tag=1
check_fails "read-only column" "name" vsctl set Bridge br0 name=br2

## Values.

check_fails "tag=5000 out of range" "5000 is not in the valid range" vsctl set Port p1 tag=5000
check_fails "add-port with tag=5000" "5000" vsctl add-port br0 p2 tag=5000
check_fails "trunks=abc" "abc" vsctl set Port p1 trunks=abc
check_fails "trunks=10,abc" "abc" vsctl set Port p1 trunks=10,abc
check_fails "vlan_mode=bogus" "bogus" vsctl set Port p1 vlan_mode=bogus
check_fails "ofport_request=abc" "abc" vsctl set Interface p1 ofport_request=abc
check_fails "ofport_request=0 below minimum" "range" \
    vsctl set Interface p1 ofport_request=0
check_fails "stp_enable=maybe" "maybe" vsctl set Bridge br0 stp_enable=maybe
check_fails "key on a non-map column" "non-map column tag" vsctl set Port p1 tag:x=1
check_fails "two values in a column of at most one" "at most 1" \
    vsctl set Port p1 tag=[1,2]
check_fails "unterminated string" "quoted string" vsctl set Port p1 'external_ids:a="abc'
check_fails "dangling @ref" "@nope" vsctl set port p1 qos=@nope
check_fails "argument without '='" "tag" vsctl set Port p1 tag

## Bridges and ports.

check_fails "add-port to a missing bridge" "br9" vsctl add-port br9 x
check_fails "del-port of a missing port" "nope" vsctl del-port nope
check_fails "del-port BRIDGE of a missing port" "nope" vsctl del-port br0 nope
check_fails "del-port of a port on another bridge" "q1" vsctl del-port br0 q1
check_fails "del-br of a missing bridge" "br9" vsctl del-br br9
check_fails "duplicate port" "p1" vsctl add-port br0 p1
check_fails "port name used on another bridge" "q1" vsctl add-port br0 q1
check_fails "--may-exist add-port of a port on another bridge" "q1" \
    vsctl --may-exist add-port br0 q1
check_fails "duplicate bridge" "br0" vsctl add-br br0
check_fails "port named like a bridge" "br1" vsctl add-port br0 br1
check_fails "bridge named like a port" "p1" vsctl add-br p1
check_fails "invalid bridge name with a space" "a b" vsctl add-br "a b"
check_fails "invalid port name with a slash" "x/y" vsctl add-port br0 x/y
check_fails "16-character port name" "abcdefghijklmnop" \
    vsctl add-port br0 abcdefghijklmnop
check_fails "16-character bridge name" "abcdefghijklmnop" \
    vsctl add-br abcdefghijklmnop
check_fails "empty port name" "invalid interface name" vsctl add-port br0 ""
check_fails "del-port of the bridge's local port" "br0" vsctl del-port br0 br0

## Commands and options.

check_fails "unknown command" "frobnicate" vsctl frobnicate
check_fails "unknown command after a good one" "frobnicate" \
    vsctl add-br br5 -- frobnicate
check_fails "missing arguments to add-port" "add-port" vsctl add-port br0
check_fails "missing arguments to set" "set" vsctl set Port
check_fails "too many arguments to del-br" "del-br" vsctl del-br br0 br1
check_fails "bad option for a command" "--may-exist" \
    vsctl --may-exist del-br br0
check_fails "bad option after --" "--may-exist" \
    vsctl -- --may-exist del-port p1
check_fails "unknown global option" "--frobnicate" vsctl --frobnicate list-br
check_fails "bad --format" "xml" vsctl --format=xml list Bridge
check_fails "no command" "missing command" vsctl
check_fails "--id without @" "@" vsctl -- --id=q create Queue dscp=1

## Atomicity: the last command fails, nothing of the earlier ones stays.

check_fails "atomic: add-br, add-port, then a bad tag" "9999" \
    vsctl add-br br5 -- add-port br5 p5 -- set Port p5 tag=9999
check_rc "atomic: br5 was not created" 2 vsctl br-exists br5
check_fails "atomic: set then del-port of a missing port" "nope" \
    vsctl set Port p1 tag=7 -- add-port br0 p7 -- del-port nope
check_output "atomic: tag still 5" "5" vsctl get Port p1 tag
check_fails "atomic: destroy then an unknown column" "nosuch" \
    vsctl clear Port p1 qos -- destroy qos "$QOS" -- set Port p1 nosuch=1
check_output "atomic: qos still set" "$QOS" vsctl get Port p1 qos
check_fails "atomic: create then a dangling reference" "@gone" \
    vsctl -- --id=@q create Queue dscp=3 -- set Port p1 qos=@gone

## Referential integrity and constraints.

check_fails "destroy of a referenced QoS" "$QOS" vsctl destroy qos "$QOS"
check_fails "destroy of a referenced Interface" "reference" \
    vsctl destroy Interface p1
check_fails "clear of a required column (Port.interfaces)" "interfaces" \
    vsctl clear Port p1 interfaces
check_fails "remove the last interface of a port" "interfaces" \
    vsctl remove Port p1 interfaces "$(vsctl get Interface p1 _uuid)"

## create in a non-root table with nothing referencing it: succeeds, but
## the row is garbage-collected.

# (The transaction did insert a row, so next_cfg may be bumped as in OVS:
# compare everything but the Open_vSwitch row's cfg counters.)
dump_but_cfg() {
    db_dump | sed '/^== Open_vSwitch/,/^== Bridge/{/^== Bridge/!d}'
    vsctl --columns=bridges,external_ids,other_config list Open_vSwitch
}
before=$(dump_but_cfg)
out=$(vsctl create NetFlow 'targets="127.0.0.1:2055"' 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
    pass "create of an unreferenced NetFlow succeeds"
else
    fail "create of an unreferenced NetFlow succeeds" "exit $rc: $out"
fi
check_output "unreferenced NetFlow is garbage-collected" "" vsctl list NetFlow
check_output "unreferenced NetFlow: database otherwise unchanged" "$before" \
    dump_but_cfg
# QoS is a root table: an unreferenced QoS stays.
out=$(vsctl create QoS type=linux-hfsc 2>/dev/null)
check_output "unreferenced QoS (root table) is kept" "linux-hfsc" \
    vsctl get QoS "$out" type
check "destroy it" vsctl destroy QoS "$out"

## No daemon.

mkdir -p "$VS_TMP/empty"
start=$(date +%s)
check_error "no daemon: database connection failed" 1 \
    "database connection failed" \
    env VSWITCH_RUNDIR="$VS_TMP/empty" timeout 10 "$VSCTL" list-br
check_error "no daemon, --timeout=5: fails" 1 "database connection failed" \
    env VSWITCH_RUNDIR="$VS_TMP/empty" timeout 10 "$VSCTL" --timeout=5 add-br brx
check_error "--db=unix:missing socket" 1 "database connection failed" \
    timeout 10 "$VSCTL" --db=unix:"$VS_TMP/empty/db.sock" list-br
elapsed=$(( $(date +%s) - start ))
if [ "$elapsed" -le 5 ]; then
    pass "no daemon: fails promptly"
else
    fail "no daemon: fails promptly" "took ${elapsed}s"
fi
check_rc "the real daemon still answers" 0 vsctl br-exists br0

exit 0
