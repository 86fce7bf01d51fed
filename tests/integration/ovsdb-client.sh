#!/bin/bash
# ovsdb-client.sh -- the real ovsdb-client (Debian openvswitch-common)
# against vswitchd's database socket: list-dbs, get-schema, list-tables,
# dump and transact, and changes made through it seen by vsctl; monitors
# (monitor, monitor-cond, monitor-cond-since) following vsctl's changes;
# raw JSON-RPC for monitor errors, monitor_cancel and a slow client; and
# the real ovs-vsctl (list-br, add-br, show...) against the daemon.
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

# --------------------------------------------------------------------------
# Monitors: "monitor" (RFC 7047 section 4.1.5), the Open vSwitch
# "monitor_cond" / "monitor_cond_since" extensions, "monitor_cancel", and
# the updates they push after every commit, seen through the real
# ovsdb-client and ovs-vsctl.  Each ovsdb-client monitor runs in the
# background under timeout; its output is checked once the changes made
# with vsctl have appeared in it.

# mon_start NAME ARGS...: runs "ovsdb-client ARGS..." in the background,
# output in $VS_TMP/NAME.out, and waits for its initial view.
mon_start() {
    local name=$1
    shift
    timeout 30 ovsdb-client "$@" >"$VS_TMP/$name.out" 2>"$VS_TMP/$name.err" &
    eval "MON_$name=$!"
    on_exit "kill $! 2>/dev/null"
    wait_for 10 grep -q . "$VS_TMP/$name.out"
}
mon_stop() {
    local pid
    eval "pid=\$MON_$1"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
# mon_rows NAME: the rows of a table-format output, without the row UUID
# and with single spaces: "initial br0", or "old ..." then "new ...".
mon_rows() {
    awk '$1 ~ /^[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-/ { $1 = ""; sub(/^ /, ""); print;
                                             next }
         /^ +new / { $1 = $1; print }' "$VS_TMP/$1.out"
}

mon_start plain monitor "$DB" Open_vSwitch Bridge name
check "vsctl add-br brM while monitored" vsctl --no-wait add-br brM
check "vsctl del-br brM while monitored" vsctl --no-wait del-br brM
wait_for 10 grep -q 'delete brM' <(mon_rows plain)
mon_stop plain
check_output "ovsdb-client monitor Bridge name: the initial rows" \
"initial br0
initial br9" sh -c "grep '^initial' | sort" < <(mon_rows plain)
check_output "ovsdb-client monitor Bridge name: then a line per change" \
"insert brM
delete brM" grep -v '^initial' < <(mon_rows plain)

# A modification of an unmonitored column sends nothing; of a monitored
# one, "old" (the changed columns) and "new" (all of them).
mon_start cols monitor "$DB" Open_vSwitch Bridge name,fail_mode
check "vsctl set external_ids (not monitored)" \
    vsctl --no-wait set Bridge br0 external_ids:m=a
check "vsctl set-fail-mode (monitored)" vsctl --no-wait set-fail-mode br0 secure
wait_for 10 grep -q 'new.*secure' "$VS_TMP/cols.out"
mon_stop cols
check_output "ovsdb-client monitor: only the monitored change, old and new" \
"old []
new br0 secure" grep -v '^initial' < <(mon_rows cols)

# --format=json and ALL: every table, each update a JSON object per table.
mon_start all --format=json monitor "$DB" Open_vSwitch ALL
check "vsctl add-port br0 pM while monitoring ALL" \
    vsctl --no-wait add-port br0 pM
wait_for 10 grep -q '"insert".*"pM"' "$VS_TMP/all.out"
mon_stop all
check_output "ovsdb-client --format=json monitor ALL: initial and inserts" \
"Bridge initial br0
Interface insert pM
Port insert pM" python3 -c '
import json, sys
seen = set()
for line in open(sys.argv[1]):
    t = json.loads(line)
    names = t["headings"].index("name") if "name" in t["headings"] else None
    for row in t["data"]:
        if names is not None and row[1] in ("initial", "insert") \
                and row[names] in ("br0", "pM"):
            seen.add("%s %s %s" % (t["caption"], row[1], row[names]))
print("\n".join(sorted(s for s in seen if not s.startswith("Port initial")
                        and not s.startswith("Interface initial"))))' \
    "$VS_TMP/all.out"

