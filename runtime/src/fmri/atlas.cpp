// Label atlases: reading, name lookup with suggestions, nearest-neighbour resampling.
#include "b2m/fmri/atlas.h"

#include <Eigen/LU>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::fmri {
namespace {

std::string normalized_name(const std::string& name) {
  std::string out;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    out += (ch == '_') ? ' ' : static_cast<char>(std::tolower(c));
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::map<std::int32_t, std::string> read_label_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("atlas label table '{}' cannot be opened", path);
  std::map<std::int32_t, std::string> names;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    line = trim(line);
    if (line.empty()) continue;
    std::int32_t index = 0;
    std::string name;
    if (line.find('\t') != std::string::npos) {
      std::vector<std::string> fields;
      std::stringstream ss(line);
      for (std::string f; std::getline(ss, f, '\t');) fields.push_back(trim(f));
      if (fields.size() < 2) fail("{}:{}: expected 'index<TAB>name'", path, line_number);
      try {
        index = std::stoi(fields[0]);
      } catch (...) {
        fail("{}:{}: label index '{}' is not an integer", path, line_number, fields[0]);
      }
      name = fields[1];
    } else {
      std::stringstream ss(line);
      std::string index_text;
      ss >> index_text >> name;
      try {
        index = std::stoi(index_text);
      } catch (...) {
        fail("{}:{}: label index '{}' is not an integer", path, line_number, index_text);
      }
    }
    if (name.empty()) fail("{}:{}: label {} has no name", path, line_number, index);
    if (!names.emplace(index, name).second)
      fail("{}:{}: label {} is listed twice", path, line_number, index);
  }
  if (names.empty()) fail("atlas label table '{}' lists no label", path);
  return names;
}

}  // namespace

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::int32_t Atlas::max_label() const {
  return labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end());
}

std::vector<std::int32_t> Atlas::find_labels(std::span<const std::string> region_names) const {
  std::vector<std::int32_t> found;
  std::string problems;
  for (const std::string& wanted : region_names) {
    const std::string key = normalized_name(wanted);
    bool hit = false;
    for (const auto& [label, name] : names) {
      if (normalized_name(name) == key) {
        found.push_back(label);
        hit = true;
        break;
      }
    }
    if (hit) continue;
    // Rank by edit distance; names containing the query rank first.
    std::vector<std::pair<std::size_t, std::string>> ranked;
    for (const auto& [label, name] : names) {
      const std::string candidate = normalized_name(name);
      const bool contains = !key.empty() && candidate.find(key) != std::string::npos;
      ranked.emplace_back(contains ? 0 : edit_distance(key, candidate), name);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::string suggestions;
    for (std::size_t i = 0; i < std::min<std::size_t>(3, ranked.size()); ++i)
      suggestions += (i ? ", '" : "'") + ranked[i].second + "'";
    problems += fmt::format("\n  '{}' (did you mean {}?)", wanted, suggestions);
  }
  if (!problems.empty())
    fail("atlas '{}' (labels '{}') has no region named:{}", path, labels_path, problems);
  return found;
}

Atlas Atlas::resampled_to(const Grid& target) const {
  Atlas out;
  out.path = path;
  out.labels_path = labels_path;
  out.names = names;
  out.grid = target;
  if (grid.same_as(target)) {
    out.labels = labels;
    return out;
  }
  // voxel(target) -> world -> voxel(atlas), rounded to the nearest atlas voxel.
  const Eigen::Matrix4d to_atlas = grid.affine.inverse() * target.affine;
  const std::int64_t nx = target.shape[0], ny = target.shape[1], nz = target.shape[2];
  const std::int64_t ax = grid.shape[0], ay = grid.shape[1], az = grid.shape[2];
  out.labels.assign(static_cast<std::size_t>(target.num_voxels()), 0);
  parallel_for(static_cast<std::size_t>(nz), 1, [&](std::size_t z_begin, std::size_t z_end) {
    for (auto k = static_cast<std::int64_t>(z_begin); k < static_cast<std::int64_t>(z_end); ++k)
      for (std::int64_t j = 0; j < ny; ++j)
        for (std::int64_t i = 0; i < nx; ++i) {
          const Eigen::Vector4d p = to_atlas * Eigen::Vector4d(double(i), double(j), double(k), 1.0);
          const auto si = static_cast<std::int64_t>(std::lround(p[0]));
          const auto sj = static_cast<std::int64_t>(std::lround(p[1]));
          const auto sk = static_cast<std::int64_t>(std::lround(p[2]));
          if (si < 0 || sj < 0 || sk < 0 || si >= ax || sj >= ay || sk >= az) continue;
          out.labels[(k * ny + j) * nx + i] = labels[(sk * ay + sj) * ax + si];
        }
  });
  out.resample_note = fmt::format(
      "atlas '{}' resampled by nearest neighbour from {} to the bold grid {}", path,
      grid.describe(), target.describe());
  return out;
}

Mask Atlas::region_mask(std::span<const std::string> region_names) const {
  const std::vector<std::int32_t> wanted = find_labels(region_names);
  Mask mask;
  mask.grid = grid;
  mask.source = fmt::format("atlas '{}' regions", path);
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] != 0 && std::find(wanted.begin(), wanted.end(), labels[i]) != wanted.end())
      mask.voxels.push_back(static_cast<std::int64_t>(i));
  if (mask.voxels.empty())
    fail("atlas '{}': the selected regions cover no voxel on this grid{}", path,
         resample_note.empty() ? "" : " (" + resample_note + ")");
  return mask;
}

