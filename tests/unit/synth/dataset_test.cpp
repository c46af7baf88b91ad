// Checks on generated tiny datasets: the BIDS layout and contract, the
// runtime's BIDS reader on them, the achieved SNR, SNR 0 leakage, genre
// separability of the stimuli, RMS and fades, and bytes identical at 1 and 2
// threads.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <set>
#include <sstream>

#include "b2m/dsp/mel.h"
#include "b2m/fmri/bids.h"
#include "b2m/fmri/nifti.h"
#include "b2m/io/audio.h"
#include "b2m/io/npy.h"
#include "b2m/runtime/thread_pool.h"
#include "b2m/synth/hrf.h"
#include "b2m/synth/track.h"

namespace b2m::synth {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// The datasets of the ctest fixtures in tests/unit/synth/CMakeLists.txt (same
// command lines); generated here when missing (running the binary by hand).
std::string dataset(const std::string& name, const std::string& args) {
  const fs::path dir = fs::path(B2M_SYNTH_TEST_DIR) / name;
  if (!fs::exists(dir / "dataset_description.json")) {
    const std::string command = std::string(B2M_SYNTH_EXE) + " " + args + " --force -q --out " + dir.string();
    if (std::system(command.c_str()) != 0) ADD_FAILURE() << "failed: " << command;
  }
  return dir.string();
}
const std::string& tiny() {
  static const std::string dir = dataset("tiny", "--preset tiny --threads 2");
  return dir;
}
const std::string& tiny_one_thread() {
  static const std::string dir = dataset("tiny-1-thread", "--preset tiny --threads 1");
  return dir;
}
const std::string& tiny_snr0() {
  static const std::string dir = dataset("tiny-snr0", "--preset tiny --snr 0 --bank-size 10");
  return dir;
}

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

json json_of(const fs::path& p) { return json::parse(bytes_of(p)); }

fs::path truth_dir(const std::string& root) { return fs::path(root) / "derivatives/b2m-synth/sub-001/truth"; }

fmri::Mask mask_of(const std::string& root) {
  return fmri::mask_from_volume(
      fmri::read_volume((fs::path(root) / "derivatives/b2m-synth/sub-001/func/sub-001_desc-brain_mask.nii.gz").string()));
}

RowMatrixF npy_matrix(const fs::path& p) {
  const io::NpyArray a = io::read_npy(p.string());
  EXPECT_EQ(a.ndim(), 2u) << p;
  RowMatrixF m(static_cast<Eigen::Index>(a.shape()[0]), static_cast<Eigen::Index>(a.shape()[1]));
  const auto v = a.as_f32();
  std::copy(v.begin(), v.end(), m.data());
  return m;
}

std::vector<float> npy_vector(const fs::path& p) { return io::read_npy(p.string()).as_f32(); }

// Residuals of each column after least squares on the run's drift basis
// [1, t, cos(pi k (t + 0.5) / n) for k = 1..3].
Eigen::MatrixXd remove_drift(const Eigen::MatrixXd& y) {
  const auto n = y.rows();
  Eigen::MatrixXd basis(n, 5);
  for (Eigen::Index t = 0; t < n; ++t) {
    basis(t, 0) = 1.0;
    basis(t, 1) = static_cast<double>(t) / static_cast<double>(n);
    for (int k = 1; k <= 3; ++k) basis(t, 1 + k) = std::cos(std::numbers::pi * k * (t + 0.5) / static_cast<double>(n));
  }
  const Eigen::MatrixXd beta = basis.colPivHouseholderQr().solve(y);
  return y - basis * beta;
}

struct RunTruth {
  fmri::BidsRun run;
  Eigen::MatrixXd bold;   // [scan x mask voxel]
  Eigen::MatrixXd drive;  // HRF-convolved features [scan x feature]
};

std::vector<RunTruth> load_runs(const std::string& root) {
  const fmri::BidsDataset ds = fmri::open_bids_dataset(root);
  const fmri::Mask mask = mask_of(root);
  const auto kernel = hrf_kernel(1.5);
  std::vector<RunTruth> out;
  for (const auto& run : ds.runs_of("001")) {
    const fmri::RunData data = fmri::load_run(run, &mask);
    const RowMatrixF f =
        npy_matrix(truth_dir(root) / fmt::format("features_{}_run-{:02d}.npy", run.task, run.run));
    out.push_back({run, data.bold.data.cast<double>(), convolve_hrf(f, kernel).cast<double>()});
  }
  return out;
}

// ---- layout and contract ------------------------------------------------------

TEST(SynthDataset, WritesTheBidsLayoutAndMetadata) {
  const fs::path root = tiny();
  const json d = json_of(root / "dataset_description.json");
  EXPECT_EQ(d["BIDSVersion"], "1.8.0");
  EXPECT_EQ(d["DatasetType"], "raw");
  EXPECT_TRUE(d["Name"].is_string());
  const json g = d["GeneratedBy"][0];
  EXPECT_EQ(g["Name"], "b2m-synth");
  EXPECT_TRUE(g["Version"].is_string());
  EXPECT_EQ(g["preset"], "tiny");
  EXPECT_EQ(g["seed"], 0);
  EXPECT_EQ(g["snr"], 2.0);
  EXPECT_EQ(g["voxel_size_mm"], 8.0);
  EXPECT_EQ(bytes_of(root / "participants.tsv").substr(0, 15), "participant_id\t");
  EXPECT_TRUE(fs::exists(root / "README"));

  const fs::path schedule = fs::path(B2M_SOURCE_DIR) / "tools/b2m-synth/schedule";
  int runs = 0;
  for (const auto& entry : fs::directory_iterator(schedule)) {
    if (entry.path().extension() != ".tsv") continue;
    const std::string name = entry.path().filename().string();  // sub-001_task-..._events.tsv
    const fs::path copy = root / "sub-001/func" / name;
    EXPECT_EQ(bytes_of(copy), bytes_of(entry.path())) << name;
    const std::string stem = name.substr(0, name.size() - std::string("_events.tsv").size());
    EXPECT_TRUE(fs::exists(root / "sub-001/func" / (stem + "_bold.nii.gz"))) << stem;
    const json sidecar = json_of(root / "sub-001/func" / (stem + "_bold.json"));
    EXPECT_EQ(sidecar["RepetitionTime"], 1.5);
    EXPECT_EQ(sidecar["TaskName"], stem.find("task-Test") != std::string::npos ? "Test" : "Training");
    ++runs;
  }
  EXPECT_EQ(runs, 18);

  // Bank: header, balanced genres, files present.
  std::istringstream bank(bytes_of(root / "bank/bank.tsv"));
  std::string line;
  std::getline(bank, line);
  EXPECT_EQ(line, "item\tfile\tgenre");
  std::map<std::string, int> per_genre;
  int items = 0;
  while (std::getline(bank, line)) {
    std::istringstream row(line);
    std::string item, file, genre;
    std::getline(row, item, '\t');
    std::getline(row, file, '\t');
    std::getline(row, genre, '\t');
    EXPECT_EQ(item, std::to_string(items));
    EXPECT_EQ(file, fmt::format("audio/bank.{:05d}.wav", items));
    EXPECT_TRUE(fs::exists(root / "bank" / file)) << file;
    ++per_genre[genre];
    ++items;
  }
  EXPECT_EQ(items, 50);
  EXPECT_EQ(per_genre.size(), 10u);
  for (const auto& [genre, n] : per_genre) EXPECT_EQ(n, 5) << genre;

  // Truth files and shapes.
  const fmri::Mask mask = mask_of(root);
  const io::NpyArray weights = io::read_npy((truth_dir(root) / "weights.npy").string());
  EXPECT_EQ(weights.dtype(), io::DType::f32);
  EXPECT_EQ(weights.shape(), (std::vector<std::size_t>{mask.voxels.size(), 41}));
  const io::NpyArray features = io::read_npy((truth_dir(root) / "features_Training_run-01.npy").string());
  EXPECT_EQ(features.shape(), (std::vector<std::size_t>{410, 41}));
  const json truth = json_of(truth_dir(root) / "truth.json");
  EXPECT_EQ(truth["snr"], 2.0);
  EXPECT_EQ(truth["mask"]["voxels"], mask.voxels.size());
  EXPECT_EQ(truth["features"]["names"].size(), 41u);
  EXPECT_EQ(truth["hrf"]["kernel"].size(), 22u);
  const auto signal = io::read_npy((truth_dir(root) / "signal_voxels.npy").string()).as_i64();
  EXPECT_GT(signal.size(), 50u);
  EXPECT_LT(signal.size(), mask.voxels.size() / 4);
}

TEST(SynthDataset, TheBidsReaderLoadsEveryRun) {
  const std::string root = tiny();
  const fmri::BidsDataset ds = fmri::open_bids_dataset(root);
  EXPECT_EQ(ds.subjects, (std::vector<std::string>{"001"}));
  EXPECT_EQ(ds.bids_version, "1.8.0");
  ASSERT_EQ(ds.runs_of("001", "Training").size(), 12u);
  ASSERT_EQ(ds.runs_of("001", "Test").size(), 6u);
  const fmri::Mask mask = mask_of(root);
  EXPECT_EQ(mask.voxels.size(), 3288u);  // Harvard-Oxford cortex at 8 mm
  std::vector<fmri::EventsFile> training, test;
  for (const auto& run : ds.runs_of("001")) {
    const fmri::NiftiHeader h = fmri::read_nifti_header(run.bold_path);
    EXPECT_EQ(h.num_volumes, 410);
    EXPECT_DOUBLE_EQ(h.time_step_s, 1.5);
    EXPECT_TRUE(h.grid.same_as(mask.grid));
    EXPECT_DOUBLE_EQ(h.grid.affine(0, 0), 8.0);
    EXPECT_DOUBLE_EQ(h.grid.affine(1, 1), 8.0);
    // load_run checks the sidecar TR against the header and the events' span against the volumes.
    const fmri::RunData data = fmri::load_run(run, &mask);
    EXPECT_EQ(data.bold.data.rows(), 410);
    EXPECT_EQ(data.bold.data.cols(), static_cast<Eigen::Index>(mask.voxels.size()));
    EXPECT_DOUBLE_EQ(data.tr_s, 1.5);
    EXPECT_EQ(data.events.events.size(), 41u);
    EXPECT_TRUE(data.bold.data.allFinite());
    // Baselines in the hundreds: inside the mask the signal is far from 0.
    EXPECT_GT(data.bold.data.colwise().mean().minCoeff(), 250.0f);
    if (run.task == "Training" && run.run == 4) {
      EXPECT_EQ(data.events.malformed_rows, 3);
    }
    (run.task == "Test" ? test : training).push_back(data.events);
  }
  const fmri::StimulusTable tr = fmri::collect_presentations(training);
  const fmri::StimulusTable te = fmri::collect_presentations(test);
  EXPECT_EQ(tr.clips.size(), 480u);
  EXPECT_EQ(te.clips.size(), 60u);
  for (const auto& c : te.clips) EXPECT_EQ(te.repetitions_of(c), 4u);
  // Every clip has its stimulus file.
  for (const auto* table : {&tr, &te})
    for (const auto& c : table->clips) EXPECT_TRUE(fs::exists(fs::path(root) / "stimuli" / (c.id() + ".wav"))) << c.id();
}

// ---- the bold model on the written data ------------------------------------------

TEST(SynthDataset, AchievedSnrMatchesTheRequestedOne) {
  const std::string root = tiny();
  const std::vector<RunTruth> runs = load_runs(root);
  const RowMatrixF w = npy_matrix(truth_dir(root) / "weights.npy");
  const std::vector<float> share = npy_vector(truth_dir(root) / "signal_share.npy");
  const std::vector<float> phi = npy_vector(truth_dir(root) / "ar1_phi.npy");
  std::vector<Eigen::Index> full;
  for (std::size_t c = 0; c < share.size(); ++c)
    if (share[c] == 1.0f) full.push_back(static_cast<Eigen::Index>(c));
  ASSERT_GT(full.size(), 30u);
  const auto nv = static_cast<Eigen::Index>(full.size());
  Eigen::MatrixXd wf(nv, w.cols());
  for (Eigen::Index i = 0; i < nv; ++i) wf.row(i) = w.row(full[static_cast<std::size_t>(i)]).cast<double>();
  Eigen::VectorXd s1 = Eigen::VectorXd::Zero(nv), s2 = s1, noise = s1, lag1 = s1;
  double scans = 0;
  for (const RunTruth& r : runs) {
    const Eigen::MatrixXd signal = r.drive * wf.transpose();
    Eigen::MatrixXd bold(r.bold.rows(), nv);
    for (Eigen::Index i = 0; i < nv; ++i) bold.col(i) = r.bold.col(full[static_cast<std::size_t>(i)]);
    const Eigen::MatrixXd res = remove_drift(bold - signal);  // AR(1) noise minus its drift-space part
    const double n = static_cast<double>(res.rows());
    for (Eigen::Index i = 0; i < nv; ++i) {
      noise[i] += res.col(i).squaredNorm() / (n - 5.0);
      lag1[i] += res.col(i).tail(res.rows() - 1).dot(res.col(i).head(res.rows() - 1)) / res.col(i).squaredNorm();
    }
    s1 += signal.colwise().sum().transpose();
    s2 += signal.array().square().colwise().sum().matrix().transpose();
    scans += n;
  }
  noise /= static_cast<double>(runs.size());
  lag1 /= static_cast<double>(runs.size());
  double mean_snr = 0, mean_phi_error = 0;
  for (Eigen::Index i = 0; i < nv; ++i) {
    const double var = s2[i] / scans - std::pow(s1[i] / scans, 2);
    mean_snr += var / noise[i] / static_cast<double>(nv);
    mean_phi_error += (lag1[i] - phi[static_cast<std::size_t>(full[static_cast<std::size_t>(i)])]) / static_cast<double>(nv);
  }
  std::printf("[ info     ] achieved SNR %.3f (requested 2), noise lag-1 autocorrelation - phi %.4f, %ld voxels\n",
              mean_snr, mean_phi_error, static_cast<long>(nv));
  EXPECT_NEAR(mean_snr, 2.0, 0.2) << "mean signal/noise variance over " << nv << " Heschl + superior temporal voxels";
  EXPECT_NEAR(mean_phi_error, 0.0, 0.05) << "lag-1 autocorrelation of the noise vs the truth's AR(1) coefficients";
}

// R^2 of each voxel's drift-free bold on the drift-free HRF-convolved features,
// over all runs.
std::vector<double> feature_r2(const std::vector<RunTruth>& runs, const std::vector<Eigen::Index>& voxels) {
  Eigen::MatrixXd x, y;
  for (const RunTruth& r : runs) {
    Eigen::MatrixXd b(r.bold.rows(), static_cast<Eigen::Index>(voxels.size()));
    for (std::size_t i = 0; i < voxels.size(); ++i) b.col(static_cast<Eigen::Index>(i)) = r.bold.col(voxels[i]);
    const Eigen::MatrixXd xr = remove_drift(r.drive), yr = remove_drift(b);
    x.conservativeResize(x.rows() + xr.rows(), xr.cols());
    x.bottomRows(xr.rows()) = xr;
    y.conservativeResize(y.rows() + yr.rows(), yr.cols());
    y.bottomRows(yr.rows()) = yr;
  }
  const Eigen::MatrixXd fit = x * x.colPivHouseholderQr().solve(y);
  std::vector<double> r2;
  for (Eigen::Index i = 0; i < y.cols(); ++i) r2.push_back(fit.col(i).squaredNorm() / y.col(i).squaredNorm());
  return r2;
}

TEST(SynthDataset, SnrZeroHasNoStimulusSignal) {
  const std::string root = tiny_snr0();
  EXPECT_EQ(json_of(truth_dir(root) / "truth.json")["snr"], 0.0);
  EXPECT_TRUE(npy_matrix(truth_dir(root) / "weights.npy").isZero(0.0f));
  const std::vector<float> share = npy_vector(truth_dir(root) / "signal_share.npy");
  std::vector<Eigen::Index> auditory;
  for (std::size_t c = 0; c < share.size(); ++c)
    if (share[c] > 0) auditory.push_back(static_cast<Eigen::Index>(c));
  const std::vector<double> r2_null = feature_r2(load_runs(root), auditory);
  const std::vector<double> r2_signal = feature_r2(load_runs(tiny()), auditory);
  double null_mean = 0, null_max = 0, signal_mean = 0;
  for (std::size_t i = 0; i < auditory.size(); ++i) {
    null_mean += r2_null[i] / static_cast<double>(auditory.size());
    null_max = std::max(null_max, r2_null[i]);
    signal_mean += r2_signal[i] / static_cast<double>(auditory.size());
  }
  std::printf("[ info     ] feature R^2 in auditory voxels: SNR 0 mean %.4f max %.4f; SNR 2 mean %.3f\n", null_mean,
              null_max, signal_mean);
  // 41 smooth regressors on ~7380 AR(1) scans explain ~1-2 % of pure noise.
  EXPECT_LT(null_mean, 0.03) << "mean R^2 of the features in the auditory voxels at SNR 0";
  EXPECT_LT(null_max, 0.08);
  EXPECT_GT(signal_mean, 0.3) << "the same statistic at SNR 2";
}

// ---- stimuli -------------------------------------------------------------------------

std::set<std::string> clips_of_task(const std::string& root, const std::string& task) {
  std::set<std::string> ids;
  for (const auto& run : fmri::open_bids_dataset(root).runs_of("001", task))
    for (const auto& e : fmri::read_events(run.events_path).events) ids.insert(e.clip.id());
  return ids;
}

TEST(SynthDataset, GenresAreSeparableByMeanAndSdOfLogMel) {
  const std::string root = tiny();
  const std::set<std::string> train = clips_of_task(root, "Training"), test = clips_of_task(root, "Test");
  std::vector<std::string> ids(train.begin(), train.end());
  ids.insert(ids.end(), test.begin(), test.end());
  const dsp::MelSpec spec;
  const RowMatrixF fb = dsp::mel_filterbank(spec);
  Eigen::MatrixXd x(static_cast<Eigen::Index>(ids.size()), 128);
  parallel_for(ids.size(), 8, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const io::Audio a = io::read_audio((fs::path(root) / "stimuli" / (ids[i] + ".wav")).string());
      const RowMatrixF lm = dsp::log_mel(a.samples, spec, fb);
      const Eigen::MatrixXd l = lm.cast<double>();
      const Eigen::RowVectorXd mean = l.colwise().mean();
      const Eigen::RowVectorXd sd = ((l.rowwise() - mean).array().square().colwise().mean()).sqrt();
      x.row(static_cast<Eigen::Index>(i)) << mean, sd;
    }
  });
  const auto n_train = static_cast<Eigen::Index>(train.size());
  const Eigen::RowVectorXd mu = x.topRows(n_train).colwise().mean();
  const Eigen::RowVectorXd sd =
      ((x.topRows(n_train).rowwise() - mu).array().square().colwise().mean()).sqrt().matrix().array() + 1e-9;
  const Eigen::MatrixXd z = (x.rowwise() - mu).array().rowwise() / sd.array();
  auto genre_of = [](const std::string& id) { return genre_index(id.substr(0, id.find('.'))); };
  Eigen::MatrixXd centroid = Eigen::MatrixXd::Zero(10, 128);
  Eigen::VectorXd count = Eigen::VectorXd::Zero(10);
  for (Eigen::Index i = 0; i < n_train; ++i) {
    centroid.row(genre_of(ids[static_cast<std::size_t>(i)])) += z.row(i);
    count[genre_of(ids[static_cast<std::size_t>(i)])] += 1;
  }
  for (int g = 0; g < 10; ++g) centroid.row(g) /= count[g];
  int correct = 0;
  std::string errors;
  for (Eigen::Index i = n_train; i < z.rows(); ++i) {
    Eigen::Index best = 0;
    (centroid.rowwise() - z.row(i)).rowwise().squaredNorm().minCoeff(&best);
    const bool ok = best == genre_of(ids[static_cast<std::size_t>(i)]);
    correct += ok;
    if (!ok) errors += " " + ids[static_cast<std::size_t>(i)] + "->" + std::string(genre_names()[static_cast<std::size_t>(best)]);
  }
  const double accuracy = static_cast<double>(correct) / static_cast<double>(test.size());
  EXPECT_EQ(test.size(), 60u);
  EXPECT_GE(accuracy, 0.8) << "nearest-centroid genre accuracy on the 60 held-out test clips (chance 0.1); errors:" << errors;
  std::printf("[ info     ] nearest-centroid genre accuracy %.3f on %zu test clips;%s\n", accuracy, test.size(),
              errors.c_str());
}