# monitor_cond ("update2"): a map modification shows the difference.
mon_start cond monitor-cond "$DB" Open_vSwitch '[true]' Bridge name,external_ids
check "vsctl set external_ids while monitor-cond" \
    vsctl --no-wait set Bridge br0 external_ids:m=b external_ids:n=c
wait_for 10 grep -q 'modify' "$VS_TMP/cond.out"
mon_stop cond
check_output "ovsdb-client monitor-cond: initial, then the map difference" \
"initial br0 {from=vsctl, m=a}
modify {m=b, n=c}" grep -E '^initial br0|^modify' < <(mon_rows cond)

# monitor_cond_since: no history is kept, so "not found" and a full view.
mon_start since monitor-cond-since "$DB" Open_vSwitch '[true]' Bridge name
check "vsctl add-br brS while monitor-cond-since" vsctl --no-wait add-br brS
wait_for 10 grep -q 'insert brS' "$VS_TMP/since.out"
mon_stop since
check_true "ovsdb-client monitor-cond-since: found false, then updates" \
    sh -c "grep -q 'found: false' '$VS_TMP/since.out' \
        && grep -q 'initial br0' '$VS_TMP/since.out' \
        && grep -q 'insert brS' '$VS_TMP/since.out'"
vsctl --no-wait del-br brS

# Raw JSON-RPC: error replies for bad requests, monitor_cancel, and a
# client that stops reading being dropped without blocking the daemon.
cat >"$VS_TMP/rpc.py" <<'EOF'
import json, socket, sys, time

class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = ""
        self.dec = json.JSONDecoder()
        self.next_id = 0

    def send(self, method, params):
        self.next_id += 1
        self.s.sendall(json.dumps({"method": method, "params": params,
                                   "id": self.next_id}).encode())
        return self.next_id

    def recv(self, timeout=10):
        self.s.settimeout(timeout)
        while True:
            text = self.buf.lstrip()
            if text:
                try:
                    msg, end = self.dec.raw_decode(text)
                    self.buf = text[end:]
                    return msg
                except ValueError:
                    pass
            data = self.s.recv(1 << 20)
            if not data:
                return None
            self.buf += data.decode()

    def call(self, method, params):
        i = self.send(method, params)
        while True:
            msg = self.recv()
            if msg is None or msg.get("id") == i:
                return msg

def errors(path):
    c = Conn(path)
    req = {"Bridge": {"columns": ["name"]}}
    for params in (["Open_vSwitch", "m", {"NoTable": {}}],
                   ["Open_vSwitch", "m", {"Bridge": {"columns": ["nocol"]}}],
                   ["Open_vSwitch", "m", {"Bridge": {"columns": ["name",
                                                                 "name"]}}],
                   ["NoDb", "m", req]):
        r = c.call("monitor", params)
        print(r["error"]["error"])
    r = c.call("monitor_cond", ["Open_vSwitch", "m", req])
    print("ok" if r["error"] is None else r["error"])
    r = c.call("monitor", ["Open_vSwitch", "m", req])
    print(r["error"]["error"])
    r = c.call("monitor_cancel", ["m"])
    print("cancelled" if r["result"] == {} else r)
    r = c.call("monitor_cancel", ["m"])
    print(r["error"]["error"])
    r = c.call("no_such_method", [])
    print(r["error"]["error"])

def cancel(path, vsctl):
    import subprocess
    c = Conn(path)
    r = c.call("monitor", ["Open_vSwitch", 7, {"Bridge": {"columns":
                                                          ["name"]}}])
    subprocess.run([vsctl, "--no-wait", "add-br", "brC"], check=True)
    msg = c.recv()
    print(msg["method"], list(msg["params"][1]["Bridge"].values())[0]["new"]["name"])
    c.call("monitor_cancel", [7])
    subprocess.run([vsctl, "--no-wait", "del-br", "brC"], check=True)
    # Nothing arrives for the cancelled monitor; an echo comes back next.
    r = c.call("echo", ["x"])
    print("echo", r["result"], "buffered:", repr(c.buf.strip()))

