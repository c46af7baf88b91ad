// Front end: lexer, types, suggestions, checking of generated programs.
#include <gtest/gtest.h>

#include "b2m/core/types.h"
#include "b2m/driver/frontend.h"
#include "b2m/lang/diagnostics.h"
#include "b2m/lang/token.h"
#include "b2m/driver/pipeline_generator.h"

namespace b2m {
namespace {

TEST(Lexer, TokensUnitsAndPositions) {
  SourceManager sm;
  DiagnosticEngine diags(sm);
  auto f = sm.add("t.b2m", "let w = 10s |> f(x=1.5e3) # c\n  ?t \"a\\\"b\"");
  auto toks = lex(f, sm.file(f).text, diags);
  ASSERT_FALSE(diags.has_errors());
  std::vector<Tok> kinds;
  for (const auto& t : toks) kinds.push_back(t.kind);
  std::vector<Tok> want = {Tok::KwLet, Tok::Ident, Tok::Assign, Tok::Int, Tok::Pipe, Tok::Ident, Tok::LParen,
                           Tok::Ident, Tok::Assign, Tok::Float, Tok::RParen, Tok::SizeSym, Tok::String, Tok::Eof};
  EXPECT_EQ(kinds, want);
  EXPECT_EQ(toks[3].unit, "s");
  EXPECT_EQ(toks[9].text, "1.5e3");
  EXPECT_EQ(toks[12].text, "a\"b");
  LineCol lc = sm.line_col(toks[11].loc);
  EXPECT_EQ(lc.line, 2u);
  EXPECT_EQ(lc.col, 3u);
}

TEST(Lexer, KeepsGoingAfterErrors) {
  SourceManager sm;
  DiagnosticEngine diags(sm);
  auto f = sm.add("t.b2m", "let a = 1 $ 2 ` 3\nlet b = \"open");
  lex(f, sm.file(f).text, diags);
  EXPECT_EQ(diags.num_errors(), 3u);
}

TEST(Types, TextualForm) {
  Type t = Type::tensor(DType::F32, {Dim{"time", Size::sym("?time")}, Dim{"alpha", Size::of(20)}, Dim{"v", {}}});
  EXPECT_EQ(t.str(), "f32[time=?time, alpha=20, v]");
  Type r = Type::record({Field{"bold", t}, Field{"tr", Type::scalar(DType::F64)}});
  EXPECT_EQ(r.str(), "{bold: f32[time=?time, alpha=20, v], tr: f64}");
  EXPECT_EQ(Type::list(DType::Str).str(), "list<str>");
  EXPECT_EQ(Type::opaque("music.model").str(), "opaque<music.model>");
  EXPECT_EQ(t.dim_index("alpha"), 1);
  EXPECT_EQ(t.dim_index("nope"), -1);
}

TEST(Types, FreshSymbolsAreUnique) {
  SizeSymbols s;
  s.reserve("?time");
  EXPECT_EQ(s.fresh("time"), "?time_2");
  EXPECT_EQ(s.fresh("time"), "?time_3");
  EXPECT_EQ(s.fresh("voxel"), "?voxel");
}

TEST(Suggestions, ClosestMatch) {
  EXPECT_EQ(closest_match("voxle", {"voxel", "time", "run"}), "voxel");
  EXPECT_EQ(closest_match("tme", {"voxel", "time"}), "time");
  EXPECT_EQ(closest_match("zzzzzz", {"voxel", "time"}), "");
  EXPECT_EQ(closest_match("a", {}), "");
}

TEST(Diagnostics, CaretUnderRange) {
  SourceManager sm;
  DiagnosticEngine diags(sm);
  auto f = sm.add("p.b2m", "let a = 1\nlet bb = foo + 2\n");
  auto& d = diags.error(Loc{f, 19, 3}, "unknown name 'foo'", "did you mean 'for'?");
  DiagnosticEngine::note(d, Loc{f, 4, 1}, "see here");
  EXPECT_EQ(diags.format(d),
            "p.b2m:2:10: error: unknown name 'foo'\n"
            "let bb = foo + 2\n"
            "         ^~~\n"
            "hint: did you mean 'for'?\n"
            "p.b2m:1:5: note: see here\n"
            "let a = 1\n"
            "    ^\n");
}

TEST(Frontend, GeneratedPipelinesCheckAndOptimize) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SourceManager sm;
    DiagnosticEngine diags(sm);
    diags.set_buffered(true);
    auto f = sm.add("gen.b2m", generate_pipeline(200, seed));
    FrontendOptions opts;
    opts.stdlib_dirs = {B2M_SOURCE_DIR "/stdlib"};
    opts.pass_options.verify_each = true;
    auto r = run_frontend(sm, diags, f, opts);
    std::string all;
    for (const auto& d : diags.diagnostics()) all += diags.format(d);
    EXPECT_TRUE(r.ok) << "seed " << seed << ":\n" << all;
  }
}

}  // namespace
}  // namespace b2m
