// Which loops over a compressed dimension may run lane by lane over the raw
// dimension (loops.h, mark_compressed_lanes; docs/ir.md, "Compressed lanes").
//
// A fused compress reads x[.., idx[k]] for each kept position k: one gather
// per output element. When every gather of an innermost loop goes through
// the same index list, and everything else the loop reads or writes is
// indexed by k itself (the compressed dimension, contiguous) or not by k at
// all, the loop computes the same values if it walks the raw positions v in
// order instead, takes the lanes where the mask is true, reads the kept-space
// operands by expanding the next kept entries into those lanes, and writes
// the kept lanes packed. The analysis here is target-neutral; whether a
// target has the vector compress/expand to profit from it is the code
// generator's call.
#include <algorithm>
#include <set>

#include "b2m/codegen/loops.h"

namespace b2m::loops {
namespace {

bool innermost(const Node& loop) {
  return std::all_of(loop.body.begin(), loop.body.end(), [](const Node& n) { return n.kind == Node::Kind::Inst; });
}

// The index list `loop` may run lanes of, or "" when it may not.
std::string lanes_of(const Kernel& k, const Node& loop) {
  if (loop.kind != Node::Kind::Loop || loop.chunk || !innermost(loop)) return "";
  const IndexList* list = nullptr;
  for (const auto& l : k.index_lists)
    if (l.buffer.type.dims.at(0).name == loop.var) list = &l;
  if (!list) return "";
  const std::string& var = loop.var;
  std::set<int> defined;   // scalars computed in the loop: they vary with var
  std::set<int> raw;       // results of loads of the index list: raw positions
  std::set<int> raw_used;  // ...used as a gather's last index
  auto involves = [&](const Index& ix) { return ix.var == var || (ix.scalar >= 0 && defined.count(ix.scalar)); };
  for (const auto& n : loop.body) {
    const Inst& i = n.inst;
    for (int a : i.args)
      if (raw.count(a)) return "";  // a raw position used as a value
    switch (i.kind) {
      case Inst::Kind::Load:
      case Inst::Kind::Store: {
        if (i.buffer == list->buffer.name) {
          // idx[k]: the raw position of kept entry k.
          if (i.kind != Inst::Kind::Load || i.index.size() != 1 || i.index[0].var != var || i.index[0].offset ||
              i.index[0].scalar >= 0 || i.guarded)
            return "";
          raw.insert(i.result);
          break;
        }
        if (std::any_of(k.index_lists.begin(), k.index_lists.end(),
                        [&](const IndexList& l) { return l.buffer.name == i.buffer; }))
          return "";  // another compress in the same loop
        // Only the last index may vary with var: as var itself (contiguous
        // in kept space) or, for loads, as a raw position (a gather).
        for (std::size_t j = 0; j + 1 < i.index.size(); ++j)
          if (involves(i.index[j]) || (i.index[j].scalar >= 0 && raw.count(i.index[j].scalar))) return "";
        if (!i.index.empty()) {
          const Index& last = i.index.back();
          if (last.scalar >= 0 && raw.count(last.scalar)) {
            if (i.kind != Inst::Kind::Load || !last.trusted) return "";
            raw_used.insert(last.scalar);
          } else if (involves(last)) {
            if (last.scalar >= 0 || last.offset) return "";
          } else if (i.kind == Inst::Kind::Store) {
            return "";  // every lane would write the same element
          }
        } else if (i.kind == Inst::Kind::Store) {
          return "";
        }
        if (i.kind == Inst::Kind::Store && i.buffer != k.output.name &&
            std::none_of(k.more_outputs.begin(), k.more_outputs.end(), [&](const Buffer& b) { return b.name == i.buffer; }))
          return "";  // scratch: a reduction's state, not lanes
        break;
      }
      case Inst::Kind::Op:
        if ((i.op == OpId::Div || i.op == OpId::Mod) && !is_float(i.dtype)) return "";
        break;
      case Inst::Kind::Position:
        if (i.buffer == var) return "";
        break;
      case Inst::Kind::InRange:
        if (!i.index.empty() && i.index[0].var == var) return "";
        break;
      case Inst::Kind::Const:
      case Inst::Kind::Extent: break;
    }
    if (i.result >= 0) defined.insert(i.result);
  }
  // Nothing is gathered: the loop is contiguous already.
  if (raw_used.empty()) return "";
  return list->buffer.name;
}

void mark(const Kernel& k, std::vector<Node>& body) {
  for (auto& n : body) {
    if (n.kind == Node::Kind::Inst) continue;
    mark(k, n.body);
    n.lanes = lanes_of(k, n);
  }
}

}  // namespace

void mark_compressed_lanes(Kernel& k) { mark(k, k.body); }

}  // namespace b2m::loops
