// tile-segments: a one-pass schedule for statistics per segment of rows that
// are read back by the same rows (a z-score per run, a run-wise baseline).
//
// After fusion such a pipeline is two passes over the data: a reduction
// kernel R computes per-group statistics of x over rows grouped by ids
// (segment_mean(x, run) over time into runs), small kernels turn them into
// what the consumer needs, and a consumer kernel C reads x again with the
// statistics of its row's group (take(stats, run)). When the rows of each
// group are contiguous, C's rows of one group need only that group's
// statistics, and those only from that group's rows: the work splits into
// independent items, one per (group, tile of the inner dimension), each
// reading its block of x once from memory and a second time from cache.
//
// This pass finds such chains and outlines them as a `fused` op of kind
// "tiled" whose function holds the chain unchanged (the kernels, compresses
// and fields); the executor runs them item by item, each kernel on its block
// (Kernel::box), and falls back to running the function's ops in order when
// the ids of a run are not contiguous. Results are identical either way: each
// element is computed by the same kernel code from the same rows in the same
// order.
//
// The chain qualifies when, with T the reduced dimension, G the groups, D the
// inner dimension (kept entries D' after a compress by one mask M):
//   - R is a `reduce` kernel whose reductions are all segment_sum/mean over T
//     into G by the same ids, with [G, D] results;
//   - the ops that read R's results (directly or through each other) are
//     fields, compresses along D by M, and elementwise kernels on [G, D|D']
//     made of elementwise ops and compresses along D by M; then one
//     elementwise kernel C with a [T, D|D'] result;
//   - C reads those values only through take(v, ids, along=G), each reaching
//     C's result through shifts along T that add up to one delay k (C's row t
//     reads the group of row t - k), and never shifts or takes along D;
//   - nothing else reads them (C's result is the chain's only output).
// --remarks=fusion says why a reduction kernel was not tiled.
#include <functional>
#include <map>
#include <set>

#include "b2m/passes/pass.h"

namespace b2m::passes {

namespace {

bool is_kernel(const ir::Op& op, const char* kind) { return op.id == OpId::Fused && op.attr_str("kind") == kind; }

// What the chain's tensors must look like.
struct Frame {
  std::string rows, groups, inner;  // T, G, D
  const ir::Value* ids = nullptr;   // in the calling function
  const ir::Value* mask = nullptr;  // M, once a compress is seen
};

class TileSegmentsPass : public Pass {
 public:
  const char* name() const override { return "tile-segments"; }
  const char* description() const override {
    return "one-pass schedule for per-segment statistics read back by the same rows";
  }

  bool run(ir::Module& m, DiagnosticEngine& diags) override {
    diags_ = &diags;
    bool changed = false;
    std::vector<ir::Func*> funcs;
    for (auto& f : m.funcs)
      if (f->name.rfind("fused.", 0) != 0 && f->name.rfind("tiled.", 0) != 0) funcs.push_back(f.get());
    for (ir::Func* f : funcs)
      for (std::size_t i = 0; i < f->body.size(); ++i)
        if (is_kernel(*f->body[i], "reduce") && try_tile(*f, i, m)) changed = true;
    return changed;
  }

 private:
  void remark(const ir::Op& op, const std::string& why) {
    if (!remarks_enabled("fusion")) return;
    diags_->report(Severity::Remark, op.loc, "not tiled: " + op.attr_str("callee") + ": " + why);
  }

  static constexpr const char* kNoSegments = "it has no segment reduction";

