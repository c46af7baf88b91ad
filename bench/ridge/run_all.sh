#!/bin/sh
# Runs the two paper-size ridge cases once and the comparison on the same
# arrays; figures go to bench/README.md ("Ridge regression").
#   bench/ridge/run_all.sh BUILD_DIR OUT_DIR
set -eu
build=${1:-build}
out=${2:-/tmp/b2m-ridge-bench}
mkdir -p "$out"
for case in encoding decoding; do
  "$build/bin/ridge_bench" --case "$case" --out "$out" > "$out/${case}_b2m.json"
  cat "$out/${case}_b2m.json"
done
# scikit-learn's 100 fits at 60000 targets take ~10x longer than everything
# else together: run them on 6000 targets and scale (documented in the JSON).
/usr/bin/python3 "$(dirname "$0")/compare.py" --dir "$out" --case encoding \
  --b2m-json "$out/encoding_b2m.json" --sklearn-targets 6000 | tee "$out/encoding_compare.json"
/usr/bin/python3 "$(dirname "$0")/compare.py" --dir "$out" --case decoding \
  --b2m-json "$out/decoding_b2m.json" | tee "$out/decoding_compare.json"
