// Replays files (or every file under folders) through one fuzz target; a crash, sanitizer report
// or leak fails the test. Usage: fuzz_replay [--target NAME] [--ext .EXT] [--verbose] PATH...
// (target `wasm` by default; --ext keeps only files with that extension when walking folders;
// --verbose names each input before running it). Prints "fuzz_replay: N inputs, no crash".
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "targets.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: fuzz_replay [--target NAME] [--ext .EXT] [--verbose] PATH...\n");
  for (const auto& t : tern::fuzz::allTargets()) {
    std::fprintf(stderr, "  %-14.*s %.*s\n", static_cast<int>(t.name.size()), t.name.data(),
                 static_cast<int>(t.what.size()), t.what.data());
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const tern::fuzz::Target* target = tern::fuzz::findTarget("wasm");
  std::string ext;
  bool verbose = false;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--target" && i + 1 < argc) {
      target = tern::fuzz::findTarget(argv[++i]);
      if (!target) return usage();
    } else if (arg == "--ext" && i + 1 < argc) {
      ext = argv[++i];
    } else if (arg == "--verbose") {
      verbose = true;
    } else if (arg.starts_with("-")) {
      return usage();
    } else if (fs::is_directory(arg)) {
      for (const auto& e : fs::recursive_directory_iterator(arg)) {
        if (!e.is_regular_file() || e.path().filename().string().starts_with(".")) continue;
        if (!ext.empty() && e.path().extension() != ext) continue;
        inputs.push_back(e.path());
      }
    } else if (fs::is_regular_file(arg)) {
      inputs.push_back(arg);
    } else {
      std::fprintf(stderr, "fuzz_replay: %s does not exist\n", argv[i]);
      return 1;
    }
  }
  std::sort(inputs.begin(), inputs.end());
  for (const auto& p : inputs) {
    if (verbose) std::fprintf(stderr, "fuzz_replay: %s\n", p.c_str());
    std::ifstream in(p, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    target->run(bytes.data(), bytes.size());
  }
  std::printf("fuzz_replay: %zu inputs, no crash\n", inputs.size());
  return 0;
}
