// Lowering fused kernels (outlined `@fused.N` functions) to loop nests.
//
// Each value of the kernel is computed per element by `scalar(value, binding)`,
// where the binding says which loop variable (or gathered index, or shifted
// variable) stands for each of the value's dimensions. Broadcast and rename
// only change the binding; take and shift change it and add a gather or a
// range check; elementwise ops become one scalar instruction each; kernel
// inputs become loads. Reductions accumulate into float64 scratch buffers
// (max/min/argmax into typed ones) and are finished in the epilogue nest.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "b2m/codegen/loops.h"

namespace b2m::loops {

namespace {

using Binding = std::map<std::string, Index>;

std::string binding_key(const Binding& b) {
  std::string k;
  for (const auto& [d, i] : b) k += d + "=" + i.var + (i.offset ? std::to_string(i.offset) : "") +
                                    (i.scalar >= 0 ? "#" + std::to_string(i.scalar) : "") + (i.trusted ? "!" : "") + ";";
  return k;
}

// The loop that runs chunks of `parallel` (an output dimension; none: an
// empty name) on the thread pool.
Node parallel_node(const Type& out, const std::string& parallel) {
  Node par;
  par.kind = Node::Kind::Parallel;
  par.var = parallel;
  if (!parallel.empty()) par.extent = out.find_dim(parallel)->size;
  return par;
}

// The parallel dimension of a reduction's output: its outermost one that is
// not the segment's group dimension `into` (groups are scattered into).
std::string parallel_dim(const Type& out, const std::string& into) {
  for (const auto& d : out.dims)
    if (d.name != into) return d.name;
  return "";
}

struct ReductionInfo {
  const ir::Op* op = nullptr;
  std::string over;   // the reduced dimension of the input
  std::string into;   // segment reductions: the group dimension of the output
};

class KernelLowering {
 public:
  KernelLowering(const ir::Func& f, DiagnosticEngine& diags) : f_(f), diags_(diags) {}

  bool run(Kernel& k) {
    k_ = &k;
    k.name = f_.name;
    // Buffers are named after the values they hold; unnamed or clashing ones
    // get positional names.
    std::set<std::string> used = {"out", "out1", "out2", "out3", "acc", "acc1", "acc2", "acc3", "count"};
    // A dimension created by a compress keeps its operand's dimension name
    // but not its size: it gets its own loop variable, `<dim>.kept`, which
    // also names it in the kernel's buffers (the launcher binds sizes by name).
    for (const auto& op : f_.body) {
      if (op->id != OpId::Compress) continue;
      const Dim* d = op->result->type.find_dim(op->attr_str("along"));
      if (!d || loop_var(*d) != d->name) continue;
      std::string var = d->name + ".kept";
      while (std::any_of(kept_.begin(), kept_.end(), [&](const Dim& e) { return e.name == var; })) var += "'";
      kept_.push_back(Dim{var, d->size});
      kept_of_.push_back(*d);
    }
    for (std::size_t i = 0; i < f_.args.size(); ++i) {
      std::string n = f_.args[i]->name;
      bool numeric = n.empty() || n.find_first_not_of("0123456789") == std::string::npos;
      if (numeric || used.count(n)) n = "in" + std::to_string(i);
      used.insert(n);
      buffer_of_[f_.args[i].get()] = n;
      input_index_[f_.args[i].get()] = i;
      k.inputs.push_back(Buffer{n, renamed(f_.args[i]->type)});
    }
    const ir::Op& ret = *f_.body.back();
    const ir::Value* root = ret.operands.at(0);
    if (root->def && root->def->id == OpId::Record) {
      // A multi-output kernel: one output buffer per field, "out", "out1"...
      std::vector<const ir::Value*> outs(root->def->operands.begin(), root->def->operands.end());
      if (outs.empty()) {
        fail(root->def, "a multi-output kernel needs outputs");
        return ok_;
      }
      k.output = Buffer{"out", renamed(outs[0]->type)};
      for (std::size_t i = 1; i < outs.size(); ++i)
        k.more_outputs.push_back(Buffer{"out" + std::to_string(i), renamed(outs[i]->type)});
      k.kind = "reduce";
      lower_siblings(outs);
      return ok_;
    }
    k.output = Buffer{"out", renamed(f_.result)};
    for (const auto& op : f_.body)
      if (op->info().fusion == FusionKind::Reduce) red_.op = op.get();
    if (!red_.op) {
      k.kind = "elementwise";
      const Type& t = f_.result;
      std::string parallel = t.rank() ? loop_var(t.dims[0]) : "";
      Node par;
      par.kind = Node::Kind::Parallel;
      par.var = parallel;
      if (!parallel.empty()) par.extent = t.dims[0].size;
      nest(parallel.empty() ? k.body : par.body, t.dims, parallel, [&](std::vector<Node>& body, const Binding& b) {
        int v = scalar(root, b, body);
        store(body, "out", t, b, v);
      });
      if (!parallel.empty()) k.body.push_back(std::move(par));
      return ok_;
    }
    k.kind = "reduce";
    lower_reduction(root);
    return ok_;
  }

