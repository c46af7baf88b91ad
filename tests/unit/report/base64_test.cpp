#include "b2m/report/base64.h"

#include <gtest/gtest.h>

#include <vector>

namespace b2m::report {
namespace {

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(std::string_view("")), "");
  EXPECT_EQ(base64_encode(std::string_view("f")), "Zg==");
  EXPECT_EQ(base64_encode(std::string_view("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(std::string_view("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(std::string_view("foob")), "Zm9vYg==");
  EXPECT_EQ(base64_encode(std::string_view("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64_encode(std::string_view("foobar")), "Zm9vYmFy");
}

TEST(Base64, HighBytesUseTheStandardAlphabet) {
  std::vector<std::byte> bytes = {std::byte(0xfb), std::byte(0xff), std::byte(0xfe), std::byte(0x00)};
  EXPECT_EQ(base64_encode(bytes), "+//+AA==");
}

// Every byte value survives a decode with a reference decoder written here.
TEST(Base64, AllByteValuesRoundTrip) {
  std::vector<std::byte> bytes;
  for (int round = 0; round < 3; ++round)
    for (int v = 0; v < 256; ++v) bytes.push_back(std::byte((v * 7 + round) & 0xff));
  bytes.push_back(std::byte(1));  // length not a multiple of 3
  std::string text = base64_encode(bytes);
  ASSERT_EQ(text.size() % 4, 0u);
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::vector<std::byte> decoded;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    for (int k = 0; k < 4; ++k) v[k] = text[i + k] == '=' ? 0 : value(text[i + k]);
    for (int k = 0; k < 4; ++k) ASSERT_GE(v[k], 0) << text[i + k];
    std::uint32_t w = std::uint32_t(v[0]) << 18 | std::uint32_t(v[1]) << 12 | std::uint32_t(v[2]) << 6 | std::uint32_t(v[3]);
    decoded.push_back(std::byte(w >> 16));
    if (text[i + 2] != '=') decoded.push_back(std::byte(w >> 8 & 0xff));
    if (text[i + 3] != '=') decoded.push_back(std::byte(w & 0xff));
  }
  EXPECT_EQ(decoded, bytes);
}

TEST(Base64, DataUri) {
  std::string_view text = "hi";
  auto bytes = std::as_bytes(std::span<const char>(text.data(), text.size()));
  EXPECT_EQ(data_uri("text/plain", bytes), "data:text/plain;base64,aGk=");
}

}  // namespace
}  // namespace b2m::report
