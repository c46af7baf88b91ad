// Per-target scores (Pearson r, R²) with float64 accumulation, fused with the
// leave-one-out correction; also the public ridge::score().
#include <algorithm>
#include <cmath>

#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"
#include "ridge_internal.h"

namespace b2m::ridge {
namespace detail {

namespace {
// Columns per parallel chunk: the accumulators of a chunk stay in L1.
constexpr std::size_t kColumnChunk = 256;
}  // namespace

TruthStats truth_stats(blas::ConstView y) {
  TruthStats stats;
  const auto cols = static_cast<std::size_t>(y.cols);
  stats.mean.assign(cols, 0.0);
  stats.centered_ss.assign(cols, 0.0);
  parallel_for(cols, kColumnChunk, [&](std::size_t c0, std::size_t c1) {
    for (Index r = 0; r < y.rows; ++r) {
      const float* row = y.data + r * y.ld;
      for (std::size_t c = c0; c < c1; ++c) stats.mean[c] += row[c];
    }
    for (std::size_t c = c0; c < c1; ++c) stats.mean[c] /= double(std::max<Index>(y.rows, 1));
    // Second pass: exact centered sum of squares (no cancellation).
    for (Index r = 0; r < y.rows; ++r) {
      const float* row = y.data + r * y.ld;
      for (std::size_t c = c0; c < c1; ++c) {
        const double d = row[c] - stats.mean[c];
        stats.centered_ss[c] += d * d;
      }
    }
  });
  return stats;
}

void accumulate_scores(Score kind, blas::ConstView predicted, blas::ConstView truth,
                       const TruthStats& stats, const std::vector<double>* loo_gain,
                       double* out) {
  const Index m = predicted.rows;
  const auto cols = static_cast<std::size_t>(predicted.cols);
  parallel_for(cols, kColumnChunk, [&](std::size_t c0, std::size_t c1) {
    const std::size_t w = c1 - c0;
    double sum_p[kColumnChunk] = {}, sum_pp[kColumnChunk] = {}, sum_py[kColumnChunk] = {};
    for (Index r = 0; r < m; ++r) {
      const float* p = predicted.data + r * predicted.ld + c0;
      const float* y = truth.data + r * truth.ld + c0;
      const double* mean = stats.mean.data() + c0;
      const double gain = loo_gain ? (*loo_gain)[static_cast<std::size_t>(r)] : 1.0;
      if (kind == Score::Pearson) {
        for (std::size_t j = 0; j < w; ++j) {
          const double pv = loo_gain ? y[j] - (double(y[j]) - p[j]) * gain : double(p[j]);
          sum_p[j] += pv;
          sum_pp[j] += pv * pv;
          sum_py[j] += pv * (y[j] - mean[j]);  // = sum p (y - ybar): no ybar cancellation
        }
      } else {
        for (std::size_t j = 0; j < w; ++j) {
          const double residual = loo_gain ? (double(y[j]) - p[j]) * gain : double(y[j]) - p[j];
          sum_pp[j] += residual * residual;
        }
      }
    }
    for (std::size_t j = 0; j < w; ++j) {
      const double ss_y = stats.centered_ss[c0 + j];
      double value = 0.0;
      if (kind == Score::Pearson) {
        const double ss_p = sum_pp[j] - sum_p[j] * sum_p[j] / double(m);
        // Constant predictions or targets carry no correlation: score 0.
        if (ss_p > 0.0 && ss_y > 0.0) value = sum_py[j] / std::sqrt(ss_p * ss_y);
      } else {
        if (ss_y > 0.0) value = 1.0 - sum_pp[j] / ss_y;
      }
      out[c0 + j] += value;
    }
  });
}

}  // namespace detail

VectorF score(const RowMatrixF& truth, const RowMatrixF& predicted, Score kind) {
  if (truth.rows() != predicted.rows() || truth.cols() != predicted.cols())
    fail("score: truth is {}x{} but predictions are {}x{}", truth.rows(), truth.cols(),
         predicted.rows(), predicted.cols());
  if (truth.rows() < 2) fail("score: needs at least 2 samples, got {}", truth.rows());
  const blas::ConstView t = blas::view(truth), p = blas::view(predicted);
  const detail::TruthStats stats = detail::truth_stats(t);
  std::vector<double> out(static_cast<std::size_t>(truth.cols()), 0.0);
  detail::accumulate_scores(kind, p, t, stats, nullptr, out.data());
  VectorF result(truth.cols());
  for (Eigen::Index j = 0; j < truth.cols(); ++j) result[j] = static_cast<float>(out[j]);
  return result;
}

}  // namespace b2m::ridge
