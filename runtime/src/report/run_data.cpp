#include "b2m/report/run_data.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "b2m/io/npy.h"
#include "b2m/runtime/error.h"

namespace fs = std::filesystem;

namespace b2m::report {

const std::vector<std::string>& gtzan_genres() {
  static const std::vector<std::string> genres = {"blues", "classical", "country", "disco", "hiphop",
                                                  "jazz",  "metal",     "pop",     "reggae", "rock"};
  return genres;
}

std::string stimulus_name(std::int64_t code) {
  if (code < 0 || code >= 100 * std::int64_t(gtzan_genres().size()))
    fail("stimulus code {} is not genre_index*100 + track with a GTZAN genre index in [0, {})", code,
         gtzan_genres().size());
  return fmt::format("{}.{:05d}", gtzan_genres()[std::size_t(code / 100)], code % 100);
}

std::string RunData::stimulus_path(std::size_t clip) const {
  return (fs::path(data_dir) / "stimuli" / (stimulus_name(clips.at(clip)) + ".wav")).string();
}

std::string RunData::recon_path(const std::string& kind, std::size_t clip) const {
  fs::path p = fs::path(run_dir) / "recon" / fmt::format("{}_{}.wav", kind, clip);
  return fs::exists(p) ? p.string() : std::string();
}

std::string RunData::retrieved_path(std::size_t clip) const {
  std::string recon = recon_path("retrieved", clip);
  if (!recon.empty()) return recon;
  auto item = retrieved.at(clip * ranks);
  auto it = bank.find(item);
  if (it == bank.end())
    fail("'{}': retrieved bank item {} (clip {}) is not in bank/bank.tsv", (fs::path(run_dir) / "retrieved.npy").string(),
         item, clip);
  return it->second.file;
}

namespace {

std::string file_in(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("'{}': cannot open", path);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail("'{}': not valid JSON: {}", path, e.what());
  }
}

io::NpyArray read_required(const std::string& run_dir, const std::string& name) {
  std::string path = file_in(run_dir, name);
  if (!fs::exists(path)) fail("'{}': missing (a decoding run writes {} into its output folder)", path, name);
  return io::read_npy(path);
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// A 1-D array of `expected` elements (any length when expected == 0).
void expect_vector(const io::NpyArray& a, std::size_t expected, const std::string& against) {
  if (a.ndim() != 1) fail("'{}': expected a 1-D array, found shape {}", a.path(), shape_text(a.shape()));
  if (a.shape()[0] == 0) fail("'{}': the array is empty", a.path());
  if (expected != 0 && a.shape()[0] != expected)
    fail("'{}': shape {} does not match {} ({} clips)", a.path(), shape_text(a.shape()), against, expected);
}

void expect_matrix(const io::NpyArray& a, std::size_t rows, std::size_t cols, const std::string& against) {
  if (a.ndim() != 2) fail("'{}': expected a 2-D array [clip, rank], found shape {}", a.path(), shape_text(a.shape()));
  if (a.shape()[0] != rows)
    fail("'{}': shape {} does not match {} ({} clips)", a.path(), shape_text(a.shape()), against, rows);
  if (a.shape()[1] == 0) fail("'{}': no ranks (shape {})", a.path(), shape_text(a.shape()));
  if (cols != 0 && a.shape()[1] != cols)
    fail("'{}': shape {} does not match retrieved.npy ({} ranks)", a.path(), shape_text(a.shape()), cols);
}

std::vector<std::int64_t> integers(const io::NpyArray& a) {
  if (dtype_is_float(a.dtype())) fail("'{}': expected an integer array, found {}", a.path(), io::dtype_descr(a.dtype()));
  return a.as_i64();
}

std::map<std::int64_t, BankItem> read_bank(const std::string& data_dir) {
  std::string path = (fs::path(data_dir) / "bank" / "bank.tsv").string();
  std::ifstream in(path);
  if (!in) fail("'{}': missing or unreadable (the retrieval bank's index)", path);
  auto split = [](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) cells.push_back(cell);
    if (!line.empty() && line.back() == '\t') cells.emplace_back();
    return cells;
  };
  std::string line;
  if (!std::getline(in, line)) fail("'{}': empty (expected a header item, file, genre)", path);
  auto header = split(line);
  int item_col = -1, file_col = -1, genre_col = -1;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "item") item_col = int(i);
    if (header[i] == "file") file_col = int(i);
    if (header[i] == "genre") genre_col = int(i);
  }
  if (item_col < 0 || file_col < 0)
    fail("'{}': the header must name the columns item and file (and genre), found '{}'", path, line);
  std::map<std::int64_t, BankItem> bank;
  std::size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    auto cells = split(line);
    if (int(cells.size()) <= std::max({item_col, file_col, genre_col}))
      fail("'{}': line {} has {} columns, the header {}", path, line_no, cells.size(), header.size());
    std::int64_t item = 0;
    try {
      std::size_t used = 0;
      item = std::stoll(cells[std::size_t(item_col)], &used);
      if (used != cells[std::size_t(item_col)].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      fail("'{}': line {}: item '{}' is not an integer", path, line_no, cells[std::size_t(item_col)]);
    }
    BankItem entry;
    entry.file = (fs::path(data_dir) / "bank" / cells[std::size_t(file_col)]).string();
    if (genre_col >= 0) entry.genre = cells[std::size_t(genre_col)];
    if (!bank.emplace(item, entry).second) fail("'{}': line {}: item {} appears twice", path, line_no, item);
  }
  if (bank.empty()) fail("'{}': no bank items", path);
  return bank;
}

}  // namespace

