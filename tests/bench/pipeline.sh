#!/bin/bash
# pipeline.sh -- benchmark (not a test): the userspace datapath's own cost
# per packet, with no device, as a figure that repeats from run to run.
#
# tests/bench/pipeline-bench runs dp_pipeline_run() directly over
# tests/bench/dpdk.sh's traffic (64-byte frames, 256 source MACs behind
# each port, each frame to a MAC behind another port; batches of 32 taken
# from the ports in turn, held sends flushed after each pass) into ports
# that free what they are sent.  Per variant and port count this prints:
#
#   cycles/pkt  TSC cycles per packet, best of --runs runs of --packets
#               packets (passes in which the thread was descheduled left
#               out); on a shared machine it still moves by tens of
#               percent from run to run;
#   instr/pkt   instructions per packet of the steady state, counted by
#               valgrind's callgrind: two runs of A and B packets after the
#               same warm-up, (Ir(B) - Ir(A)) / (B - A), counting only what
#               dp_pipeline_run() and dp_output_flush_held() execute.  It
#               repeats exactly between runs of the same build, so a 5 %
#               change to the datapath shows; it is no cycle count (cache
#               misses and branch mispredictions cost nothing in it).
#
# Variants as in dpdk.sh: untagged (trunk ports, untagged frames), access
# (access ports of VLAN 10), trunk (trunk ports, frames tagged VLAN 10).
#
# Usage: tests/bench/pipeline.sh [--variants=LIST] [--ports=LIST]
#                                [--packets=N] [--runs=N] [--cpu=N]
#                                [--callgrind=A,B] [--no-callgrind]
#                                [--stages]
#   --variants=LIST  untagged, access, trunk (default: all three)
#   --ports=LIST     port counts, 2..16 (default: 2,4)
#   --packets=N      packets per timed run (default 2000000)
#   --runs=N         timed runs, the best counts (default 7)
#   --cpu=N          pin the bench to CPU N
#   --callgrind=A,B  packet counts of the two callgrind runs (default
#                    100000,200000)
#   --no-callgrind   cycles only (also when valgrind is not installed)
#   --stages         also each stage's share of the cycles (timed through
#                    the stage table; the timers inflate the total)
# Re-run one figure by hand:
#   tests/bench/pipeline-bench --variant=trunk --ports=4 [--stages]
#   valgrind --tool=callgrind --toggle-collect=bench_pipeline_run \
#       --toggle-collect=bench_flush_held \
#       tests/bench/pipeline-bench --variant=trunk --ports=4 --iterations=A
#   (the same with B, then difference of "Collected" over difference of
#   the "packets" it printed).
# Environment: builddir (default: the tree this script is in).
set -u

VARIANTS=untagged,access,trunk
PORTS=2,4
PACKETS=2000000
RUNS=7
CPU=
CALLGRIND=100000,200000
STAGES=0
while [ $# -gt 0 ]; do
    case $1 in
        --variants=*) VARIANTS=${1#--variants=} ;;
        --ports=*) PORTS=${1#--ports=} ;;
        --packets=*) PACKETS=${1#--packets=} ;;
        --runs=*) RUNS=${1#--runs=} ;;
        --cpu=*) CPU=${1#--cpu=} ;;
        --callgrind=*) CALLGRIND=${1#--callgrind=} ;;
        --no-callgrind) CALLGRIND= ;;
        --stages) STAGES=1 ;;
        -h|--help) sed -n '2,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//'
                   exit 0 ;;
        *) echo "$0: unknown argument '$1' (try --help)" >&2; exit 1 ;;
    esac
    shift
done
for v in ${VARIANTS//,/ }; do
    case $v in untagged|access|trunk) ;;
        *) echo "$0: unknown variant '$v' (untagged, access, trunk)" >&2
           exit 1 ;;
    esac
