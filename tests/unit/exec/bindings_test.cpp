// The stdlib's ridge, eval and retrieval ops, run from a .b2m pipeline through
// `b2mc run`, give what the runtime libraries give when called directly on
// the same data (and a planted linear signal is recovered).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "b2m/eval/metrics.h"
#include "b2m/eval/retrieval.h"
#include "b2m/io/npy.h"
#include "b2m/ridge/ridge.h"
#include "b2m/runtime/thread_pool.h"

namespace fs = std::filesystem;

namespace {

using b2m::RowMatrixF;

const char* kPipeline = R"(import io, ridge, eval, music
param alphas: f32[alpha] = logspace(-2, 4, 7)
source X: f32[sample, voxel] = io.npy("X.npy")
source Y: f32[sample, emb] = io.npy("Y.npy")
source Xte: f32[test, voxel] = io.npy("Xte.npy")
source Yte: f32[test, emb] = io.npy("Yte.npy")
source runs: i64[sample] = io.npy("runs.npy")
source bank: f32[item, emb] = io.npy("bank.npy")
source genre: i64[test] = io.npy("genre.npy")
source bank_genre: i64[item] = io.npy("bank_genre.npy")
source reps: f32[repeat, test, emb] = io.npy("reps.npy")
let model = ridge.fit(X, Y, alphas, runs, folds=0)
let pred = rename(ridge.predict(model, Xte), test=clip)
let truth = rename(Yte, test=clip)
let hits = music.retrieve(pred, bank, k=3)
out "alpha.npy" = model.alpha
out "pred.npy" = pred
out "id.npy" = eval.identification(pred, truth)
out "r.npy" = eval.pearson(pred, truth)
out "r2.npy" = eval.r2(pred, truth)
out "two_way.json" = eval.two_way_identification(pred, truth)
out "ev.npy" = eval.noise_ceiling(reps).explainable_variance
out "maxr.npy" = eval.noise_ceiling(reps).max_correlation
out "alpha_loo.npy" = ridge.fit(X, Y, alphas, runs, cv="loo").alpha
out "alpha_kfold.npy" = ridge.fit(X, Y, alphas, runs, folds=4, cv="kfold").alpha
out "hits.npy" = hits.index
out "agree.json" = eval.class_agreement(rename(genre, test=clip), take(bank_genre, hits.index, along=item), top=1)
)";

