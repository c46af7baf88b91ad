// Ridge against independent float64 references: closed-form weights and
// predictions, brute-force CV alpha choice over the same folds, LOO, scores.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "b2m/ridge/blas.h"
#include "b2m/ridge/ridge.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::ridge {
namespace {

using MatD = Eigen::MatrixXd;

RowMatrixF random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  RowMatrixF m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m;
}

// Y = X W + noise, with a few targets pure noise so that alphas differ.
RowMatrixF make_targets(const RowMatrixF& x, Eigen::Index t, float noise, std::uint32_t seed) {
  const RowMatrixF w = random_matrix(x.cols(), t, seed) / std::sqrt(float(x.cols()));
  RowMatrixF y = x * w;
  const RowMatrixF e = random_matrix(x.rows(), t, seed + 1);
  for (Eigen::Index j = 0; j < t; ++j) y.col(j) += e.col(j) * (noise * float(1 + j % 4));
  return y;
}

MatD closed_form(const MatD& x, const MatD& y, double alpha) {
  const MatD g = x.transpose() * x + alpha * MatD::Identity(x.cols(), x.cols());
  return g.ldlt().solve(x.transpose() * y);
}

double relative_error(const MatD& a, const MatD& reference) {
  return (a - reference).norm() / reference.norm();
}

