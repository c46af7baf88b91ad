// Per-dimension Pearson r and R² (float64 accumulation).
#include <cmath>

#include "b2m/eval/metrics.h"
#include "b2m/runtime/error.h"

namespace b2m::eval {
namespace {

void check_same_shape(const RowMatrixF& truth, const RowMatrixF& predicted, const char* what) {
  if (truth.rows() != predicted.rows() || truth.cols() != predicted.cols())
    fail("{}: truth is {}x{} but predictions are {}x{}", what, truth.rows(), truth.cols(),
         predicted.rows(), predicted.cols());
  if (truth.rows() < 2) fail("{}: needs at least 2 samples, got {}", what, truth.rows());
}

}  // namespace

std::vector<double> pearson_per_dimension(const RowMatrixF& truth, const RowMatrixF& predicted) {
  check_same_shape(truth, predicted, "pearson");
  const RowMatrixD t = truth.cast<double>(), p = predicted.cast<double>();
  std::vector<double> out(static_cast<std::size_t>(t.cols()));
  for (Eigen::Index j = 0; j < t.cols(); ++j) {
    const Eigen::VectorXd tc = t.col(j).array() - t.col(j).mean();
    const Eigen::VectorXd pc = p.col(j).array() - p.col(j).mean();
    const double den = tc.norm() * pc.norm();
    out[std::size_t(j)] = den > 0.0 ? tc.dot(pc) / den : 0.0;
  }
  return out;
}

double mean_pearson(const RowMatrixF& truth, const RowMatrixF& predicted) {
  const std::vector<double> r = pearson_per_dimension(truth, predicted);
  double sum = 0.0;
  for (double v : r) sum += v;
  return sum / double(r.size());
}

std::vector<double> r2_per_dimension(const RowMatrixF& truth, const RowMatrixF& predicted) {
  check_same_shape(truth, predicted, "r2");
  const RowMatrixD t = truth.cast<double>(), p = predicted.cast<double>();
  std::vector<double> out(static_cast<std::size_t>(t.cols()));
  for (Eigen::Index j = 0; j < t.cols(); ++j) {
    const double ss_tot = (t.col(j).array() - t.col(j).mean()).square().sum();
    const double ss_res = (t.col(j) - p.col(j)).squaredNorm();
    out[std::size_t(j)] = ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : 0.0;
  }
  return out;
}

}  // namespace b2m::eval
