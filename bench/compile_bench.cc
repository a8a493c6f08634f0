// Compile throughput: wall seconds and MB/s for one module at the default level on all cores,
// then the cached load time (which must compile nothing).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "bench/bench_util.h"

using namespace tern;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: compile_bench MODULE.wasm [-O]\n");
    return 2;
  }
  bool optimize = argc > 2 && std::string(argv[2]) == "-O";
  auto bytes = bench::readFile(argv[1]);
  auto dir = std::filesystem::temp_directory_path() / ("tern-compile-bench-" + std::to_string(getpid()));
  auto engine = instance::Engine::create({.cache_dir = dir.string()}).value();
  auto level = optimize ? instance::OptLevel::kOptimized : instance::OptLevel::kFast;
  auto t0 = std::chrono::steady_clock::now();
  auto module = engine->compile(bytes, level);
  auto t1 = std::chrono::steady_clock::now();
  if (!module) {
    std::fprintf(stderr, "%s\n", module.error().toString().c_str());
    return 1;
  }
  double secs = std::chrono::duration<double>(t1 - t0).count();
  double mb = bytes.size() / 1e6;
  std::printf("module: %s, %.1f MB, %u functions\n", argv[1], mb, (*module)->info().numDefinedFuncs());
  std::printf("compile (%s level, %u threads): %.2f s, %.2f MB/s, code %.1f MB\n",
              optimize ? "optimising" : "default", std::thread::hardware_concurrency(), secs,
              mb / secs, (*module)->stats().code_bytes / 1e6);
  auto t2 = std::chrono::steady_clock::now();
  auto cached = engine->compile(bytes, level);
  auto t3 = std::chrono::steady_clock::now();
  std::printf("second load: %.3f s, cache hit: %s\n", std::chrono::duration<double>(t3 - t2).count(),
              cached && (*cached)->stats().cache_hit ? "yes" : "no");
  std::filesystem::remove_all(dir);
  return 0;
}
