// IEEE half (F16) and bfloat16 (BF16) <-> float conversions, bit-exact and
// portable. Used by the .npy reader ("<f2") and by safetensors weights.
#pragma once

#include <bit>
#include <cstdint>

namespace b2m::io {

// F16 -> float: exact (every half is representable as a float).
inline float half_to_float(std::uint16_t h) {
  std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1Fu;
  std::uint32_t mantissa = h & 0x3FFu;
  std::uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal half: normalise into a float
      int shift = 0;
      while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        ++shift;
      }
      mantissa &= 0x3FFu;
      bits = sign | static_cast<std::uint32_t>(127 - 15 + 1 - shift) << 23 | mantissa << 13;
    }
  } else if (exponent == 0x1F) {  // inf / nan
    bits = sign | 0x7F800000u | mantissa << 13;
  } else {
    bits = sign | (exponent + 127 - 15) << 23 | mantissa << 13;
  }
  return std::bit_cast<float>(bits);
}

// float -> F16 with round-to-nearest-even; overflow gives inf, NaN stays NaN.
inline std::uint16_t float_to_half(float f) {
  std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  std::uint32_t sign = (x >> 16) & 0x8000u;
  std::uint32_t abs = x & 0x7FFFFFFFu;
  if (abs >= 0x7F800000u)  // inf or nan
    return static_cast<std::uint16_t>(sign | 0x7C00u | (abs > 0x7F800000u ? 0x200u : 0u));
  if (abs >= 0x477FF000u)  // rounds to >= 65520: overflow
    return static_cast<std::uint16_t>(sign | 0x7C00u);
  if (abs < 0x38800000u) {  // below the smallest normal half: subnormal or zero
    if (abs < 0x33000000u) return static_cast<std::uint16_t>(sign);  // < half of min subnormal
    std::uint32_t exponent = abs >> 23;
    std::uint32_t mantissa = (abs & 0x7FFFFFu) | 0x800000u;
    // value = mantissa * 2^(exponent - 150) and a half subnormal counts units
    // of 2^-24, so the half mantissa is mantissa >> (126 - exponent), 14..24.
    std::uint32_t drop = 126 - exponent;
    std::uint32_t result = mantissa >> drop;
    std::uint32_t remainder = mantissa & ((1u << drop) - 1u);
    std::uint32_t halfway = 1u << (drop - 1);
    if (remainder > halfway || (remainder == halfway && (result & 1u))) ++result;
    return static_cast<std::uint16_t>(sign | result);
  }
  std::uint32_t rounded = abs + 0xFFFu + ((abs >> 13) & 1u);  // round to nearest even at bit 13
  return static_cast<std::uint16_t>(sign | ((rounded - (112u << 23)) >> 13));
}

// BF16 is the top half of a float: conversion to float is a shift.
inline float bf16_to_float(std::uint16_t b) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

// float -> BF16 with round-to-nearest-even; NaN stays a (quiet) NaN.
inline std::uint16_t float_to_bf16(float f) {
  std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
  x += 0x7FFFu + ((x >> 16) & 1u);
  return static_cast<std::uint16_t>(x >> 16);
}

}  // namespace b2m::io
