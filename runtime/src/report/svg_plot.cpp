#include "b2m/report/svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "b2m/report/colormap.h"
#include "b2m/report/markup.h"

namespace b2m::report {

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0.0, hi = 1.0;
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12) {
    double pad = std::abs(lo) > 1e-12 ? std::abs(lo) * 0.1 : 1.0;
    lo -= pad;
    hi += pad;
  }
  double raw = (hi - lo) / std::max(1, target);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  double first = std::floor(lo / step + 1e-9) * step;
  double last = std::ceil(hi / step - 1e-9) * step;
  std::vector<double> ticks;
  for (double t = first; t <= last + step * 0.5; t += step) ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

namespace {

std::string tick_text(double v, double step) {
  int decimals = step >= 1.0 ? 0 : std::min(6, int(std::ceil(-std::log10(step) - 1e-9)));
  if (step < 1.0 && std::abs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6)
    ++decimals;
  return num(v, decimals);
}

void open_svg(std::string& s, int width, int height, const std::string& title, const char* kind) {
  s += fmt::format(
      "<svg class=\"plot {}\" role=\"img\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n",
      kind, width, height, width, height);
  s += fmt::format("<title>{}</title>\n", xml_escape(title));
  s += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", width, height);
  s += fmt::format("<text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{}</text>\n",
                   width / 2, xml_escape(title));
}

}  // namespace

std::string bar_chart_svg(const BarChart& chart) {
  const std::size_t n = chart.bars.size();
  std::size_t longest = 0;
  for (const Bar& b : chart.bars) longest = std::max(longest, b.label.size());
  // Horizontal labels while they fit under their bars.
  const bool rotate = chart.show_labels && double(longest) * 6.5 > (chart.width - 80.0) / double(std::max<std::size_t>(n, 1));
  const double left = 62, right = 16, top = 32;
  double bottom = 40;
  if (chart.show_labels) bottom += rotate ? 52 : 16;
  if (!chart.notes.empty()) bottom += 14;
  const double pw = std::max(10.0, chart.width - left - right);
  const double ph = std::max(10.0, chart.height - top - bottom);

  double lo = chart.y_min, hi = chart.y_max;
  std::vector<double> ticks;
  if (!(lo < hi)) {
    lo = 0.0, hi = 0.0;
    for (const Bar& b : chart.bars)
      if (std::isfinite(b.value)) lo = std::min(lo, b.value), hi = std::max(hi, b.value);
    for (const RefLine& l : chart.lines)
      if (std::isfinite(l.value)) lo = std::min(lo, l.value), hi = std::max(hi, l.value);
    ticks = nice_ticks(lo, hi);
    lo = ticks.front();
    hi = ticks.back();
  } else {
    ticks = nice_ticks(lo, hi);
    std::erase_if(ticks, [&](double t) { return t < lo - 1e-9 || t > hi + 1e-9; });
  }
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : (hi - lo);
  auto ypos = [&](double v) {
    if (!std::isfinite(v)) v = 0.0;
    v = std::clamp(v, lo, hi);
    return top + ph * (hi - v) / (hi - lo);
  };

  std::string s;
  open_svg(s, chart.width, chart.height, chart.title, "bar-chart");
  // Grid and value axis.
  for (double t : ticks) {
    double y = ypos(t);
    s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#e3e3e3\"/>\n", num(left), num(y),
                     num(left + pw), num(y));
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", num(left - 5), num(y + 4),
                     tick_text(t, step));
  }
  s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#555555\"/>\n", num(left), num(top),
                   num(top + ph));
  double zero = ypos(std::clamp(0.0, lo, hi));
  s += fmt::format("<line x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\" stroke=\"#555555\"/>\n", num(left),
                   num(left + pw), num(zero));
  if (!chart.y_label.empty())
    s += fmt::format(
        "<text x=\"14\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {0})\">{1}</text>\n",
        num(top + ph / 2), xml_escape(chart.y_label));

  // Bars.
  const double slot = n > 0 ? pw / double(n) : pw;
  const double bw = n > 80 ? std::max(0.6, slot * 0.9) : slot * 0.78;
  for (std::size_t i = 0; i < n; ++i) {
    const Bar& b = chart.bars[i];
    double x = left + slot * double(i) + (slot - bw) / 2;
    double y = ypos(b.value);
    double y0 = std::min(y, zero), h = std::abs(zero - y);
    std::string tip = b.tooltip.empty() ? fmt::format("{}: {}", b.label, num(b.value, 3)) : b.tooltip;
    s += fmt::format(
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>\n",
        num(x), num(y0), num(bw), num(std::max(h, 0.5)), b.color.empty() ? chart.color : b.color, xml_escape(tip));
    double cx = x + bw / 2;
    if (chart.show_values && std::isfinite(b.value)) {
      double ty = b.value >= 0 ? y0 - 3 : y0 + h + 11;
      s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{}</text>\n", num(cx),
                       num(ty), num(b.value, 2));
    }
    double label_y = top + ph + 14;
    if (chart.show_labels) {
      if (rotate)
        s += fmt::format(
            "<text x=\"{0}\" y=\"{1}\" text-anchor=\"end\" transform=\"rotate(-35 {0} {1})\">{2}</text>\n",
            num(cx + 3), num(label_y - 2), xml_escape(b.label));
      else
        s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num(cx), num(label_y),
                         xml_escape(b.label));
    }
    if (i < chart.notes.size() && !chart.notes[i].empty()) {
      double note_y = top + ph + (chart.show_labels ? (rotate ? 66 : 28) : 14);
      s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\" fill=\"#666666\">{}</text>\n",
                       num(cx), num(note_y), xml_escape(chart.notes[i]));
    }
  }

  // Reference lines, labelled at the right end.
  for (const RefLine& l : chart.lines) {
    if (!std::isfinite(l.value) || l.value < lo || l.value > hi) continue;
    double y = ypos(l.value);
    s += fmt::format(
        "<line class=\"ref\" x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"1.5\"{4}>"
        "<title>{5}</title></line>\n",
        num(left), num(left + pw), num(y), l.color, l.dashed ? " stroke-dasharray=\"5 4\"" : "",
        xml_escape(l.label));
    s += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"3\" "
        "paint-order=\"stroke\">{}</text>\n",
        num(left + pw - 4), num(y - 4), l.color, xml_escape(l.label));
  }
  if (!chart.x_label.empty())
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num(left + pw / 2),
                     num(chart.height - 8), xml_escape(chart.x_label));
  s += "</svg>\n";
  return s;
}

