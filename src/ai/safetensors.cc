// Safetensors parsing and mapping: 8-byte header length, JSON header, raw little-endian tensors.
#include "ai/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "ai/limits.h"

namespace tern::ai {

namespace {

struct DTypeName {
  std::string_view name;
  DType dtype;
  size_t bytes;
};
constexpr DTypeName kDTypes[] = {
    {"F32", DType::kF32, 4}, {"F16", DType::kF16, 2}, {"BF16", DType::kBF16, 2},
    {"F64", DType::kF64, 8}, {"I64", DType::kI64, 8}, {"I32", DType::kI32, 4},
    {"I16", DType::kI16, 2}, {"I8", DType::kI8, 1},   {"U8", DType::kU8, 1},
    {"BOOL", DType::kBool, 1}};

Result<TensorInfo> parseEntry(const std::string& name, const nlohmann::json& entry,
                              std::span<const std::byte> data) {
  if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
      !entry.contains("data_offsets")) {
    return fail(ErrorCode::kMalformed, "safetensors: tensor '", name,
                "' needs dtype, shape and data_offsets");
  }
  const auto& dt = entry["dtype"];
  const DTypeName* found = nullptr;
  for (const auto& d : kDTypes) {
    if (dt.is_string() && dt.get<std::string>() == d.name) found = &d;
  }
  if (!found) return fail(ErrorCode::kMalformed, "safetensors: tensor '", name, "': unknown dtype");
  TensorInfo info{found->dtype, {}, {}};
  const auto& shape = entry["shape"];
  const auto& offsets = entry["data_offsets"];
  if (!shape.is_array() || shape.size() > limits::kMaxTensorRank || !offsets.is_array() ||
      offsets.size() != 2) {
    return fail(ErrorCode::kMalformed, "safetensors: tensor '", name, "': bad shape/offsets");
  }
  uint64_t elements = 1;
  for (const auto& dim : shape) {
    if (!dim.is_number_unsigned() || dim.get<uint64_t>() > limits::kMaxTensorElements) {
      return fail(ErrorCode::kMalformed, "safetensors: tensor '", name, "': bad dimension");
    }
    elements *= dim.get<uint64_t>();
    if (elements > limits::kMaxTensorElements) {
      return fail(ErrorCode::kMalformed, "safetensors: tensor '", name, "' is too large");
    }
    info.shape.push_back(static_cast<int64_t>(dim.get<uint64_t>()));
  }
  if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
    return fail(ErrorCode::kMalformed, "safetensors: tensor '", name, "': bad data_offsets");
  }
  uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
  if (begin > end || end > data.size() || end - begin != elements * found->bytes) {
    return fail(ErrorCode::kMalformed, "safetensors: tensor '", name,
                "': data_offsets do not match its shape or lie outside the file");
  }
  info.bytes = data.subspan(begin, end - begin);
  return info;
}

}  // namespace

std::string_view dtypeName(DType dtype) {
  for (const auto& d : kDTypes) {
    if (d.dtype == dtype) return d.name;
  }
  return "?";
}

size_t dtypeBytes(DType dtype) {
  for (const auto& d : kDTypes) {
    if (d.dtype == dtype) return d.bytes;
  }
  return 0;
}

int64_t TensorInfo::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Result<MappedFile> MappedFile::open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::kIo, "open ", path.string(), ": ", std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(ErrorCode::kIo, path.string(), ": not a regular file");
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return fail(ErrorCode::kMalformed, path.string(), ": empty file");
  }
  void* p = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return fail(ErrorCode::kIo, "mmap ", path.string(), ": ", std::strerror(errno));
  return MappedFile(static_cast<const std::byte*>(p), size);
}

MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_) munmap(const_cast<std::byte*>(data_), size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_) munmap(const_cast<std::byte*>(data_), size_);
}

Result<std::unordered_map<std::string, TensorInfo>> parseSafetensors(
    std::span<const std::byte> file) {
  if (file.size() < 8) return fail(ErrorCode::kMalformed, "safetensors: shorter than 8 bytes");
  uint64_t headerLen = 0;
  std::memcpy(&headerLen, file.data(), 8);
  if constexpr (std::endian::native != std::endian::little) headerLen = std::byteswap(headerLen);
  if (headerLen > limits::kMaxSafetensorsHeaderBytes || headerLen > file.size() - 8) {
    return fail(ErrorCode::kMalformed, "safetensors: header length ", std::to_string(headerLen),
                " exceeds the file or the limit");
  }
  auto text = std::string_view(reinterpret_cast<const char*>(file.data()) + 8, headerLen);
  auto header = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    return fail(ErrorCode::kMalformed, "safetensors: header is not a JSON object");
  }
  auto data = file.subspan(8 + headerLen);
  std::unordered_map<std::string, TensorInfo> out;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    auto info = parseEntry(name, entry, data);
    if (!info) return fail(info.error());
    out.emplace(name, std::move(*info));
  }
  return out;
}

