#!/bin/bash
# mirror-dummy.sh -- Mirror rows (SPAN, RSPAN, filtered) through the real
# daemon and CLIs on dummy ports: frames go in with netdev-dummy/receive
# and every check is on the exact bytes that leave each port, the Mirror
# statistics, mirror/show and what vsctl refuses.
#
# Bridge br0 (the bridge's own port in VLAN 4000, out of the way):
#   p1 p2 p3  trunks of VLANs 0, 10 and 20 (so they do not carry the RSPAN
#             VLAN 999)
#   mon       the SPAN destination, a trunk of the same VLANs
#   t999      a trunk of VLAN 999 only: the RSPAN uplink
#   a999      an access port of VLAN 999: RSPAN copies leave it untagged
#   a10       an access port of VLAN 10
# flood_vlans=999, as the manual advises for an RSPAN VLAN.
. "${srcdir:-.}/tests/lib.sh"

vsappctl() { timeout 10 "$VSAPPCTL" "$@"; }
vsctl() { timeout 20 "$VSCTL" --timeout=15 "$@"; }

# frame DST SRC [VID|-] ... (tests/lib.sh): an Ethernet frame in hex,
# 802.1Q-tagged with VID unless "-", payload 00 01 02 ...

# tagged HEX VID: HEX with an 802.1Q tag VID inserted after the MACs;
# untagged HEX: with the first tag removed.
tagged() { printf '%s8100%04x%s\n' "${1:0:24}" "$2" "${1:24}"; }
untagged() { printf '%s%s\n' "${1:0:24}" "${1:32}"; }

PORTS=(br0 p1 p2 p3 mon t999 a999 a10)
inject() { vsappctl netdev-dummy/receive "$@" >/dev/null; }

sent_round() {
    local p
    for p in "${PORTS[@]}"; do
        vsappctl netdev-dummy/sent "$p" 2>/dev/null \
            | sed -n "s/^\([0-9a-f][0-9a-f]*\)\$/$p \1/p"
    done
}

drain() {
    sleep 0.2
    sent_round >/dev/null
}

