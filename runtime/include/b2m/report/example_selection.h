// Deterministic choice of the example clips shown with spectrograms and
// audio: the best, the worst and the median by score, then further quantiles
// (3/4, 1/4, 7/8, ...), each time the nearest clip whose group (genre) is not
// shown yet when there is one. Returned best score first (ties: lower index).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace b2m::report {

std::vector<std::size_t> pick_examples(std::span<const float> scores, std::span<const std::int64_t> groups,
                                       std::size_t count);

}  // namespace b2m::report