// GoogleTest names allow letters, digits and '_' only.
std::string test_name(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

struct Shape {
  Eigen::Index n, p, t;
  Solver solver;
};

class ClosedForm : public ::testing::TestWithParam<Shape> {};

TEST_P(ClosedForm, PredictionsMatchFloat64To1e4) {
  const Shape s = GetParam();
  const RowMatrixF x = random_matrix(s.n, s.p, 11);
  const RowMatrixF y = make_targets(x, s.t, 0.5f, 21);
  const RowMatrixF x_test = random_matrix(40, s.p, 31);
  const MatD xd = x.cast<double>(), yd = y.cast<double>(), xtd = x_test.cast<double>();
  for (double alpha : {1e-2, 1.0, 30.0, 1e3}) {
    const RowMatrixF w = solve(x, y, {alpha}, s.solver);
    const MatD w_ref = closed_form(xd, yd, alpha);
    const MatD pred = (x_test * w).cast<double>();
    EXPECT_LT(relative_error(pred, xtd * w_ref), 1e-4) << "alpha " << alpha;
    EXPECT_LT(relative_error(w.cast<double>(), w_ref), 1e-4) << "alpha " << alpha;
  }
  // One alpha per target.
  std::vector<double> alphas(std::size_t(s.t));
  for (std::size_t j = 0; j < alphas.size(); ++j) alphas[j] = std::pow(10.0, double(j % 5) - 1.0);
  const RowMatrixF w = solve(x, y, alphas, s.solver);
  for (Eigen::Index j = 0; j < s.t; ++j) {
    const MatD ref = xtd * closed_form(xd, yd.col(j), alphas[std::size_t(j)]);
    EXPECT_LT(relative_error((x_test * w.col(j)).cast<double>(), ref), 1e-4) << j;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ClosedForm,
    ::testing::Values(Shape{300, 40, 7, Solver::Auto},    // n > p: Gram
                      Shape{60, 200, 5, Solver::Auto},    // p > n: kernel
                      Shape{300, 40, 7, Solver::Svd},     // n > p: SVD
                      Shape{60, 200, 5, Solver::Svd},     // p > n: SVD
                      Shape{120, 50, 3, Solver::Kernel},  // forced kernel with n > p
                      Shape{50, 120, 3, Solver::Gram}),   // forced Gram with p > n
    [](const ::testing::TestParamInfo<Shape>& i) {
      // Readable names in ctest: n300_p40_t7_auto
      return "n" + std::to_string(i.param.n) + "_p" + std::to_string(i.param.p) + "_t" + std::to_string(i.param.t) +
             "_" + test_name(b2m::ridge::solver_name(i.param.solver));
    });

// Brute-force float64 CV: for every fold and alpha, the closed form on the
// training rows, scored on the validation rows, averaged over folds.
struct BruteForce {
  MatD mean_scores;  // alphas x targets
  std::vector<double> chosen;
};

double pearson(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  const Eigen::VectorXd ac = a.array() - a.mean(), bc = b.array() - b.mean();
  const double den = ac.norm() * bc.norm();
  return den > 0 ? ac.dot(bc) / den : 0.0;
}
double r2(const Eigen::VectorXd& truth, const Eigen::VectorXd& pred) {
  const double ss = (truth.array() - truth.mean()).square().sum();
  return ss > 0 ? 1.0 - (truth - pred).squaredNorm() / ss : 0.0;
}

BruteForce brute_force(const RowMatrixF& x, const RowMatrixF& y,
                       const std::vector<std::vector<int>>& valid_sets,
                       const std::vector<double>& alphas, Score kind, bool per_target) {
  const MatD xd = x.cast<double>(), yd = y.cast<double>();
  BruteForce out;
  out.mean_scores = MatD::Zero(Eigen::Index(alphas.size()), y.cols());
  for (const auto& valid : valid_sets) {
    std::vector<int> train;
    for (int i = 0; i < x.rows(); ++i)
      if (std::find(valid.begin(), valid.end(), i) == valid.end()) train.push_back(i);
    const MatD xt = xd(train, Eigen::all), yt = yd(train, Eigen::all);
    const MatD xv = xd(valid, Eigen::all), yv = yd(valid, Eigen::all);
    for (std::size_t a = 0; a < alphas.size(); ++a) {
      const MatD pred = xv * closed_form(xt, yt, alphas[a]);
      for (Eigen::Index j = 0; j < y.cols(); ++j)
        out.mean_scores(Eigen::Index(a), j) +=
            kind == Score::Pearson ? pearson(pred.col(j), yv.col(j)) : r2(yv.col(j), pred.col(j));
    }
  }
  out.mean_scores /= double(valid_sets.size());
  for (Eigen::Index j = 0; j < y.cols(); ++j) {
    Eigen::Index best = 0;
    for (Eigen::Index a = 1; a < out.mean_scores.rows(); ++a) {
      const double now = per_target ? out.mean_scores(a, j) : out.mean_scores.row(a).sum();
      const double then = per_target ? out.mean_scores(best, j) : out.mean_scores.row(best).sum();
      if (now >= then) best = a;
    }
    out.chosen.push_back(alphas[std::size_t(best)]);
  }
  return out;
}

std::vector<std::vector<int>> contiguous_folds(int n, int k) {
  std::vector<std::vector<int>> folds(static_cast<std::size_t>(k));
  for (int i = 0; i < n; ++i) folds[std::size_t(i * k / n)].push_back(i);
  return folds;
}

const std::vector<double> kAlphas{0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0};

struct CvCase {
  Eigen::Index n, p, t;
  Solver solver;
  Score score;
};
class CvMatchesBruteForce : public ::testing::TestWithParam<CvCase> {};

TEST_P(CvMatchesBruteForce, KFoldAlphasAndScores) {
  const CvCase c = GetParam();
  const RowMatrixF x = random_matrix(c.n, c.p, 5);
  const RowMatrixF y = make_targets(x, c.t, 1.5f, 6);
  RidgeOptions options;
  options.alphas = kAlphas;
  options.cv = CvScheme::kfold(5);
  options.score = c.score;
  options.solver = c.solver;
  options.target_batch = 4;  // several target batches
  options.show_progress = false;
  const RidgeModel model = fit(x, y, options);
  const BruteForce ref = brute_force(x, y, contiguous_folds(int(c.n), 5), kAlphas, c.score, true);
  EXPECT_EQ(model.alpha, ref.chosen);
  // The problem is built so that targets need different alphas.
  EXPECT_GE(std::set<double>(ref.chosen.begin(), ref.chosen.end()).size(), 2u);
  EXPECT_LT((model.cv_scores.cast<double>() - ref.mean_scores).cwiseAbs().maxCoeff(), 2e-4);
  // Refit on all data with each target's alpha.
  const MatD xd = x.cast<double>(), yd = y.cast<double>();
  for (Eigen::Index j = 0; j < c.t; ++j) {
    const MatD w_ref = closed_form(xd, yd.col(j), model.alpha[std::size_t(j)]);
    EXPECT_LT(relative_error(model.weights.col(j).cast<double>(), w_ref), 1e-4) << j;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, CvMatchesBruteForce,
                         ::testing::Values(CvCase{150, 30, 10, Solver::Auto, Score::Pearson},
                                           CvCase{80, 150, 10, Solver::Auto, Score::Pearson},
                                           CvCase{150, 30, 10, Solver::Svd, Score::R2},
                                           CvCase{80, 150, 10, Solver::Auto, Score::R2},
                                           CvCase{150, 30, 10, Solver::Kernel, Score::R2}),
                         [](const ::testing::TestParamInfo<CvCase>& i) {
                           return "n" + std::to_string(i.param.n) + "_p" + std::to_string(i.param.p) + "_" +
                                  test_name(b2m::ridge::solver_name(i.param.solver)) + "_" +
                                  (i.param.score == Score::Pearson ? "pearson" : "r2");
                         });

TEST(RidgeCv, GroupedFoldsHoldOutWholeRuns) {
  const RowMatrixF x = random_matrix(120, 25, 8);
  const RowMatrixF y = make_targets(x, 6, 2.0f, 9);
  std::vector<int> runs(120);
  for (int i = 0; i < 120; ++i) runs[std::size_t(i)] = (i * 7 / 120) * 10 + 3;  // 7 runs
  // 3 folds: sorted runs dealt round-robin.
  std::vector<std::vector<int>> valid(3);
  for (int i = 0; i < 120; ++i) valid[std::size_t((runs[std::size_t(i)] - 3) / 10 % 3)].push_back(i);
  RidgeOptions options;
  options.alphas = kAlphas;
  options.cv = CvScheme::grouped(runs, 3);
  options.show_progress = false;
  const RidgeModel model = fit(x, y, options);
  EXPECT_EQ(model.alpha, brute_force(x, y, valid, kAlphas, Score::Pearson, true).chosen);
  // Leave-one-run-out.
  std::vector<std::vector<int>> per_run(7);
  for (int i = 0; i < 120; ++i) per_run[std::size_t((runs[std::size_t(i)] - 3) / 10)].push_back(i);
  options.cv = CvScheme::grouped(runs);
  EXPECT_EQ(fit(x, y, options).alpha, brute_force(x, y, per_run, kAlphas, Score::Pearson, true).chosen);
}

TEST(RidgeCv, SharedAlphaMaximisesTheMeanScore) {
  const RowMatrixF x = random_matrix(100, 20, 12);
  const RowMatrixF y = make_targets(x, 8, 1.0f, 13);
  RidgeOptions options;
  options.alphas = kAlphas;
  options.alpha_per_target = false;
  options.show_progress = false;
  const RidgeModel model = fit(x, y, options);
  const BruteForce ref = brute_force(x, y, contiguous_folds(100, 5), kAlphas, Score::Pearson, false);
  EXPECT_EQ(model.alpha, ref.chosen);
  for (double a : model.alpha) EXPECT_EQ(a, model.alpha[0]);
}

TEST(RidgeCv, LeaveOneOutMatchesBruteForce) {
  for (auto [n, p, solver] : {std::tuple{60, 12, Solver::Auto}, std::tuple{30, 50, Solver::Auto},
                              std::tuple{60, 12, Solver::Svd}}) {
    const RowMatrixF x = random_matrix(n, p, 14);
    const RowMatrixF y = make_targets(x, 5, 1.0f, 15);
    RidgeOptions options;
    options.alphas = kAlphas;
    options.cv = CvScheme::leave_one_out();
    options.score = Score::R2;
    options.solver = solver;
    options.show_progress = false;
    const RidgeModel model = fit(x, y, options);
    // LOO scored over the pooled held-out predictions (one per sample).
    const MatD xd = x.cast<double>(), yd = y.cast<double>();
    MatD expected(Eigen::Index(kAlphas.size()), y.cols());
    for (std::size_t a = 0; a < kAlphas.size(); ++a) {
      MatD pooled(n, y.cols());
      for (int i = 0; i < n; ++i) {
        std::vector<int> train;
        for (int k = 0; k < n; ++k)
          if (k != i) train.push_back(k);
        pooled.row(i) = xd.row(i) * closed_form(xd(train, Eigen::all), yd(train, Eigen::all), kAlphas[a]);
      }
      for (Eigen::Index j = 0; j < y.cols(); ++j) expected(Eigen::Index(a), j) = r2(yd.col(j), pooled.col(j));
    }
    EXPECT_LT((model.cv_scores.cast<double>() - expected).cwiseAbs().maxCoeff(), 1e-3)
        << n << "x" << p;
    for (Eigen::Index j = 0; j < y.cols(); ++j) {
      Eigen::Index best = 0;
      for (Eigen::Index a = 1; a < expected.rows(); ++a)
        if (expected(a, j) >= expected(best, j)) best = a;
      EXPECT_EQ(model.alpha[std::size_t(j)], kAlphas[std::size_t(best)]) << j;
    }
  }
}

TEST(RidgeCv, TiesGoToTheLargerAlpha) {
  // A constant-zero target: every alpha predicts 0 and scores 0.
  const RowMatrixF x = random_matrix(50, 10, 16);
  RowMatrixF y = RowMatrixF::Zero(50, 2);
  y.col(1) = make_targets(x, 1, 0.1f, 17).col(0);
  RidgeOptions options;
  options.alphas = {1.0, 10.0, 100.0};
  options.show_progress = false;
  const RidgeModel model = fit(x, y, options);
  EXPECT_EQ(model.alpha[0], 100.0);
}

TEST(RidgeCv, RankDeficientXAndTinyAlphasStayFinite) {
  RowMatrixF x = random_matrix(80, 30, 18);
  x.col(7) = x.col(3);            // duplicated column
  x.col(20) = 2.0f * x.col(11);   // collinear column
  x.col(29).setZero();            // empty column
  const RowMatrixF y = make_targets(random_matrix(80, 30, 18), 4, 0.3f, 19);
  for (Solver solver : {Solver::Gram, Solver::Kernel, Solver::Svd}) {
    RidgeOptions options;
    options.alphas = {1e-12, 1e-8, 1e-4, 1.0};
    options.solver = solver;
    options.show_progress = false;
    const RidgeModel model = fit(x, y, options);
    EXPECT_TRUE(model.weights.allFinite()) << solver_name(solver);
    EXPECT_TRUE(model.cv_scores.allFinite()) << solver_name(solver);
    // With alpha = 1 the answer is the float64 closed form.
    const RowMatrixF w = solve(x, y, {1.0}, solver);
    EXPECT_LT(relative_error((x * w).cast<double>(),
                             x.cast<double>() * closed_form(x.cast<double>(), y.cast<double>(), 1.0)),
              1e-4)
        << solver_name(solver);
  }
}

TEST(RidgeScore, PearsonAndR2MatchFloat64) {
  const RowMatrixF truth = random_matrix(70, 9, 22);
  RowMatrixF pred = truth + random_matrix(70, 9, 23);
  pred.col(4).setConstant(3.0f);  // constant predictions score 0
  const VectorF r = score(truth, pred, Score::Pearson);
  const VectorF q = score(truth, pred, Score::R2);
  for (Eigen::Index j = 0; j < 9; ++j) {
    const Eigen::VectorXd t = truth.col(j).cast<double>(), p = pred.col(j).cast<double>();
    EXPECT_NEAR(r[j], pearson(t, p), 1e-6) << j;
    EXPECT_NEAR(q[j], r2(t, p), 1e-5) << j;
  }
  EXPECT_EQ(r[4], 0.0f);
}

TEST(RidgeRoi, EnsembleRanksGroupsAndAveragesTopK) {
  // Columns 0-9 carry the signal, 10-29 are noise: the informative group ranks first.
  const RowMatrixF x = random_matrix(150, 30, 24);
  const RowMatrixF signal = x.leftCols(10);
  const RowMatrixF y = make_targets(signal, 4, 0.5f, 25);
  std::vector<ColumnGroup> groups{{"noise-a", {}}, {"signal", {}}, {"noise-b", {}}};
  for (int c = 10; c < 20; ++c) groups[0].columns.push_back(c);
  for (int c = 0; c < 10; ++c) groups[1].columns.push_back(c);
  for (int c = 20; c < 30; ++c) groups[2].columns.push_back(c);
  RidgeOptions options;
  options.alphas = kAlphas;
  options.show_progress = false;
  const RoiEnsemble ensemble = fit_roi_ensemble(x, y, groups, 2, options);
  ASSERT_EQ(ensemble.ranked.size(), 3u);
  EXPECT_EQ(ensemble.ranked[0].group.name, "signal");
  EXPECT_GT(ensemble.ranked[0].cv_score, ensemble.ranked[1].cv_score);
  // The prediction is the mean of the top two members' predictions.
  const RowMatrixF x_test = random_matrix(20, 30, 26);
  RowMatrixF expected = RowMatrixF::Zero(20, 4);
  for (std::size_t i = 0; i < 2; ++i) {
    RowMatrixF cols(20, 10);
    for (int c = 0; c < 10; ++c) cols.col(c) = x_test.col(ensemble.ranked[i].group.columns[std::size_t(c)]);
    expected += cols * ensemble.ranked[i].model.weights / 2.0f;
  }
  EXPECT_LT((ensemble.predict(x_test) - expected).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_THROW(fit_roi_ensemble(x, y, groups, 4, options), Error);
}

TEST(RidgeErrors, BadInputsNameTheProblem) {
  const RowMatrixF x = random_matrix(20, 5, 27);
  RidgeOptions options;
  options.alphas = {1.0};
  options.show_progress = false;
  auto message = [&](const RowMatrixF& xx, const RowMatrixF& yy, const RidgeOptions& o) {
    try {
      fit(xx, yy, o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message(x, random_matrix(19, 2, 1), options).find("X has 20 samples (rows) but Y has 19"),
            std::string::npos);
  RowMatrixF bad = x;
  bad(3, 2) = std::nanf("");
  EXPECT_NE(message(bad, random_matrix(20, 2, 1), options).find("row 3, column 2"), std::string::npos);
  RidgeOptions no_alphas = options;
  no_alphas.alphas.clear();
  EXPECT_NE(message(x, random_matrix(20, 2, 1), no_alphas).find("alpha grid is empty"), std::string::npos);
  RidgeOptions negative = options;
  negative.alphas = {-1.0};
  EXPECT_NE(message(x, random_matrix(20, 2, 1), negative).find("positive"), std::string::npos);
  RidgeOptions too_many = options;
  too_many.cv = CvScheme::kfold(30);
  EXPECT_NE(message(x, random_matrix(20, 2, 1), too_many).find("k = 30"), std::string::npos);
}

TEST(RidgeFlops, ModelGrowsWithAlphasAndTargets) {
  const CvScheme cv = CvScheme::kfold(5);
  const double base = fit_flops(4800, 1024, 60000, 20, cv, Solver::Auto);
  EXPECT_GT(fit_flops(4800, 1024, 60000, 40, cv, Solver::Auto), base);
  // The per-alpha GEMMs alone: 20 alphas x 5 folds x 2 x 960 x 1024 x 60000.
  EXPECT_GT(base, 20.0 * 5 * 2 * 960 * 1024 * 60000.0);
}

}  // namespace
}  // namespace b2m::ridge

namespace b2m::blas {
namespace {

// Above n ~ 2900 the ssyevd workspace (1 + 6n + 2n² floats) exceeds 2^24, which
// LAPACK < 3.12 cannot report exactly through its float-valued size query.
TEST(Blas, EigendecompositionAboveTheFloatWorkspaceLimit) {
  const Eigen::Index n = 2950;
  RowMatrixF a = RowMatrixF::Zero(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    a(i, i) = float(i % 17) + 1.0f;
    if (i + 1 < n) a(i, i + 1) = a(i + 1, i) = 0.25f;
  }
  const RowMatrixF original = a;
  VectorF w;
  eigh_rows(a, w, "test");
  // A v_k = w_k v_k for a few eigenpairs (rows of a).
  for (Eigen::Index k : {Eigen::Index(0), n / 2, n - 1}) {
    const Eigen::VectorXf v = a.row(k).transpose();
    EXPECT_LT((original * v - w[k] * v).norm(), 1e-3f * std::abs(w[k]) + 1e-3f) << k;
  }
}

}  // namespace
}  // namespace b2m::blas

namespace b2m::ridge {
namespace {

// DESIGN §5 asks for results independent of the thread count. b2m's own
// reductions are chunked by index, but OpenBLAS (SGEMM/SSYRK/SSYEVD) is not
// bitwise reproducible across thread counts, so weights and scores agree to
// float32 rounding and the chosen alphas are identical.
TEST(RidgeCv, SameResultsWithOneOrTwoThreads) {
  const RowMatrixF x = random_matrix(160, 40, 30);
  const RowMatrixF y = make_targets(x, 300, 1.0f, 31);
  RidgeOptions options;
  options.alphas = kAlphas;
  options.show_progress = false;
  const std::size_t before = ThreadPool::global().num_threads();
  ThreadPool::set_num_threads(1);
  const RidgeModel one = fit(x, y, options);
  ThreadPool::set_num_threads(2);
  const RidgeModel two = fit(x, y, options);
  ThreadPool::set_num_threads(before);
  EXPECT_EQ(one.alpha, two.alpha);
  EXPECT_LT((one.cv_scores - two.cv_scores).cwiseAbs().maxCoeff(), 1e-5f);
  EXPECT_LT((one.weights - two.weights).norm() / one.weights.norm(), 1e-5f);
}

}  // namespace
}  // namespace b2m::ridge
