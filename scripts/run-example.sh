#!/usr/bin/env bash
# The README's main job: simulate the built-in dataset, compile
# examples/brain2music.b2m into an executable, run it, and write the report.
#
#   scripts/run-example.sh [--preset tiny|default|paper] [--data DIR] [--out DIR]
#                          [--seed N] [--snr X] [--threads N] [--keep-data]
#
# Stages and their times are printed at the end. The dataset is simulated
# again unless --keep-data is given and DIR already holds one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${B2M_BUILD_DIR:-$here/build}"
preset=default
data="$here/data/synth"
out="$here/out/brain2music"
seed=0
snr=""
threads=0
keep_data=0
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --snr) snr="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --keep-data) keep_data=1; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-example.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

for tool in b2mc b2m-synth b2m-report b2m-make-model; do
  if [ ! -x "$build/bin/$tool" ]; then
    echo "run-example.sh: $build/bin/$tool is missing: run scripts/setup.sh first" >&2
    exit 1
  fi
done

# Progress bars even when the output is piped (CI logs, tee).
export B2M_PROGRESS="${B2M_PROGRESS:-1}"
export B2M_STDLIB_DIR="$here/stdlib"
export B2M_MODEL_DIR="${B2M_MODEL_DIR:-$build/models}"

stages=()
times=()
stage() {  # stage NAME COMMAND...: runs it and records its wall time
  local name="$1"; shift
  echo "==> $name"
  local t0; t0=$(date +%s.%N)
  "$@"
  local t1; t1=$(date +%s.%N)
  stages+=("$name")
  times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
}

if [ ! -f "$B2M_MODEL_DIR/tiny/config.json" ]; then
  stage "model (random tiny generator)" "$build/bin/b2m-make-model" --out "$B2M_MODEL_DIR/tiny"
fi

if [ "$keep_data" = 1 ] && [ -f "$data/dataset_description.json" ]; then
  echo "==> dataset: keeping $data"
else
  synth_args=(--preset "$preset" --out "$data" --seed "$seed" --threads "$threads" --force)
  if [ -n "$snr" ]; then synth_args+=(--snr "$snr"); fi
  stage "simulate dataset ($preset)" "$build/bin/b2m-synth" "${synth_args[@]}"
fi

mkdir -p "$out"
stage "compile examples/brain2music.b2m" "$build/bin/b2mc" "$here/examples/brain2music.b2m" \
  --stdlib-dir "$here/stdlib" -o "$out/brain2music"
stage "run the pipeline" "$out/brain2music" --data "$data" --out "$out" --seed "$seed" --threads "$threads"
stage "report" "$build/bin/b2m-report" --run "$out" --data "$data" --out "$out/report.html"

echo
echo "Table 2 on the simulated dataset ($out/metrics.json):"
/usr/bin/env python3 - "$out/metrics.json" <<'EOF' 2>/dev/null || cat "$out/metrics.json"
import json, sys
m = json.load(open(sys.argv[1]))
print(f"  identification accuracy  test {m['identification_test']:.3f}   train {m['identification_train']:.3f}   (chance 0.5; paper, MuLan: 0.876 / 0.992)")
print(f"  Pearson r                test {m['pearson_test']:.3f}   train {m['pearson_train']:.3f}   (paper: 0.307 / 0.538)")
print(f"  retrieved genre agrees   top-1 {m['genre_agreement_top1']:.0%}   top-5 {m['genre_agreement_top5']:.0%}   (chance 10%)")
EOF
echo
echo "Time per stage:"
total=0
for i in "${!stages[@]}"; do
  printf "  %-36s %7.1f s\n" "${stages[$i]}" "${times[$i]}"
  total=$(awk -v a="$total" -v b="${times[$i]}" 'BEGIN { printf "%.3f", a + b }')
done
printf "  %-36s %7.1f s\n" "total" "$total"
echo
echo "Report: $out/report.html"
