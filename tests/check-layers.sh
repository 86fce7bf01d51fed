#!/bin/bash
# tests/check-layers.sh -- proves that the build enforces the layers of
# DESIGN.md: for each layer, a probe that includes a header of a layer it
# may not use must fail to compile with that layer's flags, and a probe of
# an allowed header must compile (so a failure is about the include path,
# not a broken compiler).  Also no source may reach around the include
# paths with a relative "../" include.
#
# Run by "make check-layers", which passes CC and every layer's flags in
# the environment (LIB_CPPFLAGS, DB_CPPFLAGS, ...).  Prints PASS:/FAIL:
# lines like the other tests.
set -u
: "${srcdir:=.}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vswitch-layers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
rc=0

probe() {                       # probe LAYER FLAGS HEADER allowed|forbidden
    local layer=$1 flags=$2 header=$3 want=$4 got
    printf '#include <config.h>\n#include "%s"\n' "$header" > "$tmp/probe.c"
    # shellcheck disable=SC2086
    if $CC $flags -fsyntax-only "$tmp/probe.c" 2>"$tmp/err"; then
        got=allowed
    else
        got=forbidden
    fi
    if [ "$got" = "$want" ]; then
        echo "PASS: layers: $layer including \"$header\" is $want"
    else
        echo "FAIL: layers: $layer including \"$header\" -- expected" \
             "$want, was $got: $(head -1 "$tmp/err")"
        rc=1
    fi
}

probe lib "$LIB_CPPFLAGS" util.h allowed
probe lib "$LIB_CPPFLAGS" db.h forbidden
probe lib "$LIB_CPPFLAGS" netdev.h forbidden
probe lib "$LIB_CPPFLAGS" dpif.h forbidden
probe db "$DB_CPPFLAGS" db.h allowed
probe db "$DB_CPPFLAGS" netdev.h forbidden
probe db "$DB_CPPFLAGS" dpif.h forbidden
probe db "$DB_CPPFLAGS" bridge.h forbidden
probe netdev "$NETDEV_CPPFLAGS" netdev-provider.h allowed
probe netdev "$NETDEV_CPPFLAGS" db.h forbidden
probe netdev "$NETDEV_CPPFLAGS" dpif.h forbidden
probe datapath "$DATAPATH_CPPFLAGS" dpif-provider.h allowed
probe datapath "$DATAPATH_CPPFLAGS" netdev.h allowed
probe datapath "$DATAPATH_CPPFLAGS" db.h forbidden
probe datapath "$DATAPATH_CPPFLAGS" db/db.h forbidden
probe datapath "$DATAPATH_CPPFLAGS" bridge.h forbidden
probe export "$EXPORT_CPPFLAGS" flow-key.h allowed
probe export "$EXPORT_CPPFLAGS" db.h forbidden
probe export "$EXPORT_CPPFLAGS" dpif.h forbidden
probe export "$EXPORT_CPPFLAGS" bridge.h forbidden
probe netdev "$NETDEV_CPPFLAGS" netflow.h forbidden
probe datapath "$DATAPATH_CPPFLAGS" netflow.h forbidden
probe utilities "$UTILITIES_CPPFLAGS" jsonrpc.h allowed
probe utilities "$UTILITIES_CPPFLAGS" db.h forbidden
probe utilities "$UTILITIES_CPPFLAGS" netdev.h forbidden
probe utilities "$UTILITIES_CPPFLAGS" dpif.h forbidden

sneaky=$(cd "$srcdir" && grep -rlE '#[[:space:]]*include[[:space:]]*"\.\./' \
             lib db netdev datapath export vswitchd utilities 2>/dev/null)
if [ -z "$sneaky" ]; then
    echo "PASS: layers: no relative ../ includes"
else
    echo "FAIL: layers: relative ../ includes in:" $sneaky
    rc=1
fi
exit $rc
