#include "b2m/exec/executor.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <cstring>
#include <fmt/ranges.h>
#include <set>

#include "b2m/lang/diagnostics.h"

#include "b2m/io/audio.h"
#include "b2m/io/npy.h"
#include "b2m/runtime.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/progress.h"
#include "b2m/runtime/thread_pool.h"
#include "tiled_schedule.h"

namespace b2m::exec {

namespace fs = std::filesystem;
using cpu::HostTensor;

Value Value::of_tensor(HostTensor t) {
  Value v;
  v.kind = Kind::Tensor;
  v.tensor = std::move(t);
  return v;
}

Value Value::of_string(std::string s) {
  Value v;
  v.kind = Kind::String;
  v.text = std::move(s);
  return v;
}

double Value::scalar() const {
  if (kind != Kind::Tensor || tensor.size() != 1) fail("expected a scalar value");
  switch (tensor.dtype) {
    case DType::F32: return tensor.data<float>()[0];
    case DType::F64: return tensor.data<double>()[0];
    case DType::I32: return tensor.data<std::int32_t>()[0];
    case DType::I64: return static_cast<double>(tensor.data<std::int64_t>()[0]);
    case DType::Bool: return tensor.data<std::uint8_t>()[0];
    default: fail("expected a numeric scalar");
  }
}

const Value& Value::field(const std::string& name) const {
  for (const auto& [n, v] : fields)
    if (n == name) return *v;
  fail("record has no field '{}'", name);
}

RuntimeRegistry& RuntimeRegistry::global() {
  static RuntimeRegistry r;
  return r;
}
void RuntimeRegistry::add(const std::string& name, RuntimeFn fn) { fns_[name] = std::move(fn); }
const RuntimeFn* RuntimeRegistry::find(const std::string& name) const {
  auto it = fns_.find(name);
  return it == fns_.end() ? nullptr : &it->second;
}
std::vector<std::string> RuntimeRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, f] : fns_) out.push_back(n);
  return out;
}

namespace {

std::size_t element_bytes(DType d) { return d == DType::F64 || d == DType::I64 ? 8 : d == DType::Bool ? 1 : 4; }

HostTensor scalar_tensor(DType dt, double v) {
  HostTensor t = HostTensor::zeros(dt, {});
  switch (dt) {
    case DType::F32: t.data<float>()[0] = static_cast<float>(v); break;
    case DType::F64: t.data<double>()[0] = v; break;
    case DType::I32: t.data<std::int32_t>()[0] = static_cast<std::int32_t>(v); break;
    case DType::I64: t.data<std::int64_t>()[0] = static_cast<std::int64_t>(v); break;
    case DType::Bool: t.data<std::uint8_t>()[0] = v != 0; break;
    default: break;
  }
  return t;
}

// Parses a command-line or default value of a param.
Value param_value(const std::string& name, const Type& t, const std::string& text) {
  auto number = [&](const std::string& s) {
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(v))
      fail("--{}: expected a number, got '{}'", name, s);
    return v;
  };
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
      std::size_t c = s.find(',', start);
      out.push_back(s.substr(start, c == std::string::npos ? std::string::npos : c - start));
      if (c == std::string::npos) break;
      start = c + 1;
    }
    return out;
  };
  if (t.kind == Type::Kind::List) {
    Value v;
    v.kind = Value::Kind::List;
    std::vector<ir::Attr> items;
    for (const auto& s : split(text))
      items.push_back(is_textual(t.dtype) ? ir::Attr::of_str(s) : ir::Attr::of_float(number(s)));
    v.list = ir::Attr::of_list(items);
    return v;
  }
  if (is_textual(t.dtype)) return Value::of_string(text);
  if (t.dtype == DType::Bool) {
    if (text != "true" && text != "false") fail("--{}: expected true or false, got '{}'", name, text);
    return Value::of_tensor(scalar_tensor(DType::Bool, text == "true"));
  }
  if (t.rank() == 0) {
    double v = number(text);
    if (is_int(t.dtype) && v != std::floor(v)) fail("--{}: expected an integer, got '{}'", name, text);
    return Value::of_tensor(scalar_tensor(t.dtype, v));
  }
  auto items = split(text);
  const Dim& d = t.dims[0];
  if (d.size.is_const() && static_cast<std::int64_t>(items.size()) != d.size.constant)
    fail("--{}: expected {} values (dimension '{}'), got {}", name, d.size.constant, d.name, items.size());
  HostTensor out = HostTensor::zeros(t.dtype, {static_cast<std::int64_t>(items.size())});
  for (std::size_t i = 0; i < items.size(); ++i) {
    HostTensor s = scalar_tensor(t.dtype, number(items[i]));
    std::copy(s.bytes.begin(), s.bytes.end(), out.bytes.begin() + i * element_bytes(t.dtype));
  }
  return Value::of_tensor(std::move(out));
}