Result<void> WeightSet::addFile(const std::filesystem::path& file) {
  auto mapped = MappedFile::open(file);
  if (!mapped) return fail(mapped.error());
  auto tensors = parseSafetensors(mapped->bytes());
  if (!tensors) {
    return fail(ErrorCode::kMalformed, file.string(), ": ", tensors.error().message);
  }
  for (auto& [name, info] : *tensors) {
    if (!tensors_.emplace(name, std::move(info)).second) {
      return fail(ErrorCode::kMalformed, file.string(), ": tensor '", name,
                  "' also appears in another shard");
    }
  }
  files_.push_back(std::move(*mapped));
  return {};
}

Result<std::shared_ptr<WeightSet>> WeightSet::open(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  fs::path file = path;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    file = fs::exists(path / "model.safetensors.index.json", ec)
               ? path / "model.safetensors.index.json"
               : path / "model.safetensors";
  }
  auto set = std::shared_ptr<WeightSet>(new WeightSet());
  if (file.filename().string().ends_with(".index.json")) {
    std::ifstream in(file);
    if (!in) return fail(ErrorCode::kIo, "cannot read ", file.string());
    auto index = nlohmann::json::parse(in, nullptr, false);
    if (index.is_discarded() || !index.is_object() || !index.contains("weight_map") ||
        !index["weight_map"].is_object()) {
      return fail(ErrorCode::kMalformed, file.string(), ": no weight_map object");
    }
    std::set<std::string> shards;
    for (const auto& [name, shard] : index["weight_map"].items()) {
      if (!shard.is_string()) return fail(ErrorCode::kMalformed, file.string(), ": bad shard name");
      auto s = shard.get<std::string>();
      if (s.empty() || s.find('/') != std::string::npos || s == "..") {
        return fail(ErrorCode::kMalformed, file.string(), ": shard '", s, "' is not a file name");
      }
      shards.insert(std::move(s));
    }
    if (shards.size() > limits::kMaxShards) {
      return fail(ErrorCode::kMalformed, file.string(), ": too many shards");
    }
    for (const auto& s : shards) TERN_TRY(set->addFile(file.parent_path() / s));
    for (const auto& [name, shard] : index["weight_map"].items()) {
      if (!set->find(name)) {
        return fail(ErrorCode::kMalformed, file.string(), ": tensor '", name, "' is not in ",
                    shard.get<std::string>());
      }
    }
  } else {
    TERN_TRY(set->addFile(file));
  }
  return set;
}

const TensorInfo* WeightSet::find(std::string_view name) const {
  auto it = tensors_.find(std::string(name));
  return it == tensors_.end() ? nullptr : &it->second;
}

std::vector<std::string> WeightSet::names() const {
  std::vector<std::string> out;
  for (const auto& [name, info] : tensors_) out.push_back(name);
  return out;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while (!(mant & 0x400u)) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

float bf16ToFloat(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

Result<const float*> WeightSet::f32(std::string_view name, std::span<const int64_t> shape) const {
  const TensorInfo* info = find(name);
  if (!info) return fail(ErrorCode::kInvalidArgument, "tensor '", std::string(name), "' is missing");
  if (!std::equal(shape.begin(), shape.end(), info->shape.begin(), info->shape.end())) {
    std::string want, got;
    for (auto d : shape) want += std::to_string(d) + ",";
    for (auto d : info->shape) got += std::to_string(d) + ",";
    return fail(ErrorCode::kInvalidArgument, "tensor '", std::string(name), "' has shape [", got,
                "], expected [", want, "]");
  }
  auto addr = reinterpret_cast<uintptr_t>(info->bytes.data());
  if (info->dtype == DType::kF32 && addr % alignof(float) == 0) {
    return reinterpret_cast<const float*>(info->bytes.data());
  }
  if (info->dtype != DType::kF32 && info->dtype != DType::kF16 && info->dtype != DType::kBF16) {
    return fail(ErrorCode::kUnsupported, "tensor '", std::string(name), "' has dtype ",
                dtypeName(info->dtype), "; F32, F16 and BF16 are supported");
  }
  std::lock_guard lock(convertMutex_);
  auto& slot = converted_[std::string(name)];
  if (!slot) {
    size_t n = static_cast<size_t>(info->elements());
    slot = std::make_unique<float[]>(n);
    const std::byte* src = info->bytes.data();
    for (size_t i = 0; i < n; ++i) {
      if (info->dtype == DType::kF32) {
        std::memcpy(&slot[i], src + 4 * i, 4);
        continue;
      }
      uint16_t h;
      std::memcpy(&h, src + 2 * i, 2);
      slot[i] = info->dtype == DType::kF16 ? halfToFloat(h) : bf16ToFloat(h);
    }
    convertedBytes_ += n * sizeof(float);
  }
  return slot.get();
}

size_t WeightSet::mappedBytes() const {
  size_t n = 0;
  for (const auto& f : files_) n += f.bytes().size();
  return n;
}

size_t WeightSet::convertedBytes() const {
  std::lock_guard lock(convertMutex_);
  return convertedBytes_;
}

}  // namespace tern::ai
