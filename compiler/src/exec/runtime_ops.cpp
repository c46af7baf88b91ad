// The runtime ops that executables can call, by extern name. Each binds a
// stdlib declaration (stdlib/*.b2m) to the runtime library.
#include <cmath>
#include <fmt/ranges.h>
#include <mutex>

#include "b2m/exec/executor.h"
#include "b2m/io/npy.h"
#include "b2m/runtime/error.h"

namespace b2m::exec {

namespace {

// io.npy: a tensor of the declared type; other dtypes are converted only when
// no precision is lost (integers to floats), never silently truncated.
Value read_npy_as(const std::string& path, const Type& t) {
  io::NpyArray a = io::read_npy(path);
  if (a.ndim() != t.rank())
    fail("'{}' has {} dimension(s) {}, but the pipeline declares {}", path, a.ndim(),
         fmt::format("({})", fmt::join(a.shape(), ", ")), t.str());
  std::vector<std::int64_t> dims(a.shape().begin(), a.shape().end());
  cpu::HostTensor out = cpu::HostTensor::zeros(t.dtype, dims);
  switch (t.dtype) {
    case DType::F32: {
      if (a.dtype() == io::DType::f64) fail("'{}' holds float64 values; the pipeline declares {} (write it as float32, or declare f64)", path, t.str());
      auto v = a.as_f32();
      std::copy(v.begin(), v.end(), out.data<float>());
      break;
    }
    case DType::F64: {
      auto v = a.as_f64();
      std::copy(v.begin(), v.end(), out.data<double>());
      break;
    }
    case DType::I32:
    case DType::I64: {
      if (io::dtype_is_float(a.dtype())) fail("'{}' holds floating-point values; the pipeline declares {}", path, t.str());
      auto v = a.as_i64();
      if (t.dtype == DType::I64) std::copy(v.begin(), v.end(), out.data<std::int64_t>());
      else
        for (std::size_t i = 0; i < v.size(); ++i) out.data<std::int32_t>()[i] = static_cast<std::int32_t>(v[i]);
      break;
    }
    case DType::Bool: {
      auto v = a.as_i64();
      for (std::size_t i = 0; i < v.size(); ++i) out.data<std::uint8_t>()[i] = v[i] != 0;
      break;
    }
    default: fail("io.npy cannot produce {}", t.str());
  }
  return Value::of_tensor(std::move(out));
}

// The first non-finite element of a float tensor, or -1.
std::int64_t first_non_finite(const cpu::HostTensor& t) {
  for (std::int64_t i = 0; i < t.size(); ++i) {
    double v = t.dtype == DType::F32 ? t.data<float>()[i] : t.dtype == DType::F64 ? t.data<double>()[i] : 0.0;
    if (!std::isfinite(v)) return i;
  }
  return -1;
}

std::string index_text(const std::vector<std::int64_t>& dims, std::int64_t flat) {
  std::vector<std::int64_t> idx(dims.size());
  for (std::size_t d = dims.size(); d-- > 0;) {
    idx[d] = flat % dims[d];
    flat /= dims[d];
  }
  return fmt::format("[{}]", fmt::join(idx, ", "));
}

}  // namespace

void register_builtin_runtime_ops() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& r = RuntimeRegistry::global();
    register_ridge_eval_ops(r);
    register_music_ops(r);
    register_fmri_ops(r);
    register_dataset_ops(r);
    register_window_ops(r);
    register_bank_ops(r);
    r.add("io.npy", [](const std::vector<const Value*>& args, const Type& t) {
      const std::string& path = args.at(0)->text;
      Value v = read_npy_as(path, t);
      bool allow_nan = args.size() > 1 && args[1]->scalar() != 0;
      if (!allow_nan && is_float(t.dtype)) {
        std::int64_t bad = first_non_finite(v.tensor);
        if (bad >= 0)
          fail("'{}' contains a NaN or infinite value at {} (pass allow_nan=true to io.npy to accept them)", path,
               index_text(v.tensor.dims, bad));
      }
      return v;
    });
  });
}

}  // namespace b2m::exec
