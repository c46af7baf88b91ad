// Per-fold decompositions (eigh of Gram or kernel, or thin SVD) and the
// per-alpha prediction GEMM, LOO hat diagonals, and the refit weights.
#include "spectral_fold.h"

#include <numeric>
#include <utility>

#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::ridge::detail {
namespace {

std::vector<Index> all_rows(Index n) {
  std::vector<Index> rows(static_cast<std::size_t>(n));
  std::iota(rows.begin(), rows.end(), Index{0});
  return rows;
}

// m[rows, cols] of a square matrix.
RowMatrixF submatrix(const RowMatrixF& m, const std::vector<Index>& rows,
                     const std::vector<Index>& cols) {
  RowMatrixF out(static_cast<Index>(rows.size()), static_cast<Index>(cols.size()));
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < cols.size(); ++c) out(Index(r), Index(c)) = m(rows[r], cols[c]);
  return out;
}

}  // namespace

SpectralFold SpectralFold::for_fold(const SharedProducts& shared, Solver solver, const Fold& fold) {
  SpectralFold f;
  f.solver_ = solver;
  f.shared_ = &shared;
  f.train_rows_ = fold.train;
  f.eval_rows_ = fold.valid;
  const RowMatrixF& x = *shared.x;
  const Index p = x.cols();
  switch (solver) {
    case Solver::Gram: {
      // XᵀX over the training rows = XᵀX over all rows minus the validation
      // rows' part: m p² flops instead of n_tr p².
      gather_rows(x, fold.valid, 0, p, f.eval_x_);
      RowMatrixF valid_gram;
      blas::gram(blas::view(f.eval_x_), /*transpose=*/true, valid_gram);
      f.basis_rows_ = shared.gram - valid_gram;
      blas::eigh_rows(f.basis_rows_, f.spectrum_, "ridge cv (Gram eigendecomposition)");
      f.tolerance_ = spectrum_tolerance(f.spectrum_, p);
      f.a_.resize(f.eval_x_.rows(), p);
      blas::gemm(false, blas::view(f.eval_x_), true, blas::view(f.basis_rows_), 1.0f, 0.0f,
                 blas::mutable_view(f.a_));
      break;
    }
    case Solver::Kernel: {
      f.basis_rows_ = submatrix(shared.kernel, fold.train, fold.train);
      blas::eigh_rows(f.basis_rows_, f.spectrum_, "ridge cv (kernel eigendecomposition)");
      f.tolerance_ = spectrum_tolerance(f.spectrum_, Index(fold.train.size()));
      const RowMatrixF cross = submatrix(shared.kernel, fold.valid, fold.train);
      f.a_.resize(cross.rows(), f.basis_rows_.rows());
      blas::gemm(false, blas::view(cross), true, blas::view(f.basis_rows_), 1.0f, 0.0f,
                 blas::mutable_view(f.a_));
      break;
    }
    case Solver::Svd: {
      RowMatrixF x_train;
      gather_rows(x, fold.train, 0, p, x_train);
      blas::svd_thin(x_train, f.left_, f.spectrum_, f.basis_rows_, "ridge cv (SVD)");
      f.tolerance_ = spectrum_tolerance(f.spectrum_, std::max<Index>(Index(fold.train.size()), p));
      RowMatrixF x_valid;
      gather_rows(x, fold.valid, 0, p, x_valid);
      f.a_.resize(x_valid.rows(), f.basis_rows_.rows());
      blas::gemm(false, blas::view(x_valid), true, blas::view(f.basis_rows_), 1.0f, 0.0f,
                 blas::mutable_view(f.a_));
      break;
    }
    case Solver::Auto: fail("internal: solver not resolved");
  }
  return f;
}

SpectralFold SpectralFold::for_all(const SharedProducts& shared, Solver solver, bool for_loo) {
  SpectralFold f;
  f.solver_ = solver;
  f.shared_ = &shared;
  f.full_ = true;
  const RowMatrixF& x = *shared.x;
  const Index n = x.rows(), p = x.cols();
  f.train_rows_ = all_rows(n);
  f.eval_rows_ = f.train_rows_;
  switch (solver) {
    case Solver::Gram:
      f.basis_rows_ = shared.gram;
      blas::eigh_rows(f.basis_rows_, f.spectrum_, "ridge fit (Gram eigendecomposition)");
      f.tolerance_ = spectrum_tolerance(f.spectrum_, p);
      if (for_loo) {
        f.a_.resize(n, p);  // A = X V
        blas::gemm(false, blas::view(x), true, blas::view(f.basis_rows_), 1.0f, 0.0f,
                   blas::mutable_view(f.a_));
        f.hat_ = f.a_.cwiseProduct(f.a_);  // h = sum_k (XV)²_ik / (s_k + alpha)
      }
      break;
    case Solver::Kernel:
      f.basis_rows_ = shared.kernel;
      blas::eigh_rows(f.basis_rows_, f.spectrum_, "ridge fit (kernel eigendecomposition)");
      f.tolerance_ = spectrum_tolerance(f.spectrum_, n);
      if (for_loo) {
        // K U = U S: A = U diag(s) (components below tolerance contribute 0).
        const RowMatrixF u = f.basis_rows_.transpose();
        f.a_ = u * f.spectrum_.asDiagonal();
        f.hat_ = f.a_.cwiseProduct(u);  // h = sum_k U²_ik s_k / (s_k + alpha)
      }
      break;
    case Solver::Svd: {
      RowMatrixF x_copy = x;
      blas::svd_thin(x_copy, f.left_, f.spectrum_, f.basis_rows_, "ridge fit (SVD)");
      f.tolerance_ = spectrum_tolerance(f.spectrum_, std::max(n, p));
      if (for_loo) {
        f.a_ = f.left_ * f.spectrum_.asDiagonal();  // X V = U S
        f.hat_ = f.a_.cwiseProduct(f.left_);          // h = sum_k U²_ik s²/(s² + alpha)
      }
      break;
    }
    case Solver::Auto: fail("internal: solver not resolved");
  }
  return f;
}

