// A client for one repository of an OCI distribution registry (distribution-spec v1.1): blobs and
// manifests over HTTP(S) with libcurl, basic and bearer-token authentication.
//
//   oci::RegistryClient client(ref, {.insecure = true, .push = true});
//   TERN_TRY(client.pushBlob(bytes, digest));        // skipped when the registry has it
//   auto digest = client.pushManifest("v1", kOciManifestMediaType, manifest_json);
//   auto m = client.getManifest("v1");               // bytes checked against their digest
//
// Every fetched blob and manifest is checked against the digest that names it (kDigestMismatch).
// A 401 is answered once: with Basic credentials, or by fetching a token from the challenge's
// realm (the distribution token flow), using the credentials `tern registry login` stored. Not
// thread-safe: one client per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "oci/credentials.h"
#include "oci/reference.h"

namespace tern::oci {

inline constexpr std::string_view kOciManifestMediaType =
    "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfigMediaType = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerManifestMediaType =
    "application/vnd.docker.distribution.manifest.v2+json";

// Caps on what a registry may send: untrusted sizes (common/limits.h style).
inline constexpr uint64_t kMaxManifestBytes = 4u << 20;
inline constexpr uint64_t kMaxBlobBytes = 1ull << 30;

struct ClientOptions {
  bool insecure = false;                   // plain HTTP (loopback test registries)
  bool push = false;                       // ask tokens for pull,push instead of pull
  std::optional<Credentials> credentials;  // default: the stored login for the registry
};

struct Fetched {
  std::string bytes;
  std::string media_type;
  std::string digest;  // sha256 of `bytes`
};

class RegistryClient {
 public:
  RegistryClient(Reference ref, ClientOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  const Reference& reference() const { return ref_; }

  // Errors: kRegistry (unreachable, auth refused, unexpected status), kArtifact (404: no such
  // manifest, with `not_found` set), kDigestMismatch.
  Result<Fetched> getManifest(const std::string& tag_or_digest, bool* not_found = nullptr);
  // `max_bytes` caps the download (kResourceExhausted past it).
  Result<std::string> getBlob(const std::string& digest, uint64_t max_bytes = kMaxBlobBytes);
  Result<bool> hasBlob(const std::string& digest);
  // Uploads `bytes` (monolithic POST + PUT) unless the registry already has `digest`.
  Result<void> pushBlob(const std::string& bytes, const std::string& digest);
  // Returns the manifest's digest.
  Result<std::string> pushManifest(const std::string& tag_or_digest, std::string_view media_type,
                                   const std::string& bytes);

  struct Impl;

 private:
  Reference ref_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tern::oci
