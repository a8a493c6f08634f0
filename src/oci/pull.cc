// Pulling: manifest -> locked app -> blobs into the digest-keyed cache -> a laid-out app folder.
#include "oci/pull.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "oci/spin_app.h"
#include "sign/digest.h"

namespace tern::oci {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kCompleteMarker = ".tern-complete";

Result<Descriptor> descriptor(const json& d, const char* what) {
  if (!d.is_object() || !d.contains("mediaType") || !d["mediaType"].is_string() ||
      !d.contains("digest") || !d["digest"].is_string() || !d.contains("size") ||
      !d["size"].is_number_unsigned()) {
    return fail(ErrorCode::kArtifact, "image manifest: ", what,
                " needs mediaType, digest and size");
  }
  Descriptor out{d["mediaType"].get<std::string>(), d["digest"].get<std::string>(),
                 d["size"].get<uint64_t>()};
  if (!sign::isSha256Digest(out.digest)) {
    return fail(ErrorCode::kArtifact, "image manifest: ", what, " digest '", out.digest,
                "' is not sha256:<64 hex>");
  }
  if (out.size > kMaxBlobBytes) {
    return fail(ErrorCode::kArtifact, "image manifest: ", what, " is too large");
  }
  return out;
}

std::string blobPath(const std::string& cache, const std::string& digest) {
  return cache + "/oci/blobs/sha256/" + std::string(sign::digestHex(digest));
}

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read ", path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes via a temporary name and rename, so a crash never leaves a partial file under the name.
Result<void> writeAtomically(const std::string& path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return fail(ErrorCode::kIo, "cannot write ", tmp);
  }
  fs::rename(tmp, path, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot write ", path, ": ", ec.message());
  return {};
}

// Downloads the blob unless the cache has it (re-hashed: a cache file is only trusted for its
// digest). `bytes`, when given, receives the content.
Result<void> ensureBlob(RegistryClient& client, const std::string& cache, const Descriptor& d,
                        PulledApp& out, std::string* content = nullptr) {
  std::string path = blobPath(cache, d.digest);
  if (auto cached = sign::sha256File(path); cached && *cached == d.digest) {
    ++out.layers_cached;
    if (!content) return {};
    auto bytes = readFile(path);
    if (!bytes) return fail(bytes.error());
    *content = std::move(*bytes);
    return {};
  }
  auto bytes = client.getBlob(d.digest, d.size);
  if (!bytes) return fail(bytes.error());
  if (bytes->size() != d.size) {
    return fail(ErrorCode::kArtifact, "blob ", d.digest, " has ", std::to_string(bytes->size()),
                " bytes, the manifest says ", std::to_string(d.size));
  }
  ++out.layers_fetched;
  TERN_TRY(writeAtomically(path, *bytes));
  if (content) *content = std::move(*bytes);
  return {};
}

// Hard-links the cached blob to `to` (copies across file systems).
Result<void> place(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_directories(fs::path(to).parent_path(), ec);
  fs::remove(to, ec);
  fs::create_hard_link(from, to, ec);
  if (ec) fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot place ", to, ": ", ec.message());
  return {};
}

Result<void> layOut(RegistryClient& client, const std::string& cache, const ImageManifest& im,
                    const LockedPlan& plan, const std::string& dir, PulledApp& out) {
  auto descriptorOf = [&](const std::string& digest) -> const Descriptor* {
    for (const auto& l : im.layers) {
      if (l.digest == digest) return &l;
    }
    return nullptr;
  };
  auto fetchPlaced = [&](const std::string& digest, const std::string& to) -> Result<void> {
    const Descriptor* d = descriptorOf(digest);
    if (!d) return fail(ErrorCode::kArtifact, "locked app names ", digest, ", not a layer");
    TERN_TRY(ensureBlob(client, cache, *d, out));
    return place(blobPath(cache, digest), to);
  };
  for (const auto& [id, digest] : plan.sources) {
    TERN_TRY(fetchPlaced(digest, dir + "/components/" + id + ".wasm"));
  }
  std::error_code ec;
  for (const auto& id : plan.sources) fs::create_directories(dir + "/files/" + id.first, ec);
  for (const auto& f : plan.files) {
    std::string to = dir + "/files/" + f.component + "/" + f.path;
    if (f.is_inline) {
      TERN_TRY(writeAtomically(to, f.inline_bytes));
    } else {
      TERN_TRY(fetchPlaced(f.digest, to));
    }
  }
  TERN_TRY(writeAtomically(dir + "/spin.toml", plan.toml));
  return writeAtomically(dir + "/" + std::string(kCompleteMarker), "");
}

// Lays the app out in a private folder beside `dir`, then renames it into place, so concurrent
// pulls of one app never see each other's half-written folders.
Result<void> layOutAtomically(RegistryClient& client, const std::string& cache,
                              const ImageManifest& im, const LockedPlan& plan,
                              const std::string& dir, PulledApp& out) {
  std::error_code ec;
  std::string tmp = dir + ".tmp." + std::to_string(::getpid());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot create ", tmp, ": ", ec.message());
  auto laid = layOut(client, cache, im, plan, tmp, out);
  if (!laid) {
    fs::remove_all(tmp, ec);
    return laid;
  }
  if (fs::exists(dir + "/" + std::string(kCompleteMarker), ec)) fs::remove_all(dir, ec);
  fs::rename(tmp, dir, ec);
  if (ec && fs::exists(dir + "/" + std::string(kCompleteMarker))) {
    fs::remove_all(tmp, ec);  // another process finished the same app first
    return {};
  }
  if (ec) {
    fs::remove_all(tmp, ec);
    return fail(ErrorCode::kIo, "cannot create ", dir, " (does it exist and hold other files?)");
  }
  return {};
}

}  // namespace

