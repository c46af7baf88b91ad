// Internals shared by the ridge sources (not installed).
#pragma once

#include <vector>

#include "b2m/ridge/blas.h"
#include "b2m/ridge/ridge.h"

namespace b2m::ridge::detail {

using Index = Eigen::Index;

struct Fold {
  std::vector<Index> train;
  std::vector<Index> valid;
};

// The folds of `cv` over n samples; fails when a fold is empty or has no training sample.
std::vector<Fold> make_folds(const CvScheme& cv, Index n);

// Rows `rows` of columns [col_begin, col_begin + cols) of m.
void gather_rows(const RowMatrixF& m, const std::vector<Index>& rows, Index col_begin, Index cols,
                 RowMatrixF& out);

// Eigen/singular values at or below this are treated as zero.
float spectrum_tolerance(const VectorF& values, Index dim);

// The shrinkage factor of one spectral component for `alpha`:
//   Gram / Kernel (eigenvalue s):   1 / (s + alpha)
//   Svd (singular value s):         s / (s² + alpha)
// and 0 for components at or below the tolerance.
inline float shrinkage(Solver solver, float s, float tolerance, double alpha) {
  if (!(s > tolerance)) return 0.0f;
  if (solver == Solver::Svd) return static_cast<float>(double(s) / (double(s) * s + alpha));
  return static_cast<float>(1.0 / (double(s) + alpha));
}

// Per-column statistics of a validation block, computed once per batch.
struct TruthStats {
  std::vector<double> mean;
  std::vector<double> centered_ss;  // sum of squared deviations
};
TruthStats truth_stats(blas::ConstView y);

// Adds each column's score of `predicted` against `truth` to out[j]. When
// loo_gain is given (one value per row, 1 / (1 - h_ii)), predictions are
// first turned into leave-one-out predictions: p <- y - (y - p) * gain.
void accumulate_scores(Score kind, blas::ConstView predicted, blas::ConstView truth,
                       const TruthStats& stats, const std::vector<double>* loo_gain,
                       double* out);

}  // namespace b2m::ridge::detail
