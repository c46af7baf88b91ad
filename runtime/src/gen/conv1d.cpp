// SConv1d (stride 1) as a streaming layer: im2col + one GEMM per time chunk.
#include <algorithm>

#include "b2m/gen/codec_layers.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::gen {

StreamingConv1d::StreamingConv1d(const ConvSpec& spec, const Tensor& weight, const std::vector<float>& bias) {
  if (weight.shape != std::vector<std::size_t>{spec.out, spec.in, spec.kernel})
    fail("conv1d: weight shape {} does not match [{}, {}, {}]", shape_string(weight.shape), spec.out,
         spec.in, spec.kernel);
  if (spec.kernel == 0 || spec.dilation == 0) fail("conv1d: kernel and dilation must be positive");
  auto p = std::make_shared<Params>();
  p->spec = spec;
  std::size_t total = (spec.kernel - 1) * spec.dilation;
  p->pad_right = spec.causal ? 0 : total / 2;
  p->pad_left = total - p->pad_right;
  const auto out = static_cast<Eigen::Index>(spec.out), in = static_cast<Eigen::Index>(spec.in);
  p->w.resize(out, in * static_cast<Eigen::Index>(spec.kernel));
  for (Eigen::Index o = 0; o < out; ++o)
    for (Eigen::Index i = 0; i < in; ++i)
      for (std::size_t j = 0; j < spec.kernel; ++j)
        p->w(o, static_cast<Eigen::Index>(j) * in + i) =
            weight.values[(static_cast<std::size_t>(o) * spec.in + static_cast<std::size_t>(i)) * spec.kernel + j];
  p->bias = bias.empty() ? Eigen::VectorXf(Eigen::VectorXf::Zero(out)) : Eigen::VectorXf(Eigen::Map<const Eigen::VectorXf>(bias.data(), out));
  if (!bias.empty() && bias.size() != spec.out) fail("conv1d: {} biases for {} outputs", bias.size(), spec.out);
  params_ = std::move(p);
}

std::unique_ptr<StreamLayer> StreamingConv1d::fresh() const {
  return std::unique_ptr<StreamLayer>(new StreamingConv1d(params_));
}

Signal StreamingConv1d::convolve_ready() {
  const Params& p = *params_;
  const auto in = static_cast<Eigen::Index>(p.spec.in);
  const auto span = static_cast<Eigen::Index>((p.spec.kernel - 1) * p.spec.dilation + 1);
  const Eigen::Index n_out = pending_.cols() >= span ? pending_.cols() - span + 1 : 0;
  Signal y(static_cast<Eigen::Index>(p.spec.out), n_out);
  if (n_out > 0) {
    // Time chunks of about 1 MiB of im2col columns; boundaries depend on the shape only.
    const std::size_t column = p.spec.kernel * p.spec.in;
    const std::size_t chunk = std::max<std::size_t>(16, (std::size_t(1) << 18) / std::max<std::size_t>(1, column));
    parallel_for(static_cast<std::size_t>(n_out), chunk, [&](std::size_t begin, std::size_t end) {
      const auto n = static_cast<Eigen::Index>(end - begin);
      if (p.spec.kernel == 1) {  // a 1x1 conv is one GEMM on the input itself
        auto block = y.middleCols(static_cast<Eigen::Index>(begin), n);
        block.noalias() = p.w * pending_.middleCols(static_cast<Eigen::Index>(begin), n);
        block.colwise() += p.bias;
        return;
      }
      // One GEMM per tap on shifted views of the input: no im2col copy.
      auto block = y.middleCols(static_cast<Eigen::Index>(begin), n);
      for (std::size_t j = 0; j < p.spec.kernel; ++j) {
        auto w_j = p.w.middleCols(static_cast<Eigen::Index>(j) * in, in);
        auto x_j = pending_.middleCols(static_cast<Eigen::Index>(begin + j * p.spec.dilation), n);
        if (j == 0) block.noalias() = w_j * x_j;
        else block.noalias() += w_j * x_j;
      }
      block.colwise() += p.bias;
    });
  }
  pending_ = Signal(pending_.rightCols(pending_.cols() - n_out));
  return y;
}

Signal StreamingConv1d::push(const Signal& x) {
  const Params& p = *params_;
  if (x.cols() == 0) return Signal(static_cast<Eigen::Index>(p.spec.out), 0);
  if (x.rows() != static_cast<Eigen::Index>(p.spec.in))
    fail("conv1d: input has {} channels, expected {}", x.rows(), p.spec.in);
  Signal joined_tail = concat_time(tail_, x);
  const auto keep = std::min<Eigen::Index>(joined_tail.cols(), static_cast<Eigen::Index>(p.pad_right + 1));
  tail_ = Signal(joined_tail.rightCols(keep));
  if (started_) {
    pending_ = concat_time(pending_, x);
    return convolve_ready();
  }
  waiting_ = concat_time(waiting_, x);
  // Reflecting the left edge needs more samples than either pad (else EnCodec's
  // short-input rule applies, which depends on the total length): wait.
  if (p.spec.pad_mode == PadMode::reflect &&
      static_cast<std::size_t>(waiting_.cols()) <= std::max(p.pad_left, p.pad_right))
    return Signal(static_cast<Eigen::Index>(p.spec.out), 0);
  pending_ = pad_time(waiting_, p.pad_left, 0, p.spec.pad_mode);
  waiting_ = Signal();
  started_ = true;
  return convolve_ready();
}

Signal StreamingConv1d::finish() {
  const Params& p = *params_;
  Signal y(static_cast<Eigen::Index>(p.spec.out), 0);
  if (!started_) {
    if (waiting_.cols() > 0) {
      pending_ = pad_time(waiting_, p.pad_left, p.pad_right, p.spec.pad_mode);
      y = convolve_ready();
    }
  } else if (p.pad_right > 0) {
    Signal right = pad_time(tail_, 0, p.pad_right, p.spec.pad_mode).rightCols(static_cast<Eigen::Index>(p.pad_right));
    pending_ = concat_time(pending_, right);
    y = convolve_ready();
  }
  started_ = false;
  waiting_ = pending_ = tail_ = Signal();
  return y;
}

}  // namespace b2m::gen
