// A small decoding run + dataset on disk for the report tests (and for the
// browser test through report_fixture): deterministic values, short synthetic
// WAVs, the files and shapes of the b2m-report input contract.
#pragma once

#include <cstddef>
#include <string>

namespace b2m::report::testing {

struct FixtureOptions {
  std::size_t clips = 12;
  std::size_t genres = 10;        // genres used by the test clips (<= 10)
  std::size_t bank_items = 20;
  std::size_t ranks = 5;
  std::size_t dims = 128;
  double seconds = 2.0;           // length of every WAV
  bool generated = true;          // recon/generated_<c>.wav for every clip (24 kHz)
  bool recon_retrieved = false;   // recon/retrieved_<c>.wav instead of the bank file
  bool region_score = true;
  int bank_rate = 16000;          // bank clips' sample rate (exercises resampling)
};

struct Fixture {
  std::string run_dir, data_dir;
};

// Writes <root>/run and <root>/data; returns their paths.
Fixture make_fixture(const std::string& root, const FixtureOptions& options = {});

}  // namespace b2m::report::testing
