// Pulling a Spin app from a registry into a runnable folder.
//
//   auto app = oci::pullApp(client, {.cache_dir = "~/.cache/tern"});
//   manifest::loadManifest(app->manifest_path) ...
//
// Blobs land in CACHE/oci/blobs/sha256/<hex> once checked against their digest; a layer already
// there is not downloaded again. The app is laid out in CACHE/oci/apps/<manifest hex>/ (or
// `output_dir`): spin.toml (generated from the locked app with toml++), components/<id>.wasm and
// files/<id>/..., hard-linked from the blob cache. A folder that was laid out completely is reused
// as is: a pull of a cached app costs the manifest and locked-app requests only.
//
// What is refused (kArtifact unless said): a manifest that is not an OCI/Docker image manifest,
// more than kMaxLayers layers, a locked app that is not Spin's (spin_lock_version 0 or 1), that
// has must_understand entries Tern does not know, non-HTTP triggers, component dependencies,
// unsafe file paths (absolute, "..", empty segments) or bad component ids; any blob whose bytes
// differ from its digest (kDigestMismatch).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "oci/registry.h"

namespace tern::oci {

struct PullOptions {
  std::string cache_dir;   // required
  std::string output_dir;  // empty: CACHE/oci/apps/<manifest hex>; must not exist, or hold an
                           // earlier pull
  std::optional<Fetched> manifest;  // already fetched (and verified) by the caller
};

struct PulledApp {
  std::string manifest_digest;
  std::string dir;
  std::string manifest_path;  // dir/spin.toml
  bool reused = false;        // the folder was complete already
  size_t layers_fetched = 0;
  size_t layers_cached = 0;
};

// Pulls the app `client.reference()` names. When the reference has a digest, the manifest must
// have it.
Result<PulledApp> pullApp(RegistryClient& client, const PullOptions& options);

// Parses an OCI image manifest: its config and layer descriptors. Exposed for tests and fuzzing.
struct Descriptor {
  std::string media_type;
  std::string digest;
  uint64_t size = 0;
};
struct ImageManifest {
  Descriptor config;
  std::vector<Descriptor> layers;
};
Result<ImageManifest> parseImageManifest(std::string_view bytes);

// Writes spin.toml for a Spin locked app (JSON) into `dir`, whose components/ and files/ the
// caller fills from the returned plan. Exposed for tests.
struct FilePlacement {
  std::string component;
  std::string path;  // relative guest path, checked safe
  std::string digest;
  std::string inline_bytes;  // set when the locked app inlines the content
  bool is_inline = false;
};
struct LockedPlan {
  std::vector<std::pair<std::string, std::string>> sources;  // component id -> wasm digest
  std::vector<FilePlacement> files;
  std::string toml;  // the spin.toml text
};
Result<LockedPlan> planLockedApp(std::string_view locked_json);

}  // namespace tern::oci