 private:
  // The loop variable of a dimension: its name, or `<name>.kept` for a
  // dimension created by a compress in this kernel.
  std::string loop_var(const Dim& d) const {
    for (std::size_t i = 0; i < kept_of_.size(); ++i)
      if (kept_of_[i] == d) return kept_[i].name;
    return d.name;
  }

  Type renamed(Type t) const {
    for (auto& d : t.dims) d.name = loop_var(d);
    return t;
  }

  // Builds loops over `dims` (in order); the dimension `parallel` iterates
  // over the current chunk only. Calls `fill` with the innermost body.
  template <typename Fill>
  void nest_into(std::vector<Node>& out, const std::vector<Dim>& dims, std::size_t i, const std::string& parallel,
                 Binding& b, Fill&& fill) {
    if (i == dims.size()) {
      memo_.clear();
      fill(out, b);
      return;
    }
    Node loop;
    loop.kind = Node::Kind::Loop;
    loop.var = loop_var(dims[i]);
    loop.extent = dims[i].size;
    loop.chunk = loop.var == parallel;
    b[dims[i].name] = Index{loop.var, 0, -1};
    nest_into(loop.body, dims, i + 1, parallel, b, fill);
    out.push_back(std::move(loop));
  }

  template <typename Fill>
  void nest(std::vector<Node>& out, const std::vector<Dim>& dims, const std::string& parallel, Fill&& fill) {
    Binding b;
    nest_into(out, dims, 0, parallel, b, fill);
  }

  void emit(std::vector<Node>& body, Inst inst) {
    Node n;
    n.kind = Node::Kind::Inst;
    n.inst = std::move(inst);
    body.push_back(std::move(n));
  }

  int new_scalar() { return k_->num_scalars++; }

  // A value about loop dimension `dim` (its Extent, or the current Position).
  int dim_value(std::vector<Node>& body, Inst::Kind kind, DType dtype, const std::string& dim) {
    Inst n;
    n.kind = kind;
    n.result = new_scalar();
    n.dtype = dtype;
    n.buffer = dim;
    emit(body, n);
    return n.result;
  }

  int constant(std::vector<Node>& body, DType dt, ir::Attr value) {
    Inst c;
    c.kind = Inst::Kind::Const;
    c.result = new_scalar();
    c.dtype = dt;
    c.value = std::move(value);
    emit(body, c);
    return c.result;
  }

  int op(std::vector<Node>& body, OpId id, DType dt, std::vector<int> args) {
    Inst i;
    i.kind = Inst::Kind::Op;
    i.op = id;
    i.result = new_scalar();
    i.dtype = dt;
    i.args = std::move(args);
    emit(body, i);
    return i.result;
  }

  std::vector<Index> indices(const Type& t, const Binding& b, const ir::Op* at) {
    std::vector<Index> idx;
    for (const auto& d : t.dims) {
      auto it = b.find(d.name);
      if (it == b.end()) {
        fail(at, "dimension '" + d.name + "' is not iterated by the kernel's loops");
        idx.push_back(Index{d.name, 0, -1});
      } else {
        idx.push_back(it->second);
      }
    }
    return idx;
  }

  int load(std::vector<Node>& body, const std::string& buffer, const Type& t, const Binding& b, const ir::Op* at) {
    Inst l;
    l.kind = Inst::Kind::Load;
    l.result = new_scalar();
    l.dtype = t.dtype;
    l.buffer = buffer;
    l.index = indices(t, b, at);
    for (const auto& i : l.index) {
      l.guarded |= i.offset != 0;
      l.checked |= i.scalar >= 0 && !i.trusted;
    }
    emit(body, l);
    return l.result;
  }

  void store(std::vector<Node>& body, const std::string& buffer, const Type& t, const Binding& b, int value) {
    Inst s;
    s.kind = Inst::Kind::Store;
    s.dtype = t.dtype;
    s.buffer = buffer;
    s.index = indices(t, b, nullptr);
    s.args = {value};
    emit(body, s);
  }

  void fail(const ir::Op* at, const std::string& why) {
    if (!ok_) return;
    ok_ = false;
    diags_.error(at ? at->loc : f_.loc, "cannot lower kernel @" + f_.name + " to loops: " + why);
  }

