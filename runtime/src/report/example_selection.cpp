#include "b2m/report/example_selection.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace b2m::report {

std::vector<std::size_t> rank_order(std::span<const float> scores) {
  auto key = [&](std::size_t i) { return std::isfinite(scores[i]) ? double(scores[i]) : -1e300; };
  std::vector<std::size_t> order(scores.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) > key(b); });
  return order;
}

std::size_t median_position(std::size_t count) { return count == 0 ? 0 : (count - 1) / 2; }

std::vector<std::size_t> pick_examples(std::span<const float> scores, std::span<const std::int64_t> groups,
                                       std::size_t count) {
  const std::size_t n = scores.size();
  count = std::min(count, n);
  if (count == 0) return {};
  const std::vector<std::size_t> order = rank_order(scores);  // best first

  // Target quantiles from the best: 0 (best), 1 (worst), median, 1/4, 3/4, 1/8, 3/8, ...
  std::vector<std::size_t> targets = {0, n - 1, median_position(n)};
  for (int level = 2; targets.size() < count + 3 && level < 40; ++level) {
    double den = std::ldexp(1.0, level);
    for (double num = 1; num < den; num += 2) targets.push_back(std::size_t(std::llround(num / den * double(n - 1))));
  }

  std::vector<bool> taken(n, false);
  std::set<std::int64_t> shown;
  std::vector<std::size_t> picked_positions;
  auto group_of = [&](std::size_t i) { return i < groups.size() ? groups[i] : std::int64_t(-1); };
  for (std::size_t target : targets) {
    if (picked_positions.size() == count) break;
    const auto centre = static_cast<std::ptrdiff_t>(target);
    // Nearest untaken position, preferring a group not shown yet.
    std::ptrdiff_t best_new = -1, best_any = -1;
    for (std::ptrdiff_t d = 0; d < std::ptrdiff_t(n) && best_new < 0; ++d) {
      for (std::ptrdiff_t pos : {centre - d, centre + d}) {
        if (pos < 0 || pos >= std::ptrdiff_t(n) || taken[std::size_t(pos)]) continue;
        if (best_any < 0) best_any = pos;
        if (!shown.count(group_of(order[std::size_t(pos)]))) {
          best_new = pos;
          break;
        }
      }
    }
    std::ptrdiff_t pos = best_new >= 0 ? best_new : best_any;
    if (pos < 0) continue;
    taken[std::size_t(pos)] = true;
    shown.insert(group_of(order[std::size_t(pos)]));
    picked_positions.push_back(std::size_t(pos));
  }
  std::sort(picked_positions.begin(), picked_positions.end());
  std::vector<std::size_t> picked;
  for (std::size_t p : picked_positions) picked.push_back(order[p]);
  return picked;
}

}  // namespace b2m::report