std::string count_heatmap_svg(const CountHeatmap& hm) {
  const std::size_t rows = hm.row_labels.size(), cols = hm.col_labels.size();
  const double c = hm.cell;
  const double left = 112, top = 34, right = 56, bottom = 92;
  const int width = int(left + c * double(cols) + right);
  const int height = int(top + c * double(rows) + bottom);
  std::string s;
  open_svg(s, width, height, hm.title, "heatmap");
  for (std::size_t r = 0; r < rows; ++r) {
    long long total = 0;
    for (std::size_t k = 0; k < cols; ++k) total += (r < hm.counts.size() && k < hm.counts[r].size()) ? hm.counts[r][k] : 0;
    double y = top + c * double(r);
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", num(left - 6), num(y + c / 2 + 4),
                     xml_escape(hm.row_labels[r]));
    for (std::size_t k = 0; k < cols; ++k) {
      long long count = (r < hm.counts.size() && k < hm.counts[r].size()) ? hm.counts[r][k] : 0;
      double share = total > 0 ? double(count) / double(total) : 0.0;
      double x = left + c * double(k);
      std::string tip = fmt::format("{} -> {}: {} of {} clips ({}%)", hm.row_labels[r], hm.col_labels[k], count,
                                    total, num(100.0 * share, 0));
      s += fmt::format(
          "<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#ffffff\">"
          "<title>{}</title></rect>\n",
          num(x), num(y), num(c), num(c), hex(blues(share)), xml_escape(tip));
      s += fmt::format("<text class=\"count\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text>\n",
                       num(x + c / 2), num(y + c / 2 + 4),
                       count == 0 ? "#b0b0b0" : (share > 0.5 ? "#ffffff" : "#1a1a1a"), count);
      if (r == k)
        s += fmt::format(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333333\" "
            "stroke-width=\"1.5\"/>\n",
            num(x + 1), num(y + 1), num(c - 2), num(c - 2));
    }
    s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555555\">n={}</text>\n", num(left + c * double(cols) + 6),
                     num(y + c / 2 + 4), total);
  }
  const double label_y = top + c * double(rows) + 10;
  for (std::size_t k = 0; k < cols; ++k) {
    double x = left + c * double(k) + c / 2;
    s += fmt::format("<text x=\"{0}\" y=\"{1}\" text-anchor=\"end\" transform=\"rotate(-40 {0} {1})\">{2}</text>\n",
                     num(x + 4), num(label_y), xml_escape(hm.col_labels[k]));
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n",
                   num(left + c * double(cols) / 2), num(height - 8), xml_escape(hm.col_title));
  s += fmt::format(
      "<text x=\"14\" y=\"{0}\" text-anchor=\"middle\" font-weight=\"bold\" transform=\"rotate(-90 14 {0})\">{1}</text>\n",
      num(top + c * double(rows) / 2), xml_escape(hm.row_title));
  s += "</svg>\n";
  return s;
}

}  // namespace b2m::report
