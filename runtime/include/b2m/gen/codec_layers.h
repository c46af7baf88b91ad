// Streaming building blocks of the SEANet / EnCodec decoder. Signals are
// channels x time matrices (Eigen, column-major: one time step's channels are
// contiguous). Every layer consumes its input chunk by chunk:
//   out = layer.push(chunk)   // whatever output is final so far (maybe empty)
//   tail = layer.finish()     // the rest at end of stream; the layer resets
// and the concatenation of all outputs equals running the layer once on the
// concatenated input (the fixtures test the one-shot path, the streaming
// tests that chunking does not change the result). Layer weights are
// immutable and shared: `fresh()` gives a new layer with the same weights and
// empty state, so one loaded decoder can serve several streams.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "b2m/gen/weights.h"

namespace b2m::gen {

using Signal = Eigen::MatrixXf;  // channels x time

class StreamLayer {
 public:
  virtual ~StreamLayer() = default;
  virtual Signal push(const Signal& x) = 0;
  virtual Signal finish() = 0;
  virtual std::unique_ptr<StreamLayer> fresh() const = 0;
  virtual std::size_t out_channels(std::size_t in_channels) const { return in_channels; }
};

// Runs the layer over the whole signal at once.
Signal run_whole(StreamLayer& layer, const Signal& x);
// [a b] along time; either may have zero columns (then its row count is ignored).
Signal concat_time(const Signal& a, const Signal& b);

enum class PadMode { reflect, zeros, replicate };
PadMode parse_pad_mode(const std::string& name);  // "reflect" | "constant"/"zeros" | "replicate"

// EnCodec's pad1d: pads `left`/`right` columns; with reflect and an input not
// longer than max(left, right), zeros are appended first so that reflection
// is possible, and as many columns are removed from the end afterwards.
Signal pad_time(const Signal& x, std::size_t left, std::size_t right, PadMode mode);

struct ConvSpec {
  std::size_t in = 0, out = 0, kernel = 1, dilation = 1;
  bool causal = true;
  PadMode pad_mode = PadMode::reflect;
};

// SConv1d with stride 1: padding_total = (kernel-1)*dilation, all on the left
// when causal, else right = total/2 and left = the rest.
class StreamingConv1d : public StreamLayer {
 public:
  // weight [out, in, kernel] (already folded), bias [out] or empty.
  StreamingConv1d(const ConvSpec& spec, const Tensor& weight, const std::vector<float>& bias);
  Signal push(const Signal& x) override;
  Signal finish() override;
  std::unique_ptr<StreamLayer> fresh() const override;
  std::size_t out_channels(std::size_t) const override { return params_->spec.out; }

 private:
  struct Params {
    ConvSpec spec;
    std::size_t pad_left, pad_right;
    Eigen::MatrixXf w;  // out x (kernel*in), column j*in + i holds weight[:, i, j]
    Eigen::VectorXf bias;
  };
  explicit StreamingConv1d(std::shared_ptr<const Params> params) : params_(std::move(params)) {}
  Signal convolve_ready();  // outputs every position whose window is complete
  std::shared_ptr<const Params> params_;
  bool started_ = false;
  Signal waiting_;  // raw input held back until reflection of the left edge is possible
  Signal pending_;  // padded input not yet fully consumed
  Signal tail_;     // last pad_right+1 raw columns, for the right edge
};

// SConvTranspose1d: raw transposed conv (length (L-1)*stride + kernel), then
// padding_total = kernel - stride columns trimmed: causal: ceil(total *
// trim_right_ratio) on the right, the rest on the left; non-causal: total/2 on
// the right, the rest on the left.
class StreamingConvTranspose1d : public StreamLayer {
 public:
  // weight [in, out, kernel] (already folded), bias [out] or empty.
  StreamingConvTranspose1d(std::size_t in, std::size_t out, std::size_t kernel, std::size_t stride,
                           bool causal, double trim_right_ratio, const Tensor& weight,
                           const std::vector<float>& bias);
  Signal push(const Signal& x) override;
  Signal finish() override;
  std::unique_ptr<StreamLayer> fresh() const override;
  std::size_t out_channels(std::size_t) const override { return params_->out; }

 private:
  struct Params {
    std::size_t in, out, kernel, stride, trim_left, trim_right;
    Eigen::MatrixXf w;  // (kernel*out) x in, row j*out + o holds weight[:, o, j]
    Eigen::VectorXf bias;
  };
  explicit StreamingConvTranspose1d(std::shared_ptr<const Params> params);
  std::shared_ptr<const Params> params_;
  Signal overlap_;               // partial sums of the last kernel-stride raw columns
  std::size_t still_to_trim_;    // left trim not yet removed
  bool received_ = false;        // any input since the last finish()
};

// SLSTM: nn.LSTM (gates i, f, g, o; both biases added; zero initial state)
// with `layers` stacked layers, then the skip y = lstm(x) + x.
class StreamingLstm : public StreamLayer {
 public:
  // `weights` positioned at "<...>.lstm." (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}).
  StreamingLstm(const Weights& weights, std::size_t channels, std::size_t layers);
  Signal push(const Signal& x) override;
  Signal finish() override;
  std::unique_ptr<StreamLayer> fresh() const override;

 private:
  struct Params {
    std::size_t channels;
    std::vector<Eigen::MatrixXf> w_ih;  // [4C x C], column-major for the chunk GEMM
    std::vector<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> w_hh;  // rows split over threads
    std::vector<Eigen::VectorXf> bias;        // bias_ih + bias_hh
  };
  explicit StreamingLstm(std::shared_ptr<const Params> params);
  std::shared_ptr<const Params> params_;
  std::vector<Eigen::VectorXf> h_, c_;
};

enum class Activation { elu, tanh };

class StreamingActivation : public StreamLayer {
 public:
  explicit StreamingActivation(Activation kind, float alpha = 1.0f) : kind_(kind), alpha_(alpha) {}
  Signal push(const Signal& x) override;
  Signal finish() override { return {}; }
  std::unique_ptr<StreamLayer> fresh() const override {
    return std::make_unique<StreamingActivation>(kind_, alpha_);
  }

 private:
  Activation kind_;
  float alpha_;
};

// Layers applied one after the other.
class StreamingSequence : public StreamLayer {
 public:
  StreamingSequence() = default;
  void add(std::unique_ptr<StreamLayer> layer) { layers_.push_back(std::move(layer)); }
  std::size_t size() const { return layers_.size(); }
  StreamLayer& layer(std::size_t i) { return *layers_.at(i); }
  Signal push(const Signal& x) override;
  Signal finish() override;
  std::unique_ptr<StreamLayer> fresh() const override;
  std::size_t out_channels(std::size_t in) const override;

 private:
  std::vector<std::unique_ptr<StreamLayer>> layers_;
};

// SEANetResnetBlock: y = shortcut(x) + block(x), where the shortcut is a
// 1x1 conv or the identity; the branches are re-aligned in time when the
// block's padding delays its output (non-causal streaming).
class StreamingResidual : public StreamLayer {
 public:
  StreamingResidual(std::unique_ptr<StreamLayer> block, std::unique_ptr<StreamLayer> shortcut);
  Signal push(const Signal& x) override;
  Signal finish() override;
  std::unique_ptr<StreamLayer> fresh() const override;

 private:
  Signal combine();
  std::unique_ptr<StreamLayer> block_, shortcut_;  // shortcut_ null: identity
  Signal block_out_, shortcut_out_;
};

}  // namespace b2m::gen