Result<ImageManifest> parseImageManifest(std::string_view bytes) {
  json j = json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kArtifact, "image manifest: not a JSON object");
  }
  if (!j.contains("schemaVersion") || j["schemaVersion"] != 2) {
    return fail(ErrorCode::kArtifact, "image manifest: schemaVersion must be 2");
  }
  if (j.contains("manifests")) {
    return fail(ErrorCode::kArtifact, "image manifest: an index, not an app (no Wasm platform)");
  }
  ImageManifest m;
  if (!j.contains("config")) return fail(ErrorCode::kArtifact, "image manifest: no config");
  auto config = descriptor(j["config"], "config");
  if (!config) return fail(config.error());
  m.config = *config;
  if (!j.contains("layers") || !j["layers"].is_array()) {
    return fail(ErrorCode::kArtifact, "image manifest: no layers list");
  }
  if (j["layers"].size() > kMaxLayers) {
    return fail(ErrorCode::kArtifact, "image manifest: more than ", std::to_string(kMaxLayers),
                " layers");
  }
  for (const auto& l : j["layers"]) {
    auto d = descriptor(l, "layer");
    if (!d) return fail(d.error());
    m.layers.push_back(*d);
  }
  return m;
}

Result<PulledApp> pullApp(RegistryClient& client, const PullOptions& options) {
  const Reference& ref = client.reference();
  Result<Fetched> fetched =
      options.manifest ? Result<Fetched>(*options.manifest) : client.getManifest(ref.manifestRef());
  if (!fetched) return fail(fetched.error());
  auto im = parseImageManifest(fetched->bytes);
  if (!im) return fail(im.error());
  PulledApp out;
  out.manifest_digest = fetched->digest;
  out.dir = options.output_dir.empty()
                ? options.cache_dir + "/oci/apps/" + std::string(sign::digestHex(fetched->digest))
                : options.output_dir;
  out.manifest_path = out.dir + "/spin.toml";
  std::error_code ec;
  if (options.output_dir.empty() && fs::exists(out.dir + "/" + std::string(kCompleteMarker), ec)) {
    out.reused = true;  // laid out from this very manifest digest before
    return out;
  }
  // The locked app: a layer of its media type, or (older Spin apps) the config blob itself.
  const Descriptor* locked = &im->config;
  for (const auto& l : im->layers) {
    if (l.media_type == kLockedAppMediaType) locked = &l;
  }
  for (const auto& l : im->layers) {
    if (l.media_type == kArchiveLayerMediaType) {
      return fail(ErrorCode::kArtifact, "archive layers (", kArchiveLayerMediaType,
                  ") are not supported yet; push with one layer per file");
    }
  }
  std::string locked_bytes;
  TERN_TRY(ensureBlob(client, options.cache_dir, *locked, out, &locked_bytes));
  auto plan = planLockedApp(locked_bytes);
  if (!plan) return fail(plan.error());
  TERN_TRY(layOutAtomically(client, options.cache_dir, *im, *plan, out.dir, out));
  return out;
}

}  // namespace tern::oci
