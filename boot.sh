#!/bin/sh
# Generates ./configure from configure.ac and the automake fragments.
set -e
cd "$(dirname "$0")"
autoreconf --install --force
