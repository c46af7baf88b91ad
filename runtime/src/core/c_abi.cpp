// The C ABI (b2m/runtime.h) over the C++ runtime: exceptions become a status
// and a per-thread message.
#define EIGEN_USE_BLAS  // Eigen's products call the BLAS GEMM (OpenBLAS here)
#include <Eigen/Core>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "b2m/runtime.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace {

thread_local std::string last_error;

template <typename F>
b2m_status_t guarded(F&& f) {
  try {
    f();
    return B2M_OK;
  } catch (const std::bad_alloc&) {
    last_error = "out of memory";
  } catch (const std::exception& e) {
    last_error = e.what();
  }
  return B2M_ERROR;
}

std::size_t element_size(int32_t dtype) {
  switch (dtype) {
    case B2M_F32: case B2M_I32: return 4;
    case B2M_F64: case B2M_I64: return 8;
    case B2M_BOOL: return 1;
    default: b2m::fail("unknown dtype code {}", dtype);
  }
}

template <typename T>
void matmul_typed(const b2m_buffer_t& a, const b2m_buffer_t& b, b2m_buffer_t& out) {
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Strides = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
  Eigen::Map<const Mat, 0, Strides> A(static_cast<const T*>(a.data), a.dims[0], a.dims[1], Strides(a.strides[0], a.strides[1]));
  Eigen::Map<const Mat, 0, Strides> B(static_cast<const T*>(b.data), b.dims[0], b.dims[1], Strides(b.strides[0], b.strides[1]));
  Eigen::Map<Mat, 0, Strides> C(static_cast<T*>(out.data), out.dims[0], out.dims[1], Strides(out.strides[0], out.strides[1]));
  C.noalias() = A * B;
}

}  // namespace

extern "C" {

const char* b2m_last_error(void) { return last_error.c_str(); }

int64_t b2m_buffer_size(const b2m_buffer_t* buf) {
  int64_t n = 1;
  for (int32_t i = 0; i < buf->rank; ++i) n *= buf->dims[i];
  return n;
}

b2m_status_t b2m_buffer_alloc(b2m_buffer_t* buf, int32_t dtype, int32_t rank, const int64_t* dims) {
  return guarded([&] {
    if (!buf) b2m::fail("b2m_buffer_alloc: null buffer");
    if (rank < 0 || rank > B2M_MAX_RANK) b2m::fail("b2m_buffer_alloc: rank {} is outside 0..{}", rank, B2M_MAX_RANK);
    std::memset(buf, 0, sizeof *buf);
    buf->dtype = dtype;
    buf->rank = rank;
    std::size_t bytes = element_size(dtype);
    for (int32_t i = 0; i < rank; ++i) {
      if (dims[i] < 0) b2m::fail("b2m_buffer_alloc: negative dimension {}", dims[i]);
      buf->dims[i] = dims[i];
      bytes *= static_cast<std::size_t>(dims[i]);
    }
    int64_t stride = 1;
    for (int32_t i = rank - 1; i >= 0; --i) {
      buf->strides[i] = stride;
      stride *= dims[i];
    }
    std::size_t rounded = (std::max<std::size_t>(bytes, 1) + B2M_ALIGNMENT - 1) / B2M_ALIGNMENT * B2M_ALIGNMENT;
    buf->data = std::aligned_alloc(B2M_ALIGNMENT, rounded);
    if (!buf->data) throw std::bad_alloc();
    std::memset(buf->data, 0, rounded);
    buf->device = B2M_CPU;
    buf->owned = 1;
  });
}

void b2m_buffer_free(b2m_buffer_t* buf) {
  if (buf && buf->owned) std::free(buf->data);
  if (buf) {
    buf->data = nullptr;
    buf->owned = 0;
  }
}

b2m_status_t b2m_set_num_threads(int64_t n) {
  return guarded([&] {
    if (n < 0) b2m::fail("the number of threads must be >= 0, got {}", n);
    b2m::ThreadPool::set_num_threads(static_cast<std::size_t>(n));
  });
}

int64_t b2m_num_threads(void) { return static_cast<int64_t>(b2m::ThreadPool::global().num_threads()); }

b2m_status_t b2m_parallel_for(int64_t n, int64_t grain, b2m_chunk_fn fn, void* ctx) {
  return guarded([&] {
    if (n < 0 || grain <= 0) b2m::fail("b2m_parallel_for: n must be >= 0 and grain > 0 (got {}, {})", n, grain);
    b2m::parallel_for(static_cast<std::size_t>(n), static_cast<std::size_t>(grain),
                      [&](std::size_t b, std::size_t e) { fn(ctx, static_cast<int64_t>(b), static_cast<int64_t>(e)); });
  });
}

b2m_status_t b2m_matmul(const b2m_buffer_t* a, const b2m_buffer_t* b, b2m_buffer_t* out) {
  return guarded([&] {
    if (!a || !b || !out) b2m::fail("b2m_matmul: null buffer");
    if (a->rank != 2 || b->rank != 2 || out->rank != 2)
      b2m::fail("b2m_matmul: needs 2-D buffers, got ranks {}, {} and {}", a->rank, b->rank, out->rank);
    if (a->dtype != b->dtype || a->dtype != out->dtype || (a->dtype != B2M_F32 && a->dtype != B2M_F64))
      b2m::fail("b2m_matmul: needs f32 or f64 buffers of one dtype");
    if (a->dims[1] != b->dims[0] || out->dims[0] != a->dims[0] || out->dims[1] != b->dims[1])
      b2m::fail("b2m_matmul: shapes [{}, {}] x [{}, {}] -> [{}, {}] do not fit", a->dims[0], a->dims[1], b->dims[0],
                b->dims[1], out->dims[0], out->dims[1]);
    if (a->device != B2M_CPU || b->device != B2M_CPU || out->device != B2M_CPU)
      b2m::fail("b2m_matmul: CUDA buffers are not supported by the CPU runtime");
    if (a->dtype == B2M_F32) matmul_typed<float>(*a, *b, *out);
    else matmul_typed<double>(*a, *b, *out);
  });
}

}  // extern "C"
