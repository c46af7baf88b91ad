// Cross-validation folds: contiguous k-fold, grouped (leave-runs-out), LOO.
#include <algorithm>
#include <map>

#include "b2m/runtime/error.h"
#include "ridge_internal.h"

namespace b2m::ridge {

CvScheme CvScheme::kfold(int k) {
  CvScheme cv;
  cv.kind = Kind::KFold;
  cv.folds = k;
  return cv;
}

CvScheme CvScheme::grouped(std::vector<int> groups, int folds) {
  CvScheme cv;
  cv.kind = Kind::Grouped;
  cv.groups = std::move(groups);
  cv.folds = folds;
  return cv;
}

CvScheme CvScheme::leave_one_out() {
  CvScheme cv;
  cv.kind = Kind::LeaveOneOut;
  cv.folds = 0;
  return cv;
}

namespace detail {

std::vector<Fold> make_folds(const CvScheme& cv, Index n) {
  std::vector<int> fold_of(static_cast<std::size_t>(n));
  int num_folds = 0;
  switch (cv.kind) {
    case CvScheme::Kind::LeaveOneOut:
      fail("internal: leave-one-out has no explicit folds");
    case CvScheme::Kind::KFold: {
      if (cv.folds < 2 || cv.folds > n)
        fail("ridge cv: k-fold needs 2 <= k <= samples, got k = {} for {} samples", cv.folds, n);
      num_folds = cv.folds;
      // Contiguous blocks: neighbouring fMRI samples are correlated, so
      // shuffled folds would leak; fold f is [f*n/k, (f+1)*n/k).
      for (Index i = 0; i < n; ++i) fold_of[i] = static_cast<int>((i * num_folds) / n);
      break;
    }
    case CvScheme::Kind::Grouped: {
      if (static_cast<Index>(cv.groups.size()) != n)
        fail("ridge cv: {} group labels for {} samples", cv.groups.size(), n);
      std::vector<int> unique(cv.groups);
      std::sort(unique.begin(), unique.end());
      unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
      if (unique.size() < 2)
        fail("ridge cv: grouped folds need at least 2 groups, got {}", unique.size());
      num_folds = cv.folds == 0 ? static_cast<int>(unique.size()) : cv.folds;
      if (num_folds < 2 || num_folds > static_cast<int>(unique.size()))
        fail("ridge cv: {} folds requested for {} groups", num_folds, unique.size());
      std::map<int, int> fold_of_group;
      for (std::size_t g = 0; g < unique.size(); ++g)
        fold_of_group[unique[g]] = static_cast<int>(g % static_cast<std::size_t>(num_folds));
      for (Index i = 0; i < n; ++i) fold_of[i] = fold_of_group[cv.groups[i]];
      break;
    }
  }
  std::vector<Fold> folds(static_cast<std::size_t>(num_folds));
  for (Index i = 0; i < n; ++i)
    for (int f = 0; f < num_folds; ++f) (f == fold_of[i] ? folds[f].valid : folds[f].train).push_back(i);
  for (int f = 0; f < num_folds; ++f)
    if (folds[f].valid.empty() || folds[f].train.empty())
      fail("ridge cv: fold {} of {} has {} training and {} validation samples", f, num_folds,
           folds[f].train.size(), folds[f].valid.size());
  return folds;
}

void gather_rows(const RowMatrixF& m, const std::vector<Index>& rows, Index col_begin, Index cols,
                 RowMatrixF& out) {
  out.resize(static_cast<Index>(rows.size()), cols);
  for (std::size_t r = 0; r < rows.size(); ++r)
    std::copy_n(m.data() + rows[r] * m.cols() + col_begin, cols, out.data() + Index(r) * cols);
}

float spectrum_tolerance(const VectorF& values, Index dim) {
  if (values.size() == 0) return 0.0f;
  const float largest = values.cwiseAbs().maxCoeff();
  return largest * static_cast<float>(dim) * std::numeric_limits<float>::epsilon();
}

}  // namespace detail
}  // namespace b2m::ridge
