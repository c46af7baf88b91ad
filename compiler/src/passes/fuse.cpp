// fuse: groups ops into kernels that run as one loop nest, and outlines each
// group as a function called by a `fused` op.
//
// The rule (producer-consumer fusion, as in tinygrad and XLA's instruction
// fusion, simpler than TVM's post-dominator analysis but enough for graphs
// without control flow): walking the function backwards, a fusible producer
// joins the group of its consumers when
//   - every one of its users is in that one group (otherwise its result is
//     needed elsewhere and must be materialized once);
//   - it is a reduction only if the group has no reduction yet and the group
//     iterates over the reduction's result shape (an epilogue such as
//     sqrt(var(x))). A consumer that broadcasts the reduced value back along
//     the reduced dimension needs it complete first: the reduction is
//     materialized;
//   - the group stays under kMaxGroupOps ops, so compile time is bounded.
// Elementwise, broadcast and index-remapping (take, shift, compress) producers
// can always be indexed from the consumer's loop. `compress` is a gather
// through the list of the mask's true positions, which the launcher builds
// before the kernel runs: its mask must be a kernel input (a computed mask is
// materialized), and it is not fused with reductions. Constants are copied
// into every kernel that uses them. Opaque ops (matmul, runtime calls, I/O)
// are never fused.
//
// --remarks=fusion reports each producer/consumer pair left unfused and why.
#include <algorithm>
#include <map>
#include <set>

#include "b2m/ir/printer.h"
#include "b2m/passes/pass.h"

namespace b2m::passes {

namespace {

constexpr std::size_t kMaxGroupOps = 64;
constexpr std::size_t kMaxClones = 4;  // kernels a cheap producer may be recomputed in

bool is_constant(const ir::Op& op) {
  return op.id == OpId::Const || op.id == OpId::Linspace || op.id == OpId::Logspace;
}

bool is_fusible(const ir::Op& op) {
  if (is_constant(op)) return false;  // copied into kernels instead
  if (op.id == OpId::Concat) return false;  // strings are not kernel values
  FusionKind k = op.info().fusion;
  return k != FusionKind::Opaque && op.result && op.result->type.is_tensor();
}

bool is_reduction(const ir::Op& op) { return op.info().fusion == FusionKind::Reduce; }

// One elementwise op whose operands are not computed by other fusible ops:
// recomputing it costs one instruction per element.
bool is_cheap(const ir::Op& op) {
  if (op.info().fusion != FusionKind::Elementwise) return false;
  for (const auto* v : op.operands)
    if (v->def && is_fusible(*v->def)) return false;
  return true;
}

std::string dims_str(const Type& t) {
  std::string s = "[";
  for (std::size_t i = 0; i < t.dims.size(); ++i) s += (i ? ", " : "") + t.dims[i].name;
  return s + "]";
}

class FusePass : public Pass {
 public:
  const char* name() const override { return "fuse"; }
  const char* description() const override { return "group ops into fused kernels"; }

  bool run(ir::Module& m, DiagnosticEngine& diags) override {
    diags_ = &diags;
    bool changed = false;
    // Kernels are outlined from every non-kernel function (only @main after inline).
    std::vector<ir::Func*> funcs;
    for (auto& f : m.funcs)
      if (f->name.rfind("fused.", 0) != 0) funcs.push_back(f.get());
    for (ir::Func* f : funcs) changed |= fuse(*f, m);
    return changed;
  }

 private:
  struct Group {
    std::vector<ir::Op*> ops;  // in program order once complete
    ir::Op* root = nullptr;
    bool has_reduction = false;
    bool has_compress = false;
    std::vector<ir::Op*> siblings;  // further roots of a multi-output kernel
  };

  void remark(const ir::Op& producer, const ir::Op& consumer, const std::string& why) {
    if (!remarks_enabled("fusion")) return;
    diags_->report(Severity::Remark, producer.loc,
                   std::string("not fused: ") + producer.name() + " into " + consumer.name() + ": " + why);
  }

