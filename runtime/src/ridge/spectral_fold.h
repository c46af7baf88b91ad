// One training set's spectral decomposition, ready to predict evaluation rows
// for any alpha with one GEMM (internal to the ridge sources).
//
// Every solver reduces ridge predictions of evaluation rows to
//     P(alpha) = (A * diag(d(alpha))) * Z
// with A (m x r) the evaluation rows in the spectral basis, Z (r x t) the
// targets rotated into it once, and d the per-component shrinkage:
//   Gram   (eigh of XᵀX = V S Vᵀ):  A = X_eval V,            Z = Vᵀ X_trᵀ Y_tr
//   Kernel (eigh of XXᵀ = U S Uᵀ):  A = K(eval, train) U,    Z = Uᵀ Y_tr
//   Svd    (X_tr = U S Vᵀ):          A = X_eval V,            Z = Uᵀ Y_tr
// For leave-one-out the evaluation rows are the training rows and the hat
// diagonal h_i(alpha) = sum_k H_ik d_k(alpha) gives the LOO predictions.
#pragma once

#include <vector>

#include "ridge_internal.h"

namespace b2m::ridge::detail {

// Data shared by all folds of one fit.
struct SharedProducts {
  const RowMatrixF* x = nullptr;
  RowMatrixF gram;    // XᵀX (Gram solver)
  RowMatrixF kernel;  // XXᵀ (Kernel solver)
};

class SpectralFold {
 public:
  // A CV fold: decomposition of the training rows, evaluation on the validation rows.
  static SpectralFold for_fold(const SharedProducts& shared, Solver solver, const Fold& fold);
  // All rows: for the refit, and with `for_loo` the LOO evaluation matrices too.
  static SpectralFold for_all(const SharedProducts& shared, Solver solver, bool for_loo);

  Index rank() const { return static_cast<Index>(spectrum_.size()); }
  const std::vector<Index>& eval_rows() const { return eval_rows_; }
  bool is_full() const { return full_; }

  // Z (r x tb) for targets [b0, b0 + tb) of y. Gram folds need x_t_y_batch =
  // Xᵀ Y[:, batch] over all rows (p x tb).
  void rotate(const RowMatrixF& y, Index b0, Index tb, const RowMatrixF* x_t_y_batch,
              RowMatrixF& z) const;
  // P = (A * diag(d(alpha))) Z, (m x tb).
  void predict(double alpha, const RowMatrixF& z, RowMatrixF& scaled_a, RowMatrixF& p) const;
  // 1 / (1 - h_ii(alpha)) for LOO (for_all with for_loo only).
  std::vector<double> loo_gain(double alpha) const;
  // Weights (p x tb) from the rotated targets of all rows and one alpha per
  // target of the batch (written into w's columns [b0, b0 + tb)).
  void weights(const RowMatrixF& z, const std::vector<double>& alphas, Index b0,
               RowMatrixF& w) const;

 private:
  Solver solver_ = Solver::Gram;
  const SharedProducts* shared_ = nullptr;
  bool full_ = false;
  std::vector<Index> train_rows_, eval_rows_;
  VectorF spectrum_;
  float tolerance_ = 0.0f;
  RowMatrixF basis_rows_;  // Gram/Svd: Vᵀ (r x p); Kernel: Uᵀ (r x n_tr)
  RowMatrixF left_;        // Svd: U (n_tr x r)
  RowMatrixF eval_x_;      // Gram folds: X_eval (m x p), for the XᵀY correction
  RowMatrixF a_;           // A (m x r)
  RowMatrixF hat_;         // LOO: H (n x r)
};

}  // namespace b2m::ridge::detail
