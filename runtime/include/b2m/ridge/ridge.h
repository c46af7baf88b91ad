// Ridge regression with cross-validated regularization, one alpha per target.
//
//   W = argmin ||X W - Y||² + alpha ||W||²  =  (XᵀX + alpha I)⁻¹ XᵀY
//
// No intercept is fitted: z-score X and Y first (as the paper's pipeline does).
//
// Algorithm (per CV fold): one decomposition of the training data, picked by
// shape - eigh of the Gram matrix XᵀX (p <= n), eigh of the kernel XXᵀ
// (p > n), or a thin SVD of X - then the targets are rotated once into that
// basis and every alpha costs one GEMM (validation predictions of a target
// batch) whose scores are computed in the same pass. Targets are processed in
// batches sized from a memory budget; no alpha x samples x targets tensor is
// ever formed. The best alpha per target maximises the mean validation score
// over folds (ties go to the larger alpha); the final weights are refit on all
// training data with each target's alpha. Arithmetic is float32 (BLAS);
// scores and statistics accumulate in float64. Eigen/singular values below
// max * dim * float-epsilon are treated as zero (pseudo-inverse limit), which
// keeps tiny alphas and rank-deficient X finite.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "b2m/ridge/matrix.h"

namespace b2m::ridge {

enum class Score { Pearson, R2 };
enum class Solver { Auto, Gram, Kernel, Svd };

// Cross-validation scheme.
struct CvScheme {
  enum class Kind { KFold, Grouped, LeaveOneOut };
  Kind kind = Kind::KFold;
  int folds = 5;            // KFold: contiguous blocks (no shuffling: samples are time series)
  std::vector<int> groups;  // Grouped: group (e.g. run) of every sample

  // k contiguous folds of (nearly) equal size.
  static CvScheme kfold(int k);
  // Whole groups are held out together. folds == 0: one fold per group
  // (leave-one-group-out); otherwise the sorted groups are dealt round-robin
  // into `folds` folds.
  static CvScheme grouped(std::vector<int> groups, int folds = 0);
  // Exact leave-one-out from one decomposition of all the data (hat-matrix identity).
  static CvScheme leave_one_out();
};

struct RidgeOptions {
  std::vector<double> alphas;  // the grid (any order; positive)
  CvScheme cv = CvScheme::kfold(5);
  bool alpha_per_target = true;  // false: one alpha for all targets (best mean score)
  Score score = Score::Pearson;
  Solver solver = Solver::Auto;
  // Bytes for per-batch buffers; the target batch size follows from it.
  std::size_t batch_memory_bytes = std::size_t(512) << 20;
  std::size_t target_batch = 0;  // > 0 overrides the budget (tests)
  bool show_progress = true;
};

struct RidgeModel {
  RowMatrixF weights;                 // p x t
  std::vector<double> alpha_grid;     // sorted ascending
  std::vector<double> alpha;          // chosen alpha per target
  RowMatrixF cv_scores;               // alphas x targets, mean validation score over folds
  std::vector<float> best_cv_score;   // per target: cv_scores at its alpha
  Solver solver_used = Solver::Auto;  // Gram, Kernel or Svd

  RowMatrixF predict(const RowMatrixF& x) const;
};

// Fits with cross-validated alphas. Fails on shape mismatches, an empty or
// non-positive alpha grid, non-finite inputs, or CV folds that leave a fold
// without training or validation samples.
RidgeModel fit(const RowMatrixF& x, const RowMatrixF& y, const RidgeOptions& options);

// Closed-form weights for given alphas (one per target, or one for all when
// alphas.size() == 1), through the same decompositions.
RowMatrixF solve(const RowMatrixF& x, const RowMatrixF& y, const std::vector<double>& alphas,
                 Solver solver = Solver::Auto);

// Score of each column of `predicted` against `truth` (Pearson r or R²;
// float64 accumulation). Columns with zero variance score 0.
VectorF score(const RowMatrixF& truth, const RowMatrixF& predicted, Score kind);

// Named column subsets of X (e.g. atlas regions).
struct ColumnGroup {
  std::string name;
  std::vector<std::int64_t> columns;
};

// ROI-wise ensemble (the paper's decoder): one ridge model per column group,
// groups ranked by their mean (over targets) best CV score, and the top-k
// groups' predictions averaged.
struct RoiEnsemble {
  struct Member {
    ColumnGroup group;
    RidgeModel model;
    double cv_score = 0.0;  // mean over targets of best_cv_score
  };
  std::vector<Member> ranked;  // all groups, best first
  std::size_t top_k = 0;

  RowMatrixF predict(const RowMatrixF& x) const;  // x: all columns
};

RoiEnsemble fit_roi_ensemble(const RowMatrixF& x, const RowMatrixF& y,
                             const std::vector<ColumnGroup>& groups, std::size_t top_k,
                             const RidgeOptions& options);

// FLOPs of fit() for a problem size (the dominant BLAS/LAPACK terms), used by
// the benchmark to report achieved GFLOP/s.
double fit_flops(std::int64_t n, std::int64_t p, std::int64_t t, std::size_t num_alphas,
                 const CvScheme& cv, Solver solver);

const char* solver_name(Solver solver);

}  // namespace b2m::ridge
