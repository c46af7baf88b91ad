// b2m-report end to end through the library: a fixture run + dataset, the
// written report parsed as XML (counts of plots, spectrograms and players,
// data: URIs only, decodable WAV/PNG payloads), and clean failures that leave
// no file behind.
#include "b2m/report/html_report.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "b2m/io/npy.h"
#include "b2m/runtime/error.h"
#include "fixture.h"
#include "python_check.h"

namespace b2m::report {
namespace {

namespace fs = std::filesystem;
using testing::FixtureOptions;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            fmt::format("b2m_report_{}_{}", ::getpid(),
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  testing::Fixture make(const FixtureOptions& options = {}) { return testing::make_fixture(root_.string(), options); }

  ReportOptions options_for(const testing::Fixture& f) {
    ReportOptions o;
    o.run_dir = f.run_dir;
    o.data_dir = f.data_dir;
    return o;
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Everything in the run folder whose name starts with "report".
  static std::vector<std::string> report_files(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().filename().string().rfind("report", 0) == 0) names.push_back(e.path().filename().string());
    return names;
  }

  fs::path root_;
};

// Parses report.html as XML and prints "svg=N img=N audio=N" after checking the
// data: URIs (PNG signature, 16 kHz 16-bit mono WAV) and that nothing refers
// to the network.
const char* kCheckReport = R"PY(
import base64, struct, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
def local(tag): return tag.split('}')[-1]
counts = {'svg': 0, 'img': 0, 'audio': 0, 'script': 0, 'link': 0, 'iframe': 0}
for e in root.iter():
    t = local(e.tag)
    if t in counts: counts[t] += 1
    for k, v in e.attrib.items():
        low = v.strip().lower()
        if low.startswith('http:') or low.startswith('https:') or low.startswith('//') or 'url(' in low:
            print('external reference', t, k, v[:80]); sys.exit(1)
    if t == 'img':
        src = e.get('src', '')
        assert src.startswith('data:image/png;base64,'), src[:40]
        png = base64.b64decode(src.split(',', 1)[1])
        assert png[:8] == b'\x89PNG\r\n\x1a\n'
        w, h = struct.unpack('>II', png[16:24])
        assert w > 0 and h > 0 and int(e.get('width')) == w and int(e.get('height')) == h
    if t == 'audio':
        src = e.get('src', '')
        assert src.startswith('data:audio/wav;base64,'), src[:40]
        assert e.get('controls') is not None
        wav = base64.b64decode(src.split(',', 1)[1])
        assert wav[:4] == b'RIFF' and wav[8:12] == b'WAVE'
        fmt, ch, rate, _, _, bits = struct.unpack('<HHIIHH', wav[20:36])
        assert (fmt, ch, rate, bits) == (1, 1, 16000, 16), (fmt, ch, rate, bits)
        assert len(wav) > 44
text = ''.join(root.itertext())
for needed in ['0.876', '0.992', '0.307', '0.538', 'chance', 'How to read this report']:
    assert needed in text, needed
print('svg=%d img=%d audio=%d script=%d link=%d iframe=%d' % tuple(counts[k] for k in ['svg', 'img', 'audio', 'script', 'link', 'iframe']))
)PY";

TEST_F(ReportTest, WritesASelfContainedReport) {
  auto f = make();
  auto o = options_for(f);
  o.title = "Report <test> & co";
  ReportStats stats = write_report(o);
  EXPECT_EQ(stats.out_path, (fs::path(f.run_dir) / "report.html").string());
  EXPECT_EQ(stats.clips, 12u);
  EXPECT_EQ(stats.examples, 4u);
  EXPECT_EQ(stats.svgs, 5u);     // per clip, per genre, per dimension, confusion, regions
  EXPECT_EQ(stats.images, 12u);  // stimulus, retrieval, generation per example
  EXPECT_EQ(stats.audios, 12u);
  ASSERT_TRUE(fs::exists(stats.out_path));
  EXPECT_EQ(report_files(f.run_dir), std::vector<std::string>{"report.html"});

  auto r = testing::run_python(kCheckReport, stats.out_path);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "svg=5 img=12 audio=12 script=0 link=0 iframe=0\n");