  // The scalar value of `v` at the element the binding designates.
  int scalar(const ir::Value* v, const Binding& b, std::vector<Node>& body) {
    std::string key = std::to_string(reinterpret_cast<std::uintptr_t>(v)) + "|" + binding_key(b);
    auto it = memo_.find(key);
    if (it != memo_.end()) return it->second;
    int r = compute(v, b, body);
    memo_[key] = r;
    return r;
  }

  int compute(const ir::Value* v, const Binding& b, std::vector<Node>& body) {
    if (!v->def) return load(body, buffer_of_.at(v), v->type, b, nullptr);  // a kernel input
    const ir::Op& o = *v->def;
    if (&o == red_.op) return finished_reduction_;
    switch (o.id) {
      case OpId::Const: return constant(body, v->type.dtype, *o.attr("value"));
      case OpId::Broadcast: return scalar(o.operands[0], b, body);
      case OpId::Rename: {
        const ir::Attr* from = o.attr("from");
        const ir::Attr* to = o.attr("to");
        Binding inner = b;
        for (std::size_t i = 0; i < from->list.size(); ++i) {
          inner.erase(to->list[i].s);
          inner[from->list[i].s] = b.at(to->list[i].s);
        }
        return scalar(o.operands[0], inner, body);
      }
      case OpId::Shift: {
        std::string along = o.attr_str("along");
        std::int64_t by = o.attr("by")->i;
        Binding inner = b;
        inner[along].offset -= by;
        int val = scalar(o.operands[0], inner, body);
        // Outside the dimension the shifted value is zero (guarded loads
        // never read out of range; the select discards what they return).
        Inst in;
        in.kind = Inst::Kind::InRange;
        in.result = new_scalar();
        in.dtype = DType::Bool;
        in.index = {inner[along]};
        in.buffer = inner[along].var;  // the loop variable: its extent bounds the shift
        emit(body, in);
        int zero = constant(body, v->type.dtype, is_float(v->type.dtype) ? ir::Attr::of_float(0) : ir::Attr::of_int(0));
        return op(body, OpId::Select, v->type.dtype, {in.result, val, zero});
      }
      case OpId::Take: {
        std::string along = o.attr_str("along");
        const Type& idx_t = o.operands[1]->type;
        Binding idx_b;
        for (const auto& d : idx_t.dims) idx_b[d.name] = b.at(d.name);
        int i = scalar(o.operands[1], idx_b, body);
        Binding inner;
        for (const auto& d : o.operands[0]->type.dims)
          inner[d.name] = d.name == along ? Index{along, 0, i} : b.at(d.name);
        return scalar(o.operands[0], inner, body);
      }
      case OpId::Compress: {
        // A gather through the index list of the mask's true positions.
        std::string along = o.attr_str("along");
        const ir::Value* mask = o.operands[1];
        auto in = input_index_.find(mask);
        if (in == input_index_.end() || mask->type.rank() != 1) {
          fail(&o, "the mask of a fused compress must be a 1-D kernel input");
          return constant(body, v->type.dtype, ir::Attr::of_int(0));
        }
        const Dim& kept = *v->type.find_dim(along);
        std::string list = index_list(in->second, kept);
        Inst l;
        l.kind = Inst::Kind::Load;
        l.result = new_scalar();
        l.dtype = DType::I32;
        l.buffer = list;
        l.index = {b.at(along)};
        l.guarded = b.at(along).offset != 0;
        emit(body, l);
        Binding inner = b;
        // The list holds positions of the mask, whose dimension the launcher
        // binds to the operand's: in range, no check needed.
        inner[along] = Index{along, 0, l.result, true};
        return scalar(o.operands[0], inner, body);
      }
      case OpId::Cast:
        return op(body, OpId::Cast, v->type.dtype, {scalar(o.operands[0], b, body)});
      default: break;
    }
    if (o.info().fusion != FusionKind::Elementwise) {
      fail(&o, std::string("'") + o.name() + "' is not an elementwise op");
      return constant(body, v->type.dtype, ir::Attr::of_int(0));
    }
    std::vector<int> args;
    for (const auto* operand : o.operands) args.push_back(scalar(operand, b, body));
    return op(body, o.id, v->type.dtype, args);
  }

  // The index list of kernel input `mask` (its true positions), created once.
  std::string index_list(std::size_t mask, const Dim& kept) {
    for (const auto& l : k_->index_lists)
      if (l.mask_input == mask && l.buffer.type.dims[0].size == kept.size) return l.buffer.name;
    IndexList l;
    l.mask_input = mask;
    l.buffer.name = k_->inputs[mask].name + ".idx";
    if (!k_->index_lists.empty()) l.buffer.name += std::to_string(k_->index_lists.size());
    l.buffer.type = Type::tensor(DType::I32, {Dim{loop_var(kept), kept.size}});
    k_->index_lists.push_back(l);
    return l.buffer.name;
  }

