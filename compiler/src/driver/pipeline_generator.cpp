#include "b2m/driver/pipeline_generator.h"

#include <random>
#include <vector>

namespace b2m {

std::string generate_pipeline(int lines, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  std::string s = "import io\n";
  s += "param gain: f32 = 1.5\n";
  s += "source x: f32[time, voxel] = io.npy(\"x.npy\")\n";
  s += "source w: f32[voxel] = io.npy(\"w.npy\")\n";
  s += "source run: i64[time] = io.npy(\"run.npy\")\n";
  s += "fn center(a) = a - mean(a, over=time)\n";
  s += "fn scale(a, g) = a * g + 0.5\n";
  s += "fn zrun(a, r) = a - take(mean(a, over=time, by=r, into=runs), r, along=runs)\n";
  // Values of shape [time, voxel] and [voxel] available so far.
  std::vector<std::string> tv = {"x"}, v = {"w"};
  int n = 0;
  int emitted = 8;
  while (emitted + 3 < lines) {
    ++emitted;
    std::string name = "v" + std::to_string(n++);
    // Every 10th value is an output, so that most of the graph stays live.
    if (n % 10 == 0 && !tv.empty()) {
      s += "out \"o" + std::to_string(n) + ".npy\" = " + tv.back() + "\n";
      ++emitted;
    }
    const std::string& a = tv[pick(static_cast<int>(tv.size()))];
    const std::string& b = tv[pick(static_cast<int>(tv.size()))];
    const std::string& c = v[pick(static_cast<int>(v.size()))];
    switch (pick(9)) {
      case 0: s += "let " + name + " = " + a + " + " + b + " * 2.0\n"; tv.push_back(name); break;
      case 1: s += "let " + name + " = (" + a + " - " + c + ") / (abs(" + c + ") + 1.0)\n"; tv.push_back(name); break;
      case 2: s += "let " + name + " = center(" + a + ")\n"; tv.push_back(name); break;
      case 3: s += "let " + name + " = scale(" + a + ", gain)\n"; tv.push_back(name); break;
      case 4: s += "let " + name + " = mean(" + a + " * " + b + ", over=time)\n"; v.push_back(name); break;
      case 5: s += "let " + name + " = sqrt(abs(" + c + ")) + " + c + "\n"; v.push_back(name); break;
      case 6: s += "let " + name + " = where(" + a + " > 0.0, " + a + ", exp(" + b + "))\n"; tv.push_back(name); break;
      case 7: s += "let " + name + " = zrun(" + a + ", run)\n"; tv.push_back(name); break;
      default: s += "let " + name + " = max(" + a + ", over=voxel) + sum(" + b + ", over=voxel)\n"; {
          // [time] values feed back as a broadcast against [time, voxel].
          std::string back = "v" + std::to_string(n++);
          s += "let " + back + " = " + a + " - " + name + "\n";
          ++emitted;
          tv.push_back(back);
        }
        break;
    }
  }
  s += "out \"last.npy\" = " + tv.back() + "\n";
  s += "out \"vec.npy\" = " + v.back() + "\n";
  return s;
}

}  // namespace b2m
