// SConvTranspose1d as a streaming layer: one GEMM per chunk, overlap-add, and
// the trimmed columns removed from the start and the end of the stream.
#include <algorithm>
#include <cmath>

#include "b2m/gen/codec_layers.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::gen {

StreamingConvTranspose1d::StreamingConvTranspose1d(std::size_t in, std::size_t out, std::size_t kernel,
                                                   std::size_t stride, bool causal, double trim_right_ratio,
                                                   const Tensor& weight, const std::vector<float>& bias) {
  if (weight.shape != std::vector<std::size_t>{in, out, kernel})
    fail("conv_transpose1d: weight shape {} does not match [{}, {}, {}]", shape_string(weight.shape), in, out,
         kernel);
  if (stride == 0 || kernel < stride)
    fail("conv_transpose1d: need 0 < stride ({}) <= kernel ({})", stride, kernel);
  if (!bias.empty() && bias.size() != out) fail("conv_transpose1d: {} biases for {} outputs", bias.size(), out);
  if (causal && !(trim_right_ratio >= 0.0 && trim_right_ratio <= 1.0))
    fail("conv_transpose1d: trim_right_ratio {} outside [0, 1]", trim_right_ratio);
  auto p = std::make_shared<Params>();
  p->in = in;
  p->out = out;
  p->kernel = kernel;
  p->stride = stride;
  std::size_t total = kernel - stride;
  p->trim_right = causal ? static_cast<std::size_t>(std::ceil(double(total) * trim_right_ratio)) : total / 2;
  p->trim_left = total - p->trim_right;
  const auto O = static_cast<Eigen::Index>(out), I = static_cast<Eigen::Index>(in);
  p->w.resize(O * static_cast<Eigen::Index>(kernel), I);
  for (Eigen::Index i = 0; i < I; ++i)
    for (Eigen::Index o = 0; o < O; ++o)
      for (std::size_t j = 0; j < kernel; ++j)
        p->w(static_cast<Eigen::Index>(j) * O + o, i) =
            weight.values[(static_cast<std::size_t>(i) * out + static_cast<std::size_t>(o)) * kernel + j];
  p->bias = bias.empty() ? Eigen::VectorXf(Eigen::VectorXf::Zero(O)) : Eigen::VectorXf(Eigen::Map<const Eigen::VectorXf>(bias.data(), O));
  params_ = std::move(p);
  overlap_ = Signal::Zero(O, static_cast<Eigen::Index>(total));
  still_to_trim_ = params_->trim_left;
}

StreamingConvTranspose1d::StreamingConvTranspose1d(std::shared_ptr<const Params> params)
    : params_(std::move(params)) {
  overlap_ = Signal::Zero(static_cast<Eigen::Index>(params_->out),
                          static_cast<Eigen::Index>(params_->kernel - params_->stride));
  still_to_trim_ = params_->trim_left;
}

std::unique_ptr<StreamLayer> StreamingConvTranspose1d::fresh() const {
  return std::unique_ptr<StreamLayer>(new StreamingConvTranspose1d(params_));
}

Signal StreamingConvTranspose1d::push(const Signal& x) {
  const Params& p = *params_;
  const auto O = static_cast<Eigen::Index>(p.out);
  if (x.cols() == 0) return Signal(O, 0);
  if (x.rows() != static_cast<Eigen::Index>(p.in))
    fail("conv_transpose1d: input has {} channels, expected {}", x.rows(), p.in);
  received_ = true;
  const Eigen::Index L = x.cols(), s = static_cast<Eigen::Index>(p.stride);
  const Eigen::Index k = static_cast<Eigen::Index>(p.kernel), total = k - s;
  Eigen::MatrixXf z(O * k, L);
  std::size_t chunk = std::max<std::size_t>(16, (std::size_t(1) << 16) / std::max<std::size_t>(1, p.in));
  parallel_for(static_cast<std::size_t>(L), chunk, [&](std::size_t begin, std::size_t end) {
    const auto b = static_cast<Eigen::Index>(begin), n = static_cast<Eigen::Index>(end - begin);
    z.middleCols(b, n).noalias() = p.w * x.middleCols(b, n);
  });
  // Output column c of this chunk gathers tap j = c - t*s of every frame t
  // that reaches it (plus the carried overlap), in increasing t: parallel over
  // fixed column chunks without write conflicts.
  const Eigen::Index raw_cols = L * s + total;
  Signal raw(O, raw_cols);
  parallel_for(static_cast<std::size_t>(raw_cols), 1024, [&](std::size_t begin, std::size_t end) {
    for (auto c = static_cast<Eigen::Index>(begin); c < static_cast<Eigen::Index>(end); ++c) {
      auto col = raw.col(c);
      if (c < total) col = overlap_.col(c);
      else col.setZero();
      Eigen::Index t_first = c >= k ? (c - k) / s + 1 : 0;
      for (Eigen::Index t = t_first; t <= std::min(c / s, L - 1); ++t) col += z.block((c - t * s) * O, t, O, 1);
    }
  });
  overlap_ = raw.rightCols(total);
  Signal emitted = raw.leftCols(L * s);
  emitted.colwise() += p.bias;
  const auto drop = std::min<Eigen::Index>(static_cast<Eigen::Index>(still_to_trim_), emitted.cols());
  still_to_trim_ -= static_cast<std::size_t>(drop);
  return emitted.rightCols(emitted.cols() - drop);
}

Signal StreamingConvTranspose1d::finish() {
  const Params& p = *params_;
  // The raw output ends with the kernel-stride overlap columns; the first
  // trim_left of them belong to the output (trim_right are cut).
  Signal last = overlap_.leftCols(static_cast<Eigen::Index>(p.trim_left));
  last.colwise() += p.bias;
  const auto drop = std::min<Eigen::Index>(static_cast<Eigen::Index>(still_to_trim_), last.cols());
  Signal y = received_ ? Signal(last.rightCols(last.cols() - drop)) : Signal(static_cast<Eigen::Index>(p.out), 0);
  overlap_.setZero();
  still_to_trim_ = p.trim_left;
  received_ = false;
  return y;
}

}  // namespace b2m::gen
