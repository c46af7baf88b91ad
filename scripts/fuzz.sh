#!/usr/bin/env bash
# Builds the front-end fuzzer (clang-19, libFuzzer + ASan + UBSan) and runs it.
#   scripts/fuzz.sh [SECONDS] [BUILD_DIR]     (default: 600 s, build/fuzz)
# The corpus starts from every .b2m file in the repository; new inputs that
# grow coverage are kept in BUILD_DIR/corpus. Exits non-zero on any crash,
# hang (timeout per input 10 s), leak or sanitizer report.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-600}"
build="${2:-$here/build/fuzz}"
cmake -S "$here/tests/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" >/dev/null
mkdir -p "$build/corpus" "$build/seeds"
find "$here/examples" "$here/stdlib" "$here/tests/lit" -name '*.b2m' -exec cp {} "$build/seeds/" \;
"$build/b2m_frontend_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -print_final_stats=1 "$build/corpus" "$build/seeds" 2>&1 | tail -n 25