  std::string html = read(stats.out_path);
  EXPECT_EQ(html.size(), stats.bytes);
  EXPECT_NE(html.find("<title>Report &lt;test&gt; &amp; co</title>"), std::string::npos);
  EXPECT_NE(html.find("b2m report test dataset"), std::string::npos);
  EXPECT_NE(html.find("report-fixture 1.0 — unit-test fixture (seed 7)"), std::string::npos);
  EXPECT_EQ(html.find("example.org"), std::string::npos);  // CodeURL is not shown
  EXPECT_NE(html.find("generation (untrained demo model)"), std::string::npos);
  EXPECT_NE(html.find("reference: chance"), std::string::npos);
  EXPECT_NE(html.find("reference: Brain2Music paper"), std::string::npos);
  // Extra metrics: numbers and nested numbers shown, arrays ignored.
  EXPECT_NE(html.find("<code>n_voxels</code></td><td class=\"num\">4000<"), std::string::npos);
  EXPECT_NE(html.find("<code>timing.fit_s</code>"), std::string::npos);
  EXPECT_EQ(html.find("per_clip"), std::string::npos);
  // The confusion matrix counts every test clip once.
  std::size_t total = 0;
  for (std::size_t at = html.find(">n="); at != std::string::npos; at = html.find(">n=", at + 1))
    if (html.compare(at, 4, ">n=<") != 0 && html.find("</text>", at) < html.find('\n', at))
      total += std::stoul(html.substr(at + 3));
  // Per-genre notes ("n=" under the bars) count the clips too: twice the clips.
  EXPECT_EQ(total, 2 * 12u);
}

TEST_F(ReportTest, OptionalInputsAndExplicitOut) {
  FixtureOptions fo;
  fo.generated = false;
  fo.region_score = false;
  fo.recon_retrieved = true;
  fo.genres = 3;
  fo.clips = 7;
  auto f = make(fo);
  auto o = options_for(f);
  o.out_path = (root_ / "elsewhere.html").string();
  o.examples = 2;
  ReportStats stats = write_report(o);
  EXPECT_EQ(stats.svgs, 4u);
  EXPECT_EQ(stats.images, 4u);
  EXPECT_EQ(stats.audios, 4u);
  EXPECT_TRUE(fs::exists(o.out_path));
  EXPECT_TRUE(report_files(f.run_dir).empty());
  auto r = testing::run_python(kCheckReport, o.out_path);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "svg=4 img=4 audio=4 script=0 link=0 iframe=0\n");
  EXPECT_EQ(read(o.out_path).find("untrained demo model"), std::string::npos);
}

TEST_F(ReportTest, UnusableRegionScoreIsANoteNotAFailure) {
  auto f = make();
  std::vector<float> region(8 * 3, 0.1f);
  io::write_npy((fs::path(f.run_dir) / "region_score.npy").string(), region.data(), {8, 3});
  ReportStats stats = write_report(options_for(f));
  EXPECT_EQ(stats.svgs, 4u);
  std::string html = read(stats.out_path);
  EXPECT_NE(html.find("region_score.npy&#39; has shape [8, 3], not [region]"), std::string::npos);
}

TEST_F(ReportTest, RegionNamesLabelTheRegionBarsAndABadListIsANote) {
  auto f = make();
  const fs::path names = fs::path(f.run_dir) / "regions.json";
  std::ofstream(names.string()) << R"(["Heschl_L", "Heschl_R", "A", "B", "C", "D", "E", "Postcentral_R"])";
  std::string html = read(write_report(options_for(f)).out_path);
  EXPECT_NE(html.find(">Heschl_L<"), std::string::npos);
  EXPECT_NE(html.find("region Postcentral_R: "), std::string::npos);
  std::ofstream(names.string()) << R"(["only", "three", "names"])";
  html = read(write_report(options_for(f)).out_path);
  EXPECT_NE(html.find("is not a list of 8 region names: regions are shown by index"), std::string::npos);
  EXPECT_EQ(html.find(">Heschl_L<"), std::string::npos);
}

TEST_F(ReportTest, ZeroExamples) {
  auto f = make();
  auto o = options_for(f);
  o.examples = 0;
  ReportStats stats = write_report(o);
  EXPECT_EQ(stats.images, 0u);
  EXPECT_EQ(stats.audios, 0u);
}

struct BadInput {
  const char* name;
  std::function<void(const testing::Fixture&)> damage;
  std::vector<std::string> message;  // substrings of the error
};

