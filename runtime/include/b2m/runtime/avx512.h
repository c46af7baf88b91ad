// The AVX-512 intrinsics, for the hand-vectorized loops of the runtime and
// benchmarks. GCC 12 reports its own _mm512_undefined_* placeholders inside
// the masked and conversion intrinsics as uninitialised (a false positive:
// every lane they stand for is overwritten); those two warnings are off in
// the files that include this header. Include it only from .cpp files and
// internal headers, never from a public header other code includes.
#pragma once

#if defined(__AVX512F__)
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif
