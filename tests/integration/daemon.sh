#!/bin/bash
# daemon.sh -- vswitchd as a daemon: start-up options, pidfile, sockets,
# vsappctl, single instance, clean exits, restart keeping the database,
# robustness of the database socket against bad clients, and vsctl's
# behaviour without a daemon or with --timeout.
. "${srcdir:-.}/tests/lib.sh"

# Waits up to 5 s for process $1 to disappear.
wait_gone() {
    local pid=$1
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    return 1
}

alive() { kill -0 "$1" 2>/dev/null; }

# A small JSON-RPC client for the socket tests.  Each mode prints one word
# per check, so the shell can compare the whole output.
RPC_PY=$VS_TMP/rpc.py
cat >"$RPC_PY" <<'EOF'
import json, socket, sys, time

sock_path = sys.argv[1]
mode = sys.argv[2]

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    return s

def recv_msg(s):
    """Reads one complete JSON value; returns None on EOF."""
    buf = b""
    dec = json.JSONDecoder()
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return None
        if not chunk:
            return None
        buf += chunk
        try:
            obj, _ = dec.raw_decode(buf.decode())
            return obj
        except ValueError:
            continue

def echo_ok(s, tag):
    s.sendall(json.dumps({"method": "echo", "params": [tag], "id": tag})
              .encode())
    r = recv_msg(s)
    return (r is not None and r.get("id") == tag
            and r.get("result") == [tag] and r.get("error") is None)

def closed_by_peer(s):
    """True if the peer closes the connection within 5 s (any error reply
    it sends first is read and ignored)."""
    deadline = time.time() + 5
    try:
        while time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False

def send_ignoring_pipe(s, data):
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass

def word(b):
    return "ok" if b else "bad"

good = connect()
out = [word(echo_ok(good, "before"))]

if mode in ("garbage", "syntax", "notobject"):
    data = {"garbage": b"hello, this is not JSON\n",
            "syntax": b'{"method" "echo", "params": [], "id": 1}',
            "notobject": b'["method", "echo"]'}[mode]
    bad = connect()
    send_ignoring_pipe(bad, data)
    out.append("dropped" if closed_by_peer(bad) else "kept")
elif mode == "oversized":
    bad = connect()
    bad.settimeout(30)
    head = b'{"method":"echo","id":1,"params":["'
    body = b"x" * (9 * 1024 * 1024)
    send_ignoring_pipe(bad, head + body + b'"]}')
    bad.settimeout(5)
    out.append("dropped" if closed_by_peer(bad) else "kept")
elif mode == "half":
    for _ in range(20):
        bad = connect()
        send_ignoring_pipe(bad, b'{"method":"transact","params":["Open_vSw')
        bad.close()
    out.append("sent")
elif mode == "slow":
    # A valid request trickling in one byte at a time is still answered.
    slow = connect()
    msg = json.dumps({"method": "echo", "params": ["slow"], "id": "slow"})
    for ch in msg.encode():
        slow.sendall(bytes([ch]))
        time.sleep(0.002)
    r = recv_msg(slow)
    out.append(word(r is not None and r.get("result") == ["slow"]))
elif mode == "nonreader":
    # A client that sends requests but never reads the replies must not
    # block the daemon (the backlog limit drops it eventually).
    bad = connect()
    bad.settimeout(10)
    big = "y" * (1024 * 1024)
    sent = 0
    try:
        for i in range(40):
            bad.sendall(json.dumps({"method": "echo", "params": [big],
                                    "id": i}).encode())
            sent += 1
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    out.append("sent")
elif mode == "comment":
    # A transaction comment that tries to start a log line of its own.
    c = connect()
    c.sendall(json.dumps({"method": "transact", "id": 7, "params": [
        "Open_vSwitch", {"op": "comment", "comment":
                         "hi\n2026-01-01T00:00:00.000Z|vswitchd|ERR|FAKE"
                         "\x1b[2J\x7f"}]}).encode())
    r = recv_msg(c)
    out.append(word(r is not None and r.get("error") is None))
elif mode == "many":
    conns = [connect() for _ in range(200)]
    out.append(word(all(echo_ok(c, "m%d" % i) for i, c in
                        enumerate(conns[::20]))))
    for c in conns:
        c.close()

