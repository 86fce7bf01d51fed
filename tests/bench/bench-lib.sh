# bench-lib.sh -- what the benchmark scripts share (sourced, not run).
# Sets 'here' (tests/bench) and 'builddir' (default: the tree it is in).

here=$(cd "$(dirname "$0")" && pwd)
: "${builddir:=$here/../..}"
builddir=$(cd "$builddir" && pwd)

# want NAME: true if NAME is in the comma-separated $ONLY.
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }

# stop_pidfile FILE: ends the process FILE names, TERM then (after 10 s)
# KILL; nothing if there is none.
stop_pidfile() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 0
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 200); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null
}

# isolate_cpu CPU: moves every task whose affinity is all the online CPUs
# off CPU (to the others), recording each in $TMP/isolated, so that a
# benchmark's pinned forwarding thread has its CPU to itself; processes
# the benchmark starts afterwards pin themselves.  A measurement aid for
# a shared machine: other work slows down meanwhile.  unisolate_cpu puts
# them back (the EXIT trap should call it).
isolate_cpu() {
    local all others t tid
    all=$(taskset -p $$ | awk '{ print $NF }')
    others=$(printf '%x' $(( 0x$all & ~(1 << $1) )))
    : > "$TMP/isolated"
    for t in /proc/[0-9]*/task/[0-9]*; do
        tid=${t##*/}
        [ "$(taskset -p "$tid" 2>/dev/null | awk '{ print $NF }')" = "$all" ] \
            || continue
        taskset -p "$others" "$tid" >/dev/null 2>&1 \
            && echo "$tid" >> "$TMP/isolated"
    done
    # This script and what it starts keep every CPU.
    taskset -p "$all" $$ >/dev/null 2>&1
    echo "$all" > "$TMP/isolated.mask"
}
unisolate_cpu() {
    local tid all
    [ -s "$TMP/isolated.mask" ] || return 0
    all=$(cat "$TMP/isolated.mask")
    while read -r tid; do
        taskset -p "$all" "$tid" >/dev/null 2>&1
    done < "$TMP/isolated"
    rm -f "$TMP/isolated" "$TMP/isolated.mask"
}
