// Identification accuracy (Brain2Music §4) and 2-way identification.
#include "b2m/eval/metrics.h"
#include "b2m/runtime/error.h"

namespace b2m::eval {
namespace {

// Rows centered and scaled to unit norm (a constant row stays zero, so all
// its correlations are 0).
RowMatrixD standardized_rows(const RowMatrixF& m) {
  RowMatrixD out = m.cast<double>();
  for (Eigen::Index i = 0; i < out.rows(); ++i) {
    out.row(i).array() -= out.row(i).mean();
    const double norm = out.row(i).norm();
    if (norm > 0.0) out.row(i) /= norm;
  }
  return out;
}

}  // namespace

RowMatrixD row_correlations(const RowMatrixF& predicted, const RowMatrixF& target) {
  if (predicted.cols() != target.cols())
    fail("row correlations: predictions have {} dimensions but targets have {}", predicted.cols(),
         target.cols());
  if (predicted.cols() < 2) fail("row correlations: need at least 2 dimensions");
  return standardized_rows(predicted) * standardized_rows(target).transpose();
}

Identification identification_accuracy(const RowMatrixF& predicted, const RowMatrixF& target) {
  if (predicted.rows() != target.rows())
    fail("identification accuracy: {} predictions for {} targets (rows must pair up)",
         predicted.rows(), target.rows());
  const Eigen::Index n = predicted.rows();
  if (n < 2) fail("identification accuracy: needs at least 2 samples, got {}", n);
  const RowMatrixD c = row_correlations(predicted, target);
  Identification result;
  result.per_sample.resize(static_cast<std::size_t>(n));
  double sum = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    std::int64_t wins = 0;
    for (Eigen::Index j = 0; j < n; ++j)
      if (j != i && c(i, i) > c(i, j)) ++wins;
    result.per_sample[std::size_t(i)] = double(wins) / double(n - 1);
    sum += result.per_sample[std::size_t(i)];
  }
  result.accuracy = sum / double(n);
  return result;
}

double two_way_identification(const RowMatrixF& predicted, const RowMatrixF& target) {
  if (predicted.rows() != target.rows())
    fail("2-way identification: {} predictions for {} targets", predicted.rows(), target.rows());
  const Eigen::Index n = predicted.rows();
  if (n < 2) fail("2-way identification: needs at least 2 samples, got {}", n);
  const RowMatrixD c = row_correlations(predicted, target);
  std::int64_t correct = 0, pairs = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i + 1; j < n; ++j) {
      ++pairs;
      if (c(i, i) + c(j, j) > c(i, j) + c(j, i)) ++correct;
    }
  return double(correct) / double(pairs);
}

}  // namespace b2m::eval