out.append(word(echo_ok(good, "after")))
# A fresh connection still works too.
out.append(word(echo_ok(connect(), "fresh")))
print(" ".join(out))
EOF

rpc() { timeout 60 python3 "$RPC_PY" "$VSWITCH_RUNDIR/db.sock" "$@"; }

# ---------------------------------------------------------------------------
# Start-up.
vs_start || exit 1
pid=$(vs_pid)
check_true "daemon: pidfile holds a live pid" \
    test -n "$pid" -a -d "/proc/$pid"
check_true "daemon: pidfile pid is a vswitchd" \
    grep -q vswitchd "/proc/$pid/comm"
check_true "daemon: detached (not our child, own session)" \
    test "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid"
check_output "daemon: db.sock is a socket with mode 0660" "0660 socket" \
    stat -c '%04a %F' "$VSWITCH_RUNDIR/db.sock"
check_output "daemon: vswitchd.ctl is a socket with mode 0660" "0660 socket" \
    stat -c '%04a %F' "$VSWITCH_RUNDIR/vswitchd.ctl"
check_true "daemon: database file created in DBDIR" \
    test -s "$VSWITCH_DBDIR/conf.db"
check_output "daemon: database file has the journal header" "VSWITCH-DB 1" \
    head -n1 "$VSWITCH_DBDIR/conf.db"
check_true "daemon: log file written" \
    grep -q "started" "$VSWITCH_RUNDIR/vswitchd.log"
check_output "daemon: database file has mode 0640" "640" \
    stat -c '%a' "$VSWITCH_DBDIR/conf.db"
check_output "daemon: log file has mode 0640" "640" \
    stat -c '%a' "$VSWITCH_RUNDIR/vswitchd.log"

# ---------------------------------------------------------------------------
# vsappctl.
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' config.h 2>/dev/null)
[ -n "$version" ] || version=$("$VSWITCHD" --version | awk '{print $NF}')
check_output "vsappctl: version" "vswitchd (vswitch) $version" \
    vsappctl version
check_output "vswitchd --version" "vswitchd (vswitch) $version" \
    "$VSWITCHD" --version
out=$(vsappctl vlog/list 2>&1)
rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -Eq '^bridge +[a-z]+ +[a-z]+' \
        && echo "$out" | grep -Eq '^db_log +' \
        && echo "$out" | grep -Eq '^jsonrpc +'; then
    pass "vsappctl: vlog/list lists modules"
else
    fail "vsappctl: vlog/list lists modules" "exit $rc: $out"
fi
check "vsappctl: vlog/set bridge:file:dbg" vsappctl vlog/set bridge:file:dbg
check_true "vsappctl: vlog/list shows bridge file level dbg" \
    sh -c "'$VSAPPCTL' vlog/list | grep -Eq '^bridge +[a-z]+ +dbg'"
check "vsappctl: vlog/set jsonrpc:file:info" vsappctl vlog/set jsonrpc:file:info
check_true "vsappctl: vlog/list shows jsonrpc file level info" \
    sh -c "'$VSAPPCTL' vlog/list | grep -Eq '^jsonrpc +[a-z]+ +info'"
check_error "vsappctl: vlog/set with unknown module fails" 2 \
    'nosuchmodule' vsappctl vlog/set nosuchmodule:file:dbg
check_error "vsappctl: vlog/set with unknown level fails" 2 \
    'loud' vsappctl vlog/set bridge:file:loud
check_error "vsappctl: unknown command fails" 2 'no/such/command' \
    vsappctl no/such/command
check_true "vsappctl: help lists vlog/set and exit" \
    sh -c "'$VSAPPCTL' help | grep -q vlog/set && '$VSAPPCTL' help | grep -q exit"
check_error "vsappctl: absent target fails clearly" 1 'cannot connect' \
    vsappctl -t "$VS_TMP/nonexistent.ctl" version

# ---------------------------------------------------------------------------
# A second instance.
mkdir -p "$VS_TMP/run2"
on_exit "kill -9 \$(cat '$VS_TMP/run2/vswitchd.pid' 2>/dev/null) 2>/dev/null"
VSWITCH_RUNDIR=$VS_TMP/run2 timeout 20 "$VSWITCHD" --detach --pidfile \
    --log-file >"$VS_TMP/second.out" 2>"$VS_TMP/second.err"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] \
        && grep -Eqi 'in use|locked|already running' "$VS_TMP/second.err"; then
    pass "daemon: second vswitchd on the same database refuses to start"