  // ---- compress sinking ----------------------------------------------------
  // compress(f(a, b), m) = f(compress(a, m), compress(b, m)) for elementwise f,
  // and likewise through casts, broadcasts, shifts and takes along other
  // dimensions. Moving a compress toward the values a kernel reads means the
  // chain is computed on the kept entries only, and the per-run statistics
  // a z-score reads through `take` are compressed once in their own small
  // kernel, so the big kernel gathers only its input instead of every
  // operand. Only values whose one user is the chain being rewritten are
  // passed through (others stay as they are and are compressed).
  bool sink_compresses(ir::Func& f) {
    bool changed = false;
    for (std::size_t k = 0; k < f.body.size(); ++k) {
      ir::Op& c = *f.body[k];
      if (c.id != OpId::Compress || !c.operands[0]->def) continue;
      std::string along = c.attr_str("along");
      if (!passes_through(*c.operands[0]->def, along, f)) continue;
      const Dim* kept = c.result->type.find_dim(along);
      if (!kept) continue;
      std::vector<std::unique_ptr<ir::Op>> created;
      std::vector<ir::Op*> dead = {&c};
      std::map<const ir::Value*, ir::Value*> memo;
      ir::Value* v = sink(c.operands[0], c, along, *kept, f, created, dead, memo);
      v->name = c.result->name;
      ir::Value* old = c.result.get();
      std::size_t n = created.size();
      for (auto& op : created) op->parent = &f;
      f.body.insert(f.body.begin() + static_cast<std::ptrdiff_t>(k), std::make_move_iterator(created.begin()),
                    std::make_move_iterator(created.end()));
      ir::replace_uses(f, old, v, k + n + 1);
      std::set<const ir::Op*> gone(dead.begin(), dead.end());
      std::erase_if(f.body, [&](const std::unique_ptr<ir::Op>& op) { return gone.count(op.get()) > 0; });
      k = static_cast<std::size_t>(-1);  // indices moved: rescan (each rewrite moves a compress to earlier values)
      changed = true;
    }
    return changed;
  }

  static std::size_t use_count(const ir::Func& f, const ir::Value* v) {
    std::size_t n = 0;
    for (const auto& op : f.body)
      for (const auto* o : op->operands) n += o == v;
    return n;
  }

  // Whether a compress of op's result may move to op's operands.
  static bool sinkable(const ir::Op& op, const ir::Func& f) {
    if (is_constant(op) || !op.result->type.is_tensor() || use_count(f, op.result.get()) != 1) return false;
    switch (op.info().fusion) {
      case FusionKind::Elementwise: return op.id != OpId::Concat;
      case FusionKind::Broadcast: return op.id == OpId::Broadcast;
      case FusionKind::Gather: return op.id == OpId::Shift || op.id == OpId::Take;
      default: return false;
    }
  }

  // Whether a compress along `along` of op's result may move to its operands.
  static bool passes_through(const ir::Op& op, const std::string& along, const ir::Func& f) {
    if (!sinkable(op, f)) return false;
    if (op.id == OpId::Take && (op.attr_str("along") == along || op.operands[1]->type.find_dim(along))) return false;
    if (op.id == OpId::Shift && op.attr_str("along") == along) return false;
    return true;
  }

  static Type with_kept(Type t, const std::string& along, const Dim& kept) {
    for (auto& d : t.dims)
      if (d.name == along) d.size = kept.size;
    return t;
  }

  // A value equal to compress(v, c's mask) along `along`.
  ir::Value* sink(ir::Value* v, const ir::Op& c, const std::string& along, const Dim& kept, const ir::Func& f,
                  std::vector<std::unique_ptr<ir::Op>>& created, std::vector<ir::Op*>& dead,
                  std::map<const ir::Value*, ir::Value*>& memo) {
    if (!v->type.find_dim(along)) return v;  // nothing to compress (a broadcast's operand)
    auto it = memo.find(v);
    if (it != memo.end()) return it->second;
    auto emit = [&](OpId id, std::vector<ir::Value*> operands, const ir::Op* like) {
      auto op = ir::make_op(id, std::move(operands), with_kept(like ? like->result->type : v->type, along, kept),
                            like ? like->loc : c.loc);
      if (like) op->attrs = like->attrs;
      else op->attrs = c.attrs;
      ir::Value* r = op->result.get();
      created.push_back(std::move(op));
      return r;
    };
    ir::Op* d = v->def;
    bool through = d && passes_through(*d, along, f);
    ir::Value* r;
    if (!through) {
      r = emit(OpId::Compress, {v, c.operands[1]}, nullptr);
    } else {
      std::vector<ir::Value*> operands;
      for (std::size_t i = 0; i < d->operands.size(); ++i) {
        bool index = d->id == OpId::Take && i == 1;
        operands.push_back(index ? d->operands[i] : sink(d->operands[i], c, along, kept, f, created, dead, memo));
      }
      r = emit(d->id, operands, d);
      dead.push_back(d);
    }
    memo[v] = r;
    return r;
  }

