#include "b2m/report/png_writer.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <string>

#include "b2m/report/colormap.h"
#include "b2m/runtime/error.h"

namespace b2m::report {
namespace {

struct Chunk {
  std::string type;
  std::vector<std::uint8_t> data;
};

std::uint32_t be32(const std::byte* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}

// Splits a PNG into chunks, checking the signature and every CRC.
std::vector<Chunk> parse_png(const std::vector<std::byte>& png) {
  static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  EXPECT_GE(png.size(), 8u);
  EXPECT_EQ(std::memcmp(png.data(), signature, 8), 0);
  std::vector<Chunk> chunks;
  std::size_t at = 8;
  while (at + 12 <= png.size()) {
    std::uint32_t length = be32(&png[at]);
    EXPECT_LE(at + 12 + length, png.size());
    Chunk c;
    c.type.assign(reinterpret_cast<const char*>(&png[at + 4]), 4);
    const auto* data = reinterpret_cast<const std::uint8_t*>(&png[at + 8]);
    c.data.assign(data, data + length);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(&png[at + 4]), 4 + length);
    EXPECT_EQ(be32(&png[at + 8 + length]), std::uint32_t(crc)) << "CRC of " << c.type;
    chunks.push_back(std::move(c));
    at += 12 + length;
  }
  EXPECT_EQ(at, png.size());
  return chunks;
}

TEST(PngWriter, RoundTripThroughZlib) {
  const int w = 7, h = 5;
  std::vector<std::uint8_t> rgb(w * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      Rgb c = viridis(double(x + y * w) / (w * h - 1));
      std::uint8_t* p = &rgb[(y * w + x) * 3];
      p[0] = c.r, p[1] = c.g, p[2] = c.b;
    }
  rgb[0] = 255, rgb[1] = 0, rgb[2] = 7;  // a distinct first pixel
  auto png = encode_png_rgb(w, h, rgb);
  auto chunks = parse_png(png);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].type, "IHDR");
  EXPECT_EQ(chunks[1].type, "IDAT");
  EXPECT_EQ(chunks[2].type, "IEND");
  EXPECT_TRUE(chunks[2].data.empty());
  const auto& ihdr = chunks[0].data;
  ASSERT_EQ(ihdr.size(), 13u);
  auto u32 = [&](int at) {
    return std::uint32_t(ihdr[at]) << 24 | std::uint32_t(ihdr[at + 1]) << 16 | std::uint32_t(ihdr[at + 2]) << 8 |
           std::uint32_t(ihdr[at + 3]);
  };
  EXPECT_EQ(u32(0), std::uint32_t(w));
  EXPECT_EQ(u32(4), std::uint32_t(h));
  EXPECT_EQ(ihdr[8], 8);   // bit depth
  EXPECT_EQ(ihdr[9], 2);   // truecolour
  EXPECT_EQ(ihdr[10], 0);
  EXPECT_EQ(ihdr[11], 0);
  EXPECT_EQ(ihdr[12], 0);  // no interlace

  std::vector<Bytef> raw(std::size_t(h) * (w * 3 + 1));
  uLongf raw_size = raw.size();
  ASSERT_EQ(uncompress(raw.data(), &raw_size, chunks[1].data.data(), chunks[1].data.size()), Z_OK);
  ASSERT_EQ(raw_size, raw.size());
  for (int y = 0; y < h; ++y) {
    EXPECT_EQ(raw[y * (w * 3 + 1)], 0) << "filter type of row " << y;
    EXPECT_EQ(std::memcmp(&raw[y * (w * 3 + 1) + 1], &rgb[y * w * 3], w * 3), 0) << "row " << y;
  }
}

TEST(PngWriter, RejectsBadSizes) {
  std::vector<std::uint8_t> rgb(12);
  EXPECT_THROW(encode_png_rgb(0, 4, {}), Error);
  EXPECT_THROW(encode_png_rgb(2, 3, rgb), Error);  // 18 bytes needed
  EXPECT_NO_THROW(encode_png_rgb(2, 2, rgb));
}

TEST(Colormap, ViridisEndsAndClamping) {
  EXPECT_EQ(hex(viridis(0.0)), "#440154");
  EXPECT_EQ(hex(viridis(0.5)), "#21918c");
  EXPECT_EQ(hex(viridis(1.0)), "#fde725");
  EXPECT_EQ(hex(viridis(-3.0)), "#440154");
  EXPECT_EQ(hex(viridis(7.0)), "#fde725");
  EXPECT_EQ(hex(viridis(std::nan(""))), "#440154");
  // Luminance grows monotonically (a perceptual ramp).
  double last = -1;
  for (int i = 0; i <= 100; ++i) {
    Rgb c = viridis(i / 100.0);
    double lum = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
    EXPECT_GT(lum, last - 0.5) << i;
    last = lum;
  }
}

}  // namespace
}  // namespace b2m::report