  // R's reductions: all segment reductions over one T into one G by one ids
  // argument, results [G, D]. Fills the frame or says why not.
  std::string check_reduction(const ir::Op& r, const ir::Module& m, Frame& fr) {
    const ir::Func* f = m.find_func(r.attr_str("callee"));
    if (!f) return "its function is missing";
    bool other = false;
    for (const auto& op : f->body) {
      if (op->info().fusion != FusionKind::Reduce) continue;
      if (op->id != OpId::SegmentSum && op->id != OpId::SegmentMean) {
        other = true;
        continue;
      }
      const ir::Value* ids = op->operands[1]->arg_of == f ? op->operands[1] : nullptr;
      if (!ids) return "its segment ids are computed inside the kernel";
      const ir::Value* outer = nullptr;
      for (std::size_t a = 0; a < f->args.size(); ++a)
        if (f->args[a].get() == ids) outer = r.operands[a];
      const Type& in = op->operands[0]->type;
      const Type& out = op->result->type;
      if (in.rank() != 2 || out.rank() != 2 || in.dims[0].name != op->attr_str("over"))
        return "its reductions are not over the first of two dimensions";
      if (fr.ids && (fr.ids != outer || fr.rows != in.dims[0].name || fr.groups != out.dims[0].name))
        return "its reductions differ in their ids or dimensions";
      fr.ids = outer;
      fr.rows = in.dims[0].name;
      fr.groups = out.dims[0].name;
      fr.inner = in.dims[1].name;
    }
    if (!fr.ids) return kNoSegments;
    if (other) return "it also reduces other than by segments";
    return {};
  }

  // Whether `v` (a tensor of the chain) is [G, D] or [G, D'].
  static bool group_shaped(const Type& t, const Frame& fr) {
    return t.is_tensor() && t.rank() == 2 && t.dims[0].name == fr.groups && t.dims[1].name == fr.inner;
  }

  // A compress along D by M (the mask of the calling function's op).
  static bool compress_by_mask(const ir::Op& op, const ir::Value* mask, Frame& fr) {
    if (op.id != OpId::Compress || op.attr_str("along") != fr.inner) return false;
    if (fr.mask && fr.mask != mask) return false;
    fr.mask = mask;
    return true;
  }

  // The value of the calling function bound to argument `v` of kernel `k`.
  static const ir::Value* outer_of(const ir::Value* v, const ir::Op& call, const ir::Func& k) {
    for (std::size_t a = 0; a < k.args.size(); ++a)
      if (k.args[a].get() == v) return call.operands[a];
    return nullptr;
  }

  // An elementwise kernel on the statistics: elementwise ops and compresses by M.
  std::string check_middle(const ir::Op& call, const ir::Module& m, Frame& fr) {
    const ir::Func* f = m.find_func(call.attr_str("callee"));
    if (!f) return "a function is missing";
    for (const auto& op : f->body) {
      if (op->id == OpId::Return || op->id == OpId::Const) continue;
      if (op->id == OpId::Compress) {
        if (!compress_by_mask(*op, outer_of(op->operands[1], call, *f), fr))
          return "@" + f->name + " compresses along another dimension or by another mask";
        continue;
      }
      // A scalar broadcast to the statistics' shape (1 / sd) reads no neighbours.
      if (op->id == OpId::Broadcast && op->operands[0]->type.is_scalar()) continue;
      if (op->info().fusion != FusionKind::Elementwise)
        return "@" + f->name + " reads the statistics other than element by element (" + op->name() + ")";
    }
    return {};
  }

