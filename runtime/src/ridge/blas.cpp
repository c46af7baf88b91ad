// OpenBLAS / LAPACKE wrappers and BLAS thread control.
#include "b2m/ridge/blas.h"

#include <cblas.h>
#include <dlfcn.h>
#include <lapacke.h>

#include <algorithm>
#include <vector>

#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::blas {
namespace {

// Debian's libblas.so.3 (the OpenBLAS alternative) does not export
// openblas_set_num_threads itself; the libopenblas.so.0 it depends on does.
// Look the functions up at run time so b2m also links against another BLAS.
using SetThreads = void (*)(int);
using GetThreads = int (*)();

SetThreads openblas_setter() {
  static const auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  return fn;
}
GetThreads openblas_getter() {
  static const auto fn = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return fn;
}

}  // namespace

void set_blas_threads_from_pool() {
  if (SetThreads set = openblas_setter())
    set(static_cast<int>(std::max<std::size_t>(1, ThreadPool::global().num_threads())));
}

int blas_threads() {
  if (GetThreads get = openblas_getter()) return get();
  return 1;
}

void gemm(bool transpose_a, ConstView a, bool transpose_b, ConstView b, float alpha, float beta,
          View c) {
  const Eigen::Index m = transpose_a ? a.cols : a.rows;
  const Eigen::Index k = transpose_a ? a.rows : a.cols;
  const Eigen::Index kb = transpose_b ? b.cols : b.rows;
  const Eigen::Index n = transpose_b ? b.rows : b.cols;
  if (k != kb || c.rows != m || c.cols != n)
    fail("internal: gemm shapes {}x{} * {}x{} -> {}x{}", m, k, kb, n, c.rows, c.cols);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (Eigen::Index r = 0; r < m; ++r)
      for (Eigen::Index j = 0; j < n; ++j) c.data[r * c.ld + j] *= beta;
    return;
  }
  cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
              transpose_b ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), alpha, a.data,
              static_cast<int>(a.ld), b.data, static_cast<int>(b.ld), beta, c.data,
              static_cast<int>(c.ld));
}

void gram(ConstView a, bool transpose, RowMatrixF& c) {
  const Eigen::Index n = transpose ? a.cols : a.rows;
  const Eigen::Index k = transpose ? a.rows : a.cols;
  c.setZero(n, n);
  if (n == 0 || k == 0) return;
  cblas_ssyrk(CblasRowMajor, CblasUpper, transpose ? CblasTrans : CblasNoTrans,
              static_cast<int>(n), static_cast<int>(k), 1.0f, a.data,
              static_cast<int>(a.ld), 0.0f, c.data(), static_cast<int>(n));
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < i; ++j) c(i, j) = c(j, i);
}

void eigh_rows(RowMatrixF& a, VectorF& w, const char* what) {
  const Eigen::Index n = a.rows();
  w.resize(n);
  if (n == 0) return;
  // The buffer is symmetric, so reading it column-major changes nothing; the
  // column-major eigenvector matrix written back is, read row-major, its
  // transpose: eigenvectors as rows, with no extra copy.
  // Workspace sizes are passed explicitly: LAPACK < 3.12 returns its
  // workspace query as a float, which rounds sizes above 2^24 down (n > ~2900
  // here) and then rejects its own answer as too small.
  const auto nn = static_cast<std::size_t>(n);
  std::vector<float> work(1 + 6 * nn + 2 * nn * nn);
  std::vector<lapack_int> iwork(3 + 5 * nn);
  const lapack_int info = LAPACKE_ssyevd_work(
      LAPACK_COL_MAJOR, 'V', 'U', static_cast<lapack_int>(n), a.data(), static_cast<lapack_int>(n),
      w.data(), work.data(), static_cast<lapack_int>(work.size()), iwork.data(),
      static_cast<lapack_int>(iwork.size()));
  if (info != 0)
    fail("{}: the symmetric eigendecomposition ({}x{}) failed (LAPACK info {}); the data may "
         "contain NaN or Inf",
         what, n, n, info);
}

void svd_thin(RowMatrixF& x, RowMatrixF& u, VectorF& s, RowMatrixF& vt, const char* what) {
  const Eigen::Index n = x.rows(), p = x.cols(), r = std::min(n, p);
  // Row-major x is column-major xᵀ (p x n). SVD of xᵀ = U' S V'ᵀ gives
  // x = V' S U'ᵀ: column-major U' (p x r) read row-major is vt (r x p) and
  // column-major V'ᵀ (r x n) read row-major is u (n x r).
  u.resize(n, r);
  vt.resize(r, p);
  s.resize(r);
  if (r == 0) return;
  // Explicit workspace, as for ssyevd: the float-valued size query rounds
  // down above 2^24. LAPACK's bound for JOBZ = 'S' is
  // 3 mn + max(mx, 4 mn² + 4 mn) (older docs: 4 mn² + 6 mn + mx); take both.
  const auto mn = static_cast<std::size_t>(r), mx = static_cast<std::size_t>(std::max(n, p));
  const std::size_t lwork = std::max(3 * mn + std::max(mx, 4 * mn * mn + 4 * mn), 4 * mn * mn + 7 * mn + mx);
  std::vector<float> work(lwork);
  std::vector<lapack_int> iwork(8 * mn);
  const lapack_int info = LAPACKE_sgesdd_work(
      LAPACK_COL_MAJOR, 'S', static_cast<lapack_int>(p), static_cast<lapack_int>(n), x.data(),
      static_cast<lapack_int>(p), s.data(), vt.data(), static_cast<lapack_int>(p), u.data(),
      static_cast<lapack_int>(r), work.data(), static_cast<lapack_int>(work.size()), iwork.data());
  if (info != 0)
    fail("{}: the SVD ({}x{}) failed (LAPACK info {}); the data may contain NaN or Inf", what, n,
         p, info);
}

}  // namespace b2m::blas
