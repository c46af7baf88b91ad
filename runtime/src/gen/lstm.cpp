// SLSTM as a streaming layer: the input projections of a whole chunk are one
// GEMM; the recurrence is one [4C x C] matrix-vector product per step.
#include <cmath>

#include "b2m/gen/codec_layers.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::gen {

namespace {
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename A>
Eigen::ArrayXf sigmoid(const A& x) {
  return (1.0f + (-x).exp()).inverse();
}

RowMatrix as_matrix(const Tensor& t) {
  // Row-major [rows, cols] values into a column-major Eigen matrix.
  return Eigen::Map<const RowMatrix>(t.values.data(), static_cast<Eigen::Index>(t.shape[0]),
                                     static_cast<Eigen::Index>(t.shape[1]));
}
}  // namespace

StreamingLstm::StreamingLstm(const Weights& weights, std::size_t channels, std::size_t layers) {
  auto p = std::make_shared<Params>();
  p->channels = channels;
  for (std::size_t k = 0; k < layers; ++k) {
    std::string l = "_l" + std::to_string(k);
    p->w_ih.push_back(Eigen::MatrixXf(as_matrix(weights.get("weight_ih" + l, {4 * channels, channels}))));
    p->w_hh.push_back(as_matrix(weights.get("weight_hh" + l, {4 * channels, channels})));
    Tensor b_ih = weights.get("bias_ih" + l, {4 * channels});
    Tensor b_hh = weights.get("bias_hh" + l, {4 * channels});
    Eigen::VectorXf b(static_cast<Eigen::Index>(4 * channels));
    for (std::size_t i = 0; i < 4 * channels; ++i) b[static_cast<Eigen::Index>(i)] = b_ih.values[i] + b_hh.values[i];
    p->bias.push_back(b);
  }
  params_ = std::move(p);
  h_.assign(layers, Eigen::VectorXf::Zero(static_cast<Eigen::Index>(channels)));
  c_ = h_;
}

StreamingLstm::StreamingLstm(std::shared_ptr<const Params> params) : params_(std::move(params)) {
  h_.assign(params_->w_ih.size(), Eigen::VectorXf::Zero(static_cast<Eigen::Index>(params_->channels)));
  c_ = h_;
}

std::unique_ptr<StreamLayer> StreamingLstm::fresh() const {
  return std::unique_ptr<StreamLayer>(new StreamingLstm(params_));
}

Signal StreamingLstm::push(const Signal& x) {
  const Params& p = *params_;
  const auto C = static_cast<Eigen::Index>(p.channels);
  if (x.cols() == 0) return Signal(C, 0);
  if (x.rows() != C) fail("lstm: input has {} channels, expected {}", x.rows(), p.channels);
  Signal layer_in = x;
  Eigen::VectorXf g(4 * C);
  for (std::size_t k = 0; k < p.w_ih.size(); ++k) {
    Eigen::MatrixXf gates = p.w_ih[k] * layer_in;
    gates.colwise() += p.bias[k];
    Signal layer_out(C, x.cols());
    Eigen::VectorXf& h = h_[k];
    Eigen::VectorXf& c = c_[k];
    const auto& w_hh = p.w_hh[k];
    const std::size_t rows = static_cast<std::size_t>(4 * C);
    for (Eigen::Index t = 0; t < x.cols(); ++t) {
      // Recurrent product split by rows (fixed 256-row chunks: same bits at any thread count).
      b2m::parallel_for(rows, 256, [&](std::size_t begin, std::size_t end) {
        const auto b = static_cast<Eigen::Index>(begin), n = static_cast<Eigen::Index>(end - begin);
        g.segment(b, n).noalias() = gates.col(t).segment(b, n) + w_hh.middleRows(b, n) * h;
      });
      auto in_gate = sigmoid(g.segment(0, C).array());
      auto forget = sigmoid(g.segment(C, C).array());
      auto out_gate = sigmoid(g.segment(3 * C, C).array());
      c.array() = forget * c.array() + in_gate * g.segment(2 * C, C).array().tanh();
      h.array() = out_gate * c.array().tanh();
      layer_out.col(t) = h;
    }
    layer_in = std::move(layer_out);
  }
  return layer_in + x;  // SLSTM's skip connection
}

Signal StreamingLstm::finish() {
  for (auto& v : h_) v.setZero();
  for (auto& v : c_) v.setZero();
  return Signal(static_cast<Eigen::Index>(params_->channels), 0);
}

}  // namespace b2m::gen
