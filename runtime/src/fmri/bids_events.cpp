// BIDS *_events.tsv parsing and clip bookkeeping (lead-in repeats, unique clips).
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "b2m/fmri/bids.h"
#include "b2m/runtime/error.h"

namespace b2m::fmri {
namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const auto tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  for (auto& f : fields) {
    while (!f.empty() && (f.back() == '\r' || f.back() == ' ')) f.pop_back();
    while (!f.empty() && f.front() == ' ') f.erase(f.begin());
  }
  return fields;
}

double parse_number(const std::string& text, const std::string& path, int line,
                    const char* column) {
  double value = 0.0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value))
    fail("{}:{}: column '{}' holds '{}', which is not a finite number", path, line, column, text);
  return value;
}

bool is_quote(char c) { return c == '\'' || c == '"'; }

}  // namespace

std::string Clip::id() const { return fmt::format("{}.{:05d}", genre, track); }

double EventsFile::end_s() const {
  double end = 0.0;
  for (const Event& e : events) end = std::max(end, e.onset_s + e.duration_s);
  return end;
}

EventsFile read_events(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("events file '{}' cannot be opened", path);
  EventsFile file;
  file.path = path;
  std::string line;
  if (!std::getline(in, line)) fail("events file '{}' is empty", path);
  const std::vector<std::string> header = split_tabs(line);
  auto column = [&](const char* name, bool required) -> int {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      if (required)
        fail("events file '{}' has no '{}' column (header: '{}')", path, name, line);
      return -1;
    }
    return static_cast<int>(it - header.begin());
  };
  const int onset_col = column("onset", true), duration_col = column("duration", true);
  const int genre_col = column("genre", true), track_col = column("track", true);
  const int start_col = column("start", false), end_col = column("end", false);

  int line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::vector<std::string> fields = split_tabs(line);
    if (fields.size() != header.size())
      fail("{}:{}: {} fields where the header has {}", path, line_number, fields.size(),
           header.size());
    Event event;
    event.line = line_number;
    event.onset_s = parse_number(fields[onset_col], path, line_number, "onset");
    event.duration_s = parse_number(fields[duration_col], path, line_number, "duration");
    const double track = parse_number(fields[track_col], path, line_number, "track");
    if (track != std::floor(track) || track < 0)
      fail("{}:{}: track '{}' is not a non-negative integer", path, line_number,
           fields[track_col]);
    event.clip.track = static_cast<int>(track);
    event.excerpt_start_s = start_col >= 0 ? parse_number(fields[start_col], path, line_number, "start")
                                           : std::nan("");
    event.excerpt_end_s =
        end_col >= 0 ? parse_number(fields[end_col], path, line_number, "end") : std::nan("");

    // Genres are written 'disco'; some rows lost their opening quote
    // (classical'). Strip quotes on both ends; the row is malformed unless
    // they came as a matching pair (or were absent on both ends).
    std::string genre = fields[genre_col];
    const bool opens = !genre.empty() && is_quote(genre.front());
    const bool closes = genre.size() > 1 && is_quote(genre.back());
    while (!genre.empty() && is_quote(genre.front())) genre.erase(genre.begin());
    while (!genre.empty() && is_quote(genre.back())) genre.pop_back();
    for (char& c : genre) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (genre.empty()) fail("{}:{}: empty genre '{}'", path, line_number, fields[genre_col]);
    event.clip.genre = genre;
    event.malformed_genre = opens != closes;
    if (event.malformed_genre) ++file.malformed_rows;
    file.events.push_back(std::move(event));
  }
  if (file.events.empty()) fail("events file '{}' has a header but no event", path);
  return file;
}

std::size_t StimulusTable::repetitions_of(const Clip& clip) const {
  return static_cast<std::size_t>(std::count_if(
      presentations.begin(), presentations.end(),
      [&](const Presentation& p) { return p.clip == clip; }));
}

StimulusTable collect_presentations(std::span<const EventsFile> runs, bool drop_lead_in) {
  StimulusTable table;
  std::map<Clip, std::size_t> index_of;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    table.malformed_rows += runs[r].malformed_rows;
    for (std::size_t e = 0; e < runs[r].events.size(); ++e) {
      if (drop_lead_in && e == 0) {
        ++table.lead_ins_dropped;
        continue;
      }
      const Event& event = runs[r].events[e];
      const auto [it, inserted] = index_of.emplace(event.clip, table.clips.size());
      if (inserted) table.clips.push_back(event.clip);
      table.presentations.push_back({event.clip, r, e, event.onset_s});
      table.clip_of.push_back(it->second);
    }
  }
  if (drop_lead_in) {
    // The lead-in is dropped because it repeats a clip heard elsewhere; a
    // lead-in that is not such a repeat means the runs given are incomplete
    // or not of this design, and dropping it would lose a clip silently.
    for (std::size_t r = 0; r < runs.size(); ++r) {
      if (runs[r].events.empty()) continue;
      const Clip& lead = runs[r].events.front().clip;
      if (!index_of.count(lead))
        fail("events file '{}': its first clip {} is not presented again in the {} runs given, "
             "so it is not a lead-in repeat (pass all runs of the task, or keep lead-ins)",
             runs[r].path, lead.id(), runs.size());
    }
  }
  return table;
}

std::span<const std::string> gtzan_genres() {
  static const std::array<std::string, 10> genres = {"blues", "classical", "country", "disco",
                                                     "hiphop", "jazz",     "metal",   "pop",
                                                     "reggae", "rock"};
  return genres;
}

}  // namespace b2m::fmri
