// Evaluation metrics against direct float64 implementations and known values.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>

#include "b2m/eval/metrics.h"
#include "b2m/eval/retrieval.h"
#include "b2m/runtime/error.h"

namespace b2m::eval {
namespace {

RowMatrixF random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  RowMatrixF m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m;
}

double corr(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  const double ma = a.mean(), mb = b.mean();
  double sab = 0, saa = 0, sbb = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return (saa > 0 && sbb > 0) ? sab / std::sqrt(saa * sbb) : 0.0;
}

// The paper's formula, written out directly.
double direct_identification(const RowMatrixF& p, const RowMatrixF& t) {
  const Eigen::Index n = p.rows();
  double total = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double own = corr(p.row(i).transpose().cast<double>(), t.row(i).transpose().cast<double>());
    int count = 0;
    for (Eigen::Index j = 0; j < n; ++j)
      if (j != i && own > corr(p.row(i).transpose().cast<double>(), t.row(j).transpose().cast<double>()))
        ++count;
    total += double(count) / double(n - 1);
  }
  return total / double(n);
}

TEST(Identification, MatchesTheDirectFloat64Formula) {
  for (float noise : {0.5f, 2.0f, 5.0f}) {
    const RowMatrixF truth = random_matrix(60, 128, 1);
    const RowMatrixF pred = truth + noise * random_matrix(60, 128, 2);
    const Identification id = identification_accuracy(pred, truth);
    EXPECT_NEAR(id.accuracy, direct_identification(pred, truth), 1e-12) << noise;
    ASSERT_EQ(id.per_sample.size(), 60u);
  }
  // Perfect predictions identify every clip; shuffled ones hover near chance.
  const RowMatrixF truth = random_matrix(40, 16, 3);
  EXPECT_DOUBLE_EQ(identification_accuracy(truth, truth).accuracy, 1.0);
  const double chance = identification_accuracy(random_matrix(40, 16, 4), truth).accuracy;
  EXPECT_GT(chance, 0.3);
  EXPECT_LT(chance, 0.7);
}

TEST(Identification, TiesAreNotWins) {
  RowMatrixF truth = random_matrix(3, 8, 5);
  truth.row(2) = truth.row(1);  // rows 1 and 2 identical: C_11 == C_12
  const Identification id = identification_accuracy(truth, truth);
  EXPECT_DOUBLE_EQ(id.per_sample[1], 0.5);
  EXPECT_DOUBLE_EQ(id.per_sample[0], 1.0);
  EXPECT_THROW(identification_accuracy(random_matrix(3, 8, 1), random_matrix(4, 8, 1)), Error);
}

TEST(Identification, TwoWayMatchesDirectPairs) {
  const RowMatrixF truth = random_matrix(30, 20, 6);
  const RowMatrixF pred = truth + 3.0f * random_matrix(30, 20, 7);
  int correct = 0, pairs = 0;
  for (int i = 0; i < 30; ++i)
    for (int j = i + 1; j < 30; ++j) {
      auto c = [&](int a, int b) {
        return corr(pred.row(a).transpose().cast<double>(), truth.row(b).transpose().cast<double>());
      };
      correct += c(i, i) + c(j, j) > c(i, j) + c(j, i);
      ++pairs;
    }
  EXPECT_NEAR(two_way_identification(pred, truth), double(correct) / pairs, 1e-12);
}

TEST(Correlation, PerDimensionPearsonAndR2) {
  const RowMatrixF truth = random_matrix(50, 6, 8);
  const RowMatrixF pred = truth + random_matrix(50, 6, 9);
  const auto r = pearson_per_dimension(truth, pred);
  const auto q = r2_per_dimension(truth, pred);
  double mean = 0;
  for (Eigen::Index j = 0; j < 6; ++j) {
    const Eigen::VectorXd t = truth.col(j).cast<double>(), p = pred.col(j).cast<double>();
    EXPECT_NEAR(r[std::size_t(j)], corr(t, p), 1e-12);
    const double ss = (t.array() - t.mean()).square().sum();
    EXPECT_NEAR(q[std::size_t(j)], 1.0 - (t - p).squaredNorm() / ss, 1e-12);
    mean += corr(t, p) / 6.0;
  }
  EXPECT_NEAR(mean_pearson(truth, pred), mean, 1e-12);
}

