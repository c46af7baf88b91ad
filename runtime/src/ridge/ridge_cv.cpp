// Ridge fit: cross-validated alpha per target (k-fold, grouped, LOO), batched
// over targets, then the refit on all rows; also solve(), predict() and the
// FLOP model used by the benchmark.
#include <algorithm>
#include <cmath>
#include <optional>

#include "b2m/runtime/error.h"
#include "b2m/runtime/progress.h"
#include "b2m/runtime/thread_pool.h"
#include "ridge_internal.h"
#include "spectral_fold.h"

namespace b2m::ridge {
namespace {

using detail::Index;

void require_finite(const RowMatrixF& m, const char* name) {
  if (!m.allFinite()) {
    for (Index r = 0; r < m.rows(); ++r)
      for (Index c = 0; c < m.cols(); ++c)
        if (!std::isfinite(m(r, c)))
          fail("ridge: {} ({}x{}) holds a non-finite value {} at row {}, column {}", name, m.rows(),
               m.cols(), m(r, c), r, c);
  }
}

void check_inputs(const RowMatrixF& x, const RowMatrixF& y) {
  if (x.rows() != y.rows())
    fail("ridge: X has {} samples (rows) but Y has {}", x.rows(), y.rows());
  if (x.rows() < 2 || x.cols() < 1 || y.cols() < 1)
    fail("ridge: X is {}x{} and Y is {}x{}: need at least 2 samples, 1 feature and 1 target",
         x.rows(), x.cols(), y.rows(), y.cols());
  require_finite(x, "X");
  require_finite(y, "Y");
}

Solver resolve_solver(Solver solver, Index smallest_train_rows, Index p) {
  if (solver != Solver::Auto) return solver;
  // The smaller of XᵀX (p x p) and XXᵀ (n x n) is cheaper to decompose and
  // gives an r = min(n, p) basis either way.
  return p <= smallest_train_rows ? Solver::Gram : Solver::Kernel;
}

detail::SharedProducts shared_products(const RowMatrixF& x, Solver solver) {
  detail::SharedProducts shared;
  shared.x = &x;
  if (solver == Solver::Gram) blas::gram(blas::view(x), true, shared.gram);
  if (solver == Solver::Kernel) blas::gram(blas::view(x), false, shared.kernel);
  return shared;
}

// Targets per batch from the per-target buffers a batch needs (floats):
// XᵀY batch, corrected copy and Z (Gram), gathered training targets (Kernel,
// SVD), validation targets, predictions and the kept full-data rotation.
Index target_batch(const RidgeOptions& options, Index t, Index n, Index p, Index r, Index m) {
  if (options.target_batch > 0) return std::min<Index>(Index(options.target_batch), t);
  const Index per_target = 3 * std::max(p, r) + n + 2 * m;
  const Index fit = Index(options.batch_memory_bytes / (sizeof(float) * std::size_t(per_target)));
  // Multiples of 64 keep GEMM panels aligned; at least 64 targets per GEMM.
  return std::clamp<Index>(fit / 64 * 64, std::min<Index>(64, t), t);
}

}  // namespace

const char* solver_name(Solver solver) {
  switch (solver) {
    case Solver::Auto: return "auto";
    case Solver::Gram: return "gram-eigh";
    case Solver::Kernel: return "kernel-eigh";
    case Solver::Svd: return "svd";
  }
  return "?";
}

RidgeModel fit(const RowMatrixF& x, const RowMatrixF& y, const RidgeOptions& options) {
  check_inputs(x, y);
  if (options.alphas.empty()) fail("ridge: the alpha grid is empty");
  for (double a : options.alphas)
    if (!(a > 0.0) || !std::isfinite(a))
      fail("ridge: alphas must be positive and finite, got {}", a);
  blas::set_blas_threads_from_pool();

  const Index n = x.rows(), p = x.cols(), t = y.cols();
  const bool loo = options.cv.kind == CvScheme::Kind::LeaveOneOut;
  const std::vector<detail::Fold> folds = loo ? std::vector<detail::Fold>{} : detail::make_folds(options.cv, n);
  Index smallest_train = n, largest_valid = n;
  if (!loo) {
    largest_valid = 0;
    for (const auto& f : folds) {
      smallest_train = std::min<Index>(smallest_train, Index(f.train.size()));
      largest_valid = std::max<Index>(largest_valid, Index(f.valid.size()));
    }
  }
  const Solver solver = resolve_solver(options.solver, smallest_train, p);

  RidgeModel model;
  model.solver_used = solver;
  model.alpha_grid = options.alphas;
  std::sort(model.alpha_grid.begin(), model.alpha_grid.end());
  model.alpha_grid.erase(std::unique(model.alpha_grid.begin(), model.alpha_grid.end()),
                         model.alpha_grid.end());
  const auto num_alphas = static_cast<Index>(model.alpha_grid.size());

  const detail::SharedProducts shared = shared_products(x, solver);
  const detail::SpectralFold full = detail::SpectralFold::for_all(shared, solver, loo);
  std::vector<detail::SpectralFold> fold_solvers;
  fold_solvers.reserve(folds.size());
  for (const auto& f : folds) fold_solvers.push_back(detail::SpectralFold::for_fold(shared, solver, f));

  const Index r_full = full.rank();
  const Index tb = target_batch(options, t, n, p, r_full, largest_valid);
  const Index num_batches = (t + tb - 1) / tb;
  const std::size_t evaluations = loo ? 1 : folds.size();

  // Sums over folds of each (alpha, target) score, and the full-data rotation
  // kept for the refit (r x t, never larger than the weights).
  RowMatrixD score_sum = RowMatrixD::Zero(num_alphas, t);
  RowMatrixF z_full(r_full, t);

  std::optional<Progress> progress;
  if (options.show_progress)
    progress.emplace(loo ? "ridge loo" : "ridge cv", std::size_t(num_batches) * evaluations, "fold");
  RowMatrixF x_t_y, z, scaled_a, predictions, y_valid, z_batch;
  std::vector<double> batch_scores;
  for (Index b0 = 0; b0 < t; b0 += tb) {
    const Index cols = std::min(tb, t - b0);
    const blas::ConstView y_batch{y.data() + b0, n, cols, t};
    if (solver == Solver::Gram) {
      x_t_y.resize(p, cols);
      blas::gemm(true, blas::view(x), false, y_batch, 1.0f, 0.0f, blas::mutable_view(x_t_y));
    }
    full.rotate(y, b0, cols, &x_t_y, z_batch);
    for (Index k = 0; k < r_full; ++k)
      std::copy_n(z_batch.data() + k * cols, cols, z_full.data() + k * t + b0);

    for (std::size_t e = 0; e < evaluations; ++e) {
      const detail::SpectralFold& fold = loo ? full : fold_solvers[e];
      if (!loo) fold.rotate(y, b0, cols, &x_t_y, z);
      const RowMatrixF& z_eval = loo ? z_batch : z;
      detail::gather_rows(y, fold.eval_rows(), b0, cols, y_valid);
      const detail::TruthStats stats = detail::truth_stats(blas::view(y_valid));
      for (Index a = 0; a < num_alphas; ++a) {
        const double alpha = model.alpha_grid[std::size_t(a)];
        fold.predict(alpha, z_eval, scaled_a, predictions);
        batch_scores.assign(std::size_t(cols), 0.0);
        std::vector<double> gain;
        if (loo) gain = fold.loo_gain(alpha);
        detail::accumulate_scores(options.score, blas::view(predictions), blas::view(y_valid), stats,
                                  loo ? &gain : nullptr, batch_scores.data());
        for (Index j = 0; j < cols; ++j) score_sum(a, b0 + j) += batch_scores[std::size_t(j)];
      }
      if (progress) progress->advance();
    }
  }
  if (progress) progress->finish();

  // Mean over folds; best alpha per target (or shared), ties to the larger
  // alpha: scanning ascending alphas with >= keeps the last (largest) best.
  model.cv_scores.resize(num_alphas, t);
  for (Index a = 0; a < num_alphas; ++a)
    for (Index j = 0; j < t; ++j)
      model.cv_scores(a, j) = static_cast<float>(score_sum(a, j) / double(evaluations));
  model.alpha.assign(std::size_t(t), 0.0);
  model.best_cv_score.assign(std::size_t(t), 0.0f);
  if (options.alpha_per_target) {
    for (Index j = 0; j < t; ++j) {
      Index best = 0;
      for (Index a = 1; a < num_alphas; ++a)
        if (score_sum(a, j) >= score_sum(best, j)) best = a;
      model.alpha[std::size_t(j)] = model.alpha_grid[std::size_t(best)];
      model.best_cv_score[std::size_t(j)] = model.cv_scores(best, j);
    }
  } else {
    Index best = 0;
    for (Index a = 1; a < num_alphas; ++a)
      if (score_sum.row(a).sum() >= score_sum.row(best).sum()) best = a;
    for (Index j = 0; j < t; ++j) {
      model.alpha[std::size_t(j)] = model.alpha_grid[std::size_t(best)];
      model.best_cv_score[std::size_t(j)] = model.cv_scores(best, j);
    }
  }

  // Refit on all rows with each target's alpha, from the kept rotation.
  model.weights.resize(p, t);
  for (Index b0 = 0; b0 < t; b0 += tb) {
    const Index cols = std::min(tb, t - b0);
    z_batch = z_full.middleCols(b0, cols);
    const std::vector<double> batch_alphas(model.alpha.begin() + b0, model.alpha.begin() + b0 + cols);
    full.weights(z_batch, batch_alphas, b0, model.weights);
  }
  return model;
}

RowMatrixF solve(const RowMatrixF& x, const RowMatrixF& y, const std::vector<double>& alphas,
                 Solver solver) {
  check_inputs(x, y);
  const Index n = x.rows(), p = x.cols(), t = y.cols();
  if (alphas.size() != 1 && static_cast<Index>(alphas.size()) != t)
    fail("ridge solve: {} alphas for {} targets (give 1 or one per target)", alphas.size(), t);
  for (double a : alphas)
    if (!(a > 0.0) || !std::isfinite(a)) fail("ridge solve: alphas must be positive, got {}", a);
  blas::set_blas_threads_from_pool();
  const Solver resolved = resolve_solver(solver, n, p);
  const detail::SharedProducts shared = shared_products(x, resolved);
  const detail::SpectralFold full = detail::SpectralFold::for_all(shared, resolved, false);
  RidgeOptions defaults;
  const Index tb = target_batch(defaults, t, n, p, full.rank(), 0);
  RowMatrixF w(p, t), x_t_y, z;
  for (Index b0 = 0; b0 < t; b0 += tb) {
    const Index cols = std::min(tb, t - b0);
    if (resolved == Solver::Gram) {
      x_t_y.resize(p, cols);
      blas::gemm(true, blas::view(x), false, blas::ConstView{y.data() + b0, n, cols, t}, 1.0f,
                 0.0f, blas::mutable_view(x_t_y));
    }
    full.rotate(y, b0, cols, &x_t_y, z);
    std::vector<double> batch_alphas(static_cast<std::size_t>(cols));
    for (Index j = 0; j < cols; ++j)
      batch_alphas[std::size_t(j)] = alphas.size() == 1 ? alphas[0] : alphas[std::size_t(b0 + j)];
    full.weights(z, batch_alphas, b0, w);
  }
  return w;
}

RowMatrixF RidgeModel::predict(const RowMatrixF& x) const {
  if (x.cols() != weights.rows())
    fail("ridge predict: X has {} features but the model was fit on {}", x.cols(), weights.rows());
  RowMatrixF out(x.rows(), weights.cols());
  blas::gemm(false, blas::view(x), false, blas::view(weights), 1.0f, 0.0f, blas::mutable_view(out));
  return out;
}

double fit_flops(std::int64_t n, std::int64_t p, std::int64_t t, std::size_t num_alphas,
                 const CvScheme& cv, Solver solver) {
  const bool loo = cv.kind == CvScheme::Kind::LeaveOneOut;
  const double k = loo ? 1.0 : double(cv.kind == CvScheme::Kind::KFold ? cv.folds : std::max(cv.folds, 2));
  const double dn = double(n), dp = double(p), dt = double(t), a = double(num_alphas);
  const double m = loo ? dn : dn / k;           // evaluation rows per fold
  const double n_tr = loo ? dn : dn - m;        // training rows per fold
  if (solver == Solver::Auto) solver = p <= std::int64_t(n_tr) ? Solver::Gram : Solver::Kernel;
  // Symmetric eigendecomposition with vectors (ssyevd): ~4/3 d³ to
  // tridiagonalize + ~2 d³ back-transformation + divide and conquer ~ 4 d³ in
  // all (LAPACK Working Note 183 orders); thin SVD (sgesdd) ~ 14 d_min² d_max.
  auto eigh = [](double d) { return 4.0 * d * d * d; };
  double flops = 0.0;
  switch (solver) {
    case Solver::Gram: {
      const double r = dp;
      flops += dn * dp * dp;                       // XᵀX (SYRK)
      flops += eigh(dp);                           // full decomposition (refit)
      flops += 2.0 * dn * dp * dt;                 // XᵀY, once
      flops += 2.0 * dp * r * dt;                  // full rotation
      if (loo) flops += 2.0 * dn * dp * r;         // A = X V
      else
        flops += k * (m * dp * dp + eigh(dp) + 2.0 * m * dp * r  // Gram correction, eigh, A
                      + 2.0 * m * dp * dt + 2.0 * r * dp * dt);  // XᵀY correction, rotation
      flops += a * k * 2.0 * m * r * dt;           // one GEMM per alpha and fold
      flops += 2.0 * r * dp * dt;                  // refit W = V (Z ∘ D)
      break;
    }
    case Solver::Kernel: {
      flops += dn * dn * dp;                       // XXᵀ (SYRK)
      flops += eigh(dn) + 2.0 * dn * dn * dt;      // full decomposition and rotation
      if (!loo) flops += k * (eigh(n_tr) + 2.0 * m * n_tr * n_tr + 2.0 * n_tr * n_tr * dt);
      flops += a * k * 2.0 * m * n_tr * dt;        // one GEMM per alpha and fold
      flops += 2.0 * dn * dn * dt + 2.0 * dn * dp * dt;  // refit: dual then W = Xᵀ dual
      break;
    }
    case Solver::Svd: {
      const double r = std::min(dn, dp);
      auto svd = [](double rows, double cols) {
        const double lo = std::min(rows, cols), hi = std::max(rows, cols);
        return 14.0 * lo * lo * hi;
      };
      flops += svd(dn, dp) + 2.0 * dn * r * dt;
      if (!loo) flops += k * (svd(n_tr, dp) + 2.0 * m * dp * r + 2.0 * n_tr * r * dt);
      flops += a * k * 2.0 * m * r * dt;
      flops += 2.0 * r * dp * dt;
      break;
    }
    case Solver::Auto: break;
  }
  return flops;
}

}  // namespace b2m::ridge