def slow(path):
    slow = Conn(path)
    r = slow.call("monitor", ["Open_vSwitch", None,
                              {"Bridge": {"columns": ["external_ids"]}}])
    fast = Conn(path)
    big = "x" * (3 << 20)
    start = time.time()
    for i in range(6):
        op = {"op": "mutate", "table": "Bridge",
              "where": [["name", "==", "br0"]],
              "mutations": [["external_ids", "insert",
                             ["map", [["big%d" % i, big]]]]]}
        r = fast.call("transact", ["Open_vSwitch", op])
        assert r["error"] is None and "error" not in r["result"][0], r
    print("writer not blocked" if time.time() - start < 20 else "slow")
    # The slow client got part of the updates, then the connection closed.
    n = 0
    try:
        while True:
            msg = slow.recv(timeout=5)
            if msg is None:
                break
            n += 1
    except (ValueError, socket.timeout, ConnectionResetError):
        pass
    print("dropped" if n < 6 else "not dropped (%d updates)" % n)
    op = {"op": "mutate", "table": "Bridge", "where": [["name", "==", "br0"]],
          "mutations": [["external_ids", "delete",
                         ["set", ["big%d" % i for i in range(6)]]]]}
    r = fast.call("transact", ["Open_vSwitch", op])
    print("cleaned", r["result"][0]["count"])

globals()[sys.argv[1]](*sys.argv[2:])
EOF
check_output "bad monitor requests get RFC 7047 errors; cancel works" \
"unknown table
unknown column
syntax error
unknown database
ok
duplicate monitor ID
cancelled
unknown monitor
unknown method" python3 "$VS_TMP/rpc.py" errors "$VSWITCH_RUNDIR/db.sock"
check_output "monitor_cancel stops the updates" \
"update brC
echo ['x'] buffered: ''" \
    python3 "$VS_TMP/rpc.py" cancel "$VSWITCH_RUNDIR/db.sock" "$VSCTL"
check_output "a monitoring client that does not read is dropped" \
"writer not blocked
dropped
cleaned 1" python3 "$VS_TMP/rpc.py" slow "$VSWITCH_RUNDIR/db.sock"
check_true "the daemon logged dropping the slow client" \
    sh -c "grep -q 'dropping connection' '$VSWITCH_RUNDIR/vswitchd.log'"
check_output "the daemon still serves after dropping it" "br0
br9" vsctl list-br

# The real ovs-vsctl: its IDL monitors with monitor_cond and follows the
# updates (without --no-wait it waits for cur_cfg to catch up).
# tools/install-deps unpacks the client into tests/ovs-client/ when Open
# vSwitch is not installed.
OVS_VSCTL=$(command -v ovs-vsctl 2>/dev/null)
if [ -z "$OVS_VSCTL" ] && [ -x "${srcdir:-.}/tests/ovs-client/ovs-vsctl" ]; then
    OVS_VSCTL=${srcdir:-.}/tests/ovs-client/ovs-vsctl
fi
if [ -n "$OVS_VSCTL" ]; then
    ovsv() { timeout 20 "$OVS_VSCTL" --db="$DB" "$@" 2>"$VS_TMP/ovsv.err"; }
    check_output "ovs-vsctl --no-wait list-br" "br0
br9" ovsv --no-wait list-br
    check "ovs-vsctl --no-wait add-br brX" ovsv --no-wait add-br brX
    check_output "vsctl sees the bridge added by ovs-vsctl" "br0
br9
brX" vsctl list-br
    check_true "ovs-vsctl show lists the bridges and ports" \
        sh -c "timeout 20 '$OVS_VSCTL' --db='$DB' show 2>/dev/null \
            | grep -q 'Bridge brX' && timeout 20 '$OVS_VSCTL' --db='$DB' show \
            2>/dev/null | grep -q 'Port pM'"
    check "ovs-vsctl add-br brW (waits for the daemon)" ovsv add-br brW
    check "ovs-vsctl set + br-set-external-id" \
        ovsv br-set-external-id brW k v
    check_output "ovs-vsctl br-get-external-id" "v" \
        ovsv br-get-external-id brW k
    check "ovs-vsctl del-br brW brX" sh -c "timeout 20 '$OVS_VSCTL' --db='$DB' \
        del-br brW 2>/dev/null && timeout 20 '$OVS_VSCTL' --db='$DB' --no-wait \
        del-br brX 2>/dev/null"
    check_output "vsctl sees ovs-vsctl's deletions" "br0
br9" vsctl list-br
else
    skip "ovs-vsctl against vswitchd" "no ovs-vsctl: openvswitch-switch is not installed and tools/install-deps could not unpack its client"
fi

# The inserted data survives a restart.
vs_stop
vs_start || exit 1
check_output "after restart ovsdb-client still sees br9" "br9" \
    sh -c "timeout 20 ovsdb-client dump '$DB' Open_vSwitch Bridge name \
        | grep -x br9"

vs_stop
exit 0
