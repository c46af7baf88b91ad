// Safetensors dtypes (F32/F16/BF16 files and in-memory precisions), the
// weight-norm fold, tied tensors and metadata.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <unistd.h>

#include "b2m/gen/gpt.h"
#include "b2m/gen/safetensors.h"
#include "b2m/gen/weights.h"
#include "b2m/io/npy.h"
#include "b2m/runtime/error.h"
#include "fixture_util.h"

using namespace b2m::gen;

namespace {
std::string scratch(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))).string();
}
}  // namespace

TEST(Weights, WeightNormFoldsPerRowOverAllOtherAxes) {
  // v = [[3, 4], [0, 5]] as [2, 1, 2]; g = [10, 2] -> rows scaled to norms 10 and 2.
  std::vector<float> v = {3, 4, 0, 5}, g = {10, 2};
  std::string path = scratch("wn.safetensors");
  write_safetensors(path, {make_tensor("conv.weight_v", {2, 1, 2}, v), make_tensor("conv.weight_g", {2, 1, 1}, g)});
  Weights w = Weights::open(path);
  EXPECT_TRUE(w.has_weight_or_norm_pair("conv.weight"));
  Tensor folded = w.get_folding_weight_norm("conv.weight", {2, 1, 2});
  EXPECT_EQ(folded.values, (std::vector<float>{6, 8, 0, 2}));
  EXPECT_THROW(w.get_folding_weight_norm("conv.weight", {2, 2, 1}), b2m::Error);  // shape checked
  std::filesystem::remove(path);
}

TEST(Weights, HalfPrecisionFilesLoadAndStayClose) {
  // The bark fixture re-written in F16 and in BF16 still reproduces its logits
  // to within the precision of those formats.
  std::string dir = b2m::test::fixture_dir("bark_gpt_small");
  auto file = SafeTensorsFile::open(dir + "/model.safetensors");
  auto config = GptConfig::from_json(b2m::test::fixture_config("bark_gpt_small"), "config.json");
  auto tokens = b2m::io::read_npy(dir + "/tokens.npy").as_i64();
  auto expected = b2m::io::read_npy(dir + "/logits_last.npy").as_f32();
  for (auto dtype : {TensorDType::f16, TensorDType::bf16}) {
    std::vector<TensorToWrite> tensors;
    for (const auto& name : file->names()) {
      auto values = file->to_f32(file->tensor(name));
      tensors.push_back(make_tensor(name, file->tensor(name).shape, values, dtype));
    }
    std::string path = scratch(std::string("half_") + tensor_dtype_name(dtype) + ".safetensors");
    write_safetensors(path, tensors);
    auto reopened = SafeTensorsFile::open(path);
    EXPECT_EQ(reopened->tensor("lm_head.weight").dtype, dtype);
    for (auto precision : {WeightPrecision::f32, WeightPrecision::bf16, WeightPrecision::f16}) {
      GptModel model = GptModel::load(Weights(reopened), config, precision);
      KvCache cache = model.new_cache();
      auto logits = model.forward(cache, tokens);
      double tol = (dtype == TensorDType::bf16 || precision == WeightPrecision::bf16) ? 0.08 : 0.01;
      EXPECT_LT(b2m::test::max_abs_diff(logits, expected), tol)
          << tensor_dtype_name(dtype) << " file, " << weight_precision_name(precision) << " in memory";
      EXPECT_GT(b2m::test::max_abs_diff(logits, expected), 0.0);  // the rounding is real
    }
    std::filesystem::remove(path);
  }
}

TEST(Weights, TiedTensorsAndMetadata) {
  auto file = SafeTensorsFile::open(b2m::test::fixture_dir("bark_fine_small") + "/model.safetensors");
  EXPECT_EQ(file->metadata().at("format"), "pt");
  // lm_heads.0 is tied to wtes.1 and stored twice: both load, with the same values.
  EXPECT_EQ(file->to_f32(file->tensor("lm_heads.0.weight")), file->to_f32(file->tensor("transformer.wtes.1.weight")));
}
