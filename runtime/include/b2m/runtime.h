/* The b2m runtime's C ABI: what generated code and other languages call.
 *
 * Buffers describe tensors (data, dtype, dims, strides in elements, device).
 * Every call returns a status; on B2M_ERROR, b2m_last_error() gives the
 * message (per thread). The runtime never aborts on bad input. */
#ifndef B2M_RUNTIME_H
#define B2M_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define B2M_MAX_RANK 8
#define B2M_ALIGNMENT 64 /* bytes: a cache line, and an AVX-512 vector */

typedef enum { B2M_F32 = 0, B2M_F64 = 1, B2M_I32 = 2, B2M_I64 = 3, B2M_BOOL = 4 } b2m_dtype_t;
typedef enum { B2M_CPU = 0, B2M_CUDA = 1 } b2m_device_t;
typedef enum { B2M_OK = 0, B2M_ERROR = 1 } b2m_status_t;

typedef struct {
  void* data;
  int32_t dtype;  /* b2m_dtype_t */
  int32_t rank;
  int64_t dims[B2M_MAX_RANK];
  int64_t strides[B2M_MAX_RANK]; /* in elements, not bytes */
  int32_t device; /* b2m_device_t */
  int32_t owned;  /* allocated by b2m_buffer_alloc */
} b2m_buffer_t;

/* The message of the last call on this thread that returned B2M_ERROR. */
const char* b2m_last_error(void);

/* A dense row-major buffer, its data 64-byte aligned and zeroed. */
b2m_status_t b2m_buffer_alloc(b2m_buffer_t* buf, int32_t dtype, int32_t rank, const int64_t* dims);
void b2m_buffer_free(b2m_buffer_t* buf);
int64_t b2m_buffer_size(const b2m_buffer_t* buf); /* number of elements */

/* The thread pool: n == 0 means all hardware threads. */
b2m_status_t b2m_set_num_threads(int64_t n);
int64_t b2m_num_threads(void);

/* Calls fn(ctx, begin, end) for chunks of `grain` covering [0, n), in
 * parallel; chunk boundaries depend only on n and grain. */
typedef void (*b2m_chunk_fn)(void* ctx, int64_t begin, int64_t end);
b2m_status_t b2m_parallel_for(int64_t n, int64_t grain, b2m_chunk_fn fn, void* ctx);

/* out[M, N] = a[M, K] * b[K, N] for f32 or f64 buffers with any strides
 * (Eigen, with OpenBLAS's GEMM underneath). */
b2m_status_t b2m_matmul(const b2m_buffer_t* a, const b2m_buffer_t* b, b2m_buffer_t* out);

#ifdef __cplusplus
}
#endif

#endif /* B2M_RUNTIME_H */