else
    fail "daemon: second vswitchd on the same database refuses to start" \
        "exit $rc, stderr <<$(cat "$VS_TMP/second.err")>>"
fi
check_true "daemon: second vswitchd left no socket behind" \
    test ! -e "$VS_TMP/run2/db.sock"
timeout 20 "$VSWITCHD" --detach --pidfile --log-file \
    >"$VS_TMP/third.out" 2>"$VS_TMP/third.err"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] \
        && grep -Eqi "already running|in use|locked" "$VS_TMP/third.err"; then
    pass "daemon: second vswitchd with the same rundir refuses to start"
else
    fail "daemon: second vswitchd with the same rundir refuses to start" \
        "exit $rc, stderr <<$(cat "$VS_TMP/third.err")>>"
fi
check_output "daemon: first instance still has its pidfile" "$pid" vs_pid
check_true "daemon: first instance still alive" alive "$pid"
check "daemon: first instance still serves vsctl" vsctl --no-wait add-br br0
check_output "daemon: first instance answers list-br" "br0" vsctl list-br
check_output "daemon: first instance still answers vsappctl" \
    "vswitchd (vswitch) $version" vsappctl version

# ---------------------------------------------------------------------------
# Bad clients on the database socket.
check_output "socket: unparseable bytes drop the connection only" \
    "ok dropped ok ok" rpc garbage
check_output "socket: JSON syntax error drops the connection only" \
    "ok dropped ok ok" rpc syntax
check_output "socket: message > 8 MiB drops the connection only" \
    "ok dropped ok ok" rpc oversized
check_output "socket: half a message then vanish does no harm" \
    "ok sent ok ok" rpc half
check_output "socket: a request trickling in byte by byte is answered" \
    "ok ok ok ok" rpc slow
check_output "socket: a client that never reads does not block others" \
    "ok sent ok ok" rpc nonreader
check_output "socket: 200 simultaneous connections" "ok ok ok ok" rpc many
check "socket: log comments at info level" vsappctl vlog/set db_exec:file:info
check_output "socket: a transaction comment with control characters" \
    "ok ok ok ok" rpc comment
check_true "socket: a comment cannot forge a log line" \
    sh -c "! grep -q '^2026-01-01T00:00:00.000Z|vswitchd|ERR|FAKE' \
           '$VSWITCH_RUNDIR/vswitchd.log'"
check_true "socket: the comment is logged with its controls escaped" \
    grep -qF 'transaction comment: hi\n2026-01-01T00:00:00.000Z|vswitchd|ERR|FAKE\x1b[2J\x7f' \
    "$VSWITCH_RUNDIR/vswitchd.log"
check_true "socket: daemon survived the bad clients" alive "$pid"
check_output "socket: vsctl still works after the bad clients" "br0" \
    vsctl list-br
check_true "socket: log names the dropped connections" \
    grep -q "dropping connection" "$VSWITCH_RUNDIR/vswitchd.log"
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)
check_true "socket: daemon RSS stays below 200 MiB after big messages (${rss:-?} kB)" \
    test "${rss:-999999}" -lt 204800

# ---------------------------------------------------------------------------
# SIGTERM.
kill -TERM "$pid"
check_true "SIGTERM: process exits" wait_gone "$pid"
check_true "SIGTERM: db.sock removed" test ! -e "$VSWITCH_RUNDIR/db.sock"
check_true "SIGTERM: vswitchd.ctl removed" \
    test ! -e "$VSWITCH_RUNDIR/vswitchd.ctl"
check_true "SIGTERM: pidfile removed" test ! -e "$VSWITCH_RUNDIR/vswitchd.pid"
check_true "SIGTERM: log says exiting" \
    grep -qi "exiting" "$VSWITCH_RUNDIR/vswitchd.log"

# ---------------------------------------------------------------------------
# Restart keeps the configuration; vsappctl exit.
vs_start || exit 1
pid=$(vs_pid)
check_output "restart: bridge added before is still there" "br0" \
    vsctl list-br
