// Test helper: where the build generated the small models (tests/ai/make_models.py).
#pragma once

#include <cstdlib>
#include <filesystem>

namespace tern::ai::test {

inline std::filesystem::path modelsDir() {
  const char* dir = std::getenv("TERN_AI_MODELS");
  return dir ? dir : "ai_models";
}

}  // namespace tern::ai::test
