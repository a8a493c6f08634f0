// Safetensors weights (single file or sharded with model.safetensors.index.json), memory-mapped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace tern::ai {

enum class DType { kF32, kF16, kBF16, kF64, kI64, kI32, kI16, kI8, kU8, kBool };

std::string_view dtypeName(DType dtype);
size_t dtypeBytes(DType dtype);

// A read-only, shared file mapping (RAII, move-only). Pages are the page cache's: every process
// and every model user maps the same physical memory.
class MappedFile {
 public:
  static Result<MappedFile> open(const std::filesystem::path& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {data_, size_}; }

 private:
  MappedFile(const std::byte* data, size_t size) : data_(data), size_(size) {}
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

struct TensorInfo {
  DType dtype;
  std::vector<int64_t> shape;
  std::span<const std::byte> bytes;  // inside one of the WeightSet's mappings
  int64_t elements() const;
};

// Every tensor of one model. Thread-safe after open(); share it with std::shared_ptr.
class WeightSet {
 public:
  // `path` is a .safetensors file, a model.safetensors.index.json, or a folder holding either
  // (the index wins when both exist). Errors: kIo (missing/unreadable file), kMalformed (header,
  // offsets, dtype or index that do not describe the file).
  static Result<std::shared_ptr<WeightSet>> open(const std::filesystem::path& path);

  const TensorInfo* find(std::string_view name) const;
  std::vector<std::string> names() const;

  // The tensor as float32 with exactly `shape`: F32 tensors point into the mapping (no copy);
  // F16/BF16 are converted once, kept, and shared by later callers. kInvalidArgument when the
  // tensor is missing or its shape differs.
  Result<const float*> f32(std::string_view name, std::span<const int64_t> shape) const;
  Result<const float*> f32(std::string_view name, std::initializer_list<int64_t> shape) const {
    return f32(name, std::span<const int64_t>(shape.begin(), shape.size()));
  }

  // Bytes mapped from files / converted into private memory (for the RSS accounting in benches).
  size_t mappedBytes() const;
  size_t convertedBytes() const;

 private:
  Result<void> addFile(const std::filesystem::path& file);

  std::vector<MappedFile> files_;
  std::unordered_map<std::string, TensorInfo> tensors_;
  mutable std::mutex convertMutex_;
  mutable std::unordered_map<std::string, std::unique_ptr<float[]>> converted_;
  mutable size_t convertedBytes_ = 0;
};

// Parses one safetensors header (exposed for tests and the fuzzer): `file` is the whole file.
Result<std::unordered_map<std::string, TensorInfo>> parseSafetensors(
    std::span<const std::byte> file);

float halfToFloat(uint16_t h);
float bf16ToFloat(uint16_t h);

}  // namespace tern::ai
