#!/bin/bash
# durability.sh -- every acknowledged transaction survives kill -9, a torn
# or corrupt journal tail is dropped (with a log message, after copying the
# file aside) without losing complete records, damage followed by intact
# records stops the daemon from starting unless --recover-db is given, and
# compaction keeps everything.
. "${srcdir:-.}/tests/lib.sh"

ROUNDS=${DURABILITY_ROUNDS:-20}
CONF=$VSWITCH_DBDIR/conf.db
LOG=$VSWITCH_RUNDIR/vswitchd.log

wait_gone() {
    local pid=$1
    for _ in $(seq 200); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    return 1
}

# Prints "name external_ids:k" for every bridge, one per line, sorted.
bridges_state() {
    "$VSCTL" --format=json --columns=name,external_ids list Bridge \
        | python3 -c '
import json, sys
d = json.load(sys.stdin)
h = d["headings"]
ni, ei = h.index("name"), h.index("external_ids")
for row in d["data"]:
    m = dict(row[ei][1]) if row[ei][0] == "map" else {}
    print(row[ni], m.get("k", "-"))' | sort
}

# verify ACKED STATE: every acknowledged change in ACKED is in STATE.
# Prints "ok N" or the first few missing changes.
VERIFY_PY=$VS_TMP/verify.py
cat >"$VERIFY_PY" <<'EOF'
import sys
acked = [l.split() for l in open(sys.argv[1]) if l.strip()]
state = {}
for l in open(sys.argv[2]):
    f = l.split()
    if len(f) == 2:
        state[f[0]] = f[1]
missing = []
for a in acked:
    if a[0] == "add" and a[1] not in state:
        missing.append("bridge %s" % a[1])
    elif a[0] == "set" and state.get(a[1]) != a[2]:
        missing.append("%s external_ids:k=%s (have %s)"
                       % (a[1], a[2], state.get(a[1])))
if missing:
    print("missing %d of %d acknowledged changes: %s"
          % (len(missing), len(acked), "; ".join(missing[:5])))
else:
    print("ok %d" % len(acked))
EOF

# The writer: adds bridges and sets an external id on each, recording every
# command that exited 0 (acknowledged) in $1.  Stops at the first failure.
writer() {
    local acked=$1 round=$2 i name
    for ((i = 0; i < 5000; i++)); do
        name=br${round}x$i
        "$VSCTL" --timeout=5 --no-wait add-br "$name" >/dev/null 2>&1 \
            || break
        echo "add $name" >>"$acked"
        "$VSCTL" --timeout=5 --no-wait set Bridge "$name" \
            external-ids:k=v$i >/dev/null 2>&1 || break
        echo "set $name v$i" >>"$acked"
    done
}

# ---------------------------------------------------------------------------
# kill -9 at random moments during a stream of writes.
ACKED=$VS_TMP/acked
: >"$ACKED"
restart_fail=0 verify_fail=0
for ((r = 1; r <= ROUNDS; r++)); do
    if ! vs_start >"$VS_TMP/start.out" 2>&1; then
        fail "kill -9 round $r: daemon starts and loads the database" \
            "$(cat "$VS_TMP/start.out"); log tail: $(tail -5 "$LOG")"
        restart_fail=$((restart_fail + 1))
        break
    fi
    # What was acknowledged before this restart must be there now.
    bridges_state >"$VS_TMP/state" 2>"$VS_TMP/state.err"
    res=$(python3 "$VERIFY_PY" "$ACKED" "$VS_TMP/state")
    case $res in
        ok*) ;;
        *) fail "kill -9 round $r: acknowledged changes survive" "$res $(cat "$VS_TMP/state.err")"
           verify_fail=$((verify_fail + 1)) ;;
    esac

    pid=$(vs_pid)
    writer "$ACKED" "$r" &
    wpid=$!
    ms=$((50 + RANDOM % 251))
    sleep "$(printf '0.%03d' "$ms")"
    kill -KILL "$pid"
    wait "$wpid"
    wait_gone "$pid"
done
[ $restart_fail -eq 0 ] && pass "kill -9: daemon restarted and loaded the database $ROUNDS times"
[ $verify_fail -eq 0 ] && [ $restart_fail -eq 0 ] \
    && pass "kill -9: every acknowledged change was present after every restart"

# Final restart and check.
check "kill -9: final restart" vs_start
bridges_state >"$VS_TMP/state"
check_output "kill -9: all $(wc -l <"$ACKED") acknowledged changes present" \
    "ok $(wc -l <"$ACKED")" python3 "$VERIFY_PY" "$ACKED" "$VS_TMP/state"
