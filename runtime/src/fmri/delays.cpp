// Lagged copies of the data within runs (FIR-style delays), zero-filled.
#include "b2m/fmri/preprocess.h"
#include "run_blocks.h"

namespace b2m::fmri {

RowMatrixF delays(const RowMatrixF& data, RunLengths run_lengths, std::span<const int> delay_list) {
  if (delay_list.empty()) fail("delays: no delay given");
  const auto blocks = detail::run_blocks(run_lengths, data.rows(), "delays");
  const Eigen::Index v = data.cols();
  RowMatrixF out = RowMatrixF::Zero(data.rows(), v * Eigen::Index(delay_list.size()));
  for (std::size_t d = 0; d < delay_list.size(); ++d) {
    const Eigen::Index delay = delay_list[d];
    for (const auto& run : blocks)
      for (Eigen::Index i = 0; i < run.length; ++i) {
        const Eigen::Index source = i - delay;
        if (source < 0 || source >= run.length) continue;
        out.block(run.begin + i, Eigen::Index(d) * v, 1, v) = data.row(run.begin + source);
      }
  }
  return out;
}

}  // namespace b2m::fmri
