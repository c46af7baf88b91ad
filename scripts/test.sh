#!/usr/bin/env bash
# Runs every b2m test (GoogleTest unit tests and lit/FileCheck tests) through ctest.
# Builds first if needed. Extra arguments go to ctest (e.g. -R lit, -L unit).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${B2M_BUILD_DIR:-$here/build}"
if [ ! -f "$build/build.ninja" ]; then
  "$here/scripts/setup.sh"
else
  cmake --build "$build" -j "$(nproc)"
fi
export B2M_PROGRESS=0
cd "$build"
ctest --output-on-failure -j "$(nproc)" "$@"