  bool fuse(ir::Func& f, ir::Module& m) {
    sink_compresses(f);
    std::map<const ir::Value*, std::vector<ir::Op*>> users;
    for (auto& op : f.body)
      for (auto* v : op->operands) users[v].push_back(op.get());

    std::map<const ir::Op*, int> group_of;
    std::vector<Group> groups;
    for (std::size_t k = f.body.size(); k-- > 0;) {
      ir::Op& op = *f.body[k];
      if (!is_fusible(op)) continue;
      const auto& us = users[op.result.get()];
      std::set<int> consumer_groups;
      bool outside = us.empty();
      const ir::Op* outside_user = nullptr;
      for (ir::Op* u : us) {
        auto it = group_of.find(u);
        if (it == group_of.end()) {
          outside = true;
          outside_user = u;
        } else {
          consumer_groups.insert(it->second);
        }
      }
      // A cheap producer (one elementwise op) read by several kernels is
      // recomputed inside each of them rather than materialized: a cast of
      // the input costs nothing next to writing and re-reading it.
      if (!outside && consumer_groups.size() > 1 && consumer_groups.size() <= kMaxClones && is_cheap(op)) {
        auto it = consumer_groups.begin();
        for (++it; it != consumer_groups.end(); ++it) {
          auto clone = ir::make_op(op.id, op.operands, op.result->type, op.loc);
          clone->attrs = op.attrs;
          clone->parent = &f;
          ir::Op* c = clone.get();
          for (ir::Op* member : groups[*it].ops)
            for (auto*& v : member->operands)
              if (v == op.result.get()) v = c->result.get();
          for (auto* v : c->operands) users[v].push_back(c);
          groups[*it].ops.push_back(c);
          group_of[c] = *it;
          f.body.insert(f.body.begin() + static_cast<std::ptrdiff_t>(k) + 1, std::move(clone));
        }
        int first = *consumer_groups.begin();
        consumer_groups = {first};
        std::vector<ir::Op*> remaining;
        for (ir::Op* u : us)
          if (group_of.count(u) && group_of[u] == first) remaining.push_back(u);
        users[op.result.get()] = remaining;
      }
      int join = -1;
      if (!outside && consumer_groups.size() == 1) {
        int g = *consumer_groups.begin();
        std::string why = can_join(op, groups[g]);
        if (why.empty()) join = g;
        else
          for (ir::Op* u : us) remark(op, *u, why);
      } else if (!consumer_groups.empty()) {
        const ir::Op* any = nullptr;
        for (ir::Op* u : us)
          if (group_of.count(u)) any = u;
        std::string why = outside ? std::string("its result is also used by ") + outside_user->name() +
                                        ", outside any kernel: it is materialized"
                                  : "its result is used by " + std::to_string(consumer_groups.size()) +
                                        " different kernels: it is materialized once";
        remark(op, *any, why);
      }
      if (join < 0) {
        join = static_cast<int>(groups.size());
        groups.push_back(Group{});
        groups.back().root = &op;
      }
      groups[join].ops.push_back(&op);
      groups[join].has_reduction |= is_reduction(op);
      groups[join].has_compress |= op.id == OpId::Compress;
      group_of[&op] = join;
    }
    if (groups.empty()) return false;
    // Members were collected backwards (clones appended out of order): put
  // each kernel's ops in program order.
  for (auto& g : groups)
    std::sort(g.ops.begin(), g.ops.end(), [&](const ir::Op* a, const ir::Op* b) { return index_of(f, a) < index_of(f, b); });
    // Outline in program order of the roots so kernel numbering is stable.
    std::sort(groups.begin(), groups.end(), [&](const Group& a, const Group& b) {
      return index_of(f, a.root) < index_of(f, b.root);
    });
    merge_siblings(f, groups);
    bool changed = false;
    for (auto& g : groups) {
      // A rename alone is a view of its operand, not work for a kernel; a
      // compress alone stays an op, which the executor runs as a row copy.
      bool only_views = std::all_of(g.ops.begin(), g.ops.end(), [](const ir::Op* op) { return op->id == OpId::Rename; });
      bool lone_compress = g.ops.size() == 1 && g.ops[0]->id == OpId::Compress;
      if (only_views || lone_compress) continue;
      outline(f, m, g);
      changed = true;
    }
    return changed;
  }

