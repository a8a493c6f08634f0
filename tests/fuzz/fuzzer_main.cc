// libFuzzer entry points for the target named by TERN_FUZZ_TARGET (see targets.h); CMake builds
// one <target>_fuzzer per name.
#include <cstdio>
#include <cstdlib>

#include "targets.h"

#ifndef TERN_FUZZ_TARGET
#error "define TERN_FUZZ_TARGET to a target name from targets.h"
#endif

namespace {

const tern::fuzz::Target& target() {
  static const tern::fuzz::Target* t = [] {
    const tern::fuzz::Target* found = tern::fuzz::findTarget(TERN_FUZZ_TARGET);
    if (!found) {
      std::fprintf(stderr, "no fuzz target named %s\n", TERN_FUZZ_TARGET);
      std::abort();
    }
    return found;
  }();
  return *t;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Build the target's fixtures (engine, App) and load libtern_codegen.so before fuzzing starts,
  // so their set-up is not attributed to the first input and the codegen's coverage is known.
  const auto& warm = target().warm_up;
  target().run(reinterpret_cast<const uint8_t*>(warm.data()), warm.size());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return target().run(data, size);
}
