#include "b2m/codegen/launch.h"

#include <algorithm>
#include <limits>

#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::cpu {

namespace {
std::size_t element_bytes(DType d) {
  switch (d) {
    case DType::F32: case DType::I32: return 4;
    case DType::F64: case DType::I64: return 8;
    case DType::Bool: return 1;
    default: return 0;
  }
}

constexpr std::int64_t kReduceChunk = 512;

std::string find_parallel_dim(const std::vector<loops::Node>& body) {
  for (const auto& n : body)
    if (n.kind == loops::Node::Kind::Parallel) return n.var;
  return {};
}
}  // namespace

HostTensor HostTensor::zeros(DType dtype, std::vector<std::int64_t> dims) {
  HostTensor t;
  t.dtype = dtype;
  t.dims = std::move(dims);
  t.bytes.assign(static_cast<std::size_t>(t.size()) * element_bytes(dtype), 0);
  return t;
}

HostTensor HostTensor::uninitialized(DType dtype, std::vector<std::int64_t> dims) {
  HostTensor t;
  t.dtype = dtype;
  t.dims = std::move(dims);
  t.bytes.resize(static_cast<std::size_t>(t.size()) * element_bytes(dtype));  // default-initialized: no fill
  return t;
}

std::int64_t HostTensor::size() const {
  std::int64_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

HostTensor launch(const loops::Kernel& k, KernelFn fn, const std::vector<const HostTensor*>& inputs,
                  const std::map<std::string, std::int64_t>& extra_sizes) {
  return std::move(launch_all(k, fn, inputs, extra_sizes).front());
}

std::vector<HostTensor> launch_all(const loops::Kernel& k, KernelFn fn, const std::vector<const HostTensor*>& inputs,
                                   const std::map<std::string, std::int64_t>& extra_sizes) {
  BoundKernel b(k, fn, inputs, extra_sizes);
  b.run_all();
  return std::move(b.outputs());
}

BoundKernel::BoundKernel(const loops::Kernel& k, KernelFn fn, const std::vector<const HostTensor*>& inputs,
                         const std::map<std::string, std::int64_t>& extra_sizes)
    : k_(k), fn_(fn), sizes_(extra_sizes), parallel_(find_parallel_dim(k.body)) {
  if (inputs.size() != k.inputs.size())
    fail("kernel @{} takes {} inputs, got {}", k.name, k.inputs.size(), inputs.size());
  // Bind every dimension name to one size, checking that inputs agree.
  std::map<std::string, std::int64_t>& sizes = sizes_;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Type& t = k.inputs[i].type;
    if (inputs[i]->dtype != t.dtype || inputs[i]->dims.size() != t.rank())
      fail("input '{}' of kernel @{} must be {}", k.inputs[i].name, k.name, t.str());
    for (std::size_t j = 0; j < t.rank(); ++j) {
      auto [it, inserted] = sizes.emplace(t.dims[j].name, inputs[i]->dims[j]);
      if (!inserted && it->second != inputs[i]->dims[j])
        fail("dimension '{}' has size {} in one input of kernel @{} and {} in input '{}'", t.dims[j].name,
             it->second, k.name, inputs[i]->dims[j], k.inputs[i].name);
    }
  }
  // Index lists of masks (fused compress): the true positions, in order;
  // their length is the size of the compressed dimension.
  for (const auto& l : k.index_lists) {
    const HostTensor& mask = *inputs.at(l.mask_input);
    if (mask.dtype != DType::Bool || mask.dims.size() != 1)
      fail("input '{}' of kernel @{} must be a 1-D bool mask", k.inputs[l.mask_input].name, k.name);
    std::int64_t n = 0;
    const auto* m = mask.data<std::uint8_t>();
    for (std::int64_t i = 0; i < mask.size(); ++i) n += m[i] != 0;
    // 32-bit positions: gathers through them use 16-lane AVX-512 instructions.
    if (mask.size() > std::numeric_limits<std::int32_t>::max())
      fail("the mask '{}' of kernel @{} has more than 2^31 entries", k.inputs[l.mask_input].name, k.name);
    HostTensor idx = HostTensor::uninitialized(DType::I32, {n});
    auto* p = idx.data<std::int32_t>();
    for (std::int64_t i = 0; i < mask.size(); ++i)
      if (m[i]) *p++ = static_cast<std::int32_t>(i);
    const std::string& dim = l.buffer.type.dims.at(0).name;
    auto [it, inserted] = sizes.emplace(dim, n);
    if (!inserted && it->second != n)
      fail("dimension '{}' of kernel @{} has size {}, but its mask keeps {}", dim, k.name, it->second, n);
    lists_.push_back(std::move(idx));
  }
  auto shape_of = [&](const Type& t) {
    std::vector<std::int64_t> dims;
    for (const auto& d : t.dims) {
      auto it = sizes.find(d.name);
      if (it == sizes.end()) fail("the size of dimension '{}' of kernel @{} is not known", d.name, k.name);
      dims.push_back(it->second);
    }
    return dims;
  };
  for (const auto& [var, extent] : k.box)
    if (!sizes.count(var)) fail("the size of dimension '{}' of kernel @{} is not known", var, k.name);
  // Kernels write every output element, and initialize their scratch
  // buffers in their first nest: no need to zero-fill either.
  outs_.push_back(HostTensor::uninitialized(k.output.type.dtype, shape_of(k.output.type)));
  for (const auto& o : k.more_outputs) outs_.push_back(HostTensor::uninitialized(o.type.dtype, shape_of(o.type)));
  for (const auto& s : k.accumulators) scratch_.push_back(HostTensor::uninitialized(s.type.dtype, shape_of(s.type)));
  // Buffer pointers stay valid when the outputs are moved out (a vector's
  // move keeps its heap block).
  for (const auto* in : inputs) {
    buffers_.push_back(const_cast<unsigned char*>(in->bytes.data()));
    dims_.insert(dims_.end(), in->dims.begin(), in->dims.end());
  }
  for (auto* group : {&outs_, &scratch_, &lists_})
    for (auto& t : *group) {
      buffers_.push_back(t.bytes.data());
      dims_.insert(dims_.end(), t.dims.begin(), t.dims.end());
    }
}

