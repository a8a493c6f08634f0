// Spin applications as OCI artifacts, in Spin's own layout (spinframework/spin crates/oci), so
// apps pushed by `spin registry push` and `tern registry push` are interchangeable:
//   - one `application/vnd.wasm.content.layer.v1+wasm` layer per component source;
//   - one `application/vnd.wasm.content.layer.v1+data` layer per static file (files of at most
//     128 bytes are inlined in the locked app instead, as Spin does);
//   - the locked app (Spin's spin.lock JSON with every source and file replaced by its digest) as
//     an `application/vnd.fermyon.spin.application.v1+config` layer;
//   - an OCI image config with architecture "wasm", os "wasip1" and the locked app's digest as the
//     `com.fermyon.spin.lockedAppDigest` label.
// Layers are deduplicated by digest; the manifest has no timestamps, so pushing the same app twice
// gives the same digest.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "manifest/manifest.h"
#include "oci/registry.h"

namespace tern::oci {

inline constexpr std::string_view kWasmLayerMediaType =
    "application/vnd.wasm.content.layer.v1+wasm";
inline constexpr std::string_view kDataLayerMediaType =
    "application/vnd.wasm.content.layer.v1+data";
inline constexpr std::string_view kArchiveLayerMediaType =
    "application/vnd.wasm.content.bundle.v1.tar+gzip";
inline constexpr std::string_view kLockedAppMediaType =
    "application/vnd.fermyon.spin.application.v1+config";
inline constexpr size_t kInlineMaxBytes = 128;
inline constexpr size_t kMaxLayers = 500;  // the lowest per-image cap of well-known registries

struct Blob {
  std::string media_type;
  std::string digest;
  std::string bytes;
};

struct PackagedApp {
  std::vector<Blob> layers;  // deduplicated, the locked app last
  Blob config;               // the OCI image config
  std::string manifest;      // the OCI image manifest JSON
  std::string digest;        // its sha256
};

// Packs a loaded manifest (component sources must exist; `files` are staged as `tern up` stages
// them). Errors: kIo for unreadable sources, kArtifact past kMaxLayers.
Result<PackagedApp> packageApp(const manifest::Manifest& m);

// Pushes blobs the registry lacks, then the manifest under the reference's tag. Returns the
// manifest digest.
Result<std::string> pushApp(RegistryClient& client, const PackagedApp& app);

}  // namespace tern::oci