# summary: "PORT LEN tag VID" per line, to make failures readable.
summary() {
    local port hex
    while read -r port hex; do
        [ -n "$port" ] || continue
        if [ "${hex:24:4}" = 8100 ]; then
            printf '%s %dB vid %d; ' "$port" $(( ${#hex} / 2 )) \
                $((16#${hex:28:4} & 4095))
        else
            printf '%s %dB; ' "$port" $(( ${#hex} / 2 ))
        fi
    done
}

# expect_tx NAME IN-PORT FRAME EXPECTED: injects FRAME on IN-PORT; exactly
# the "PORT HEX" lines of EXPECTED (any order) must leave the ports.
expect_tx() {
    local name=$1 in=$2 fr=$3 want got='' n i
    want=$(printf '%s\n' "$4" | sed '/^$/d' | sort)
    n=$(printf '%s' "$want" | grep -c .)
    if ! inject "$in" "$fr"; then
        fail "$name" "netdev-dummy/receive $in failed"
        return
    fi
    for ((i = 0; i < 100; i++)); do
        got+=$(sent_round)$'\n'
        [ "$(printf '%s' "$got" | grep -c .)" -ge "$n" ] && [ $i -ge 2 ] \
            && break
        sleep 0.05
    done
    sleep 0.2
    got+=$(sent_round)
    got=$(printf '%s\n' "$got" | sed '/^$/d' | sort)
    if [ "$got" = "$want" ]; then
        pass "$name"
    else
        fail "$name" "expected [$(summary <<<"$want")] got [$(summary <<<"$got")]"
    fi
}

mstat() { vsctl get Mirror "$1" "statistics:$2" 2>/dev/null; }
mstat_is() { [ "$(mstat "$1" "$2")" = "$3" ]; }

vs_start || exit 1
vsctl set Open_vSwitch . other_config:stats-update-interval=1000

A=02:00:00:00:00:0a
B=02:00:00:00:00:0b
C=02:00:00:00:00:0c
BCAST=ff:ff:ff:ff:ff:ff

check "setup: bridge of dummy ports" \
    vsctl add-br br0 -- set Interface br0 type=dummy -- set Port br0 tag=4000 \
    -- set Bridge br0 flood_vlans=999 \
    -- add-port br0 p1 trunks=0,10,20 -- set Interface p1 type=dummy \
    -- add-port br0 p2 trunks=0,10,20 -- set Interface p2 type=dummy \
    -- add-port br0 p3 trunks=0,10,20 -- set Interface p3 type=dummy \
    -- add-port br0 mon trunks=0,10,20 -- set Interface mon type=dummy \
    -- add-port br0 t999 trunks=999 -- set Interface t999 type=dummy \
    -- add-port br0 a999 tag=999 -- set Interface a999 type=dummy \
    -- add-port br0 a10 tag=10 -- set Interface a10 type=dummy

# ---------------------------------------------------------------------------
# Without mirrors, mon is an ordinary port.
drain
f=$(frame $BCAST $A)
expect_tx "no mirror: a broadcast floods to every port of VLAN 0" p1 "$f" \
    "p2 $f
p3 $f
mon $f"

# SPAN of everything: one copy per frame although every mirror-eligible
# point (in on p1, out on p2 and p3) selects it; mon is mirror-only.
check "span: create mirror m1 select_all -> mon" \
    vsctl -- --id=@p get Port mon \
    -- --id=@m create Mirror name=m1 select_all=true output_port=@p \
    -- add Bridge br0 mirrors @m
expect_tx "span: broadcast copied once to mon" p1 "$f" \
    "p2 $f
p3 $f
mon $f"
before=$(vsappctl dpif/show | awk '/^drops by reason:/ { f = 1 } f && $1 == "mirror-output" { print $2 }')
expect_tx "span: what mon receives goes nowhere" mon "$(frame $BCAST $C)" ""
after=$(vsappctl dpif/show | awk '/^drops by reason:/ { f = 1 } f && $1 == "mirror-output" { print $2 }')
check_true "span: ... and is counted as mirror-output (${before:-0} -> $after)" \
    test "${after:-0}" -gt "${before:-0}"
fb=$(frame $A $B)
expect_tx "span: unicast B->A (A learned on p1) copied once" p2 "$fb" \
    "p1 $fb
mon $fb"
f10=$(frame $BCAST $A 10)
expect_tx "span: VLAN 10 copy keeps its tag on the trunk mon; a10 untagged" \
    p1 "$f10" \
    "p2 $f10
p3 $f10
mon $f10
a10 $(untagged "$f10")"
check_true "span: mirror/show describes m1" \
    sh -c "'$VSAPPCTL' mirror/show br0 | grep -q 'destination: SPAN port mon'"
check_error "mirror/show: unknown bridge" 2 "no such bridge" \
    vsappctl mirror/show nosuchbr

# Statistics: written back, counted once per copy; bytes as the pipeline
# holds the frame (without the VLAN tag the input port interpreted).
check_true "statistics: m1 tx_packets reaches 3" \
    wait_for 10 mstat_is m1 tx_packets 3
check_output "statistics: m1 tx_bytes" "$(( 60 + 60 + 60 ))" \
    mstat m1 tx_bytes

# select_src_port only.
check "src: m1 selects what enters p1 only" \
    vsctl -- --id=@p1 get Port p1 -- set Mirror m1 select_all=false \
    select_src_port=@p1
fc=$(frame $BCAST $C)
expect_tx "src: from p1 copied" p1 "$f" "p2 $f
p3 $f
mon $f"
expect_tx "src: from p2 not copied" p2 "$fc" "p1 $fc
p3 $fc"

# select_dst_port only: B is on p2, A on p1.
check "dst: m1 selects what leaves p2 only" \
    vsctl -- --id=@p2 get Port p2 -- clear Mirror m1 select_src_port \
    -- set Mirror m1 select_dst_port=@p2
fab=$(frame $B $A)
expect_tx "dst: A->B leaves p2, copied" p1 "$fab" "p2 $fab
mon $fab"
expect_tx "dst: B->A leaves p1, not copied" p2 "$fb" "p1 $fb"

# select_vlan.
check "vlan: m1 selects VLAN 10 on every port" \
    vsctl clear Mirror m1 select_dst_port -- set Mirror m1 select_all=true \
    select_vlan=10
f20=$(frame $BCAST $A 20)
expect_tx "vlan: VLAN 10 copied" p1 "$f10" "p2 $f10
p3 $f10
mon $f10
a10 $(untagged "$f10")"
expect_tx "vlan: VLAN 20 not copied" p1 "$f20" "p2 $f20
p3 $f20"

# snaplen.
check "snaplen: m1 every VLAN, 64 bytes" \
    vsctl clear Mirror m1 select_vlan -- set Mirror m1 snaplen=64
big=$(frame $BCAST $A - 88b5 300)
expect_tx "snaplen: the copy is cut to 64 bytes, the frame is whole" p1 \
    "$big" "p2 $big
p3 $big
mon ${big:0:128}"
check "snaplen: cleared" vsctl clear Mirror m1 snaplen

# filter.
check "filter: m1 filter 'ether src $A'" \
    vsctl set Mirror m1 "filter=\"ether src $A\""
expect_tx "filter: from A copied" p1 "$f" "p2 $f
p3 $f
mon $f"
expect_tx "filter: from C not copied" p1 "$fc" "p2 $fc
p3 $fc"
check "filter: m1 filter 'ether proto 0x88b6'" \
    vsctl set Mirror m1 'filter="ether proto 0x88b6"'
f6=$(frame $BCAST $A - 88b6)
expect_tx "filter: EtherType 88b6 copied" p1 "$f6" "p2 $f6
p3 $f6
mon $f6"
expect_tx "filter: EtherType 88b5 not copied" p1 "$f" "p2 $f
p3 $f"
check "filter: cleared" vsctl clear Mirror m1 filter

# Two mirrors to the same port: still one copy.
check "dedup: m2 select_src_port=p1 -> mon as well" \
    vsctl -- --id=@p get Port mon -- --id=@p1 get Port p1 \
    -- --id=@m create Mirror name=m2 select_src_port=@p1 output_port=@p \
    -- add Bridge br0 mirrors @m
expect_tx "dedup: one copy for two mirrors" p1 "$f" "p2 $f
p3 $f
mon $f"

# ---------------------------------------------------------------------------
# RSPAN to VLAN 999: tagged on the trunk t999, untagged on the access port
# a999, nowhere else; no copy of copies; nothing to mon once the SPAN
# mirrors are gone.
check "rspan: replace the mirrors with r1 select_all -> VLAN 999" \
    vsctl -- clear Bridge br0 mirrors \
    -- --id=@m create Mirror name=r1 select_all=true output_vlan=999 \
    -- add Bridge br0 mirrors @m
expect_tx "rspan: broadcast VLAN 0 from p1" p1 "$f" "p2 $f
p3 $f
mon $f
t999 $(tagged "$f" 999)
a999 $f"
expect_tx "rspan: VLAN 10 copy re-tagged 999" p1 "$f10" "p2 $f10
p3 $f10
mon $f10
a10 $(untagged "$f10")
t999 $(tagged "$(untagged "$f10")" 999)
a999 $(untagged "$f10")"
f999=$(frame $BCAST $C 999)
expect_tx "rspan: a frame already in VLAN 999 is not copied to it again" \
    t999 "$f999" "a999 $(untagged "$f999")"
check_output "rspan: VLAN 999 (flood_vlans) is not learned" "" \
    sh -c "'$VSAPPCTL' fdb/show br0 | awk '\$2 == 999'"
check "rspan: plus a SPAN of everything to mon" \
    vsctl -- --id=@p get Port mon \
    -- --id=@m create Mirror name=m1 select_all=true output_port=@p \
    -- add Bridge br0 mirrors @m
expect_tx "rspan+span: one copy each, copies are not mirrored again" p1 \
    "$f" "p2 $f
p3 $f
mon $f
t999 $(tagged "$f" 999)
a999 $f"
check "rspan: removed" vsctl clear Bridge br0 mirrors

# ---------------------------------------------------------------------------
# 32 mirrors in a bridge, all to mon: one copy, each counts it; a 33rd is
# refused.
args=(-- --id=@p get Port mon)
for i in $(seq 0 31); do
    args+=(-- --id=@m$i create Mirror name=x$i select_all=true output_port=@p
           -- add Bridge br0 mirrors @m$i)
done
check "32 mirrors: created in one transaction" vsctl "${args[@]}"
expect_tx "32 mirrors: one copy" p1 "$f" "p2 $f
p3 $f
mon $f"
check_true "32 mirrors: x0 and x31 each count it" \
    wait_for 10 sh -c "[ \"\$('$VSCTL' get Mirror x0 statistics:tx_packets)\" = 1 ] &&
                       [ \"\$('$VSCTL' get Mirror x31 statistics:tx_packets)\" = 1 ]"
check_output "32 mirrors: mirror/show lists them" 32 \
    sh -c "'$VSAPPCTL' mirror/show br0 | grep -c '^mirror '"
check_error "32 mirrors: a 33rd is refused" 1 "more than the 32" \
    vsctl -- --id=@p get Port mon \
    -- --id=@m create Mirror name=x32 select_all=true output_port=@p \
    -- add Bridge br0 mirrors @m
check "32 mirrors: removed" vsctl clear Bridge br0 mirrors

# ---------------------------------------------------------------------------
# Validation: exit 1, a clear message, nothing changed.
check "validation: m1 for the checks" \
    vsctl -- --id=@p get Port mon \
    -- --id=@m create Mirror name=m1 select_all=true output_port=@p \
    -- add Bridge br0 mirrors @m
sleep 1.5      # Let the statistics settle before comparing dumps.
dump_before=$(db_dump)
check_error "validation: both output_port and output_vlan" 1 \
    "exactly one destination" vsctl set Mirror m1 output_vlan=999
check_error "validation: no destination" 1 "no destination" \
    vsctl -- --id=@m create Mirror name=m9 select_all=true \
    -- add Bridge br0 mirrors @m
check_error "validation: invalid pcap filter, libpcap's message" 1 \
    "syntax error" vsctl set Mirror m1 'filter="tcp port"'
check_error "validation: an OVS 3.4 OpenFlow match" 1 "OpenFlow match" \
    vsctl set Mirror m1 'filter="tcp,tp_dst=80"'
check_error "validation: snaplen below 14" 1 "snaplen" \
    vsctl set Mirror m1 snaplen=10
check_error "validation: snaplen above 65535" 1 "snaplen" \
    vsctl set Mirror m1 snaplen=65536
check_output "validation: nothing changed" "$dump_before" db_dump

# ---------------------------------------------------------------------------
# Changes apply to traffic already flowing: a stream of unicast frames
# from A on p1 to B on p2 while the mirror is removed, added back and
# redirected.
inject p2 "$fb"
stream() {
    local i
    for ((i = 0; i < $1; i++)); do
        inject p1 "$fab" || return 1
        sleep 0.02
    done
}
count_on() { sent_round | awk -v p="$1" '$1 == p' | wc -l; }
drain
stream 10
sleep 0.3
check_true "live: mon gets the stream while m1 exists" \
    test "$(count_on mon)" -ge 10
check "live: remove m1 with frames flowing" vsctl clear Bridge br0 mirrors
drain
stream 10
sleep 0.3
check_output "live: nothing to mon once it is gone" 0 count_on mon
check "live: r1 to VLAN 999 added back" \
    vsctl -- --id=@m create Mirror name=r1 select_all=true output_vlan=999 \
    -- add Bridge br0 mirrors @m
drain
stream 10
sleep 0.3
n=$(sent_round | awk '$1 == "t999" || $1 == "mon"' | sort | uniq -c | awk '{ print $2 ":" $1 }' | sort | tr '\n' ' ')
check_output "live: the stream goes to t999 only, 10 copies" "t999:10 " \
    echo "$n"
check "live: removed" vsctl clear Bridge br0 mirrors

# ---------------------------------------------------------------------------
# vs-tcpdump's leftovers (external_ids:vs-tcpdump=PID of a dead process)
# are removed by the daemon; a live one's are kept.
sleep 0.01 & dead=$!
wait $dead
sleep 300 & alive=$!
on_exit "kill $alive"
check "sweep: leftovers of a dead and of a live vs-tcpdump" \
    vsctl -- add-port br0 vst1 -- set Interface vst1 type=dummy \
    -- set Port vst1 external_ids:vs-tcpdump=$dead \
    -- --id=@p get Port vst1 -- --id=@q get Port p1 \
    -- --id=@m create Mirror name=dead select_src_port=@q \
       select_dst_port=@q output_port=@p external_ids:vs-tcpdump=$dead \
    -- add Bridge br0 mirrors @m \
    -- --id=@m2 create Mirror name=alive select_src_port=@q \
       output_vlan=999 external_ids:vs-tcpdump=$alive \
    -- add Bridge br0 mirrors @m2
gone() { [ -z "$(vsctl --bare --columns=name find Mirror name=dead)" ] &&
         ! vsctl list-ports br0 | grep -qx vst1; }
check_true "sweep: the dead one's mirror and port are removed" \
    wait_for 15 gone
check_output "sweep: the live one's mirror stays" alive \
    vsctl --bare --columns=name find Mirror name=alive
