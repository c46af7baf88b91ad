#include "b2m/report/png_writer.h"

#include <zlib.h>

#include <array>
#include <cstring>

#include "b2m/runtime/error.h"

namespace b2m::report {

namespace {

void put_u32(std::vector<std::byte>& out, std::uint32_t v) {
  out.push_back(std::byte(v >> 24));
  out.push_back(std::byte(v >> 16));
  out.push_back(std::byte(v >> 8));
  out.push_back(std::byte(v));
}

// length, type, data, CRC-32 over type and data.
void put_chunk(std::vector<std::byte>& out, const char (&type)[5], std::span<const std::byte> data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  std::size_t type_at = out.size();
  for (int i = 0; i < 4; ++i) out.push_back(std::byte(type[i]));
  out.insert(out.end(), data.begin(), data.end());
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(out.data() + type_at), static_cast<uInt>(4 + data.size()));
  put_u32(out, static_cast<std::uint32_t>(crc));
}

}  // namespace

std::vector<std::byte> encode_png_rgb(int width, int height, std::span<const std::uint8_t> rgb) {
  if (width <= 0 || height <= 0)
    fail("PNG: image size {}x{} must be positive", width, height);
  std::size_t row = std::size_t(width) * 3;
  if (rgb.size() != row * std::size_t(height))
    fail("PNG: {} bytes of pixels for a {}x{} RGB image (expected {})", rgb.size(), width, height,
         row * std::size_t(height));

  // Raw scanlines, each preceded by filter type 0 (none).
  std::vector<Bytef> raw((row + 1) * std::size_t(height));
  for (int y = 0; y < height; ++y) {
    raw[std::size_t(y) * (row + 1)] = 0;
    std::memcpy(&raw[std::size_t(y) * (row + 1) + 1], rgb.data() + std::size_t(y) * row, row);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::byte> packed(packed_size);
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, raw.data(), static_cast<uLong>(raw.size()),
                6) != Z_OK)
    fail("PNG: zlib compression failed");
  packed.resize(packed_size);

  std::vector<std::byte> out;
  out.reserve(packed.size() + 64);
  static constexpr std::array<unsigned char, 8> kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  for (unsigned char c : kSignature) out.push_back(std::byte(c));
  std::vector<std::byte> header;
  put_u32(header, static_cast<std::uint32_t>(width));
  put_u32(header, static_cast<std::uint32_t>(height));
  header.push_back(std::byte(8));  // bit depth
  header.push_back(std::byte(2));  // colour type: truecolour
  header.push_back(std::byte(0));  // compression: deflate
  header.push_back(std::byte(0));  // filter method 0
  header.push_back(std::byte(0));  // no interlace
  put_chunk(out, "IHDR", header);
  put_chunk(out, "IDAT", packed);
  put_chunk(out, "IEND", {});
  return out;
}

}  // namespace b2m::report