  Buffer& accumulator(const std::string& name, DType dt, const Type& shape) {
    Type t = shape;
    t.dtype = dt;
    k_->accumulators.push_back(Buffer{name, t});
    return k_->accumulators.back();
  }

  // At the start of the body of the loop over `over` (in `body`):
  // count[ids[over], <parallel>.begin] += 1 (see lower_reduction).
  void insert_row_counts(std::vector<Node>& body, const ir::Value* ids, const std::string& parallel,
                         const Type& f64_t, const ir::Op& r) {
    std::vector<Node>* at = nullptr;
    std::function<void(std::vector<Node>&)> find = [&](std::vector<Node>& nodes) {
      for (auto& n : nodes)
        if (n.kind == Node::Kind::Loop && n.var == red_.over) at = &n.body;
        else if (n.kind != Node::Kind::Inst && !at) find(n.body);
    };
    find(body);
    if (!at) {
      fail(&r, "no loop over '" + red_.over + "' to count groups in");
      return;
    }
    std::vector<Node> counting;
    memo_.clear();
    Binding ib;
    ib[red_.over] = Index{red_.over, 0, -1};
    int g = scalar(ids, ib, counting);
    Binding cb;
    cb[red_.into] = Index{red_.into, 0, g};
    cb[parallel] = Index{parallel + ".begin", 0, -1};
    int c = load(counting, "count", f64_t, cb, &r);
    int one = constant(counting, DType::F64, ir::Attr::of_float(1));
    store(counting, "count", f64_t, cb, op(counting, OpId::Add, DType::F64, {c, one}));
    at->insert(at->begin(), std::make_move_iterator(counting.begin()), std::make_move_iterator(counting.end()));
    memo_.clear();
  }

  // Sibling reductions (a multi-output kernel): sums or means of values over
  // the same input domain, reduced the same way, each into its own output.
  // One pass over the input accumulates all of them; group counts are shared.
  void lower_siblings(const std::vector<const ir::Value*>& outs) {
    std::vector<const ir::Op*> reds;
    for (const auto* v : outs) {
      const ir::Op* r = v->def;
      bool sum_like = r && (r->id == OpId::ReduceSum || r->id == OpId::ReduceMean || r->id == OpId::SegmentSum ||
                            r->id == OpId::SegmentMean);
      if (!sum_like || r->id != outs[0]->def->id || r->attr_str("over") != outs[0]->def->attr_str("over") ||
          r->attr_str("into") != outs[0]->def->attr_str("into") ||
          r->operands[0]->type.dims != outs[0]->def->operands[0]->type.dims ||
          r->result->type.rank() != outs[0]->type.rank() || r->result->type.dtype != outs[0]->type.dtype ||
          (r->operands.size() > 1 && r->operands[1] != outs[0]->def->operands[1])) {
        fail(r ? r : nullptr, "the outputs of a multi-output kernel must be sums or means reduced the same way");
        return;
      }
      reds.push_back(r);
    }
    const ir::Op& r0 = *reds[0];
    red_.over = r0.attr_str("over");
    red_.into = r0.attr_str("into");
    const Type& in = r0.operands[0]->type;
    const Type& out = r0.result->type;
    const std::string parallel = parallel_dim(out, red_.into);
    const bool segment = r0.id == OpId::SegmentSum || r0.id == OpId::SegmentMean;
    const ir::Value* ids = segment ? r0.operands[1] : nullptr;
    const bool row_counts = r0.id == OpId::SegmentMean && !parallel.empty() && out.rank() == 2 &&
                            out.find_dim(red_.into) && ids->type.rank() == 1 && ids->type.dims[0].name == red_.over;
    Type f64_t = out;
    f64_t.dtype = DType::F64;
    std::vector<std::string> acc, out_name;
    for (std::size_t i = 0; i < reds.size(); ++i) {
      acc.push_back(i ? "acc" + std::to_string(i) : "acc");
      out_name.push_back(i ? "out" + std::to_string(i) : "out");
      accumulator(acc.back(), DType::F64, out);
    }
    if (r0.id == OpId::SegmentMean) accumulator("count", DType::F64, out);

    Node par = parallel_node(out, parallel);
    std::vector<Node>& body = parallel.empty() ? k_->body : par.body;
    nest(body, out.dims, parallel, [&](std::vector<Node>& b, const Binding& bind) {
      for (const auto& a : acc) store(b, a, f64_t, bind, constant(b, DType::F64, ir::Attr::of_float(0)));
      if (r0.id == OpId::SegmentMean) store(b, "count", f64_t, bind, constant(b, DType::F64, ir::Attr::of_float(0)));
    });
    nest(body, in.dims, parallel, [&](std::vector<Node>& b, const Binding& bind) {
      Binding obind = bind;
      obind.erase(red_.over);
      if (segment) {
        Binding ib;
        for (const auto& d : ids->type.dims) ib[d.name] = bind.at(d.name);
        obind[red_.into] = Index{red_.into, 0, scalar(ids, ib, b)};
      }
      for (std::size_t i = 0; i < reds.size(); ++i) {
        int x = scalar(reds[i]->operands[0], bind, b);
        int xa = in.dtype == DType::F64 ? x : op(b, OpId::Cast, DType::F64, {x});
        int cur = load(b, acc[i], f64_t, obind, reds[i]);
        store(b, acc[i], f64_t, obind, op(b, OpId::Add, DType::F64, {cur, xa}));
      }
      if (r0.id == OpId::SegmentMean && !row_counts) {
        int c = load(b, "count", f64_t, obind, &r0);
        int one = constant(b, DType::F64, ir::Attr::of_float(1));
        store(b, "count", f64_t, obind, op(b, OpId::Add, DType::F64, {c, one}));
      }
    });
    if (row_counts) insert_row_counts(body, ids, parallel, f64_t, r0);
    nest(body, out.dims, parallel, [&](std::vector<Node>& b, const Binding& bind) {
      int divisor = -1;
      if (r0.id == OpId::ReduceMean) {
        divisor = dim_value(b, Inst::Kind::Extent, DType::F64, red_.over);
      } else if (r0.id == OpId::SegmentMean) {
        Binding cb = bind;
        if (row_counts) cb[parallel] = Index{parallel + ".begin", 0, -1};
        divisor = load(b, "count", f64_t, cb, &r0);
      }
      for (std::size_t i = 0; i < reds.size(); ++i) {
        int v = load(b, acc[i], f64_t, bind, reds[i]);
        if (divisor >= 0) v = op(b, OpId::Div, DType::F64, {v, divisor});
        if (out.dtype != DType::F64) v = op(b, OpId::Cast, out.dtype, {v});
        store(b, out_name[i], reds[i]->result->type, bind, v);
      }
    });
    if (!parallel.empty()) k_->body.push_back(std::move(par));
  }

