// Graph IR: the op table, print/parse round trips, verifier, passes.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "b2m/driver/frontend.h"
#include "b2m/driver/pipeline_generator.h"
#include "b2m/ir/printer.h"
#include "b2m/ir/verifier.h"

namespace b2m {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OpTable, NamesAreUniqueAndResolve) {
  std::set<std::string> names;
  for (int i = 0; i < num_ops(); ++i) {
    const OpInfo& info = op_info(static_cast<OpId>(i));
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_EQ(op_from_name(info.name), info.id);
  }
  EXPECT_FALSE(op_from_name("no_such_op").has_value());
}

// The round-trip lit test must cover every op in the table.
TEST(OpTable, RoundTripTestCoversEveryOp) {
  SourceManager sm;
  DiagnosticEngine diags(sm);
  auto f = sm.add("all.b2ir", read(B2M_SOURCE_DIR "/tests/lit/ir/roundtrip_all_ops.b2ir"));
  auto m = ir::parse_module_text(f, diags);
  ASSERT_TRUE(m);
  ASSERT_TRUE(ir::verify(*m, diags));
  std::set<OpId> seen;
  for (const auto& fn : m->funcs)
    for (const auto& op : fn->body) seen.insert(op->id);
  for (int i = 0; i < num_ops(); ++i)
    EXPECT_TRUE(seen.count(static_cast<OpId>(i))) << "no op '" << op_info(static_cast<OpId>(i)).name
                                                   << "' in roundtrip_all_ops.b2ir";
}

TEST(Attr, FloatsPrintExactly) {
  for (double v : {0.1, 1.0 / 3.0, 1e300, -2.5e-310, 123456789.0, 0.20000000298023224}) {
    std::string s = ir::Attr::of_float(v).str();
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
    EXPECT_NE(s.find_first_of(".en"), std::string::npos) << s;
  }
}

// Property: for generated pipelines, IR text -> parse -> print is the
// identity, both before and after optimization, and every pass keeps the IR
// valid.
TEST(RoundTrip, GeneratedPipelines) {
  for (std::uint64_t seed = 10; seed < 20; ++seed) {
    SourceManager sm;
    DiagnosticEngine diags(sm);
    diags.set_buffered(true);
    auto f = sm.add("gen.b2m", generate_pipeline(120, seed));
    for (Stage stage : {Stage::Ir, Stage::IrOpt}) {
      FrontendOptions opts;
      opts.stop_after = stage;
      opts.stdlib_dirs = {B2M_SOURCE_DIR "/stdlib"};
      opts.pass_options.verify_each = true;
      auto r = run_frontend(sm, diags, f, opts);
      ASSERT_TRUE(r.ok) << "seed " << seed;
      std::string text = ir::print_module(*r.module);
      auto g = sm.add("gen.b2ir", text);
      auto reparsed = ir::parse_module_text(g, diags);
      ASSERT_TRUE(reparsed) << "seed " << seed;
      EXPECT_EQ(ir::print_module(*reparsed), text) << "seed " << seed;
    }
  }
}

TEST(Verifier, RejectsUseBeforeDefinition) {
  ir::Module m;
  auto fn = std::make_unique<ir::Func>();
  fn->name = "main";
  auto c = ir::make_op(OpId::Const, {}, Type::scalar(DType::F32), Loc{});
  c->set_attr("value", ir::Attr::of_float(1.0));
  auto n = ir::make_op(OpId::Neg, {c->result.get()}, Type::scalar(DType::F32), Loc{});
  fn->body.push_back(std::move(n));  // uses c before c is defined
  fn->body.push_back(std::move(c));
  fn->body.push_back(ir::make_op(OpId::Return, {}, Type::invalid(), Loc{}));
  m.funcs.push_back(std::move(fn));
  SourceManager sm;
  DiagnosticEngine diags(sm);
  EXPECT_FALSE(ir::verify(m, diags));
  ASSERT_GE(diags.diagnostics().size(), 1u);
  EXPECT_NE(diags.diagnostics()[0].message.find("not defined before it"), std::string::npos);
}

}  // namespace
}  // namespace b2m