TEST(Bindings, RidgeEvalAndRetrievalMatchTheRuntimeLibraries) {
  fs::path dir = fs::temp_directory_path() / ("b2m_bind_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::size_t N = 120, P = 40, E = 6, M = 30, B = 50;
  std::mt19937_64 rng(11);
  std::normal_distribution<float> n(0, 1);
  RowMatrixF w(P, E), X(N, P), Xte(M, P), bank(B, E);
  for (auto* m : {&w, &X, &Xte, &bank})
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = n(rng);
  RowMatrixF Y = X * w, Yte = Xte * w;
  for (Eigen::Index i = 0; i < Y.size(); ++i) Y.data()[i] += 0.5f * n(rng);
  std::vector<std::int64_t> runs(N), genre(M), bank_genre(B);
  for (std::size_t i = 0; i < N; ++i) runs[i] = static_cast<std::int64_t>(i / 30);
  for (auto& g : genre) g = static_cast<std::int64_t>(rng() % 4);
  for (auto& g : bank_genre) g = static_cast<std::int64_t>(rng() % 4);
  auto save = [&](const char* name, const RowMatrixF& m) {
    b2m::io::write_npy((dir / name).string(), m.data(), {static_cast<std::size_t>(m.rows()), static_cast<std::size_t>(m.cols())});
  };
  save("X.npy", X);
  save("Y.npy", Y);
  save("Xte.npy", Xte);
  save("Yte.npy", Yte);
  save("bank.npy", bank);
  b2m::io::write_npy((dir / "runs.npy").string(), runs.data(), {N});
  // Four noisy repeats of the test responses.
  std::vector<RowMatrixF> reps;
  std::vector<float> reps_flat;
  for (int r = 0; r < 4; ++r) {
    RowMatrixF rep = Yte;
    for (Eigen::Index i = 0; i < rep.size(); ++i) rep.data()[i] += 0.7f * n(rng);
    reps_flat.insert(reps_flat.end(), rep.data(), rep.data() + rep.size());
    reps.push_back(rep);
  }
  b2m::io::write_npy((dir / "reps.npy").string(), reps_flat.data(), {4, M, E});
  b2m::io::write_npy((dir / "genre.npy").string(), genre.data(), {M});
  b2m::io::write_npy((dir / "bank_genre.npy").string(), bank_genre.data(), {B});
  std::ofstream((dir / "p.b2m").string()) << kPipeline;
  std::string cmd = "cd '" + dir.string() + "' && '" + B2M_BINARY_DIR + "/bin/b2mc' run p.b2m --stdlib-dir '" +
                    B2M_SOURCE_DIR + "/stdlib' -- --out res --threads 1 > log.txt 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream log((dir / "log.txt").string());
  std::string text((std::istreambuf_iterator<char>(log)), {});
  ASSERT_EQ(rc, 0) << text;

  // The same computations through the C++ API.
  b2m::ThreadPool::set_num_threads(1);
  b2m::ridge::RidgeOptions o;
  o.alphas = {0.01, 0.1, 1, 10, 100, 1000, 10000};
  o.cv = b2m::ridge::CvScheme::grouped(std::vector<int>(runs.begin(), runs.end()), 0);
  o.show_progress = false;
  auto model = b2m::ridge::fit(X, Y, o);
  RowMatrixF pred = model.predict(Xte);
  auto read = [&](const char* name) { return b2m::io::read_npy((dir / "res" / name).string()).as_f64(); };
  auto alpha = read("alpha.npy");
  for (std::size_t t = 0; t < E; ++t) EXPECT_NEAR(alpha[t], model.alpha[t], 1e-6 * model.alpha[t]);
  auto got_pred = read("pred.npy");
  for (Eigen::Index i = 0; i < pred.size(); ++i) EXPECT_NEAR(got_pred[i], pred.data()[i], 1e-4);
  auto id = b2m::eval::identification_accuracy(pred, Yte);
  auto got_id = read("id.npy");
  for (std::size_t i = 0; i < M; ++i) EXPECT_NEAR(got_id[i], id.per_sample[i], 1e-6);
  EXPECT_GT(id.accuracy, 0.9) << "the planted signal should be identified";
  auto r = b2m::eval::pearson_per_dimension(Yte, pred);
  auto got_r = read("r.npy");
  for (std::size_t t = 0; t < E; ++t) EXPECT_NEAR(got_r[t], r[t], 1e-6);
  auto nc = b2m::eval::noise_ceiling(reps);
  auto got_ev = read("ev.npy"), got_maxr = read("maxr.npy");
  for (std::size_t t = 0; t < E; ++t) {
    EXPECT_NEAR(got_ev[t], nc.explainable_variance[t], 1e-6);
    EXPECT_NEAR(got_maxr[t], nc.max_correlation[t], 1e-6);
  }
  auto r2 = b2m::eval::r2_per_dimension(Yte, pred);
  auto got_r2 = read("r2.npy");
  for (std::size_t t = 0; t < E; ++t) EXPECT_NEAR(got_r2[t], r2[t], 1e-6);
  {
    std::ifstream tw((dir / "res" / "two_way.json").string());
    double got = -1;
    tw >> got;
    EXPECT_NEAR(got, b2m::eval::two_way_identification(pred, Yte), 1e-6);
  }
  for (auto [file, scheme] : {std::pair{"alpha_loo.npy", b2m::ridge::CvScheme::leave_one_out()},
                              std::pair{"alpha_kfold.npy", b2m::ridge::CvScheme::kfold(4)}}) {
    b2m::ridge::RidgeOptions os = o;
    os.cv = scheme;
    auto m = b2m::ridge::fit(X, Y, os);
    auto got = read(file);
    for (std::size_t t = 0; t < E; ++t) EXPECT_NEAR(got[t], m.alpha[t], 1e-6 * m.alpha[t]) << file;
  }
  // Retrieval over L2-normalized rows equals cosine top-k.
  auto top = b2m::eval::cosine_top_k(pred, bank, 3);
  auto got_hits = b2m::io::read_npy((dir / "res" / "hits.npy").string()).as_i64();
  double agree = 0;
  for (std::size_t q = 0; q < M; ++q) {
    for (int k = 0; k < 3; ++k) EXPECT_EQ(got_hits[q * 3 + k], top.indices(q, k));
    agree += bank_genre[top.indices(q, 0)] == genre[q];
  }
  std::ifstream j((dir / "res" / "agree.json").string());
  double got_agree = 0;
  j >> got_agree;
  EXPECT_NEAR(got_agree, agree / M, 1e-6);
  fs::remove_all(dir);
}

}  // namespace