TEST_F(ReportTest, FailsCleanlyAndLeavesNoFile) {
  auto run_file = [](const testing::Fixture& f, const char* name) { return (fs::path(f.run_dir) / name).string(); };
  auto write_text = [](const std::string& path, const std::string& text) { std::ofstream(path) << text; };
  std::vector<BadInput> cases = {
      {"missing identification", [&](auto& f) { fs::remove(run_file(f, "identification_test.npy")); },
       {"identification_test.npy", "missing"}},
      {"missing metrics", [&](auto& f) { fs::remove(run_file(f, "metrics.json")); }, {"metrics.json", "missing"}},
      {"metrics key", [&](auto& f) { write_text(run_file(f, "metrics.json"), R"({"identification_test": 0.7})"); },
       {"metrics.json", "identification_train"}},
      {"metrics not json", [&](auto& f) { write_text(run_file(f, "metrics.json"), "{oops"); },
       {"metrics.json", "not valid JSON"}},
      {"clips shape",
       [&](auto& f) {
         std::vector<std::int64_t> c = {101, 202, 303};
         io::write_npy(run_file(f, "test_clips.npy"), c.data(), {c.size()});
       },
       {"test_clips.npy", "[3]", "does not match identification_test.npy", "12 clips"}},
      {"clips dtype",
       [&](auto& f) {
         std::vector<float> c(12, 101.0f);
         io::write_npy(run_file(f, "test_clips.npy"), c.data(), {c.size()});
       },
       {"test_clips.npy", "integer"}},
      {"retrieved 1-D",
       [&](auto& f) {
         std::vector<std::int64_t> c(12, 0);
         io::write_npy(run_file(f, "retrieved.npy"), c.data(), {c.size()});
       },
       {"retrieved.npy", "2-D"}},
      {"score ranks",
       [&](auto& f) {
         std::vector<float> c(12 * 4, 0.5f);
         io::write_npy(run_file(f, "retrieved_score.npy"), c.data(), {12, 4});
       },
       {"retrieved_score.npy", "5 ranks"}},
      {"genre vs code",
       [&](auto& f) {
         auto g = io::read_npy(run_file(f, "test_genre.npy")).as_i64();
         g[2] = (g[2] + 1) % 10;
         io::write_npy(run_file(f, "test_genre.npy"), g.data(), {g.size()});
       },
       {"test_genre.npy", "clip 2", "test_clips.npy"}},
      {"bank item", [&](auto& f) { write_text((fs::path(f.data_dir) / "bank" / "bank.tsv").string(), "item\tfile\tgenre\n0\tclips/item_000.wav\tblues\n"); },
       {"retrieved.npy", "not in", "bank.tsv"}},
      {"missing stimulus",
       [&](auto& f) {
         for (const auto& e : fs::directory_iterator(fs::path(f.data_dir) / "stimuli")) fs::remove(e.path());
       },
       {"stimuli/", ".wav", "not found"}},
      {"broken stimulus",
       [&](auto& f) {
         for (const auto& e : fs::directory_iterator(fs::path(f.data_dir) / "stimuli")) write_text(e.path().string(), "not audio");
       },
       {"stimuli/", ".wav"}},
      {"missing bank audio",
       [&](auto& f) {
         for (const auto& e : fs::directory_iterator(fs::path(f.data_dir) / "bank" / "clips")) fs::remove(e.path());
       },
       {"bank/clips/item_", "not found"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    fs::remove_all(root_);
    fs::create_directories(root_);
    auto f = make();
    c.damage(f);
    std::string message;
    try {
      write_report(options_for(f));
    } catch (const Error& e) {
      message = e.what();
    }
    ASSERT_FALSE(message.empty()) << "no error";
    for (const auto& part : c.message) EXPECT_NE(message.find(part), std::string::npos) << message;
    EXPECT_TRUE(report_files(f.run_dir).empty()) << "a report file was left behind";
  }
}

TEST_F(ReportTest, FailureKeepsAnEarlierReportUntouched) {
  auto f = make();
  std::string out = (fs::path(f.run_dir) / "report.html").string();
  std::ofstream(out) << "earlier";
  fs::remove(fs::path(f.run_dir) / "pearson_test.npy");
  EXPECT_THROW(write_report(options_for(f)), Error);
  EXPECT_EQ(read(out), "earlier");
  EXPECT_EQ(report_files(f.run_dir), std::vector<std::string>{"report.html"});
}

// 60 clips of 15 s (the paper's clip length), 4 examples: small and quick.
TEST_F(ReportTest, SixtyClipsIsSmallAndFast) {
  FixtureOptions fo;
  fo.clips = 60;
  fo.seconds = 15.0;
  fo.bank_items = 10;
  fo.generated = true;
  auto f = make(fo);
  auto start = std::chrono::steady_clock::now();
  ReportStats stats = write_report(options_for(f));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("report: %.2f s, %.2f MB\n", seconds, double(stats.bytes) / 1e6);
  EXPECT_LT(stats.bytes, 10u * 1000 * 1000);
  EXPECT_LT(seconds, 10.0);  // < 3 s on an idle 2-core machine; slack for loaded CI
  EXPECT_EQ(stats.audios, 12u);
}

}  // namespace
}  // namespace b2m::report
