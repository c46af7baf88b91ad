#!/bin/bash
# Runs the generation benchmarks and the PyTorch baseline side by side on the
# same random weights and prints the table for bench/README.md ("Generation").
#   bench/gen/run.sh [build-dir] [threads]
set -euo pipefail
build="${1:-build}"
threads="${2:-2}"
out="${B2M_BENCH_DIR:-/tmp}"
export B2M_BENCH_DIR="$out" B2M_THREADS="$threads"
"$build/bin/gen_bench" --benchmark_format=json --benchmark_out="$out/b2m_gen_bench.json" \
  --benchmark_out_format=json > /dev/null
/usr/bin/python3 "$(dirname "$0")/torch_gpt_step.py" "$out/b2m_bench_gpt.safetensors" --threads "$threads" \
  > "$out/b2m_torch_step.json"
/usr/bin/python3 - "$out/b2m_gen_bench.json" "$out/b2m_torch_step.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
t = json.load(open(sys.argv[2]))
rows = {r["name"].split("/min_time")[0]: r for r in b["benchmarks"]}
copy = rows["BM_CopyBandwidth/iterations:1"]["GB/s"]
print(f"copy bandwidth (read+write, {t['threads']} threads): {copy:.1f} GB/s")
print("| decode step, 12x768, vocab 12096, ctx 256 | weights MB | b2m ms | floor ms | of floor | PyTorch ms | speed-up |")
print("|---|---|---|---|---|---|---|")
for name, key in [("F32", "BM_GptDecodeStep/0"), ("BF16", "BM_GptDecodeStep/1")]:
    r = rows[key]
    torch_ms = t[name.lower() + "_step_ms"]
    print(f"| {name} | {r['weight_MB']:.0f} | {r['step_ms']:.2f} | {r['floor_ms']:.2f} | {100*r['of_floor']:.0f}% "
          f"| {torch_ms:.2f} | {torch_ms / r['step_ms']:.2f}x |")
e = rows["BM_EncodecDecode/150"]
print(f"\nEnCodec-24kHz-size decoder, {e['audio_s']:.0f} s of audio: {e['x_realtime']:.1f}x real time")
PY
