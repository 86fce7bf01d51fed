#!/bin/bash
# ovsdb-client.sh -- the real ovsdb-client (Debian openvswitch-common)
# against vswitchd's database socket: list-dbs, get-schema, list-tables,
# dump and transact, and changes made through it seen by vsctl.
. "${srcdir:-.}/tests/lib.sh"

if ! command -v ovsdb-client >/dev/null 2>&1; then
    skip "ovsdb-client" "ovsdb-client is not installed (openvswitch-common)"
    exit 0
fi

vs_start || exit 1
DB=unix:$VSWITCH_RUNDIR/db.sock
oc() { timeout 20 ovsdb-client "$@"; }

check "setup: vsctl add-br br0" timeout 10 "$VSCTL" --timeout=5 add-br br0
check "setup: vsctl add-port br0 p1" \
    timeout 10 "$VSCTL" --timeout=5 --no-wait add-port br0 p1

# --------------------------------------------------------------------------
check_output "ovsdb-client list-dbs" "Open_vSwitch" oc list-dbs "$DB"

oc get-schema "$DB" >"$VS_TMP/schema.json" 2>"$VS_TMP/schema.err"
rc=$?
check_output "ovsdb-client get-schema: valid JSON named Open_vSwitch" \
    "Open_vSwitch" python3 -c '
import json, sys
print(json.load(open(sys.argv[1]))["name"])' "$VS_TMP/schema.json"
[ $rc -eq 0 ] || fail "ovsdb-client get-schema: exit status" \
    "exit $rc: $(cat "$VS_TMP/schema.err")"
check_output "ovsdb-client get-schema Open_vSwitch (explicit database)" \
    "Open_vSwitch" sh -c "timeout 20 ovsdb-client get-schema '$DB' \
        Open_vSwitch | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"name\"])'"
check_true "ovsdb-client get-schema-version prints a version" \
    sh -c "timeout 20 ovsdb-client get-schema-version '$DB' Open_vSwitch \
        | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$'"

out=$(oc list-tables "$DB" Open_vSwitch 2>&1)
rc=$?
missing=
for t in Open_vSwitch Bridge Port Interface Mirror NetFlow sFlow IPFIX QoS \
         Queue; do
    echo "$out" | grep -qw "$t" || missing="$missing $t"
done
if [ $rc -eq 0 ] && [ -z "$missing" ]; then
    pass "ovsdb-client list-tables"
else
    fail "ovsdb-client list-tables" "exit $rc, missing:$missing; <<$out>>"
fi
check_true "ovsdb-client list-columns Open_vSwitch Bridge shows name" \
    sh -c "timeout 20 ovsdb-client list-columns '$DB' Open_vSwitch Bridge \
        | grep -qw external_ids"

# --------------------------------------------------------------------------
oc dump "$DB" Open_vSwitch >"$VS_TMP/dump.txt" 2>"$VS_TMP/dump.err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^Bridge table' "$VS_TMP/dump.txt" \
        && grep -q '^Port table' "$VS_TMP/dump.txt" \
        && grep -q '^Open_vSwitch table' "$VS_TMP/dump.txt" \
        && grep -q 'br0' "$VS_TMP/dump.txt" \
        && grep -q 'p1' "$VS_TMP/dump.txt"; then
    pass "ovsdb-client dump shows the Bridge table with br0"
else
    fail "ovsdb-client dump shows the Bridge table with br0" \
        "exit $rc: $(head -c 2000 "$VS_TMP/dump.txt") $(cat "$VS_TMP/dump.err")"
fi
check_true "ovsdb-client dump Open_vSwitch Bridge name" \
    sh -c "timeout 20 ovsdb-client dump '$DB' Open_vSwitch Bridge name \
        | grep -qx 'br0'"
check_output "ovsdb-client -f json dump Bridge name: rows" '[["br0"]]' \
    sh -c "timeout 20 ovsdb-client -f json dump '$DB' Open_vSwitch Bridge name \
        | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[\"data\"]).replace(\" \",\"\"))'"