check_true "kill -9: the writers got changes acknowledged ($(wc -l <"$ACKED"))" \
    test "$(wc -l <"$ACKED")" -ge "$ROUNDS"
check_true "kill -9: no compaction temp file left behind" test ! -e "$CONF.tmp"
vs_stop

# ---------------------------------------------------------------------------
# Torn and corrupt tails.  Start from a small fresh database.
export VSWITCH_DBDIR=$VS_TMP/db-tail
CONF=$VSWITCH_DBDIR/conf.db
vs_start || exit 1
check "tail: setup" timeout 10 "$VSCTL" --timeout=5 --no-wait add-br a0 \
    -- add-br a1 -- br-set-external-id a1 k v1
vs_stop
bridges_state_offline() {
    vs_start >/dev/null 2>&1 || { echo "START FAILED"; return; }
    bridges_state
    vs_stop
}
good_state="a0 -
a1 v1"
good_size=$(stat -c %s "$CONF")
cp "$CONF" "$VS_TMP/good.db"

# dbcheck FILE: prints "ok" if FILE is a well-formed journal (header, then
# complete records with good checksums up to the very end), else why not.
DBCHECK_PY=$VS_TMP/dbcheck.py
cat >"$DBCHECK_PY" <<'EOF2'
import sys, zlib
data = open(sys.argv[1], "rb").read()
magic = b"VSWITCH-DB 1\n"
if not data.startswith(magic):
    print("bad magic"); sys.exit()
ofs, n = len(magic), 0
while ofs < len(data):
    nl = data.find(b"\n", ofs)
    hdr = data[ofs:nl].split()
    if nl < 0 or len(hdr) != 3 or hdr[0] != b"REC":
        print("bad header at %d" % ofs); sys.exit()
    length, crc = int(hdr[1]), int(hdr[2], 16)
    body = data[nl + 1:nl + 1 + length]
    if len(body) != length or data[nl + 1 + length:nl + 2 + length] != b"\n":
        print("short record at %d" % ofs); sys.exit()
    if zlib.crc32(body) != crc:
        print("bad crc at %d" % ofs); sys.exit()
    ofs = nl + 2 + length
    n += 1
print("ok")
EOF2
dbcheck() { python3 "$DBCHECK_PY" "$1"; }

log_mark() { wc -l <"$LOG" 2>/dev/null || echo 0; }
new_log() { tail -n +"$(($1 + 1))" "$LOG"; }

# copies: the names of the damaged-file copies next to the database.
copies() { ls "$VSWITCH_DBDIR" | grep '^conf\.db\.damaged-' || true; }

# 1. A partial record appended (a write torn by a crash).
printf 'REC 120 1a2b3c4d\n{"Bridge":{"3f1' >>"$CONF"
cp "$CONF" "$VS_TMP/torn.db"
mark=$(log_mark)
check "tail: daemon starts with a torn record at the end" vs_start
check_true "tail: log reports the dropped torn tail" \
    sh -c "tail -n +$((mark + 1)) '$LOG' | grep -Eqi 'torn|dropped'"
copy=$(copies)
check_true "tail: the torn file is copied aside first ($copy)" \
    cmp -s "$VSWITCH_DBDIR/$copy" "$VS_TMP/torn.db"
check_true "tail: the log error counts the bytes and names the copy" \
    sh -c "tail -n +$((mark + 1)) '$LOG' | grep -F '|ERR|' \
           | grep -F 'dropped 32 bytes of torn tail' | grep -qF '$copy'"
rm -f "$VSWITCH_DBDIR/$copy"
check_output "tail: complete records kept after torn record" "$good_state" \
    bridges_state
check_true "tail: the file keeps every complete record" \
    cmp -s -n "$good_size" "$CONF" "$VS_TMP/good.db"
check_output "tail: the torn bytes are gone from the file" "ok" dbcheck "$CONF"
check "tail: a write after the repair" \
    timeout 10 "$VSCTL" --timeout=5 --no-wait br-set-external-id a0 k v2
vs_stop
check_output "tail: the write after the repair survives a restart" "a0 v2
a1 v1" bridges_state_offline