  // The consumer: reads chain values only through take(v, ids, along=G), each
  // reaching the result through shifts along T adding up to one delay.
  std::string check_consumer(const ir::Op& call, const ir::Module& m, const std::set<const ir::Value*>& chain,
                             Frame& fr, std::int64_t& delay) {
    const ir::Func* f = m.find_func(call.attr_str("callee"));
    if (!f) return "a function is missing";
    std::map<const ir::Value*, std::vector<const ir::Op*>> users;
    for (const auto& op : f->body)
      for (const auto* v : op->operands) users[v].push_back(op.get());
    std::set<std::int64_t> delays;
    std::set<std::pair<const ir::Value*, std::int64_t>> seen;
    std::string why;
    // Shifts along T from `v` to the result, summed over every path.
    std::function<void(const ir::Value*, std::int64_t)> walk = [&](const ir::Value* v, std::int64_t k) {
      if (!seen.insert({v, k}).second) return;
      for (const ir::Op* u : users[v]) {
        if (u->id == OpId::Return) {
          delays.insert(k);
          continue;
        }
        if (!u->result) continue;
        std::string along = u->attr_str("along");
        if ((u->id == OpId::Shift || u->id == OpId::Take) && along == fr.inner)
          why = "@" + f->name + " reads neighbouring entries along '" + fr.inner + "'";
        else if (u->id == OpId::Take && along == fr.rows)
          why = "@" + f->name + " gathers rows";
        else if (u->info().fusion == FusionKind::Reduce)
          why = "@" + f->name + " reduces";
        const ir::Attr* by = u->attr("by");
        walk(u->result.get(), k + (u->id == OpId::Shift && along == fr.rows && by ? by->i : 0));
      }
    };
    for (std::size_t a = 0; a < f->args.size(); ++a) {
      if (!chain.count(call.operands[a])) continue;
      for (const ir::Op* u : users[f->args[a].get()]) {
        bool take = u->id == OpId::Take && u->operands[0] == f->args[a].get() && u->attr_str("along") == fr.groups &&
                    outer_of(u->operands[1], call, *f) == fr.ids;
        if (!take) return "@" + f->name + " reads the statistics other than through take(.., ids, along=" + fr.groups + ")";
        walk(u->result.get(), 0);
      }
    }
    for (const auto& op : f->body)
      if (op->id == OpId::Compress && !compress_by_mask(*op, outer_of(op->operands[1], call, *f), fr))
        return "@" + f->name + " compresses along another dimension or by another mask";
    if (!why.empty()) return why;
    if (delays.size() != 1) return "@" + f->name + " reads the statistics of rows at several delays";
    delay = *delays.begin();
    return {};
  }

  bool try_tile(ir::Func& f, std::size_t at, ir::Module& m) {
    ir::Op& r = *f.body[at];
    Frame fr;
    if (std::string why = check_reduction(r, m, fr); !why.empty()) {
      if (why != kNoSegments) remark(r, why);  // only kernels with segment reductions are candidates
      return false;
    }
    const Type& rt = r.result->type;
    bool shaped = rt.is_record() ? std::all_of(rt.fields.begin(), rt.fields.end(),
                                               [&](const Field& fl) { return group_shaped(fl.type, fr); })
                                 : group_shaped(rt, fr);
    if (!shaped) {
      remark(r, "its results are not [" + fr.groups + ", " + fr.inner + "]");
      return false;
    }
    std::set<const ir::Value*> chain = {r.result.get()};
    std::vector<ir::Op*> ops = {&r};
    ir::Op* consumer = nullptr;
    std::int64_t delay = 0;
    for (std::size_t i = at + 1; i < f.body.size() && !consumer; ++i) {
      ir::Op& op = *f.body[i];
      bool reads = std::any_of(op.operands.begin(), op.operands.end(), [&](const ir::Value* v) { return chain.count(v); });
      if (!reads) continue;
      std::string why;
      if (op.id == OpId::Field) {
        // a part of R's record: [G, D] (checked above)
      } else if (op.id == OpId::Compress) {
        if (!chain.count(op.operands[0]) || chain.count(op.operands[1]) || !compress_by_mask(op, op.operands[1], fr))
          why = "a compress of the statistics along another dimension or by another mask";
      } else if (is_kernel(op, "elementwise") && group_shaped(op.result->type, fr)) {
        why = check_middle(op, m, fr);
      } else if (is_kernel(op, "elementwise") && op.result->type.rank() == 2 &&
                 op.result->type.dims[0].name == fr.rows && op.result->type.dims[1].name == fr.inner) {
        why = check_consumer(op, m, chain, fr, delay);
        consumer = &op;
      } else {
        why = std::string("its statistics are read by ") + op.name() + " outside the pattern";
      }
      if (!why.empty()) {
        remark(r, why);
        return false;
      }
      ops.push_back(&op);
      if (!consumer) chain.insert(op.result.get());
    }
    if (!consumer) {
      remark(r, "no kernel reads its statistics back by row");
      return false;
    }
    // Nothing outside the chain may read its values.
    std::set<const ir::Op*> members(ops.begin(), ops.end());
    for (const auto& op : f.body) {
      if (members.count(op.get())) continue;
      for (const auto* v : op->operands)
        if (chain.count(v)) {
          remark(r, std::string("its statistics are also read by ") + op->name() + ": they are materialized");
          return false;
        }
    }
    outline(f, m, ops, *consumer, fr, delay);
    return true;
  }

