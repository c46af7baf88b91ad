#!/usr/bin/env bash
# Installs every Debian 12 package b2m needs, then configures and builds it.
# Idempotent: run it again after pulling. Usage: scripts/setup.sh [--no-build]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  llvm-19-dev llvm-19-tools clang-19 libclang-rt-19-dev
  libeigen3-dev libopenblas-dev liblapacke-dev
  libfmt-dev libsndfile1-dev libsamplerate0-dev libnifti2-dev zlib1g-dev
  libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  mricron-data python3 python3-numpy
)
# Only for bench/ comparison scripts and reference checks; B2M_SETUP_MINIMAL=1 skips them.
extra_packages=(python3-sklearn python3-torch chromium)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
want=("${packages[@]}")
if [ "${B2M_SETUP_MINIMAL:-0}" != 1 ]; then want+=("${extra_packages[@]}"); fi
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "b2m setup: installing ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "b2m setup: all Debian packages present"
fi

if [ "${1:-}" = "--no-build" ]; then exit 0; fi

build="${B2M_BUILD_DIR:-$here/build}"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++
cmake --build "$build" -j "$(nproc)"
echo "b2m setup: built into $build"
