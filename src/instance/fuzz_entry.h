// One entry point for fuzzers (libFuzzer harnesses and the corpus replayer): decode, validate,
// compile and, for modules without imports, instantiate and run every export under a deadline.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::instance {

// Never crashes on any input; returns 0 when the module was rejected or ran (trapping or not).
int fuzzCompileAndRun(const uint8_t* data, size_t size);

}  // namespace tern::instance
