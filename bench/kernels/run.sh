#!/usr/bin/env bash
# Issue 3's benchmark, side by side in one run: b2m's fused kernels (with the
# copy bandwidth measured in the same process) and numpy one step at a time.
#   bench/kernels/run.sh [BUILD_DIR] [TIME] [VOXEL] [THREADS]
set -euo pipefail
build="${1:-build}"; T="${2:-4800}"; V="${3:-60000}"; threads="${4:-2}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
b2m=$("$build/bin/bench_fused" "$T" "$V" "$threads" 7)
np=$(OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" /usr/bin/python3 "$here/numpy_steps.py" "$T" "$V" 3)
echo "b2m:   $b2m"
echo "numpy: $np"
pipeline=$(echo "$b2m" | sed -E 's/.*pipeline_s=([0-9.]+).*/\1/')
numpy=$(echo "$np" | sed -E 's/.*numpy_s=([0-9.]+).*/\1/')
frac=$(echo "$b2m" | sed -E 's/.*fraction_of_copy=([0-9.]+).*/\1/')
# Per placement of the two vCPUs (bench/README.md, session 5): fraction@copy GB/s/rounds.
near=$(echo "$b2m" | sed -E 's/.*near_cpus=([^ ]+).*/\1/')
far=$(echo "$b2m" | sed -E 's/.*far_cpus=([^ ]+).*/\1/')
# What a hand-written one-pass schedule reaches in the same conditions (an
# upper bound for what the compiler could generate; see bench/README.md).
if [ -x "$build/bin/bench_onepass_bound" ]; then
  echo "bound: $("$build/bin/bench_onepass_bound" "$T" "$V" "$threads" 5)"
fi
echo "ratio: fraction of copy bandwidth = $frac (near placement $near, far $far; goal >= 0.70); numpy / b2m = $(/usr/bin/python3 -c "print(round($numpy/$pipeline, 2))") (goal >= 3)"
