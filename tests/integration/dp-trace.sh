#!/bin/bash
# dp-trace.sh -- "vsappctl dp/trace BRIDGE PORT HEXFRAME" through the real
# daemon on dummy ports: one frame runs through the datapath's stages
# without being sent or learned, and the trace says, stage by stage, what
# happened.  Every check is on the trace's text as a user reads it.
#
# Bridges (each bridge's own port is a dummy, in a VLAN of its own):
#   brV  one port per VLAN mode (a10 a20 tr tr2 t12 nt nu), as in
#        dp-dummy.sh: the same 35-row table of ingress/egress VLAN mode
#        combinations, asserted on the trace's output ports and their
#        egress tags instead of on the frames sent.
#   brQ  dot1q-tunnel ports q1 (tag 100), q2 (tag 100, cvlans 10,20) and a
#        trunk.
#   brD  d1 (trunks 0-3), d2 (trunks 1-3), m1 (a mirror's output port), n1
#        (access VLAN 7, alone in it): one case per drop reason a frame can meet (runt,
#        truncated-vlan, mirror-output, vlan-tagged-on-access,
#        vlan-not-trunked, cvlan-not-allowed, reserved-multicast,
#        same-port, no-ports, mtu).
# Then: the trace neither sends nor learns, ports by number, and clear
# errors (exit status 2) for bad input.
. "${srcdir:-.}/tests/lib.sh"

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 20 "$VSCTL" --timeout=15 "$@"; }

# Frames come from frame (tests/lib.sh).

# trace BR PORT HEX: the trace, stdout and stderr.
trace() { vsappctl dp/trace "$@" 2>&1; }

# outputs TRACE-TEXT: "PORT CODE" per output line of the trace, sorted,
# where CODE is "u" (untagged) or TPID:VID/PCP.
outputs() {
    local line='^    \([^ ]*\) ([0-9]*): \(untagged\|tagged .*\)$'
    sed -n "/^output:\$/,/^result:/s/$line/\\1 \\2/p" <<<"$1" \
        | sed -e 's/ untagged$/ u/' \
        -e 's/ tagged \([0-9a-f]*\) VID \([0-9]*\) PCP \([0-9]*\)$/ \1:\2\/\3/' \
        | sort
}

# result TRACE-TEXT: the trace's "result:" line.
result() { sed -n 's/^result: //p' <<<"$1"; }

# expect_trace NAME BR PORT HEX OUTPUTS RESULT: the trace of HEX on PORT
# must list exactly OUTPUTS (lines "PORT CODE" as outputs() prints them,
# any order, empty for none) and end with "result: RESULT".
expect_trace() {
    local name=$1 br=$2 port=$3 hex=$4 want_out want_res=$6 t got_out got_res
    want_out=$(printf '%s\n' "$5" | sed '/^$/d' | sort)
    t=$(trace "$br" "$port" "$hex")
    got_out=$(outputs "$t")
    got_res=$(result "$t")
    if [ "$got_out" = "$want_out" ] && [ "$got_res" = "$want_res" ]; then
        pass "$name"
    else
        fail "$name" "expected outputs [$(tr '\n' ';' <<<"$want_out")] result [$want_res]; got [$(tr '\n' ';' <<<"$got_out")] [$got_res]; trace: $(tr '\n' '|' <<<"$t")"
    fi
}

# ---------------------------------------------------------------------------
vs_start || exit 1
BCAST=ff:ff:ff:ff:ff:ff

# ===========================================================================
# The VLAN table (dp-dummy.sh explains the rows and the OVS semantics).
check "brV: create a bridge with one port per VLAN mode" \
    vsctl add-br brV -- set Interface brV type=dummy -- set Port brV tag=4001 \
    -- add-port brV a10 tag=10 -- set Interface a10 type=dummy \
    -- add-port brV a20 tag=20 -- set Interface a20 type=dummy \
    -- add-port brV tr -- set Interface tr type=dummy \
    -- add-port brV tr2 vlan_mode=trunk -- set Interface tr2 type=dummy \
    -- add-port brV t12 trunks=10,20 -- set Interface t12 type=dummy \
    -- add-port brV nt vlan_mode=native-tagged tag=10 \
    -- set Interface nt type=dummy \
    -- add-port brV nu vlan_mode=native-untagged tag=10 \
    -- set Interface nu type=dummy
VPORTS=(a10 a20 tr tr2 t12 nt nu)