TEST(ClassAgreement, CountsSharedTopClassesWithinTheSubset) {
  RowMatrixF a(2, 5), b(2, 5);
  a << 0.9f, 0.8f, 0.1f, 0.05f, 0.7f,  //
      0.1f, 0.2f, 0.3f, 0.4f, 0.5f;
  b << 0.1f, 0.8f, 0.9f, 0.05f, 0.0f,  //
      0.5f, 0.4f, 0.3f, 0.2f, 0.1f;
  // All classes, top-2: row 0 {0,1} vs {2,1} -> 1/2; row 1 {4,3} vs {0,1} -> 0.
  EXPECT_DOUBLE_EQ(top_n_class_agreement(a, b, {}, 2), 0.25);
  // Subset {1, 2, 3}, top-1: row 0: 1 vs 2 -> 0; row 1: 3 vs 1 -> 0.
  const std::vector<std::int64_t> subset{1, 2, 3};
  EXPECT_DOUBLE_EQ(top_n_class_agreement(a, b, subset, 1), 0.0);
  EXPECT_DOUBLE_EQ(top_n_class_agreement(a, a, subset, 2), 1.0);
  EXPECT_THROW(top_n_class_agreement(a, b, subset, 4), Error);
}

TEST(NoiseCeiling, RecoversTheKnownSignalFraction) {
  // y_r = signal + noise_r with equal variances and 4 repeats: half the
  // variance of a single repeat is explainable, and the mean response
  // (variance 1 + 1/4) correlates at most sqrt(1 / 1.25) with the signal.
  const Eigen::Index stimuli = 4000, dims = 3;
  const RowMatrixF signal = random_matrix(stimuli, dims, 10);
  std::vector<RowMatrixF> repeats;
  for (std::uint32_t r = 0; r < 4; ++r) repeats.push_back(signal + random_matrix(stimuli, dims, 20 + r));
  const NoiseCeiling ceiling = noise_ceiling(repeats);
  for (Eigen::Index j = 0; j < dims; ++j) {
    EXPECT_NEAR(ceiling.explainable_variance[std::size_t(j)], 0.5, 0.03);
    EXPECT_NEAR(ceiling.max_correlation[std::size_t(j)], std::sqrt(1.0 / 1.25), 0.02);
  }
  // Pure noise: nothing is explainable.
  std::vector<RowMatrixF> noise;
  for (std::uint32_t r = 0; r < 4; ++r) noise.push_back(random_matrix(stimuli, 1, 40 + r));
  EXPECT_NEAR(noise_ceiling(noise).explainable_variance[0], 0.0, 0.03);
  EXPECT_THROW(noise_ceiling(std::span<const RowMatrixF>(repeats.data(), 1)), Error);
}

TEST(Retrieval, TopKCosineMatchesBruteForce) {
  const RowMatrixF bank = random_matrix(1000, 16, 11);
  RowMatrixF queries = random_matrix(7, 16, 12);
  queries.row(3) = 2.5f * bank.row(417);  // its own neighbour, at any scale
  const TopK top = cosine_top_k(queries, bank, 5, /*block_rows=*/97);
  for (Eigen::Index q = 0; q < 7; ++q) {
    std::vector<std::pair<double, std::int64_t>> all;
    const Eigen::VectorXd qd = queries.row(q).transpose().cast<double>();
    for (Eigen::Index b = 0; b < 1000; ++b) {
      const Eigen::VectorXd bd = bank.row(b).transpose().cast<double>();
      all.emplace_back(qd.dot(bd) / (qd.norm() * bd.norm()), b);
    }
    std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first > b.first; });
    for (int c = 0; c < 5; ++c) {
      EXPECT_EQ(top.indices(q, c), all[std::size_t(c)].second) << q << "," << c;
      EXPECT_NEAR(top.scores(q, c), all[std::size_t(c)].first, 1e-5);
    }
  }
  EXPECT_EQ(top.indices(3, 0), 417);
  EXPECT_NEAR(top.scores(3, 0), 1.0f, 1e-6);
  EXPECT_THROW(cosine_top_k(queries, bank, 1001), Error);
  EXPECT_THROW(cosine_top_k(random_matrix(2, 8, 1), bank, 1), Error);
}

}  // namespace
}  // namespace b2m::eval
