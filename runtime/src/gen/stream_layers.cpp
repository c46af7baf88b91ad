// Padding, activations and the composite streaming layers (sequence, residual).
#include <algorithm>
#include <cmath>

#include "b2m/gen/codec_layers.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::gen {

Signal run_whole(StreamLayer& layer, const Signal& x) {
  Signal head = layer.push(x);  // must run before finish(): no argument-order games
  return concat_time(head, layer.finish());
}

Signal concat_time(const Signal& a, const Signal& b) {
  if (a.cols() == 0) return b;
  if (b.cols() == 0) return a;
  if (a.rows() != b.rows()) fail("concat_time: {} channels vs {}", a.rows(), b.rows());
  Signal out(a.rows(), a.cols() + b.cols());
  out.leftCols(a.cols()) = a;
  out.rightCols(b.cols()) = b;
  return out;
}

PadMode parse_pad_mode(const std::string& name) {
  if (name == "reflect") return PadMode::reflect;
  if (name == "constant" || name == "zeros") return PadMode::zeros;
  if (name == "replicate") return PadMode::replicate;
  fail("unsupported pad_mode '{}' (expected reflect, constant or replicate)", name);
}

Signal pad_time(const Signal& x, std::size_t left, std::size_t right, PadMode mode) {
  const Eigen::Index rows = x.rows();
  Eigen::Index length = x.cols();
  Signal source = x;
  std::size_t extra = 0;
  if (mode == PadMode::reflect && static_cast<std::size_t>(length) <= std::max(left, right)) {
    // EnCodec's rule for short inputs: reflect a zero-extended copy, then cut the extension.
    extra = std::max(left, right) - static_cast<std::size_t>(length) + 1;
    source = Signal::Zero(rows, length + static_cast<Eigen::Index>(extra));
    source.leftCols(length) = x;
    length = source.cols();
  }
  Eigen::Index l = static_cast<Eigen::Index>(left), r = static_cast<Eigen::Index>(right);
  Signal padded = Signal::Zero(rows, l + length + r);
  padded.middleCols(l, length) = source;
  for (Eigen::Index p = 0; p < l; ++p) {
    if (mode == PadMode::reflect) padded.col(p) = source.col(l - p);
    else if (mode == PadMode::replicate && length > 0) padded.col(p) = source.col(0);
  }
  for (Eigen::Index i = 0; i < r; ++i) {
    if (mode == PadMode::reflect) padded.col(l + length + i) = source.col(length - 2 - i);
    else if (mode == PadMode::replicate && length > 0) padded.col(l + length + i) = source.col(length - 1);
  }
  return padded.leftCols(padded.cols() - static_cast<Eigen::Index>(extra));
}

Signal StreamingActivation::push(const Signal& x) {
  Signal y(x.rows(), x.cols());
  // Vectorised (Eigen's SIMD exp/tanh) in parallel column chunks of fixed size.
  const std::size_t cols = static_cast<std::size_t>(x.cols());
  const std::size_t grain = std::max<std::size_t>(1, (std::size_t(1) << 15) / std::max<Eigen::Index>(1, x.rows()));
  b2m::parallel_for(cols, grain, [&](std::size_t begin, std::size_t end) {
    const auto b = static_cast<Eigen::Index>(begin), n = static_cast<Eigen::Index>(end - begin);
    auto in = x.middleCols(b, n).array();
    if (kind_ == Activation::tanh)
      y.middleCols(b, n) = in.tanh().matrix();
    else
      // ELU(x) = max(x, 0) + alpha * (exp(min(x, 0)) - 1): no select, so Eigen vectorises it.
      y.middleCols(b, n) = (in.max(0.0f) + alpha_ * (in.min(0.0f).exp() - 1.0f)).matrix();
  });
  return y;
}

Signal StreamingSequence::push(const Signal& x) {
  Signal y = x;
  for (auto& layer : layers_) {
    if (y.cols() == 0) return Signal(static_cast<Eigen::Index>(out_channels(x.rows())), 0);
    y = layer->push(y);
  }
  return y;
}

Signal StreamingSequence::finish() {
  Signal y;
  for (auto& layer : layers_) {
    Signal pushed = y.cols() > 0 ? layer->push(y) : Signal();
    Signal rest = layer->finish();
    y = concat_time(pushed, rest);
  }
  return y;
}

std::unique_ptr<StreamLayer> StreamingSequence::fresh() const {
  auto copy = std::make_unique<StreamingSequence>();
  for (const auto& layer : layers_) copy->add(layer->fresh());
  return copy;
}

std::size_t StreamingSequence::out_channels(std::size_t in) const {
  for (const auto& layer : layers_) in = layer->out_channels(in);
  return in;
}

StreamingResidual::StreamingResidual(std::unique_ptr<StreamLayer> block, std::unique_ptr<StreamLayer> shortcut)
    : block_(std::move(block)), shortcut_(std::move(shortcut)) {}

Signal StreamingResidual::combine() {
  Eigen::Index n = std::min(block_out_.cols(), shortcut_out_.cols());
  if (n > 0 && block_out_.rows() != shortcut_out_.rows())
    fail("residual block: branch widths {} and {} differ", block_out_.rows(), shortcut_out_.rows());
  Signal y = block_out_.leftCols(n) + shortcut_out_.leftCols(n);
  block_out_ = Signal(block_out_.rightCols(block_out_.cols() - n));
  shortcut_out_ = Signal(shortcut_out_.rightCols(shortcut_out_.cols() - n));
  return y;
}

Signal StreamingResidual::push(const Signal& x) {
  if (x.cols() == 0) return Signal(x.rows(), 0);
  block_out_ = concat_time(block_out_, block_->push(x));
  shortcut_out_ = concat_time(shortcut_out_, shortcut_ ? shortcut_->push(x) : x);
  return combine();
}

Signal StreamingResidual::finish() {
  block_out_ = concat_time(block_out_, block_->finish());
  if (shortcut_) shortcut_out_ = concat_time(shortcut_out_, shortcut_->finish());
  Signal y = combine();
  block_out_ = Signal();
  shortcut_out_ = Signal();
  return y;
}

std::unique_ptr<StreamLayer> StreamingResidual::fresh() const {
  return std::make_unique<StreamingResidual>(block_->fresh(), shortcut_ ? shortcut_->fresh() : nullptr);
}

}  // namespace b2m::gen
