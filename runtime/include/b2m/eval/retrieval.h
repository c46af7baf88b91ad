// Exact top-k cosine retrieval over an embedding bank (the paper retrieves
// the FMA clip whose MuLan embedding is closest to the predicted one).
#pragma once

#include <cstdint>
#include <vector>

#include "b2m/ridge/matrix.h"

namespace b2m::eval {

struct TopK {
  // Row q: the k bank rows most similar to query q, best first (ties: lower
  // bank index first), and their cosine similarities.
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> indices;
  RowMatrixF scores;
};

// Cosine similarity of every query with every bank row, one GEMM per block of
// `block_rows` bank rows (memory stays bounded for large banks) and a partial
// sort per query. A zero row has similarity 0 with everything.
TopK cosine_top_k(const RowMatrixF& queries, const RowMatrixF& bank, std::size_t k,
                  std::size_t block_rows = 16384);

}  // namespace b2m::eval