  void lower_reduction(const ir::Value* root) {
    const ir::Op& r = *red_.op;
    red_.over = r.attr_str("over");
    red_.into = r.attr_str("into");
    const Type& in = r.operands[0]->type;
    const Type& out = r.result->type;
    if (root != r.result.get() && !out.same_layout(f_.result)) {
      fail(&r, "the epilogue must iterate over the reduction's result");
      return;
    }
    const std::string parallel = parallel_dim(out, red_.into);
    const bool segment = r.id == OpId::SegmentSum || r.id == OpId::SegmentMean;
    const bool arg = r.id == OpId::ArgMax || r.id == OpId::ArgMin;
    const bool extremum = r.id == OpId::ReduceMax || r.id == OpId::ReduceMin;
    Type acc_shape = out;
    // float64 accumulators for sums; the value type itself for max/min.
    DType acc_dt = extremum ? in.dtype : DType::F64;
    accumulator("acc", acc_dt, acc_shape);
    if (r.id == OpId::ReduceVar) accumulator("acc2", DType::F64, acc_shape);
    if (r.id == OpId::SegmentMean) accumulator("count", DType::F64, acc_shape);
    // A group's count depends on the ids only: when the result is [into,
    // parallel] and the ids run along `over` alone, each chunk counts its rows
    // once per row (not per element) into column `<parallel>.begin` of the
    // count buffer, the first column of its own chunk (so chunks never share
    // an entry), and the finish divides by that column.
    const ir::Value* ids = segment ? r.operands[1] : nullptr;
    const bool row_counts = r.id == OpId::SegmentMean && !parallel.empty() && out.rank() == 2 &&
                            out.find_dim(red_.into) && ids->type.rank() == 1 && ids->type.dims[0].name == red_.over;
    const Index chunk_begin{parallel + ".begin", 0, -1};
    Type acc_t = acc_shape;
    acc_t.dtype = acc_dt;
    Type f64_t = acc_shape;
    f64_t.dtype = DType::F64;

    Node par = parallel_node(out, parallel);
    std::vector<Node>& body = parallel.empty() ? k_->body : par.body;

    // 1. initialize the accumulators.
    nest(body, out.dims, parallel, [&](std::vector<Node>& b, const Binding& bind) {
      double init = 0;
      if (r.id == OpId::ReduceMax || r.id == OpId::ArgMax) init = -std::numeric_limits<double>::infinity();
      if (r.id == OpId::ReduceMin || r.id == OpId::ArgMin) init = std::numeric_limits<double>::infinity();
      ir::Attr a = is_int(acc_dt) ? ir::Attr::of_int(0) : ir::Attr::of_float(init);
      store(b, "acc", acc_t, bind, constant(b, acc_dt, a));
      if (r.id == OpId::ReduceVar) store(b, "acc2", f64_t, bind, constant(b, DType::F64, ir::Attr::of_float(0)));
      if (r.id == OpId::SegmentMean) store(b, "count", f64_t, bind, constant(b, DType::F64, ir::Attr::of_float(0)));
      if (arg) store(b, "out", f_.result, bind, constant(b, DType::I64, ir::Attr::of_int(0)));
    });
    // 2. accumulate, walking the input in its own dimension order.
    nest(body, in.dims, parallel, [&](std::vector<Node>& b, const Binding& bind) {
      int x = scalar(r.operands[0], bind, b);
      Binding obind = bind;
      obind.erase(red_.over);
      if (segment) {
        const Type& ids_t = r.operands[1]->type;
        Binding ib;
        for (const auto& d : ids_t.dims) ib[d.name] = bind.at(d.name);
        int g = scalar(r.operands[1], ib, b);
        obind[red_.into] = Index{red_.into, 0, g};
      }
      int xa = acc_dt == in.dtype ? x : op(b, OpId::Cast, acc_dt, {x});
      int cur = load(b, "acc", acc_t, obind, &r);
      switch (r.id) {
        case OpId::ReduceMax: store(b, "acc", acc_t, obind, op(b, OpId::Max, acc_dt, {cur, xa})); break;
        case OpId::ReduceMin: store(b, "acc", acc_t, obind, op(b, OpId::Min, acc_dt, {cur, xa})); break;
        case OpId::ArgMax:
        case OpId::ArgMin: {
          // Strictly better only: ties keep the first index, as numpy does.
          int better = op(b, r.id == OpId::ArgMax ? OpId::Gt : OpId::Lt, DType::Bool, {xa, cur});
          store(b, "acc", acc_t, obind, op(b, OpId::Select, acc_dt, {better, xa, cur}));
          int pos = dim_value(b, Inst::Kind::Position, DType::I64, red_.over);
          int old = load(b, "out", f_.result, obind, &r);
          store(b, "out", f_.result, obind, op(b, OpId::Select, DType::I64, {better, pos, old}));
          break;
        }
        default: {
          store(b, "acc", acc_t, obind, op(b, OpId::Add, acc_dt, {cur, xa}));
          if (r.id == OpId::ReduceVar) {
            int sq = op(b, OpId::Mul, DType::F64, {xa, xa});
            int c2 = load(b, "acc2", f64_t, obind, &r);
            store(b, "acc2", f64_t, obind, op(b, OpId::Add, DType::F64, {c2, sq}));
          }
          if (r.id == OpId::SegmentMean && !row_counts) {
            int c = load(b, "count", f64_t, obind, &r);
            int one = constant(b, DType::F64, ir::Attr::of_float(1));
            store(b, "count", f64_t, obind, op(b, OpId::Add, DType::F64, {c, one}));
          }
        }
      }
    });
    if (row_counts) insert_row_counts(body, ids, parallel, f64_t, r);
    // 3. finish (mean, variance) and apply the epilogue.
    if (!arg) {
      nest(body, out.dims, parallel, [&](std::vector<Node>& b, const Binding& bind) {
        int acc = load(b, "acc", acc_t, bind, &r);
        int value = acc;
        if (r.id == OpId::ReduceMean || r.id == OpId::ReduceVar) {
          int extent = dim_value(b, Inst::Kind::Extent, DType::F64, red_.over);
          int mean = op(b, OpId::Div, DType::F64, {acc, extent});
          value = mean;
          if (r.id == OpId::ReduceVar) {
            int sq = load(b, "acc2", f64_t, bind, &r);
            int m2 = op(b, OpId::Div, DType::F64, {sq, extent});
            int mm = op(b, OpId::Mul, DType::F64, {mean, mean});
            value = op(b, OpId::Sub, DType::F64, {m2, mm});
          }
        } else if (r.id == OpId::SegmentMean) {
          Binding cb = bind;
          if (row_counts) cb[parallel] = chunk_begin;
          int c = load(b, "count", f64_t, cb, &r);
          value = op(b, OpId::Div, DType::F64, {acc, c});
        }
        if (acc_dt != out.dtype) value = op(b, OpId::Cast, out.dtype, {value});
        finished_reduction_ = value;
        memo_.clear();
        int v = scalar(root, bind, b);
        store(b, "out", f_.result, bind, v);
      });
    }
    if (!parallel.empty()) k_->body.push_back(std::move(par));
  }

