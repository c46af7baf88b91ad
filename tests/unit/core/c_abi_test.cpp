// The C ABI: aligned allocation, errors as statuses, parallel_for, and matmul
// against a float64 reference with strided (transposed) operands.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "b2m/runtime.h"

namespace {

TEST(CAbi, AllocationIsAlignedZeroedAndDense) {
  b2m_buffer_t b;
  int64_t dims[3] = {3, 5, 7};
  ASSERT_EQ(b2m_buffer_alloc(&b, B2M_F32, 3, dims), B2M_OK);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.data) % B2M_ALIGNMENT, 0u);
  EXPECT_EQ(b.strides[0], 35);
  EXPECT_EQ(b.strides[1], 7);
  EXPECT_EQ(b.strides[2], 1);
  EXPECT_EQ(b2m_buffer_size(&b), 105);
  for (int i = 0; i < 105; ++i) EXPECT_EQ(static_cast<float*>(b.data)[i], 0.0f);
  b2m_buffer_free(&b);
  EXPECT_EQ(b.data, nullptr);
}

TEST(CAbi, BadCallsReturnAnErrorWithAMessage) {
  b2m_buffer_t b;
  int64_t dims[1] = {-4};
  EXPECT_EQ(b2m_buffer_alloc(&b, B2M_F32, 1, dims), B2M_ERROR);
  EXPECT_NE(std::string(b2m_last_error()).find("negative dimension -4"), std::string::npos);
  EXPECT_EQ(b2m_buffer_alloc(&b, 99, 0, dims), B2M_ERROR);
  EXPECT_NE(std::string(b2m_last_error()).find("unknown dtype"), std::string::npos);
  EXPECT_EQ(b2m_set_num_threads(-1), B2M_ERROR);
}

TEST(CAbi, ParallelForCoversTheRange) {
  std::vector<int> hits(1000, 0);
  auto fn = [](void* ctx, int64_t b, int64_t e) {
    auto* h = static_cast<std::vector<int>*>(ctx);
    for (int64_t i = b; i < e; ++i) (*h)[i]++;
  };
  ASSERT_EQ(b2m_parallel_for(1000, 7, fn, &hits), B2M_OK);
  for (int h : hits) EXPECT_EQ(h, 1);
}

TEST(CAbi, MatmulMatchesFloat64ReferenceWithStrides) {
  const int64_t M = 67, K = 129, N = 33;
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0, 1);
  b2m_buffer_t a, bt, out;
  int64_t da[2] = {M, K}, dbt[2] = {N, K}, dout[2] = {M, N};
  ASSERT_EQ(b2m_buffer_alloc(&a, B2M_F32, 2, da), B2M_OK);
  ASSERT_EQ(b2m_buffer_alloc(&bt, B2M_F32, 2, dbt), B2M_OK);  // B stored transposed
  ASSERT_EQ(b2m_buffer_alloc(&out, B2M_F32, 2, dout), B2M_OK);
  for (int64_t i = 0; i < M * K; ++i) static_cast<float*>(a.data)[i] = n(rng);
  for (int64_t i = 0; i < N * K; ++i) static_cast<float*>(bt.data)[i] = n(rng);
  b2m_buffer_t b = bt;  // a [K, N] view of the transposed storage
  b.dims[0] = K;
  b.dims[1] = N;
  b.strides[0] = 1;
  b.strides[1] = K;
  b.owned = 0;
  ASSERT_EQ(b2m_matmul(&a, &b, &out), B2M_OK) << b2m_last_error();
  double worst = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double ref = 0;
      for (int64_t k = 0; k < K; ++k)
        ref += static_cast<double>(static_cast<float*>(a.data)[i * K + k]) * static_cast<float*>(bt.data)[j * K + k];
      worst = std::max(worst, std::fabs(ref - static_cast<float*>(out.data)[i * N + j]));
    }
  EXPECT_LT(worst, 1e-4);
  b2m_buffer_t wrong = out;
  wrong.dims[1] = N + 1;
  EXPECT_EQ(b2m_matmul(&a, &b, &wrong), B2M_ERROR);
  EXPECT_NE(std::string(b2m_last_error()).find("do not fit"), std::string::npos);
  b2m_buffer_free(&a);
  b2m_buffer_free(&bt);
  b2m_buffer_free(&out);
}

}  // namespace