# --------------------------------------------------------------------------
# transact: select.
sel='["Open_vSwitch",{"op":"select","table":"Bridge","where":[["name","==","br0"]],"columns":["name"]}]'
check_output "ovsdb-client transact select returns the row" \
    '[{"rows":[{"name":"br0"}]}]' \
    sh -c "timeout 20 ovsdb-client transact '$DB' '$sel' \
        | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)).replace(\" \",\"\"))'"

# transact: insert a bridge (referenced from the root row, so that it is
# not garbage collected) with an external id, then see it through vsctl.
ins='["Open_vSwitch",
 {"op":"insert","table":"Bridge","uuid-name":"nb",
  "row":{"name":"br9","external_ids":["map",[["owner","ovsdb-client"]]]}},
 {"op":"mutate","table":"Open_vSwitch","where":[],
  "mutations":[["bridges","insert",["set",[["named-uuid","nb"]]]]]}]'
oc transact "$DB" "$ins" >"$VS_TMP/ins.out" 2>"$VS_TMP/ins.err"
rc=$?
check_output "ovsdb-client transact insert+mutate succeeds" "uuid count=1" \
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
ok = (len(r) == 2 and r[0]["uuid"][0] == "uuid"
      and "error" not in r[0] and "error" not in r[1])
print("uuid count=%d" % r[1]["count"] if ok else "bad %s" % r)' "$VS_TMP/ins.out"
[ $rc -eq 0 ] || fail "ovsdb-client transact insert: exit status" \
    "exit $rc: $(cat "$VS_TMP/ins.err")"
check_output "vsctl list-br sees the bridge inserted by ovsdb-client" "br0
br9" vsctl list-br
check_output "vsctl get sees its external id" "ovsdb-client" \
    vsctl get Bridge br9 external_ids:owner
check_output "vsctl br-get-external-id sees it too" "ovsdb-client" \
    vsctl br-get-external-id br9 owner

# transact: update, then vsctl sees it.
upd='["Open_vSwitch",{"op":"update","table":"Bridge","where":[["name","==","br9"]],"row":{"fail_mode":"secure"}}]'
check_output "ovsdb-client transact update" '[{"count":1}]' \
    sh -c "timeout 20 ovsdb-client transact '$DB' '$upd' | tr -d ' '"
check_output "vsctl get-fail-mode sees the update" "secure" \
    vsctl get-fail-mode br9

# A change made by vsctl is seen by ovsdb-client.
check "vsctl set Bridge br0 external-ids" \
    vsctl --no-wait set Bridge br0 external-ids:from=vsctl
sel2='["Open_vSwitch",{"op":"select","table":"Bridge","where":[["name","==","br0"]],"columns":["external_ids"]}]'
check_output "ovsdb-client transact select sees the vsctl change" \
    '[{"rows":[{"external_ids":["map",[["from","vsctl"]]]}]}]' \
    sh -c "timeout 20 ovsdb-client transact '$DB' '$sel2' \
        | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)).replace(\" \",\"\"))'"

# transact errors: an unknown table is an error result, nothing changes.
before=$(db_dump)
bad='["Open_vSwitch",{"op":"insert","table":"NoSuchTable","row":{}}]'
out=$(timeout 20 ovsdb-client transact "$DB" "$bad" 2>&1)
if echo "$out" | grep -q '"error"' && echo "$out" | grep -qi 'NoSuchTable\|unknown table\|no table'; then
    pass "ovsdb-client transact on an unknown table reports an error"
else
    fail "ovsdb-client transact on an unknown table reports an error" "<<$out>>"
fi
check_output "failed transact left the database unchanged" "$before" db_dump
out=$(timeout 20 ovsdb-client transact "$DB" \
      '["NoSuchDb",{"op":"comment","comment":"x"}]' 2>&1)
rc=$?
if [ $rc -ne 0 ] || echo "$out" | grep -qi 'unknown database\|NoSuchDb'; then
    pass "ovsdb-client transact on an unknown database fails"
else
    fail "ovsdb-client transact on an unknown database fails" \
        "exit $rc <<$out>>"
fi

# The inserted data survives a restart.
vs_stop
vs_start || exit 1
check_output "after restart ovsdb-client still sees br9" "br9" \
    sh -c "timeout 20 ovsdb-client dump '$DB' Open_vSwitch Bridge name \
        | grep -x br9"

vs_stop
exit 0
