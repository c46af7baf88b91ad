// Files written by NumPy itself (tests/unit/io/data, see make_npy_fixtures.py).
#include <gtest/gtest.h>

#include <cmath>

#include "b2m/io/npy.h"

using namespace b2m::io;

namespace {
std::string data_file(const std::string& name) {
  return std::string(B2M_SOURCE_DIR) + "/tests/unit/io/data/" + name;
}
}  // namespace

TEST(NpyNumpyFiles, Float32COrder) {
  NpyArray a = read_npy(data_file("f32_c_2x3x4.npy"));
  EXPECT_EQ(a.shape(), (std::vector<std::size_t>{2, 3, 4}));
  EXPECT_FALSE(a.fortran_order());
  auto v = a.as_f32();
  for (std::size_t i = 0; i < 24; ++i) EXPECT_EQ(v[i], float(i) * 0.5f - 3.0f);
}

TEST(NpyNumpyFiles, Float64FortranOrder) {
  NpyArray a = read_npy(data_file("f64_fortran_3x4.npy"));
  EXPECT_TRUE(a.fortran_order());
  EXPECT_EQ(a.shape(), (std::vector<std::size_t>{3, 4}));
  auto v = a.as_f64();
  for (std::size_t i = 0; i < 12; ++i) EXPECT_DOUBLE_EQ(v[i], std::pow(double(i), 1.5));
  Eigen::MatrixXf m = a.as_matrix_f32();
  EXPECT_FLOAT_EQ(m(1, 2), float(std::pow(6.0, 1.5)));
}

TEST(NpyNumpyFiles, Int32FortranVersion2) {
  NpyArray a = read_npy(data_file("i32_fortran_v2_2x3.npy"));
  EXPECT_EQ(a.dtype(), DType::i32);
  EXPECT_TRUE(a.fortran_order());
  EXPECT_EQ(a.as_i64(), (std::vector<std::int64_t>{-2, -1, 0, 1, 2, 3}));
}

TEST(NpyNumpyFiles, Float32Version3) {
  EXPECT_EQ(read_npy(data_file("f32_v3_2.npy")).as_f32(), (std::vector<float>{1.25f, -0.5f}));
}

TEST(NpyNumpyFiles, IntegerHalfBoolScalarBigEndian) {
  EXPECT_EQ(read_npy(data_file("i64_1d.npy")).as_i64(),
            (std::vector<std::int64_t>{-5, 0, 7, std::int64_t(1) << 40}));
  EXPECT_EQ(read_npy(data_file("f16_2x2.npy")).as_f32(),
            (std::vector<float>{1.5f, -2.25f, 65504.0f, std::ldexp(1.0f, -14)}));
  EXPECT_EQ(read_npy(data_file("u8_3.npy")).as_i64(), (std::vector<std::int64_t>{0, 128, 255}));
  NpyArray b = read_npy(data_file("bool_4.npy"));
  EXPECT_EQ(b.dtype(), DType::b1);
  EXPECT_EQ(b.as_i64(), (std::vector<std::int64_t>{1, 0, 1, 1}));
  NpyArray s = read_npy(data_file("scalar_i64.npy"));
  EXPECT_TRUE(s.shape().empty());
  EXPECT_EQ(s.as_i64(), std::vector<std::int64_t>{3});
  NpyArray big = read_npy(data_file("i16_bigendian_3.npy"));
  EXPECT_EQ(big.dtype(), DType::i16);
  EXPECT_FALSE(big.is_mapped());  // byte-swapped into a private copy
  EXPECT_EQ(big.as_i64(), (std::vector<std::int64_t>{1, -2, 300}));
}

TEST(NpyNumpyFiles, SharedFixtureCodes) {
  // A real fixture of the project: int64 codes [4, 50] in [0, 64).
  NpyArray codes = read_npy(std::string(B2M_SHARED_DIR) + "/fixtures/encodec_decoder_small/codes.npy");
  codes.expect_shape({4, 50});
  for (auto c : codes.as_i64()) {
    EXPECT_GE(c, 0);
    EXPECT_LT(c, 64);
  }
}
