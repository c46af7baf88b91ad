#include "b2m/core/ops.h"

#include <cstring>

namespace b2m {

namespace {
using namespace OpFlags;
const OpInfo kOps[] = {
#define B2M_OP(Id, Name, Fusion, Arity, Rule, Flags) \
  {OpId::Id, Name, FusionKind::Fusion, Arity, TypeRule::Rule, static_cast<std::uint32_t>(Flags)},
#include "b2m/core/ops.def"
#undef B2M_OP
};
}  // namespace

const OpInfo& op_info(OpId id) { return kOps[static_cast<int>(id)]; }

int num_ops() { return static_cast<int>(sizeof(kOps) / sizeof(kOps[0])); }

std::optional<OpId> op_from_name(const std::string& name) {
  for (const auto& op : kOps)
    if (name == op.name) return op.id;
  return std::nullopt;
}

const char* fusion_kind_name(FusionKind k) {
  switch (k) {
    case FusionKind::Elementwise: return "elementwise";
    case FusionKind::Broadcast: return "broadcast";
    case FusionKind::Reduce: return "reduce";
    case FusionKind::Gather: return "gather";
    case FusionKind::Opaque: return "opaque";
  }
  return "opaque";
}

}  // namespace b2m