std::string attr_text(const ir::Attr& a) {
  if (a.kind == ir::Attr::Kind::Str) return a.s;
  if (a.kind == ir::Attr::Kind::List) {
    std::string s;
    for (std::size_t i = 0; i < a.list.size(); ++i) s += (i ? "," : "") + attr_text(a.list[i]);
    return s;
  }
  return a.str();
}

class Interpreter {
 public:
  Interpreter(const ir::Module& m, const std::vector<loops::Kernel>& kernels, const KernelLookup& lookup,
              const RunOptions& opts, const SourceManager* sm)
      : m_(m), lookup_(lookup), opts_(opts), sm_(sm) {
    for (const auto& k : kernels) kernels_[k.name] = &k;
  }

  void run() {
    const ir::Func* main = m_.find_func("main");
    if (!main) fail("the module has no @main");
    std::size_t steps = 0;
    for (const auto& op : main->body) steps += op->id == OpId::Fused || op->id == OpId::Runtime || op->id == OpId::MatMul;
    Progress progress("pipeline", steps, "step");
    // Each value is dropped after its last use, so memory is reused as the
    // graph runs (outputs keep theirs until written).
    std::map<const ir::Value*, std::size_t> last_use;
    for (std::size_t i = 0; i < main->body.size(); ++i)
      for (const auto* v : main->body[i]->operands) last_use[v] = i;
    const bool timing = std::getenv("B2M_TIMING") != nullptr;
    for (std::size_t i = 0; i < main->body.size(); ++i) {
      const auto& op = main->body[i];
      auto t0 = std::chrono::steady_clock::now();
      step(*op);
      for (const auto* v : op->operands)
        if (last_use[v] == i) values_.erase(v);
      if (timing)
        std::fprintf(stderr, "[timing] %-8s %-24s %8.3f s\n", op->name(), op->attr_str("callee").c_str(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      if (op->id == OpId::Fused || op->id == OpId::Runtime || op->id == OpId::MatMul) progress.advance();
    }
    progress.finish();
    write_outputs();
  }

 private:
  std::string where(const ir::Op& op) const {
    std::string what = op.attr_str("callee");
    if (op.id == OpId::Output) what = "output \"" + op.attr_str("path") + "\"";
    if (what.empty()) what = op.name();
    if (!sm_ || !op.loc.valid()) return what;
    return sm_->describe(op.loc) + " (" + what + ")";
  }

  const Value& get(const ir::Value* v) const { return *values_.at(v); }

  void set(const ir::Op& op, Value v) { set_shared(op, std::make_shared<Value>(std::move(v))); }
  void set_shared(const ir::Op& op, std::shared_ptr<Value> v) {
    check_sizes(op, op.result->type, *v);
    values_[op.result.get()] = std::move(v);
  }

  // Run-time sizes against the IR's constants and symbols.
  void check_sizes(const ir::Op& op, const Type& t, const Value& v) {
    if (t.is_record() && v.kind == Value::Kind::Record) {
      for (const auto& f : t.fields) check_sizes(op, f.type, v.field(f.name));
      return;
    }
    if (!t.is_tensor() || v.kind != Value::Kind::Tensor) return;
    if (v.tensor.dims.size() != t.rank())
      fail("{}: expected {} dimension(s) {}, got {}", where(op), t.rank(), t.str(), v.tensor.dims.size());
    for (std::size_t i = 0; i < t.rank(); ++i) {
      const Dim& d = t.dims[i];
      std::int64_t n = v.tensor.dims[i];
      if (d.size.is_const() && n != d.size.constant)
        fail("{}: dimension '{}' must have size {}, got {}", where(op), d.name, d.size.constant, n);
      if (!d.size.is_const() && !d.size.symbol.empty()) {
        auto [it, inserted] = symbols_.emplace(d.size.symbol, std::make_pair(n, where(op)));
        if (!inserted && it->second.first != n)
          fail("size mismatch in dimension '{}': {} at {}, but {} at {}", d.name, it->second.first,
               it->second.second, n, where(op));
      }
    }
  }

  void step(const ir::Op& op) {
    switch (op.id) {
      case OpId::Param: {
        std::string name = op.attr_str("name");
        auto given = opts_.params.find(name);
        const ir::Attr* def = op.attr("default");
        if (given == opts_.params.end() && !def) fail("missing required option --{} ({})", name, op.result->type.str());
        std::string text = given != opts_.params.end() ? given->second : attr_text(*def);
        set(op, param_value(name, op.result->type, text));
        return;
      }
      case OpId::Const: {
        const ir::Attr& a = *op.attr("value");
        const Type& t = op.result->type;
        if (t.kind == Type::Kind::List) {
          Value v;
          v.kind = Value::Kind::List;
          v.list = a;
          set(op, v);
        } else if (is_textual(t.dtype)) {
          set(op, Value::of_string(a.s));
        } else {
          set(op, Value::of_tensor(scalar_tensor(t.dtype, a.kind == ir::Attr::Kind::Bool ? a.b : a.as_number())));
        }
        return;
      }
      case OpId::Concat: set(op, Value::of_string(get(op.operands[0]).text + get(op.operands[1]).text)); return;
      case OpId::Field: {
        // Shares the record's field: no copy of its data.
        const Value& rec = get(op.operands[0]);
        for (const auto& [n, v] : rec.fields)
          if (n == op.attr_str("name")) return set_shared(op, v);
        fail("{}: record has no field '{}'", where(op), op.attr_str("name"));
      }
      case OpId::Rename: set_shared(op, values_.at(op.operands[0])); return;
      case OpId::Record: {
        // Fields share their operands' values: no copy.
        auto rec = std::make_shared<Value>();
        rec->kind = Value::Kind::Record;
        for (std::size_t i = 0; i < op.operands.size(); ++i)
          rec->fields.emplace_back(op.result->type.fields[i].name, values_.at(op.operands[i]));
        return set_shared(op, rec);
      }
      case OpId::Runtime: {
        std::string callee = op.attr_str("callee");
        const RuntimeFn* fn = RuntimeRegistry::global().find(callee);
        if (!fn)
          fail("{}: '{}' has no runtime implementation in this build of b2m (available: {})", where(op), callee,
               fmt::join(RuntimeRegistry::global().names(), ", "));
        std::vector<const Value*> args;
        for (const auto* v : op.operands) args.push_back(&get(v));
        try {
          set(op, (*fn)(args, op.result->type));
        } catch (const Error& e) {
          // Bad data is reported with the pipeline line that read it.
          throw Error(where(op) + ": " + e.what());
        }
        return;
      }
      case OpId::Fused: return op.attr_str("kind") == "tiled" ? tiled(op) : launch(op);
      case OpId::Compress: return compress(op);
      case OpId::MatMul: return matmul(op);
      case OpId::Output: outputs_.emplace_back(&op, values_.at(op.operands[0])); return;
      case OpId::Return: return;
      default:
        fail("{}: '{}' must be inside a fused kernel at run time (was the fuse pass run?)", where(op), op.name());
    }
  }

  const loops::Kernel& kernel_of(const ir::Op& op, cpu::KernelFn* fn) {
    std::string name = op.attr_str("callee");
    auto it = kernels_.find(name);
    *fn = lookup_(name);
    if (it == kernels_.end() || !*fn) fail("kernel @{} is missing", name);
    return *it->second;
  }

  std::vector<const HostTensor*> kernel_inputs(const ir::Op& op) {
    std::vector<const HostTensor*> inputs;
    for (const auto* v : op.operands) {
      const Value& val = get(v);
      if (val.kind != Value::Kind::Tensor) fail("{}: a kernel input is not a tensor", where(op));
      inputs.push_back(&val.tensor);
    }
    return inputs;
  }

  // Sizes of the dimensions a kernel's inputs do not give.
  std::map<std::string, std::int64_t> extra_sizes(const ir::Op& op, const loops::Kernel& k,
                                                  const std::vector<const HostTensor*>& inputs) {
    // Group dimensions created inside the kernel (grouped reductions): as many
    // groups as the largest id + 1.
    std::map<std::string, std::int64_t> extra;
    const ir::Func* f = m_.find_func(op.attr_str("callee"));
    for (const auto& kop : f->body) {
      if (kop->id != OpId::SegmentSum && kop->id != OpId::SegmentMean) continue;
      const ir::Value* ids = kop->operands[1];
      for (std::size_t a = 0; a < f->args.size(); ++a) {
        if (f->args[a].get() != ids) continue;
        const HostTensor& t = *inputs[a];
        std::int64_t groups = 0;
        for (std::int64_t i = 0; i < t.size(); ++i) {
          std::int64_t g = t.dtype == DType::I64 ? t.data<std::int64_t>()[i] : t.data<std::int32_t>()[i];
          if (g < 0) fail("{}: group ids must be non-negative, found {}", where(op), g);
          groups = std::max(groups, g + 1);
        }
        extra[kop->attr_str("into")] = groups;
      }
    }
    // A kernel may create a dimension that none of its inputs has (a
    // broadcast to [window, emb] shared by two consumers): its size is the
    // one its size symbol already took elsewhere in the graph.
    // (Named as in the kernel's output buffer: a dimension made by a fused
    // compress is `<dim>.kept` there.)
    // A multi-output kernel's outputs share their dimensions: its first field.
    const Type& rt = op.result->type.is_record() ? op.result->type.fields.at(0).type : op.result->type;
    for (std::size_t i = 0; i < rt.dims.size(); ++i) {
      const Dim& d = rt.dims[i];
      const std::string& name = i < k.output.type.dims.size() ? k.output.type.dims[i].name : d.name;
      if (extra.count(name)) continue;
      if (d.size.is_const()) extra[name] = d.size.constant;
      else if (auto s = symbols_.find(d.size.symbol); !d.size.symbol.empty() && s != symbols_.end())
        extra[name] = s->second.first;
    }
    return extra;
  }

  // A kernel's outputs as the op's value: a tensor, or a record of them (a
  // multi-output kernel of sibling reductions).
  void set_kernel_outputs(const ir::Op& op, std::vector<HostTensor> outs) {
    if (!op.result->type.is_record()) return set(op, Value::of_tensor(std::move(outs.front())));
    if (outs.size() != op.result->type.fields.size())
      fail("kernel @{} has {} outputs", op.attr_str("callee"), outs.size());
    auto rec = std::make_shared<Value>();
    rec->kind = Value::Kind::Record;
    for (std::size_t i = 0; i < outs.size(); ++i)
      rec->fields.emplace_back(op.result->type.fields[i].name,
                               std::make_shared<Value>(Value::of_tensor(std::move(outs[i]))));
    set_shared(op, rec);
  }

  void launch(const ir::Op& op) {
    cpu::KernelFn fn;
    const loops::Kernel& k = kernel_of(op, &fn);
    std::vector<const HostTensor*> inputs = kernel_inputs(op);
    try {
      set_kernel_outputs(op, cpu::launch_all(k, fn, inputs, extra_sizes(op, k, inputs)));
    } catch (const Error& e) {
      throw Error(where(op) + ": " + e.what());
    }
  }

  // A tiled chain (the tile-segments pass): its kernels bound once with
  // their outputs allocated, then run block by block by run_tiled; or, when
  // the rows of some group are not contiguous, its ops one after the other.
  void tiled(const ir::Op& op) {
    const ir::Func* f = m_.find_func(op.attr_str("callee"));
    if (!f) fail("{}: function @{} is missing", where(op), op.attr_str("callee"));
    for (std::size_t i = 0; i < f->args.size(); ++i) values_[f->args[i].get()] = values_.at(op.operands[i]);
    const ir::Value* result = f->body.back()->operands.at(0);
    auto drop_locals = [&] {
      for (const auto& a : f->args) values_.erase(a.get());
      for (const auto& fop : f->body)
        if (fop->result) values_.erase(fop->result.get());
    };
    TiledChain chain;
    chain.rows = op.attr_str("rows");
    chain.groups = op.attr_str("groups");
    chain.inner = op.attr_str("inner");
    chain.delay = op.attr("delay") ? op.attr("delay")->i : 0;
    const ir::Attr* ids_at = op.attr("ids");
    const ir::Attr* mask_at = op.attr("mask");
    if (!ids_at || ids_at->i < 0) fail("{}: a tiled chain without ids", where(op));
    chain.ids = &get(f->args.at(ids_at->i).get()).tensor;
    if (mask_at && mask_at->i >= 0) chain.mask = &get(f->args.at(mask_at->i).get()).tensor;
    bool tiled = opts_.tiling && plan_segments(chain);
    try {
      if (tiled) {
        std::vector<std::unique_ptr<cpu::BoundKernel>> bound;
        for (const auto& fop : f->body) {
          if (fop->id == OpId::Fused) {
            cpu::KernelFn fn;
            const loops::Kernel& k = kernel_of(*fop, &fn);
            std::vector<const HostTensor*> inputs = kernel_inputs(*fop);
            bound.push_back(std::make_unique<cpu::BoundKernel>(k, fn, inputs, extra_sizes(*fop, k, inputs)));
            set_kernel_outputs(*fop, std::move(bound.back()->outputs()));  // buffers stay where they are
            chain.steps.push_back(TiledChain::Step{bound.back().get(), nullptr, nullptr});
          } else if (fop->id == OpId::Compress) {
            const HostTensor& src = get(fop->operands[0]).tensor;
            check_compress_mask(*fop, src, get(fop->operands[1]).tensor);
            std::int64_t kept = chain.kept();
            set(*fop, Value::of_tensor(HostTensor::uninitialized(src.dtype, {src.dims.at(0), kept})));
            chain.steps.push_back(TiledChain::Step{nullptr, &src, &values_.at(fop->result.get())->tensor});
          } else if (fop->id != OpId::Return) {
            step(*fop);  // fields: views
          }
        }
        run_tiled(chain);
      } else {
        for (const auto& fop : f->body)
          if (fop->id != OpId::Return) step(*fop);
      }
    } catch (const Error& e) {
      drop_locals();
      throw Error(where(op) + ": " + e.what());
    }
    std::shared_ptr<Value> out = values_.at(result);
    drop_locals();
    std::string line = "@" + op.attr_str("callee") + ": " +
                       (tiled ? chain.describe()
                              : opts_.tiling ? "op by op: the rows of some group of '" + chain.rows +
                                                   "' are not contiguous, or some group has none"
                                             : "op by op: tiling is off");
    if (opts_.schedule_log) opts_.schedule_log->push_back(line);
    if (std::getenv("B2M_TIMING")) std::fprintf(stderr, "[timing] %s\n", line.c_str());
    set_shared(op, out);
  }

  // The index of the compressed dimension, after checking that the mask has
  // one entry per index along it.
  int check_compress_mask(const ir::Op& op, const HostTensor& x, const HostTensor& mask) {
    int k = op.operands[0]->type.dim_index(op.attr_str("along"));
    if (mask.size() != x.dims[k])
      fail("{}: the mask has {} entries, but dimension '{}' has {}", where(op), mask.size(), op.attr_str("along"),
           x.dims[k]);
    return k;
  }

  // Keeps the entries along one dimension where the mask is true.
  void compress(const ir::Op& op) {
    const HostTensor& x = get(op.operands[0]).tensor;
    const HostTensor& mask = get(op.operands[1]).tensor;
    int k = check_compress_mask(op, x, mask);
    std::vector<std::int64_t> keep;
    for (std::int64_t i = 0; i < mask.size(); ++i)
      if (mask.data<std::uint8_t>()[i]) keep.push_back(i);
    std::vector<std::int64_t> dims = x.dims;
    dims[k] = static_cast<std::int64_t>(keep.size());
    HostTensor out = HostTensor::uninitialized(x.dtype, dims);  // every element is copied below
    std::int64_t outer = 1, inner = 1;
    for (int d = 0; d < k; ++d) outer *= x.dims[d];
    for (std::size_t d = k + 1; d < x.dims.size(); ++d) inner *= x.dims[d];
    std::size_t eb = element_bytes(x.dtype) * static_cast<std::size_t>(inner);
    // Rows in parallel; a 4-byte element copy is a plain load/store, not a memcpy call.
    parallel_for(static_cast<std::size_t>(outer), 16, [&](std::size_t b, std::size_t e) {
      for (std::size_t o = b; o < e; ++o) {
        const unsigned char* src = x.bytes.data() + o * x.dims[k] * eb;
        unsigned char* dst = out.bytes.data() + o * dims[k] * eb;
        if (eb == 4) {
          const auto* s4 = reinterpret_cast<const std::uint32_t*>(src);
          auto* d4 = reinterpret_cast<std::uint32_t*>(dst);
          for (std::size_t j = 0; j < keep.size(); ++j) d4[j] = s4[keep[j]];
        } else {
          for (std::size_t j = 0; j < keep.size(); ++j) std::memcpy(dst + j * eb, src + keep[j] * eb, eb);
        }
      }
    });
    set(op, Value::of_tensor(std::move(out)));
  }

  // Contraction by dimension name through Eigen (float32 or float64).
  void matmul(const ir::Op& op) {
    const Value& a = get(op.operands[0]);
    const Value& b = get(op.operands[1]);
    std::string over = op.attr_str("over");
    const Type& ta = op.operands[0]->type;
    const Type& tb = op.operands[1]->type;
    auto permuted = [](const HostTensor& t, const Type& ty, const std::string& over, bool over_last) {
      // Moves `over` to the last (or first) position: a copy in the new order.
      int k = ty.dim_index(over);
      std::vector<int> order;
      for (int i = 0; i < static_cast<int>(ty.rank()); ++i)
        if (i != k) order.push_back(i);
      if (over_last) order.push_back(k);
      else order.insert(order.begin(), k);
      std::vector<std::int64_t> dims;
      for (int i : order) dims.push_back(t.dims[i]);
      HostTensor out = HostTensor::zeros(t.dtype, dims);
      std::size_t eb = t.dtype == DType::F64 ? 8 : 4;
      std::vector<std::int64_t> src_strides(t.dims.size(), 1);
      for (int i = static_cast<int>(t.dims.size()) - 2; i >= 0; --i) src_strides[i] = src_strides[i + 1] * t.dims[i + 1];
      std::vector<std::int64_t> idx(dims.size(), 0);
      for (std::int64_t n = 0; n < out.size(); ++n) {
        std::int64_t src = 0;
        for (std::size_t j = 0; j < dims.size(); ++j) src += idx[j] * src_strides[order[j]];
        std::memcpy(out.bytes.data() + n * eb, t.bytes.data() + src * eb, eb);
        for (int j = static_cast<int>(dims.size()) - 1; j >= 0; --j) {
          if (++idx[j] < dims[j]) break;
          idx[j] = 0;
        }
      }
      return out;
    };
    HostTensor pa = permuted(a.tensor, ta, over, true);
    HostTensor pb = permuted(b.tensor, tb, over, false);
    std::int64_t kdim = a.tensor.dims[ta.dim_index(over)];
    if (kdim != b.tensor.dims[tb.dim_index(over)])
      fail("{}: size mismatch in contracted dimension '{}': {} vs {}", where(op), over, kdim,
           b.tensor.dims[tb.dim_index(over)]);
    std::int64_t rows = pa.size() / std::max<std::int64_t>(1, kdim), cols = pb.size() / std::max<std::int64_t>(1, kdim);
    std::vector<std::int64_t> out_dims(pa.dims.begin(), pa.dims.end() - 1);
    out_dims.insert(out_dims.end(), pb.dims.begin() + 1, pb.dims.end());
    HostTensor out = HostTensor::uninitialized(a.tensor.dtype, out_dims);  // GEMM writes all of it
    // Through the runtime's C ABI: 2-D views of the permuted operands.
    auto view = [](HostTensor& t, std::int64_t r, std::int64_t c) {
      b2m_buffer_t buf{};
      buf.data = t.bytes.data();
      buf.dtype = t.dtype == DType::F32 ? B2M_F32 : B2M_F64;
      buf.rank = 2;
      buf.dims[0] = r;
      buf.dims[1] = c;
      buf.strides[0] = c;
      buf.strides[1] = 1;
      return buf;
    };
    b2m_buffer_t A = view(pa, rows, kdim), B = view(pb, kdim, cols), C = view(out, rows, cols);
    if (b2m_matmul(&A, &B, &C) != B2M_OK) fail("{}: {}", where(op), b2m_last_error());
    set(op, Value::of_tensor(std::move(out)));
  }

  // ---- outputs ---------------------------------------------------------------

  void write_outputs() {
    if (opts_.capture_outputs) {
      for (auto& [op, value] : outputs_) (*opts_.capture_outputs)[op->attr_str("path")] = std::move(*value);
      return;
    }
    std::error_code ec;
    fs::create_directories(opts_.out_dir, ec);
    if (ec) fail("cannot create the output directory '{}': {}", opts_.out_dir, ec.message());
    // Validate and render everything first, then write: nothing is written
    // unless every output can be.
    std::vector<std::pair<std::string, std::function<void(const std::string&)>>> writes;
    for (const auto& [op, value] : outputs_) plan_output(*op, *value, writes);
    for (const auto& [path, write] : writes) {
      fs::create_directories(fs::path(path).parent_path(), ec);
      write(path);
    }
  }

  void plan_output(const ir::Op& op, const Value& v,
                   std::vector<std::pair<std::string, std::function<void(const std::string&)>>>& writes) {
    std::string pattern = op.attr_str("path");
    std::string path = (fs::path(opts_.out_dir) / pattern).string();
    const Type& t = op.operands[0]->type;
    auto ends = [&](const char* suf) {
      std::string s = suf;
      return pattern.size() >= s.size() && pattern.compare(pattern.size() - s.size(), s.size(), s) == 0;
    };
    if (pattern.find('{') != std::string::npos) {
      // One file per index along the named (outermost) dimension.
      std::size_t a = pattern.find('{'), b = pattern.find('}', a);
      std::string dim = pattern.substr(a + 1, b - a - 1);
      if (t.dim_index(dim) != 0) fail("{}: {{{}}} must name the outermost dimension", where(op), dim);
      std::int64_t n = v.tensor.dims.at(0);
      std::int64_t per = n ? v.tensor.size() / n : 0;
      std::size_t eb = element_bytes(v.tensor.dtype);
      for (std::int64_t i = 0; i < n; ++i) {
        Value slice;
        slice.tensor.dtype = v.tensor.dtype;
        slice.tensor.dims.assign(v.tensor.dims.begin() + 1, v.tensor.dims.end());
        slice.tensor.bytes.assign(v.tensor.bytes.begin() + i * per * eb, v.tensor.bytes.begin() + (i + 1) * per * eb);
        slice.sample_rate = v.sample_rate;
        std::string p = pattern.substr(0, a) + std::to_string(i) + pattern.substr(b + 1);
        std::string full = (fs::path(opts_.out_dir) / p).string();
        Type st = t;
        st.dims.erase(st.dims.begin());
        plan_file(op, full, p, st, slice, writes);
      }
      return;
    }
    (void)ends;
    plan_file(op, path, pattern, t, v, writes);
  }

  void plan_file(const ir::Op& op, const std::string& path, const std::string& name, const Type& t, const Value& v,
                 std::vector<std::pair<std::string, std::function<void(const std::string&)>>>& writes) {
    auto ends = [&](const char* suf) {
      std::string s = suf;
      return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    if (ends(".npy")) {
      if (v.kind != Value::Kind::Tensor) fail("{}: .npy outputs need a tensor", where(op));
      HostTensor tensor = v.tensor;
      writes.emplace_back(path, [tensor](const std::string& p) {
        std::vector<std::size_t> shape(tensor.dims.begin(), tensor.dims.end());
        io::DType dt = tensor.dtype == DType::F32 ? io::DType::f32 : tensor.dtype == DType::F64 ? io::DType::f64
                       : tensor.dtype == DType::I32 ? io::DType::i32 : tensor.dtype == DType::I64 ? io::DType::i64
                                                                                                 : io::DType::b1;
        io::write_npy(p, dt, tensor.bytes.data(), shape);
      });
      return;
    }
    if (ends(".json")) {
      nlohmann::json j = to_json(t, v);
      writes.emplace_back(path, [j](const std::string& p) {
        std::string tmp = p + ".tmp-" + std::to_string(::getpid());
        {
          std::ofstream out(tmp);
          out << j.dump(2) << "\n";
          if (!out) fail("cannot write '{}'", p);
        }
        if (std::rename(tmp.c_str(), p.c_str()) != 0) {
          std::remove(tmp.c_str());
          fail("cannot write '{}'", p);
        }
      });
      return;
    }
    if (ends(".wav") || ends(".flac")) {
      if (v.kind != Value::Kind::Tensor || v.tensor.dims.size() != 1 || !is_float(v.tensor.dtype))
        fail("{}: audio outputs need a 1-D float waveform", where(op));
      if (v.sample_rate <= 0)
        fail("{}: '{}': the waveform has no sample rate (audio comes from music.generate or an audio source)",
             where(op), name);
      io::Audio audio;
      audio.sample_rate = v.sample_rate;
      audio.samples.resize(static_cast<std::size_t>(v.tensor.size()));
      for (std::int64_t i = 0; i < v.tensor.size(); ++i)
        audio.samples[i] = v.tensor.dtype == DType::F32 ? v.tensor.data<float>()[i]
                                                         : static_cast<float>(v.tensor.data<double>()[i]);
      bool flac = ends(".flac");
      writes.emplace_back(path, [audio, flac](const std::string& p) {
        io::write_audio(p, audio, flac ? io::AudioFormat::flac_pcm24 : io::AudioFormat::wav_float);
      });
      return;
    }
    fail("{}: writing '{}' is not supported by this build yet (outputs: .npy, .json, .wav, .flac)", where(op), name);
  }

  nlohmann::json to_json(const Type& t, const Value& v) {
    switch (v.kind) {
      case Value::Kind::String: return v.text;
      case Value::Kind::List: return nlohmann::json::parse(v.list.str());
      case Value::Kind::Opaque: fail("opaque values cannot be written as JSON");
      case Value::Kind::Record: {
        nlohmann::json j = nlohmann::json::object();
        for (const auto& f : t.fields) j[f.name] = to_json(f.type, v.field(f.name));
        return j;
      }
      case Value::Kind::Tensor: {
        const HostTensor& x = v.tensor;
        auto elem = [&](std::int64_t i) -> nlohmann::json {
          switch (x.dtype) {
            case DType::F32: return x.data<float>()[i];
            case DType::F64: return x.data<double>()[i];
            case DType::I32: return x.data<std::int32_t>()[i];
            case DType::I64: return x.data<std::int64_t>()[i];
            default: return x.data<std::uint8_t>()[i] != 0;
          }
        };
        if (x.dims.empty()) return elem(0);
        std::function<nlohmann::json(std::size_t, std::int64_t)> nest = [&](std::size_t d, std::int64_t base) {
          nlohmann::json arr = nlohmann::json::array();
          std::int64_t stride = 1;
          for (std::size_t k = d + 1; k < x.dims.size(); ++k) stride *= x.dims[k];
          for (std::int64_t i = 0; i < x.dims[d]; ++i)
            arr.push_back(d + 1 == x.dims.size() ? elem(base + i) : nest(d + 1, base + i * stride));
          return arr;
        };
        return nest(0, 0);
      }
    }
    return nullptr;
  }

  const ir::Module& m_;
  const KernelLookup& lookup_;
  const RunOptions& opts_;
  const SourceManager* sm_;
  std::map<std::string, const loops::Kernel*> kernels_;
  std::map<const ir::Value*, std::shared_ptr<Value>> values_;
  std::map<std::string, std::pair<std::int64_t, std::string>> symbols_;
  std::vector<std::pair<const ir::Op*, std::shared_ptr<Value>>> outputs_;
};

}  // namespace

void run(const ir::Module& m, const std::vector<loops::Kernel>& kernels, const KernelLookup& lookup,
         const RunOptions& opts, const SourceManager* sources) {
  register_builtin_runtime_ops();
  // Tensors are large and short-lived: keep freed blocks in the heap instead
  // of returning them to the kernel, whose fresh pages cost a fault each
  // (a third of the run time on these VMs otherwise).
  mallopt(M_MMAP_THRESHOLD, 512 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // glibc caps M_MMAP_THRESHOLD at 32 MiB (the call above is refused), so
  // blocks above that go back to the kernel when freed: keep up to a quarter
  // of the memory (at most 4 GiB) of them for reuse instead.
  std::size_t phys = static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  set_large_block_cache(std::min<std::size_t>(phys / 4, std::size_t(4) << 30));
  Interpreter(m, kernels, lookup, opts, sources).run();
}

std::string describe(const ir::Module& m, const std::string& program) {
  const ir::Func* main = m.find_func("main");
  std::string s = "usage: " + program + " [--out DIR] [--threads N] [--seed N] [--PARAM VALUE ...]\n\nparams:\n";
  for (const auto& op : main->body) {
    if (op->id != OpId::Param) continue;
    const ir::Attr* def = op->attr("default");
    s += "  --" + op->attr_str("name") + " " + op->result->type.str() +
         (def ? "   (default: " + attr_text(*def) + ")" : "   (required)") + "\n";
  }
  s += "\nsources:\n";
  for (const auto& op : main->body) {
    if (op->id != OpId::Runtime) continue;
    const ir::Extern* e = m.find_extern(op->attr_str("callee"));
    if (e && e->source) s += "  " + (op->result->name.empty() ? op->attr_str("callee") : op->result->name) + " = " +
                             op->attr_str("callee") + "(...) : " + op->result->type.str() + "\n";
  }
  s += "\noutputs (in --out DIR):\n";
  for (const auto& op : main->body)
    if (op->id == OpId::Output) s += "  " + op->attr_str("path") + " : " + op->operands[0]->type.str() + "\n";
  s += "\ncommon options:\n  --out DIR      where outputs are written (default: .)\n"
       "  --threads N    worker threads (default: all cores)\n  --seed N       random seed (default: 0)\n";
  return s;
}

bool parse_command_line(const ir::Module& m, const std::string& program, const std::vector<std::string>& args,
                        RunOptions& opts, std::string* message, int* exit_code) {
  std::set<std::string> params;
  std::vector<std::string> names;
  for (const auto& op : m.find_func("main")->body)
    if (op->id == OpId::Param) {
      params.insert(op->attr_str("name"));
      names.push_back(op->attr_str("name"));
    }
  for (const char* o : {"out", "threads", "seed", "help"}) names.push_back(o);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") {
      *message = describe(m, program);
      *exit_code = 0;
      return false;
    }
    if (a.rfind("--", 0) != 0) {
      *message = program + ": error: unexpected argument '" + a + "' (options are --name value; see --help)";
      *exit_code = 2;
      return false;
    }
    std::string name = a.substr(2), value;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      *message = program + ": error: option --" + name + " needs a value";
      *exit_code = 2;
      return false;
    }
    if (name == "out") {
      opts.out_dir = value;
    } else if (name == "threads" || name == "seed") {
      char* end = nullptr;
      long long v = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || v < 0) {
        *message = program + ": error: --" + name + " expects a non-negative integer, got '" + value + "'";
        *exit_code = 2;
        return false;
      }
      if (name == "threads") ThreadPool::set_num_threads(static_cast<std::size_t>(v));
      else opts.seed = static_cast<std::uint64_t>(v);
    } else if (params.count(name)) {
      opts.params[name] = value;
    } else {
      std::string guess = closest_match(name, names);
      *message = program + ": error: unknown option --" + name + (guess.empty() ? "" : "; did you mean --" + guess + "?");
      *exit_code = 2;
      return false;
    }
  }
  return true;
}

}  // namespace b2m::exec