  // ---- sibling (multi-output) fusion ------------------------------------
  // Kernels that are each one sum or mean, reduced the same way over inputs
  // of the same domain (the per-run means of x and of x*x in a z-score),
  // become one kernel with several outputs: one read of the data feeds them
  // all. The later kernel's inputs must exist where the earlier one runs.
  static bool sum_like(const ir::Op& op) {
    return op.id == OpId::ReduceSum || op.id == OpId::ReduceMean || op.id == OpId::SegmentSum ||
           op.id == OpId::SegmentMean;
  }

  static bool siblings(const ir::Op& a, const ir::Op& b) {
    return sum_like(a) && a.id == b.id && a.attr_str("over") == b.attr_str("over") &&
           a.attr_str("into") == b.attr_str("into") && a.operands[0]->type.dims == b.operands[0]->type.dims &&
           same_result(a, b) && (a.operands.size() < 2 || a.operands[1] == b.operands[1]);
  }

  // Equal result types; the group dimension of grouped reductions by the same
  // ids may carry different size symbols (each `into` makes a fresh one), but
  // has the same size.
  static bool same_result(const ir::Op& a, const ir::Op& b) {
    const Type& ta = a.result->type;
    const Type& tb = b.result->type;
    if (ta.dtype != tb.dtype || ta.rank() != tb.rank() || !ta.is_tensor() || !tb.is_tensor()) return false;
    std::string into = a.attr_str("into");
    for (std::size_t i = 0; i < ta.rank(); ++i)
      if (ta.dims[i].name != tb.dims[i].name || (ta.dims[i].name != into && !(ta.dims[i].size == tb.dims[i].size)))
        return false;
    return true;
  }

  void merge_siblings(const ir::Func& f, std::vector<Group>& groups) {
    for (std::size_t i = 0; i < groups.size(); ++i) {
      Group& gi = groups[i];
      if (!is_reduction(*gi.root) || !sum_like(*gi.root) || gi.has_compress) continue;
      std::size_t at = index_of(f, gi.root);
      for (std::size_t j = i + 1; j < groups.size();) {
        Group& gj = groups[j];
        bool ok = is_reduction(*gj.root) && !gj.has_compress && siblings(*gi.root, *gj.root) &&
                  gi.ops.size() + gj.ops.size() <= kMaxGroupOps;
        if (ok) {
          std::set<const ir::Op*> members(gj.ops.begin(), gj.ops.end());
          for (const ir::Op* op : gj.ops)
            for (const auto* v : op->operands)
              if (v->def && !members.count(v->def) && !is_constant(*v->def) && index_of(f, v->def) >= at) ok = false;
        }
        if (!ok) {
          ++j;
          continue;
        }
        gi.siblings.push_back(gj.root);
        gi.ops.insert(gi.ops.end(), gj.ops.begin(), gj.ops.end());
        std::sort(gi.ops.begin(), gi.ops.end(),
                  [&](const ir::Op* a, const ir::Op* b) { return index_of(f, a) < index_of(f, b); });
        groups.erase(groups.begin() + static_cast<std::ptrdiff_t>(j));
      }
    }
  }

  static std::size_t index_of(const ir::Func& f, const ir::Op* op) {
    for (std::size_t i = 0; i < f.body.size(); ++i)
      if (f.body[i].get() == op) return i;
    return f.body.size();
  }

