// write_npy -> read_npy over every dtype, both orders, mapped and copied reads.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include "b2m/io/half.h"
#include "b2m/io/npy.h"
#include "test_dir.h"

using namespace b2m::io;

namespace {

template <typename T>
void round_trip_every_order(const b2m::test::ScratchDir& dir, const std::string& name) {
  // 2x3x2 values, distinct and representable in every type used here.
  std::array<T, 12> c_order{};
  for (std::size_t i = 0; i < c_order.size(); ++i)
    c_order[i] = static_cast<T>(std::is_same_v<T, bool> ? (i % 3 == 0) : (i * 7 % 12));
  const std::vector<std::size_t> shape = {2, 3, 2};
  // The same logical array in Fortran order: element (a,b,c) at a + 2*b + 6*c.
  std::array<T, 12> f_order{};
  for (std::size_t a = 0; a < 2; ++a)
    for (std::size_t b = 0; b < 3; ++b)
      for (std::size_t c = 0; c < 2; ++c) f_order[a + 2 * b + 6 * c] = c_order[a * 6 + b * 2 + c];

  for (bool fortran : {false, true}) {
    for (bool map : {true, false}) {
      std::string path = dir.file(name + (fortran ? "_f" : "_c") + ".npy");
      write_npy<T>(path, fortran ? f_order.data() : c_order.data(),
                   std::span<const std::size_t>(shape), fortran);
      NpyArray array = read_npy(path, map);
      EXPECT_EQ(array.dtype(), dtype_of<T>());
      EXPECT_EQ(array.shape(), shape);
      EXPECT_EQ(array.fortran_order(), fortran);
      EXPECT_EQ(array.is_mapped(), map);
      std::vector<double> values = array.as_f64();
      for (std::size_t i = 0; i < 12; ++i)
        EXPECT_EQ(values[i], static_cast<double>(c_order[i])) << name << " element " << i;
      if constexpr (std::is_integral_v<T>) {
        std::vector<std::int64_t> ints = array.as_i64();
        for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(ints[i], static_cast<std::int64_t>(c_order[i]));
      }
    }
  }
}

}  // namespace

TEST(NpyRoundTrip, EveryDTypeAndOrder) {
  b2m::test::ScratchDir dir;
  round_trip_every_order<float>(dir, "f4");
  round_trip_every_order<double>(dir, "f8");
  round_trip_every_order<std::int8_t>(dir, "i1");
  round_trip_every_order<std::int16_t>(dir, "i2");
  round_trip_every_order<std::int32_t>(dir, "i4");
  round_trip_every_order<std::int64_t>(dir, "i8");
  round_trip_every_order<std::uint8_t>(dir, "u1");
  round_trip_every_order<std::uint16_t>(dir, "u2");
  round_trip_every_order<std::uint32_t>(dir, "u4");
  round_trip_every_order<std::uint64_t>(dir, "u8");
  round_trip_every_order<bool>(dir, "b1");
}

TEST(NpyRoundTrip, HalfPrecision) {
  b2m::test::ScratchDir dir;
  std::vector<std::uint16_t> bits = {float_to_half(0.5f), float_to_half(-3.0f), float_to_half(1024.0f)};
  std::vector<std::size_t> shape = {3};
  write_npy(dir.file("h.npy"), DType::f16, bits.data(), shape);
  NpyArray array = read_npy(dir.file("h.npy"));
  EXPECT_EQ(array.dtype(), DType::f16);
  EXPECT_EQ(array.as_f32(), (std::vector<float>{0.5f, -3.0f, 1024.0f}));
}

TEST(NpyRoundTrip, ScalarEmptyAndEigen) {
  b2m::test::ScratchDir dir;
  double scalar = 2.5;
  write_npy(dir.file("s.npy"), DType::f64, &scalar, std::span<const std::size_t>());
  NpyArray s = read_npy(dir.file("s.npy"));
  EXPECT_EQ(s.ndim(), 0u);
  EXPECT_EQ(s.as_f64(), std::vector<double>{2.5});

  std::vector<std::size_t> empty_shape = {0, 4};
  write_npy(dir.file("e.npy"), DType::f32, nullptr, empty_shape);
  EXPECT_EQ(read_npy(dir.file("e.npy")).size(), 0u);

  Eigen::MatrixXf m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  write_npy(dir.file("m.npy"), m);
  NpyArray a = read_npy(dir.file("m.npy"));
  EXPECT_EQ(a.shape(), (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.as_f32(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(a.as_matrix_f32().isApprox(m));
}

TEST(NpyRoundTrip, LargeHeaderUsesVersion2) {
  b2m::test::ScratchDir dir;
  // 30000 dimensions of size 1 make a header longer than 65535 bytes.
  std::vector<std::size_t> shape(30000, 1);
  float value = 7.0f;
  write_npy(dir.file("v2.npy"), DType::f32, &value, shape);
  std::ifstream in(dir.file("v2.npy"), std::ios::binary);
  char prefix[8];
  in.read(prefix, 8);
  EXPECT_EQ(prefix[6], 2);
  NpyArray array = read_npy(dir.file("v2.npy"));
  EXPECT_EQ(array.ndim(), 30000u);
  EXPECT_EQ(array.as_f32(), std::vector<float>{7.0f});
}

TEST(NpyRoundTrip, DataIsAlignedTo64Bytes) {
  b2m::test::ScratchDir dir;
  std::vector<float> v(5, 1.0f);
  write_npy(dir.file("a.npy"), v.data(), {5});
  // The header (magic, length, dict, padding) is a multiple of 64 bytes.
  EXPECT_EQ((std::filesystem::file_size(dir.file("a.npy")) - 20u) % 64, 0u);
}

TEST(NpyRoundTrip, WriteReplacesAtomicallyAndLeavesNoTemporaries) {
  b2m::test::ScratchDir dir;
  std::vector<float> first = {1, 2}, second = {3, 4, 5};
  write_npy(dir.file("x.npy"), first.data(), {2});
  write_npy(dir.file("x.npy"), second.data(), {3});
  EXPECT_EQ(read_npy(dir.file("x.npy")).as_f32(), second);
  std::size_t files = 0;
  for (auto& entry : std::filesystem::directory_iterator(dir.path)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}