RunData load_run(const std::string& run_dir, const std::string& data_dir) {
  if (!fs::is_directory(run_dir)) fail("'{}': the run folder does not exist", run_dir);
  if (!fs::is_directory(data_dir)) fail("'{}': the dataset folder does not exist", data_dir);
  RunData run;
  run.run_dir = run_dir;
  run.data_dir = data_dir;

  std::string metrics_path = file_in(run_dir, "metrics.json");
  if (!fs::exists(metrics_path)) fail("'{}': missing (a decoding run writes metrics.json)", metrics_path);
  run.metrics = read_json(metrics_path);
  if (!run.metrics.is_object()) fail("'{}': expected a JSON object", metrics_path);
  for (const char* key : {"identification_test", "identification_train", "pearson_test", "pearson_train",
                          "genre_agreement_top1", "genre_agreement_top5"}) {
    if (!run.metrics.contains(key)) fail("'{}': missing the key \"{}\"", metrics_path, key);
    const auto& v = run.metrics[key];
    if (!v.is_number() && !v.is_null()) fail("'{}': \"{}\" must be a number, found {}", metrics_path, key, v.dump());
  }

  auto ident = read_required(run_dir, "identification_test.npy");
  expect_vector(ident, 0, "");
  const std::size_t n = ident.shape()[0];
  run.identification = ident.as_f32();

  auto clips = read_required(run_dir, "test_clips.npy");
  expect_vector(clips, n, "identification_test.npy");
  run.clips = integers(clips);
  auto genre = read_required(run_dir, "test_genre.npy");
  expect_vector(genre, n, "identification_test.npy");
  run.genre = integers(genre);
  const auto classes = std::int64_t(gtzan_genres().size());
  for (std::size_t i = 0; i < n; ++i) {
    std::string name = stimulus_name(run.clips[i]);  // range check
    (void)name;
    if (run.genre[i] < 0 || run.genre[i] >= classes)
      fail("'{}': clip {} has genre {}, outside [0, {})", genre.path(), i, run.genre[i], classes);
    if (run.genre[i] != run.clips[i] / 100)
      fail("'{}': clip {} has genre {} ({}) but its stimulus code {} in '{}' is a {} clip", genre.path(), i,
           run.genre[i], gtzan_genres()[std::size_t(run.genre[i])], run.clips[i], clips.path(),
           gtzan_genres()[std::size_t(run.clips[i] / 100)]);
  }

  auto pearson = read_required(run_dir, "pearson_test.npy");
  expect_vector(pearson, 0, "");
  run.pearson = pearson.as_f32();

  auto retrieved = read_required(run_dir, "retrieved.npy");
  expect_matrix(retrieved, n, 0, "identification_test.npy");
  run.ranks = retrieved.shape()[1];
  run.retrieved = integers(retrieved);
  auto retrieved_genre = read_required(run_dir, "retrieved_genre.npy");
  expect_matrix(retrieved_genre, n, run.ranks, "identification_test.npy");
  run.retrieved_genre = integers(retrieved_genre);
  for (std::size_t i = 0; i < run.retrieved_genre.size(); ++i)
    if (run.retrieved_genre[i] < 0 || run.retrieved_genre[i] >= classes)
      fail("'{}': clip {} rank {} has genre {}, outside [0, {})", retrieved_genre.path(), i / run.ranks,
           i % run.ranks, run.retrieved_genre[i], classes);
  auto score = read_required(run_dir, "retrieved_score.npy");
  expect_matrix(score, n, run.ranks, "identification_test.npy");
  run.retrieved_score = score.as_f32();

  std::string region_path = file_in(run_dir, "region_score.npy");
  if (fs::exists(region_path)) {
    auto region = io::read_npy(region_path);
    if (region.ndim() == 1 && region.shape()[0] > 0)
      run.region_score = region.as_f32();
    else
      run.warnings.push_back(fmt::format("'{}' has shape {}, not [region]: the per-region plot is left out",
                                         region_path, shape_text(region.shape())));
  }

  std::string names_path = file_in(run_dir, "regions.json");
  if (run.region_score && fs::exists(names_path)) {
    nlohmann::json names = read_json(names_path);
    bool ok = names.is_array() && names.size() == run.region_score->size();
    for (const auto& n : names) ok = ok && n.is_string();
    if (ok)
      for (const auto& n : names) run.region_names.push_back(n.get<std::string>());
    else
      run.warnings.push_back(fmt::format("'{}' is not a list of {} region names: regions are shown by index",
                                         names_path, run.region_score->size()));
  }

  run.bank = read_bank(data_dir);
  for (std::size_t i = 0; i < run.retrieved.size(); ++i)
    if (!run.bank.count(run.retrieved[i]))
      fail("'{}': clip {} rank {} retrieves bank item {}, which is not in '{}'", retrieved.path(), i / run.ranks,
           i % run.ranks, run.retrieved[i], (fs::path(data_dir) / "bank" / "bank.tsv").string());

  std::string description = file_in(data_dir, "dataset_description.json");
  if (fs::exists(description)) {
    run.dataset_description = read_json(description);
    if (!run.dataset_description.is_object()) fail("'{}': expected a JSON object", description);
  }
  return run;
}

}  // namespace b2m::report
