#!/bin/bash
# tests/integration/layers.sh -- the build enforces DESIGN.md's layers:
# runs "make check-layers" in the build tree (probes that must fail or
# succeed to compile with each layer's include paths).
: "${builddir:=.}"
make -s -C "$builddir" check-layers