std::vector<Region> Atlas::regions_under(const Mask& mask, std::size_t min_voxels) const {
  require_same_grid(mask.grid, mask.source, grid, path);
  std::map<std::int32_t, Region> by_label;
  for (std::size_t c = 0; c < mask.voxels.size(); ++c) {
    const std::int32_t label = labels[mask.voxels[c]];
    if (label == 0) continue;
    Region& region = by_label[label];
    region.label = label;
    region.columns.push_back(static_cast<std::int64_t>(c));
  }
  std::vector<Region> regions;
  for (auto& [label, region] : by_label) {
    if (region.columns.size() < min_voxels) continue;
    const auto it = names.find(label);
    region.name = it != names.end() ? it->second : fmt::format("label {}", label);
    regions.push_back(std::move(region));
  }
  return regions;
}

Atlas read_atlas(const std::string& volume_path, const std::string& labels_path) {
  const Volume volume = read_volume(volume_path);
  Atlas atlas;
  atlas.path = volume_path;
  atlas.labels_path = labels_path;
  atlas.grid = volume.grid;
  atlas.names = read_label_table(labels_path);
  atlas.labels.resize(volume.values.size());
  for (std::size_t i = 0; i < volume.values.size(); ++i) {
    const float v = volume.values[i];
    if (!(std::nearbyint(v) == v) || v < 0.0f)
      fail("atlas '{}' is not a label volume: voxel {} holds {}", volume_path, i, v);
    atlas.labels[i] = static_cast<std::int32_t>(v);
  }
  std::vector<std::int32_t> present(atlas.labels);
  std::sort(present.begin(), present.end());
  present.erase(std::unique(present.begin(), present.end()), present.end());
  for (std::int32_t label : present)
    if (label != 0 && !atlas.names.count(label))
      fail("atlas '{}' uses label {}, which its table '{}' does not name ({} labels listed)",
           volume_path, label, labels_path, atlas.names.size());
  return atlas;
}

Atlas read_builtin_atlas(const std::string& name, const std::string& templates_dir,
                         const std::string& stdlib_atlases_dir) {
  const std::string key = normalized_name(name);
  if (key == "aal")
    return read_atlas(templates_dir + "/aal.nii.gz", templates_dir + "/aal.nii.txt");
  if (key == "harvard-oxford" || key == "harvardoxford" || key == "harvard oxford")
    return read_atlas(templates_dir + "/HarvardOxford-cort-maxprob-thr0-1mm.nii.gz",
                      stdlib_atlases_dir + "/HarvardOxford-cort.txt");
  fail("unknown built-in atlas '{}' (known: 'aal', 'harvard-oxford')", name);
}

}  // namespace b2m::fmri
