// Decoding / encoding evaluation metrics (Brain2Music §4 and the usual
// voxel-wise encoding measures). Rows are samples (clips or windows), columns
// are dimensions (embedding dimensions or voxels). Accumulation is float64.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "b2m/ridge/matrix.h"

namespace b2m::eval {

// Pearson r of each column of `predicted` with the same column of `truth`
// (0 for a constant column), and their mean.
std::vector<double> pearson_per_dimension(const RowMatrixF& truth, const RowMatrixF& predicted);
double mean_pearson(const RowMatrixF& truth, const RowMatrixF& predicted);
// R² = 1 - SS_res / SS_tot per column (0 for a constant truth column).
std::vector<double> r2_per_dimension(const RowMatrixF& truth, const RowMatrixF& predicted);

// C(i, j) = Pearson correlation between row i of `predicted` and row j of
// `target` (n x m, float64).
RowMatrixD row_correlations(const RowMatrixF& predicted, const RowMatrixF& target);

// Identification accuracy exactly as in Brain2Music: with C as above,
//   id_i = 1/(n-1) * sum_{j != i} [C_ii > C_ij]   (strict: ties count as misses)
// and the accuracy is the mean of id_i. Chance is 0.5.
struct Identification {
  double accuracy = 0.0;
  std::vector<double> per_sample;
};
Identification identification_accuracy(const RowMatrixF& predicted, const RowMatrixF& target);

// 2-way identification: the fraction of pairs i < j for which matching is
// better than swapping, C_ii + C_jj > C_ij + C_ji. Chance is 0.5.
double two_way_identification(const RowMatrixF& predicted, const RowMatrixF& target);

// Top-n class agreement (the paper's AudioSet measure): for each row, the
// top-n classes of `reference` and of `candidate` among `classes` (column
// indices; empty = all), and |intersection| / n; averaged over rows. Ties in
// probability go to the lower class index.
double top_n_class_agreement(const RowMatrixF& reference, const RowMatrixF& candidate,
                             std::span<const std::int64_t> classes, std::size_t n);

// Noise ceiling from repeated presentations: `repeats` holds one stimuli x
// dimensions matrix per repetition (same stimulus order).
struct NoiseCeiling {
  // Explainable variance (Hsu et al. 2004): 1 - mean_r var(y_r - ybar) / mean_r var(y_r),
  // bias-corrected by -(1 - ev) / (R - 1).
  std::vector<double> explainable_variance;
  // Upper bound of the correlation a model can reach with the mean response
  // (Schoppe et al. 2016): sqrt(SP / var(ybar)), SP = (var(sum_r y_r) -
  // sum_r var(y_r)) / (R (R - 1)), 0 where SP <= 0.
  std::vector<double> max_correlation;
};
NoiseCeiling noise_ceiling(std::span<const RowMatrixF> repeats);

}  // namespace b2m::eval