  // Empty when `producer` may join `g`; otherwise the reason it may not.
  std::string can_join(const ir::Op& producer, const Group& g) {
    if (g.ops.size() >= kMaxGroupOps)
      return "the kernel reached its size limit of " + std::to_string(kMaxGroupOps) + " ops";
    if (is_mask_of_compress(producer, g))
      return "it is the mask of a fused compress, whose index list is built from a materialized mask before the "
             "kernel runs";
    if (producer.id == OpId::Compress && g.has_reduction)
      return "a compress is not fused with a reduction";
    if (is_reduction(producer) && g.has_compress) return "a reduction is not fused with a compress";
    if (!is_reduction(producer) && !is_cheap(producer) && consumer_repeats(producer, g) &&
        !producer.result->type.same_layout(g.root->result->type))
      return std::string("the kernel reads ") + producer.name() + "'s result through a gather or broadcast " +
             "over a larger loop: computing it once over " + dims_str(producer.result->type) +
             " is cheaper than once per element";
    if (is_reduction(producer)) {
      if (g.has_reduction) return "the kernel already contains a reduction";
      const Type& domain = g.root->result->type;
      const Type& produced = producer.result->type;
      if (!domain.same_layout(produced) || consumer_reindexes(producer, g)) {
        std::string over = producer.attr_str("over");
        return "the consumer iterates over " + dims_str(domain) + ", but " + producer.name() + " produces " +
               dims_str(produced) +
               (over.empty() ? "" : " (reduced over '" + over + "')") +
               ": the reduction must be complete before it is read, so it is materialized";
      }
    }
    return {};
  }

  static bool is_mask_of_compress(const ir::Op& producer, const Group& g) {
    for (const ir::Op* op : g.ops)
      if (op->id == OpId::Compress && op->operands[1] == producer.result.get()) return true;
    return false;
  }

  // Whether a consumer of `producer` inside g may read one of its elements
  // for several elements of the loop (broadcast, take): then a non-trivial
  // producer on a smaller domain would be recomputed. Shift, compress and
  // rename read each element at most once.
  static bool consumer_repeats(const ir::Op& producer, const Group& g) {
    for (const ir::Op* op : g.ops)
      for (const auto* v : op->operands)
        if (v == producer.result.get() && (op->id == OpId::Broadcast || op->id == OpId::Take)) return true;
    return false;
  }

  // Whether a consumer of `producer` inside g reads it at other indices than
  // the loop's own (broadcast, take, shift): then a fused reduction would be
  // recomputed per element.
  static bool consumer_reindexes(const ir::Op& producer, const Group& g) {
    for (const ir::Op* op : g.ops)
      for (const auto* v : op->operands)
        if (v == producer.result.get() &&
            (op->id == OpId::Broadcast || op->id == OpId::Take || op->id == OpId::Shift || op->id == OpId::Rename ||
             op->id == OpId::Compress))
          return true;
    return false;
  }

