#!/usr/bin/env bash
# The main job: compiles examples/brain2music.b2m and prints its optimized IR.
# (The full decode-and-reconstruct run replaces this once the executable path,
# the fMRI runtime and the built-in dataset exist: see the issues.)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${B2M_BUILD_DIR:-$here/build}"
"$build/bin/b2mc" "$here/examples/brain2music.b2m" --stdlib-dir "$here/stdlib" --emit=ir-opt "$@"
