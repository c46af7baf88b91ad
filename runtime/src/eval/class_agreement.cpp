// Top-n class agreement between two sets of class probabilities.
#include <algorithm>
#include <numeric>

#include "b2m/eval/metrics.h"
#include "b2m/runtime/error.h"

namespace b2m::eval {

double top_n_class_agreement(const RowMatrixF& reference, const RowMatrixF& candidate,
                             std::span<const std::int64_t> classes, std::size_t n) {
  if (reference.rows() != candidate.rows() || reference.cols() != candidate.cols())
    fail("class agreement: reference is {}x{} but candidate is {}x{}", reference.rows(),
         reference.cols(), candidate.rows(), candidate.cols());
  std::vector<std::int64_t> subset(classes.begin(), classes.end());
  if (subset.empty()) {
    subset.resize(static_cast<std::size_t>(reference.cols()));
    std::iota(subset.begin(), subset.end(), std::int64_t{0});
  }
  for (std::int64_t c : subset)
    if (c < 0 || c >= reference.cols())
      fail("class agreement: class index {} outside 0..{}", c, reference.cols() - 1);
  if (n == 0 || n > subset.size())
    fail("class agreement: top-{} of {} classes", n, subset.size());
  if (reference.rows() == 0) fail("class agreement: no rows");
  auto top = [&](const RowMatrixF& probs, Eigen::Index row) {
    std::vector<std::int64_t> order(subset);
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(n), order.end(),
                      [&](std::int64_t a, std::int64_t b) {
                        const float pa = probs(row, a), pb = probs(row, b);
                        return pa != pb ? pa > pb : a < b;
                      });
    order.resize(n);
    std::sort(order.begin(), order.end());
    return order;
  };
  double sum = 0.0;
  for (Eigen::Index r = 0; r < reference.rows(); ++r) {
    const auto a = top(reference, r), b = top(candidate, r);
    std::vector<std::int64_t> common;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
    sum += double(common.size()) / double(n);
  }
  return sum / double(reference.rows());
}

}  // namespace b2m::eval
