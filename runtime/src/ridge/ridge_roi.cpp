// ROI-wise ensembles: one ridge model per column group (atlas region), groups
// ranked by cross-validated score, top-k predictions averaged (the paper's decoder).
#include <algorithm>
#include <numeric>

#include "b2m/ridge/ridge.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/progress.h"

namespace b2m::ridge {
namespace {

RowMatrixF select_columns(const RowMatrixF& x, const std::vector<std::int64_t>& columns,
                          const std::string& group) {
  RowMatrixF out(x.rows(), static_cast<Eigen::Index>(columns.size()));
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (columns[c] < 0 || columns[c] >= x.cols())
      fail("ROI ensemble: group '{}' names column {} but X has {} columns", group, columns[c],
           x.cols());
    out.col(Eigen::Index(c)) = x.col(columns[c]);
  }
  return out;
}

}  // namespace

RoiEnsemble fit_roi_ensemble(const RowMatrixF& x, const RowMatrixF& y,
                             const std::vector<ColumnGroup>& groups, std::size_t top_k,
                             const RidgeOptions& options) {
  if (groups.empty()) fail("ROI ensemble: no column group given");
  if (top_k == 0 || top_k > groups.size())
    fail("ROI ensemble: top_k = {} but there are {} groups", top_k, groups.size());
  RoiEnsemble ensemble;
  ensemble.top_k = top_k;
  RidgeOptions quiet = options;
  quiet.show_progress = false;  // one bar for the whole ensemble instead
  Progress progress("ridge roi", groups.size(), "roi");
  for (const ColumnGroup& group : groups) {
    if (group.columns.empty()) fail("ROI ensemble: group '{}' has no column", group.name);
    RoiEnsemble::Member member;
    member.group = group;
    member.model = fit(select_columns(x, group.columns, group.name), y, quiet);
    const auto& best = member.model.best_cv_score;
    member.cv_score = std::accumulate(best.begin(), best.end(), 0.0) / double(best.size());
    ensemble.ranked.push_back(std::move(member));
    progress.advance();
  }
  progress.finish();
  // Stable: equal scores keep the order the groups were given in.
  std::stable_sort(ensemble.ranked.begin(), ensemble.ranked.end(),
                   [](const auto& a, const auto& b) { return a.cv_score > b.cv_score; });
  return ensemble;
}

RowMatrixF RoiEnsemble::predict(const RowMatrixF& x) const {
  if (ranked.size() < top_k || top_k == 0) fail("ROI ensemble: not fitted");
  RowMatrixF sum;
  for (std::size_t i = 0; i < top_k; ++i) {
    const RowMatrixF part = ranked[i].model.predict(select_columns(x, ranked[i].group.columns, ranked[i].group.name));
    if (i == 0) sum = part;
    else sum += part;
  }
  return sum / static_cast<float>(top_k);
}

}  // namespace b2m::ridge
