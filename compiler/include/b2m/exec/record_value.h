// Building record values in runtime ops: the stdlib declares record results
// ({data: ..., clip: ...}); bindings fill them field by field, in the
// declaration's order.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "b2m/exec/executor.h"

namespace b2m::exec {

inline Value record_value(std::vector<std::pair<std::string, Value>> fields) {
  Value r;
  r.kind = Value::Kind::Record;
  for (auto& [name, v] : fields) r.fields.emplace_back(name, std::make_shared<Value>(std::move(v)));
  return r;
}

}  // namespace b2m::exec