  void outline(ir::Func& f, ir::Module& m, Group& g) {
    std::set<const ir::Op*> members(g.ops.begin(), g.ops.end());
    auto kernel = std::make_unique<ir::Func>();
    kernel->name = "fused." + std::to_string(next_kernel_++);
    kernel->loc = g.root->loc;
    kernel->result = g.root->result->type;
    std::map<const ir::Value*, ir::Value*> map;
    std::vector<ir::Value*> inputs;
    // A fused compress's mask is always a kernel input (its index list is
    // built from the buffer before the kernel runs), even when constant.
    auto input = [&](ir::Value* v, bool keep_as_input) -> ir::Value* {
      auto it = map.find(v);
      if (it != map.end()) return it->second;
      if (v->def && is_constant(*v->def) && !keep_as_input) {
        // Constants are copied into the kernel.
        auto c = ir::make_op(v->def->id, {}, v->type, v->def->loc);
        c->attrs = v->def->attrs;
        c->parent = kernel.get();
        c->result->name = v->name;
        ir::Value* cv = c->result.get();
        kernel->body.push_back(std::move(c));
        map[v] = cv;
        return cv;
      }
      auto arg = std::make_unique<ir::Value>();
      arg->name = v->name;
      arg->type = v->type;
      arg->arg_of = kernel.get();
      ir::Value* a = arg.get();
      kernel->args.push_back(std::move(arg));
      inputs.push_back(v);
      map[v] = a;
      return a;
    };
    for (ir::Op* op : g.ops) {
      std::vector<ir::Value*> operands;
      for (std::size_t i = 0; i < op->operands.size(); ++i)
        operands.push_back(input(op->operands[i], op->id == OpId::Compress && i == 1));
      auto copy = ir::make_op(op->id, operands, op->result->type, op->loc);
      copy->attrs = op->attrs;
      copy->parent = kernel.get();
      copy->result->name = op->result->name;
      map[op->result.get()] = copy->result.get();
      kernel->body.push_back(std::move(copy));
    }
    std::vector<ir::Op*> roots = {g.root};
    roots.insert(roots.end(), g.siblings.begin(), g.siblings.end());
    ir::Value* result = map.at(g.root->result.get());
    if (roots.size() > 1) {
      // A multi-output kernel returns a record of its roots, fields r0, r1...
      std::vector<Field> fields;
      std::vector<ir::Value*> parts;
      for (std::size_t i = 0; i < roots.size(); ++i) {
        fields.push_back(Field{"r" + std::to_string(i), roots[i]->result->type});
        parts.push_back(map.at(roots[i]->result.get()));
      }
      kernel->result = Type::record(fields);
      auto rec = ir::make_op(OpId::Record, parts, kernel->result, g.root->loc);
      rec->parent = kernel.get();
      result = rec->result.get();
      kernel->body.push_back(std::move(rec));
    }
    auto ret = ir::make_op(OpId::Return, {result}, Type::invalid(), g.root->loc);
    ret->parent = kernel.get();
    kernel->body.push_back(std::move(ret));

    if (roots.size() > 1) {
      // One `fused` op at the first root's position, then a field per root.
      auto call = ir::make_op(OpId::Fused, inputs, kernel->result, g.root->loc);
      call->set_attr("callee", ir::Attr::of_str(kernel->name));
      call->set_attr("kind", ir::Attr::of_str("reduce"));
      call->parent = &f;
      ir::Value* rec = call->result.get();
      std::size_t at = index_of(f, g.root) + 1;
      f.body.insert(f.body.begin() + static_cast<std::ptrdiff_t>(at), std::move(call));
      std::vector<ir::Value*> fields;
      for (std::size_t i = 0; i < roots.size(); ++i) {
        auto field = ir::make_op(OpId::Field, {rec}, roots[i]->result->type, roots[i]->loc);
        field->set_attr("name", ir::Attr::of_str("r" + std::to_string(i)));
        field->parent = &f;
        field->result->name = roots[i]->result->name;
        fields.push_back(field->result.get());
        f.body.insert(f.body.begin() + static_cast<std::ptrdiff_t>(at + 1 + i), std::move(field));
      }
      for (std::size_t i = 0; i < roots.size(); ++i)
        ir::replace_uses(f, roots[i]->result.get(), fields[i], at + 1 + roots.size());
      std::erase_if(f.body, [&](const std::unique_ptr<ir::Op>& op) { return members.count(op.get()) > 0; });
      m.funcs.push_back(std::move(kernel));
      return;
    }

    // Replace the group in f by one `fused` op at the root's position.
    auto call = ir::make_op(OpId::Fused, inputs, g.root->result->type, g.root->loc);
    call->set_attr("callee", ir::Attr::of_str(kernel->name));
    call->set_attr("kind", ir::Attr::of_str(g.has_reduction ? "reduce" : "elementwise"));
    call->parent = &f;
    call->result->name = g.root->result->name;
    ir::Value* out = call->result.get();
    std::size_t root_index = index_of(f, g.root);
    ir::Value* old = g.root->result.get();
    f.body.insert(f.body.begin() + static_cast<std::ptrdiff_t>(root_index) + 1, std::move(call));
    ir::replace_uses(f, old, out, root_index + 2);
    std::erase_if(f.body, [&](const std::unique_ptr<ir::Op>& op) { return members.count(op.get()) > 0; });
    // Constants left without users are dead now; dce removes them.
    m.funcs.push_back(std::move(kernel));
  }

  DiagnosticEngine* diags_ = nullptr;
  int next_kernel_ = 0;
};

}  // namespace

std::unique_ptr<Pass> make_fuse_pass() { return std::make_unique<FusePass>(); }

}  // namespace b2m::passes
