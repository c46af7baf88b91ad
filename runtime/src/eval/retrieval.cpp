// Exact top-k cosine search: normalise, one GEMM per bank block, partial sort.
#include "b2m/eval/retrieval.h"

#include <algorithm>
#include <numeric>

#include "b2m/ridge/blas.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::eval {
namespace {

RowMatrixF unit_rows(const RowMatrixF& m, Eigen::Index begin, Eigen::Index count) {
  RowMatrixF out = m.middleRows(begin, count);
  for (Eigen::Index i = 0; i < out.rows(); ++i) {
    const double norm = out.row(i).cast<double>().norm();
    if (norm > 0.0) out.row(i) /= static_cast<float>(norm);
  }
  return out;
}

struct Candidate {
  float score;
  std::int64_t index;
};
bool better(const Candidate& a, const Candidate& b) {
  return a.score != b.score ? a.score > b.score : a.index < b.index;
}

}  // namespace

TopK cosine_top_k(const RowMatrixF& queries, const RowMatrixF& bank, std::size_t k,
                  std::size_t block_rows) {
  if (queries.cols() != bank.cols())
    fail("retrieval: queries have {} dimensions but the bank has {}", queries.cols(), bank.cols());
  if (k == 0 || static_cast<Eigen::Index>(k) > bank.rows())
    fail("retrieval: top-{} from a bank of {} rows", k, bank.rows());
  if (block_rows == 0) block_rows = 16384;
  blas::set_blas_threads_from_pool();
  const Eigen::Index q = queries.rows();
  const RowMatrixF unit_queries = unit_rows(queries, 0, q);
  // Per query, the best k so far (kept sorted, best first).
  std::vector<std::vector<Candidate>> best(static_cast<std::size_t>(q));
  RowMatrixF similarities;
  for (Eigen::Index b0 = 0; b0 < bank.rows(); b0 += Eigen::Index(block_rows)) {
    const Eigen::Index rows = std::min<Eigen::Index>(Eigen::Index(block_rows), bank.rows() - b0);
    const RowMatrixF unit_bank = unit_rows(bank, b0, rows);
    similarities.resize(q, rows);
    blas::gemm(false, blas::view(unit_queries), true, blas::view(unit_bank), 1.0f, 0.0f,
               blas::mutable_view(similarities));
    parallel_for(static_cast<std::size_t>(q), 1, [&](std::size_t i0, std::size_t i1) {
      for (std::size_t i = i0; i < i1; ++i) {
        std::vector<Candidate>& kept = best[i];
        const float* row = similarities.data() + Eigen::Index(i) * rows;
        for (Eigen::Index j = 0; j < rows; ++j) kept.push_back({row[j], b0 + j});
        const std::size_t keep = std::min(k, kept.size());
        std::partial_sort(kept.begin(), kept.begin() + std::ptrdiff_t(keep), kept.end(), better);
        kept.resize(keep);
      }
    });
  }
  TopK out;
  out.indices.resize(q, Eigen::Index(k));
  out.scores.resize(q, Eigen::Index(k));
  for (Eigen::Index i = 0; i < q; ++i)
    for (std::size_t c = 0; c < k; ++c) {
      out.indices(i, Eigen::Index(c)) = best[std::size_t(i)][c].index;
      out.scores(i, Eigen::Index(c)) = best[std::size_t(i)][c].score;
    }
  return out;
}

}  // namespace b2m::eval
