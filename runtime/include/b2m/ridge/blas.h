// Thin float32 wrappers over OpenBLAS (cblas) and LAPACKE for row-major data.
//
// OpenBLAS runs its own threads; set_blas_threads_from_pool() makes their
// number follow b2m::ThreadPool (`--threads N`) so that BLAS and the pool never
// oversubscribe the cores. BLAS calls are made from one thread at a time.
#pragma once

#include <cstddef>

#include "b2m/ridge/matrix.h"

namespace b2m::blas {

// A row-major block: element (r, c) at data[r * ld + c].
struct ConstView {
  const float* data;
  Eigen::Index rows, cols, ld;
};
struct View {
  float* data;
  Eigen::Index rows, cols, ld;
  operator ConstView() const { return {data, rows, cols, ld}; }  // NOLINT: views of mutable data read fine
};
inline ConstView view(const RowMatrixF& m) { return {m.data(), m.rows(), m.cols(), m.cols()}; }
inline View mutable_view(RowMatrixF& m) { return {m.data(), m.rows(), m.cols(), m.cols()}; }

// OpenBLAS threads = ThreadPool::global().num_threads() (no-op with another BLAS).
void set_blas_threads_from_pool();
// OpenBLAS's current thread count (1 when the BLAS is not OpenBLAS).
int blas_threads();

// C = alpha * op(A) * op(B) + beta * C, op = transpose when the flag is set.
void gemm(bool transpose_a, ConstView a, bool transpose_b, ConstView b, float alpha, float beta,
          View c);

// C = AᵀA (transpose = true) or AAᵀ, full symmetric result (SYRK + mirror).
void gram(ConstView a, bool transpose, RowMatrixF& c);

// Symmetric eigendecomposition (ssyevd): on return `a` holds the eigenvectors
// as ROWS (row k is the eigenvector of eigenvalue w[k]), ascending eigenvalues.
// Fails with `what` in the message when LAPACK does not converge.
void eigh_rows(RowMatrixF& a, VectorF& w, const char* what);

// Thin SVD (sgesdd) of x (n x p), r = min(n, p): x = u * diag(s) * vt with
// u n x r and vt r x p; x is destroyed.
void svd_thin(RowMatrixF& x, RowMatrixF& u, VectorF& s, RowMatrixF& vt, const char* what);

}  // namespace b2m::blas
