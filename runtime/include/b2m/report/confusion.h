// Genre-level summaries of a decoding run: the stimulus-genre x
// retrieved-genre confusion matrix, per-genre means and top-k genre agreement.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace b2m::report {

struct Confusion {
  int classes = 0;
  std::vector<std::int64_t> counts;  // classes x classes, row = truth, column = predicted

  std::int64_t at(int truth, int predicted) const { return counts[std::size_t(truth) * classes + predicted]; }
  std::int64_t row_total(int truth) const;
  std::int64_t total() const;
  // Fraction on the diagonal (0 when empty).
  double accuracy() const;
};

// Fails (b2m::Error) on a length mismatch or a label outside [0, classes).
Confusion confusion_matrix(std::span<const std::int64_t> truth, std::span<const std::int64_t> predicted,
                           int classes);

struct GroupStats {
  std::vector<double> mean;         // NaN where a group is empty
  std::vector<std::int64_t> count;
};

// Mean of values per group label in [0, classes); non-finite values are skipped.
GroupStats group_means(std::span<const float> values, std::span<const std::int64_t> groups, int classes);

// Fraction of rows whose truth label is among the first k of its `ranks`
// predicted labels (predicted is rows x ranks, row-major).
double top_k_agreement(std::span<const std::int64_t> truth, std::span<const std::int64_t> predicted,
                       std::size_t ranks, std::size_t k);

}  // namespace b2m::report