# 2. Random garbage appended.
cp "$VS_TMP/good.db" "$CONF"
head -c 300 /dev/urandom >>"$CONF"
mark=$(log_mark)
check "tail: daemon starts with garbage at the end" vs_start
check_true "tail: log reports the dropped garbage" \
    sh -c "tail -n +$((mark + 1)) '$LOG' | grep -Eqi 'torn|dropped'"
check_output "tail: complete records kept after garbage" "$good_state" \
    bridges_state
vs_stop

# 3. The last record truncated in its middle: only that record is lost.
cp "$VS_TMP/good.db" "$CONF"
vs_start >/dev/null 2>&1
timeout 10 "$VSCTL" --timeout=5 --no-wait add-br last0 >/dev/null 2>&1
vs_stop
# Offset where the last record starts, and whether it holds "last0".
read -r last_ofs last_has < <(python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
i = data.rfind(b"\nREC ")
print(i + 1, int(b"last0" in data[i:]))' "$CONF")
size=$(stat -c %s "$CONF")
truncate -s $(( (last_ofs + size) / 2 )) "$CONF"
cp "$CONF" "$VS_TMP/half.db"
mark=$(log_mark)
check "tail: daemon starts with the last record cut in half" vs_start
check_true "tail: log reports the dropped half record" \
    sh -c "tail -n +$((mark + 1)) '$LOG' | grep -Eqi 'torn|dropped'"
check_true "tail: records before the half record kept in the file" \
    cmp -s -n "$last_ofs" "$CONF" "$VS_TMP/half.db"
check_output "tail: the half record is gone from the file" "ok" dbcheck "$CONF"
if [ "$last_has" = 1 ]; then
    check_output "tail: records before the half record kept, it is gone" \
        "$good_state" bridges_state
else
    check_true "tail: records before the half record kept" \
        sh -c "'$VSCTL' list-br | grep -qx a0 && '$VSCTL' list-br | grep -qx a1"
fi
vs_stop

# 4. A complete last record with a bad checksum (bit rot / torn sector).
cp "$VS_TMP/good.db" "$CONF"
vs_start >/dev/null 2>&1
timeout 10 "$VSCTL" --timeout=5 --no-wait add-br crc0 >/dev/null 2>&1
vs_stop
python3 - "$CONF" <<'EOF'
import sys
p = sys.argv[1]
data = bytearray(open(p, "rb").read())
# The daemon records the new bridge's interface state right after the
# add-br; make the add-br record the last one, then corrupt it.
k = data.index(b"crc0")               # first mention: the add-br record
i = data.rfind(b"\nREC ", 0, k) + 1
j = data.index(b"\n", i) + 1          # start of its JSON
n = int(data[i:j].split()[1])
del data[j + n + 1:]                  # drop the records after it
data[k] = ord("X")                    # flip a byte inside the name
open(p, "wb").write(data)
EOF
mark=$(log_mark)
check "tail: daemon starts with a bad checksum on the last record" vs_start
check_true "tail: log reports the corrupt record" \
    sh -c "tail -n +$((mark + 1)) '$LOG' | grep -Eqi 'torn|dropped|crc|checksum'"
check_output "tail: corrupt record dropped, earlier ones kept" \
    "$good_state" bridges_state
check_output "tail: the corrupt record is gone from the file" "ok" dbcheck "$CONF"
vs_stop

# 5. A flipped byte in the middle of the journal, with intact records
# after it: a crash cannot do that, so the daemon refuses to start rather
# than truncate them away; --recover-db truncates, keeping a copy.
rm -f "$VSWITCH_DBDIR"/conf.db.damaged-*
cp "$VS_TMP/good.db" "$CONF"
vs_start >/dev/null 2>&1
for b in m0 m1 m2; do
    timeout 10 "$VSCTL" --timeout=5 --no-wait add-br $b >/dev/null 2>&1
done
vs_stop
python3 - "$CONF" <<'EOF'
import sys
p = sys.argv[1]
data = bytearray(open(p, "rb").read())
k = data.index(b"m1")                 # the add-br m1 record
data[k] = ord("X")
open(p, "wb").write(data)
EOF
cp "$CONF" "$VS_TMP/mid.db"
mark=$(log_mark)
check_error "middle: the daemon refuses to start" 1 "--recover-db" \
    timeout 20 "$VSWITCHD" --detach --pidfile --log-file \
    --enable-dummy=override
check_true "middle: the error counts the intact records after the damage" \
    grep -Eq "CRC mismatch\\) is followed by [0-9]+ intact record" \
    "$VS_TMP/stderr"
check_true "middle: the refusal is in the log file too" \
    sh -c "tail -n +$((mark + 1)) '$LOG' | grep -F '|ERR|' \
           | grep -qF 'refusing to truncate'"
check_true "middle: the refused file is left untouched" \
    cmp -s "$CONF" "$VS_TMP/mid.db"
check_output "middle: no copy is made when nothing is changed" "" copies
mark=$(log_mark)
check "middle: --recover-db starts" vs_start --recover-db
check_output "middle: records before the damage kept" "a0
a1
m0" vsctl list-br
copy=$(copies)
check_true "middle: the damaged file is copied aside ($copy)" \
    cmp -s "$VSWITCH_DBDIR/$copy" "$VS_TMP/mid.db"
check_true "middle: the log says what recovery dropped" \
    sh -c "tail -n +$((mark + 1)) '$LOG' | grep -F '|ERR|' \
           | grep -E 'recovery: dropped [0-9]+ bytes .* and [0-9]+ intact' \
           | grep -qF '$copy'"
check_output "middle: the repaired file is well formed" "ok" dbcheck "$CONF"
vs_stop
check "middle: a plain restart works after the repair" vs_start
vs_stop

# 6. A file that is not a database at all is refused and left untouched.
printf 'hello world\n' >"$CONF"
cp "$CONF" "$VS_TMP/notdb"
check_error "tail: a file with a bad header is refused" 1 \
    "not a vswitch database" timeout 20 "$VSWITCHD" --detach --pidfile \
    --log-file
check_true "tail: the refused file is left untouched" cmp -s "$CONF" "$VS_TMP/notdb"
# A corrupt snapshot record (the first one) is refused, not replaced.
{ printf 'VSWITCH-DB 1\n'; printf 'REC 5 00000000\n{"a":\n'; } >"$CONF"
cp "$CONF" "$VS_TMP/badsnap"
check_error "tail: a corrupt snapshot record is refused" 1 \
    "snapshot" timeout 20 "$VSWITCHD" --detach --pidfile --log-file
check_true "tail: the file with a corrupt snapshot is left untouched" \
    cmp -s "$CONF" "$VS_TMP/badsnap"

# ---------------------------------------------------------------------------
# Compaction.
export VSWITCH_DBDIR=$VS_TMP/db-compact
CONF=$VSWITCH_DBDIR/conf.db
group_opt= group_want=640
if getent group daemon >/dev/null; then
    group_opt=--socket-group=daemon group_want="daemon 640"
fi
vs_start $group_opt || exit 1
check "compact: setup" timeout 10 "$VSCTL" --timeout=5 --no-wait add-br c0 \
    -- add-br c1 -- add-port c1 p1
mark=$(log_mark)
max_size=0 max_recs=0 failed=0
for i in $(seq 1 150); do
    "$VSCTL" --timeout=5 --no-wait br-set-external-id c0 k "v$i" \
        >/dev/null 2>&1 || failed=$((failed + 1))
    s=$(stat -c %s "$CONF")
    [ "$s" -gt "$max_size" ] && max_size=$s
    n=$(grep -c '^REC ' "$CONF")
    [ "$n" -gt "$max_recs" ] && max_recs=$n
done
check_true "compact: 150 transactions acknowledged ($failed failed)" \
    test "$failed" -eq 0
final_size=$(stat -c %s "$CONF")
final_recs=$(grep -c '^REC ' "$CONF")
check_true "compact: log says compacted" \
    sh -c "tail -n +$((mark + 1)) '$LOG' | grep -qi compact"
check_true "compact: file shrank (max $max_size, now $final_size bytes)" \
    test "$final_size" -lt "$max_size"
check_true "compact: record count dropped (max $max_recs, now $final_recs)" \
    test "$final_recs" -lt 100
check_true "compact: no temp file left" test ! -e "$CONF.tmp"
check_output "compact: the compacted file keeps mode 0640 (and its group)" \
    "$group_want" stat -c "$([ -n "$group_opt" ] && echo '%G ')%a" "$CONF"
check_output "compact: the compacted file is well formed" "ok" dbcheck "$CONF"
check_output "compact: header intact" "VSWITCH-DB 1" head -n1 "$CONF"
check_output "compact: state before restart" "c0 v150
c1 -" bridges_state
vs_stop
check_output "compact: state kept across restart" "c0 v150
c1 -" bridges_state_offline
vs_start >/dev/null 2>&1
check_output "compact: ports kept across restart" "p1" vsctl list-ports c1
vs_stop
exit 0
