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