  const ir::Func& f_;
  DiagnosticEngine& diags_;
  Kernel* k_ = nullptr;
  ReductionInfo red_;
  int finished_reduction_ = -1;
  std::map<std::string, int> memo_;
  std::map<const ir::Value*, std::string> buffer_of_;
  std::map<const ir::Value*, std::size_t> input_index_;
  std::vector<Dim> kept_;     // loop variables of compressed dimensions...
  std::vector<Dim> kept_of_;  // ...and the dimensions they stand for
  bool ok_ = true;
};

// ---- loop-invariant code motion -------------------------------------------------
// Instructions of a loop's body that do not depend on its variable move before
// the loop: loads of kernel inputs (never written by the kernel) whose indices
// do not involve the variable, and pure scalar ops of such values. Besides
// saving work, this matters for vectorization: a gather's row index
// (`run[time]`) left in the inner loop is a load LLVM cannot prove the output
// stores leave alone, which keeps the whole loop scalar.
class Hoister {
 public:
  explicit Hoister(const Kernel& k) {
    for (const auto& in : k.inputs) inputs_.insert(in.name);
    for (const auto& l : k.index_lists) inputs_.insert(l.buffer.name);
  }

  void run(std::vector<Node>& body) {
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (body[i].kind == Node::Kind::Inst) continue;
      run(body[i].body);  // innermost loops first, so values bubble outward
      if (body[i].kind != Node::Kind::Loop) continue;
      std::vector<Node> hoisted;
      hoist_from(body[i], hoisted);
      if (hoisted.empty()) continue;
      body.insert(body.begin() + static_cast<std::ptrdiff_t>(i), std::make_move_iterator(hoisted.begin()),
                  std::make_move_iterator(hoisted.end()));
      i += hoisted.size();
    }
  }