check "restart: add another bridge (waits for apply)" \
    timeout 10 "$VSCTL" --timeout=5 add-br br1
check "restart: set an external id" \
    timeout 10 "$VSCTL" --timeout=5 br-set-external-id br1 owner test
check_output "vsappctl exit: acknowledged" "" vsappctl exit
check_true "vsappctl exit: process exits" wait_gone "$pid"
check_true "vsappctl exit: sockets and pidfile removed" \
    test ! -e "$VSWITCH_RUNDIR/db.sock" -a ! -e "$VSWITCH_RUNDIR/vswitchd.ctl" \
    -a ! -e "$VSWITCH_RUNDIR/vswitchd.pid"
vs_start || exit 1
pid=$(vs_pid)
check_output "restart: both bridges kept" "br0
br1" vsctl list-br
check_output "restart: external id kept" "test" \
    vsctl br-get-external-id br1 owner

# A pidfile left behind by a crash does not block a restart.
kill -KILL "$pid"
wait_gone "$pid"
check_true "kill -9: stale pidfile is left behind" \
    test -e "$VSWITCH_RUNDIR/vswitchd.pid"
check "kill -9: daemon restarts despite stale pidfile and socket" vs_start
pid=$(vs_pid)
check_output "kill -9: bridges kept" "br0
br1" vsctl list-br

# ---------------------------------------------------------------------------
# Options.
mkdir -p "$VS_TMP/run3" "$VS_TMP/db3"
on_exit "kill -9 \$(cat '$VS_TMP/run3/vswitchd.pid' 2>/dev/null) 2>/dev/null"
check_error "options: --socket-group with a nonexistent group fails" 1 \
    'nosuchgroup-vs' timeout 20 "$VSWITCHD" --rundir="$VS_TMP/run3" \
    --dbdir="$VS_TMP/db3" --pidfile --detach --socket-group=nosuchgroup-vs
check_true "options: failed start left no socket" \
    test ! -e "$VS_TMP/run3/db.sock"
if getent group daemon >/dev/null; then
    # A database and a log file from an older version, readable by all.
    printf 'VSWITCH-DB 1\nREC 2 a3a6bf43\n{}\n' >"$VS_TMP/db3/conf.db"
    : >"$VS_TMP/run3/vswitchd.log"
    chmod 0644 "$VS_TMP/db3/conf.db" "$VS_TMP/run3/vswitchd.log"
    timeout 20 "$VSWITCHD" --rundir="$VS_TMP/run3" --dbdir="$VS_TMP/db3" \
        --pidfile --detach --log-file --socket-group=daemon \
        2>"$VS_TMP/group.err"
    check_output "options: --socket-group sets db.sock group" "daemon 660" \
        stat -c '%G %a' "$VS_TMP/run3/db.sock"
    check_output "options: --socket-group sets vswitchd.ctl group" \
        "daemon 660" stat -c '%G %a' "$VS_TMP/run3/vswitchd.ctl"
    check_output "options: --socket-group sets the database's group" \
        "daemon 640" stat -c '%G %a' "$VS_TMP/db3/conf.db"
    check_output "options: --socket-group sets the log file's group" \
        "daemon 640" stat -c '%G %a' "$VS_TMP/run3/vswitchd.log"
    # Log rotation: the reopened log file gets the same mode and group.
    mv "$VS_TMP/run3/vswitchd.log" "$VS_TMP/run3/vswitchd.log.1"
    VSWITCH_RUNDIR=$VS_TMP/run3 "$VSAPPCTL" vlog/reopen >/dev/null 2>&1
    check_output "options: a reopened log file has the same group" \
        "daemon 640" stat -c '%G %a' "$VS_TMP/run3/vswitchd.log"
    rm -f "$VS_TMP/db3/conf.db" "$VS_TMP/run3"/vswitchd.log*
    p3=$(cat "$VS_TMP/run3/vswitchd.pid" 2>/dev/null)
    [ -n "$p3" ] && kill -TERM "$p3" && wait_gone "$p3"
else
    skip "options: --socket-group sets the group" "no group 'daemon'"
fi
check_error "options: unknown option fails" 1 "" "$VSWITCHD" --no-such-option
check_error "options: two database arguments fail" 1 "at most one" \
    "$VSWITCHD" "$VS_TMP/a.db" "$VS_TMP/b.db"