declare -A KIND_TAG=([U]=- [P]=0/5 [T10]=10/3 [T20]=20/6 [T30]=30/1)
declare -A KIND_PCP=([U]=0 [P]=5 [T10]=3 [T20]=6 [T30]=1)
vlan_case_no=0
vlan_row() {
    local in=$1 kind=$2 reason=${10} src expected='' i code pcp res
    local -a codes=("$3" "$4" "$5" "$6" "$7" "$8" "$9")
    vlan_case_no=$((vlan_case_no + 1))
    printf -v src '02:00:00:01:%02x:%02x' $((vlan_case_no / 256)) \
        $((vlan_case_no % 256))
    pcp=${KIND_PCP[$kind]}
    for i in "${!VPORTS[@]}"; do
        code=${codes[i]}
        case $code in
            x|-) continue ;;
            u) expected+="${VPORTS[i]} u"$'\n' ;;
            *) expected+="${VPORTS[i]} 8100:$code/$pcp"$'\n' ;;
        esac
    done
    if [ "$reason" = - ]; then
        res="output to $(grep -c . <<<"$expected") ports"
        res=${res/ 1 ports/ 1 port}
    else
        res="dropped by vlan: $reason"
    fi
    expect_trace "trace vlan: $in $kind -> a10=$3 a20=$4 tr=$5 tr2=$6 t12=$7 nt=$8 nu=$9 drop=$reason" \
        brV "$in" "$(frame $BCAST "$src" "${KIND_TAG[$kind]}")" \
        "$expected" "$res"
}

#        in   frame a10 a20 tr  tr2 t12 nt  nu  drop
vlan_row a10  U     x   -   10  10  10  10  u   -
vlan_row a10  P     x   -   10  10  10  10  u   -
vlan_row a10  T10   x   -   -   -   -   -   -   vlan-tagged-on-access
vlan_row a10  T20   x   -   -   -   -   -   -   vlan-tagged-on-access
vlan_row a10  T30   x   -   -   -   -   -   -   vlan-tagged-on-access
vlan_row a20  U     -   x   20  20  20  20  20  -
vlan_row a20  P     -   x   20  20  20  20  20  -
vlan_row a20  T10   -   x   -   -   -   -   -   vlan-tagged-on-access
vlan_row a20  T20   -   x   -   -   -   -   -   vlan-tagged-on-access
vlan_row a20  T30   -   x   -   -   -   -   -   vlan-tagged-on-access
vlan_row tr   U     -   -   x   u   -   -   -   -
vlan_row tr   P     -   -   x   0   -   -   -   -
vlan_row tr   T10   u   -   x   10  10  10  u   -
vlan_row tr   T20   -   u   x   20  20  20  20  -
vlan_row tr   T30   -   -   x   30  -   30  30  -
vlan_row tr2  U     -   -   u   x   -   -   -   -
vlan_row tr2  P     -   -   0   x   -   -   -   -
vlan_row tr2  T10   u   -   10  x   10  10  u   -
vlan_row tr2  T20   -   u   20  x   20  20  20  -
vlan_row tr2  T30   -   -   30  x   -   30  30  -
vlan_row t12  U     -   -   -   -   x   -   -   vlan-not-trunked
vlan_row t12  P     -   -   -   -   x   -   -   vlan-not-trunked
vlan_row t12  T10   u   -   10  10  x   10  u   -
vlan_row t12  T20   -   u   20  20  x   20  20  -
vlan_row t12  T30   -   -   -   -   x   -   -   vlan-not-trunked
vlan_row nt   U     u   -   10  10  10  x   u   -
vlan_row nt   P     u   -   10  10  10  x   u   -
vlan_row nt   T10   u   -   10  10  10  x   u   -
vlan_row nt   T20   -   u   20  20  20  x   20  -
vlan_row nt   T30   -   -   30  30  -   x   30  -
vlan_row nu   U     u   -   10  10  10  10  x   -
vlan_row nu   P     u   -   10  10  10  10  x   -
vlan_row nu   T10   u   -   10  10  10  10  x   -
vlan_row nu   T20   -   u   20  20  20  20  x   -
vlan_row nu   T30   -   -   30  30  -   30  x   -

# The trace describes each stage in order.
t=$(trace brV a10 "$(frame $BCAST 02:00:00:00:00:0a)")
check_output "trace: stage headings in pipeline order" \
    "ingress police vlan bpdu learn forward flows qos output" \
    sh -c "printf '%s\n' '$t' | sed -n 's/^\([a-z]*\):\$/\1/p' | tr '\n' ' ' | sed 's/ \$//'"
check_true "trace: the VLAN stage names the mode and the VLAN" \
    grep -q '^    access port: VLAN 10$' <<<"$t"
check_true "trace: learn says what it would learn, and that it changes nothing" \
    grep -q '^    would learn 02:00:00:00:00:0a on VLAN 10 at port [0-9]* (new entry; the trace changes nothing)$' <<<"$t"