 private:
  void hoist_from(Node& loop, std::vector<Node>& out) {
    std::set<int> variant;  // scalars that depend on the loop variable (or are computed in nested loops)
    std::vector<Node> kept;
    for (auto& n : loop.body) {
      if (n.kind != Node::Kind::Inst) {
        mark_defined(n, variant);
        kept.push_back(std::move(n));
        continue;
      }
      if (invariant(n.inst, loop.var, variant)) {
        out.push_back(std::move(n));
      } else {
        if (n.inst.result >= 0) variant.insert(n.inst.result);
        kept.push_back(std::move(n));
      }
    }
    loop.body = std::move(kept);
  }

  static void mark_defined(const Node& n, std::set<int>& variant) {
    if (n.kind == Node::Kind::Inst) {
      if (n.inst.result >= 0) variant.insert(n.inst.result);
      return;
    }
    for (const auto& c : n.body) mark_defined(c, variant);
  }

  bool invariant(const Inst& i, const std::string& var, const std::set<int>& variant) const {
    for (int a : i.args)
      if (variant.count(a)) return false;
    for (const auto& ix : i.index)
      if (ix.var == var || (ix.scalar >= 0 && variant.count(ix.scalar))) return false;
    switch (i.kind) {
      case Inst::Kind::Store: return false;
      // Guarded indices are clamped into range: such loads are safe anywhere.
      case Inst::Kind::Load: return inputs_.count(i.buffer) > 0;
      case Inst::Kind::Position: return i.buffer != var;
      case Inst::Kind::InRange: return i.index.empty() || i.index[0].var != var;
      default: return true;  // Const, Extent, Op: pure
    }
  }

  std::set<std::string> inputs_;
};

// ---- printing ----------------------------------------------------------------

std::string index_str(const std::vector<Index>& idx) {
  std::string s = "[";
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (i) s += ", ";
    if (idx[i].scalar >= 0) {
      s += "%" + std::to_string(idx[i].scalar);
    } else {
      s += idx[i].var;
      if (idx[i].offset > 0) s += " + " + std::to_string(idx[i].offset);
      if (idx[i].offset < 0) s += " - " + std::to_string(-idx[i].offset);
    }
  }
  return s + "]";
}

