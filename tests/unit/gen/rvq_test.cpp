// Residual VQ against a brute-force float64 search, exact recovery of sums of
// codebook entries, and dequantization as the sum of selected entries.
#include <gtest/gtest.h>

#include "b2m/gen/rvq.h"
#include "b2m/gen/sampling.h"
#include "b2m/runtime/error.h"

using namespace b2m::gen;

namespace {
std::vector<Eigen::MatrixXf> random_books(std::size_t n_q, std::size_t bins, std::size_t dim, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<Eigen::MatrixXf> books;
  for (std::size_t q = 0; q < n_q; ++q) {
    Eigen::MatrixXf b(bins, dim);
    float scale = 1.0f / float(1 << q);  // later levels refine: smaller entries
    for (Eigen::Index i = 0; i < b.size(); ++i) b.data()[i] = scale * float(rng.uniform() * 2 - 1);
    books.push_back(b);
  }
  return books;
}
}  // namespace

TEST(ResidualVQ, QuantizeMatchesBruteForceGreedySearch) {
  auto books = random_books(4, 32, 8, 1);
  ResidualVQ rvq(books);
  Rng rng(2);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> x(8);
    for (auto& v : x) v = float(rng.uniform() * 2 - 1);
    auto codes = rvq.quantize(x);
    ASSERT_EQ(codes.size(), 4u);
    std::vector<double> residual(x.begin(), x.end());
    for (std::size_t q = 0; q < 4; ++q) {
      std::size_t best = 0;
      double best_d = 1e300;
      for (std::size_t b = 0; b < 32; ++b) {
        double d = 0;
        for (std::size_t i = 0; i < 8; ++i) d += std::pow(residual[i] - books[q](b, i), 2);
        if (d < best_d) best_d = d, best = b;
      }
      EXPECT_EQ(codes[q], static_cast<std::int64_t>(best)) << "trial " << trial << " level " << q;
      for (std::size_t i = 0; i < 8; ++i) residual[i] -= books[q](best, i);
    }
  }
}

TEST(ResidualVQ, RecoversSumsOfEntriesAndDequantizes) {
  // One-hot-ish codebooks on disjoint axes: any sum of entries is recovered exactly.
  std::vector<Eigen::MatrixXf> books;
  for (int q = 0; q < 3; ++q) {
    Eigen::MatrixXf b = Eigen::MatrixXf::Zero(4, 6);
    for (int k = 0; k < 4; ++k) b(k, 2 * q) = float(k), b(k, 2 * q + 1) = float(3 - k) * 0.5f;
    books.push_back(b);
  }
  ResidualVQ rvq(books);
  std::vector<std::int64_t> codes = {2, 0, 3};
  Eigen::MatrixXf latent = rvq.dequantize(codes, 3, 1);
  std::vector<float> x(latent.data(), latent.data() + 6);
  EXPECT_EQ(rvq.quantize(x), codes);
  EXPECT_FLOAT_EQ(latent(0, 0), 2.0f);
  EXPECT_FLOAT_EQ(latent(1, 0), 0.5f);
  EXPECT_FLOAT_EQ(latent(5, 0), 0.0f);
  // Fewer codebooks than the quantizer has: only those are summed.
  std::vector<std::int64_t> two = {1, 1};
  EXPECT_FLOAT_EQ(rvq.dequantize(two, 2, 1)(2, 0), 1.0f);
  EXPECT_EQ(rvq.quantize(x, 2), (std::vector<std::int64_t>{2, 0}));
}

TEST(ResidualVQ, Errors) {
  ResidualVQ rvq(random_books(2, 4, 3, 3));
  std::vector<float> wrong(5, 0.0f), nan = {0.0f, std::nanf(""), 0.0f};
  EXPECT_THROW(rvq.quantize(wrong), b2m::Error);
  EXPECT_THROW(rvq.quantize(nan), b2m::Error);
  std::vector<std::int64_t> out_of_range = {0, 4}, bad_count = {0, 1, 2};
  EXPECT_THROW(rvq.dequantize(out_of_range, 2, 1), b2m::Error);
  EXPECT_THROW(rvq.dequantize(bad_count, 2, 1), b2m::Error);
  EXPECT_THROW(rvq.dequantize(out_of_range, 3, 1), b2m::Error);  // more levels than codebooks
}