check_true "trace: forward says broadcast and flood" \
    sh -c "printf '%s\n' '$t' | grep -q '^    broadcast destination\$' &&
           printf '%s\n' '$t' | grep -q '^    flood VLAN 10 to 5 ports\$'"
check_true "trace: the frame line shows the outer tag" \
    grep -q '^frame: dst ff:ff:ff:ff:ff:ff src 02:00:00:00:00:0b tag 8100 VID 10 PCP 3 type 88b5, 64 bytes$' \
    <<<"$(trace brV tr "$(frame $BCAST 02:00:00:00:00:0b 10/3)")"

# Nothing was sent and nothing learned by all those traces.
sent=
for p in brV "${VPORTS[@]}"; do
    sent+=$(vsappctl netdev-dummy/sent $p)
done
check_output "trace: no frame was sent by any trace" "" echo "$sent"
check_output "trace: no MAC was learned by any trace" \
    " port  VLAN  MAC                Age" vsappctl fdb/show brV

# A port may be given by number; lookups hit once a MAC is learned.
A=02:00:00:00:00:0a B=02:00:00:00:00:0b
vsappctl netdev-dummy/receive a10 "$(frame $BCAST $A)" >/dev/null
A10=$(vsctl get Interface a10 ofport)
TR=$(vsctl get Interface tr ofport)
for _ in $(seq 50); do
    [ -n "$(vsappctl fdb/show brV | awk -v m=$A '$3 == m')" ] && break
    sleep 0.1
done
for p in brV "${VPORTS[@]}"; do vsappctl netdev-dummy/sent $p >/dev/null; done
t=$(trace brV "$TR" "$(frame $A $B 10/3)")
check_true "trace: port by number ($TR), lookup hit on a10's port" \
    grep -q "^    lookup on VLAN 10: hit, port $A10 (a10)\$" <<<"$t"
check_output "trace: unicast to a learned MAC goes to a10 untagged only" \
    "a10 u" outputs "$t"
t=$(trace brV tr "$(frame 02:00:00:00:00:99 $B 10)")
check_true "trace: unknown unicast is a lookup miss and floods" \
    sh -c "printf '%s\n' '$t' | grep -q '^    lookup on VLAN 10: miss\$' &&
           printf '%s\n' '$t' | grep -q '^    flood VLAN 10 to'"
t=$(trace brV a10 "$(frame $BCAST $A)")
check_true "trace: a known source is 'already learned'" \
    grep -q "^    02:00:00:00:00:0a on VLAN 10 already learned at port $A10\$" <<<"$t"
t=$(trace brV tr "$(frame $BCAST $A 10)")
check_true "trace: a source on another port 'would move'" \
    grep -q "^    would move 02:00:00:00:00:0a on VLAN 10 from port $A10 to port $TR" <<<"$t"
check_output "trace: the MAC did not move" "$A10" \
    sh -c "'$VSAPPCTL' fdb/show brV | awk '\$3 == \"$A\" { print \$1 }'"

# ===========================================================================
# dot1q-tunnel.
check "brQ: create tunnel ports and a trunk" \
    vsctl add-br brQ -- set Interface brQ type=dummy -- set Port brQ tag=4002 \
    -- add-port brQ q1 vlan_mode=dot1q-tunnel tag=100 \
    -- set Interface q1 type=dummy \
    -- add-port brQ q2 vlan_mode=dot1q-tunnel tag=100 cvlans=10,20 \
    -- set Interface q2 type=dummy \
    -- add-port brQ up -- set Interface up type=dummy
S=02:00:00:02:00:01
expect_trace "trace qinq: cvlan 10 from q1 -> up outer 88a8:100, q2 untagged (inner tag kept)" \
    brQ q1 "$(frame $BCAST $S 10/2)" "up 88a8:100/0
q2 u" "output to 2 ports"
expect_trace "trace qinq: 88a8:100 from the trunk -> q1 and q2 untagged" \
    brQ up "$(frame $BCAST $S 88a8:100,10)" "q1 u
q2 u" "output to 2 ports"

# ===========================================================================
# One case per drop reason.
check "brD: create trunks d1 d2, mirror output m1, lone access port n1" \
    vsctl add-br brD -- set Interface brD type=dummy -- set Port brD tag=4003 \
    -- add-port brD d1 trunks=0,1,2,3 -- set Interface d1 type=dummy \
    -- add-port brD d2 trunks=1,2,3 -- set Interface d2 type=dummy \
    -- add-port brD m1 -- set Interface m1 type=dummy \
    -- add-port brD n1 tag=7 -- set Interface n1 type=dummy \
    -- --id=@p get Port m1 \
    -- --id=@m create Mirror name=span select_all=true output_port=@p \
    -- set Bridge brD mirrors=@m
