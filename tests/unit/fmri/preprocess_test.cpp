// Preprocessing kernels against direct float64 references.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "b2m/fmri/preprocess.h"
#include "b2m/runtime/error.h"

namespace b2m::fmri {
namespace {

using MatD = Eigen::MatrixXd;

RowMatrixF random_series(Eigen::Index t, Eigen::Index v, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  RowMatrixF m(t, v);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < v; ++j)
      m(i, j) = normal(rng) + 0.02f * float(i) * float(j % 3) + float(j);  // drifts and offsets
  return m;
}

const std::vector<Eigen::Index> kRuns{50, 37, 63};

// Least-squares residual of each column on `basis` (float64, normal equations via QR).
MatD residual(const MatD& y, const MatD& basis) {
  return y - basis * basis.colPivHouseholderQr().solve(y);
}

TEST(Preprocess, PolynomialDetrendMatchesLeastSquaresPerRun) {
  for (int order : {0, 1, 3}) {
    RowMatrixF data = random_series(150, 8, 1);
    const MatD original = data.cast<double>();
    detrend_polynomial(data, kRuns, order);
    Eigen::Index begin = 0;
    for (Eigen::Index t : kRuns) {
      MatD vandermonde(t, order + 1);
      for (Eigen::Index i = 0; i < t; ++i)
        for (int k = 0; k <= order; ++k) vandermonde(i, k) = std::pow(double(i), k);
      const MatD expected = residual(original.middleRows(begin, t), vandermonde);
      EXPECT_LT((data.middleRows(begin, t).cast<double>() - expected).cwiseAbs().maxCoeff(), 1e-4)
          << "order " << order;
      begin += t;
    }
  }
}

TEST(Preprocess, CosineHighPassRemovesSlowCosinesOnly) {
  RowMatrixF data = random_series(150, 5, 2);
  const MatD original = data.cast<double>();
  const double tr = 1.5, cutoff = 128.0;
  highpass_cosine(data, kRuns, tr, cutoff);
  Eigen::Index begin = 0;
  for (Eigen::Index t : kRuns) {
    const auto k_max = Eigen::Index(std::floor(2.0 * t * tr / cutoff));
    MatD basis(t, k_max + 1);  // constant + cosines: the mean is kept separately
    for (Eigen::Index i = 0; i < t; ++i) {
      basis(i, 0) = 1.0;
      for (Eigen::Index k = 1; k <= k_max; ++k)
        basis(i, k) = std::cos(std::numbers::pi * k * (i + 0.5) / t);
    }
    const MatD block = original.middleRows(begin, t);
    const MatD expected = residual(block, basis).rowwise() + block.colwise().mean();
    EXPECT_LT((data.middleRows(begin, t).cast<double>() - expected).cwiseAbs().maxCoeff(), 1e-4);
    begin += t;
  }
}

TEST(Preprocess, MedianHighPassMatchesNaiveWindows) {
  RowMatrixF data = random_series(150, 6, 3);
  const MatD original = data.cast<double>();
  // 240 s at TR 1.5 s = 160 scans, made odd: 161 (wider than these runs: all clipped).
  EXPECT_EQ(highpass_median(data, kRuns, 1.5, 240.0), 161);
  RowMatrixF short_window = random_series(150, 6, 3);
  const Eigen::Index w = highpass_median(short_window, kRuns, 2.0, 20.0);  // 10 -> 11 scans
  EXPECT_EQ(w, 11);
  for (auto [result, window] : {std::pair{&data, Eigen::Index(161)}, std::pair{&short_window, w}}) {
    Eigen::Index begin = 0;
    for (Eigen::Index t : kRuns) {
      for (Eigen::Index v = 0; v < 6; ++v)
        for (Eigen::Index i = 0; i < t; ++i) {
          const Eigen::Index lo = std::max<Eigen::Index>(0, i - window / 2);
          const Eigen::Index hi = std::min<Eigen::Index>(t - 1, i + window / 2);
          std::vector<double> values;
          for (Eigen::Index k = lo; k <= hi; ++k) values.push_back(original(begin + k, v));
          std::sort(values.begin(), values.end());
          const std::size_t n = values.size();
          const double median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
          EXPECT_NEAR((*result)(begin + i, v), original(begin + i, v) - median, 1e-5);
        }
      begin += t;
    }
  }
}

TEST(Preprocess, ZScorePerRun) {
  RowMatrixF data = random_series(150, 7, 4);
  data.col(2).setConstant(3.0f);
  const MatD original = data.cast<double>();
  zscore_runs(data, kRuns);
  Eigen::Index begin = 0;
  for (Eigen::Index t : kRuns) {
    for (Eigen::Index v = 0; v < 7; ++v) {
      const Eigen::VectorXd x = original.col(v).segment(begin, t);
      const double mean = x.mean();
      const double sd = std::sqrt((x.array() - mean).square().mean());
      for (Eigen::Index i = 0; i < t; ++i)
        EXPECT_NEAR(data(begin + i, v), sd > 0 ? (x[i] - mean) / sd : 0.0, 1e-5);
    }
    begin += t;
  }
  EXPECT_THROW(zscore_runs(data, std::vector<Eigen::Index>{100, 10}), Error);
}

TEST(Preprocess, DelaysStayWithinRuns) {
  const RowMatrixF data = random_series(150, 3, 5);
  const std::vector<int> lags{0, 2, -1};
  const RowMatrixF out = delays(data, kRuns, lags);
  ASSERT_EQ(out.cols(), 9);
  Eigen::Index begin = 0;
  for (Eigen::Index t : kRuns) {
    for (std::size_t d = 0; d < lags.size(); ++d)
      for (Eigen::Index i = 0; i < t; ++i)
        for (Eigen::Index v = 0; v < 3; ++v) {
          const Eigen::Index src = i - lags[d];
          const float expected = (src >= 0 && src < t) ? data(begin + src, v) : 0.0f;
          EXPECT_EQ(out(begin + i, Eigen::Index(d) * 3 + v), expected);
        }
    begin += t;
  }
}

TEST(Preprocess, WindowsAverageTheScansTheyOverlap) {
  // The paper's example: the 0-10 s window at TR 1.5 s covers scans 0..6.
  const ScanRange r = scans_covering(0.0, 10.0, 1.5);
  EXPECT_EQ(r.first, 0);
  EXPECT_EQ(r.count, 7);
  // 1.5-11.5 s: scans 1..7; 4.5-14.5 s: scans 3..9 (the clip's last scan).
  EXPECT_EQ(scans_covering(1.5, 11.5, 1.5).first, 1);
  EXPECT_EQ(scans_covering(1.5, 11.5, 1.5).count, 7);
  EXPECT_EQ(scans_covering(4.5, 14.5, 1.5).first, 3);
  EXPECT_EQ(scans_covering(4.5, 14.5, 1.5).count, 7);
  // SoundStream-style 1.5 s windows: exactly one scan each.
  EXPECT_EQ(scans_covering(3.0, 4.5, 1.5).count, 1);
  // A lag shifts the scans.
  EXPECT_EQ(scans_covering(0.0, 10.0, 1.5, 4.5).first, 3);

  const RowMatrixF run = random_series(40, 4, 6);
  const std::vector<double> onsets{0.0, 15.0, 30.0};
  const RowMatrixF windows = event_windows(run, 1.5, onsets, WindowSpec{});
  ASSERT_EQ(windows.rows(), 12);
  for (int c = 0; c < 3; ++c)
    for (int w = 0; w < 4; ++w) {
      const int first = c * 10 + w;  // onset / 1.5 + window offset
      const Eigen::RowVectorXd expected = run.middleRows(first, 7).cast<double>().colwise().mean();
      EXPECT_LT((windows.row(c * 4 + w).cast<double>() - expected).cwiseAbs().maxCoeff(), 1e-5);
    }
  // Windows past the end of the run are an error.
  const std::vector<double> late{50.0};  // last window ends at 64.5 s > 60 s
  EXPECT_THROW(event_windows(run, 1.5, late, WindowSpec{}), Error);
}

TEST(Preprocess, RepeatedPresentationsAreAveraged) {
  const RowMatrixF rows = random_series(8, 3, 7);
  const std::vector<std::size_t> clip{5, 2, 5, 9, 2, 5, 9, 9};
  const RepeatAverage avg = average_repeats(rows, clip);
  EXPECT_EQ(avg.clips, (std::vector<std::size_t>{5, 2, 9}));
  EXPECT_EQ(avg.counts, (std::vector<std::size_t>{3, 2, 3}));
  const Eigen::RowVectorXf five = (rows.row(0) + rows.row(2) + rows.row(5)) / 3.0f;
  EXPECT_LT((avg.data.row(0) - five).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_THROW(average_repeats(rows, std::vector<std::size_t>{1, 2}), Error);
}

}  // namespace
}  // namespace b2m::fmri