void SpectralFold::rotate(const RowMatrixF& y, Index b0, Index tb, const RowMatrixF* x_t_y_batch,
                          RowMatrixF& z) const {
  const Index r = rank();
  z.resize(r, tb);
  switch (solver_) {
    case Solver::Gram: {
      if (!x_t_y_batch) fail("internal: Gram rotation needs XᵀY");
      if (full_) {
        blas::gemm(false, blas::view(basis_rows_), false, blas::view(*x_t_y_batch), 1.0f, 0.0f,
                   blas::mutable_view(z));
        return;
      }
      // X_trᵀ Y_tr = XᵀY - X_vaᵀ Y_va for this batch.
      RowMatrixF y_valid;
      gather_rows(y, eval_rows_, b0, tb, y_valid);
      RowMatrixF corrected = *x_t_y_batch;
      blas::gemm(true, blas::view(eval_x_), false, blas::view(y_valid), -1.0f, 1.0f,
                 blas::mutable_view(corrected));
      blas::gemm(false, blas::view(basis_rows_), false, blas::view(corrected), 1.0f, 0.0f,
                 blas::mutable_view(z));
      return;
    }
    case Solver::Kernel:
    case Solver::Svd: {
      const blas::ConstView y_batch{y.data() + b0, y.rows(), tb, y.cols()};
      RowMatrixF y_train;
      if (!full_) gather_rows(y, train_rows_, b0, tb, y_train);
      const blas::ConstView y_tr = full_ ? y_batch : blas::view(std::as_const(y_train));
      if (solver_ == Solver::Kernel)
        blas::gemm(false, blas::view(basis_rows_), false, y_tr, 1.0f, 0.0f, blas::mutable_view(z));
      else
        blas::gemm(true, blas::view(left_), false, y_tr, 1.0f, 0.0f, blas::mutable_view(z));
      return;
    }
    case Solver::Auto: break;
  }
  fail("internal: solver not resolved");
}

void SpectralFold::predict(double alpha, const RowMatrixF& z, RowMatrixF& scaled_a,
                           RowMatrixF& p) const {
  const Index r = rank();
  VectorF d(r);
  for (Index k = 0; k < r; ++k) d[k] = shrinkage(solver_, spectrum_[k], tolerance_, alpha);
  // Scaling A (m x r) costs m r; scaling Z would cost r t per alpha.
  scaled_a = a_ * d.asDiagonal();
  p.resize(a_.rows(), z.cols());
  blas::gemm(false, blas::view(scaled_a), false, blas::view(z), 1.0f, 0.0f, blas::mutable_view(p));
}

std::vector<double> SpectralFold::loo_gain(double alpha) const {
  if (hat_.size() == 0) fail("internal: LOO gain without the hat matrix");
  const Index r = rank();
  std::vector<double> d(static_cast<std::size_t>(r));
  for (Index k = 0; k < r; ++k) d[k] = shrinkage(solver_, spectrum_[k], tolerance_, alpha);
  std::vector<double> gain(static_cast<std::size_t>(hat_.rows()));
  parallel_for(gain.size(), 256, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      double h = 0.0;
      const float* row = hat_.data() + Index(i) * r;
      for (Index k = 0; k < r; ++k) h += double(row[k]) * d[k];
      // h -> 1 means the sample is interpolated (alpha -> 0 with p >= n): its
      // LOO residual is unbounded; cap the gain instead of dividing by zero.
      gain[i] = 1.0 / std::max(1.0 - h, 1e-6);
    }
  });
  return gain;
}

void SpectralFold::weights(const RowMatrixF& z, const std::vector<double>& alphas, Index b0,
                           RowMatrixF& w) const {
  const Index r = rank(), tb = z.cols();
  RowMatrixF shrunk(r, tb);
  parallel_for(static_cast<std::size_t>(r), 16, [&](std::size_t k0, std::size_t k1) {
    for (std::size_t k = k0; k < k1; ++k)
      for (Index j = 0; j < tb; ++j)
        shrunk(Index(k), j) =
            z(Index(k), j) * shrinkage(solver_, spectrum_[Index(k)], tolerance_, alphas[j]);
  });
  const blas::View out{w.data() + b0, w.rows(), tb, w.cols()};
  if (solver_ == Solver::Kernel) {
    // W = Xᵀ U (Z ∘ D): dual coefficients first, then back to features.
    RowMatrixF dual(basis_rows_.cols(), tb);
    blas::gemm(true, blas::view(basis_rows_), false, blas::view(shrunk), 1.0f, 0.0f,
               blas::mutable_view(dual));
    blas::gemm(true, blas::view(*shared_->x), false, blas::view(dual), 1.0f, 0.0f, out);
  } else {
    blas::gemm(true, blas::view(basis_rows_), false, blas::view(shrunk), 1.0f, 0.0f, out);
  }
}

}  // namespace b2m::ridge::detail
