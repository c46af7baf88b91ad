// Charts drawn by the project as inline SVG (no browser-side library): bar
// charts with reference lines and an annotated count heatmap. The output is a
// single well-formed <svg> element (no xmlns: it is meant to be inlined in
// HTML) with a <title> for accessibility and a <title> tooltip per mark.
#pragma once

#include <string>
#include <vector>

namespace b2m::report {

struct Bar {
  double value = 0.0;
  std::string label;    // drawn under the bar when BarChart::show_labels
  std::string tooltip;  // hover text; empty: label and value
  std::string color;    // empty: BarChart::color
};

struct RefLine {
  double value = 0.0;
  std::string label;
  std::string color = "#c0392b";
  bool dashed = true;
};

struct BarChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<Bar> bars;
  std::vector<RefLine> lines;
  // Value axis; when y_min >= y_max the range is taken from the data (and 0).
  double y_min = 0.0, y_max = 0.0;
  int width = 760, height = 280;
  std::string color = "#3b6ea5";
  bool show_labels = false;        // category labels under the bars
  bool show_values = false;        // value printed above each bar
  std::vector<std::string> notes;  // per bar, printed under the label (e.g. "n=6")
};

std::string bar_chart_svg(const BarChart& chart);

// A rows x cols grid of counts; each cell is shaded by its share of its row,
// the count is printed in the cell, the diagonal is outlined and row totals
// are printed on the right.
struct CountHeatmap {
  std::string title;
  std::string row_title;  // e.g. "stimulus genre"
  std::string col_title;  // e.g. "top-1 retrieved genre"
  std::vector<std::string> row_labels, col_labels;
  std::vector<std::vector<long long>> counts;  // [row][col]
  int cell = 38;
};

std::string count_heatmap_svg(const CountHeatmap& heatmap);

// Round-number axis ticks covering [lo, hi] (about `target` of them).
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

}  // namespace b2m::report