expect_trace "trace drop: runt" brD d1 ffffffffffff02000000 "" \
    "dropped by ingress: runt"
expect_trace "trace drop: truncated-vlan" brD d1 \
    ffffffffffff02000000000a8100000a "" "dropped by ingress: truncated-vlan"
expect_trace "trace drop: mirror-output" brD m1 "$(frame $BCAST $A)" "" \
    "dropped by ingress: mirror-output"
expect_trace "trace drop: vlan-tagged-on-access" brD n1 \
    "$(frame $BCAST $A 5)" "" "dropped by vlan: vlan-tagged-on-access"
expect_trace "trace drop: vlan-not-trunked" brD d2 "$(frame $BCAST $A 9)" \
    "" "dropped by vlan: vlan-not-trunked"
expect_trace "trace drop: cvlan-not-allowed" brQ q2 "$(frame $BCAST $A 30)" \
    "" "dropped by vlan: cvlan-not-allowed"
expect_trace "trace drop: reserved-multicast" brD d1 \
    "$(frame 01:80:c2:00:00:00 $A - 0026)" "" \
    "dropped by bpdu: reserved-multicast"
expect_trace "trace drop: a tagged BPDU on an access port is a VLAN drop first" \
    brD n1 "$(frame 01:80:c2:00:00:00 $A 5 0026)" "" \
    "dropped by vlan: vlan-tagged-on-access"
check "trace: forward-bpdu=true on brD" \
    vsctl set Bridge brD other_config:forward-bpdu=true
# (The mirror "span" selects everything, so its copy to m1 shows too.)
expect_trace "trace: with forward-bpdu a BPDU in VLAN 1 reaches d2" brD d1 \
    "$(frame 01:80:c2:00:00:00 $A 1 0026)" "d2 8100:1/0
m1 8100:1/0" "output to 2 ports"
vsctl remove Bridge brD other_config forward-bpdu
expect_trace "trace drop: no-ports" brD n1 "$(frame $BCAST $A)" "" \
    "dropped by forward: no-ports"
vsappctl netdev-dummy/receive d1 "$(frame $BCAST $B)" >/dev/null
for _ in $(seq 50); do
    [ -n "$(vsappctl fdb/show brD | awk -v m=$B '$3 == m')" ] && break
    sleep 0.1
done
# That real frame's mirror copy leaves m1; only the traces must send
# nothing.
for _ in $(seq 50); do
    [ -n "$(vsappctl netdev-dummy/sent m1)" ] && break
    sleep 0.1
done
expect_trace "trace drop: same-port" brD d1 "$(frame $B $A)" "" \
    "dropped by forward: same-port"
t=$(trace brD d1 "$(frame $BCAST $A 1 88b5 1501)")
check_true "trace drop: mtu (1515 bytes in VLAN 1 to d2, MTU 1500)" \
    grep -q "^    d2 ([0-9]*): drop: mtu (larger than the output port's MTU)\$" \
    <<<"$t"
check_output "trace drop: mtu result" "dropped by output: mtu" result "$t"
check_output "trace drop: the mtu case lists no output" "" outputs "$t"
sent=
for p in brD d1 d2 m1 n1; do
    sent+=$(vsappctl netdev-dummy/sent $p)
done
check_output "trace: brD's ports sent nothing for the traces" "" echo "$sent"

# ===========================================================================
# Bad input.
check_error "error: unknown bridge" 2 "no such bridge: nosuchbr" \
    vsappctl dp/trace nosuchbr d1 "$(frame $BCAST $A)"
check_error "error: unknown port" 2 "no port nosuchport on bridge brD" \
    vsappctl dp/trace brD nosuchport "$(frame $BCAST $A)"
check_error "error: a port of another bridge" 2 "no port a10 on bridge brD" \
    vsappctl dp/trace brD a10 "$(frame $BCAST $A)"
check_error "error: unknown port number" 2 "no port 9999 on bridge brD" \
    vsappctl dp/trace brD 9999 "$(frame $BCAST $A)"
check_error "error: odd-length frame" 2 "odd number of hex digits (3)" \
    vsappctl dp/trace brD d1 fff
check_error "error: non-hex frame" 2 "frame is not hex: 'x' at offset 2" \
    vsappctl dp/trace brD d1 ffxx
check_error "error: empty frame" 2 "empty frame" vsappctl dp/trace brD d1 ""
check_error "error: missing frame" 2 "dp/trace" vsappctl dp/trace brD d1

vs_stop
exit 0
