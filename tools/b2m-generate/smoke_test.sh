#!/bin/bash
# End-to-end check of b2m-make-model + b2m-generate (registered with ctest):
# a random model directory, a generated WAV of the right length, identical
# output at 1 and 2 threads, and a clear error for a wrong embedding size.
set -euo pipefail
bin="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin/b2m-make-model" -o "$work/model" --seed 3 > /dev/null
# A 128-d float32 embedding written as .npy by hand (header padded to 64 bytes).
/usr/bin/printf '\x93NUMPY\x01\x00\x76\x00' > "$work/e.npy"
/usr/bin/printf "{'descr': '<f4', 'fortran_order': False, 'shape': (128,), }" >> "$work/e.npy"
/usr/bin/printf '%*s\n' $((118 - 59 - 1)) '' >> "$work/e.npy"
head -c 512 /dev/zero | tr '\0' '\077' >> "$work/e.npy"   # 0x3f3f3f3f = 0.747 for every value
"$bin/b2m-generate" "$work/model" "$work/e.npy" -o "$work/a.wav" --seconds 0.5 --seed 4 --threads 1 -q
"$bin/b2m-generate" "$work/model" "$work/e.npy" -o "$work/b.wav" --seconds 0.5 --seed 4 --threads 2 -q
cmp "$work/a.wav" "$work/b.wav"
size=$(stat -c %s "$work/a.wav")
# float WAV: 12000 samples * 4 bytes + header
if [ "$size" -lt 48000 ] || [ "$size" -gt 49152 ]; then echo "unexpected WAV size $size"; exit 1; fi
# Wrong embedding size: 64 values.
head -c 128 "$work/e.npy" | sed 's/(128,)/(64,) /' > "$work/short.npy"
head -c 256 /dev/zero >> "$work/short.npy"
if "$bin/b2m-generate" "$work/model" "$work/short.npy" -o "$work/c.wav" -q 2> "$work/err.txt"; then
  echo "expected a failure"; exit 1
fi
grep -q "embedding has 64 values" "$work/err.txt"
test ! -e "$work/c.wav"
echo ok
