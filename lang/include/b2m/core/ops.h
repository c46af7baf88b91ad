// Op identities and static properties, generated from ops.def.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace b2m {

enum class FusionKind : std::uint8_t { Elementwise, Broadcast, Reduce, Gather, Opaque };

// How an op's result type follows from its operands and attributes.
enum class TypeRule : std::uint8_t {
  None,          // no result
  Given,         // the printed result type is checked by op-specific rules
  SameAsFirst,   // result type == operand 0 type
  SameAsSecond,  // result type == operand 1 type (select)
  BoolOfFirst,   // operand 0's dims, dtype bool
  CastTo,        // operand 0's dims, dtype from attribute "to"
  ReduceOver,    // operand 0 without dim "over"
  ArgReduceOver, // operand 0 without dim "over", dtype i64
  Contract,      // dims of both operands but "over", first's then second's
};

namespace OpFlags {
enum : std::uint32_t {
  Pure = 1u << 0,         // no side effects: CSE and DCE may touch it
  Commutative = 1u << 1,  // operands may be reordered
  SideEffect = 1u << 2,   // reads/writes the outside world; never removed
  Terminator = 1u << 3,   // ends a function body
  Float = 1u << 4,        // operands must be floating point
};
}

enum class OpId : std::uint16_t {
#define B2M_OP(Id, Name, Fusion, Arity, Rule, Flags) Id,
#include "b2m/core/ops.def"
#undef B2M_OP
};

struct OpInfo {
  OpId id;
  const char* name;
  FusionKind fusion;
  int arity;
  TypeRule rule;
  std::uint32_t flags;
};

const OpInfo& op_info(OpId id);
std::optional<OpId> op_from_name(const std::string& name);
const char* fusion_kind_name(FusionKind k);
int num_ops();

}  // namespace b2m
