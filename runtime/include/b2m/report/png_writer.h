// A minimal PNG encoder (8-bit RGB, no interlacing, filter type 0 on every
// row, zlib-compressed IDAT, CRC-32 per chunk) for the report's spectrograms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace b2m::report {

// `rgb` holds height rows of width pixels, 3 bytes each, top row first.
// Fails (b2m::Error) on a zero or mismatched size.
std::vector<std::byte> encode_png_rgb(int width, int height, std::span<const std::uint8_t> rgb);

}  // namespace b2m::report
