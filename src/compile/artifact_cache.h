// Artifact cache: compiled modules on disk, content-addressed, verified before use.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "common/result.h"
#include "compile/codegen.h"
#include "compile/module_info.h"

namespace tern::compile {

struct Artifact {
  ModuleInfo info;
  ObjectCode code;
};

class ArtifactCache {
 public:
  explicit ArtifactCache(std::string dir) : dir_(std::move(dir)) {}

  // SHA-256 over the Wasm bytes, engine ABI version, target CPU/features and options, in hex.
  static std::string key(std::span<const uint8_t> wasm, bool optimize);
  std::string pathFor(const std::string& key) const;

  // nullopt when absent, truncated, corrupt or written by another engine/target: the caller
  // recompiles. Never returns unverified bytes.
  std::optional<Artifact> load(const std::string& key) const;
  // Atomic write (temp file + rename); concurrent writers of the same key are harmless.
  Result<void> store(const std::string& key, const ModuleInfo& info, const ObjectCode& code) const;

 private:
  std::string dir_;
};

}  // namespace tern::compile
