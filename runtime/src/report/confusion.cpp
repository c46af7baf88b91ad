#include "b2m/report/confusion.h"

#include <cmath>
#include <limits>
#include <numeric>

#include "b2m/runtime/error.h"

namespace b2m::report {

std::int64_t Confusion::row_total(int truth) const {
  std::int64_t total = 0;
  for (int p = 0; p < classes; ++p) total += at(truth, p);
  return total;
}

std::int64_t Confusion::total() const { return std::accumulate(counts.begin(), counts.end(), std::int64_t{0}); }

double Confusion::accuracy() const {
  std::int64_t n = total(), hit = 0;
  for (int k = 0; k < classes; ++k) hit += at(k, k);
  return n > 0 ? double(hit) / double(n) : 0.0;
}

Confusion confusion_matrix(std::span<const std::int64_t> truth, std::span<const std::int64_t> predicted,
                           int classes) {
  if (classes <= 0) fail("confusion matrix: {} classes", classes);
  if (truth.size() != predicted.size())
    fail("confusion matrix: {} true labels but {} predicted labels", truth.size(), predicted.size());
  Confusion c;
  c.classes = classes;
  c.counts.assign(std::size_t(classes) * classes, 0);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] < 0 || truth[i] >= classes || predicted[i] < 0 || predicted[i] >= classes)
      fail("confusion matrix: row {} has labels {} -> {}, outside [0, {})", i, truth[i], predicted[i], classes);
    ++c.counts[std::size_t(truth[i]) * classes + std::size_t(predicted[i])];
  }
  return c;
}

GroupStats group_means(std::span<const float> values, std::span<const std::int64_t> groups, int classes) {
  if (values.size() != groups.size())
    fail("group means: {} values but {} group labels", values.size(), groups.size());
  GroupStats g;
  std::vector<double> sum(std::size_t(classes), 0.0);
  g.count.assign(std::size_t(classes), 0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (groups[i] < 0 || groups[i] >= classes) fail("group means: label {} outside [0, {})", groups[i], classes);
    if (!std::isfinite(values[i])) continue;
    sum[std::size_t(groups[i])] += values[i];
    ++g.count[std::size_t(groups[i])];
  }
  g.mean.resize(std::size_t(classes));
  for (std::size_t k = 0; k < g.mean.size(); ++k)
    g.mean[k] = g.count[k] > 0 ? sum[k] / double(g.count[k]) : std::numeric_limits<double>::quiet_NaN();
  return g;
}

double top_k_agreement(std::span<const std::int64_t> truth, std::span<const std::int64_t> predicted,
                       std::size_t ranks, std::size_t k) {
  if (predicted.size() != truth.size() * ranks)
    fail("top-k agreement: {} predicted labels for {} rows x {} ranks", predicted.size(), truth.size(), ranks);
  if (truth.empty()) return 0.0;
  k = std::min(k, ranks);
  std::size_t hits = 0;
  for (std::size_t i = 0; i < truth.size(); ++i)
    for (std::size_t r = 0; r < k; ++r)
      if (predicted[i * ranks + r] == truth[i]) {
        ++hits;
        break;
      }
  return double(hits) / double(truth.size());
}

}  // namespace b2m::report
