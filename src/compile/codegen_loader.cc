// Loads libtern_codegen.so (and with it LLVM) on first use, and describes the host CPU for
// artifact cache keys without LLVM.
#include <dlfcn.h>
#include <unistd.h>

#include <cpuid.h>

#include <cstdio>
#include <mutex>
#include <string>

#include "compile/codegen.h"

#ifndef TERN_CODEGEN_BUILD_PATH
#define TERN_CODEGEN_BUILD_PATH ""
#endif

namespace tern::compile {

namespace {

std::string exeDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

struct CodegenLibrary {
  GenerateFn generate = nullptr;
  std::string error;
};

const CodegenLibrary& codegenLibrary() {
  static CodegenLibrary lib;
  static std::once_flag once;
  std::call_once(once, [] {
    // Next to the executable (installed layout), then where the build put it, then the default
    // search path (TERN_CODEGEN_LIB overrides all).
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("TERN_CODEGEN_LIB")) candidates.push_back(env);
    candidates.push_back(exeDir() + "/libtern_codegen.so");
    candidates.push_back(exeDir() + "/../lib/libtern_codegen.so");
    if (*TERN_CODEGEN_BUILD_PATH) candidates.push_back(TERN_CODEGEN_BUILD_PATH);
    candidates.push_back("libtern_codegen.so");
    for (const auto& path : candidates) {
      void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        lib.error += std::string(dlerror()) + "; ";
        continue;
      }
      lib.generate = reinterpret_cast<GenerateFn>(dlsym(handle, kGenerateSymbol));
      if (lib.generate) return;
      lib.error += path + ": no " + kGenerateSymbol + "; ";
    }
  });
  return lib;
}

// CPUID vendor, family/model and every feature leaf LLVM's host detection reads: two machines
// with equal strings get identical code. (Reading /proc/cpuinfo costs about a millisecond.)
std::string readTarget() {
  auto hex = [](uint32_t v) {
    char buf[12];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return std::string(buf);
  };
  std::string out = "x86_64";
  unsigned a, b, c, d;
  const unsigned leaves[][2] = {{0, 0}, {1, 0}, {7, 0}, {7, 1}, {0xd, 1}, {0x14, 0}, {0x19, 0},
                                {0x80000001, 0}, {0x80000008, 0}};
  for (const auto& leaf : leaves) {
    if (!__get_cpuid_count(leaf[0], leaf[1], &a, &b, &c, &d)) continue;
    // Leaf 1 EBX holds the APIC id of the core we happen to run on: not a feature.
    if (leaf[0] == 1) b &= 0x0000ffff;
    out += " " + hex(a) + hex(b) + hex(c) + hex(d);
  }
  return out;
}

}  // namespace

Result<ObjectCode> generateCode(const DecodedModule& module, const CodegenOptions& options) {
  const CodegenLibrary& lib = codegenLibrary();
  if (!lib.generate) return fail(ErrorCode::kCodegen, "cannot load libtern_codegen.so: ", lib.error);
  ObjectCode out;
  Error error{ErrorCode::kCodegen, ""};
  if (!lib.generate(&module, &options, &out, &error)) return fail(std::move(error));
  return out;
}

const std::string& targetDescription() {
  static const std::string target = readTarget();
  return target;
}

}  // namespace tern::compile