  void outline(ir::Func& f, ir::Module& m, const std::vector<ir::Op*>& ops, ir::Op& consumer, const Frame& fr,
               std::int64_t delay) {
    std::set<const ir::Op*> members(ops.begin(), ops.end());
    auto fn = std::make_unique<ir::Func>();
    fn->name = "tiled." + std::to_string(next_++);
    fn->loc = ops.front()->loc;
    fn->result = consumer.result->type;
    std::map<const ir::Value*, ir::Value*> map;
    std::vector<ir::Value*> inputs;
    auto input = [&](ir::Value* v) -> ir::Value* {
      if (auto it = map.find(v); it != map.end()) return it->second;
      auto arg = std::make_unique<ir::Value>();
      arg->name = v->name;
      arg->type = v->type;
      arg->arg_of = fn.get();
      ir::Value* a = arg.get();
      fn->args.push_back(std::move(arg));
      inputs.push_back(v);
      return map[v] = a;
    };
    for (ir::Op* op : ops) {
      std::vector<ir::Value*> operands;
      for (auto* v : op->operands) operands.push_back(input(v));
      auto copy = ir::make_op(op->id, operands, op->result->type, op->loc);
      copy->attrs = op->attrs;
      copy->parent = fn.get();
      copy->result->name = op->result->name;
      map[op->result.get()] = copy->result.get();
      fn->body.push_back(std::move(copy));
    }
    auto ret = ir::make_op(OpId::Return, {map.at(consumer.result.get())}, Type::invalid(), consumer.loc);
    ret->parent = fn.get();
    fn->body.push_back(std::move(ret));

    auto index_of_input = [&](const ir::Value* v) -> std::int64_t {
      for (std::size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i] == v) return static_cast<std::int64_t>(i);
      return -1;
    };
    auto call = ir::make_op(OpId::Fused, inputs, consumer.result->type, consumer.loc);
    call->set_attr("callee", ir::Attr::of_str(fn->name));
    call->set_attr("kind", ir::Attr::of_str("tiled"));
    call->set_attr("rows", ir::Attr::of_str(fr.rows));
    call->set_attr("groups", ir::Attr::of_str(fr.groups));
    call->set_attr("inner", ir::Attr::of_str(fr.inner));
    call->set_attr("ids", ir::Attr::of_int(index_of_input(fr.ids)));
    call->set_attr("mask", ir::Attr::of_int(fr.mask ? index_of_input(fr.mask) : -1));
    call->set_attr("delay", ir::Attr::of_int(delay));
    call->parent = &f;
    call->result->name = consumer.result->name;
    ir::Value* out = call->result.get();
    ir::Value* old = consumer.result.get();
    std::size_t pos = 0;
    while (f.body[pos].get() != &consumer) ++pos;
    f.body.insert(f.body.begin() + static_cast<std::ptrdiff_t>(pos) + 1, std::move(call));
    ir::replace_uses(f, old, out, pos + 2);
    std::erase_if(f.body, [&](const std::unique_ptr<ir::Op>& op) { return members.count(op.get()) > 0; });
    m.funcs.push_back(std::move(fn));
  }

  DiagnosticEngine* diags_ = nullptr;
  int next_ = 0;
};

}  // namespace

std::unique_ptr<Pass> make_tile_segments_pass() { return std::make_unique<TileSegmentsPass>(); }

}  // namespace b2m::passes
