// Averaging rows of repeated presentations of the same clip.
#include <map>

#include "b2m/fmri/preprocess.h"
#include "b2m/runtime/error.h"

namespace b2m::fmri {

RepeatAverage average_repeats(const RowMatrixF& rows, std::span<const std::size_t> clip_of_row) {
  if (static_cast<Eigen::Index>(clip_of_row.size()) != rows.rows())
    fail("average repeats: {} clip ids for {} rows", clip_of_row.size(), rows.rows());
  RepeatAverage out;
  std::map<std::size_t, std::size_t> slot;
  for (std::size_t clip : clip_of_row)
    if (slot.emplace(clip, out.clips.size()).second) out.clips.push_back(clip);
  RowMatrixD sums = RowMatrixD::Zero(Eigen::Index(out.clips.size()), rows.cols());
  out.counts.assign(out.clips.size(), 0);
  for (std::size_t i = 0; i < clip_of_row.size(); ++i) {
    const std::size_t s = slot[clip_of_row[i]];
    sums.row(Eigen::Index(s)) += rows.row(Eigen::Index(i)).cast<double>();
    ++out.counts[s];
  }
  for (std::size_t s = 0; s < out.clips.size(); ++s) sums.row(Eigen::Index(s)) /= double(out.counts[s]);
  out.data = sums.cast<float>();
  return out;
}

}  // namespace b2m::fmri
