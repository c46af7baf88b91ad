// b2m-synth: writes a simulated BIDS dataset with the layout and event
// schedule of OpenNeuro ds003720 (docs/simulator.md).
//
//   b2m-synth --preset default --out data/synth [--seed N] [--snr X] ...
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <optional>

#include "b2m/runtime/error.h"
#include "b2m/runtime/progress.h"
#include "b2m/runtime/thread_pool.h"
#include "b2m/synth/dataset.h"
#include "b2m/synth/presets.h"
#include "b2m/synth/schedule.h"
#include "builtin_schedule.h"

namespace {

void on_signal(int) { b2m::synth::request_cancel(); }

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, units[u]);
}

void print_config(const b2m::synth::SynthConfig& c, const b2m::synth::Schedule& s) {
  std::printf("preset        %s\n", c.preset.c_str());
  std::printf("seed          %llu\n", static_cast<unsigned long long>(c.seed));
  std::printf("subjects      %d\n", c.subjects);
  std::printf("voxel size    %g mm\n", c.voxel_mm);
  std::printf("snr           %g\n", c.bold.snr);
  std::printf("bank size     %d\n", c.bank_size);
  std::printf("bold storage  %s\n", c.int16 ? "int16 + scl_slope" : "float32");
  std::printf("schedule      %s (%zu runs)\n", s.source.c_str(), s.files.size());
  std::printf("templates     %s\n", c.templates_dir.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Write a simulated BIDS fMRI dataset with the layout and event schedule of OpenNeuro ds003720:\n"
      "synthesized music stimuli of the 10 GTZAN genres, a retrieval bank, and bold runs whose auditory\n"
      "voxels respond to the stimuli's log-mel features through a canonical HRF, plus drift and AR(1)\n"
      "noise. Ground truth goes to <out>/derivatives/b2m-synth. Deterministic for a seed at any --threads."};
  app.get_formatter()->column_width(30);
  std::string preset = "default", out, schedule_dir, templates;
  std::optional<std::uint64_t> seed;
  std::optional<int> subjects, bank_size;
  std::optional<double> voxel_size, snr;
  int threads = 0;
  bool force = false, quiet = false, int16 = false, float32 = false, print = false;
  app.add_option("--preset", preset, "tiny (tests, seconds), default (the demo) or paper (5 subjects, ~60k voxels)")
      ->check(CLI::IsMember({"tiny", "default", "paper"}))
      ->capture_default_str();
  app.add_option("-o,--out", out, "output folder (must not exist, be empty, or be a b2m-synth dataset with --force)");
  app.add_option("--seed", seed, "random seed (default 0); same seed, same bytes");
  app.add_option("--subjects", subjects, "number of subjects (1-5)")->check(CLI::Range(1, 5));
  app.add_option("--voxel-size", voxel_size, "isotropic voxel size in mm (1-16)")->check(CLI::Range(1.0, 16.0));
  app.add_option("--snr", snr, fmt::format("signal / noise variance in auditory voxels (default {}; 0: no signal)",
                                           b2m::synth::kDefaultSnr))
      ->check(CLI::NonNegativeNumber);
  app.add_option("--bank-size", bank_size, "clips in the retrieval bank (balanced over genres)")
      ->check(CLI::Range(0, 100000));
  app.add_option("--threads", threads, "worker threads (0: all cores); results do not depend on it")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--schedule", schedule_dir,
                 "folder of *_task-<T>_run-<NN>_events.tsv files to use instead of the built-in ds003720 schedule")
      ->check(CLI::ExistingDirectory);
  app.add_option("--templates", templates, "mricron-data templates folder (default /usr/share/mricron/templates)")
      ->check(CLI::ExistingDirectory);
  auto* int16_flag = app.add_flag("--int16", int16, "store bold as int16 with scl_slope (the paper preset's default)");
  app.add_flag("--float32", float32, "store bold as float32")->excludes(int16_flag);
  app.add_flag("--force", force, "replace an existing dataset written by b2m-synth");
  app.add_flag("--print-config", print, "print the settings (preset + options) and exit");
  app.add_flag("-q,--quiet", quiet, "no progress bars and no summary");
  CLI11_PARSE(app, argc, argv);

  try {
    b2m::synth::SynthConfig config = b2m::synth::preset_config(preset);
    if (seed) config.seed = *seed;
    if (subjects) config.subjects = *subjects;
    if (voxel_size) config.voxel_mm = *voxel_size;
    if (snr) config.bold.snr = *snr;
    if (bank_size) config.bank_size = *bank_size;
    if (int16) config.int16 = true;
    if (float32) config.int16 = false;
    if (!templates.empty()) config.templates_dir = templates;
    config.threads = threads;
    b2m::synth::validate(config);
    const b2m::synth::Schedule schedule =
        schedule_dir.empty() ? builtin_schedule() : b2m::synth::read_schedule_dir(schedule_dir);
    if (print) {
      print_config(config, schedule);
      return 0;
    }
    if (out.empty()) {
      std::fprintf(stderr, "b2m-synth: error: --out is required (the folder to write the dataset to)\n"
                           "Run with --help for more information.\n");
      return 2;
    }
    if (quiet) setenv("B2M_PROGRESS", "0", 1);
    b2m::ThreadPool::set_num_threads(static_cast<std::size_t>(threads));
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    b2m::synth::WriteOptions options;
    options.force = force;
    const b2m::synth::DatasetSummary s = b2m::synth::write_dataset(config, schedule, out, options);
    if (!quiet) {
      std::printf("b2m-synth: wrote %s (%s) in %.1f s\n", s.out_dir.c_str(), human_bytes(s.bytes).c_str(), s.seconds);
      std::printf("  preset %s, seed %llu, snr %g, %g mm voxels, %zu threads\n", config.preset.c_str(),
                  static_cast<unsigned long long>(config.seed), config.bold.snr, config.voxel_mm,
                  b2m::ThreadPool::global().num_threads());
      std::printf("  subjects        %d\n", s.subjects);
      std::printf("  runs            %d per subject (%lld volumes, TR %g s)\n", s.runs_per_subject,
                  static_cast<long long>(s.volumes), config.bold.tr_s);
      std::printf("  grid            %s\n", s.grid.c_str());
      std::printf("  voxels          %lld cortical, %lld with signal (", static_cast<long long>(s.voxels),
                  static_cast<long long>(s.signal_voxels));
      for (std::size_t i = 0; i < s.region_voxels.size(); ++i)
        std::printf("%s%s %lld", i ? ", " : "", s.region_voxels[i].first.c_str(),
                    static_cast<long long>(s.region_voxels[i].second));
      std::printf(")\n");
      std::printf("  stimuli         %d clips\n", s.stimuli);
      std::printf("  bank            %d clips\n", s.bank_items);
      std::printf("  stages         ");
      for (const auto& [name, secs] : s.stages) std::printf(" %s %.1f s", name.c_str(), secs);
      std::printf("\n");
    }
  } catch (const b2m::Error& e) {
    std::fprintf(stderr, "b2m-synth: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "b2m-synth: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
