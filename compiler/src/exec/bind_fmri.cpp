// Runtime ops for the stdlib's array-level fMRI preprocessing (`fmri.detrend`,
// `fmri.median_highpass`), bound to b2m/fmri/preprocess.h. Runs are given per
// scan (`run: i64[time]`) and must be contiguous blocks, as BIDS runs
// concatenated along time are.
#include <algorithm>
#include <functional>

#include "b2m/exec/executor.h"
#include "b2m/fmri/preprocess.h"
#include "b2m/runtime/error.h"

namespace b2m::exec {

namespace {

using cpu::HostTensor;

// Lengths of the contiguous runs; a run label that comes back later is an error.
std::vector<Eigen::Index> run_lengths(const HostTensor& run, const char* op) {
  std::vector<Eigen::Index> lengths;
  std::vector<std::int64_t> seen;
  for (std::int64_t t = 0; t < run.size(); ++t) {
    std::int64_t r = run.data<std::int64_t>()[t];
    if (t == 0 || r != run.data<std::int64_t>()[t - 1]) {
      if (std::find(seen.begin(), seen.end(), r) != seen.end())
        fail("{}: run {} appears again at scan {}: runs must be contiguous blocks of scans", op, r, t);
      seen.push_back(r);
      lengths.push_back(0);
    }
    ++lengths.back();
  }
  return lengths;
}

Value preprocess(const std::vector<const Value*>& a, const char* op,
                 const std::function<void(RowMatrixF&, fmri::RunLengths)>& fn) {
  const HostTensor& x = a[0]->tensor;
  if (x.dims.size() != 2 || x.dtype != DType::F32) fail("{}: expects f32[time, voxel]", op);
  if (a[1]->tensor.size() != x.dims[0])
    fail("{}: {} run labels for {} scans", op, a[1]->tensor.size(), x.dims[0]);
  auto lengths = run_lengths(a[1]->tensor, op);
  RowMatrixF data = Eigen::Map<const RowMatrixF>(x.data<float>(), x.dims[0], x.dims[1]);
  fn(data, lengths);
  HostTensor out = HostTensor::zeros(DType::F32, x.dims);
  std::copy(data.data(), data.data() + data.size(), out.data<float>());
  return Value::of_tensor(std::move(out));
}

}  // namespace

void register_fmri_ops(RuntimeRegistry& r) {
  r.add("fmri.detrend", [](const std::vector<const Value*>& a, const Type&) {
    auto order = static_cast<int>(a[2]->scalar());
    if (order < 0 || order > 10) fail("fmri.detrend: order must be between 0 and 10, got {}", order);
    return preprocess(a, "fmri.detrend", [&](RowMatrixF& d, fmri::RunLengths l) { fmri::detrend_polynomial(d, l, order); });
  });
  r.add("fmri.cosine_highpass", [](const std::vector<const Value*>& a, const Type&) {
    double tr = a[2]->scalar(), cutoff = a[3]->scalar();
    if (!(tr > 0)) fail("fmri.cosine_highpass: the repetition time must be positive, got {}", tr);
    if (!(cutoff > 0)) fail("fmri.cosine_highpass: the cutoff period must be positive, got {} s", cutoff);
    return preprocess(a, "fmri.cosine_highpass",
                      [&](RowMatrixF& d, fmri::RunLengths l) { fmri::highpass_cosine(d, l, tr, cutoff); });
  });
  r.add("fmri.median_highpass", [](const std::vector<const Value*>& a, const Type&) {
    double tr = a[2]->scalar(), window = a[3]->scalar();
    if (!(tr > 0)) fail("fmri.median_highpass: the repetition time must be positive, got {}", tr);
    return preprocess(a, "fmri.median_highpass",
                      [&](RowMatrixF& d, fmri::RunLengths l) { fmri::highpass_median(d, l, tr, window); });
  });
}

}  // namespace b2m::exec