TEST(SynthDataset, StimuliAreNormalisedFadedMonoClips) {
  const std::string root = tiny();
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(root) / "stimuli")) {
    const io::Audio a = io::read_audio(entry.path().string());
    ASSERT_EQ(a.sample_rate, 22050);
    ASSERT_EQ(a.channels, 1);
    ASSERT_NEAR(static_cast<double>(a.frames()), 330750.0, 221.0) << entry.path();  // 15 s (one clip is 14.99 s)
    double s = 0, head = 0, middle = 0;
    for (std::size_t i = 0; i < a.frames(); ++i) s += double(a.samples[i]) * a.samples[i];
    for (std::size_t i = 0; i < 441; ++i) head += double(a.samples[i]) * a.samples[i];
    for (std::size_t i = a.frames() / 2; i < a.frames() / 2 + 441; ++i) middle += double(a.samples[i]) * a.samples[i];
    const double rms = std::sqrt(s / static_cast<double>(a.frames()));
    EXPECT_NEAR(rms, 0.1321, 0.001321) << entry.path();
    EXPECT_LT(std::sqrt(head / 441), 0.05 * rms) << entry.path() << ": the first 20 ms are faded in";
    ++checked;
  }
  EXPECT_EQ(checked, 540);
  EXPECT_TRUE(fs::exists(fs::path(root) / "stimuli" / "pop.00049.wav"));  // the 14.99 s excerpt of Training run-12
}

// ---- determinism -----------------------------------------------------------------------

TEST(SynthDataset, IsByteIdenticalAtOneAndTwoThreads) {
  const fs::path a = tiny(), b = tiny_one_thread();
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(a))
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), a));
  std::size_t in_b = 0;
  for (const auto& e : fs::recursive_directory_iterator(b)) in_b += e.is_regular_file();
  EXPECT_EQ(files.size(), in_b);
  for (const auto& f : files) {
    ASSERT_TRUE(fs::exists(b / f)) << f;
    ASSERT_EQ(fs::file_size(a / f), fs::file_size(b / f)) << f;
    ASSERT_TRUE(bytes_of(a / f) == bytes_of(b / f)) << f << " differs between 2 threads and 1 thread";
  }
}

}  // namespace
}  // namespace b2m::synth
