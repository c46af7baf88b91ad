// Deterministic choice of the example clips shown with spectrograms and
// audio: the best, the worst and the median by score, then further quantiles
// (3/4, 1/4, 7/8, ...), each time the nearest clip whose group (genre) is not
// shown yet when there is one (searching outwards, the better-ranked side
// first). Returned best first, in rank_order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace b2m::report {

std::vector<std::size_t> pick_examples(std::span<const float> scores, std::span<const std::int64_t> groups,
                                       std::size_t count);

// Clip indices best first: by score descending, ties by lower index, NaN last.
// Position p in this order is rank p + 1 everywhere in the report.
std::vector<std::size_t> rank_order(std::span<const float> scores);
// The position (in rank_order) that pick_examples takes as the median.
std::size_t median_position(std::size_t count);

}  // namespace b2m::report
