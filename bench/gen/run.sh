#!/bin/bash
# Runs the generation benchmarks and the PyTorch baseline side by side on the
# same random weights and prints the table for bench/README.md ("Generation").
#   bench/gen/run.sh [build-dir] [threads] [rounds]
# The VM is shared, so b2m and PyTorch alternate for `rounds` rounds (default
# 3); the table gives medians over the rounds and the median of the per-round
# ratios (each ratio taken between runs seconds apart).
set -euo pipefail
build="${1:-build}"
threads="${2:-2}"
rounds="${3:-3}"
out="${B2M_BENCH_DIR:-/tmp}"
export B2M_BENCH_DIR="$out" B2M_THREADS="$threads"
for r in $(seq 1 "$rounds"); do
  "$build/bin/gen_bench" --benchmark_filter='Copy|Gpt' --benchmark_format=json \
    --benchmark_out="$out/b2m_gen_bench.$r.json" --benchmark_out_format=json > /dev/null
  /usr/bin/python3 "$(dirname "$0")/torch_gpt_step.py" "$out/b2m_bench_gpt.safetensors" --threads "$threads" \
    > "$out/b2m_torch_step.$r.json"
  # PyTorch's OpenMP threads spin; on a loaded VM it is often faster with one
  # thread, so with more threads it also runs with one and its better time counts.
  if [ "$threads" -gt 1 ]; then
    /usr/bin/python3 "$(dirname "$0")/torch_gpt_step.py" "$out/b2m_bench_gpt.safetensors" --threads 1 \
      > "$out/b2m_torch_step1.$r.json"
  else
    cp "$out/b2m_torch_step.$r.json" "$out/b2m_torch_step1.$r.json"
  fi
done
"$build/bin/gen_bench" --benchmark_filter='Encodec' --benchmark_format=json \
  --benchmark_out="$out/b2m_gen_codec.json" --benchmark_out_format=json > /dev/null
/usr/bin/python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
med = statistics.median
runs = []
for r in range(1, rounds + 1):
    b = json.load(open(f"{out}/b2m_gen_bench.{r}.json"))
    t = json.load(open(f"{out}/b2m_torch_step.{r}.json"))
    t1 = json.load(open(f"{out}/b2m_torch_step1.{r}.json"))
    for k in ("f32_step_ms", "bf16_step_ms"):
        t[k + "_own"] = t[k]
        t[k] = min(t[k], t1[k])
    rows = {x["name"].split("/min_time")[0].split("/iterations")[0]: x for x in b["benchmarks"]}
    runs.append((rows, t))
threads = runs[0][1]["threads"]
best_copy = med([rows["BM_CopyBandwidth"]["GB/s"] for rows, _ in runs])
print(f"{threads} thread(s), {rounds} rounds; copy bandwidth (read+write) best of 5 before the steps: "
      f"{best_copy:.1f} GB/s (median over rounds)")
print("| decode step, 12x768, vocab 12096, ctx 256-320 | weights MB | KV MB | copy GB/s | floor ms | b2m ms "
      "| of floor | PyTorch ms (own threads / 1) | speed-up vs better PyTorch |")
print("|---|---|---|---|---|---|---|---|---|")
for name, key in [("F32", "BM_GptDecodeStep/0"), ("BF16", "BM_GptDecodeStep/1")]:
    rs = [rows[key] for rows, _ in runs]
    ts = [t[name.lower() + "_step_ms"] for _, t in runs]
    own = [t[name.lower() + "_step_ms_own"] for _, t in runs]
    ones = [json.load(open(f"{out}/b2m_torch_step1.{r}.json"))[name.lower() + "_step_ms"] for r in range(1, rounds + 1)]
    floors = [r["of_floor"] for r in rs]
    ratios = [t / r["step_ms"] for r, t in zip(rs, ts)]
    each_floor = ", ".join("%.0f" % (100 * f) for f in floors)
    each_ratio = ", ".join("%.2f" % x for x in ratios)
    print(f"| {name} | {rs[0]['weight_MB']:.0f} | {rs[0]['cache_MB']:.0f} | {med([r['copy_GB/s'] for r in rs]):.1f} "
          f"| {med([r['floor_ms'] for r in rs]):.2f} | {med([r['step_ms'] for r in rs]):.2f} "
          f"| {100 * med(floors):.0f}% ({each_floor}) | {med(own):.2f} / {med(ones):.2f} | {med(ratios):.2f}x ({each_ratio}) |")
e = {x["name"].split("/min_time")[0]: x for x in json.load(open(f"{out}/b2m_gen_codec.json"))["benchmarks"]}["BM_EncodecDecode/150"]
print(f"\nEnCodec-24kHz-size decoder, {e['audio_s']:.0f} s of audio: {e['x_realtime']:.1f}x real time")
PY