std::int32_t BoundKernel::run_block(std::int64_t begin, std::int64_t end, const std::int64_t* box) const {
  std::int32_t error = 0;
  fn_(const_cast<void**>(buffers_.data()), dims_.data(), begin, end, box, &error);
  return error;
}

void BoundKernel::fail_if(std::int32_t error) const {
  if (error) fail("kernel @{}: an index read from the data is out of range (or an integer division by zero)", k_.name);
}

void BoundKernel::run_all() {
  // Every loop over its whole extent.
  std::vector<std::int64_t> box;
  for (const auto& [var, extent] : k_.box) {
    box.push_back(0);
    box.push_back(sizes_.at(var));
  }
  const std::string& par = parallel_;
  std::int32_t error = 0;
  if (par.empty()) {
    error = run_block(0, 1, box.data());
  } else {
    std::int64_t n = sizes_.at(par);
    // Chunks of about 64k elements of the output; boundaries depend only on
    // the sizes, so results do not depend on the thread count.
    std::int64_t inner = std::max<std::int64_t>(1, outs_.front().size() / std::max<std::int64_t>(1, n));
    std::int64_t grain = std::max<std::int64_t>(1, 65536 / inner);
    // A reduction chunked along its output's last (contiguous) dimension
    // walks every input row for its chunk, accumulating into one row of its
    // float64 scratch at a time: chunks of kReduceChunk entries keep that row
    // (8 bytes per entry and accumulator) in L1 rather than L2. The code
    // generator prefetches the rows ahead, which such short row segments need.
    // Measured on bench_fused's statistics kernel (2 threads): 0.138 s with
    // 5461-voxel chunks, 0.138 s with these alone, 0.090 s with prefetching
    // alone, 0.035-0.058 s with both. Boundaries still depend on sizes only.
    if (k_.kind == "reduce" && !k_.output.type.dims.empty() && k_.output.type.dims.back().name == par)
      grain = kReduceChunk;
    std::vector<std::int32_t> errors((static_cast<std::size_t>(n) + grain - 1) / grain, 0);
    parallel_for(static_cast<std::size_t>(n), static_cast<std::size_t>(grain), [&](std::size_t b, std::size_t e) {
      errors[b / static_cast<std::size_t>(grain)] =
          run_block(static_cast<std::int64_t>(b), static_cast<std::int64_t>(e), box.data());
    });
    for (auto e : errors) error |= e;
  }
  fail_if(error);
}

}  // namespace b2m::cpu
