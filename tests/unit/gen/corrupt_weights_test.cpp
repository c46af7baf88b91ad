// Corrupt or mismatched weights: every case gives a b2m::Error naming the
// file and (where there is one) the tensor.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "b2m/gen/gpt.h"
#include "b2m/gen/safetensors.h"
#include "b2m/runtime/error.h"
#include "fixture_util.h"

using namespace b2m::gen;

namespace {

struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir = std::filesystem::temp_directory_path() /
          (std::string("b2m_gen_") + info->name() + "_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
  }
  ~Scratch() { std::filesystem::remove_all(dir); }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

std::string fixture_weights() { return b2m::test::fixture_dir("bark_gpt_small") + "/model.safetensors"; }

GptConfig fixture_config() {
  return GptConfig::from_json(b2m::test::fixture_config("bark_gpt_small"), "config.json");
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// The fixture's tensors, with `edit` applied, rewritten to `path`.
void rewrite(const std::string& path, const std::function<void(std::vector<TensorToWrite>&)>& edit) {
  auto file = SafeTensorsFile::open(fixture_weights());
  std::vector<TensorToWrite> tensors;
  for (const auto& name : file->names()) {
    const TensorView& v = file->tensor(name);
    tensors.push_back({name, v.dtype, v.shape, std::vector<std::byte>(v.bytes.begin(), v.bytes.end())});
  }
  edit(tensors);
  write_safetensors(path, tensors);
}

// The header JSON and the data of the fixture, for hand-made corruptions.
std::pair<nlohmann::json, std::string> split_fixture() {
  std::string bytes = read_all(fixture_weights());
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= std::uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
  return {nlohmann::json::parse(bytes.substr(8, n)), bytes.substr(8 + n)};
}
std::string join(const nlohmann::json& header, const std::string& data) {
  std::string text = header.dump();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((text.size() >> (8 * i)) & 0xFF);
  return out + text + data;
}

void expect_load_error(const std::string& path, const std::vector<std::string>& fragments) {
  try {
    GptModel::load(Weights::open(path), fixture_config());
    FAIL() << "no error";
  } catch (const b2m::Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    for (const auto& f : fragments) EXPECT_NE(message.find(f), std::string::npos) << message;
  }
}

}  // namespace

TEST(CorruptWeights, TruncatedFile) {
  Scratch s;
  std::string bytes = read_all(fixture_weights());
  write_all(s.file("t.safetensors"), bytes.substr(0, bytes.size() - 1000));
  expect_load_error(s.file("t.safetensors"), {"lie outside the data area", "truncated"});
  write_all(s.file("h.safetensors"), bytes.substr(0, 100));  // cut inside the header
  expect_load_error(s.file("h.safetensors"), {"header length", "exceeds the file"});
  write_all(s.file("e.safetensors"), bytes.substr(0, 5));
  expect_load_error(s.file("e.safetensors"), {"not a safetensors file"});
}

TEST(CorruptWeights, HeaderOffsetsOutOfRange) {
  Scratch s;
  auto [header, data] = split_fixture();
  header["transformer.h.1.mlp.c_fc.weight"]["data_offsets"][1] = data.size() + 4;
  write_all(s.file("o.safetensors"), join(header, data));
  expect_load_error(s.file("o.safetensors"), {"transformer.h.1.mlp.c_fc.weight", "outside the data area"});
}

TEST(CorruptWeights, OverlappingTensors) {
  Scratch s;
  auto [header, data] = split_fixture();
  auto offsets = header["transformer.ln_f.weight"]["data_offsets"];
  header["transformer.ln_f.bias"]["data_offsets"] = offsets;  // same bytes twice
  write_all(s.file("o.safetensors"), join(header, data));
  expect_load_error(s.file("o.safetensors"), {"overlap", "transformer.ln_f"});
}

TEST(CorruptWeights, ShapeInconsistentWithByteRange) {
  Scratch s;
  auto [header, data] = split_fixture();
  header["lm_head.weight"]["shape"] = {288, 65};
  write_all(s.file("b.safetensors"), join(header, data));
  expect_load_error(s.file("b.safetensors"), {"lm_head.weight", "shape needs"});
}

TEST(CorruptWeights, BadHeaderJsonAndDtype) {
  Scratch s;
  auto [header, data] = split_fixture();
  std::string text = "{not json";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(text.size());
  write_all(s.file("j.safetensors"), bytes + text + data);
  expect_load_error(s.file("j.safetensors"), {"not valid JSON"});
  header["lm_head.weight"]["dtype"] = "C64";
  write_all(s.file("d.safetensors"), join(header, data));
  expect_load_error(s.file("d.safetensors"), {"lm_head.weight", "unsupported dtype 'C64'"});
}

TEST(CorruptWeights, MissingTensor) {
  Scratch s;
  rewrite(s.file("m.safetensors"), [](std::vector<TensorToWrite>& t) {
    std::erase_if(t, [](const TensorToWrite& x) { return x.name == "transformer.h.1.attn.c_proj.bias"; });
  });
  expect_load_error(s.file("m.safetensors"), {"missing tensor 'transformer.h.1.attn.c_proj.bias'"});
}

TEST(CorruptWeights, WrongShape) {
  Scratch s;
  rewrite(s.file("w.safetensors"), [](std::vector<TensorToWrite>& t) {
    for (auto& x : t)
      if (x.name == "transformer.wpe.weight") x.shape = {128, 128};  // same bytes, other shape
  });
  expect_load_error(s.file("w.safetensors"), {"transformer.wpe.weight", "has shape [128, 128], expected [256, 64]"});
}

TEST(CorruptWeights, NaNWeights) {
  Scratch s;
  rewrite(s.file("n.safetensors"), [](std::vector<TensorToWrite>& t) {
    for (auto& x : t)
      if (x.name == "transformer.h.0.mlp.c_fc.weight") {
        float nan = std::nanf("");
        std::memcpy(x.bytes.data() + 4 * 17, &nan, 4);
      }
  });
  expect_load_error(s.file("n.safetensors"), {"transformer.h.0.mlp.c_fc.weight", "NaN at index 17"});
}

TEST(CorruptWeights, NonFloatTensorAsWeight) {
  Scratch s;
  rewrite(s.file("i.safetensors"), [](std::vector<TensorToWrite>& t) {
    for (auto& x : t)
      if (x.name == "transformer.ln_f.weight") x.dtype = TensorDType::i32;  // 64 x 4 bytes either way
  });
  expect_load_error(s.file("i.safetensors"), {"transformer.ln_f.weight", "expected a floating-point tensor"});
}

TEST(CorruptWeights, MissingFile) {
  expect_load_error("/nonexistent/model.safetensors", {"cannot open"});
}

TEST(CorruptWeights, ToleratedBuffersAndRoundTrip) {
  // The fixture carries attn.bias causal-mask buffers; rewriting it keeps them
  // and a model still loads (they are ignored).
  Scratch s;
  rewrite(s.file("ok.safetensors"), [](std::vector<TensorToWrite>&) {});
  auto file = SafeTensorsFile::open(s.file("ok.safetensors"));
  EXPECT_TRUE(file->contains("transformer.h.0.attn.bias"));
  EXPECT_NO_THROW(GptModel::load(Weights(file), fixture_config()));
}
