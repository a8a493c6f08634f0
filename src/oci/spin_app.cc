// Packing a loaded Spin manifest into Spin's OCI layout, and pushing it.
#include "oci/spin_app.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "sign/digest.h"
#include "trigger/files_stage.h"

namespace tern::oci {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Result<std::string> readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read ", path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A private folder removed when it goes out of scope.
class TempDir {
 public:
  static Result<TempDir> create() {
    std::string tmpl = (fs::temp_directory_path() / "tern-push-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return fail(ErrorCode::kIo, "cannot create a temporary folder");
    TempDir d;
    d.path_ = tmpl;
    return d;
  }
  TempDir() = default;
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Packer {
 public:
  json contentRef(const std::string& bytes, std::string_view media_type, bool may_inline) {
    json ref;
    std::string digest = sign::sha256Digest(bytes);
    ref["digest"] = digest;
    if (may_inline && bytes.size() <= kInlineMaxBytes) {
      ref["inline"] = sign::base64Encode(bytes);
      return ref;
    }
    if (seen_.insert(digest).second) {
      layers_.push_back(Blob{std::string(media_type), digest, bytes});
    }
    return ref;
  }
  std::vector<Blob>& layers() { return layers_; }

 private:
  std::set<std::string> seen_;
  std::vector<Blob> layers_;
};

json lockedTrigger(const manifest::HttpTrigger& t, size_t index) {
  json config;
  if (t.route.is_private) {
    config["route"] = {{"private", true}};
  } else {
    config["route"] = t.route.raw;
  }
  if (!t.component.empty()) config["component"] = t.component;
  if (t.executor.kind == manifest::ExecutorKind::kWagi) {
    config["executor"] = {
        {"type", "wagi"}, {"argv", t.executor.argv}, {"entrypoint", t.executor.entrypoint}};
  }
  if (t.static_response) {
    json headers = json::object();
    for (const auto& [k, v] : t.static_response->headers) headers[k] = v;
    config["static_response"] = {{"status_code", t.static_response->status_code},
                                 {"headers", headers},
                                 {"body", t.static_response->body}};
  }
  std::string id = t.id.empty() ? "http-trigger-" + std::to_string(index + 1) : t.id;
  return {{"id", id}, {"trigger_type", "http"}, {"trigger_config", config}};
}

// Tern's own per-component limits ([component.<id>.tern]) travel in the component's metadata
// under "tern"; Spin ignores metadata keys it does not know.
json ternLimits(const manifest::ComponentLimits& l) {
  json t = json::object();
  if (l.request_timeout) t["request_timeout_ms"] = l.request_timeout->count();
  if (l.max_instance_memory) t["max_instance_memory"] = *l.max_instance_memory;
  if (l.max_output) t["max_output"] = *l.max_output;
  if (l.max_request_body) t["max_request_body"] = *l.max_request_body;
  if (l.max_concurrent) t["max_concurrent"] = *l.max_concurrent;
  return t;
}

json stringArray(const std::vector<std::string>& v) { return v.empty() ? json::array() : json(v); }

Result<json> lockedComponent(const manifest::Manifest& m, const manifest::Component& c,
                             const std::string& stage_root, Packer& packer) {
  json lc;
  lc["id"] = c.id;
  json meta = {{"allowed_outbound_hosts", stringArray(c.allowed_outbound_hosts)},
               {"key_value_stores", stringArray(c.key_value_stores)},
               {"databases", stringArray(c.sqlite_databases)},
               {"ai_models", stringArray(c.ai_models)}};
  if (!c.description.empty()) meta["description"] = c.description;
  if (json t = ternLimits(c.limits); !t.empty()) meta["tern"] = t;
  lc["metadata"] = meta;
  auto wasm = readAll(c.source);
  if (!wasm) return fail(wasm.error());
  json source = packer.contentRef(*wasm, kWasmLayerMediaType, false);
  source["content_type"] = "application/wasm";
  lc["source"] = source;
  if (!c.environment.empty()) {
    for (const auto& [k, v] : c.environment) lc["env"][k] = v;
  }
  if (!c.variables.empty()) {
    for (const auto& [k, v] : c.variables) lc["config"][k] = v;
  }
  if (c.files.empty()) return lc;
  std::string stage = stage_root + "/" + c.id;
  TERN_TRY(trigger::stageFiles(c, m.dir, stage));
  std::vector<std::string> rels;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(stage, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) rels.push_back(fs::relative(it->path(), stage).generic_string());
  }
  if (ec) return fail(ErrorCode::kIo, "cannot list staged files of ", c.id, ": ", ec.message());
  std::sort(rels.begin(), rels.end());
  json files = json::array();
  for (const auto& rel : rels) {
    auto bytes = readAll(stage + "/" + rel);
    if (!bytes) return fail(bytes.error());
    json f = packer.contentRef(*bytes, kDataLayerMediaType, true);
    f["path"] = rel;
    files.push_back(std::move(f));
  }
  lc["files"] = std::move(files);
  return lc;
}

json lockedMetadata(const manifest::Manifest& m) {
  json meta;
  const auto& a = m.application;
  meta["name"] = a.name;
  if (!a.version.empty()) meta["version"] = a.version;
  if (!a.description.empty()) meta["description"] = a.description;
  if (!a.authors.empty()) meta["authors"] = a.authors;
  meta["triggers"] = {{"http", {{"base", a.http_base}}}};
  meta["trigger"] = {{"type", "http"}, {"base", a.http_base}};
  return meta;
}

json lockedVariables(const manifest::Manifest& m) {
  json vars = json::object();
  for (const auto& v : m.variables) {
    json e = json::object();
    if (v.default_value) e["default"] = *v.default_value;
    if (v.secret) e["secret"] = true;
    vars[v.name] = e;
  }
  return vars;
}

json descriptor(const Blob& b) {
  return {{"mediaType", b.media_type}, {"digest", b.digest}, {"size", b.bytes.size()}};
}

}  // namespace

Result<PackagedApp> packageApp(const manifest::Manifest& m) {
  auto stage = TempDir::create();
  if (!stage) return fail(stage.error());
  Packer packer;
  json locked;
  locked["spin_lock_version"] = 0;
  locked["metadata"] = lockedMetadata(m);
  if (json v = lockedVariables(m); !v.empty()) locked["variables"] = v;
  locked["triggers"] = json::array();
  for (size_t i = 0; i < m.http_triggers.size(); ++i) {
    locked["triggers"].push_back(lockedTrigger(m.http_triggers[i], i));
  }
  locked["components"] = json::array();
  for (const auto& c : m.components) {
    auto lc = lockedComponent(m, c, stage->path(), packer);
    if (!lc) return fail(lc.error());
    locked["components"].push_back(std::move(*lc));
  }
  PackagedApp app;
  app.layers = std::move(packer.layers());
  std::string locked_bytes = locked.dump();
  std::string locked_digest = sign::sha256Digest(locked_bytes);
  app.layers.push_back(Blob{std::string(kLockedAppMediaType), locked_digest, locked_bytes});
  if (app.layers.size() > kMaxLayers) {
    return fail(ErrorCode::kArtifact, "the app needs ", std::to_string(app.layers.size()),
                " layers, more than registries accept (", std::to_string(kMaxLayers), ")");
  }
  json diff_ids = json::array();
  for (const auto& l : app.layers) diff_ids.push_back(l.digest);
  json config = {{"architecture", "wasm"},
                 {"os", "wasip1"},
                 {"config", {{"Labels", {{"com.fermyon.spin.lockedAppDigest", locked_digest}}}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  std::string config_bytes = config.dump();
  app.config =
      Blob{std::string(kOciConfigMediaType), sign::sha256Digest(config_bytes), config_bytes};
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", kOciManifestMediaType},
                   {"config", descriptor(app.config)},
                   {"layers", json::array()}};
  for (const auto& l : app.layers) manifest["layers"].push_back(descriptor(l));
  json ann = {{"org.opencontainers.image.title", m.application.name}};
  if (!m.application.version.empty()) {
    ann["org.opencontainers.image.version"] = m.application.version;
  }
  if (!m.application.description.empty()) {
    ann["org.opencontainers.image.description"] = m.application.description;
  }
  manifest["annotations"] = ann;
  app.manifest = manifest.dump();
  app.digest = sign::sha256Digest(app.manifest);
  return app;
}

Result<std::string> pushApp(RegistryClient& client, const PackagedApp& app) {
  for (const auto& l : app.layers) TERN_TRY(client.pushBlob(l.bytes, l.digest));
  TERN_TRY(client.pushBlob(app.config.bytes, app.config.digest));
  const Reference& ref = client.reference();
  std::string target = ref.tag.empty() ? app.digest : ref.tag;
  return client.pushManifest(target, kOciManifestMediaType, app.manifest);
}

}  // namespace tern::oci