void print_nodes(std::string& out, const std::vector<Node>& nodes, int depth) {
  std::string pad(depth * 2, ' ');
  for (const auto& n : nodes) {
    switch (n.kind) {
      case Node::Kind::Parallel:
        out += pad + "parallel " + n.var + " in " + n.extent.str() + " {\n";
        print_nodes(out, n.body, depth + 1);
        out += pad + "}\n";
        break;
      case Node::Kind::Loop:
        out += pad + "loop " + n.var + " in " + (n.chunk ? std::string("chunk") : n.extent.str()) +
               (n.lanes.empty() ? "" : " lanes of %" + n.lanes) + " {\n";
        print_nodes(out, n.body, depth + 1);
        out += pad + "}\n";
        break;
      case Node::Kind::Inst: {
        const Inst& i = n.inst;
        std::string ty = std::string(" : ") + dtype_name(i.dtype);
        switch (i.kind) {
          case Inst::Kind::Load:
            out += pad + "%" + std::to_string(i.result) + " = load" + (i.guarded ? "_guarded" : "") +
                   (i.checked ? "_checked" : "") + " %" + i.buffer + index_str(i.index) + ty + "\n";
            break;
          case Inst::Kind::Store:
            out += pad + "store %" + i.buffer + index_str(i.index) + " = %" + std::to_string(i.args[0]) + "\n";
            break;
          case Inst::Kind::Const:
            out += pad + "%" + std::to_string(i.result) + " = const " + i.value.str() + ty + "\n";
            break;
          case Inst::Kind::Op: {
            std::string args;
            for (std::size_t a = 0; a < i.args.size(); ++a) args += (a ? ", %" : " %") + std::to_string(i.args[a]);
            out += pad + "%" + std::to_string(i.result) + " = " + op_info(i.op).name + args + ty + "\n";
            break;
          }
          case Inst::Kind::InRange:
            out += pad + "%" + std::to_string(i.result) + " = in_range " + index_str(i.index) + " of " + i.buffer + ty + "\n";
            break;
          case Inst::Kind::Position:
            out += pad + "%" + std::to_string(i.result) + " = position " + i.buffer + ty + "\n";
            break;
          case Inst::Kind::Extent:
            out += pad + "%" + std::to_string(i.result) + " = extent " + i.buffer + ty + "\n";
            break;
        }
      }
    }
  }
}

// Every loop dimension (not the parallel chunk), once, in order.
void collect_box(const std::vector<Node>& body, std::vector<std::pair<std::string, Size>>& box) {
  for (const auto& n : body) {
    if (n.kind == Node::Kind::Loop && !n.chunk &&
        std::none_of(box.begin(), box.end(), [&](const auto& b) { return b.first == n.var; }))
      box.emplace_back(n.var, n.extent);
    if (n.kind != Node::Kind::Inst) collect_box(n.body, box);
  }
}

}  // namespace

std::vector<Kernel> lower_kernels(const ir::Module& m, DiagnosticEngine& diags) {
  std::vector<Kernel> out;
  std::set<std::string> kernels;
  std::set<std::string> blocked;  // called from a tiled chain's function
  for (const auto& f : m.funcs)
    for (const auto& op : f->body)
      if (op->id == OpId::Fused && op->attr_str("kind") == "tiled")
        if (const ir::Func* chain = m.find_func(op->attr_str("callee")))
          for (const auto& cop : chain->body)
            if (cop->id == OpId::Fused) blocked.insert(cop->attr_str("callee"));
  for (const auto& f : m.funcs)
    for (const auto& op : f->body)
      if (op->id == OpId::Fused && op->attr_str("kind") != "tiled") kernels.insert(op->attr_str("callee"));
  for (const auto& f : m.funcs) {
    if (!kernels.count(f->name)) continue;
    Kernel k;
    KernelLowering l(*f, diags);
    if (!l.run(k)) continue;
    Hoister(k).run(k.body);
    mark_compressed_lanes(k);
    collect_box(k.body, k.box);
    k.blocked = blocked.count(f->name) > 0;
    out.push_back(std::move(k));
  }
  return out;
}

std::string print_kernel(const Kernel& k) {
  std::string out = "kernel @" + k.name + "(";
  for (std::size_t i = 0; i < k.inputs.size(); ++i)
    out += (i ? ", %" : "%") + k.inputs[i].name + ": " + k.inputs[i].type.str();
  out += ") -> %out: " + k.output.type.str();
  for (const auto& o : k.more_outputs) out += ", %" + o.name + ": " + o.type.str();
  out += " {\n";
  if (k.blocked) out += "  schedule tiled\n";  // run block by block by a tiled chain
  for (const auto& a : k.accumulators) out += "  scratch %" + a.name + ": " + a.type.str() + "\n";
  for (const auto& l : k.index_lists)
    out += "  index %" + l.buffer.name + ": " + l.buffer.type.str() + " = nonzero %" + k.inputs[l.mask_input].name + "\n";
  print_nodes(out, k.body, 1);
  return out + "}\n";
}

}  // namespace b2m::loops
