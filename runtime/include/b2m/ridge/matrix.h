// Dense matrix types shared by the fMRI, ridge and evaluation runtimes.
//
// Row-major float32 throughout: rows are samples (scans, windows, clips) and
// columns are features (voxels, embedding dimensions). This is the C order of
// .npy files and of the [time x voxel] layout produced by the NIfTI reader, so
// data moves between stages without transposes; BLAS calls use CblasRowMajor.
#pragma once

#include <Eigen/Core>

namespace b2m {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using VectorF = Eigen::VectorXf;
using VectorD = Eigen::VectorXd;

}  // namespace b2m