check_error "options: bad -v spec fails" 1 "nosuchmodule" \
    "$VSWITCHD" -vnosuchmodule:dbg
check_error "options: --max-connections=0 is refused" 1 \
    "not an integer from 1" "$VSWITCHD" --max-connections=0
check_error "options: --max-input-memory below 32 MiB is refused" 1 \
    "not an integer from 32" "$VSWITCHD" --max-input-memory=16
check_error "options: --max-connections needs a number" 1 \
    "--max-connections" "$VSWITCHD" --max-connections=lots
printf 'this is not a database\n' >"$VS_TMP/db3/bad.db"
check_error "options: a file that is not a database is refused" 1 \
    "not a vswitch database" timeout 20 "$VSWITCHD" --rundir="$VS_TMP/run3" \
    --detach "$VS_TMP/db3/bad.db"
# Positional DATABASE and --pidfile=FILE / --log-file=FILE.
timeout 20 "$VSWITCHD" --rundir="$VS_TMP/run3" --detach \
    --pidfile="$VS_TMP/run3/other.pid" --log-file="$VS_TMP/run3/other.log" \
    "$VS_TMP/db3/explicit.db" 2>"$VS_TMP/explicit.err"
p3=$(cat "$VS_TMP/run3/other.pid" 2>/dev/null)
check_true "options: --pidfile=FILE written" test -n "$p3" -a -d "/proc/${p3:-0}"
check_true "options: positional DATABASE created" \
    test -s "$VS_TMP/db3/explicit.db"
check_true "options: --log-file=FILE written" \
    grep -q started "$VS_TMP/run3/other.log"
check "options: --rundir socket serves vsctl" \
    timeout 10 "$VSCTL" --db=unix:"$VS_TMP/run3/db.sock" --no-wait add-br x0
check_output "options: change went to the positional database" "x0" \
    env VSWITCH_RUNDIR="$VS_TMP/run3" "$VSCTL" list-br
if [ -n "$p3" ]; then
    kill -TERM "$p3"
    check_true "options: --pidfile=FILE removed on exit" \
        sh -c "for i in \$(seq 100); do [ -e '$VS_TMP/run3/other.pid' ] || exit 0; sleep 0.05; done; exit 1"
fi

# ---------------------------------------------------------------------------
# vsctl without a daemon, and --timeout.
start=$(date +%s%N)
check_error "vsctl: absent daemon gives a clear error" 1 \
    "database connection failed" \
    env VSWITCH_RUNDIR="$VS_TMP/nowhere" timeout 10 "$VSCTL" list-br
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check_true "vsctl: absent daemon fails quickly (${elapsed} ms)" \
    test "$elapsed" -lt 3000
check_true "vsctl: absent daemon message names the socket" \
    grep -q "$VS_TMP/nowhere/db.sock" "$VS_TMP/stderr"
check_error "vsctl: --db to a missing socket fails" 1 \
    "database connection failed" \
    timeout 10 "$VSCTL" --db=unix:"$VS_TMP/nowhere.sock" list-br
mkdir -p "$VS_TMP/stale"
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
    "$VS_TMP/stale/db.sock"
check_error "vsctl: stale socket (no listener) fails" 1 \
    "database connection failed" \
    env VSWITCH_RUNDIR="$VS_TMP/stale" timeout 10 "$VSCTL" --timeout=2 list-br

start=$(date +%s%N)
check_error "vsctl: --timeout=1 wait-until never true gives up" 142 \
    "timed out" timeout 10 "$VSCTL" --timeout=1 wait-until Bridge nope
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check_true "vsctl: --timeout=1 gave up after ~1 s (${elapsed} ms)" \
    test "$elapsed" -ge 900 -a "$elapsed" -lt 3000
check_output "vsctl: daemon fine after a timed-out client" "br0
br1" vsctl list-br
# wait-until that becomes true when another client makes it so.
( sleep 0.5; "$VSCTL" --no-wait add-br late0 ) &
bgpid=$!
check "vsctl: wait-until returns once another client creates the row" \
    timeout 10 "$VSCTL" --timeout=5 wait-until Bridge late0
wait "$bgpid"

vs_stop
exit 0