done
CG_A= CG_B=
if [ -n "$CALLGRIND" ]; then
    IFS=, read -r CG_A CG_B <<<"$CALLGRIND"
    if ! [[ $CG_A =~ ^[0-9]+$ && $CG_B =~ ^[0-9]+$ ]]; then
        echo "$0: --callgrind wants two packet counts A,B" >&2
        exit 1
    fi
    if [ "$CG_A" -ge "$CG_B" ]; then
        echo "$0: --callgrind wants A < B" >&2
        exit 1
    fi
    if ! command -v valgrind >/dev/null; then
        echo "$0: no valgrind: cycles only" >&2
        CALLGRIND=
    fi
fi

. "$(dirname "$0")/bench-lib.sh"
BENCH=$builddir/tests/bench/pipeline-bench
if [ ! -x "$BENCH" ]; then
    echo "$0: $BENCH is not built (make)" >&2
    exit 1
fi
TMP=$(mktemp -d /tmp/vs-pipeline.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT

# instructions VARIANT PORTS N: "PACKETS IR" of a callgrind run of N.
instructions() {
    local out=$TMP/cg.$1.$2.$3 packets ir
    packets=$(valgrind --tool=callgrind --callgrind-out-file="$out" \
                  --toggle-collect=bench_pipeline_run \
                  --toggle-collect=bench_flush_held \
                  "$BENCH" --variant="$1" --ports="$2" --iterations="$3" \
                  2>"$out.log" | awk '{ print $NF }')
    ir=$(awk '$1 == "summary:" { print $2 }' "$out")
    if [ -z "$packets" ] || [ -z "$ir" ]; then
        echo "$0: callgrind run failed:" >&2
        cat "$out.log" >&2
        return 1
    fi
    echo "$packets $ir"
}

rev=$(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)
results=()
for v in ${VARIANTS//,/ }; do
    for n in ${PORTS//,/ }; do
        echo "== $v, $n ports" >&2
        args=(--variant="$v" --ports="$n" --packets="$PACKETS" --runs="$RUNS")
        [ -n "$CPU" ] && args+=(--cpu="$CPU")
        [ "$STAGES" = 1 ] && args+=(--stages)
        out=$("$BENCH" "${args[@]}") || exit 1
        [ "$STAGES" = 1 ] && printf '%s\n\n' "$out" | grep -v '^variant' >&2
        cyc=$(awk '/^variant/ { for (i = 1; i < NF; i++)
                                   if ($i == "best") print $(i + 1) }' \
                  <<<"$out")
        ipp=-
        if [ -n "$CALLGRIND" ]; then
            a=$(instructions "$v" "$n" "$CG_A") || exit 1
            b=$(instructions "$v" "$n" "$CG_B") || exit 1
            ipp=$(awk -v a="$a" -v b="$b" 'BEGIN {
                      split(a, x, " "); split(b, y, " ")
                      printf "%.1f", (y[2] - x[2]) / (y[1] - x[1]) }')
        fi
        results+=("$(printf '%-10s %5s %18s %18s' "$v" "$n" "$cyc" "$ipp")")
    done
done

echo
echo "vswitch $rev: the userspace pipeline alone (tests/bench/pipeline-bench)"
printf '%-10s %5s %18s %18s\n' variant ports "cycles/pkt(best/$RUNS)" \
    instructions/pkt
printf '%s\n' "${results[@]}"
echo "64-byte frames, batches of 32; counted: dp_pipeline_run() and the"
echo "held sends (all stages, netdev_send()'s shared part, a sink that frees"
echo "each packet); not counted: any device, rx/tx driver, clock reads or"
if [ -n "$CALLGRIND" ]; then
    echo "thread loop.  Cycles are TSC cycles and noisy; instructions"
    echo "(callgrind, runs of $CG_A and $CG_B packets) repeat exactly and are"
    echo "the figure to compare between builds."
else
    echo "thread loop.  Cycles are TSC cycles and noisy."
fi
