// Artifact file format: magic, version, key, SHA-256 of the payload, payload length, payload
// (serialised ModuleInfo + objects + code map). Any mismatch means "absent".
#include "compile/artifact_cache.h"

#include <fcntl.h>
// The low-level SHA-256 API: unlike EVP it needs no provider initialisation (~0.5 ms at start).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "compile/vm_abi.h"

namespace tern::compile {

namespace {

constexpr char kMagic[8] = {'T', 'E', 'R', 'N', 'A', 'R', 'T', '1'};
constexpr uint32_t kFormatVersion = 2;  // 2: code map for trap backtraces

// SHA256_Init/Update/Final, not the one-shot SHA256(): in OpenSSL 3 the latter goes through EVP
// and loads the provider configuration.
void sha256(const void* data, size_t len, uint8_t out[32]) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data, len);
  SHA256_Final(out, &ctx);
}

std::string hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

void put64(std::vector<uint8_t>& out, uint64_t v) {
  uint8_t b[8];
  std::memcpy(b, &v, 8);
  out.insert(out.end(), b, b + 8);
}

}  // namespace

std::string ArtifactCache::key(std::span<const uint8_t> wasm, bool optimize) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, wasm.data(), wasm.size());
  std::string salt = "abi=" + std::to_string(vm::kEngineAbiVersion) +
                     " fmt=" + std::to_string(kFormatVersion) + " opt=" + (optimize ? "2" : "1") +
                     " target=" + targetDescription();
  SHA256_Update(&ctx, salt.data(), salt.size());
  uint8_t digest[32];
  SHA256_Final(digest, &ctx);
  return hex(digest, 32);
}

std::string ArtifactCache::pathFor(const std::string& key) const {
  return dir_ + "/" + key.substr(0, 2) + "/" + key + ".tern";
}

std::optional<Artifact> ArtifactCache::load(const std::string& key) const {
  std::ifstream in(pathFor(key), std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr size_t kHeader = 8 + 4 + 32 + 32 + 8;
  if (file.size() < kHeader || std::memcmp(file.data(), kMagic, 8) != 0) return std::nullopt;
  uint32_t version;
  std::memcpy(&version, file.data() + 8, 4);
  if (version != kFormatVersion || hex(file.data() + 12, 32) != key) return std::nullopt;
  uint64_t payload_len;
  std::memcpy(&payload_len, file.data() + 76, 8);
  if (payload_len != file.size() - kHeader) return std::nullopt;
  const uint8_t* payload = file.data() + kHeader;
  uint8_t digest[32];
  sha256(payload, payload_len, digest);
  if (std::memcmp(digest, file.data() + 44, 32) != 0) return std::nullopt;

  // The payload is authenticated by the digest; still parse defensively.
  const uint8_t* p = payload;
  const uint8_t* end = payload + payload_len;
  auto take64 = [&](uint64_t* v) {
    if (end - p < 8) return false;
    std::memcpy(v, p, 8);
    p += 8;
    return true;
  };
  uint64_t info_len;
  if (!take64(&info_len) || info_len > uint64_t(end - p)) return std::nullopt;
  auto info = deserializeModuleInfo(p, info_len);
  if (!info) return std::nullopt;
  p += info_len;
  Artifact out{std::move(*info), {}};
  uint64_t count;
  if (!take64(&count) || count > 1'000'000) return std::nullopt;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t len;
    if (!take64(&len) || len > uint64_t(end - p)) return std::nullopt;
    out.code.objects.emplace_back(p, p + len);
    p += len;
  }
  uint64_t map_len;
  if (!take64(&map_len) || map_len > uint64_t(end - p)) return std::nullopt;
  out.code.code_map.assign(p, p + map_len);
  p += map_len;
  if (p != end) return std::nullopt;
  return out;
}

Result<void> ArtifactCache::store(const std::string& key, const ModuleInfo& info,
                                  const ObjectCode& code) const {
  std::vector<uint8_t> payload;
  std::vector<uint8_t> meta = serialize(info);
  put64(payload, meta.size());
  payload.insert(payload.end(), meta.begin(), meta.end());
  put64(payload, code.objects.size());
  for (const auto& o : code.objects) {
    put64(payload, o.size());
    payload.insert(payload.end(), o.begin(), o.end());
  }
  put64(payload, code.code_map.size());
  payload.insert(payload.end(), code.code_map.begin(), code.code_map.end());
  std::vector<uint8_t> file(kMagic, kMagic + 8);
  uint8_t v[4];
  std::memcpy(v, &kFormatVersion, 4);
  file.insert(file.end(), v, v + 4);
  for (size_t i = 0; i < 32; ++i) file.push_back(static_cast<uint8_t>(std::stoi(key.substr(2 * i, 2), nullptr, 16)));
  uint8_t digest[32];
  sha256(payload.data(), payload.size(), digest);
  file.insert(file.end(), digest, digest + 32);
  put64(file, payload.size());
  file.insert(file.end(), payload.begin(), payload.end());

  std::string path = pathFor(key);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return fail(ErrorCode::kIo, "cannot create cache folder: ", ec.message());
  std::string tmp = path + ".tmp" + std::to_string(std::random_device{}());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    if (!out) return fail(ErrorCode::kIo, "cannot write ", tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return fail(ErrorCode::kIo, "cannot install artifact ", path);
  }
  return {};
}

}  // namespace tern::compile
