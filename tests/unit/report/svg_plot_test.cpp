#include "b2m/report/svg_plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "b2m/report/markup.h"
#include "python_check.h"

namespace b2m::report {
namespace {

namespace fs = std::filesystem;

// Parses the SVG with Python's XML parser; prints "<root> <#rect.bar> <#rect.cell> <#text>".
std::string parse_svg(const std::string& svg) {
  fs::path file = fs::temp_directory_path() / ("b2m_svg_" + std::to_string(::getpid()) + ".svg");
  {
    std::ofstream out(file);
    out << svg;
  }
  auto r = testing::run_python(R"PY(
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
rects = root.findall('.//rect')
bars = [r for r in rects if r.get('class') == 'bar']
cells = [r for r in rects if r.get('class') == 'cell']
for e in root.iter():
    for k, v in e.attrib.items():
        if 'nan' in v.lower() or 'inf' in v.lower():
            print('bad attribute', e.tag, k, v); sys.exit(1)
print(root.tag, len(bars), len(cells), len(root.findall('.//text')))
)PY",
                               file.string());
  fs::remove(file);
  EXPECT_EQ(r.status, 0) << r.output;
  while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
  return r.output;
}

TEST(SvgPlot, BarChartIsWellFormedWithOneRectPerBar) {
  BarChart chart;
  chart.title = "Scores <per> clip & \"genre\"";
  chart.y_label = "accuracy";
  chart.x_label = "clips";
  chart.y_min = 0;
  chart.y_max = 1;
  chart.show_labels = true;
  chart.show_values = true;
  for (int i = 0; i < 12; ++i) chart.bars.push_back({0.05 + 0.08 * i, "g<" + std::to_string(i) + ">", "", ""});
  chart.bars.push_back({std::nan(""), "missing", "", ""});
  chart.notes = {"n=1", "n=2"};
  chart.lines = {{0.5, "chance 0.5"}, {0.7, "mean", "#222222", false}};
  std::string svg = bar_chart_svg(chart);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("Scores &lt;per&gt; clip &amp; &quot;genre&quot;"), std::string::npos);
  EXPECT_NE(svg.find("chance 0.5"), std::string::npos);
  EXPECT_EQ(svg.find("http"), std::string::npos);
  std::string parsed = parse_svg(svg);
  EXPECT_EQ(parsed.substr(0, parsed.find(' ')), "svg");
  EXPECT_NE(parsed.find(" 13 0 "), std::string::npos) << parsed;
}

TEST(SvgPlot, AutomaticRangeCoversNegativeValues) {
  BarChart chart;
  chart.title = "r";
  for (int i = 0; i < 128; ++i) chart.bars.push_back({std::sin(i * 0.3) * 0.4, "d", "", ""});
  std::string svg = bar_chart_svg(chart);
  EXPECT_NE(svg.find(">-0.4<"), std::string::npos);
  EXPECT_NE(svg.find(">0.4<"), std::string::npos);
  EXPECT_NE(parse_svg(svg).find(" 128 0 "), std::string::npos);
}

TEST(SvgPlot, HeatmapHasACellAndACountPerEntry) {
  CountHeatmap hm;
  hm.title = "confusion";
  hm.row_title = "truth";
  hm.col_title = "predicted";
  hm.row_labels = {"a", "b", "c"};
  hm.col_labels = {"a", "b", "c"};
  hm.counts = {{3, 1, 0}, {0, 2, 2}, {0, 0, 0}};
  std::string svg = count_heatmap_svg(hm);
  std::string parsed = parse_svg(svg);
  EXPECT_NE(parsed.find(" 0 9 "), std::string::npos) << parsed;
  EXPECT_NE(svg.find("fill=\"#ffffff\">3</text>"), std::string::npos);  // 3 of 4: dark cell, white text
  EXPECT_NE(svg.find("a -&gt; b: 1 of 4 clips (25%)"), std::string::npos);
  EXPECT_NE(svg.find(">n=4<"), std::string::npos);
  EXPECT_NE(svg.find(">n=0<"), std::string::npos);
}

TEST(SvgPlot, NiceTicks) {
  EXPECT_EQ(nice_ticks(0, 1).size(), 6u);
  auto t = nice_ticks(-0.17, 0.42);
  EXPECT_LE(t.front(), -0.17);
  EXPECT_GE(t.back(), 0.42);
  EXPECT_GE(t.size(), 3u);
  EXPECT_LE(t.size(), 9u);
  auto flat = nice_ticks(0, 0);
  EXPECT_LT(flat.front(), flat.back());
}

TEST(Markup, EscapeAndNumbers) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(num(1.5), "1.5");
  EXPECT_EQ(num(2.0), "2");
  EXPECT_EQ(num(-0.0001), "0");
  EXPECT_EQ(num(std::nan("")), "0");
  EXPECT_EQ(num(3.14159, 3), "3.142");
}

}  // namespace
}  // namespace b2m::report
