#include "b2m/report/example_selection.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace b2m::report {

std::vector<std::size_t> pick_examples(std::span<const float> scores, std::span<const std::int64_t> groups,
                                       std::size_t count) {
  const std::size_t n = scores.size();
  count = std::min(count, n);
  if (count == 0) return {};
  auto key = [&](std::size_t i) { return std::isfinite(scores[i]) ? double(scores[i]) : -1e300; };
  // Ascending by score; ties: lower index first.
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });

  // Target quantiles: 1, 0, 1/2, 3/4, 1/4, 7/8, 5/8, 3/8, 1/8, 15/16, ...
  std::vector<double> targets = {1.0, 0.0, 0.5};
  for (int level = 2; targets.size() < count + 3 && level < 40; ++level) {
    double den = std::ldexp(1.0, level);
    for (double num = den - 1; num > 0; num -= 2) targets.push_back(num / den);
  }

  std::vector<bool> taken(n, false);
  std::set<std::int64_t> shown;
  std::vector<std::size_t> picked;
  auto group_of = [&](std::size_t i) { return i < groups.size() ? groups[i] : std::int64_t(-1); };
  for (double q : targets) {
    if (picked.size() == count) break;
    auto centre = static_cast<std::ptrdiff_t>(std::llround(q * double(n - 1)));
    // Nearest untaken position, preferring a group not shown yet.
    std::ptrdiff_t best_new = -1, best_any = -1;
    for (std::ptrdiff_t d = 0; d < std::ptrdiff_t(n) && best_new < 0; ++d) {
      for (std::ptrdiff_t pos : {centre - d, centre + d}) {
        if (pos < 0 || pos >= std::ptrdiff_t(n) || taken[order[pos]]) continue;
        if (best_any < 0) best_any = pos;
        if (!shown.count(group_of(order[pos]))) {
          best_new = pos;
          break;
        }
      }
    }
    std::ptrdiff_t pos = best_new >= 0 ? best_new : best_any;
    if (pos < 0) continue;
    taken[order[pos]] = true;
    shown.insert(group_of(order[pos]));
    picked.push_back(order[pos]);
  }
  std::stable_sort(picked.begin(), picked.end(), [&](std::size_t a, std::size_t b) {
    return key(a) != key(b) ? key(a) > key(b) : a < b;
  });
  return picked;
}

}  // namespace b2m::report
