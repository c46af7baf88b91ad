#include "b2m/report/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "b2m/io/atomic_file.h"
#include "b2m/report/confusion.h"
#include "b2m/report/example_selection.h"
#include "b2m/report/markup.h"
#include "b2m/report/svg_plot.h"
#include "b2m/runtime/error.h"

namespace fs = std::filesystem;

namespace b2m::report {

namespace {

// Brain2Music (Denk et al. 2023) Table 2, MuLan_music row, mean over 5 subjects.
constexpr double kPaperIdTest = 0.876, kPaperIdTrain = 0.992, kPaperCorrTest = 0.307, kPaperCorrTrain = 0.538;

// matplotlib's tab10, one colour per GTZAN genre.
const char* genre_color(std::int64_t g) {
  static const char* colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return g >= 0 && g < 10 ? colors[g] : "#555555";
}

std::string fixed(double v, int decimals = 3) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : std::string("n/a");
}

double metric(const nlohmann::json& m, const char* key) {
  return m.contains(key) && m[key].is_number() ? m[key].get<double>() : std::nan("");
}

double mean_of(const std::vector<float>& v) {
  double s = 0;
  std::size_t k = 0;
  for (float x : v)
    if (std::isfinite(x)) s += x, ++k;
  return k ? s / double(k) : std::nan("");
}

const char* kStyle = R"CSS(
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1a1a1a; margin: 0;
       background: #f4f5f7; line-height: 1.45; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; background: #ffffff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 8px; border-bottom: 1px solid #dde1e6; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 22px 0 6px; }
.subtitle { color: #5a6270; margin: 0 0 18px; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 14px; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 4px 12px 4px 0; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 14px; }
tr.run td { font-weight: bold; }
tr.reference td { color: #5a6270; }
.facts th { color: #5a6270; font-weight: normal; padding-right: 18px; }
.note { color: #5a6270; font-size: 13px; }
.plot { display: block; max-width: 100%; height: auto; margin: 6px 0; }
.legend { font-size: 12px; color: #333333; margin: 0 0 8px; }
.swatch { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; vertical-align: middle; }
.example { border: 1px solid #dde1e6; border-radius: 6px; padding: 10px 14px 12px; margin: 14px 0; }
.media { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 14px; }
figure { margin: 0; }
figcaption { font-size: 13px; margin-bottom: 4px; min-height: 2.9em; }
figcaption .kind { font-weight: bold; }
img.spectrogram { display: block; width: 100%; height: 128px; image-rendering: pixelated; border-radius: 3px; }
audio { width: 100%; margin-top: 6px; }
.demo { color: #a04000; }
.warning { background: #fff4e0; border-left: 4px solid #e0a030; padding: 6px 10px; font-size: 14px; }
.howto li { margin-bottom: 5px; }
.toc { font-size: 13px; margin: 0 0 8px; }
.toc a { color: #3b6ea5; margin-right: 10px; text-decoration: none; }
footer { margin-top: 36px; color: #7a818c; font-size: 12px; }
)CSS";

struct Counter {
  std::size_t svgs = 0, images = 0, audios = 0;
};

void facts_section(std::string& h, const RunData& run) {
  h += "<h2 id=\"run\">Run</h2>\n<table class=\"facts\">\n";
  auto row = [&h](const std::string& k, const std::string& v) {
    h += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", xml_escape(k), xml_escape(v));
  };
  const auto& dd = run.dataset_description;
  if (dd.is_object()) {
    row("dataset", dd.contains("Name") && dd["Name"].is_string() ? dd["Name"].get<std::string>() : "(unnamed)");
    if (dd.contains("GeneratedBy") && dd["GeneratedBy"].is_array()) {
      for (const auto& g : dd["GeneratedBy"]) {
        if (!g.is_object()) continue;
        auto get = [&g](const char* key) {
          return g.contains(key) && g[key].is_string() ? g[key].get<std::string>() : std::string();
        };
        std::string text = get("Name");
        if (!get("Version").empty()) text += " " + get("Version");
        if (!get("Description").empty()) text += (text.empty() ? "" : " — ") + get("Description");
        // Other scalar settings (preset, seed, ...); links are not shown.
        std::string settings;
        for (auto it = g.begin(); it != g.end(); ++it) {
          const std::string& key = it.key();
          if (key == "Name" || key == "Version" || key == "Description" || key == "CodeURL") continue;
          std::string value;
          if (it->is_string()) value = it->get<std::string>();
          else if (it->is_number_integer()) value = std::to_string(it->get<long long>());
          else if (it->is_number()) value = fmt::format("{:.6g}", it->get<double>());
          else if (it->is_boolean()) value = it->get<bool>() ? "true" : "false";
          if (value.empty() || value.rfind("http", 0) == 0) continue;
          settings += (settings.empty() ? "" : ", ") + key + " " + value;
        }
        if (!settings.empty()) text += " (" + settings + ")";
        if (!text.empty()) row("generated by", text);
      }
    }
  } else {
    row("dataset", "(no dataset_description.json)");
  }
  row("dataset folder", fs::absolute(run.data_dir).lexically_normal().string());
  row("run folder", fs::absolute(run.run_dir).lexically_normal().string());
  std::vector<bool> present(gtzan_genres().size(), false);
  for (auto g : run.genre) present[std::size_t(g)] = true;
  row("test clips", fmt::format("{} from {} genres", run.clip_count(), std::count(present.begin(), present.end(), true)));
  row("embedding dimensions", std::to_string(run.pearson.size()));
  row("retrieval bank", fmt::format("{} items, top {} retrieved per clip", run.bank.size(), run.ranks));
  if (run.region_score) row("regions", std::to_string(run.region_score->size()));
  h += "</table>\n";
}

void table2_section(std::string& h, const RunData& run) {
  const auto& m = run.metrics;
  h += "<h2 id=\"table2\">fMRI &#8594; embedding (Table 2 style)</h2>\n";
  h += "<table class=\"table2\">\n<tr><th></th><th class=\"num\">identification, test</th>"
       "<th class=\"num\">identification, train</th><th class=\"num\">correlation, test</th>"
       "<th class=\"num\">correlation, train</th></tr>\n";
  h += fmt::format(
      "<tr class=\"run\"><td>this run</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
      "<td class=\"num\">{}</td></tr>\n",
      fixed(metric(m, "identification_test")), fixed(metric(m, "identification_train")),
      fixed(metric(m, "pearson_test")), fixed(metric(m, "pearson_train")));
  h += fmt::format(
      "<tr class=\"reference\"><td>reference: Brain2Music paper, MuLan<sub>music</sub> (Table 2, mean of 5 "
      "subjects)</td><td class=\"num\">{:.3f}</td><td class=\"num\">{:.3f}</td><td class=\"num\">{:.3f}</td>"
      "<td class=\"num\">{:.3f}</td></tr>\n",
      kPaperIdTest, kPaperIdTrain, kPaperCorrTest, kPaperCorrTrain);
  h += "<tr class=\"reference\"><td>reference: chance</td><td class=\"num\">0.500</td><td class=\"num\">0.500</td>"
       "<td class=\"num\">0.000</td><td class=\"num\">0.000</td></tr>\n</table>\n";
  h += "<p class=\"note\">The paper's numbers come from real fMRI of 5 subjects listening to GTZAN music and "
       "MuLan embeddings; a run on simulated data or with another embedding is not directly comparable. "
       "Correlation is the Pearson r between predicted and true embeddings on held-out clips, "
       "averaged over embedding dimensions.</p>\n";

  // Everything else in metrics.json that is a scalar.
  std::vector<std::pair<std::string, std::string>> rows;
  auto walk = [&rows](auto&& self, const nlohmann::json& j, const std::string& prefix) -> void {
    for (auto it = j.begin(); it != j.end(); ++it) {
      std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
      const auto& v = it.value();
      if (v.is_object()) self(self, v, key);
      else if (v.is_number_integer()) rows.emplace_back(key, std::to_string(v.get<long long>()));
      else if (v.is_number()) rows.emplace_back(key, fmt::format("{:.6g}", v.get<double>()));
      else if (v.is_boolean()) rows.emplace_back(key, v.get<bool>() ? "true" : "false");
      else if (v.is_string()) rows.emplace_back(key, v.get<std::string>());
      else if (v.is_null()) rows.emplace_back(key, "n/a");
      // arrays are not shown
    }
  };
  walk(walk, m, "");
  h += "<h3>All metrics (metrics.json)</h3>\n<table class=\"metrics\">\n";
  for (const auto& [k, v] : rows)
    h += fmt::format("<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>\n", xml_escape(k), xml_escape(v));
  h += "</table>\n";
}

std::string genre_legend(const RunData& run) {
  std::vector<bool> present(gtzan_genres().size(), false);
  for (auto g : run.genre) present[std::size_t(g)] = true;
  std::string s = "<p class=\"legend\">";
  for (std::size_t g = 0; g < present.size(); ++g)
    if (present[g])
      s += fmt::format("<span class=\"swatch\" style=\"background:{}\"></span>{}", genre_color(std::int64_t(g)),
                       gtzan_genres()[g]);
  return s + "</p>\n";
}

void identification_section(std::string& h, const RunData& run, Counter& counter) {
  const std::size_t n = run.clip_count();
  h += "<h2 id=\"identification\">Identification accuracy</h2>\n";
  double mean = mean_of(run.identification);
  h += fmt::format(
      "<p>Mean over {} test clips: <b>{}</b> (metrics.json: {}). For each clip, identification accuracy is "
      "the fraction of the other test clips whose true embedding is less correlated with the clip's predicted "
      "embedding than the clip's own true embedding: 1 means always identified, 0.5 is chance.</p>\n",
      n, fixed(mean), fixed(metric(run.metrics, "identification_test")));

  const std::vector<std::size_t> order = rank_order(run.identification);
  BarChart per_clip;
  per_clip.title = "Identification accuracy per test clip (sorted)";
  per_clip.y_label = "identification accuracy";
  per_clip.x_label = fmt::format("{} test clips, best to worst (colour: genre)", n);
  per_clip.y_min = 0.0;
  per_clip.y_max = 1.0;
  for (std::size_t i : order) {
    Bar b;
    b.value = run.identification[i];
    b.label = stimulus_name(run.clips[i]);
    b.tooltip = fmt::format("{} (clip {}): {}", b.label, i, fixed(b.value));
    b.color = genre_color(run.genre[i]);
    per_clip.bars.push_back(b);
  }
  per_clip.lines = {{0.5, "chance 0.5", "#c0392b", true}, {mean, fmt::format("mean {}", fixed(mean)), "#222222", false}};
  h += bar_chart_svg(per_clip);
  h += genre_legend(run);
  ++counter.svgs;

  const int classes = int(gtzan_genres().size());
  GroupStats stats = group_means(run.identification, run.genre, classes);
  BarChart per_genre;
  per_genre.title = "Identification accuracy per genre (mean over the genre's test clips)";
  per_genre.y_label = "identification accuracy";
  per_genre.y_min = 0.0;
  per_genre.y_max = 1.0;
  per_genre.show_labels = true;
  per_genre.show_values = true;
  per_genre.width = 760;
  per_genre.height = 300;
  for (int g = 0; g < classes; ++g) {
    if (stats.count[std::size_t(g)] == 0) continue;
    Bar b;
    b.value = stats.mean[std::size_t(g)];
    b.label = gtzan_genres()[std::size_t(g)];
    b.tooltip = fmt::format("{}: {} over {} clips", b.label, fixed(b.value), stats.count[std::size_t(g)]);
    b.color = genre_color(g);
    per_genre.bars.push_back(b);
    per_genre.notes.push_back(fmt::format("n={}", stats.count[std::size_t(g)]));
  }
  per_genre.lines = {{0.5, "chance 0.5", "#c0392b", true}};
  h += bar_chart_svg(per_genre);
  ++counter.svgs;
}

void pearson_section(std::string& h, const RunData& run, Counter& counter) {
  h += "<h2 id=\"correlation\">Correlation per embedding dimension</h2>\n";
  double mean = mean_of(run.pearson);
  std::size_t positive = std::count_if(run.pearson.begin(), run.pearson.end(), [](float r) { return r > 0; });
  h += fmt::format(
      "<p>Pearson r between the predicted and the true value of each of the {} embedding dimensions over the "
      "test clips; mean <b>{}</b> (metrics.json: {}), {} of {} dimensions positive. 0 is chance.</p>\n",
      run.pearson.size(), fixed(mean), fixed(metric(run.metrics, "pearson_test")), positive, run.pearson.size());
  BarChart chart;
  chart.title = "Pearson r per embedding dimension (test)";
  chart.y_label = "Pearson r";
  chart.x_label = fmt::format("embedding dimension 0 … {}", run.pearson.size() - 1);
  for (std::size_t d = 0; d < run.pearson.size(); ++d) {
    Bar b;
    b.value = run.pearson[d];
    b.label = fmt::format("dim {}", d);
    b.color = run.pearson[d] >= 0 ? "#3b6ea5" : "#c8553d";
    chart.bars.push_back(b);
  }
  chart.lines = {{mean, fmt::format("mean {}", fixed(mean)), "#222222", false}};
  h += bar_chart_svg(chart);
  ++counter.svgs;
}

void confusion_section(std::string& h, const RunData& run, Counter& counter) {
  const int classes = int(gtzan_genres().size());
  std::vector<std::int64_t> top1(run.clip_count());
  for (std::size_t i = 0; i < top1.size(); ++i) top1[i] = run.retrieved_genre[i * run.ranks];
  Confusion c = confusion_matrix(run.genre, top1, classes);
  double a1 = top_k_agreement(run.genre, run.retrieved_genre, run.ranks, 1);
  double a5 = top_k_agreement(run.genre, run.retrieved_genre, run.ranks, 5);
  h += "<h2 id=\"genres\">Genre of the stimulus vs. the retrieved music</h2>\n";
  h += fmt::format(
      "<p>Each test clip's predicted embedding retrieves its nearest clips (cosine similarity) from the music "
      "bank. Rows: the genre the subject heard; columns: the genre of the top-1 retrieved clip. Cells are shaded "
      "by their share of the row; the diagonal (outlined) is agreement. Top-1 genre agreement <b>{}</b> "
      "(metrics.json: {}); the true genre among the top {} retrieved: <b>{}</b> (metrics.json top-5: {}). "
      "Chance is about 0.1 with 10 balanced genres.</p>\n",
      fixed(a1), fixed(metric(run.metrics, "genre_agreement_top1")), std::min<std::size_t>(5, run.ranks), fixed(a5),
      fixed(metric(run.metrics, "genre_agreement_top5")));
  CountHeatmap hm;
  hm.title = "Stimulus genre x top-1 retrieved genre (counts)";
  hm.row_title = "stimulus genre";
  hm.col_title = "top-1 retrieved genre";
  hm.row_labels = gtzan_genres();
  hm.col_labels = gtzan_genres();
  hm.counts.assign(std::size_t(classes), std::vector<long long>(std::size_t(classes), 0));
  for (int r = 0; r < classes; ++r)
    for (int k = 0; k < classes; ++k) hm.counts[std::size_t(r)][std::size_t(k)] = c.at(r, k);
  h += count_heatmap_svg(hm);
  ++counter.svgs;
}

void region_section(std::string& h, const RunData& run, Counter& counter) {
  if (!run.region_score) return;
  h += "<h2 id=\"regions\">Score per brain region</h2>\n";
  h += "<p>The pipeline's per-region score (region_score.npy), one bar per region of the atlas used for "
       "region-wise ridge regression.</p>\n";
  BarChart chart;
  chart.title = "Score per region";
  chart.y_label = "score";
  chart.x_label = run.region_names.empty() ? fmt::format("region 0 … {}", run.region_score->size() - 1)
                                          : std::string("region (regions.json)");
  chart.show_labels = run.region_score->size() <= 24;
  for (std::size_t r = 0; r < run.region_score->size(); ++r) {
    Bar b;
    b.value = (*run.region_score)[r];
    b.label = run.region_names.empty() ? std::to_string(r) : run.region_names[r];
    b.tooltip = fmt::format("region {}: {}", b.label, fixed(b.value));
    chart.bars.push_back(b);
  }
  h += bar_chart_svg(chart);
  ++counter.svgs;
}

// `caption` is markup; `demo_note` (plain text) marks a demonstration output.
void media_figure(std::string& h, const std::string& kind, const std::string& caption, const std::string& path,
                  const MediaOptions& options, Counter& counter, const std::string& demo_note = "") {
  MediaClip clip = make_media(path, options);
  h += fmt::format("<figure><figcaption><span class=\"kind{}\">{}</span>: {}</figcaption>\n",
                   demo_note.empty() ? "" : " demo", xml_escape(kind), caption);
  h += fmt::format(
      "<img class=\"spectrogram\" alt=\"log-mel spectrogram of {}\" width=\"{}\" height=\"{}\" src=\"{}\"/>\n",
      xml_escape(kind), clip.png_width, clip.png_height, clip.png_uri);
  h += fmt::format("<audio controls=\"controls\" preload=\"metadata\" src=\"{}\"></audio>\n", clip.wav_uri);
  h += fmt::format("<div class=\"note\">{} s; {} Hz file, played at {} Hz{}</div>\n</figure>\n",
                   num(clip.seconds, 1), clip.source_rate, options.audio_rate,
                   demo_note.empty() ? "" : "<br/><span class=\"demo\">" + xml_escape(demo_note) + "</span>");
  ++counter.images;
  ++counter.audios;
}

std::size_t examples_section(std::string& h, const RunData& run, const ReportOptions& options, Counter& counter) {
  std::vector<std::size_t> picked = pick_examples(run.identification, run.genre, options.examples);
  if (picked.empty()) return 0;
  const std::size_t n = run.clip_count();
  std::vector<std::size_t> rank(n);  // 1 = best
  {
    std::vector<std::size_t> order = rank_order(run.identification);
    for (std::size_t r = 0; r < n; ++r) rank[order[r]] = r + 1;
  }
  h += "<h2 id=\"examples\">Examples: stimulus and reconstruction</h2>\n";
  h += fmt::format(
      "<p>{} test clips chosen by identification accuracy (best, worst, median, then other quantiles, preferring "
      "different genres). Spectrograms are log-mel (64 bands, low frequencies at the bottom, brighter is louder, "
      "80 dB range); audio is the first {} s at {} Hz.</p>\n",
      picked.size(), num(options.media.max_seconds, 1), options.media.audio_rate);
  for (std::size_t c : picked) {
    std::string name = stimulus_name(run.clips[c]);
    std::string tag = rank[c] == 1                          ? " — best"
                      : rank[c] == n                          ? " — worst"
                      : rank[c] == median_position(n) + 1 ? " — median"
                                                              : "";
    h += "<section class=\"example\">\n";
    h += fmt::format("<h3>{} (test clip {}): identification {}, rank {} of {}{}</h3>\n", xml_escape(name), c,
                     fixed(run.identification[c]), rank[c], n, tag);
    h += "<div class=\"media\">\n";
    media_figure(h, "stimulus", xml_escape(name) + ", what the subject heard", run.stimulus_path(c), options.media,
                 counter);
    auto item = run.retrieved[c * run.ranks];
    const std::string& bank_genre = run.bank.at(item).genre;
    std::string retrieved_caption = fmt::format(
        "bank item {} ({}), cosine {}", item,
        xml_escape(bank_genre.empty() ? gtzan_genres()[std::size_t(run.retrieved_genre[c * run.ranks])] : bank_genre),
        fixed(run.retrieved_score[c * run.ranks]));
    media_figure(h, "retrieval, top 1", retrieved_caption, run.retrieved_path(c), options.media, counter);
    std::string generated = run.recon_path("generated", c);
    if (!generated.empty())
      media_figure(h, "generation (untrained demo model)", "from the predicted embedding", generated,
                   options.media, counter, "a small random model: it shows the plumbing and sounds like noise");
    h += "</div>\n";
    h += "<table class=\"retrieved\"><tr><th>rank</th><th>bank item</th><th>genre</th><th class=\"num\">cosine</th></tr>\n";
    for (std::size_t r = 0; r < run.ranks; ++r) {
      auto g = run.retrieved_genre[c * run.ranks + r];
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}{}</td><td class=\"num\">{}</td></tr>\n", r + 1,
                       run.retrieved[c * run.ranks + r], gtzan_genres()[std::size_t(g)],
                       g == run.genre[c] ? " &#10003;" : "", fixed(run.retrieved_score[c * run.ranks + r]));
    }
    h += "</table>\n</section>\n";
  }
  return picked.size();
}

const char* kHowTo = R"HTML(<h2 id="howto">How to read this report</h2>
<ul class="howto">
<li><b>Pipeline.</b> A ridge regression maps each test clip's fMRI response to a 128-dimensional music embedding
(Brain2Music, Denk et al. 2023). The prediction is scored against the true embedding of the music that was played,
then used to retrieve similar music from a bank (and, optionally, to generate audio).</li>
<li><b>Identification accuracy</b> asks: is the prediction closer to the right clip's embedding than to another
test clip's? It is averaged over all other test clips, so 0.5 is chance and 1 is perfect. The paper reaches 0.876 on
real fMRI with MuLan embeddings.</li>
<li><b>Correlation</b> is Pearson r between predicted and true embeddings per dimension, over test clips; positive
bars are dimensions the brain response carries information about. The paper reports 0.307 on average.</li>
<li><b>Genre confusion</b> shows what kind of music was retrieved: a strong diagonal means the decoded embedding keeps
the genre. Off-diagonal cells show which genres are confused (e.g. rock with metal).</li>
<li><b>Examples</b> put the stimulus spectrogram next to its reconstructions: similar texture, rhythm bands and
loudness patterns mean the decoded embedding kept them. Timing is not expected to match (the embedding averages over
the clip). The generation column uses a small random model and only demonstrates the plumbing.</li>
<li>Train numbers measure the fit on the training clips; a large gap to test numbers means overfitting.</li>
</ul>
)HTML";

}  // namespace

std::string render_report(const RunData& run, const ReportOptions& options, ReportStats* stats) {
  Counter counter;
  std::string h;
  h.reserve(1 << 20);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  h += fmt::format("<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n", xml_escape(options.title), kStyle);
  h += fmt::format("<h1>{}</h1>\n", xml_escape(options.title));
  std::string name = run.dataset_description.is_object() && run.dataset_description.contains("Name") &&
                             run.dataset_description["Name"].is_string()
                         ? run.dataset_description["Name"].get<std::string>()
                         : fs::path(run.data_dir).filename().string();
  h += fmt::format("<p class=\"subtitle\">Decoding music from fMRI: {} test clips of {}</p>\n", run.clip_count(),
                   xml_escape(name));
  h += "<nav class=\"toc\"><a href=\"#run\">run</a> <a href=\"#table2\">Table 2</a> "
       "<a href=\"#identification\">identification</a> <a href=\"#correlation\">correlation</a> "
       "<a href=\"#genres\">genres</a>";
  if (run.region_score) h += " <a href=\"#regions\">regions</a>";
  if (options.examples > 0) h += " <a href=\"#examples\">examples</a>";
  h += " <a href=\"#howto\">how to read this</a></nav>\n";
  for (const auto& w : run.warnings) h += fmt::format("<p class=\"warning\">Note: {}</p>\n", xml_escape(w));
  facts_section(h, run);
  table2_section(h, run);
  identification_section(h, run, counter);
  pearson_section(h, run, counter);
  confusion_section(h, run, counter);
  region_section(h, run, counter);
  std::size_t examples = examples_section(h, run, options, counter);
  h += kHowTo;
  h += "<footer>Written by b2m-report. This file is self-contained: plots are inline SVG, spectrograms are PNG and "
       "audio is WAV embedded as data: URIs; it needs no network.</footer>\n</main>\n</body>\n</html>\n";
  if (stats) {
    stats->clips = run.clip_count();
    stats->examples = examples;
    stats->svgs = counter.svgs;
    stats->images = counter.images;
    stats->audios = counter.audios;
    stats->bytes = h.size();
  }
  return h;
}

ReportStats write_report(const ReportOptions& options) {
  ReportOptions opts = options;
  if (opts.out_path.empty()) opts.out_path = (fs::path(opts.run_dir) / "report.html").string();
  RunData run = load_run(opts.run_dir, opts.data_dir);
  ReportStats stats;
  std::string html = render_report(run, opts, &stats);
  stats.out_path = opts.out_path;
  std::span<const std::byte> bytes = std::as_bytes(std::span<const char>(html.data(), html.size()));
  std::span<const std::byte> pieces[] = {bytes};
  io::write_bytes_atomically(opts.out_path, pieces);
  return stats;
}

}  // namespace b2m::report
